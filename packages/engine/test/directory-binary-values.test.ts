// Active Directory returns objectSid, objectGUID and nTSecurityDescriptor binary; the directories this
// project builds keep them as text. The client reads both into the same text, so a live forest's server
// objects are checked with the same SDDL rules as a scenario's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Entry, sddlFromBytes, sidFromBytes } from '../src/directory/client';
import { checkExtendedRight, parseSddl } from '../src/directory/security';
import { EXTENDED_RIGHTS } from '../src/directory/schema';

/** S-1-5-21-… as MS-DTYP 2.4.2.2 lays it out. */
function sidBytes(sid: string): Buffer {
  const [, , authority, ...subs] = sid.split('-');
  const b = Buffer.alloc(8 + 4 * subs.length);
  b[0] = 1;
  b[1] = subs.length;
  b.writeUIntBE(Number(authority), 2, 6);
  subs.forEach((s, i) => b.writeUInt32LE(Number(s), 8 + 4 * i));
  return b;
}

function guidBytes(guid: string): Buffer {
  const [a, b, c, d, e] = guid.split('-');
  const out = Buffer.alloc(16);
  out.writeUInt32LE(parseInt(a, 16), 0);
  out.writeUInt16LE(parseInt(b, 16), 4);
  out.writeUInt16LE(parseInt(c, 16), 6);
  Buffer.from(d + e, 'hex').copy(out, 8);
  return out;
}

function ace(type: number, flags: number, mask: number, trustee: string, objectType?: string): Buffer {
  const sid = sidBytes(trustee);
  const object = type === 5 || type === 6;
  const body = Buffer.concat([
    (() => { const m = Buffer.alloc(4); m.writeUInt32LE(mask); return m; })(),
    ...(object ? [(() => { const f = Buffer.alloc(4); f.writeUInt32LE(objectType ? 1 : 0); return f; })(), ...(objectType ? [guidBytes(objectType)] : [])] : []),
    sid,
  ]);
  const header = Buffer.alloc(4);
  header[0] = type;
  header[1] = flags;
  header.writeUInt16LE(4 + body.length, 2);
  return Buffer.concat([header, body]);
}

/** A self-relative security descriptor: owner, then a DACL (SE_DACL_PRESENT | SE_SELF_RELATIVE). */
function descriptor(owner: string, aces: Buffer[]): Buffer {
  const ownerBytes = sidBytes(owner);
  const aclBody = Buffer.concat(aces);
  const acl = Buffer.alloc(8);
  acl[0] = 4; // ACL_REVISION_DS
  acl.writeUInt16LE(8 + aclBody.length, 2);
  acl.writeUInt16LE(aces.length, 4);
  const head = Buffer.alloc(20);
  head[0] = 1;
  head.writeUInt16LE(0x8004, 2);
  head.writeUInt32LE(20, 4); // owner
  head.writeUInt32LE(20 + ownerBytes.length, 16); // DACL
  return Buffer.concat([head, ownerBytes, acl, aclBody]);
}

const DOMAIN = 'S-1-5-21-1004336348-1177238915-682003330';

test('a binary SID reads as S-1-5-21-…; a SID kept as text is left as it is', () => {
  assert.equal(sidFromBytes(sidBytes(`${DOMAIN}-1105`)), `${DOMAIN}-1105`);
  assert.equal(sidFromBytes(Buffer.from(`${DOMAIN}-1105`)), undefined);
  const entry = new Entry('CN=EX1,CN=Computers,DC=contoso,DC=com', { objectSid: sidBytes(`${DOMAIN}-1105`), objectGUID: guidBytes('06386f89-befb-4e48-baa1-559fd9221f78') });
  assert.equal(entry.get('objectSid'), `${DOMAIN}-1105`);
  assert.equal(entry.get('objectGUID'), '06386f89-befb-4e48-baa1-559fd9221f78');
  assert.equal(new Entry('CN=x', { objectSid: Buffer.from(`${DOMAIN}-7`) }).get('objectsid'), `${DOMAIN}-7`);
});

test('a binary security descriptor reads as the SDDL the access checks use', () => {
  const exchangeServers = `${DOMAIN}-1113`;
  const domainAdmins = `${DOMAIN}-512`;
  const mailboxServer = `${DOMAIN}-1105`;
  const bytes = descriptor(exchangeServers, [
    ace(5, 0x12, 0x100, exchangeServers, EXTENDED_RIGHTS.tokenSerialization), // inherited, container-inherit
    ace(6, 0, 0x100, domainAdmins, EXTENDED_RIGHTS.impersonation),
    ace(0, 0x2, 0x20094, mailboxServer), // read: RP, LC, LO, RC — no control access
    ace(2, 0, 0x100, domainAdmins), // a system-audit ACE: says nothing about access, left out
  ]);
  const sddl = sddlFromBytes(bytes)!;
  assert.equal(
    sddl,
    `O:${exchangeServers}D:(OA;CIID;CR;${EXTENDED_RIGHTS.tokenSerialization};;${exchangeServers})(OD;;CR;${EXTENDED_RIGHTS.impersonation};;${domainAdmins})(A;CI;RPRCLCLO;;;${mailboxServer})`,
  );
  const sd = parseSddl(new Entry('CN=EX1', { nTSecurityDescriptor: bytes }).get('nTSecurityDescriptor')!);
  assert.equal(checkExtendedRight(sd, EXTENDED_RIGHTS.tokenSerialization, [mailboxServer, exchangeServers]).granted, true);
  assert.equal(checkExtendedRight(sd, EXTENDED_RIGHTS.tokenSerialization, [mailboxServer]).granted, false, 'reading is no control access, however the codes line up');
  assert.equal(checkExtendedRight(sd, EXTENDED_RIGHTS.impersonation, [domainAdmins]).granted, false);
  assert.equal(sddlFromBytes(Buffer.from('O:S-1-5-32-544D:')), undefined, 'SDDL kept as text is not binary');
});
