// One simulated Exchange organization for one scenario: a directory connection, the topology writer and
// cache, the virtual clock, and the network with a simulated server for every Exchange server with an
// HTTP presence. The servers, and the names they answer at, are found by LDAP like everything else.

import { DirectoryClient, type DirectoryCredentials, type DirectoryWriteEntry } from './directory/client';
import { VirtualClock } from './clock/clock';
import { SimulatedBrowser, type BrowserUser } from './network/browser';
import { SimulatedNetwork, type Endpoint } from './network/network';
import { ClientAccessServer } from './redirection/client-access-server';
import { LegacyExchangeServer } from './redirection/legacy-servers';
import { PreAuthenticatingReverseProxy, type PublishingRule } from './redirection/reverse-proxy';
import { InputError, unknownName } from './errors';
import { ExchangeDirectory, TopologyCache } from './topology/reader';
import { TopologyWriter, type NamingContexts } from './topology/writer';

/** Where the directory comes from: the in-process server, OpenLDAP, … (see environments/). */
export interface DirectoryEnvironment {
  readonly name: string;
  readonly url: string;
  readonly serviceAccount: DirectoryCredentials;
  declareNamingContexts(contexts: NamingContexts): Promise<void>;
  /** Bulk import of new objects (see DirectoryTarget.importEntries); optional. */
  importEntries?(entries: readonly DirectoryWriteEntry[]): Promise<void>;
}

export class ExchangeSimulation {
  readonly clock: VirtualClock;
  readonly cache: TopologyCache;
  readonly directory: ExchangeDirectory;
  readonly writer: TopologyWriter;
  readonly network = new SimulatedNetwork();
  private readonly endpoints = new Map<string, Endpoint>();
  private networkStale = true;

  private constructor(
    readonly environment: DirectoryEnvironment,
    readonly client: DirectoryClient,
    clock: VirtualClock,
    /** Whether closing the simulation closes the connection (it opened it). */
    private readonly ownsClient: boolean,
  ) {
    this.clock = clock;
    this.cache = new TopologyCache(clock);
    this.directory = new ExchangeDirectory(client, this.cache);
    this.writer = new TopologyWriter({
      directory: client,
      declareNamingContexts: (c) => environment.declareNamingContexts(c),
      importEntries: environment.importEntries?.bind(environment),
    });
    this.writer.onChange(() => {
      this.cache.invalidate();
      this.networkStale = true;
    });
  }

  /**
   * A new organization on the environment's directory. `client` may be a connection kept across
   * scenarios (the directory is emptied between them, the connection stays bound); otherwise one is
   * opened here and closed with the simulation.
   */
  static async start(environment: DirectoryEnvironment, options: { clock?: VirtualClock; client?: DirectoryClient } = {}): Promise<ExchangeSimulation> {
    const client = options.client ?? (await DirectoryClient.connect(environment.url, environment.serviceAccount));
    const sim = new ExchangeSimulation(environment, client, options.clock ?? new VirtualClock(), !options.client);
    sim.network.activate();
    return sim;
  }

  /** Registers a simulated server for each Exchange server with an HTTP presence, at its names. */
  async refreshNetwork(): Promise<void> {
    if (!this.networkStale) return;
    await this.directory.prefetchConfiguration();
    const servers = await this.directory.allServers();
    const registrations: Array<{ endpoint: Endpoint; hosts: string[] }> = [];
    for (const server of servers) {
      const vdir = await this.directory.virtualDirectory(server);
      if (!vdir) continue; // Mailbox, Hub Transport, Edge: no web presence
      const key = server.name.toLowerCase();
      let endpoint = this.endpoints.get(key);
      if (!endpoint) {
        endpoint = server.release.family === '2003' ? new LegacyExchangeServer(server.name, this.directory) : new ClientAccessServer(server.name, this.directory);
        this.endpoints.set(key, endpoint);
      }
      const hosts = new Set<string>([server.fqdn]);
      for (const url of [vdir.internalUrl, vdir.externalUrl, vdir.failbackUrl]) if (url) hosts.add(new URL(url).hostname);
      registrations.push({ endpoint, hosts: [...hosts] });
    }
    this.network.setServers(registrations);
    this.networkStale = false;
  }

  /**
   * Puts a pre-authenticating reverse proxy in front of Client Access servers: DNS sends each published
   * namespace to it, and it forwards to the server its publishing rule names.
   */
  async publishThroughReverseProxy(name: string, rules: readonly PublishingRule[]): Promise<void> {
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
    this.network.addAppliance(new PreAuthenticatingReverseProxy(name, this.directory, rules, layout.forestDomain));
    for (const rule of rules) this.network.setDnsRecord(rule.namespace, [name]);
  }

  browser(name: string, user: BrowserUser): SimulatedBrowser {
    return new SimulatedBrowser(name, this.network, user);
  }

  async close(): Promise<void> {
    this.network.deactivate();
    if (this.ownsClient) await this.client.close();
  }
}
