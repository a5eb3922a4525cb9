// One simulated Exchange organization for one scenario: a directory connection, the topology writer and
// cache, the virtual clock, and the network with a simulated server for every Exchange server with an
// HTTP presence. The servers, and the names they answer at, are found by LDAP like everything else.

import { DirectoryClient, type DirectoryCredentials } from './directory/client';
import { VirtualClock } from './clock/clock';
import { SimulatedBrowser, type BrowserUser } from './network/browser';
import { SimulatedNetwork, type Endpoint } from './network/network';
import { ClientAccessServer } from './redirection/client-access-server';
import { LegacyExchangeServer } from './redirection/legacy-servers';
import { ExchangeDirectory, TopologyCache } from './topology/reader';
import { TopologyWriter, type NamingContexts } from './topology/writer';

/** Where the directory comes from: the in-process server, OpenLDAP, … (see environments/). */
export interface DirectoryEnvironment {
  readonly name: string;
  readonly url: string;
  readonly serviceAccount: DirectoryCredentials;
  declareNamingContexts(contexts: NamingContexts): Promise<void>;
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
  ) {
    this.clock = clock;
    this.cache = new TopologyCache(clock);
    this.directory = new ExchangeDirectory(client, this.cache);
    this.writer = new TopologyWriter({ directory: client, declareNamingContexts: (c) => environment.declareNamingContexts(c) });
    this.writer.onChange(() => {
      this.cache.invalidate();
      this.networkStale = true;
    });
  }

  static async start(environment: DirectoryEnvironment, clock = new VirtualClock()): Promise<ExchangeSimulation> {
    const client = await DirectoryClient.connect(environment.url, environment.serviceAccount);
    const sim = new ExchangeSimulation(environment, client, clock);
    sim.network.activate();
    return sim;
  }

  /** Registers a simulated server for each Exchange server with an HTTP presence, at its names. */
  async refreshNetwork(): Promise<void> {
    if (!this.networkStale) return;
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

  browser(name: string, user: BrowserUser): SimulatedBrowser {
    return new SimulatedBrowser(name, this.network, user);
  }

  async close(): Promise<void> {
    this.network.deactivate();
    await this.client.close();
  }
}
