// Distinguished names (RFC 4514): building, parsing and comparing them the way Active Directory does
// (attribute types and values compared case-insensitively, insignificant spaces ignored).

export interface Rdn {
  type: string;
  value: string;
}

const SPECIAL = new Set([',', '+', '"', '\\', '<', '>', ';', '=']);

/** Escapes one RDN value per RFC 4514 section 2.4. */
export function escapeRdnValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const code = ch.charCodeAt(0);
    if (code === 0) out += '\\00';
    else if (SPECIAL.has(ch)) out += '\\' + ch;
    else if ((i === 0 && (ch === ' ' || ch === '#')) || (i === value.length - 1 && ch === ' ')) out += '\\' + ch;
    else out += ch;
  }
  return out;
}

/** Builds `type=value` with the value escaped. */
export function rdn(type: string, value: string): string {
  return `${type}=${escapeRdnValue(value)}`;
}

/** Joins already-formatted RDN strings (or DNs) into one DN. */
export function joinDn(...parts: string[]): string {
  return parts.filter((p) => p.length > 0).join(',');
}

export class DnSyntaxError extends Error {
  constructor(readonly dn: string, reason: string) {
    super(`"${dn}" is not a distinguished name: ${reason}`);
    this.name = 'DnSyntaxError';
  }
}

const ATTRIBUTE_TYPE = /^[A-Za-z][A-Za-z0-9-]*$|^[0-9]+(\.[0-9]+)*$/;

/** Parses a DN string into RDNs (multi-valued RDNs are kept as one RDN whose value contains the rest). */
export function parseDn(dn: string): Rdn[] {
  // Most DNs have no escapes, quotes, multi-valued RDNs or hex values: split them directly.
  if (!/[\\"+#;]/.test(dn)) {
    if (dn.trim() === '') return [];
    const parts = dn.split(',');
    if (parts.length > 1 && parts[parts.length - 1].trim() === '') parts.pop(); // a trailing separator, as the full parser allows
    return parts.map((part) => {
      const eq = part.indexOf('=');
      if (eq < 0) throw new DnSyntaxError(dn, `"${part.trim()}" has no "="`);
      const type = part.slice(0, eq).trim();
      if (!ATTRIBUTE_TYPE.test(type)) throw new DnSyntaxError(dn, `"${type}" is not an attribute type`);
      return { type, value: part.slice(eq + 1).trim() };
    });
  }
  return parseEscapedDn(dn);
}

function parseEscapedDn(dn: string): Rdn[] {
  const rdns: Rdn[] = [];
  let i = 0;
  const n = dn.length;
  if (dn.trim() === '') return rdns;
  while (i < n) {
    while (i < n && dn[i] === ' ') i++;
    let type = '';
    while (i < n && dn[i] !== '=') {
      if (dn[i] === ',') throw new DnSyntaxError(dn, `an RDN without "=" near position ${i}`);
      type += dn[i++];
    }
    if (i >= n) throw new DnSyntaxError(dn, `"${type.trim()}" has no "="`);
    i++; // '='
    type = type.trim();
    if (!ATTRIBUTE_TYPE.test(type)) {
      throw new DnSyntaxError(dn, `"${type}" is not an attribute type`);
    }
    const bytes: number[] = [];
    let trailingSpaces = 0;
    while (i < n && dn[i] === ' ') i++;
    while (i < n && dn[i] !== ',' && dn[i] !== ';') {
      const ch = dn[i];
      if (ch === '\\') {
        const next = dn.slice(i + 1, i + 3);
        if (/^[0-9a-fA-F]{2}$/.test(next)) {
          bytes.push(parseInt(next, 16));
          i += 3;
        } else if (i + 1 < n) {
          const cp = String.fromCodePoint(dn.codePointAt(i + 1)!);
          bytes.push(...Buffer.from(cp, 'utf8'));
          i += 1 + cp.length;
        } else {
          throw new DnSyntaxError(dn, 'it ends with a lone backslash');
        }
        trailingSpaces = 0;
        continue;
      }
      if (ch === ' ') trailingSpaces++;
      else trailingSpaces = 0;
      // By code point, so a character outside the BMP (two UTF-16 units) stays one character.
      const cp = String.fromCodePoint(dn.codePointAt(i)!);
      bytes.push(...Buffer.from(cp, 'utf8'));
      i += cp.length;
    }
    const value = Buffer.from(bytes.slice(0, bytes.length - trailingSpaces)).toString('utf8');
    rdns.push({ type, value });
    if (i < n) i++; // separator
  }
  return rdns;
}

/** The canonical, comparable form of a DN: lower-case types and values, escaping re-applied, no spaces. */
export function normalizeDn(dn: string): string {
  return parseDn(dn)
    .map((r) => `${r.type.toLowerCase()}=${escapeRdnValue(r.value.toLowerCase())}`)
    .join(',');
}

export function formatDn(rdns: Rdn[]): string {
  return rdns.map((r) => rdn(r.type, r.value)).join(',');
}

export function sameDn(a: string, b: string): boolean {
  return normalizeDn(a) === normalizeDn(b);
}

/** The parent of a DN, or '' for a one-RDN DN. */
export function parentDn(dn: string): string {
  return formatDn(parseDn(dn).slice(1));
}

/** The value of the first RDN (the object's common name, for CN=... DNs). */
export function firstRdnValue(dn: string): string {
  const rdns = parseDn(dn);
  return rdns.length ? rdns[0].value : '';
}

/** `fourthcoffee.com` → `DC=fourthcoffee,DC=com`. */
export function domainToDn(domain: string): string {
  return domain
    .split('.')
    .filter((l) => l.length > 0)
    .map((label) => rdn('DC', label))
    .join(',');
}

/** RDN attribute types Active Directory spells in capitals (CN=…,OU=…,DC=…). */
const AD_UPPER_TYPES = new Set(['cn', 'ou', 'dc', 'o', 'l', 'st', 'c', 'street']);

/**
 * A DN as Active Directory returns it: its usual RDN types in capitals. Other servers return their own
 * spelling (OpenLDAP lower-cases the types of every DN it stores), but what an administrator reads, and
 * what a step compares as text, is AD's form. Values and their case are kept as they are.
 */
export function activeDirectoryDnForm(dn: string): string {
  if (!/(^|,)\s*(cn|ou|dc|o|l|st|c|street)=/.test(dn)) return dn; // already AD's spelling: the common case, kept cheap
  return formatDn(parseDn(dn).map((r) => (AD_UPPER_TYPES.has(r.type.toLowerCase()) ? { type: r.type.toUpperCase(), value: r.value } : r)));
}

/**
 * Items grouped by the depth of their DN (number of RDNs), shallowest first, or deepest first with
 * `deepestFirst`: parents go before their children on an add, leaves before their parents on a delete.
 */
export function byDepth<T>(items: readonly T[], dnOf: (item: T) => string, deepestFirst = false): T[][] {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const depth = parseDn(dnOf(item)).length;
    const group = groups.get(depth);
    if (group) group.push(item);
    else groups.set(depth, [item]);
  }
  return [...groups.keys()].sort((a, b) => (deepestFirst ? b - a : a - b)).map((d) => groups.get(d)!);
}
