// Migration impact over the model: the equivalence classes (one decision per database × entry URL) give what
// asking user by user gives, and the differential lists exactly the mailbox × entry URL pairs that change.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startInProcess } from '../../../environments/in-process';
import type { ScenarioEnvironment } from '../../../environments/environment';
import { ExchangeSimulation } from '../src/simulation';
import { closeNetwork } from '../src/network/network';
import { routeOwaRequest } from '../src/redirection/route';
import { releaseByName } from '../src/topology/versions';
import { describeOwaAction, owaOutcomeOf, snapshotOwa, mailboxKey } from '../src/migration/owa';
import { diffOwa, impactTable, renderTable, summarizeImpact } from '../src/migration/impact';
import { join } from 'node:path';
import { migrationImpact } from '../../../scripts/migration-impact';

const PASSWORD = 'test-only-Pa55';
let environment: ScenarioEnvironment;
let sim: ExchangeSimulation;

before(async () => {
  environment = await startInProcess();
  sim = await ExchangeSimulation.start(environment);
  const w = sim.writer;
  await sim.declareOrganization({ name: 'Fourth Coffee', forestDomain: 'fourthcoffee.com' });
  await w.addSites(['Chicago', 'Dallas', 'Denver']);
  // Every kind of outcome: 2007 and 2010 CAS, a 2003 back end, a site that is proxied to, one redirected to.
  await w.addServers([
    { name: 'CHI-CAS', site: 'Chicago', release: releaseByName('Exchange 2007 SP1'), roles: ['ClientAccess', 'Mailbox'] },
    { name: 'CHI-E14', site: 'Chicago', release: releaseByName('Exchange 2010 SP2'), roles: ['ClientAccess'] },
    { name: 'DAL-CAS', site: 'Dallas', release: releaseByName('Exchange 2007 SP1'), roles: ['ClientAccess'] },
    { name: 'DAL-MBX', site: 'Dallas', release: releaseByName('Exchange 2007 SP1'), roles: ['Mailbox'] },
    { name: 'DEN-EX', site: 'Denver', release: releaseByName('Exchange 2010 SP2'), roles: ['ClientAccess', 'Mailbox'] },
    { name: 'OLD-BE', site: 'Dallas', release: releaseByName('Exchange 2003'), roles: [], frontEnd: false },
  ]);
  await w.setOwaVirtualDirectories([
    { server: 'CHI-CAS', externalUrl: 'https://mail.fourthcoffee.com/owa' },
    { server: 'CHI-E14', externalUrl: 'https://mail2010.fourthcoffee.com/owa', exchange2003Url: 'https://legacy.fourthcoffee.com/exchange' },
    { server: 'DAL-CAS', internalAuthenticationMethods: ['WindowsIntegrated'], externalAuthenticationMethods: ['WindowsIntegrated'] },
    { server: 'DEN-EX', externalUrl: 'https://mail.denver.fourthcoffee.com/owa' },
  ]);
  await w.addMailboxes([
    { alias: 'carol', server: 'CHI-CAS', password: PASSWORD },
    { alias: 'dave', server: 'DAL-MBX', password: PASSWORD },
    { alias: 'dora', server: 'DAL-MBX', password: PASSWORD },
    { alias: 'erin', server: 'DEN-EX', password: PASSWORD },
    { alias: 'olga', server: 'OLD-BE', password: PASSWORD },
  ]);
});

after(async () => {
  await sim.close();
  closeNetwork();
  await environment.dispose();
});

test('one decision per database × entry URL gives what each user asked alone gets', async () => {
  const snapshot = await snapshotOwa(sim.directory);
  assert.equal(snapshot.mailboxes.size, 5);
  assert.equal(snapshot.entries.length, 7, snapshot.entries.map((e) => e.url).join(', '));
  // 4 databases (dave and dora share one) × 7 URLs (DAL-CAS has no ExternalURL), each reaching one server.
  assert.equal(snapshot.decisions, 4 * 7);
  let compared = 0;
  for (const entry of snapshot.entries) {
    for (const alias of ['carol', 'dave', 'dora', 'erin', 'olga']) {
      const user = (await sim.directory.findUserByLogonName(alias))!;
      const serverName = entry.servers[0];
      const alone = await routeOwaRequest(sim.directory, { server: serverName, logonName: alias, url: entry.url });
      const self = (await sim.directory.serverByName(serverName))!;
      const grouped = owaOutcomeOf(snapshot, mailboxKey(user), entry.url)!;
      assert.equal(grouped.summary, describeOwaAction(self, alone.action), `${alias} at ${entry.url}`);
      assert.equal(grouped.rule, alone.rule);
      compared++;
    }
  }
  assert.equal(compared, 35);
  const kinds = new Set([...snapshot.outcomes.values()].flatMap((m) => [...m.values()].map((o) => o.summary.split(' ')[0])));
  for (const k of ['opened', 'proxied', 'shown', 'silently', 'error:']) assert.ok(kinds.has(k), `no "${k}" outcome among ${[...kinds].join(', ')}`);
});

test('the differential lists exactly the pairs that change, and identical changes group', async () => {
  const before = await snapshotOwa(sim.directory);
  assert.deepEqual(diffOwa(before, await snapshotOwa(sim.directory)), [], 'the same topology twice changes nothing');
  await sim.writer.setOwaVirtualDirectories([{ server: 'DAL-CAS', externalUrl: 'https://mail.dallas.fourthcoffee.com/owa' }]);
  await sim.writer.moveMailbox('erin', 'Mailbox Database CHI-CAS', 'Move-Mailbox');
  const after = await snapshotOwa(sim.directory);
  const changes = diffOwa(before, after);
  // dave and dora: Chicago's 2007 CAS now hands them a link to Dallas's new ExternalURL instead of proxying.
  const atChicago = changes.filter((c) => c.where === 'https://mail.fourthcoffee.com/owa');
  assert.deepEqual(atChicago.map((c) => `${c.subject.split('@')[0]}: ${c.before} → ${c.after}`).sort(), [
    'dave: proxied to DAL-CAS → shown a link to https://mail.dallas.fourthcoffee.com/owa, one more password prompt',
    'dora: proxied to DAL-CAS → shown a link to https://mail.dallas.fourthcoffee.com/owa, one more password prompt',
    // erin's Exchange 2010 mailbox moves back to 2007, which Chicago's 2007 CAS can open.
    'erin: error: Outlook Web Access cannot open this mailbox: it is on a newer version of Exchange than this Client Access server. → opened by CHI-CAS (mailbox on CHI-CAS)',
  ]);
  // The new URL is not a change to anybody's outcome: nobody used it before.
  assert.ok(!changes.some((c) => c.where === 'https://mail.dallas.fourthcoffee.com/owa'));
  assert.ok(!changes.some((c) => c.subject.startsWith('carol') || c.subject.startsWith('olga')), changes.map((c) => c.subject).join());
  const summary = summarizeImpact(changes);
  const grouped = summary.find((r) => r.where === 'https://mail.fourthcoffee.com/owa' && r.before === 'proxied to DAL-CAS')!;
  assert.equal(grouped.count, 2);
  assert.deepEqual(grouped.sites, ['Dallas']);
  const text = renderTable(impactTable(summary));
  assert.match(text, /^Migration impact: \d+ changes\n\+-/);
  assert.ok(!text.includes(PASSWORD));
});

test('two exports: Fourth Coffee before and after the runbook move to Exchange 2010 SP2', async () => {
  const fixtures = join(__dirname, '..', '..', '..', 'fixtures');
  const run = await migrationImpact(join(fixtures, 'fourthcoffee.ldf'), join(fixtures, 'fourthcoffee-2010sp2.ldf'));
  assert.equal(run.before.entries.length, 3);
  assert.equal(run.after.entries.length, 6);
  const lines = run.changes.map((c) => `${c.subject.split('@')[0]} at ${c.where}: ${c.before} → ${c.after}`).sort();
  assert.deepEqual(lines, [
    'carol at https://dal-cas.fourthcoffee.com/owa: shown a link to https://mail.fourthcoffee.com/owa, one more password prompt → shown a link to https://legacy.fourthcoffee.com/owa, one more password prompt',
    'carol at https://mail.fourthcoffee.com/owa: opened by CHI-CAS (mailbox on CHI-MBX) → silently redirected to https://legacy.fourthcoffee.com/owa, single sign-on',
    'dave at https://chi-cas.fourthcoffee.com/owa: proxied to DAL-CAS → error: Outlook Web Access cannot open this mailbox: it is on a newer version of Exchange than this Client Access server.',
    'dave at https://dal-cas.fourthcoffee.com/owa: opened by DAL-CAS (mailbox on DAL-MBX) → error: Outlook Web Access cannot open this mailbox: it is on a newer version of Exchange than this Client Access server.',
    'dave at https://mail.fourthcoffee.com/owa: proxied to DAL-CAS → proxied to DAL-CAS10',
  ]);
  // The same export twice: nothing changes.
  const same = await migrationImpact(join(fixtures, 'contoso.ldf'), join(fixtures, 'contoso.ldf'));
  assert.deepEqual(same.changes, []);
});
