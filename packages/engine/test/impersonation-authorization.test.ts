// The five conditions of Exchange 2007 server-to-server authorization, decided from rights read over LDAP.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessDirectoryServer } from '../src/directory/in-process';
import { DirectoryClient } from '../src/directory/client';
import { VirtualClock } from '../src/clock/clock';
import { EXTENDED_RIGHTS } from '../src/directory/schema';
import { ExchangeDirectory, TopologyCache } from '../src/topology/reader';
import { TopologyWriter } from '../src/topology/writer';
import { releaseByName } from '../src/topology/versions';
import { Trace } from '../src/trace/trace';
import { authorizeImpersonation, type ConnectingSidKind } from '../src/impersonation/authorization';

const serviceAccount = { dn: 'CN=svc,CN=Service Accounts', password: 'test-only' };
let server: InProcessDirectoryServer;
let client: DirectoryClient;
let dir: ExchangeDirectory;
let writer: TopologyWriter;
let cache: TopologyCache;

before(async () => {
  server = await InProcessDirectoryServer.start({ serviceAccount });
  client = await DirectoryClient.connect(server.url, serviceAccount);
  cache = new TopologyCache(new VirtualClock());
  dir = new ExchangeDirectory(client, cache);
  writer = new TopologyWriter({ directory: client, declareNamingContexts: async (c) => server.setNamingContexts(c) });
  writer.onChange(() => cache.invalidate());
  await writer.createOrganization({ name: 'Contoso', forestDomain: 'contoso.com' });
  await writer.addSites(['Redmond']);
  await writer.addServers([
    { name: 'CAS01', site: 'Redmond', release: releaseByName('Exchange 2007 SP1'), roles: ['ClientAccess'] },
    { name: 'MBX01', site: 'Redmond', release: releaseByName('Exchange 2007 SP1'), roles: ['Mailbox'] },
    { name: 'MBX02', site: 'Redmond', release: releaseByName('Exchange 2007 SP1'), roles: ['Mailbox'] },
  ]);
  await writer.addMailboxes([
    { alias: 'alice', server: 'MBX01', password: 'pw' },
    { alias: 'bob', server: 'MBX02', password: 'pw' },
  ]);
  await writer.addServiceAccounts([{ name: 'svc-portal', password: 'pw' }, { name: 'svc-other', password: 'pw' }]);
});

after(async () => {
  await client.close();
  await server.close();
});

async function attempt(caller: string, kind: ConnectingSidKind, value: string) {
  const trace = new Trace();
  const hop = trace.begin('portal', 'CAS01', 'POST', 'https://cas01.contoso.com/EWS/Exchange.asmx');
  const outcome = await authorizeImpersonation({ dir, hop, cas: (await dir.serverByName('CAS01'))!, caller: (await dir.findUserByLogonName(caller))!, identity: { kind, value } });
  return { outcome, reasons: hop.decisions.map((d) => d.reason) };
}

test('nothing is granted by default: no right on the Client Access server is ErrorImpersonationDenied', async () => {
  const { outcome, reasons } = await attempt('svc-portal', 'PrimarySmtpAddress', 'alice@contoso.com');
  assert.equal(!outcome.ok && outcome.code, 'ErrorImpersonationDenied');
  assert.match(reasons.at(-1)!, /^✗ 2\. /);
});

test('the right on the server, but none on the user or database, is ErrorImpersonateUserDenied; then the database right covers every mailbox in it', async () => {
  await writer.setExtendedRight('CAS01', 'svc-portal', EXTENDED_RIGHTS.impersonation, true);
  let r = await attempt('svc-portal', 'PrimarySmtpAddress', 'alice@contoso.com');
  assert.equal(!r.outcome.ok && r.outcome.code, 'ErrorImpersonateUserDenied');
  assert.match(r.reasons.at(-1)!, /^✗ 5\. /);
  await writer.setExtendedRight('Mailbox Database MBX01', 'svc-portal', EXTENDED_RIGHTS.mayImpersonate, true);
  r = await attempt('svc-portal', 'PrincipalName', 'alice@contoso.com');
  assert.equal(r.outcome.ok && r.outcome.user.alias, 'alice');
  assert.deepEqual(r.reasons.map((x) => x.slice(0, 3)), ['✓ 1', '✓ 2', '✓ 3', '✓ 4', '✓ 5']);
  // A right on another database does not reach bob.
  r = await attempt('svc-portal', 'PrimarySmtpAddress', 'bob@contoso.com');
  assert.equal(!r.outcome.ok && r.outcome.code, 'ErrorImpersonateUserDenied');
  // Another account has none of it.
  r = await attempt('svc-other', 'PrimarySmtpAddress', 'alice@contoso.com');
  assert.equal(!r.outcome.ok && r.outcome.code, 'ErrorImpersonationDenied');
});

test('a deny on the user beats the allow on the database', async () => {
  await writer.setExtendedRight('alice', 'svc-portal', EXTENDED_RIGHTS.mayImpersonate, false);
  const r = await attempt('svc-portal', 'PrimarySmtpAddress', 'alice@contoso.com');
  assert.equal(!r.outcome.ok && r.outcome.code, 'ErrorImpersonateUserDenied');
  assert.match(r.reasons.at(-1)!, /denied to S-1-5-21-[\d-]+ on alice/);
});

test('the identity: a SID, a malformed SID, an unknown address, and SmtpAddress on Exchange 2007', async () => {
  await writer.setExtendedRight('bob', 'svc-portal', EXTENDED_RIGHTS.mayImpersonate, true);
  const bob = (await dir.findUserByLogonName('bob'))!;
  assert.equal((await attempt('svc-portal', 'SID', bob.sid)).outcome.ok, true);
  const bad = (await attempt('svc-portal', 'SID', 'bob')).outcome;
  assert.equal(!bad.ok && bad.code, 'ErrorInvalidSid');
  const unknown = (await attempt('svc-portal', 'PrimarySmtpAddress', 'nobody@contoso.com')).outcome;
  assert.equal(!unknown.ok && unknown.code, 'ErrorNonExistentMailbox');
  const smtp = (await attempt('svc-portal', 'SmtpAddress', 'bob@contoso.com')).outcome;
  assert.equal(!smtp.ok && smtp.code, 'ErrorInvalidExchangeImpersonationHeaderData');
  // A service account is an account without a mailbox: it cannot be impersonated into a mailbox.
  await writer.setExtendedRight('svc-other', 'svc-portal', EXTENDED_RIGHTS.mayImpersonate, true);
  const noMailbox = (await attempt('svc-portal', 'PrincipalName', 'svc-other@contoso.com')).outcome;
  assert.equal(!noMailbox.ok && noMailbox.code, 'ErrorNonExistentMailbox');
});

test('a right naming an object that does not exist applies nothing and says what is accepted', async () => {
  await assert.rejects(writer.setExtendedRight('CAS99', 'svc-portal', EXTENDED_RIGHTS.impersonation, true), /CAS99.*CAS01/s);
  await assert.rejects(writer.setExtendedRight('CAS01', 'svc-nobody', EXTENDED_RIGHTS.impersonation, true), /svc-nobody.*svc-portal/s);
});
