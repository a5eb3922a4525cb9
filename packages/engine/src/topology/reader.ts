// Exchange's view of Active Directory: the lookups a Client Access server makes, over LDAP. Configuration
// objects (sites, servers, virtual directories, databases) go through a topology cache as Exchange's own
// do; recipients are looked up on every request. The cache has an explicit invalidation (a directory
// change made by a scenario step stands for "replicated, and the servers have re-read their
// configuration") and a lifetime on the virtual clock.

import type { DirectoryClient, Entry, SearchRecord } from '../directory/client';
import { firstRdnValue, normalizeDn, parentDn, parseDn } from '../directory/dn';
import { and, eq, not, or, present, type Filter } from '../directory/filter';
import { ATTR, maskToAuthMethods, maskToRoles, OBJECT_CLASS, WELL_KNOWN, type AuthMethodName, type ServerRoleName } from '../directory/schema';
import { parseSddl, type SecurityDescriptor } from '../directory/security';
import type { VirtualClock } from '../clock/clock';
import { InputError } from '../errors';
import type { CrossSiteRedirectType, LegacyRedirectType } from './model';
import { releaseFromSerialNumber, UnknownReleaseError, type ExchangeRelease } from './versions';

export interface SiteView {
  dn: string;
  name: string;
}

export interface ServerView {
  dn: string;
  name: string;
  site: SiteView;
  release: ExchangeRelease;
  roles: ServerRoleName[];
  /** Exchange 2003 front-end server. */
  frontEnd: boolean;
  fqdn: string;
  legacyDn: string;
  securityDescriptor: SecurityDescriptor;
}

export interface VirtualDirectoryView {
  dn: string;
  server: ServerView;
  /** "owa" for /owa, "exchange" for Exchange 2003's /Exchange. */
  kind: 'owa' | 'exchange';
  internalUrl?: string;
  externalUrl?: string;
  internalAuthenticationMethods: AuthMethodName[];
  externalAuthenticationMethods: AuthMethodName[];
  exchange2003Url?: string;
  failbackUrl?: string;
  crossSiteRedirectType: CrossSiteRedirectType;
  legacyRedirectType: LegacyRedirectType;
  twoFactorAuthentication: boolean;
}

/** The host names a server's web presence answers at: its FQDN and the hosts of its /owa URLs (DNS as the simulation registers it). */
export function webHostsOf(vdir: VirtualDirectoryView): string[] {
  const hosts = new Set<string>([vdir.server.fqdn]);
  for (const url of [vdir.internalUrl, vdir.externalUrl, vdir.failbackUrl]) if (url) hosts.add(new URL(url).hostname);
  return [...hosts];
}

export interface DatabaseView {
  dn: string;
  name: string;
  /** Where it is mounted. */
  server: ServerView;
  /** The legacyExchangeDN of its RpcClientAccessServer, decoded from the database's own legacyExchangeDN. */
  rpcClientAccessServerLegacyDn?: string;
}

export interface MailboxUserView {
  dn: string;
  alias: string;
  userPrincipalName: string;
  primarySmtpAddress: string;
  sid: string;
  homeMdbDn?: string;
  homeServerLegacyDn?: string;
  /** A linked mailbox's owner: the SID of the account in the account forest that signs in to it. */
  masterAccountSid?: string;
  displayName?: string;
}

/** A user account without a mailbox (an application's service account), or a security group. */
export interface PrincipalView {
  dn: string;
  /** sAMAccountName for an account, cn for a group. */
  name: string;
  sid: string;
  userPrincipalName?: string;
}

/**
 * Everything of an Exchange forest a scenario names things by, read from the directory in one go: what
 * an organization the engine did not write (an ldifde export, a production forest) is adopted from.
 */
export interface ExchangeForestView {
  contexts: NamingContextsView;
  /** The forest's DNS domain, from the domain naming context (DC=contoso,DC=com → contoso.com). */
  forestDomain: string;
  organizationName: string;
  /** The domain's objectSid; empty when the domain object carries none. */
  domainSid: string;
  sites: SiteView[];
  /** The administrative groups under CN=Administrative Groups of the organization. */
  administrativeGroups: string[];
  servers: Array<{ server: ServerView; virtualDirectory?: VirtualDirectoryView; computer?: { dn: string; sid: string } }>;
  databases: DatabaseView[];
  mailboxes: MailboxUserView[];
  accounts: PrincipalView[];
  groups: PrincipalView[];
}

export interface NamingContextsView {
  defaultNamingContext: string;
  configurationNamingContext: string;
}

const DEFAULT_CACHE_LIFETIME_MS = 15 * 60_000;

interface CacheSlot {
  at: number;
  /** The finished view (a ServerView, a list of them, …), built once from the entries. */
  value: unknown;
  /** What the lookup was, for the trace of a cache hit. */
  record: SearchRecord;
}

/**
 * The cache a set of simulated servers share (one per scenario, as one directory). It keeps the views
 * built from configuration objects, not raw entries, so a hit costs a map lookup and nothing more.
 */
export class TopologyCache {
  private readonly slots = new Map<string, CacheSlot>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly clock: VirtualClock,
    readonly lifetimeMs = DEFAULT_CACHE_LIFETIME_MS,
  ) {}

  get(key: string): CacheSlot | undefined {
    const slot = this.slots.get(key);
    if (!slot) return undefined;
    if (this.clock.millis() - slot.at >= this.lifetimeMs) {
      this.slots.delete(key);
      return undefined;
    }
    return slot;
  }

  set(key: string, value: unknown, record: SearchRecord): void {
    this.slots.set(key, { at: this.clock.millis(), value, record });
  }

  invalidate(): void {
    this.slots.clear();
  }
}

interface Query {
  base: string;
  filter: Filter;
  scope: 'base' | 'one' | 'sub';
  attributes: readonly string[];
}

const SERVER_ATTRIBUTES = [ATTR.cn, ATTR.serverSite, ATTR.serialNumber, ATTR.currentServerRoles, ATTR.serverRole, ATTR.networkAddress, ATTR.legacyExchangeDN, ATTR.securityDescriptor];
const VDIR_ATTRIBUTES = [
  ATTR.objectClass, ATTR.internalHostName, ATTR.externalHostName, ATTR.internalAuthenticationMethods, ATTR.externalAuthenticationMethods,
  ATTR.exchange2003Url, ATTR.owaFailbackUrl, ATTR.crossSiteRedirectType, ATTR.legacyRedirectType, ATTR.twoFactorAuthentication,
];
const USER_ATTRIBUTES = [ATTR.sAMAccountName, ATTR.mailNickname, ATTR.userPrincipalName, ATTR.proxyAddresses, ATTR.mail, ATTR.objectSid, ATTR.homeMDB, ATTR.homeServerName, ATTR.masterAccountSid, ATTR.displayName];
const DATABASE_ATTRIBUTES = [ATTR.cn, ATTR.owningServer, ATTR.legacyExchangeDN];

export class ExchangeDirectory {
  private contexts?: NamingContextsView;

  constructor(
    private readonly client: DirectoryClient,
    private readonly cache: TopologyCache,
    private readonly log: (record: SearchRecord & { cached?: boolean }) => void = () => undefined,
    /** The forest's naming contexts, when the server holds more than one forest (else read from the RootDSE). */
    contexts?: NamingContextsView,
  ) {
    this.contexts = contexts;
  }

  /** The same directory and cache, recording its lookups somewhere else (one trace hop). */
  withLog(log: (record: SearchRecord & { cached?: boolean }) => void): ExchangeDirectory {
    return new ExchangeDirectory(this.client, this.cache, log, this.contexts);
  }

  /** A search outside the views above (federation objects, contacts), logged like every other one. */
  lookup(base: string, filter: Filter, scope: 'base' | 'one' | 'sub', attributes: readonly string[]): Promise<Entry[]> {
    return this.search(base, filter, scope, attributes);
  }

  private async search(base: string, filter: Filter, scope: 'base' | 'one' | 'sub', attributes: readonly string[], paged = false): Promise<Entry[]> {
    const entries = await this.client.search(base, filter, { scope, attributes, paged });
    this.log({ base, scope, filter: filter.text, results: entries.length });
    return entries;
  }

  /**
   * A configuration lookup through the topology cache: `key` names it, `query` is built only on a miss,
   * and `build` turns the entries into the view that is cached. A missing base is an empty result.
   */
  private async view<T>(key: string, query: () => Query, build: (entries: Entry[]) => T | Promise<T>): Promise<T> {
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.hits++;
      this.log({ ...hit.record, cached: true });
      return hit.value as T;
    }
    this.cache.misses++;
    const q = query();
    let entries: Entry[];
    try {
      entries = await this.search(q.base, q.filter, q.scope, q.attributes);
    } catch (err) {
      if ((err as { code?: number }).code === 32) entries = [];
      else throw err;
    }
    const value = await build(entries);
    this.cache.set(key, value, { base: q.base, scope: q.scope, filter: q.filter.text, results: entries.length });
    return value;
  }

  /** The forest's naming contexts as its writer declared them (the RootDSE is read only when nobody did). */
  knowNamingContexts(contexts: NamingContextsView): void {
    this.contexts ??= { defaultNamingContext: contexts.defaultNamingContext, configurationNamingContext: contexts.configurationNamingContext };
  }

  async namingContexts(): Promise<NamingContextsView> {
    if (this.contexts) return this.contexts;
    const root = await this.view('rootdse', () => ({ base: '', filter: present(ATTR.objectClass), scope: 'base', attributes: ['defaultNamingContext', 'configurationNamingContext'] }), (e) => e[0]);
    const defaultNamingContext = root?.get('defaultNamingContext');
    const configurationNamingContext = root?.get('configurationNamingContext');
    if (!defaultNamingContext || !configurationNamingContext) {
      throw new Error('the directory has no Active Directory forest yet (its RootDSE names no defaultNamingContext); declare the Exchange organization first');
    }
    this.contexts = { defaultNamingContext, configurationNamingContext };
    return this.contexts;
  }

  /** Checks a user's password by binding as her (never traced). */
  verifyPassword(dn: string, password: string): Promise<boolean> {
    return this.client.verifyPassword(dn, password);
  }

  // ---- recipients (never cached) ----

  /**
   * Finds the user a logon name denotes, as OWA accepts it: a user principal name (alice@fourthcoffee.com),
   * DOMAIN\alice, or the bare account name.
   */
  async findUserByLogonName(logonName: string): Promise<MailboxUserView | undefined> {
    const name = logonName.trim();
    if (name.includes('\\')) return this.findUserWhere(eq(ATTR.sAMAccountName, name.slice(name.indexOf('\\') + 1)));
    if (name.includes('@')) return this.findUserWhere(or(eq(ATTR.userPrincipalName, name), eq(ATTR.proxyAddresses, `smtp:${name}`)));
    return this.findUserWhere(eq(ATTR.sAMAccountName, name));
  }


  /** /exchange/<alias>: Exchange 2003 resolves the mailbox by its alias. */
  async findUserByAlias(alias: string): Promise<MailboxUserView | undefined> {
    return this.findUserWhere(eq(ATTR.mailNickname, alias));
  }

  async findUserBySid(sid: string): Promise<MailboxUserView | undefined> {
    return this.findUserWhere(eq(ATTR.objectSid, sid));
  }

  /** Every mailbox user of the domain (a homeMDB set), read in pages: the questions over the whole organization. */
  async mailboxUsers(): Promise<MailboxUserView[]> {
    const { defaultNamingContext } = await this.namingContexts();
    const found = await this.search(defaultNamingContext, and(eq(ATTR.objectClass, OBJECT_CLASS.user), present(ATTR.homeMDB)), 'sub', USER_ATTRIBUTES, true);
    return found.map((e) => this.toUser(e));
  }

  /** The one user account the filter matches in the domain, or undefined (none, or ambiguous). */
  async findUserWhere(filter: Filter): Promise<MailboxUserView | undefined> {
    const { defaultNamingContext } = await this.namingContexts();
    const found = await this.search(defaultNamingContext, and(eq(ATTR.objectClass, OBJECT_CLASS.user), filter), 'sub', USER_ATTRIBUTES);
    return found.length === 1 ? this.toUser(found[0]) : undefined;
  }

  private toUser(e: Entry): MailboxUserView {
    const primary = e.all(ATTR.proxyAddresses).find((p) => p.startsWith('SMTP:'));
    return {
      dn: e.dn,
      alias: e.get(ATTR.mailNickname) ?? e.get(ATTR.sAMAccountName) ?? firstRdnValue(e.dn),
      userPrincipalName: e.get(ATTR.userPrincipalName) ?? '',
      primarySmtpAddress: primary ? primary.slice(5) : (e.get(ATTR.mail) ?? ''),
      sid: e.get(ATTR.objectSid) ?? '',
      homeMdbDn: e.get(ATTR.homeMDB),
      homeServerLegacyDn: e.get(ATTR.homeServerName),
      masterAccountSid: e.get(ATTR.masterAccountSid),
      displayName: e.get(ATTR.displayName),
    };
  }

  // ---- configuration (cached) ----

  async server(dn: string): Promise<ServerView | undefined> {
    return this.view(`server|dn|${dn.toLowerCase()}`, () => ({ base: dn, filter: eq(ATTR.objectClass, OBJECT_CLASS.exchangeServer), scope: 'base', attributes: SERVER_ATTRIBUTES }), (e) =>
      e[0] ? this.toServer(e[0]) : undefined,
    );
  }

  async serverByLegacyDn(legacyDn: string): Promise<ServerView | undefined> {
    const { configurationNamingContext } = await this.namingContexts();
    return this.view(
      `server|legacydn|${legacyDn.toLowerCase()}`,
      () => ({ base: configurationNamingContext, filter: and(eq(ATTR.objectClass, OBJECT_CLASS.exchangeServer), eq(ATTR.legacyExchangeDN, legacyDn)), scope: 'sub', attributes: SERVER_ATTRIBUTES }),
      (e) => (e[0] ? this.toServer(e[0]) : undefined),
    );
  }

  async serverByName(name: string): Promise<ServerView | undefined> {
    const { configurationNamingContext } = await this.namingContexts();
    return this.view(
      `server|name|${name.toLowerCase()}`,
      () => ({ base: configurationNamingContext, filter: and(eq(ATTR.objectClass, OBJECT_CLASS.exchangeServer), eq(ATTR.cn, name)), scope: 'sub', attributes: SERVER_ATTRIBUTES }),
      (e) => (e[0] ? this.toServer(e[0]) : undefined),
    );
  }

  async allServers(): Promise<ServerView[]> {
    const { configurationNamingContext } = await this.namingContexts();
    return this.view('servers|all', () => ({ base: configurationNamingContext, filter: eq(ATTR.objectClass, OBJECT_CLASS.exchangeServer), scope: 'sub', attributes: SERVER_ATTRIBUTES }), (found) =>
      found.map((e) => this.toServer(e)),
    );
  }

  /**
   * Loads every Exchange server and virtual directory of the organization in two searches and files
   * each under the key its own lookup uses, as Exchange's topology service reads configuration in bulk.
   */
  async prefetchConfiguration(): Promise<void> {
    const { configurationNamingContext } = await this.namingContexts();
    const servers = await this.allServers();
    const record = (filter: Filter, results: number): SearchRecord => ({ base: configurationNamingContext, scope: 'sub', filter: filter.text, results });
    const byServer = new Map(servers.map((srv) => [srv.dn.toLowerCase(), srv]));
    for (const srv of servers) {
      const r = record(and(eq(ATTR.objectClass, OBJECT_CLASS.exchangeServer), eq(ATTR.cn, srv.name)), 1);
      this.cache.set(`server|name|${srv.name.toLowerCase()}`, srv, r);
      this.cache.set(`server|dn|${srv.dn.toLowerCase()}`, srv, r);
    }
    const vdirFilter = or(eq(ATTR.objectClass, OBJECT_CLASS.owaVirtualDirectory), eq(ATTR.objectClass, OBJECT_CLASS.legacyHttpVirtualDirectory));
    const vdirs = await this.search(configurationNamingContext, vdirFilter, 'sub', VDIR_ATTRIBUTES);
    const found = new Map<string, VirtualDirectoryView>();
    for (const e of vdirs) {
      // A virtual directory sits a few levels under its server (…,CN=HTTP,CN=Protocols,CN=<server>,…).
      let owner = parentDn(e.dn);
      while (owner && !byServer.has(owner.toLowerCase())) owner = parentDn(owner);
      const key = owner.toLowerCase();
      if (owner && !found.has(key)) found.set(key, this.toVirtualDirectory(e, byServer.get(key)!));
    }
    for (const serverDn of byServer.keys()) this.cache.set(`vdir|${serverDn}`, found.get(serverDn), record(vdirFilter, found.has(serverDn) ? 1 : 0));
  }

  /** Exchange servers in a site, optionally only those holding a role (msExchCurrentServerRoles bit). */
  async serversInSite(siteDn: string): Promise<ServerView[]> {
    const { configurationNamingContext } = await this.namingContexts();
    return this.view(
      `servers|site|${siteDn.toLowerCase()}`,
      () => ({ base: configurationNamingContext, filter: and(eq(ATTR.objectClass, OBJECT_CLASS.exchangeServer), eq(ATTR.serverSite, siteDn)), scope: 'sub', attributes: SERVER_ATTRIBUTES }),
      (found) => found.map((e) => this.toServer(e)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    );
  }

  private toServer(e: Entry): ServerView {
    const siteDn = e.get(ATTR.serverSite) ?? '';
    const fqdn = e.all(ATTR.networkAddress).find((a) => a.startsWith('ncacn_ip_tcp:'))?.slice('ncacn_ip_tcp:'.length) ?? firstRdnValue(e.dn).toLowerCase();
    const role = e.int(ATTR.serverRole);
    return {
      dn: e.dn,
      name: e.get(ATTR.cn) ?? firstRdnValue(e.dn),
      site: { dn: siteDn, name: firstRdnValue(siteDn) },
      release: releaseFromSerialNumber(e.get(ATTR.serialNumber) ?? ''),
      roles: maskToRoles(e.int(ATTR.currentServerRoles) ?? 0),
      frontEnd: role === 1,
      fqdn,
      legacyDn: e.get(ATTR.legacyExchangeDN) ?? '',
      securityDescriptor: parseSddl(e.get(ATTR.securityDescriptor) ?? 'D:'),
    };
  }

  /** The server's /owa virtual directory, or Exchange 2003's /Exchange. */
  async virtualDirectory(server: ServerView): Promise<VirtualDirectoryView | undefined> {
    return this.view(
      `vdir|${server.dn.toLowerCase()}`,
      () => ({ base: server.dn, filter: or(eq(ATTR.objectClass, OBJECT_CLASS.owaVirtualDirectory), eq(ATTR.objectClass, OBJECT_CLASS.legacyHttpVirtualDirectory)), scope: 'sub', attributes: VDIR_ATTRIBUTES }),
      (found) => (found[0] ? this.toVirtualDirectory(found[0], server) : undefined),
    );
  }

  private toVirtualDirectory(e: Entry, server: ServerView): VirtualDirectoryView {
    const kind = e.all(ATTR.objectClass).some((c) => c.toLowerCase() === OBJECT_CLASS.owaVirtualDirectory.toLowerCase()) ? 'owa' : 'exchange';
    return {
      dn: e.dn,
      server,
      kind,
      internalUrl: e.get(ATTR.internalHostName),
      externalUrl: e.get(ATTR.externalHostName),
      internalAuthenticationMethods: maskToAuthMethods(e.int(ATTR.internalAuthenticationMethods) ?? 0),
      externalAuthenticationMethods: maskToAuthMethods(e.int(ATTR.externalAuthenticationMethods) ?? 0),
      exchange2003Url: e.get(ATTR.exchange2003Url),
      failbackUrl: e.get(ATTR.owaFailbackUrl),
      crossSiteRedirectType: (e.get(ATTR.crossSiteRedirectType) as CrossSiteRedirectType | undefined) ?? 'Manual',
      legacyRedirectType: (e.get(ATTR.legacyRedirectType) as LegacyRedirectType | undefined) ?? 'Silent',
      twoFactorAuthentication: (e.get(ATTR.twoFactorAuthentication) ?? '').toUpperCase() === 'TRUE',
    };
  }

  async database(dn: string): Promise<DatabaseView | undefined> {
    return this.view(
      `database|${dn.toLowerCase()}`,
      () => ({ base: dn, filter: eq(ATTR.objectClass, OBJECT_CLASS.mdb), scope: 'base', attributes: DATABASE_ATTRIBUTES }),
      async (found) => (found[0] ? this.toDatabase(found[0]) : undefined),
    );
  }

  /** Every mailbox database of the organization (msExchPrivateMDB), with the server it is mounted on. */
  async allDatabases(): Promise<DatabaseView[]> {
    const { configurationNamingContext } = await this.namingContexts();
    return this.view(
      'databases|all',
      () => ({ base: configurationNamingContext, filter: eq(ATTR.objectClass, OBJECT_CLASS.privateMdb), scope: 'sub', attributes: DATABASE_ATTRIBUTES }),
      async (found) => {
        const views: DatabaseView[] = [];
        for (const e of found) {
          const view = await this.toDatabase(e);
          if (view) views.push(view);
        }
        return views;
      },
    );
  }

  /** A database whose owning server is not an Exchange server of the directory is no database to use. */
  private async toDatabase(e: Entry): Promise<DatabaseView | undefined> {
    const owner = e.get(ATTR.owningServer);
    const server = owner ? await this.server(owner) : undefined;
    if (!server) return undefined;
    const legacyDn = e.get(ATTR.legacyExchangeDN);
    const suffix = WELL_KNOWN.privateMdbSuffix.toLowerCase();
    return {
      dn: e.dn,
      name: e.get(ATTR.cn) ?? firstRdnValue(e.dn),
      server,
      rpcClientAccessServerLegacyDn: legacyDn && legacyDn.toLowerCase().endsWith(suffix) ? legacyDn.slice(0, -suffix.length) : undefined,
    };
  }

  // ---- the whole forest, for adopting an organization the engine did not write ----

  /**
   * Reads the Exchange organization of this forest and everything steps name things by: sites, servers
   * (with their OWA virtual directory and computer account), databases, mailboxes, accounts and groups.
   * Configuration goes through the views above (and their cache); recipients are read in pages.
   */
  async readExchangeForest(): Promise<ExchangeForestView> {
    const contexts = await this.namingContexts();
    const forestDomain = forestDomainOf(contexts.defaultNamingContext);
    const exchangeDn = `CN=Microsoft Exchange,CN=Services,${contexts.configurationNamingContext}`;
    const organizations = await this.lookupIfPresent(exchangeDn, eq(ATTR.objectClass, OBJECT_CLASS.organization), 'one', [ATTR.cn]);
    if (organizations.length !== 1) {
      throw new InputError(
        organizations.length === 0
          ? `the forest ${forestDomain} holds no Exchange organization: nothing of class ${OBJECT_CLASS.organization} under ${exchangeDn}`
          : `the forest ${forestDomain} holds ${organizations.length} Exchange organizations under ${exchangeDn} (${organizations.map((o) => o.dn).join('; ')}); Exchange allows one per forest`,
        { value: forestDomain },
      );
    }
    const organizationDn = organizations[0].dn;
    const organizationName = organizations[0].get(ATTR.cn) ?? firstRdnValue(organizationDn);
    const domain = await this.lookupIfPresent(contexts.defaultNamingContext, present(ATTR.objectClass), 'base', [ATTR.objectSid]);
    const sites = await this.lookupIfPresent(`CN=Sites,${contexts.configurationNamingContext}`, eq(ATTR.objectClass, OBJECT_CLASS.site), 'one', [ATTR.cn]);
    const groups = await this.lookupIfPresent(`CN=Administrative Groups,${organizationDn}`, eq(ATTR.objectClass, OBJECT_CLASS.adminGroup), 'one', [ATTR.cn]);

    try {
      await this.prefetchConfiguration();
    } catch (err) {
      // One server of a later version (Exchange 2013 in a 2010 organization) is outside what the rules model.
      if (err instanceof UnknownReleaseError) throw new InputError(`the organization "${organizationName}" has an Exchange server this project cannot model: ${err.message}`, { value: err.value });
      throw err;
    }
    const servers: ExchangeForestView['servers'] = [];
    for (const server of await this.allServers()) {
      servers.push({ server, virtualDirectory: await this.virtualDirectory(server), computer: await this.computerAccount(server) });
    }
    const { defaultNamingContext } = contexts;
    const user = eq(ATTR.objectClass, OBJECT_CLASS.user);
    const mailboxes = await this.search(defaultNamingContext, and(user, present(ATTR.homeMDB)), 'sub', USER_ATTRIBUTES, true);
    const accounts = await this.search(defaultNamingContext, and(user, not(eq(ATTR.objectClass, OBJECT_CLASS.computer)), not(present(ATTR.homeMDB))), 'sub', [ATTR.sAMAccountName, ATTR.userPrincipalName, ATTR.objectSid], true);
    const securityGroups = await this.search(defaultNamingContext, eq(ATTR.objectClass, OBJECT_CLASS.group), 'sub', [ATTR.cn, ATTR.objectSid], true);
    return {
      contexts,
      forestDomain,
      organizationName,
      domainSid: domain[0]?.get(ATTR.objectSid) ?? '',
      sites: sites.map((e) => ({ dn: e.dn, name: e.get(ATTR.cn) ?? firstRdnValue(e.dn) })),
      administrativeGroups: groups.map((e) => e.get(ATTR.cn) ?? firstRdnValue(e.dn)),
      servers,
      databases: await this.allDatabases(),
      mailboxes: mailboxes.map((e) => this.toUser(e)),
      accounts: accounts.map((e) => ({ dn: e.dn, name: e.get(ATTR.sAMAccountName) ?? firstRdnValue(e.dn), sid: e.get(ATTR.objectSid) ?? '', userPrincipalName: e.get(ATTR.userPrincipalName) })),
      groups: securityGroups.map((e) => ({ dn: e.dn, name: e.get(ATTR.cn) ?? firstRdnValue(e.dn), sid: e.get(ATTR.objectSid) ?? '' })),
    };
  }

  /** A search whose missing base is an empty result, not an error. */
  private async lookupIfPresent(base: string, filter: Filter, scope: 'base' | 'one' | 'sub', attributes: readonly string[]): Promise<Entry[]> {
    try {
      return await this.search(base, filter, scope, attributes);
    } catch (err) {
      if ((err as { code?: number }).code === 32) return [];
      throw err;
    }
  }

  /** The computer account of an Exchange server (for its SID and group memberships). */
  async computerAccount(server: ServerView): Promise<{ dn: string; sid: string } | undefined> {
    const { defaultNamingContext } = await this.namingContexts();
    return this.view(
      `computer|${server.name.toLowerCase()}`,
      () => ({ base: defaultNamingContext, filter: and(eq(ATTR.objectClass, OBJECT_CLASS.computer), eq(ATTR.sAMAccountName, `${server.name}$`)), scope: 'sub', attributes: [ATTR.objectSid] }),
      (found) => (found[0] ? { dn: found[0].dn, sid: found[0].get(ATTR.objectSid) ?? '' } : undefined),
    );
  }

  /** The SIDs of the groups an object is a direct or nested member of (its token groups). */
  async tokenGroupSids(memberDn: string): Promise<string[]> {
    const { defaultNamingContext } = await this.namingContexts();
    const sids: string[] = [];
    const seen = new Set<string>();
    let frontier = [memberDn];
    while (frontier.length) {
      const next: string[] = [];
      for (const dn of frontier) {
        const groups = await this.view(`groups-of|${dn.toLowerCase()}`, () => ({ base: defaultNamingContext, filter: and(eq(ATTR.objectClass, OBJECT_CLASS.group), eq(ATTR.member, dn)), scope: 'sub', attributes: [ATTR.objectSid] }), (e) => e);
        for (const g of groups) {
          const key = normalizeDn(g.dn);
          if (seen.has(key)) continue;
          seen.add(key);
          const sid = g.get(ATTR.objectSid);
          if (sid) sids.push(sid);
          next.push(g.dn);
        }
      }
      frontier = next;
    }
    return sids;
  }

  /** Is the object a (direct or nested) member of the group with this DN? */
  async isMemberOfGroupDn(memberDn: string, groupDn: string): Promise<boolean> {
    const group = await this.view(`group-dn|${groupDn.toLowerCase()}`, () => ({ base: groupDn, filter: eq(ATTR.objectClass, OBJECT_CLASS.group), scope: 'base', attributes: [ATTR.objectSid] }), (e) => e[0]);
    const sid = group?.get(ATTR.objectSid);
    return sid !== undefined && (await this.tokenGroupSids(memberDn)).includes(sid);
  }

  /** Is the object a (direct or nested) member of the group with this common name in its domain? */
  async isMemberOfGroupNamed(memberDn: string, groupName: string): Promise<boolean> {
    const { defaultNamingContext } = await this.namingContexts();
    const group = await this.view(`group|${groupName.toLowerCase()}`, () => ({ base: defaultNamingContext, filter: and(eq(ATTR.objectClass, OBJECT_CLASS.group), eq(ATTR.cn, groupName)), scope: 'sub', attributes: [ATTR.objectSid] }), (e) => e[0]);
    if (!group) return false;
    const sid = group.get(ATTR.objectSid);
    return sid !== undefined && (await this.tokenGroupSids(memberDn)).includes(sid);
  }
}

/** DC=contoso,DC=com → contoso.com; an InputError for a naming context that is not a DNS domain's. */
export function forestDomainOf(domainDn: string): string {
  const rdns = parseDn(domainDn);
  if (rdns.length === 0 || rdns.some((r) => r.type.toLowerCase() !== 'dc')) {
    throw new InputError(`"${domainDn}" is not an Active Directory domain's naming context (DC=contoso,DC=com)`, { field: 'defaultNamingContext', value: domainDn });
  }
  return rdns.map((r) => r.value.toLowerCase()).join('.');
}
