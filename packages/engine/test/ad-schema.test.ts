import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AD_ATTRIBUTE_TYPES, AD_OBJECT_CLASSES, LDAP_SYNTAX, openLdapSchemaLdif } from '../src/directory/ad-schema';
import { ATTR, OBJECT_CLASS, extensionAttribute } from '../src/directory/schema';
import { DN_ATTRIBUTES } from '../src/directory/in-process/store';
import { OPATH_PROPERTIES } from '../src/impersonation/opath';

const attributes = new Map(AD_ATTRIBUTE_TYPES.map((a) => [a.name.toLowerCase(), a]));
const classes = new Map(AD_OBJECT_CLASSES.map((c) => [c.name.toLowerCase(), c]));

/** SCHEMA_SPELLINGS is private to the store: read it from the source. */
function schemaSpellings(): string[] {
  const source = readFileSync(join(__dirname, '../src/directory/in-process/store.ts'), 'utf8');
  const block = /const SCHEMA_SPELLINGS = \[([\s\S]*?)\];/.exec(source);
  assert.ok(block, 'SCHEMA_SPELLINGS not found in store.ts');
  return [...block[1].matchAll(/'([^']+)'/g)].map((m) => m[1]);
}

/** Attribute keys and object classes the writers spell literally rather than through ATTR / OBJECT_CLASS. */
const LITERAL_ATTRIBUTES = ['cn', 'ou', 'name', 'displayName', 'sAMAccountName', 'dNSHostName', 'objectSid', 'objectClass'];
const LITERAL_CLASSES = ['domain', 'organizationalUnit', 'msExchConfigurationContainer', 'msExchAdminGroupContainer', 'server', 'protocolCfgHTTPServer'];

test('every ATTR value, extension attribute, OPATH attribute and literal key has a definition', () => {
  const names = [
    ...Object.values(ATTR),
    ...Array.from({ length: 15 }, (_, i) => extensionAttribute(i + 1)),
    ...OPATH_PROPERTIES.map((p) => p.attribute),
    ...LITERAL_ATTRIBUTES,
  ];
  const missing = names.filter((n) => !attributes.has(n.toLowerCase()));
  assert.deepEqual(missing, []);
});

test('every SCHEMA_SPELLINGS and DN_ATTRIBUTES name has a definition', () => {
  const names = [...schemaSpellings(), ...DN_ATTRIBUTES];
  assert.ok(names.length > 50);
  assert.deepEqual(names.filter((n) => !attributes.has(n.toLowerCase())), []);
});

test('every OBJECT_CLASS value and literal class has a definition', () => {
  const missing = [...Object.values(OBJECT_CLASS), ...LITERAL_CLASSES].filter((n) => !classes.has(n.toLowerCase()));
  assert.deepEqual(missing, []);
});

test('names are defined once', () => {
  assert.equal(attributes.size, AD_ATTRIBUTE_TYPES.length);
  assert.equal(classes.size, AD_OBJECT_CLASSES.length);
});

test('OIDs are well-formed and unique across attributes and classes', () => {
  const oids = [...AD_ATTRIBUTE_TYPES.map((a) => a.oid), ...AD_OBJECT_CLASSES.map((c) => c.oid)];
  for (const oid of oids) assert.match(oid, /^[0-2](\.(0|[1-9][0-9]*))+$/, oid);
  assert.equal(new Set(oids).size, oids.length, 'duplicate OID');
});

test("sources agree with OIDs: Microsoft's arc, the private arc, or OpenLDAP's core", () => {
  for (const d of [...AD_ATTRIBUTE_TYPES, ...AD_OBJECT_CLASSES]) {
    if (d.source === 'microsoft') assert.ok(d.oid.startsWith('1.2.840.113556.1.'), d.name);
    if (d.source === 'invented') assert.ok(d.oid.startsWith('1.3.6.1.4.1.99999.'), d.name);
    if (d.source === 'rfc') assert.equal(d.inOpenLdapCore, true, d.name);
  }
});

test('every DN_ATTRIBUTES name has DN syntax and distinguishedNameMatch', () => {
  for (const name of DN_ATTRIBUTES) {
    const a = attributes.get(name)!;
    assert.equal(a.syntax, LDAP_SYNTAX.dn, name);
    assert.equal(a.equality, 'distinguishedNameMatch', name);
  }
  // msExchHomeServerName holds a legacyExchangeDN, not an RFC 4514 DN.
  assert.equal(attributes.get('msexchhomeservername')!.syntax, LDAP_SYNTAX.directoryString);
});

test('SIDs, GUIDs and security descriptors are text, as the engine writes them', () => {
  for (const name of ['objectSid', 'objectGUID', 'nTSecurityDescriptor', 'securityIdentifier', 'msExchMasterAccountSid']) {
    const a = attributes.get(name.toLowerCase())!;
    assert.equal(a.syntax, LDAP_SYNTAX.directoryString, name);
    assert.equal(a.equality, 'caseIgnoreMatch', name);
    assert.ok(a.note, name);
  }
});

test('Directory String attributes we define compare case-insensitively', () => {
  for (const a of AD_ATTRIBUTE_TYPES) if (!a.inOpenLdapCore && a.syntax === LDAP_SYNTAX.directoryString) assert.equal(a.equality, 'caseIgnoreMatch', a.name);
});

test("every class's MUST and MAY name a defined attribute, and its superior a defined class", () => {
  for (const c of AD_OBJECT_CLASSES) {
    for (const a of [...c.must, ...c.may]) assert.ok(attributes.has(a.toLowerCase()), `${c.name}: ${a}`);
    if (c.name !== 'top') assert.ok(classes.has(c.superior.toLowerCase()), `${c.name}: SUP ${c.superior}`);
  }
});

/** The structural classes of an objectClass list must form one chain (OpenLDAP refuses two unrelated ones). */
function oneStructuralChain(list: string[]): boolean {
  const chain = (name: string): string[] => {
    const out: string[] = [];
    for (let c = classes.get(name.toLowerCase()); c; c = c.superior ? classes.get(c.superior.toLowerCase()) : undefined) out.push(c.name);
    return out;
  };
  const structural = list.filter((n) => classes.get(n.toLowerCase())?.kind === 'STRUCTURAL');
  const most = structural.find((s) => structural.every((t) => chain(s).includes(t)));
  return structural.length === 0 || most !== undefined;
}

test('the objectClass lists the engine writes are one structural chain each', () => {
  const c = OBJECT_CLASS;
  const lists = [
    [c.top, c.person, c.organizationalPerson, c.user],
    [c.top, c.person, c.organizationalPerson, c.user, c.computer],
    [c.top, c.person, c.organizationalPerson, c.contact],
    [c.top, 'domain', c.domainDns],
    [c.top, c.container, 'msExchConfigurationContainer'],
    [c.top, c.container, c.organization],
    [c.top, c.container, c.informationStore],
    [c.top, c.container, c.storageGroup],
    [c.top, 'server', c.exchangeServer],
    [c.top, c.virtualDirectory, c.owaVirtualDirectory],
    [c.top, c.virtualDirectory, c.webServicesVirtualDirectory],
    [c.top, c.virtualDirectory, c.autodiscoverVirtualDirectory],
    [c.top, c.mdb, c.privateMdb],
    [c.top, c.group],
  ];
  for (const l of lists) assert.ok(oneStructuralChain(l), l.join(', '));
  assert.ok(!oneStructuralChain([c.top, c.group, c.container]), 'the check itself');
});

test('the LDIF is one cn=config schema entry of balanced RFC 4512 descriptions', () => {
  const lines = openLdapSchemaLdif().trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 3), ['dn: cn=exchange-scenarios,cn=schema,cn=config', 'objectClass: olcSchemaConfig', 'cn: exchange-scenarios']);
  const body = lines.slice(3);
  assert.equal(body.filter((l) => l.startsWith('olcAttributeTypes: ')).length, AD_ATTRIBUTE_TYPES.filter((a) => !a.inOpenLdapCore).length);
  assert.equal(body.filter((l) => l.startsWith('olcObjectClasses: ')).length, AD_OBJECT_CLASSES.filter((c) => !c.inOpenLdapCore).length);
  const defined = new Set<string>(AD_OBJECT_CLASSES.filter((c) => c.inOpenLdapCore).map((c) => c.name.toLowerCase()));
  for (const line of body) {
    const m = /^(olcAttributeTypes|olcObjectClasses): (\(.*\))$/.exec(line);
    assert.ok(m, line);
    let depth = 0;
    for (const ch of m[2]) {
      if (ch === '(') depth++;
      if (ch === ')') depth--;
      assert.ok(depth >= 0, line);
    }
    assert.equal(depth, 0, line);
    assert.match(m[2], /^\( [0-9.]+ NAME '[A-Za-z][A-Za-z0-9-]*' /);
    if (m[1] === 'olcObjectClasses') {
      const name = /NAME '([^']+)'/.exec(m[2])![1];
      const sup = /SUP (\S+)/.exec(m[2]);
      if (sup) assert.ok(defined.has(sup[1].toLowerCase()), `${name}'s superior ${sup[1]} comes first`);
      defined.add(name.toLowerCase());
    }
  }
  for (const name of ['person', 'organizationalPerson', 'domain', 'top']) assert.ok(!body.some((l) => l.includes(`NAME '${name}'`)), `${name} is not redefined`);
});
