// The in-process directory's data: an Active-Directory-shaped tree in memory, an equality index over
// every attribute, and LDAP filter evaluation with Active Directory's matching semantics. Pure
// TypeScript with no LDAP library underneath, so it can be tested without a socket; ./server.ts puts it
// on the wire.
//
// Matching, as Active Directory does it:
// - attribute names are case-insensitive; string values compare case-insensitively;
// - values of DN-syntax attributes (DN_ATTRIBUTES) compare as normalized DNs;
// - objectCategory=<name> matches entries whose objectClass (or explicit objectCategory) names that class;
// - distinguishedName is an attribute of every entry;
// - the bitwise matching rules LDAP_MATCHING_RULE_BIT_AND / BIT_OR and LDAP_MATCHING_RULE_IN_CHAIN;
// - userPassword (AD's unicodePwd) can be written and bound with, never read or searched.
//
// Memory layout (the bench holds ~100,000 users): an entry keeps parallel arrays of interned attribute
// names and values (a single value is stored as a plain string, not a one-element array); the index
// maps each value to the entry itself and only allocates a Set when a second entry shares the value.

import { DnSyntaxError, normalizeDn, parseDn } from '../dn';
import { SchemaViolation, type SchemaRules } from '../schema-rules';

export type AttributeValues = Record<string, string | string[]>;

export interface DirectoryEntry {
  dn: string;
  attributes: AttributeValues;
}

export interface NamingContextsSpec {
  defaultNamingContext: string;
  configurationNamingContext: string;
  rootDomainNamingContext?: string;
  schemaNamingContext?: string;
}

export type SearchScope = 'base' | 'one' | 'sub';

/** A search filter (RFC 4515) with its assertion values already unescaped. */
export type FilterNode =
  | { type: 'and'; filters: FilterNode[] }
  | { type: 'or'; filters: FilterNode[] }
  | { type: 'not'; filter: FilterNode }
  | { type: 'equality'; attribute: string; value: string }
  | { type: 'approx'; attribute: string; value: string }
  | { type: 'ge'; attribute: string; value: string }
  | { type: 'le'; attribute: string; value: string }
  | { type: 'present'; attribute: string }
  | { type: 'substring'; attribute: string; initial?: string; any?: string[]; final?: string }
  | { type: 'extensible'; attribute?: string; value: string; rule?: string; dnAttributes?: boolean };

export interface SearchRequest {
  base: string;
  scope: SearchScope;
  filter: FilterNode;
  /** Requested attributes; empty or containing `*` means every user attribute, `1.1` alone means none. */
  attributes?: readonly string[];
  /** 0 or absent: no limit. */
  sizeLimit?: number;
  typesOnly?: boolean;
}

export interface ResultAttribute {
  type: string;
  values: string[];
}

export interface SearchResultEntry {
  dn: string;
  attributes: ResultAttribute[];
}

export interface SearchResult {
  entries: SearchResultEntry[];
  /** True when more entries matched than sizeLimit allowed; `entries` then holds exactly sizeLimit. */
  sizeLimitExceeded: boolean;
}

export type ModifyOperation = 'add' | 'replace' | 'delete';

export interface Modification {
  operation: ModifyOperation;
  attribute: string;
  values: readonly string[];
}

// ---------------------------------------------------------------------------------------------------
// Errors

/** LDAP result codes (RFC 4511) the store can fail with. */
export const RESULT_CODES = {
  sizeLimitExceeded: 4,
  noSuchAttribute: 16,
  undefinedAttributeType: 17,
  inappropriateMatching: 18,
  constraintViolation: 19,
  attributeOrValueExists: 20,
  invalidAttributeSyntax: 21,
  noSuchObject: 32,
  invalidDnSyntax: 34,
  insufficientAccessRights: 50,
  unwillingToPerform: 53,
  namingViolation: 64,
  objectClassViolation: 65,
  notAllowedOnNonLeaf: 66,
  entryAlreadyExists: 68,
} as const;

export type DirectoryErrorCode = keyof typeof RESULT_CODES;

export class DirectoryError extends Error {
  readonly resultCode: number;
  constructor(
    readonly code: DirectoryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DirectoryError';
    this.resultCode = RESULT_CODES[code];
  }
}

// ---------------------------------------------------------------------------------------------------
// Attribute names

/** A set of attribute names compared case-insensitively (names are stored lower-cased). */
export class AttributeNameSet extends Set<string> {
  /** Bumped on every change, so cached answers can be invalidated. */
  version = 0;
  constructor(names?: Iterable<string>) {
    super();
    if (names) for (const n of names) this.add(n);
  }
  override add(name: string): this {
    this.version++;
    return super.add(name.toLowerCase());
  }
  override has(name: string): boolean {
    return super.has(name.toLowerCase());
  }
  override delete(name: string): boolean {
    this.version++;
    return super.delete(name.toLowerCase());
  }
  override clear(): void {
    this.version++;
    super.clear();
  }
}

/**
 * Attributes of DN syntax: their values are compared (and indexed) as normalized DNs, and must parse as
 * DNs. Others may add to this set, before entries carrying the attribute are stored (index keys are
 * computed when a value is stored). msExchHomeServerName is deliberately absent: it holds a
 * legacyExchangeDN (`/o=…/ou=…/cn=…`), not an RFC 4514 DN. objectCategory is handled on its own (see
 * the file comment).
 */
export const DN_ATTRIBUTES = new AttributeNameSet([
  'distinguishedName',
  'member',
  'memberOf',
  'manager',
  'managedBy',
  'directReports',
  'homeMDB',
  'msExchServerSite',
  'msExchOwningServer',
  'msExchFedDelegationTrust',
  'msExchFedAcceptedDomainLink',
  'msExchRPCClientAccessServer',
  'msExchRoleLink',
  'msExchUserLink',
  'msExchDomainRestrictionLink',
  'msExchScopeRoot',
]);

/** Attributes that can be written but are never returned or matched by a filter, like AD's unicodePwd. */
export const HIDDEN_ATTRIBUTES = new AttributeNameSet(['userPassword', 'unicodePwd']);

/**
 * Active Directory returns attribute names in their schema spelling whatever case the client used (and
 * ldapjs lower-cases the names of an add request). These spellings win; for any other attribute, the
 * first spelling stored wins, upgraded from an all-lower-case spelling when a mixed-case one arrives.
 */
const SCHEMA_SPELLINGS = [
  'objectClass', 'objectCategory', 'cn', 'name', 'distinguishedName', 'displayName', 'description',
  'member', 'memberOf', 'manager', 'managedBy', 'directReports', 'ou', 'dc', 'o', 'c', 'l', 'st', 'co',
  'sn', 'givenName', 'initials', 'title', 'department', 'company', 'telephoneNumber', 'mail',
  'mailNickname', 'proxyAddresses', 'targetAddress', 'userPrincipalName', 'sAMAccountName',
  'userAccountControl', 'userPassword', 'unicodePwd', 'objectSid', 'objectGUID', 'whenCreated',
  'whenChanged', 'uSNCreated', 'uSNChanged', 'instanceType', 'systemFlags', 'showInAddressBook',
  'dNSHostName', 'serialNumber', 'versionNumber', 'networkAddress', 'legacyExchangeDN',
  'nTSecurityDescriptor', 'homeMDB', 'homeMTA', 'msExchHomeServerName', 'msExchVersion',
  'msExchServerSite', 'msExchOwningServer', 'msExchFedDelegationTrust', 'msExchRPCClientAccessServer',
  'msExchCurrentServerRoles', 'msExchServerRole', 'msExchRecipientTypeDetails',
  'msExchRecipientDisplayType', 'msExchInternalHostName', 'msExchExternalHostName',
  'msExchInternalAuthenticationMethods', 'msExchExternalAuthenticationMethods', 'msExchMetabasePath',
  'msExch2003Url', 'msExchOWAFailbackURL', 'msExchOWARedirectToOptimalOWAServer',
  'msExchOwaVirtualDirectoryType', 'siteObject', 'serverReference', 'msExchFedAcceptedDomainLink',
];

const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9-]*$|^[0-9]+(\.[0-9]+)*$/;

const INTERN_MIN_LENGTH = 40;
const INTERN_MAX_VALUES = 500_000;

/** Posting of one index key: the entry itself, or a Set once two or more entries share the key. */
type Posting = StoredEntry | Set<StoredEntry>;

/** One attribute type, interned per store: entries hold references to it instead of name strings. */
class AttributeType {
  /**
   * value key → entries holding that value (keys: normalized DN or lower-cased value). Built the first
   * time a filter needs it (most attributes are never searched by), then kept up to date.
   */
  index: Map<string, Posting> | null = null;
  constructor(
    public name: string,
    readonly lower: string,
    /** A schema spelling (SCHEMA_SPELLINGS): never replaced by a caller's spelling. */
    readonly fixed = false,
  ) {}
  private dnVersion = -1;
  private dnCached = false;
  private hiddenVersion = -1;
  private hiddenCached = false;
  get isDn(): boolean {
    if (this.dnVersion !== DN_ATTRIBUTES.version) {
      this.dnCached = DN_ATTRIBUTES.has(this.lower);
      this.dnVersion = DN_ATTRIBUTES.version;
    }
    return this.dnCached;
  }
  get hidden(): boolean {
    if (this.hiddenVersion !== HIDDEN_ATTRIBUTES.version) {
      this.hiddenCached = HIDDEN_ATTRIBUTES.has(this.lower);
      this.hiddenVersion = HIDDEN_ATTRIBUTES.version;
    }
    return this.hiddenCached;
  }
}

/**
 * The attribute list of an entry, shared by every entry with the same attributes in the same order (like
 * a hidden class): 100,000 users built alike hold one array, not 100,000. Never mutated.
 */
class Shape {
  readonly next = new Map<AttributeType, Shape>();
  constructor(readonly types: readonly AttributeType[]) {}
}

/** An entry as held in memory. Internal to the in-process directory. */
export class StoredEntry {
  parent: StoredEntry | null = null;
  children: Set<StoredEntry> | null = null;
  /** Number of entries in the subtree rooted here, this one included. */
  subtreeSize = 1;
  constructor(
    readonly dn: string,
    readonly ndn: string,
    /** Shared (see Shape): replace, never mutate. */
    public types: readonly AttributeType[],
    /** Parallel to `types`: one value as a string, several as an array. */
    public values: Array<string | string[]>,
  ) {}
}

// ---------------------------------------------------------------------------------------------------
// DNs, fast: normalizeDn from ../dn decodes each character through a Buffer, which is too slow for
// 100,000 imports. The fast path below gives the identical result for the DNs it accepts (no escapes,
// quotes, multi-valued RDNs or other special characters) and hands everything else to normalizeDn.

const DN_SPECIAL = /[\\"+;<>#=\0\uD800-\uDFFF]/;
const ATTRIBUTE_TYPE = /^[A-Za-z][A-Za-z0-9-]*$|^[0-9]+(\.[0-9]+)*$/;

function trimSpaces(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) === 32) a++;
  while (b > a && s.charCodeAt(b - 1) === 32) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

// A DN already in canonical shape: no spaces around separators, no characters that need escaping. Its
// normalized form is just its lower-case form (escapeRdnValue leaves such values unchanged).
const TYPE_SRC = '(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\\.[0-9]+)*)';
const VALUE_CHARS = '\\\\"+;<>#=,\\0\\uD800-\\uDFFF';
const VALUE_SRC = `(?:[^ ${VALUE_CHARS}](?:[^${VALUE_CHARS}]*[^ ${VALUE_CHARS}])?)?`;
const CANONICAL_DN = new RegExp(`^${TYPE_SRC}=${VALUE_SRC}(?:,${TYPE_SRC}=${VALUE_SRC})*$`);

/** normalizeDn from ../dn, with fast paths for plain DNs. Throws DnSyntaxError like normalizeDn. */
export function fastNormalizeDn(dn: string): string {
  if (CANONICAL_DN.test(dn)) return dn.toLowerCase();
  const parts = dn.split(',');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const eq = part.indexOf('=');
    if (eq < 0) return normalizeDn(dn);
    const type = part.slice(0, eq).trim();
    const value = part.slice(eq + 1);
    if (DN_SPECIAL.test(value) || !ATTRIBUTE_TYPE.test(type)) return normalizeDn(dn);
    // escapeRdnValue (used by normalizeDn) leaves such a value unchanged once its spaces are trimmed.
    out.push(type.toLowerCase() + '=' + trimSpaces(value).toLowerCase());
  }
  return out.join(',');
}

/** The parent of a normalized DN (normalized), or '' for a one-RDN DN. */
export function parentOfNormalized(ndn: string): string {
  for (let i = 0; i < ndn.length; i++) {
    const c = ndn.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === 44 /* , */) return ndn.slice(i + 1);
  }
  return '';
}

/** The first RDN's type and value, or undefined for an empty DN. */
function firstRdn(dn: string): { type: string; value: string } | undefined {
  const comma = dn.indexOf(',');
  const first = comma < 0 ? dn : dn.slice(0, comma);
  const eq = first.indexOf('=');
  if (eq > 0 && !DN_SPECIAL.test(first.slice(eq + 1))) {
    return { type: first.slice(0, eq).trim(), value: trimSpaces(first.slice(eq + 1)) };
  }
  return parseDn(dn)[0];
}

function tryNormalizeDn(dn: string): string | undefined {
  try {
    return fastNormalizeDn(dn);
  } catch {
    return undefined;
  }
}

const categoryKeys = new Map<string, string>();

/** objectCategory comparisons: the class name, lower-cased, hyphens dropped (ms-Exch-Exchange-Server ≡ msExchExchangeServer). */
function categoryKey(nameOrDn: string): string {
  let key = categoryKeys.get(nameOrDn);
  if (key === undefined) {
    key = computeCategoryKey(nameOrDn);
    if (categoryKeys.size > 10_000) categoryKeys.clear();
    categoryKeys.set(nameOrDn, key);
  }
  return key;
}

function computeCategoryKey(nameOrDn: string): string {
  let name = nameOrDn;
  if (nameOrDn.includes('=')) {
    try {
      name = firstRdn(nameOrDn)?.value ?? nameOrDn;
    } catch {
      name = nameOrDn;
    }
  }
  return name.toLowerCase().replace(/-/g, '');
}

const INTEGER = /^-?[0-9]+$/;

function compareValues(a: string, b: string): number {
  if (INTEGER.test(a) && INTEGER.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : 0;
}

function postingHas(posting: Posting | undefined, entry: StoredEntry): boolean {
  if (posting === undefined) return false;
  return posting === entry || (posting instanceof Set && posting.has(entry));
}

function postingSize(posting: Posting | undefined): number {
  if (posting === undefined) return 0;
  return posting instanceof Set ? posting.size : 1;
}

/** The entries of several postings, each once. */
function* union(postings: readonly Posting[]): Generator<StoredEntry> {
  for (let i = 0; i < postings.length; i++) {
    const p = postings[i];
    for (const e of p instanceof Set ? p : [p]) {
      let seen = false;
      for (let j = 0; j < i && !seen; j++) seen = postingHas(postings[j], e);
      if (!seen) yield e;
    }
  }
}

function asArray(v: string | string[]): string[] {
  return typeof v === 'string' ? [v] : v;
}

/** The LDAP matching rules Active Directory adds. */
export const MATCHING_RULES = {
  bitAnd: '1.2.840.113556.1.4.803',
  bitOr: '1.2.840.113556.1.4.804',
  inChain: '1.2.840.113556.1.4.1941',
} as const;

/** Candidate entries for a filter: a collection that is a superset of the matches, or null (scan). */
type Candidates = { size: number; items: Iterable<StoredEntry> } | null;

interface Compiled {
  test: (e: StoredEntry) => boolean;
  candidates: () => Candidates;
}

const NONE: Candidates = { size: 0, items: [] };

function fromPosting(p: Posting | undefined): Candidates {
  if (p === undefined) return NONE;
  if (p instanceof Set) return { size: p.size, items: p };
  return { size: 1, items: [p] };
}

interface Selection {
  all: boolean;
  names: Set<string>;
}

/** RFC 4511 4.5.1.8: no attributes or `*` → all user attributes; `1.1` → none; `+` (operational) → none here. */
function selection(attributes: readonly string[] | undefined): Selection {
  const names = new Set<string>();
  let all = !attributes || attributes.length === 0;
  for (const a of attributes ?? []) {
    if (a === '*') all = true;
    else if (a !== '1.1' && a !== '+') {
      const semi = a.indexOf(';'); // attribute options (cn;lang-en) are not modelled
      names.add((semi < 0 ? a : a.slice(0, semi)).toLowerCase());
    }
  }
  return { all, names };
}

// ---------------------------------------------------------------------------------------------------

export class DirectoryStore {
  private readonly byDn = new Map<string, StoredEntry>();
  private types = new Map<string, AttributeType>();
  /** Raw attribute name as written by a caller → its type; saves lower-casing every name of every import. */
  private spellings = new Map<string, AttributeType>();
  /**
   * objectCategory key → the objectClass / objectCategory index keys naming that class. The entries come
   * from those index postings, so categories cost no memory per entry.
   */
  private readonly categories = new Map<string, Map<string, { type: AttributeType; key: string }>>();
  private rootShape = new Shape([]);
  /** Interned values: long ones (see intern) and indexed ones held by several entries (see indexValue). */
  private values = new Map<string, string>();
  private contexts: Required<NamingContextsSpec> | undefined;
  /** Further forests held by the same server (a scenario with several organizations); the RootDSE's
   *  defaultNamingContext stays the first forest's, `namingContexts` lists them all. */
  private otherForests: Array<Required<NamingContextsSpec>> = [];
  private contextDns = new Set<string>();
  /** How many entries filters were evaluated against since construction or the last reset. */
  entriesScanned = 0;

  /**
   * With `schema`, every add and modify is checked as slapd checks it (./schema-rules), so this server
   * accepts nothing a real one loaded with the same schema would refuse. Without it (the store's own unit
   * tests), any attribute goes.
   */
  constructor(private readonly options: { schema?: SchemaRules } = {}) {
    this.seedSpellings();
  }

  get size(): number {
    return this.byDn.size;
  }

  /** Drops every entry and naming context. */
  reset(): void {
    this.byDn.clear();
    this.types = new Map();
    this.spellings = new Map();
    this.categories.clear();
    this.rootShape = new Shape([]);
    this.values = new Map();
    this.contexts = undefined;
    this.otherForests = [];
    this.contextDns = new Set();
    this.entriesScanned = 0;
    this.seedSpellings();
  }

  private seedSpellings(): void {
    for (const name of SCHEMA_SPELLINGS) {
      const t = new AttributeType(name, name.toLowerCase(), true);
      this.types.set(t.lower, t);
      this.spellings.set(name, t);
    }
  }

  // -- naming contexts ------------------------------------------------------------------------------

  /**
   * Declares a forest's naming contexts. The first forest declared is the server's own (its RootDSE's
   * defaultNamingContext); declaring the same forest again replaces it; another forest is added beside it.
   */
  setNamingContexts(ctx: NamingContextsSpec): void {
    const full: Required<NamingContextsSpec> = {
      defaultNamingContext: ctx.defaultNamingContext,
      configurationNamingContext: ctx.configurationNamingContext,
      rootDomainNamingContext: ctx.rootDomainNamingContext ?? ctx.defaultNamingContext,
      schemaNamingContext: ctx.schemaNamingContext ?? `CN=Schema,${ctx.configurationNamingContext}`,
    };
    const key = (c: Required<NamingContextsSpec>) => fastNormalizeDn(c.defaultNamingContext);
    const forests = this.contexts ? [this.contexts, ...this.otherForests] : [];
    const same = forests.findIndex((f) => key(f) === key(full));
    if (same === -1) forests.push(full);
    else forests[same] = full;
    const dns = new Set<string>();
    for (const f of forests) {
      for (const dn of [f.defaultNamingContext, f.configurationNamingContext, f.schemaNamingContext, f.rootDomainNamingContext]) {
        dns.add(this.normalizeOrThrow(dn, `naming context "${dn}"`));
      }
    }
    const previous = this.contextDns;
    this.contexts = forests[0];
    this.otherForests = forests.slice(1);
    this.contextDns = dns;
    // A naming context is the root of its own partition: a subtree search of the domain does not descend
    // into CN=Configuration,DC=… even though the DNs nest. Re-link entries whose role changed.
    for (const ndn of dns) {
      const e = this.byDn.get(ndn);
      if (e && e.parent) this.detach(e);
    }
    for (const ndn of previous) {
      if (dns.has(ndn)) continue;
      const e = this.byDn.get(ndn);
      const parent = e && this.byDn.get(parentOfNormalized(ndn));
      if (e && parent && !e.parent) this.attach(e, parent);
    }
  }

  /** The RootDSE's attributes (`namingContexts` lists every context once). */
  rootDse(): AttributeValues {
    const attrs: AttributeValues = {};
    if (this.contexts) {
      const c = this.contexts;
      const seen = new Set<string>();
      const contexts: string[] = [];
      for (const dn of [c, ...this.otherForests].flatMap((f) => [f.defaultNamingContext, f.configurationNamingContext, f.schemaNamingContext, f.rootDomainNamingContext])) {
        const n = fastNormalizeDn(dn);
        if (!seen.has(n)) {
          seen.add(n);
          contexts.push(dn);
        }
      }
      attrs.namingContexts = contexts;
      attrs.defaultNamingContext = c.defaultNamingContext;
      attrs.configurationNamingContext = c.configurationNamingContext;
      attrs.rootDomainNamingContext = c.rootDomainNamingContext;
      attrs.schemaNamingContext = c.schemaNamingContext;
    }
    attrs.supportedLDAPVersion = '3';
    attrs.supportedCapabilities = '1.2.840.113556.1.4.800';
    return attrs;
  }

  // -- reads ----------------------------------------------------------------------------------------

  /** A copy of one entry (userPassword included: this is the test-side view), or undefined. */
  get(dn: string): DirectoryEntry | undefined {
    const e = this.byDn.get(this.normalizeOrThrow(dn, 'DN'));
    if (!e) return undefined;
    const attributes: AttributeValues = {};
    for (let i = 0; i < e.types.length; i++) {
      const v = e.values[i];
      attributes[e.types[i].name] = typeof v === 'string' ? v : v.slice();
    }
    return { dn: e.dn, attributes };
  }

  has(dn: string): boolean {
    const ndn = tryNormalizeDn(dn);
    return ndn !== undefined && this.byDn.has(ndn);
  }

  /** True when `password` is one of the entry's userPassword values (a simple bind as that entry). */
  authenticate(dn: string, password: string): boolean {
    if (password === '') return false;
    const ndn = tryNormalizeDn(dn);
    const e = ndn === undefined ? undefined : this.byDn.get(ndn);
    if (!e) return false;
    const type = this.types.get('userpassword');
    const v = type && this.valueOf(e, type);
    return v !== undefined && asArray(v).includes(password);
  }

  /** LDAP compare: true when the entry holds the value (matched as a filter equality would). */
  compare(dn: string, attribute: string, value: string): boolean {
    const entry = this.entryOrThrow(dn);
    const compiled = this.compile({ type: 'equality', attribute, value });
    this.entriesScanned++;
    return compiled.test(entry);
  }

  search(request: SearchRequest): SearchResult {
    const compiled = this.compile(request.filter);
    const limit = request.sizeLimit && request.sizeLimit > 0 ? request.sizeLimit : Infinity;
    const sel = selection(request.attributes);
    const typesOnly = request.typesOnly === true;
    const entries: SearchResultEntry[] = [];
    let sizeLimitExceeded = false;

    if (request.base.trim() === '') {
      if (request.scope !== 'base') {
        throw new DirectoryError(
          'noSuchObject',
          'a one-level or subtree search needs a naming context as its base (Active Directory does not search from the RootDSE); read the RootDSE for defaultNamingContext',
        );
      }
      // The RootDSE is returned whatever the filter (clients send (objectClass=*)).
      entries.push({ dn: '', attributes: this.projectRecord(this.rootDse(), sel, typesOnly) });
      return { entries, sizeLimitExceeded };
    }

    const base = this.entryOrThrow(request.base);
    const visit = (e: StoredEntry): boolean => {
      this.entriesScanned++;
      if (!compiled.test(e)) return true;
      if (entries.length >= limit) {
        sizeLimitExceeded = true;
        return false;
      }
      entries.push(this.project(e, sel, typesOnly));
      return true;
    };

    if (request.scope === 'base') {
      visit(base);
      return { entries, sizeLimitExceeded };
    }

    const scopeSize = request.scope === 'one' ? (base.children?.size ?? 0) : base.subtreeSize;
    const candidates = compiled.candidates();
    if (candidates !== null && candidates.size < scopeSize) {
      for (const e of candidates.items) {
        if (!this.inScope(e, base, request.scope)) continue;
        if (!visit(e)) break;
      }
      return { entries, sizeLimitExceeded };
    }

    if (request.scope === 'one') {
      if (base.children) {
        for (const e of base.children) if (!visit(e)) break;
      }
      return { entries, sizeLimitExceeded };
    }

    // Subtree: pre-order walk of the base's subtree only.
    if (!visit(base)) return { entries, sizeLimitExceeded };
    const stack: Array<Iterator<StoredEntry>> = [];
    if (base.children) stack.push(base.children.values());
    while (stack.length > 0) {
      const step = stack[stack.length - 1].next();
      if (step.done) {
        stack.pop();
        continue;
      }
      const e = step.value;
      if (!visit(e)) break;
      if (e.children && e.children.size > 0) stack.push(e.children.values());
    }
    return { entries, sizeLimitExceeded };
  }

  private inScope(e: StoredEntry, base: StoredEntry, scope: SearchScope): boolean {
    if (scope === 'base') return e === base;
    if (scope === 'one') return e.parent === base;
    for (let p: StoredEntry | null = e; p !== null; p = p.parent) if (p === base) return true;
    return false;
  }

  private project(e: StoredEntry, sel: Selection, typesOnly: boolean): SearchResultEntry {
    const attributes: ResultAttribute[] = [];
    for (let i = 0; i < e.types.length; i++) {
      const t = e.types[i];
      if (t.hidden) continue;
      if (!sel.all && !sel.names.has(t.lower)) continue;
      const v = e.values[i];
      attributes.push({ type: t.name, values: typesOnly ? [] : typeof v === 'string' ? [v] : v.slice() });
    }
    if (sel.all || sel.names.has('distinguishedname')) {
      attributes.push({ type: this.typeOf('distinguishedName').name, values: typesOnly ? [] : [e.dn] });
    }
    return { dn: e.dn, attributes };
  }

  private projectRecord(record: AttributeValues, sel: Selection, typesOnly: boolean): ResultAttribute[] {
    const out: ResultAttribute[] = [];
    for (const [name, v] of Object.entries(record)) {
      if (!sel.all && !sel.names.has(name.toLowerCase())) continue;
      out.push({ type: name, values: typesOnly ? [] : asArray(v).slice() });
    }
    return out;
  }

  // -- filters --------------------------------------------------------------------------------------

  /** Evaluates a filter against one stored entry (for tests and the server's compare). */
  matches(dn: string, filter: FilterNode): boolean {
    const e = this.entryOrThrow(dn);
    this.entriesScanned++;
    return this.compile(filter).test(e);
  }

  private compile(node: FilterNode): Compiled {
    switch (node.type) {
      case 'and': {
        const parts = node.filters.map((f) => this.compile(f));
        return {
          test: (e) => {
            for (const p of parts) if (!p.test(e)) return false;
            return true;
          },
          candidates: () => {
            let best: Candidates = null;
            for (const p of parts) {
              const c = p.candidates();
              if (c !== null && (best === null || c.size < best.size)) best = c;
              if (best !== null && best.size === 0) break;
            }
            return best;
          },
        };
      }
      case 'or': {
        const parts = node.filters.map((f) => this.compile(f));
        return {
          test: (e) => {
            for (const p of parts) if (p.test(e)) return true;
            return false;
          },
          candidates: () => {
            const union = new Set<StoredEntry>();
            for (const p of parts) {
              const c = p.candidates();
              if (c === null) return null;
              for (const e of c.items) union.add(e);
            }
            return { size: union.size, items: union };
          },
        };
      }
      case 'not': {
        const inner = this.compile(node.filter);
        return { test: (e) => !inner.test(e), candidates: () => null };
      }
      case 'equality':
      case 'approx':
        return this.compileEquality(node.attribute, node.value);
      case 'present':
        return this.compilePresent(node.attribute);
      case 'substring':
        return this.compileSubstring(node);
      case 'ge':
      case 'le': {
        const sign = node.type === 'ge' ? 1 : -1;
        const assertion = node.value;
        const values = this.valuesGetter(node.attribute);
        return {
          test: (e) => {
            for (const v of values(e)) if (compareValues(v, assertion) * sign >= 0) return true;
            return false;
          },
          candidates: () => null,
        };
      }
      case 'extensible':
        return this.compileExtensible(node);
    }
  }

  /** Values of an attribute for matching purposes (hidden attributes have none). */
  private valuesGetter(attribute: string): (e: StoredEntry) => readonly string[] {
    const lower = attribute.toLowerCase();
    if (lower === 'distinguishedname') return (e) => [e.dn];
    const type = this.types.get(lower);
    if (!type || type.hidden) return () => [];
    return (e) => {
      const v = this.valueOf(e, type);
      return v === undefined ? [] : asArray(v);
    };
  }

  private compileEquality(attribute: string, value: string): Compiled {
    const lower = attribute.toLowerCase();
    if (lower === 'distinguishedname') {
      const ndn = tryNormalizeDn(value);
      return {
        test: (e) => e.ndn === ndn,
        candidates: () => fromPosting(ndn === undefined ? undefined : this.byDn.get(ndn)),
      };
    }
    if (lower === 'objectcategory') return this.compileCategory(categoryKey(value));
    const type = this.types.get(lower);
    if (!type || type.hidden) return { test: () => false, candidates: () => NONE };
    const key = type.isDn ? tryNormalizeDn(value) : value.toLowerCase();
    if (key === undefined) return { test: () => false, candidates: () => NONE };
    // With an index, membership of the posting is the test; without one (the attribute was never
    // searched one-level or subtree), values are compared directly, and candidates() builds the index.
    const posting = type.index?.get(key);
    const test =
      type.index !== null
        ? (e: StoredEntry) => postingHas(posting, e)
        : (e: StoredEntry) => {
            const v = this.valueOf(e, type);
            if (v === undefined) return false;
            for (const x of asArray(v)) if (this.keyLoose(type, x) === key) return true;
            return false;
          };
    return { test, candidates: () => fromPosting(this.indexOf(type).get(key)) };
  }

  /** objectCategory=<class>: objectClass names the class, or an explicit objectCategory does. */
  private compileCategory(ck: string): Compiled {
    const namesClass = (e: StoredEntry): boolean => {
      for (let i = 0; i < e.types.length; i++) {
        const lower = e.types[i].lower;
        if (lower !== 'objectclass' && lower !== 'objectcategory') continue;
        for (const v of asArray(e.values[i])) if (categoryKey(v) === ck) return true;
      }
      return false;
    };
    const postings = (): Posting[] => {
      this.indexOf(this.typeOf('objectClass'));
      this.indexOf(this.typeOf('objectCategory'));
      const out: Posting[] = [];
      for (const { type, key } of this.categories.get(ck)?.values() ?? []) {
        const p = type.index?.get(key);
        if (p !== undefined) out.push(p);
      }
      return out;
    };
    return {
      test: namesClass,
      candidates: () => {
        const ps = postings();
        if (ps.length <= 1) return fromPosting(ps[0]);
        return { size: ps.reduce((n, p) => n + postingSize(p), 0), items: union(ps) };
      },
    };
  }

  private compilePresent(attribute: string): Compiled {
    const lower = attribute.toLowerCase();
    if (lower === 'distinguishedname' || lower === 'objectcategory') {
      // Every entry has a DN, and in Active Directory every object has an objectCategory.
      return { test: () => true, candidates: () => null };
    }
    const type = this.types.get(lower);
    if (!type || type.hidden) return { test: () => false, candidates: () => NONE };
    return { test: (e) => e.types.includes(type), candidates: () => null };
  }

  private compileSubstring(node: Extract<FilterNode, { type: 'substring' }>): Compiled {
    const initial = node.initial ? node.initial.toLowerCase() : '';
    const any = (node.any ?? []).filter((s) => s.length > 0).map((s) => s.toLowerCase());
    const final = node.final ? node.final.toLowerCase() : '';
    const values = this.valuesGetter(node.attribute);
    const matchOne = (raw: string): boolean => {
      const v = raw.toLowerCase();
      if (v.length < initial.length + final.length) return false;
      if (initial && !v.startsWith(initial)) return false;
      let pos = initial.length;
      const end = v.length - final.length;
      for (const part of any) {
        const at = v.indexOf(part, pos);
        if (at < 0 || at + part.length > end) return false;
        pos = at + part.length;
      }
      return !final || v.endsWith(final);
    };
    return {
      test: (e) => {
        for (const v of values(e)) if (matchOne(v)) return true;
        return false;
      },
      candidates: () => null,
    };
  }

  private compileExtensible(node: Extract<FilterNode, { type: 'extensible' }>): Compiled {
    const attribute = node.attribute ?? '';
    const rule = node.rule ?? '';
    if (attribute === '') {
      throw new DirectoryError('inappropriateMatching', `extensible match "${rule}" without an attribute is not supported`);
    }
    let base: Compiled;
    if (rule === '') {
      base = this.compileEquality(attribute, node.value);
    } else if (rule === MATCHING_RULES.bitAnd || rule === MATCHING_RULES.bitOr) {
      const isAnd = rule === MATCHING_RULES.bitAnd;
      const mask = INTEGER.test(node.value.trim()) ? BigInt(node.value.trim()) : undefined;
      const values = this.valuesGetter(attribute);
      base = {
        test: (e) => {
          if (mask === undefined) return false;
          for (const v of values(e)) {
            if (!INTEGER.test(v)) continue;
            const bits = BigInt(v) & mask;
            if (isAnd ? bits === mask : bits !== 0n) return true;
          }
          return false;
        },
        candidates: () => null,
      };
    } else if (rule === MATCHING_RULES.inChain) {
      base = this.compileInChain(attribute, node.value);
    } else {
      throw new DirectoryError('inappropriateMatching', `matching rule "${rule}" is not supported by the in-process directory`);
    }
    if (!node.dnAttributes) return base;
    // dnAttributes: the RDNs of the entry's own DN count as values too.
    const lower = attribute.toLowerCase();
    const assertion = node.value.toLowerCase();
    return {
      test: (e) => base.test(e) || parseDn(e.dn).some((r) => r.type.toLowerCase() === lower && r.value.toLowerCase() === assertion),
      candidates: () => null,
    };
  }

  /** LDAP_MATCHING_RULE_IN_CHAIN: the DN is reachable by following the attribute transitively. */
  private compileInChain(attribute: string, value: string): Compiled {
    const target = tryNormalizeDn(value);
    const values = this.valuesGetter(attribute);
    return {
      test: (start) => {
        if (target === undefined) return false;
        const seen = new Set<StoredEntry>([start]);
        let frontier: StoredEntry[] = [start];
        while (frontier.length > 0) {
          const next: StoredEntry[] = [];
          for (const e of frontier) {
            for (const v of values(e)) {
              const n = tryNormalizeDn(v);
              if (n === undefined) continue;
              if (n === target) return true;
              const t = this.byDn.get(n);
              if (t && !seen.has(t)) {
                seen.add(t);
                next.push(t);
              }
            }
          }
          frontier = next;
        }
        return false;
      },
      candidates: () => null,
    };
  }

  // -- writes ---------------------------------------------------------------------------------------

  /** Adds one entry (an LDAP add). */
  add(entry: DirectoryEntry): void {
    this.importEntries([entry]);
  }

  /**
   * Bulk import, like ldifde: every entry is validated first (DN syntax, no duplicates, parent present
   * or a naming context or earlier in the list, objectClass present, DN-valued attributes parse); on any
   * error this throws a DirectoryError and nothing is imported.
   */
  importEntries(entries: readonly DirectoryEntry[]): void {
    const pending = new Set<string>();
    const prepared: StoredEntry[] = [];
    for (let i = 0; i < entries.length; i++) {
      try {
        const e = this.prepare(entries[i], pending);
        pending.add(e.ndn);
        prepared.push(e);
      } catch (err) {
        if (err instanceof DirectoryError && entries.length > 1) {
          throw new DirectoryError(err.code, `entry ${i + 1} of ${entries.length}: ${err.message}; nothing was imported`);
        }
        throw err;
      }
    }
    // Everything was validated: nothing below can fail.
    for (const e of prepared) {
      this.byDn.set(e.ndn, e);
      const parent = this.contextDns.has(e.ndn) ? undefined : this.byDn.get(parentOfNormalized(e.ndn));
      if (parent) this.attach(e, parent);
      this.indexEntry(e);
    }
  }

  /** Validates one entry to add and builds it, unlinked and unindexed. */
  private prepare(input: DirectoryEntry, pending: Set<string>): StoredEntry {
    if (!input || typeof input.dn !== 'string') throw new DirectoryError('invalidDnSyntax', 'an entry needs a DN string');
    const dn = input.dn;
    const ndn = this.normalizeOrThrow(dn, 'DN');
    if (ndn === '') throw new DirectoryError('unwillingToPerform', 'the RootDSE cannot be added');
    if (this.byDn.has(ndn) || pending.has(ndn)) {
      throw new DirectoryError('entryAlreadyExists', `"${dn}" already exists`);
    }
    if (!this.contextDns.has(ndn)) {
      const pndn = parentOfNormalized(ndn);
      if (!this.byDn.has(pndn) && !pending.has(pndn)) {
        throw new DirectoryError(
          'noSuchObject',
          `cannot add "${dn}": its parent does not exist (and "${dn}" is not a naming context of this directory)`,
        );
      }
    }
    const types: AttributeType[] = [];
    const values: Array<string | string[]> = [];
    const attributes = input.attributes ?? {};
    for (const name in attributes) {
      const raw = attributes[name];
      const type = this.typeOfIn(name, dn);
      if (type.lower === 'distinguishedname') continue; // computed from the DN, as in AD
      if (typeof raw === 'string') {
        if (type.isDn) this.keyOrThrow(type, raw, dn);
        const at = types.indexOf(type);
        if (at < 0) {
          types.push(type);
          values.push(this.intern(raw));
        } else {
          values[at] = this.mergeValues(type, asArray(values[at]), [raw], dn);
        }
        continue;
      }
      if (!Array.isArray(raw)) {
        throw new DirectoryError('invalidAttributeSyntax', `"${dn}": ${name} must be a string or an array of strings`);
      }
      if (raw.length === 0) continue;
      const at = types.indexOf(type);
      const merged = this.mergeValues(type, at < 0 ? [] : asArray(values[at]), raw, dn);
      const stored = merged.length === 1 ? merged[0] : merged.slice();
      if (at < 0) {
        types.push(type);
        values.push(stored);
      } else {
        values[at] = stored;
      }
    }
    if (!types.some((t) => t.lower === 'objectclass')) {
      throw new DirectoryError('objectClassViolation', `"${dn}" has no objectClass`);
    }
    const rdn = firstRdn(dn);
    if (rdn && ATTRIBUTE_NAME.test(rdn.type) && !/^[0-9]/.test(rdn.type)) {
      // The naming attribute is filled in from the RDN (cn for CN=…), as AD does and as slapd does too.
      const rdnType = this.typeOf(rdn.type);
      if (!types.includes(rdnType) && !rdnType.hidden) {
        this.keyOrThrow(rdnType, rdn.value, dn);
        types.push(rdnType);
        values.push(rdn.value);
      }
    }
    if (this.options.schema) this.checkSchema(dn, rdn, types, values);
    // slice(): exact-capacity copies (arrays grown by push keep spare slots).
    return new StoredEntry(dn, ndn, this.shapeOf(types), values.slice());
  }

  /** The entry as it would be stored, against the schema; a violation becomes the LDAP error slapd would return. */
  private checkSchema(dn: string, rdn: { type: string; value: string } | undefined, types: readonly AttributeType[], values: ReadonlyArray<string | string[]>): void {
    try {
      this.options.schema!.checkEntry(dn, rdn, types.filter((t) => t.lower !== 'distinguishedname').map((t) => ({ name: t.name, values: asArray(values[types.indexOf(t)]) })));
    } catch (e) {
      if (e instanceof SchemaViolation) throw new DirectoryError(e.code, e.message);
      throw e;
    }
  }

  /** `current` plus `added`, checking each value's type, syntax and uniqueness (by index key). */
  private mergeValues(type: AttributeType, current: readonly string[], added: readonly unknown[], dn: string): string[] {
    const out = current.slice();
    const keys = out.length + added.length > 1 ? out.map((v) => this.keyLoose(type, v)) : undefined;
    for (const v of added) {
      if (typeof v !== 'string') {
        throw new DirectoryError('invalidAttributeSyntax', `"${dn}": a value of ${type.name} is not a string`);
      }
      const key = keys || type.isDn ? this.keyOrThrow(type, v, dn) : '';
      if (keys) {
        if (keys.includes(key)) {
          throw new DirectoryError('attributeOrValueExists', `"${dn}": ${type.name} already has the value "${v}"`);
        }
        keys.push(key);
      }
      out.push(this.intern(v));
    }
    return out;
  }

  /**
   * Long values are stored once however many entries hold them: a thousand mailboxes on one database
   * share one homeMDB string. (Short strings cost little, and unique ones would only fill the table.)
   */
  private intern(value: string): string {
    if (value.length < INTERN_MIN_LENGTH) return value;
    const interned = this.values.get(value);
    if (interned !== undefined) return interned;
    if (this.values.size < INTERN_MAX_VALUES) this.values.set(value, value);
    return value;
  }

  /** The shared attribute list for these types in this order. */
  private shapeOf(types: readonly AttributeType[]): readonly AttributeType[] {
    let shape = this.rootShape;
    for (const t of types) {
      let next = shape.next.get(t);
      if (!next) {
        next = new Shape([...shape.types, t]);
        shape.next.set(t, next);
      }
      shape = next;
    }
    return shape.types;
  }

  /**
   * Applies the modifications in order, atomically (all or none), like an LDAP modify: add (values must
   * not be there yet), delete (the values, or the whole attribute, must be there), replace (no values
   * removes the attribute).
   */
  modify(dn: string, modifications: readonly Modification[]): void {
    const e = this.entryOrThrow(dn);
    const types = e.types.slice();
    const values: string[][] = e.values.map((v) => asArray(v).slice());
    for (const m of modifications) {
      const type = this.typeOfIn(m.attribute, e.dn);
      if (type.lower === 'distinguishedname') {
        throw new DirectoryError('unwillingToPerform', `"${e.dn}": distinguishedName is computed from the DN and cannot be modified`);
      }
      const list = m.values ?? [];
      for (const v of list) {
        if (typeof v !== 'string') throw new DirectoryError('invalidAttributeSyntax', `"${e.dn}": a value of ${m.attribute} is not a string`);
      }
      let at = types.indexOf(type);
      const current = at < 0 ? [] : values[at];
      const currentKeys = current.map((v) => this.keyLoose(type, v));
      let next: string[];
      switch (m.operation) {
        case 'add': {
          if (list.length === 0) {
            throw new DirectoryError('constraintViolation', `"${e.dn}": adding ${m.attribute} needs at least one value`);
          }
          next = current.slice();
          const nextKeys = currentKeys.slice();
          for (const v of list) {
            const key = this.keyOrThrow(type, v, e.dn);
            if (nextKeys.includes(key)) {
              throw new DirectoryError('attributeOrValueExists', `"${e.dn}": ${type.name} already has the value "${v}"`);
            }
            next.push(v);
            nextKeys.push(key);
          }
          break;
        }
        case 'delete': {
          if (at < 0) throw new DirectoryError('noSuchAttribute', `"${e.dn}" has no ${m.attribute} to delete`);
          if (list.length === 0) {
            next = [];
            break;
          }
          next = current.slice();
          const nextKeys = currentKeys.slice();
          for (const v of list) {
            const i = nextKeys.indexOf(this.keyLoose(type, v));
            if (i < 0) throw new DirectoryError('noSuchAttribute', `"${e.dn}": ${type.name} has no value "${v}" to delete`);
            next.splice(i, 1);
            nextKeys.splice(i, 1);
          }
          break;
        }
        case 'replace': {
          next = [];
          const nextKeys: string[] = [];
          for (const v of list) {
            const key = this.keyOrThrow(type, v, e.dn);
            if (nextKeys.includes(key)) {
              throw new DirectoryError('attributeOrValueExists', `"${e.dn}": ${type.name} has the value "${v}" twice`);
            }
            next.push(v);
            nextKeys.push(key);
          }
          break;
        }
        default:
          throw new DirectoryError('unwillingToPerform', `"${e.dn}": unknown modify operation "${String((m as Modification).operation)}"`);
      }
      if (next.length === 0) {
        if (at >= 0) {
          types.splice(at, 1);
          values.splice(at, 1);
        }
      } else if (at < 0) {
        at = types.length;
        types.push(type);
        values.push(next);
      } else {
        values[at] = next;
      }
    }
    if (!types.some((t) => t.lower === 'objectclass')) {
      throw new DirectoryError('objectClassViolation', `"${e.dn}" would be left without an objectClass`);
    }
    if (this.options.schema) this.checkSchema(e.dn, firstRdn(e.dn), types, values);
    this.unindexEntry(e);
    e.types = this.shapeOf(types);
    e.values = values.map((v) => (v.length === 1 ? v[0] : v));
    this.indexEntry(e);
  }

  /** Deletes a leaf entry. */
  delete(dn: string): void {
    const e = this.entryOrThrow(dn);
    if (e.children && e.children.size > 0) {
      throw new DirectoryError('notAllowedOnNonLeaf', `"${e.dn}" has ${e.children.size} child entr${e.children.size === 1 ? 'y' : 'ies'}; delete them first`);
    }
    this.unindexEntry(e);
    if (e.parent) this.detach(e);
    this.byDn.delete(e.ndn);
  }

  // -- internals ------------------------------------------------------------------------------------

  private entryOrThrow(dn: string): StoredEntry {
    const ndn = this.normalizeOrThrow(dn, 'DN');
    const e = this.byDn.get(ndn);
    if (!e) throw new DirectoryError('noSuchObject', `"${dn}" does not exist`);
    return e;
  }

  private normalizeOrThrow(dn: string, what: string): string {
    try {
      return fastNormalizeDn(dn);
    } catch (err) {
      if (err instanceof DnSyntaxError) throw new DirectoryError('invalidDnSyntax', `${what} ${err.message}`);
      throw err;
    }
  }

  private typeOfIn(name: string, dn: string): AttributeType {
    try {
      return this.typeOf(name);
    } catch (err) {
      if (err instanceof DirectoryError) throw new DirectoryError(err.code, `"${dn}": ${err.message}`);
      throw err;
    }
  }

  /** The interned type for a spelling; an all-lower-case spelling is upgraded by a later mixed-case one. */
  private typeOf(name: string): AttributeType {
    let t = this.spellings.get(name);
    if (t) return t;
    if (!ATTRIBUTE_NAME.test(name)) {
      throw new DirectoryError('undefinedAttributeType', `"${name}" is not an attribute name`);
    }
    const lower = name.toLowerCase();
    t = this.types.get(lower);
    if (!t) {
      t = new AttributeType(name, lower);
      this.types.set(lower, t);
    } else if (!t.fixed && t.name === lower && name !== lower) {
      t.name = name;
    }
    this.spellings.set(name, t);
    return t;
  }

  private valueOf(e: StoredEntry, type: AttributeType): string | string[] | undefined {
    const i = e.types.indexOf(type);
    return i < 0 ? undefined : e.values[i];
  }

  private keyOrThrow(type: AttributeType, value: string, dn: string): string {
    if (!type.isDn) return value.toLowerCase();
    try {
      return fastNormalizeDn(value);
    } catch (err) {
      if (err instanceof DnSyntaxError) {
        throw new DirectoryError('invalidDnSyntax', `"${dn}": ${type.name} holds DNs, and ${err.message}`);
      }
      throw err;
    }
  }

  /** Index key of a stored value (always valid) or of a value to delete (compared as a string if not a DN). */
  private keyLoose(type: AttributeType, value: string): string {
    return (type.isDn ? tryNormalizeDn(value) : undefined) ?? value.toLowerCase();
  }

  /** The attribute's index, built now if no filter needed it before. */
  private indexOf(t: AttributeType): Map<string, Posting> {
    if (t.index) return t.index;
    const index = new Map<string, Posting>();
    t.index = index;
    if (t.hidden) return index;
    for (const e of this.byDn.values()) {
      const i = e.types.indexOf(t);
      if (i >= 0) this.indexAttribute(e, i, index);
    }
    return index;
  }

  private indexEntry(e: StoredEntry): void {
    const types = e.types;
    for (let i = 0; i < types.length; i++) {
      const index = types[i].index;
      if (index !== null) this.indexAttribute(e, i, index);
    }
  }

  private indexAttribute(e: StoredEntry, i: number, index: Map<string, Posting>): void {
    const t = e.types[i];
    if (t.hidden) return;
    const v = e.values[i];
    if (typeof v === 'string') e.values[i] = this.indexValue(t, index, v, e);
    else for (let j = 0; j < v.length; j++) v[j] = this.indexValue(t, index, v[j], e);
  }

  /**
   * Adds one value to the index and returns the string to store in its place: the same content, but
   * shared where possible. A value another entry already holds (the same homeMDB for a thousand
   * mailboxes) is stored once rather than once per entry, and a value that is its own index key
   * (already lower case) shares the key's string.
   */
  private indexValue(t: AttributeType, index: Map<string, Posting>, value: string, e: StoredEntry): string {
    const key = this.keyLoose(t, value);
    const p = index.get(key);
    if (p === undefined) {
      index.set(key, e);
      if (t.lower === 'objectclass' || t.lower === 'objectcategory') this.addCategory(t, key, value);
      return key === value ? key : value;
    }
    if (p instanceof Set) p.add(e);
    else if (p !== e) index.set(key, new Set([p, e]));
    const interned = this.values.get(value);
    if (interned !== undefined) return interned;
    if (this.values.size < INTERN_MAX_VALUES) this.values.set(value, value);
    return value;
  }

  private addCategory(type: AttributeType, key: string, value: string): void {
    const ck = categoryKey(value);
    let members = this.categories.get(ck);
    if (!members) this.categories.set(ck, (members = new Map()));
    members.set(type.lower + '\0' + key, { type, key });
  }

  private unindexEntry(e: StoredEntry): void {
    for (let i = 0; i < e.types.length; i++) {
      const t = e.types[i];
      const index = t.index;
      if (t.hidden || index === null) continue;
      for (const value of asArray(e.values[i])) {
        const key = this.keyLoose(t, value);
        const p = index.get(key);
        if (p === e) {
          index.delete(key);
          if (t.lower === 'objectclass' || t.lower === 'objectcategory') {
            const ck = categoryKey(value);
            const members = this.categories.get(ck);
            members?.delete(t.lower + '\0' + key);
            if (members && members.size === 0) this.categories.delete(ck);
          }
        } else if (p instanceof Set) {
          p.delete(e);
          if (p.size === 1) index.set(key, p.values().next().value as StoredEntry);
        }
      }
    }
  }

  private attach(e: StoredEntry, parent: StoredEntry): void {
    e.parent = parent;
    if (!parent.children) parent.children = new Set();
    parent.children.add(e);
    for (let p: StoredEntry | null = parent; p !== null; p = p.parent) p.subtreeSize += e.subtreeSize;
  }

  private detach(e: StoredEntry): void {
    const parent = e.parent;
    if (!parent) return;
    parent.children?.delete(e);
    if (parent.children && parent.children.size === 0) parent.children = null;
    for (let p: StoredEntry | null = parent; p !== null; p = p.parent) p.subtreeSize -= e.subtreeSize;
    e.parent = null;
  }
}
