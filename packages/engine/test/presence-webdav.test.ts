import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CALENDAR_SEARCH_PROPERTIES,
  DAV_DISPLAYNAME,
  HTTPMAIL_CALENDAR,
  NOTIFICATION_TYPES,
  WEBDAV_BUSY_STATUSES,
  WEBDAV_NS,
  WebDavProtocolError,
  calendarSearchRequest,
  calendarSearchResponse,
  calendarSearchSql,
  formatCallBack,
  formatSqlDate,
  notifyDatagram,
  parseCalendarSearchRequest,
  parseCalendarSearchResponse,
  parseCalendarSearchSql,
  parseCallBack,
  parseNotifyDatagram,
  parsePollRequest,
  parsePollResponse,
  parsePropfindRequest,
  parsePropfindResponse,
  parseSubscribeRequest,
  parseSubscribeResponse,
  parseUnsubscribeRequest,
  pollRequest,
  pollResponse,
  propfindCalendarRequest,
  propfindRequest,
  propfindResponse,
  statusLine,
  statusResponse,
  subscribeRequest,
  subscribeResponse,
  unsubscribeRequest,
  unsubscribeResponse,
} from '../src/presence/webdav';
import type { CalendarRow } from '../src/presence/webdav';

const MAILBOX = 'https://owa.apps.local/exchange/jdoe@apps.local/';
const FOLDER = `${MAILBOX}Calendar`;
const CALL_BACK = 'httpu://cups.apps.local:50020/';
const WINDOW = { start: new Date('2011-12-12T09:00:00Z'), end: new Date('2011-12-12T10:00:00Z') };

/** Asserts a WebDavProtocolError with this status whose message matches. */
const protocolError = (pattern: RegExp, status = 400) => (e: unknown) => {
  assert.ok(e instanceof WebDavProtocolError, `expected a WebDavProtocolError, got ${String(e)}`);
  assert.equal(e.status, status);
  assert.match(e.message, pattern);
  return true;
};

const searchRequest = (body: string) => new Request(FOLDER, { method: 'SEARCH', headers: { 'content-type': 'text/xml' }, body });

// ---------------------------------------------------------------------------------------------------------------
// SUBSCRIBE

test('the vocabularies are Exchange’s', () => {
  assert.deepEqual([...NOTIFICATION_TYPES], ['update', 'update/newmember', 'delete', 'move']);
  assert.deepEqual([...WEBDAV_BUSY_STATUSES], ['FREE', 'TENTATIVE', 'BUSY', 'OOF']);
  assert.equal(statusLine(207), 'HTTP/1.1 207 Multi-Status');
  const expired = statusResponse(440);
  assert.equal(expired.status, 440);
  assert.equal(expired.statusText, 'Login Timeout');
  assert.equal(statusResponse(503).statusText, 'Service Unavailable');
});

test('a new SUBSCRIBE round-trips, with the headers Exchange names and the caller’s own', () => {
  const request = subscribeRequest(FOLDER, {
    notificationType: 'update/newmember',
    lifetimeSeconds: 3600,
    callBack: CALL_BACK,
    notificationDelaySeconds: 30,
    headers: { Authorization: 'Basic amRvZTpwdw==' },
  });
  assert.equal(request.method, 'SUBSCRIBE');
  assert.equal(request.headers.get('Notification-type'), 'update/newmember');
  assert.equal(request.headers.get('Subscription-lifetime'), '3600');
  assert.equal(request.headers.get('Call-Back'), CALL_BACK);
  assert.equal(request.headers.get('Notification-delay'), '30');
  assert.equal(request.headers.get('Authorization'), 'Basic amRvZTpwdw==');
  assert.deepEqual(parseSubscribeRequest(request), {
    renewal: false,
    folderUrl: FOLDER,
    notificationType: 'update/newmember',
    lifetimeSeconds: 3600,
    callBack: { host: 'cups.apps.local', port: 50020, path: '/' },
    notificationDelaySeconds: 30,
  });
  // Without a Call-Back (the client will POLL), given as an object, or with an IPv6 literal.
  assert.deepEqual(parseSubscribeRequest(subscribeRequest(FOLDER, { notificationType: 'delete' })), {
    renewal: false,
    folderUrl: FOLDER,
    notificationType: 'delete',
  });
  const cb = { host: '[fd00::5]', port: 5060, path: '/cup/notify' };
  assert.equal(formatCallBack(cb), 'httpu://[fd00::5]:5060/cup/notify');
  const parsed = parseSubscribeRequest(subscribeRequest(FOLDER, { notificationType: 'move', callBack: cb }));
  assert.deepEqual(parsed.renewal ? undefined : parsed.callBack, cb);
});

test('a renewal names its subscriptions and nothing a new subscription carries', () => {
  const request = subscribeRequest(FOLDER, { subscriptionIds: ['1', '18', '243'], lifetimeSeconds: 600 });
  assert.equal(request.headers.get('Subscription-ID'), '1,18,243');
  assert.deepEqual(parseSubscribeRequest(request), { renewal: true, folderUrl: FOLDER, subscriptionIds: ['1', '18', '243'], lifetimeSeconds: 600 });
  // The SDK's own spelling, with spaces.
  const spaced = new Request(FOLDER, { method: 'SUBSCRIBE', headers: { 'Subscription-ID': '1, 18, 243' } });
  assert.deepEqual(parseSubscribeRequest(spaced), { renewal: true, folderUrl: FOLDER, subscriptionIds: ['1', '18', '243'] });
  assert.throws(
    () => parseSubscribeRequest(subscribeRequest(FOLDER, { subscriptionIds: '7', notificationType: 'update', callBack: CALL_BACK })),
    protocolError(/a renewal \(Subscription-ID\) must not carry Notification-type, Call-Back/),
  );
});

test('a SUBSCRIBE without Notification-type, or with an unknown one, is a bad request', () => {
  assert.throws(() => parseSubscribeRequest(subscribeRequest(FOLDER, { lifetimeSeconds: 3600, callBack: CALL_BACK })), protocolError(/no Notification-type header/));
  const newmail = new Request(FOLDER, { method: 'SUBSCRIBE', headers: { 'Notification-type': 'pragma/<http://schemas.microsoft.com/exchange/newmail>' } });
  assert.throws(() => parseSubscribeRequest(newmail), protocolError(/is not one of update, update\/newmember, delete, move/));
  // Header values are read case-insensitively, as Exchange does.
  const upper = new Request(FOLDER, { method: 'SUBSCRIBE', headers: { 'notification-TYPE': ' Update ' } });
  const parsed = parseSubscribeRequest(upper);
  assert.equal(parsed.renewal ? undefined : parsed.notificationType, 'update');
});

test('a Call-Back that is not httpu://host:port/path is a bad request', () => {
  const bad = [
    'http://cups.apps.local:50020/',
    'httpu://cups.apps.local/',
    'httpu://cups.apps.local:50020',
    'httpu://cups.apps.local:0/',
    'httpu://cups.apps.local:70000/',
    'httpu://user@cups.apps.local:50020/',
    'httpu://cups.apps.local:50020/a b',
    'cups.apps.local:50020',
    '',
  ];
  for (const callBack of bad) {
    const request = new Request(FOLDER, { method: 'SUBSCRIBE', headers: { 'Notification-type': 'update', 'Call-Back': callBack } });
    assert.throws(() => parseSubscribeRequest(request), protocolError(/Call-Back ".*" is not httpu:\/\/host:port\/path/), callBack);
  }
  assert.throws(() => parseCallBack('httpu://x'), protocolError(/is not httpu/));
  assert.deepEqual(parseCallBack('HTTPU://10.0.0.5:50020/notify?x=1'), { host: '10.0.0.5', port: 50020, path: '/notify?x=1' });
});

test('SUBSCRIBE numbers must be seconds, and another method is refused with 405', () => {
  const request = subscribeRequest(FOLDER, { notificationType: 'update', lifetimeSeconds: -5 });
  assert.throws(() => parseSubscribeRequest(request), protocolError(/Subscription-lifetime "-5" is not a number of seconds/));
  assert.throws(() => parseSubscribeRequest(new Request(FOLDER, { method: 'POST' })), protocolError(/expected a SUBSCRIBE request, got POST/, 405));
});

test('the SUBSCRIBE answer round-trips; an answer other than 200 is reported with its status', async () => {
  const response = subscribeResponse({ subscriptionIds: '11', lifetimeSeconds: 1800, contentLocation: FOLDER });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('Subscription-ID'), '11');
  assert.equal(response.headers.get('Subscription-lifetime'), '1800');
  assert.equal(response.headers.get('Content-Location'), FOLDER);
  assert.equal(response.headers.get('Content-Type'), 'text/xml');
  assert.deepEqual(await parseSubscribeResponse(response), { subscriptionIds: ['11'], lifetimeSeconds: 1800, contentLocation: FOLDER });
  await assert.rejects(parseSubscribeResponse(statusResponse(440)), protocolError(/answered 440 Login Timeout/, 440));
  await assert.rejects(parseSubscribeResponse(new Response(null, { headers: { 'Subscription-lifetime': '60' } })), protocolError(/no Subscription-ID header/));
  assert.throws(() => subscribeResponse({ subscriptionIds: '1,2', lifetimeSeconds: 1, contentLocation: FOLDER }), RangeError);
  assert.throws(() => subscribeResponse({ subscriptionIds: [], lifetimeSeconds: 1, contentLocation: FOLDER }), RangeError);
});

// ---------------------------------------------------------------------------------------------------------------
// NOTIFY, POLL, UNSUBSCRIBE

test('the NOTIFY datagram round-trips and reads as Exchange writes it', () => {
  const text = notifyDatagram({ callBack: CALL_BACK, subscriptionIds: ['11', '12'], contentLocation: FOLDER });
  assert.equal(
    text,
    `NOTIFY ${CALL_BACK} HTTP/1.1\r\nSubscription-id: 11,12\r\nContent-Location: ${FOLDER}\r\nHost: cups.apps.local:50020\r\nContent-Length: 0\r\n\r\n`,
  );
  assert.deepEqual(parseNotifyDatagram(text), {
    target: { host: 'cups.apps.local', port: 50020, path: '/' },
    subscriptionIds: ['11', '12'],
    contentLocation: FOLDER,
  });
  // Bare LF, header names in another case, no trailing blank line.
  const loose = `NOTIFY httpu://10.1.1.5:50020/cup HTTP/1.1\nhost: 10.1.1.5:50020\nSUBSCRIPTION-ID: 7, 9\ncontent-location: ${FOLDER}`;
  assert.deepEqual(parseNotifyDatagram(loose), { target: { host: '10.1.1.5', port: 50020, path: '/cup' }, subscriptionIds: ['7', '9'], contentLocation: FOLDER });
});

test('a garbage datagram is rejected, naming what is wrong', () => {
  const ok = notifyDatagram({ callBack: CALL_BACK, subscriptionIds: '11', contentLocation: FOLDER });
  const cases: Array<[string, RegExp]> = [
    ['', /is not a NOTIFY request line/],
    ['\u0000\u0001garbage', /is not a NOTIFY request line/],
    [ok.replace('NOTIFY', 'POST'), /is not a NOTIFY request line/],
    [ok.replace('httpu://', 'http://'), /the target "http:\/\/.*" is not httpu/],
    [ok.replace(/Subscription-id: 11\r\n/, ''), /no Subscription-id header/],
    [ok.replace(/Content-Location: .*\r\n/, ''), /no Content-Location header/],
    [ok.replace('Subscription-id: 11', 'Subscription-id: 11,,12'), /is not a comma-separated list/],
    [ok.replace('Host:', 'Host'), /"Host cups.apps.local:50020" is not a header line/],
    [ok.replace('Content-Length: 0', 'Content-Length: zero'), /Content-Length "zero" is not a number/],
  ];
  for (const [text, pattern] of cases) assert.throws(() => parseNotifyDatagram(text), protocolError(pattern), JSON.stringify(text));
  assert.throws(() => notifyDatagram({ callBack: 'udp://x:1/', subscriptionIds: '1', contentLocation: FOLDER }), RangeError);
  assert.throws(() => notifyDatagram({ callBack: CALL_BACK, subscriptionIds: '1', contentLocation: `${FOLDER}\r\nX: 1` }), RangeError);
});

test('POLL round-trips: fired subscriptions under 200, idle ones under 204', async () => {
  const request = pollRequest(FOLDER, ['11', '12'], { Authorization: 'Basic x' });
  assert.equal(request.method, 'POLL');
  assert.equal(request.headers.get('Subscription-ID'), '11,12');
  assert.deepEqual(parsePollRequest(request), { folderUrl: FOLDER, subscriptionIds: ['11', '12'] });
  assert.throws(() => parsePollRequest(new Request(FOLDER, { method: 'POLL' })), protocolError(/no Subscription-ID header/));

  const response = pollResponse(['11'], { idle: ['12'], href: FOLDER });
  assert.equal(response.status, 207);
  assert.equal(response.statusText, 'Multi-Status');
  assert.equal(response.headers.get('Content-Type'), 'text/xml');
  const text = await response.text();
  assert.ok(text.includes('<a:status>HTTP/1.1 200 OK</a:status><a:subscriptionID><li>11</li></a:subscriptionID>'), text);
  assert.ok(text.includes('<a:status>HTTP/1.1 204 No Content</a:status><a:subscriptionID><li>12</li></a:subscriptionID>'), text);
  assert.deepEqual(parsePollResponse(text), { fired: ['11'], idle: ['12'] });
  assert.deepEqual(parsePollResponse(await pollResponse(['3', '4']).text()), { fired: ['3', '4'], idle: [] });
});

test('a POLL answer is read whatever its formatting; a failed subscription is thrown with its status', () => {
  const pretty = `<?xml version="1.0"?>
<D:multistatus xmlns:D="DAV:">
  <D:response>
    <D:href>${FOLDER}</D:href>
    <D:status>HTTP/1.1 200 OK</D:status>
    <D:subscriptionID>
      <li>6</li>
      <li> 7 </li>
    </D:subscriptionID>
  </D:response>
</D:multistatus>`;
  assert.deepEqual(parsePollResponse(pretty), { fired: ['6', '7'], idle: [] });
  const failed = pretty.replace('200 OK', '412 Precondition Failed');
  assert.throws(() => parsePollResponse(failed), protocolError(/subscription 6, 7 answered HTTP\/1.1 412 Precondition Failed/, 412));
  assert.throws(() => parsePollResponse(pretty.replace(/<li>.*<\/li>/g, '')), protocolError(/lists "\(none\)"/));
  assert.throws(() => parsePollResponse('<html>Login Timeout</html>'), protocolError(/the root element is html, not DAV:multistatus/));
});

test('UNSUBSCRIBE round-trips', () => {
  const request = unsubscribeRequest(FOLDER, '11');
  assert.equal(request.method, 'UNSUBSCRIBE');
  assert.deepEqual(parseUnsubscribeRequest(request), { folderUrl: FOLDER, subscriptionIds: ['11'] });
  assert.throws(() => parseUnsubscribeRequest(pollRequest(FOLDER, '11')), protocolError(/expected a UNSUBSCRIBE request, got POLL/, 405));
  const response = unsubscribeResponse('11');
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('Subscription-ID'), '11');
});

// ---------------------------------------------------------------------------------------------------------------
// PROPFIND

test('PROPFIND for urn:schemas:httpmail:calendar is written as the Presence Engine sends it and round-trips', async () => {
  const request = propfindCalendarRequest(MAILBOX, { Authorization: 'Basic x' });
  assert.equal(request.method, 'PROPFIND');
  assert.equal(request.headers.get('Depth'), '0');
  assert.equal(request.headers.get('Content-Type'), 'text/xml');
  const body = await request.clone().text();
  assert.equal(
    body,
    '<?xml version="1.0"?><a:propfind xmlns:a="DAV:" xmlns:h="urn:schemas:httpmail:"><a:prop><h:calendar/></a:prop></a:propfind>',
  );
  assert.deepEqual(await parsePropfindRequest(request), { url: MAILBOX, depth: '0', properties: [HTTPMAIL_CALENDAR] });
  const displayName = await parsePropfindRequest(propfindRequest(FOLDER, [DAV_DISPLAYNAME, { namespace: 'urn:x:', name: 'y' }]));
  assert.deepEqual(displayName.properties, [DAV_DISPLAYNAME, { namespace: 'urn:x:', name: 'y' }]);
});

test('a PROPFIND answer round-trips, a localized folder included, and a missing property goes in a 404 propstat', async () => {
  const kalender = 'https://owa.apps.local/exchange/jmueller@apps.local/Kalender';
  const response = propfindResponse(MAILBOX, [
    { ...HTTPMAIL_CALENDAR, value: kalender },
    { namespace: WEBDAV_NS.httpmail, name: 'inbox' },
  ]);
  assert.equal(response.status, 207);
  assert.equal(response.headers.get('Content-Type'), 'text/xml');
  const text = await response.text();
  assert.ok(text.includes('<a:propstat><a:status>HTTP/1.1 404 Not Found</a:status><a:prop><h:inbox/></a:prop></a:propstat>'), text);
  assert.deepEqual(parsePropfindResponse(text), [
    { href: MAILBOX, ...HTTPMAIL_CALENDAR, status: 200, value: kalender },
    { href: MAILBOX, namespace: WEBDAV_NS.httpmail, name: 'inbox', status: 404 },
  ]);
  // A hand-written answer with other prefixes and RFC 4918's order (prop before status).
  const pretty = `<?xml version="1.0"?>
<x:multistatus xmlns:x="DAV:">
  <x:response>
    <x:href>${FOLDER}</x:href>
    <x:propstat>
      <x:prop><x:displayname>Calendar</x:displayname></x:prop>
      <x:status>HTTP/1.1 200 OK</x:status>
    </x:propstat>
  </x:response>
</x:multistatus>`;
  assert.deepEqual(parsePropfindResponse(pretty), [{ href: FOLDER, ...DAV_DISPLAYNAME, status: 200, value: 'Calendar' }]);
});

test('PROPFIND hrefs and values with markup are escaped, and bad requests are refused', async () => {
  const href = 'https://owa.apps.local/exchange/a&b<c>@apps.local/';
  const text = await propfindResponse(href, [{ ...DAV_DISPLAYNAME, value: 'R&D <team>' }]).text();
  assert.ok(text.includes('<a:href>https://owa.apps.local/exchange/a&amp;b&lt;c&gt;@apps.local/</a:href>'), text);
  assert.deepEqual(parsePropfindResponse(text), [{ href, ...DAV_DISPLAYNAME, status: 200, value: 'R&D <team>' }]);
  assert.throws(() => propfindRequest(FOLDER, [{ namespace: 'DAV:', name: 'not a name' }]), RangeError);

  const propfind = (body: string, depth = '0') => new Request(FOLDER, { method: 'PROPFIND', headers: { Depth: depth }, body });
  await assert.rejects(parsePropfindRequest(propfind('<a:propfind xmlns:a="DAV:"><a:allprop/></a:propfind>')), protocolError(/a:propfind has no DAV:prop/));
  await assert.rejects(parsePropfindRequest(propfind('<a:propfind xmlns:a="DAV:"><a:prop/>')), protocolError(/malformed XML/));
  await assert.rejects(parsePropfindRequest(propfind('<a:propfind xmlns:a="DAV:"><a:prop/></a:propfind>', '2')), protocolError(/Depth "2" is not 0, 1 or infinity/));
  const bomb = '<!DOCTYPE a [<!ENTITY x "xx">]><a:propfind xmlns:a="DAV:"><a:prop/></a:propfind>';
  await assert.rejects(parsePropfindRequest(propfind(bomb)), protocolError(/must not contain a document type declaration/));
});

// ---------------------------------------------------------------------------------------------------------------
// SEARCH

test('the calendar SEARCH is written in the SQL shape the Presence Engine sends', async () => {
  assert.equal(
    calendarSearchSql(FOLDER, WINDOW),
    `SELECT "urn:schemas:calendar:busystatus", "urn:schemas:calendar:dtstart", "urn:schemas:calendar:dtend", "urn:schemas:calendar:instancetype" ` +
      `FROM Scope('SHALLOW TRAVERSAL OF "${FOLDER}"') WHERE NOT "urn:schemas:calendar:instancetype" = 1 ` +
      `AND "DAV:contentclass" = 'urn:content-classes:appointment' AND "urn:schemas:calendar:dtstart" < '2011/12/12 10:00:00' ` +
      `AND "urn:schemas:calendar:dtend" > '2011/12/12 09:00:00'`,
  );
  const request = calendarSearchRequest(FOLDER, WINDOW);
  assert.equal(request.method, 'SEARCH');
  assert.equal(request.headers.get('Content-Type'), 'text/xml');
  const body = await request.clone().text();
  assert.ok(body.startsWith('<?xml version="1.0"?><g:searchrequest xmlns:g="DAV:"><g:sql>SELECT '), body);
  assert.ok(body.includes(`"urn:schemas:calendar:dtstart" &lt; '2011/12/12 10:00:00' AND "urn:schemas:calendar:dtend" &gt; '2011/12/12 09:00:00'</g:sql></g:searchrequest>`), body);
});

test('the SEARCH round-trips, the window to the second', async () => {
  const window = { start: new Date('2024-02-29T23:59:59.999Z'), end: new Date('2024-03-01T00:30:05.250Z') };
  const parsed = await parseCalendarSearchRequest(calendarSearchRequest(FOLDER, window));
  assert.deepEqual(parsed, {
    folderUrl: FOLDER,
    scopeUrl: FOLDER,
    traversal: 'SHALLOW',
    window: { start: new Date('2024-02-29T23:59:59Z'), end: new Date('2024-03-01T00:30:05Z') },
    properties: [...CALENDAR_SEARCH_PROPERTIES],
    contentClass: 'urn:content-classes:appointment',
    excludedInstanceTypes: [1],
  });
  assert.equal(formatSqlDate(window.start), '2024/02/29 23:59:59');
  // A folder URL with an ampersand (XML-escaped) and a quote (doubled in the SQL literal) comes back as written.
  const odd = "https://owa.apps.local/exchange/o'brien&co@apps.local/Calendar";
  assert.equal((await parseCalendarSearchRequest(calendarSearchRequest(odd, WINDOW))).scopeUrl, odd);
  assert.throws(() => calendarSearchSql('https://x/"quoted"', WINDOW), RangeError);
  assert.throws(() => calendarSearchSql(FOLDER, { start: new Date('nope'), end: WINDOW.end }), RangeError);
});

test('a hand-written SEARCH in the SDK’s formatting parses: case, white space, quotes, operand order, CAST, ORDER BY', async () => {
  const body = `<?xml version="1.0" encoding="utf-8"?>
<D:searchrequest xmlns:D = "DAV:">
  <D:sql>
    select "urn:schemas:calendar:dtstart", 'urn:schemas:calendar:dtend',
           "urn:schemas:calendar:BUSYSTATUS"
    from scope('shallow traversal of "/exchange/jdoe/Calendar"')
    where ( "urn:schemas:calendar:instancetype" &lt;&gt; 1 )
      and "dav:contentclass" = "urn:content-classes:appointment"
      and "2011-12-12T10:00:00Z" &gt;= "urn:schemas:calendar:dtstart"
      and "urn:schemas:calendar:dtend" > CAST("2011-12-12T09:00:00Z" as 'dateTime.tz')
      and "urn:schemas:httpmail:subject" = 'ignored'
    order by "urn:schemas:calendar:dtstart" asc
  </D:sql>
</D:searchrequest>`;
  assert.deepEqual(await parseCalendarSearchRequest(searchRequest(body)), {
    folderUrl: FOLDER,
    scopeUrl: '/exchange/jdoe/Calendar',
    traversal: 'SHALLOW',
    window: WINDOW,
    properties: ['urn:schemas:calendar:dtstart', 'urn:schemas:calendar:dtend', 'urn:schemas:calendar:BUSYSTATUS'],
    contentClass: 'urn:content-classes:appointment',
    excludedInstanceTypes: [1],
  });
  // A CDATA section holds the operators unescaped.
  const cdata = `<g:searchrequest xmlns:g="DAV:"><g:sql><![CDATA[${calendarSearchSql(FOLDER, WINDOW)}]]></g:sql></g:searchrequest>`;
  assert.deepEqual((await parseCalendarSearchRequest(searchRequest(cdata))).window, WINDOW);
});

test('a SEARCH whose query cannot be read is a bad request naming what was not read', async () => {
  const sql = calendarSearchSql(FOLDER, WINDOW);
  const cases: Array<[string, RegExp]> = [
    [sql.replace('SHALLOW', 'DEEP'), /DEEP traversal; only SHALLOW TRAVERSAL is supported/],
    [sql.replace(/ AND "urn:schemas:calendar:dtstart" < '[^']*'/, ''), /could not read the window's end: no "urn:schemas:calendar:dtstart" </],
    [sql.replace(/ AND "urn:schemas:calendar:dtend" > '[^']*'/, ''), /could not read the window's start/],
    [sql.replace('dtstart" <', 'dtstart" >'), /does not bound the window's end/],
    [sql.replace("'2011/12/12 10:00:00'", "'tomorrow'"), /"tomorrow" is not a date/],
    [sql.replace(' AND "DAV:contentclass"', ' OR "DAV:contentclass"'), /OR is not supported/],
    [sql.replace('FROM Scope', 'FROM Scoop'), /expected SCOPE, found "SCOOP"/],
    [sql.replace("Scope('SHALLOW", "Scope('SHALLOW-ish"), /could not read the scope/],
    [`${sql} LIMIT 5`, /unexpected "LIMIT" after the query/],
    [sql.replace('SELECT "', 'SELECT ; "'), /unexpected "; /],
    ['', /expected SELECT, found the end of the query/],
  ];
  for (const [text, pattern] of cases) {
    const body = `<g:searchrequest xmlns:g="DAV:"><g:sql>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</g:sql></g:searchrequest>`;
    await assert.rejects(parseCalendarSearchRequest(searchRequest(body)), protocolError(pattern), text);
  }
  await assert.rejects(parseCalendarSearchRequest(searchRequest('<g:searchrequest xmlns:g="DAV:"/>')), protocolError(/has no DAV:sql/));
  await assert.rejects(parseCalendarSearchRequest(searchRequest('<searchrequest><sql/></searchrequest>')), protocolError(/not DAV:searchrequest/));
  assert.throws(() => parseCalendarSearchSql(sql.replace(' = 1', ' = ')), protocolError(/expected a property name or a literal/));
});

test('SEARCH answers round-trip every busy status, typed as Exchange types them, with hrefs escaped', async () => {
  const rows: CalendarRow[] = WEBDAV_BUSY_STATUSES.map((busyStatus, i) => ({
    href: `${FOLDER}/Review%20Q${i}&more<x>.EML`,
    busyStatus,
    start: new Date(Date.UTC(2011, 11, 12, 9 + i)),
    end: new Date(Date.UTC(2011, 11, 12, 10 + i, 30)),
    instanceType: i === 2 ? 2 : 0,
  }));
  const response = calendarSearchResponse(rows);
  assert.equal(response.status, 207);
  assert.equal(response.statusText, 'Multi-Status');
  assert.equal(response.headers.get('Content-Type'), 'text/xml');
  const text = await response.text();
  assert.ok(text.startsWith(`<?xml version="1.0"?><a:multistatus xmlns:a="DAV:" xmlns:b="${WEBDAV_NS.datatypes}" xmlns:d="urn:schemas:calendar:">`), text);
  assert.ok(text.includes('<a:href>https://owa.apps.local/exchange/jdoe@apps.local/Calendar/Review%20Q3&amp;more&lt;x&gt;.EML</a:href>'), text);
  assert.ok(text.includes('<d:busystatus>OOF</d:busystatus><d:dtstart b:dt="dateTime.tz">2011-12-12T12:00:00.000Z</d:dtstart>'), text);
  assert.ok(text.includes('<a:status>HTTP/1.1 200 OK</a:status>'), text);
  assert.deepEqual(parseCalendarSearchResponse(text), rows);
  assert.deepEqual(parseCalendarSearchResponse(await calendarSearchResponse([]).text()), []);
});

test('a hand-written SEARCH answer parses; a row Exchange could not have written is rejected', () => {
  const row = (busy: string, start = '2011-12-12T09:00:00Z') => `<?xml version="1.0"?>
<a:multistatus xmlns:b="urn:uuid:c2f41010-65b3-11d1-a29f-00aa00c14882/" xmlns:c="urn:schemas:calendar:" xmlns:a="DAV:">
  <a:response>
    <a:href>${FOLDER}/a.EML</a:href>
    <a:propstat>
      <a:status>HTTP/1.1 200 OK</a:status>
      <a:prop>
        <c:busystatus>${busy}</c:busystatus>
        <c:dtstart b:dt="dateTime.tz">${start}</c:dtstart>
        <c:dtend b:dt="dateTime.tz">2011-12-12T10:00:00.000Z</c:dtend>
        <c:instancetype b:dt="int">0</c:instancetype>
      </a:prop>
    </a:propstat>
  </a:response>
</a:multistatus>`;
  assert.deepEqual(parseCalendarSearchResponse(row('Oof')), [
    { href: `${FOLDER}/a.EML`, busyStatus: 'OOF', start: WINDOW.start, end: WINDOW.end, instanceType: 0 },
  ]);
  assert.throws(() => parseCalendarSearchResponse(row('AWAY')), protocolError(/d:busystatus "AWAY" is not one of FREE, TENTATIVE, BUSY, OOF/));
  assert.throws(() => parseCalendarSearchResponse(row('BUSY', '12/12/2011 09:00')), protocolError(/d:dtstart "12\/12\/2011 09:00" is not an ISO 8601 date/));
  assert.throws(() => parseCalendarSearchResponse(row('BUSY').replace(/<c:instancetype.*<\/c:instancetype>/, '')), protocolError(/no d:instancetype/));
  assert.throws(() => parseCalendarSearchResponse(row('BUSY').replace('200 OK', '404 Not Found')), protocolError(/no a:propstat with status 200/));
  assert.throws(() => parseCalendarSearchResponse(row('BUSY').replace('HTTP/1.1 200 OK', 'fine')), protocolError(/"fine" is not an HTTP status line/));
});
