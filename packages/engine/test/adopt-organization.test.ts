// Adopting an organization the engine did not write in this run: one simulation writes a topology into
// the in-process directory, a fresh one on the same directory adopts it over LDAP, and both must agree
// on what steps name (the planner's state) and on what OWA decides.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessDirectoryServer } from '../src/directory/in-process';
import { ExchangeSimulation, type DirectoryEnvironment } from '../src/simulation';
import { closeNetwork } from '../src/network/network';
import { routeOwaRequest } from '../src/redirection/route';
import { releaseByName } from '../src/topology/versions';
import type { TopologyPlanner } from '../src/topology/writer';
import { InputError } from '../src/errors';

const serviceAccount = { dn: 'CN=svc,CN=Service Accounts', password: 'test-only-service' };
const PASSWORD = 'test-only-Pa55';
let server: InProcessDirectoryServer;
let environment: DirectoryEnvironment;
let writerSim: ExchangeSimulation;

before(async () => {
  server = await InProcessDirectoryServer.start({ serviceAccount });
  environment = {
    name: 'in-process',
    url: server.url,
    serviceAccount,
    declareNamingContexts: async (c) => server.setNamingContexts(c),
    importEntries: async (entries) => server.importEntries([...entries]),
  };
  // Fourth Coffee as the README draws it, with a 2003 back end, a 2010 site, an account and a group.
  writerSim = await ExchangeSimulation.start(environment);
  const w = () => writerSim.writer;
  await writerSim.declareOrganization({ name: 'Fourth Coffee', forestDomain: 'fourthcoffee.com' });
  await w().addSites(['Chicago', 'Dallas', 'Denver']);
  await w().addServers([
    { name: 'CHI-CAS', site: 'Chicago', release: releaseByName('Exchange 2007 SP1'), roles: ['ClientAccess'] },
    { name: 'DAL-CAS', site: 'Dallas', release: releaseByName('Exchange 2007 SP1'), roles: ['ClientAccess'] },
    { name: 'DAL-MBX', site: 'Dallas', release: releaseByName('Exchange 2007 SP1'), roles: ['Mailbox'] },
    { name: 'DEN-EX', site: 'Denver', release: releaseByName('Exchange 2010 SP2'), roles: ['ClientAccess', 'Mailbox'] },
    { name: 'OLD-BE', site: 'Dallas', release: releaseByName('Exchange 2003'), roles: [], frontEnd: false },
  ]);
  await w().setOwaVirtualDirectories([
    { server: 'CHI-CAS', externalUrl: 'https://mail.fourthcoffee.com/owa' },
    { server: 'DAL-CAS', internalAuthenticationMethods: ['WindowsIntegrated'], externalAuthenticationMethods: ['WindowsIntegrated'] },
  ]);
  await w().addDatabases([{ name: 'DEN Archive', server: 'DEN-EX' }]);
  await w().addMailboxes([
    { alias: 'dave', server: 'DAL-MBX', password: PASSWORD },
    { alias: 'erin', database: 'DEN Archive', password: PASSWORD, displayName: 'Erin Hale', primarySmtpAddress: 'erin.hale@fourthcoffee.com' },
    { alias: 'olga', server: 'OLD-BE', password: PASSWORD },
  ]);
  await w().addServiceAccounts([{ name: 'svc-portal', password: PASSWORD }]);
  await w().addSecurityGroups([{ name: 'Help Desk', members: ['dave', 'svc-portal'] }]);
});

after(async () => {
  await writerSim.close();
  closeNetwork();
  await server.close();
});

/** What steps name things by: everything the planner holds, passwords aside (a directory never gives them out). */
function declared(p: TopologyPlanner) {
  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
  // Through JSON: a property the writer left out and one the adoption set to undefined say the same.
  return JSON.parse(JSON.stringify({
    layout: { ...p.requireLayout(), netbiosName: p.requireLayout().netbiosName },
    domainSid: p.domainSid,
    groupSids: p.groupSids,
    sites: sorted(p.sites),
    servers: sorted(p.servers).map(([k, s]) => [k, { ...s, roles: [...s.roles].sort() }]), // msExchCurrentServerRoles is a mask: no order
    databases: sorted(p.databases),
    mailboxes: sorted(p.mailboxes).map(([k, m]) => [k, { ...m, password: undefined }]),
    accounts: sorted(p.accounts),
    groups: sorted(p.groups).filter(([k]) => k === 'help desk'),
  }));
}

test('a fresh simulation adopts the organization from the directory: the planner holds what the writer declared', async () => {
  const sim = await ExchangeSimulation.start(environment);
  try {
    const [org] = await sim.adoptOrganizations();
    assert.equal(org, sim.current);
    assert.equal(org.name, 'Fourth Coffee');
    assert.deepEqual(declared(sim.writer.planner), declared(writerSim.writer.planner));
    assert.equal(sim.writer.planner.mailbox('dave').database, 'Mailbox Database DAL-MBX');
    assert.equal(sim.writer.planner.server('OLD-BE').legacyVirtualDirectoryDn, writerSim.writer.planner.server('OLD-BE').legacyVirtualDirectoryDn);
    // The next account gets the SID the writer would have given it: no RID is handed out twice.
    const next = (p: TopologyPlanner) => p.planServiceAccounts([{ name: 'svc-next', password: PASSWORD }]).adds[0].attributes.objectSid;
    assert.equal(next(sim.writer.planner), next(writerSim.writer.planner));
  } finally {
    await sim.close();
  }
});

test('OWA decides the same in the adopted organization, and dave signs in through it', async () => {
  const question = { server: 'CHI-CAS', logonName: 'dave@fourthcoffee.com' };
  const written = await routeOwaRequest(writerSim.directory, question);
  const sim = await ExchangeSimulation.start(environment);
  try {
    await sim.adoptOrganizations();
    const adopted = await routeOwaRequest(sim.directory, question);
    assert.deepEqual(adopted.action, written.action);
    assert.equal(adopted.rule, written.rule);
    assert.equal(adopted.action.kind, 'proxy');

    // The sign-in step's way: the planner names dave's logon name; the browser goes through the network.
    const dave = sim.writer.planner.mailbox('dave');
    await sim.refreshNetwork();
    const page = await sim.browser("dave's browser", { logonName: dave.userPrincipalName, password: PASSWORD, domainJoined: false }).open('https://mail.fourthcoffee.com/owa');
    assert.equal(page.kind, 'mailbox');
    assert.equal(page.attrs['rendered-by'], 'DAL-CAS');
  } finally {
    await sim.close();
  }
});

test('later topology steps add to an adopted organization', async () => {
  const sim = await ExchangeSimulation.start(environment);
  try {
    await sim.adoptOrganizations();
    await sim.writer.addSites(['Austin']);
    await sim.writer.addServers([{ name: 'AUS-EX', site: 'Austin', release: releaseByName('Exchange 2010 SP2'), roles: ['ClientAccess', 'Mailbox'] }]);
    await sim.writer.addMailboxes([{ alias: 'frank', server: 'AUS-EX', password: PASSWORD }]);
    assert.equal((await sim.directory.findUserByLogonName('frank@fourthcoffee.com'))?.alias, 'frank');
    // Names the directory already holds are still taken.
    await assert.rejects(async () => sim.writer.addMailboxes([{ alias: 'dave', server: 'AUS-EX', password: PASSWORD }]), /declared twice/);
    await assert.rejects(async () => sim.writer.addSites(['Dallas']), /declared twice/);
    await assert.rejects(sim.declareOrganization({ name: 'Fourth Coffee', forestDomain: 'fourthcoffee.com' }), /already declared/);
  } finally {
    // Leave the directory as the other tests expect it.
    for (const dn of [sim.writer.planner.mailbox('frank').dn]) await sim.client.del(dn);
    await sim.close();
  }
});

test('a forest without an Exchange organization cannot be adopted, and says where it looked', async () => {
  const contexts = { defaultNamingContext: 'DC=tailspintoys,DC=com', configurationNamingContext: 'CN=Configuration,DC=tailspintoys,DC=com' };
  const sim = await ExchangeSimulation.start(environment);
  try {
    await sim.importEntries(
      [
        { dn: 'DC=tailspintoys,DC=com', attributes: { objectClass: ['top', 'domain', 'domainDNS'], dc: 'tailspintoys' } },
        { dn: 'CN=Configuration,DC=tailspintoys,DC=com', attributes: { objectClass: ['top', 'configuration'], cn: 'Configuration' } },
      ],
      contexts,
    );
    await assert.rejects(
      sim.adoptOrganizations([contexts]),
      (e: unknown) => e instanceof InputError && /the forest tailspintoys\.com holds no Exchange organization: nothing of class msExchOrganizationContainer under CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=tailspintoys,DC=com/.test(e.message),
    );
    assert.equal(sim.organizations.length, 1);
    assert.equal(sim.organizations[0].name, undefined, 'nothing adopted, and the empty slot is not bound to that forest');
    await assert.rejects(sim.adoptOrganizations([{ defaultNamingContext: 'OU=Staff,DC=tailspintoys,DC=com', configurationNamingContext: contexts.configurationNamingContext }]), /not an Active Directory domain's naming context/);
  } finally {
    await sim.close();
  }
});
