// An Office 365 tenant (Exchange Online, as it ran Exchange 2010 SP1 in 2011) beside on-premises organizations.
// The tenant is an organization of its own forest, served by Microsoft's shared names: Autodiscover at
// autodiscover-s.outlook.com (autodiscover.<domain> and autodiscover.outlook.com redirect there), EWS at
// outlook.office365.com. Its application URI is outlook.com (DOMAIN-NOTES §3, confirmed).
//
// Two trusts are at work, which is what seed 002's hybrid story turns on:
//   - the service's own, always with the business instance: partners' tokens are issued for outlook.com and
//     encrypted to the service's certificate, and the service validates them against the business metadata;
//   - the tenant's delegation trust, created by Microsoft when the tenant is provisioned and named after its
//     instance (DelegationTrustLink shows MicrosoftOnline, or WindowsLiveID when it was created on the consumer
//     instance). The tenant's own users' tokens come from that one, so on the consumer instance the tenant can
//     be asked for free/busy but gets no token to ask an on-premises organization. Only Office 365 support can
//     recreate it; the tenant's administrator cannot run New-FederationTrust.
//
// One tenant per scenario: the shared names cannot route to two tenants here (they would by the user's domain).

import { InputError } from '../errors';
import { releaseByName } from '../topology/versions';
import type { Federation, OrganizationFederation } from './federation';
import { GATEWAY_INSTANCES, type GatewayInstanceName } from './gateway';
import { planOrganizationIdentifierCleared } from './directory';

export const OFFICE_365 = {
  applicationUri: 'outlook.com',
  autodiscoverHost: 'autodiscover-s.outlook.com',
  autodiscoverEpr: 'https://autodiscover-s.outlook.com/autodiscover/autodiscover.svc/WSSecurity',
  /** Where autodiscover.<tenant domain> points (a CNAME in real DNS): it redirects to autodiscoverHost. */
  redirectingHosts: ['autodiscover.outlook.com'],
  ewsUrl: 'https://outlook.office365.com/EWS/Exchange.asmx',
  /** Ours: the tenant's servers are not visible to it; one stands for them. */
  server: 'EXO01',
  site: 'ExchangeOnline',
  release: 'Exchange 2010 SP1',
  /** The service's certificate is issued by a public CA (ours: the issuer's name). */
  certificateIssuer: 'Microsoft Secure Server Authority',
} as const;

export interface Office365TenantSpec {
  name: string;
  domain: string;
  /** The instance Microsoft created the tenant's delegation trust on: business, unless it went wrong. */
  trustInstance: GatewayInstanceName;
}

/** The account namespace Office 365 gives a tenant (ours: <first label>.onmicrosoft.com). */
export function tenantNamespace(domain: string): string {
  return `${domain.split('.')[0]}.onmicrosoft.com`;
}

export async function declareOffice365Tenant(federation: Federation, spec: Office365TenantSpec): Promise<OrganizationFederation> {
  const existing = federation.sim.organizations.map((o) => federation.of(o)).find((f) => f.office365);
  if (existing) throw new InputError(`one Office 365 tenant per scenario: "${existing.name}" is already declared`, { field: 'tenant', value: spec.name });
  const org = await federation.sim.declareOrganization({ name: spec.name, forestDomain: spec.domain });
  const tenant = federation.of(org);
  tenant.office365 = true;
  const domain = org.layout.forestDomain;
  await org.writer.addSites([OFFICE_365.site]);
  await org.writer.addServers([{ name: OFFICE_365.server, site: OFFICE_365.site, release: releaseByName(OFFICE_365.release), roles: ['ClientAccess', 'Mailbox'] }]);
  await tenant.setWebServicesVirtualDirectory(`${OFFICE_365.server}\\EWS (Default Web Site)`, { internalUrl: OFFICE_365.ewsUrl, externalUrl: OFFICE_365.ewsUrl });
  for (const host of [OFFICE_365.autodiscoverHost, ...OFFICE_365.redirectingHosts, `autodiscover.${domain}`]) federation.sim.network.setDnsRecord(host, [OFFICE_365.server]);
  const certificate = await tenant.addCertificate({ friendlyName: 'Office 365 federation', subject: `CN=${OFFICE_365.applicationUri}`, issuedBy: OFFICE_365.certificateIssuer });
  // The service's own registration with the business instance, whatever the tenant's trust is.
  if (spec.trustInstance !== 'business') await tenant.registerApplication('business', OFFICE_365.applicationUri, certificate.certificate.der);
  await tenant.newAcceptedDomain('Tenant namespace', tenantNamespace(domain));
  await provisionDelegationTrust(federation, tenant, spec.trustInstance);
  return tenant;
}

/** Microsoft's provisioning of the tenant's delegation trust on an instance, named after it. */
async function provisionDelegationTrust(federation: Federation, tenant: OrganizationFederation, instance: GatewayInstanceName): Promise<void> {
  const name = GATEWAY_INSTANCES[instance].type;
  const certificate = tenant.certificateNamed('Office 365 federation');
  await tenant.newFederationTrust({ name, thumbprint: certificate.certificate.thumbprint, instance, bySupport: true });
  const domain = tenant.org.layout.forestDomain;
  const ns = tenantNamespace(domain);
  // Domain ownership was verified when the domains were added to the tenant: the proofs are in DNS.
  for (const d of [ns, domain]) federation.dns.addTxt(d, (await tenant.getFederatedDomainProof(d)).records[0].Proof);
  await tenant.setFederatedOrganizationIdentifier({ delegationFederationTrust: name, accountNamespace: ns, enabled: true });
  await tenant.addFederatedDomain(domain);
}

/** Office 365 support recreates the tenant's federation trust, on the business instance. */
export async function recreateTenantTrust(federation: Federation, tenant: OrganizationFederation): Promise<void> {
  if (!tenant.office365) throw new InputError(`${tenant.name} is not an Office 365 tenant: its administrator manages its own federation trust`, { field: 'tenant', value: tenant.name });
  const trusts = await tenant.directory().federationTrusts();
  for (const trust of trusts) await tenant.org.writer.applyPlan(planOrganizationIdentifierCleared(tenant.org.layout, trust.dn));
  tenant.forgetTrust();
  await provisionDelegationTrust(federation, tenant, 'business');
}
