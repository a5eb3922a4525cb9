// Exchange 2007 server-to-server authorization (seed 003): may this caller act as that user here? The five
// conditions, in the order the Client Access server meets them, each recorded in the trace as a decision:
//   1. the caller authenticated (the application server signed its user in; the CAS sees the caller's account)
//   2. the caller holds ms-Exch-EPI-Impersonation on this Client Access server's object
//   3. the header identifies the user by UPN, SID or primary SMTP address (SmtpAddress from Exchange 2010)
//   4. the user has a mailbox in this forest (a linked mailbox's owner must be in a forest this one trusts)
//   5. the caller holds ms-Exch-EPI-May-Impersonate on the user's account or on the mailbox database
// Rights are read from the directory's security descriptors; a deny on either object beats an allow on
// either, and nothing is granted by default.
//
// An Exchange 2010 Client Access server no longer reads the two extended rights: conditions 2 and 5 become
// one RBAC check, the ApplicationImpersonation role assigned to the caller, within its scope (rbac.ts).

import { and, eq, or } from '../directory/filter';
import { ATTR, EXTENDED_RIGHTS, OBJECT_CLASS, TRUST_DIRECTION } from '../directory/schema';
import { checkExtendedRight, parseSddl, type AccessCheck } from '../directory/security';
import type { ExchangeOrganization } from '../simulation';
import type { Hop } from '../trace/trace';
import type { ExchangeDirectory, MailboxUserView, ServerView } from '../topology/reader';
import type { ConnectingSidKind } from './ews-soap';
import { APPLICATION_IMPERSONATION, checkApplicationImpersonation } from './rbac';

export const IMPERSONATION_RULE_SET = 'Server-to-server authorization';

export const CONDITIONS: Record<number, string> = {
  1: 'the caller authenticated',
  2: 'the caller holds ms-Exch-EPI-Impersonation on the Client Access server',
  3: 'the header identifies the user by UPN, SID or primary SMTP address',
  4: 'the user has a mailbox',
  5: 'the caller holds ms-Exch-EPI-May-Impersonate on the user or the mailbox database',
};

/** Exchange 2010: the RBAC check that replaces conditions 2 and 5. */
export const RBAC_CONDITION = 'the caller is assigned the ApplicationImpersonation role, in a scope that includes the user';

export type { ConnectingSidKind };

export type ImpersonationRefusal =
  | 'ErrorImpersonationDenied'
  | 'ErrorImpersonateUserDenied'
  | 'ErrorInvalidExchangeImpersonationHeaderData'
  | 'ErrorNonExistentMailbox'
  | 'ErrorNonPrimarySmtpAddress'
  | 'ErrorInvalidSid'
  | 'ErrorImpersonationFailed';

export type ImpersonationOutcome =
  | { ok: true; user: MailboxUserView }
  | { ok: false; code: ImpersonationRefusal; condition: number; why: string };

export function conditionDecision(hop: Hop, condition: number | 'rbac', ok: boolean, reason: string): void {
  const text = condition === 'rbac' ? `RBAC. ${RBAC_CONDITION}` : `${condition}. ${CONDITIONS[condition]}`;
  hop.decisions.push({
    ruleSet: IMPERSONATION_RULE_SET,
    rule: condition === 'rbac' ? 'rbac' : `condition-${condition}`,
    reason: `${ok ? '✓' : '✗'} ${text}: ${reason}`,
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
      const sid = value.toUpperCase();
      // A linked mailbox is found by its owner's SID in the account forest (msExchMasterAccountSid).
      const user = await dir.findUserWhere(or(eq(ATTR.objectSid, sid), eq(ATTR.masterAccountSid, sid)));
      if (user) return { ok: true, user };
      const trust = await trustFor(dir, sid);
      if (!domainOf(sid).startsWith('S-1-5-21-') || (!trust.local && !trust.trusted)) {
        return { ok: false, code: 'ErrorImpersonationFailed', why: `${sid} belongs to a domain this forest does not trust${trust.partner ? ` (${trust.partner}: ${trust.direction})` : ''}, so no token can be built for it` };
      }
      return { ok: false, code: 'ErrorNonExistentMailbox', why: `no account or linked mailbox of this forest has the SID ${value}` };
    }
  }
}

/** The domain part of an account SID: everything but the RID. */
function domainOf(sid: string): string {
  return sid.slice(0, sid.lastIndexOf('-'));
}

/**
 * Whether this forest accepts accounts of the domain a SID belongs to: its own domain, or a forest it trusts
 * (a trustedDomain object whose trustDirection is outbound or bidirectional), read from CN=System.
 */
async function trustFor(dir: ExchangeDirectory, sid: string): Promise<{ local: boolean; trusted: boolean; partner?: string; direction?: string }> {
  const domain = domainOf(sid).toUpperCase();
  const { defaultNamingContext } = await dir.namingContexts();
  // The domain object carries the domain's SID, as in AD.
  const own = await dir.lookup(defaultNamingContext, eq(ATTR.objectClass, OBJECT_CLASS.domainDns), 'base', [ATTR.objectSid]);
  if ((own[0]?.get(ATTR.objectSid) ?? '').toUpperCase() === domain) return { local: true, trusted: true };
  const trusts = await dir.lookup(defaultNamingContext, and(eq(ATTR.objectClass, OBJECT_CLASS.trustedDomain), eq(ATTR.securityIdentifier, domain)), 'sub', [ATTR.trustPartner, ATTR.trustDirection]);
  const t = trusts[0];
  if (!t) return { local: false, trusted: false };
  const direction = Number(t.get(ATTR.trustDirection) ?? 0);
  const name = direction === TRUST_DIRECTION.inbound ? 'inbound only: it trusts this forest, not the other way' : direction === TRUST_DIRECTION.outbound ? 'outbound' : direction === TRUST_DIRECTION.bidirectional ? 'two-way' : 'disabled';
  return { local: false, trusted: (direction & TRUST_DIRECTION.outbound) !== 0, partner: t.get(ATTR.trustPartner), direction: name };
}

/** The SIDs the user acts with: her own, her groups', and for a linked mailbox her account-forest SID. */
export async function actingToken(dir: ExchangeDirectory, user: MailboxUserView): Promise<string[]> {
  return [user.sid, ...(user.masterAccountSid ? [user.masterAccountSid] : []), ...(await dir.tokenGroupSids(user.dn))];
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
  /** The organization whose RBAC an Exchange 2010 server reads (required for one). */
  org?: ExchangeOrganization;
}): Promise<ImpersonationOutcome> {
  const { dir, hop, cas, caller, identity } = options;
  const refuse = (code: ImpersonationRefusal, condition: number | 'rbac', why: string): ImpersonationOutcome => {
    conditionDecision(hop, condition, false, why);
    return { ok: false, code, condition: condition === 'rbac' ? 5 : condition, why };
  };
  conditionDecision(hop, 1, true, `${caller.userPrincipalName || caller.alias} signed in`);
  const token = await tokenOf(dir, caller);
  const rbac = cas.release.family === '2010';
  if (!rbac) {
    const onCas = checkExtendedRight(cas.securityDescriptor, EXTENDED_RIGHTS.impersonation, token);
    if (!onCas.granted) return refuse('ErrorImpersonationDenied', 2, describeAce(onCas, cas.name));
    conditionDecision(hop, 2, true, describeAce(onCas, cas.name));
  }
  const resolved = await resolveUser(dir, identity.kind, identity.value, rbac ? '2010' : '2007');
  if (!resolved.ok) return refuse(resolved.code, resolved.code === 'ErrorNonExistentMailbox' || resolved.code === 'ErrorImpersonationFailed' ? 4 : 3, resolved.why);
  const user = resolved.user;
  conditionDecision(hop, 3, true, `${identity.kind} ${identity.value} is ${user.alias}`);
  if (!user.homeMdbDn) return refuse('ErrorNonExistentMailbox', 4, `${user.alias} has no mailbox (no homeMDB)`);
  if (user.masterAccountSid) {
    const trust = await trustFor(dir, user.masterAccountSid);
    if (!trust.trusted) {
      return refuse('ErrorImpersonationFailed', 4, `${user.alias} is a linked mailbox whose account (${user.masterAccountSid}) is in a forest this one does not trust${trust.partner ? ` (trust with ${trust.partner}: ${trust.direction})` : ' (no trust)'}`);
    }
  }
  conditionDecision(hop, 4, true, `${user.alias}'s mailbox is in ${user.homeMdbDn.split(',')[0].replace(/^CN=/i, '')}${user.masterAccountSid ? ', linked to an account in a trusted forest' : ''}`);
  if (rbac) {
    if (!options.org) throw new Error(`${cas.name} is an Exchange 2010 server: its organization is needed to read RBAC`);
    const check = await checkApplicationImpersonation(options.org, dir, token, user);
    if (!check.ok) return refuse('ErrorImpersonateUserDenied', 'rbac', check.why);
    conditionDecision(hop, 'rbac', true, `${APPLICATION_IMPERSONATION} through ${check.assignment}${check.scope ? `, scope ${check.scope}` : ', no scope (the whole organization)'}`);
    return { ok: true, user };
  }
  const onUser = await rightOn(dir, user.dn, EXTENDED_RIGHTS.mayImpersonate, token);
  const onDatabase = await rightOn(dir, user.homeMdbDn, EXTENDED_RIGHTS.mayImpersonate, token);
  const denied = [onUser, onDatabase].find((c) => c.decidingAce && !c.granted);
  if (denied) return refuse('ErrorImpersonateUserDenied', 5, describeAce(denied, denied === onUser ? user.alias : 'the mailbox database'));
  const granted = onUser.granted ? describeAce(onUser, user.alias) : onDatabase.granted ? describeAce(onDatabase, 'the mailbox database') : undefined;
  if (!granted) return refuse('ErrorImpersonateUserDenied', 5, `no entry on ${user.alias} or on the mailbox database grants it`);
  conditionDecision(hop, 5, true, granted);
  return { ok: true, user };
}
