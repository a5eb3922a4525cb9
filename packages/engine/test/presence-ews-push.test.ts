import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NS, SoapFaultError, SoapParseError, envelope } from '../src/federation/soap';
import {
  ewsFault,
  impersonationHeader,
  parseImpersonationHeader,
  parseRequestServerVersion,
  requestServerVersionHeader,
} from '../src/impersonation/ews-soap';
import {
  CUPS_EWS_NOTIFICATION_PORT,
  EWS_CONTENT_TYPE,
  EWS_EVENT_TYPES,
  EwsSchemaError,
  SUBSCRIBABLE_EVENT_TYPES,
  parsePushSubscribeRequest,
  parseSendNotificationRequest,
  parseSendNotificationResult,
  parseSubscribeResponse,
  parseUnsubscribeRequest,
  parseUnsubscribeResponse,
  pushSubscribeRequest,
  retryDelays,
  sendNotificationRequest,
  sendNotificationResult,
  subscribeResponse,
  unsubscribeRequest,
  unsubscribeResponse,
} from '../src/presence/ews-push';
import type { PushNotification, PushSubscribeRequest, SubscribeResponseMessage } from '../src/presence/ews-push';

// Markup characters, both quotes, a CDATA end, a closing tag, a non-BMP character and a tab.
const HOSTILE = 'wm <x> & "q" \'a\' ]]> </soap:Body> \u{1F4C5}\tend';
const URL_ = `http://cups.apps.local:${CUPS_EWS_NOTIFICATION_PORT}/`;
const schemaError = (pattern: RegExp, element?: string) => (e: unknown) =>
  e instanceof EwsSchemaError && e instanceof SoapParseError && pattern.test(e.message) && (element === undefined || e.element === element);

const SUBSCRIPTION: PushSubscribeRequest = {
  folderIds: [{ distinguished: 'calendar', mailbox: 'jdoe@apps.local' }, { distinguished: 'calendar' }, { id: 'AAMkAD&<id>=', changeKey: 'AgAAAB"ck' }],
  eventTypes: ['CreatedEvent', 'ModifiedEvent', 'DeletedEvent', 'MovedEvent', 'CopiedEvent'],
  statusFrequencyMinutes: 60,
  url: URL_,
};

/** The subscription request with StatusFrequency, URL or event types replaced. */
const subscribe = (over: Partial<PushSubscribeRequest>) => pushSubscribeRequest({ ...SUBSCRIPTION, ...over });
const PUSH = (inside: string) =>
  envelope(`<m:Subscribe xmlns:m="${NS.messages}" xmlns:t="${NS.types}"><m:PushSubscriptionRequest>${inside}</m:PushSubscriptionRequest></m:Subscribe>`);
const FOLDERS = '<t:FolderIds><t:DistinguishedFolderId Id="calendar"/></t:FolderIds>';
const EVENTS = '<t:EventTypes><t:EventType>CreatedEvent</t:EventType></t:EventTypes>';

// ---------------------------------------------------------------------------------------------------------------
// Subscribe

test('a push subscription request has the EWS wire shape and round-trips', () => {
  const xml = pushSubscribeRequest({ folderIds: [{ distinguished: 'calendar' }], eventTypes: ['CreatedEvent', 'ModifiedEvent'], statusFrequencyMinutes: 60, url: URL_ });
  assert.ok(
    xml.includes(
      '<m:PushSubscriptionRequest><t:FolderIds><t:DistinguishedFolderId Id="calendar"/></t:FolderIds>' +
        '<t:EventTypes><t:EventType>CreatedEvent</t:EventType><t:EventType>ModifiedEvent</t:EventType></t:EventTypes>' +
        `<t:StatusFrequency>60</t:StatusFrequency><t:URL>${URL_}</t:URL></m:PushSubscriptionRequest></m:Subscribe>`,
    ),
    xml,
  );
  assert.ok(xml.includes(`xmlns:m="${NS.messages}"`) && xml.includes(`xmlns:t="${NS.types}"`));
  assert.deepEqual(parsePushSubscribeRequest(xml), { folderIds: [{ distinguished: 'calendar' }], eventTypes: ['CreatedEvent', 'ModifiedEvent'], statusFrequencyMinutes: 60, url: URL_ });
  assert.equal(EWS_CONTENT_TYPE, 'text/xml; charset=utf-8');
});

test('mailboxes, folder ids, a watermark and hostile values round-trip escaped', () => {
  const r: PushSubscribeRequest = { ...SUBSCRIPTION, watermark: HOSTILE, url: 'https://cups.apps.local:50020/ews?a=1&b="2"' };
  const xml = pushSubscribeRequest(r);
  assert.ok(xml.includes('<t:Watermark>') && xml.indexOf('<t:Watermark>') < xml.indexOf('<t:StatusFrequency>'), 'Watermark comes before StatusFrequency');
  assert.ok(!xml.includes('&b="2"'), 'the URL is escaped');
  assert.deepEqual(parsePushSubscribeRequest(xml), r);
});

test('the ExchangeImpersonation and RequestServerVersion headers travel in the envelope header', () => {
  const xml = pushSubscribeRequest(SUBSCRIPTION, {
    headers: [requestServerVersionHeader('Exchange2007_SP1'), impersonationHeader({ kind: 'PrimarySmtpAddress', value: 'jdoe@apps.local' })],
  });
  assert.ok(xml.indexOf('<t:ExchangeImpersonation') < xml.indexOf('<soap:Body>'));
  assert.deepEqual(parseImpersonationHeader(xml), { present: true, ok: true, kind: 'PrimarySmtpAddress', value: 'jdoe@apps.local' });
  assert.equal(parseRequestServerVersion(xml), 'Exchange2007_SP1');
  assert.deepEqual(parsePushSubscribeRequest(xml), SUBSCRIPTION);
  assert.deepEqual(parseImpersonationHeader(pushSubscribeRequest(SUBSCRIPTION)), { present: false });
});

test('StatusFrequency outside 1 to 1440, or not an integer, is refused naming StatusFrequency', () => {
  for (const bad of [0, 1441, 1.5, -5, Number.NaN]) {
    assert.throws(() => parsePushSubscribeRequest(subscribe({ statusFrequencyMinutes: bad })), schemaError(/t:StatusFrequency/, 't:StatusFrequency'), String(bad));
  }
  for (const ok of [1, 10, 60, 1440]) assert.equal(parsePushSubscribeRequest(subscribe({ statusFrequencyMinutes: ok })).statusFrequencyMinutes, ok);
  assert.throws(() => parsePushSubscribeRequest(PUSH(`${FOLDERS}${EVENTS}<t:StatusFrequency></t:StatusFrequency><t:URL>${URL_}</t:URL>`)), schemaError(/StatusFrequency/));
  // Omitted, it is 30 minutes (the EWS default).
  assert.equal(parsePushSubscribeRequest(PUSH(`${FOLDERS}${EVENTS}<t:URL>${URL_}</t:URL>`)).statusFrequencyMinutes, 30);
});

test('a missing, relative or non-http URL is refused with ErrorInvalidPushSubscriptionUrl', () => {
  for (const url of ['', 'cups.apps.local:50020', '/notify', 'ftp://cups.apps.local/', 'mailto:jdoe@apps.local', 'not a url']) {
    assert.throws(
      () => parsePushSubscribeRequest(subscribe({ url })),
      (e: unknown) => schemaError(/t:URL/, 't:URL')(e) && (e as EwsSchemaError).responseCode === 'ErrorInvalidPushSubscriptionUrl',
      JSON.stringify(url),
    );
  }
  assert.throws(() => parsePushSubscribeRequest(PUSH(`${FOLDERS}${EVENTS}<t:StatusFrequency>60</t:StatusFrequency>`)), schemaError(/has no t:URL/, 't:URL'));
});

test('unknown, missing or unsubscribable event types are refused', () => {
  assert.throws(() => parsePushSubscribeRequest(subscribe({ eventTypes: ['CreatedEvent', 'Teleported' as never] })), schemaError(/t:EventType "Teleported"/, 't:EventType'));
  assert.throws(() => parsePushSubscribeRequest(subscribe({ eventTypes: ['StatusEvent'] })), schemaError(/t:EventType "StatusEvent"/, 't:EventType'));
  assert.throws(() => parsePushSubscribeRequest(subscribe({ eventTypes: [] })), schemaError(/t:EventTypes holds no t:EventType/, 't:EventTypes'));
  assert.throws(() => parsePushSubscribeRequest(PUSH(`${FOLDERS}<t:StatusFrequency>60</t:StatusFrequency><t:URL>${URL_}</t:URL>`)), schemaError(/has no t:EventTypes/));
  assert.deepEqual(parsePushSubscribeRequest(subscribe({ eventTypes: [...SUBSCRIBABLE_EVENT_TYPES] })).eventTypes, [...SUBSCRIBABLE_EVENT_TYPES]);
  assert.deepEqual(SUBSCRIBABLE_EVENT_TYPES, EWS_EVENT_TYPES.filter((t) => t !== 'StatusEvent'));
});

test('a subscription without a folder, or with a folder id that is not one, is refused', () => {
  assert.throws(() => parsePushSubscribeRequest(subscribe({ folderIds: [] })), schemaError(/t:FolderIds holds no folder id/, 't:FolderIds'));
  assert.throws(() => parsePushSubscribeRequest(PUSH(`${EVENTS}<t:StatusFrequency>60</t:StatusFrequency><t:URL>${URL_}</t:URL>`)), schemaError(/has no t:FolderIds/));
  assert.throws(() => parsePushSubscribeRequest(PUSH(`<t:FolderIds><t:ItemId Id="x"/></t:FolderIds>${EVENTS}<t:URL>${URL_}</t:URL>`)), schemaError(/t:ItemId/));
  assert.throws(() => parsePushSubscribeRequest(PUSH(`<t:FolderIds><t:DistinguishedFolderId/></t:FolderIds>${EVENTS}<t:URL>${URL_}</t:URL>`)), schemaError(/no Id attribute/));
});

test('a pull subscription, another operation, a fault and garbage are not a push subscription', () => {
  const pull = envelope(`<m:Subscribe xmlns:m="${NS.messages}" xmlns:t="${NS.types}"><m:PullSubscriptionRequest>${FOLDERS}${EVENTS}<t:Timeout>10</t:Timeout></m:PullSubscriptionRequest></m:Subscribe>`);
  assert.throws(() => parsePushSubscribeRequest(pull), schemaError(/m:PullSubscriptionRequest, expected m:PushSubscriptionRequest/));
  assert.throws(() => parsePushSubscribeRequest(unsubscribeRequest('s')), schemaError(/expected m:Subscribe/));
  assert.throws(() => parsePushSubscribeRequest(ewsFault('ErrorImpersonateUserDenied', 'denied')), SoapFaultError);
  for (const garbage of ['', 'hello', '<a><b></a>', '<soap:Envelope xmlns:soap="urn:not-soap"><soap:Body/></soap:Envelope>']) {
    assert.throws(() => parsePushSubscribeRequest(garbage), schemaError(/EWS Subscribe request/), JSON.stringify(garbage));
  }
});

test('subscribe responses round-trip, success and error', () => {
  const messages: SubscribeResponseMessage[] = [
    { responseClass: 'Success', responseCode: 'NoError', subscriptionId: 'JgBzbTJwcjA1bWIwMDQ5LmV1c3ByZDA1LnByb2Qu', watermark: HOSTILE },
    { responseClass: 'Error', responseCode: 'ErrorInvalidPushSubscriptionUrl', messageText: 'The push subscription URL is invalid & <bad>.' },
  ];
  const xml = subscribeResponse(messages);
  assert.ok(xml.includes('<m:SubscribeResponse') && xml.includes('<m:SubscribeResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:SubscriptionId>'));
  assert.deepEqual(parseSubscribeResponse(xml), messages);
  assert.throws(() => parseSubscribeResponse(ewsFault('ErrorSchemaValidation', 'bad')), SoapFaultError);
  assert.throws(() => parseSubscribeResponse(sendNotificationResult('OK')), schemaError(/expected m:SubscribeResponse/));
});

// ---------------------------------------------------------------------------------------------------------------
// SendNotification

test('a StatusEvent keep-alive has the wire shape Exchange sends and round-trips', () => {
  const n: PushNotification = { subscriptionId: 'sub-1', previousWatermark: 'AQAAAA==', moreEvents: false, events: [{ type: 'StatusEvent', watermark: 'AQAAAB==' }] };
  const xml = sendNotificationRequest(n);
  assert.ok(
    xml.includes(
      '<m:ResponseMessages><m:SendNotificationResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>' +
        '<m:Notification><t:SubscriptionId>sub-1</t:SubscriptionId><t:PreviousWatermark>AQAAAA==</t:PreviousWatermark>' +
        '<t:MoreEvents>false</t:MoreEvents><t:StatusEvent><t:Watermark>AQAAAB==</t:Watermark></t:StatusEvent></m:Notification>' +
        '</m:SendNotificationResponseMessage></m:ResponseMessages></m:SendNotification>',
    ),
    xml,
  );
  assert.deepEqual(parseSendNotificationRequest(xml), { responseClass: 'Success', responseCode: 'NoError', ...n });
});

test('a ModifiedEvent and other item events round-trip with their ids and time stamps', () => {
  const n: PushNotification = {
    subscriptionId: HOSTILE,
    previousWatermark: 'wm-0',
    moreEvents: true,
    events: [
      {
        type: 'ModifiedEvent',
        watermark: 'wm-1',
        timeStamp: new Date('2011-12-12T09:00:05Z'),
        itemId: { id: 'AAMkAGI<item>&', changeKey: 'DwAAABY"' },
        parentFolderId: { id: 'AAMkAGcal', changeKey: 'AQAAAA==' },
      },
      { type: 'CreatedEvent', watermark: 'wm-2', timeStamp: new Date('2011-12-12T09:01:00Z'), itemId: { id: 'new' }, parentFolderId: { id: 'AAMkAGcal' } },
      { type: 'DeletedEvent', watermark: 'wm-3', itemId: { id: 'gone' } },
      { type: 'MovedEvent', watermark: 'wm-4', itemId: { id: 'i2' }, parentFolderId: { id: 'trash' }, oldItemId: { id: 'i1' }, oldParentFolderId: { id: 'AAMkAGcal' } },
      { type: 'StatusEvent', watermark: 'wm-5' },
    ],
  };
  const xml = sendNotificationRequest(n);
  assert.ok(xml.includes('<t:ModifiedEvent><t:Watermark>wm-1</t:Watermark><t:TimeStamp>2011-12-12T09:00:05Z</t:TimeStamp><t:ItemId Id="AAMkAGI&lt;item&gt;&amp;" ChangeKey="DwAAABY&quot;"/><t:ParentFolderId Id="AAMkAGcal" ChangeKey="AQAAAA=="/></t:ModifiedEvent>'), xml);
  assert.deepEqual(parseSendNotificationRequest(xml), { responseClass: 'Success', responseCode: 'NoError', ...n });
});

test('a StatusEvent carries its watermark only', () => {
  const xml = sendNotificationRequest({
    subscriptionId: 's',
    previousWatermark: 'p',
    moreEvents: false,
    events: [{ type: 'StatusEvent', watermark: 'w', timeStamp: new Date('2011-12-12T09:00:00Z'), itemId: { id: 'i' } }],
  });
  assert.ok(xml.includes('<t:StatusEvent><t:Watermark>w</t:Watermark></t:StatusEvent>'));
  assert.deepEqual(parseSendNotificationRequest(xml).events, [{ type: 'StatusEvent', watermark: 'w' }]);
});

test('a notification without an event, with an unknown event or a bad field is refused', () => {
  const body = (inside: string) =>
    envelope(
      `<m:SendNotification xmlns:m="${NS.messages}" xmlns:t="${NS.types}"><m:ResponseMessages><m:SendNotificationResponseMessage ResponseClass="Success">` +
        `<m:ResponseCode>NoError</m:ResponseCode><m:Notification><t:SubscriptionId>s</t:SubscriptionId><t:PreviousWatermark>p</t:PreviousWatermark>${inside}</m:Notification>` +
        '</m:SendNotificationResponseMessage></m:ResponseMessages></m:SendNotification>',
    );
  assert.throws(() => parseSendNotificationRequest(body('<t:MoreEvents>false</t:MoreEvents>')), schemaError(/holds no event/, 'm:Notification'));
  assert.throws(() => parseSendNotificationRequest(body('<t:TeleportedEvent><t:Watermark>w</t:Watermark></t:TeleportedEvent>')), schemaError(/t:TeleportedEvent/));
  assert.throws(() => parseSendNotificationRequest(body('<t:MoreEvents>maybe</t:MoreEvents><t:StatusEvent><t:Watermark>w</t:Watermark></t:StatusEvent>')), schemaError(/t:MoreEvents/));
  assert.throws(() => parseSendNotificationRequest(body('<t:StatusEvent/>')), schemaError(/t:Watermark/));
  assert.throws(() => parseSendNotificationRequest(body('<t:ModifiedEvent><t:Watermark>w</t:Watermark><t:TimeStamp>yesterday</t:TimeStamp></t:ModifiedEvent>')), schemaError(/TimeStamp/));
  // MoreEvents omitted reads as false.
  assert.equal(parseSendNotificationRequest(body('<t:StatusEvent><t:Watermark>w</t:Watermark></t:StatusEvent>')).moreEvents, false);
  assert.throws(() => parseSendNotificationRequest(envelope(`<m:SendNotification xmlns:m="${NS.messages}"><m:ResponseMessages/></m:SendNotification>`)), schemaError(/holds 0/));
  assert.throws(() => parseSendNotificationRequest('<<<'), schemaError(/malformed XML/));
});

// ---------------------------------------------------------------------------------------------------------------
// SendNotificationResult

test('the subscriber answers OK or Unsubscribe', () => {
  for (const status of ['OK', 'Unsubscribe'] as const) {
    const xml = sendNotificationResult(status);
    assert.ok(xml.includes(`<m:SendNotificationResult xmlns:m="${NS.messages}"><m:SubscriptionStatus>${status}</m:SubscriptionStatus></m:SendNotificationResult>`), xml);
    assert.equal(parseSendNotificationResult(xml), status);
  }
  // Any prefix, or none, is read.
  assert.equal(parseSendNotificationResult(envelope(`<SendNotificationResult xmlns="${NS.messages}"><SubscriptionStatus> Unsubscribe </SubscriptionStatus></SendNotificationResult>`)), 'Unsubscribe');
});

test('any other answer to a notification is refused', () => {
  const result = (inside: string) => envelope(`<m:SendNotificationResult xmlns:m="${NS.messages}">${inside}</m:SendNotificationResult>`);
  assert.throws(() => parseSendNotificationResult(result('<m:SubscriptionStatus>ok</m:SubscriptionStatus>')), schemaError(/m:SubscriptionStatus "ok"/, 'm:SubscriptionStatus'));
  assert.throws(() => parseSendNotificationResult(result('<m:SubscriptionStatus/>')), schemaError(/m:SubscriptionStatus ""/));
  assert.throws(() => parseSendNotificationResult(result('')), schemaError(/has no m:SubscriptionStatus/));
  assert.throws(() => parseSendNotificationResult(result(`<t:SubscriptionStatus xmlns:t="${NS.types}">OK</t:SubscriptionStatus>`)), schemaError(/has no m:SubscriptionStatus/));
  for (const garbage of ['', 'OK', 'HTTP/1.1 200 OK', '<html><body>OK</body></html>', envelope('')]) {
    assert.throws(() => parseSendNotificationResult(garbage), schemaError(/EWS SendNotificationResult/), JSON.stringify(garbage));
  }
  assert.throws(() => parseSendNotificationResult(ewsFault('ErrorInternalServerError', 'x')), SoapFaultError);
});

// ---------------------------------------------------------------------------------------------------------------
// Unsubscribe and the retry schedule

test('unsubscribe requests and responses round-trip', () => {
  const xml = unsubscribeRequest(HOSTILE, { headers: [impersonationHeader({ kind: 'PrimarySmtpAddress', value: 'jdoe@apps.local' })] });
  assert.deepEqual(parseUnsubscribeRequest(xml), { subscriptionId: HOSTILE.trim() });
  assert.equal(parseImpersonationHeader(xml).present, true);
  assert.throws(() => parseUnsubscribeRequest(unsubscribeRequest('  ')), schemaError(/m:SubscriptionId is empty/, 'm:SubscriptionId'));
  assert.throws(() => parseUnsubscribeRequest(pushSubscribeRequest(SUBSCRIPTION)), schemaError(/expected m:Unsubscribe/));
  const statuses = [{ responseClass: 'Success' as const, responseCode: 'NoError' }, { responseClass: 'Error' as const, responseCode: 'ErrorSubscriptionNotFound', messageText: 'gone' }];
  assert.deepEqual(parseUnsubscribeResponse(unsubscribeResponse(statuses)), statuses);
});

test('Exchange retries after 30 s, doubling, while within StatusFrequency', () => {
  assert.deepEqual(retryDelays(30), [30, 60, 120, 240, 480, 960]);
  assert.deepEqual(retryDelays(60), [30, 60, 120, 240, 480, 960, 1920]);
  assert.deepEqual(retryDelays(1), [30, 60]);
  assert.equal(retryDelays(1440).at(-1), 61440);
  for (const bad of [0, 1441, 1.5]) assert.throws(() => retryDelays(bad), RangeError);
});
