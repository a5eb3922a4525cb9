// The migration questions that are asked through the network, because their answer is a conversation between
// servers (and their caches) rather than one server's decision: free/busy between organizations (the 11-step
// flow through the gateway) and impersonation (an application server's EWS call). Each is a real request, as
// users make them: a cache the "before" lookups fill stays filled after the change, as it would in
// production (a relationship changed in the other organization shows up only when its cache expires).
// This module loads federation's and impersonation's code: it is its own entry point, never in index.ts.

import { askFreeBusy } from '../federation/client';
import type { Federation } from '../federation/federation';
import type { FreeBusyAnswer } from '../federation/free-busy';
import type { Impersonation } from '../impersonation/impersonation';
import type { ExchangeOrganization } from '../simulation';
import type { OutcomeRows } from './impact';

/** One free/busy answer in words: the detail it shows, or the error. */
export function describeFreeBusy(a: FreeBusyAnswer | undefined): string {
  if (!a) return 'no answer';
  if (a.responseClass !== 'Success') return `${a.responseCode}${a.messageText ? `: ${a.messageText}` : ''}`;
  const events = a.view?.events ?? [];
  const detail = events.some((e) => e.subject !== undefined || e.location !== undefined) ? 'busy times with subject and location' : events.length > 0 ? 'busy times only' : 'no busy times';
  return `${a.view?.type ?? 'no view'}: ${detail}`;
}

async function mailboxesOf(org: ExchangeOrganization): Promise<Array<{ address: string; site?: string }>> {
  const out: Array<{ address: string; site?: string }> = [];
  for (const user of await org.directory.mailboxUsers()) {
    const database = user.homeMdbDn ? await org.directory.database(user.homeMdbDn) : undefined;
    const address = user.primarySmtpAddress || user.userPrincipalName;
    if (address) out.push({ address, site: database?.server.site.name });
  }
  return out.sort((a, b) => a.address.localeCompare(b.address));
}

/**
 * Every mailbox of each organization asks for the free/busy of every mailbox of each other one (one request per
 * requester and organization, as Outlook's scheduling assistant sends), on `day` from 08:00 to 18:00 UTC.
 */
export async function freeBusyOutcomes(federation: Federation, options: { password: string; day: string }): Promise<OutcomeRows> {
  const rows: OutcomeRows = { question: 'free/busy', rows: new Map(), sites: new Map() };
  const orgs = federation.sim.organizations.filter((o) => o.name);
  const people = new Map<ExchangeOrganization, Array<{ address: string; site?: string }>>();
  for (const org of orgs) people.set(org, await mailboxesOf(org));
  const window = { start: new Date(`${options.day}T08:00:00Z`), end: new Date(`${options.day}T18:00:00Z`) };
  for (const from of orgs) {
    for (const requester of people.get(from)!) {
      const answers = new Map<string, string>();
      if (requester.site) rows.sites.set(requester.address, requester.site);
      for (const to of orgs) {
        if (to === from) continue;
        const targets = people.get(to)!.map((p) => p.address);
        if (targets.length === 0) continue;
        try {
          const lookup = await askFreeBusy(federation, { user: requester.address, password: options.password, client: 'Outlook 2010', addresses: targets, window, intervalMinutes: 30, view: 'DetailedMerged' });
          targets.forEach((t, i) => answers.set(t, lookup.clientRefusal ?? describeFreeBusy(lookup.answers[i])));
        } catch (err) {
          // No EWS to ask (a 2007-only site) or an HTTP error: that is the outcome, for every target alike.
          for (const t of targets) answers.set(t, `not asked: ${(err as Error).message}`);
        }
      }
      if (answers.size > 0) rows.rows.set(requester.address, answers);
    }
  }
  return rows;
}

/** Every user of each application server's organization signs in to it and opens her Inbox through it. */
export async function impersonationOutcomes(impersonation: Impersonation, options: { password: string }): Promise<OutcomeRows> {
  const rows: OutcomeRows = { question: 'impersonation', rows: new Map(), sites: new Map() };
  for (const app of impersonation.applicationServers()) {
    for (const user of await mailboxesOf(app.spec.signInOrganization)) {
      if (user.site) rows.sites.set(user.address, user.site);
      const outcome = await impersonation.throughApplication(app.server, { logonName: user.address, password: options.password }, { operation: 'GetFolder', folder: { kind: 'distinguished', id: 'inbox' } });
      const answers = rows.rows.get(user.address) ?? new Map<string, string>();
      answers.set(app.server, `EWS ${outcome.responseCode}`);
      rows.rows.set(user.address, answers);
    }
  }
  return rows;
}
