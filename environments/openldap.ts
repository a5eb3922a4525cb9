// A real OpenLDAP server (Debian's slapd) as the directory: started by the test process as a child on a
// free loopback port, with a cn=config generated in a temp folder, and stopped with the process.
//
// Measured here (OpenLDAP 2.5.13): back_mdb must be loaded as a module in cn=config; `slapd -d 0` stays in
// the foreground, so the PID we hold is slapd's; `olcDbNoSync: TRUE` makes bulk adds several times faster.
// Each forest's naming context becomes an mdb database, added through cn=config when a scenario first
// declares it. The forests the scenarios write need no RootDSE (each organization knows its contexts);
// a forest preloaded offline (slapadd -q) is named by the RootDSE (olcRootDSE, added once slapd runs: it
// cannot be taken back while slapd runs), so a reader such as the live environment finds it as it finds
// a domain controller's forest.
// The cn=config and the online forest operations are slapd-config.ts's, shared with containers.ts.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import type { DirectoryWriteEntry, NamingContexts } from '@exchange-scenarios/engine';
import type { ScenarioEnvironment } from './environment';
import { ldifEntry, SERVICE_SUFFIX, slapdConfigLdif, slapdForests } from './slapd-config';

const SLAPD = ['/usr/sbin/slapd', '/usr/local/libexec/slapd'];
const SLAPADD = ['/usr/sbin/slapadd', '/usr/local/sbin/slapadd'];
const MODULE_PATH = ['/usr/lib/ldap', '/usr/lib/x86_64-linux-gnu/ldap', '/usr/local/libexec/openldap'];
const SCHEMA_DIR = ['/etc/ldap/schema', '/usr/local/etc/openldap/schema'];

/** Why the environment cannot start here, in words an administrator can act on; undefined when it can. */
export function openLdapUnavailable(): string | undefined {
  if (!find(SLAPD) || !find(SLAPADD)) return 'slapd is not installed: apt-get install slapd ldap-utils (Debian), or put slapd and slapadd on the usual paths';
  if (!find(MODULE_PATH.map((d) => join(d, 'back_mdb.so')))) return `slapd's back_mdb module was not found in ${MODULE_PATH.join(', ')}`;
  return undefined;
}

function find(paths: readonly string[]): string | undefined {
  return paths.find((p) => existsSync(p));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface OpenLdapOptions {
  /**
   * A forest loaded before slapd starts, offline with `slapadd -q` (the fastest way in: no network, no
   * per-entry transaction), and named by the RootDSE as a domain controller names its own forest, so a
   * client that reads the RootDSE (the live environment) finds it. Entries are in parents-first order.
   */
  preload?: { contexts: NamingContexts; entries: readonly DirectoryWriteEntry[] };
  /** slapd's operation log (loglevel stats, one line per request) goes to this file. */
  logFile?: string;
}

export interface OpenLdapServer extends ScenarioEnvironment {
  /** How long the offline slapadd of `preload` took, in ms. */
  readonly preloadMs?: number;
}

export async function startOpenLdap(options: OpenLdapOptions = {}): Promise<OpenLdapServer> {
  const why = openLdapUnavailable();
  if (why) throw new Error(`EXCHANGE_SCENARIOS_ENVIRONMENT=openldap cannot start: ${why}`);
  const folder = mkdtempSync(join(tmpdir(), 'exchange-scenarios-slapd-'));
  // A fresh secret per process, never written to a report; the service account is cn=config's root DN.
  const serviceAccount = { dn: `CN=Exchange Scenarios Service,${SERVICE_SUFFIX}`, password: randomBytes(18).toString('base64') };
  const schemaDir = find(SCHEMA_DIR)!;
  const modulePath = find(MODULE_PATH.filter((d) => existsSync(join(d, 'back_mdb.so'))))!;
  const config = slapdConfigLdif({
    pidFile: join(folder, 'slapd.pid'),
    modulePath,
    schemaDir,
    coreLdif: readFileSync(join(schemaDir, 'core.ldif'), 'utf8'),
    serviceAccount,
    serviceDirectory: join(folder, 'service'),
    forests: options.preload ? [{ suffix: options.preload.contexts.defaultNamingContext, directory: join(folder, 'forest0') }] : [],
  });
  if (options.preload) {
    const c = options.preload.contexts;
    writeFileSync(join(folder, 'rootdse.ldif'), `dn:\ndefaultNamingContext: ${c.defaultNamingContext}\nconfigurationNamingContext: ${c.configurationNamingContext}\nrootDomainNamingContext: ${c.defaultNamingContext}\n`);
    mkdirSync(join(folder, 'forest0'));
  }
  const configFile = join(folder, 'config.ldif');
  writeFileSync(configFile, `${config}\n`, { mode: 0o600 });
  mkdirSync(join(folder, 'slapd.d'));
  mkdirSync(join(folder, 'service'));
  const loaded = spawnSync(find(SLAPADD)!, ['-n', '0', '-F', join(folder, 'slapd.d'), '-l', configFile], { encoding: 'utf8' });
  rmSync(configFile); // it holds the service account's password
  if (loaded.status !== 0) throw new Error(`slapadd refused the generated cn=config: ${(loaded.stderr || loaded.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  let preloadMs: number | undefined;
  if (options.preload) {
    const dataFile = join(folder, 'forest.ldif');
    writeFileSync(dataFile, options.preload.entries.map((e) => ldifEntry(e.dn, e.attributes)).join('\n\n') + '\n', { mode: 0o600 });
    const started = performance.now();
    const data = spawnSync(find(SLAPADD)!, ['-q', '-n', '2', '-F', join(folder, 'slapd.d'), '-l', dataFile], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    preloadMs = performance.now() - started;
    rmSync(dataFile); // it may hold users' passwords
    if (data.status !== 0) throw new Error(`slapadd refused the forest to preload: ${(data.stderr || data.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  }

  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  // EXCHANGE_SCENARIOS_SLAPD_LOG=<file> keeps slapd's operation log (loglevel stats: one line per request) for diagnosis.
  const logFile = options.logFile ?? process.env.EXCHANGE_SCENARIOS_SLAPD_LOG?.trim();
  const child: ChildProcess = spawn(find(SLAPD)!, ['-d', logFile ? 'stats' : '0', '-h', `${url}/`, '-F', join(folder, 'slapd.d')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const log = logFile ? createWriteStream(logFile) : undefined;
  child.stderr?.on('data', (d) => {
    stderr = (stderr + String(d)).slice(-4000);
    log?.write(d);
  });
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.once('exit', stop);

  const admin = new Client({ url });
  // slapd is a separate process: wait (in real time, once per run) until it answers a bind.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.bind(serviceAccount.dn, serviceAccount.password);
      break;
    } catch (e) {
      if (child.exitCode !== null || attempt > 200) {
        stop();
        throw new Error(`slapd did not start on ${url}: ${stderr.trim().split('\n').slice(-3).join(' | ') || (e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  if (options.preload) {
    // Published once slapd runs: the RootDSE file names attributes of our schema, which cn=config's own
    // entry is read before. (slapd cannot take a published RootDSE back while running: a delete answers 80.)
    await admin.modify('cn=config', [new Change({ operation: 'add', modification: new Attribute({ type: 'olcRootDSE', values: [join(folder, 'rootdse.ldif')] }) })]);
  }

  const forests = slapdForests(admin, {
    serviceDn: serviceAccount.dn,
    async createDirectory(n) {
      const dir = join(folder, `forest${n}`);
      mkdirSync(dir);
      return dir;
    },
    suffixes: options.preload ? [options.preload.contexts.defaultNamingContext] : [],
    rebind: () => admin.bind(serviceAccount.dn, serviceAccount.password),
  });

  return {
    preloadMs,
    name: 'openldap',
    url,
    serviceAccount,
    ...forests,
    async dispose() {
      await admin.unbind().catch(() => undefined);
      stop();
      await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
