import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LdifError,
  adEntriesFromLdif,
  guidFromBytes,
  guidToBytes,
  parseLdif,
  sidFromBytes,
  sidToBytes,
  toLdifde,
  type LdifModRdnRecord,
  type LdifModifyRecord,
} from '../src/directory/ldif';
import type { DirectoryWriteEntry } from '../src/directory/client';
import { assertInputError } from './assert-input-error';

// Vectors computed outside this code (Python: struct.pack for the SID, uuid.UUID(...).bytes_le for the GUID).
const SID = 'S-1-5-21-1004336348-1177238915-682003330-512';
const SID_HEX = '010500000000000515000000dcf4dc3b833d2b46828ba62800020000';
const SID_B64 = 'AQUAAAAAAAUVAAAA3PTcO4M9K0aCi6YoAAIAAA==';
const GUID = 'd4c2b7a4-1f3e-4b2a-9c8d-0e1f2a3b4c5d';
const GUID_HEX = 'a4b7c2d43e1f2a4b9c8d0e1f2a3b4c5d';
const GUID_B64 = 'pLfC1D4fKkucjQ4fKjtMXQ==';

const DOMAIN = 'DC=contoso,DC=com';

/** Lines joined with CRLF, as Windows ldifde writes them. */
const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';
const lineOf = (lines: string[], exact: string) => {
  const i = lines.indexOf(exact);
  assert.ok(i >= 0, `test bug: no line ${exact}`);
  return i + 1;
};

function assertLdifError(fn: () => unknown, line: number, ...patterns: RegExp[]): LdifError {
  const e = assertInputError(fn, ...patterns);
  assert.ok(e instanceof LdifError, `expected an LdifError, got ${e.name}`);
  assert.equal(e.line, line, e.message);
  assert.match(e.message, new RegExp(`^contoso\\.ldf, line ${line}: `));
  assert.doesNotMatch(e.message, /\n\s+at /, 'no stack trace in the message');
  return e;
}

const parse = (lines: string[]) => parseLdif(crlf(lines), 'contoso.ldf');
const load = (lines: string[], namingContexts?: string[]) => adEntriesFromLdif(parse(lines), { source: 'contoso.ldf', namingContexts });

test('SIDs: the binary packet form of S-1-5-21-1004336348-1177238915-682003330-512, both ways', () => {
  assert.equal(sidToBytes(SID).toString('hex'), SID_HEX);
  assert.equal(sidFromBytes(Buffer.from(SID_HEX, 'hex')), SID);
  assert.equal(sidFromBytes(sidToBytes('S-1-5-32-544')), 'S-1-5-32-544');
  assert.equal(sidFromBytes(sidToBytes('S-1-5')), 'S-1-5'); // no sub-authorities (NT AUTHORITY)
  // An identifier authority of 2^32 or more is written in hexadecimal, as ConvertSidToStringSid does.
  assert.equal(sidFromBytes(sidToBytes('S-1-0x010000000000-7')), 'S-1-0x010000000000-7');
  assertInputError(() => sidFromBytes(Buffer.from('020100000000000500000000', 'hex')), /revision 2/);
  assertInputError(() => sidFromBytes(Buffer.from(SID_HEX.slice(0, -2), 'hex')), /27 bytes, where 5 sub-authorities make 28/);
  assertInputError(() => sidToBytes('S-1-5-21-4294967296'), /32 bits/);
  assertInputError(() => sidToBytes('S-2-5-21'), /not a SID/);
});

test("GUIDs: objectGUID's bytes in AD's order (Data1-3 little-endian, Data4 as is), both ways", () => {
  assert.equal(guidToBytes(GUID).toString('hex'), GUID_HEX);
  assert.equal(guidFromBytes(Buffer.from(GUID_HEX, 'hex')), GUID);
  assert.equal(guidToBytes(`{${GUID.toUpperCase()}}`).toString('hex'), GUID_HEX);
  assertInputError(() => guidFromBytes(Buffer.alloc(15)), /15 bytes are not a GUID/);
  assertInputError(() => guidToBytes('d4c2b7a4-1f3e-4b2a-9c8d'), /not a GUID/);
});

/** Entries in the engine's shapes: schema spellings, objectClass as a list, one value as a string. */
const FIXTURE: DirectoryWriteEntry[] = [
  { dn: DOMAIN, attributes: { objectClass: ['top', 'domain', 'domainDNS'], dc: 'contoso', objectSid: 'S-1-5-21-1004336348-1177238915-682003330' } },
  { dn: `CN=Configuration,${DOMAIN}`, attributes: { objectClass: ['top', 'configuration'], cn: 'Configuration' } },
  { dn: `CN=Users,${DOMAIN}`, attributes: { objectClass: ['top', 'container'], cn: 'Users', description: 'Default container for upgraded user accounts' } },
  {
    dn: `OU=Zürich\\, Nord,${DOMAIN}`,
    attributes: { objectClass: ['top', 'organizationalUnit'], ou: 'Zürich, Nord', description: ' leading space, trailing space ' },
  },
  {
    dn: `CN=Alice Smith,OU=Zürich\\, Nord,${DOMAIN}`,
    attributes: {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      cn: 'Alice Smith',
      sn: 'Smith',
      sAMAccountName: 'alice',
      objectSid: SID,
      objectGUID: GUID,
      msExchMasterAccountSid: 'S-1-5-21-3623811015-3361044348-30300820-1013',
      proxyAddresses: ['SMTP:alice@contoso.com', 'smtp:alice.smith@contoso.com', 'X500:/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=alice'],
      description: 'A description long enough to be folded by the writer, because ldifde folds lines at eighty columns.',
      nTSecurityDescriptor: 'O:DAD:(OA;;CR;8db0795c-df3a-4aca-a97d-100162998dfa;;S-1-5-21-1004336348-1177238915-682003330-1105)',
      userAccountControl: '512',
    },
  },
  {
    dn: `CN=Sales,CN=Users,${DOMAIN}`,
    attributes: { objectClass: ['top', 'group'], cn: 'Sales', member: [`CN=Alice Smith,OU=Zürich\\, Nord,${DOMAIN}`, `CN=Users,${DOMAIN}`] },
  },
  {
    dn: `CN=fabrikam.com,CN=Users,${DOMAIN}`,
    attributes: { objectClass: ['top', 'leaf', 'trustedDomain'], cn: 'fabrikam.com', securityIdentifier: 'S-1-5-21-1-2-3', trustDirection: '3' },
  },
  {
    dn: `CN=Microsoft Federation Gateway,CN=Users,${DOMAIN}`,
    attributes: { objectClass: ['top', 'msExchFedTrust'], cn: 'Microsoft Federation Gateway', msExchFedOrgCertificate: Buffer.from('a DER certificate, as it were').toString('base64') },
  },
];

test('round trip: toLdifde, then parseLdif and adEntriesFromLdif, gives the same entries', () => {
  const text = toLdifde(FIXTURE);
  const result = adEntriesFromLdif(parseLdif(text, 'fixture.ldf'), { namingContexts: [DOMAIN] });
  assert.deepEqual(result.entries, FIXTURE);
  assert.deepEqual(result.skipped, { entries: [], attributes: {}, objectClasses: {}, notAllowed: {}, passwords: [] });
  assert.deepEqual(result.namingContexts, { defaultNamingContext: DOMAIN, configurationNamingContext: `CN=Configuration,${DOMAIN}` });
  // The same from a Buffer, with LF endings.
  const lf = toLdifde(FIXTURE, { lineEnding: '\n' });
  assert.ok(!lf.includes('\r'));
  assert.deepEqual(adEntriesFromLdif(parseLdif(Buffer.from(lf, 'utf8'))).entries, FIXTURE);
});

test('toLdifde writes as ldifde does: CRLF, changetype: add, binary SIDs and GUIDs, base64 where unsafe, 80 columns', () => {
  const text = toLdifde(FIXTURE);
  assert.ok(text.endsWith('\r\n\r\n'));
  assert.ok(!/[^\r]\n/.test(text), 'every line ends with CRLF');
  const lines = text.split('\r\n');
  assert.ok(lines.every((l) => l.length <= 80), 'folded at 80 columns');
  assert.ok(lines.every((l) => /^[\x20-\x7e]*$/.test(l)), 'ASCII only: non-ASCII values are base64');
  assert.deepEqual(lines.slice(0, 3), ['dn: DC=contoso,DC=com', 'changetype: add', 'objectClass: top']);
  assert.ok(lines.includes(`objectSid:: ${SID_B64}`));
  assert.ok(lines.includes(`objectGUID:: ${GUID_B64}`));
  assert.ok(lines.includes(`dn:: ${Buffer.from(FIXTURE[3].dn).toString('base64')}`));
  assert.ok(lines.includes(`description:: ${Buffer.from(' leading space, trailing space ').toString('base64')}`));
  assert.ok(lines.includes(`msExchFedOrgCertificate:: ${FIXTURE[7].attributes.msExchFedOrgCertificate as string}`), 'a certificate as AD holds it: binary DER');
  const folded = lines.findIndex((l) => l.startsWith('description: A description long'));
  assert.equal(lines[folded].length, 80);
  assert.match(lines[folded + 1], /^ [^ ]/);
  // Records in the given order, each followed by a blank line.
  assert.equal(lines.filter((l) => l.startsWith('dn')).length, FIXTURE.length);
  const narrow = toLdifde(FIXTURE, { lineEnding: '\n', foldAt: 20 });
  assert.deepEqual(narrow.split('\n').slice(0, 2), ['dn: DC=contoso,DC=co', ' m']);
  assert.ok(narrow.split('\n').every((l) => l.length <= 20));
  assert.deepEqual(adEntriesFromLdif(parseLdif(narrow)).entries, FIXTURE);
});

test('toLdifde leaves passwords out and names the entry of a SID it cannot write', () => {
  const text = toLdifde([{ dn: `CN=Bob,${DOMAIN}`, attributes: { objectClass: ['top', 'person'], userPassword: 'Secret-123', unicodePwd: 'Secret-456', cn: 'Bob' } }], { lineEnding: '\n' });
  assert.equal(text, `dn: CN=Bob,${DOMAIN}\nchangetype: add\nobjectClass: top\nobjectClass: person\ncn: Bob\n\n`);
  assertInputError(() => toLdifde([{ dn: `CN=Bob,${DOMAIN}`, attributes: { objectSid: 'S-1-5-banana' } }]), /"CN=Bob,DC=contoso,DC=com": objectSid: "S-1-5-banana" is not a SID/);
  assertInputError(() => toLdifde([{ dn: `CN=Bob,${DOMAIN}`, attributes: { objectGUID: 'nope' } }]), /objectGUID: "nope" is not a GUID/);
});

/** An export as ldifde -f writes it (CRLF, folded lines, base64), followed by the changes of an import file. */
const EXPORT = [
  'version: 1',
  '# Exported from DC01.contoso.com; this comment is folded',
  '  onto a second line',
  '',
  `dn: ${DOMAIN}`,
  'changetype: add',
  'objectClass: top',
  'objectClass: domain',
  'objectClass: domainDNS',
  `distinguishedName: ${DOMAIN}`,
  'instanceType: 5',
  'whenChanged: 20240101120000.0Z',
  'uSNCreated: 4099',
  'dc: contoso',
  'objectSid:: AQQAAAAAAAUVAAAA3PTcO4M9K0aCi6Yo',
  'wellKnownObjects: B:32:A9D1CA15768811D1ADED00C04FD8D5CD:CN=Users,DC=contoso,D',
  ' C=com',
  '',
  `dn: CN=Builtin,${DOMAIN}`,
  'changetype: add',
  'objectClass: top',
  'objectClass: builtinDomain',
  '',
  `dn: CN=Administrators,CN=Builtin,${DOMAIN}`,
  'changetype: add',
  'objectClass: top',
  'objectClass: group',
  'cn: Administrators',
  '',
  `dn: CN=Users,${DOMAIN}`,
  'changetype: add',
  'objectClass: top',
  'objectClass: container',
  'cn: Users',
  'description: Default container for upgraded user acco',
  ' unts',
  '',
  // CN=Smith\, John,CN=Users,DC=contoso,DC=com, base64 as ldifde writes a DN with a non-ASCII or unsafe character.
  `dn:: ${Buffer.from(`CN=Smith\\, John,CN=Users,${DOMAIN}`).toString('base64')}`,
  'changetype: add',
  'objectClass: top',
  'objectClass: person',
  'objectClass: organizationalPerson',
  'objectClass: user',
  'objectClass: mailRecipient',
  'cn: Smith, John',
  'sn: Smith',
  'sAMAccountName: jsmith',
  `objectSid:: ${SID_B64}`,
  `objectGUID:: ${GUID_B64}`,
  'badPwdCount: 0',
  'sAMAccountType: 805306368',
  `objectCategory: CN=Person,CN=Schema,CN=Configuration,${DOMAIN}`,
  'dSCorePropagationData: 16010101000000.0Z',
  `displayName:: ${Buffer.from('Smith, John (Zürich)').toString('base64')}`,
  'telephoneNumber: +41 44 000 00 00',
  '',
  `dn: CN=Bob,CN=Users,${DOMAIN}`,
  'changetype: add',
  'objectClass: top',
  'objectClass: person',
  'objectClass: organizationalPerson',
  'objectClass: user',
  'cn: Bob',
  'sAMAccountName: bob',
  'sAMAccountType: 805306368',
  '',
  `dn: CN=Sales,CN=Users,${DOMAIN}`,
  'changetype: add',
  'objectClass: top',
  'objectClass: group',
  'cn: Sales',
  `member: CN=Bob,CN=Users,${DOMAIN}`,
  '',
  `dn: OU=Staff,${DOMAIN}`,
  'changetype: add',
  'objectClass: top',
  'objectClass: organizationalUnit',
  'ou: Staff',
  '',
  // The changes an import file carries after the export.
  `dn: CN=Sales,CN=Users,${DOMAIN}`,
  'changetype: modify',
  'add: member',
  `member: CN=Smith\\, John,CN=Users,${DOMAIN}`,
  '-',
  'replace: description',
  'description: Sales team',
  '-',
  '',
  `dn: CN=Smith\\, John,CN=Users,${DOMAIN}`,
  'changetype: modify',
  'delete: telephoneNumber',
  '-',
  '',
  `dn: CN=Bob,CN=Users,${DOMAIN}`,
  'changetype: modrdn',
  'newrdn: CN=Robert',
  'deleteoldrdn: 1',
  '',
  `dn: CN=Users,${DOMAIN}`,
  'changetype: moddn',
  'newrdn: CN=People',
  'deleteoldrdn: 1',
  `newsuperior: OU=Staff,${DOMAIN}`,
  '',
  `dn: CN=Administrators,CN=Builtin,${DOMAIN}`,
  'changetype: delete',
  '',
];

test('a hand-written ldifde export: folding, CRLF, base64 DN with an escaped comma, binary SID and GUID, modify, delete, modrdn', () => {
  const records = parse(EXPORT);
  assert.deepEqual(
    records.map((r) => r.changetype),
    ['add', 'add', 'add', 'add', 'add', 'add', 'add', 'add', 'modify', 'modify', 'modrdn', 'modrdn', 'delete'],
  );
  assert.equal(records[0].line, lineOf(EXPORT, `dn: ${DOMAIN}`));
  assert.equal(records[4].dn, `CN=Smith\\, John,CN=Users,${DOMAIN}`);
  const modify = records[8] as LdifModifyRecord;
  assert.deepEqual(
    modify.changes.map((c) => [c.operation, c.attribute, c.values.length, c.line]),
    [
      ['add', 'member', 1, modify.line + 2],
      ['replace', 'description', 1, modify.line + 5],
    ],
  );
  assert.equal(modify.changes[0].values[0].line, modify.line + 3);
  const moddn = records[11] as LdifModRdnRecord;
  assert.deepEqual([moddn.newRdn, moddn.deleteOldRdn, moddn.newSuperior], ['CN=People', true, `OU=Staff,${DOMAIN}`]);

  const result = adEntriesFromLdif(records, { source: 'contoso.ldf', namingContexts: [DOMAIN] });
  const byDn = new Map(result.entries.map((e) => [e.dn, e.attributes]));
  // Parents first: the moved subtree goes after its new parent.
  assert.deepEqual(
    result.entries.map((e) => e.dn),
    [DOMAIN, `OU=Staff,${DOMAIN}`, `CN=People,OU=Staff,${DOMAIN}`, `CN=Smith\\, John,CN=People,OU=Staff,${DOMAIN}`, `CN=Sales,CN=People,OU=Staff,${DOMAIN}`, `CN=Robert,CN=People,OU=Staff,${DOMAIN}`],
  );
  const john = byDn.get(`CN=Smith\\, John,CN=People,OU=Staff,${DOMAIN}`)!;
  assert.equal(john.objectSid, SID);
  assert.equal(john.objectGUID, GUID);
  assert.equal(john.displayName, 'Smith, John (Zürich)');
  assert.deepEqual(john.objectClass, ['top', 'person', 'organizationalPerson', 'user']);
  assert.equal(john.telephoneNumber, undefined, 'deleted by the modify');
  assert.equal(byDn.get(DOMAIN)!.objectSid, 'S-1-5-21-1004336348-1177238915-682003330');
  assert.equal(byDn.get(DOMAIN)!.whenChanged, '20240101120000.0Z', 'known to the schema, so kept');
  assert.equal(byDn.get(`CN=People,OU=Staff,${DOMAIN}`)!.cn, 'People', 'the RDN attribute follows a rename');
  assert.equal(byDn.get(`CN=People,OU=Staff,${DOMAIN}`)!.description, 'Default container for upgraded user accounts', 'unfolded');
  assert.equal(byDn.get(`CN=Robert,CN=People,OU=Staff,${DOMAIN}`)!.cn, 'Robert');
  const sales = byDn.get(`CN=Sales,CN=People,OU=Staff,${DOMAIN}`)!;
  assert.equal(sales.description, 'Sales team');
  // DN values follow the renames, as AD's links do.
  assert.deepEqual(sales.member, [`CN=Robert,CN=People,OU=Staff,${DOMAIN}`, `CN=Smith\\, John,CN=People,OU=Staff,${DOMAIN}`]);

  assert.deepEqual(result.skipped.entries, [
    { dn: `CN=Builtin,${DOMAIN}`, line: lineOf(EXPORT, `dn: CN=Builtin,${DOMAIN}`), objectClasses: ['top', 'builtinDomain'], reason: result.skipped.entries[0].reason, subtreeEntries: 0 },
  ]);
  assert.match(result.skipped.entries[0].reason, /structural/);
  assert.deepEqual(result.skipped.attributes, { distinguishedName: 1, wellKnownObjects: 1, badPwdCount: 1, sAMAccountType: 2, dSCorePropagationData: 1 });
  assert.deepEqual(result.skipped.objectClasses, { mailRecipient: 1 });
  assert.deepEqual(result.namingContexts, { defaultNamingContext: DOMAIN });
});

test('a skipped entry takes its subtree with it, and the report counts it', () => {
  const lines = EXPORT.slice(0, EXPORT.indexOf(`dn: CN=Users,${DOMAIN}`));
  const result = load(lines);
  assert.equal(result.skipped.entries.length, 1);
  assert.equal(result.skipped.entries[0].subtreeEntries, 1, 'CN=Administrators under CN=Builtin');
  assert.deepEqual(result.entries.map((e) => e.dn), [DOMAIN]);
});

test('UTF-16LE with a byte-order mark (ldifde -u) and UTF-8 with one read as the same records', () => {
  const text = crlf(EXPORT);
  const expected = parseLdif(text, 'contoso.ldf');
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  assert.deepEqual(parseLdif(utf16, 'contoso.ldf'), expected);
  const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  assert.deepEqual(parseLdif(utf8, 'contoso.ldf'), expected);
  // Unicode written directly (not base64), as ldifde -u may write it.
  const [record] = parseLdif(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('dn: OU=Zürich,DC=contoso,DC=com\r\nou: Zürich\r\n', 'utf16le')]));
  assert.deepEqual(record, { changetype: 'add', dn: 'OU=Zürich,DC=contoso,DC=com', line: 1, values: [{ attribute: 'ou', value: 'Zürich', line: 2 }] });
});

test("DNs with AD's escapes are accepted: \\, \\+ \\\" \\\\ \\0A \\# and hex pairs", () => {
  const dns = ['CN=Smith\\, John', 'CN=A\\+B', 'CN=\\"Quoted\\"', 'CN=Back\\\\slash', 'CN=Line\\0AFeed', 'CN=\\#hash', 'CN=\\C3\\BCber'].map((rdn) => `${rdn},${DOMAIN}`);
  const lines = [`dn: ${DOMAIN}`, 'objectClass: domainDNS', ''];
  for (const dn of dns) lines.push(`dn: ${dn}`, 'changetype: add', 'objectClass: container', '');
  const result = load(lines);
  assert.deepEqual(result.entries.map((e) => e.dn), [DOMAIN, ...dns]);
});

test('an attribute option is dropped (;binary); ldifde\'s content records need no changetype', () => {
  const [record] = parse([`dn: CN=x,${DOMAIN}`, `objectSid;binary:: ${SID_B64}`]);
  assert.equal(record.changetype, 'add');
  assert.deepEqual(record.changetype === 'add' && record.values.map((v) => v.attribute), ['objectSid']);
});

test('SIDs and GUIDs given as text (as our own tools may write them) are accepted; other text is refused', () => {
  const result = load([`dn: ${DOMAIN}`, 'objectClass: domainDNS', `objectSid: s-1-5-21-1-2-3`, `objectGUID: {${GUID.toUpperCase()}}`]);
  assert.equal(result.entries[0].attributes.objectSid, 'S-1-5-21-1-2-3');
  assert.equal(result.entries[0].attributes.objectGUID, GUID);
  assertLdifError(() => load([`dn: ${DOMAIN}`, 'objectClass: domainDNS', 'objectSid: Administrator']), 3, /objectSid "Administrator" is neither a binary SID .* nor a SID in text/);
  assertLdifError(() => load([`dn: ${DOMAIN}`, 'objectClass: domainDNS', 'objectGUID:: AAAA']), 3, /objectGUID 3 bytes is neither a binary GUID/);
  assertLdifError(() => load([`dn: ${DOMAIN}`, 'objectClass: domainDNS', 'objectSid:: AQUAAAAAAAUVAAAA']), 3, /objectSid: not a SID: 12 bytes, where 5 sub-authorities make 28/);
});

test('passwords are dropped, reported without their values, and never echoed in a message', () => {
  const lines = [
    `dn: ${DOMAIN}`,
    'objectClass: domainDNS',
    '',
    `dn: CN=Bob,${DOMAIN}`,
    'changetype: add',
    'objectClass: user',
    'cn: Bob',
    'userPassword: Secret-123',
    `unicodePwd:: ${Buffer.from('"Secret-456"', 'utf16le').toString('base64')}`,
    '',
    `dn: CN=Bob,${DOMAIN}`,
    'changetype: modify',
    'replace: unicodePwd',
    `unicodePwd:: ${Buffer.from('"Secret-789"', 'utf16le').toString('base64')}`,
    '-',
    '',
  ];
  const result = load(lines);
  assert.deepEqual(result.entries[1].attributes, { objectClass: ['user'], cn: 'Bob' });
  assert.deepEqual(result.skipped.passwords, [
    { dn: `CN=Bob,${DOMAIN}`, line: 8, attribute: 'userPassword' },
    { dn: `CN=Bob,${DOMAIN}`, line: 9, attribute: 'unicodePwd' },
    { dn: `CN=Bob,${DOMAIN}`, line: 13, attribute: 'unicodePwd' },
  ]);
  assert.doesNotMatch(JSON.stringify(result), /Secret|U2VjcmV0|IgBTAGUA/);
  for (const bad of ['userPassword Secret-123', 'userPassword:: Secret-123*', 'unicodePwd;range=0-1:: Secret-123', 'unicodePwd:< file:///Secret-123']) {
    const e = assertLdifError(() => parse([`dn: CN=Bob,${DOMAIN}`, 'objectClass: user', bad]), 3);
    assert.doesNotMatch(e.message, /Secret/, e.message);
    assert.doesNotMatch(JSON.stringify(e.problem), /Secret/);
  }
  const e = assertLdifError(() => parse([`dn: CN=Bob,${DOMAIN}`, 'changetype: modify', 'add: member', 'userPassword: Secret-123', '-']), 4, /inside the "add: member" block/);
  assert.doesNotMatch(e.message, /Secret/);
});

test('malformed files fail with the line at fault and what is accepted', () => {
  const dn = `dn: CN=Alice,${DOMAIN}`;
  assertLdifError(() => parse(['version: 1', dn, 'objectClass top']), 3, /"objectClass top" has no colon; expected "attribute: value"/);
  assertLdifError(() => parse([dn, 'objectClass: user', 'objectSid:: AQU*AAAA']), 3, /the value of objectSid after "::" is not base64/);
  assertLdifError(() => parse([dn, 'objectClass: user', 'objectSid:: AQUAAA']), 3, /not base64/);
  assertLdifError(() => parse([dn, 'objectClass: user', '', ' continued']), 4, /a continuation line .* begins a record/);
  assertLdifError(() => parse(['# a comment', `dn: CN=Alice,OUSales,${DOMAIN}`, 'objectClass: user']), 2, /dn: "CN=Alice,OUSales,DC=contoso,DC=com" is not a distinguished name: "OUSales" has no "="/);
  assertLdifError(() => parse([`dn:: ${Buffer.from('CN=Alice\\').toString('base64')}`, 'objectClass: user']), 1, /lone backslash/);
  assertLdifError(() => parse(['dn:', 'objectClass: user']), 1, /dn is empty/);
  assertLdifError(() => parse([dn, 'changetype: modify', 'add: member', `member: CN=Bob,${DOMAIN}`]), 3, /the "add: member" block is not ended by a line "-"/);
  assertLdifError(() => parse([dn, 'changetype: modify', 'add: member', `member: CN=Bob,${DOMAIN}`, 'replace: description', 'description: x', '-']), 5, /"replace: description" inside the "add: member" block of line 3/);
  assertLdifError(() => parse([dn, 'changetype: modify', '-']), 3, /"-" without an "add:", "replace:" or "delete:"/);
  assertLdifError(() => parse([dn, 'changetype: modify', 'increment: uSNChanged', '-']), 3, /expects "add: <attribute>"/);
  assertLdifError(() => parse([dn, 'changetype: modify', 'add: member', '-']), 3, /adds no values/);
  assertLdifError(() => parse([dn, 'changetype: update']), 2, /changetype "update" is not one of add, modify, delete, modrdn, moddn/);
  assertLdifError(() => parse([dn, 'changetype: modrdn', 'newrdn: CN=Alicia', 'deleteoldrdn: yes']), 4, /deleteoldrdn is "yes"; expected 0 .* or 1/);
  assertLdifError(() => parse([dn, 'changetype: modrdn', 'newrdn: CN=Alicia']), 1, /no deleteoldrdn line/);
  assertLdifError(() => parse([dn, 'changetype: modrdn', 'newrdn: CN=A,CN=B', 'deleteoldrdn: 1']), 3, /not one RDN/);
  assertLdifError(() => parse([dn, 'changetype: delete', 'objectClass: user']), 3, /a delete record holds nothing else/);
  assertLdifError(() => parse([dn, 'objectClass: user', '', dn, 'objectClass: user']), 4, /"CN=Alice,DC=contoso,DC=com" is added a second time \(first on line 1\)/);
  assertLdifError(() => parse([dn, 'objectClass: user', 'jpegPhoto:< file:///c:/alice.jpg']), 3, /URL values are not read/);
  assertLdifError(() => parse([dn, 'objectClass: group', 'member;range=0-1499: CN=Bob']), 3, /member;range=0-1499 holds only part of member's values .* the export is incomplete/);
  assertLdifError(() => parse(['version: 2', dn, 'objectClass: user']), 1, /version 2 is not LDIF version 1/);
  assertLdifError(() => parse([dn, 'objectClass: user', '', 'objectClass: user']), 4, /a record begins with "dn:", not "objectClass: user"/);
  assertLdifError(() => parse([dn, 'objectClass: user', 'changetype: add']), 3, /comes right after the "dn:" line/);
  assertLdifError(() => parse([dn]), 1, /has no attributes/);
  assertLdifError(() => parse([dn, 'control: 1.2.840.113556.1.4.805 true', 'changetype: delete']), 2, /control lines are not applied/);
  assertLdifError(() => parse([dn, 'object Class: user']), 2, /is not an attribute name/);
  assertLdifError(() => parseLdif(Buffer.from([...Buffer.from(`${dn}\nobjectClass: user\ncn: `), 0xfc, 0x0a]), 'contoso.ldf'), 3, /not UTF-8 text/);
});

test('changes that cannot apply to what the file holds fail at their line', () => {
  const head = [`dn: ${DOMAIN}`, 'objectClass: domainDNS', ''];
  const alice = [`dn: CN=Alice,${DOMAIN}`, 'objectClass: user', 'displayName: Alice', ''];
  assertLdifError(() => load([...head, `dn: CN=Bob,${DOMAIN}`, 'changetype: modify', 'replace: description', 'description: x', '-']), 4, /a modify of "CN=Bob,DC=contoso,DC=com", which the file does not add before/);
  assertLdifError(() => load([...head, `dn: CN=Alice,${DOMAIN}`, 'objectClass: user', 'displayName: Alice', 'displayName: Alice Smith']), 7, /displayName is single-valued; a second value here \(the first is on line 6\)/);
  assertLdifError(() => load([...head, ...alice, `dn: CN=Alice,${DOMAIN}`, 'changetype: modify', 'add: displayName', 'displayName: A.', '-']), 11, /displayName is single-valued/);
  assertLdifError(() => load([...head, `dn: CN=Alice,${DOMAIN}`, 'objectClass: user', 'proxyAddresses: smtp:a@contoso.com', 'proxyAddresses: SMTP:a@contoso.com']), 7, /the value of line 6 a second time/);
  assertLdifError(() => load([`dn: CN=Alice,DC=fabrikam,DC=com`, 'objectClass: user'], [DOMAIN]), 1, /is not under the naming contexts dc=contoso,dc=com/);
  assertLdifError(() => load([...head, `dn: CN=Alice,OU=Missing,${DOMAIN}`, 'objectClass: user']), 4, /the parent of "CN=Alice,OU=Missing,DC=contoso,DC=com" \(OU=Missing,DC=contoso,DC=com\) is neither earlier in the file nor a naming context/);
  assertLdifError(() => load([`dn: OU=Sales,${DOMAIN}`, 'objectClass: organizationalUnit']), 1, /is neither earlier in the file nor a naming context/);
  assert.equal(load([`dn: OU=Sales,${DOMAIN}`, 'objectClass: organizationalUnit'], [DOMAIN]).entries.length, 1, 'a naming context may be the parent');
  assertLdifError(() => load([...head, ...alice, `dn: ${DOMAIN}`, 'changetype: delete']), 8, /still has entries below it/);
  assertLdifError(() => load([...head, ...alice, `dn: CN=Alice,${DOMAIN}`, 'changetype: modify', 'delete: description', '-']), 10, /has no description to delete/);
  assertLdifError(() => load([...head, `dn: CN=Alice,${DOMAIN}`, 'cn: Alice']), 4, /has no objectClass/);
  assertLdifError(() => load([...head, `dn: CN=Alice,${DOMAIN}`, 'objectClass: user', 'manager: Bob']), 6, /manager: "Bob" is not a distinguished name/);
  assertLdifError(() => load([...head, `dn: CN=Alice,${DOMAIN}`, 'objectClass: user', 'description:']), 6, /description has an empty value/);
  assertLdifError(() => load([...head, `dn: CN=Alice,${DOMAIN}`, 'objectClass: user', `description:: ${Buffer.from([0xff, 0xfe, 0x00]).toString('base64')}`]), 6, /binary, not UTF-8 text/);
  assertLdifError(() => load([...head, ...alice, `dn: CN=Alice,${DOMAIN}`, 'changetype: modrdn', 'newrdn: CN=Alice', 'deleteoldrdn: 0', `newsuperior: CN=Alice,${DOMAIN}`]), 8, /cannot move below itself/);
});

test('a binary security descriptor is dropped and counted (the engine keeps SDDL text)', () => {
  const result = load([`dn: ${DOMAIN}`, 'objectClass: domainDNS', `nTSecurityDescriptor:: ${Buffer.from([1, 0, 4, 0x8c, 0x14, 0, 0, 0]).toString('base64')}`]);
  assert.deepEqual(result.entries[0].attributes, { objectClass: ['domainDNS'] });
  assert.deepEqual(result.skipped.attributes, { nTSecurityDescriptor: 1 });
});
