// The live environment (environments/live.ts) against a directory this test writes first: the in-process
// server stands in for a production domain controller, behind a TLS front (LDAPS with a CA of our own)
// that also reads every LDAP request passing through it. Reads must work (the organization is adopted,
// OWA routes and signs users in); every path that would change the directory must be refused before a
// request is sent, which the server's own counters and the front's request counts both prove.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { InProcessDirectoryServer } from '../src/directory/in-process';
import { DirectoryClient, ReadOnlyDirectoryError } from '../src/directory/client';
import { ExchangeSimulation, type DirectoryEnvironment } from '../src/simulation';
import { closeNetwork } from '../src/network/network';
import { routeOwaRequest } from '../src/redirection/route';
import { releaseByName } from '../src/topology/versions';
import { EXTENDED_RIGHTS } from '../src/directory/schema';
import { InputError } from '../src/errors';
import { newCertificationAuthority, newIdentityCertificate } from '../src/presence/certificates';
import { keyPair } from '../src/federation/crypto';
import { readLiveSettings, startLive } from '../../../environments/live';
import type { ScenarioEnvironment } from '../../../environments/environment';

const SERVICE_PASSWORD = 'svc-Secret-4711';
const DAVE_PASSWORD = 'dave-Secret-0815';
const serviceAccount = { dn: 'CN=svc-exchange-read,CN=Service Accounts', password: SERVICE_PASSWORD };
let server: InProcessDirectoryServer;
let folder: string;
let front: TlsServer;
/** LDAP requests that crossed the TLS front, by operation. */
const seen = new Map<string, number>();
let vars: NodeJS.ProcessEnv;

// ---------------------------------------------------------------- an LDAPS front that reads requests

const OPERATIONS: Record<number, string> = {
  0x60: 'bind', 0x42: 'unbind', 0x63: 'search', 0x66: 'modify', 0x68: 'add', 0x4a: 'delete', 0x6c: 'modifyDN', 0x6e: 'compare', 0x50: 'abandon', 0x77: 'extended',
};

/** BER length at `at`: [length, bytes it took], or undefined when the buffer ends first. */
function berLength(b: Buffer, at: number): [number, number] | undefined {
  if (at >= b.length) return undefined;
  const first = b[at];
  if (first < 0x80) return [first, 1];
  const n = first & 0x7f;
  if (at + 1 + n > b.length) return undefined;
  return [b.readUIntBE(at + 1, n), 1 + n];
}

/** Counts each LDAPMessage's protocolOp (RFC 4511: SEQUENCE { messageID INTEGER, protocolOp [APPLICATION n] … }). */
function ldapRequestCounter(): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      const outer = berLength(pending, 1);
      if (!outer || pending.length < 1 + outer[1] + outer[0]) return;
      const idAt = 1 + outer[1];
      const id = berLength(pending, idAt + 1)!;
      const tag = pending[idAt + 1 + id[1] + id[0]];
      const name = OPERATIONS[tag] ?? `0x${tag.toString(16)}`;
      seen.set(name, (seen.get(name) ?? 0) + 1);
      pending = pending.subarray(1 + outer[1] + outer[0]);
    }
  };
}

const pem = (der: string) => `-----BEGIN CERTIFICATE-----\n${der.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;

before(async () => {
  server = await InProcessDirectoryServer.start({ serviceAccount });
  // The production forest, as its administrators built it (here: written by the engine, then left alone).
  const writable: DirectoryEnvironment = { name: 'in-process', url: server.url, serviceAccount, declareNamingContexts: async (c) => server.setNamingContexts(c) };
  const builder = await ExchangeSimulation.start(writable);
  await builder.declareOrganization({ name: 'Fourth Coffee', forestDomain: 'fourthcoffee.com' });
  await builder.writer.addSites(['Chicago', 'Dallas']);
  const e2007 = releaseByName('Exchange 2007 SP1');
  await builder.writer.addServers([
    { name: 'CHI-CAS', site: 'Chicago', release: e2007, roles: ['ClientAccess'] },
    { name: 'DAL-CAS', site: 'Dallas', release: e2007, roles: ['ClientAccess'] },
    { name: 'DAL-MBX', site: 'Dallas', release: e2007, roles: ['Mailbox'] },
  ]);
  await builder.writer.setOwaVirtualDirectories([
    { server: 'CHI-CAS', externalUrl: 'https://mail.fourthcoffee.com/owa' },
    { server: 'DAL-CAS', internalAuthenticationMethods: ['WindowsIntegrated'], externalAuthenticationMethods: ['WindowsIntegrated'] },
  ]);
  await builder.writer.addMailboxes([
    { alias: 'dave', server: 'DAL-MBX', password: DAVE_PASSWORD },
    { alias: 'erin', server: 'DAL-MBX', password: 'erin-Secret-nobody-gave' },
  ]);
  await builder.close();

  // LDAPS with a CA of our own, terminating in front of the in-process server.
  const now = new Date();
  const ca = await newCertificationAuthority({ name: 'Fourth Coffee Issuing CA (test)', now });
  const identity = await newIdentityCertificate({ commonName: 'dc1.fourthcoffee.com', ipAddresses: ['127.0.0.1'], issuer: ca, now });
  const key = (await keyPair(identity.keyLabel)).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const backend = new URL(server.url);
  front = createTlsServer({ key, cert: pem(identity.certificate.der) }, (socket) => {
    const upstream = tcpConnect(Number(backend.port), backend.hostname);
    const count = ldapRequestCounter();
    socket.on('data', count);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));

  folder = mkdtempSync(join(tmpdir(), 'exchange-scenarios-live-'));
  writeFileSync(join(folder, 'ca.pem'), pem(ca.certificate.der));
  writeFileSync(join(folder, 'bind-password'), `${SERVICE_PASSWORD}\n`, { mode: 0o600 });
  writeFileSync(join(folder, 'users'), `# who may type a password\ndave=${DAVE_PASSWORD}\n`, { mode: 0o600 });
  vars = {
    EXCHANGE_SCENARIOS_LDAP_URL: `ldaps://127.0.0.1:${(front.address() as AddressInfo).port}`,
    EXCHANGE_SCENARIOS_BIND_DN: serviceAccount.dn,
    EXCHANGE_SCENARIOS_BIND_PASSWORD_FILE: join(folder, 'bind-password'),
    EXCHANGE_SCENARIOS_CA_FILE: join(folder, 'ca.pem'),
    EXCHANGE_SCENARIOS_USER_PASSWORDS_FILE: join(folder, 'users'),
  };
});

after(async () => {
  closeNetwork();
  await new Promise<void>((resolve) => front.close(() => resolve()));
  await server.close();
  rmSync(folder, { recursive: true, force: true });
});

/** Runs `work`, which must be refused as the read-only directory refuses; returns the message. */
async function refused(client: DirectoryClient, what: string, work: () => Promise<unknown>, change: RegExp): Promise<string> {
  const before = client.refusals.count;
  let caught: unknown;
  try {
    await work();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ReadOnlyDirectoryError, `${what}: expected a read-only refusal, got ${String(caught)}`);
  assert.match(caught.message, /^this step would change the directory \(.+\), but the live directory ldaps:\/\/127\.0\.0\.1:\d+ is read-only; run topology-changing scenarios on the in-process or openldap environment$/, what);
  assert.match(caught.message, change, what);
  if (what !== 'the environment itself') assert.equal(client.refusals.count, before + 1, `${what}: the refusal is counted, for the step hooks`);
  return caught.message;
}

test('the live environment reads a forest over LDAPS read-only: adopts, routes, signs in, and never sends a change', async () => {
  const environment: ScenarioEnvironment = await startLive(vars);
  const writesBefore = server.stats;
  const client = await DirectoryClient.connect(environment.url, environment.serviceAccount, environment.connection);
  const sim = await ExchangeSimulation.start(environment, { client });
  try {
    await environment.prepareScenario();
    assert.equal(environment.adoptsExisting, true);

    // ---- reads
    const [org] = await sim.adoptOrganizations();
    assert.equal(org.name, 'Fourth Coffee');
    assert.deepEqual(sim.writer.planner.serverNames().sort(), ['CHI-CAS', 'DAL-CAS', 'DAL-MBX']);
    const dave = sim.writer.planner.mailbox('dave');
    const decision = await routeOwaRequest(sim.directory, { server: 'CHI-CAS', logonName: dave.userPrincipalName });
    assert.equal(decision.action.kind, 'proxy');

    // dave types his password (the one the passwords file gives); the directory checks it by binding as him.
    const passwords = environment.userPasswords!;
    const browserUser = (alias: string, domainJoined: boolean) => {
      const upn = sim.writer.planner.mailbox(alias).userPrincipalName;
      return {
        logonName: upn,
        domainJoined,
        get password(): string {
          const known = passwords.passwordOf(alias, upn);
          if (known === undefined) throw new InputError(passwords.unknownPassword(alias));
          return known;
        },
      };
    };
    await sim.refreshNetwork();
    const davePage = await sim.browser("dave's browser", browserUser('dave', false)).open('https://mail.fourthcoffee.com/owa');
    assert.equal(davePage.kind, 'mailbox');
    assert.equal(davePage.attrs['rendered-by'], 'DAL-CAS');

    // erin's password is nobody's to give: integrated Windows sign-in works, typing it is a clear error.
    const erinAtWork = sim.browser("erin's browser", browserUser('erin', true));
    erinAtWork.addToLocalIntranetZone('*.fourthcoffee.com');
    const erinPage = await erinAtWork.open('https://dal-cas.fourthcoffee.com/owa');
    assert.equal(erinPage.kind, 'mailbox');
    assert.equal(erinAtWork.typedCredentials, 0);
    await assert.rejects(
      sim.browser("erin's browser at home", browserUser('erin', false)).open('https://mail.fourthcoffee.com/owa'),
      /erin would have to type a password, and the live forest's passwords are not known here: add the line "erin=<password>" to the file EXCHANGE_SCENARIOS_USER_PASSWORDS_FILE names/,
    );
    assert.match(passwords.wrongPasswordRefusal('dave'), /a wrong password for dave would be a failed logon in the live forest ldaps:\/\/127\.0\.0\.1:\d+, counted towards locking the account out/);
    // A bind with a password nobody listed is not even tried.
    const bindRefusals = client.refusals.count;
    await assert.rejects(client.verifyPassword(dave.dn, 'Scenario-Pa55word!'), (e: unknown) => e instanceof InputError && /would be a failed logon in the live forest/.test(e.message) && !e.message.includes('Scenario-Pa55word!'));
    assert.equal(client.refusals.count, bindRefusals + 1);

    // ---- every topology-changing path
    const w = sim.writer;
    const e2010 = releaseByName('Exchange 2010 SP2');
    await refused(client, 'declaring an organization', () => sim.declareOrganization({ name: 'Contoso', forestDomain: 'contoso.com' }), /\(add DC=contoso,DC=com, and \d+ more changes\)/);
    await refused(client, 'declaring the adopted organization again', () => sim.declareOrganization({ name: 'Fourth Coffee', forestDomain: 'fourthcoffee.com' }), /add DC=fourthcoffee,DC=com/);
    await refused(client, 'sites', () => w.addSites(['Austin']), /\(add CN=Austin,CN=Sites,CN=Configuration,DC=fourthcoffee,DC=com\)/);
    await refused(client, 'servers', () => w.addServers([{ name: 'EX3', site: 'Dallas', release: e2010, roles: ['ClientAccess', 'Mailbox'] }]), /\(add CN=EX3,CN=Servers,CN=Exchange Administrative Group \(FYDIBOHF23SPDLT\),.*, and \d+ more changes\)/);
    await refused(client, 'databases', () => w.addDatabases([{ name: 'DAL Archive', server: 'DAL-MBX' }]), /add CN=DAL Archive,CN=First Storage Group,CN=InformationStore,CN=DAL-MBX,/);
    await refused(client, 'mailboxes', () => w.addMailboxes([{ alias: 'frank', server: 'DAL-MBX', password: 'x-Secret' }]), /\(add CN=frank,CN=Users,DC=fourthcoffee,DC=com\)/);
    await refused(client, 'Set-OwaVirtualDirectory', () => w.setOwaVirtualDirectories([{ server: 'DAL-CAS', externalUrl: 'https://dallas.fourthcoffee.com/owa' }]), /\(modify msExchExternalHostName of CN=owa \(Default Web Site\),CN=HTTP,CN=Protocols,CN=DAL-CAS,/);
    await refused(client, 'Set-WebServicesVirtualDirectory', () => w.applyPlan(w.planner.planWebServicesVirtualDirectory('CHI-CAS', { externalUrl: 'https://mail.fourthcoffee.com/EWS/Exchange.asmx' })), /modify msExchExternalHostName of CN=EWS \(Default Web Site\)/);
    await refused(client, 'group membership', () => w.setGroupMembership('DAL-CAS', 'Exchange Domain Servers', true), /\(modify member of CN=Exchange Domain Servers,CN=Users,DC=fourthcoffee,DC=com\)/);
    await refused(client, 'a deny on a server', () => w.setExtendedRightOnServer('DAL-CAS', 'CHI-CAS', EXTENDED_RIGHTS.tokenSerialization, false), /\(modify nTSecurityDescriptor of CN=DAL-CAS,CN=Servers,/);
    await refused(client, 'Add-ADPermission', () => w.setExtendedRight('DAL-MBX', 'dave', EXTENDED_RIGHTS.receiveAs, true), /\(modify nTSecurityDescriptor of CN=DAL-MBX,CN=Servers,/);
    await refused(client, 'service accounts', () => w.addServiceAccounts([{ name: 'svc-portal', password: 'x-Secret' }]), /\(add CN=svc-portal,CN=Users,DC=fourthcoffee,DC=com\)/);
    await refused(client, 'security groups', () => w.addSecurityGroups([{ name: 'Help Desk', members: ['dave'] }]), /\(add CN=Help Desk,CN=Users,DC=fourthcoffee,DC=com\)/);
    await refused(client, 'a forest trust', () => w.addForestTrust({ forestDomain: 'contoso.com', netbiosName: 'CONTOSO', domainSid: 'S-1-5-21-1-2-3' }, 'outbound'), /add CN=System,DC=fourthcoffee,DC=com, and 1 more change\)/);
    await refused(client, 'a plan that deletes', () => w.applyPlan({ adds: [], modifies: [], delete: dave.dn, commit: () => undefined }), /\(delete CN=dave,CN=Users,DC=fourthcoffee,DC=com\)/);
    await refused(client, 'an ldifde import', () => sim.importEntries([{ dn: 'CN=gail,CN=Users,DC=fourthcoffee,DC=com', attributes: { objectClass: ['top', 'user'], cn: 'gail' } }]), /\(import 1 entry \(add CN=gail,CN=Users,DC=fourthcoffee,DC=com\)\)/);
    await refused(client, 'LDAP add', () => client.add({ dn: 'CN=x,CN=Users,DC=fourthcoffee,DC=com', attributes: { objectClass: 'top' } }), /\(add CN=x,CN=Users,DC=fourthcoffee,DC=com\)/);
    await refused(client, 'LDAP modify', () => client.modify(dave.dn, [{ operation: 'replace', attribute: 'title', values: ['CEO'] }]), /\(modify title of CN=dave,/);
    await refused(client, 'LDAP delete', () => client.del(dave.dn), /\(delete CN=dave,/);
    await refused(client, 'LDAP modify DN', () => client.modifyDN(dave.dn, 'CN=david,CN=Users,DC=fourthcoffee,DC=com'), /\(move CN=dave,CN=Users,DC=fourthcoffee,DC=com to CN=david,/);
    await refused(client, 'the environment itself', () => environment.importEntries!([{ dn: 'CN=gail,CN=Users,DC=fourthcoffee,DC=com', attributes: {} }]), /import 1 entry, the first CN=gail/);
    await refused(client, 'the environment itself', () => environment.declareNamingContexts({ defaultNamingContext: 'DC=contoso,DC=com', configurationNamingContext: 'CN=Configuration,DC=contoso,DC=com' }), /declare the naming contexts DC=contoso,DC=com/);
    // Nothing of it reached the planner either.
    assert.deepEqual(sim.writer.planner.siteNames().sort(), ['Chicago', 'Dallas']);
    assert.throws(() => sim.writer.planner.mailbox('frank'), /not a mailbox/);
  } finally {
    await sim.close();
    await client.close();
    await environment.dispose();
  }

  // ---- the proof, from the server's side: no change request ever arrived
  const writesAfter = server.stats;
  assert.deepEqual(
    { adds: writesAfter.adds, modifies: writesAfter.modifies, deletes: writesAfter.deletes },
    { adds: writesBefore.adds, modifies: writesBefore.modifies, deletes: writesBefore.deletes },
  );
  for (const op of ['add', 'modify', 'delete', 'modifyDN']) assert.equal(seen.get(op) ?? 0, 0, `${op} requests through LDAPS`);
  assert.ok((seen.get('search') ?? 0) > 10, 'the reads did go through the LDAPS front');
  assert.ok((seen.get('bind') ?? 0) >= 2, 'the service account and dave bound through it');
});

test('the live environment says what it needs, and never shows a password', async () => {
  assert.throws(() => readLiveSettings({}), (e: Error) =>
    /EXCHANGE_SCENARIOS_ENVIRONMENT=live cannot start:/.test(e.message) &&
    /EXCHANGE_SCENARIOS_LDAP_URL is not set/.test(e.message) &&
    /EXCHANGE_SCENARIOS_BIND_DN is not set/.test(e.message) &&
    /neither EXCHANGE_SCENARIOS_BIND_PASSWORD nor EXCHANGE_SCENARIOS_BIND_PASSWORD_FILE is set/.test(e.message) &&
    /It needs:\n {2}EXCHANGE_SCENARIOS_LDAP_URL/.test(e.message));
  const base = { EXCHANGE_SCENARIOS_BIND_DN: 'svc@fourthcoffee.com', EXCHANGE_SCENARIOS_BIND_PASSWORD: SERVICE_PASSWORD };
  const problem = (env: NodeJS.ProcessEnv, pattern: RegExp) =>
    assert.throws(() => readLiveSettings({ ...base, ...env }), (e: Error) => pattern.test(e.message) && !e.message.includes(SERVICE_PASSWORD));
  problem({ EXCHANGE_SCENARIOS_LDAP_URL: 'ldaps://dc1.fourthcoffee.com:636' }, /is ldaps:\/\/ but EXCHANGE_SCENARIOS_CA_FILE is not set/);
  problem({ EXCHANGE_SCENARIOS_LDAP_URL: 'ldap://dc1.fourthcoffee.com' }, /would send the service account's password in clear: use ldaps:\/\/, or give EXCHANGE_SCENARIOS_CA_FILE for StartTLS/);
  problem({ EXCHANGE_SCENARIOS_LDAP_URL: `ldaps://svc:${SERVICE_PASSWORD}@dc1.fourthcoffee.com` }, /EXCHANGE_SCENARIOS_LDAP_URL carries a user name or password/);
  problem({ EXCHANGE_SCENARIOS_LDAP_URL: 'https://dc1.fourthcoffee.com' }, /is not an ldap:\/\/ or ldaps:\/\/ URL/);
  problem({ EXCHANGE_SCENARIOS_LDAP_URL: 'ldaps://dc1.fourthcoffee.com/DC=fourthcoffee,DC=com', EXCHANGE_SCENARIOS_CA_FILE: 'system' }, /names a path or query/);
  problem({ EXCHANGE_SCENARIOS_LDAP_URL: 'ldaps://dc1.fourthcoffee.com', EXCHANGE_SCENARIOS_CA_FILE: '/nonexistent/ca.pem' }, /EXCHANGE_SCENARIOS_CA_FILE=\/nonexistent\/ca.pem cannot be read \(ENOENT\)/);
  problem({ EXCHANGE_SCENARIOS_LDAP_URL: 'ldaps://dc1.fourthcoffee.com', EXCHANGE_SCENARIOS_CA_FILE: vars.EXCHANGE_SCENARIOS_BIND_PASSWORD_FILE }, /holds no PEM certificate/);
  problem({ EXCHANGE_SCENARIOS_LDAP_URL: 'ldaps://dc1.fourthcoffee.com', EXCHANGE_SCENARIOS_CA_FILE: 'system', EXCHANGE_SCENARIOS_BIND_PASSWORD_FILE: vars.EXCHANGE_SCENARIOS_BIND_PASSWORD_FILE }, /both EXCHANGE_SCENARIOS_BIND_PASSWORD and EXCHANGE_SCENARIOS_BIND_PASSWORD_FILE are set/);
  writeFileSync(join(folder, 'bad-users'), `dave ${DAVE_PASSWORD}\n`);
  assert.throws(() => readLiveSettings({ ...base, EXCHANGE_SCENARIOS_LDAP_URL: 'ldaps://dc1.fourthcoffee.com', EXCHANGE_SCENARIOS_CA_FILE: 'system', EXCHANGE_SCENARIOS_USER_PASSWORDS_FILE: join(folder, 'bad-users') }), (e: Error) => /line 1: not "alias=password"/.test(e.message) && !e.message.includes(DAVE_PASSWORD));

  // ldap:// on loopback (a tunnel) is plain; StartTLS when a CA is given; ldaps:// with "system".
  assert.equal(readLiveSettings({ ...base, EXCHANGE_SCENARIOS_LDAP_URL: 'ldap://127.0.0.1:3389' }).startTls, false);
  assert.equal(readLiveSettings({ ...base, EXCHANGE_SCENARIOS_LDAP_URL: 'ldap://dc1.fourthcoffee.com', EXCHANGE_SCENARIOS_CA_FILE: vars.EXCHANGE_SCENARIOS_CA_FILE }).startTls, true);
  const system = readLiveSettings({ ...base, EXCHANGE_SCENARIOS_LDAP_URL: 'ldaps://dc1.fourthcoffee.com', EXCHANGE_SCENARIOS_CA_FILE: 'system' });
  assert.equal(system.tlsOptions?.ca, undefined, '"system" is Node\'s default CA list');

  // The password is not in the environment as printed or serialized, nor in a failed bind's error.
  const environment = await startLive(vars);
  assert.equal(environment.serviceAccount.password, SERVICE_PASSWORD);
  assert.ok(!inspect(environment, { depth: 5 }).includes(SERVICE_PASSWORD) && !JSON.stringify(environment).includes(SERVICE_PASSWORD));
  await assert.rejects(
    DirectoryClient.connect(environment.url, { dn: serviceAccount.dn, password: `${SERVICE_PASSWORD}-wrong` }, environment.connection),
    (e: Error) => /^cannot bind to the directory at ldaps:\/\/127\.0\.0\.1:\d+ as CN=svc-exchange-read,CN=Service Accounts: /.test(e.message) && !e.message.includes(SERVICE_PASSWORD),
  );
  // A certificate from another CA is not trusted: verification is never switched off.
  await assert.rejects(
    DirectoryClient.connect(environment.url, environment.serviceAccount, { ...environment.connection, tlsOptions: { minVersion: 'TLSv1.2' } }),
    (e: Error) => /cannot bind to the directory at ldaps:/.test(e.message) && /certificate/i.test(e.message) && !e.message.includes(SERVICE_PASSWORD),
  );
});
