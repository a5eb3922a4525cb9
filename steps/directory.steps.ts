// Steps that read the directory back the way an administrator would check it (Get-* cmdlets), and steps
// that expect a declaration to be refused, to prove that nothing of it was written.

import { Then, When, type DataTable } from '@cucumber/cucumber';
import { filter } from '@exchange-scenarios/engine';
import type { ScenarioWorld } from '../support/world';
import { declarations } from './topology.steps';

/** Jest's expect, loaded on first use: only these read-back steps need it, and it costs start-up time. */
function expect(actual: unknown): ReturnType<typeof import('expect').expect> {
  return (require('expect') as typeof import('expect')).expect(actual);
}

/**
 * A two-column table of property and value, read back from the directory as Get-OwaVirtualDirectory shows
 * them: InternalUrl, ExternalUrl, InternalAuthenticationMethods, ExternalAuthenticationMethods,
 * Exchange2003Url, FailbackUrl, CrossSiteRedirectType, LegacyRedirectType (`$null` for none).
 */
Then('Get-OwaVirtualDirectory on {word} shows:', async function (this: ScenarioWorld, serverName: string, table: DataTable) {
  const server = await this.sim.directory.serverByName(serverName);
  if (!server) throw new Error(`${serverName} is not in the directory`);
  const vdir = await this.sim.directory.virtualDirectory(server);
  if (!vdir) throw new Error(`${serverName} has no OWA virtual directory in the directory`);
  const shown: Record<string, string> = {
    InternalUrl: vdir.internalUrl ?? '$null',
    ExternalUrl: vdir.externalUrl ?? '$null',
    InternalAuthenticationMethods: vdir.internalAuthenticationMethods.join(', '),
    ExternalAuthenticationMethods: vdir.externalAuthenticationMethods.join(', '),
    Exchange2003Url: vdir.exchange2003Url ?? '$null',
    FailbackUrl: vdir.failbackUrl ?? '$null',
    CrossSiteRedirectType: vdir.crossSiteRedirectType,
    LegacyRedirectType: vdir.legacyRedirectType,
  };
  const expected = table.rowsHash();
  for (const key of Object.keys(expected)) {
    if (!(key in shown)) throw new Error(`Get-OwaVirtualDirectory shows no property "${key}"; it shows: ${Object.keys(shown).join(', ')}`);
  }
  expect(Object.fromEntries(Object.keys(expected).map((k) => [k, shown[k]]))).toEqual(expected);
});

/** Runs a declaration step's body and keeps its error, for a scenario that expects it to be refused. */
const ATTEMPTS: Record<string, string> = {
  'Exchange servers': 'these Exchange servers:',
  'OWA virtual directories': 'these OWA virtual directories:',
  mailboxes: 'these mailboxes:',
  'mailbox databases': 'these mailbox databases:',
};

/** The same tables as the Given steps, for a declaration expected to be refused: the refusal is kept for the next step instead of failing the scenario. */
When(/^the administrator declares these (Exchange servers|OWA virtual directories|mailboxes|mailbox databases):$/, async function (this: ScenarioWorld, what: string, table: DataTable) {
  try {
    await declarations[ATTEMPTS[what]].call(this, table);
    this.refusal = undefined;
  } catch (err) {
    this.refusal = (err as Error).message;
  }
});

/** Passes when the refusal contains the text (it names the feature line, the row, the column, the value and what is accepted). */
Then('the declaration is refused with {string}', function (this: ScenarioWorld, text: string) {
  if (this.refusal === undefined) throw new Error(`Expected the declaration to be refused with "${text}", but it was accepted`);
  expect(this.refusal).toContain(text);
});

/** Passes when nothing of that name is in the directory: a refused table wrote nothing. */
Then(/^the directory holds no (?:server|mailbox|object) named "([^"]*)"$/, async function (this: ScenarioWorld, name: string) {
  const contexts = await this.sim.directory.namingContexts();
  const found = [];
  for (const base of [contexts.defaultNamingContext, contexts.configurationNamingContext]) {
    found.push(...(await this.sim.client.search(base, filter.or(filter.eq('cn', name), filter.eq('sAMAccountName', name), filter.eq('sAMAccountName', `${name}$`)), { attributes: ['cn'] })));
  }
  expect(found.map((e) => e.dn)).toEqual([]);
});
