import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { Packet } from 'dns2';
import { LoopbackDnsServer, txtCharacterStrings } from '../src/network/dns-server';

let dns: LoopbackDnsServer;

before(async () => {
  dns = await LoopbackDnsServer.start();
});
after(() => dns.close());
beforeEach(() => dns.reset());

const PROOF = 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6QUJDREVGR0g=';

/** Sends one query over UDP, as bytes, and returns the answer's bytes. */
function rawQuery(port: number, name: string, type: number): Promise<{ id: number; bytes: Buffer }> {
  const query = new Packet();
  query.header.id = 0x1234;
  query.header.rd = 1;
  query.questions.push(new Packet.Question(name, type, Packet.CLASS.IN));
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('message', (bytes) => {
      socket.close();
      resolve({ id: 0x1234, bytes });
    });
    socket.send(query.toBuffer(), port, '127.0.0.1');
  });
}

function portOf(server: LoopbackDnsServer): number {
  return Number(server.address.split(':')[1]);
}

test('the server listens on loopback, on a port the OS chose', () => {
  assert.match(dns.address, /^127\.0\.0\.1:\d+$/);
  assert.notEqual(portOf(dns), 53);
  assert.ok(portOf(dns) > 0);
});

test('a TXT record added is found, with its exact value, through a real query', async () => {
  dns.addTxt('contoso.com', PROOF);
  const before = dns.queries;
  assert.deepEqual(await dns.resolveTxt('contoso.com'), { found: true, records: [PROOF] });
  assert.equal(dns.queries, before + 1);
});

test('a name may have several TXT records; adding the same value twice keeps one', async () => {
  dns.addTxt('contoso.com', PROOF);
  dns.addTxt('contoso.com', 'v=spf1 -all');
  dns.addTxt('contoso.com', PROOF);
  const lookup = await dns.resolveTxt('contoso.com');
  assert.equal(lookup.found, true);
  assert.deepEqual(lookup.found && [...lookup.records].sort(), [PROOF, 'v=spf1 -all'].sort());
});

test('names are case-insensitive and a trailing dot is ignored', async () => {
  dns.addTxt('FourthCoffee.COM.', PROOF);
  assert.deepEqual(await dns.resolveTxt('fourthcoffee.com'), { found: true, records: [PROOF] });
  assert.deepEqual(await dns.resolveTxt('FOURTHCOFFEE.com.'), { found: true, records: [PROOF] });
  // The value itself keeps its case.
  dns.addTxt('a.example', 'MixedCase');
  assert.deepEqual(await dns.resolveTxt('A.EXAMPLE'), { found: true, records: ['MixedCase'] });
});

test('removing one value keeps the others; removing them all makes the name unknown', async () => {
  dns.addTxt('contoso.com', 'one');
  dns.addTxt('contoso.com', 'two');
  dns.removeTxt('CONTOSO.com', 'one');
  assert.deepEqual(await dns.resolveTxt('contoso.com'), { found: true, records: ['two'] });
  dns.removeTxt('contoso.com', 'not there');
  assert.deepEqual(await dns.resolveTxt('contoso.com'), { found: true, records: ['two'] });
  dns.addTxt('contoso.com', 'three');
  dns.removeTxt('contoso.com');
  assert.deepEqual(await dns.resolveTxt('contoso.com'), { found: false, code: 'ENOTFOUND' });
});

test('an unknown name answers NXDOMAIN, which node:dns reports as ENOTFOUND', async () => {
  dns.addTxt('contoso.com', PROOF);
  assert.deepEqual(await dns.resolveTxt('tailspintoys.com'), { found: false, code: 'ENOTFOUND' });
  assert.deepEqual(await dns.resolveTxt('www.contoso.com'), { found: false, code: 'ENOTFOUND' });
});

test('a name known without TXT answers NOERROR with no answers: ENODATA', async () => {
  dns.addName('contoso.com');
  assert.deepEqual(await dns.resolveTxt('contoso.com'), { found: false, code: 'ENODATA' });
  // Removing TXT records does not forget a name added on its own.
  dns.addTxt('contoso.com', PROOF);
  dns.removeTxt('contoso.com');
  assert.deepEqual(await dns.resolveTxt('contoso.com'), { found: false, code: 'ENODATA' });
});

test('the parent of a name with records exists (an empty non-terminal): ENODATA, not ENOTFOUND', async () => {
  dns.addTxt('_proof.sub.contoso.com', PROOF);
  assert.deepEqual(await dns.resolveTxt('sub.contoso.com'), { found: false, code: 'ENODATA' });
  assert.deepEqual(await dns.resolveTxt('contoso.com'), { found: false, code: 'ENODATA' });
  assert.deepEqual(await dns.resolveTxt('ub.contoso.com'), { found: false, code: 'ENOTFOUND' });
});

test('reset forgets every record and name', async () => {
  dns.addTxt('contoso.com', PROOF);
  dns.addName('fabrikam.com');
  assert.equal((await dns.resolveTxt('contoso.com')).found, true);
  dns.reset();
  assert.deepEqual(await dns.resolveTxt('contoso.com'), { found: false, code: 'ENOTFOUND' });
  assert.deepEqual(await dns.resolveTxt('fabrikam.com'), { found: false, code: 'ENOTFOUND' });
});

test('values longer than 255 bytes are split into character-strings and joined back', async () => {
  const long = 'a'.repeat(255) + 'b'.repeat(45);
  assert.equal(long.length, 300);
  dns.addTxt('contoso.com', long);
  assert.deepEqual(await dns.resolveTxt('contoso.com'), { found: true, records: [long] });

  // On the wire: one RR whose RDATA is <255>aaa…<45>bbb…, as RFC 1035 §3.3.14 has it.
  const { bytes } = await rawQuery(portOf(dns), 'contoso.com', Packet.TYPE.TXT);
  const rdata = Buffer.concat([Buffer.from([255]), Buffer.from('a'.repeat(255)), Buffer.from([45]), Buffer.from('b'.repeat(45))]);
  assert.ok(bytes.includes(rdata), 'the RDATA holds two character-strings of 255 and 45 bytes');
  const response = Packet.parse(bytes);
  assert.equal(response.answers.length, 1);

  // UTF-8 goes out as UTF-8; node:dns gives TXT octets back one character each (latin1, nodejs/node#39398).
  const accented = 'é'.repeat(200) + '€'.repeat(100);
  dns.addTxt('fabrikam.com', accented);
  const lookup = await dns.resolveTxt('fabrikam.com');
  assert.equal(lookup.found, true);
  assert.deepEqual(lookup.found && lookup.records.map((r) => Buffer.from(r, 'latin1').toString('utf8')), [accented]);
});

test('txtCharacterStrings cuts at 255 bytes and on character boundaries', () => {
  assert.deepEqual(txtCharacterStrings(''), ['']);
  assert.deepEqual(txtCharacterStrings('x'.repeat(255)), ['x'.repeat(255)]);
  assert.deepEqual(txtCharacterStrings('x'.repeat(256)), ['x'.repeat(255), 'x']);
  const chunks = txtCharacterStrings('é'.repeat(200));
  assert.deepEqual(chunks.map((c) => Buffer.byteLength(c)), [254, 146]);
  assert.equal(chunks.join(''), 'é'.repeat(200));
});

test('an answer larger than 512 bytes is truncated over UDP and fetched again over TCP', async () => {
  const values = ['x', 'y', 'z'].map((c) => c.repeat(300));
  for (const v of values) dns.addTxt('contoso.com', v);
  const before = dns.queries;
  const lookup = await dns.resolveTxt('contoso.com');
  assert.deepEqual(lookup.found && [...lookup.records].sort(), values);
  assert.equal(dns.queries, before + 2, 'one UDP query answered with TC, then one over TCP');
});

test('answers are authoritative and echo the question; NXDOMAIN is rcode 3', async () => {
  dns.addTxt('contoso.com', PROOF);
  const found = Packet.parse((await rawQuery(portOf(dns), 'Contoso.Com', Packet.TYPE.TXT)).bytes);
  assert.equal(found.header.id, 0x1234);
  assert.equal(found.header.qr, 1);
  assert.equal(found.header.aa, 1);
  assert.equal(found.header.rcode, 0);
  assert.deepEqual(found.questions.map((q) => [q.name, q.type, q.class]), [['Contoso.Com', Packet.TYPE.TXT, Packet.CLASS.IN]]);
  assert.deepEqual(found.answers.map((a) => [a.type, a.data]), [[Packet.TYPE.TXT, PROOF]]);

  const missing = Packet.parse((await rawQuery(portOf(dns), 'nowhere.example', Packet.TYPE.TXT)).bytes);
  assert.equal(missing.header.aa, 1);
  assert.equal(missing.header.rcode, 3);
  assert.equal(missing.answers.length, 0);
  assert.deepEqual(missing.questions.map((q) => q.name), ['nowhere.example']);

  // Another type for a name with TXT only: the name exists, no answers.
  const other = Packet.parse((await rawQuery(portOf(dns), 'contoso.com', Packet.TYPE.A)).bytes);
  assert.equal(other.header.rcode, 0);
  assert.equal(other.answers.length, 0);
});

test('names DNS cannot carry are refused when added', () => {
  assert.throws(() => dns.addTxt('', PROOF), /required/);
  assert.throws(() => dns.addTxt(`${'l'.repeat(64)}.com`, PROOF), /63/);
  assert.throws(() => dns.addTxt('a..b', PROOF), /empty label/);
  assert.throws(() => dns.addName('bücher.example'), /ASCII/);
});

test('close() frees the port: it can be bound again, and a second server starts and answers', async () => {
  const first = await LoopbackDnsServer.start();
  const port = portOf(first);
  first.addTxt('contoso.com', PROOF);
  assert.equal((await first.resolveTxt('contoso.com')).found, true);
  await first.close();
  await first.close(); // twice is harmless

  // The same port, over UDP and over TCP, can be bound again (it would throw EADDRINUSE otherwise).
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', resolve);
  });
  await new Promise<void>((resolve) => socket.close(resolve));
  const tcp = createServer();
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, '127.0.0.1', resolve);
  });
  await new Promise<void>((resolve) => tcp.close(() => resolve()));

  const second = await LoopbackDnsServer.start();
  try {
    assert.equal((await second.resolveTxt('contoso.com')).found, false, 'a new server starts empty');
    second.addTxt('contoso.com', 'second');
    assert.deepEqual(await second.resolveTxt('contoso.com'), { found: true, records: ['second'] });
  } finally {
    await second.close();
  }
});

test('A records answer a real resolve4; a name without one is NXDOMAIN or ENODATA', async () => {
  dns.reset();
  dns.addA('owa.apps.local', '192.168.1.100');
  dns.addA('OWA.apps.local.', '192.168.1.100');
  dns.addA('owa.apps.local', '192.168.1.101');
  assert.deepEqual(await dns.resolveA('owa.apps.local'), { found: true, addresses: ['192.168.1.100', '192.168.1.101'] });
  assert.deepEqual(await dns.resolveA('email.apps.local'), { found: false, code: 'ENOTFOUND' });
  dns.addTxt('txt.apps.local', 'x');
  assert.deepEqual(await dns.resolveA('txt.apps.local'), { found: false, code: 'ENODATA' });
  assert.throws(() => dns.addA('owa.apps.local', '192.168.1.300'), /not an IPv4 address/);
  dns.removeA('owa.apps.local');
  assert.equal((await dns.resolveA('owa.apps.local')).found, false);
});
