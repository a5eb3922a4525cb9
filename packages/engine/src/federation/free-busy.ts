// EWS GetUserAvailability (free/busy) wire messages and the two computations a simulated mailbox server needs to
// answer one: the MergedFreeBusy digit string and the shape of a view for a given FreeBusyViewType.
// See DOMAIN-NOTES.md section 3 ("GetUserAvailability").

import type { Element } from '@xmldom/xmldom';
import {
  NS,
  SoapParseError,
  child,
  children,
  envelope,
  escapeAttr,
  escapeText,
  expectPayload,
  formatDateTime,
  parseBoolean,
  parseDateTime,
  parseEnum,
  parseInteger,
  requireChild,
  requireText,
  textElement,
  textOf,
} from './soap';

export type BusyType = 'Free' | 'Tentative' | 'Busy' | 'OOF' | 'NoData';
export type FreeBusyViewType = 'None' | 'MergedOnly' | 'FreeBusy' | 'FreeBusyMerged' | 'Detailed' | 'DetailedMerged';
export type AttendeeType = 'Required' | 'Optional' | 'Organizer' | 'Room' | 'Resource';

export const BUSY_TYPES: readonly BusyType[] = ['Free', 'Tentative', 'Busy', 'OOF', 'NoData'];
export const FREE_BUSY_VIEW_TYPES: readonly FreeBusyViewType[] = ['None', 'MergedOnly', 'FreeBusy', 'FreeBusyMerged', 'Detailed', 'DetailedMerged'];
export const ATTENDEE_TYPES: readonly AttendeeType[] = ['Required', 'Optional', 'Organizer', 'Room', 'Resource'];

export interface CalendarEvent {
  start: Date;
  end: Date;
  busyType: BusyType;
  subject?: string;
  location?: string;
  isMeeting?: boolean;
  isRecurring?: boolean;
  isPrivate?: boolean;
}

export interface AvailabilityRequest {
  /** attendeeType defaults to Required on the wire (the schema requires one). */
  mailboxes: Array<{ address: string; attendeeType?: AttendeeType }>;
  window: { start: Date; end: Date };
  mergedIntervalMinutes: number;
  requestedView: FreeBusyViewType;
}

export interface FreeBusyView {
  type: FreeBusyViewType;
  mergedFreeBusy?: string;
  events: CalendarEvent[];
}

export interface FreeBusyAnswer {
  responseClass: 'Success' | 'Error';
  /** NoError, or an availability error such as ErrorMailRecipientNotFound or ErrorNoFreeBusyAccess. */
  responseCode: string;
  messageText?: string;
  view?: FreeBusyView;
}

/** MergedFreeBusy digit of each BusyType; the highest digit wins within an interval. */
export const MERGED_DIGIT: Readonly<Record<BusyType, number>> = { Free: 0, Tentative: 1, Busy: 2, OOF: 3, NoData: 4 };

// ---------------------------------------------------------------------------------------------------------------
// Computations

function checkWindow(window: { start: Date; end: Date }): void {
  if (Number.isNaN(window.start.getTime()) || Number.isNaN(window.end.getTime())) throw new RangeError('the window has an invalid date');
  if (window.end.getTime() < window.start.getTime()) throw new RangeError('the window ends before it starts');
}

/**
 * MergedFreeBusy digits over the window in intervals of `intervalMinutes`: 0 Free, 1 Tentative, 2 Busy, 3 OOF,
 * 4 NoData. An interval holds the highest digit of the events overlapping it (touching an edge is not overlapping);
 * an interval no event overlaps is 0. A last, partial interval still gets a digit.
 */
export function mergedFreeBusy(events: readonly CalendarEvent[], window: { start: Date; end: Date }, intervalMinutes: number): string {
  checkWindow(window);
  if (!Number.isFinite(intervalMinutes) || intervalMinutes <= 0) throw new RangeError(`intervalMinutes must be positive, got ${intervalMinutes}`);
  const start = window.start.getTime();
  const end = window.end.getTime();
  const step = intervalMinutes * 60_000;
  const count = Math.ceil((end - start) / step);
  const digits: number[] = new Array<number>(count).fill(0);
  for (const e of events) {
    const s = Math.max(e.start.getTime(), start);
    const f = Math.min(e.end.getTime(), end);
    if (!(f > s)) continue;
    const digit = MERGED_DIGIT[e.busyType];
    const first = Math.floor((s - start) / step);
    const last = Math.ceil((f - start) / step) - 1;
    for (let i = first; i <= last && i < count; i++) if (digit > digits[i]) digits[i] = digit;
  }
  return digits.join('');
}

function hasEvents(type: FreeBusyViewType): boolean {
  return type !== 'None' && type !== 'MergedOnly';
}

function hasDetails(type: FreeBusyViewType): boolean {
  return type === 'Detailed' || type === 'DetailedMerged';
}

function hasMerged(type: FreeBusyViewType): boolean {
  return type === 'MergedOnly' || type === 'FreeBusyMerged' || type === 'DetailedMerged';
}

/**
 * The view an answer carries for `type`: events overlapping the window, sorted by start.
 * FreeBusy* → times and BusyType only; Detailed* → also subject, location and the IsMeeting/IsRecurring/IsPrivate
 * flags (false when unknown), except that a private event shows no subject or location; *Merged and MergedOnly
 * add MergedFreeBusy; MergedOnly and None carry no events.
 */
export function shapeView(events: readonly CalendarEvent[], type: FreeBusyViewType, window: { start: Date; end: Date }, intervalMinutes: number): FreeBusyView {
  checkWindow(window);
  const view: FreeBusyView = { type, events: [] };
  if (hasMerged(type)) view.mergedFreeBusy = mergedFreeBusy(events, window, intervalMinutes);
  if (!hasEvents(type)) return view;
  const ws = window.start.getTime();
  const we = window.end.getTime();
  view.events = events
    .filter((e) => e.start.getTime() < we && e.end.getTime() > ws)
    .sort((a, b) => a.start.getTime() - b.start.getTime() || a.end.getTime() - b.end.getTime())
    .map((e) => {
      const out: CalendarEvent = { start: new Date(e.start.getTime()), end: new Date(e.end.getTime()), busyType: e.busyType };
      if (!hasDetails(type)) return out;
      const isPrivate = e.isPrivate ?? false;
      if (!isPrivate && e.subject !== undefined) out.subject = e.subject;
      if (!isPrivate && e.location !== undefined) out.location = e.location;
      out.isMeeting = e.isMeeting ?? false;
      out.isRecurring = e.isRecurring ?? false;
      out.isPrivate = isPrivate;
      return out;
    });
  return view;
}

// ---------------------------------------------------------------------------------------------------------------
// Request

/** A UTC SerializableTimeZone (bias 0, no daylight saving), so the wire times read the same either way. */
const UTC_TIME_ZONE = (() => {
  const period = '<t:Bias>0</t:Bias><t:Time>00:00:00</t:Time><t:DayOrder>1</t:DayOrder><t:Month>1</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek>';
  return `<t:TimeZone><t:Bias>0</t:Bias><t:StandardTime>${period}</t:StandardTime><t:DaylightTime>${period}</t:DaylightTime></t:TimeZone>`;
})();

/**
 * A full envelope with m:GetUserAvailabilityRequest (t:RequestServerVersion Exchange2010 header, UTC t:TimeZone).
 * Pass securityHeader(token) in options.headers for the cross-organization …/EWS/Exchange.asmx/WSSecurity call.
 */
export function getUserAvailabilityRequest(r: AvailabilityRequest, options: { headers?: readonly string[] } = {}): string {
  const mailboxes = r.mailboxes
    .map(
      (m) =>
        `<t:MailboxData><t:Email>${textElement('t:Address', m.address)}</t:Email>` +
        `${textElement('t:AttendeeType', m.attendeeType ?? 'Required')}<t:ExcludeConflicts>false</t:ExcludeConflicts></t:MailboxData>`,
    )
    .join('');
  if (!Number.isInteger(r.mergedIntervalMinutes)) throw new RangeError(`mergedIntervalMinutes must be a whole number, got ${r.mergedIntervalMinutes}`);
  const body =
    `<m:GetUserAvailabilityRequest xmlns:m="${NS.messages}" xmlns:t="${NS.types}">` +
    UTC_TIME_ZONE +
    `<m:MailboxDataArray>${mailboxes}</m:MailboxDataArray>` +
    `<t:FreeBusyViewOptions><t:TimeWindow><t:StartTime>${formatDateTime(r.window.start)}</t:StartTime><t:EndTime>${formatDateTime(r.window.end)}</t:EndTime></t:TimeWindow>` +
    `<t:MergedFreeBusyIntervalInMinutes>${r.mergedIntervalMinutes}</t:MergedFreeBusyIntervalInMinutes>` +
    textElement('t:RequestedView', r.requestedView) +
    `</t:FreeBusyViewOptions></m:GetUserAvailabilityRequest>`;
  const version = `<t:RequestServerVersion Version="Exchange2010" xmlns:t="${NS.types}"/>`;
  return envelope(body, [version, ...(options.headers ?? [])]);
}

/**
 * Times without a zone designator are read as UTC; a t:TimeZone in the request is not applied. A missing
 * MergedFreeBusyIntervalInMinutes reads as the schema default, 30. RequestedView None is returned as-is (the
 * server answers it with ErrorInvalidFreeBusyViewType).
 */
export function parseGetUserAvailabilityRequest(xml: string): AvailabilityRequest {
  const what = 'EWS GetUserAvailability request';
  const { payload } = expectPayload(xml, NS.messages, 'GetUserAvailabilityRequest', what);
  const array = requireChild(payload, NS.messages, 'MailboxDataArray', what);
  const mailboxes = children(array, NS.types, 'MailboxData').map((m) => {
    const address = requireText(requireChild(m, NS.types, 'Email', what), NS.types, 'Address', what);
    if (!address) throw new SoapParseError(`${what}: t:Email/t:Address is empty`);
    const attendee = child(m, NS.types, 'AttendeeType');
    const out: AvailabilityRequest['mailboxes'][number] = { address };
    if (attendee) out.attendeeType = parseEnum(textOf(attendee), ATTENDEE_TYPES, 't:AttendeeType', what);
    return out;
  });
  if (mailboxes.length === 0) throw new SoapParseError(`${what}: m:MailboxDataArray has no t:MailboxData`);
  const options = requireChild(payload, NS.types, 'FreeBusyViewOptions', what);
  const window = requireChild(options, NS.types, 'TimeWindow', what);
  const interval = child(options, NS.types, 'MergedFreeBusyIntervalInMinutes');
  return {
    mailboxes,
    window: {
      start: parseDateTime(requireText(window, NS.types, 'StartTime', what), 't:StartTime', what),
      end: parseDateTime(requireText(window, NS.types, 'EndTime', what), 't:EndTime', what),
    },
    mergedIntervalMinutes: interval ? parseInteger(textOf(interval), 't:MergedFreeBusyIntervalInMinutes', what) : 30,
    requestedView: parseEnum(requireText(options, NS.types, 'RequestedView', what), FREE_BUSY_VIEW_TYPES, 't:RequestedView', what),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Response

function eventXml(e: CalendarEvent, details: boolean): string {
  let out = `<t:CalendarEvent><t:StartTime>${formatDateTime(e.start)}</t:StartTime><t:EndTime>${formatDateTime(e.end)}</t:EndTime>${textElement('t:BusyType', e.busyType)}`;
  if (details) {
    const flag = (name: string, v: boolean | undefined): string => `<t:${name}>${v ? 'true' : 'false'}</t:${name}>`;
    out +=
      '<t:CalendarEventDetails>' +
      (e.subject !== undefined ? textElement('t:Subject', e.subject) : '') +
      (e.location !== undefined ? textElement('t:Location', e.location) : '') +
      flag('IsMeeting', e.isMeeting) +
      flag('IsRecurring', e.isRecurring) +
      flag('IsException', false) +
      flag('IsReminderSet', false) +
      flag('IsPrivate', e.isPrivate) +
      '</t:CalendarEventDetails>';
  }
  return `${out}</t:CalendarEvent>`;
}

function viewXml(v: FreeBusyView): string {
  let out = `<m:FreeBusyView>${textElement('t:FreeBusyViewType', v.type)}`;
  if (v.mergedFreeBusy !== undefined) out += textElement('t:MergedFreeBusy', v.mergedFreeBusy);
  if (hasEvents(v.type)) out += `<t:CalendarEventArray>${v.events.map((e) => eventXml(e, hasDetails(v.type))).join('')}</t:CalendarEventArray>`;
  return `${out}</m:FreeBusyView>`;
}

/**
 * A full envelope with m:GetUserAvailabilityResponse, one m:FreeBusyResponse per answer, in order. The view type
 * decides the wire shape: events only for the FreeBusy and Detailed types, t:CalendarEventDetails only for Detailed and DetailedMerged (so a
 * FreeBusy view never carries a subject, whatever the events hold); MergedFreeBusy whenever the view has one.
 */
export function getUserAvailabilityResponse(answers: readonly FreeBusyAnswer[]): string {
  const responses = answers
    .map((a) => {
      const message =
        `<m:ResponseMessage ResponseClass="${escapeAttr(a.responseClass)}">` +
        (a.messageText !== undefined ? textElement('m:MessageText', a.messageText) : '') +
        `<m:ResponseCode>${escapeText(a.responseCode)}</m:ResponseCode>` +
        (a.responseClass === 'Success' ? '' : '<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>') +
        '</m:ResponseMessage>';
      return `<m:FreeBusyResponse>${message}${a.view ? viewXml(a.view) : ''}</m:FreeBusyResponse>`;
    })
    .join('');
  const body = `<m:GetUserAvailabilityResponse xmlns:m="${NS.messages}" xmlns:t="${NS.types}"><m:FreeBusyResponseArray>${responses}</m:FreeBusyResponseArray></m:GetUserAvailabilityResponse>`;
  const version = `<t:ServerVersionInfo MajorVersion="14" MinorVersion="0" MajorBuildNumber="639" MinorBuildNumber="21" xmlns:t="${NS.types}"/>`;
  return envelope(body, [version]);
}

function readEvent(e: Element, what: string): CalendarEvent {
  const out: CalendarEvent = {
    start: parseDateTime(requireText(e, NS.types, 'StartTime', what), 't:StartTime', what),
    end: parseDateTime(requireText(e, NS.types, 'EndTime', what), 't:EndTime', what),
    busyType: parseEnum(requireText(e, NS.types, 'BusyType', what), BUSY_TYPES, 't:BusyType', what),
  };
  const details = child(e, NS.types, 'CalendarEventDetails');
  if (details) {
    const subject = child(details, NS.types, 'Subject');
    const location = child(details, NS.types, 'Location');
    const flag = (name: string): boolean => {
      const c = child(details, NS.types, name);
      return c ? parseBoolean(textOf(c), `t:${name}`, what) : false;
    };
    if (subject) out.subject = textOf(subject);
    if (location) out.location = textOf(location);
    out.isMeeting = flag('IsMeeting');
    out.isRecurring = flag('IsRecurring');
    out.isPrivate = flag('IsPrivate');
  }
  return out;
}

/** Events carry subject/location/flags exactly when the wire had t:CalendarEventDetails. */
export function parseGetUserAvailabilityResponse(xml: string): FreeBusyAnswer[] {
  const what = 'EWS GetUserAvailability response';
  const { payload } = expectPayload(xml, NS.messages, 'GetUserAvailabilityResponse', what);
  const array = requireChild(payload, NS.messages, 'FreeBusyResponseArray', what);
  return children(array, NS.messages, 'FreeBusyResponse').map((r) => {
    const message = requireChild(r, NS.messages, 'ResponseMessage', what);
    const responseClass = parseEnum(message.getAttribute('ResponseClass') ?? '', ['Success', 'Error'] as const, 'ResponseClass', what);
    const answer: FreeBusyAnswer = { responseClass, responseCode: requireText(message, NS.messages, 'ResponseCode', what) };
    const text = child(message, NS.messages, 'MessageText');
    if (text) answer.messageText = textOf(text);
    const view = child(r, NS.messages, 'FreeBusyView');
    if (view) {
      const v: FreeBusyView = {
        type: parseEnum(requireText(view, NS.types, 'FreeBusyViewType', what), FREE_BUSY_VIEW_TYPES, 't:FreeBusyViewType', what),
        events: [],
      };
      const merged = child(view, NS.types, 'MergedFreeBusy');
      if (merged) v.mergedFreeBusy = textOf(merged).trim();
      const events = child(view, NS.types, 'CalendarEventArray');
      if (events) v.events = children(events, NS.types, 'CalendarEvent').map((e) => readEvent(e, what));
      answer.view = v;
    }
    return answer;
  });
}
