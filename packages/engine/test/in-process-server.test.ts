import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Attribute, Change, Client } from 'ldapts';
import { InProcessDirectoryServer } from '../src/directory/in-process';

const DOMAIN = 'DC=fourthcoffee,DC=com';
const CONFIG = `CN=Configuration,${DOMAIN}`;
const USERS = `OU=Users,${DOMAIN}`;
const SERVICE = { dn: 'CN=Exchange Scenarios Service,CN=Service Accounts', password: 'service-secret' };
const ODD = 'a*(b)\\c Zoë'; // every character RFC 4515 escapes, and a non-ASCII one

let server: InProcessDirectoryServer;
const clients: Client[] = [];

function client(): Client {
  const c = new Client({ url: server.url, timeout: 5_000, connectTimeout: 5_000 });
  clients.push(c);
  return c;
}

async function serviceClient(): Promise<Client> {
  const c = client();
  await c.bind(SERVICE.dn, SERVICE.password);
  return c;
}

async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    return (err as { code: number }).code;
  }
  return 0;
}

function load(): void {
  server.setNamingContexts({ defaultNamingContext: DOMAIN, configurationNamingContext: CONFIG });
  server.importEntries([
    { dn: DOMAIN, attributes: { objectClass: ['top', 'domain', 'domainDNS'], dc: 'fourthcoffee' } },
    { dn: USERS, attributes: { objectClass: ['top', 'organizationalUnit'], ou: 'Users' } },
    { dn: CONFIG, attributes: { objectClass: ['top', 'configuration'], cn: 'Configuration' } },
    {
      dn: `CN=Ann Smith,${USERS}`,
      attributes: {
        objectClass: ['top', 'person', 'organizationalPerson', 'user'],
        cn: 'Ann Smith',
        userPrincipalName: 'ann@fourthcoffee.com',
        mail: 'Ann.Smith@fourthcoffee.com',
        userPassword: 'ann-password',
      },
    },
    // the escaped characters in its RDN: \, for the comma-free name, \\ for the backslash
    { dn: `CN=a*(b)\\\\c Zoë,${USERS}`, attributes: { objectClass: ['top', 'person', 'user'], cn: ODD, displayName: ODD } },
    // decoys that a wildcard or a lost escape would match
    { dn: `CN=aX(b)\\\\c Zoë,${USERS}`, attributes: { objectClass: ['top', 'person', 'user'], cn: 'aX(b)\\c Zoë', displayName: 'aX(b)\\c Zoë' } },
    { dn: `CN=a*(b)c Zoe,${USERS}`, attributes: { objectClass: ['top', 'person', 'user'], cn: 'a*(b)c Zoe', displayName: 'a*(b)c Zoe' } },
  ]);
}

before(async () => {
  server = await InProcessDirectoryServer.start({ serviceAccount: SERVICE });
});

beforeEach(() => {
  server.reset();
  load();
});

after(async () => {
  await Promise.all(clients.map((c) => c.unbind().catch(() => undefined)));
  await server.close();
});

test('listens on 127.0.0.1 with a random port', () => {
  assert.match(server.url, /^ldap:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(server.url, 'ldap://127.0.0.1:0');
});

test('bind: the service account, a user with userPassword; wrong or unknown credentials are 49', async () => {
  await (await serviceClient()).unbind();
  const c = client();
  assert.equal(await code(c.bind(SERVICE.dn, 'wrong')), 49);
  assert.equal(await code(c.bind(`CN=Nobody,${USERS}`, 'whatever')), 49);
  assert.equal(await code(c.bind(`CN=Ann Smith,${USERS}`, 'ANN-PASSWORD')), 49);
  assert.equal(await code(c.bind(`CN=Ann Smith,${USERS}`, '')), 49); // no "unauthenticated bind" either
  await c.bind(`cn=ann smith, ou=users,${DOMAIN.toLowerCase()}`, 'ann-password');
  const { searchEntries } = await c.search(USERS, { scope: 'one', filter: '(userPrincipalName=ann@fourthcoffee.com)' });
  assert.equal(searchEntries.length, 1);
  // a failed bind leaves the connection anonymous
  assert.equal(await code(c.bind(`CN=Ann Smith,${USERS}`, 'nope')), 49);
  assert.equal(await code(c.search(USERS, { scope: 'one' })), 50);
  assert.equal(server.stats.binds, 7);
});

test('anonymous: reads the RootDSE, nothing else', async () => {
  const c = client();
  const { searchEntries } = await c.search('', { scope: 'base', filter: '(objectClass=*)' });
  assert.equal(searchEntries.length, 1);
  const root = searchEntries[0];
  assert.equal(root.dn, '');
  assert.deepEqual(root.namingContexts, [DOMAIN, CONFIG, `CN=Schema,${CONFIG}`]);
  assert.equal(root.defaultNamingContext, DOMAIN);
  assert.equal(root.configurationNamingContext, CONFIG);
  assert.equal(root.rootDomainNamingContext, DOMAIN);
  assert.equal(root.schemaNamingContext, `CN=Schema,${CONFIG}`);
  assert.equal(root.supportedLDAPVersion, '3');
  assert.equal(root.supportedCapabilities, '1.2.840.113556.1.4.800');

  assert.equal(await code(c.search(DOMAIN, { scope: 'sub', filter: '(objectClass=*)' })), 50);
  assert.equal(await code(c.add(`CN=X,${USERS}`, { objectClass: 'user' })), 50);
  assert.equal(await code(c.modify(USERS, [new Change({ operation: 'replace', modification: new Attribute({ type: 'description', values: ['x'] }) })])), 50);
  assert.equal(await code(c.del(`CN=Ann Smith,${USERS}`)), 50);
  // an explicit anonymous bind after an authenticated one drops the identity
  const s = await serviceClient();
  await s.bind('', '');
  assert.equal(await code(s.search(DOMAIN, { scope: 'base' })), 50);
});

test('an escaped filter value with *()\\ and a non-ASCII character finds exactly the right entry', async () => {
  const c = await serviceClient();
  const escaped = ODD.replace(/[\\*()]/g, (ch) => '\\' + ch.charCodeAt(0).toString(16).padStart(2, '0'));
  assert.equal(escaped, 'a\\2a\\28b\\29\\5cc Zoë');
  const byName = await c.search(USERS, { scope: 'sub', filter: `(displayName=${escaped})` });
  assert.deepEqual(byName.searchEntries.map((e) => e.displayName), [ODD]);
  const byCn = await c.search(USERS, { scope: 'one', filter: `(&(objectClass=user)(cn=${escaped}))`, attributes: ['cn'] });
  assert.deepEqual(byCn.searchEntries.map((e) => e.cn), [ODD]);
  // the DN comes back exactly as stored (UTF-8, not hex-escaped)
  assert.equal(byCn.searchEntries[0].dn, `CN=a*(b)\\\\c Zoë,${USERS}`);
  // a substring with escaped pieces
  const sub = await c.search(USERS, { scope: 'one', filter: '(displayName=a\\2a\\28*\\5cc*ë)' });
  assert.deepEqual(sub.searchEntries.map((e) => e.displayName), [ODD]);
  // and the entry can be read by its DN as the client escapes it
  const base = await c.search(`CN=a*(b)\\5cc Zo\\c3\\ab,${USERS}`, { scope: 'base', attributes: ['displayName'] });
  assert.deepEqual(base.searchEntries.map((e) => e.displayName), [ODD]);
});

test('DNs with a backslash survive the wire (ldapjs would print DOM\\ann for DOM\\5cann)', async () => {
  const c = await serviceClient();
  const dn = `CN=FOURTHCOFFEE\\5cann,${USERS}`;
  await c.add(dn, { objectClass: 'user', cn: 'FOURTHCOFFEE\\ann', sAMAccountName: 'ann2' });
  const [entry] = (await c.search(dn, { scope: 'base', attributes: ['cn', 'distinguishedName'] })).searchEntries;
  assert.equal(entry.cn, 'FOURTHCOFFEE\\ann');
  assert.equal(entry.dn, `CN=FOURTHCOFFEE\\\\ann,${USERS}`);
  assert.equal(server.getEntry(`CN=FOURTHCOFFEE\\\\ann,${USERS}`)?.attributes.sAMAccountName, 'ann2');
  assert.equal((await c.search(USERS, { scope: 'one', filter: '(cn=FOURTHCOFFEE\\5cann)' })).searchEntries.length, 1);
  assert.equal((await c.search(USERS, { scope: 'one', filter: '(cn=FOURTHCOFFEEann)' })).searchEntries.length, 0);
  await c.modify(dn, [new Change({ operation: 'replace', modification: new Attribute({ type: 'description', values: ['x'] }) })]);
  await c.del(dn);
  assert.equal(server.getEntry(`CN=FOURTHCOFFEE\\\\ann,${USERS}`), undefined);
});

test('search: scopes, attribute selection, size limit, unknown base, userPassword never returned', async () => {
  const c = await serviceClient();
  const all = await c.search(`CN=Ann Smith,${USERS}`, { scope: 'base' });
  const ann = all.searchEntries[0];
  assert.equal(ann.userPrincipalName, 'ann@fourthcoffee.com');
  assert.equal(ann.distinguishedName, `CN=Ann Smith,${USERS}`);
  assert.equal(ann.cn, 'Ann Smith');
  assert.ok(!Object.keys(ann).some((k) => k.toLowerCase() === 'userpassword'));
  const asked = await c.search(`CN=Ann Smith,${USERS}`, { scope: 'base', attributes: ['userPassword', 'MAIL'] });
  // (ldapts itself adds an empty list for a requested attribute the server did not send)
  assert.deepEqual(asked.searchEntries[0], { dn: `CN=Ann Smith,${USERS}`, mail: 'Ann.Smith@fourthcoffee.com', userPassword: [] });
  assert.equal((await c.search(DOMAIN, { scope: 'sub', filter: '(userPassword=ann-password)' })).searchEntries.length, 0);

  assert.equal((await c.search(USERS, { scope: 'one', filter: '(objectClass=user)' })).searchEntries.length, 4);
  assert.equal((await c.search(DOMAIN, { scope: 'one', filter: '(objectClass=*)' })).searchEntries.length, 1);
  assert.equal((await c.search(DOMAIN, { scope: 'sub', filter: '(objectCategory=person)' })).searchEntries.length, 4);
  // ldapts returns what it got when it asked for a size limit
  const limited = await c.search(USERS, { scope: 'one', filter: '(objectClass=user)', sizeLimit: 2 });
  assert.equal(limited.searchEntries.length, 2);

  assert.equal(await code(c.search(`OU=Nope,${DOMAIN}`, { scope: 'sub' })), 32);
  assert.equal(await code(c.search(USERS, { scope: 'sub', filter: '(cn:9.9.9:=x)' })), 18);
});

test('add, modify, delete round trip', async () => {
  const c = await serviceClient();
  const dn = `CN=Dan Park,${USERS}`;
  await c.add(dn, { objectClass: ['top', 'person', 'user'], cn: 'Dan Park', mail: 'dan@fourthcoffee.com', proxyAddresses: ['SMTP:dan@fourthcoffee.com'] });
  assert.equal(await code(c.add(dn.toUpperCase(), { objectClass: 'user' })), 68);
  assert.equal(await code(c.add(`CN=X,OU=Nope,${DOMAIN}`, { objectClass: 'user' })), 32);
  assert.equal(await code(c.add(`CN=X,${USERS}`, { mail: 'x@y' })), 65);

  const read = async () => (await c.search(dn, { scope: 'base' })).searchEntries[0];
  let dan = await read();
  // names come back in their schema spelling although ldapjs lower-cases an add request's names
  assert.equal(dan.objectClass?.length, 3);
  assert.equal(dan.proxyAddresses, 'SMTP:dan@fourthcoffee.com');

  await c.modify(dn, [
    new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: ['daniel@fourthcoffee.com'] }) }),
    new Change({ operation: 'add', modification: new Attribute({ type: 'proxyAddresses', values: ['smtp:daniel@fourthcoffee.com'] }) }),
    new Change({ operation: 'add', modification: new Attribute({ type: 'userPassword', values: ['dan-password'] }) }),
  ]);
  dan = await read();
  assert.equal(dan.mail, 'daniel@fourthcoffee.com');
  assert.deepEqual(dan.proxyAddresses, ['SMTP:dan@fourthcoffee.com', 'smtp:daniel@fourthcoffee.com']);
  assert.equal((await c.search(DOMAIN, { filter: '(mail=dan@fourthcoffee.com)' })).searchEntries.length, 0);
  assert.equal((await c.search(DOMAIN, { filter: '(mail=DANIEL@fourthcoffee.com)' })).searchEntries.length, 1);
  const asDan = client();
  await asDan.bind(dn, 'dan-password');

  assert.equal(await code(c.modify(dn, [new Change({ operation: 'delete', modification: new Attribute({ type: 'mail', values: ['nope@x'] }) })])), 16);
  await c.modify(dn, [new Change({ operation: 'replace', modification: new Attribute({ type: 'mail', values: [] }) })]);
  assert.equal((await read()).mail, undefined);

  assert.equal(await code(c.del(USERS)), 66);
  assert.equal(await code(c.modifyDN(dn, 'CN=Daniel Park')), 53);
  await c.del(dn);
  assert.equal(await code(c.search(dn, { scope: 'base' })), 32);
  assert.equal(await code(c.del(dn)), 32);

  assert.equal(await c.compare(`CN=Ann Smith,${USERS}`, 'mail', 'ann.smith@FOURTHCOFFEE.com'), true);
  assert.equal(await c.compare(`CN=Ann Smith,${USERS}`, 'mail', 'bob@fourthcoffee.com'), false);

  const stats = server.stats;
  assert.equal(stats.adds, 4);
  assert.equal(stats.modifies, 3);
  assert.equal(stats.deletes, 3);
});

test('reset() empties the directory; open connections stay usable', async () => {
  const c = await serviceClient();
  assert.equal((await c.search(DOMAIN, { scope: 'sub' })).searchEntries.length, 6);
  assert.ok(server.size > 0);
  server.reset();
  assert.equal(server.size, 0);
  assert.deepEqual(server.stats, { searches: 0, adds: 0, modifies: 0, deletes: 0, binds: 0, entriesScanned: 0 });
  assert.equal(await code(c.search(DOMAIN, { scope: 'sub' })), 32);
  const [root] = (await c.search('', { scope: 'base' })).searchEntries;
  assert.equal(root.defaultNamingContext, undefined);
  // the same connection, still bound, writes the next scenario's forest
  server.setNamingContexts({ defaultNamingContext: 'DC=contoso,DC=com', configurationNamingContext: 'CN=Configuration,DC=contoso,DC=com' });
  await c.add('DC=contoso,DC=com', { objectClass: ['top', 'domain'], dc: 'contoso' });
  assert.equal((await c.search('DC=contoso,DC=com', { scope: 'base' })).searchEntries.length, 1);
  assert.equal(server.stats.searches, 3);
});

test('importEntries is all or nothing', () => {
  const before = server.size;
  assert.throws(
    () =>
      server.importEntries([
        { dn: `OU=Sales,${DOMAIN}`, attributes: { objectClass: 'organizationalUnit', ou: 'Sales' } },
        { dn: `CN=S1,OU=Missing,${DOMAIN}`, attributes: { objectClass: 'user', cn: 'S1' } },
      ]),
    /entry 2 of 2.*OU=Missing/,
  );
  assert.equal(server.size, before);
});

test('TCP_NODELAY: 50 sequential searches on one connection take well under Nagle + delayed ACK time', async () => {
  const c = await serviceClient();
  await c.search(USERS, { scope: 'one', filter: '(userPrincipalName=ann@fourthcoffee.com)' }); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < 50; i++) {
    const { searchEntries } = await c.search(USERS, { scope: 'one', filter: '(userPrincipalName=ann@fourthcoffee.com)' });
    assert.equal(searchEntries.length, 1);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  // With Nagle's algorithm each search waits ~40 ms for the client's delayed ACK (~2 s for 50).
  assert.ok(ms < 500, `50 searches took ${ms.toFixed(0)} ms`);
});
