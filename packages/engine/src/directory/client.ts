// The engine's only way into the directory: LDAP over the wire with ldapts, as Exchange reads Active
// Directory. Searches take a Filter built by ./filter (never a string).
//
// A directory the run did not build (a customer's production forest) is opened read-only: every change
// is refused here, before a byte is sent, with an InputError that says what the step would have changed.
// Active Directory keeps SIDs, GUIDs and security descriptors binary; the directories this project
// builds keep them as text. Both are read into the same text form (S-1-5-21-…, SDDL) here.

import type { ConnectionOptions } from 'node:tls';
import { Attribute, BerWriter, Change, Client, Control, InvalidCredentialsError } from 'ldapts';
import { InputError } from '../errors';
import { AD_ATTRIBUTE_TYPES, LDAP_SYNTAX } from './ad-schema';
import { activeDirectoryDnForm } from './dn';
import type { Filter } from './filter';

/** Attributes whose values are DNs (read back in AD's spelling, whichever server holds them). */
const DN_VALUED = new Set(AD_ATTRIBUTE_TYPES.filter((a) => a.syntax === LDAP_SYNTAX.dn).map((a) => a.name.toLowerCase()));

export type Scope = 'base' | 'one' | 'sub';

export interface SearchOptions {
  scope?: Scope;
  attributes?: readonly string[];
  sizeLimit?: number;
  /**
   * Ask for the results in pages (RFC 2696), for searches that may return more entries than a server
   * hands out at once (Active Directory's MaxPageSize is 1000): a whole forest's mailboxes.
   */
  paged?: boolean;
}

/** Attributes Active Directory stores binary, read as buffers and turned into their text form. */
const SID_ATTRIBUTES = ['objectSid', 'msExchMasterAccountSid', 'securityIdentifier', 'tokenGroups'];
const GUID_ATTRIBUTES = ['objectGUID'];
const SECURITY_DESCRIPTOR_ATTRIBUTES = ['nTSecurityDescriptor'];
const BINARY_ATTRIBUTES = [...SID_ATTRIBUTES, ...GUID_ATTRIBUTES, ...SECURITY_DESCRIPTOR_ATTRIBUTES];
// ldapts matches these names exactly as the server returns them: the usual spellings, and lower case.
const EXPLICIT_BUFFER_ATTRIBUTES = [...BINARY_ATTRIBUTES, ...BINARY_ATTRIBUTES.map((a) => a.toLowerCase())];
const lower = (names: readonly string[]) => new Set(names.map((n) => n.toLowerCase()));
const SIDS = lower(SID_ATTRIBUTES);
const GUIDS = lower(GUID_ATTRIBUTES);
const DESCRIPTORS = lower(SECURITY_DESCRIPTOR_ATTRIBUTES);

/** A binary SID (MS-DTYP 2.4.2.2) in its S-1-5-21-… form; undefined when the bytes are not one (a SID kept as text). */
export function sidFromBytes(b: Buffer): string | undefined {
  if (b.length < 8 || b[0] !== 1 || b.length !== 8 + 4 * b[1]) return undefined;
  const subAuthorities = Array.from({ length: b[1] }, (_, i) => b.readUInt32LE(8 + 4 * i));
  return `S-1-${b.readUIntBE(2, 6)}${subAuthorities.map((x) => `-${x}`).join('')}`;
}

/** A binary GUID (little-endian first three fields) in its 8-4-4-4-12 form. */
function guidFromBytes(b: Buffer, at = 0): string {
  const hex = (from: number, to: number) => b.subarray(at + from, at + to).toString('hex');
  return `${b.readUInt32LE(at).toString(16).padStart(8, '0')}-${b.readUInt16LE(at + 4).toString(16).padStart(4, '0')}-${b.readUInt16LE(at + 6).toString(16).padStart(4, '0')}-${hex(8, 10)}-${hex(10, 16)}`;
}

// SDDL's access right codes (MS-DTYP 2.5.1.1). Read and "read control" come first: written after a code
// ending in C (CC, DC, LC), an R… code would spell a CR (control access) that is not there.
const SDDL_RIGHTS: ReadonlyArray<[string, number]> = [
  ['RP', 0x10], ['RC', 0x20000], ['CC', 0x1], ['DC', 0x2], ['LC', 0x4], ['SW', 0x8], ['WP', 0x20], ['DT', 0x40], ['LO', 0x80],
  ['CR', 0x100], ['SD', 0x10000], ['WD', 0x40000], ['WO', 0x80000], ['GA', 0x10000000], ['GX', 0x20000000], ['GW', 0x40000000], ['GR', 0x80000000],
];
const SDDL_ACE_FLAGS: ReadonlyArray<[string, number]> = [['OI', 0x1], ['CI', 0x2], ['NP', 0x4], ['IO', 0x8], ['ID', 0x10]];
const SDDL_ACE_TYPES: Record<number, string> = { 0: 'A', 1: 'D', 5: 'OA', 6: 'OD' };

/**
 * A self-relative binary security descriptor (MS-DTYP 2.4.6), as Active Directory returns
 * nTSecurityDescriptor, in the SDDL text the directories of this project keep: owner and DACL, with the
 * allow and deny ACEs (plain and object); audit and callback ACEs say nothing about access and are left out.
 * Undefined when the bytes are not one (a descriptor kept as SDDL text starts with "O:" or "D:").
 */
export function sddlFromBytes(b: Buffer): string | undefined {
  if (b.length < 20 || b[0] !== 1) return undefined;
  const control = b.readUInt16LE(2);
  const ownerAt = b.readUInt32LE(4);
  const daclAt = b.readUInt32LE(16);
  const sidAt = (at: number) => {
    const count = b[at + 1] ?? 0;
    return sidFromBytes(b.subarray(at, at + 8 + 4 * count)) ?? '';
  };
  let sddl = ownerAt ? `O:${sidAt(ownerAt)}` : '';
  if (!(control & 0x0004) || !daclAt) return sddl; // SE_DACL_PRESENT
  sddl += 'D:';
  const count = b.readUInt16LE(daclAt + 4);
  let at = daclAt + 8;
  for (let i = 0; i < count && at + 4 <= b.length; i++) {
    const type = b[at];
    const flags = b[at + 1];
    const size = b.readUInt16LE(at + 2);
    const name = SDDL_ACE_TYPES[type];
    if (name) {
      const mask = b.readUInt32LE(at + 4);
      let p = at + 8;
      let objectGuid = '';
      let inheritedObjectGuid = '';
      if (type === 5 || type === 6) {
        const present = b.readUInt32LE(p);
        p += 4;
        if (present & 1) (objectGuid = guidFromBytes(b, p)), (p += 16);
        if (present & 2) (inheritedObjectGuid = guidFromBytes(b, p)), (p += 16);
      }
      const rights = SDDL_RIGHTS.filter(([, bit]) => mask & bit).map(([code]) => code).join('');
      const aceFlags = SDDL_ACE_FLAGS.filter(([, bit]) => flags & bit).map(([code]) => code).join('');
      sddl += `(${name};${aceFlags};${rights};${objectGuid};${inheritedObjectGuid};${sidAt(p)})`;
    }
    at += size || b.length; // a zero size would loop forever: stop at the end instead
  }
  return sddl;
}

function textOf(attribute: string, v: unknown): string {
  if (!Buffer.isBuffer(v)) return String(v);
  const name = attribute.toLowerCase();
  if (SIDS.has(name)) return sidFromBytes(v) ?? v.toString('utf8');
  if (GUIDS.has(name) && v.length === 16) return guidFromBytes(v);
  if (DESCRIPTORS.has(name)) return sddlFromBytes(v) ?? v.toString('utf8');
  return v.toString('utf8');
}

/**
 * LDAP_SERVER_SD_FLAGS_OID: Active Directory returns nTSecurityDescriptor's SACL only to holders of
 * SeSecurityPrivilege and otherwise returns no descriptor at all unless asked for the other parts alone.
 */
class SecurityDescriptorFlagsControl extends Control {
  static readonly oid = '1.2.840.113556.1.4.801';
  constructor() {
    super(SecurityDescriptorFlagsControl.oid, { critical: false });
  }
  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    value.startSequence();
    value.writeInt(0x1 | 0x2 | 0x4); // OWNER, GROUP, DACL
    value.endSequence();
    writer.writeBuffer(value.buffer, 4);
  }
}

/** One directory object as a search returned it; attribute names are matched case-insensitively. */
export class Entry {
  private readonly values = new Map<string, string[]>();
  readonly dn: string;
  constructor(dn: string, raw: Record<string, unknown>) {
    this.dn = activeDirectoryDnForm(dn);
    for (const [name, value] of Object.entries(raw)) {
      if (name === 'dn') continue;
      const list = Array.isArray(value) ? value : [value];
      const key = name.toLowerCase();
      const text = list.map((v) => textOf(key, v));
      this.values.set(key, DN_VALUED.has(key) ? text.map(activeDirectoryDnForm) : text);
    }
  }
  get(attribute: string): string | undefined {
    return this.values.get(attribute.toLowerCase())?.[0];
  }
  all(attribute: string): string[] {
    return this.values.get(attribute.toLowerCase()) ?? [];
  }
  has(attribute: string): boolean {
    return this.values.has(attribute.toLowerCase());
  }
  int(attribute: string): number | undefined {
    const v = this.get(attribute);
    if (v === undefined) return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
}

export interface SearchRecord {
  base: string;
  scope: Scope;
  filter: string;
  results: number;
}

export interface DirectoryCredentials {
  dn: string;
  password: string;
}

export interface DirectoryWriteEntry {
  dn: string;
  attributes: Record<string, string | string[]>;
}

export type ModifyOperation = 'add' | 'replace' | 'delete';
export interface Modification {
  operation: ModifyOperation;
  attribute: string;
  values: string[];
}

/** Why a directory may not be changed, in an administrator's words (the live directory … is read-only; …). */
export interface ReadOnlyDirectory {
  reason: string;
}

export interface DirectoryClientOptions {
  /**
   * How long one request may take, in ms (default 10 s). Reading a whole 100,000-mailbox forest in one
   * search (an export) takes longer where the server does not page.
   */
  timeoutMs?: number;
  /** Refuse every change, before anything is sent, with this reason. */
  readOnly?: ReadOnlyDirectory;
  /** TLS for ldaps:// and StartTLS: the certification authorities to trust (never "trust anything"). */
  tlsOptions?: ConnectionOptions;
  /** Upgrade an ldap:// connection with StartTLS before any bind, so no password crosses in clear. */
  startTls?: boolean;
  /** Send Active Directory's SD flags control with searches that read nTSecurityDescriptor (see SecurityDescriptorFlagsControl). */
  securityDescriptorFlags?: boolean;
  /**
   * Checked before binding as a user to verify her password: a reason to refuse the bind (a password
   * nobody gave for a production account would count towards its lockout), or undefined to go ahead.
   */
  userBindPolicy?: (dn: string, password: string) => string | undefined;
}

/** A change refused because the directory is read-only; says what the step would have changed and why not. */
export class ReadOnlyDirectoryError extends InputError {
  constructor(
    readonly change: string,
    reason: string,
  ) {
    super(`this step would change the directory (${change}), but ${reason}`);
    this.name = 'ReadOnlyDirectoryError';
  }
}

/** What a change is, in a refusal: "add CN=EX3,…", "modify member of CN=Exchange Servers,…", "delete …". */
export function describeChange(change: { adds?: readonly { dn: string }[]; modifies?: readonly { dn: string; modifications: readonly Modification[] }[]; deletes?: readonly string[] }): string {
  const parts = [
    ...(change.adds ?? []).map((a) => `add ${a.dn}`),
    ...(change.modifies ?? []).filter((m) => m.modifications.length > 0).map((m) => `modify ${[...new Set(m.modifications.map((x) => x.attribute))].join(', ')} of ${m.dn}`),
    ...(change.deletes ?? []).map((dn) => `delete ${dn}`),
  ];
  if (parts.length === 0) return 'nothing';
  return parts.length === 1 ? parts[0] : `${parts[0]}, and ${parts.length - 1} more change${parts.length > 2 ? 's' : ''}`;
}

export class DirectoryClient {
  /** A second connection, only for checking users' passwords by binding as them (opened once, on first use). */
  private binder?: Promise<Client>;
  /** Refusals of a read-only directory (or of its bind policy) so far: steps that expect an error must not take one for theirs. */
  readonly refusals: { count: number; last?: InputError } = { count: 0 };

  private constructor(
    readonly url: string,
    private readonly client: Client,
    private readonly options: DirectoryClientOptions,
  ) {}

  static async connect(url: string, credentials: DirectoryCredentials, options: DirectoryClientOptions = {}): Promise<DirectoryClient> {
    const client = await DirectoryClient.open(url, options);
    try {
      await client.bind(credentials.dn, credentials.password);
    } catch (err) {
      await client.unbind().catch(() => undefined);
      throw new Error(`cannot bind to the directory at ${url} as ${credentials.dn}: ${scrub((err as Error).message, credentials.password)}`);
    }
    return new DirectoryClient(url, client, options);
  }

  /** A connection, upgraded with StartTLS when asked; errors name the URL and never a password. */
  private static async open(url: string, options: DirectoryClientOptions): Promise<Client> {
    const client = new Client({ url, timeout: options.timeoutMs ?? 10_000, connectTimeout: 5_000, tlsOptions: options.tlsOptions });
    if (options.startTls) {
      try {
        await client.startTLS(options.tlsOptions ?? {});
      } catch (err) {
        await client.unbind().catch(() => undefined);
        throw new Error(`StartTLS with ${url} failed: ${(err as Error).message}`);
      }
    }
    return client;
  }

  /** Whether changes are refused, and why. */
  get readOnly(): ReadOnlyDirectory | undefined {
    return this.options.readOnly;
  }

  /**
   * Refuses the change when the directory is read-only: throws a ReadOnlyDirectoryError naming it (built
   * only then), and counts the refusal. Writers call it before their first write, so nothing is half done.
   */
  refuseIfReadOnly(change: string | (() => string)): void {
    if (!this.options.readOnly) return;
    throw this.refusal(new ReadOnlyDirectoryError(typeof change === 'string' ? change : change(), this.options.readOnly.reason));
  }

  private refusal(err: InputError): InputError {
    this.refusals.count++;
    this.refusals.last = err;
    return err;
  }

  async search(base: string, filter: Filter, options: SearchOptions = {}): Promise<Entry[]> {
    const scope = options.scope ?? 'sub';
    const controls = this.options.securityDescriptorFlags && options.attributes?.some((a) => DESCRIPTORS.has(a.toLowerCase())) ? [new SecurityDescriptorFlagsControl()] : undefined;
    const { searchEntries } = await this.client.search(
      base,
      {
        scope,
        filter: filter.text,
        attributes: options.attributes ? [...options.attributes] : undefined,
        sizeLimit: options.sizeLimit,
        paged: options.paged ? { pageSize: 500 } : undefined,
        explicitBufferAttributes: EXPLICIT_BUFFER_ATTRIBUTES,
      },
      controls,
    );
    return searchEntries.map((e) => new Entry(e.dn, e as Record<string, unknown>));
  }

  /** One object by DN, or undefined when it does not exist. */
  async read(dn: string, filter: Filter, attributes?: readonly string[]): Promise<Entry | undefined> {
    try {
      const [entry] = await this.search(dn, filter, { scope: 'base', attributes });
      return entry;
    } catch (err) {
      if (isNoSuchObject(err)) return undefined;
      throw err;
    }
  }

  async add(entry: DirectoryWriteEntry): Promise<void> {
    this.refuseIfReadOnly(() => describeChange({ adds: [entry] }));
    await this.client.add(entry.dn, entry.attributes);
  }

  async modify(dn: string, modifications: readonly Modification[]): Promise<void> {
    this.refuseIfReadOnly(() => describeChange({ modifies: [{ dn, modifications }] }));
    await this.client.modify(
      dn,
      modifications.map(
        (m) => new Change({ operation: m.operation, modification: new Attribute({ type: m.attribute, values: m.values }) }),
      ),
    );
  }

  async del(dn: string): Promise<void> {
    this.refuseIfReadOnly(() => describeChange({ deletes: [dn] }));
    await this.client.del(dn);
  }

  /** Renames or moves an object (modify DN): `newDn` is its full new DN. */
  async modifyDN(dn: string, newDn: string): Promise<void> {
    this.refuseIfReadOnly(() => `move ${dn} to ${newDn}`);
    await this.client.modifyDN(dn, newDn);
  }

  /**
   * Checks a user's password the way an LDAP application does: a simple bind as that user, on a
   * connection kept for that purpose (so the service account's connection stays bound as itself). The
   * password is never logged or traced.
   */
  async verifyPassword(dn: string, password: string): Promise<boolean> {
    if (password === '') return false; // an empty password would be an unauthenticated bind, not a check
    const refused = this.options.userBindPolicy?.(dn, password);
    if (refused !== undefined) throw this.refusal(new InputError(refused, { value: dn }));
    this.binder ??= DirectoryClient.open(this.url, this.options);
    this.binder.catch(() => (this.binder = undefined)); // a failed StartTLS is tried again next time
    const binder = await this.binder;
    try {
      await binder.bind(dn, password);
      return true;
    } catch (err) {
      if (err instanceof InvalidCredentialsError) return false;
      throw new Error(`binding as ${dn} at ${this.url} failed: ${scrub((err as Error).message, password)}`);
    }
  }

  async close(): Promise<void> {
    await this.binder?.then((b) => b.unbind()).catch(() => undefined);
    await this.client.unbind().catch(() => undefined);
  }
}

/** An error text with a secret taken out, should a server or library ever echo it. */
function scrub(text: string, secret: string): string {
  return secret ? text.split(secret).join('********') : text;
}

export function isNoSuchObject(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: number }).code === 32;
}
