// LDIF in the dialect of Microsoft's ldifde: reading an administrator's Active Directory export into entries
// the engine's directories (in-process or slapd) can hold, and writing such exports from our own entries
// (fixtures). All-or-nothing: parseLdif and adEntriesFromLdif return everything or throw an LdifError that
// names the file and the line; nothing here touches a directory.
//
// What this relies on:
// - RFC 2849 (LDIF): SAFE-STRING, "attr:: base64", "attr:< URL", folding (a line that starts with one space
//   continues the line above; that one space is removed), "-" ending each block of a modify record, the
//   changetypes add, modify, delete, modrdn/moddn.
// - MS-DTYP 2.4.2.2 (SID--Packet Representation): revision, sub-authority count, a 48-bit big-endian
//   IdentifierAuthority, then little-endian 32-bit sub-authorities; MS-DTYP 2.3.4.2 (GUID--Packet
//   Representation): Data1, Data2 and Data3 little-endian, Data4 as it is. objectSid and objectGUID are
//   exported in these forms.
// - MS-ADTS 3.1.1.3.1.3.3 (range retrieval): "member;range=0-1499" carries only part of the values, cut at
//   the domain controller's MaxValRange (1500 by default).
// - ldifde: exports carry "changetype: add", base64 for binary and non-ASCII values, UTF-16 with a byte-order
//   mark under -u. The fold width of 80 columns is the project's brief; Microsoft's pages we found do not
//   state it (RFC 2849 allows any width, so readers do not depend on it).

import { SchemaRules } from './schema-rules';
import { AD_ATTRIBUTE_TYPES, AD_OBJECT_CLASSES, LDAP_SYNTAX, type AttributeTypeDefinition, type ObjectClassDefinition } from './ad-schema';
import type { DirectoryWriteEntry } from './client';
import { DnSyntaxError, formatDn, normalizeDn, parseDn } from './dn';
import { InputError, type InputProblem } from '../errors';

// ---- errors -----------------------------------------------------------------------------------------------

/** A problem in an LDIF file, placed at its line: `contoso.ldf, line 12: …`. */
export class LdifError extends InputError {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly reason: string,
    problem: InputProblem = {},
  ) {
    super(`${source}, line ${line}: ${reason}`, problem);
    this.name = 'LdifError';
  }
}

/** ldifde never exports passwords; any in a file are neither loaded nor repeated in a message. */
const PASSWORD_ATTRIBUTES = new Set(['userpassword', 'unicodepwd']);

/** A line as a message may quote it: a password attribute's value left out, long lines shortened. */
function shown(text: string): string {
  const name = (/^\s*([^:;\s]*)/.exec(text)?.[1] ?? '').toLowerCase();
  if (PASSWORD_ATTRIBUTES.has(name)) return `${text.trimStart().slice(0, name.length)}: …`;
  return text.length > 72 ? `${text.slice(0, 69)}…` : text;
}

// ---- SIDs and GUIDs ------------------------------------------------------------------------------------------

const MAX_SUB_AUTHORITIES = 15; // SID_MAX_SUB_AUTHORITIES
const SID_TEXT = /^S-1-([0-9]+|0x[0-9A-Fa-f]{12})((?:-[0-9]+)*)$/i;
const GUID_TEXT = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;

/** `S-1-5-21-…` from a binary SID (MS-DTYP 2.4.2.2). */
export function sidFromBytes(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 8) throw new InputError(`${b.length} bytes are not a SID: a binary SID has at least 8 bytes`);
  if (b[0] !== 1) throw new InputError(`not a SID: revision ${b[0]}, where every SID has revision 1`);
  const count = b[1];
  if (count > MAX_SUB_AUTHORITIES) throw new InputError(`not a SID: ${count} sub-authorities, at most ${MAX_SUB_AUTHORITIES}`);
  if (b.length !== 8 + 4 * count) {
    throw new InputError(`not a SID: ${b.length} bytes, where ${count} sub-authorities make ${8 + 4 * count}`);
  }
  const authority = b.readUIntBE(2, 6);
  // ConvertSidToStringSid writes an authority of 2^32 or more in hexadecimal.
  const authorityText = authority >= 2 ** 32 ? `0x${b.subarray(2, 8).toString('hex')}` : String(authority);
  const subs: number[] = [];
  for (let i = 0; i < count; i++) subs.push(b.readUInt32LE(8 + 4 * i));
  return ['S-1', authorityText, ...subs].join('-');
}

/** The binary SID of `S-1-5-21-…` (MS-DTYP 2.4.2.2). */
export function sidToBytes(sid: string): Buffer {
  const m = SID_TEXT.exec(sid.trim());
  if (!m) throw new InputError(`"${sid}" is not a SID; expected S-1-<authority>-<sub-authority>…, e.g. S-1-5-21-1004336348-1177238915-682003330-512`, { value: sid });
  const authority = m[1].toLowerCase().startsWith('0x') ? parseInt(m[1].slice(2), 16) : Number(m[1]);
  const subs = m[2] ? m[2].slice(1).split('-').map(Number) : [];
  if (!Number.isSafeInteger(authority) || authority >= 2 ** 48) throw new InputError(`"${sid}" is not a SID: its identifier authority does not fit in 48 bits`, { value: sid });
  if (subs.length > MAX_SUB_AUTHORITIES) throw new InputError(`"${sid}" is not a SID: ${subs.length} sub-authorities, at most ${MAX_SUB_AUTHORITIES}`, { value: sid });
  const bad = subs.find((s) => !Number.isSafeInteger(s) || s > 0xffffffff);
  if (bad !== undefined) throw new InputError(`"${sid}" is not a SID: a sub-authority does not fit in 32 bits`, { value: sid });
  const b = Buffer.alloc(8 + 4 * subs.length);
  b[0] = 1;
  b[1] = subs.length;
  b.writeUIntBE(authority, 2, 6);
  subs.forEach((s, i) => b.writeUInt32LE(s, 8 + 4 * i));
  return b;
}

/** `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (lower case) from objectGUID's 16 bytes (MS-DTYP 2.3.4.2). */
export function guidFromBytes(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length !== 16) throw new InputError(`${b.length} bytes are not a GUID: a GUID has 16`);
  const hex = (from: number, to: number) => b.subarray(from, to).toString('hex');
  const reversed = (from: number, to: number) => Buffer.from(b.subarray(from, to)).reverse().toString('hex');
  return `${reversed(0, 4)}-${reversed(4, 6)}-${reversed(6, 8)}-${hex(8, 10)}-${hex(10, 16)}`;
}

/** objectGUID's 16 bytes from its text form (braces allowed), in AD's order (MS-DTYP 2.3.4.2). */
export function guidToBytes(guid: string): Buffer {
  const m = GUID_TEXT.exec(guid.trim());
  if (!m) throw new InputError(`"${guid}" is not a GUID; expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx in hexadecimal`, { value: guid });
  const le = (hex: string) => Buffer.from(hex, 'hex').reverse();
  return Buffer.concat([le(m[1]), le(m[2]), le(m[3]), Buffer.from(m[4] + m[5], 'hex')]);
}

function isSidText(value: string): boolean {
  try {
    sidToBytes(value);
    return true;
  } catch {
    return false;
  }
}

// ---- records -----------------------------------------------------------------------------------------------

/** One value of a record, with the line it was written on. */
export interface LdifValue {
  /** The attribute's name as written, without options (`member` for `member;binary`). */
  attribute: string;
  /** The text after `attr:`, or the bytes of `attr::` (binary, or UTF-8 text). */
  value: string | Buffer;
  line: number;
}

export interface LdifModification {
  operation: 'add' | 'replace' | 'delete';
  attribute: string;
  /** Empty for `delete: attr` (every value) and `replace: attr` (remove the attribute). */
  values: LdifValue[];
  /** The line of `add:` / `replace:` / `delete:`. */
  line: number;
}

interface RecordBase {
  dn: string;
  /** The line of `dn:`. */
  line: number;
}

export interface LdifAddRecord extends RecordBase {
  changetype: 'add';
  values: LdifValue[];
}
export interface LdifModifyRecord extends RecordBase {
  changetype: 'modify';
  changes: LdifModification[];
}
export interface LdifDeleteRecord extends RecordBase {
  changetype: 'delete';
}
/** `changetype: modrdn` and `changetype: moddn` (the same LDAP operation, ModifyDN). */
export interface LdifModRdnRecord extends RecordBase {
  changetype: 'modrdn';
  newRdn: string;
  deleteOldRdn: boolean;
  newSuperior?: string;
}
export type LdifRecord = LdifAddRecord | LdifModifyRecord | LdifDeleteRecord | LdifModRdnRecord;

// ---- reading -----------------------------------------------------------------------------------------------

interface LogicalLine {
  text: string;
  /** Where it starts (a folded line spans several). */
  line: number;
}

interface ParsedLine {
  /** The attribute as written, without options. */
  name: string;
  lower: string;
  value: string | Buffer;
  line: number;
  text: string;
}

const CHANGETYPES = ['add', 'modify', 'delete', 'modrdn', 'moddn'];
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9-]*$|^[0-9]+(\.[0-9]+)*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The export's text: UTF-8 (with or without a byte-order mark) or UTF-16 (ldifde -u) with its mark. */
function decodeExport(bytes: Buffer, source: string): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return utf8OrThrow(bytes.subarray(3), source);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
  // UTF-16LE whose mark an editor dropped: ASCII text then has a zero in every second byte.
  if (bytes.length >= 4 && bytes.length % 2 === 0 && bytes[0] !== 0 && bytes[1] === 0 && bytes[3] === 0) return bytes.toString('utf16le');
  return utf8OrThrow(bytes, source);
}

function utf8OrThrow(bytes: Buffer, source: string): string {
  const text = bytes.toString('utf8');
  const again = Buffer.from(text, 'utf8');
  if (again.equals(bytes)) return text;
  let at = 0;
  while (at < bytes.length && bytes[at] === again[at]) at++;
  let line = 1;
  for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
  throw new LdifError(source, line, 'the file is not UTF-8 text; ldifde writes UTF-8, or UTF-16 with a byte-order mark under -u: save the export in one of these');
}

/** Logical lines (unfolded, comments removed) grouped into records by blank lines. */
function logicalRecords(content: string, source: string): LogicalLine[][] {
  const physical = content.split(/\r\n|\r|\n/);
  const records: LogicalLine[][] = [];
  let current: LogicalLine[] = [];
  let inComment = false;
  physical.forEach((raw, i) => {
    const line = i + 1;
    if (raw === '') {
      if (current.length) records.push(current);
      current = [];
      inComment = false;
      return;
    }
    if (raw[0] === ' ') {
      if (inComment) return; // a folded comment
      if (current.length === 0) {
        if (raw.trim() === '') return; // spaces on an otherwise blank line between records
        throw new LdifError(
          source,
          line,
          'a continuation line (one that starts with a space) begins a record; a folded line continues the line above it, and a blank line ends a record',
        );
      }
      current[current.length - 1].text += raw.slice(1);
      return;
    }
    if (raw[0] === '#') {
      inComment = true;
      return;
    }
    inComment = false;
    current.push({ text: raw, line });
  });
  if (current.length) records.push(current);
  return records;
}

/** `attr[;options]` → the attribute name; `;range=` refused, other options (`;binary`) dropped. */
function attributeDescription(description: string, line: number, source: string, text: string): string {
  const [name, ...options] = description.split(';');
  if (!ATTRIBUTE_NAME.test(name)) {
    throw new LdifError(source, line, `"${shown(text)}": "${shown(name)}" is not an attribute name; expected "attribute: value", "attribute:: base64" or, in a modify record, "-"`);
  }
  for (const option of options) {
    if (/^range=/i.test(option)) {
      throw new LdifError(
        source,
        line,
        `${name};${option} holds only part of ${name}'s values (a domain controller returns at most MaxValRange values, 1500 by default, per request): the export is incomplete; export the entry again with all of its values`,
        { field: name, value: `${name};${option}` },
      );
    }
    if (!/^[A-Za-z0-9-]+$/.test(option)) throw new LdifError(source, line, `"${shown(description)}": ";${option}" is not an attribute option`);
  }
  return name;
}

function parseLine(l: LogicalLine, source: string): ParsedLine {
  const colon = l.text.indexOf(':');
  if (colon < 0) {
    throw new LdifError(source, l.line, `"${shown(l.text)}" has no colon; expected "attribute: value", "attribute:: base64" or, in a modify record, "-"`);
  }
  const name = attributeDescription(l.text.slice(0, colon), l.line, source, l.text);
  const rest = l.text.slice(colon + 1);
  let value: string | Buffer;
  if (rest[0] === ':') {
    const b64 = rest.slice(1).trim();
    if (!BASE64.test(b64) || b64.length % 4 !== 0) {
      throw new LdifError(
        source,
        l.line,
        `the value of ${name} after "::" is not base64; expected the characters A-Z, a-z, 0-9, + and / in groups of four, padded with =`,
        { field: name },
      );
    }
    value = Buffer.from(b64, 'base64');
  } else if (rest[0] === '<') {
    throw new LdifError(source, l.line, `the value of ${name} is a URL ("${name}:<"); URL values are not read: put the value in the file ("${name}: value" or "${name}:: base64")`, { field: name });
  } else {
    value = rest.replace(/^ +/, '');
  }
  return { name, lower: name.toLowerCase(), value, line: l.line, text: l.text };
}

function textOf(p: ParsedLine, source: string): string {
  if (typeof p.value === 'string') return p.value;
  try {
    return UTF8.decode(p.value);
  } catch {
    throw new LdifError(source, p.line, `the base64 value of ${p.name} is not UTF-8 text`, { field: p.name });
  }
}

/** A DN as written after `dn:` / `newsuperior:`, checked with the engine's DN parser. */
function dnOf(p: ParsedLine, source: string): string {
  const dn = textOf(p, source);
  if (dn.trim() === '') throw new LdifError(source, p.line, `${p.name} is empty; expected a distinguished name such as CN=Alice,OU=Sales,DC=contoso,DC=com`, { field: p.name });
  let rdns;
  try {
    rdns = parseDn(dn);
  } catch (e) {
    if (!(e instanceof DnSyntaxError)) throw e;
    throw new LdifError(source, p.line, `${p.name}: ${e.message}; expected RDNs such as CN=Smith\\, John,OU=Sales,DC=contoso,DC=com (\\, \\+ \\" \\\\ \\# and hex pairs such as \\0A escape)`, {
      field: p.name,
      value: dn,
    });
  }
  const empty = rdns.find((r) => r.value === '');
  if (empty) throw new LdifError(source, p.line, `${p.name} "${dn}" has an RDN without a value (${empty.type}=)`, { field: p.name, value: dn });
  return dn;
}

function nameOf(l: LogicalLine): string {
  return (/^[^:;]*/.exec(l.text)?.[0] ?? '').trim().toLowerCase();
}

function parseRecord(lines: LogicalLine[], source: string): LdifRecord {
  const first = lines[0];
  if (nameOf(first) !== 'dn') {
    const hint = nameOf(first) === 'version' ? ' ("version:" is allowed only as the first line of the file)' : '; records are separated by a blank line';
    throw new LdifError(source, first.line, `a record begins with "dn:", not "${shown(first.text)}"${hint}`);
  }
  const head = parseLine(first, source);
  const dn = dnOf(head, source);
  const line = first.line;
  let i = 1;
  if (i < lines.length && nameOf(lines[i]) === 'control') {
    throw new LdifError(source, lines[i].line, 'control lines are not applied here; remove them (an export needs none)');
  }
  let changetype = 'add';
  if (i < lines.length && nameOf(lines[i]) === 'changetype') {
    const p = parseLine(lines[i], source);
    changetype = textOf(p, source).trim().toLowerCase();
    if (!CHANGETYPES.includes(changetype)) {
      throw new LdifError(source, p.line, `changetype "${textOf(p, source).trim()}" is not one of ${CHANGETYPES.join(', ')}`, {
        field: 'changetype',
        value: textOf(p, source).trim(),
        accepted: CHANGETYPES,
      });
    }
    i++;
  }
  const body = lines.slice(i);
  switch (changetype) {
    case 'add':
      return { changetype: 'add', dn, line, values: addValues(body, source, dn, line) };
    case 'delete':
      if (body.length) throw new LdifError(source, body[0].line, `"${shown(body[0].text)}" follows "changetype: delete"; a delete record holds nothing else`);
      return { changetype: 'delete', dn, line };
    case 'modify':
      return { changetype: 'modify', dn, line, changes: modifications(body, source) };
    default:
      return { changetype: 'modrdn', dn, line, ...modRdn(body, source, changetype, line) };
  }
}

function addValues(body: LogicalLine[], source: string, dn: string, line: number): LdifValue[] {
  const values: LdifValue[] = [];
  for (const l of body) {
    if (l.text.trimEnd() === '-') throw new LdifError(source, l.line, '"-" ends a block of a modify record, but this record adds an entry');
    const p = parseLine(l, source);
    if (p.lower === 'dn') throw new LdifError(source, l.line, 'a second "dn:" in one record; records are separated by a blank line');
    if (p.lower === 'changetype') throw new LdifError(source, l.line, '"changetype:" comes right after the "dn:" line');
    values.push({ attribute: p.name, value: p.value, line: p.line });
  }
  if (values.length === 0) throw new LdifError(source, line, `"${dn}" has no attributes; an added entry needs at least its objectClass`);
  return values;
}

function modifications(body: LogicalLine[], source: string): LdifModification[] {
  const changes: LdifModification[] = [];
  let i = 0;
  while (i < body.length) {
    const header = body[i];
    if (header.text.trimEnd() === '-') throw new LdifError(source, header.line, '"-" without an "add:", "replace:" or "delete:" line before it');
    const h = parseLine(header, source);
    if (h.lower !== 'add' && h.lower !== 'replace' && h.lower !== 'delete') {
      throw new LdifError(source, header.line, `"${shown(header.text)}" where a modify record expects "add: <attribute>", "replace: <attribute>" or "delete: <attribute>"`, {
        accepted: ['add', 'replace', 'delete'],
      });
    }
    const description = textOf(h, source).trim();
    const attribute = attributeDescription(description, header.line, source, header.text);
    const operation = h.lower;
    const values: LdifValue[] = [];
    let closed = false;
    for (i++; i < body.length; i++) {
      const l = body[i];
      if (l.text.trimEnd() === '-') {
        closed = true;
        i++;
        break;
      }
      const p = parseLine(l, source);
      if (p.lower !== attribute.toLowerCase()) {
        throw new LdifError(
          source,
          l.line,
          `"${shown(l.text)}" inside the "${operation}: ${attribute}" block of line ${header.line}; a block holds only ${attribute} values and ends with a line "-"`,
        );
      }
      values.push({ attribute: p.name, value: p.value, line: p.line });
    }
    if (!closed) {
      throw new LdifError(source, header.line, `the "${operation}: ${attribute}" block is not ended by a line "-"; in a modify record every add:, replace: and delete: block ends with "-"`);
    }
    if (operation === 'add' && values.length === 0) throw new LdifError(source, header.line, `"add: ${attribute}" adds no values; list them before the "-"`);
    changes.push({ operation, attribute, values, line: header.line });
  }
  return changes;
}

function modRdn(body: LogicalLine[], source: string, changetype: string, line: number): Pick<LdifModRdnRecord, 'newRdn' | 'deleteOldRdn' | 'newSuperior'> {
  let newRdn: string | undefined;
  let deleteOldRdn: boolean | undefined;
  let newSuperior: string | undefined;
  const seen = new Set<string>();
  for (const l of body) {
    const p = parseLine(l, source);
    if (seen.has(p.lower)) throw new LdifError(source, l.line, `a second ${p.name} in one ${changetype} record`);
    seen.add(p.lower);
    if (p.lower === 'newrdn') {
      newRdn = dnOf(p, source);
      if (parseDn(newRdn).length !== 1) throw new LdifError(source, l.line, `newrdn "${newRdn}" is not one RDN; expected e.g. CN=New Name`, { field: 'newrdn', value: newRdn });
    } else if (p.lower === 'deleteoldrdn') {
      const v = textOf(p, source).trim();
      if (v !== '0' && v !== '1') throw new LdifError(source, l.line, `deleteoldrdn is "${v}"; expected 0 (keep the old RDN value) or 1 (delete it)`, { field: 'deleteoldrdn', value: v, accepted: ['0', '1'] });
      deleteOldRdn = v === '1';
    } else if (p.lower === 'newsuperior') {
      newSuperior = dnOf(p, source);
    } else {
      throw new LdifError(source, l.line, `"${shown(l.text)}" in a ${changetype} record; expected newrdn, deleteoldrdn and optionally newsuperior`, {
        accepted: ['newrdn', 'deleteoldrdn', 'newsuperior'],
      });
    }
  }
  if (newRdn === undefined) throw new LdifError(source, line, `the ${changetype} record has no newrdn line`);
  if (deleteOldRdn === undefined) throw new LdifError(source, line, `the ${changetype} record has no deleteoldrdn line (0 or 1)`);
  return newSuperior === undefined ? { newRdn, deleteOldRdn } : { newRdn, deleteOldRdn, newSuperior };
}

function under(rdn: string, superior: string): string {
  return superior ? `${rdn},${superior}` : rdn;
}

/** `child` rebased from under `from` to under `to` (all normalized), when it is `from` or below it. */
function rebaseNormalized(child: string, from: string, to: string): string | undefined {
  if (child === from) return to;
  if (child.endsWith(`,${from}`)) return `${child.slice(0, child.length - from.length)}${to}`;
  return undefined;
}

/**
 * Reads an LDIF file (RFC 2849, as ldifde writes it) into records: `text` as read from disk (UTF-8 or UTF-16
 * with a byte-order mark) or already decoded. `source` names the file in messages.
 */
export function parseLdif(text: string | Buffer, source = 'the export'): LdifRecord[] {
  const content = typeof text === 'string' ? text.replace(/^\uFEFF/, '') : decodeExport(text, source);
  const groups = logicalRecords(content, source);
  const records: LdifRecord[] = [];
  const added = new Map<string, number>(); // normalized DN → line of its add, for duplicates
  groups.forEach((group, index) => {
    let lines = group;
    if (index === 0 && nameOf(lines[0]) === 'version') {
      const p = parseLine(lines[0], source);
      const v = textOf(p, source).trim();
      if (v !== '1') throw new LdifError(source, p.line, `version ${v} is not LDIF version 1`, { field: 'version', value: v, accepted: ['1'] });
      lines = lines.slice(1);
      if (lines.length === 0) return;
    }
    const record = parseRecord(lines, source);
    records.push(record);
    const ndn = normalizeDn(record.dn);
    if (record.changetype === 'add') {
      const before = added.get(ndn);
      if (before !== undefined) throw new LdifError(source, record.line, `"${record.dn}" is added a second time (first on line ${before})`, { value: record.dn });
      added.set(ndn, record.line);
    } else if (record.changetype === 'delete') {
      added.delete(ndn);
    } else if (record.changetype === 'modrdn') {
      const target = normalizeDn(under(record.newRdn, record.newSuperior ?? formatDn(parseDn(record.dn).slice(1))));
      for (const [key, at] of [...added]) {
        const moved = rebaseNormalized(key, ndn, target);
        if (moved !== undefined) {
          added.delete(key);
          added.set(moved, at);
        }
      }
    }
  });
  return records;
}

// ---- converting to the engine's entries ----------------------------------------------------------------

export interface LdifImportOptions {
  /** The file's name in messages (default: 'the export'). */
  source?: string;
  /**
   * The suffixes every entry must be under (or be). When absent, a tree may start only at a naming context's
   * head: an entry whose objectClass is domainDNS or configuration.
   */
  namingContexts?: readonly string[];
}

export interface SkippedLdifEntry {
  dn: string;
  line: number;
  /** The entry's objectClass values as written. */
  objectClasses: string[];
  reason: string;
  /** Entries below it, skipped with it. */
  subtreeEntries: number;
}

export interface LdifSkipReport {
  /** Entries left out with their subtrees (no structural class the schema knows). */
  entries: SkippedLdifEntry[];
  /**
   * Attributes dropped, by name as first written, with the number of loaded entries that carried them: unknown
   * to the schema, computed by the directory (distinguishedName), or a binary nTSecurityDescriptor (the engine
   * keeps SDDL text, which is not derived here).
   */
  attributes: Record<string, number>;
  /** Object classes unknown to the schema, removed from objectClass, with the number of loaded entries. */
  objectClasses: Record<string, number>;
  /**
   * Attributes the schema knows but the entry's classes do not allow, dropped, with the number of entries:
   * AD's top allows objectGUID, whenCreated, … on every object, where OpenLDAP's organizationalUnit (which
   * both servers here use) does not; slapd would refuse the entry, so it is loaded without them.
   */
  notAllowed: Record<string, number>;
  /** Password attributes found and not loaded; never their values. */
  passwords: Array<{ dn: string; line: number; attribute: string }>;
}

export interface LdifImport {
  /** In the file's order after its changes (parents first), ready to add. */
  entries: DirectoryWriteEntry[];
  skipped: LdifSkipReport;
  /** Guessed from the entries: the domain head (domainDNS) and CN=Configuration below it, when present. */
  namingContexts: { defaultNamingContext?: string; configurationNamingContext?: string };
}

const ATTRIBUTES = new Map<string, AttributeTypeDefinition>(AD_ATTRIBUTE_TYPES.map((a) => [a.name.toLowerCase(), a]));
const CLASSES = new Map<string, ObjectClassDefinition>(AD_OBJECT_CLASSES.map((c) => [c.name.toLowerCase(), c]));
/** Binary SIDs in AD; `S-1-5-21-…` text in the engine. */
const SID_ATTRIBUTES = new Set(['objectsid', 'msexchmasteraccountsid', 'securityidentifier', 'sidhistory']);
const GUID_ATTRIBUTES = new Set(['objectguid']);
/** Binary DER certificates in AD; base64 DER text in the engine (see ad-schema.ts). */
const CERTIFICATE_ATTRIBUTES = new Set(['msexchfedtokenissuercertificate', 'msexchfedtokenissuerprevcertificate', 'msexchfedorgcertificate']);
/** Heads of naming contexts: a tree may start there when no naming contexts are given. */
const NAMING_CONTEXT_HEADS = new Set(['domaindns', 'configuration']);

interface WorkingAttribute {
  def: AttributeTypeDefinition;
  values: string[];
  lines: number[];
}

interface WorkingEntry {
  dn: string;
  line: number;
  attributes: Map<string, WorkingAttribute>;
  /** Dropped attribute names as first written, by lower-case name. */
  dropped: Map<string, string>;
}

class Loader {
  readonly entries = new Map<string, WorkingEntry>(); // by normalized DN, in order
  readonly passwords: LdifSkipReport['passwords'] = [];
  private readonly contexts: string[] | undefined;

  constructor(
    private readonly source: string,
    namingContexts: readonly string[] | undefined,
  ) {
    this.contexts = namingContexts?.map((nc) => normalizeDn(nc));
  }

  error(line: number, reason: string, problem: InputProblem = {}): LdifError {
    return new LdifError(this.source, line, reason, problem);
  }

  apply(record: LdifRecord): void {
    switch (record.changetype) {
      case 'add':
        return this.add(record);
      case 'modify':
        return this.modify(record);
      case 'delete':
        return this.delete(record);
      case 'modrdn':
        return this.rename(record);
    }
  }

  private existing(record: LdifRecord, what: string): WorkingEntry {
    const entry = this.entries.get(normalizeDn(record.dn));
    if (!entry) {
      throw this.error(record.line, `${what} "${record.dn}", which the file does not add before; only entries added earlier in the same file can be changed`, { value: record.dn });
    }
    return entry;
  }

  /** Checks that `dn` may exist here: under a naming context, with its parent already present. */
  private placeable(dn: string, line: number, isHead: boolean): void {
    const ndn = normalizeDn(dn);
    if (this.contexts) {
      if (!this.contexts.some((nc) => ndn === nc || ndn.endsWith(`,${nc}`))) {
        throw this.error(line, `"${dn}" is not under the naming contexts ${this.contexts.join('; ')}`, { value: dn, accepted: this.contexts });
      }
      if (this.contexts.includes(ndn)) return;
    } else if (isHead) {
      return;
    }
    const parent = parseDn(dn).slice(1);
    const pndn = normalizeDn(formatDn(parent));
    if (this.entries.has(pndn) || this.contexts?.includes(pndn)) return;
    throw this.error(
      line,
      `the parent of "${dn}" (${formatDn(parent) || 'none'}) is neither earlier in the file nor a naming context; ldifde exports parents first: export the whole subtree from its naming context`,
      { value: dn },
    );
  }

  private add(record: LdifAddRecord): void {
    const ndn = normalizeDn(record.dn);
    const before = this.entries.get(ndn);
    if (before) throw this.error(record.line, `"${record.dn}" is added a second time (first on line ${before.line})`, { value: record.dn });
    const classes = record.values.filter((v) => v.attribute.toLowerCase() === 'objectclass').map((v) => (typeof v.value === 'string' ? v.value : v.value.toString('utf8')).trim().toLowerCase());
    this.placeable(record.dn, record.line, classes.some((c) => NAMING_CONTEXT_HEADS.has(c)));
    const entry: WorkingEntry = { dn: record.dn, line: record.line, attributes: new Map(), dropped: new Map() };
    for (const v of record.values) {
      const target = this.target(entry, v);
      if (target) this.addValue(entry, target, v);
    }
    this.entries.set(ndn, entry);
  }

  /** The schema's definition for a value's attribute, or undefined when the value is dropped (and reported). */
  private target(entry: WorkingEntry, v: LdifValue): AttributeTypeDefinition | undefined {
    const lower = v.attribute.toLowerCase();
    if (PASSWORD_ATTRIBUTES.has(lower)) {
      this.passwords.push({ dn: entry.dn, line: v.line, attribute: v.attribute });
      return undefined;
    }
    const def = ATTRIBUTES.get(lower);
    if (!def || lower === 'distinguishedname') {
      if (!entry.dropped.has(lower)) entry.dropped.set(lower, v.attribute);
      return undefined;
    }
    return def;
  }

  /** A value in the engine's text form; undefined for a binary security descriptor (dropped). */
  private engineValue(entry: WorkingEntry, def: AttributeTypeDefinition, v: LdifValue): string | undefined {
    const lower = def.name.toLowerCase();
    const raw = v.value;
    if (SID_ATTRIBUTES.has(lower)) {
      // Binary unless it reads as text: a binary SID starts with its revision byte (1), text with "S".
      if (typeof raw !== 'string' && !/^[Ss]-/.test(raw.subarray(0, 2).toString('latin1'))) return this.convert(v, def, () => sidFromBytes(raw));
      const text = this.text(v, def).trim();
      if (isSidText(text)) return `S${text.slice(1)}`;
      throw this.error(v.line, `${def.name} "${shown(text)}" is neither a binary SID (base64 after "::") nor a SID in text (S-1-5-21-…)`, { field: def.name, value: text });
    }
    if (GUID_ATTRIBUTES.has(lower)) {
      if (typeof raw !== 'string' && raw.length === 16) return guidFromBytes(raw);
      const decoded = typeof raw === 'string' ? raw : decodedOrUndefined(raw);
      const text = decoded === undefined || /[\x00-\x1f\x7f]/.test(decoded) ? undefined : decoded.trim();
      const m = text === undefined ? null : GUID_TEXT.exec(text);
      if (m) return m.slice(1).join('-').toLowerCase();
      const what = text === undefined ? `${raw.length} bytes` : `"${shown(text)}"`;
      throw this.error(v.line, `${def.name} ${what} is neither a binary GUID (16 bytes, base64 after "::") nor a GUID in text (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`, { field: def.name });
    }
    if (CERTIFICATE_ATTRIBUTES.has(lower)) return typeof raw === 'string' ? raw : raw.toString('base64');
    if (lower === 'ntsecuritydescriptor') {
      const text = typeof raw === 'string' ? raw : decodedOrUndefined(raw);
      if (text === undefined || !/^(O:|G:|D:|S:)/.test(text)) {
        entry.dropped.set('ntsecuritydescriptor', entry.dropped.get('ntsecuritydescriptor') ?? v.attribute);
        return undefined;
      }
      return text;
    }
    const text = lower === 'objectclass' ? this.text(v, def).trim() : this.text(v, def);
    if (text === '') throw this.error(v.line, `${def.name} has an empty value; Active Directory holds no empty values: leave the line out`, { field: def.name });
    if (def.syntax === LDAP_SYNTAX.dn) {
      try {
        parseDn(text);
      } catch (e) {
        if (e instanceof DnSyntaxError) throw this.error(v.line, `${def.name}: ${e.message}`, { field: def.name, value: text });
        throw e;
      }
    }
    return text;
  }

  private convert(v: LdifValue, def: AttributeTypeDefinition, f: () => string): string {
    try {
      return f();
    } catch (e) {
      if (e instanceof InputError) throw this.error(v.line, `${def.name}: ${e.message}`, { field: def.name });
      throw e;
    }
  }

  private text(v: LdifValue, def: AttributeTypeDefinition): string {
    if (typeof v.value === 'string') return v.value;
    const text = decodedOrUndefined(v.value);
    if (text === undefined) throw this.error(v.line, `the value of ${def.name} is binary, not UTF-8 text; the engine keeps ${def.name} as text`, { field: def.name });
    return text;
  }

  private addValue(entry: WorkingEntry, def: AttributeTypeDefinition, v: LdifValue): void {
    const value = this.engineValue(entry, def, v);
    if (value === undefined) return;
    const key = def.name.toLowerCase();
    const attribute = entry.attributes.get(key) ?? { def, values: [], lines: [] };
    const same = attribute.values.findIndex((x) => x.toLowerCase() === value.toLowerCase());
    if (same >= 0) throw this.error(v.line, `${def.name} has the value of line ${attribute.lines[same]} a second time`, { field: def.name });
    if (def.singleValued && attribute.values.length > 0) {
      throw this.error(v.line, `${def.name} is single-valued; a second value here (the first is on line ${attribute.lines[0]})`, { field: def.name });
    }
    attribute.values.push(value);
    attribute.lines.push(v.line);
    entry.attributes.set(key, attribute);
  }

  private modify(record: LdifModifyRecord): void {
    const entry = this.existing(record, 'a modify of');
    for (const change of record.changes) {
      const header: LdifValue = { attribute: change.attribute, value: '', line: change.line };
      const def = this.target(entry, header);
      if (!def) continue;
      const key = def.name.toLowerCase();
      const attribute = entry.attributes.get(key);
      if (change.operation === 'add') {
        for (const v of change.values) this.addValue(entry, def, v);
      } else if (change.operation === 'replace') {
        entry.attributes.delete(key);
        for (const v of change.values) this.addValue(entry, def, v);
      } else if (change.values.length === 0) {
        if (!attribute) throw this.error(change.line, `"${entry.dn}" has no ${def.name} to delete`, { field: def.name });
        entry.attributes.delete(key);
      } else {
        for (const v of change.values) {
          const value = this.engineValue(entry, def, v);
          if (value === undefined) continue;
          const at = attribute ? attribute.values.findIndex((x) => x.toLowerCase() === value.toLowerCase()) : -1;
          if (!attribute || at < 0) throw this.error(v.line, `"${entry.dn}" has no such ${def.name} value to delete`, { field: def.name });
          attribute.values.splice(at, 1);
          attribute.lines.splice(at, 1);
          if (attribute.values.length === 0) entry.attributes.delete(key);
        }
      }
    }
  }

  private delete(record: LdifDeleteRecord): void {
    this.existing(record, 'a delete of');
    const ndn = normalizeDn(record.dn);
    const child = [...this.entries.values()].find((e) => normalizeDn(e.dn).endsWith(`,${ndn}`));
    if (child) {
      throw this.error(record.line, `"${record.dn}" still has entries below it (such as "${child.dn}"); delete them first, as a directory deletes only leaves`, { value: record.dn });
    }
    this.entries.delete(ndn);
  }

  private rename(record: LdifModRdnRecord): void {
    const entry = this.existing(record, 'a rename of');
    const oldNdn = normalizeDn(record.dn);
    const oldRdns = parseDn(entry.dn);
    const superior = record.newSuperior ?? formatDn(oldRdns.slice(1));
    const newDn = under(record.newRdn, superior);
    const newNdn = normalizeDn(newDn);
    if (newNdn.endsWith(`,${oldNdn}`)) throw this.error(record.line, `"${record.dn}" cannot move below itself ("${newDn}")`, { value: newDn });
    if (newNdn !== oldNdn && this.entries.has(newNdn)) throw this.error(record.line, `"${newDn}" already exists`, { value: newDn });
    this.placeable(newDn, record.line, false);

    // The RDN's attribute follows the new RDN (and name, which AD keeps equal to the RDN value).
    const [oldRdn] = oldRdns;
    const [newRdn] = parseDn(record.newRdn);
    if (record.deleteOldRdn) {
      const a = entry.attributes.get(oldRdn.type.toLowerCase());
      const at = a ? a.values.findIndex((x) => x.toLowerCase() === oldRdn.value.toLowerCase()) : -1;
      if (a && at >= 0) {
        a.values.splice(at, 1);
        a.lines.splice(at, 1);
        if (a.values.length === 0) entry.attributes.delete(oldRdn.type.toLowerCase());
      }
    }
    const rdnDef = ATTRIBUTES.get(newRdn.type.toLowerCase());
    if (rdnDef) {
      const key = rdnDef.name.toLowerCase();
      const a = entry.attributes.get(key) ?? { def: rdnDef, values: [], lines: [] };
      if (rdnDef.singleValued) {
        a.values = [newRdn.value];
        a.lines = [record.line];
      } else if (!a.values.some((x) => x.toLowerCase() === newRdn.value.toLowerCase())) {
        a.values.push(newRdn.value);
        a.lines.push(record.line);
      }
      entry.attributes.set(key, a);
    }
    const name = entry.attributes.get('name');
    if (name) {
      name.values = [newRdn.value];
      name.lines = [record.line];
    }

    // The entry and its subtree move (to the end, so parents still come first); DN values follow them.
    const moved: WorkingEntry[] = [];
    for (const [key, e] of [...this.entries]) {
      if (rebaseNormalized(key, oldNdn, newNdn) === undefined) continue;
      this.entries.delete(key);
      e.dn = rebase(e.dn, oldNdn, newDn) ?? e.dn;
      moved.push(e);
    }
    for (const e of moved) this.entries.set(normalizeDn(e.dn), e);
    for (const e of this.entries.values()) {
      for (const a of e.attributes.values()) {
        if (a.def.syntax !== LDAP_SYNTAX.dn) continue;
        a.values = a.values.map((value) => rebase(value, oldNdn, newDn) ?? value);
      }
    }
  }
}

function decodedOrUndefined(bytes: Buffer): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** `dn` with its `from` suffix replaced by `to`, keeping its own leading RDNs; undefined when not below `from`. */
function rebase(dn: string, fromNormalized: string, to: string): string | undefined {
  let rdns;
  try {
    rdns = parseDn(dn);
  } catch {
    return undefined;
  }
  const n = normalizeDn(dn);
  if (rebaseNormalized(n, fromNormalized, normalizeDn(to)) === undefined) return undefined;
  const depth = rdns.length - parseDn(fromNormalized).length;
  return depth === 0 ? to : `${formatDn(rdns.slice(0, depth))},${to}`;
}

/**
 * Applies an export's records in order (add, modify, delete, modrdn) and converts what remains into the
 * engine's entries: AD's binary SIDs and GUIDs to text, names to the schema's spelling, attributes and
 * classes the schema does not know dropped and counted, entries without a known structural class skipped
 * with their subtrees, passwords dropped. Throws an LdifError naming the line of the first problem.
 */
export function adEntriesFromLdif(records: readonly LdifRecord[], options: LdifImportOptions = {}): LdifImport {
  const loader = new Loader(options.source ?? 'the export', options.namingContexts);
  for (const record of records) loader.apply(record);

  const skipped: LdifSkipReport = { entries: [], attributes: {}, objectClasses: {}, notAllowed: {}, passwords: loader.passwords };
  const notAllowedNames = new Map<string, string>();
  const droppedNames = new Map<string, string>();
  const droppedClassNames = new Map<string, string>();
  const count = (into: Record<string, number>, names: Map<string, string>, lower: string, written: string) => {
    const name = names.get(lower) ?? written;
    names.set(lower, name);
    into[name] = (into[name] ?? 0) + 1;
  };
  const skippedUnder = new Map<string, SkippedLdifEntry>(); // normalized DN → the skipped root it belongs to
  const entries: DirectoryWriteEntry[] = [];
  let defaultNamingContext: string | undefined;

  for (const [ndn, e] of loader.entries) {
    const parent = ndn.includes(',') ? normalizeDn(formatDn(parseDn(e.dn).slice(1))) : '';
    const root = skippedUnder.get(parent);
    if (root) {
      root.subtreeEntries++;
      skippedUnder.set(ndn, root);
      continue;
    }
    const written = e.attributes.get('objectclass')?.values ?? [];
    if (written.length === 0) throw new LdifError(options.source ?? 'the export', e.line, `"${e.dn}" has no objectClass; every entry names its classes (objectClass: top, objectClass: user, …)`, { value: e.dn });
    const known: ObjectClassDefinition[] = [];
    const unknown: string[] = [];
    for (const c of written) {
      const def = CLASSES.get(c.toLowerCase());
      if (def) {
        if (!known.includes(def)) known.push(def);
      } else unknown.push(c);
    }
    if (!known.some((c) => c.kind === 'STRUCTURAL')) {
      const report: SkippedLdifEntry = {
        dn: e.dn,
        line: e.line,
        objectClasses: [...written],
        reason: 'none of its object classes is a structural class of the schema',
        subtreeEntries: 0,
      };
      skipped.entries.push(report);
      skippedUnder.set(ndn, report);
      continue;
    }
    for (const c of unknown) count(skipped.objectClasses, droppedClassNames, c.toLowerCase(), c);
    for (const [lower, name] of e.dropped) count(skipped.attributes, droppedNames, lower, name);
    const attributes: Record<string, string | string[]> = {};
    const allowed = SchemaRules.activeDirectory.allowedAttributes(known.map((c) => c.name));
    for (const a of e.attributes.values()) {
      if (a.def.name === 'objectClass') attributes.objectClass = known.map((c) => c.name);
      else if (!allowed.has(a.def.name.toLowerCase())) count(skipped.notAllowed, notAllowedNames, a.def.name.toLowerCase(), a.def.name);
      else attributes[a.def.name] = a.values.length === 1 ? a.values[0] : [...a.values];
    }
    entries.push({ dn: e.dn, attributes });
    if (defaultNamingContext === undefined && known.some((c) => c.name === 'domainDNS')) defaultNamingContext = e.dn;
  }

  const namingContexts: LdifImport['namingContexts'] = {};
  if (defaultNamingContext !== undefined) {
    namingContexts.defaultNamingContext = defaultNamingContext;
    const configuration = normalizeDn(`CN=Configuration,${defaultNamingContext}`);
    const found = entries.find((x) => normalizeDn(x.dn) === configuration);
    if (found) namingContexts.configurationNamingContext = found.dn;
  }
  return { entries, skipped, namingContexts };
}

// ---- writing -----------------------------------------------------------------------------------------------

export interface LdifdeWriteOptions {
  /** Windows ldifde writes CRLF (the default). */
  lineEnding?: '\r\n' | '\n';
  /** Physical line width, continuation lines' leading space included (default 80). */
  foldAt?: number;
}

/** RFC 2849 SAFE-STRING: no NUL, CR, LF or non-ASCII; not starting with space, ':' or '<'; and not ending with a space. */
function isSafeString(value: string): boolean {
  return /^(?:[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*)?$/.test(value) && !value.endsWith(' ');
}

function isCanonicalBase64(value: string): boolean {
  return value.length > 0 && value.length % 4 === 0 && BASE64.test(value) && Buffer.from(value, 'base64').toString('base64') === value;
}

function fold(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const out = [line.slice(0, width)];
  for (let i = width; i < line.length; i += width - 1) out.push(` ${line.slice(i, i + width - 1)}`);
  return out;
}

/**
 * An export as ldifde writes one: per entry `dn:`, `changetype: add` and the attributes, a blank line after
 * each record, SIDs and GUIDs in AD's binary form, unsafe values in base64, lines folded. Entries keep the
 * given order (parents first). Passwords are left out, as ldifde never exports them.
 */
export function toLdifde(entries: readonly DirectoryWriteEntry[], options: LdifdeWriteOptions = {}): string {
  const eol = options.lineEnding ?? '\r\n';
  const width = Math.max(options.foldAt ?? 80, 2);
  const out: string[] = [];
  const text = (name: string, value: string) =>
    value === '' ? `${name}:` : isSafeString(value) ? `${name}: ${value}` : `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
  for (const entry of entries) {
    const lines = [text('dn', entry.dn), 'changetype: add'];
    for (const [name, raw] of Object.entries(entry.attributes)) {
      const lower = name.toLowerCase();
      if (PASSWORD_ATTRIBUTES.has(lower)) continue;
      for (const value of Array.isArray(raw) ? raw : [raw]) {
        const binary = (f: (v: string) => Buffer) => {
          try {
            return `${name}:: ${f(value).toString('base64')}`;
          } catch (e) {
            if (e instanceof InputError) throw new InputError(`"${entry.dn}": ${name}: ${e.message}`, { field: name, value });
            throw e;
          }
        };
        if (SID_ATTRIBUTES.has(lower)) lines.push(binary(sidToBytes));
        else if (GUID_ATTRIBUTES.has(lower)) lines.push(binary(guidToBytes));
        else if (CERTIFICATE_ATTRIBUTES.has(lower) && isCanonicalBase64(value)) lines.push(`${name}:: ${value}`);
        else lines.push(text(name, value));
      }
    }
    for (const line of lines) out.push(...fold(line, width));
    out.push('');
  }
  return out.map((l) => l + eol).join('');
}
