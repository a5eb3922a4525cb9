// The scenario's network. MSW intercepts every fetch in the process; each simulated server is reached at
// the hostnames that resolve to it. Name resolution is modelled as DNS is: a name can resolve to several
// servers (round robin); a browser keeps its first answer (its DNS cache), servers ask again each time.
// A request to a name nobody serves never leaves the process: it fails, and the scenario fails naming it.

// msw/core/http, not msw: the main entry also loads GraphQL support, which costs start-up time.
import { http } from 'msw/core/http';
import { setupServer, type SetupServer } from 'msw/node';
import { Trace, type Hop } from '../trace/trace';

/** A simulated server's request handler, as plain as an MSW resolver. */
export type Handler = (request: Request, ctx: RequestContext) => Promise<Response>;

export interface Endpoint {
  /** The server's name, as the trace shows it. */
  server: string;
  handle: Handler;
}

export interface RequestContext {
  hop: Hop;
  network: SimulatedNetwork;
  /** Sends a request on behalf of this server, as a child hop of this one (to a named server, past DNS). */
  fetch(request: Request, options?: { toServer?: string }): Promise<Response>;
}

const FROM_HEADER = 'x-exchange-scenarios-from';
const PARENT_HEADER = 'x-exchange-scenarios-parent';
const TO_HEADER = 'x-exchange-scenarios-to';
const ANY_HTTP = /^https?:\/\//i;

let msw: SetupServer | undefined;
let active: SimulatedNetwork | undefined;

function interceptor(): SetupServer {
  if (!msw) {
    const server = setupServer();
    server.listen({ onUnhandledRequest: 'error' });
    msw = server;
  }
  return msw;
}

/** Stops intercepting (end of the test process). */
export function closeNetwork(): void {
  msw?.close();
  msw = undefined;
  active = undefined;
}

function hostOf(url: string): string {
  return new URL(url).hostname.toLowerCase();
}

export class NetworkError extends Error {
  constructor(
    message: string,
    readonly host: string,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}

export class SimulatedNetwork {
  readonly trace = new Trace();
  /** Requests to names no server answers at: each fails the scenario. */
  readonly unhandled: string[] = [];
  private readonly endpoints = new Map<string, Endpoint>(); // server name (lower) → endpoint
  /** Network devices a scenario adds (reverse proxies): not Exchange servers, so not from the directory. */
  private readonly appliances = new Map<string, Endpoint>();
  private readonly names = new Map<string, string[]>(); // host → server names, in DNS answer order
  private readonly explicitRecords = new Map<string, string[]>();
  private readonly roundRobin = new Map<string, number>();
  private readonly clientCaches = new Map<string, Map<string, string>>();
  private readonly down = new Set<string>();
  /** Names a scenario says are not in public DNS: a request to one fails, as intended, not as a typo. */
  private readonly unpublished = new Set<string>();

  /** Makes this the network the process's fetch goes through. */
  activate(): void {
    const server = interceptor();
    active = this;
    server.resetHandlers(this.handler);
  }

  deactivate(): void {
    if (active === this) {
      active = undefined;
      msw?.resetHandlers();
    }
  }

  /** Replaces every server registration (the set of servers and the names they answer at). */
  setServers(registrations: ReadonlyArray<{ endpoint: Endpoint; hosts: readonly string[] }>): void {
    this.endpoints.clear();
    this.names.clear();
    for (const { endpoint, hosts } of registrations) {
      this.endpoints.set(endpoint.server.toLowerCase(), endpoint);
      for (const h of hosts) {
        const host = h.toLowerCase();
        const list = this.names.get(host) ?? [];
        if (!list.includes(endpoint.server)) list.push(endpoint.server);
        this.names.set(host, list);
      }
    }
  }

  /** Adds a network device (a reverse proxy); it answers at the names DNS records give it. */
  addAppliance(endpoint: Endpoint): void {
    this.appliances.set(endpoint.server.toLowerCase(), endpoint);
  }

  appliance(name: string): Endpoint | undefined {
    return this.appliances.get(name.toLowerCase());
  }

  private endpoint(name: string): Endpoint | undefined {
    const key = name.toLowerCase();
    return this.endpoints.get(key) ?? this.appliances.get(key);
  }

  hasServer(name: string): boolean {
    return this.endpoint(name) !== undefined;
  }

  /** A DNS record a scenario states: the name resolves to these servers, in this order. */
  setDnsRecord(host: string, servers: readonly string[]): void {
    this.explicitRecords.set(host.toLowerCase(), [...servers]);
    this.clientCaches.clear();
  }

  /** The name has no record in public DNS (an Autodiscover name nobody published). */
  setUnpublished(host: string): void {
    this.unpublished.add(host.toLowerCase());
    this.explicitRecords.delete(host.toLowerCase());
    this.clientCaches.clear();
  }

  setDown(server: string, isDown: boolean): void {
    if (isDown) this.down.add(server.toLowerCase());
    else this.down.delete(server.toLowerCase());
  }

  knownHosts(): string[] {
    return [...new Set([...this.names.keys(), ...this.explicitRecords.keys()])].sort();
  }

  /** The servers a name resolves to, in answer order. */
  resolveAll(host: string): string[] {
    const h = host.toLowerCase();
    if (this.unpublished.has(h)) return [];
    return this.explicitRecords.get(h) ?? this.names.get(h) ?? [];
  }

  /**
   * Which server a client reaches at a name. Browsers cache their first answer; servers take the next
   * answer each time (round robin without affinity).
   */
  private resolveFor(client: string, host: string, pin: boolean): string | undefined {
    const answers = this.resolveAll(host);
    if (answers.length === 0) return undefined;
    const cache = this.clientCaches.get(client);
    const cached = cache?.get(host);
    if (pin && cached) return cached;
    const i = this.roundRobin.get(host) ?? 0;
    this.roundRobin.set(host, i + 1);
    const chosen = answers[i % answers.length];
    if (pin) {
      const c = cache ?? new Map<string, string>();
      c.set(host, chosen);
      this.clientCaches.set(client, c);
    }
    return chosen;
  }

  /**
   * Sends a request from a client (a browser, or a server on behalf of a hop it is handling). Network
   * failures come back as a NetworkError naming the host.
   */
  async send(from: string, request: Request, options: { parent?: Hop; pinDns?: boolean; toServer?: string } = {}): Promise<Response> {
    const headers = new Headers(request.headers);
    headers.set(FROM_HEADER, `${options.pinDns ? 'pin' : 'rr'}:${from}`);
    if (options.parent) headers.set(PARENT_HEADER, String(options.parent.id));
    // A reverse proxy's publishing rule names the server it forwards to, whatever DNS says of the name.
    if (options.toServer) headers.set(TO_HEADER, options.toServer);
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
    try {
      // fetch(url, init) builds the one Request the interceptor sees; a Request passed in would be copied.
      return await fetch(request.url, { method: request.method, headers, body, redirect: 'manual' });
    } catch (err) {
      const host = hostOf(request.url);
      const known = this.resolveAll(host);
      // A server that was reached but failed has already recorded this hop (it is the latest one).
      const last = this.trace.hops[this.trace.hops.length - 1];
      if (!(last && last.url === request.url && last.from === from && last.failure)) {
        const failed = this.trace.begin(from, known.length ? known.join('|') : host, request.method, request.url, options.parent?.id);
        failed.failure = known.length ? 'the server did not respond' : `no server answers at ${host}`;
      }
      throw new NetworkError(
        known.length ? `${host} did not respond (${(err as Error).message})` : `no server answers at ${host}; known names: ${this.knownHosts().join(', ') || 'none'}`,
        host,
      );
    }
  }

  /**
   * One handler for every http(s) request: the name decides which simulated server answers. A name no
   * server answers at never reaches the real network: it fails here, and the scenario fails naming it.
   * (Requests that are not http(s) at all meet MSW's onUnhandledRequest: 'error'.)
   */
  private readonly handler = http.all(ANY_HTTP, ({ request }) => this.deliver(hostOf(request.url), request));

  private async deliver(host: string, tagged: Request): Promise<Response> {
    const fromTag = tagged.headers.get(FROM_HEADER) ?? 'rr:unknown client';
    const [mode, ...rest] = fromTag.split(':');
    const from = rest.join(':');
    const parentId = tagged.headers.get(PARENT_HEADER);
    const serverName = tagged.headers.get(TO_HEADER) ?? this.resolveFor(from, host, mode === 'pin');
    // The simulated server must not see the network's own headers. The intercepted request is ours, so
    // they are removed in place rather than by copying the request and its body.
    const request = tagged;
    request.headers.delete(FROM_HEADER);
    request.headers.delete(PARENT_HEADER);
    request.headers.delete(TO_HEADER);
    const hop = this.trace.begin(from, serverName ?? host, request.method, request.url, parentId ? Number(parentId) : undefined);
    const endpoint = serverName ? this.endpoint(serverName) : undefined;
    if (!serverName || !endpoint) {
      if (!serverName && this.unpublished.has(host)) {
        hop.failure = `${host} is not published in DNS`;
        return Response.error();
      }
      hop.failure = serverName ? `${serverName} is named in DNS but is not a server of this topology` : `no server answers at ${host}`;
      this.unhandled.push(`${request.method} ${host}${new URL(request.url).pathname}`);
      return Response.error();
    }
    if (this.down.has(serverName.toLowerCase())) {
      hop.failure = `${serverName} is not responding`;
      return Response.error();
    }
    const ctx: RequestContext = {
      hop,
      network: this,
      fetch: (r, options) => this.send(endpoint.server, r, { parent: hop, toServer: options?.toServer }),
    };
    const response = await endpoint.handle(request, ctx);
    hop.status = response.status;
    return response;
  }
}
