import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NS,
  SoapFaultError,
  SoapParseError,
  bodyPayloadName,
  escapeAttr,
  envelope,
  extractSecurityToken,
  getFederationInformationRequest,
  getFederationInformationResponse,
  getOrganizationRelationshipSettingsRequest,
  getOrganizationRelationshipSettingsResponse,
  getUserSettingsRequest,
  getUserSettingsResponse,
  parseGetOrganizationRelationshipSettingsRequest,
  parseGetOrganizationRelationshipSettingsResponse,
  parseGetFederationInformationRequest,
  parseGetFederationInformationResponse,
  parseGetUserSettingsRequest,
  parseGetUserSettingsResponse,
  parseRequestSecurityToken,
  parseRequestSecurityTokenResponse,
  parseSecurityHeader,
  parseSoapFault,
  requestSecurityToken,
  requestSecurityTokenResponse,
  securityHeader,
  soapFault,
} from '../src/federation/soap';
import {
  getUserAvailabilityRequest,
  getUserAvailabilityResponse,
  mergedFreeBusy,
  parseGetUserAvailabilityRequest,
  parseGetUserAvailabilityResponse,
  shapeView,
} from '../src/federation/free-busy';
import type { ParsedUserSettingsResponse } from '../src/federation/soap';
import type { CalendarEvent, FreeBusyAnswer } from '../src/federation/free-busy';

const at = (hhmm: string): Date => new Date(`2011-12-12T${hhmm}:00Z`);
const HOSTILE = 'Q4 <review> & "budget" \'cuts\' ]]> </soap:Body>';

// An encrypted token as a gateway might format it: own namespace declarations, single quotes, a '>' inside an
// attribute, a comment, CDATA, a self-closing element and line breaks. None of it may change on the way through.
const TOKEN = `<xenc:EncryptedData xmlns:xenc='http://www.w3.org/2001/04/xmlenc#'  Id="_tok&amp;1" Type='http://www.w3.org/2001/04/xmlenc#Element' Note="a>b">
  <xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc" />
  <!-- <not-an-element/> -->
  <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:KeyName>contoso</ds:KeyName></ds:KeyInfo>
  <xenc:CipherData><xenc:CipherValue><![CDATA[AbC+/=</xenc:CipherValue>]]>AAAA</xenc:CipherValue></xenc:CipherData>
</xenc:EncryptedData>`;

test('a security header round-trips its token byte for byte, and its timestamp', () => {
  const created = at('09:00');
  const expires = at('09:05');
  const xml = envelope('<x:Ping xmlns:x="urn:x"/>', [securityHeader(TOKEN, { created, expires })]);
  assert.equal(extractSecurityToken(xml), TOKEN);
  assert.deepEqual(parseSecurityHeader(xml), { token: TOKEN, timestamp: { created, expires } });
  assert.match(xml, /<wsse:Security soap:mustUnderstand="1" xmlns:wsse="http:\/\/docs\.oasis-open\.org\/wss\/2004\/01\/oasis-200401-wss-wssecurity-secext-1\.0\.xsd"/);
  assert.match(xml, /<wsu:Created>2011-12-12T09:00:00Z<\/wsu:Created>/);
  assert.deepEqual(bodyPayloadName(xml), { namespaceURI: 'urn:x', localName: 'Ping' });
});

test('without a Security header there is no token', () => {
  assert.equal(extractSecurityToken(envelope('<x:Ping xmlns:x="urn:x"/>')), undefined);
  assert.equal(parseSecurityHeader(envelope('<x:Ping xmlns:x="urn:x"/>', ['<x:Other xmlns:x="urn:x"/>'])), undefined);
  // A header with only a timestamp has no token either.
  const onlyTimestamp = envelope('<x:Ping xmlns:x="urn:x"/>', [securityHeader('', { created: at('09:00'), expires: at('09:05') })]);
  assert.equal(extractSecurityToken(onlyTimestamp), undefined);
});

test('a token element that a sender wrote with CRLF line ends survives as parsed XML sees it', () => {
  const token = '<t:Tok xmlns:t="urn:t">\r\n<t:A/>\r\n</t:Tok>';
  const xml = envelope('<x:Ping xmlns:x="urn:x"/>', [securityHeader(token)]);
  assert.equal(extractSecurityToken(xml), '<t:Tok xmlns:t="urn:t">\n<t:A/>\n</t:Tok>');
});

test('SOAP faults round-trip, with and without an EWS response code', () => {
  const plain = { code: 'soap:Server', message: HOSTILE };
  assert.deepEqual(parseSoapFault(soapFault(plain)), plain);
  const ews = { code: 'a:ErrorInvalidFederatedOrganizationId', message: 'The organization is not federated.', responseCode: 'ErrorInvalidFederatedOrganizationId' };
  const xml = soapFault(ews);
  assert.deepEqual(parseSoapFault(xml), ews);
  assert.match(xml, /<faultcode xmlns:a="http:\/\/schemas\.microsoft\.com\/exchange\/services\/2006\/types">a:ErrorInvalidFederatedOrganizationId<\/faultcode>/);
  assert.match(xml, /<e:ResponseCode xmlns:e="http:\/\/schemas\.microsoft\.com\/exchange\/services\/2006\/errors">ErrorInvalidFederatedOrganizationId<\/e:ResponseCode>/);
  const wsse = soapFault({ code: 'a:FailedAuthentication', message: 'The token could not be decrypted.' });
  assert.match(wsse, new RegExp(`xmlns:a="${NS.wsse.replace(/\./g, '\\.')}"`));
  assert.equal(parseSoapFault(wsse)?.code, 'a:FailedAuthentication');
});

test('a response that is not a fault parses as no fault; a fault where a message was expected is reported', () => {
  assert.equal(parseSoapFault(getFederationInformationRequest('contoso.com')), undefined);
  const fault = soapFault({ code: 'soap:Client', message: 'denied' });
  assert.throws(() => parseGetFederationInformationResponse(fault), (e: unknown) => {
    assert.ok(e instanceof SoapFaultError && e instanceof SoapParseError);
    assert.deepEqual(e.fault, { code: 'soap:Client', message: 'denied' });
    return true;
  });
});

test('WS-Trust RequestSecurityToken round-trips and has the Exchange shape', () => {
  const request = {
    appliesTo: 'FYDIBOHF25SPDLT.fabrikam.com',
    offer: 'MSExchange.SharingCalendarFreeBusy',
    userEmail: 'kim&lee@contoso.com',
    requestingOrganization: 'contoso.com',
    lifetimeMinutes: 5,
  };
  const xml = requestSecurityToken(request, { to: 'https://login.microsoftonline.com/extSTS.srf' });
  assert.deepEqual(parseRequestSecurityToken(xml), request);
  for (const fragment of [
    '<t:RequestType>http://schemas.xmlsoap.org/ws/2005/02/trust/Issue</t:RequestType>',
    '<t:TokenType>urn:oasis:names:tc:SAML:1.0:assertion</t:TokenType>',
    '<t:KeyType>http://schemas.xmlsoap.org/ws/2005/02/trust/SymmetricKey</t:KeyType>',
    '<t:KeySize>256</t:KeySize>',
    '<wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>FYDIBOHF25SPDLT.fabrikam.com</wsa:Address>',
    '>http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue</wsa:Action>',
    '>https://login.microsoftonline.com/extSTS.srf</wsa:To>',
    '<t:OnBehalfOf><saml:Assertion',
    'kim&amp;lee@contoso.com',
  ]) {
    assert.ok(xml.includes(fragment), `missing ${fragment}`);
  }
});

test('WS-Trust RequestSecurityTokenResponse round-trips with the token byte-identical', () => {
  const response = { token: TOKEN, created: at('09:00'), expires: at('09:05'), appliesTo: 'FYDIBOHF25SPDLT.fabrikam.com' };
  const xml = requestSecurityTokenResponse(response);
  assert.deepEqual(parseRequestSecurityTokenResponse(xml), response);
  assert.ok(xml.includes(`<t:RequestedSecurityToken>${TOKEN}</t:RequestedSecurityToken>`));
  assert.match(xml, /<t:Lifetime><wsu:Created>2011-12-12T09:00:00Z<\/wsu:Created><wsu:Expires>2011-12-12T09:05:00Z<\/wsu:Expires><\/t:Lifetime>/);
});

test('GetFederationInformation request and response round-trip', () => {
  const request = getFederationInformationRequest('fabrikam.com');
  assert.deepEqual(parseGetFederationInformationRequest(request), { domain: 'fabrikam.com' });
  assert.ok(request.includes('<a:RequestedServerVersion xmlns:a="http://schemas.microsoft.com/exchange/2010/Autodiscover">Exchange2010</a:RequestedServerVersion>'));
  assert.ok(request.includes('>http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetFederationInformation</wsa:Action>'));
  assert.ok(request.includes('>https://autodiscover.fabrikam.com/autodiscover/autodiscover.svc</wsa:To>'));

  const full = {
    errorCode: 'NoError' as const,
    errorMessage: '',
    applicationUri: 'FYDIBOHF25SPDLT.fabrikam.com',
    domains: ['fabrikam.com', 'sales.fabrikam.com'],
    tokenIssuers: [{ uri: 'urn:federation:MicrosoftOnline', endpoint: 'https://login.microsoftonline.com/extSTS.srf' }],
  };
  assert.deepEqual(parseGetFederationInformationResponse(getFederationInformationResponse(full)), full);
  assert.deepEqual(parseGetFederationInformationResponse(getFederationInformationResponse({ errorCode: 'NotFederated', errorMessage: HOSTILE })), {
    errorCode: 'NotFederated',
    errorMessage: HOSTILE,
    domains: [],
    tokenIssuers: [],
  });
});

test('GetUserSettings request and response round-trip, hostile values included', () => {
  const request = { mailboxes: ['kim@fabrikam.com', 'o\'neil&co@fabrikam.com'], settings: ['UserDisplayName', 'CasVersion', 'ExternalEwsUrl'] };
  const xml = getUserSettingsRequest(request);
  assert.deepEqual(parseGetUserSettingsRequest(xml), request);
  assert.ok(xml.includes('/Autodiscover/Autodiscover/GetUserSettings</wsa:Action>'));

  const response: ParsedUserSettingsResponse = {
    errorCode: 'NoError',
    errorMessage: '',
    users: [
      {
        errorCode: 'NoError' as const,
        errorMessage: '',
        settings: { UserDisplayName: HOSTILE, CasVersion: '14.00.0639.000' },
        settingErrors: [{ name: 'ExternalEwsUrl', errorCode: 'SettingIsNotAvailable' as const, errorMessage: 'User setting \'ExternalEwsUrl\' is not available.' }],
      },
      { errorCode: 'RedirectAddress' as const, errorMessage: 'Redirect.', redirectTarget: 'kim@fabrikam.onmicrosoft.com', settings: {}, settingErrors: [] },
      { errorCode: 'InvalidUser' as const, errorMessage: '', settings: {}, settingErrors: [] },
    ],
  };
  const out = getUserSettingsResponse(response);
  assert.deepEqual(parseGetUserSettingsResponse(out), response);
  assert.ok(out.includes('<UserSetting i:type="StringSetting"><Name>UserDisplayName</Name>'));
  assert.ok(!out.includes(HOSTILE), 'the hostile value is escaped, not written raw');
});

test('GetUserAvailability request round-trips', () => {
  const request = {
    mailboxes: [{ address: 'kim@fabrikam.com', attendeeType: 'Required' as const }, { address: 'room1@fabrikam.com', attendeeType: 'Room' as const }],
    window: { start: at('00:00'), end: new Date('2011-12-13T00:00:00Z') },
    mergedIntervalMinutes: 30,
    requestedView: 'DetailedMerged' as const,
  };
  const xml = getUserAvailabilityRequest(request, { headers: [securityHeader(TOKEN)] });
  assert.deepEqual(parseGetUserAvailabilityRequest(xml), request);
  assert.equal(extractSecurityToken(xml), TOKEN);
  assert.ok(xml.includes('<m:MailboxDataArray><t:MailboxData><t:Email><t:Address>kim@fabrikam.com</t:Address></t:Email><t:AttendeeType>Required</t:AttendeeType><t:ExcludeConflicts>false</t:ExcludeConflicts></t:MailboxData>'));
  assert.ok(xml.includes('<t:TimeWindow><t:StartTime>2011-12-12T00:00:00Z</t:StartTime><t:EndTime>2011-12-13T00:00:00Z</t:EndTime></t:TimeWindow><t:MergedFreeBusyIntervalInMinutes>30</t:MergedFreeBusyIntervalInMinutes><t:RequestedView>DetailedMerged</t:RequestedView>'));
  // An omitted attendee type goes on the wire as Required.
  const bare = parseGetUserAvailabilityRequest(getUserAvailabilityRequest({ ...request, mailboxes: [{ address: 'a@b.c' }] }));
  assert.deepEqual(bare.mailboxes, [{ address: 'a@b.c', attendeeType: 'Required' }]);
});

const DAY = { start: at('08:00'), end: at('12:00') };
const EVENTS: CalendarEvent[] = [
  { start: at('09:00'), end: at('10:00'), busyType: 'Busy', subject: HOSTILE, location: 'Room <1> & 2', isMeeting: true, isRecurring: false },
  { start: at('10:30'), end: at('11:00'), busyType: 'Tentative', subject: 'Private thing', location: 'Home', isPrivate: true },
  { start: at('07:00'), end: at('08:00'), busyType: 'OOF', subject: 'Before the window' },
];

test('GetUserAvailability response round-trips every view and escapes a hostile subject', () => {
  const answers: FreeBusyAnswer[] = [
    { responseClass: 'Success', responseCode: 'NoError', view: shapeView(EVENTS, 'DetailedMerged', DAY, 30) },
    { responseClass: 'Success', responseCode: 'NoError', view: shapeView(EVENTS, 'FreeBusy', DAY, 30) },
    { responseClass: 'Success', responseCode: 'NoError', view: shapeView(EVENTS, 'MergedOnly', DAY, 60) },
    { responseClass: 'Error', responseCode: 'ErrorNoFreeBusyAccess', messageText: HOSTILE, view: shapeView(EVENTS, 'None', DAY, 30) },
    { responseClass: 'Error', responseCode: 'ErrorMailRecipientNotFound', messageText: 'Unable to resolve e-mail address <> to an Active Directory object.' },
  ];
  const xml = getUserAvailabilityResponse(answers);
  assert.deepEqual(parseGetUserAvailabilityResponse(xml), answers);
  assert.ok(!xml.includes('<review>') && !xml.includes('& "budget"'), 'subject written raw');
  assert.ok(xml.includes('<t:Subject>Q4 &lt;review&gt; &amp; "budget" \'cuts\' ]]&gt; &lt;/soap:Body&gt;</t:Subject>'));
  assert.equal(parseGetUserAvailabilityResponse(xml)[0].view?.events[0].subject, HOSTILE);
  assert.ok(xml.includes('<t:MergedFreeBusy>00220100</t:MergedFreeBusy>'));
});

test('characters XML cannot carry become U+FFFD, and line ends and tabs survive', () => {
  const subject = 'a\u0001b\r\nc\td\uFFFD\uD800e';
  const view = shapeView([{ start: at('09:00'), end: at('10:00'), busyType: 'Busy', subject }], 'Detailed', DAY, 30);
  const xml = getUserAvailabilityResponse([{ responseClass: 'Success', responseCode: 'NoError', view }]);
  assert.equal(parseGetUserAvailabilityResponse(xml)[0].view?.events[0].subject, 'a\uFFFDb\r\nc\td\uFFFD\uFFFDe');
  assert.equal(escapeAttr('a"b\'c<d>&\te\nf\r'), 'a&quot;b&apos;c&lt;d&gt;&amp;&#9;e&#10;f&#13;');
});

test('the FreeBusy view has no event details on the wire even if it is handed events with subjects', () => {
  const xml = getUserAvailabilityResponse([{ responseClass: 'Success', responseCode: 'NoError', view: { type: 'FreeBusy', events: EVENTS.slice(0, 1) } }]);
  assert.ok(!xml.includes('CalendarEventDetails') && !xml.includes('Subject'));
  assert.deepEqual(parseGetUserAvailabilityResponse(xml)[0].view?.events, [{ start: at('09:00'), end: at('10:00'), busyType: 'Busy' }]);
});

test('MergedFreeBusy: highest value wins per interval, untouched intervals are free', () => {
  const window = { start: at('09:00'), end: at('11:00') };
  assert.equal(mergedFreeBusy([], window, 30), '0000', 'a 2-hour window in 30-minute intervals has 4 digits');
  assert.equal(
    mergedFreeBusy([{ start: at('09:00'), end: at('10:00'), busyType: 'Tentative' }, { start: at('09:30'), end: at('10:00'), busyType: 'Busy' }], window, 30),
    '1200',
  );
  assert.equal(
    mergedFreeBusy([{ start: at('09:00'), end: at('09:30'), busyType: 'Tentative' }, { start: at('09:00'), end: at('09:30'), busyType: 'Busy' }], window, 30),
    '2000',
    'overlapping Tentative and Busy give 2',
  );
  assert.equal(
    mergedFreeBusy([{ start: at('10:00'), end: at('11:00'), busyType: 'OOF' }, { start: at('09:45'), end: at('10:45'), busyType: 'Busy' }], window, 30),
    '0233',
    'OOF beats Busy; a partly covered interval counts',
  );
  // Touching an interval's edge is not overlapping it; events outside the window are ignored; NoData is 4.
  assert.equal(mergedFreeBusy([{ start: at('08:00'), end: at('09:00'), busyType: 'OOF' }, { start: at('10:59'), end: at('12:00'), busyType: 'NoData' }], window, 30), '0004');
  assert.equal(mergedFreeBusy([], { start: at('09:00'), end: at('09:45') }, 30), '00', 'a last partial interval gets a digit');
  assert.throws(() => mergedFreeBusy([], window, 0), RangeError);
});

test('shapeView: FreeBusy drops details, Detailed keeps them but hides a private event, Merged adds the digits', () => {
  const freeBusy = shapeView(EVENTS, 'FreeBusy', DAY, 30);
  assert.deepEqual(freeBusy, {
    type: 'FreeBusy',
    events: [
      { start: at('09:00'), end: at('10:00'), busyType: 'Busy' },
      { start: at('10:30'), end: at('11:00'), busyType: 'Tentative' },
    ],
  });
  const detailed = shapeView(EVENTS, 'Detailed', DAY, 30);
  assert.equal(detailed.mergedFreeBusy, undefined);
  assert.deepEqual(detailed.events, [
    { start: at('09:00'), end: at('10:00'), busyType: 'Busy', subject: HOSTILE, location: 'Room <1> & 2', isMeeting: true, isRecurring: false, isPrivate: false },
    { start: at('10:30'), end: at('11:00'), busyType: 'Tentative', isMeeting: false, isRecurring: false, isPrivate: true },
  ]);
  assert.equal(shapeView(EVENTS, 'FreeBusyMerged', DAY, 60).mergedFreeBusy, '0210');
  assert.deepEqual(shapeView(EVENTS, 'MergedOnly', DAY, 60), { type: 'MergedOnly', mergedFreeBusy: '0210', events: [] });
  assert.deepEqual(shapeView(EVENTS, 'None', DAY, 60), { type: 'None', events: [] });
});

test('malformed or foreign XML is a SoapParseError from every parser, never a crash', () => {
  const parsers: Array<(xml: string) => unknown> = [
    parseSoapFault,
    extractSecurityToken,
    parseSecurityHeader,
    parseRequestSecurityToken,
    parseRequestSecurityTokenResponse,
    parseGetFederationInformationRequest,
    parseGetFederationInformationResponse,
    parseGetUserSettingsRequest,
    parseGetUserSettingsResponse,
    parseGetUserAvailabilityRequest,
    parseGetUserAvailabilityResponse,
  ];
  const bad = [
    '',
    'not xml at all',
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>',
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><a></b></soap:Body></soap:Envelope>',
    '<x:Envelope><x:Body/></x:Envelope>',
    '<Envelope xmlns="http://www.w3.org/2003/05/soap-envelope"><Body/></Envelope>',
    // Not well-formed, though xmldom recovers from each of these:
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" a=b><soap:Body/></soap:Envelope>',
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&boom;</soap:Body></soap:Envelope>',
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>trailing',
    '<!DOCTYPE x [<!ENTITY e "boom">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>',
  ];
  for (const parse of parsers) {
    for (const xml of bad) {
      assert.throws(() => parse(xml), SoapParseError, `${parse.name} on ${JSON.stringify(xml)}`);
    }
    assert.throws(() => parse(undefined as unknown as string), SoapParseError, `${parse.name} on undefined`);
  }
});

test('parse errors name what was missing or wrong', () => {
  const wrapAd = (inner: string): string => envelope(`<a:GetFederationInformationRequestMessage xmlns:a="${NS.autodiscover}">${inner}</a:GetFederationInformationRequestMessage>`);
  assert.throws(() => parseGetFederationInformationRequest(wrapAd('<a:Request/>')), /has no a:Domain/);
  assert.throws(() => parseGetFederationInformationRequest(envelope('')), /soap:Body is empty, expected a:GetFederationInformationRequestMessage/);
  assert.throws(() => parseGetFederationInformationRequest(getUserSettingsRequest({ mailboxes: ['a@b.c'], settings: [] })), /holds a:GetUserSettingsRequestMessage, expected a:GetFederationInformationRequestMessage/);
  const badCode = getFederationInformationResponse({ errorCode: 'NoError' }).replace('>NoError<', '>Maybe<');
  assert.throws(() => parseGetFederationInformationResponse(badCode), /ErrorCode "Maybe" is not one of NoError, /);
  const badDate = getUserAvailabilityResponse([{ responseClass: 'Success', responseCode: 'NoError', view: shapeView(EVENTS, 'FreeBusy', DAY, 30) }]).replace('2011-12-12T09:00:00Z', 'tomorrow');
  assert.throws(() => parseGetUserAvailabilityResponse(badDate), /t:StartTime "tomorrow" is not an xs:dateTime/);
  const noView = getUserAvailabilityRequest({ mailboxes: [{ address: 'a@b.c' }], window: DAY, mergedIntervalMinutes: 30, requestedView: 'FreeBusy' }).replace(/<t:RequestedView>.*<\/t:RequestedView>/, '');
  assert.throws(() => parseGetUserAvailabilityRequest(noView), /t:FreeBusyViewOptions has no t:RequestedView/);
  const noToken = requestSecurityTokenResponse({ token: TOKEN, created: at('09:00'), expires: at('09:05'), appliesTo: 'x' }).replace(TOKEN, '');
  assert.throws(() => parseRequestSecurityTokenResponse(noToken), /t:RequestedSecurityToken holds no element/);
});

test('GetOrganizationRelationshipSettings: request domains and every relationship setting survive the round trip', () => {
  const to = 'https://autodiscover.fabrikam.com/autodiscover/autodiscover.svc/WSSecurity';
  const request = getOrganizationRelationshipSettingsRequest(['contoso.com', 'exchangedelegation.contoso.com'], { to });
  assert.deepEqual(bodyPayloadName(request), { namespaceURI: NS.autodiscover, localName: 'GetOrganizationRelationshipSettingsRequestMessage' });
  assert.deepEqual(parseGetOrganizationRelationshipSettingsRequest(request).domains, ['contoso.com', 'exchangedelegation.contoso.com']);
  const settings = {
    name: 'Contoso <& partners>',
    domainNames: ['contoso.com'],
    freeBusyAccessEnabled: true,
    freeBusyAccessLevel: 'None',
    mailTipsAccessEnabled: false,
    mailTipsAccessLevel: 'None',
    mailboxMoveEnabled: false,
    deliveryReportEnabled: false,
    targetApplicationUri: 'FYDIBOHF25SPDLT.exchangedelegation.contoso.com',
    targetAutodiscoverEpr: undefined,
    targetSharingEpr: undefined,
  };
  const response = getOrganizationRelationshipSettingsResponse({ errorCode: 'NoError', settings: [settings] });
  const parsed = parseGetOrganizationRelationshipSettingsResponse(response);
  assert.equal(parsed.errorCode, 'NoError');
  assert.deepEqual(parsed.settings, [settings]);
  // An empty collection is an answer, not an error.
  assert.deepEqual(parseGetOrganizationRelationshipSettingsResponse(getOrganizationRelationshipSettingsResponse({ errorCode: 'NoError', settings: [] })).settings, []);
  assert.throws(() => parseGetOrganizationRelationshipSettingsResponse(response.replace('<FreeBusyAccessEnabled>true', '<FreeBusyAccessEnabled>yes')), SoapParseError);
});
