import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeDn } from '../src/directory/dn';
import {
  DirectoryError,
  DirectoryStore,
  fastNormalizeDn,
  parentOfNormalized,
  type DirectoryEntry,
  type FilterNode,
  type SearchScope,
} from '../src/directory/in-process/store';

// Small builders for hand-written filter ASTs.
const eq = (attribute: string, value: string): FilterNode => ({ type: 'equality', attribute, value });
const and = (...filters: FilterNode[]): FilterNode => ({ type: 'and', filters });
const or = (...filters: FilterNode[]): FilterNode => ({ type: 'or', filters });
const not = (filter: FilterNode): FilterNode => ({ type: 'not', filter });
const present = (attribute: string): FilterNode => ({ type: 'present', attribute });
const bitAnd = (attribute: string, mask: number | string): FilterNode => ({
  type: 'extensible', attribute, value: String(mask), rule: '1.2.840.113556.1.4.803',
});
const bitOr = (attribute: string, mask: number | string): FilterNode => ({
  type: 'extensible', attribute, value: String(mask), rule: '1.2.840.113556.1.4.804',
});

const DOMAIN = 'DC=fourthcoffee,DC=com';
const CONFIG = `CN=Configuration,${DOMAIN}`;
const USERS = `OU=Users,${DOMAIN}`;
const SERVERS = `CN=Servers,CN=Site A,CN=Sites,${CONFIG}`;

function user(cn: string, extra: Record<string, string | string[]> = {}): DirectoryEntry {
  return {
    dn: `CN=${cn},${USERS}`,
    attributes: {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      userPrincipalName: `${cn.toLowerCase().replace(/ /g, '.')}@fourthcoffee.com`,
      ...extra,
    },
  };
}

function forest(): DirectoryStore {
  const store = new DirectoryStore();
  store.setNamingContexts({ defaultNamingContext: DOMAIN, configurationNamingContext: CONFIG });
  store.importEntries([
    { dn: DOMAIN, attributes: { objectClass: ['top', 'domain', 'domainDNS'] } },
    { dn: USERS, attributes: { objectClass: ['top', 'organizationalUnit'] } },
    { dn: CONFIG, attributes: { objectClass: ['top', 'configuration'] } },
    { dn: `CN=Sites,${CONFIG}`, attributes: { objectClass: ['top', 'sitesContainer'] } },
    { dn: `CN=Site A,CN=Sites,${CONFIG}`, attributes: { objectClass: ['top', 'site'] } },
    { dn: SERVERS, attributes: { objectClass: ['top', 'serversContainer'] } },
    {
      dn: `CN=EX1,${SERVERS}`,
      attributes: {
        objectClass: ['top', 'server', 'msExchExchangeServer'],
        objectCategory: `CN=ms-Exch-Exchange-Server,CN=Schema,${CONFIG}`,
        msExchCurrentServerRoles: '38',
        msExchServerSite: `CN=Site A,CN=Sites,${CONFIG}`,
        serialNumber: 'Version 14.2 (Build 247.5)',
      },
    },
    {
      dn: `CN=EX2,${SERVERS}`,
      attributes: {
        objectClass: ['top', 'server', 'msExchExchangeServer'],
        msExchCurrentServerRoles: '16385',
        msExchServerSite: `cn=site a, cn=sites, ${CONFIG.toLowerCase()}`,
        networkAddress: ['ncacn_ip_tcp:ex2.fourthcoffee.com', 'netbios:EX2'],
      },
    },
    user('Ann Smith', { mail: 'Ann.Smith@FourthCoffee.com', userAccountControl: '512', manager: `CN=Bob Jones,${USERS}` }),
    user('Bob Jones', { mail: 'bob@fourthcoffee.com', userAccountControl: '514', proxyAddresses: ['SMTP:bob@fourthcoffee.com', 'smtp:robert@fourthcoffee.com'] }),
    user('Carol (Ops) *', { description: 'back\\slash', userAccountControl: '9007199254740992' }),
  ]);
  return store;
}

function dns(store: DirectoryStore, base: string, scope: SearchScope, filter: FilterNode): string[] {
  return store.search({ base, scope, filter, attributes: ['1.1'] }).entries.map((e) => e.dn);
}

function cns(store: DirectoryStore, base: string, scope: SearchScope, filter: FilterNode): string[] {
  return dns(store, base, scope, filter)
    .map((dn) => /^CN=([^,]+)/.exec(dn)?.[1] ?? dn)
    .sort();
}

test('the fast DN normalizer agrees with normalizeDn', () => {
  const samples = [
    'CN=Ann Smith,OU=Users,DC=fourthcoffee,DC=com',
    'cn = Ann Smith ,  ou=Users,dc=x',
    'CN=José Ünal,DC=x',
    'CN=a\\,b,DC=x',
    'CN=a\\2cb,DC=x',
    'CN=\\ lead,DC=x',
    'CN=#hash,DC=x',
    'CN=a+sn=b,DC=x',
    'CN=a=b,DC=x',
    'CN=x;DC=y',
    'CN=tab\there,DC=x',
    '1.2.3=value,DC=x',
    'CN=,DC=x',
    'CN=trailing,',
    '',
    '   ',
  ];
  for (const dn of samples) assert.equal(fastNormalizeDn(dn), normalizeDn(dn), dn);
  for (const bad of ['CN', 'CN=a,,DC=x', '=x', 'C N=x', 'CN=a\\']) {
    assert.throws(() => normalizeDn(bad));
    assert.throws(() => fastNormalizeDn(bad), bad);
  }
  assert.equal(parentOfNormalized(normalizeDn('CN=a\\,b,DC=x,DC=y')), 'dc=x,dc=y');
  assert.equal(parentOfNormalized('dc=y'), '');
});

test('an indexed equality search evaluates ~1 entry among 100,000', () => {
  const store = new DirectoryStore();
  store.setNamingContexts({ defaultNamingContext: DOMAIN, configurationNamingContext: CONFIG });
  const entries: DirectoryEntry[] = [
    { dn: DOMAIN, attributes: { objectClass: ['top', 'domain'] } },
    { dn: USERS, attributes: { objectClass: ['top', 'organizationalUnit'] } },
  ];
  for (let i = 0; i < 100_000; i++) {
    entries.push({
      dn: `CN=User ${i},${USERS}`,
      attributes: {
        objectClass: ['top', 'person', 'organizationalPerson', 'user'],
        userPrincipalName: `user${i}@fourthcoffee.com`,
        mail: `user${i}@fourthcoffee.com`,
      },
    });
  }
  store.importEntries(entries);
  assert.equal(store.size, 100_002);

  const before = store.entriesScanned;
  const hit = store.search({ base: DOMAIN, scope: 'sub', filter: eq('userPrincipalName', 'USER77777@fourthcoffee.com') });
  assert.deepEqual(hit.entries.map((e) => e.dn), [`CN=User 77777,${USERS}`]);
  assert.equal(store.entriesScanned - before, 1);

  // AND picks the smallest indexed child: objectClass=user has 100,000 candidates, mail has 1.
  const mid = store.entriesScanned;
  const both = store.search({ base: DOMAIN, scope: 'sub', filter: and(eq('objectClass', 'user'), eq('mail', 'user5@fourthcoffee.com'), not(present('description'))) });
  assert.equal(both.entries.length, 1);
  assert.equal(store.entriesScanned - mid, 1);

  // OR of indexed children: the union.
  const mid2 = store.entriesScanned;
  const either = store.search({ base: DOMAIN, scope: 'sub', filter: or(eq('mail', 'user1@fourthcoffee.com'), eq('mail', 'user2@fourthcoffee.com'), eq('mail', 'nobody')) });
  assert.equal(either.entries.length, 2);
  assert.equal(store.entriesScanned - mid2, 2);

  // A DN lookup by distinguishedName is indexed as well.
  const mid3 = store.entriesScanned;
  assert.equal(store.search({ base: DOMAIN, scope: 'sub', filter: eq('distinguishedName', `cn=user 9, ${USERS.toLowerCase()}`) }).entries.length, 1);
  assert.equal(store.entriesScanned - mid3, 1);
});

test('non-indexable filters scan only the subtree under the base', () => {
  const store = forest();
  const before = store.entriesScanned;
  // 3 entries under CN=Servers: the container and two servers.
  assert.deepEqual(cns(store, SERVERS, 'sub', present('msExchCurrentServerRoles')), ['EX1', 'EX2']);
  assert.equal(store.entriesScanned - before, 3);
  const mid = store.entriesScanned;
  assert.deepEqual(cns(store, SERVERS, 'one', present('objectClass')), ['EX1', 'EX2']);
  assert.equal(store.entriesScanned - mid, 2);
  // The candidate set (4 users-class entries... here 3 users) is bigger than a one-entry base scope.
  const mid2 = store.entriesScanned;
  assert.equal(dns(store, `CN=Ann Smith,${USERS}`, 'base', eq('objectClass', 'user')).length, 1);
  assert.equal(store.entriesScanned - mid2, 1);
});

test('attribute names and string values match case-insensitively', () => {
  const store = forest();
  assert.deepEqual(cns(store, DOMAIN, 'sub', eq('MAIL', 'ann.smith@fourthcoffee.COM')), ['Ann Smith']);
  assert.deepEqual(cns(store, DOMAIN, 'sub', eq('objectclass', 'USER')), ['Ann Smith', 'Bob Jones', 'Carol (Ops) *']);
  assert.deepEqual(cns(store, DOMAIN, 'sub', eq('proxyAddresses', 'SMTP:ROBERT@fourthcoffee.com')), ['Bob Jones']);
  assert.deepEqual(cns(store, DOMAIN, 'sub', { type: 'approx', attribute: 'mail', value: 'BOB@fourthcoffee.com' }), ['Bob Jones']);
  assert.deepEqual(cns(store, DOMAIN, 'sub', eq('description', 'BACK\\SLASH')), ['Carol (Ops) *']);
  assert.deepEqual(cns(store, DOMAIN, 'sub', eq('cn', 'carol (ops) *')), ['Carol (Ops) *']);
});

test('DN-valued attributes match despite case and spacing differences', () => {
  const store = forest();
  const site = `cn=SITE A ,  CN=sites,cn=configuration,dc=FourthCoffee,dc=com`;
  assert.deepEqual(cns(store, CONFIG, 'sub', eq('msExchServerSite', site)), ['EX1', 'EX2']);
  assert.deepEqual(cns(store, DOMAIN, 'sub', eq('manager', `cn=bob jones,ou=users,dc=fourthcoffee,dc=com`)), ['Ann Smith']);
  assert.deepEqual(cns(store, CONFIG, 'sub', eq('distinguishedName', `cn=ex2,${SERVERS.toUpperCase()}`)), ['EX2']);
  assert.deepEqual(cns(store, CONFIG, 'sub', eq('msExchServerSite', 'not a dn')), []);
});

test('objectClass and objectCategory', () => {
  const store = forest();
  assert.deepEqual(cns(store, DOMAIN, 'sub', eq('objectCategory', 'person')), ['Ann Smith', 'Bob Jones', 'Carol (Ops) *']);
  // by objectClass name, and by the explicit objectCategory's DN or CN (hyphens as in the schema's CN)
  assert.deepEqual(cns(store, CONFIG, 'sub', eq('objectCategory', 'msExchExchangeServer')), ['EX1', 'EX2']);
  assert.deepEqual(cns(store, CONFIG, 'sub', eq('objectCategory', `CN=ms-Exch-Exchange-Server,CN=Schema,${CONFIG}`)), ['EX1', 'EX2']);
  assert.deepEqual(cns(store, CONFIG, 'sub', eq('objectCategory', 'ms-Exch-Exchange-Server')), ['EX1', 'EX2']);
  assert.deepEqual(cns(store, CONFIG, 'sub', eq('objectCategory', 'person')), []);
  assert.equal(dns(store, CONFIG, 'sub', present('objectCategory')).length, 6);
  assert.deepEqual(cns(store, CONFIG, 'sub', and(eq('objectClass', 'server'), eq('objectClass', 'msExchExchangeServer'))), ['EX1', 'EX2']);
});

test('distinguishedName is an attribute of every entry', () => {
  const store = forest();
  const [ann] = store.search({ base: `CN=Ann Smith,${USERS}`, scope: 'base', filter: present('distinguishedName'), attributes: ['distinguishedname'] }).entries;
  assert.deepEqual(ann.attributes, [{ type: 'distinguishedName', values: [`CN=Ann Smith,${USERS}`] }]);
  assert.deepEqual(cns(store, DOMAIN, 'sub', { type: 'substring', attribute: 'distinguishedName', initial: 'cn=bob' }), ['Bob Jones']);
});

test('bitwise AND / OR matching rules, up to 2^53', () => {
  const store = forest();
  assert.deepEqual(cns(store, CONFIG, 'sub', bitAnd('msExchCurrentServerRoles', 2)), ['EX1']); // 38 = 32|4|2
  assert.deepEqual(cns(store, CONFIG, 'sub', bitAnd('msExchCurrentServerRoles', 36)), ['EX1']);
  assert.deepEqual(cns(store, CONFIG, 'sub', bitAnd('msExchCurrentServerRoles', 16384)), ['EX2']); // 16385
  assert.deepEqual(cns(store, CONFIG, 'sub', bitAnd('msExchCurrentServerRoles', 6)), ['EX1']);
  assert.deepEqual(cns(store, CONFIG, 'sub', bitAnd('msExchCurrentServerRoles', 3)), []);
  assert.deepEqual(cns(store, CONFIG, 'sub', bitOr('msExchCurrentServerRoles', 3)), ['EX1', 'EX2']);
  assert.deepEqual(cns(store, DOMAIN, 'sub', bitAnd('userAccountControl', 2)), ['Bob Jones']); // 514: disabled
  // entries without the attribute don't match the rule, so NOT matches them
  assert.deepEqual(cns(store, DOMAIN, 'sub', not(bitAnd('userAccountControl', 2))), ['Ann Smith', 'Carol (Ops) *', DOMAIN, USERS]);
  assert.deepEqual(cns(store, DOMAIN, 'sub', bitAnd('userAccountControl', 2 ** 53)), ['Carol (Ops) *']);
  assert.deepEqual(cns(store, DOMAIN, 'sub', bitAnd('userAccountControl', 'not-a-number')), []);
});

test('substring, presence, ordering and NOT', () => {
  const store = forest();
  assert.deepEqual(cns(store, DOMAIN, 'sub', { type: 'substring', attribute: 'mail', initial: 'ANN', any: ['smi'], final: '.COM' }), ['Ann Smith']);
  assert.deepEqual(cns(store, DOMAIN, 'sub', { type: 'substring', attribute: 'mail', any: ['@fourth'] }), ['Ann Smith', 'Bob Jones']);
  assert.deepEqual(cns(store, DOMAIN, 'sub', { type: 'substring', attribute: 'cn', initial: 'carol (', final: ') *' }), ['Carol (Ops) *']);
  // initial and final must not overlap
  assert.deepEqual(cns(store, DOMAIN, 'sub', { type: 'substring', attribute: 'mail', initial: 'bob@fourthcoffee.com', final: 'com' }), []);
  assert.deepEqual(cns(store, DOMAIN, 'sub', { type: 'substring', attribute: 'proxyAddresses', initial: 'smtp:rob' }), ['Bob Jones']);
  assert.deepEqual(cns(store, DOMAIN, 'sub', and(present('mail'), not(eq('mail', 'bob@fourthcoffee.com')))), ['Ann Smith']);
  // integers compare numerically, strings case-insensitively
  assert.deepEqual(cns(store, CONFIG, 'sub', { type: 'ge', attribute: 'msExchCurrentServerRoles', value: '100' }), ['EX2']);
  assert.deepEqual(cns(store, CONFIG, 'sub', { type: 'le', attribute: 'msExchCurrentServerRoles', value: '38' }), ['EX1']);
  assert.deepEqual(cns(store, DOMAIN, 'sub', and(eq('objectClass', 'user'), { type: 'ge', attribute: 'mail', value: 'B' })), ['Bob Jones']);
  assert.deepEqual(cns(store, DOMAIN, 'sub', and()), cns(store, DOMAIN, 'sub', present('objectClass')));
  assert.deepEqual(cns(store, DOMAIN, 'sub', or()), []);
});

test('scopes; configuration is its own partition, not part of a domain subtree search', () => {
  const store = forest();
  assert.deepEqual(cns(store, USERS, 'one', present('objectClass')), ['Ann Smith', 'Bob Jones', 'Carol (Ops) *']);
  assert.deepEqual(dns(store, USERS, 'base', present('objectClass')), [USERS]);
  assert.equal(dns(store, DOMAIN, 'sub', present('objectClass')).length, 5);
  assert.equal(dns(store, DOMAIN, 'sub', eq('objectClass', 'server')).length, 0);
  assert.equal(dns(store, CONFIG, 'sub', eq('objectClass', 'server')).length, 2);
  assert.throws(() => store.search({ base: `OU=Nope,${DOMAIN}`, scope: 'sub', filter: present('objectClass') }), (e: DirectoryError) => e.resultCode === 32 && /OU=Nope/.test(e.message));
  assert.throws(() => store.search({ base: 'not a dn', scope: 'sub', filter: present('objectClass') }), (e: DirectoryError) => e.resultCode === 34);
});

test('size limit, attribute selection, typesOnly, hidden userPassword', () => {
  const store = forest();
  store.modify(`CN=Ann Smith,${USERS}`, [{ operation: 'add', attribute: 'userPassword', values: ['s3cret'] }]);
  const limited = store.search({ base: USERS, scope: 'one', filter: present('objectClass'), sizeLimit: 2 });
  assert.equal(limited.entries.length, 2);
  assert.equal(limited.sizeLimitExceeded, true);
  assert.equal(store.search({ base: USERS, scope: 'one', filter: present('objectClass'), sizeLimit: 3 }).sizeLimitExceeded, false);

  const ann = `CN=Ann Smith,${USERS}`;
  const all = store.search({ base: ann, scope: 'base', filter: present('objectClass') }).entries[0];
  const names = all.attributes.map((a) => a.type);
  assert.deepEqual(names, ['objectClass', 'userPrincipalName', 'mail', 'userAccountControl', 'manager', 'cn', 'distinguishedName']);
  const some = store.search({ base: ann, scope: 'base', filter: present('objectClass'), attributes: ['MAIL', 'cn', 'userPassword', 'nothere'] }).entries[0];
  assert.deepEqual(some.attributes, [
    { type: 'mail', values: ['Ann.Smith@FourthCoffee.com'] },
    { type: 'cn', values: ['Ann Smith'] },
  ]);
  const none = store.search({ base: ann, scope: 'base', filter: present('objectClass'), attributes: ['1.1'] }).entries[0];
  assert.deepEqual(none.attributes, []);
  const types = store.search({ base: ann, scope: 'base', filter: present('objectClass'), attributes: ['mail'], typesOnly: true }).entries[0];
  assert.deepEqual(types.attributes, [{ type: 'mail', values: [] }]);
  // userPassword can't be searched for either, but it authenticates
  assert.deepEqual(dns(store, DOMAIN, 'sub', present('userPassword')), []);
  assert.deepEqual(dns(store, DOMAIN, 'sub', eq('userPassword', 's3cret')), []);
  assert.equal(store.authenticate(ann.toLowerCase(), 's3cret'), true);
  assert.equal(store.authenticate(ann, 'S3CRET'), false);
  assert.equal(store.authenticate(ann, ''), false);
});

test('attribute names come back in their stored (or schema) spelling', () => {
  const store = forest();
  store.add({ dn: `CN=Dan,${USERS}`, attributes: { objectclass: 'user', MAIL: 'dan@x', exscWidget: 'w', exscgadget: 'g' } });
  store.add({ dn: `CN=Eve,${USERS}`, attributes: { objectClass: 'user', exscGadget: 'g2' } });
  const [dan] = store.search({ base: `CN=Dan,${USERS}`, scope: 'base', filter: present('objectClass') }).entries;
  assert.deepEqual(dan.attributes.map((a) => a.type), ['objectClass', 'mail', 'exscWidget', 'exscGadget', 'cn', 'distinguishedName']);
});

test('add errors: duplicate, missing parent, missing objectClass, bad DN values', () => {
  const store = forest();
  const code = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof DirectoryError, String(err));
      return err.resultCode;
    }
    return 0;
  };
  assert.equal(code(() => store.add(user('ann smith'))), 68);
  assert.equal(code(() => store.add({ dn: `cn=ANN SMITH , ou=users,${DOMAIN}`, attributes: { objectClass: 'user' } })), 68);
  assert.equal(code(() => store.add({ dn: `CN=X,OU=Nope,${DOMAIN}`, attributes: { objectClass: 'user' } })), 32);
  assert.equal(code(() => store.add({ dn: `CN=X,${USERS}`, attributes: { cn: 'X' } })), 65);
  assert.equal(code(() => store.add({ dn: `CN=X,${USERS}`, attributes: { objectClass: 'user', manager: 'Bob' } })), 34);
  assert.equal(code(() => store.add({ dn: `CN=X,${USERS}`, attributes: { objectClass: ['user', 'USER'] } })), 20);
  assert.equal(code(() => store.add({ dn: 'CN=X,DC=elsewhere', attributes: { objectClass: 'user' } })), 32);
  // a naming context needs no parent
  store.add({ dn: `CN=Schema,${CONFIG}`, attributes: { objectClass: 'dMD' } });
  assert.equal(store.size, 12);
});

test('modify: add, replace, delete, errors, index kept in sync', () => {
  const store = forest();
  const bob = `CN=Bob Jones,${USERS}`;
  const code = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof DirectoryError, String(err));
      return err.resultCode;
    }
    return 0;
  };
  store.modify(bob, [
    { operation: 'replace', attribute: 'MAIL', values: ['robert.jones@fourthcoffee.com'] },
    { operation: 'add', attribute: 'proxyAddresses', values: ['smtp:rj@fourthcoffee.com'] },
    { operation: 'delete', attribute: 'proxyAddresses', values: ['SMTP:ROBERT@fourthcoffee.com'] },
    { operation: 'add', attribute: 'memberOf', values: [`CN=Group,${USERS}`] },
  ]);
  assert.deepEqual(cns(store, DOMAIN, 'sub', eq('mail', 'bob@fourthcoffee.com')), []);
  assert.deepEqual(cns(store, DOMAIN, 'sub', eq('mail', 'robert.jones@fourthcoffee.com')), ['Bob Jones']);
  assert.deepEqual(cns(store, DOMAIN, 'sub', eq('proxyAddresses', 'smtp:robert@fourthcoffee.com')), []);
  assert.deepEqual(cns(store, DOMAIN, 'sub', eq('proxyAddresses', 'smtp:rj@fourthcoffee.com')), ['Bob Jones']);
  assert.deepEqual(cns(store, DOMAIN, 'sub', eq('memberOf', `cn=group, ${USERS}`)), ['Bob Jones']);
  assert.deepEqual(store.get(bob)?.attributes.proxyAddresses, ['SMTP:bob@fourthcoffee.com', 'smtp:rj@fourthcoffee.com']);

  // replace with no values removes the attribute (and is fine when it is absent)
  store.modify(bob, [{ operation: 'replace', attribute: 'mail', values: [] }, { operation: 'replace', attribute: 'description', values: [] }]);
  assert.deepEqual(cns(store, DOMAIN, 'sub', present('mail')), ['Ann Smith']);

  assert.equal(code(() => store.modify(bob, [{ operation: 'delete', attribute: 'proxyAddresses', values: ['smtp:nope@x'] }])), 16);
  assert.equal(code(() => store.modify(bob, [{ operation: 'delete', attribute: 'telephoneNumber', values: [] }])), 16);
  assert.equal(code(() => store.modify(bob, [{ operation: 'add', attribute: 'proxyAddresses', values: ['SMTP:BOB@fourthcoffee.com'] }])), 20);
  assert.equal(code(() => store.modify(bob, [{ operation: 'replace', attribute: 'objectClass', values: [] }])), 65);
  assert.equal(code(() => store.modify(bob, [{ operation: 'replace', attribute: 'manager', values: ['nope'] }])), 34);
  assert.equal(code(() => store.modify(`CN=Nobody,${USERS}`, [{ operation: 'replace', attribute: 'mail', values: ['x'] }])), 32);

  // atomic: the second change fails, so the first is not applied
  assert.equal(code(() => store.modify(bob, [
    { operation: 'replace', attribute: 'displayName', values: ['Bobby'] },
    { operation: 'delete', attribute: 'givenName', values: [] },
  ])), 16);
  assert.deepEqual(cns(store, DOMAIN, 'sub', present('displayName')), []);

  // the last value going away demotes the index posting back to one entry, then removes it
  store.modify(`CN=Ann Smith,${USERS}`, [{ operation: 'add', attribute: 'department', values: ['Sales'] }]);
  store.modify(bob, [{ operation: 'add', attribute: 'department', values: ['sales'] }]);
  assert.deepEqual(cns(store, DOMAIN, 'sub', eq('department', 'SALES')), ['Ann Smith', 'Bob Jones']);
  store.modify(`CN=Ann Smith,${USERS}`, [{ operation: 'delete', attribute: 'department', values: [] }]);
  assert.deepEqual(cns(store, DOMAIN, 'sub', eq('department', 'SALES')), ['Bob Jones']);
  store.modify(bob, [{ operation: 'delete', attribute: 'department', values: ['Sales'] }]);
  assert.deepEqual(cns(store, DOMAIN, 'sub', eq('department', 'SALES')), []);
});

test('delete: leaves only; removed from the index and the tree', () => {
  const store = forest();
  assert.throws(() => store.delete(USERS), (e: DirectoryError) => e.resultCode === 66 && e.message.includes(USERS));
  assert.throws(() => store.delete(`CN=Nobody,${USERS}`), (e: DirectoryError) => e.resultCode === 32);
  store.delete(`cn=ann smith,${USERS}`);
  assert.deepEqual(cns(store, DOMAIN, 'sub', eq('mail', 'ann.smith@fourthcoffee.com')), []);
  assert.deepEqual(cns(store, USERS, 'one', present('objectClass')), ['Bob Jones', 'Carol (Ops) *']);
  assert.equal(store.has(`CN=Ann Smith,${USERS}`), false);
  store.delete(`CN=Bob Jones,${USERS}`);
  store.delete(`CN=Carol (Ops) *,${USERS}`);
  store.delete(USERS);
  assert.equal(dns(store, DOMAIN, 'sub', present('objectClass')).length, 1);
});

test('importEntries is all or nothing', () => {
  const store = forest();
  const size = store.size;
  const batch: DirectoryEntry[] = [
    { dn: `OU=Sales,${DOMAIN}`, attributes: { objectClass: 'organizationalUnit' } },
    { dn: `CN=S1,OU=Sales,${DOMAIN}`, attributes: { objectClass: 'user', mail: 's1@x' } }, // parent earlier in the list
    { dn: `CN=S2,OU=Missing,${DOMAIN}`, attributes: { objectClass: 'user' } }, // bad
    { dn: `CN=S3,OU=Sales,${DOMAIN}`, attributes: { objectClass: 'user' } },
  ];
  assert.throws(() => store.importEntries(batch), (e: DirectoryError) => e.resultCode === 32 && /entry 3 of 4/.test(e.message) && /nothing was imported/.test(e.message));
  assert.equal(store.size, size);
  assert.equal(store.has(`OU=Sales,${DOMAIN}`), false);
  assert.deepEqual(dns(store, DOMAIN, 'sub', eq('mail', 's1@x')), []);

  // a duplicate within the batch, and a child listed before its parent
  assert.throws(() => store.importEntries([batch[0], batch[0]]), (e: DirectoryError) => e.resultCode === 68);
  assert.throws(() => store.importEntries([batch[1], batch[0]]), (e: DirectoryError) => e.resultCode === 32);
  assert.equal(store.size, size);

  store.importEntries([batch[0], batch[1], batch[3]]);
  assert.equal(store.size, size + 3);
  assert.deepEqual(cns(store, `OU=Sales,${DOMAIN}`, 'one', present('objectClass')), ['S1', 'S3']);
});

test('LDAP_MATCHING_RULE_IN_CHAIN follows an attribute transitively', () => {
  const store = forest();
  const g = (name: string) => `CN=${name},${USERS}`;
  store.importEntries([
    { dn: g('Outer'), attributes: { objectClass: 'group' } },
    { dn: g('Inner'), attributes: { objectClass: 'group', memberOf: g('Outer') } },
  ]);
  store.modify(`CN=Ann Smith,${USERS}`, [{ operation: 'add', attribute: 'memberOf', values: [g('Inner')] }]);
  const chain = (value: string): FilterNode => ({ type: 'extensible', attribute: 'memberOf', value, rule: '1.2.840.113556.1.4.1941' });
  assert.deepEqual(cns(store, USERS, 'sub', and(eq('objectClass', 'user'), chain(g('outer').toLowerCase()))), ['Ann Smith']);
  assert.deepEqual(cns(store, USERS, 'sub', and(eq('objectClass', 'user'), eq('memberOf', g('Outer')))), []);
  assert.throws(() => store.search({ base: USERS, scope: 'sub', filter: { type: 'extensible', attribute: 'cn', value: 'x', rule: '9.9.9' } }), (e: DirectoryError) => e.resultCode === 18);
});

test('the RootDSE and naming contexts', () => {
  const store = forest();
  const [root] = store.search({ base: '', scope: 'base', filter: present('objectClass') }).entries;
  assert.equal(root.dn, '');
  const attrs = Object.fromEntries(root.attributes.map((a) => [a.type, a.values]));
  assert.deepEqual(attrs.namingContexts, [DOMAIN, CONFIG, `CN=Schema,${CONFIG}`]);
  assert.deepEqual(attrs.defaultNamingContext, [DOMAIN]);
  assert.deepEqual(attrs.rootDomainNamingContext, [DOMAIN]);
  assert.deepEqual(attrs.schemaNamingContext, [`CN=Schema,${CONFIG}`]);
  assert.deepEqual(attrs.supportedCapabilities, ['1.2.840.113556.1.4.800']);
  assert.deepEqual(attrs.supportedLDAPVersion, ['3']);
  const only = store.search({ base: '', scope: 'base', filter: present('objectClass'), attributes: ['defaultnamingcontext'] }).entries[0];
  assert.deepEqual(only.attributes, [{ type: 'defaultNamingContext', values: [DOMAIN] }]);
  assert.throws(() => store.search({ base: '', scope: 'sub', filter: present('objectClass') }), (e: DirectoryError) => e.resultCode === 32);

  store.reset();
  assert.equal(store.size, 0);
  assert.equal(store.entriesScanned, 0);
  const [empty] = store.search({ base: '', scope: 'base', filter: present('objectClass') }).entries;
  assert.deepEqual(empty.attributes.map((a) => a.type), ['supportedLDAPVersion', 'supportedCapabilities']);
  assert.throws(() => store.add({ dn: DOMAIN, attributes: { objectClass: 'domain' } }), (e: DirectoryError) => e.resultCode === 32);
});
