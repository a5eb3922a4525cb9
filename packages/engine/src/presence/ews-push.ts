// SOAP 1.1 wire messages of EWS push notifications, as Cisco Unified Presence 8.5 uses them against Exchange 2007
// SP1 / 2010 for calendar presence: through an impersonation account it subscribes each user's calendar folder
// with m:Subscribe/m:PushSubscriptionRequest naming the URL it listens on (TCP 50020, e.g.
// http://cups.apps.local:50020/); Exchange then POSTs m:SendNotification messages to that URL — events, and a
// StatusEvent keep-alive every StatusFrequency minutes — and the presence server answers each with
// m:SendNotificationResult (OK to keep the subscription, Unsubscribe to end it). m:Unsubscribe ends a pull or
// streaming subscription; a push subscription ends by answering Unsubscribe (or by not answering at all).
//
// Pure builders and parsers in the conventions of federation/soap.ts and impersonation/ews-soap.ts, whose helpers
// this module reuses: builders write compact XML with every text and attribute value escaped, and take extra
// header fragments (impersonationHeader(…), requestServerVersionHeader(…)) in `options.headers`; builders do not
// validate values, so adversarial messages (StatusFrequency 0, an ftp: URL) can be written. Parsers resolve
// elements by namespace URI and local name (any prefix) and throw EwsSchemaError (a SoapParseError) naming the
// element that is missing or wrong; a SOAP fault in the body is reported as SoapFaultError instead.

import type { Element } from '@xmldom/xmldom';
import {
  NS,
  SoapFaultError,
  SoapParseError,
  child,
  children,
  elementChildren,
  envelope,
  escapeAttr,
  expectPayload,
  formatDateTime,
  parseBoolean,
  parseDateTime,
  parseEnum,
  qname,
  requireChild,
  textElement,
  textOf,
} from '../federation/soap';
import type { EwsMessageOptions, EwsResponseStatus, ResponseClass } from '../impersonation/ews-soap';
import { messageXml } from '../impersonation/ews-soap';

/** Content type of every EWS request and response, push notifications included. */
export const EWS_CONTENT_TYPE = 'text/xml; charset=utf-8';

/** The TCP port Cisco Unified Presence listens on for Exchange's push notifications. */
export const CUPS_EWS_NOTIFICATION_PORT = 50020;

/** t:StatusFrequency (SubscriptionStatusFrequencyType): minutes, an integer from 1 to 1440; 30 when omitted. */
export const EWS_STATUS_FREQUENCY = { min: 1, max: 1440, default: 30 } as const;

/** CUPS' "EWS Status Frequency" setting, in minutes. */
export const CUPS_STATUS_FREQUENCY = { min: 10, max: 1440, default: 60 } as const;

/** Both EWS prefixes, bound on every payload element this module writes. */
const EWS_XMLNS = ` xmlns:m="${NS.messages}" xmlns:t="${NS.types}"`;

// ---------------------------------------------------------------------------------------------------------------
// Errors

/**
 * A message that breaks the EWS schema (or is not a message at all). `element` names the offending element when
 * one is known; `responseCode` is the EWS code a server answers with: ErrorSchemaValidation, or
 * ErrorInvalidPushSubscriptionUrl for a t:URL that is not an http(s) URL.
 */
export class EwsSchemaError extends SoapParseError {
  readonly element?: string;
  readonly responseCode: string;
  constructor(message: string, details: { element?: string; responseCode?: string } = {}) {
    super(message);
    this.name = 'EwsSchemaError';
    if (details.element !== undefined) this.element = details.element;
    this.responseCode = details.responseCode ?? 'ErrorSchemaValidation';
  }
}

/** Runs a parse, reporting any SoapParseError other than a fault as an EwsSchemaError with the same message. */
function guard<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof SoapParseError && !(e instanceof EwsSchemaError) && !(e instanceof SoapFaultError)) {
      throw new EwsSchemaError(e.message);
    }
    throw e;
  }
}

/** `prefix:Local` for error messages; nodeName for an element in no namespace. */
function describe(el: Element): string {
  return el.namespaceURI ? qname(el.namespaceURI, el.localName ?? el.nodeName) : el.nodeName;
}

function isTypes(el: Element, local: string): boolean {
  return el.namespaceURI === NS.types && el.localName === local;
}

/** Trimmed, non-empty text of a required child. */
function requireValue(el: Element, ns: string, local: string, what: string): string {
  const value = textOf(requireChild(el, ns, local, what)).trim();
  if (value === '') throw new EwsSchemaError(`${what}: ${qname(ns, local)} is empty`, { element: qname(ns, local) });
  return value;
}

/** An unqualified attribute that must be present and non-empty. */
function requireAttr(el: Element, name: string, what: string): string {
  const value = el.hasAttribute(name) ? (el.getAttribute(name) ?? '').trim() : undefined;
  if (value === undefined) throw new EwsSchemaError(`${what}: ${describe(el)} has no ${name} attribute`, { element: describe(el) });
  if (value === '') throw new EwsSchemaError(`${what}: ${describe(el)} has an empty ${name} attribute`, { element: describe(el) });
  return value;
}

function optionalAttr(el: Element, name: string): string | undefined {
  return el.hasAttribute(name) ? (el.getAttribute(name) ?? '').trim() : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Event types

export type EwsEventType = 'NewMailEvent' | 'CreatedEvent' | 'ModifiedEvent' | 'DeletedEvent' | 'MovedEvent' | 'CopiedEvent' | 'StatusEvent';

/** Every event a notification may carry. */
export const EWS_EVENT_TYPES: readonly EwsEventType[] = [
  'NewMailEvent', 'CreatedEvent', 'ModifiedEvent', 'DeletedEvent', 'MovedEvent', 'CopiedEvent', 'StatusEvent',
];

/** The t:EventType values a subscription may name (NotificationEventTypeType): all but StatusEvent, which is always sent. */
export const SUBSCRIBABLE_EVENT_TYPES: readonly Exclude<EwsEventType, 'StatusEvent'>[] = [
  'NewMailEvent', 'CreatedEvent', 'ModifiedEvent', 'DeletedEvent', 'MovedEvent', 'CopiedEvent',
];

// ---------------------------------------------------------------------------------------------------------------
// Retry schedule

/**
 * When Exchange retries a notification the client did not answer, in seconds after the first attempt: after 30 s,
 * then each wait doubled (30, 60, 120, 240, …), as long as the retry still falls within StatusFrequency minutes;
 * after the last one the subscription is dropped. The default 30 minutes gives six retries (30 … 960 s).
 * Throws RangeError for a frequency EWS does not accept.
 */
export function retryDelays(statusFrequencyMinutes: number): number[] {
  const f = statusFrequencyMinutes;
  if (!Number.isInteger(f) || f < EWS_STATUS_FREQUENCY.min || f > EWS_STATUS_FREQUENCY.max) {
    throw new RangeError(`StatusFrequency ${f} is not an integer from ${EWS_STATUS_FREQUENCY.min} to ${EWS_STATUS_FREQUENCY.max}`);
  }
  const out: number[] = [];
  for (let s = 30; s <= f * 60; s *= 2) out.push(s);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared pieces

/** A folder to watch: a distinguished folder (in the mailbox given, else the caller's or impersonated user's) or a t:FolderId. */
export type PushFolderId = { distinguished: 'calendar' | string; mailbox?: string } | { id: string; changeKey?: string };

/** An item or folder id as an event names it. */
export interface EwsObjectId {
  id: string;
  changeKey?: string;
}

function folderIdXml(f: PushFolderId): string {
  if ('id' in f) {
    const changeKey = f.changeKey === undefined ? '' : ` ChangeKey="${escapeAttr(f.changeKey)}"`;
    return `<t:FolderId Id="${escapeAttr(f.id)}"${changeKey}/>`;
  }
  const mailbox = f.mailbox === undefined ? '' : `<t:Mailbox>${textElement('t:EmailAddress', f.mailbox)}</t:Mailbox>`;
  return mailbox === '' ? `<t:DistinguishedFolderId Id="${escapeAttr(f.distinguished)}"/>` : `<t:DistinguishedFolderId Id="${escapeAttr(f.distinguished)}">${mailbox}</t:DistinguishedFolderId>`;
}

function readFolderId(el: Element, what: string): PushFolderId {
  if (isTypes(el, 'FolderId')) return readObjectId(el, what);
  if (isTypes(el, 'DistinguishedFolderId')) {
    const out: PushFolderId = { distinguished: requireAttr(el, 'Id', what) };
    const mailbox = child(el, NS.types, 'Mailbox');
    if (mailbox) out.mailbox = requireValue(mailbox, NS.types, 'EmailAddress', what);
    return out;
  }
  throw new EwsSchemaError(`${what}: t:FolderIds holds ${describe(el)}, not a t:DistinguishedFolderId or t:FolderId`, { element: 't:FolderIds' });
}

function objectIdXml(name: string, id: EwsObjectId): string {
  const changeKey = id.changeKey === undefined ? '' : ` ChangeKey="${escapeAttr(id.changeKey)}"`;
  return `<${name} Id="${escapeAttr(id.id)}"${changeKey}/>`;
}

function readObjectId(el: Element, what: string): EwsObjectId {
  const out: EwsObjectId = { id: requireAttr(el, 'Id', what) };
  const changeKey = optionalAttr(el, 'ChangeKey');
  if (changeKey !== undefined) out.changeKey = changeKey;
  return out;
}

const RESPONSE_CLASSES: readonly ResponseClass[] = ['Success', 'Warning', 'Error'];

function readStatus(message: Element, what: string): EwsResponseStatus {
  const out: EwsResponseStatus = {
    responseClass: parseEnum(message.getAttribute('ResponseClass') ?? '', RESPONSE_CLASSES, `${describe(message)} ResponseClass`, what),
    responseCode: requireValue(message, NS.messages, 'ResponseCode', what),
  };
  const text = child(message, NS.messages, 'MessageText');
  if (text) out.messageText = textOf(text);
  return out;
}


/** `<m:{element}><m:ResponseMessages>…</m:ResponseMessages></m:{element}>` in an envelope. */
function responseEnvelope(element: string, messages: readonly string[], options: EwsMessageOptions): string {
  return envelope(`<m:${element}${EWS_XMLNS}><m:ResponseMessages>${messages.join('')}</m:ResponseMessages></m:${element}>`, options.headers);
}

function readMessages(payload: Element, operation: string, what: string): Element[] {
  const messages = requireChild(payload, NS.messages, 'ResponseMessages', what);
  return children(messages, NS.messages, `${operation}ResponseMessage`);
}

// ---------------------------------------------------------------------------------------------------------------
// Subscribe (push)

export interface PushSubscribeRequest {
  /** At least one. */
  folderIds: PushFolderId[];
  /** At least one of SUBSCRIBABLE_EVENT_TYPES (StatusEvent is written if given, and refused by the parser). */
  eventTypes: EwsEventType[];
  /** 1 to 1440 minutes. */
  statusFrequencyMinutes: number;
  /** Where Exchange POSTs notifications, e.g. http://cups.apps.local:50020/. */
  url: string;
  /** Resume from this watermark (a subscription re-created after a lost one). */
  watermark?: string;
}

export function pushSubscribeRequest(r: PushSubscribeRequest, options: EwsMessageOptions = {}): string {
  // Schema order: FolderIds, EventTypes, Watermark (BaseSubscriptionRequestType), then StatusFrequency, URL.
  const body =
    `<m:Subscribe${EWS_XMLNS}><m:PushSubscriptionRequest>` +
    `<t:FolderIds>${r.folderIds.map(folderIdXml).join('')}</t:FolderIds>` +
    `<t:EventTypes>${r.eventTypes.map((e) => textElement('t:EventType', e)).join('')}</t:EventTypes>` +
    (r.watermark === undefined ? '' : textElement('t:Watermark', r.watermark)) +
    textElement('t:StatusFrequency', String(r.statusFrequencyMinutes)) +
    textElement('t:URL', r.url) +
    '</m:PushSubscriptionRequest></m:Subscribe>';
  return envelope(body, options.headers);
}

function readStatusFrequency(request: Element, what: string): number {
  const el = child(request, NS.types, 'StatusFrequency');
  if (!el) return EWS_STATUS_FREQUENCY.default;
  const text = textOf(el).trim();
  const { min, max } = EWS_STATUS_FREQUENCY;
  const details = { element: 't:StatusFrequency' };
  if (!/^[+-]?\d+$/.test(text)) throw new EwsSchemaError(`${what}: t:StatusFrequency "${text}" is not an integer (minutes, ${min} to ${max})`, details);
  const value = Number(text);
  if (value < min || value > max) throw new EwsSchemaError(`${what}: t:StatusFrequency ${value} is outside ${min} to ${max} minutes`, details);
  return value;
}

function readUrl(request: Element, what: string): string {
  const details = { element: 't:URL', responseCode: 'ErrorInvalidPushSubscriptionUrl' };
  const el = child(request, NS.types, 'URL');
  if (!el) throw new EwsSchemaError(`${what}: m:PushSubscriptionRequest has no t:URL`, details);
  const url = textOf(el).trim();
  if (url === '') throw new EwsSchemaError(`${what}: t:URL is empty`, details);
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new EwsSchemaError(`${what}: t:URL "${url}" is not an absolute URL`, details);
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new EwsSchemaError(`${what}: t:URL "${url}" is not an http or https URL`, details);
  return url;
}

export function parsePushSubscribeRequest(xml: string): PushSubscribeRequest {
  const what = 'EWS Subscribe request';
  return guard(() => {
    const { payload } = expectPayload(xml, NS.messages, 'Subscribe', what);
    const request = child(payload, NS.messages, 'PushSubscriptionRequest');
    if (!request) {
      const other = elementChildren(payload)[0];
      throw new EwsSchemaError(`${what}: m:Subscribe holds ${other ? describe(other) : 'nothing'}, expected m:PushSubscriptionRequest`, { element: 'm:PushSubscriptionRequest' });
    }
    const folders = child(request, NS.types, 'FolderIds');
    const folderIds = folders ? elementChildren(folders).map((f) => readFolderId(f, what)) : [];
    if (folderIds.length === 0) {
      throw new EwsSchemaError(`${what}: ${folders ? 't:FolderIds holds no folder id' : 'm:PushSubscriptionRequest has no t:FolderIds'}`, { element: 't:FolderIds' });
    }
    const types = child(request, NS.types, 'EventTypes');
    if (!types) throw new EwsSchemaError(`${what}: m:PushSubscriptionRequest has no t:EventTypes`, { element: 't:EventTypes' });
    const eventTypes: EwsEventType[] = children(types, NS.types, 'EventType').map((e) => {
      const value = textOf(e).trim();
      if (!(SUBSCRIBABLE_EVENT_TYPES as readonly string[]).includes(value)) {
        throw new EwsSchemaError(`${what}: t:EventType "${value}" is not one of ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}`, { element: 't:EventType' });
      }
      return value as EwsEventType;
    });
    if (eventTypes.length === 0) throw new EwsSchemaError(`${what}: t:EventTypes holds no t:EventType`, { element: 't:EventTypes' });
    const out: PushSubscribeRequest = { folderIds, eventTypes, statusFrequencyMinutes: readStatusFrequency(request, what), url: readUrl(request, what) };
    const watermark = child(request, NS.types, 'Watermark');
    if (watermark) out.watermark = requireValue(request, NS.types, 'Watermark', what);
    return out;
  });
}

/** A subscription's id and starting watermark on success; neither on an error. */
export interface SubscribeResponseMessage extends EwsResponseStatus {
  subscriptionId?: string;
  watermark?: string;
}

export function subscribeResponse(messages: readonly SubscribeResponseMessage[], options: EwsMessageOptions = {}): string {
  const xml = messages.map((m) =>
    messageXml(
      'Subscribe',
      m,
      (m.subscriptionId === undefined ? '' : textElement('m:SubscriptionId', m.subscriptionId)) +
        (m.watermark === undefined ? '' : textElement('m:Watermark', m.watermark)),
    ),
  );
  return responseEnvelope('SubscribeResponse', xml, options);
}

export function parseSubscribeResponse(xml: string): SubscribeResponseMessage[] {
  const what = 'EWS Subscribe response';
  return guard(() => {
    const { payload } = expectPayload(xml, NS.messages, 'SubscribeResponse', what);
    return readMessages(payload, 'Subscribe', what).map((m) => {
      const out: SubscribeResponseMessage = readStatus(m, what);
      if (child(m, NS.messages, 'SubscriptionId')) out.subscriptionId = requireValue(m, NS.messages, 'SubscriptionId', what);
      if (child(m, NS.messages, 'Watermark')) out.watermark = requireValue(m, NS.messages, 'Watermark', what);
      return out;
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// SendNotification (Exchange → the subscriber's URL)

/**
 * One event. A StatusEvent carries its watermark only (other fields are not written); the others carry the time
 * and the item (or folder) that changed and its parent folder, and a MovedEvent / CopiedEvent where it was before.
 */
export interface EwsNotificationEvent {
  type: EwsEventType;
  watermark: string;
  /** Written without milliseconds. */
  timeStamp?: Date;
  itemId?: EwsObjectId;
  /** For an event on a folder (instead of itemId). */
  folderId?: EwsObjectId;
  parentFolderId?: EwsObjectId;
  /** MovedEvent / CopiedEvent only. */
  oldItemId?: EwsObjectId;
  oldFolderId?: EwsObjectId;
  oldParentFolderId?: EwsObjectId;
}

export interface PushNotification {
  subscriptionId: string;
  previousWatermark: string;
  moreEvents: boolean;
  /** At least one. */
  events: EwsNotificationEvent[];
}

/** A parsed notification also carries the status of its response message (Success / NoError in practice). */
export type ParsedPushNotification = PushNotification & EwsResponseStatus;

function eventXml(e: EwsNotificationEvent): string {
  let inner = textElement('t:Watermark', e.watermark);
  if (e.type !== 'StatusEvent') {
    // BaseObjectChangedEventType: Watermark, TimeStamp, FolderId | ItemId, ParentFolderId; then (MovedCopiedEventType)
    // OldFolderId | OldItemId, OldParentFolderId.
    inner +=
      (e.timeStamp === undefined ? '' : textElement('t:TimeStamp', formatDateTime(e.timeStamp))) +
      (e.folderId === undefined ? '' : objectIdXml('t:FolderId', e.folderId)) +
      (e.itemId === undefined ? '' : objectIdXml('t:ItemId', e.itemId)) +
      (e.parentFolderId === undefined ? '' : objectIdXml('t:ParentFolderId', e.parentFolderId)) +
      (e.oldFolderId === undefined ? '' : objectIdXml('t:OldFolderId', e.oldFolderId)) +
      (e.oldItemId === undefined ? '' : objectIdXml('t:OldItemId', e.oldItemId)) +
      (e.oldParentFolderId === undefined ? '' : objectIdXml('t:OldParentFolderId', e.oldParentFolderId));
  }
  return `<t:${e.type}>${inner}</t:${e.type}>`;
}

export function sendNotificationRequest(n: PushNotification, options: EwsMessageOptions = {}): string {
  const notification =
    '<m:Notification>' +
    textElement('t:SubscriptionId', n.subscriptionId) +
    textElement('t:PreviousWatermark', n.previousWatermark) +
    textElement('t:MoreEvents', String(n.moreEvents)) +
    n.events.map(eventXml).join('') +
    '</m:Notification>';
  return responseEnvelope('SendNotification', [messageXml('SendNotification', { responseClass: 'Success', responseCode: 'NoError' }, notification)], options);
}

const ID_FIELDS = ['FolderId', 'ItemId', 'ParentFolderId', 'OldFolderId', 'OldItemId', 'OldParentFolderId'] as const;
const ID_PROPERTIES: Record<(typeof ID_FIELDS)[number], 'folderId' | 'itemId' | 'parentFolderId' | 'oldFolderId' | 'oldItemId' | 'oldParentFolderId'> = {
  FolderId: 'folderId',
  ItemId: 'itemId',
  ParentFolderId: 'parentFolderId',
  OldFolderId: 'oldFolderId',
  OldItemId: 'oldItemId',
  OldParentFolderId: 'oldParentFolderId',
};

function readEvent(el: Element, what: string): EwsNotificationEvent {
  const type = EWS_EVENT_TYPES.find((t) => isTypes(el, t));
  if (!type) throw new EwsSchemaError(`${what}: m:Notification holds ${describe(el)}, which is not one of ${EWS_EVENT_TYPES.map((t) => `t:${t}`).join(', ')}`, { element: describe(el) });
  const out: EwsNotificationEvent = { type, watermark: requireValue(el, NS.types, 'Watermark', what) };
  if (type === 'StatusEvent') return out;
  const stamp = child(el, NS.types, 'TimeStamp');
  if (stamp) out.timeStamp = parseDateTime(textOf(stamp), `t:${type}/t:TimeStamp`, what);
  for (const field of ID_FIELDS) {
    const id = child(el, NS.types, field);
    if (id) out[ID_PROPERTIES[field]] = readObjectId(id, what);
  }
  return out;
}

export function parseSendNotificationRequest(xml: string): ParsedPushNotification {
  const what = 'EWS SendNotification request';
  return guard(() => {
    const { payload } = expectPayload(xml, NS.messages, 'SendNotification', what);
    const messages = readMessages(payload, 'SendNotification', what);
    if (messages.length !== 1) {
      throw new EwsSchemaError(`${what}: m:ResponseMessages holds ${messages.length} m:SendNotificationResponseMessage elements; exactly one is expected`, { element: 'm:ResponseMessages' });
    }
    const message = messages[0] as Element;
    const status = readStatus(message, what);
    const notification = requireChild(message, NS.messages, 'Notification', what);
    const more = child(notification, NS.types, 'MoreEvents');
    const header = new Set(['SubscriptionId', 'PreviousWatermark', 'MoreEvents']);
    const events = elementChildren(notification)
      .filter((el) => !(el.namespaceURI === NS.types && header.has(el.localName ?? '')))
      .map((el) => readEvent(el, what));
    if (events.length === 0) throw new EwsSchemaError(`${what}: m:Notification holds no event`, { element: 'm:Notification' });
    return {
      ...status,
      subscriptionId: requireValue(notification, NS.types, 'SubscriptionId', what),
      previousWatermark: requireValue(notification, NS.types, 'PreviousWatermark', what),
      moreEvents: more ? parseBoolean(textOf(more), 't:MoreEvents', what) : false,
      events,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// SendNotificationResult (the subscriber's answer)

export type SubscriptionStatus = 'OK' | 'Unsubscribe';
export const SUBSCRIPTION_STATUSES: readonly SubscriptionStatus[] = ['OK', 'Unsubscribe'];

export function sendNotificationResult(status: SubscriptionStatus, options: EwsMessageOptions = {}): string {
  return envelope(`<m:SendNotificationResult xmlns:m="${NS.messages}">${textElement('m:SubscriptionStatus', status)}</m:SendNotificationResult>`, options.headers);
}

export function parseSendNotificationResult(xml: string): SubscriptionStatus {
  const what = 'EWS SendNotificationResult';
  return guard(() => {
    const { payload } = expectPayload(xml, NS.messages, 'SendNotificationResult', what);
    const status = textOf(requireChild(payload, NS.messages, 'SubscriptionStatus', what)).trim();
    if (!(SUBSCRIPTION_STATUSES as readonly string[]).includes(status)) {
      throw new EwsSchemaError(`${what}: m:SubscriptionStatus "${status}" is not one of ${SUBSCRIPTION_STATUSES.join(', ')}`, { element: 'm:SubscriptionStatus' });
    }
    return status as SubscriptionStatus;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Unsubscribe

export function unsubscribeRequest(subscriptionId: string, options: EwsMessageOptions = {}): string {
  return envelope(`<m:Unsubscribe${EWS_XMLNS}>${textElement('m:SubscriptionId', subscriptionId)}</m:Unsubscribe>`, options.headers);
}

export function parseUnsubscribeRequest(xml: string): { subscriptionId: string } {
  const what = 'EWS Unsubscribe request';
  return guard(() => {
    const { payload } = expectPayload(xml, NS.messages, 'Unsubscribe', what);
    return { subscriptionId: requireValue(payload, NS.messages, 'SubscriptionId', what) };
  });
}

export function unsubscribeResponse(messages: readonly EwsResponseStatus[], options: EwsMessageOptions = {}): string {
  return responseEnvelope('UnsubscribeResponse', messages.map((m) => messageXml('Unsubscribe', m, '')), options);
}

export function parseUnsubscribeResponse(xml: string): EwsResponseStatus[] {
  const what = 'EWS Unsubscribe response';
  return guard(() => readMessages(expectPayload(xml, NS.messages, 'UnsubscribeResponse', what).payload, 'Unsubscribe', what).map((m) => readStatus(m, what)));
}
