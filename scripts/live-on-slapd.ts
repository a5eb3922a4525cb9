// Proves the live environment read-only against a real directory server: Debian's slapd serves
// fixtures/fourthcoffee.ldf (loaded offline, as a production forest exists before the run), a read-only
// account (an ordinary user: slapd lets users read and only the service account write) binds as the
// live environment's service account, the @live features run against it in a child process, and every
// topology-changing path is tried from here too. slapd logs every request it receives (loglevel stats);
// the proof is that the log holds searches and binds but not one add, modify, delete or rename. The
// detector is checked first on a write made on purpose, so a log that caught nothing proves something.
//
//   npm run test:live        (needs slapd: apt-get install slapd ldap-utils)

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import { DirectoryClient, ExchangeSimulation, ReadOnlyDirectoryError } from '@exchange-scenarios/engine';
import { adEntriesFromLdif, parseLdif } from '@exchange-scenarios/engine/src/directory/ldif';
import { releaseByName } from '@exchange-scenarios/engine/src/topology/versions';
import { openLdapUnavailable, startOpenLdap } from '../environments/openldap';
import { startLive } from '../environments/live';

const ROOT = resolve(__dirname, '..');
const WRITE_OPS = /\b(ADD|MOD|MODRDN|DEL|PASSMOD) dn=/;

/** Write requests slapd logged from `from` (line index) on: "conn=1003 op=2 ADD dn=…". */
function writesIn(logFile: string, from = 0): string[] {
  return readFileSync(logFile, 'utf8').split('\n').slice(from).filter((l) => WRITE_OPS.test(l));
}
const lineCount = (logFile: string) => readFileSync(logFile, 'utf8').split('\n').length - 1;
const waitForLog = () => new Promise((r) => setTimeout(r, 200)); // slapd writes its log asynchronously (real time: a child process)

async function main(): Promise<void> {
  const why = openLdapUnavailable();
  if (why) throw new Error(`npm run test:live needs slapd: ${why}`);
  const folder = mkdtempSync(join(tmpdir(), 'exchange-scenarios-live-'));
  const logFile = join(folder, 'slapd.log');
  const readOnly = { dn: 'CN=svc-scenarios-read,CN=Users,DC=fourthcoffee,DC=com', password: randomBytes(15).toString('base64') };
  const users = { carol: randomBytes(12).toString('base64'), dave: randomBytes(12).toString('base64') };

  const loaded = adEntriesFromLdif(parseLdif(readFileSync(join(ROOT, 'fixtures/fourthcoffee.ldf')), 'fixtures/fourthcoffee.ldf'));
  const contexts = { defaultNamingContext: loaded.namingContexts.defaultNamingContext!, configurationNamingContext: loaded.namingContexts.configurationNamingContext! };
  // The forest as it stands in production: its users have passwords (only theirs, for this proof), and there is a read-only account.
  const entries = loaded.entries.map((e) => {
    const alias = ([] as string[]).concat(e.attributes.sAMAccountName ?? [])[0]?.toLowerCase();
    return alias && alias in users ? { dn: e.dn, attributes: { ...e.attributes, userPassword: users[alias as keyof typeof users] } } : e;
  });
  entries.push({ dn: readOnly.dn, attributes: { objectClass: ['top', 'person', 'organizationalPerson', 'user'], cn: 'svc-scenarios-read', sAMAccountName: 'svc-scenarios-read', userPassword: readOnly.password } });

  const slapd = await startOpenLdap({ preload: { contexts, entries }, logFile });
  try {
    writeFileSync(join(folder, 'bind'), readOnly.password, { mode: 0o600 });
    writeFileSync(join(folder, 'users'), Object.entries(users).map(([a, p]) => `${a}=${p}`).join('\n'), { mode: 0o600 });
    const liveVariables = {
      EXCHANGE_SCENARIOS_LDAP_URL: slapd.url,
      EXCHANGE_SCENARIOS_BIND_DN: readOnly.dn,
      EXCHANGE_SCENARIOS_BIND_PASSWORD_FILE: join(folder, 'bind'),
      EXCHANGE_SCENARIOS_USER_PASSWORDS_FILE: join(folder, 'users'),
    };

    // 1. The detector sees a write: the service account changes a description, on purpose.
    const admin = new Client({ url: slapd.url });
    await admin.bind(slapd.serviceAccount.dn, slapd.serviceAccount.password);
    const before = lineCount(logFile);
    await admin.modify(readOnly.dn, [new Change({ operation: 'replace', modification: new Attribute({ type: 'description', values: ['detector check'] }) })]);
    await admin.unbind();
    await waitForLog();
    if (writesIn(logFile, before).length !== 1) throw new Error(`the log detector missed a write made on purpose: ${writesIn(logFile, before).length} found`);
    const start = lineCount(logFile);

    // 2. The @live features, in their own process, on the live environment.
    const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/@cucumber/cucumber/bin/cucumber-js'), '--profile', 'live'], { cwd: ROOT, env: { ...process.env, ...liveVariables }, encoding: 'utf8' });
    process.stdout.write(run.stdout.split('\n').filter((l) => /scenarios|steps|✖|Error/.test(l)).join('\n') + '\n');
    if (run.status !== 0) throw new Error(`the @live features failed on slapd:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`);

    // 3. Every kind of change, tried through the live environment: each refused before a request is sent.
    const live = await startLive({ ...process.env, ...liveVariables });
    const client = await DirectoryClient.connect(live.url, live.serviceAccount, live.connection);
    const sim = await ExchangeSimulation.start(live, { client });
    await sim.adoptOrganizations();
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['a site', () => sim.writer.addSites(['Houston'])],
      ['a server', () => sim.writer.addServers([{ name: 'HOU-CAS', site: 'Dallas', release: releaseByName('Exchange 2010 SP1'), roles: ['ClientAccess'] }])],
      ['an OWA virtual directory change', () => sim.writer.setOwaVirtualDirectories([{ server: 'DAL-CAS', externalUrl: 'https://dallas.fourthcoffee.com/owa' }])],
      ['a mailbox', () => sim.writer.addMailboxes([{ alias: 'erin', server: 'DAL-MBX', password: 'unused' }])],
      ['a group membership', () => sim.writer.setGroupMembership('DAL-CAS', 'Exchange Domain Servers', true)],
      ['an organization', () => sim.declareOrganization({ name: 'Tailspin', forestDomain: 'tailspintoys.com' })],
      ['an export', () => live.importEntries!([{ dn: 'CN=x,DC=fourthcoffee,DC=com', attributes: { objectClass: ['top', 'container'], cn: 'x' } }])],
      ['a raw delete', () => client.del(readOnly.dn)],
    ];
    for (const [what, attempt] of attempts) {
      try {
        await attempt();
        throw new Error(`${what} was not refused by the live environment`);
      } catch (e) {
        if (!(e instanceof ReadOnlyDirectoryError)) throw new Error(`${what}: expected a read-only refusal, got ${(e as Error).message}`);
      }
    }
    await sim.close();
    await client.close();
    await waitForLog();

    const writes = writesIn(logFile, start);
    const searches = readFileSync(logFile, 'utf8').split('\n').slice(start).filter((l) => / SRCH base=/.test(l)).length;
    if (writes.length > 0) throw new Error(`${writes.length} write request(s) reached slapd from the live environment:\n  ${writes.slice(0, 5).join('\n  ')}`);
    if (searches === 0) throw new Error('slapd logged no search at all: the log proves nothing');
    console.log(`live on slapd: ${attempts.length} kinds of change refused; slapd logged ${searches} searches and 0 add/modify/delete/rename requests from the live environment`);
  } finally {
    await slapd.dispose();
    rmSync(folder, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
