// Migration impact: record what every user gets before a change, make the change with any other steps (shell
// commands, tables, a new server), and compare. The engine asks the questions (snapshotOwa over the model;
// free/busy and impersonation through the network when the scenario has them) and diffs them; these steps
// name the baseline, read the expectation and attach the impact table to the report.

import { Given, Then, type DataTable } from '@cucumber/cucumber';
import { diffOwa, diffRows, impactTable, InputError, renderTable, snapshotOwa, summarizeImpact, type ImpactChange, type ImpactQuestion, type OutcomeRows, type OwaSnapshot } from '@exchange-scenarios/engine';
import type * as NetworkQuestions from '@exchange-scenarios/engine/src/migration/network-questions';
import { expect } from 'expect';
import { located } from '../support/input-errors';
import { Table } from '../support/tables';
import { DEFAULT_PASSWORD, type ScenarioWorld } from '../support/world';

/** Media type the HTML report draws as a table (support/formatters). */
const TABLE_MEDIA_TYPE = 'application/vnd.exchange-scenarios.table+json';
const QUESTIONS: readonly ImpactQuestion[] = ['OWA', 'free/busy', 'impersonation'];

export interface MigrationOutcomes {
  /** By organization name. */
  owa: Map<string, OwaSnapshot>;
  freeBusy?: OutcomeRows;
  impersonation?: OutcomeRows;
}

// Federation and impersonation load their own libraries; only scenarios that use them pay for it.
const networkQuestions = (): typeof NetworkQuestions => require('@exchange-scenarios/engine/src/migration/network-questions') as typeof NetworkQuestions;

/** Everything users get now: OWA in every organization, free/busy and impersonation when the scenario has them. */
async function outcomesNow(world: ScenarioWorld): Promise<MigrationOutcomes> {
  const owa = new Map<string, OwaSnapshot>();
  for (const org of world.sim.organizations.filter((o) => o.name)) owa.set(org.name!, await snapshotOwa(org.directory));
  const result: MigrationOutcomes = { owa };
  if (world.federationState) result.freeBusy = await networkQuestions().freeBusyOutcomes(world.federationState, { password: DEFAULT_PASSWORD, day: world.sim.clock.now().toISOString().slice(0, 10) });
  if (world.impersonationState) result.impersonation = await networkQuestions().impersonationOutcomes(world.impersonationState, { password: DEFAULT_PASSWORD });
  return result;
}

function changesSince(before: MigrationOutcomes, after: MigrationOutcomes): ImpactChange[] {
  const changes: ImpactChange[] = [];
  const empty: OwaSnapshot = { entries: [], mailboxes: new Map(), outcomes: new Map(), decisions: 0 };
  for (const name of new Set([...before.owa.keys(), ...after.owa.keys()])) changes.push(...diffOwa(before.owa.get(name) ?? empty, after.owa.get(name) ?? empty));
  // A question the scenario began asking after the baseline (federation set up by the migration) compares with nothing asked.
  const rows = (question: ImpactQuestion, b?: OutcomeRows, a?: OutcomeRows) => (b || a ? diffRows(b ?? { question, rows: new Map(), sites: new Map() }, a ?? { question, rows: new Map(), sites: new Map() }) : []);
  changes.push(...rows('free/busy', before.freeBusy, after.freeBusy), ...rows('impersonation', before.impersonation, after.impersonation));
  return changes;
}

/** The changes since the baseline, attached to the report as a table (and as text, for the terminal formatters). */
async function migrationChanges(world: ScenarioWorld): Promise<ImpactChange[]> {
  if (!world.migrationBaseline) throw new InputError('no topology was recorded before the migration; start with "Given this is the topology before the migration"');
  const changes = changesSince(world.migrationBaseline, await outcomesNow(world));
  const table = impactTable(summarizeImpact(changes));
  world.attach(JSON.stringify(table), TABLE_MEDIA_TYPE);
  world.attach(renderTable(table), 'text/plain');
  return changes;
}

/** "dave" names dave@fourthcoffee.com; an address names itself. */
function names(subject: string, name: string): boolean {
  const s = subject.toLowerCase();
  const n = name.trim().toLowerCase();
  return s === n || s.split('@')[0] === n;
}

function shown(changes: readonly ImpactChange[]): string {
  return changes.length === 0 ? 'nothing changes' : renderTable(impactTable(summarizeImpact(changes, 10)));
}

/** Records what every user gets now (OWA at every entry URL; free/busy and impersonation if the scenario has them). */
Given('this is the topology before the migration', async function (this: ScenarioWorld) {
  await located(this.locator, async () => {
    this.migrationBaseline = await outcomesNow(this);
  });
});

/** Nothing any user gets changes: no OWA outcome at any entry URL, no free/busy answer, no impersonation outcome. */
Then('the migration changes nothing', async function (this: ScenarioWorld) {
  const changes = await located(this.locator, () => migrationChanges(this));
  if (changes.length > 0) throw new Error(`the migration changes what users get:\n${shown(changes)}`);
});

/** Nothing changes for the users whose mailbox is in the site, before or after the migration. */
Then('the migration changes nothing for users in {word}', async function (this: ScenarioWorld, site: string) {
  const changes = await located(this.locator, async () => {
    const all = await migrationChanges(this);
    const sites = new Set<string>();
    const before = this.migrationBaseline!;
    for (const snapshot of before.owa.values()) for (const m of snapshot.mailboxes.values()) if (m.site) sites.add(m.site);
    for (const c of all) c.sites.forEach((s) => sites.add(s));
    if (![...sites].some((s) => s.toLowerCase() === site.toLowerCase())) {
      throw new InputError(`no mailbox is in a site named "${site}" before or after the migration; sites with mailboxes: ${[...sites].sort().join(', ')}`, { value: site, accepted: [...sites].sort() });
    }
    return all.filter((c) => c.sites.some((s) => s.toLowerCase() === site.toLowerCase()));
  });
  if (changes.length > 0) throw new Error(`the migration changes what users in ${site} get:\n${shown(changes)}`);
});

/** Nothing changes for one user (an alias or an address), in any question. */
Then('the migration changes nothing for {user}', async function (this: ScenarioWorld, user: string) {
  const changes = (await located(this.locator, () => migrationChanges(this))).filter((c) => names(c.subject, user));
  if (changes.length > 0) throw new Error(`the migration changes what ${user} gets:\n${shown(changes)}`);
});

/**
 * Exactly these changes and no others. Columns: Users (aliases or addresses, comma-separated), At (the entry
 * URL, the mailbox asked about, or the application), Before, After; Question (OWA, free/busy, impersonation) is
 * optional and narrows the comparison to the questions the table names.
 */
Then('the migration changes:', async function (this: ScenarioWorld, table: DataTable) {
  const { expected, actual } = await located(this.locator, async () => {
    const rows = new Table(table, { Question: {}, Users: { required: true, aliases: ['User', 'Mailbox', 'Mailboxes', 'Requester'] }, At: { required: true, aliases: ['Entry URL', 'Application', 'Target'] }, Before: { required: true }, After: { required: true } });
    const expectedRows = rows.map((row) => ({
      question: row.oneOf('Question', QUESTIONS),
      users: row.required('Users').split(/\s*,\s*|\s+and\s+/).filter((u) => u),
      at: row.required('At'),
      before: row.required('Before'),
      after: row.required('After'),
    }));
    const asked = new Set(expectedRows.map((r) => r.question).filter((q): q is ImpactQuestion => !!q));
    const changes = (await migrationChanges(this)).filter((c) => asked.size === 0 || asked.has(c.question));
    const key = (at: string, before: string, after: string) => `${at.replace(/\/+$/, '').toLowerCase()} | ${before} → ${after}`;
    // Both sides as "at | before → after: users", users sorted by their short name, so the diff reads row by row.
    const actualLines = summarizeImpact(changes, Number.MAX_SAFE_INTEGER).map((r) => `${key(r.where, r.before, r.after)}: ${r.examples.map((s) => s.split('@')[0]).sort().join(', ')}`);
    // Rows that differ only in their users are one group, however the table splits them.
    const grouped = new Map<string, string[]>();
    for (const r of expectedRows) grouped.set(key(r.at, r.before, r.after), [...(grouped.get(key(r.at, r.before, r.after)) ?? []), ...r.users.map((u) => u.split('@')[0])]);
    const expectedLines = [...grouped].map(([k, users]) => `${k}: ${users.sort().join(', ')}`);
    return { expected: expectedLines.sort(), actual: actualLines.sort() };
  });
  expect(actual).toEqual(expected);
});
