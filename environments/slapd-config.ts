// What every environment that runs OpenLDAP's slapd shares (openldap.ts: slapd as a child process;
// containers.ts: slapd in a container): the cn=config it starts from, generated as LDIF for `slapadd -n0`,
// and the online part — a forest's mdb database added through cn=config when a scenario declares it,
// entries added parents first, every forest emptied between scenarios — given a bound admin client.
//
// Measured here (OpenLDAP 2.5.13): back_mdb must be loaded as a module in cn=config; `olcDbNoSync: TRUE`
// makes bulk adds several times faster.

import type { Client } from 'ldapts';
import type { DirectoryWriteEntry, NamingContexts } from '@exchange-scenarios/engine';
import { byDepth, normalizeDn } from '@exchange-scenarios/engine/src/directory/dn';
import { openLdapCoreSchema, openLdapSchemaLdif } from '@exchange-scenarios/engine/src/directory/ad-schema';

export const SERVICE_SUFFIX = 'CN=Service Accounts';

export const ldifValue = (v: string) => (/^[\x21-\x39\x3b\x3d-\x7e][\x20-\x7e]*$/.test(v) && !v.endsWith(' ') ? ` ${v}` : `: ${Buffer.from(v).toString('base64')}`);
export const ldifRecord = (dn: string, attributes: Array<[string, string]>) => [`dn:${ldifValue(dn)}`, ...attributes.map(([k, v]) => `${k}:${ldifValue(v)}`)].join('\n');
/** An entry as an LDIF record, each value of a multi-valued attribute on its own line. */
export const ldifEntry = (dn: string, attributes: Record<string, string | string[]>) => ldifRecord(dn, Object.entries(attributes).flatMap(([k, v]) => ([] as string[]).concat(v).map((x): [string, string] => [k, x])));

export interface ServiceAccount {
  readonly dn: string;
  readonly password: string;
}

/** Where things are on the machine (or in the container) slapd runs on; every path is as slapd sees it. */
export interface SlapdConfigOptions {
  pidFile: string;
  /** The folder holding back_mdb.so. */
  modulePath: string;
  /** The folder of OpenLDAP's core.ldif, cosine.ldif and inetorgperson.ldif. */
  schemaDir: string;
  /** The text of `${schemaDir}/core.ldif`, read where slapd runs (Active Directory's person is made from it). */
  coreLdif: string;
  /** The account that is cn=config's manager and every forest's root DN. */
  serviceAccount: ServiceAccount;
  /** The database directory of the service account's own database (it must exist before slapd starts). */
  serviceDirectory: string;
  /** Forests whose databases exist from the start ({2}, {3}, … in this order), each with its (existing) directory. */
  forests?: ReadonlyArray<{ suffix: string; directory: string }>;
}

/** The whole cn=config as LDIF, for `slapadd -n 0 -F <slapd.d> -l <file>`; it holds the service account's password. */
export function slapdConfigLdif(o: SlapdConfigOptions): string {
  const { serviceAccount } = o;
  return [
    ldifRecord('cn=config', [['objectClass', 'olcGlobal'], ['cn', 'config'], ['olcPidFile', o.pidFile]]),
    ldifRecord('cn=module{0},cn=config', [['objectClass', 'olcModuleList'], ['cn', 'module{0}'], ['olcModulePath', o.modulePath], ['olcModuleLoad', 'back_mdb']]),
    ldifRecord('cn=schema,cn=config', [['objectClass', 'olcSchemaConfig'], ['cn', 'schema']]),
    openLdapCoreSchema(o.coreLdif, `${o.schemaDir}/core.ldif`),
    `include: file://${o.schemaDir}/cosine.ldif`,
    `include: file://${o.schemaDir}/inetorgperson.ldif`,
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
      ['olcDbDirectory', o.serviceDirectory],
      ['olcRootDN', serviceAccount.dn],
      ['olcRootPW', serviceAccount.password],
    ]),
    ...(o.forests ?? []).map((f, i) => forestDatabaseLdif(2 + i, f.suffix, f.directory, serviceAccount.dn)),
  ].join('\n\n');
}

/**
 * A forest's mdb database as cn=config holds it: written as LDIF for slapadd -n0 before start
 * (forestDatabaseLdif), or added online by ensureDatabase.
 */
function forestDatabase(index: number, suffix: string, directory: string, serviceDn: string): Record<string, string | string[]> {
  return {
    objectClass: ['olcDatabaseConfig', 'olcMdbConfig'],
    olcDatabase: `{${index}}mdb`,
    olcSuffix: suffix,
    olcDbDirectory: directory,
    olcDbNoSync: 'TRUE',
    olcDbMaxSize: String(4 * 1024 * 1024 * 1024),
    // The service account (authenticated by its own database) is every forest's root DN: only a root DN may add a suffix's entry.
    olcRootDN: serviceDn,
    // Users bind with their own passwords; nobody but the service account reads them.
    olcAccess: forestAccess(serviceDn),
    olcDbIndex: FOREST_INDEXES,
  };
}

function forestDatabaseLdif(index: number, suffix: string, directory: string, serviceDn: string): string {
  return ldifEntry(`olcDatabase={${index}}mdb,cn=config`, forestDatabase(index, suffix, directory, serviceDn));
}

/**
 * Equality indexes on what the engine looks users up by. Without them every search scans the forest: on
 * 100,000 mailboxes a user lookup took 117 ms against 1 ms in process; with them slapd decides about as
 * fast as the in-process server (npm run bench). Domain controllers index the same attributes. Each index
 * costs load time (100,000 users online: 14 s without, 17 s with these, 23 s with cn, homeMDB and more too).
 */
export const FOREST_INDEXES = [
  // Every other lookup is ANDed with an objectClass (groups, servers, databases: few), so these two suffice.
  'objectClass eq',
  'userPrincipalName,proxyAddresses,sAMAccountName,mailNickname,objectSid eq',
];

/**
 * Adds in flight at once on one connection: slapd drops a connection with more than about 1,000 requests
 * pending (EPIPE), so a big level (100,000 mailboxes in CN=Users) goes in slices.
 */
const ADDS_IN_FLIGHT = 500;

/** Users bind with their own passwords and read the forest; only the service account writes or reads passwords. */
export function forestAccess(serviceDn: string): string[] {
  return [`{0}to attrs=userPassword by dn.exact="${serviceDn}" write by anonymous auth by * none`, `{1}to * by dn.exact="${serviceDn}" manage by users read by * none`];
}

/** The online part of a slapd environment: what ScenarioEnvironment asks of the directory between start and dispose. */
export interface SlapdForests {
  declareNamingContexts(contexts: NamingContexts): Promise<void>;
  importEntries(entries: readonly DirectoryWriteEntry[]): Promise<void>;
  prepareScenario(): Promise<void>;
}

export interface SlapdForestsOptions {
  /** The service account's DN: every forest's root DN. */
  serviceDn: string;
  /** Creates the empty database directory of the n-th forest database where slapd runs, and returns its path there. */
  createDirectory(n: number): Promise<string>;
  /** Forests whose databases slapd already serves ({2}, {3}, … in this order), as slapdConfigLdif's `forests`. */
  suffixes?: readonly string[];
  /** Binds `admin` as the service account again (after slapd dropped the connection). */
  rebind?: () => Promise<void>;
}

/** Forests on a running slapd, through `admin`: a client bound as the service account (cn=config's manager). */
export function slapdForests(admin: Client, options: SlapdForestsOptions): SlapdForests {
  const serviceDn = options.serviceDn;
  /** Each forest's suffix, in slapd's database order ({2}, {3}, … ; {1} is the service account's). */
  const suffixes: string[] = [...(options.suffixes ?? [])];
  let databases = suffixes.length;

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
    const dir = await options.createDirectory(++databases);
    await admin.add(`olcDatabase={${position + 2}}mdb,cn=config`, forestDatabase(position + 2, suffix, dir, serviceDn));
    suffixes.splice(position, 0, suffix);
  }

  /**
   * Adds new entries parents first. slapd runs requests on several threads, so a child sent right behind its
   * parent can be handled first (noSuchObject); entries of one depth are independent and go pipelined. On a
   * failure every entry added is taken away again, deepest first, so nothing is half-applied.
   */
  async function addInOrder(entries: readonly DirectoryWriteEntry[]): Promise<void> {
    const added: string[] = [];
    try {
      for (const whole of byDepth(entries, (e) => e.dn)) {
        for (let from = 0; from < whole.length; from += ADDS_IN_FLIGHT) {
          const level = whole.slice(from, from + ADDS_IN_FLIGHT);
          const results = await Promise.allSettled(level.map((e) => admin.add(e.dn, e.attributes)));
          results.forEach((r, i) => r.status === 'fulfilled' && added.push(level[i].dn));
          const at = results.findIndex((r) => r.status === 'rejected');
          if (at >= 0) {
            // slapd's text names no entry: say which one, as the in-process server does, keeping the result code.
            const reason = (results[at] as PromiseRejectedResult).reason as Error & { code?: number };
            throw Object.assign(new Error(`"${level[at].dn}": ${reason.message.replace(/ Code: 0x[0-9a-f]+$/i, '')}`), { code: reason.code });
          }
        }
      }
    } catch (e) {
      // A dropped connection comes back unbound: bind again, or the undo would be refused and leave half a load.
      if (options.rebind) await options.rebind().catch(() => undefined);
      const left = await deleteDeepestFirst(admin, added);
      if (left > 0) throw Object.assign(new Error(`${(e as Error).message}; and ${left} of the ${added.length} entries added before could not be taken back`), { code: (e as { code?: number }).code });
      throw e;
    }
  }

  return {
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
        const left = await deleteDeepestFirst(admin, found.searchEntries.map((e) => e.dn));
        if (left > 0) throw new Error(`${left} entries under ${suffix} could not be deleted between scenarios`);
      }
    },
  };
}

/**
 * Deletes entries one depth at a time, deepest first (slapd deletes only leaves), pipelined in slices
 * within a depth. Returns how many could not be deleted.
 */
async function deleteDeepestFirst(admin: Client, dns: readonly string[]): Promise<number> {
  let failed = 0;
  for (const level of byDepth(dns, (dn) => dn, true)) {
    for (let from = 0; from < level.length; from += ADDS_IN_FLIGHT) {
      const results = await Promise.allSettled(level.slice(from, from + ADDS_IN_FLIGHT).map((dn) => admin.del(dn)));
      failed += results.filter((r) => r.status === 'rejected').length;
    }
  }
  return failed;
}
