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
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import type { NamingContexts } from '@exchange-scenarios/engine';
import { parseDn } from '@exchange-scenarios/engine/src/directory/dn';
import { openLdapSchemaLdif } from '@exchange-scenarios/engine/src/directory/ad-schema';
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
    `include: file://${join(schemaDir, 'core.ldif')}`,
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
  const child: ChildProcess = spawn(find(SLAPD)!, ['-d', '0', '-h', `${url}/`, '-F', join(folder, 'slapd.d')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + String(d)).slice(-4000)));
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

  const suffixes = new Map<string, number>(); // normalized suffix → database index
  const rootDseFile = join(folder, 'rootdse.ldif');
  let rootDse: string | undefined;

  /** An mdb database for a forest, through cn=config; it outlives the scenario (slapd 2.5 cannot drop one), emptied between scenarios. */
  async function ensureDatabase(suffix: string): Promise<void> {
    const key = suffix.toLowerCase();
    if (suffixes.has(key)) return;
    const index = suffixes.size + 2; // {1} is the service account's
    const dir = join(folder, `db${index}`);
    mkdirSync(dir);
    await admin.add(`olcDatabase={${index}}mdb,cn=config`, {
      objectClass: ['olcDatabaseConfig', 'olcMdbConfig'],
      olcDatabase: `{${index}}mdb`,
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
    suffixes.set(key, index);
  }

  async function publishRootDse(contexts: NamingContexts): Promise<void> {
    writeFileSync(rootDseFile, `dn:\ndefaultNamingContext: ${contexts.defaultNamingContext}\nconfigurationNamingContext: ${contexts.configurationNamingContext}\nrootDomainNamingContext: ${contexts.defaultNamingContext}\n`);
    const operations = rootDse ? [{ operation: 'delete' as const, values: [rootDseFile] }] : [];
    for (const op of [...operations, { operation: 'add' as const, values: [rootDseFile] }]) {
      await admin.modify('cn=config', new Change({ operation: op.operation, modification: new Attribute({ type: 'olcRootDSE', values: op.values }) }));
    }
    rootDse = contexts.defaultNamingContext;
  }

  return {
    name: 'openldap',
    url,
    serviceAccount,
    async declareNamingContexts(contexts: NamingContexts) {
      await ensureDatabase(contexts.defaultNamingContext);
      // The first forest of a scenario is the one the RootDSE names (as a domain controller names its own).
      if (!rootDse) await publishRootDse(contexts);
    },
    async prepareScenario() {
      // Empty every forest, deepest entries first (slapd deletes leaves only).
      for (const suffix of suffixes.keys()) {
        let found;
        try {
          found = await admin.search(suffix, { scope: 'sub', filter: '(objectClass=*)', attributes: ['1.1'] });
        } catch (e) {
          if ((e as { code?: number }).code === 32) continue; // noSuchObject: nothing under the suffix
          throw e;
        }
        const dns = found.searchEntries.map((e) => e.dn).sort((a, b) => parseDn(b).length - parseDn(a).length);
        for (const dn of dns) await admin.del(dn);
      }
      if (rootDse) {
          await admin.modify('cn=config', new Change({ operation: 'delete', modification: new Attribute({ type: 'olcRootDSE', values: [rootDseFile] }) }));
        rootDse = undefined;
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
