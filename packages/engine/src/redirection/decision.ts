// What a Client Access server decides to do with an OWA request once it knows whose mailbox it is, and
// the facts it decided from. Rule sets (rules-2007.ts, rules-2010.ts) produce these; the server executes them.

import type { DatabaseView, ExchangeDirectory, MailboxUserView, ServerView, VirtualDirectoryView } from '../topology/reader';
import type { AuthMethodName } from '../directory/schema';

export type OwaAction =
  | { kind: 'direct-connect'; mailboxServer: ServerView }
  | { kind: 'proxy'; targets: VirtualDirectoryView[] }
  | { kind: 'proxy-legacy'; backEnd: ServerView }
  | { kind: 'silent-redirect'; url: string; sso: 'hidden-form' | 'none'; formAction?: string }
  | { kind: 'manual-redirect'; url: string }
  | { kind: 'temporary-redirect'; url: string; silent: boolean }
  | { kind: 'error'; text: string; status?: number };

export interface OwaDecision {
  action: OwaAction;
  ruleSet: string;
  rule: string;
  reason: string;
}

export interface MailboxLocation {
  user: MailboxUserView;
  database: DatabaseView;
  /** The server the database is mounted on. */
  server: ServerView;
}

/** Everything a rule set may consult, all read from the directory by the deciding server. */
export interface DecisionInput {
  self: ServerView;
  selfVdir: VirtualDirectoryView;
  /** The URL the browser asked for. */
  requestUrl: URL;
  /** The mailbox, or undefined when the account has none. */
  mailbox?: MailboxLocation;
  /** The request named the mailbox alias in its path (/exchange/alias). */
  explicitAlias?: string;
  /** How the user authenticated at this server. */
  authenticatedWith: 'fba' | 'basic' | 'windows' | 'proxy';
  dir: ExchangeDirectory;
}

export function decision(ruleSet: string, rule: string, reason: string, action: OwaAction): OwaDecision {
  return { action, ruleSet, rule, reason };
}

/** The methods IIS offers on the virtual directory (one IIS configuration; see docs/attributes.md). */
export function iisMethods(vdir: VirtualDirectoryView): AuthMethodName[] {
  return vdir.internalAuthenticationMethods;
}

export function usesFba(vdir: VirtualDirectoryView): boolean {
  return iisMethods(vdir).includes('Fba');
}

/** Integrated Windows authentication in any form: Kerberos (Negotiate) or NTLM. */
export function usesIntegratedWindows(vdir: VirtualDirectoryView): boolean {
  return iisMethods(vdir).some((m) => m === 'WindowsIntegrated' || m === 'Ntlm' || m === 'Negotiate' || m === 'Kerberos');
}

/** Kerberos is accepted only when IIS offers Negotiate; a provider list of NTLM alone refuses it. */
export function acceptsKerberos(vdir: VirtualDirectoryView): boolean {
  return iisMethods(vdir).some((m) => m === 'WindowsIntegrated' || m === 'Negotiate' || m === 'Kerberos');
}

export function sameHost(a: string, b: string | URL): boolean {
  const hb = typeof b === 'string' ? new URL(b).host : b.host;
  return new URL(a).host.toLowerCase() === hb.toLowerCase();
}

/** Client Access servers of one Exchange version in a site, with their OWA virtual directories. */
export async function clientAccessServersIn(dir: ExchangeDirectory, siteDn: string, family: '2007' | '2010'): Promise<VirtualDirectoryView[]> {
  const servers = await dir.serversInSite(siteDn);
  const result: VirtualDirectoryView[] = [];
  for (const s of servers) {
    if (s.release.family !== family || !s.roles.includes('ClientAccess')) continue;
    const vdir = await dir.virtualDirectory(s);
    if (vdir && vdir.kind === 'owa') result.push(vdir);
  }
  return result;
}

/** Finds where a user's mailbox is: homeMDB → database → the server it is mounted on → its site. */
export async function locateMailbox(dir: ExchangeDirectory, user: MailboxUserView): Promise<MailboxLocation | undefined> {
  if (!user.homeMdbDn) return undefined;
  const database = await dir.database(user.homeMdbDn);
  if (!database) return undefined;
  return { user, database, server: database.server };
}
