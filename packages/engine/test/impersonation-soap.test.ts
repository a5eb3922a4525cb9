import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NS, SoapFaultError, SoapParseError, envelope } from '../src/federation/soap';
import {
  CONNECTING_SID_KINDS,
  EWS_IMPERSONATION_ERRORS,
  createItemRequest,
  createItemResponse,
  ewsFault,
  findItemRequest,
  findItemResponse,
  getFolderRequest,
  getFolderResponse,
  impersonationHeader,
  impersonationHeaderRaw,
  parseCreateItemRequest,
  parseCreateItemResponse,
  parseEwsFault,
  parseEwsRequest,
  parseFindItemRequest,
  parseFindItemResponse,
  parseGetFolderRequest,
  parseGetFolderResponse,
  parseImpersonationHeader,
  parseRequestServerVersion,
  parseUpdateItemRequest,
  parseUpdateItemResponse,
  requestServerVersionHeader,
  updateItemRequest,
  updateItemResponse,
} from '../src/impersonation/ews-soap';
import type {
  CreateItemResponseMessage,
  FindItemResponseMessage,
  GetFolderResponseMessage,
  UpdateItemResponseMessage,
} from '../src/impersonation/ews-soap';

// Markup characters, both quotes, a CDATA end, a closing tag, a non-BMP character (a surrogate pair) and a tab.
const HOSTILE = 'Q4 <review> & "budget" \'cuts\' ]]> </soap:Body> \u{1F4C5}\tend';
const PING = '<x:Ping xmlns:x="urn:x"/>';
const MAILBOX = 'kim.akers@contoso.com';
const isParseError = (pattern: RegExp) => (e: unknown) => e instanceof SoapParseError && pattern.test(e.message);

/** An envelope whose header holds a hand-written t:ExchangeImpersonation with the given inside. */
const withHeader = (inside: string) => envelope(PING, [`<t:ExchangeImpersonation xmlns:t="${NS.types}">${inside}</t:ExchangeImpersonation>`]);
const why = (xml: string): string => {
  const r = parseImpersonationHeader(xml);
  assert.ok(r.present && !r.ok, `expected a refused header, got ${JSON.stringify(r)}`);
  return r.why;
};

// ---------------------------------------------------------------------------------------------------------------
// ExchangeImpersonation header

test('each ConnectingSID kind round-trips', () => {
  const values = {
    PrincipalName: 'kim&akers@contoso.local',
    SID: 'S-1-5-21-3623811015-3361044348-30300820-1013',
    PrimarySmtpAddress: 'Kim.Akers@contoso.com',
    SmtpAddress: 'kim+"alias"@contoso.com',
  };
  assert.deepEqual([...CONNECTING_SID_KINDS], ['PrincipalName', 'SID', 'PrimarySmtpAddress', 'SmtpAddress']);
  for (const kind of CONNECTING_SID_KINDS) {
    const xml = envelope(PING, [impersonationHeader({ kind, value: values[kind] })]);
    assert.deepEqual(parseImpersonationHeader(xml), { present: true, ok: true, kind, value: values[kind] });
  }
  assert.equal(
    impersonationHeader({ kind: 'PrincipalName', value: 'a<b' }),
    `<t:ExchangeImpersonation xmlns:t="${NS.types}"><t:ConnectingSID><t:PrincipalName>a&lt;b</t:PrincipalName></t:ConnectingSID></t:ExchangeImpersonation>`,
  );
});

test('the header is read whatever the prefixes, beside other headers, with the value trimmed', () => {
  const xml =
    `<s:Envelope xmlns:s="${NS.soap}"><s:Header><v:RequestServerVersion xmlns:v="${NS.types}" Version="Exchange2010"/>` +
    `<types:ExchangeImpersonation xmlns:types="${NS.types}">\n  <types:ConnectingSID>\n    <types:PrimarySmtpAddress>  ${MAILBOX}\n</types:PrimarySmtpAddress>\n  </types:ConnectingSID>\n</types:ExchangeImpersonation>` +
    `</s:Header><s:Body>${PING}</s:Body></s:Envelope>`;
  assert.deepEqual(parseImpersonationHeader(xml), { present: true, ok: true, kind: 'PrimarySmtpAddress', value: MAILBOX });
  assert.equal(parseRequestServerVersion(xml), 'Exchange2010');
});

test('no header, or a header without ExchangeImpersonation, is present: false', () => {
  assert.deepEqual(parseImpersonationHeader(envelope(PING)), { present: false });
  assert.deepEqual(parseImpersonationHeader(envelope(PING, [requestServerVersionHeader('Exchange2007_SP1')])), { present: false });
  // The right local name in another namespace is not the EWS header.
  assert.deepEqual(parseImpersonationHeader(envelope(PING, ['<x:ExchangeImpersonation xmlns:x="urn:x"/>'])), { present: false });
});

test('two identities, none, an empty value and an unknown child are refused, each with a precise why', () => {
  const two = envelope(PING, [
    impersonationHeaderRaw([
      { kind: 'PrincipalName', value: 'kim@contoso.local' },
      { kind: 'PrimarySmtpAddress', value: MAILBOX },
    ]),
  ]);
  assert.equal(why(two), 't:ConnectingSID holds 2 identities (PrincipalName, PrimarySmtpAddress); exactly one is allowed');
  assert.equal(
    why(envelope(PING, [impersonationHeaderRaw([])])),
    't:ConnectingSID holds no identity; exactly one of PrincipalName, SID, PrimarySmtpAddress, SmtpAddress is required',
  );
  assert.equal(why(envelope(PING, [impersonationHeaderRaw([{ kind: 'SID', value: '' }])])), 't:ConnectingSID/t:SID is empty');
  assert.equal(
    why(envelope(PING, [impersonationHeaderRaw([{ kind: 'PrincipalName', value: ' \t\n ' }])])),
    't:ConnectingSID/t:PrincipalName is empty (whitespace only)',
  );
  assert.equal(
    why(envelope(PING, [impersonationHeaderRaw([{ kind: 'UserName', value: 'kim' }])])),
    't:ConnectingSID holds UserName, which is not one of PrincipalName, SID, PrimarySmtpAddress, SmtpAddress',
  );
  assert.equal(
    why(envelope(PING, [impersonationHeaderRaw([{ kind: 'PrincipalName', value: 'kim', ns: 'urn:x' }])])),
    `t:ConnectingSID holds {urn:x}PrincipalName, which is not in the EWS types namespace (${NS.types})`,
  );
  // Text straight inside ConnectingSID names no identity; an identity holding elements is no plain value.
  assert.match(why(withHeader(`<t:ConnectingSID>${MAILBOX}</t:ConnectingSID>`)), /^t:ConnectingSID holds no identity/);
  assert.equal(
    why(withHeader('<t:ConnectingSID><t:SID><t:SID>S-1-5-21-1</t:SID></t:SID></t:ConnectingSID>')),
    't:ConnectingSID/t:SID holds elements; a plain value is expected',
  );
});

test('a header without ConnectingSID, or with two, or two headers, is refused', () => {
  assert.equal(why(withHeader('')), 't:ExchangeImpersonation has no t:ConnectingSID');
  assert.equal(
    why(withHeader('<t:ConnectingSID><t:SID>S-1-5-21-1</t:SID></t:ConnectingSID><t:ConnectingSID><t:SID>S-1-5-21-2</t:SID></t:ConnectingSID>')),
    't:ExchangeImpersonation holds 2 t:ConnectingSID elements; exactly one is allowed',
  );
  const twice = envelope(PING, [impersonationHeader({ kind: 'SID', value: 'S-1-5-21-1' }), impersonationHeader({ kind: 'SID', value: 'S-1-5-21-2' })]);
  assert.equal(why(twice), 'soap:Header holds 2 t:ExchangeImpersonation headers; exactly one is allowed');
});

test('a malformed envelope still throws SoapParseError; a kind that is no XML name is refused by the builder', () => {
  assert.throws(() => parseImpersonationHeader('not xml'), SoapParseError);
  assert.throws(() => parseImpersonationHeader('<soap:Envelope xmlns:soap="urn:not-soap"><soap:Body/></soap:Envelope>'), isParseError(/not a SOAP 1\.1 soap:Envelope/));
  assert.throws(() => parseImpersonationHeader(`<soap:Envelope xmlns:soap="${NS.soap}"><soap:Header>`), isParseError(/malformed XML/));
  assert.throws(() => impersonationHeaderRaw([{ kind: 'a b', value: 'x' }]), RangeError);
});

test('RequestServerVersion round-trips; without it there is none', () => {
  assert.equal(parseRequestServerVersion(envelope(PING, [requestServerVersionHeader('Exchange2007_SP1')])), 'Exchange2007_SP1');
  assert.equal(parseRequestServerVersion(envelope(PING)), undefined);
});

// ---------------------------------------------------------------------------------------------------------------
// Operations

const HEADERS = [requestServerVersionHeader('Exchange2010'), impersonationHeader({ kind: 'PrimarySmtpAddress', value: MAILBOX })];

test('GetFolder request round-trips (distinguished with and without mailbox, FolderId) and keeps its headers', () => {
  const request = {
    folderIds: [
      { kind: 'distinguished' as const, id: 'calendar' as const, mailbox: 'o\'brien&co@contoso.com' },
      { kind: 'distinguished' as const, id: 'inbox' as const },
      { kind: 'folder' as const, id: 'AAMkADk="<&>', changeKey: 'AQAAAB"Y' },
      { kind: 'folder' as const, id: 'AAMkAD2' },
    ],
  };
  const xml = getFolderRequest(request, { headers: HEADERS });
  const parsed = { operation: 'GetFolder', baseShape: 'Default', ...request };
  assert.deepEqual(parseGetFolderRequest(xml), parsed);
  assert.deepEqual(parseEwsRequest(xml), parsed);
  assert.deepEqual(parseImpersonationHeader(xml), { present: true, ok: true, kind: 'PrimarySmtpAddress', value: MAILBOX });
  assert.ok(
    xml.includes(
      '<m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"><t:Mailbox><t:EmailAddress>o\'brien&amp;co@contoso.com</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>',
    ),
  );
  assert.deepEqual(parseGetFolderRequest(getFolderRequest({ folderIds: [{ kind: 'distinguished', id: 'root' }], baseShape: 'IdOnly' })).baseShape, 'IdOnly');
});

test('GetFolder requests with an unknown distinguished folder, no folder id or a foreign id element are refused', () => {
  const bad = getFolderRequest({ folderIds: [{ kind: 'distinguished', id: 'calendar' }] }).replace('Id="calendar"', 'Id="kalender"');
  assert.throws(() => parseGetFolderRequest(bad), isParseError(/t:DistinguishedFolderId Id "kalender" is not one of calendar, /));
  assert.throws(() => parseGetFolderRequest(getFolderRequest({ folderIds: [] })), isParseError(/m:FolderIds holds no folder id/));
  const foreign = getFolderRequest({ folderIds: [{ kind: 'folder', id: 'x' }] }).replace('<t:FolderId Id="x"/>', '<t:AddressListId Id="x"/>');
  assert.throws(() => parseGetFolderRequest(foreign), isParseError(/t:AddressListId is not a t:DistinguishedFolderId or t:FolderId/));
  const noId = getFolderRequest({ folderIds: [{ kind: 'folder', id: 'x' }] }).replace('<t:FolderId Id="x"/>', '<t:FolderId/>');
  assert.throws(() => parseGetFolderRequest(noId), isParseError(/t:FolderId has no Id attribute/));
});

test('GetFolder response round-trips, success and item-level error', () => {
  const messages: GetFolderResponseMessage[] = [
    { responseClass: 'Success', responseCode: 'NoError', folders: [{ folderId: 'AAMk="1"&', displayName: HOSTILE, totalCount: 42 }] },
    { responseClass: 'Error', responseCode: 'ErrorFolderNotFound', messageText: 'The specified folder could not be found in the store.', folders: [] },
    { responseClass: 'Error', responseCode: 'ErrorAccessDenied', messageText: 'Access is denied. Check credentials and try again.', folders: [] },
  ];
  const xml = getFolderResponse(messages);
  assert.deepEqual(parseGetFolderResponse(xml), messages);
  assert.ok(xml.includes('<m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Folders><t:Folder>'));
  assert.ok(
    xml.includes(
      '<m:GetFolderResponseMessage ResponseClass="Error"><m:MessageText>The specified folder could not be found in the store.</m:MessageText><m:ResponseCode>ErrorFolderNotFound</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:GetFolderResponseMessage>',
    ),
  );
  assert.ok(xml.includes('Q4 &lt;review&gt; &amp; "budget" \'cuts\' ]]&gt; &lt;/soap:Body&gt; \u{1F4C5}\tend'));
});

test('a hand-written Exchange GetFolder response with a CalendarFolder and other prefixes parses', () => {
  const xml =
    `<s:Envelope xmlns:s="${NS.soap}"><s:Header><h:ServerVersionInfo xmlns:h="${NS.types}" MajorVersion="14"/></s:Header><s:Body>` +
    `<GetFolderResponse xmlns="${NS.messages}" xmlns:types="${NS.types}"><ResponseMessages>` +
    '<GetFolderResponseMessage ResponseClass="Success"><ResponseCode>NoError</ResponseCode><Folders>' +
    '<types:CalendarFolder><types:FolderId Id="AAMkCal" ChangeKey="AgAAAB"/><types:DisplayName>Calendar</types:DisplayName>' +
    '<types:TotalCount>3</types:TotalCount><types:ChildFolderCount>0</types:ChildFolderCount></types:CalendarFolder>' +
    '</Folders></GetFolderResponseMessage></ResponseMessages></GetFolderResponse></s:Body></s:Envelope>';
  assert.deepEqual(parseGetFolderResponse(xml), [
    { responseClass: 'Success', responseCode: 'NoError', folders: [{ folderId: 'AAMkCal', displayName: 'Calendar', totalCount: 3 }] },
  ]);
});

test('FindItem request round-trips with Traversal="Shallow"', () => {
  const request = { parentFolderId: { kind: 'distinguished' as const, id: 'calendar' as const, mailbox: MAILBOX } };
  const xml = findItemRequest(request, { headers: HEADERS });
  const parsed = { operation: 'FindItem', traversal: 'Shallow', baseShape: 'Default', ...request };
  assert.deepEqual(parseFindItemRequest(xml), parsed);
  assert.deepEqual(parseEwsRequest(xml), parsed);
  assert.match(xml, /<m:FindItem Traversal="Shallow" xmlns:m="[^"]+" xmlns:t="[^"]+"><m:ItemShape><t:BaseShape>Default<\/t:BaseShape><\/m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar">/);
  const byId = { parentFolderId: { kind: 'folder' as const, id: 'AAMk&1' } };
  assert.deepEqual(parseFindItemRequest(findItemRequest(byId)).parentFolderId, byId.parentFolderId);
});

test('FindItem requests without Traversal, with Deep traversal or with two folders are refused', () => {
  const xml = findItemRequest({ parentFolderId: { kind: 'distinguished', id: 'inbox' } });
  assert.throws(() => parseFindItemRequest(xml.replace(' Traversal="Shallow"', '')), isParseError(/m:FindItem has no Traversal attribute/));
  assert.throws(() => parseFindItemRequest(xml.replace('Traversal="Shallow"', 'Traversal="Deep"')), isParseError(/Traversal "Deep" is not one of Shallow, SoftDeleted, Associated/));
  const two = xml.replace('</m:ParentFolderIds>', '<t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds>');
  assert.throws(() => parseFindItemRequest(two), isParseError(/m:ParentFolderIds holds 2 folder ids/));
});

test('FindItem response round-trips calendar items and messages, and an error message', () => {
  const messages: FindItemResponseMessage[] = [
    {
      responseClass: 'Success',
      responseCode: 'NoError',
      totalItemsInView: 2,
      includesLastItemInRange: true,
      items: [
        { itemId: 'AAMk1', changeKey: 'DwAAA"1', subject: HOSTILE, start: '2011-12-12T09:00:00Z', end: '2011-12-12T10:00:00Z', location: 'Room <4> & "5"' },
        { itemId: 'AAMk2', changeKey: 'DwAAA2', subject: '  spaced  ' },
      ],
    },
    { responseClass: 'Error', responseCode: 'ErrorFolderNotFound', messageText: 'Folder not found.', items: [], totalItemsInView: 0, includesLastItemInRange: true },
  ];
  const xml = findItemResponse(messages);
  assert.deepEqual(parseFindItemResponse(xml), messages);
  assert.ok(xml.includes('<m:RootFolder TotalItemsInView="2" IncludesLastItemInRange="true"><t:Items><t:CalendarItem><t:ItemId Id="AAMk1" ChangeKey="DwAAA&quot;1"/>'));
  assert.ok(xml.includes('<t:Message><t:ItemId Id="AAMk2" ChangeKey="DwAAA2"/><t:Subject>  spaced  </t:Subject></t:Message>'));
  assert.ok(!xml.includes('<m:RootFolder TotalItemsInView="0"'), 'an error message has no RootFolder');
});

test('CreateItem request round-trips a calendar item with a hostile subject', () => {
  const request = {
    savedItemFolderId: { kind: 'distinguished' as const, id: 'calendar' as const, mailbox: MAILBOX },
    item: { subject: HOSTILE, start: '2011-12-12T09:00:00Z', end: '2011-12-12T09:30:00+01:00', location: '"Main" <Hall> & \u{1F3E2}' },
  };
  const xml = createItemRequest(request, { headers: HEADERS });
  const parsed = { operation: 'CreateItem', sendMeetingInvitations: 'SendToNone', ...request };
  assert.deepEqual(parseCreateItemRequest(xml), parsed);
  assert.deepEqual(parseEwsRequest(xml), parsed);
  assert.match(xml, /<m:CreateItem SendMeetingInvitations="SendToNone" [^>]*><m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar">/);
  assert.ok(xml.includes(`<m:Items><t:CalendarItem><t:Subject>Q4 &lt;review&gt; &amp; "budget" 'cuts' ]]&gt; &lt;/soap:Body&gt; \u{1F4C5}\tend</t:Subject><t:Start>2011-12-12T09:00:00Z</t:Start>`));
  // Without a folder or a location.
  const bare = { item: { subject: 's', start: '2011-12-12T09:00:00Z', end: '2011-12-12T10:00:00Z' } };
  assert.deepEqual(parseCreateItemRequest(createItemRequest(bare)), { operation: 'CreateItem', sendMeetingInvitations: 'SendToNone', ...bare });
});

test('CreateItem requests with a bad date, a missing End, a non-calendar item or a bad invitation mode are refused', () => {
  const xml = createItemRequest({ item: { subject: 's', start: '2011-12-12T09:00:00Z', end: '2011-12-12T10:00:00Z' } });
  assert.throws(() => parseCreateItemRequest(xml.replace('2011-12-12T09:00:00Z', 'tomorrow')), isParseError(/t:Start "tomorrow" is not an xs:dateTime/));
  assert.throws(() => parseCreateItemRequest(xml.replace('<t:End>2011-12-12T10:00:00Z</t:End>', '')), isParseError(/t:CalendarItem has no t:End/));
  assert.throws(() => parseCreateItemRequest(xml.replace(/CalendarItem/g, 'Message')), isParseError(/m:Items holds t:Message; only t:CalendarItem is supported/));
  assert.throws(() => parseCreateItemRequest(xml.replace('SendToNone', 'SendToEveryone')), isParseError(/SendMeetingInvitations "SendToEveryone" is not one of/));
  assert.equal(parseCreateItemRequest(xml.replace(' SendMeetingInvitations="SendToNone"', '')).sendMeetingInvitations, undefined);
});

test('CreateItem response round-trips; an Error message parses to its code', () => {
  const messages: CreateItemResponseMessage[] = [
    { responseClass: 'Success', responseCode: 'NoError', items: [{ itemId: 'AAMkNew', changeKey: 'DwAAAN', subject: '' }] },
    { responseClass: 'Error', responseCode: 'ErrorAccessDenied', messageText: 'Access is denied. Check credentials and try again.', items: [] },
  ];
  const xml = createItemResponse(messages);
  assert.deepEqual(parseCreateItemResponse(xml), messages);
  assert.ok(xml.includes('<m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:Items></m:Items></m:CreateItemResponseMessage>'));
});

test('UpdateItem request round-trips Subject and Location changes', () => {
  const request = { itemId: 'AAMk"1"', changeKey: 'DwAAA&', subject: HOSTILE, location: 'Room \u{1F6AA} <9>' };
  const xml = updateItemRequest(request, { headers: HEADERS });
  const parsed = { operation: 'UpdateItem', conflictResolution: 'AutoResolve', sendMeetingInvitationsOrCancellations: 'SendToNone', ...request };
  assert.deepEqual(parseUpdateItemRequest(xml), parsed);
  assert.deepEqual(parseEwsRequest(xml), parsed);
  assert.ok(xml.includes('<t:ItemId Id="AAMk&quot;1&quot;" ChangeKey="DwAAA&amp;"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:CalendarItem><t:Subject>'));
  assert.ok(xml.includes('<t:SetItemField><t:FieldURI FieldURI="calendar:Location"/><t:CalendarItem><t:Location>Room \u{1F6AA} &lt;9&gt;</t:Location></t:CalendarItem></t:SetItemField>'));
  const subjectOnly = { itemId: 'A', changeKey: 'C', subject: 'new', conflictResolution: 'AlwaysOverwrite' as const };
  assert.deepEqual(parseUpdateItemRequest(updateItemRequest(subjectOnly)), { operation: 'UpdateItem', sendMeetingInvitationsOrCancellations: 'SendToNone', ...subjectOnly });
  // A subject set on a t:Message is as good as on a t:CalendarItem.
  const onMessage = updateItemRequest({ itemId: 'A', changeKey: 'C', subject: 'm' }).replace(/CalendarItem/g, 'Message');
  assert.equal(parseUpdateItemRequest(onMessage).subject, 'm');
});

test('UpdateItem requests with no change, an unsupported field, a field set twice or Location on a message are refused', () => {
  const xml = updateItemRequest({ itemId: 'A', changeKey: 'C', subject: 's' });
  assert.throws(() => parseUpdateItemRequest(updateItemRequest({ itemId: 'A', changeKey: 'C' })), isParseError(/t:Updates holds no change/));
  assert.throws(() => parseUpdateItemRequest(xml.replace('item:Subject', 'item:Body')), isParseError(/FieldURI "item:Body" is not one of item:Subject, calendar:Location/));
  assert.throws(() => parseUpdateItemRequest(xml.replace('item:Subject', 'constructor')), isParseError(/FieldURI "constructor" is not one of/));
  const twice = updateItemRequest({ itemId: 'A', changeKey: 'C', subject: 's' }).replace(/(<t:SetItemField>.*<\/t:SetItemField>)/, '$1$1');
  assert.throws(() => parseUpdateItemRequest(twice), isParseError(/item:Subject is set twice/));
  const locationOnMessage = updateItemRequest({ itemId: 'A', changeKey: 'C', location: 'l' }).replace(/CalendarItem/g, 'Message');
  assert.throws(() => parseUpdateItemRequest(locationOnMessage), isParseError(/for calendar:Location holds t:Message, expected t:CalendarItem/));
  assert.throws(() => parseUpdateItemRequest(xml.replace(/ ConflictResolution="AutoResolve"/, '')), isParseError(/m:UpdateItem has no ConflictResolution attribute/));
  const deleteField = xml.replace(/<t:SetItemField>.*<\/t:SetItemField>/, '<t:DeleteItemField><t:FieldURI FieldURI="calendar:Location"/></t:DeleteItemField>');
  assert.throws(() => parseUpdateItemRequest(deleteField), isParseError(/t:Updates holds t:DeleteItemField; only t:SetItemField is supported/));
});

test('UpdateItem response round-trips; ErrorItemNotFound and ErrorIrresolvableConflict parse to their codes', () => {
  const messages: UpdateItemResponseMessage[] = [
    { responseClass: 'Success', responseCode: 'NoError', items: [{ itemId: 'AAMk1', changeKey: 'DwAAA2', subject: '', location: 'Room 9' }] },
    { responseClass: 'Error', responseCode: 'ErrorItemNotFound', messageText: 'The specified object was not found in the store.', items: [] },
    { responseClass: 'Error', responseCode: 'ErrorIrresolvableConflict', messageText: 'The change key is stale & "old".', items: [] },
  ];
  const xml = updateItemResponse(messages);
  assert.deepEqual(parseUpdateItemResponse(xml), messages);
  assert.ok(xml.includes('<m:ConflictResults><t:Count>0</t:Count></m:ConflictResults></m:UpdateItemResponseMessage>'));
  assert.deepEqual(parseUpdateItemResponse(xml).map((m) => [m.responseClass, m.responseCode]), [
    ['Success', 'NoError'],
    ['Error', 'ErrorItemNotFound'],
    ['Error', 'ErrorIrresolvableConflict'],
  ]);
});

test('a response parser refuses a bad ResponseClass and reports a fault in the body as SoapFaultError', () => {
  const xml = getFolderResponse([{ responseClass: 'Success', responseCode: 'NoError', folders: [] }]).replace('ResponseClass="Success"', 'ResponseClass="Fine"');
  assert.throws(() => parseGetFolderResponse(xml), isParseError(/ResponseClass "Fine" is not one of Success, Warning, Error/));
  assert.throws(() => parseFindItemResponse(ewsFault('ErrorImpersonateUserDenied', 'denied')), (e: unknown) => {
    assert.ok(e instanceof SoapFaultError);
    assert.equal(e.fault.responseCode, 'ErrorImpersonateUserDenied');
    return true;
  });
});

test('parseEwsRequest dispatches on the payload and refuses anything else, naming it', () => {
  const folder = { kind: 'distinguished' as const, id: 'calendar' as const };
  const ops = [
    getFolderRequest({ folderIds: [folder] }),
    findItemRequest({ parentFolderId: folder }),
    createItemRequest({ item: { subject: 's', start: '2011-12-12T09:00:00Z', end: '2011-12-12T10:00:00Z' } }),
    updateItemRequest({ itemId: 'A', changeKey: 'C', subject: 's' }),
  ];
  assert.deepEqual(ops.map((xml) => parseEwsRequest(xml).operation), ['GetFolder', 'FindItem', 'CreateItem', 'UpdateItem']);
  assert.throws(
    () => parseEwsRequest(envelope(`<m:DeleteItem xmlns:m="${NS.messages}" DeleteType="HardDelete"/>`)),
    isParseError(/^EWS request: soap:Body holds m:DeleteItem, not one of m:GetFolder, m:FindItem, m:CreateItem, m:UpdateItem$/),
  );
  assert.throws(() => parseEwsRequest(envelope('<GetFolder xmlns="urn:x"/>')), isParseError(/soap:Body holds \{urn:x\}GetFolder, not one of/));
  assert.throws(() => parseEwsRequest(envelope('<GetFolder/>')), isParseError(/soap:Body holds GetFolder, not one of/));
  assert.throws(() => parseEwsRequest(envelope('')), isParseError(/soap:Body is empty/));
  assert.throws(() => parseEwsRequest('<<<'), isParseError(/malformed XML/));
  // A specific parser names what it found as well.
  assert.throws(() => parseGetFolderRequest(ops[1] as string), isParseError(/soap:Body holds m:FindItem, expected m:GetFolder/));
});

// ---------------------------------------------------------------------------------------------------------------
// Faults

test('every impersonation error round-trips as an EWS fault with Exchange shape', () => {
  assert.equal(EWS_IMPERSONATION_ERRORS.length, 7);
  for (const code of EWS_IMPERSONATION_ERRORS) {
    const message = `${code}: ${HOSTILE}`;
    const xml = ewsFault(code, message);
    assert.deepEqual(parseEwsFault(xml), { responseCode: code, message, faultCode: `a:${code}` });
    assert.ok(xml.includes(`<faultcode xmlns:a="${NS.types}">a:${code}</faultcode>`));
    assert.ok(xml.includes(`<detail><e:ResponseCode xmlns:e="${NS.errors}">${code}</e:ResponseCode><e:Message xmlns:e="${NS.errors}">`));
  }
});

test('parseEwsFault: undefined for a body that is not a fault; the faultcode for a fault without an EWS code', () => {
  assert.equal(parseEwsFault(getFolderRequest({ folderIds: [{ kind: 'distinguished', id: 'inbox' }] })), undefined);
  assert.equal(parseEwsFault(envelope('')), undefined);
  const plain = `<soap:Envelope xmlns:soap="${NS.soap}"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>bad</faultstring></soap:Fault></soap:Body></soap:Envelope>`;
  assert.deepEqual(parseEwsFault(plain), { responseCode: 'Client', message: 'bad', faultCode: 'soap:Client' });
  assert.throws(() => parseEwsFault('not xml'), SoapParseError);
});
