// Security descriptors in SDDL text form. Active Directory stores nTSecurityDescriptor as binary; the
// in-process directory keeps the SDDL text, which carries the same ACEs (documented in docs/attributes.md).
// Only what the areas need is modelled: object ACEs granting or denying an extended right (control access),
// evaluated against a token of SIDs, deny before allow as Windows orders them.

export interface Ace {
  /** A = allow, D = deny, OA = object allow, OD = object deny */
  type: 'A' | 'D' | 'OA' | 'OD';
  flags: string;
  rights: string;
  /** For object ACEs: the rightsGuid of the extended right (lower case), or '' for every right. */
  objectGuid: string;
  inheritedObjectGuid: string;
  trustee: string;
}

export interface SecurityDescriptor {
  owner?: string;
  aces: Ace[];
}

export class SddlError extends Error {
  constructor(readonly sddl: string, reason: string) {
    super(`security descriptor "${sddl}" cannot be read: ${reason}`);
    this.name = 'SddlError';
  }
}

export function parseSddl(sddl: string): SecurityDescriptor {
  const sd: SecurityDescriptor = { aces: [] };
  const owner = /O:([^:()]+?)(?=[GDS]:|$)/.exec(sddl);
  if (owner) sd.owner = owner[1];
  const dacl = sddl.indexOf('D:');
  if (dacl < 0) return sd;
  const aceRe = /\(([^()]*)\)/g;
  let m: RegExpExecArray | null;
  while ((m = aceRe.exec(sddl.slice(dacl))) !== null) {
    const parts = m[1].split(';');
    if (parts.length !== 6) throw new SddlError(sddl, `ACE "(${m[1]})" does not have six fields`);
    const [type, flags, rights, objectGuid, inheritedObjectGuid, trustee] = parts;
    if (type !== 'A' && type !== 'D' && type !== 'OA' && type !== 'OD') {
      throw new SddlError(sddl, `ACE type "${type}" is not one of A, D, OA, OD`);
    }
    sd.aces.push({ type, flags, rights, objectGuid: objectGuid.toLowerCase(), inheritedObjectGuid: inheritedObjectGuid.toLowerCase(), trustee });
  }
  return sd;
}

export function formatSddl(sd: SecurityDescriptor): string {
  const aces = sd.aces
    .map((a) => `(${a.type};${a.flags};${a.rights};${a.objectGuid};${a.inheritedObjectGuid};${a.trustee})`)
    .join('');
  return `${sd.owner ? `O:${sd.owner}` : ''}D:${aces}`;
}

export function grantExtendedRight(rightsGuid: string, trusteeSid: string): Ace {
  return { type: 'OA', flags: '', rights: 'CR', objectGuid: rightsGuid.toLowerCase(), inheritedObjectGuid: '', trustee: trusteeSid };
}

export function denyExtendedRight(rightsGuid: string, trusteeSid: string): Ace {
  return { type: 'OD', flags: '', rights: 'CR', objectGuid: rightsGuid.toLowerCase(), inheritedObjectGuid: '', trustee: trusteeSid };
}

export interface AccessCheck {
  granted: boolean;
  /** The ACE that decided, for the trace; absent when no ACE applied (implicitly denied). */
  decidingAce?: Ace;
}

function coversRight(ace: Ace, rightsGuid: string): boolean {
  const controlAccess = ace.rights.includes('CR') || ace.rights === 'GA';
  if (!controlAccess) return false;
  if (ace.type === 'A' || ace.type === 'D') return true; // not object-specific: every extended right
  return ace.objectGuid === '' || ace.objectGuid === rightsGuid.toLowerCase();
}

/** Does a token holding `sids` have the extended right? Explicit deny wins over allow. */
export function checkExtendedRight(sd: SecurityDescriptor, rightsGuid: string, sids: readonly string[]): AccessCheck {
  const token = new Set(sids.map((s) => s.toUpperCase()));
  const applicable = sd.aces.filter((a) => token.has(a.trustee.toUpperCase()) && coversRight(a, rightsGuid));
  const deny = applicable.find((a) => a.type === 'D' || a.type === 'OD');
  if (deny) return { granted: false, decidingAce: deny };
  const allow = applicable.find((a) => a.type === 'A' || a.type === 'OA');
  return allow ? { granted: true, decidingAce: allow } : { granted: false };
}
