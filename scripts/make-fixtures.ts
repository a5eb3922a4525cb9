// Writes the Active Directory exports under fixtures/ with the project's own tooling: the engine's writer
// builds each forest in the in-process directory (as the features' Given steps would), then the forest is
// read back over LDAP and written as ldifde -f writes an export — binary objectSid and objectGUID, CRLF,
// lines folded at 80 — with what a real export of a domain controller also carries and the engine does not
// use (USNs, timestamps, objectCategory, AD-only attributes, an object of a class no schema here knows), so
// that loading one exercises the same reporting an administrator's own export does.
//
//   node -r ts-node/register scripts/make-fixtures.ts            fixtures/fourthcoffee.ldf and contoso.ldf
//   node -r ts-node/register scripts/make-fixtures.ts --mailboxes 100000 <file>   a large export (the bench)
//
// A unit test regenerates both fixtures and compares them with the committed files, so they cannot drift
// from what the writer writes.

import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DirectoryClient, type DirectoryWriteEntry } from '../packages/engine/src/directory/client';
import { parseDn } from '../packages/engine/src/directory/dn';
import { exportSubtree } from '../packages/engine/src/directory/export';
import { InProcessDirectoryServer } from '../packages/engine/src/directory/in-process';
import { toLdifde } from '../packages/engine/src/directory/ldif';
import { TopologyWriter } from '../packages/engine/src/topology/writer';
import { releaseByName } from '../packages/engine/src/topology/versions';
import type { MailboxSpec, OwaVirtualDirectoryChange, ServerSpec } from '../packages/engine/src/topology/model';

export interface ForestFixture {
  organization: string;
  forestDomain: string;
  sites: string[];
  servers: Array<Omit<ServerSpec, 'release'> & { version: string }>;
  owaVirtualDirectories: OwaVirtualDirectoryChange[];
  mailboxes: Array<Omit<MailboxSpec, 'password'>>;
}

/** Seed 000: Fourth Coffee's Exchange 2007 SP1 organization, one Internet-facing CAS in Chicago, Dallas behind it. */
export const FOURTH_COFFEE: ForestFixture = {
  organization: 'Fourth Coffee',
  forestDomain: 'fourthcoffee.com',
  sites: ['Chicago', 'Dallas'],
  servers: [
    { name: 'CHI-CAS', site: 'Chicago', version: 'Exchange 2007 SP1', roles: ['ClientAccess'] },
    { name: 'CHI-MBX', site: 'Chicago', version: 'Exchange 2007 SP1', roles: ['Mailbox'] },
    { name: 'DAL-CAS', site: 'Dallas', version: 'Exchange 2007 SP1', roles: ['ClientAccess'] },
    { name: 'DAL-MBX', site: 'Dallas', version: 'Exchange 2007 SP1', roles: ['Mailbox'] },
  ],
  owaVirtualDirectories: [
    { server: 'CHI-CAS', externalUrl: 'https://mail.fourthcoffee.com/owa', internalAuthenticationMethods: ['Basic', 'Fba'], externalAuthenticationMethods: ['Basic', 'Fba'] },
    { server: 'DAL-CAS', externalUrl: null, internalAuthenticationMethods: ['WindowsIntegrated'], externalAuthenticationMethods: ['WindowsIntegrated'] },
  ],
  mailboxes: [
    { alias: 'carol', server: 'CHI-MBX', displayName: 'Carol Philips' },
    { alias: 'dave', server: 'DAL-MBX', displayName: 'Dave Barnett' },
  ],
};

/**
 * Fourth Coffee after the runbook's migration to Exchange 2010 SP2 (seed 001): a 2010 SP2 CAS in Chicago
 * takes the Internet namespace, Exchange 2007 keeps a legacy one, Dallas gets a 2010 CAS to be proxied to
 * (Integrated Windows authentication) and a 2010 mailbox server, and dave's mailbox has moved there. With
 * fourthcoffee.ldf it is the before/after pair of scripts/migration-impact.ts.
 */
export const FOURTH_COFFEE_2010_SP2: ForestFixture = {
  ...FOURTH_COFFEE,
  servers: [
    ...FOURTH_COFFEE.servers,
    { name: 'CHI-CAS10', site: 'Chicago', version: 'Exchange 2010 SP2', roles: ['ClientAccess'] },
    { name: 'DAL-CAS10', site: 'Dallas', version: 'Exchange 2010 SP2', roles: ['ClientAccess'] },
    { name: 'DAL-MBX10', site: 'Dallas', version: 'Exchange 2010 SP2', roles: ['Mailbox'] },
  ],
  owaVirtualDirectories: [
    { ...FOURTH_COFFEE.owaVirtualDirectories[0], externalUrl: 'https://legacy.fourthcoffee.com/owa' },
    FOURTH_COFFEE.owaVirtualDirectories[1],
    { server: 'CHI-CAS10', externalUrl: 'https://mail.fourthcoffee.com/owa', internalAuthenticationMethods: ['Basic', 'Fba'], externalAuthenticationMethods: ['Basic', 'Fba'] },
    { server: 'DAL-CAS10', externalUrl: null, internalAuthenticationMethods: ['Ntlm', 'WindowsIntegrated'], externalAuthenticationMethods: ['Ntlm', 'WindowsIntegrated'] },
  ],
  mailboxes: [
    { alias: 'carol', server: 'CHI-MBX', displayName: 'Carol Philips' },
    { alias: 'dave', server: 'DAL-MBX10', displayName: 'Dave Barnett' },
  ],
};

/** Seed 001: Contoso's Exchange 2010 SP2 organization, Internet-facing in Seattle and in Dallas. */
export const CONTOSO: ForestFixture = {
  organization: 'Contoso',
  forestDomain: 'contoso.com',
  sites: ['Seattle', 'Dallas'],
  servers: [
    { name: 'SEA-CAS', site: 'Seattle', version: 'Exchange 2010 SP2', roles: ['ClientAccess'] },
    { name: 'SEA-MBX', site: 'Seattle', version: 'Exchange 2010 SP2', roles: ['Mailbox'] },
    { name: 'DAL-CAS', site: 'Dallas', version: 'Exchange 2010 SP2', roles: ['ClientAccess'] },
    { name: 'DAL-MBX', site: 'Dallas', version: 'Exchange 2010 SP2', roles: ['Mailbox'] },
  ],
  owaVirtualDirectories: [
    { server: 'SEA-CAS', externalUrl: 'https://mail.seattle.contoso.com/owa', crossSiteRedirectType: 'Silent', internalAuthenticationMethods: ['Basic', 'Fba'], externalAuthenticationMethods: ['Basic', 'Fba'] },
    { server: 'DAL-CAS', externalUrl: 'https://mail.dallas.contoso.com/owa', internalAuthenticationMethods: ['Basic', 'Fba'], externalAuthenticationMethods: ['Basic', 'Fba'] },
  ],
  mailboxes: [
    { alias: 'alice', server: 'DAL-MBX', displayName: 'Alice Ciccu', userPrincipalName: 'alice@contoso.com' },
    { alias: 'bob', server: 'SEA-MBX', displayName: 'Bob Kelly' },
  ],
};

/** A fixed moment for every timestamp, so the files are the same each time they are made. */
const EXPORTED_AT = '20261101090000.0Z';
const SERVICE = { dn: 'CN=Fixture Maker,CN=Service Accounts', password: createHash('sha256').update(String(process.pid) + Date.now()).digest('base64') };

/** Builds the forest with the engine's writer and reads it back as an ldifde export would list it. */
export async function exportForest(fixture: ForestFixture, extraMailboxes = 0): Promise<DirectoryWriteEntry[]> {
  const server = await InProcessDirectoryServer.start({ serviceAccount: SERVICE });
  // A 100,000-mailbox forest is read back in one search (the in-process server does not page): no 10 s limit.
  const client = await DirectoryClient.connect(server.url, SERVICE, { timeoutMs: 10 * 60_000 });
  try {
    const writer = new TopologyWriter({ directory: client, declareNamingContexts: async (c) => server.setNamingContexts(c), importEntries: async (e) => server.importEntries([...e]) });
    await writer.createOrganization({ name: fixture.organization, forestDomain: fixture.forestDomain });
    await writer.addSites(fixture.sites);
    await writer.addServers(fixture.servers.map(({ version, ...s }) => ({ ...s, release: releaseByName(version) })));
    await writer.setOwaVirtualDirectories(fixture.owaVirtualDirectories);
    // Exports carry no passwords: these are never written out, whatever they are.
    const mailboxes: MailboxSpec[] = fixture.mailboxes.map((m) => ({ ...m, password: SERVICE.password }));
    const mailboxServers = fixture.servers.filter((s) => s.roles.includes('Mailbox')).map((s) => s.name);
    for (let i = 0; i < extraMailboxes; i++) mailboxes.push({ alias: `user${String(i).padStart(6, '0')}`, server: mailboxServers[i % mailboxServers.length], password: SERVICE.password });
    for (let i = 0; i < mailboxes.length; i += 5000) await writer.addMailboxes(mailboxes.slice(i, i + 5000));
    // Two naming contexts, as an administrator exports them (ldifde -d <domain>, then -d CN=Configuration,…):
    // a subtree search of the domain does not descend into the configuration partition.
    const layout = writer.planner.requireLayout();
    const entries = [...(await exportSubtree(client, layout.domainDn)), ...(await exportSubtree(client, layout.configurationDn))];
    return asDomainControllerExports(entries, layout.domainDn);
  } finally {
    await client.close();
    await server.close();
  }
}

/** A stable objectGUID for an object, from its DN (a domain controller assigns a random one). */
function guidOf(dn: string): string {
  const h = createHash('sha1').update(dn.toLowerCase()).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const CATEGORY: Record<string, string> = {
  user: 'Person', computer: 'Computer', group: 'Group', organizationalUnit: 'Organizational-Unit', container: 'Container',
  domainDNS: 'Domain-DNS', msExchExchangeServer: 'ms-Exch-Exchange-Server', msExchPrivateMDB: 'ms-Exch-Private-MDB',
};

/**
 * What a domain controller's export holds beside what the engine wrote: objectGUID, USNs, timestamps,
 * instanceType, name, distinguishedName and objectCategory on every object, AD-only attributes on users
 * (primaryGroupID, codePage, countryCode, accountExpires), and two objects every domain has: Builtin
 * (class builtinDomain, which no schema here defines, so an import skips it) and Microsoft Exchange System
 * Objects (a container with the auxiliary-looking msExchSystemObjectsContainer class, kept as a container).
 */
function asDomainControllerExports(entries: DirectoryWriteEntry[], domainDn: string): DirectoryWriteEntry[] {
  const schemaDn = `CN=Schema,CN=Configuration,${domainDn}`;
  const extra: DirectoryWriteEntry[] = [
    { dn: `CN=Builtin,${domainDn}`, attributes: { objectClass: ['top', 'builtinDomain'], cn: 'Builtin' } },
    { dn: `CN=Microsoft Exchange System Objects,${domainDn}`, attributes: { objectClass: ['top', 'container', 'msExchSystemObjectsContainer'], cn: 'Microsoft Exchange System Objects' } },
  ];
  const all = [...entries.slice(0, 1), ...extra, ...entries.slice(1)];
  return all.map((e, i) => {
    const classes = ([] as string[]).concat(e.attributes.objectClass ?? []);
    const structural = [...classes].reverse().find((c) => CATEGORY[c]) ?? 'container';
    const attributes: Record<string, string | string[]> = {
      ...e.attributes,
      distinguishedName: e.dn,
      instanceType: parseDn(e.dn).length === parseDn(domainDn).length ? '5' : '4',
      whenCreated: EXPORTED_AT,
      whenChanged: EXPORTED_AT,
      uSNCreated: String(12000 + i),
      uSNChanged: String(12000 + i),
      name: parseDn(e.dn)[0].value,
      objectGUID: (e.attributes.objectGUID as string | undefined) ?? guidOf(e.dn),
      objectCategory: `CN=${CATEGORY[structural] ?? 'Container'},${schemaDn}`,
    };
    if (classes.includes('user') && !classes.includes('computer')) Object.assign(attributes, { primaryGroupID: '513', codePage: '0', countryCode: '0', accountExpires: '9223372036854775807' });
    return { dn: e.dn, attributes };
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--mailboxes');
  if (at >= 0) {
    const count = Number(args[at + 1]);
    const file = args[at + 2];
    if (!Number.isInteger(count) || count < 0 || !file) throw new Error('usage: make-fixtures.ts --mailboxes <count> <file.ldf>');
    writeFileSync(file, toLdifde(await exportForest(FOURTH_COFFEE, count)));
    return;
  }
  const root = join(__dirname, '..', 'fixtures');
  writeFileSync(join(root, 'fourthcoffee.ldf'), toLdifde(await exportForest(FOURTH_COFFEE)));
  writeFileSync(join(root, 'contoso.ldf'), toLdifde(await exportForest(CONTOSO)));
  writeFileSync(join(root, 'fourthcoffee-2010sp2.ldf'), toLdifde(await exportForest(FOURTH_COFFEE_2010_SP2)));
}

if (require.main === module) {
  main().catch((e) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
