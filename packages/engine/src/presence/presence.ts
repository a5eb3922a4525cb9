// Presence for a scenario: the Exchange side (IIS, WebDAV, EWS push) as a layer over every Exchange
// server, the Cisco Unified Presence servers on the same simulated network, the DNS servers they may be
// pointed at (each one the real DNS server on loopback, under the address the scenario gives it), the
// certificates of the scenario's PKI, and the schedule (recovery, EWS status notifications) on the clock.

import { InputError, acceptedList, unknownName } from '../errors';
import type { ExchangeOrganization, ExchangeSimulation } from '../simulation';
import type { LoopbackDnsServer } from '../network/dns-server';
import { isIpv4 } from '../network/dns-server';
import type { CertificateInfo } from '../federation/crypto';
import {
  forgeCertificationAuthority,
  newCertificationAuthority,
  newIdentityCertificate,
  newIisSelfSignedCertificate,
  newMakecertSelfSignedCertificate,
  type IssuedCertificate,
} from './certificates';
import { AUTHENTICATION_FORMS, AUTHENTICATION_STANDARD, ExchangeSide, PresenceExchangeEndpoint } from './exchange-side';
import { PresenceServer, PRESENCE_SERVER_VERSIONS, type CupsUser } from './presence-server';
import { notifyDatagram } from './webdav';
import type { Endpoint } from '../network/network';
import { errorPage, htmlResponse } from '../redirection/pages';

export class Presence {
  readonly side: ExchangeSide;
  readonly servers = new Map<string, PresenceServer>();
  /** DNS servers by the address a scenario gives them; all are the one real server on loopback. */
  readonly dnsServers = new Map<string, LoopbackDnsServer>();
  /** Certificates of the scenario, by the name steps use (a CA's name, a server's identity certificate). */
  readonly certificates = new Map<string, IssuedCertificate>();
  private readonly watched = new WeakSet<ExchangeOrganization>();
  private pending: Promise<void>[] = [];

  constructor(
    readonly sim: ExchangeSimulation,
    readonly dns: LoopbackDnsServer,
  ) {
    this.side = new ExchangeSide(sim.clock, (from, to, text) => this.pending.push(this.deliverDatagram(from, to, text)));
    sim.addServerLayer((org, server, inner) => new PresenceExchangeEndpoint({ side: this.side, org, server, inner, clientAddress: (from) => this.addressOfClient(from) }));
    sim.addEndpointSource(async () => [...this.servers.values()].map((s) => ({ endpoint: s, hosts: [s.fqdn, s.address] })));
    sim.addEndpointSource(() => this.mailboxServerEndpoints());
    sim.onTimePassed(() => this.timePassed());
    this.watchOrganizations();
  }

  /** Calendar changes reach the subscribers of every organization, those declared later included. */
  watchOrganizations(): void {
    for (const org of this.sim.organizations) {
      if (this.watched.has(org)) continue;
      this.watched.add(org);
      org.calendars.onChange((address) => this.calendarChanged(address));
    }
  }

  /**
   * An Exchange 2007 mailbox server without the Client Access role has no OWA, but its IIS serves
   * /exchange for Exprox; nothing else of it is on the web.
   */
  private async mailboxServerEndpoints(): Promise<Array<{ endpoint: Endpoint; hosts: string[] }>> {
    const out: Array<{ endpoint: Endpoint; hosts: string[] }> = [];
    for (const org of this.sim.organizations) {
      if (!org.name) continue;
      for (const server of await org.directory.allServers()) {
        if (server.release.family !== '2007' || !server.roles.includes('Mailbox') || server.roles.includes('ClientAccess')) continue;
        const key = `${org.name}|${server.name}`.toLowerCase();
        let endpoint = this.mailboxServers.get(key);
        if (!endpoint) {
          const name = server.name;
          const inner: Endpoint = { server: name, handle: async () => htmlResponse(errorPage('Not Found', name), 404) };
          endpoint = new PresenceExchangeEndpoint({ side: this.side, org, server, inner, clientAddress: (from) => this.addressOfClient(from) });
          this.mailboxServers.set(key, endpoint);
        }
        out.push({ endpoint, hosts: [server.fqdn] });
      }
    }
    return out;
  }

  private readonly mailboxServers = new Map<string, Endpoint>();

  // ---- declarations ----

  addDnsServer(address: string): void {
    if (!isIpv4(address)) throw new InputError(`"${address}" is not an IPv4 address such as 192.168.1.10`, { field: 'DNS server', value: address });
    this.dnsServers.set(address, this.dns);
  }

  addDnsRecord(name: string, address: string): void {
    if (!isIpv4(address)) throw new InputError(`"${address}" is not an IPv4 address such as 192.168.1.100`, { field: 'Address', value: address });
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(name)) throw new InputError(`"${name}" is not a DNS name such as owa.apps.local`, { field: 'Name', value: name });
    this.dns.addA(name, address);
  }

  /** The server's IP address; its IIS state begins with /Exchange authenticated as OWA is (forms if OWA uses FBA). */
  async setAddress(serverName: string, address: string): Promise<void> {
    if (!isIpv4(address)) throw new InputError(`"${address}" is not an IPv4 address such as 192.168.1.100`, { field: 'Address', value: address });
    const server = this.exchangeServer(serverName);
    const taken = this.side.serverAt(address) ?? [...this.servers.values()].find((s) => s.address === address)?.name;
    if (taken && taken.toLowerCase() !== server.toLowerCase()) throw new InputError(`${address} is already ${taken}'s address`, { field: 'Address', value: address });
    this.side.addresses.set(address, server);
    await this.iisOf(server);
  }

  exchangeServer(name: string): string {
    const org = this.sim.organizationOfServer(name);
    if (!org) throw unknownName('an Exchange server', name, this.sim.organizations.flatMap((o) => o.writer.planner.serverNames()), 'Server');
    return org.writer.planner.servers.get(name.toLowerCase())!.name;
  }

  /** The IIS state of a server, created from the directory the first time (/Exchange as OWA authenticates). */
  async iisOf(serverName: string) {
    const name = this.exchangeServer(serverName);
    if (!this.side.iis.has(name.toLowerCase())) {
      const org = this.sim.organizationOfServer(name)!;
      const view = await org.directory.serverByName(name);
      const vdir = view ? await org.directory.virtualDirectory(view) : undefined;
      const forms = vdir ? [...vdir.internalAuthenticationMethods, ...vdir.externalAuthenticationMethods].includes('Fba') : false;
      this.side.iisOf(name, () => ({ ...(forms ? AUTHENTICATION_FORMS : AUTHENTICATION_STANDARD) }));
    }
    return this.side.iisOf(name);
  }

  /** Windows Server 2008's Web Server role without its ISAPI Extensions role service (Exchange 2007's WebDAV needs it). */
  async removeIsapiExtensions(serverName: string): Promise<void> {
    const name = this.exchangeServer(serverName);
    const view = await this.sim.organizationOfServer(name)!.directory.serverByName(name);
    if (view?.release.family === '2003') throw new InputError(`${name} runs Exchange 2003 on IIS 6, where ISAPI extensions are not a role service that can be left out; it applies to Exchange 2007 on Windows Server 2008`, { field: 'Server', value: serverName });
    (await this.iisOf(name)).isapiExtensions = false;
  }

  // ---- certificates ----

  async newCertificationAuthority(name: string, options: { issuer?: string; caBit?: boolean } = {}): Promise<IssuedCertificate> {
    if (this.certificates.has(name.toLowerCase())) throw new InputError(`the certificate "${name}" is already declared`, { value: name });
    const issuer = options.issuer !== undefined ? this.certificate(options.issuer, 'Issued by') : undefined;
    const ca = await newCertificationAuthority({ name, issuer, caBit: options.caBit, now: this.sim.clock.now() });
    this.certificates.set(name.toLowerCase(), ca);
    return ca;
  }

  /** A forged CA: the real one's name, another key. */
  async forgeCertificationAuthority(name: string, asName: string): Promise<IssuedCertificate> {
    const real = this.certificate(name, 'Forges');
    const forged = await forgeCertificationAuthority({ impersonating: real.certificate, now: this.sim.clock.now() });
    this.certificates.set(asName.toLowerCase(), forged);
    return forged;
  }

  certificate(name: string, field = 'Certificate'): IssuedCertificate {
    const found = this.certificates.get(name.toLowerCase());
    if (!found) throw unknownName('a certificate', name, [...this.certificates.keys()], field);
    return found;
  }

  /**
   * Binds a certificate to a server's HTTPS: an identity certificate issued by a CA of the scenario (IIS
   * sends it with the CAs above it), IIS's own self-signed one, or one made with makecert and the CA bit.
   */
  async bindCertificate(serverName: string, spec: { kind: 'issued'; commonName: string; dnsNames?: string[]; ipAddresses?: string[]; issuer: string; expired?: boolean } | { kind: 'iis-self-signed' | 'makecert'; commonName: string }): Promise<CertificateInfo> {
    const server = this.exchangeServer(serverName);
    const now = this.sim.clock.now();
    let chain: CertificateInfo[];
    let issued: IssuedCertificate;
    if (spec.kind === 'issued') {
      const issuer = this.certificate(spec.issuer, 'Issued by');
      const window = spec.expired ? { notBefore: new Date(now.getTime() - 400 * 86_400_000), notAfter: new Date(now.getTime() - 86_400_000) } : {};
      issued = await newIdentityCertificate({ commonName: spec.commonName, dnsNames: spec.dnsNames, ipAddresses: spec.ipAddresses, issuer, now, ...window, keyLabel: `presence-identity:${server}` });
      chain = [issued.certificate, ...this.issuersOf(issuer)];
    } else {
      issued = spec.kind === 'makecert' ? await newMakecertSelfSignedCertificate({ host: spec.commonName, now }) : await newIisSelfSignedCertificate({ host: spec.commonName, now });
      chain = [issued.certificate];
    }
    this.certificates.set(`${server.toLowerCase()} identity`, issued);
    (await this.iisOf(server)).chain = chain;
    return issued.certificate;
  }

  /** A CA and the CAs above it, as IIS sends them (the chain up to the root). */
  private issuersOf(ca: IssuedCertificate): CertificateInfo[] {
    const out: CertificateInfo[] = [ca.certificate];
    let current = ca.certificate;
    while (!current.selfSigned) {
      const parent = [...this.certificates.values()].find((c) => c.certificate.subject === current.issuer && c.certificate.isCa);
      if (!parent || out.includes(parent.certificate)) break;
      out.push(parent.certificate);
      current = parent.certificate;
    }
    return out;
  }

  // ---- presence servers ----

  addPresenceServer(spec: { name: string; fqdn: string; address: string; version: string }): PresenceServer {
    if (!PRESENCE_SERVER_VERSIONS[spec.version]) throw new InputError(`"${spec.version}" is not a Cisco Unified Presence release modelled here`, { field: 'Version', value: spec.version, accepted: Object.keys(PRESENCE_SERVER_VERSIONS) });
    if (!isIpv4(spec.address)) throw new InputError(`"${spec.address}" is not an IPv4 address`, { field: 'Address', value: spec.address });
    if (this.servers.has(spec.name.toLowerCase())) throw new InputError(`the presence server ${spec.name} is already declared`, { field: 'Name', value: spec.name });
    const server = new PresenceServer(spec.name, spec.fqdn.toLowerCase(), spec.address, spec.version, { clock: this.sim.clock, network: this.sim.network, side: this.side, dnsServers: this.dnsServers });
    this.servers.set(spec.name.toLowerCase(), server);
    this.sim.invalidateNetwork();
    return server;
  }

  presenceServer(name?: string): PresenceServer {
    if (name === undefined) {
      if (this.servers.size !== 1) throw new InputError(this.servers.size === 0 ? 'no presence server is declared' : `name the presence server: ${acceptedList([...this.servers.values()].map((s) => s.name))}`);
      return [...this.servers.values()][0];
    }
    const found = this.servers.get(name.toLowerCase());
    if (!found) throw unknownName('a presence server', name, [...this.servers.values()].map((s) => s.name), 'Presence server');
    return found;
  }

  /** A CUPS user; CUPS's mail ID defaults to her mailbox's primary SMTP address. */
  async addUser(server: PresenceServer, spec: { id: string; email?: string; calendaring?: boolean; showCalendar?: boolean }): Promise<CupsUser> {
    if (server.users.has(spec.id.toLowerCase())) throw new InputError(`the user ${spec.id} is already on ${server.name}`, { field: 'User', value: spec.id });
    const email = spec.email ?? (await this.sim.mailboxOwner(spec.id))?.user.primarySmtpAddress;
    if (!email) throw new InputError(`${spec.id} has no mailbox to take a mail ID from; give one in the Email column`, { field: 'User', value: spec.id });
    const user: CupsUser = { id: spec.id, email, calendaring: spec.calendaring ?? true, signedIn: false, showCalendar: spec.showCalendar ?? true, availability: 'Available', phone: 'Idle', subscription: 'none', statusEvents: 0 };
    server.users.set(spec.id.toLowerCase(), user);
    return user;
  }

  user(server: PresenceServer, id: string): CupsUser {
    const found = server.users.get(id.toLowerCase());
    if (!found) throw unknownName('a user of ' + server.name, id, [...server.users.values()].map((u) => u.id), 'User');
    return found;
  }

  /** Runs what a step started (notifications in flight) to its end. */
  async settle(): Promise<void> {
    await this.sim.refreshNetwork();
    while (this.pending.length) {
      const now = this.pending;
      this.pending = [];
      await Promise.all(now);
    }
  }

  // ---- notifications ----

  private calendarChanged(address: string): void {

    this.side.notifyCalendarChanged(address, (s) => this.side.sendDatagram(s.server, s.callBack, notifyDatagram({ callBack: s.callBack, subscriptionIds: s.ids, contentLocation: s.folderUrl })));
    for (const [id, s] of this.side.ewsSubscriptions) if (s.address.toLowerCase() === address) this.pending.push(this.push(id, 'ModifiedEvent'));
  }

  /** Exchange POSTs a SendNotification to the subscriber's URL (TCP); an answer of Unsubscribe ends the subscription. */
  private async push(id: string, type: 'ModifiedEvent' | 'StatusEvent'): Promise<void> {
    const s = this.side.ewsSubscriptions.get(id);
    if (!s) return;
    await this.sim.refreshNetwork();
    try {
      const response = await this.sim.network.send(s.server, new Request(s.url, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body: this.side.notificationFor(id, type) }));
      if ((await response.text()).includes('Unsubscribe')) this.side.ewsSubscriptions.delete(id);
    } catch {
      // The subscriber did not answer: Exchange gives up on the subscription after its retries.
      this.side.ewsSubscriptions.delete(id);
    }
  }

  /** UDP to a presence server's address and port, as a hop of its own in the trace (nothing answers a datagram). */
  private async deliverDatagram(from: string, to: { host: string; port: number }, text: string): Promise<void> {
    const target = [...this.servers.values()].find((s) => s.address === to.host || s.fqdn === to.host.toLowerCase());
    const hop = this.sim.network.trace.begin(from, target?.name ?? to.host, 'NOTIFY', `httpu://${to.host}:${to.port}/`);
    hop.notes.push(`UDP datagram to port ${to.port}`);
    if (!target) {
      hop.failure = `nothing listens at ${to.host}`;
      return;
    }
    await target.receiveDatagram(text, to.port);
  }

  private async timePassed(): Promise<void> {
    const now = this.sim.clock.millis();
    for (const [id, s] of [...this.side.ewsSubscriptions]) {
      const every = s.statusFrequencyMinutes * 60_000;
      while (this.side.ewsSubscriptions.has(id) && now - s.lastStatusAt >= every) {
        s.lastStatusAt += every;
        await this.push(id, 'StatusEvent');
      }
    }
    for (const server of this.servers.values()) await server.timePassed();
    await this.settle();
  }

  private addressOfClient(from: string): string {
    const server = this.servers.get(from.toLowerCase());
    return server?.address ?? this.side.addressOf(from) ?? '-';
  }
}
