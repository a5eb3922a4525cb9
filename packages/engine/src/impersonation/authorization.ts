// Exchange 2007 server-to-server authorization (seed 003): may this caller act as that user here? The five
// conditions, in the order the Client Access server meets them, each recorded in the trace as a decision:
//   1. the caller authenticated (the application server signed its user in; the CAS sees the caller's account)
//   2. the caller holds ms-Exch-EPI-Impersonation on this Client Access server's object
//   3. the header identifies the user by UPN, SID or primary SMTP address (SmtpAddress from Exchange 2010)
//   4. the user has a mailbox in this forest
//   5. the caller holds ms-Exch-EPI-May-Impersonate on the user's account or on the mailbox database
// Rights are read from the directory's security descriptors; a deny on either object beats an allow on
// either, and nothing is granted by default.

import { and, eq } from '../directory/filter';
import { ATTR, EXTENDED_RIGHTS } from '../directory/schema';
import { checkExtendedRight, parseSddl, type AccessCheck } from '../directory/security';
import type { Hop } from '../trace/trace';
import type { ExchangeDirectory, MailboxUserView, ServerView } from '../topology/reader';
import type { ConnectingSidKind } from './ews-soap';

export const IMPERSONATION_RULE_SET = 'Server-to-server authorization';

export const CONDITIONS: Record<number, string> = {
  1: 'the caller authenticated',
  2: 'the caller holds ms-Exch-EPI-Impersonation on the Client Access server',
  3: 'the header identifies the user by UPN, SID or primary SMTP address',
  4: 'the user has a mailbox',
  5: 'the caller holds ms-Exch-EPI-May-Impersonate on the user or the mailbox database',
};

export type { ConnectingSidKind };

export type ImpersonationRefusal =
  | 'ErrorImpersonationDenied'
  | 'ErrorImpersonateUserDenied'
  | 'ErrorInvalidExchangeImpersonationHeaderData'
  | 'ErrorNonExistentMailbox'
  | 'ErrorNonPrimarySmtpAddress'
  | 'ErrorInvalidSid';

export type ImpersonationOutcome =
  | { ok: true; user: MailboxUserView }
  | { ok: false; code: ImpersonationRefusal; condition: number; why: string };

export function conditionDecision(hop: Hop, condition: number, ok: boolean, reason: string): void {
  hop.decisions.push({
    ruleSet: IMPERSONATION_RULE_SET,
    rule: `condition-${condition}`,
    reason: `${ok ? '✓' : '✗'} ${condition}. ${CONDITIONS[condition]}: ${reason}`,
    outcome: { kind: ok ? 'passed' : 'failed' },
  });
}

const SID = /^S-1-\d+(-\d+)+$/i;

/** The token of an account: its own SID and every group it is (transitively) a member of. */
async function tokenOf(dir: ExchangeDirectory, account: MailboxUserView): Promise<string[]> {
  return [account.sid, ...(await dir.tokenGroupSids(account.dn))];
}

async function rightOn(dir: ExchangeDirectory, dn: string, rightsGuid: string, token: readonly string[]): Promise<AccessCheck> {
  const found = await dir.lookup(dn, and(eq(ATTR.objectClass, 'top')), 'base', [ATTR.securityDescriptor]);
  return checkExtendedRight(parseSddl(found[0]?.get(ATTR.securityDescriptor) ?? 'D:'), rightsGuid, token);
}

function describeAce(check: AccessCheck, object: string): string {
  if (!check.decidingAce) return `no entry on ${object} grants it`;
  return `${check.decidingAce.type === 'OD' || check.decidingAce.type === 'D' ? 'denied' : 'granted'} to ${check.decidingAce.trustee} on ${object}`;
}

/** Finds the user the header names, the way each ConnectingSID kind is resolved. */
async function resolveUser(
  dir: ExchangeDirectory,
  kind: ConnectingSidKind,
  value: string,
  family: '2007' | '2010',
): Promise<{ ok: true; user: MailboxUserView } | { ok: false; code: ImpersonationRefusal; why: string }> {
  if (kind === 'SmtpAddress' && family === '2007') {
    return { ok: false, code: 'ErrorInvalidExchangeImpersonationHeaderData', why: 't:SmtpAddress is an Exchange 2010 element; Exchange 2007 accepts PrincipalName, SID or PrimarySmtpAddress' };
  }
  switch (kind) {
    // From Exchange 2010, SmtpAddress: any of the user's SMTP addresses identifies her.
    case 'SmtpAddress':
    case 'PrimarySmtpAddress': {
      const user = await dir.findUserWhere(eq(ATTR.proxyAddresses, `smtp:${value}`));
      if (!user) return { ok: false, code: 'ErrorNonExistentMailbox', why: `no mailbox has the SMTP address ${value}` };
      if (kind === 'PrimarySmtpAddress' && user.primarySmtpAddress.toLowerCase() !== value.toLowerCase()) {
        return { ok: false, code: 'ErrorNonPrimarySmtpAddress', why: `${value} is an address of ${user.alias}, whose primary SMTP address is ${user.primarySmtpAddress}` };
      }
      return { ok: true, user };
    }
    case 'PrincipalName': {
      const user = await dir.findUserWhere(eq(ATTR.userPrincipalName, value));
      return user ? { ok: true, user } : { ok: false, code: 'ErrorNonExistentMailbox', why: `no account has the user principal name ${value}` };
    }
    case 'SID': {
      if (!SID.test(value)) return { ok: false, code: 'ErrorInvalidSid', why: `"${value}" is not a security identifier in SDDL form (S-1-5-21-…)` };
      const user = await dir.findUserBySid(value.toUpperCase());
      return user ? { ok: true, user } : { ok: false, code: 'ErrorNonExistentMailbox', why: `no account of this forest has the SID ${value}` };
    }
  }
}

/**
 * Conditions 2 to 5 for a caller who has authenticated (condition 1 is the endpoint's: it answers 401).
 * Every outcome is recorded on the hop.
 */
export async function authorizeImpersonation(options: {
  dir: ExchangeDirectory;
  hop: Hop;
  cas: ServerView;
  caller: MailboxUserView;
  identity: { kind: ConnectingSidKind; value: string };
}): Promise<ImpersonationOutcome> {
  const { dir, hop, cas, caller, identity } = options;
  const refuse = (code: ImpersonationRefusal, condition: number, why: string): ImpersonationOutcome => {
    conditionDecision(hop, condition, false, why);
    return { ok: false, code, condition, why };
  };
  conditionDecision(hop, 1, true, `${caller.userPrincipalName || caller.alias} signed in`);
  const token = await tokenOf(dir, caller);
  const onCas = checkExtendedRight(cas.securityDescriptor, EXTENDED_RIGHTS.impersonation, token);
  if (!onCas.granted) return refuse('ErrorImpersonationDenied', 2, describeAce(onCas, cas.name));
  conditionDecision(hop, 2, true, describeAce(onCas, cas.name));
  const family = cas.release.family === '2010' ? '2010' : '2007';
  const resolved = await resolveUser(dir, identity.kind, identity.value, family);
  if (!resolved.ok) return refuse(resolved.code, resolved.code === 'ErrorNonExistentMailbox' ? 4 : 3, resolved.why);
  const user = resolved.user;
  conditionDecision(hop, 3, true, `${identity.kind} ${identity.value} is ${user.alias}`);
  if (!user.homeMdbDn) return refuse('ErrorNonExistentMailbox', 4, `${user.alias} has no mailbox (no homeMDB)`);
  conditionDecision(hop, 4, true, `${user.alias}'s mailbox is in ${user.homeMdbDn.split(',')[0].replace(/^CN=/i, '')}`);
  const onUser = await rightOn(dir, user.dn, EXTENDED_RIGHTS.mayImpersonate, token);
  const onDatabase = await rightOn(dir, user.homeMdbDn, EXTENDED_RIGHTS.mayImpersonate, token);
  const denied = [onUser, onDatabase].find((c) => c.decidingAce && !c.granted);
  if (denied) return refuse('ErrorImpersonateUserDenied', 5, describeAce(denied, denied === onUser ? user.alias : 'the mailbox database'));
  const granted = onUser.granted ? describeAce(onUser, user.alias) : onDatabase.granted ? describeAce(onDatabase, 'the mailbox database') : undefined;
  if (!granted) return refuse('ErrorImpersonateUserDenied', 5, `no entry on ${user.alias} or on the mailbox database grants it`);
  conditionDecision(hop, 5, true, granted);
  return { ok: true, user };
}
