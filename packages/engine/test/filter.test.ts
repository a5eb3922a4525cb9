import { test } from 'node:test';
import assert from 'node:assert/strict';
import { and, bitAnd, eq, escapeFilterValue, not, or, present, substrings, unescapeFilterValue } from '../src/directory/filter';
import { domainToDn, escapeRdnValue, normalizeDn, parentDn, parseDn, rdn, sameDn } from '../src/directory/dn';

test('RFC 4515: the five characters are hex-escaped, everything else passes', () => {
  assert.equal(escapeFilterValue('a*b(c)d\\e\0f'), 'a\\2ab\\28c\\29d\\5ce\\00f');
  assert.equal(escapeFilterValue('Zoë O\'Brien'), 'Zoë O\'Brien');
});

test('an injection attempt stays one assertion value', () => {
  const f = and(eq('objectClass', 'user'), eq('userPrincipalName', 'x)(objectClass=*'));
  assert.equal(f.text, '(&(objectClass=user)(userPrincipalName=x\\29\\28objectClass=\\2a))');
});

test('composite filters', () => {
  assert.equal(or(present('mail'), not(bitAnd('msExchCurrentServerRoles', 4))).text,
    '(|(mail=*)(!(msExchCurrentServerRoles:1.2.840.113556.1.4.803:=4)))');
  assert.throws(() => eq('cn)(x', 'y'), /not an LDAP attribute name/);
});

test('RFC 4515 substrings: every part escaped, empty parts dropped', () => {
  assert.equal(substrings('title', { initial: 'Dir' }).text, '(title=Dir*)');
  assert.equal(substrings('title', { final: 'Sales' }).text, '(title=*Sales)');
  assert.equal(substrings('title', { any: ['a', '', 'b'] }).text, '(title=*a*b*)');
  assert.equal(substrings('title', { initial: 'x(', any: ['*'], final: ')\\' }).text, '(title=x\\28*\\2a*\\29\\5c)');
  assert.throws(() => substrings('title', { initial: '', any: [''] }), /use present\(\)/);
  assert.throws(() => substrings('ti(tle', { initial: 'a' }), /not an LDAP attribute name/);
});

test('unescaping reverses escaping, including UTF-8 byte escapes', () => {
  assert.equal(unescapeFilterValue('a\\2a\\28x\\c3\\a9'), 'a*(xé');
  assert.equal(unescapeFilterValue(escapeFilterValue('(*)\\')), '(*)\\');
});

test('RFC 4514: DN values are escaped and parsed back', () => {
  assert.equal(escapeRdnValue('Smith, John'), 'Smith\\, John');
  assert.equal(escapeRdnValue(' #lead'), '\\ #lead');
  assert.equal(rdn('CN', 'owa (Default Web Site)'), 'CN=owa (Default Web Site)');
  const parsed = parseDn('CN=Smith\\, John,OU=A\\+B,DC=contoso,DC=com');
  assert.deepEqual(parsed.map((r) => r.value), ['Smith, John', 'A+B', 'contoso', 'com']);
  assert.equal(parentDn('CN=a,CN=b,DC=c'), 'CN=b,DC=c');
  assert.equal(domainToDn('fourthcoffee.com'), 'DC=fourthcoffee,DC=com');
});

test('DNs compare the way Active Directory compares them', () => {
  assert.ok(sameDn('CN=Dallas,CN=Sites,CN=Configuration,DC=fourthcoffee,DC=com', 'cn=dallas, cn=sites,cn=configuration, dc=FourthCoffee,dc=com'));
  assert.equal(normalizeDn('CN=A\\2C B,DC=x'), 'cn=a\\, b,dc=x');
});

test('characters outside the BMP survive DN parsing and filter unescaping', () => {
  assert.ok(!sameDn('CN=😀,DC=x', 'CN=😁,DC=x'));
  assert.equal(parseDn('CN=a😀b\\😀,DC=x')[0].value, 'a😀b😀');
  assert.equal(unescapeFilterValue('\\2a😀'), '*😀');
});

test('the fast path and the escaped path of parseDn agree', () => {
  const plain = [
    'CN=owa (Default Web Site),CN=HTTP,CN=Protocols,CN=DAL-CAS,CN=Servers,DC=fourthcoffee,DC=com',
    ' cn = Dallas , cn=Sites,CN=Configuration,DC=x',
    'CN=Mailbox Store (DAL-BE),CN=First Storage Group,CN=InformationStore,DC=x',
  ];
  for (const dn of plain) {
    // Appending an escaped comma to a last value sends the same DN down the escaped path.
    const escaped = `${dn}\\,x`;
    const fast = parseDn(dn);
    const slow = parseDn(escaped);
    assert.deepEqual(fast.slice(0, -1), slow.slice(0, -1));
    assert.equal(slow[slow.length - 1].value, `${fast[fast.length - 1].value},x`);
  }
  assert.throws(() => parseDn('CN=a,nonsense'), /has no "="/);
  assert.throws(() => parseDn('C N=a'), /not an attribute type/);
});
