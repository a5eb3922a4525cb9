// The in-process directory on the wire: ldapjs's server in front of ./store.ts, listening on 127.0.0.1.
// This is the only module of the project that touches ldapjs (its repository is archived), so it stays
// small: it checks who is bound, turns ldapjs requests into store calls, and store errors into LDAP
// result codes. Everything about matching and the tree lives in the store.
//
// Access control is deliberately simple: anonymous connections may read the RootDSE and nothing else;
// any authenticated identity (the service account or an entry with a userPassword) may read and write
// everything. Active Directory would check the object's security descriptor.

import type { Socket } from 'node:net';
import { escapeRdnValue } from '../dn';
import { SchemaRules } from '../schema-rules';
import { unescapeFilterValue } from '../filter';
import {
  DirectoryError,
  DirectoryStore,
  fastNormalizeDn,
  type AttributeValues,
  type DirectoryEntry,
  type DirectoryErrorCode,
  type FilterNode,
  type Modification,
  type NamingContextsSpec,
  type ResultAttribute,
  type SearchScope,
} from './store';

export interface InProcessServerOptions {
  /** The account the engine binds as (its own service account); checked on simple bind. */
  serviceAccount: { dn: string; password: string };
}

export interface DirectoryStats {
  searches: number;
  adds: number;
  modifies: number;
  deletes: number;
  binds: number;
  /** How many entries search filters were evaluated against. */
  entriesScanned: number;
}

// --- the slice of ldapjs 3 this module uses (it ships no type declarations) ------------------------

interface LdapDnLike {
  toString(): string;
}

/** @ldapjs/dn's parsed DN: its RDN values are held unescaped. */
interface LdapDnObject extends LdapDnLike {
  length: number;
  rdnAt(index: number): { keys(): Iterable<string>; getValue(name: string): unknown } | undefined;
}

interface LdapAttributeLike {
  type: string;
  values: string[];
}

interface LdapFilterLike {
  type: string;
  attribute?: string;
  value?: unknown;
  initial?: string;
  any?: string[];
  final?: string;
  filters?: LdapFilterLike[];
  filter?: LdapFilterLike;
  matchingRule?: string;
  dnAttributes?: boolean;
}

interface LdapRequest {
  type: string;
  dn: LdapDnLike | string;
  connection: Socket;
  // bind
  credentials?: string;
  // search
  scope?: number | string;
  filter?: LdapFilterLike;
  attributes?: Array<string | LdapAttributeLike>;
  sizeLimit?: number;
  typesOnly?: boolean;
  // modify
  changes?: Array<{ operation: string; modification: LdapAttributeLike }>;
  // compare
  attribute?: string;
  value?: string;
}

interface LdapSearchEntry {
  readonly __brand?: 'SearchResultEntry';
}

interface LdapResponse {
  status: number;
  diagnosticMessage: string;
  end(status?: number | boolean): void;
  send(entry: LdapSearchEntry): void;
  createSearchEntry(init: { objectName: LdapDnLike; attributes: ResultAttribute[] }): LdapSearchEntry;
}

type Next = (err?: Error) => void;
type Handler = (req: LdapRequest, res: LdapResponse, next: Next) => void;

interface LdapServer {
  server: import('node:net').Server;
  url: string;
  bind(base: string, handler: Handler): void;
  search(base: string, handler: Handler): void;
  add(base: string, handler: Handler): void;
  modify(base: string, handler: Handler): void;
  del(base: string, handler: Handler): void;
  compare(base: string, handler: Handler): void;
  modifyDN(base: string, handler: Handler): void;
  after(handler: Handler): void;
  listen(port: number, host: string, callback: () => void): void;
  close(callback?: (err?: Error) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
}

type LdapErrorClass = new (message?: string) => Error & { code: number };

interface BerReaderLike {
  offset: number;
  length: number;
  readSequence(): number;
  readString(): string;
  readEnumeration(): number;
  readInt(): number;
  readBoolean(): boolean;
  peek(): number;
  readRawBuffer(tag: number): Buffer;
}

interface SearchRequestClass {
  parseToPojo(ber: BerReaderLike): Record<string, unknown>;
  [FAITHFUL]?: true;
}

interface LdapJs {
  createServer(options?: object): LdapServer;
  SearchRequest: SearchRequestClass;
  filters: { parseBer(ber: BerReaderLike): LdapFilterLike };
  operations: { LDAP_REQ_SEARCH: number };
  NoSuchObjectError: LdapErrorClass;
  InvalidCredentialsError: LdapErrorClass;
  EntryAlreadyExistsError: LdapErrorClass;
  InsufficientAccessRightsError: LdapErrorClass;
  ObjectclassViolationError: LdapErrorClass;
  NamingViolationError: LdapErrorClass;
  NoSuchAttributeError: LdapErrorClass;
  NotAllowedOnNonLeafError: LdapErrorClass;
  UnwillingToPerformError: LdapErrorClass;
  SizeLimitExceededError: LdapErrorClass;
  InvalidDnSyntaxError: LdapErrorClass;
  AttributeOrValueExistsError: LdapErrorClass;
  UndefinedAttributeTypeError: LdapErrorClass;
  InappropriateMatchingError: LdapErrorClass;
  ConstraintViolationError: LdapErrorClass;
  InvalidAttributeSyntaxError: LdapErrorClass;
  ProtocolError: LdapErrorClass;
  OperationsError: LdapErrorClass;
}

const FAITHFUL = Symbol('in-process directory: search filters kept as parsed from BER');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ldap = require('ldapjs') as LdapJs;

/** Filters parsed straight from the request's BER: their assertion values are the raw strings. */
const rawFilters = new WeakSet<object>();

/**
 * ldapjs 3 turns each search request's filter from BER into objects, then into a string, then back into
 * objects. The string step is lossy: @ldapjs/filter's escaping reads a backslash in a value as the start
 * of an escape (`a\c b` comes out as `a` + form feed + `b`, `DOMAIN\ann` loses characters). This
 * replaces SearchRequest.parseToPojo (the static that @ldapjs/messages looks up for every search request)
 * with the same parsing minus the round trip, so the server sees the values the client sent. Values of
 * filters that did not come through here (should ldapjs change) are unescaped instead, see toFilterNode.
 */
function keepSearchFiltersFaithful(): void {
  const SearchRequest = ldap.SearchRequest;
  if (SearchRequest[FAITHFUL]) return;
  const parseBer = ldap.filters.parseBer;
  const LDAP_REQ_SEARCH = ldap.operations.LDAP_REQ_SEARCH;
  SearchRequest.parseToPojo = function parseToPojo(ber: BerReaderLike): Record<string, unknown> {
    const protocolOp = ber.readSequence();
    if (protocolOp !== LDAP_REQ_SEARCH) {
      throw Error(`found wrong protocol operation: 0x${protocolOp.toString(16).padStart(2, '0')}`);
    }
    const baseObject = ber.readString();
    const scope = ber.readEnumeration();
    const derefAliases = ber.readEnumeration();
    const sizeLimit = ber.readInt();
    const timeLimit = ber.readInt();
    const typesOnly = ber.readBoolean();
    const filterBuffer = ber.readRawBuffer(ber.peek());
    const Reader = ber.constructor as new (buffer: Buffer) => BerReaderLike;
    const filter = parseBer(new Reader(filterBuffer));
    rawFilters.add(filter);
    const attributes: string[] = [];
    ber.readSequence();
    const end = ber.offset + ber.length;
    while (ber.offset < end) attributes.push(ber.readString());
    return { protocolOp, baseObject, scope, derefAliases, sizeLimit, timeLimit, typesOnly, filter, attributes };
  };
  SearchRequest[FAITHFUL] = true;
}

const ERROR_CLASSES: Record<DirectoryErrorCode, LdapErrorClass> = {
  sizeLimitExceeded: ldap.SizeLimitExceededError,
  noSuchAttribute: ldap.NoSuchAttributeError,
  undefinedAttributeType: ldap.UndefinedAttributeTypeError,
  inappropriateMatching: ldap.InappropriateMatchingError,
  constraintViolation: ldap.ConstraintViolationError,
  attributeOrValueExists: ldap.AttributeOrValueExistsError,
  invalidAttributeSyntax: ldap.InvalidAttributeSyntaxError,
  noSuchObject: ldap.NoSuchObjectError,
  invalidDnSyntax: ldap.InvalidDnSyntaxError,
  insufficientAccessRights: ldap.InsufficientAccessRightsError,
  unwillingToPerform: ldap.UnwillingToPerformError,
  namingViolation: ldap.NamingViolationError,
  objectClassViolation: ldap.ObjectclassViolationError,
  notAllowedOnNonLeaf: ldap.NotAllowedOnNonLeafError,
  entryAlreadyExists: ldap.EntryAlreadyExistsError,
};

/**
 * A search entry's DN exactly as stored. Handing ldapjs a DN string makes it re-parse and re-format the
 * DN (`CN=José` would go out as `CN=Jos\c3\a9`); an object tagged LdapDn is written with toString().
 */
class VerbatimDn {
  constructor(private readonly text: string) {}
  get [Symbol.toStringTag](): string {
    return 'LdapDn';
  }
  toString(): string {
    return this.text;
  }
}

/** Who a connection is bound as; undefined means anonymous. */
interface Identity {
  dn: string;
}

/**
 * A request's DN as RFC 4514 text. ldapjs parses request DNs into objects correctly, but its toString()
 * escapes neither `\\` nor `=` (`CN=DOM\\5cann` comes back as `CN=DOM\\ann`, which means `DOMann`)
 * and hex-escapes UTF-8; so the string is rebuilt from the parsed values with ../dn's escaping.
 * (A bind request's DN arrives as the client's own string and is used as is.)
 */
function dnText(dn: LdapDnLike | string): string {
  if (typeof dn === 'string') return dn;
  const obj = dn as Partial<LdapDnObject>;
  if (typeof obj.rdnAt !== 'function' || typeof obj.length !== 'number') return String(dn);
  const rdns: string[] = [];
  for (let i = 0; i < obj.length; i++) {
    const rdn = obj.rdnAt(i);
    if (!rdn) return String(dn);
    rdns.push(Array.from(rdn.keys(), (name) => `${name}=${escapeRdnValue(String(rdn.getValue(name) ?? ''))}`).join('+'));
  }
  return rdns.join(',');
}

function scopeOf(scope: number | string | undefined): SearchScope {
  switch (scope) {
    case 0:
    case 'base':
      return 'base';
    case 1:
    case 'one':
    case 'single':
      return 'one';
    case 2:
    case 'sub':
    case 'subtree':
      return 'sub';
    default:
      throw new ldap.ProtocolError(`unknown search scope ${String(scope)}`);
  }
}

/**
 * ldapjs's filter objects → the store's filter AST. A filter parsed by keepSearchFiltersFaithful holds
 * the raw values; one that went through ldapjs's string round trip holds them escaped (`a*(xé` as
 * `a\2a\28x\c3\a9`) and is unescaped here.
 */
export function toFilterNode(root: LdapFilterLike): FilterNode {
  const raw = rawFilters.has(root);
  const value = (v: unknown): string => {
    const text = Buffer.isBuffer(v) ? v.toString('utf8') : String(v ?? '');
    return raw ? text : unescapeFilterValue(text);
  };
  return convertFilter(root, value);
}

function convertFilter(f: LdapFilterLike, value: (v: unknown) => string): FilterNode {
  const attribute = f.attribute ?? '';
  const children = (list: LdapFilterLike[] | undefined) => (list ?? []).map((c) => convertFilter(c, value));
  switch (f.type) {
    case 'AndFilter':
      return { type: 'and', filters: children(f.filters) };
    case 'OrFilter':
      return { type: 'or', filters: children(f.filters) };
    case 'NotFilter':
      if (!f.filter) throw new ldap.ProtocolError('a NOT filter without its inner filter');
      return { type: 'not', filter: convertFilter(f.filter, value) };
    case 'EqualityFilter':
      return { type: 'equality', attribute, value: value(f.value) };
    case 'ApproximateFilter':
      return { type: 'approx', attribute, value: value(f.value) };
    case 'GreaterThanEqualsFilter':
      return { type: 'ge', attribute, value: value(f.value) };
    case 'LessThanEqualsFilter':
      return { type: 'le', attribute, value: value(f.value) };
    case 'PresenceFilter':
      return { type: 'present', attribute };
    case 'SubstringFilter':
      return {
        type: 'substring',
        attribute,
        initial: f.initial ? value(f.initial) : undefined,
        any: (f.any ?? []).map(value),
        final: f.final ? value(f.final) : undefined,
      };
    case 'ExtensibleFilter':
      return {
        type: 'extensible',
        attribute,
        value: value(f.value),
        rule: f.matchingRule || undefined,
        dnAttributes: f.dnAttributes === true,
      };
    default:
      throw new ldap.ProtocolError(`unsupported filter type ${f.type}`);
  }
}

function attributesOf(list: Array<string | LdapAttributeLike> | undefined): AttributeValues {
  const out: AttributeValues = {};
  for (const a of list ?? []) {
    if (typeof a === 'string') continue;
    const values = a.values.map(String);
    const existing = out[a.type];
    out[a.type] = existing === undefined ? values : [...(typeof existing === 'string' ? [existing] : existing), ...values];
  }
  return out;
}

export class InProcessDirectoryServer {
  // Held to the project's one schema (ad-schema.ts), as slapd is when the same features run on OpenLDAP.
  private readonly store = new DirectoryStore({ schema: SchemaRules.activeDirectory });
  private readonly identities = new WeakMap<object, Identity>();
  private readonly sockets = new Set<Socket>();
  private readonly serviceNdn: string;
  private counters = { searches: 0, adds: 0, modifies: 0, deletes: 0, binds: 0 };
  private closed = false;
  /** The last request ldapjs could not parse (it answered protocolError); kept for debugging. */
  lastServerError: Error | undefined;

  private constructor(
    private readonly ldapServer: LdapServer,
    private readonly options: InProcessServerOptions,
    readonly url: string,
  ) {
    this.serviceNdn = fastNormalizeDn(options.serviceAccount.dn);
  }

  static async start(options: InProcessServerOptions): Promise<InProcessDirectoryServer> {
    // Fails early on a malformed service account DN.
    fastNormalizeDn(options.serviceAccount.dn);
    keepSearchFiltersFaithful();
    const ldapServer = ldap.createServer();
    await new Promise<void>((resolve, reject) => {
      ldapServer.server.once('error', reject);
      ldapServer.listen(0, '127.0.0.1', () => {
        ldapServer.server.off('error', reject);
        resolve();
      });
    });
    const address = ldapServer.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const server = new InProcessDirectoryServer(ldapServer, options, `ldap://127.0.0.1:${port}`);
    server.install();
    return server;
  }

  /** Naming contexts served (shown in the RootDSE); entries whose DN is a naming context may be added without a parent. */
  setNamingContexts(ctx: NamingContextsSpec): void {
    this.store.setNamingContexts(ctx);
  }

  /** Drops every entry and naming context: a fresh directory for the next scenario. Open connections stay usable. */
  reset(): void {
    this.store.reset();
    this.counters = { searches: 0, adds: 0, modifies: 0, deletes: 0, binds: 0 };
  }

  /** Bulk import, like ldifde/slapadd: no wire round trips, all or nothing (see DirectoryStore.importEntries). */
  importEntries(entries: DirectoryEntry[]): void {
    this.store.importEntries(entries);
  }

  /** A copy of one entry as stored (userPassword included), for tests; undefined when absent. */
  getEntry(dn: string): DirectoryEntry | undefined {
    return this.store.get(dn);
  }

  /** Counters since start or the last reset (a snapshot). Requests are counted whether or not they succeed. */
  get stats(): DirectoryStats {
    return { ...this.counters, entriesScanned: this.store.entriesScanned };
  }

  get size(): number {
    return this.store.size;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const done = new Promise<void>((resolve) => this.ldapServer.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await done;
  }

  // --- wiring ----------------------------------------------------------------------------------------

  private install(): void {
    const s = this.ldapServer;
    // ldapjs emits 'error' for a request it cannot parse (and answers it with protocolError itself);
    // unhandled, that event would crash the test process.
    s.on('error', (err) => (this.lastServerError = err));
    s.server.on('connection', (socket: Socket) => {
      // Without TCP_NODELAY each search costs ~40 ms on a kept-alive connection: ldapjs writes the entries
      // and the SearchResultDone separately, and Nagle holds the last write until the client's delayed ACK.
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });

    s.bind('', (req, res, next) => this.handle(req, res, next, () => this.bind(req, res)));
    s.search('', (req, res, next) => this.handle(req, res, next, () => this.search(req, res)));
    s.add('', (req, res, next) => this.handle(req, res, next, () => this.add(req, res)));
    s.modify('', (req, res, next) => this.handle(req, res, next, () => this.modify(req, res)));
    s.del('', (req, res, next) => this.handle(req, res, next, () => this.del(req, res)));
    s.compare('', (req, res, next) => this.handle(req, res, next, () => this.compare(req, res)));
    s.modifyDN('', (req, res, next) =>
      this.handle(req, res, next, () => {
        throw new ldap.UnwillingToPerformError(`modify DN of "${dnText(req.dn)}" is not supported by the in-process directory`);
      }),
    );
    // ldapjs answers an anonymous bind (empty DN and password) itself, without calling the bind handler;
    // the post-chain sees every request, so binds are counted and anonymous binds recorded here.
    s.after((req, res) => {
      if (req.type !== 'BindRequest') return;
      this.counters.binds++;
      if (dnText(req.dn) === '' && req.credentials === '' && res.status === 0) this.identities.delete(req.connection);
    });
  }

  /** Runs one operation; a thrown store or ldapjs error becomes the LDAP result, with its message. */
  private handle(_req: LdapRequest, res: LdapResponse, next: Next, op: () => void): void {
    try {
      op();
    } catch (err) {
      const ldapErr = this.toLdapError(err);
      // ldapjs 3 copies an error's message into a field it never sends: set the diagnostic message here.
      res.diagnosticMessage = ldapErr.message;
      return next(ldapErr);
    }
    return next();
  }

  private toLdapError(err: unknown): Error {
    if (err instanceof DirectoryError) return new ERROR_CLASSES[err.code](err.message);
    if (err instanceof Error && typeof (err as { code?: unknown }).code === 'number') return err;
    const message = err instanceof Error ? err.message : String(err);
    return new ldap.OperationsError(`in-process directory: ${message}`);
  }

  private identity(req: LdapRequest): Identity | undefined {
    return this.identities.get(req.connection);
  }

  private requireBound(req: LdapRequest, what: string): void {
    if (!this.identity(req)) {
      throw new ldap.InsufficientAccessRightsError(`anonymous connections may only read the RootDSE; bind before ${what}`);
    }
  }

  private bind(req: LdapRequest, res: LdapResponse): void {
    const dn = dnText(req.dn);
    const password = req.credentials ?? '';
    let ok = false;
    if (password !== '') {
      const ndn = (() => {
        try {
          return fastNormalizeDn(dn);
        } catch {
          return undefined;
        }
      })();
      ok = (ndn === this.serviceNdn && password === this.options.serviceAccount.password) || this.store.authenticate(dn, password);
    }
    if (!ok) {
      // RFC 4511 4.2.2: a failed bind leaves the connection anonymous.
      this.identities.delete(req.connection);
      throw new ldap.InvalidCredentialsError(`invalid credentials for "${dn}"`);
    }
    this.identities.set(req.connection, { dn });
    res.end();
  }

  private search(req: LdapRequest, res: LdapResponse): void {
    this.counters.searches++;
    const base = dnText(req.dn);
    const scope = scopeOf(req.scope);
    if (!(base.trim() === '' && scope === 'base')) this.requireBound(req, `searching "${base}"`);
    if (!req.filter) throw new ldap.ProtocolError('a search without a filter');
    const result = this.store.search({
      base,
      scope,
      filter: toFilterNode(req.filter),
      attributes: (req.attributes ?? []).filter((a): a is string => typeof a === 'string'),
      sizeLimit: req.sizeLimit,
      typesOnly: req.typesOnly,
    });
    for (const e of result.entries) {
      res.send(res.createSearchEntry({ objectName: new VerbatimDn(e.dn), attributes: e.attributes }));
    }
    if (result.sizeLimitExceeded) {
      throw new ldap.SizeLimitExceededError(`more than ${req.sizeLimit} entries match under "${base}"`);
    }
    res.end();
  }

  private add(req: LdapRequest, res: LdapResponse): void {
    this.counters.adds++;
    const dn = dnText(req.dn);
    this.requireBound(req, `adding "${dn}"`);
    this.store.add({ dn, attributes: attributesOf(req.attributes) });
    res.end();
  }

  private modify(req: LdapRequest, res: LdapResponse): void {
    this.counters.modifies++;
    const dn = dnText(req.dn);
    this.requireBound(req, `modifying "${dn}"`);
    const changes: Modification[] = (req.changes ?? []).map((c) => {
      const op = c.operation;
      if (op !== 'add' && op !== 'replace' && op !== 'delete') {
        throw new ldap.ProtocolError(`unknown modify operation "${op}" on "${dn}"`);
      }
      return { operation: op, attribute: c.modification.type, values: c.modification.values.map(String) };
    });
    this.store.modify(dn, changes);
    res.end();
  }

  private del(req: LdapRequest, res: LdapResponse): void {
    this.counters.deletes++;
    const dn = dnText(req.dn);
    this.requireBound(req, `deleting "${dn}"`);
    this.store.delete(dn);
    res.end();
  }

  private compare(req: LdapRequest, res: LdapResponse): void {
    const dn = dnText(req.dn);
    this.requireBound(req, `comparing "${dn}"`);
    res.end(this.store.compare(dn, req.attribute ?? '', req.value ?? ''));
  }
}
