// SOAP 1.1 wire messages of Exchange impersonation: the t:ExchangeImpersonation header an application server adds
// to name the user it acts for, the few EWS operations it uses on that user's mailbox (GetFolder, FindItem,
// CreateItem of a calendar item, UpdateItem of a subject or location), and the faults a Client Access server
// answers with when the header itself is refused.
//
// Same conventions as federation/soap.ts, whose helpers this module reuses: builders write compact XML with every
// text and attribute value escaped; parsers resolve elements by namespace URI and local name (any prefix) and
// throw SoapParseError naming what was missing or wrong. The one exception is parseImpersonationHeader, which
// reports a malformed header as a value (ok: false) because Exchange answers it with an EWS error of its own
// (ErrorInvalidExchangeImpersonationHeaderData) rather than a schema fault; a malformed envelope still throws.

import type { Element } from '@xmldom/xmldom';
import {
  NS,
  SoapParseError,
  child,
  children,
  elementChildren,
  envelope,
  escapeAttr,
  expectPayload,
  optionalText,
  parseBoolean,
  parseDateTime,
  parseEnum,
  parseEnvelopeParts,
  parseInteger,
  parseSoapFault,
  qname,
  requireChild,
  requireText,
  soapFault,
  textElement,
  textOf,
} from '../federation/soap';
import type { MessageOptions } from '../federation/soap';

/** Request and response builders take extra header fragments only (EWS uses no WS-Addressing). */
export type EwsMessageOptions = Pick<MessageOptions, 'headers'>;

/** Both EWS prefixes, bound on every payload element this module writes. */
const EWS_XMLNS = ` xmlns:m="${NS.messages}" xmlns:t="${NS.types}"`;

/** `prefix:Local` for error messages; nodeName for an element in no namespace. */
function describe(el: Element): string {
  return el.namespaceURI ? qname(el.namespaceURI, el.localName ?? el.nodeName) : el.nodeName;
}

function isTypes(el: Element, local: string): boolean {
  return el.namespaceURI === NS.types && el.localName === local;
}

/** An unqualified attribute that must be present (an empty value is reported too: no EWS id may be empty). */
function requireAttr(el: Element, name: string, what: string): string {
  const value = el.hasAttribute(name) ? el.getAttribute(name) ?? '' : undefined;
  if (value === undefined) throw new SoapParseError(`${what}: ${describe(el)} has no ${name} attribute`);
  if (value.trim() === '') throw new SoapParseError(`${what}: ${describe(el)} has an empty ${name} attribute`);
  return value.trim();
}

function optionalAttr(el: Element, name: string): string | undefined {
  return el.hasAttribute(name) ? (el.getAttribute(name) ?? '').trim() : undefined;
}

/** xs:dateTime text, validated but returned as written (trimmed), so a round trip keeps the sender's form. */
function dateTimeText(el: Element, local: string, what: string): string | undefined {
  const text = optionalText(el, NS.types, local);
  if (text !== undefined) parseDateTime(text, `t:${local}`, what);
  return text;
}

function requireDateTimeText(el: Element, local: string, what: string): string {
  const text = requireText(el, NS.types, local, what);
  parseDateTime(text, `t:${local}`, what);
  return text;
}

const NCNAME = /^[A-Za-z_][\w.-]*$/;

// ---------------------------------------------------------------------------------------------------------------
// The ExchangeImpersonation header

export type ConnectingSidKind = 'PrincipalName' | 'SID' | 'PrimarySmtpAddress' | 'SmtpAddress';

/** The identities t:ConnectingSID may hold, one at a time. SmtpAddress exists only from Exchange 2010. */
export const CONNECTING_SID_KINDS: readonly ConnectingSidKind[] = ['PrincipalName', 'SID', 'PrimarySmtpAddress', 'SmtpAddress'];

/** `<t:ExchangeImpersonation>` naming one user, for envelope's / a request builder's headers. */
export function impersonationHeader(id: { kind: ConnectingSidKind; value: string }): string {
  return impersonationHeaderRaw([id]);
}

/**
 * A header with any number of identities, of any name, for adversarial requests (two identities, none, an unknown
 * one). `ns` puts a child in another namespace (default: the EWS types namespace). A kind that is not an XML name
 * is refused (RangeError): it would make a message no parser reads, not a malformed header.
 */
export function impersonationHeaderRaw(ids: ReadonlyArray<{ kind: string; value: string; ns?: string }>): string {
  const inner = ids
    .map((id, i) => {
      if (!NCNAME.test(id.kind)) throw new RangeError(`"${id.kind}" is not an XML element name`);
      if (id.ns === undefined || id.ns === NS.types) return textElement(`t:${id.kind}`, id.value);
      return textElement(`x${i}:${id.kind}`, id.value, ` xmlns:x${i}="${escapeAttr(id.ns)}"`);
    })
    .join('');
  return `<t:ExchangeImpersonation xmlns:t="${NS.types}"><t:ConnectingSID>${inner}</t:ConnectingSID></t:ExchangeImpersonation>`;
}

export type ImpersonationHeaderResult =
  | { present: false }
  | { present: true; ok: true; kind: ConnectingSidKind; value: string }
  | { present: true; ok: false; why: string };

/** An identity's name in a `why`: its bare local name in the types namespace (as the schema names it), else qualified. */
function identityName(el: Element): string {
  return el.namespaceURI === NS.types ? el.localName ?? el.nodeName : describe(el);
}

/**
 * The request's t:ExchangeImpersonation header. present: false when the envelope has no soap:Header or no such
 * header; ok: false, with `why` saying exactly what is wrong, when the header is there but does not name exactly
 * one user by a known identity with a non-empty value. Throws SoapParseError only for a malformed envelope.
 */
export function parseImpersonationHeader(xml: string): ImpersonationHeaderResult {
  const { header } = parseEnvelopeParts(xml, 'ExchangeImpersonation header');
  const headers = header ? children(header, NS.types, 'ExchangeImpersonation') : [];
  if (headers.length === 0) return { present: false };
  const refuse = (why: string): ImpersonationHeaderResult => ({ present: true, ok: false, why });
  // Two headers could name two users; which one wins would be the server's guess, so neither does.
  if (headers.length > 1) return refuse(`soap:Header holds ${headers.length} t:ExchangeImpersonation headers; exactly one is allowed`);
  const sids = children(headers[0] as Element, NS.types, 'ConnectingSID');
  if (sids.length === 0) return refuse('t:ExchangeImpersonation has no t:ConnectingSID');
  if (sids.length > 1) return refuse(`t:ExchangeImpersonation holds ${sids.length} t:ConnectingSID elements; exactly one is allowed`);
  const ids = elementChildren(sids[0] as Element);
  const allowed = CONNECTING_SID_KINDS.join(', ');
  if (ids.length === 0) return refuse(`t:ConnectingSID holds no identity; exactly one of ${allowed} is required`);
  if (ids.length > 1) {
    return refuse(`t:ConnectingSID holds ${ids.length} identities (${ids.map(identityName).join(', ')}); exactly one is allowed`);
  }
  const id = ids[0] as Element;
  const kind = CONNECTING_SID_KINDS.find((k) => isTypes(id, k));
  if (!kind) {
    const sameName = (CONNECTING_SID_KINDS as readonly string[]).includes(id.localName ?? '');
    return refuse(
      sameName
        ? `t:ConnectingSID holds ${describe(id)}, which is not in the EWS types namespace (${NS.types})`
        : `t:ConnectingSID holds ${identityName(id)}, which is not one of ${allowed}`,
    );
  }
  if (elementChildren(id).length > 0) return refuse(`t:ConnectingSID/t:${kind} holds elements; a plain value is expected`);
  const value = textOf(id).trim();
  if (value === '') return refuse(`t:ConnectingSID/t:${kind} is empty${textOf(id) === '' ? '' : ' (whitespace only)'}`);
  return { present: true, ok: true, kind, value };
}

/** t:RequestServerVersion (e.g. Exchange2007_SP1, Exchange2010), which decides whether SmtpAddress is known. */
export function requestServerVersionHeader(version: string): string {
  return `<t:RequestServerVersion Version="${escapeAttr(version)}" xmlns:t="${NS.types}"/>`;
}

/** The Version of the request's t:RequestServerVersion header, or undefined when it has none. */
export function parseRequestServerVersion(xml: string): string | undefined {
  const what = 'RequestServerVersion header';
  const { header } = parseEnvelopeParts(xml, what);
  const version = header && child(header, NS.types, 'RequestServerVersion');
  return version ? requireAttr(version, 'Version', what) : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Faults for header-level failures

export const EWS_IMPERSONATION_ERRORS = [
  'ErrorImpersonationDenied',
  'ErrorImpersonateUserDenied',
  'ErrorImpersonationFailed',
  'ErrorInvalidExchangeImpersonationHeaderData',
  'ErrorNonExistentMailbox',
  'ErrorNonPrimarySmtpAddress',
  'ErrorInvalidSid',
] as const;

export type EwsImpersonationError = (typeof EWS_IMPERSONATION_ERRORS)[number];

/**
 * A whole envelope whose body is the fault Exchange sends (with HTTP 500) when it refuses the request as a whole:
 * faultcode `a:<code>`, detail/e:ResponseCode `<code>` and e:Message. soapFault binds `a` to the EWS types
 * namespace, as Exchange writes `<faultcode xmlns:a="…/services/2006/types">a:ErrorSchemaValidation</faultcode>`.
 */
export function ewsFault(code: string, message: string): string {
  return soapFault({ code: `a:${code}`, message, responseCode: code });
}

export interface EwsFault {
  /** detail/e:ResponseCode, or, for a fault without one (soap:Client), the local part of faultcode. */
  responseCode: string;
  /** faultstring. */
  message: string;
  /** faultcode as written. */
  faultCode: string;
}

/** The EWS fault in a response, or undefined when its body is not a fault. Throws on a malformed envelope. */
export function parseEwsFault(xml: string): EwsFault | undefined {
  const fault = parseSoapFault(xml);
  if (!fault) return undefined;
  const responseCode = fault.responseCode ?? fault.code.slice(fault.code.indexOf(':') + 1);
  return { responseCode, message: fault.message, faultCode: fault.code };
}

// ---------------------------------------------------------------------------------------------------------------
// Folder ids

/** Exchange 2007's distinguished folder names (the ones every later version also knows). */
export const DISTINGUISHED_FOLDER_NAMES = [
  'calendar', 'contacts', 'deleteditems', 'drafts', 'inbox', 'journal', 'notes', 'outbox', 'sentitems', 'tasks',
  'msgfolderroot', 'publicfoldersroot', 'root', 'junkemail', 'searchfolders', 'voicemail',
] as const;

export type DistinguishedFolderName = (typeof DISTINGUISHED_FOLDER_NAMES)[number];

/** A t:DistinguishedFolderId (in the mailbox given, else the caller's or impersonated user's) or a t:FolderId. */
export type FolderRef =
  | { kind: 'distinguished'; id: DistinguishedFolderName; mailbox?: string }
  | { kind: 'folder'; id: string; changeKey?: string };

function folderRefXml(f: FolderRef): string {
  if (f.kind === 'folder') {
    const changeKey = f.changeKey === undefined ? '' : ` ChangeKey="${escapeAttr(f.changeKey)}"`;
    return `<t:FolderId Id="${escapeAttr(f.id)}"${changeKey}/>`;
  }
  const mailbox = f.mailbox === undefined ? '' : `<t:Mailbox>${textElement('t:EmailAddress', f.mailbox)}</t:Mailbox>`;
  return `<t:DistinguishedFolderId Id="${escapeAttr(f.id)}">${mailbox}</t:DistinguishedFolderId>`;
}

function readFolderRef(el: Element, what: string): FolderRef {
  if (isTypes(el, 'FolderId')) {
    const out: FolderRef = { kind: 'folder', id: requireAttr(el, 'Id', what) };
    const changeKey = optionalAttr(el, 'ChangeKey');
    if (changeKey !== undefined) out.changeKey = changeKey;
    return out;
  }
  if (isTypes(el, 'DistinguishedFolderId')) {
    const id = parseEnum(requireAttr(el, 'Id', what), DISTINGUISHED_FOLDER_NAMES, 't:DistinguishedFolderId Id', what);
    const out: FolderRef = { kind: 'distinguished', id };
    const mailbox = child(el, NS.types, 'Mailbox');
    if (mailbox) out.mailbox = requireText(mailbox, NS.types, 'EmailAddress', what);
    return out;
  }
  throw new SoapParseError(`${what}: ${describe(el)} is not a t:DistinguishedFolderId or t:FolderId`);
}

/** Every folder id in a container (m:FolderIds, m:ParentFolderIds, m:SavedItemFolderId); at least one. */
function readFolderRefs(container: Element, what: string): FolderRef[] {
  const ids = elementChildren(container).map((el) => readFolderRef(el, what));
  if (ids.length === 0) throw new SoapParseError(`${what}: ${describe(container)} holds no folder id`);
  return ids;
}

function readSingleFolderRef(container: Element, what: string): FolderRef {
  const ids = readFolderRefs(container, what);
  if (ids.length > 1) throw new SoapParseError(`${what}: ${describe(container)} holds ${ids.length} folder ids; this simulation supports one`);
  return ids[0] as FolderRef;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared response shapes

export type BaseShape = 'IdOnly' | 'Default' | 'AllProperties';
export const BASE_SHAPES: readonly BaseShape[] = ['IdOnly', 'Default', 'AllProperties'];

export type ResponseClass = 'Success' | 'Warning' | 'Error';
const RESPONSE_CLASSES: readonly ResponseClass[] = ['Success', 'Warning', 'Error'];

/** The status every EWS response message carries, one message per folder or item the request named. */
export interface EwsResponseStatus {
  responseClass: ResponseClass;
  /** NoError, or an item-level code such as ErrorAccessDenied, ErrorItemNotFound, ErrorFolderNotFound. */
  responseCode: string;
  /** Written only when responseCode is not NoError ('' when not given). */
  messageText?: string;
}

export interface EwsFolder {
  folderId: string;
  displayName: string;
  totalCount: number;
}

/**
 * An item. It is written as t:CalendarItem when it has a start, end or location (the calendar properties),
 * otherwise as t:Message; start/end/location are read from any item element that has them.
 */
export interface EwsItem {
  itemId: string;
  changeKey: string;
  subject: string;
  /** xs:dateTime, e.g. 2011-12-12T09:00:00Z. */
  start?: string;
  end?: string;
  location?: string;
}

/** MessageText, ResponseCode and DescriptiveLinkKey of a response message (presence's push messages use it too). */
export function statusXml(s: EwsResponseStatus): string {
  const ok = s.responseCode === 'NoError';
  // Exchange writes MessageText and DescriptiveLinkKey only on a message that is not NoError.
  return (
    (ok ? '' : textElement('m:MessageText', s.messageText ?? '')) +
    textElement('m:ResponseCode', s.responseCode) +
    (ok ? '' : '<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>')
  );
}

function readStatus(message: Element, what: string): EwsResponseStatus {
  const out: EwsResponseStatus = {
    responseClass: parseEnum(message.getAttribute('ResponseClass') ?? '', RESPONSE_CLASSES, 'ResponseClass', what),
    responseCode: requireText(message, NS.messages, 'ResponseCode', what),
  };
  const text = child(message, NS.messages, 'MessageText');
  if (text) out.messageText = textOf(text);
  return out;
}

/** `<m:{Op}Response><m:ResponseMessages>…</m:ResponseMessages></m:{Op}Response>` in an envelope. */
function responseEnvelope(operation: string, messages: string[], options: EwsMessageOptions): string {
  return envelope(`<m:${operation}Response${EWS_XMLNS}><m:ResponseMessages>${messages.join('')}</m:ResponseMessages></m:${operation}Response>`, options.headers);
}

export function messageXml(operation: string, s: EwsResponseStatus, content: string): string {
  return `<m:${operation}ResponseMessage ResponseClass="${escapeAttr(s.responseClass)}">${statusXml(s)}${content}</m:${operation}ResponseMessage>`;
}

/** The m:{Op}ResponseMessage elements of a response; a fault in the body is reported as SoapFaultError. */
function readMessages(xml: string, operation: string, what: string): Element[] {
  const { payload } = expectPayload(xml, NS.messages, `${operation}Response`, what);
  const messages = requireChild(payload, NS.messages, 'ResponseMessages', what);
  return children(messages, NS.messages, `${operation}ResponseMessage`);
}

function folderXml(f: EwsFolder): string {
  return (
    `<t:Folder><t:FolderId Id="${escapeAttr(f.folderId)}"/>` +
    textElement('t:DisplayName', f.displayName) +
    textElement('t:TotalCount', String(f.totalCount)) +
    '</t:Folder>'
  );
}

const FOLDER_ELEMENTS = ['Folder', 'CalendarFolder', 'ContactsFolder', 'SearchFolder', 'TasksFolder'];

function readFolder(el: Element, what: string): EwsFolder {
  if (!FOLDER_ELEMENTS.some((name) => isTypes(el, name))) throw new SoapParseError(`${what}: ${describe(el)} is not a folder`);
  const total = optionalText(el, NS.types, 'TotalCount');
  const name = child(el, NS.types, 'DisplayName');
  return {
    folderId: requireAttr(requireChild(el, NS.types, 'FolderId', what), 'Id', what),
    displayName: name ? textOf(name) : '',
    totalCount: total === undefined ? 0 : parseInteger(total, 't:TotalCount', what),
  };
}

function isCalendar(item: { start?: string; end?: string; location?: string }): boolean {
  return item.start !== undefined || item.end !== undefined || item.location !== undefined;
}

function itemXml(item: EwsItem): string {
  const name = isCalendar(item) ? 't:CalendarItem' : 't:Message';
  // Schema order: ItemId, Subject (item properties), then Start, End, Location (calendar properties).
  return (
    `<${name}><t:ItemId Id="${escapeAttr(item.itemId)}" ChangeKey="${escapeAttr(item.changeKey)}"/>` +
    textElement('t:Subject', item.subject) +
    (item.start === undefined ? '' : textElement('t:Start', item.start)) +
    (item.end === undefined ? '' : textElement('t:End', item.end)) +
    (item.location === undefined ? '' : textElement('t:Location', item.location)) +
    `</${name}>`
  );
}

function readItem(el: Element, what: string): EwsItem {
  if (el.namespaceURI !== NS.types) throw new SoapParseError(`${what}: ${describe(el)} is not an EWS item`);
  const id = requireChild(el, NS.types, 'ItemId', what);
  const subject = child(el, NS.types, 'Subject');
  const out: EwsItem = { itemId: requireAttr(id, 'Id', what), changeKey: optionalAttr(id, 'ChangeKey') ?? '', subject: subject ? textOf(subject) : '' };
  const start = dateTimeText(el, 'Start', what);
  const end = dateTimeText(el, 'End', what);
  const location = child(el, NS.types, 'Location');
  if (start !== undefined) out.start = start;
  if (end !== undefined) out.end = end;
  if (location) out.location = textOf(location);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// GetFolder

export interface GetFolderRequest {
  folderIds: readonly FolderRef[];
  /** Default when omitted. */
  baseShape?: BaseShape;
}

export interface ParsedGetFolderRequest {
  operation: 'GetFolder';
  baseShape: BaseShape;
  folderIds: FolderRef[];
}

export function getFolderRequest(r: GetFolderRequest, options: EwsMessageOptions = {}): string {
  const body =
    `<m:GetFolder${EWS_XMLNS}><m:FolderShape>${textElement('t:BaseShape', r.baseShape ?? 'Default')}</m:FolderShape>` +
    `<m:FolderIds>${r.folderIds.map(folderRefXml).join('')}</m:FolderIds></m:GetFolder>`;
  return envelope(body, options.headers);
}

function readGetFolder(payload: Element, what: string): ParsedGetFolderRequest {
  const shape = requireChild(payload, NS.messages, 'FolderShape', what);
  return {
    operation: 'GetFolder',
    baseShape: parseEnum(requireText(shape, NS.types, 'BaseShape', what), BASE_SHAPES, 't:BaseShape', what),
    folderIds: readFolderRefs(requireChild(payload, NS.messages, 'FolderIds', what), what),
  };
}

export function parseGetFolderRequest(xml: string): ParsedGetFolderRequest {
  const what = 'EWS GetFolder request';
  return readGetFolder(expectPayload(xml, NS.messages, 'GetFolder', what).payload, what);
}

export interface GetFolderResponseMessage extends EwsResponseStatus {
  folders: EwsFolder[];
}

/** One message per requested folder; an Error message carries no m:Folders. */
export function getFolderResponse(messages: readonly GetFolderResponseMessage[], options: EwsMessageOptions = {}): string {
  const xml = messages.map((m) =>
    messageXml('GetFolder', m, m.responseClass === 'Error' && m.folders.length === 0 ? '' : `<m:Folders>${m.folders.map(folderXml).join('')}</m:Folders>`),
  );
  return responseEnvelope('GetFolder', xml, options);
}

export function parseGetFolderResponse(xml: string): GetFolderResponseMessage[] {
  const what = 'EWS GetFolder response';
  return readMessages(xml, 'GetFolder', what).map((m) => {
    const folders = child(m, NS.messages, 'Folders');
    return { ...readStatus(m, what), folders: folders ? elementChildren(folders).map((f) => readFolder(f, what)) : [] };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// FindItem

export type Traversal = 'Shallow' | 'SoftDeleted' | 'Associated';
const TRAVERSALS: readonly Traversal[] = ['Shallow', 'SoftDeleted', 'Associated'];

export interface FindItemRequest {
  parentFolderId: FolderRef;
  /** Shallow when omitted. */
  traversal?: Traversal;
  /** Default when omitted. */
  baseShape?: BaseShape;
}

export interface ParsedFindItemRequest {
  operation: 'FindItem';
  traversal: Traversal;
  baseShape: BaseShape;
  parentFolderId: FolderRef;
}

export function findItemRequest(r: FindItemRequest, options: EwsMessageOptions = {}): string {
  const body =
    `<m:FindItem Traversal="${escapeAttr(r.traversal ?? 'Shallow')}"${EWS_XMLNS}>` +
    `<m:ItemShape>${textElement('t:BaseShape', r.baseShape ?? 'Default')}</m:ItemShape>` +
    `<m:ParentFolderIds>${folderRefXml(r.parentFolderId)}</m:ParentFolderIds></m:FindItem>`;
  return envelope(body, options.headers);
}

function readFindItem(payload: Element, what: string): ParsedFindItemRequest {
  // FindItem's Traversal has no default in the schema; Deep is for folders only (FindFolder).
  const traversal = payload.hasAttribute('Traversal') ? payload.getAttribute('Traversal') ?? '' : undefined;
  if (traversal === undefined) throw new SoapParseError(`${what}: m:FindItem has no Traversal attribute`);
  const shape = requireChild(payload, NS.messages, 'ItemShape', what);
  return {
    operation: 'FindItem',
    traversal: parseEnum(traversal, TRAVERSALS, 'Traversal', what),
    baseShape: parseEnum(requireText(shape, NS.types, 'BaseShape', what), BASE_SHAPES, 't:BaseShape', what),
    parentFolderId: readSingleFolderRef(requireChild(payload, NS.messages, 'ParentFolderIds', what), what),
  };
}

export function parseFindItemRequest(xml: string): ParsedFindItemRequest {
  const what = 'EWS FindItem request';
  return readFindItem(expectPayload(xml, NS.messages, 'FindItem', what).payload, what);
}

export interface FindItemResponseMessage extends EwsResponseStatus {
  items: EwsItem[];
  totalItemsInView: number;
  includesLastItemInRange: boolean;
}

/** An Error message carries no m:RootFolder; parsed, it has no items, a view of 0 and includesLastItemInRange true. */
export function findItemResponse(messages: readonly FindItemResponseMessage[], options: EwsMessageOptions = {}): string {
  const xml = messages.map((m) =>
    messageXml(
      'FindItem',
      m,
      m.responseClass === 'Error'
        ? ''
        : `<m:RootFolder TotalItemsInView="${m.totalItemsInView}" IncludesLastItemInRange="${m.includesLastItemInRange}">` +
            `<t:Items>${m.items.map(itemXml).join('')}</t:Items></m:RootFolder>`,
    ),
  );
  return responseEnvelope('FindItem', xml, options);
}

export function parseFindItemResponse(xml: string): FindItemResponseMessage[] {
  const what = 'EWS FindItem response';
  return readMessages(xml, 'FindItem', what).map((m) => {
    const out: FindItemResponseMessage = { ...readStatus(m, what), items: [], totalItemsInView: 0, includesLastItemInRange: true };
    const root = child(m, NS.messages, 'RootFolder');
    if (root) {
      out.totalItemsInView = parseInteger(requireAttr(root, 'TotalItemsInView', what), 'TotalItemsInView', what);
      out.includesLastItemInRange = parseBoolean(requireAttr(root, 'IncludesLastItemInRange', what), 'IncludesLastItemInRange', what);
      const items = child(root, NS.types, 'Items');
      if (items) out.items = elementChildren(items).map((i) => readItem(i, what));
    }
    return out;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// CreateItem (one calendar item)

export type SendMeetingInvitations = 'SendToNone' | 'SendOnlyToAll' | 'SendToAllAndSaveCopy';
const SEND_MEETING_INVITATIONS: readonly SendMeetingInvitations[] = ['SendToNone', 'SendOnlyToAll', 'SendToAllAndSaveCopy'];

export interface NewCalendarItem {
  subject: string;
  /** xs:dateTime. */
  start: string;
  end: string;
  location?: string;
}

export interface CreateItemRequest {
  /** Where to save the item; EWS saves it in the calendar when omitted. */
  savedItemFolderId?: FolderRef;
  item: NewCalendarItem;
  /** SendToNone when omitted. */
  sendMeetingInvitations?: SendMeetingInvitations;
}

export interface ParsedCreateItemRequest {
  operation: 'CreateItem';
  savedItemFolderId?: FolderRef;
  item: NewCalendarItem;
  /** Undefined when the request omits the attribute (Exchange requires it for calendar items). */
  sendMeetingInvitations?: SendMeetingInvitations;
}

export function createItemRequest(r: CreateItemRequest, options: EwsMessageOptions = {}): string {
  const i = r.item;
  const folder = r.savedItemFolderId === undefined ? '' : `<m:SavedItemFolderId>${folderRefXml(r.savedItemFolderId)}</m:SavedItemFolderId>`;
  const body =
    `<m:CreateItem SendMeetingInvitations="${escapeAttr(r.sendMeetingInvitations ?? 'SendToNone')}"${EWS_XMLNS}>${folder}` +
    `<m:Items><t:CalendarItem>${textElement('t:Subject', i.subject)}${textElement('t:Start', i.start)}${textElement('t:End', i.end)}` +
    `${i.location === undefined ? '' : textElement('t:Location', i.location)}</t:CalendarItem></m:Items></m:CreateItem>`;
  return envelope(body, options.headers);
}

function readCreateItem(payload: Element, what: string): ParsedCreateItemRequest {
  const items = elementChildren(requireChild(payload, NS.messages, 'Items', what));
  if (items.length !== 1) throw new SoapParseError(`${what}: m:Items holds ${items.length} items; this simulation creates exactly one`);
  const el = items[0] as Element;
  if (!isTypes(el, 'CalendarItem')) throw new SoapParseError(`${what}: m:Items holds ${describe(el)}; only t:CalendarItem is supported`);
  const subject = child(el, NS.types, 'Subject');
  const item: NewCalendarItem = {
    subject: subject ? textOf(subject) : '',
    start: requireDateTimeText(el, 'Start', what),
    end: requireDateTimeText(el, 'End', what),
  };
  const location = child(el, NS.types, 'Location');
  if (location) item.location = textOf(location);
  const out: ParsedCreateItemRequest = { operation: 'CreateItem', item };
  const folder = child(payload, NS.messages, 'SavedItemFolderId');
  if (folder) out.savedItemFolderId = readSingleFolderRef(folder, what);
  const send = payload.hasAttribute('SendMeetingInvitations') ? payload.getAttribute('SendMeetingInvitations') ?? '' : undefined;
  if (send !== undefined) out.sendMeetingInvitations = parseEnum(send, SEND_MEETING_INVITATIONS, 'SendMeetingInvitations', what);
  return out;
}

export function parseCreateItemRequest(xml: string): ParsedCreateItemRequest {
  const what = 'EWS CreateItem request';
  return readCreateItem(expectPayload(xml, NS.messages, 'CreateItem', what).payload, what);
}

/** The created item (Exchange returns its id and change key; the other properties are echoed when given). */
export interface CreateItemResponseMessage extends EwsResponseStatus {
  items: EwsItem[];
}

/** m:Items is written on every message, empty on an error, as Exchange does. */
export function createItemResponse(messages: readonly CreateItemResponseMessage[], options: EwsMessageOptions = {}): string {
  return responseEnvelope('CreateItem', messages.map((m) => messageXml('CreateItem', m, `<m:Items>${m.items.map(itemXml).join('')}</m:Items>`)), options);
}

function readItemsMessages(xml: string, operation: string, what: string): Array<EwsResponseStatus & { items: EwsItem[] }> {
  return readMessages(xml, operation, what).map((m) => {
    const items = child(m, NS.messages, 'Items');
    return { ...readStatus(m, what), items: items ? elementChildren(items).map((i) => readItem(i, what)) : [] };
  });
}

export function parseCreateItemResponse(xml: string): CreateItemResponseMessage[] {
  return readItemsMessages(xml, 'CreateItem', 'EWS CreateItem response');
}

// ---------------------------------------------------------------------------------------------------------------
// UpdateItem (Subject and/or Location of one item)

export type ConflictResolution = 'NeverOverwrite' | 'AutoResolve' | 'AlwaysOverwrite';
const CONFLICT_RESOLUTIONS: readonly ConflictResolution[] = ['NeverOverwrite', 'AutoResolve', 'AlwaysOverwrite'];

export type SendMeetingInvitationsOrCancellations = 'SendToNone' | 'SendOnlyToAll' | 'SendOnlyToChanged' | 'SendToAllAndSaveCopy' | 'SendToChangedAndSaveCopy';
const SEND_INVITATIONS_OR_CANCELLATIONS: readonly SendMeetingInvitationsOrCancellations[] = [
  'SendToNone', 'SendOnlyToAll', 'SendOnlyToChanged', 'SendToAllAndSaveCopy', 'SendToChangedAndSaveCopy',
];

export interface UpdateItemRequest {
  itemId: string;
  changeKey: string;
  /** Each given property becomes one t:SetItemField (item:Subject, calendar:Location). */
  subject?: string;
  location?: string;
  /** AutoResolve when omitted. */
  conflictResolution?: ConflictResolution;
  /** SendToNone when omitted. */
  sendMeetingInvitationsOrCancellations?: SendMeetingInvitationsOrCancellations;
}

export interface ParsedUpdateItemRequest {
  operation: 'UpdateItem';
  itemId: string;
  /** '' when the t:ItemId has no ChangeKey. */
  changeKey: string;
  subject?: string;
  location?: string;
  conflictResolution: ConflictResolution;
  sendMeetingInvitationsOrCancellations?: SendMeetingInvitationsOrCancellations;
}

export function updateItemRequest(r: UpdateItemRequest, options: EwsMessageOptions = {}): string {
  const set = (uri: string, property: string) => `<t:SetItemField><t:FieldURI FieldURI="${uri}"/><t:CalendarItem>${property}</t:CalendarItem></t:SetItemField>`;
  const updates =
    (r.subject === undefined ? '' : set('item:Subject', textElement('t:Subject', r.subject))) +
    (r.location === undefined ? '' : set('calendar:Location', textElement('t:Location', r.location)));
  const body =
    `<m:UpdateItem ConflictResolution="${escapeAttr(r.conflictResolution ?? 'AutoResolve')}" ` +
    `SendMeetingInvitationsOrCancellations="${escapeAttr(r.sendMeetingInvitationsOrCancellations ?? 'SendToNone')}"${EWS_XMLNS}>` +
    `<m:ItemChanges><t:ItemChange><t:ItemId Id="${escapeAttr(r.itemId)}" ChangeKey="${escapeAttr(r.changeKey)}"/>` +
    `<t:Updates>${updates}</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`;
  return envelope(body, options.headers);
}

/** The field URIs this simulation updates, the element that carries each value and the item types it is valid on. */
// A Map, not an object literal: a FieldURI such as "constructor" must not find an inherited member.
const UPDATABLE_FIELDS = new Map<string, { property: 'subject' | 'location'; element: string; on: string[] }>([
  ['item:Subject', { property: 'subject', element: 'Subject', on: ['Item', 'Message', 'CalendarItem'] }],
  ['calendar:Location', { property: 'location', element: 'Location', on: ['CalendarItem'] }],
]);

function readUpdateItem(payload: Element, what: string): ParsedUpdateItemRequest {
  const conflict = payload.hasAttribute('ConflictResolution') ? payload.getAttribute('ConflictResolution') ?? '' : undefined;
  if (conflict === undefined) throw new SoapParseError(`${what}: m:UpdateItem has no ConflictResolution attribute`);
  const changes = children(requireChild(payload, NS.messages, 'ItemChanges', what), NS.types, 'ItemChange');
  if (changes.length !== 1) throw new SoapParseError(`${what}: m:ItemChanges holds ${changes.length} t:ItemChange elements; this simulation updates exactly one`);
  const change = changes[0] as Element;
  const id = requireChild(change, NS.types, 'ItemId', what);
  const out: ParsedUpdateItemRequest = {
    operation: 'UpdateItem',
    itemId: requireAttr(id, 'Id', what),
    changeKey: optionalAttr(id, 'ChangeKey') ?? '',
    conflictResolution: parseEnum(conflict, CONFLICT_RESOLUTIONS, 'ConflictResolution', what),
  };
  const send = payload.hasAttribute('SendMeetingInvitationsOrCancellations') ? payload.getAttribute('SendMeetingInvitationsOrCancellations') ?? '' : undefined;
  if (send !== undefined) {
    out.sendMeetingInvitationsOrCancellations = parseEnum(send, SEND_INVITATIONS_OR_CANCELLATIONS, 'SendMeetingInvitationsOrCancellations', what);
  }
  const updates = elementChildren(requireChild(change, NS.types, 'Updates', what));
  if (updates.length === 0) throw new SoapParseError(`${what}: t:Updates holds no change`);
  for (const update of updates) {
    if (!isTypes(update, 'SetItemField')) throw new SoapParseError(`${what}: t:Updates holds ${describe(update)}; only t:SetItemField is supported`);
    const [path, value] = elementChildren(update);
    if (!path || !isTypes(path, 'FieldURI')) {
      throw new SoapParseError(`${what}: t:SetItemField starts with ${path ? describe(path) : 'nothing'}, expected t:FieldURI`);
    }
    const uri = requireAttr(path, 'FieldURI', what);
    const field = UPDATABLE_FIELDS.get(uri);
    if (!field) throw new SoapParseError(`${what}: FieldURI "${uri}" is not one of ${[...UPDATABLE_FIELDS.keys()].join(', ')}`);
    if (!value || !field.on.some((name) => isTypes(value, name))) {
      throw new SoapParseError(`${what}: t:SetItemField for ${uri} holds ${value ? describe(value) : 'no item'}, expected ${field.on.map((n) => `t:${n}`).join(' or ')}`);
    }
    if (out[field.property] !== undefined) throw new SoapParseError(`${what}: ${uri} is set twice`);
    out[field.property] = textOf(requireChild(value, NS.types, field.element, what));
  }
  return out;
}

export function parseUpdateItemRequest(xml: string): ParsedUpdateItemRequest {
  const what = 'EWS UpdateItem request';
  return readUpdateItem(expectPayload(xml, NS.messages, 'UpdateItem', what).payload, what);
}

/** The updated item with its new change key. */
export interface UpdateItemResponseMessage extends EwsResponseStatus {
  items: EwsItem[];
}

/** m:Items on every message (empty on an error); m:ConflictResults (none) on a success, as Exchange 2007 SP1+ writes. */
export function updateItemResponse(messages: readonly UpdateItemResponseMessage[], options: EwsMessageOptions = {}): string {
  const xml = messages.map((m) =>
    messageXml(
      'UpdateItem',
      m,
      `<m:Items>${m.items.map(itemXml).join('')}</m:Items>` + (m.responseClass === 'Error' ? '' : '<m:ConflictResults><t:Count>0</t:Count></m:ConflictResults>'),
    ),
  );
  return responseEnvelope('UpdateItem', xml, options);
}

export function parseUpdateItemResponse(xml: string): UpdateItemResponseMessage[] {
  return readItemsMessages(xml, 'UpdateItem', 'EWS UpdateItem response');
}

// ---------------------------------------------------------------------------------------------------------------
// Dispatch

export type EwsOperation = 'GetFolder' | 'FindItem' | 'CreateItem' | 'UpdateItem';
export const EWS_OPERATIONS: readonly EwsOperation[] = ['GetFolder', 'FindItem', 'CreateItem', 'UpdateItem'];

export type ParsedEwsRequest = ParsedGetFolderRequest | ParsedFindItemRequest | ParsedCreateItemRequest | ParsedUpdateItemRequest;

const READERS: Record<EwsOperation, (payload: Element, what: string) => ParsedEwsRequest> = {
  GetFolder: readGetFolder,
  FindItem: readFindItem,
  CreateItem: readCreateItem,
  UpdateItem: readUpdateItem,
};

/** The request, by its body payload (m:GetFolder, m:FindItem, m:CreateItem, m:UpdateItem); anything else throws. */
export function parseEwsRequest(xml: string): ParsedEwsRequest {
  const { payload } = parseEnvelopeParts(xml, 'EWS request');
  if (!payload) throw new SoapParseError(`EWS request: soap:Body is empty, expected one of ${EWS_OPERATIONS.map((o) => `m:${o}`).join(', ')}`);
  const operation = EWS_OPERATIONS.find((o) => payload.namespaceURI === NS.messages && payload.localName === o);
  if (!operation) {
    throw new SoapParseError(`EWS request: soap:Body holds ${describe(payload)}, not one of ${EWS_OPERATIONS.map((o) => `m:${o}`).join(', ')}`);
  }
  return READERS[operation](payload, `EWS ${operation} request`);
}
