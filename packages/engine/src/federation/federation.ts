// Federation for a scenario: the Microsoft Federation Gateway's two instances, DNS for domain proofs, and
// per organization what the directory does not hold (its certificate store with the private keys, its
// mailboxes' calendars, its event log, and the availability service's caches). The cmdlets that configure
// federation, and the diagnostic ones, are methods of OrganizationFederation.

import { randomBytes } from 'node:crypto';
import type { ExchangeOrganization, ExchangeSimulation } from '../simulation';
import type { LoopbackDnsServer } from '../network/dns-server';
import type { Endpoint } from '../network/network';
import type { ServerView } from '../topology/reader';
import { InputError, unknownName } from '../errors';
import { issueCertificate, parseCertificate, signXml, validityAt, type CertificateInfo } from './crypto';
import {
  FederationDirectory,
  isDomainName,
  planAcceptedDomain,
  planFederatedDomain,
  planFederationTrust,
  planGroup,
  planMailContact,
  planNewOrganizationRelationship,
  planOrganizationIdentifier,
  planSetOrganizationRelationship,
  planTokenIssuerCertificates,
  type FederationTrustView,
  type OrganizationRelationshipSpec,
  type OrganizationRelationshipView,
} from './directory';
import { domainProof } from './domain-proof';
import { GATEWAY_INSTANCES, GatewayInstance, PROVISIONING, readMetadata, type GatewayInstanceName } from './gateway';
import { MailboxContent } from './mailbox-content';
import { FederatedClientAccessServer } from './services';
import { TokenForgingMiddlebox } from './middlebox';
import { OFFICE_365, declareOffice365Tenant, recreateTenantTrust, type Office365TenantSpec } from './office365';
import { faultIn, getFederationInformationRequest, parseGetFederationInformationResponse, parseRequestSecurityTokenResponse, requestSecurityToken } from './soap';
import { ATTR } from '../directory/schema';
import { and, eq } from '../directory/filter';

/** Delegation token lifetimes by Offer (DOMAIN-NOTES §3). */
export const OFFERS = {
  freeBusy: { offer: 'MSExchange.SharingCalendarFreeBusy', minutes: 5 },
  autodiscover: { offer: 'MSExchange.Autodiscover', minutes: 8 * 60 },
} as const;

/**
 * How long the availability service keeps organization relationships once read. The seed gives "up to
 * 7 hours" for a change between Exchange 2010 organizations (or Exchange 2010 and Office 365) to take
 * effect; we model that as one cache of that lifetime on each side.
 */
export const RELATIONSHIP_CACHE_MS = 7 * 3_600_000;
/** How long a server keeps the federation trust it read (DOMAIN-NOTES §3: FederationTrust cache 5 min). */
export const TRUST_CACHE_MS = 5 * 60_000;

export interface StoredCertificate {
  certificate: CertificateInfo;
  keyLabel: string;
  friendlyName: string;
}

export interface EventLogEntry {
  server: string;
  source: string;
  level: 'Error' | 'Warning' | 'Information';
  at: Date;
  message: string;
}

export interface ShellOutput {
  /** Records (Get- cmdlets, Test-FederationTrust): property → display value. */
  records: Array<Record<string, string>>;
  /** Text lines (Test-OrganizationRelationship). */
  lines: string[];
}

interface Cached<T> {
  at: number;
  value: T;
}

export class Federation {
  readonly gateways: Record<GatewayInstanceName, GatewayInstance>;
  private readonly orgs = new Map<ExchangeOrganization, OrganizationFederation>();

  constructor(
    readonly sim: ExchangeSimulation,
    readonly dns: LoopbackDnsServer,
  ) {
    this.gateways = {
      business: new GatewayInstance('business', sim.clock, dns),
      consumer: new GatewayInstance('consumer', sim.clock, dns),
    };
    // Federated free/busy is Exchange 2010's; 2003 and 2007 servers keep their own web presence.
    sim.addServerLayer((org, server, inner): Endpoint => (server.release.family === '2010' ? new FederatedClientAccessServer(inner, this.of(org), server.name) : inner));
    sim.serverUrls = async (org, server) => this.of(org).webServiceUrls(server);
    sim.addEndpointSource(async () => Object.values(this.gateways).map((g) => ({ endpoint: g, hosts: g.hosts })));
  }

  /**
   * Puts a man in the middle at a partner's published name: every delegation token sent there is replaced
   * by one forged for `subjectEmail` (see middlebox.ts). The partner must be federated, so that its public
   * certificate can be had from the gateway.
   */
  async placeTokenForger(host: string, subjectEmail: string): Promise<TokenForgingMiddlebox> {
    await this.sim.refreshNetwork();
    const behind = this.sim.network.resolveAll(host)[0];
    const org = behind ? this.sim.organizationOfServer(behind) : undefined;
    if (!behind || !org) throw new InputError(`no Exchange server answers at ${host}; a man in the middle needs a partner's published name`, { field: 'host', value: host, accepted: this.sim.network.knownHosts() });
    const target = this.of(org);
    const trust = await target.delegationTrust();
    const instance = trust?.tokenIssuerUri === GATEWAY_INSTANCES.consumer.tokenIssuerUri ? 'consumer' : 'business';
    const registration = trust?.applicationUri ? this.gateways[instance].registrationOf(trust.applicationUri) : undefined;
    if (!trust || !registration) throw new InputError(`${target.name} is not federated: the gateway publishes no certificate to encrypt a token to`, { field: 'host', value: host });
    if (!/^[^\s@]+@[^\s@]+$/.test(subjectEmail)) throw new InputError(`"${subjectEmail}" is not an address of the form user@domain`, { field: 'address', value: subjectEmail });
    const domain = subjectEmail.split('@')[1].toLowerCase();
    const middlebox = new TokenForgingMiddlebox(host.toLowerCase(), behind, {
      subjectEmail,
      issuer: trust.tokenIssuerUri,
      audience: trust.applicationUri,
      requestingOrganization: `FYDIBOHF25SPDLT.exchangedelegation.${domain}`,
      encryptFor: registration.certificates[0],
      now: () => this.sim.clock.now(),
    });
    this.sim.network.addAppliance(middlebox);
    this.sim.network.setDnsRecord(host, [middlebox.server]);
    return middlebox;
  }

  /** An Office 365 tenant in its own forest, provisioned as Microsoft provisions one (office365.ts). */
  declareOffice365Tenant(spec: Office365TenantSpec): Promise<OrganizationFederation> {
    return declareOffice365Tenant(this, spec);
  }

  /** Office 365 support recreates the tenant's federation trust on the business instance. */
  recreateTenantTrust(name: string): Promise<void> {
    return recreateTenantTrust(this, this.organization(name));
  }

  of(org: ExchangeOrganization): OrganizationFederation {
    let f = this.orgs.get(org);
    if (!f) {
      f = new OrganizationFederation(this, org, this.sim.organizations.indexOf(org));
      this.orgs.set(org, f);
    }
    return f;
  }

  organization(name: string): OrganizationFederation {
    return this.of(this.sim.organization(name));
  }

  /** The organization whose accepted domains hold this address's domain. */
  async organizationOfAddress(address: string): Promise<OrganizationFederation | undefined> {
    const domain = address.split('@')[1]?.toLowerCase();
    for (const org of this.sim.organizations) {
      if (!org.name) continue;
      const accepted = await this.of(org).directory().acceptedDomains();
      if (accepted.some((d) => d.domainName === domain)) return this.of(org);
    }
    return undefined;
  }
}

export class OrganizationFederation {
  readonly certificates = new Map<string, StoredCertificate>();
  readonly events: EventLogEntry[] = [];
  /** How far the servers' local clock is ahead of GMT (a certificate they make is dated in local time). */
  timeZoneOffsetMinutes = 0;
  /** An Office 365 tenant (office365.ts): outlook.com, and the service's own trust with the business instance. */
  office365 = false;
  private serviceSigners?: Cached<CertificateInfo[]>;
  private relationshipCache = new Map<string, Cached<OrganizationRelationshipView | undefined>>();
  private trustCache?: Cached<FederationTrustView | undefined>;
  private metadataReadAt = new Map<string, number>();
  private nextKey = 1;

  constructor(
    readonly federation: Federation,
    readonly org: ExchangeOrganization,
    /** Position among the scenario's organizations: keys are labelled by it so they are reused across scenarios. */
    private readonly index: number,
  ) {}

  get name(): string {
    return this.org.layout.organizationName;
  }

  /** The organization's mailbox content (shared with the other areas). */
  get mailboxes(): MailboxContent {
    return this.org.calendars;
  }

  get shellHost(): string {
    return `${this.name} Exchange Management Shell`;
  }

  directory(log?: (r: { base: string; scope: string; filter: string; results: number }) => void): FederationDirectory {
    return new FederationDirectory(log ? this.org.directory.withLog(log) : this.org.directory, this.org.layout);
  }

  private get clock() {
    return this.federation.sim.clock;
  }

  private fail(message: string, field?: string, value?: string, accepted?: readonly string[]): never {
    throw new InputError(message, { field, value, accepted });
  }

  /** The servers' EWS URLs (internal and external), whose names reach them. */
  async webServiceUrls(server: ServerView): Promise<string[]> {
    const ews = await this.webServicesDirectory(server);
    return [ews?.internalUrl, ews?.externalUrl].filter((u): u is string => !!u);
  }

  async webServicesDirectory(server: ServerView): Promise<{ internalUrl?: string; externalUrl?: string } | undefined> {
    const found = await this.org.directory.lookup(server.dn, eq(ATTR.objectClass, 'msExchWebServicesVirtualDirectory'), 'sub', [ATTR.internalHostName, ATTR.externalHostName]).catch(() => []);
    const e = found[0];
    return e ? { internalUrl: e.get(ATTR.internalHostName), externalUrl: e.get(ATTR.externalHostName) } : undefined;
  }

  // ---- certificates -------------------------------------------------------------------------------

  /**
   * New-ExchangeCertificate (self-signed) or a certificate bought from a certification authority. A server
   * ahead of GMT dates it in its local time as if that were GMT, so the gateway sees it valid only later.
   */
  async addCertificate(options: { friendlyName: string; subject?: string; issuedBy?: string; validFrom?: Date; validTo?: Date; years?: number }): Promise<StoredCertificate> {
    if ([...this.certificates.values()].some((c) => c.friendlyName.toLowerCase() === options.friendlyName.toLowerCase())) {
      this.fail(`${this.name} already has a certificate named "${options.friendlyName}"`, 'FriendlyName', options.friendlyName);
    }
    const localNow = new Date(this.clock.millis() + this.timeZoneOffsetMinutes * 60_000);
    const notBefore = options.validFrom ?? localNow;
    const notAfter = options.validTo ?? new Date(notBefore.getTime() + (options.years ?? 5) * 365 * 86_400_000);
    if (notAfter <= notBefore) this.fail(`the certificate "${options.friendlyName}" would expire before it is valid`, 'validTo');
    const keyLabel = `organization-${this.index}-${this.nextKey++}`;
    let certificate: CertificateInfo;
    const subject = options.subject ?? 'CN=Federation';
    if (options.issuedBy) {
      const caLabel = `ca-${options.issuedBy.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
      const ca = await issueCertificate({ subject: `CN=${options.issuedBy}`, keyLabel: caLabel, notBefore: new Date(notBefore.getTime() - 365 * 86_400_000), notAfter: new Date(notAfter.getTime() + 365 * 86_400_000), ca: true });
      certificate = await issueCertificate({ subject, keyLabel, notBefore, notAfter, issuer: { certificate: ca, keyLabel: caLabel } });
    } else {
      certificate = await issueCertificate({ subject, keyLabel, notBefore, notAfter });
    }
    const stored = { certificate, keyLabel, friendlyName: options.friendlyName };
    this.certificates.set(certificate.thumbprint, stored);
    return stored;
  }

  certificateNamed(friendlyName: string): StoredCertificate {
    const found = [...this.certificates.values()].find((c) => c.friendlyName.toLowerCase() === friendlyName.toLowerCase());
    if (!found) throw unknownName('a certificate', friendlyName, [...this.certificates.values()].map((c) => c.friendlyName), 'FriendlyName');
    return found;
  }

  private stored(thumbprint: string, field = 'Thumbprint'): StoredCertificate {
    const found = this.certificates.get(thumbprint.toUpperCase());
    if (!found) this.fail(`no certificate with thumbprint ${thumbprint} is in ${this.name}'s certificate store`, field, thumbprint, [...this.certificates.keys()]);
    return found;
  }

  // ---- the federation trust -----------------------------------------------------------------------

  /** Which gateway instance New-FederationTrust ends up on (seed 002; DOMAIN-NOTES §3). */
  private async instanceFor(certificate: CertificateInfo): Promise<{ instance: GatewayInstanceName; why: string }> {
    const servers = await this.org.directory.allServers();
    const e2010 = servers.filter((s) => s.release.family === '2010');
    if (e2010.length === 0) this.fail(`federation needs Exchange 2010; ${this.name} has no Exchange 2010 server`);
    const sp = Math.max(...e2010.map((s) => s.release.servicePack));
    if (sp === 0) return { instance: 'consumer', why: 'Exchange 2010 RTM federates with the consumer instance' };
    if (!certificate.selfSigned) return { instance: 'consumer', why: 'an organization that uses a third-party certificate federates with the consumer instance' };
    return { instance: 'business', why: `Exchange 2010 SP${sp} with a self-signed certificate federates with the business instance` };
  }

  /** GETs the gateway's metadata over the network and returns the signing certificates it lists. */
  private async readGatewayMetadata(metadataEpr: string): Promise<string[]> {
    await this.federation.sim.refreshNetwork();
    const response = await this.federation.sim.network.send(this.shellHost, new Request(metadataEpr));
    if (!response.ok) this.fail(`the federation metadata at ${metadataEpr} could not be read (HTTP ${response.status})`);
    const { certificates, signedBy } = readMetadata(await response.text());
    if (!signedBy) this.fail(`the federation metadata at ${metadataEpr} is not signed by a certificate it lists`);
    this.metadataReadAt.set(metadataEpr.toLowerCase(), this.clock.millis());
    return certificates.map((c) => c.der);
  }

  /** Registers an application URI and certificate with an instance (the Office 365 service's own registration). */
  async registerApplication(instance: GatewayInstanceName, applicationUri: string, certificateDer: string): Promise<void> {
    const registered = await this.provision(instance, { operation: 'register', applicationUri, organization: this.name, certificate: certificateDer });
    if (!registered.ok) this.fail(`the ${instance} instance refused to register ${applicationUri}: ${registered.error}`);
  }

  /** The servers read the trust again at once (after it was removed and recreated). */
  forgetTrust(): void {
    this.trustCache = undefined;
  }

  private async provision(instance: GatewayInstanceName, body: Record<string, string>): Promise<{ ok: true } | { ok: false; error: string; reason?: string }> {
    await this.federation.sim.refreshNetwork();
    const url = new URL(PROVISIONING, GATEWAY_INSTANCES[instance].tokenIssuerEpr).toString();
    const response = await this.federation.sim.network.send(this.shellHost, new Request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
    const answer = (await response.json()) as { error?: string; reason?: string };
    return response.ok ? { ok: true } : { ok: false, error: answer.error ?? `HTTP ${response.status}`, reason: answer.reason };
  }

  /**
   * New-FederationTrust. `viaConsole` is the New Federation Trust wizard, which always makes a self-signed
   * certificate; a third-party certificate can only be used from the shell (-Thumbprint).
   */
  async newFederationTrust(options: { name: string; thumbprint?: string; viaConsole?: boolean; instance?: GatewayInstanceName; bySupport?: boolean }): Promise<ShellOutput> {
    if (this.office365 && !options.bySupport) {
      this.fail(`New-FederationTrust is not available to the administrator of the Office 365 tenant ${this.name}: Microsoft creates the tenant's federation trust, and only Office 365 support can recreate it`, 'Name', options.name);
    }
    const fed = this.directory();
    if ((await fed.federationTrusts()).length > 0) this.fail(`${this.name} already has a federation trust; remove it before creating another`, 'Name', options.name);
    let stored: StoredCertificate;
    if (options.viaConsole) {
      if (options.thumbprint) this.fail('the New Federation Trust wizard makes its own self-signed certificate; a third-party certificate can only be used from the Exchange Management Shell', 'Thumbprint', options.thumbprint);
      stored = await this.addCertificate({ friendlyName: `Exchange Delegated Federation ${this.nextKey}` });
    } else {
      if (!options.thumbprint) this.fail('New-FederationTrust needs -Thumbprint (or a certificate piped from Get-ExchangeCertificate)', 'Thumbprint');
      stored = this.stored(options.thumbprint);
    }
    const { instance, why } = options.instance ? { instance: options.instance, why: `created on the ${options.instance} instance by Microsoft` } : await this.instanceFor(stored.certificate);
    const info = GATEWAY_INSTANCES[instance];
    const issuerCertificates = await this.readGatewayMetadata(info.metadataEpr);
    const check = await this.provision(instance, { operation: 'check-certificate', organization: this.name, certificate: stored.certificate.der });
    if (!check.ok) this.fail(`New-FederationTrust failed: the Microsoft Federation Gateway (${instance}) refused the certificate: ${check.error}`, 'Thumbprint', stored.certificate.thumbprint);
    await this.org.writer.applyPlan(
      planFederationTrust(this.org.layout, {
        name: options.name,
        applicationUri: '',
        applicationIdentifier: '',
        tokenIssuerUri: info.tokenIssuerUri,
        tokenIssuerEpr: info.tokenIssuerEpr,
        tokenIssuerMetadataEpr: info.metadataEpr,
        tokenIssuerType: info.type,
        tokenIssuerCertificates: issuerCertificates,
        orgCertificate: stored.certificate.der,
        orgPrivCertificate: stored.certificate.thumbprint,
        metadataPollIntervalMinutes: 1440,
      }),
    );
    this.trustCache = undefined;
    return { records: [{ Name: options.name, OrgCertificate: stored.certificate.thumbprint, TokenIssuerUri: info.tokenIssuerUri }], lines: [why] };
  }

  private async trustNamed(identity: string | undefined): Promise<FederationTrustView> {
    const trusts = await this.directory().federationTrusts();
    const trust = identity ? trusts.find((t) => t.name.toLowerCase() === identity.toLowerCase()) : trusts[0];
    if (!trust) throw unknownName('a federation trust', identity ?? '(any)', trusts.map((t) => t.name), 'Identity');
    return trust;
  }

  /** Set-FederationTrust -RefreshMetadata: reads the gateway's metadata again and keeps its certificates. */
  async refreshMetadata(identity?: string): Promise<void> {
    const trust = await this.trustNamed(identity);
    const certificates = await this.readGatewayMetadata(trust.tokenIssuerMetadataEpr);
    // The certificate held until now becomes the previous one, so tokens signed before the change still verify.
    const previous = trust.tokenIssuerCertificates[0];
    const next = certificates[0] === previous ? trust.tokenIssuerCertificates : [certificates[0], ...(previous ? [previous] : [])];
    await this.org.writer.applyPlan(planTokenIssuerCertificates(trust.dn, next));
  }

  /**
   * The trust the servers use, through their 5-minute cache; the gateway's metadata is read again when
   * its poll interval (msExchFedMetadataPollInterval, 24 hours by default) has passed.
   */
  async delegationTrust(): Promise<FederationTrustView | undefined> {
    const now = this.clock.millis();
    if (!this.trustCache || now - this.trustCache.at >= TRUST_CACHE_MS) {
      const orgId = await this.directory().organizationId();
      const trust = orgId.delegationTrustDn ? await this.directory().federationTrust(orgId.delegationTrustDn) : undefined;
      if (trust) {
        const readAt = this.metadataReadAt.get(trust.tokenIssuerMetadataEpr.toLowerCase()) ?? now;
        if (!this.metadataReadAt.has(trust.tokenIssuerMetadataEpr.toLowerCase())) this.metadataReadAt.set(trust.tokenIssuerMetadataEpr.toLowerCase(), now);
        if (now - readAt >= trust.metadataPollIntervalMinutes * 60_000) {
          await this.refreshMetadata(trust.name);
          return this.delegationTrust();
        }
      }
      this.trustCache = { at: now, value: trust };
    }
    return this.trustCache.value;
  }

  async getFederationTrust(): Promise<ShellOutput> {
    const trusts = await this.directory().federationTrusts();
    return {
      records: trusts.map((t) => ({
        Name: t.name,
        ApplicationIdentifier: t.applicationIdentifier,
        ApplicationUri: t.applicationUri,
        OrgCertificate: t.orgPrivCertificate ?? '',
        TokenIssuerUri: t.tokenIssuerUri,
        TokenIssuerEpr: t.tokenIssuerEpr,
        TokenIssuerMetadataEpr: t.tokenIssuerMetadataEpr,
        TokenIssuerType: t.tokenIssuerType,
        TokenIssuerCertificate: t.tokenIssuerCertificates[0] ? parseCertificate(t.tokenIssuerCertificates[0]).thumbprint : '',
        TokenIssuerPrevCertificate: t.tokenIssuerCertificates[1] ? parseCertificate(t.tokenIssuerCertificates[1]).thumbprint : '',
        MetadataPollInterval: formatMinutes(t.metadataPollIntervalMinutes),
      })),
      lines: [],
    };
  }

  // ---- domains and the organization identifier -----------------------------------------------------

  async getFederatedDomainProof(domain: string): Promise<ShellOutput> {
    if (!isDomainName(domain)) this.fail(`"${domain}" is not a domain name`, 'DomainName', domain);
    const trust = await this.trustNamed(undefined).catch(() => this.fail(`Get-FederatedDomainProof needs a federation trust; run New-FederationTrust first`, 'DomainName', domain));
    const stored = this.stored(trust.orgPrivCertificate ?? '', 'DomainName');
    const proof = await domainProof(domain, stored.keyLabel);
    return { records: [{ DomainName: domain.toLowerCase(), Thumbprint: stored.certificate.thumbprint, Proof: proof, DnsRecord: `${domain.toLowerCase()} IN TXT ${proof}` }], lines: [] };
  }

  async newAcceptedDomain(name: string, domainName: string): Promise<void> {
    const existing = await this.directory().acceptedDomains();
    await this.org.writer.applyPlan(planAcceptedDomain(this.org.layout, name, domainName, existing));
  }

  private applicationUriFor(trust: FederationTrustView, accountNamespace: string): string {
    if (this.office365) return OFFICE_365.applicationUri;
    // The business instance names an organization FYDIBOHF25SPDLT.<account namespace>; the consumer
    // instance by the account namespace itself (DOMAIN-NOTES §3; the seed's manual example).
    return trust.tokenIssuerUri === GATEWAY_INSTANCES.business.tokenIssuerUri ? `FYDIBOHF25SPDLT.${accountNamespace}` : accountNamespace;
  }

  private instanceOf(trust: FederationTrustView): GatewayInstanceName {
    return trust.tokenIssuerUri === GATEWAY_INSTANCES.business.tokenIssuerUri ? 'business' : 'consumer';
  }

  async setFederatedOrganizationIdentifier(options: { delegationFederationTrust: string; accountNamespace: string; enabled: boolean }): Promise<void> {
    const trust = await this.trustNamed(options.delegationFederationTrust);
    const ns = options.accountNamespace.toLowerCase();
    if (!isDomainName(ns)) this.fail(`"${options.accountNamespace}" is not a domain name`, 'AccountNamespace', options.accountNamespace);
    const accepted = await this.directory().acceptedDomains();
    const domain = accepted.find((d) => d.domainName === ns);
    if (!domain) {
      this.fail(`the account namespace ${ns} must be an accepted domain first (New-AcceptedDomain -DomainName ${ns})`, 'AccountNamespace', ns, accepted.map((d) => d.domainName));
    }
    const primary = this.org.layout.forestDomain;
    if (ns === primary) this.fail(`the account namespace must differ from the primary SMTP domain ${primary}; use a subdomain such as exchangedelegation.${primary}`, 'AccountNamespace', ns);
    const applicationUri = this.applicationUriFor(trust, ns);
    const instance = this.instanceOf(trust);
    const registered = await this.provision(instance, { operation: 'register', applicationUri, organization: this.name, certificate: trust.orgCertificate ?? '' });
    if (!registered.ok) this.fail(`Set-FederatedOrganizationIdentifier failed: ${registered.error}`, 'DelegationFederationTrust', trust.name);
    const proven = await this.provision(instance, { operation: 'add-domain', applicationUri, domain: ns });
    if (!proven.ok) this.fail(`Set-FederatedOrganizationIdentifier failed: the domain proof of ${ns} was not found in DNS: ${proven.error}; publish the TXT record Get-FederatedDomainProof -DomainName ${ns} gives`, 'AccountNamespace', ns);
    const plan = planOrganizationIdentifier(this.org.layout, { accountNamespace: ns, enabled: options.enabled, delegationTrustDn: trust.dn, accountNamespaceDomainDn: domain.dn });
    plan.modifies.push({
      dn: trust.dn,
      modifications: [
        { operation: 'replace', attribute: ATTR.fedApplicationUri, values: [applicationUri] },
        { operation: 'replace', attribute: ATTR.fedApplicationId, values: [applicationUri] },
      ],
    });
    await this.org.writer.applyPlan(plan);
    this.trustCache = undefined;
  }

  async addFederatedDomain(domainName: string): Promise<void> {
    const ns = domainName.toLowerCase();
    const orgId = await this.directory().organizationId();
    if (!orgId.accountNamespace) this.fail('Add-FederatedDomain needs a federated organization identifier; run Set-FederatedOrganizationIdentifier first', 'DomainName', ns);
    const accepted = await this.directory().acceptedDomains();
    const domain = accepted.find((d) => d.domainName === ns);
    if (!domain) this.fail(`${ns} is not an accepted domain of ${this.name}`, 'DomainName', ns, accepted.map((d) => d.domainName));
    const trust = await this.directory().federationTrust(orgId.delegationTrustDn ?? '');
    if (!trust) this.fail('the delegation federation trust is missing', 'DomainName', ns);
    const proven = await this.provision(this.instanceOf(trust), { operation: 'add-domain', applicationUri: trust.applicationUri, domain: ns });
    if (!proven.ok) this.fail(`Add-FederatedDomain failed: the domain proof of ${ns} was not found in DNS: ${proven.error}; publish the TXT record Get-FederatedDomainProof -DomainName ${ns} gives`, 'DomainName', ns);
    await this.org.writer.applyPlan(planFederatedDomain(this.org.layout, domain.dn));
  }

  async getFederatedOrganizationIdentifier(): Promise<ShellOutput> {
    const fed = this.directory();
    const orgId = await fed.organizationId();
    const trust = orgId.delegationTrustDn ? await fed.federationTrust(orgId.delegationTrustDn) : undefined;
    return {
      records: [{
        AccountNamespace: orgId.accountNamespace ?? '',
        Domains: orgId.federatedDomains.join(', '),
        Enabled: orgId.enabled ? 'True' : 'False',
        OrganizationId: orgId.accountNamespace ?? '',
        DelegationTrustLink: trust?.name ?? '',
      }],
      lines: [],
    };
  }

  // ---- organization relationships ------------------------------------------------------------------

  async newOrganizationRelationship(spec: OrganizationRelationshipSpec & { freeBusyAccessScope?: string }): Promise<void> {
    const existing = await this.directory().organizationRelationships();
    if (existing.some((r) => r.name.toLowerCase() === spec.name.toLowerCase())) this.fail(`an organization relationship named "${spec.name}" already exists`, 'Name', spec.name);
    if (spec.domainNames.length === 0) this.fail('DomainNames is required: the other organization\'s federated domains', 'DomainNames');
    for (const d of spec.domainNames) if (!isDomainName(d)) this.fail(`"${d}" is not a domain name`, 'DomainNames', d);
    for (const r of existing) {
      const clash = r.domainNames.find((d) => spec.domainNames.some((x) => x.toLowerCase() === d));
      if (clash) this.fail(`the domain ${clash} is already in the organization relationship "${r.name}"`, 'DomainNames', clash);
    }
    const resolved = await this.resolveScope(spec);
    await this.org.writer.applyPlan(planNewOrganizationRelationship(this.org.layout, resolved));
  }

  private async resolveScope(spec: OrganizationRelationshipSpec & { freeBusyAccessScope?: string }): Promise<OrganizationRelationshipSpec> {
    if (!spec.freeBusyAccessScope) return spec;
    const group = await this.directory().groupByName(spec.freeBusyAccessScope);
    if (!group) this.fail(`"${spec.freeBusyAccessScope}" is not a group of ${this.name}`, 'FreeBusyAccessScope', spec.freeBusyAccessScope);
    return { ...spec, freeBusyAccessScopeGuid: group.guid };
  }

  async setOrganizationRelationship(identity: string, change: Partial<OrganizationRelationshipSpec> & { freeBusyAccessScope?: string | null }): Promise<void> {
    const existing = await this.directory().organizationRelationships();
    const current = existing.find((r) => r.name.toLowerCase() === identity.toLowerCase());
    if (!current) throw unknownName('an organization relationship', identity, existing.map((r) => r.name), 'Identity');
    const merged: OrganizationRelationshipSpec & { freeBusyAccessScope?: string } = {
      name: current.name,
      domainNames: change.domainNames ?? current.domainNames,
      enabled: change.enabled ?? current.enabled,
      freeBusyAccessEnabled: change.freeBusyAccessEnabled ?? current.freeBusyAccessEnabled,
      freeBusyAccessLevel: change.freeBusyAccessLevel ?? current.freeBusyAccessLevel,
      freeBusyAccessScopeGuid: change.freeBusyAccessScope === null ? undefined : current.freeBusyAccessScopeGuid,
      freeBusyAccessScope: change.freeBusyAccessScope ?? undefined,
      targetApplicationUri: change.targetApplicationUri ?? current.targetApplicationUri,
      targetAutodiscoverEpr: change.targetAutodiscoverEpr ?? current.targetAutodiscoverEpr,
    };
    await this.org.writer.applyPlan(planSetOrganizationRelationship(current.dn, await this.resolveScope(merged)));
  }

  async getOrganizationRelationship(identity?: string): Promise<ShellOutput> {
    const fed = this.directory();
    const all = await fed.organizationRelationships();
    const chosen = identity ? all.filter((r) => r.name.toLowerCase() === identity.toLowerCase()) : all;
    if (identity && chosen.length === 0) throw unknownName('an organization relationship', identity, all.map((r) => r.name), 'Identity');
    const records: Array<Record<string, string>> = [];
    for (const r of chosen) {
      const scope = r.freeBusyAccessScopeGuid ? await fed.groupByGuid(r.freeBusyAccessScopeGuid) : undefined;
      records.push({
        Name: r.name,
        DomainNames: r.domainNames.join(', '),
        FreeBusyAccessEnabled: r.freeBusyAccessEnabled ? 'True' : 'False',
        FreeBusyAccessLevel: r.freeBusyAccessLevel,
        FreeBusyAccessScope: scope?.name ?? '',
        TargetApplicationUri: r.targetApplicationUri ?? '',
        TargetAutodiscoverEpr: r.targetAutodiscoverEpr ?? '',
        Enabled: r.enabled ? 'True' : 'False',
      });
    }
    return { records, lines: [] };
  }

  /** The relationship for a domain as the availability service sees it: through its cache. */
  async relationshipFor(domain: string, log?: (r: { base: string; scope: string; filter: string; results: number }) => void): Promise<{ relationship?: OrganizationRelationshipView; cached: boolean }> {
    const key = domain.toLowerCase();
    const hit = this.relationshipCache.get(key);
    if (hit && this.clock.millis() - hit.at < RELATIONSHIP_CACHE_MS) return { relationship: hit.value, cached: true };
    const relationship = await this.directory(log).organizationRelationshipFor(key);
    this.relationshipCache.set(key, { at: this.clock.millis(), value: relationship });
    return { relationship, cached: false };
  }

  /**
   * Get-FederationInformation: asks the other organization's Autodiscover, anonymously, for its federation
   * information (https://autodiscover.<domain>/autodiscover/autodiscover.svc, then https://<domain>/…),
   * following one HTTPS redirect.
   */
  async getFederationInformation(domainName: string): Promise<ShellOutput & { information?: { domainNames: string[]; targetApplicationUri: string; targetAutodiscoverEpr: string; tokenIssuerUris: string[] } }> {
    const domain = domainName.toLowerCase();
    if (!isDomainName(domain)) this.fail(`"${domainName}" is not a domain name`, 'DomainName', domainName);
    await this.federation.sim.refreshNetwork();
    const failures: string[] = [];
    for (const host of [`autodiscover.${domain}`, domain]) {
      let url = `https://${host}/autodiscover/autodiscover.svc`;
      try {
        const ask = (at: string) => this.federation.sim.network.send(this.shellHost, new Request(at, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body: getFederationInformationRequest(domain) }));
        let response = await ask(url);
        // One HTTPS redirect is followed (Office 365 sends autodiscover.<domain> on to autodiscover-s.outlook.com);
        // the endpoint that answered is the one the relationship will use.
        const location = response.headers.get('location');
        if ((response.status === 301 || response.status === 302) && location?.toLowerCase().startsWith('https://')) {
          url = location;
          response = await ask(url);
        }
        const text = await response.text();
        if (!response.ok) {
          failures.push(`${url}: HTTP ${response.status}${faultIn(text) ? ` (${faultIn(text)!.message})` : ''}`);
          continue;
        }
        const answer = parseGetFederationInformationResponse(text);
        if (answer.errorCode !== 'NoError') {
          failures.push(`${url}: ${answer.errorCode}${answer.errorMessage ? ` (${answer.errorMessage})` : ''}`);
          continue;
        }
        const information = {
          domainNames: answer.domains,
          targetApplicationUri: answer.applicationUri ?? '',
          targetAutodiscoverEpr: `${url}/WSSecurity`,
          tokenIssuerUris: answer.tokenIssuers.map((t) => t.uri),
        };
        return {
          information,
          records: [{ DomainNames: information.domainNames.join(', '), TargetApplicationUri: information.targetApplicationUri, TargetAutodiscoverEpr: information.targetAutodiscoverEpr, TokenIssuerUris: information.tokenIssuerUris.join(', ') }],
          lines: [],
        };
      } catch (e) {
        failures.push(`${url}: ${(e as Error).message}`);
      }
    }
    this.fail(`Get-FederationInformation could not reach Autodiscover for ${domain}: ${failures.join('; ')}`, 'DomainName', domain);
  }

  // ---- tokens --------------------------------------------------------------------------------------

  /**
   * Requests a delegation token for a user from the gateway the delegation trust names, signing the
   * request with the organization's certificate. Returns the token or why there is none.
   */
  async requestDelegationToken(from: string, parentHop: import('../trace/trace').Hop | undefined, userEmail: string, appliesTo: string, offer: { offer: string; minutes: number }): Promise<{ ok: true; token: string } | { ok: false; why: string }> {
    const trust = await this.delegationTrust();
    if (!trust) return { ok: false, why: `${this.name} has no federation trust for delegation (Set-FederatedOrganizationIdentifier -DelegationFederationTrust)` };
    const stored = trust.orgPrivCertificate ? this.certificates.get(trust.orgPrivCertificate) : undefined;
    if (!stored) return { ok: false, why: `the organization certificate ${trust.orgPrivCertificate} is not in ${this.name}'s certificate store` };
    const rst = requestSecurityToken({ appliesTo, offer: offer.offer, userEmail, requestingOrganization: trust.applicationUri, lifetimeMinutes: offer.minutes });
    // The whole request is signed with the organization's key: the gateway knows the organization by it.
    const signed = await signXml(rst.replace('<soap:Envelope ', `<soap:Envelope Id="_${randomBytes(8).toString('hex')}" `), { keyLabel: stored.keyLabel, certificate: stored.certificate });
    try {
      const response = await this.federation.sim.network.send(from, new Request(trust.tokenIssuerEpr, { method: 'POST', headers: { 'content-type': 'application/soap+xml; charset=utf-8' }, body: signed }), { parent: parentHop });
      const text = await response.text();
      if (!response.ok) return { ok: false, why: faultIn(text)?.message ?? `HTTP ${response.status} from ${trust.tokenIssuerEpr}` };
      return { ok: true, token: parseRequestSecurityTokenResponse(text).token };
    } catch (e) {
      return { ok: false, why: `${trust.tokenIssuerEpr}: ${(e as Error).message}` };
    }
  }

  /** The certificates (with keys) the organization can decrypt tokens with, and the gateway certificates it trusts. */
  async tokenValidation(): Promise<{ decryptWith: Array<{ certificate: CertificateInfo; keyLabel: string }>; trustedSigners: CertificateInfo[]; applicationUri: string } | undefined> {
    const trust = await this.delegationTrust();
    if (!trust) return undefined;
    const decryptWith = [...this.certificates.values()].map((s) => ({ certificate: s.certificate, keyLabel: s.keyLabel }));
    // Office 365 validates partners' tokens with the service's own trust: the business instance's metadata,
    // which Microsoft keeps current (read again when the trust cache expires), not the tenant's trust.
    const trustedSigners = this.office365 ? await this.businessSigners() : trust.tokenIssuerCertificates.map((c) => parseCertificate(c));
    return { decryptWith, trustedSigners, applicationUri: trust.applicationUri };
  }

  private async businessSigners(): Promise<CertificateInfo[]> {
    const now = this.clock.millis();
    if (!this.serviceSigners || now - this.serviceSigners.at >= TRUST_CACHE_MS) {
      this.serviceSigners = { at: now, value: (await this.readGatewayMetadata(GATEWAY_INSTANCES.business.metadataEpr)).map((c) => parseCertificate(c)) };
    }
    return this.serviceSigners.value;
  }

  // ---- other cmdlets -------------------------------------------------------------------------------

  async setWebServicesVirtualDirectory(identity: string, change: { internalUrl?: string | null; externalUrl?: string | null }): Promise<void> {
    const server = identity.split('\\')[0];
    await this.org.writer.applyPlan(this.org.writer.planner.planWebServicesVirtualDirectory(server, change));
  }

  async newMailContact(name: string, externalEmailAddress: string): Promise<void> {
    await this.org.writer.applyPlan(planMailContact(this.org.layout, name, externalEmailAddress));
  }

  async newGroup(name: string, members: string[]): Promise<void> {
    const planner = this.org.writer.planner;
    const dns = members.map((m) => planner.mailbox(m).dn);
    const sid = `${planner.groupSids.exchangeServers.replace(/-\d+$/, '')}-${5000 + (await this.groupCount())}`;
    await this.org.writer.applyPlan(planGroup(this.org.layout, name, dns, sid));
  }

  private async groupCount(): Promise<number> {
    const found = await this.org.directory.lookup(this.org.layout.domainDn, and(eq(ATTR.objectClass, 'group')), 'sub', [ATTR.cn]);
    return found.length;
  }

  logEvent(server: string, source: string, level: EventLogEntry['level'], message: string): void {
    this.events.push({ server, source, level, at: this.clock.now(), message });
  }

  certificateValidity(stored: StoredCertificate): 'valid' | 'expired' | 'not-yet-valid' {
    return validityAt(stored.certificate, this.clock.now());
  }
}

function formatMinutes(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const hhmmss = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00`;
  return d ? `${d}.${hhmmss}` : hhmmss;
}
