import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchemaRules, SchemaViolation } from '../src/directory/schema-rules';

const rules = SchemaRules.activeDirectory;
const DN = 'CN=Bob,CN=Users,DC=example,DC=com';
const RDN = { type: 'CN', value: 'Bob' };
const user = (extra: Array<{ name: string; values: string[] }> = []) => [
  { name: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] },
  { name: 'cn', values: ['Bob'] },
  ...extra,
];

function refused(attributes: Array<{ name: string; values: string[] }>, code: string, text: string, rdn = RDN): void {
  assert.throws(() => rules.checkEntry(DN, rdn, attributes), (e: unknown) => e instanceof SchemaViolation && e.code === code && e.message.includes(text), `expected ${code} "${text}"`);
}

test('an AD user without sn is accepted (AD\'s person requires cn only)', () => {
  rules.checkEntry(DN, RDN, user([{ name: 'sAMAccountName', values: ['bob'] }, { name: 'userAccountControl', values: ['512'] }]));
});

test('each check answers with slapd\'s result code and text', () => {
  refused(user([{ name: 'foo', values: ['x'] }]), 'undefinedAttributeType', 'foo: attribute type undefined');
  refused(user([{ name: 'sAMAccountName', values: ['bob', 'robert'] }]), 'constraintViolation', "attribute 'sAMAccountName' cannot have multiple values");
  refused(user([{ name: 'userAccountControl', values: ['0512'] }]), 'invalidAttributeSyntax', 'userAccountControl: value #0 invalid per syntax');
  refused(user([{ name: 'msExchOWARedirectToOptimalOWAServer', values: ['yes'] }]), 'invalidAttributeSyntax', 'value #0 invalid per syntax (expected TRUE or FALSE)');
  refused(user([{ name: 'dc', values: ['example'] }]), 'objectClassViolation', "attribute 'dc' not allowed");
  refused([{ name: 'objectClass', values: ['top'] }, { name: 'cn', values: ['Bob'] }], 'objectClassViolation', 'no structural object class provided');
  refused([{ name: 'objectClass', values: ['top', 'user', 'group'] }, { name: 'cn', values: ['Bob'] }], 'objectClassViolation', 'invalid structural object class chain');
  refused([{ name: 'objectClass', values: ['top', 'frobnicator'] }], 'invalidAttributeSyntax', 'objectClass: value #1 invalid per syntax');
  refused([{ name: 'objectClass', values: ['top', 'organizationalUnit'] }, { name: 'description', values: ['x'] }], 'objectClassViolation', "object class 'organizationalUnit' requires attribute 'ou'", { type: 'CN', value: 'Bob' });
  refused(user().map((a) => (a.name === 'cn' ? { name: 'cn', values: ['Robert'] } : a)), 'namingViolation', "value of naming attribute 'CN' is not present in entry");
  refused(user([{ name: 'description', values: [''] }]), 'invalidAttributeSyntax', 'description: value #0 invalid per syntax (expected a non-empty string)');
});

test('allowedAttributes is the union of MUST and MAY along each class\'s superiors', () => {
  const allowed = rules.allowedAttributes(['user']);
  for (const a of ['cn', 'sn', 'samaccountname', 'objectguid', 'title', 'objectclass']) assert.ok(allowed.has(a), a);
  assert.ok(!allowed.has('dc'));
  assert.ok(!rules.allowedAttributes(['organizationalUnit']).has('objectguid'), 'OpenLDAP\'s organizationalUnit does not allow AD\'s top attributes');
});
