// A real OpenLDAP server (Debian's slapd) as the directory: started by the test process as a child on a
// free loopback port, with a cn=config generated in a temp folder, and stopped with the process.
//
// Measured here (OpenLDAP 2.5.13): back_mdb must be loaded as a module in cn=config; `slapd -d 0` stays in
// the foreground, so the PID we hold is slapd's; `olcDbNoSync: TRUE` makes bulk adds several times faster.
// Each forest's naming context becomes an mdb database, added through cn=config when a scenario first
// declares it; Active Directory's RootDSE attributes (defaultNamingContext, configurationNamingContext)
// are published with olcRootDSE, so the engine finds its forest the way it does on a domain controller.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import type { DirectoryWriteEntry, NamingContexts } from '@exchange-scenarios/engine';
import { normalizeDn, parseDn } from '@exchange-scenarios/engine/src/directory/dn';
import { openLdapCoreSchema, openLdapSchemaLdif } from '@exchange-scenarios/engine/src/directory/ad-schema';
import type { ScenarioEnvironment } from './environment';

const SERVICE_SUFFIX = 'CN=Service Accounts';
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

const ldifValue = (v: string) => (/^[\x21-\x39\x3b\x3d-\x7e][\x20-\x7e]*$/.test(v) && !v.endsWith(' ') ? ` ${v}` : `: ${Buffer.from(v).toString('base64')}`);
const ldifRecord = (dn: string, attributes: Array<[string, string]>) => [`dn:${ldifValue(dn)}`, ...attributes.map(([k, v]) => `${k}:${ldifValue(v)}`)].join('\n');

export async function startOpenLdap(): Promise<ScenarioEnvironment> {
  const why = openLdapUnavailable();
  if (why) throw new Error(`EXCHANGE_SCENARIOS_ENVIRONMENT=openldap cannot start: ${why}`);
  const folder = mkdtempSync(join(tmpdir(), 'exchange-scenarios-slapd-'));
  // A fresh secret per process, never written to a report; the service account is cn=config's root DN.
  const serviceAccount = { dn: `CN=Exchange Scenarios Service,${SERVICE_SUFFIX}`, password: randomBytes(18).toString('base64') };
  const schemaDir = find(SCHEMA_DIR)!;
  const modulePath = find(MODULE_PATH.filter((d) => existsSync(join(d, 'back_mdb.so'))))!;
  const config = [
    ldifRecord('cn=config', [['objectClass', 'olcGlobal'], ['cn', 'config'], ['olcPidFile', join(folder, 'slapd.pid')]]),
    ldifRecord('cn=module{0},cn=config', [['objectClass', 'olcModuleList'], ['cn', 'module{0}'], ['olcModulePath', modulePath], ['olcModuleLoad', 'back_mdb']]),
    ldifRecord('cn=schema,cn=config', [['objectClass', 'olcSchemaConfig'], ['cn', 'schema']]),
    openLdapCoreSchema(readFileSync(join(schemaDir, 'core.ldif'), 'utf8'), join(schemaDir, 'core.ldif')),
    `include: file://${join(schemaDir, 'cosine.ldif')}`,
    `include: file://${join(schemaDir, 'inetorgperson.ldif')}`,
    openLdapSchemaLdif(),
    ldifRecord('olcDatabase={-1}frontend,cn=config', [['objectClass', 'olcDatabaseConfig'], ['objectClass', 'olcFrontendConfig'], ['olcDatabase', '{-1}frontend'], ['olcSizeLimit', 'unlimited']]),
    // The service account may change cn=config (to add a forest's database) and nothing else there.
    ldifRecord('olcDatabase={0}config,cn=config', [
      ['objectClass', 'olcDatabaseConfig'],
      ['olcDatabase', '{0}config'],
      ['olcAccess', `{0}to * by dn.exact="${serviceAccount.dn}" manage by * none`],
    ]),
    // slapd accepts a root password only for a DN under the database's suffix: the account gets its own.
    ldifRecord('olcDatabase={1}mdb,cn=config', [
      ['objectClass', 'olcDatabaseConfig'],
      ['objectClass', 'olcMdbConfig'],
      ['olcDatabase', '{1}mdb'],
      ['olcSuffix', SERVICE_SUFFIX],
      ['olcDbDirectory', join(folder, 'service')],
      ['olcRootDN', serviceAccount.dn],
      ['olcRootPW', serviceAccount.password],
    ]),
  ].join('\n\n');
  const configFile = join(folder, 'config.ldif');
  writeFileSync(configFile, `${config}\n`, { mode: 0o600 });
  mkdirSync(join(folder, 'slapd.d'));
  mkdirSync(join(folder, 'service'));
  const loaded = spawnSync(find(SLAPADD)!, ['-n', '0', '-F', join(folder, 'slapd.d'), '-l', configFile], { encoding: 'utf8' });
  rmSync(configFile); // it holds the service account's password
  if (loaded.status !== 0) throw new Error(`slapadd refused the generated cn=config: ${(loaded.stderr || loaded.stdout).trim().split('\n').slice(-3).join(' | ')}`);

  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  // EXCHANGE_SCENARIOS_SLAPD_LOG=<file> keeps slapd's operation log (loglevel stats: one line per request) for diagnosis.
  const logFile = process.env.EXCHANGE_SCENARIOS_SLAPD_LOG?.trim();
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

  /** Each forest's suffix, in slapd's database order ({2}, {3}, … ; {1} is the service account's). */
  const suffixes: string[] = [];
  let databases = 0;

  /**
   * An mdb database for a forest, added through cn=config when a scenario first declares the forest; it
   * outlives the scenario (slapd 2.5 cannot drop a database) and is emptied between scenarios. A forest
   * whose domain is under another's (corp.fabrikam.com and fabrikam.com) must come first in slapd's order,
   * or slapd answers that the name is "already served by a preceding mdb database": it is inserted there.
   */
  async function ensureDatabase(suffix: string): Promise<void> {
    const key = normalizeDn(suffix);
    const keys = suffixes.map(normalizeDn);
    if (keys.includes(key)) return;
    const firstSuperior = keys.findIndex((k) => key.endsWith(`,${k}`));
    const position = firstSuperior === -1 ? suffixes.length : firstSuperior;
    const dir = join(folder, `forest${++databases}`);
    mkdirSync(dir);
    await admin.add(`olcDatabase={${position + 2}}mdb,cn=config`, {
      objectClass: ['olcDatabaseConfig', 'olcMdbConfig'],
      olcDatabase: `{${position + 2}}mdb`,
      olcSuffix: suffix,
      olcDbDirectory: dir,
      olcDbNoSync: 'TRUE',
      olcDbMaxSize: String(1024 * 1024 * 1024),
      // The service account (authenticated by its own database) is every forest's root DN: only a root DN may add a suffix's entry.
      olcRootDN: serviceAccount.dn,
      // Users bind with their own passwords; nobody but the service account reads them.
      olcAccess: [
        `{0}to attrs=userPassword by dn.exact="${serviceAccount.dn}" write by anonymous auth by * none`,
        `{1}to * by dn.exact="${serviceAccount.dn}" manage by users read by * none`,
      ],
    });
    suffixes.splice(position, 0, suffix);
  }

  /**
   * Adds new entries parents first. slapd runs requests on several threads, so a child sent right behind its
   * parent can be handled first (noSuchObject); entries of one depth are independent and go pipelined. On a
   * failure every entry added is taken away again, deepest first, so nothing is half-applied.
   */
  async function addInOrder(entries: readonly DirectoryWriteEntry[]): Promise<void> {
    const byDepth = new Map<number, DirectoryWriteEntry[]>();
    for (const e of entries) {
      const depth = parseDn(e.dn).length;
      byDepth.set(depth, [...(byDepth.get(depth) ?? []), e]);
    }
    const added: string[] = [];
    try {
      for (const depth of [...byDepth.keys()].sort((a, b) => a - b)) {
        const level = byDepth.get(depth)!;
        const results = await Promise.allSettled(level.map((e) => admin.add(e.dn, e.attributes)));
        results.forEach((r, i) => r.status === 'fulfilled' && added.push(level[i].dn));
        const at = results.findIndex((r) => r.status === 'rejected');
        if (at >= 0) {
          // slapd's text names no entry: say which one, as the in-process server does, keeping the result code.
          const reason = (results[at] as PromiseRejectedResult).reason as Error & { code?: number };
          throw Object.assign(new Error(`"${level[at].dn}": ${reason.message.replace(/ Code: 0x[0-9a-f]+$/i, '')}`), { code: reason.code });
        }
      }
    } catch (e) {
      for (const dn of added.reverse()) await admin.del(dn).catch(() => undefined);
      throw e;
    }
  }

  return {
    name: 'openldap',
    url,
    serviceAccount,
    async declareNamingContexts(contexts: NamingContexts) {
      // The configuration partition sits under the domain in our layout, so one database holds the forest.
      await ensureDatabase(contexts.defaultNamingContext);
    },
    importEntries: addInOrder,
    async prepareScenario() {
      // Empty every forest, deepest entries first (slapd deletes leaves only).
      for (const suffix of suffixes) {
        let found;
        try {
          found = await admin.search(suffix, { scope: 'sub', filter: '(objectClass=*)', attributes: ['1.1'] });
        } catch (e) {
          if ((e as { code?: number }).code === 32) continue; // noSuchObject: nothing under the suffix
          throw e;
        }
        // Leaves of one depth at a time (pipelined), deepest first: slapd deletes only entries without children.
        const byDepth = new Map<number, string[]>();
        for (const { dn } of found.searchEntries) {
          const depth = parseDn(dn).length;
          byDepth.set(depth, [...(byDepth.get(depth) ?? []), dn]);
        }
        for (const depth of [...byDepth.keys()].sort((a, b) => b - a)) await Promise.all(byDepth.get(depth)!.map((dn) => admin.del(dn)));
      }
    },
    async dispose() {
      await admin.unbind().catch(() => undefined);
      stop();
      await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
