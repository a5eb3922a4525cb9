// SOAP 1.1 wire messages of Exchange 2010 cross-organization free/busy: the envelope and faults, the WS-Security
// header that carries a delegation token, WS-Trust (2005/02) between a Client Access server and the Microsoft
// Federation Gateway, and SOAP Autodiscover (GetFederationInformation, GetUserSettings, GetOrganizationRelationshipSettings). Simulated servers build
// and parse these over fetch; see DOMAIN-NOTES.md section 3 for the shapes.
//
// Builders write compact XML (no indentation) with every text and attribute value escaped. Parsers resolve
// elements by namespace URI and local name, so any prefix the sender chose is accepted; they return a typed value
// or throw SoapParseError naming what was missing or wrong, and never let a DOM or parser exception escape.

import { randomUUID } from 'node:crypto';
import { DOMParser, XMLSerializer, normalizeLineEndings } from '@xmldom/xmldom';
import type { Document, Element, Node } from '@xmldom/xmldom';

export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  autodiscover: 'http://schemas.microsoft.com/exchange/2010/Autodiscover',
  messages: 'http://schemas.microsoft.com/exchange/services/2006/messages',
  types: 'http://schemas.microsoft.com/exchange/services/2006/types',
  errors: 'http://schemas.microsoft.com/exchange/services/2006/errors',
  wsa: 'http://www.w3.org/2005/08/addressing',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  trust: 'http://schemas.xmlsoap.org/ws/2005/02/trust',
  wsp: 'http://schemas.xmlsoap.org/ws/2004/09/policy',
  saml: 'urn:oasis:names:tc:SAML:1.0:assertion',
  /** WS-Authorization as Exchange's SecurityTokenService uses it (AdditionalContext/ContextItem). */
  auth: 'http://schemas.xmlsoap.org/ws/2006/12/authorization',
  /**
   * Not a Microsoft namespace: this simulation's own home for the delegation-token Offer. Real Exchange sends the
   * offer name as a WS-Authorization action claim (t:Claims/auth:ClaimType/auth:Value) and bounds the token's
   * lifetime through the SAML Conditions of the OnBehalfOf assertion, which needs a clock; here the name and the
   * lifetime travel together in one element.
   */
  offer: 'urn:exchange-scenarios:federation:offer',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

export const WS_TRUST_ISSUE = 'http://schemas.xmlsoap.org/ws/2005/02/trust/Issue';
export const WS_TRUST_RST_ISSUE_ACTION = 'http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue';
export const WS_TRUST_RSTR_ISSUE_ACTION = 'http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Issue';
export const WS_TRUST_SYMMETRIC_KEY = 'http://schemas.xmlsoap.org/ws/2005/02/trust/SymmetricKey';
export const SAML_11_TOKEN_TYPE = 'urn:oasis:names:tc:SAML:1.0:assertion';
export const AUTODISCOVER_ACTION_PREFIX = 'http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/';

/** Thrown by every parse function: the XML was malformed, was not a SOAP 1.1 envelope, or lacked a required part. */
export class SoapParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SoapParseError';
  }
}

/** A parse function that expected a particular message found a SOAP fault in the body instead. */
export class SoapFaultError extends SoapParseError {
  readonly fault: SoapFault;
  constructor(what: string, fault: SoapFault) {
    super(`${what}: the body holds a SOAP fault (${fault.code}: ${fault.message})`);
    this.name = 'SoapFaultError';
    this.fault = fault;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

// Characters XML 1.0 cannot carry at all (not even as character references) become U+FFFD, so that a hostile
// value cannot make a builder produce a document no parser accepts.
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes element text. A carriage return is written as a reference so that line-end normalization keeps it. */
export function escapeText(value: string): string {
  return value
    .replace(NOT_XML_CHAR, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

/** Escapes an attribute value written between double quotes; whitespace characters survive normalization. */
export function escapeAttr(value: string): string {
  return escapeText(value).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

/** ISO 8601 UTC without milliseconds, e.g. 2011-12-12T09:00:00Z (milliseconds are dropped, not rounded). */
export function formatDateTime(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new RangeError('not a valid date');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `<name attrs>escaped text</name>`. */
export function textElement(name: string, value: string, attrs = ''): string {
  return `<${name}${attrs}>${escapeText(value)}</${name}>`;
}

/** Options every request builder accepts. */
export interface MessageOptions {
  /** wsa:To (builders that use WS-Addressing have a default). */
  to?: string;
  /** Extra header fragments, e.g. securityHeader(token) for the …/WSSecurity endpoints. */
  headers?: readonly string[];
}

/**
 * A SOAP 1.1 envelope. The `soap` prefix is bound on the Envelope; header and body fragments must bind every
 * other prefix they use. Headers are inserted as-is, in order; with none, no soap:Header is written.
 */
export function envelope(body: string, headers: readonly string[] = []): string {
  const header = headers.length ? `<soap:Header>${headers.join('')}</soap:Header>` : '';
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${NS.soap}">${header}<soap:Body>${body}</soap:Body></soap:Envelope>`;
}

/** wsa:Action (mustUnderstand) and, when given, wsa:To header fragments. */
export function addressingHeaders(action: string, to?: string): string[] {
  const out = [textElement('wsa:Action', action, ` soap:mustUnderstand="1" xmlns:wsa="${NS.wsa}"`)];
  if (to !== undefined) out.push(textElement('wsa:To', to, ` soap:mustUnderstand="1" xmlns:wsa="${NS.wsa}"`));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading (shared with free-busy.ts)

/** A parsed message: the DOM plus the (line-end normalized) text it was parsed from, to slice elements out as-is. */
export interface ParsedXml {
  readonly doc: Document;
  readonly source: string;
  readonly lineStarts: readonly number[];
}

export function parseXml(xml: string, what: string): ParsedXml {
  if (typeof xml !== 'string') throw new SoapParseError(`${what}: expected XML text, got ${typeof xml}`);
  const source = normalizeLineEndings(xml);
  let doc: Document;
  let reported: string | undefined;
  try {
    doc = new DOMParser({
      locator: true,
      normalizeLineEndings: (s: string) => s,
      onError: (level: string, message: string) => {
        // xmldom recovers from some errors and reports them, and reports some not-well-formed input (an unquoted
        // attribute value) only as a warning: all of those make the message malformed. The one exception is its
        // warning about U+FFFD in the text, which is well-formed (escapeText writes it for characters XML can't carry).
        if (level === 'warning' && message.startsWith('Unicode replacement character')) return;
        reported ??= message;
        throw new Error(message);
      },
    }).parseFromString(source, 'text/xml');
  } catch (e) {
    const message = reported ?? (e instanceof Error ? e.message : String(e));
    throw new SoapParseError(`${what}: malformed XML (${message.trim().split('\n')[0]})`);
  }
  if (!doc || !doc.documentElement) throw new SoapParseError(`${what}: malformed XML (no root element)`);
  if (doc.doctype) throw new SoapParseError(`${what}: a SOAP message must not contain a document type declaration`);
  const lineStarts = [0];
  for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return { doc, source, lineStarts };
}

export function elementChildren(el: Element): Element[] {
  const out: Element[] = [];
  for (let n: Node | null = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

/** ns '' means "no namespace" (SOAP 1.1 fault children are unqualified). */
function is(el: Element, ns: string, local: string): boolean {
  return (el.namespaceURI ?? '') === ns && el.localName === local;
}

/** First direct child with this namespace and local name. */
export function child(el: Element, ns: string, local: string): Element | undefined {
  return elementChildren(el).find((c) => is(c, ns, local));
}

export function children(el: Element, ns: string, local: string): Element[] {
  return elementChildren(el).filter((c) => is(c, ns, local));
}

/** Prefixes used in error messages: those this module writes (t: serves both EWS types and WS-Trust). */
const PREFIXES: Record<string, string> = {
  [NS.soap]: 'soap', [NS.autodiscover]: 'a', [NS.messages]: 'm', [NS.types]: 't', [NS.errors]: 'e', [NS.wsa]: 'wsa',
  [NS.wsse]: 'wsse', [NS.wsu]: 'wsu', [NS.trust]: 't', [NS.wsp]: 'wsp', [NS.saml]: 'saml', [NS.auth]: 'auth',
  [NS.offer]: 'off', [NS.xsi]: 'i',
};

/** `prefix:Local` with this module's conventional prefix for the namespace, for error messages. */
export function qname(ns: string, local: string): string {
  const p = PREFIXES[ns];
  return p ? `${p}:${local}` : `{${ns}}${local}`;
}

function describe(el: Element): string {
  return el.namespaceURI ? qname(el.namespaceURI, el.localName ?? el.nodeName) : el.nodeName;
}

export function requireChild(el: Element, ns: string, local: string, what: string): Element {
  const found = child(el, ns, local);
  if (!found) throw new SoapParseError(`${what}: ${describe(el)} has no ${qname(ns, local)}`);
  return found;
}

/** Text content, untrimmed (free text such as a subject keeps its spaces). */
export function textOf(el: Element): string {
  return el.textContent ?? '';
}

/** Trimmed text of a required child. */
export function requireText(el: Element, ns: string, local: string, what: string): string {
  return textOf(requireChild(el, ns, local, what)).trim();
}

/** Trimmed text of an optional child, undefined when the child is absent. */
export function optionalText(el: Element, ns: string, local: string): string | undefined {
  const c = child(el, ns, local);
  return c ? textOf(c).trim() : undefined;
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** xs:dateTime; a value without a zone designator is taken as UTC. */
export function parseDateTime(value: string, field: string, what: string): Date {
  const m = DATE_TIME.exec(value.trim());
  const date = m ? new Date(`${m[1]}${m[2] ?? ''}${m[3] ?? 'Z'}`) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new SoapParseError(`${what}: ${field} "${value}" is not an xs:dateTime`);
  return date;
}

export function parseBoolean(value: string, field: string, what: string): boolean {
  const v = value.trim();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new SoapParseError(`${what}: ${field} "${value}" is not an xs:boolean`);
}

export function parseInteger(value: string, field: string, what: string): number {
  const v = value.trim();
  if (!/^[+-]?\d+$/.test(v)) throw new SoapParseError(`${what}: ${field} "${value}" is not an integer`);
  return Number(v);
}

export function parseEnum<T extends string>(value: string, allowed: readonly T[], field: string, what: string): T {
  const v = value.trim();
  if (!(allowed as readonly string[]).includes(v)) {
    throw new SoapParseError(`${what}: ${field} "${value}" is not one of ${allowed.join(', ')}`);
  }
  return v as T;
}

/** End offset (exclusive) of the element whose start tag begins at `start`, in well-formed text. */
function elementEnd(src: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    if (lt < 0) return -1;
    const skip = (open: string, close: string): number => {
      const end = src.indexOf(close, lt + open.length);
      return end < 0 ? -1 : end + close.length;
    };
    if (src.startsWith('<!--', lt)) i = skip('<!--', '-->');
    else if (src.startsWith('<![CDATA[', lt)) i = skip('<![CDATA[', ']]>');
    else if (src.startsWith('<?', lt)) i = skip('<?', '?>');
    else if (src[lt + 1] === '/') {
      const gt = src.indexOf('>', lt);
      if (gt < 0) return -1;
      i = gt + 1;
      depth--;
      if (depth === 0) return i;
    } else {
      let j = lt + 1;
      let quote = '';
      for (; j < src.length; j++) {
        const c = src[j];
        if (quote) {
          if (c === quote) quote = '';
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') break;
      }
      if (j >= src.length) return -1;
      i = j + 1;
      if (src[j - 1] !== '/') depth++;
      else if (depth === 0) return i;
    }
    if (i < 0) return -1;
  }
  return -1;
}

/**
 * The element's outer XML exactly as it appeared in the parsed text (so a signed or encrypted token stays
 * byte-identical); falls back to re-serializing the element if its position is unknown.
 */
export function outerXml(parsed: ParsedXml, el: Element): string {
  const { source, lineStarts } = parsed;
  if (el.lineNumber !== undefined && el.columnNumber !== undefined && el.lineNumber >= 1) {
    const start = (lineStarts[el.lineNumber - 1] ?? NaN) + el.columnNumber - 1;
    if (source.startsWith(`<${el.tagName}`, start)) {
      const end = elementEnd(source, start);
      if (end > start) return source.slice(start, end);
    }
  }
  return new XMLSerializer().serializeToString(el);
}

/** The first element child of the element, as-is. */
function firstElementOuterXml(parsed: ParsedXml, el: Element, what: string): string {
  const first = elementChildren(el)[0];
  if (!first) throw new SoapParseError(`${what}: ${describe(el)} holds no element`);
  return outerXml(parsed, first);
}

export interface SoapEnvelopeParts {
  parsed: ParsedXml;
  header?: Element;
  body: Element;
  /** The first element child of soap:Body, if any. */
  payload?: Element;
}

export function parseEnvelopeParts(xml: string, what: string): SoapEnvelopeParts {
  const parsed = parseXml(xml, what);
  const root = parsed.doc.documentElement as Element;
  if (!is(root, NS.soap, 'Envelope')) {
    throw new SoapParseError(`${what}: the root element is ${root.nodeName} ({${root.namespaceURI ?? ''}}), not a SOAP 1.1 soap:Envelope`);
  }
  const body = requireChild(root, NS.soap, 'Body', what);
  return { parsed, header: child(root, NS.soap, 'Header'), body, payload: elementChildren(body)[0] };
}

/** The body's payload element, which must be `ns:local`; a fault there is reported as SoapFaultError. */
export function expectPayload(xml: string, ns: string, local: string, what: string): { parts: SoapEnvelopeParts; payload: Element } {
  const parts = parseEnvelopeParts(xml, what);
  const payload = parts.payload;
  if (payload && is(payload, NS.soap, 'Fault')) throw new SoapFaultError(what, readFault(payload, what));
  if (!payload) throw new SoapParseError(`${what}: soap:Body is empty, expected ${qname(ns, local)}`);
  if (!is(payload, ns, local)) throw new SoapParseError(`${what}: soap:Body holds ${describe(payload)}, expected ${qname(ns, local)}`);
  return { parts, payload };
}

/** Namespace URI and local name of the body's payload element, to dispatch a request on. */
export function bodyPayloadName(xml: string): { namespaceURI: string; localName: string } | undefined {
  const { payload } = parseEnvelopeParts(xml, 'SOAP message');
  return payload ? { namespaceURI: payload.namespaceURI ?? '', localName: payload.localName ?? payload.nodeName } : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Faults

export interface SoapFault {
  /** faultcode as written, a QName such as soap:Client, soap:Server, a:FailedAuthentication, a:ErrorSchemaValidation. */
  code: string;
  /** faultstring. */
  message: string;
  /** EWS's detail/e:ResponseCode, e.g. ErrorInvalidFederatedOrganizationId. */
  responseCode?: string;
}

const SOAP_FAULT_CODES = ['VersionMismatch', 'MustUnderstand', 'Client', 'Server'];
const WSSE_FAULT_CODES = [
  'UnsupportedSecurityToken', 'UnsupportedAlgorithm', 'InvalidSecurity', 'InvalidSecurityToken',
  'FailedAuthentication', 'FailedCheck', 'SecurityTokenUnavailable', 'MessageExpired',
];
const TRUST_FAULT_CODES = [
  'InvalidRequest', 'RequestFailed', 'AuthenticationBadElements', 'BadRequest', 'ExpiredData',
  'InvalidTimeRange', 'InvalidScope', 'RenewNeeded', 'UnableToRenew',
];

/**
 * The namespace a faultcode prefix is bound to (faultcode is a QName): the SOAP codes to the envelope namespace,
 * WS-Security codes (FailedAuthentication, InvalidSecurity, …) to wsse, WS-Trust codes to trust, anything else —
 * EWS's Error* codes — to the EWS types namespace, as Exchange writes `a:ErrorSchemaValidation`.
 */
function faultCodeNamespace(local: string): string {
  if (SOAP_FAULT_CODES.includes(local)) return NS.soap;
  if (WSSE_FAULT_CODES.includes(local)) return NS.wsse;
  if (TRUST_FAULT_CODES.includes(local)) return NS.trust;
  return NS.types;
}

/** The soap:Fault element alone (a body fragment). */
export function soapFaultBody(f: SoapFault): string {
  const colon = f.code.indexOf(':');
  const prefix = colon > 0 ? f.code.slice(0, colon) : '';
  const bind = prefix && prefix !== 'soap' && /^[A-Za-z_][\w.-]*$/.test(prefix)
    ? ` xmlns:${prefix}="${faultCodeNamespace(f.code.slice(colon + 1))}"`
    : '';
  const detail = f.responseCode === undefined
    ? ''
    : `<detail>${textElement('e:ResponseCode', f.responseCode, ` xmlns:e="${NS.errors}"`)}${textElement('e:Message', f.message, ` xmlns:e="${NS.errors}"`)}</detail>`;
  return `<soap:Fault>${textElement('faultcode', f.code, bind)}${textElement('faultstring', f.message, ' xml:lang="en-US"')}${detail}</soap:Fault>`;
}

/** A whole envelope whose body is a SOAP 1.1 fault (send it with HTTP 500). */
export function soapFault(f: SoapFault): string {
  return envelope(soapFaultBody(f));
}

function readFault(fault: Element, what: string): SoapFault {
  // SOAP 1.1 fault children are unqualified.
  const code = requireText(fault, '', 'faultcode', what);
  const message = textOf(requireChild(fault, '', 'faultstring', what));
  const out: SoapFault = { code, message };
  const detail = child(fault, '', 'detail');
  const responseCode = detail ? optionalText(detail, NS.errors, 'ResponseCode') : undefined;
  if (responseCode !== undefined) out.responseCode = responseCode;
  return out;
}

/** The fault a response carries, or undefined when its body is not a fault. Throws on malformed XML. */
export function parseSoapFault(xml: string): SoapFault | undefined {
  const what = 'SOAP fault';
  const { payload } = parseEnvelopeParts(xml, what);
  return payload && is(payload, NS.soap, 'Fault') ? readFault(payload, what) : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// WS-Security header

/**
 * A wsse:Security header (mustUnderstand) holding the token element as-is, followed by a wsu:Timestamp when
 * given. The token is expected to be one self-contained element (an xenc:EncryptedData).
 */
export function securityHeader(token: string, timestamp?: { created: Date; expires: Date }): string {
  const ts = timestamp
    ? `<wsu:Timestamp wsu:Id="Timestamp-0"><wsu:Created>${formatDateTime(timestamp.created)}</wsu:Created><wsu:Expires>${formatDateTime(timestamp.expires)}</wsu:Expires></wsu:Timestamp>`
    : '';
  return `<wsse:Security soap:mustUnderstand="1" xmlns:wsse="${NS.wsse}" xmlns:wsu="${NS.wsu}">${token}${ts}</wsse:Security>`;
}

export interface SecurityHeader {
  /** Outer XML of the first element child of wsse:Security that is not a wsu:Timestamp, byte-identical. */
  token?: string;
  timestamp?: { created: Date; expires: Date };
}

/** The wsse:Security header of a request, or undefined when the envelope has none. */
export function parseSecurityHeader(xml: string): SecurityHeader | undefined {
  const what = 'WS-Security header';
  const { parsed, header } = parseEnvelopeParts(xml, what);
  const security = header && child(header, NS.wsse, 'Security');
  if (!security) return undefined;
  const out: SecurityHeader = {};
  const token = elementChildren(security).find((c) => !is(c, NS.wsu, 'Timestamp'));
  if (token) out.token = outerXml(parsed, token);
  const ts = child(security, NS.wsu, 'Timestamp');
  if (ts) {
    out.timestamp = {
      created: parseDateTime(requireText(ts, NS.wsu, 'Created', what), 'wsu:Created', what),
      expires: parseDateTime(requireText(ts, NS.wsu, 'Expires', what), 'wsu:Expires', what),
    };
  }
  return out;
}

/** The token element of a request's wsse:Security header as-is, or undefined if there is none. */
export function extractSecurityToken(xml: string): string | undefined {
  return parseSecurityHeader(xml)?.token;
}

// ---------------------------------------------------------------------------------------------------------------
// WS-Trust (2005/02) between a Client Access server and the Microsoft Federation Gateway

export interface TokenRequest {
  /** wsp:AppliesTo address: the target organization's TargetApplicationUri. */
  appliesTo: string;
  /** Offer name, e.g. MSExchange.SharingCalendarFreeBusy. */
  offer: string;
  /** The user the token is requested on behalf of. */
  userEmail: string;
  /** The requesting organization (the requestor: SAML Issuer and WS-Authorization requestor context). */
  requestingOrganization: string;
  /** Token lifetime the offer asks for (SharingCalendarFreeBusy 5, Autodiscover 480, …). */
  lifetimeMinutes: number;
}

const WLID_REQUESTOR = 'http://schemas.microsoft.com/wlid/requestor';
const REQUESTOR_SCOPE = 'http://schemas.xmlsoap.org/ws/2006/12/authorization/ctx/requestor';
const EMAIL_CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

function appliesToXml(address: string): string {
  return `<wsp:AppliesTo xmlns:wsp="${NS.wsp}"><wsa:EndpointReference xmlns:wsa="${NS.wsa}">${textElement('wsa:Address', address)}</wsa:EndpointReference></wsp:AppliesTo>`;
}

function readAppliesTo(el: Element, what: string): string {
  const appliesTo = requireChild(el, NS.wsp, 'AppliesTo', what);
  const epr = requireChild(appliesTo, NS.wsa, 'EndpointReference', what);
  return requireText(epr, NS.wsa, 'Address', what);
}

/**
 * A full envelope with t:RequestSecurityToken. The OnBehalfOf assertion names the user the way Exchange's does
 * (sender-vouches subject plus an EmailAddress attribute) but is unsigned and carries no IssueInstant/Conditions:
 * there is no clock at this layer, and the lifetime travels in the Offer (see NS.offer).
 */
export function requestSecurityToken(r: TokenRequest, options: MessageOptions = {}): string {
  if (!Number.isInteger(r.lifetimeMinutes) || r.lifetimeMinutes <= 0) {
    throw new RangeError(`lifetimeMinutes must be a positive whole number, got ${r.lifetimeMinutes}`);
  }
  const assertion =
    `<saml:Assertion xmlns:saml="${NS.saml}" MajorVersion="1" MinorVersion="1" AssertionID="saml-${randomUUID()}" Issuer="${escapeAttr(r.requestingOrganization)}">` +
    `<saml:AttributeStatement><saml:Subject>` +
    textElement('saml:NameIdentifier', r.userEmail, ' Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"') +
    `<saml:SubjectConfirmation><saml:ConfirmationMethod>urn:oasis:names:tc:SAML:1.0:cm:sender-vouches</saml:ConfirmationMethod></saml:SubjectConfirmation>` +
    `</saml:Subject><saml:Attribute AttributeName="EmailAddress" AttributeNamespace="${EMAIL_CLAIMS}">` +
    textElement('saml:AttributeValue', r.userEmail) +
    `</saml:Attribute></saml:AttributeStatement></saml:Assertion>`;
  const body =
    `<t:RequestSecurityToken Context="uuid-${randomUUID()}" xmlns:t="${NS.trust}">` +
    `<t:RequestType>${WS_TRUST_ISSUE}</t:RequestType>` +
    `<t:TokenType>${SAML_11_TOKEN_TYPE}</t:TokenType>` +
    `<t:KeyType>${WS_TRUST_SYMMETRIC_KEY}</t:KeyType>` +
    `<t:KeySize>256</t:KeySize>` +
    appliesToXml(r.appliesTo) +
    `<t:OnBehalfOf>${assertion}</t:OnBehalfOf>` +
    `<auth:AdditionalContext xmlns:auth="${NS.auth}"><auth:ContextItem Name="${WLID_REQUESTOR}" Scope="${REQUESTOR_SCOPE}">` +
    textElement('auth:Value', r.requestingOrganization) +
    `</auth:ContextItem></auth:AdditionalContext>` +
    // Simulation-specific: see NS.offer.
    `<off:Offer xmlns:off="${NS.offer}">${textElement('off:Name', r.offer)}<off:LifetimeMinutes>${r.lifetimeMinutes}</off:LifetimeMinutes></off:Offer>` +
    `</t:RequestSecurityToken>`;
  return envelope(body, [...addressingHeaders(WS_TRUST_RST_ISSUE_ACTION, options.to), ...(options.headers ?? [])]);
}

export function parseRequestSecurityToken(xml: string): TokenRequest {
  const what = 'WS-Trust RequestSecurityToken';
  const { payload: rst } = expectPayload(xml, NS.trust, 'RequestSecurityToken', what);
  const requestType = requireText(rst, NS.trust, 'RequestType', what);
  if (requestType !== WS_TRUST_ISSUE) throw new SoapParseError(`${what}: t:RequestType "${requestType}" is not ${WS_TRUST_ISSUE}`);
  const appliesTo = readAppliesTo(rst, what);
  const assertion = requireChild(requireChild(rst, NS.trust, 'OnBehalfOf', what), NS.saml, 'Assertion', what);
  const statement = requireChild(assertion, NS.saml, 'AttributeStatement', what);
  const emailAttribute = children(statement, NS.saml, 'Attribute').find((a) => a.getAttribute('AttributeName') === 'EmailAddress');
  const userEmail = emailAttribute
    ? requireText(emailAttribute, NS.saml, 'AttributeValue', what)
    : requireText(requireChild(statement, NS.saml, 'Subject', what), NS.saml, 'NameIdentifier', what);
  const context = child(rst, NS.auth, 'AdditionalContext');
  const requestorItem = context && children(context, NS.auth, 'ContextItem').find((c) => c.getAttribute('Name') === WLID_REQUESTOR);
  const requestingOrganization = requestorItem
    ? requireText(requestorItem, NS.auth, 'Value', what)
    : assertion.getAttribute('Issuer') ?? '';
  if (!requestingOrganization) throw new SoapParseError(`${what}: no requestor (auth:AdditionalContext or saml:Assertion@Issuer)`);
  const offer = requireChild(rst, NS.offer, 'Offer', what);
  const lifetimeMinutes = parseInteger(requireText(offer, NS.offer, 'LifetimeMinutes', what), 'Offer LifetimeMinutes', what);
  return { appliesTo, offer: requireText(offer, NS.offer, 'Name', what), userEmail, requestingOrganization, lifetimeMinutes };
}

export interface TokenResponse {
  /** The issued token element (an xenc:EncryptedData), as-is. */
  token: string;
  created: Date;
  expires: Date;
  appliesTo: string;
}

/** A full envelope with t:RequestSecurityTokenResponse; the token goes into t:RequestedSecurityToken as-is. */
export function requestSecurityTokenResponse(r: TokenResponse): string {
  const body =
    `<t:RequestSecurityTokenResponse xmlns:t="${NS.trust}" xmlns:wsu="${NS.wsu}">` +
    `<t:TokenType>${SAML_11_TOKEN_TYPE}</t:TokenType>` +
    `<t:Lifetime><wsu:Created>${formatDateTime(r.created)}</wsu:Created><wsu:Expires>${formatDateTime(r.expires)}</wsu:Expires></t:Lifetime>` +
    appliesToXml(r.appliesTo) +
    `<t:RequestedSecurityToken>${r.token}</t:RequestedSecurityToken>` +
    `</t:RequestSecurityTokenResponse>`;
  return envelope(body, addressingHeaders(WS_TRUST_RSTR_ISSUE_ACTION));
}

export function parseRequestSecurityTokenResponse(xml: string): TokenResponse {
  const what = 'WS-Trust RequestSecurityTokenResponse';
  const { parts, payload: rstr } = expectPayload(xml, NS.trust, 'RequestSecurityTokenResponse', what);
  const lifetime = requireChild(rstr, NS.trust, 'Lifetime', what);
  const requested = requireChild(rstr, NS.trust, 'RequestedSecurityToken', what);
  return {
    token: firstElementOuterXml(parts.parsed, requested, what),
    created: parseDateTime(requireText(lifetime, NS.wsu, 'Created', what), 'wsu:Created', what),
    expires: parseDateTime(requireText(lifetime, NS.wsu, 'Expires', what), 'wsu:Expires', what),
    appliesTo: readAppliesTo(rstr, what),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// SOAP Autodiscover

export const AUTODISCOVER_ERROR_CODES = [
  'NoError', 'RedirectAddress', 'RedirectUrl', 'InvalidUser', 'InvalidRequest', 'InvalidSetting',
  'SettingIsNotAvailable', 'ServerBusy', 'InvalidDomain', 'NotFederated', 'InternalServerError',
] as const;
export type AutodiscoverErrorCode = (typeof AUTODISCOVER_ERROR_CODES)[number];

/** Default wsa:To for a domain: https://autodiscover.<domain>/autodiscover/autodiscover.svc. */
export function autodiscoverUrl(domain: string): string {
  return `https://autodiscover.${domain}/autodiscover/autodiscover.svc`;
}

function autodiscoverHeaders(operation: string, to: string, extra: readonly string[] = []): string[] {
  return [
    textElement('a:RequestedServerVersion', 'Exchange2010', ` xmlns:a="${NS.autodiscover}"`),
    ...addressingHeaders(AUTODISCOVER_ACTION_PREFIX + operation, to),
    ...extra,
  ];
}

function autodiscoverResponseHeaders(operation: string): string[] {
  return addressingHeaders(`${AUTODISCOVER_ACTION_PREFIX}${operation}Response`);
}

function readErrorCode(el: Element, what: string): AutodiscoverErrorCode {
  return parseEnum(requireText(el, NS.autodiscover, 'ErrorCode', what), AUTODISCOVER_ERROR_CODES, 'a:ErrorCode', what);
}

function readErrorMessage(el: Element): string {
  const c = child(el, NS.autodiscover, 'ErrorMessage');
  return c ? textOf(c) : '';
}

// Responses are written the way Exchange writes them: the Autodiscover namespace as the default namespace, so that
// i:type="StringSetting" resolves into it. Requests use the a: prefix, as in the EWS documentation's samples.
function errorXml(code: AutodiscoverErrorCode, message: string | undefined): string {
  return `<ErrorCode>${escapeText(code)}</ErrorCode>${textElement('ErrorMessage', message ?? '')}`;
}

/** GetFederationInformation for a domain; wsa:To defaults to autodiscoverUrl(domain). */
export function getFederationInformationRequest(domain: string, options: MessageOptions = {}): string {
  const body = `<a:GetFederationInformationRequestMessage xmlns:a="${NS.autodiscover}"><a:Request>${textElement('a:Domain', domain)}</a:Request></a:GetFederationInformationRequestMessage>`;
  return envelope(body, autodiscoverHeaders('GetFederationInformation', options.to ?? autodiscoverUrl(domain), options.headers));
}

export function parseGetFederationInformationRequest(xml: string): { domain: string } {
  const what = 'Autodiscover GetFederationInformation request';
  const { payload } = expectPayload(xml, NS.autodiscover, 'GetFederationInformationRequestMessage', what);
  const domain = requireText(requireChild(payload, NS.autodiscover, 'Request', what), NS.autodiscover, 'Domain', what);
  if (!domain) throw new SoapParseError(`${what}: a:Domain is empty`);
  return { domain };
}

export interface FederationInformation {
  errorCode: AutodiscoverErrorCode;
  errorMessage?: string;
  applicationUri?: string;
  domains?: string[];
  tokenIssuers?: Array<{ uri: string; endpoint: string }>;
}

export interface ParsedFederationInformation {
  errorCode: AutodiscoverErrorCode;
  errorMessage: string;
  applicationUri?: string;
  domains: string[];
  tokenIssuers: Array<{ uri: string; endpoint: string }>;
}

export function getFederationInformationResponse(r: FederationInformation): string {
  const parts = [errorXml(r.errorCode, r.errorMessage)];
  if (r.applicationUri !== undefined) parts.push(textElement('ApplicationUri', r.applicationUri));
  parts.push(`<Domains>${(r.domains ?? []).map((d) => textElement('Domain', d)).join('')}</Domains>`);
  parts.push(
    `<TokenIssuers>${(r.tokenIssuers ?? [])
      .map((t) => `<TokenIssuer>${textElement('Uri', t.uri)}${textElement('Endpoint', t.endpoint)}</TokenIssuer>`)
      .join('')}</TokenIssuers>`,
  );
  const body = `<GetFederationInformationResponseMessage xmlns="${NS.autodiscover}"><Response>${parts.join('')}</Response></GetFederationInformationResponseMessage>`;
  return envelope(body, autodiscoverResponseHeaders('GetFederationInformation'));
}

export function parseGetFederationInformationResponse(xml: string): ParsedFederationInformation {
  const what = 'Autodiscover GetFederationInformation response';
  const { payload } = expectPayload(xml, NS.autodiscover, 'GetFederationInformationResponseMessage', what);
  const response = requireChild(payload, NS.autodiscover, 'Response', what);
  const out: ParsedFederationInformation = {
    errorCode: readErrorCode(response, what),
    errorMessage: readErrorMessage(response),
    domains: [],
    tokenIssuers: [],
  };
  const applicationUri = optionalText(response, NS.autodiscover, 'ApplicationUri');
  if (applicationUri !== undefined) out.applicationUri = applicationUri;
  const domains = child(response, NS.autodiscover, 'Domains');
  if (domains) out.domains = children(domains, NS.autodiscover, 'Domain').map((d) => textOf(d).trim());
  const issuers = child(response, NS.autodiscover, 'TokenIssuers');
  if (issuers) {
    out.tokenIssuers = children(issuers, NS.autodiscover, 'TokenIssuer').map((t) => ({
      uri: requireText(t, NS.autodiscover, 'Uri', what),
      endpoint: requireText(t, NS.autodiscover, 'Endpoint', what),
    }));
  }
  return out;
}

/** GetUserSettings; wsa:To defaults to autodiscoverUrl(domain of the first mailbox). */
export function getUserSettingsRequest(r: { mailboxes: readonly string[]; settings: readonly string[] }, options: MessageOptions = {}): string {
  const users = r.mailboxes.map((m) => `<a:User>${textElement('a:Mailbox', m)}</a:User>`).join('');
  const settings = r.settings.map((s) => textElement('a:Setting', s)).join('');
  const body = `<a:GetUserSettingsRequestMessage xmlns:a="${NS.autodiscover}"><a:Request><a:Users>${users}</a:Users><a:RequestedSettings>${settings}</a:RequestedSettings></a:Request></a:GetUserSettingsRequestMessage>`;
  const first = r.mailboxes[0] ?? '';
  const to = options.to ?? autodiscoverUrl(first.slice(first.lastIndexOf('@') + 1));
  return envelope(body, autodiscoverHeaders('GetUserSettings', to, options.headers));
}

export function parseGetUserSettingsRequest(xml: string): { mailboxes: string[]; settings: string[] } {
  const what = 'Autodiscover GetUserSettings request';
  const { payload } = expectPayload(xml, NS.autodiscover, 'GetUserSettingsRequestMessage', what);
  const request = requireChild(payload, NS.autodiscover, 'Request', what);
  const users = requireChild(request, NS.autodiscover, 'Users', what);
  const mailboxes = children(users, NS.autodiscover, 'User').map((u) => requireText(u, NS.autodiscover, 'Mailbox', what));
  if (mailboxes.length === 0) throw new SoapParseError(`${what}: a:Users has no a:User`);
  const requested = requireChild(request, NS.autodiscover, 'RequestedSettings', what);
  const settings = children(requested, NS.autodiscover, 'Setting').map((s) => textOf(s).trim());
  return { mailboxes, settings };
}

export interface UserSettingError {
  name: string;
  errorCode: AutodiscoverErrorCode;
  errorMessage: string;
}

export interface UserResponse {
  errorCode: AutodiscoverErrorCode;
  errorMessage?: string;
  /** For RedirectAddress / RedirectUrl: the address or URL to try. */
  redirectTarget?: string;
  /** StringSetting values by name. */
  settings: Record<string, string>;
  settingErrors?: UserSettingError[];
}

export interface UserSettingsResponse {
  errorCode: AutodiscoverErrorCode;
  errorMessage?: string;
  users: UserResponse[];
}

export interface ParsedUserSettingsResponse {
  errorCode: AutodiscoverErrorCode;
  errorMessage: string;
  /** Parsed users always carry errorMessage ('' when empty) and settingErrors ([] when none). */
  users: Array<UserResponse & { errorMessage: string; settingErrors: UserSettingError[] }>;
}

export function getUserSettingsResponse(r: UserSettingsResponse): string {
  const users = r.users
    .map((u) => {
      const redirect = u.redirectTarget === undefined ? '<RedirectTarget i:nil="true"/>' : textElement('RedirectTarget', u.redirectTarget);
      const errors = (u.settingErrors ?? [])
        .map((e) => `<UserSettingError>${errorXml(e.errorCode, e.errorMessage)}${textElement('SettingName', e.name)}</UserSettingError>`)
        .join('');
      const settings = Object.entries(u.settings)
        .map(([name, value]) => `<UserSetting i:type="StringSetting">${textElement('Name', name)}${textElement('Value', value)}</UserSetting>`)
        .join('');
      return `<UserResponse>${errorXml(u.errorCode, u.errorMessage)}${redirect}<UserSettingErrors>${errors}</UserSettingErrors><UserSettings>${settings}</UserSettings></UserResponse>`;
    })
    .join('');
  const body =
    `<GetUserSettingsResponseMessage xmlns="${NS.autodiscover}" xmlns:i="${NS.xsi}"><Response>` +
    `${errorXml(r.errorCode, r.errorMessage)}<UserResponses>${users}</UserResponses>` +
    `</Response></GetUserSettingsResponseMessage>`;
  return envelope(body, autodiscoverResponseHeaders('GetUserSettings'));
}

export function parseGetUserSettingsResponse(xml: string): ParsedUserSettingsResponse {
  const what = 'Autodiscover GetUserSettings response';
  const { payload } = expectPayload(xml, NS.autodiscover, 'GetUserSettingsResponseMessage', what);
  const response = requireChild(payload, NS.autodiscover, 'Response', what);
  const responses = child(response, NS.autodiscover, 'UserResponses');
  const users = (responses ? children(responses, NS.autodiscover, 'UserResponse') : []).map((u) => {
    const user: ParsedUserSettingsResponse['users'][number] = {
      errorCode: readErrorCode(u, what),
      errorMessage: readErrorMessage(u),
      settings: {},
      settingErrors: [],
    };
    const redirect = child(u, NS.autodiscover, 'RedirectTarget');
    if (redirect && redirect.getAttributeNS(NS.xsi, 'nil') !== 'true') user.redirectTarget = textOf(redirect).trim();
    const errors = child(u, NS.autodiscover, 'UserSettingErrors');
    for (const e of errors ? children(errors, NS.autodiscover, 'UserSettingError') : []) {
      user.settingErrors.push({
        name: requireText(e, NS.autodiscover, 'SettingName', what),
        errorCode: readErrorCode(e, what),
        errorMessage: readErrorMessage(e),
      });
    }
    const settings = child(u, NS.autodiscover, 'UserSettings');
    for (const s of settings ? children(settings, NS.autodiscover, 'UserSetting') : []) {
      // Only StringSetting carries a plain a:Value; other setting types (URL/protocol collections) are skipped.
      const value = child(s, NS.autodiscover, 'Value');
      if (value) user.settings[requireText(s, NS.autodiscover, 'Name', what)] = textOf(value);
    }
    return user;
  });
  return { errorCode: readErrorCode(response, what), errorMessage: readErrorMessage(response), users };
}

/**
 * GetOrganizationRelationshipSettings (internal to Exchange; Test-OrganizationRelationship calls it on the partner's
 * WS-Security Autodiscover endpoint with a delegation token): Request/Domains/Domain.
 */
export function getOrganizationRelationshipSettingsRequest(domains: readonly string[], options: MessageOptions & { to: string }): string {
  const body = `<a:GetOrganizationRelationshipSettingsRequestMessage xmlns:a="${NS.autodiscover}"><a:Request><a:Domains>${domains.map((d) => textElement('a:Domain', d)).join('')}</a:Domains></a:Request></a:GetOrganizationRelationshipSettingsRequestMessage>`;
  return envelope(body, autodiscoverHeaders('GetOrganizationRelationshipSettings', options.to, options.headers));
}

export function parseGetOrganizationRelationshipSettingsRequest(xml: string): { domains: string[] } {
  const what = 'Autodiscover GetOrganizationRelationshipSettings request';
  const { payload } = expectPayload(xml, NS.autodiscover, 'GetOrganizationRelationshipSettingsRequestMessage', what);
  const domains = requireChild(requireChild(payload, NS.autodiscover, 'Request', what), NS.autodiscover, 'Domains', what);
  return { domains: children(domains, NS.autodiscover, 'Domain').map((d) => textOf(d).trim()) };
}

/** One OrganizationRelationshipSettings element, as Exchange's Autodiscover proxy classes name its members. */
export interface OrganizationRelationshipSettings {
  name: string;
  domainNames: string[];
  freeBusyAccessEnabled: boolean;
  freeBusyAccessLevel: string;
  mailTipsAccessEnabled: boolean;
  mailTipsAccessLevel: string;
  mailboxMoveEnabled: boolean;
  deliveryReportEnabled: boolean;
  targetApplicationUri?: string;
  targetAutodiscoverEpr?: string;
  targetSharingEpr?: string;
}

export function getOrganizationRelationshipSettingsResponse(r: { errorCode: AutodiscoverErrorCode; errorMessage?: string; settings: readonly OrganizationRelationshipSettings[] }): string {
  const nil = (name: string, value: string | undefined) => (value === undefined ? `<${name} i:nil="true"/>` : textElement(name, value));
  const items = r.settings
    .map((s) =>
      '<OrganizationRelationshipSettings>' +
      textElement('DeliveryReportEnabled', String(s.deliveryReportEnabled)) +
      `<DomainNames>${s.domainNames.map((d) => textElement('Domain', d)).join('')}</DomainNames>` +
      textElement('FreeBusyAccessEnabled', String(s.freeBusyAccessEnabled)) +
      textElement('FreeBusyAccessLevel', s.freeBusyAccessLevel) +
      textElement('MailTipsAccessEnabled', String(s.mailTipsAccessEnabled)) +
      textElement('MailTipsAccessLevel', s.mailTipsAccessLevel) +
      textElement('MailboxMoveEnabled', String(s.mailboxMoveEnabled)) +
      textElement('Name', s.name) +
      nil('TargetApplicationUri', s.targetApplicationUri) +
      nil('TargetAutodiscoverEpr', s.targetAutodiscoverEpr) +
      nil('TargetSharingEpr', s.targetSharingEpr) +
      '</OrganizationRelationshipSettings>',
    )
    .join('');
  const body =
    `<GetOrganizationRelationshipSettingsResponseMessage xmlns="${NS.autodiscover}" xmlns:i="${NS.xsi}"><Response>` +
    `${errorXml(r.errorCode, r.errorMessage)}<OrganizationRelationshipSettingsCollection>${items}</OrganizationRelationshipSettingsCollection>` +
    `</Response></GetOrganizationRelationshipSettingsResponseMessage>`;
  return envelope(body, autodiscoverResponseHeaders('GetOrganizationRelationshipSettings'));
}

export function parseGetOrganizationRelationshipSettingsResponse(xml: string): { errorCode: AutodiscoverErrorCode; errorMessage: string; settings: OrganizationRelationshipSettings[] } {
  const what = 'Autodiscover GetOrganizationRelationshipSettings response';
  const { payload } = expectPayload(xml, NS.autodiscover, 'GetOrganizationRelationshipSettingsResponseMessage', what);
  const response = requireChild(payload, NS.autodiscover, 'Response', what);
  const collection = child(response, NS.autodiscover, 'OrganizationRelationshipSettingsCollection');
  const text = (el: Element, name: string) => {
    const c = child(el, NS.autodiscover, name);
    return c && c.getAttributeNS(NS.xsi, 'nil') !== 'true' ? textOf(c).trim() : undefined;
  };
  const flag = (el: Element, name: string) => parseBoolean(requireText(el, NS.autodiscover, name, what), name, what);
  const settings = (collection ? children(collection, NS.autodiscover, 'OrganizationRelationshipSettings') : []).map((s) => {
    const domains = child(s, NS.autodiscover, 'DomainNames');
    return {
      name: text(s, 'Name') ?? '',
      domainNames: domains ? children(domains, NS.autodiscover, 'Domain').map((d) => textOf(d).trim()) : [],
      freeBusyAccessEnabled: flag(s, 'FreeBusyAccessEnabled'),
      freeBusyAccessLevel: text(s, 'FreeBusyAccessLevel') ?? '',
      mailTipsAccessEnabled: flag(s, 'MailTipsAccessEnabled'),
      mailTipsAccessLevel: text(s, 'MailTipsAccessLevel') ?? '',
      mailboxMoveEnabled: flag(s, 'MailboxMoveEnabled'),
      deliveryReportEnabled: flag(s, 'DeliveryReportEnabled'),
      targetApplicationUri: text(s, 'TargetApplicationUri'),
      targetAutodiscoverEpr: text(s, 'TargetAutodiscoverEpr'),
      targetSharingEpr: text(s, 'TargetSharingEpr'),
    };
  });
  return { errorCode: readErrorCode(response, what), errorMessage: readErrorMessage(response), settings };
}

/** The fault in a response body, if it is one; an empty or non-XML body (a proxy's redirect) is not. */
export function faultIn(xml: string): SoapFault | undefined {
  try {
    return parseSoapFault(xml);
  } catch {
    return undefined;
  }
}
