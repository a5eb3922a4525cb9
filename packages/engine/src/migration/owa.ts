// Where every mailbox's OWA request goes from every entry URL, as a question over the model (Batfish's way):
// the rule sets the simulated Client Access servers run, asked without a browser or HTTP.
//
// Equivalence classes make a whole organization cheap: the rules read the mailbox's database, the server it
// is mounted on and that server's site, never the user herself (rules-2007.ts, rules-2010.ts; a unit test
// checks that asking per user gives the same answers). So one decision per database × entry URL answers for
// every mailbox on that database; 100,000 mailboxes on 20 databases cost 200 decisions per entry URL.
//
// What the model takes as entry points: the InternalURL and ExternalURL of every OWA virtual directory, each
// reaching the Client Access servers whose /owa names that host (several when every site has the same
// ExternalURL: DNS may give any of them). Reverse proxies and DNS records a scenario states on the network are
// not part of the directory, so not of this question. The outcome is the first Client Access server's
// decision, which is what the seeds describe; how the user then signs in follows from it (single sign-on or
// one more password prompt).

import { usesFba, usesIntegratedWindows, type DecisionInput, type MailboxLocation, type OwaAction, type OwaDecision } from '../redirection/decision';
import { decideOwa } from '../redirection/route';
import { webHostsOf, type ExchangeDirectory, type MailboxUserView, type ServerView, type VirtualDirectoryView } from '../topology/reader';

/** What a user gets at an entry URL, in an administrator's words, and the rule that decided. */
export interface OwaOutcome {
  summary: string;
  rule: string;
}

export interface OwaEntryPoint {
  url: string;
  /** The Client Access servers whose /owa answers at this URL's host, by name. */
  servers: string[];
}

export interface MailboxPlace {
  user: MailboxUserView;
  /** The site, server and database the mailbox is on, by name; undefined when its database is not in the directory. */
  site?: string;
  server?: string;
  database?: string;
}

/** Every mailbox's OWA outcome at every entry URL of one topology (before or after a change). */
export interface OwaSnapshot {
  entries: OwaEntryPoint[];
  /** By user principal name (lower case), else by DN. */
  mailboxes: Map<string, MailboxPlace & { classKey: string }>;
  /** classKey → entry URL → outcome. */
  outcomes: Map<string, Map<string, OwaOutcome>>;
  /** How many decisions the rules made (database classes × entry URLs × servers). */
  decisions: number;
}

export function mailboxKey(user: MailboxUserView): string {
  return (user.userPrincipalName || user.dn).toLowerCase();
}

/** How the user signs in at the entry server: the rules choose single sign-on from it. */
function signInAt(vdir: VirtualDirectoryView): DecisionInput['authenticatedWith'] {
  if (usesFba(vdir)) return 'fba';
  return usesIntegratedWindows(vdir) && !vdir.internalAuthenticationMethods.includes('Basic') ? 'windows' : 'basic';
}

/** The decision said as an administrator reads it in a runbook: where the user ends up and what she does. */
export function describeOwaAction(self: ServerView, action: OwaAction): string {
  switch (action.kind) {
    case 'direct-connect':
      return `opened by ${self.name} (mailbox on ${action.mailboxServer.name})`;
    case 'proxy':
      return `proxied to ${action.targets.map((t) => t.server.name).join(', then ')}`;
    case 'proxy-legacy':
      return `proxied to ${action.backEnd.release.name} ${action.backEnd.name}`;
    case 'silent-redirect':
      return action.sso === 'hidden-form' ? `silently redirected to ${action.url}, single sign-on` : `silently redirected to ${action.url}, one more password prompt`;
    case 'manual-redirect':
      return `shown a link to ${action.url}, one more password prompt`;
    case 'temporary-redirect':
      return action.silent ? `temporarily redirected to ${action.url}, one more password prompt` : `shown a temporary link to ${action.url}, one more password prompt`;
    case 'error':
      return `error${action.status ? ` ${action.status}` : ''}: ${action.text}`;
  }
}

/** The OWA entry points of a topology: each /owa URL with the servers whose names it reaches. */
export async function owaEntryPoints(dir: ExchangeDirectory): Promise<Array<OwaEntryPoint & { vdirs: VirtualDirectoryView[] }>> {
  await dir.prefetchConfiguration();
  const vdirs: VirtualDirectoryView[] = [];
  for (const server of await dir.allServers()) {
    const vdir = await dir.virtualDirectory(server);
    if (vdir && vdir.kind === 'owa' && server.release.family !== '2003') vdirs.push(vdir);
  }
  // A host reaches every server that names it, as the simulation's DNS registers them (simulation.ts).
  const byHost = new Map<string, VirtualDirectoryView[]>();
  for (const v of vdirs) for (const h of webHostsOf(v)) byHost.set(h.toLowerCase(), [...(byHost.get(h.toLowerCase()) ?? []), v]);
  const urls = new Map<string, string>();
  for (const v of vdirs) for (const u of [v.externalUrl, v.internalUrl]) if (u) urls.set(u.replace(/\/+$/, '').toLowerCase(), u.replace(/\/+$/, ''));
  return [...urls.values()].sort().map((url) => {
    const reached = byHost.get(new URL(url).hostname.toLowerCase()) ?? [];
    return { url, servers: reached.map((v) => v.server.name), vdirs: reached };
  });
}

/**
 * Every mailbox × entry URL outcome of the directory as it is now. `only` narrows the mailboxes (and so the
 * classes decided) to those a step names.
 */
export async function snapshotOwa(dir: ExchangeDirectory, options: { only?: (user: MailboxUserView) => boolean } = {}): Promise<OwaSnapshot> {
  const entries = await owaEntryPoints(dir);
  const users = (await dir.mailboxUsers()).filter((u) => !options.only || options.only(u));
  const mailboxes: OwaSnapshot['mailboxes'] = new Map();
  const classes = new Map<string, MailboxLocation | undefined>();
  for (const user of users) {
    const classKey = (user.homeMdbDn ?? '').toLowerCase();
    if (!classes.has(classKey)) {
      const database = user.homeMdbDn ? await dir.database(user.homeMdbDn) : undefined;
      classes.set(classKey, database ? { user, database, server: database.server } : undefined);
    }
    const location = classes.get(classKey);
    mailboxes.set(mailboxKey(user), { user, classKey, site: location?.server.site.name, server: location?.server.name, database: location?.database.name });
  }
  const outcomes: OwaSnapshot['outcomes'] = new Map();
  let decisions = 0;
  for (const [classKey, location] of classes) {
    const byEntry = new Map<string, OwaOutcome>();
    for (const entry of entries) {
      const each: Array<{ server: string; outcome: OwaOutcome }> = [];
      for (const vdir of entry.vdirs) {
        const decided: OwaDecision = await decideOwa({ self: vdir.server, selfVdir: vdir, requestUrl: new URL(entry.url), mailbox: location, authenticatedWith: signInAt(vdir), dir });
        decisions++;
        each.push({ server: vdir.server.name, outcome: { summary: describeOwaAction(vdir.server, decided.action), rule: decided.rule } });
      }
      byEntry.set(entry.url.toLowerCase(), combine(each));
    }
    outcomes.set(classKey, byEntry);
  }
  return { entries: entries.map(({ url, servers }) => ({ url, servers })), mailboxes, outcomes, decisions };
}

/** One outcome when every server DNS may answer with decides alike; otherwise each server's, named. */
function combine(each: Array<{ server: string; outcome: OwaOutcome }>): OwaOutcome {
  if (each.length === 0) return { summary: 'no server answers', rule: '-' };
  const first = each[0].outcome;
  if (each.every((e) => e.outcome.summary === first.summary && e.outcome.rule === first.rule)) return first;
  return { summary: each.map((e) => `via ${e.server}: ${e.outcome.summary}`).join('; '), rule: each.map((e) => e.outcome.rule).join('; ') };
}

/** The outcome of one mailbox at one entry URL, or 'not reachable at this URL' when the URL is not an entry of this topology. */
export function owaOutcomeOf(snapshot: OwaSnapshot, key: string, entryUrl: string): OwaOutcome | undefined {
  const place = snapshot.mailboxes.get(key);
  if (!place) return undefined;
  return snapshot.outcomes.get(place.classKey)?.get(entryUrl.replace(/\/+$/, '').toLowerCase());
}
