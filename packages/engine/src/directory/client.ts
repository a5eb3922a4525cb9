// The engine's only way into the directory: LDAP over the wire with ldapts, as Exchange reads Active
// Directory. Searches take a Filter built by ./filter (never a string).

import { Attribute, Change, Client, InvalidCredentialsError } from 'ldapts';
import type { Filter } from './filter';

export type Scope = 'base' | 'one' | 'sub';

export interface SearchOptions {
  scope?: Scope;
  attributes?: readonly string[];
  sizeLimit?: number;
}

/** One directory object as a search returned it; attribute names are matched case-insensitively. */
export class Entry {
  private readonly values = new Map<string, string[]>();
  constructor(readonly dn: string, raw: Record<string, unknown>) {
    for (const [name, value] of Object.entries(raw)) {
      if (name === 'dn') continue;
      const list = Array.isArray(value) ? value : [value];
      this.values.set(name.toLowerCase(), list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v))));
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

export class DirectoryClient {
  /** A second connection, only for checking users' passwords by binding as them. */
  private binder?: Client;

  private constructor(
    readonly url: string,
    private readonly client: Client,
  ) {}

  static async connect(url: string, credentials: DirectoryCredentials): Promise<DirectoryClient> {
    const client = new Client({ url, timeout: 10_000, connectTimeout: 5_000 });
    await client.bind(credentials.dn, credentials.password);
    return new DirectoryClient(url, client);
  }

  async search(base: string, filter: Filter, options: SearchOptions = {}): Promise<Entry[]> {
    const scope = options.scope ?? 'sub';
    const { searchEntries } = await this.client.search(base, {
      scope,
      filter: filter.text,
      attributes: options.attributes ? [...options.attributes] : undefined,
      sizeLimit: options.sizeLimit,
    });
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
    await this.client.add(entry.dn, entry.attributes);
  }

  async modify(dn: string, modifications: readonly Modification[]): Promise<void> {
    await this.client.modify(
      dn,
      modifications.map(
        (m) => new Change({ operation: m.operation, modification: new Attribute({ type: m.attribute, values: m.values }) }),
      ),
    );
  }

  async del(dn: string): Promise<void> {
    await this.client.del(dn);
  }

  /**
   * Checks a user's password the way an LDAP application does: a simple bind as that user, on a
   * connection kept for that purpose (so the service account's connection stays bound as itself). The
   * password is never logged or traced.
   */
  async verifyPassword(dn: string, password: string): Promise<boolean> {
    if (password === '') return false; // an empty password would be an unauthenticated bind, not a check
    this.binder ??= new Client({ url: this.url, timeout: 10_000, connectTimeout: 5_000 });
    try {
      await this.binder.bind(dn, password);
      return true;
    } catch (err) {
      if (err instanceof InvalidCredentialsError) return false;
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.binder?.unbind().catch(() => undefined);
    await this.client.unbind().catch(() => undefined);
  }
}

export function isNoSuchObject(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: number }).code === 32;
}
