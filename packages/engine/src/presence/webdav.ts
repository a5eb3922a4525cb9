// Wire messages of Exchange 2003/2007's WebDAV extensions as Cisco Unified Presence's Presence Engine uses them for
// calendar presence: PROPFIND on the mailbox root for urn:schemas:httpmail:calendar (the calendar folder's URL,
// localized: /Calendar, /Kalender, …), SUBSCRIBE on that folder with a Call-Back (httpu://host:port/path) to which
// Exchange sends NOTIFY as a UDP datagram, POLL to acknowledge (or, without a Call-Back, to fetch) notifications,
// UNSUBSCRIBE, and SEARCH with an Exchange SQL query for the appointments overlapping a time window.
//
// Pure builders and parsers only, no server logic: requests are fetch Requests, responses fetch Responses, and the
// NOTIFY datagram (which never goes over fetch) a string. Builders write compact XML with every text and attribute
// value escaped (escapers shared with federation/soap.ts); they do not validate values, so adversarial messages can
// be written, and refuse (RangeError) only what the format cannot carry. Parsers resolve XML elements by namespace
// URI and local name (any prefix), read header names case-insensitively, and throw WebDavProtocolError naming what
// was missing or wrong, with the HTTP status a server would answer.

import { DOMParser } from '@xmldom/xmldom';
import type { Document, Element } from '@xmldom/xmldom';
import { child, children, elementChildren, escapeAttr, escapeText } from '../federation/soap';

export const WEBDAV_NS = {
  dav: 'DAV:',
  httpmail: 'urn:schemas:httpmail:',
  calendar: 'urn:schemas:calendar:',
  /** Exchange's data types namespace, whose `dt` attribute types a value (dateTime.tz, int, boolean …). */
  datatypes: 'urn:uuid:c2f41010-65b3-11d1-a29f-00aa00c14882/',
} as const;

/** Thrown by every parser. `status` is what a server answers: 400 for a malformed message, 405 for another method, or a response's own status when a client met one it did not expect. */
export class WebDavProtocolError extends Error {
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.name = 'WebDavProtocolError';
    this.status = status;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Vocabulary

export type NotificationType = 'update' | 'update/newmember' | 'delete' | 'move';
export const NOTIFICATION_TYPES: readonly NotificationType[] = ['update', 'update/newmember', 'delete', 'move'];

/** urn:schemas:calendar:busystatus as Exchange's WebDAV writes it (EWS says Free/Tentative/Busy/OOF). */
export type WebDavBusyStatus = 'FREE' | 'TENTATIVE' | 'BUSY' | 'OOF';
export const WEBDAV_BUSY_STATUSES: readonly WebDavBusyStatus[] = ['FREE', 'TENTATIVE', 'BUSY', 'OOF'];

/** One appointment of a SEARCH answer. instanceType: 0 single, 1 recurring master, 2 instance, 3 exception. */
export interface CalendarRow {
  href: string;
  busyStatus: WebDavBusyStatus;
  start: Date;
  end: Date;
  instanceType: number;
}

/** A Call-Back address, httpu://host:port/path: where Exchange sends NOTIFY datagrams (UDP). */
export interface CallBack {
  host: string;
  port: number;
  path: string;
}

/** A WebDAV property: its namespace and local name (the property's full name is their concatenation). */
export interface PropName {
  namespace: string;
  name: string;
}

export const HTTPMAIL_CALENDAR: PropName = { namespace: WEBDAV_NS.httpmail, name: 'calendar' };
export const DAV_DISPLAYNAME: PropName = { namespace: WEBDAV_NS.dav, name: 'displayname' };

/** Reason phrases as IIS/Exchange write them (440 is IIS's, for an expired forms-based session). */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  200: 'OK',
  204: 'No Content',
  207: 'Multi-Status',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  440: 'Login Timeout',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? '';
}

/** `HTTP/1.1 200 OK`, as in a:status. */
export function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${reasonPhrase(status)}`.trimEnd();
}

/** A bodiless answer with its reason phrase, e.g. statusResponse(440) for an expired session. */
export function statusResponse(status: number, headers: Readonly<Record<string, string>> = {}): Response {
  return new Response(null, { status, statusText: reasonPhrase(status), headers });
}

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers

type HeaderMap = Readonly<Record<string, string>>;

/** Header names as Exchange spells them (fetch reads them case-insensitively). */
const H = {
  notificationType: 'Notification-type',
  lifetime: 'Subscription-lifetime',
  callBack: 'Call-Back',
  delay: 'Notification-delay',
  subscriptionId: 'Subscription-ID',
  contentLocation: 'Content-Location',
  depth: 'Depth',
  contentType: 'Content-Type',
} as const;

const TEXT_XML = 'text/xml';

/** Protocol headers first, then the caller's (Authorization, or an override for an adversarial request). */
function davRequest(method: string, url: string, protocol: HeaderMap, extra: HeaderMap = {}, body?: string): Request {
  const headers = new Headers(protocol);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return new Request(url, { method, headers, body });
}

function expectMethod(request: Request, method: string): void {
  if (request.method.toUpperCase() !== method) {
    throw new WebDavProtocolError(`expected a ${method} request, got ${request.method}`, 405);
  }
}

/**
 * A subscription ID as a list can carry it. Exchange issues numbers (1*DIGIT) and sends several comma-separated
 * ("1, 18, 243"); the parsers accept any token without a comma or white space, the form a list can carry.
 */
const SUBSCRIPTION_ID = /^[^\s,]+$/;

function idList(ids: string | readonly string[]): string {
  const list = typeof ids === 'string' ? [ids] : ids;
  if (list.length === 0) throw new RangeError('at least one subscription ID is needed');
  for (const id of list) {
    if (!SUBSCRIPTION_ID.test(id)) throw new RangeError(`"${id}" cannot be written in a Subscription-ID list`);
  }
  return list.join(',');
}

function parseIdList(value: string, what: string): string[] {
  const ids = value.split(',').map((id) => id.trim());
  if (!ids.every((id) => SUBSCRIPTION_ID.test(id))) {
    throw new WebDavProtocolError(`${what}: Subscription-ID "${value}" is not a comma-separated list of subscription IDs`);
  }
  return ids;
}

function requireIds(headers: Headers, what: string): string[] {
  const value = headers.get(H.subscriptionId);
  if (value === null) throw new WebDavProtocolError(`${what}: no Subscription-ID header`);
  return parseIdList(value, what);
}

function parseSeconds(value: string, header: string, what: string): number {
  if (!/^\d+$/.test(value.trim())) throw new WebDavProtocolError(`${what}: ${header} "${value}" is not a number of seconds`);
  return Number(value.trim());
}

function optionalSeconds(headers: Headers, header: string, what: string): number | undefined {
  const value = headers.get(header);
  return value === null ? undefined : parseSeconds(value, header, what);
}

// A hostname, an IPv4 address or a bracketed IPv6 address; an explicit port; an absolute path.
const CALL_BACK = /^httpu:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})(\/[^\s#]*)$/i;

function readCallBack(value: string): CallBack | undefined {
  const m = CALL_BACK.exec(value.trim());
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65535) return undefined;
  return { host: m[1]!, port, path: m[3]! };
}

/** `httpu://host:port/path`. */
export function formatCallBack(cb: CallBack): string {
  return `httpu://${cb.host}:${cb.port}${cb.path}`;
}

/** A Call-Back header's value; anything but httpu://host:port/path is a bad request. */
export function parseCallBack(value: string): CallBack {
  const cb = readCallBack(value);
  if (!cb) throw new WebDavProtocolError(`Call-Back "${value}" is not httpu://host:port/path`);
  return cb;
}

/** Refuses a header value fetch would refuse or a datagram could not carry (a line break would end the header). */
function headerValue(value: string, what: string): string {
  if (/[\u0000-\u001F\u007F]/.test(value)) throw new RangeError(`${what} "${value}" cannot be written in a header`);
  return value;
}

// XML ----------------------------------------------------------------------------------------------------------

const NCNAME = /^[A-Za-z_][\w.-]*$/;

/** Prefixes Exchange writes (a DAV:, b data types, d calendar, h httpmail); other namespaces get p0, p1, …. */
const KNOWN_PREFIXES: Readonly<Record<string, string>> = {
  [WEBDAV_NS.dav]: 'a',
  [WEBDAV_NS.datatypes]: 'b',
  [WEBDAV_NS.calendar]: 'd',
  [WEBDAV_NS.httpmail]: 'h',
};

/** Hands out prefixes while a document is written, then declares the ones used (DAV: first, as Exchange does). */
class Prefixes {
  private readonly used = new Map<string, string>([[WEBDAV_NS.dav, 'a']]);

  prefix(ns: string): string {
    let prefix = this.used.get(ns);
    if (prefix === undefined) {
      prefix = KNOWN_PREFIXES[ns] ?? `p${this.used.size}`;
      this.used.set(ns, prefix);
    }
    return prefix;
  }

  /** `prefix:name`, or the bare name for a property in no namespace. */
  element(p: PropName): string {
    if (!NCNAME.test(p.name)) throw new RangeError(`"${p.name}" is not an XML element name`);
    return p.namespace === '' ? p.name : `${this.prefix(p.namespace)}:${p.name}`;
  }

  declarations(): string {
    return [...this.used].map(([ns, prefix]) => ` xmlns:${prefix}="${escapeAttr(ns)}"`).join('');
  }
}

function parseXml(text: string, what: string): Element {
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level: string, message: string) => {
        // xmldom reports some malformed input only as a warning; its warning about U+FFFD is about well-formed text.
        if (level === 'warning' && message.startsWith('Unicode replacement character')) return;
        throw new Error(message);
      },
    }).parseFromString(text, 'text/xml');
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new WebDavProtocolError(`${what}: malformed XML (${message.trim().split('\n')[0]})`);
  }
  if (!doc?.documentElement) throw new WebDavProtocolError(`${what}: malformed XML (no root element)`);
  // No entity declarations: a WebDAV body has no use for them and they are how XML bombs work.
  if (doc.doctype) throw new WebDavProtocolError(`${what}: the body must not contain a document type declaration`);
  return doc.documentElement;
}

function isDav(el: Element, local: string): boolean {
  return el.namespaceURI === WEBDAV_NS.dav && el.localName === local;
}

function expectRoot(text: string, local: string, what: string): Element {
  const root = parseXml(text, what);
  if (!isDav(root, local)) throw new WebDavProtocolError(`${what}: the root element is ${root.nodeName}, not DAV:${local}`);
  return root;
}

function davChild(el: Element, local: string, what: string): Element {
  const found = child(el, WEBDAV_NS.dav, local);
  if (!found) throw new WebDavProtocolError(`${what}: ${el.nodeName} has no DAV:${local}`);
  return found;
}

function textOf(el: Element): string {
  return el.textContent ?? '';
}

function parseStatusLine(text: string, what: string): number {
  const m = /^HTTP\/1\.[01]\s+(\d{3})(?:\s.*)?$/.exec(text.trim());
  if (!m) throw new WebDavProtocolError(`${what}: "${text.trim()}" is not an HTTP status line`);
  return Number(m[1]);
}

const XML_DECLARATION = '<?xml version="1.0"?>';

/** A 207 whose a:multistatus holds `body` (a:response elements written with the prefixes `p` handed out). */
function multiStatus(body: string, p: Prefixes): Response {
  const xml = `${XML_DECLARATION}<a:multistatus${p.declarations()}>${body}</a:multistatus>`;
  return new Response(xml, { status: 207, statusText: reasonPhrase(207), headers: { [H.contentType]: TEXT_XML } });
}

interface PropStat {
  status: number;
  prop: Element;
}

interface DavResponse {
  href: string;
  /** A response-level a:status (POLL writes one instead of propstats). */
  status?: number;
  propstats: PropStat[];
  el: Element;
}

function parseMultiStatus(text: string, what: string): DavResponse[] {
  const root = expectRoot(text, 'multistatus', what);
  return children(root, WEBDAV_NS.dav, 'response').map((el) => {
    const hrefEl = child(el, WEBDAV_NS.dav, 'href');
    const statusEl = child(el, WEBDAV_NS.dav, 'status');
    const propstats = children(el, WEBDAV_NS.dav, 'propstat').map((ps) => ({
      status: parseStatusLine(textOf(davChild(ps, 'status', what)), what),
      prop: davChild(ps, 'prop', what),
    }));
    return {
      href: hrefEl ? textOf(hrefEl).trim() : '',
      status: statusEl ? parseStatusLine(textOf(statusEl), what) : undefined,
      propstats,
      el,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// SUBSCRIBE

export interface SubscribeOptions {
  notificationType?: NotificationType;
  lifetimeSeconds?: number;
  /** Where NOTIFY goes; without one the client must POLL. */
  callBack?: string | CallBack;
  notificationDelaySeconds?: number;
  /** Present on a renewal, which per the SDK carries no Notification-type, Call-Back or Depth. */
  subscriptionIds?: string | readonly string[];
  headers?: HeaderMap;
}

/** SUBSCRIBE writes only the headers given, so a request without Notification-type can be built too. */
export function subscribeRequest(folderUrl: string, options: SubscribeOptions): Request {
  const h: Record<string, string> = {};
  if (options.notificationType !== undefined) h[H.notificationType] = options.notificationType;
  if (options.lifetimeSeconds !== undefined) h[H.lifetime] = String(options.lifetimeSeconds);
  if (options.callBack !== undefined) {
    h[H.callBack] = typeof options.callBack === 'string' ? options.callBack : formatCallBack(options.callBack);
  }
  if (options.notificationDelaySeconds !== undefined) h[H.delay] = String(options.notificationDelaySeconds);
  if (options.subscriptionIds !== undefined) h[H.subscriptionId] = idList(options.subscriptionIds);
  return davRequest('SUBSCRIBE', folderUrl, h, options.headers);
}

export interface NewSubscription {
  renewal: false;
  folderUrl: string;
  notificationType: NotificationType;
  lifetimeSeconds?: number;
  callBack?: CallBack;
  notificationDelaySeconds?: number;
}

export interface SubscriptionRenewal {
  renewal: true;
  folderUrl: string;
  subscriptionIds: string[];
  lifetimeSeconds?: number;
  notificationDelaySeconds?: number;
}

export type SubscribeRequestInfo = NewSubscription | SubscriptionRenewal;

function parseNotificationType(value: string | null, what: string): NotificationType {
  if (value === null) throw new WebDavProtocolError(`${what}: no Notification-type header`);
  const type = NOTIFICATION_TYPES.find((t) => t === value.trim().toLowerCase());
  if (!type) throw new WebDavProtocolError(`${what}: Notification-type "${value}" is not one of ${NOTIFICATION_TYPES.join(', ')}`);
  return type;
}

/**
 * A SUBSCRIBE: a renewal when it names Subscription-IDs (and then, per the SDK, a bad request if it also carries
 * Notification-type, Call-Back or Depth), else a new subscription, which needs a Notification-type.
 */
export function parseSubscribeRequest(request: Request): SubscribeRequestInfo {
  const what = 'SUBSCRIBE request';
  expectMethod(request, 'SUBSCRIBE');
  const h = request.headers;
  const lifetimeSeconds = optionalSeconds(h, H.lifetime, what);
  const notificationDelaySeconds = optionalSeconds(h, H.delay, what);
  const ids = h.get(H.subscriptionId);
  if (ids !== null) {
    const illegal = [H.notificationType, H.callBack, H.depth].filter((name) => h.has(name));
    if (illegal.length) throw new WebDavProtocolError(`${what}: a renewal (Subscription-ID) must not carry ${illegal.join(', ')}`);
    return withDefined({ renewal: true as const, folderUrl: request.url, subscriptionIds: parseIdList(ids, what), lifetimeSeconds, notificationDelaySeconds });
  }
  const notificationType = parseNotificationType(h.get(H.notificationType), what);
  const cb = h.get(H.callBack);
  const callBack = cb === null ? undefined : readCallBack(cb);
  if (cb !== null && !callBack) throw new WebDavProtocolError(`${what}: Call-Back "${cb}" is not httpu://host:port/path`);
  return withDefined({ renewal: false as const, folderUrl: request.url, notificationType, lifetimeSeconds, callBack, notificationDelaySeconds });
}

/** Drops undefined members, so that parsed values compare equal (deepEqual) to hand-written ones. */
function withDefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export interface SubscribeResult {
  subscriptionIds: string | readonly string[];
  /** The lifetime the server grants, which may differ from the one asked for. */
  lifetimeSeconds: number;
  contentLocation: string;
}

export function subscribeResponse(r: SubscribeResult): Response {
  return new Response(null, {
    status: 200,
    statusText: reasonPhrase(200),
    headers: {
      [H.contentType]: TEXT_XML,
      [H.subscriptionId]: idList(r.subscriptionIds),
      [H.lifetime]: String(r.lifetimeSeconds),
      [H.contentLocation]: headerValue(r.contentLocation, 'Content-Location'),
    },
  });
}

/** Throws WebDavProtocolError with the response's status when it is not 200 (e.g. 440 Login Timeout, 412). */
function expectStatus(response: Response, status: number, what: string): void {
  if (response.status !== status) {
    const phrase = response.statusText || reasonPhrase(response.status);
    throw new WebDavProtocolError(`${what}: the server answered ${response.status} ${phrase}`.trimEnd(), response.status);
  }
}

export async function parseSubscribeResponse(
  response: Response,
): Promise<{ subscriptionIds: string[]; lifetimeSeconds: number; contentLocation?: string }> {
  const what = 'SUBSCRIBE response';
  expectStatus(response, 200, what);
  const lifetimeSeconds = optionalSeconds(response.headers, H.lifetime, what);
  if (lifetimeSeconds === undefined) throw new WebDavProtocolError(`${what}: no Subscription-lifetime header`);
  const contentLocation = response.headers.get(H.contentLocation) ?? undefined;
  return withDefined({ subscriptionIds: requireIds(response.headers, what), lifetimeSeconds, contentLocation });
}

// ---------------------------------------------------------------------------------------------------------------
// NOTIFY (a UDP datagram to the Call-Back address)

export interface NotifyMessage {
  target: CallBack;
  subscriptionIds: string[];
  contentLocation: string;
}

/** The datagram Exchange sends when a subscription fires: an HTTP-style request with no body. */
export function notifyDatagram(n: { callBack: string | CallBack; subscriptionIds: string | readonly string[]; contentLocation: string }): string {
  const target = typeof n.callBack === 'string' ? readCallBack(n.callBack) : n.callBack;
  if (!target) throw new RangeError(`Call-Back "${String(n.callBack)}" is not httpu://host:port/path`);
  return [
    `NOTIFY ${formatCallBack(target)} HTTP/1.1`,
    `Subscription-id: ${idList(n.subscriptionIds)}`,
    `Content-Location: ${headerValue(n.contentLocation, 'Content-Location')}`,
    `Host: ${target.host}:${target.port}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** Header lines up to the first empty line, names lower-cased; a repeated header's values are joined as HTTP does. */
function readHeaderLines(lines: readonly string[], what: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of lines) {
    if (line === '') break;
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/.exec(line);
    if (!m) throw new WebDavProtocolError(`${what}: "${line}" is not a header line`);
    const name = m[1]!.toLowerCase();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? m[2]! : `${previous}, ${m[2]!}`);
  }
  return headers;
}

export function parseNotifyDatagram(text: string): NotifyMessage {
  const what = 'NOTIFY datagram';
  if (typeof text !== 'string') throw new WebDavProtocolError(`${what}: expected text, got ${typeof text}`);
  const [requestLine = '', ...rest] = text.split(/\r?\n/);
  const m = /^NOTIFY (\S+) HTTP\/1\.[01]$/.exec(requestLine);
  if (!m) throw new WebDavProtocolError(`${what}: "${requestLine.slice(0, 80)}" is not a NOTIFY request line`);
  const target = readCallBack(m[1]!);
  if (!target) throw new WebDavProtocolError(`${what}: the target "${m[1]}" is not httpu://host:port/path`);
  const headers = readHeaderLines(rest, what);
  const ids = headers.get('subscription-id');
  if (ids === undefined) throw new WebDavProtocolError(`${what}: no Subscription-id header`);
  const contentLocation = headers.get('content-location');
  if (!contentLocation) throw new WebDavProtocolError(`${what}: no Content-Location header`);
  const length = headers.get('content-length');
  if (length !== undefined && !/^\d+$/.test(length)) throw new WebDavProtocolError(`${what}: Content-Length "${length}" is not a number`);
  return { target, subscriptionIds: parseIdList(ids, what), contentLocation };
}

// ---------------------------------------------------------------------------------------------------------------
// POLL and UNSUBSCRIBE

export interface SubscriptionRequestInfo {
  folderUrl: string;
  subscriptionIds: string[];
}

export function pollRequest(folderUrl: string, subscriptionIds: string | readonly string[], headers: HeaderMap = {}): Request {
  return davRequest('POLL', folderUrl, { [H.subscriptionId]: idList(subscriptionIds) }, headers);
}

export function parsePollRequest(request: Request): SubscriptionRequestInfo {
  expectMethod(request, 'POLL');
  return { folderUrl: request.url, subscriptionIds: requireIds(request.headers, 'POLL request') };
}

export interface PollResult {
  /** Subscriptions with events since the last POLL (a:status 200 OK). */
  fired: string[];
  /** Subscriptions without (a:status 204 No Content). */
  idle: string[];
}

function pollEntry(href: string | undefined, status: number, ids: readonly string[]): string {
  const hrefXml = href === undefined ? '' : `<a:href>${escapeText(href)}</a:href>`;
  const items = ids.map((id) => `<li>${escapeText(id)}</li>`).join('');
  return `<a:response>${hrefXml}<a:status>${statusLine(status)}</a:status><a:subscriptionID>${items}</a:subscriptionID></a:response>`;
}

/** 207 acknowledging a POLL: one a:response for the fired subscriptions, one for the idle ones (when any). */
export function pollResponse(fired: readonly string[], options: { idle?: readonly string[]; href?: string } = {}): Response {
  const idle = options.idle ?? [];
  const body =
    (fired.length ? pollEntry(options.href, 200, fired) : '') + (idle.length ? pollEntry(options.href, 204, idle) : '');
  return multiStatus(body, new Prefixes());
}

/** Reads a POLL's 207; any status but 200/204 (e.g. 412 for a subscription that no longer exists) is thrown. */
export function parsePollResponse(text: string): PollResult {
  const what = 'POLL response';
  const result: PollResult = { fired: [], idle: [] };
  for (const r of parseMultiStatus(text, what)) {
    const list = davChild(r.el, 'subscriptionID', what);
    // Exchange writes the items as unqualified <li>: match the local name whatever the namespace.
    const ids = elementChildren(list)
      .filter((el) => el.localName === 'li')
      .map((el) => textOf(el).trim());
    const bad = ids.length === 0 ? '(none)' : ids.find((id) => !SUBSCRIPTION_ID.test(id));
    if (bad !== undefined) throw new WebDavProtocolError(`${what}: a:subscriptionID lists "${bad}", not a subscription ID`);
    if (r.status === 200) result.fired.push(...ids);
    else if (r.status === 204) result.idle.push(...ids);
    else if (r.status === undefined) throw new WebDavProtocolError(`${what}: an a:response has no a:status`);
    else throw new WebDavProtocolError(`${what}: subscription ${ids.join(', ')} answered ${statusLine(r.status)}`, r.status);
  }
  return result;
}

export function unsubscribeRequest(folderUrl: string, subscriptionIds: string | readonly string[], headers: HeaderMap = {}): Request {
  return davRequest('UNSUBSCRIBE', folderUrl, { [H.subscriptionId]: idList(subscriptionIds) }, headers);
}

export function parseUnsubscribeRequest(request: Request): SubscriptionRequestInfo {
  expectMethod(request, 'UNSUBSCRIBE');
  return { folderUrl: request.url, subscriptionIds: requireIds(request.headers, 'UNSUBSCRIBE request') };
}

export function unsubscribeResponse(subscriptionIds: string | readonly string[]): Response {
  return statusResponse(200, { [H.contentType]: TEXT_XML, [H.subscriptionId]: idList(subscriptionIds) });
}

// ---------------------------------------------------------------------------------------------------------------
// PROPFIND

/** Depth 0 on one resource, asking for the named properties. */
export function propfindRequest(url: string, properties: readonly PropName[], headers: HeaderMap = {}): Request {
  const p = new Prefixes();
  const props = properties.map((prop) => `<${p.element(prop)}/>`).join('');
  const body = `${XML_DECLARATION}<a:propfind${p.declarations()}><a:prop>${props}</a:prop></a:propfind>`;
  return davRequest('PROPFIND', url, { [H.depth]: '0', [H.contentType]: TEXT_XML }, headers, body);
}

/** Asks a mailbox root for urn:schemas:httpmail:calendar, the URL of its (possibly localized) calendar folder. */
export function propfindCalendarRequest(mailboxUrl: string, headers: HeaderMap = {}): Request {
  return propfindRequest(mailboxUrl, [HTTPMAIL_CALENDAR], headers);
}

export interface PropfindRequestInfo {
  url: string;
  /** '0', '1' or 'infinity' (RFC 4918's default when the header is absent). */
  depth: string;
  properties: PropName[];
}

/** Only a:prop is read: a body asking for allprop or propname is a bad request here. */
export async function parsePropfindRequest(request: Request): Promise<PropfindRequestInfo> {
  const what = 'PROPFIND request';
  expectMethod(request, 'PROPFIND');
  const depth = (request.headers.get(H.depth) ?? 'infinity').trim().toLowerCase();
  if (!['0', '1', 'infinity'].includes(depth)) throw new WebDavProtocolError(`${what}: Depth "${depth}" is not 0, 1 or infinity`);
  const root = expectRoot(await request.text(), 'propfind', what);
  const prop = davChild(root, 'prop', what);
  const properties = elementChildren(prop).map((el) => ({ namespace: el.namespaceURI ?? '', name: el.localName ?? el.nodeName }));
  return { url: request.url, depth, properties };
}

export interface PropValue extends PropName {
  /** Without a value (and status) the property is reported missing, in a 404 propstat. */
  value?: string;
  status?: number;
}

/** 207 for one href, one a:propstat per status (a:status first, as Exchange writes it). */
export function propfindResponse(href: string, props: readonly PropValue[]): Response {
  const p = new Prefixes();
  const groups = new Map<number, string[]>();
  for (const prop of props) {
    const status = prop.status ?? (prop.value === undefined ? 404 : 200);
    const name = p.element(prop);
    const xml = prop.value === undefined ? `<${name}/>` : `<${name}>${escapeText(prop.value)}</${name}>`;
    (groups.get(status) ?? groups.set(status, []).get(status)!).push(xml);
  }
  const propstats = [...groups]
    .map(([status, xml]) => `<a:propstat><a:status>${statusLine(status)}</a:status><a:prop>${xml.join('')}</a:prop></a:propstat>`)
    .join('');
  return multiStatus(`<a:response><a:href>${escapeText(href)}</a:href>${propstats}</a:response>`, p);
}

export interface PropResult extends PropName {
  href: string;
  status: number;
  /** The text of a property found (status 200); undefined otherwise. */
  value?: string;
}

/** Every property of every a:response, flattened; find one with e.g. `r.namespace === WEBDAV_NS.httpmail && r.name === 'calendar'`. */
export function parsePropfindResponse(text: string): PropResult[] {
  return parseMultiStatus(text, 'PROPFIND response').flatMap((r) =>
    r.propstats.flatMap((ps) =>
      elementChildren(ps.prop).map((el) =>
        withDefined({
          href: r.href,
          namespace: el.namespaceURI ?? '',
          name: el.localName ?? el.nodeName,
          status: ps.status,
          value: ps.status === 200 ? textOf(el) : undefined,
        }),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// SEARCH (Exchange SQL over the calendar folder)

export interface TimeWindow {
  start: Date;
  end: Date;
}

const CAL = WEBDAV_NS.calendar;
const PROP = {
  busystatus: `${CAL}busystatus`,
  dtstart: `${CAL}dtstart`,
  dtend: `${CAL}dtend`,
  instancetype: `${CAL}instancetype`,
  contentclass: `${WEBDAV_NS.dav}contentclass`,
} as const;

/** The properties the Presence Engine selects. */
export const CALENDAR_SEARCH_PROPERTIES: readonly string[] = [PROP.busystatus, PROP.dtstart, PROP.dtend, PROP.instancetype];
export const APPOINTMENT_CONTENT_CLASS = 'urn:content-classes:appointment';

function validDate(date: Date, what: string): Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new RangeError(`${what} is not a valid date`);
  return date;
}

/** Exchange SQL's date literal, 'yyyy/MM/dd HH:mm:ss' in UTC (milliseconds are dropped). */
export function formatSqlDate(date: Date): string {
  return validDate(date, 'the date').toISOString().slice(0, 19).replace(/-/g, '/').replace('T', ' ');
}

/**
 * The query: appointments (not recurring masters, whose instances Exchange expands) overlapping the window, i.e.
 * starting before its end and ending after its start. A quote in the URL is doubled as SQL literals require.
 */
export function calendarSearchSql(folderUrl: string, window: TimeWindow): string {
  if (folderUrl.includes('"')) throw new RangeError(`the folder URL "${folderUrl}" cannot be quoted in a Scope`);
  const scope = `SHALLOW TRAVERSAL OF "${folderUrl}"`.replace(/'/g, "''");
  return (
    `SELECT ${CALENDAR_SEARCH_PROPERTIES.map((p) => `"${p}"`).join(', ')} FROM Scope('${scope}')` +
    ` WHERE NOT "${PROP.instancetype}" = 1 AND "${PROP.contentclass}" = '${APPOINTMENT_CONTENT_CLASS}'` +
    ` AND "${PROP.dtstart}" < '${formatSqlDate(window.end)}' AND "${PROP.dtend}" > '${formatSqlDate(window.start)}'`
  );
}

export function calendarSearchRequest(folderUrl: string, window: TimeWindow, headers: HeaderMap = {}): Request {
  const sql = escapeText(calendarSearchSql(folderUrl, window));
  const body = `${XML_DECLARATION}<g:searchrequest xmlns:g="DAV:"><g:sql>${sql}</g:sql></g:searchrequest>`;
  return davRequest('SEARCH', folderUrl, { [H.contentType]: TEXT_XML }, headers, body);
}

export interface CalendarSearch {
  /** The URL the SEARCH was sent to (parseCalendarSearchRequest only). */
  folderUrl?: string;
  /** The URL inside Scope('SHALLOW TRAVERSAL OF "…"'), as written. */
  scopeUrl: string;
  traversal: 'SHALLOW';
  window: TimeWindow;
  /** The selected property names, in order. */
  properties: string[];
  /** From `"DAV:contentclass" = '…'`, when the query has one. */
  contentClass?: string;
  /** From `NOT instancetype = n` or `instancetype <> n`. */
  excludedInstanceTypes: number[];
}

/** Reads a SEARCH request's DAV:sql. Conditions other than the window, content class and instance type are ignored. */
export async function parseCalendarSearchRequest(request: Request): Promise<CalendarSearch> {
  const what = 'SEARCH request';
  expectMethod(request, 'SEARCH');
  const root = expectRoot(await request.text(), 'searchrequest', what);
  const sql = textOf(davChild(root, 'sql', what));
  return { folderUrl: request.url, ...parseCalendarSearchSql(sql) };
}

export function parseCalendarSearchSql(sql: string): CalendarSearch {
  return new SqlReader(tokenize(sql)).query();
}

// The SQL reader: a tokenizer and a recursive-descent parser for
//   SELECT name {, name} FROM SCOPE ( 'traversal OF "url"' ) [WHERE cond {AND cond}] [ORDER BY name [ASC|DESC] {, …}]
//   cond := NOT cond | ( cond {AND cond} ) | operand op operand;  operand := 'text' | "text" | number | CAST(text AS text)
// Keywords are case-insensitive and either quote style is accepted for names and literals alike (the SDK's own
// samples mix them); a condition's property side is recognized by name, so literals may come first.

type Token = { kind: 'word' | 'number' | 'op' | 'punct'; text: string } | { kind: 'string'; text: string };

const SQL_WHAT = 'SEARCH request: SQL';

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s+|(['"])((?:(?!\1)[^]|\1\1)*)\1|(\d+)|([A-Za-z_][\w]*)|(<=|>=|<>|!=|[=<>])|([(),*])/y;
  while (re.lastIndex < sql.length) {
    const at = re.lastIndex;
    const m = re.exec(sql);
    if (!m) throw new WebDavProtocolError(`${SQL_WHAT}: unexpected "${sql.slice(at, at + 20)}"`);
    if (m[1] !== undefined) tokens.push({ kind: 'string', text: m[2]!.split(m[1] + m[1]).join(m[1]) });
    else if (m[3] !== undefined) tokens.push({ kind: 'number', text: m[3] });
    else if (m[4] !== undefined) tokens.push({ kind: 'word', text: m[4].toUpperCase() });
    else if (m[5] !== undefined) tokens.push({ kind: 'op', text: m[5] });
    else if (m[6] !== undefined) tokens.push({ kind: 'punct', text: m[6] });
  }
  return tokens;
}

interface Comparison {
  negated: boolean;
  left: Token;
  op: string;
  right: Token;
}

class SqlReader {
  private pos = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  query(): CalendarSearch {
    this.expectWord('SELECT');
    const properties = this.nameList();
    this.expectWord('FROM');
    const scope = this.scope();
    const conditions = this.acceptWord('WHERE') ? this.conjunction() : [];
    if (this.acceptWord('ORDER')) this.orderBy();
    const extra = this.peek();
    if (extra) throw this.error(`unexpected "${extra.text}" after the query`);
    return { ...scope, properties, ...interpret(conditions) };
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private error(message: string): WebDavProtocolError {
    return new WebDavProtocolError(`${SQL_WHAT}: ${message}`);
  }

  private acceptWord(word: string): boolean {
    const t = this.peek();
    if (t?.kind !== 'word' || t.text !== word) return false;
    this.pos++;
    return true;
  }

  private expectWord(word: string): void {
    if (!this.acceptWord(word)) throw this.error(`expected ${word}, found ${this.describeNext()}`);
  }

  private acceptPunct(text: string): boolean {
    const t = this.peek();
    if (t?.kind !== 'punct' || t.text !== text) return false;
    this.pos++;
    return true;
  }

  private expectPunct(text: string, what: string): void {
    if (!this.acceptPunct(text)) throw this.error(`expected "${text}" ${what}, found ${this.describeNext()}`);
  }

  private describeNext(): string {
    const t = this.peek();
    return t ? `"${t.text}"` : 'the end of the query';
  }

  private string(what: string): string {
    const t = this.peek();
    if (t?.kind !== 'string') throw this.error(`expected ${what}, found ${this.describeNext()}`);
    this.pos++;
    return t.text;
  }

  private nameList(): string[] {
    const names = [this.string('a property name')];
    while (this.acceptPunct(',')) names.push(this.string('a property name'));
    return names;
  }

  private scope(): Pick<CalendarSearch, 'scopeUrl' | 'traversal'> {
    this.expectWord('SCOPE');
    this.expectPunct('(', 'after SCOPE');
    const text = this.string("a scope such as 'SHALLOW TRAVERSAL OF \"url\"'");
    this.expectPunct(')', 'after the scope');
    const m = /^\s*(\w+)\s+TRAVERSAL\s+OF\s+(?:"([^"]*)"|'([^']*)')\s*$/i.exec(text);
    if (!m) throw this.error(`could not read the scope "${text}" (expected SHALLOW TRAVERSAL OF "url")`);
    if (m[1]!.toUpperCase() !== 'SHALLOW') throw this.error(`the scope is a ${m[1]} traversal; only SHALLOW TRAVERSAL is supported`);
    return { scopeUrl: (m[2] ?? m[3])!, traversal: 'SHALLOW' };
  }

  private conjunction(): Comparison[] {
    const out = this.condition();
    while (this.acceptWord('AND')) out.push(...this.condition());
    if (this.peek()?.kind === 'word' && this.peek()?.text === 'OR') throw this.error('OR is not supported');
    return out;
  }

  private condition(): Comparison[] {
    if (this.acceptWord('NOT')) {
      const inner = this.condition();
      if (inner.length !== 1) throw this.error('NOT applies to one comparison only');
      return [{ ...inner[0]!, negated: !inner[0]!.negated }];
    }
    if (this.acceptPunct('(')) {
      const inner = this.conjunction();
      this.expectPunct(')', 'to close a condition');
      return inner;
    }
    const left = this.operand();
    const op = this.peek();
    if (op?.kind !== 'op') throw this.error(`expected a comparison operator, found ${this.describeNext()}`);
    this.pos++;
    return [{ negated: false, left, op: op.text, right: this.operand() }];
  }

  private operand(): Token {
    const t = this.peek();
    if (t?.kind === 'word' && t.text === 'CAST') {
      // CAST("2011-12-12T09:00:00Z" as 'dateTime.tz'): the value is the first literal.
      this.pos++;
      this.expectPunct('(', 'after CAST');
      const value = this.string('a literal to CAST');
      this.expectWord('AS');
      this.string('a CAST type');
      this.expectPunct(')', 'to close CAST');
      return { kind: 'string', text: value };
    }
    if (t?.kind !== 'string' && t?.kind !== 'number') throw this.error(`expected a property name or a literal, found ${this.describeNext()}`);
    this.pos++;
    return t;
  }

  private orderBy(): void {
    this.expectWord('BY');
    do {
      this.string('a property name to order by');
      if (!this.acceptWord('ASC')) this.acceptWord('DESC');
    } while (this.acceptPunct(','));
  }
}

const FLIPPED: Readonly<Record<string, string>> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=' };
const KNOWN_PROPERTIES: readonly string[] = [PROP.dtstart, PROP.dtend, PROP.instancetype, PROP.contentclass];

/** A property this reader evaluates, in its canonical spelling (Exchange SQL matches names case-insensitively). */
function knownProperty(t: Token): string | undefined {
  return t.kind === 'string' ? KNOWN_PROPERTIES.find((p) => p.toLowerCase() === t.text.toLowerCase()) : undefined;
}

/** Puts the property on the left (`'2011/…' > "dtstart"` is `"dtstart" < '2011/…'`); undefined when neither side is one we read. */
function normalize(c: Comparison): { property: string; op: string; value: string; negated: boolean } | undefined {
  const left = knownProperty(c.left);
  if (left) return { property: left, op: c.op, value: c.right.text, negated: c.negated };
  const right = knownProperty(c.right);
  if (right) return { property: right, op: FLIPPED[c.op] ?? c.op, value: c.left.text, negated: c.negated };
  return undefined;
}

/** What a NOT leaves of a comparison: NOT a < b is a >= b. */
const NEGATED: Readonly<Record<string, string>> = { '<': '>=', '>': '<=', '<=': '>', '>=': '<', '=': '<>', '<>': '=', '!=': '=' };

function interpret(conditions: readonly Comparison[]): Pick<CalendarSearch, 'window' | 'contentClass' | 'excludedInstanceTypes'> {
  let start: Date | undefined;
  let end: Date | undefined;
  let contentClass: string | undefined;
  const excludedInstanceTypes: number[] = [];
  for (const c of conditions) {
    const n = normalize(c);
    if (!n) continue;
    const op = n.negated ? NEGATED[n.op]! : n.op;
    const where = `"${n.property}" ${op} '${n.value}'`;
    if (n.property === PROP.dtstart) {
      if (op !== '<' && op !== '<=') throw sqlError(`${where} does not bound the window's end (expected "${PROP.dtstart}" < end)`);
      end = sqlDate(n.value, where);
    } else if (n.property === PROP.dtend) {
      if (op !== '>' && op !== '>=') throw sqlError(`${where} does not bound the window's start (expected "${PROP.dtend}" > start)`);
      start = sqlDate(n.value, where);
    } else if (n.property === PROP.contentclass && op === '=') {
      contentClass = n.value;
    } else if (n.property === PROP.instancetype && (op === '<>' || op === '!=')) {
      if (!/^\d+$/.test(n.value)) throw sqlError(`${where}: "${n.value}" is not an instance type`);
      excludedInstanceTypes.push(Number(n.value));
    }
  }
  if (!end) throw sqlError(`could not read the window's end: no "${PROP.dtstart}" < '…' condition`);
  if (!start) throw sqlError(`could not read the window's start: no "${PROP.dtend}" > '…' condition`);
  return withDefined({ window: { start, end }, contentClass, excludedInstanceTypes });
}

function sqlError(message: string): WebDavProtocolError {
  return new WebDavProtocolError(`${SQL_WHAT}: ${message}`);
}

// 'yyyy/MM/dd HH:mm:ss' (Exchange's form), with '-' or 'T' too, optional fraction and zone; no zone means UTC.
const SQL_DATE = /^(\d{4})[/-](\d{2})[/-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

function sqlDate(value: string, where: string): Date {
  const m = SQL_DATE.exec(value.trim());
  const date = m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}${m[8] ?? 'Z'}`) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw sqlError(`${where}: "${value}" is not a date such as '2011/12/12 09:00:00'`);
  return date;
}

// SEARCH responses ---------------------------------------------------------------------------------------------

function calendarRowXml(row: CalendarRow): string {
  const dt = (name: string, date: Date) =>
    `<d:${name} b:dt="dateTime.tz">${validDate(date, `${name} of ${row.href}`).toISOString()}</d:${name}>`;
  const prop =
    `<d:busystatus>${escapeText(row.busyStatus)}</d:busystatus>${dt('dtstart', row.start)}${dt('dtend', row.end)}` +
    `<d:instancetype b:dt="int">${row.instanceType}</d:instancetype>`;
  return `<a:response><a:href>${escapeText(row.href)}</a:href><a:propstat><a:status>${statusLine(200)}</a:status><a:prop>${prop}</a:prop></a:propstat></a:response>`;
}

/** 207 with one a:response per appointment; dates in ISO 8601 UTC typed dateTime.tz, as Exchange writes them. */
export function calendarSearchResponse(rows: readonly CalendarRow[]): Response {
  const p = new Prefixes();
  // The rows are written with fixed prefixes; declare them in Exchange's order.
  p.prefix(WEBDAV_NS.datatypes);
  p.prefix(WEBDAV_NS.calendar);
  return multiStatus(rows.map(calendarRowXml).join(''), p);
}

const ISO_DATE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

function calendarProp(prop: Element, name: string, what: string): string {
  const el = child(prop, CAL, name);
  if (!el) throw new WebDavProtocolError(`${what}: no d:${name}`);
  return textOf(el).trim();
}

function isoDate(value: string, name: string, what: string): Date {
  const m = ISO_DATE.exec(value);
  const date = m ? new Date(`${m[1]}${m[2] ?? ''}${m[3] ?? 'Z'}`) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new WebDavProtocolError(`${what}: d:${name} "${value}" is not an ISO 8601 date`);
  return date;
}

function readCalendarRow(r: DavResponse): CalendarRow {
  const what = `SEARCH response: ${r.href || 'an a:response without a:href'}`;
  if (!r.href) throw new WebDavProtocolError(`${what}: no a:href`);
  const found = r.propstats.find((ps) => ps.status === 200);
  if (!found) throw new WebDavProtocolError(`${what}: no a:propstat with status 200`);
  const busy = calendarProp(found.prop, 'busystatus', what);
  const busyStatus = WEBDAV_BUSY_STATUSES.find((s) => s === busy.toUpperCase());
  if (!busyStatus) throw new WebDavProtocolError(`${what}: d:busystatus "${busy}" is not one of ${WEBDAV_BUSY_STATUSES.join(', ')}`);
  const instance = calendarProp(found.prop, 'instancetype', what);
  if (!/^\d+$/.test(instance)) throw new WebDavProtocolError(`${what}: d:instancetype "${instance}" is not an integer`);
  return {
    href: r.href,
    busyStatus,
    start: isoDate(calendarProp(found.prop, 'dtstart', what), 'dtstart', what),
    end: isoDate(calendarProp(found.prop, 'dtend', what), 'dtend', what),
    instanceType: Number(instance),
  };
}

export function parseCalendarSearchResponse(text: string): CalendarRow[] {
  return parseMultiStatus(text, 'SEARCH response').map(readCalendarRow);
}
