// One simulated Exchange organization for one scenario: a directory connection, the topology writer and
// cache, the virtual clock, and the network with a simulated server for every Exchange server with an
// HTTP presence. The servers, and the names they answer at, are found by LDAP like everything else.

import { describeChange, DirectoryClient, type DirectoryClientOptions, type DirectoryCredentials, type DirectoryWriteEntry, type ReadOnlyDirectory } from './directory/client';
import { normalizeDn } from './directory/dn';
import { VirtualClock } from './clock/clock';
import { SimulatedBrowser, type BrowserUser } from './network/browser';
import { SimulatedNetwork, type Endpoint } from './network/network';
import { ClientAccessServer } from './redirection/client-access-server';
import { LegacyExchangeServer } from './redirection/legacy-servers';
import { PreAuthenticatingReverseProxy, type PublishingRule } from './redirection/reverse-proxy';
import { InputError, unknownName } from './errors';
import { ExchangeDirectory, TopologyCache, webHostsOf, type MailboxUserView, type ServerView } from './topology/reader';
import { ForestLayout } from './topology/layout';
import { describePlan, TopologyPlanner, TopologyWriter, type NamingContexts } from './topology/writer';
import { MailboxContent } from './federation/mailbox-content';
import { StorePermissions } from './topology/store-permissions';

/** Where the directory comes from: the in-process server, OpenLDAP, … (see environments/). */
export interface DirectoryEnvironment {
  readonly name: string;
  readonly url: string;
  readonly serviceAccount: DirectoryCredentials;
  declareNamingContexts(contexts: NamingContexts): Promise<void>;
  /** Bulk import of new objects (see DirectoryTarget.importEntries); optional. */
  importEntries?(entries: readonly DirectoryWriteEntry[]): Promise<void>;
  /** How to connect: TLS, StartTLS, a read-only directory, which user binds are allowed (see DirectoryClientOptions). */
  readonly connection?: DirectoryClientOptions;
}

/**
 * One Exchange organization of the scenario: its own forest (naming contexts) on the directory server, its
 * own writer, topology cache and view of the directory. Several organizations share the network and clock.
 */
export class ExchangeOrganization {
  readonly cache: TopologyCache;
  readonly directory: ExchangeDirectory;
  readonly writer: TopologyWriter;
  /**
   * What the organization's mailboxes hold that is not topology (calendar items, the calendar folder's name
   * and permission): read by the availability service and by the presence gateway's WebDAV and EWS alike.
   */
  readonly calendars = new MailboxContent();
  /** The information store's lagging view of rights given on databases and storage groups. */
  readonly storePermissions: StorePermissions;

  constructor(environment: DirectoryEnvironment, client: DirectoryClient, clock: VirtualClock, contexts?: NamingContexts) {
    this.storePermissions = new StorePermissions(clock);
    this.cache = new TopologyCache(clock);
    this.directory = new ExchangeDirectory(client, this.cache, undefined, contexts);
    this.writer = new TopologyWriter({
      directory: client,
      // The forest this organization writes is the one it reads: its contexts are known without the RootDSE
      // (a server holding several forests names only one there, and slapd cannot change its RootDSE live).
      declareNamingContexts: async (c) => {
        await environment.declareNamingContexts(c);
        this.directory.knowNamingContexts(c);
      },
      importEntries: environment.importEntries?.bind(environment),
    });
    this.writer.onChange(() => this.cache.invalidate());
    this.writer.onExtendedRight(({ target, trusteeSid, allow }) => {
      if (allow && (target.kind === 'database' || target.kind === 'storageGroup')) this.storePermissions.noteContainerGrant(target.dn, trusteeSid);
    });
  }

  /** The organization's name, once it is declared. */
  get name(): string | undefined {
    return this.writer.planner.layout?.organizationName;
  }

  get layout(): ForestLayout {
    return this.writer.planner.requireLayout();
  }
}

export class ExchangeSimulation {
  readonly clock: VirtualClock;
  readonly network = new SimulatedNetwork();
  /** Every organization of the scenario, in the order declared; the first exists from the start. */
  readonly organizations: ExchangeOrganization[] = [];
  /** The organization topology steps speak of: the one declared last, unless a step names another. */
  current: ExchangeOrganization;
  private readonly endpoints = new Map<string, Endpoint>();
  /** Whose each built endpoint is, so a layer added later can wrap it too. */
  private readonly endpointOwners = new Map<string, { org: ExchangeOrganization; server: ServerView }>();
  private readonly extraEndpoints: Array<() => Promise<Array<{ endpoint: Endpoint; hosts: string[] }>>> = [];
  private networkStale = true;
  private readonly timeListeners: Array<() => Promise<void>> = [];

  private constructor(
    readonly environment: DirectoryEnvironment,
    readonly client: DirectoryClient,
    clock: VirtualClock,
    /** Whether closing the simulation closes the connection (it opened it). */
    private readonly ownsClient: boolean,
  ) {
    this.clock = clock;
    this.current = this.addOrganizationSlot();
  }

  private addOrganizationSlot(contexts?: NamingContexts): ExchangeOrganization {
    const org = new ExchangeOrganization(this.environment, this.client, this.clock, contexts);
    // Server names must be unique across the scenario's organizations: the network and trace name servers.
    org.writer.planner.reservedServerNames = () => this.organizations.filter((o) => o !== org).flatMap((o) => o.writer.planner.serverNames());
    org.writer.onChange(() => {
      this.networkStale = true;
    });
    this.organizations.push(org);
    return org;
  }

  /** The current organization's writer, cache and directory view (a one-organization scenario's only one). */
  get writer(): TopologyWriter {
    return this.current.writer;
  }

  get cache(): TopologyCache {
    return this.current.cache;
  }

  get directory(): ExchangeDirectory {
    return this.current.directory;
  }

  /**
   * A new organization on the environment's directory. `client` may be a connection kept across
   * scenarios (the directory is emptied between them, the connection stays bound); otherwise one is
   * opened here and closed with the simulation.
   */
  static async start(environment: DirectoryEnvironment, options: { clock?: VirtualClock; client?: DirectoryClient } = {}): Promise<ExchangeSimulation> {
    const client = options.client ?? (await DirectoryClient.connect(environment.url, environment.serviceAccount, environment.connection));
    const sim = new ExchangeSimulation(environment, client, options.clock ?? new VirtualClock(), !options.client);
    sim.network.activate();
    return sim;
  }

  /**
   * Declares an organization in its own forest. The first one takes the slot every scenario starts with;
   * each further one is another forest on the same directory server, read through its own naming contexts.
   * The declared organization becomes the current one.
   */
  async declareOrganization(spec: { name: string; forestDomain: string }): Promise<ExchangeOrganization> {
    // On a read-only directory, what the declaration would write is the answer, whatever else is wrong with it.
    this.client.refuseIfReadOnly(() => describePlan(new TopologyPlanner().planOrganization(spec)));
    const first = this.organizations[0];
    if (!first.writer.planner.layout) {
      await first.writer.createOrganization(spec);
      this.current = first;
      return first;
    }
    for (const org of this.organizations) {
      const layout = org.layout;
      if (layout.organizationName.toLowerCase() === spec.name.toLowerCase()) {
        throw new InputError(`the Exchange organization "${spec.name}" is already declared`, { field: 'organization', value: spec.name });
      }
      if (layout.forestDomain === spec.forestDomain.toLowerCase()) {
        throw new InputError(`the forest ${spec.forestDomain} already holds the organization "${layout.organizationName}"; each organization has its own forest`, { field: 'forest', value: spec.forestDomain });
      }
    }
    // Validated by the planner before anything is written; the naming contexts follow from the domain.
    const probe = new ForestLayout(spec.forestDomain.toLowerCase(), spec.name);
    const org = this.addOrganizationSlot({ defaultNamingContext: probe.domainDn, configurationNamingContext: probe.configurationDn });
    try {
      await org.writer.createOrganization(spec);
    } catch (e) {
      this.organizations.pop();
      throw e;
    }
    this.current = org;
    return org;
  }

  /** Whether the directory refuses changes, and why (a live production forest). */
  get readOnly(): ReadOnlyDirectory | undefined {
    return this.client.readOnly;
  }

  /**
   * Adopts the Exchange organization of each forest from what the directory holds (see
   * TopologyPlanner.adopt), for a directory this run did not write: an ldifde export, a production forest.
   * Without `contexts`, the forest the RootDSE names (defaultNamingContext, configurationNamingContext).
   * Everything is read over LDAP. The first adopted organization becomes the current one.
   */
  async adoptOrganizations(contexts?: readonly NamingContexts[]): Promise<ExchangeOrganization[]> {
    const forests = contexts ?? [await new ExchangeDirectory(this.client, new TopologyCache(this.clock)).namingContexts()];
    const adopted: ExchangeOrganization[] = [];
    for (const forest of forests) {
      const holder = this.organizations.find((o) => o.name && normalizeDn(o.layout.configurationDn) === normalizeDn(forest.configurationNamingContext));
      if (holder) {
        throw new InputError(`the forest of ${forest.defaultNamingContext} already holds the organization "${holder.name}" of this scenario`, { value: forest.defaultNamingContext });
      }
      const org = await this.organizationSlotFor(forest);
      try {
        org.writer.adopt(await org.directory.readExchangeForest());
      } catch (e) {
        // Nothing adopted: the slot goes (the first one is replaced by a fresh one, not bound to this forest).
        const index = this.organizations.indexOf(org);
        this.organizations.splice(index, 1);
        if (index === 0) {
          const fresh = this.addOrganizationSlot(); // added last: moved to the front
          this.organizations.pop();
          this.organizations.unshift(fresh);
          if (this.current === org) this.current = this.organizations[0];
        }
        throw e;
      }
      adopted.push(org);
    }
    if (adopted.length > 0) this.current = adopted[0];
    this.networkStale = true;
    return adopted;
  }

  /** The empty slot every scenario starts with when it can read this forest, else a new one. */
  private async organizationSlotFor(forest: NamingContexts): Promise<ExchangeOrganization> {
    const first = this.organizations[0];
    if (!first.name) {
      first.directory.knowNamingContexts(forest);
      const read = await first.directory.namingContexts();
      if (normalizeDn(read.configurationNamingContext) === normalizeDn(forest.configurationNamingContext) && normalizeDn(read.defaultNamingContext) === normalizeDn(forest.defaultNamingContext)) return first;
    }
    return this.addOrganizationSlot(forest);
  }

  /**
   * Seeds the directory with objects of an export (ldifde), through the environment's bulk import (or LDAP
   * adds without one), after declaring the naming contexts they live in when given. Adopt afterwards.
   */
  async importEntries(entries: readonly DirectoryWriteEntry[], contexts?: NamingContexts): Promise<void> {
    this.client.refuseIfReadOnly(() => `import ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} (${describeChange({ adds: entries })})`);
    if (contexts) await this.environment.declareNamingContexts(contexts);
    if (this.environment.importEntries) await this.environment.importEntries(entries);
    else for (const entry of entries) await this.client.add(entry);
    for (const org of this.organizations) org.cache.invalidate();
    this.networkStale = true;
  }

  /** The organization with this name (case-insensitive), or an InputError listing the declared ones. */
  organization(name: string): ExchangeOrganization {
    const org = this.organizations.find((o) => o.name?.toLowerCase() === name.toLowerCase());
    if (!org) throw unknownName('an Exchange organization', name, this.organizations.map((o) => o.name ?? '').filter((n) => n), 'organization');
    return org;
  }

  /** The organization holding a server of this name. */
  organizationOfServer(name: string): ExchangeOrganization | undefined {
    return this.organizations.find((o) => o.writer.planner.servers.has(name.toLowerCase()));
  }

  /** The organization whose directory holds a mailbox with this address (or logon name), and the mailbox's user. */
  async mailboxOwner(address: string): Promise<{ org: ExchangeOrganization; user: MailboxUserView } | undefined> {
    for (const org of this.organizations) {
      const user = org.name ? await org.directory.findUserByLogonName(address) : undefined;
      if (user?.homeMdbDn) return { org, user };
    }
    return undefined;
  }

  /** Adds endpoints that are not Exchange servers of an organization (the federation gateway), registered with the rest. */
  addEndpointSource(source: () => Promise<Array<{ endpoint: Endpoint; hosts: string[] }>>): void {
    this.extraEndpoints.push(source);
    this.networkStale = true;
  }

  /** Marks the network for re-registration (a change outside the directory, e.g. a gateway's names). */
  invalidateNetwork(): void {
    this.networkStale = true;
  }

  /** Registers a simulated server for each Exchange server with an HTTP presence, at its names. */
  async refreshNetwork(): Promise<void> {
    if (!this.networkStale) return;
    const registrations: Array<{ endpoint: Endpoint; hosts: string[] }> = [];
    for (const org of this.organizations) {
      if (!org.name) continue;
      await org.directory.prefetchConfiguration();
      const servers = await org.directory.allServers();
      for (const server of servers) {
        const vdir = await org.directory.virtualDirectory(server);
        if (!vdir) continue; // Mailbox, Hub Transport, Edge: no web presence
        const key = server.name.toLowerCase();
        let endpoint = this.endpoints.get(key);
        if (!endpoint) {
          endpoint = this.serverEndpoint(org, server);
          this.endpoints.set(key, endpoint);
          this.endpointOwners.set(key, { org, server });
        }
        const hosts = new Set<string>(webHostsOf(vdir));
        for (const url of await this.serverUrls(org, server)) hosts.add(new URL(url).hostname);
        registrations.push({ endpoint, hosts: [...hosts] });
      }
    }
    for (const source of this.extraEndpoints) registrations.push(...(await source()));
    this.network.setServers(registrations);
    this.networkStale = false;
  }

  /** Builds the simulated server for an Exchange server with a web presence (federation wraps it). */
  serverEndpoint: (org: ExchangeOrganization, server: ServerView) => Endpoint = (org, server) =>
    server.release.family === '2003' ? new LegacyExchangeServer(server.name, org.directory) : new ClientAccessServer(server.name, org.directory);

  /**
   * Puts a layer of web services in front of every Exchange server's simulated endpoint (federation's,
   * impersonation's EWS), those already built included: they keep their state (OWA sessions) underneath.
   * A layer answers what it knows and hands the rest to the endpoint it wraps.
   */
  addServerLayer(layer: (org: ExchangeOrganization, server: ServerView, inner: Endpoint) => Endpoint): void {
    const base = this.serverEndpoint;
    this.serverEndpoint = (org, server) => layer(org, server, base(org, server));
    for (const [key, owner] of this.endpointOwners) this.endpoints.set(key, layer(owner.org, owner.server, this.endpoints.get(key)!));
    this.networkStale = true;
  }

  /** Further URLs whose names reach a server (its web services), besides its OWA virtual directory's. */
  serverUrls: (org: ExchangeOrganization, server: ServerView) => Promise<string[]> = async () => [];

  /**
   * Puts a pre-authenticating reverse proxy in front of Client Access servers: DNS sends each published
   * namespace to it, and it forwards to the server its publishing rule names.
   */
  async publishThroughReverseProxy(name: string, rules: readonly PublishingRule[]): Promise<PreAuthenticatingReverseProxy> {
    const layout = this.writer.planner.requireLayout();
    if (this.network.hasServer(name) || this.writer.planner.servers.has(name.toLowerCase())) {
      throw new InputError(`"${name}" already names a server or a reverse proxy`, { value: name });
    }
    rules.forEach((rule, i) => {
      try {
        const server = this.writer.planner.servers.get(rule.server.toLowerCase());
        if (!server) throw unknownName('a server', rule.server, this.writer.planner.serverNames(), 'Server');
        if (!server.owaVirtualDirectoryDn) throw new InputError(`${rule.server} publishes no OWA: it is not a Client Access server`, { field: 'Server', value: rule.server });
        if (!/^[a-z0-9.-]+$/i.test(rule.namespace)) throw new InputError(`"${rule.namespace}" is not a host name`, { field: 'Namespace', value: rule.namespace });
      } catch (e) {
        throw e instanceof InputError ? e.at(i) : e;
      }
    });
    const proxy = new PreAuthenticatingReverseProxy(name, this.directory, rules, layout.forestDomain);
    this.network.addAppliance(proxy);
    for (const rule of rules) this.network.setDnsRecord(rule.namespace, [name]);
    return proxy;
  }

  /** A reverse proxy a step declared, by name. */
  reverseProxy(name: string): PreAuthenticatingReverseProxy {
    const proxy = this.network.appliance(name);
    if (!(proxy instanceof PreAuthenticatingReverseProxy)) throw new InputError(`"${name}" is not a reverse proxy of this scenario`, { value: name });
    return proxy;
  }

  /** Called after time passes (what happens on a schedule: presence recovery, EWS status notifications). */
  onTimePassed(listener: () => Promise<void>): void {
    this.timeListeners.push(listener);
  }

  /** Moves the virtual clock forward, then lets scheduled work run. */
  async passTime(ms: number): Promise<void> {
    this.clock.advance(ms);
    for (const l of this.timeListeners) await l();
  }

  browser(name: string, user: BrowserUser): SimulatedBrowser {
    return new SimulatedBrowser(name, this.network, user);
  }

  async close(): Promise<void> {
    this.network.deactivate();
    if (this.ownsClient) await this.client.close();
  }
}
