import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Trace } from '../src/trace/trace';
import { displayUrl, redact, redactHops, sequenceDiagram, REDACTED } from '../src/trace/sequence-diagram';

const PASSWORD = 'Scenario-Pa55word!';

/** Dave's journey of the README: Chicago's CAS faces the Internet and proxies to Dallas, which asks its mailbox server. */
function proxiedSignIn(): Trace {
  const t = new Trace();
  const owa = t.begin("dave's browser", 'CHI-CAS', 'GET', 'https://mail.fourthcoffee.com/owa/');
  owa.status = 302;
  owa.decisions.push({ ruleSet: 'Exchange 2007', rule: '2007.fba-logon', reason: 'forms-based authentication: the logon page first' });
  const logon = t.begin("dave's browser", 'CHI-CAS', 'POST', `https://mail.fourthcoffee.com/owa/auth/owaauth.dll?destination=x&password=${encodeURIComponent(PASSWORD)}`);
  logon.status = 200;
  const proxied = t.begin('CHI-CAS', 'DAL-CAS', 'GET', 'https://dal-cas.fourthcoffee.com/owa/', logon.id);
  proxied.status = 200;
  proxied.notes.push('Kerberos: CHI-CAS$ on behalf of dave');
  const store = t.begin('DAL-CAS', 'DAL-MBX', 'POST', 'https://dal-mbx.fourthcoffee.com/exchange/', proxied.id);
  store.status = 200;
  logon.decisions.push({ ruleSet: 'Exchange 2007', rule: '2007.proxy-internal-url', reason: "the mailbox is in Dallas <site>, whose CAS has no ExternalUrl & so is proxied to" });
  return t;
}

const count = (svg: string, pattern: RegExp) => (svg.match(pattern) ?? []).length;
/** The arrow labels as a browser's textContent reads them: a label's lines (tspans) joined. */
const labels = (svg: string) => [...svg.matchAll(/<text class="label"[^>]*>(.*?)<\/text>/g)].map((m) => m[1].replace(/<[^>]+>/g, ''));

test('participants are lifelines in the order they first appear', () => {
  const svg = sequenceDiagram(proxiedSignIn());
  const names = [...svg.matchAll(/<g class="participant" data-name="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(names, ['dave&#39;s browser', 'CHI-CAS', 'DAL-CAS', 'DAL-MBX']);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" class="sequence-diagram"/);
  assert.match(svg, /data-participants="4"/);
});

test('one arrow per request, and a dashed return arrow with the status for each answered one', () => {
  const svg = sequenceDiagram(proxiedSignIn());
  assert.equal(count(svg, /<g class="arrow request"/g), 4);
  assert.equal(count(svg, /<g class="arrow return"/g), 4);
  assert.match(svg, /<g class="arrow return" data-hop="1"[^>]*data-status="302"/);
  assert.match(svg, />302 Found</);
  assert.equal(count(svg, /stroke-dasharray="6 4"/g), 4, 'only the returns are dashed');
});

test('an answer is drawn after the requests its server made to produce it', () => {
  const svg = sequenceDiagram(proxiedSignIn());
  const order = [...svg.matchAll(/<g class="arrow (request|return)" data-hop="(\d+)"/g)].map((m) => `${m[1]}#${m[2]}`);
  assert.deepEqual(order, ['request#1', 'return#1', 'request#2', 'request#3', 'request#4', 'return#4', 'return#3', 'return#2']);
});

test('labels: method, host and path, status, and the rule that decided with its reason as a tooltip', () => {
  const svg = sequenceDiagram(proxiedSignIn());
  assert.match(svg, />#1 GET mail\.fourthcoffee\.com\/owa\/ → 302</);
  assert.match(svg, />#3 GET dal-cas\.fourthcoffee\.com\/owa\/ → 200</);
  assert.match(svg, /<g class="decision" data-rule="2007\.proxy-internal-url" data-rule-set="Exchange 2007"><title>Exchange 2007 \[2007\.proxy-internal-url\]: the mailbox is in Dallas &lt;site&gt;, whose CAS has no ExternalUrl &amp; so is proxied to<\/title>/);
  assert.match(svg, />\[2007\.proxy-internal-url\]</);
  assert.match(svg, /<title>[^<]*Kerberos: CHI-CAS\$ on behalf of dave/, 'notes are in the request tooltip');
});

test('every text is escaped: a hostile name or reason stays text', () => {
  const t = new Trace();
  const h = t.begin('<script>alert(1)</script>', 'CAS "A" & B', 'GET', "https://x.contoso.com/owa/?q=<b>&r='1'");
  h.status = 200;
  h.decisions.push({ ruleSet: 'Exchange 2010 <RTM>', rule: 'r&d', reason: '</title><script>x</script>' });
  h.notes.push('\u0000 a NUL is not XML');
  const svg = sequenceDiagram(t);
  assert.doesNotMatch(svg, /<script/);
  assert.doesNotMatch(svg, /<b>/);
  assert.doesNotMatch(svg, /\u0000/);
  assert.match(svg, /data-name="CAS &quot;A&quot; &amp; B"/);
  assert.match(svg, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  // Every tag the diagram opens is one of its own.
  const own = new Set(['svg', 'title', 'style', 'rect', 'g', 'line', 'path', 'polygon', 'polyline', 'circle', 'text', 'tspan']);
  const tags = new Set([...svg.matchAll(/<([a-zA-Z]+)[\s>/]/g)].map((m) => m[1]));
  assert.deepEqual([...tags].filter((t) => !own.has(t)), []);
});

test('redaction: the password never appears, whatever carries it', () => {
  const t = proxiedSignIn();
  const h = t.begin('ALICE-PC', 'CHI-CAS', 'GET', `https://alice:${encodeURIComponent(PASSWORD)}@mail.fourthcoffee.com/owa/?Token=abc123&user=alice&PWD=hunter2&client_secret=s3`);
  h.status = 401;
  h.notes.push(`logon form posted username=alice&passwd=${PASSWORD}; typed ${PASSWORD} again`);
  h.decisions.push({ ruleSet: 'Exchange 2010 SP1', rule: '2010.basic', reason: `Basic credentials alice:${PASSWORD} refused` });
  const svg = sequenceDiagram(t, { secrets: [PASSWORD], title: `alice signs in with ${PASSWORD}` });
  for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), 'abc123', 'hunter2', 's3&', '//alice']) assert.ok(!svg.includes(secret), `${secret} is in the diagram`);
  assert.ok(svg.includes(REDACTED));
  assert.match(svg, /user=alice/, 'a field that is not a credential is kept');
  assert.match(svg, /•••@mail\.fourthcoffee\.com/);
  // Named credentials go even without the secrets list.
  assert.equal(redact('https://u:p@host/a?password=x&b=1'), `https://${REDACTED}@host/a?password=${REDACTED}&b=1`);
  assert.equal(redact('tokenIssuerUri=https://x'), 'tokenIssuerUri=https://x', 'only names that end in a credential word');
  assert.equal(redact('nothing to hide', ['']), 'nothing to hide', 'an empty secret redacts nothing');
  const copy = redactHops(t.hops, [PASSWORD]);
  assert.ok(!JSON.stringify(copy).includes(PASSWORD));
  assert.ok(JSON.stringify(t.hops).includes(PASSWORD), 'the trace itself is left as it was');
});

test('a network failure is a lost message: no return, a filled end short of the lifeline, the reason in red', () => {
  const t = new Trace();
  const ok = t.begin("alice's browser", 'SEA-CAS', 'GET', 'https://mail.contoso.com/owa/');
  ok.status = 302;
  const lost = t.begin("alice's browser", 'mail.dallas.contoso.com', 'GET', 'https://mail.dallas.contoso.com/owa/');
  lost.failure = 'no server answers at mail.dallas.contoso.com';
  const svg = sequenceDiagram(t);
  assert.equal(count(svg, /<g class="arrow lost"/g), 1);
  assert.equal(count(svg, /<g class="arrow return"/g), 1);
  const drawn = svg.slice(svg.indexOf('<g class="arrow lost"'));
  assert.match(drawn, /data-failure="no server answers at mail\.dallas\.contoso\.com"/);
  assert.match(drawn, /<circle [^>]*fill="#cf222e"/);
  assert.deepEqual(labels(drawn)[0], '#2 GET mail.dallas.contoso.com/owa/ ✗ no server answers at mail.dallas.contoso.com');
  // The line stops before the target's lifeline.
  const lifeline = Number(/<g class="participant" data-name="mail.dallas.contoso.com">[^]*?<line x1="([\d.]+)"/.exec(svg)![1]);
  const end = Number(/<line x1="[\d.]+" y1="\d+" x2="([\d.]+)"/.exec(drawn)![1]);
  assert.ok(end < lifeline - 10, `the lost message ends at ${end}, the lifeline is at ${lifeline}`);
});

test('a datagram has no answer; a server asking itself is a loop; long URLs are shortened, never the host', () => {
  const t = new Trace();
  t.begin('EXCH01', 'CUPS01', 'NOTIFY', 'httpu://cups01.apps.local:50020/');
  const self = t.begin('CAS01', 'CAS01', 'GET', 'https://cas01.contoso.com/ews/exchange.asmx');
  self.status = 200;
  const svg = sequenceDiagram(t);
  assert.equal(count(svg, /<g class="arrow return"/g), 1);
  assert.match(svg, />#1 NOTIFY httpu:\/\/cups01\.apps\.local:50020\/</);
  assert.match(svg, /<g class="arrow request" data-hop="2"[^]*?<path d="M /);
  const long = displayUrl(`https://autodiscover.fabrikam.com/autodiscover/${'a/'.repeat(60)}autodiscover.svc?x=${'y'.repeat(50)}`);
  assert.equal(long, 'autodiscover.fabrikam.com/autodiscover/…/autodiscover.svc?x=yyyyyyyyy…');
  const gateway = new Trace();
  const token = gateway.begin('FAB-EX01', 'Microsoft Federation Gateway (business)', 'POST', 'https://login.microsoftonline.com/exchange-scenarios/provisioning');
  token.status = 200;
  const twoLines = sequenceDiagram(gateway);
  const lines = [...twoLines.matchAll(/<text class="label"[^>]*>(.*?)<\/text>/g)].map((m) => count(m[1], /<tspan /g));
  assert.deepEqual(lines, [2, 1], 'a long request label takes two lines, its answer one');
  assert.match(twoLines, /<g class="participant" data-name="Microsoft Federation Gateway \(business\)">.*<tspan [^>]*>Microsoft Federation<\/tspan><tspan [^>]*>Gateway \(business\)<\/tspan>/, 'a long name is wrapped');
  assert.equal(labels(twoLines)[0], '#1 POST login.microsoftonline.com/exchange-scenarios/provisioning → 200');
  const longer = displayUrl(`https://${'very-long-host-name.'.repeat(5)}contoso.com/owa/`);
  assert.ok([...longer].length <= 72 && longer.endsWith('contoso.com/owa/'), longer);
});

test('an empty trace is an empty diagram, still valid', () => {
  const svg = sequenceDiagram(new Trace());
  assert.match(svg, /data-requests="0"/);
  assert.match(svg, /<\/svg>$/);
});
