// Federation in the directory: the federation trust, the federated organization identifier, accepted
// domains, organization relationships, scope groups and mail contacts, written as the cmdlets would leave
// them and read back over LDAP the way a Client Access server reads them.

import { createHash } from 'node:crypto';
import type { DirectoryWriteEntry, Entry, Modification } from '../directory/client';
import { firstRdnValue, normalizeDn } from '../directory/dn';
import { and, eq } from '../directory/filter';
import { ATTR, OBJECT_CLASS } from '../directory/schema';
import { InputError } from '../errors';
import type { ForestLayout } from '../topology/layout';
import type { ExchangeDirectory } from '../topology/reader';
import type { Plan } from '../topology/writer';

export type FreeBusyAccessLevel = 'None' | 'AvailabilityOnly' | 'LimitedDetails';
export const FREE_BUSY_ACCESS_LEVELS: readonly FreeBusyAccessLevel[] = ['None', 'AvailabilityOnly', 'LimitedDetails'];

/** msExchFedEnabledActions: free/busy sharing and its level, `:<scope group GUID>` when scoped (DOMAIN-NOTES §3). */
const FREE_BUSY_ACTION = 'MSExchange.SharingCalendarFreeBusy';
const FREE_BUSY_LEVEL_ACTION = 'MSExchange.SharingCalendarFreeBusyLevel';

export interface FederationTrustView {
  dn: string;
  name: string;
  applicationUri: string;
  applicationIdentifier: string;
  tokenIssuerUri: string;
  tokenIssuerEpr: string;
  tokenIssuerMetadataEpr: string;
  tokenIssuerType: string;
  /** The gateway's signing certificates from the metadata last read: current, then previous. */
  tokenIssuerCertificates: string[];
  orgCertificate?: string;
  orgPrivCertificate?: string;
  orgNextCertificate?: string;
  orgPrevCertificate?: string;
  metadataPollIntervalMinutes: number;
}

export interface FederatedOrganizationIdView {
  dn: string;
  accountNamespace?: string;
  enabled: boolean;
  delegationTrustDn?: string;
  /** Accepted domains linked to it (Add-FederatedDomain), the account namespace among them. */
  federatedDomains: string[];
}

export interface AcceptedDomainView {
  dn: string;
  name: string;
  domainName: string;
  federated: boolean;
}

export interface OrganizationRelationshipSpec {
  name: string;
  domainNames: string[];
  enabled: boolean;
  freeBusyAccessEnabled: boolean;
  freeBusyAccessLevel: FreeBusyAccessLevel;
  freeBusyAccessScopeGuid?: string;
  targetApplicationUri?: string;
  targetAutodiscoverEpr?: string;
}

/** A relationship as read back: what was declared, and where it is. */
export interface OrganizationRelationshipView extends OrganizationRelationshipSpec {
  dn: string;
}

const TRUST_ATTRIBUTES = [
  ATTR.cn, ATTR.fedApplicationUri, ATTR.fedApplicationId, ATTR.fedTokenIssuerUri, ATTR.fedTokenIssuerEpr, ATTR.fedTokenIssuerMetadataEpr,
  ATTR.fedTokenIssuerType, ATTR.fedTokenIssuerCertificate, ATTR.fedTokenIssuerPrevCertificate, ATTR.fedOrgCertificate, ATTR.fedOrgPrivCertificate,
  ATTR.fedOrgNextCertificate, ATTR.fedOrgPrevCertificate, ATTR.fedMetadataPollInterval,
];
const RELATIONSHIP_ATTRIBUTES = [ATTR.cn, ATTR.fedDomainNames, ATTR.fedIsEnabled, ATTR.fedEnabledActions, ATTR.fedTargetApplicationUri, ATTR.fedTargetAutodiscoverEpr];

export function isDomainName(value: string): boolean {
  return /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/i.test(value);
}

/** A stable objectGUID for a directory object we create (AD assigns one; ours derive from the DN). */
export function guidFor(dn: string): string {
  const h = createHash('sha1').update(normalizeDn(dn)).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// ---- reading ----------------------------------------------------------------------------------------

export class FederationDirectory {
  constructor(
    private readonly dir: ExchangeDirectory,
    private readonly layout: ForestLayout,
  ) {}

  private async one(base: string, filter: ReturnType<typeof eq>, attributes: readonly string[]): Promise<Entry | undefined> {
    const found = await this.dir.lookup(base, filter, 'base', attributes).catch((e: { code?: number }) => {
      if (e.code === 32) return [] as Entry[];
      throw e;
    });
    return found[0];
  }

  async federationTrusts(): Promise<FederationTrustView[]> {
    const found = await this.dir.lookup(this.layout.federationTrustsDn, eq(ATTR.objectClass, OBJECT_CLASS.federationTrust), 'one', TRUST_ATTRIBUTES);
    return found.map((e) => toTrust(e));
  }

  async federationTrust(dn: string): Promise<FederationTrustView | undefined> {
    const e = await this.one(dn, eq(ATTR.objectClass, OBJECT_CLASS.federationTrust), TRUST_ATTRIBUTES);
    return e ? toTrust(e) : undefined;
  }

  async organizationId(): Promise<FederatedOrganizationIdView> {
    const e = await this.one(this.layout.federatedOrganizationIdDn, eq(ATTR.objectClass, OBJECT_CLASS.federatedOrganizationId), [ATTR.fedAccountNamespace, ATTR.fedIsEnabled, ATTR.fedDelegationTrust]);
    const linked = await this.dir.lookup(this.layout.acceptedDomainsDn, and(eq(ATTR.objectClass, OBJECT_CLASS.acceptedDomain), eq(ATTR.fedAcceptedDomainLink, this.layout.federatedOrganizationIdDn)), 'one', [ATTR.acceptedDomainName]);
    return {
      dn: this.layout.federatedOrganizationIdDn,
      accountNamespace: e?.get(ATTR.fedAccountNamespace),
      enabled: (e?.get(ATTR.fedIsEnabled) ?? '').toUpperCase() === 'TRUE',
      delegationTrustDn: e?.get(ATTR.fedDelegationTrust),
      federatedDomains: linked.map((d) => (d.get(ATTR.acceptedDomainName) ?? '').toLowerCase()).filter((d) => d).sort(),
    };
  }

  async acceptedDomains(): Promise<AcceptedDomainView[]> {
    const found = await this.dir.lookup(this.layout.acceptedDomainsDn, eq(ATTR.objectClass, OBJECT_CLASS.acceptedDomain), 'one', [ATTR.cn, ATTR.acceptedDomainName, ATTR.fedAcceptedDomainLink]);
    return found.map((e) => ({
      dn: e.dn,
      name: e.get(ATTR.cn) ?? firstRdnValue(e.dn),
      domainName: (e.get(ATTR.acceptedDomainName) ?? '').toLowerCase(),
      federated: e.get(ATTR.fedAcceptedDomainLink) !== undefined,
    }));
  }

  async organizationRelationships(): Promise<OrganizationRelationshipView[]> {
    const found = await this.dir.lookup(this.layout.federatedOrganizationIdDn, eq(ATTR.objectClass, OBJECT_CLASS.organizationRelationship), 'one', RELATIONSHIP_ATTRIBUTES).catch((e: { code?: number }) => {
      if (e.code === 32) return [] as Entry[];
      throw e;
    });
    return found.map((e) => toRelationship(e)).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The relationship whose DomainNames hold this domain, as the availability service looks it up. */
  async organizationRelationshipFor(domain: string): Promise<OrganizationRelationshipView | undefined> {
    const found = await this.dir.lookup(
      this.layout.federatedOrganizationIdDn,
      and(eq(ATTR.objectClass, OBJECT_CLASS.organizationRelationship), eq(ATTR.fedDomainNames, domain.toLowerCase())),
      'one',
      RELATIONSHIP_ATTRIBUTES,
    );
    return found[0] ? toRelationship(found[0]) : undefined;
  }

  /** A group's objectGUID and members (for FreeBusyAccessScope). */
  async groupByName(name: string): Promise<{ dn: string; guid: string } | undefined> {
    const found = await this.dir.lookup(this.layout.domainDn, and(eq(ATTR.objectClass, OBJECT_CLASS.group), eq(ATTR.cn, name)), 'sub', [ATTR.objectGUID]);
    const e = found[0];
    return e ? { dn: e.dn, guid: e.get(ATTR.objectGUID) ?? '' } : undefined;
  }

  async groupByGuid(guid: string): Promise<{ dn: string; name: string } | undefined> {
    const found = await this.dir.lookup(this.layout.domainDn, and(eq(ATTR.objectClass, OBJECT_CLASS.group), eq(ATTR.objectGUID, guid)), 'sub', [ATTR.cn]);
    const e = found[0];
    return e ? { dn: e.dn, name: e.get(ATTR.cn) ?? firstRdnValue(e.dn) } : undefined;
  }

  /** Is the user (by DN) a direct or nested member of the group? */
  isMember(userDn: string, groupDn: string): Promise<boolean> {
    return this.dir.isMemberOfGroupDn(userDn, groupDn);
  }

  /** A mail contact whose external address is this one (Outlook 2007 needs one to find a remote user). */
  async mailContact(address: string): Promise<{ dn: string; displayName: string } | undefined> {
    const found = await this.dir.lookup(this.layout.domainDn, and(eq(ATTR.objectClass, OBJECT_CLASS.contact), eq(ATTR.targetAddress, `SMTP:${address}`)), 'sub', [ATTR.displayName]);
    const e = found[0];
    return e ? { dn: e.dn, displayName: e.get(ATTR.displayName) ?? firstRdnValue(e.dn) } : undefined;
  }
}

function toTrust(e: Entry): FederationTrustView {
  return {
    dn: e.dn,
    name: e.get(ATTR.cn) ?? firstRdnValue(e.dn),
    applicationUri: e.get(ATTR.fedApplicationUri) ?? '',
    applicationIdentifier: e.get(ATTR.fedApplicationId) ?? '',
    tokenIssuerUri: e.get(ATTR.fedTokenIssuerUri) ?? '',
    tokenIssuerEpr: e.get(ATTR.fedTokenIssuerEpr) ?? '',
    tokenIssuerMetadataEpr: e.get(ATTR.fedTokenIssuerMetadataEpr) ?? '',
    tokenIssuerType: e.get(ATTR.fedTokenIssuerType) ?? '',
    tokenIssuerCertificates: [e.get(ATTR.fedTokenIssuerCertificate), e.get(ATTR.fedTokenIssuerPrevCertificate)].filter((c): c is string => !!c),
    orgCertificate: e.get(ATTR.fedOrgCertificate),
    orgPrivCertificate: e.get(ATTR.fedOrgPrivCertificate),
    orgNextCertificate: e.get(ATTR.fedOrgNextCertificate),
    orgPrevCertificate: e.get(ATTR.fedOrgPrevCertificate),
    metadataPollIntervalMinutes: e.int(ATTR.fedMetadataPollInterval) ?? 1440,
  };
}

function toRelationship(e: Entry): OrganizationRelationshipView {
  const actions = e.all(ATTR.fedEnabledActions);
  const level = actions.find((a) => a.startsWith(`${FREE_BUSY_LEVEL_ACTION}:`));
  const [, levelName, scope] = level ? level.split(':') : [];
  return {
    dn: e.dn,
    name: e.get(ATTR.cn) ?? firstRdnValue(e.dn),
    domainNames: e.all(ATTR.fedDomainNames).map((d) => d.toLowerCase()),
    enabled: (e.get(ATTR.fedIsEnabled) ?? '').toUpperCase() === 'TRUE',
    freeBusyAccessEnabled: actions.includes(FREE_BUSY_ACTION),
    freeBusyAccessLevel: (FREE_BUSY_ACCESS_LEVELS.find((l) => l === levelName) ?? 'None'),
    freeBusyAccessScopeGuid: scope || undefined,
    targetApplicationUri: e.get(ATTR.fedTargetApplicationUri),
    targetAutodiscoverEpr: e.get(ATTR.fedTargetAutodiscoverEpr),
  };
}

// ---- writing ------------------------------------------------------------------------------------------

function plan(adds: DirectoryWriteEntry[], modifies: Plan['modifies']): Plan {
  return { adds, modifies, commit: () => undefined };
}

export function planFederationTrust(layout: ForestLayout, trust: Omit<FederationTrustView, 'dn' | 'tokenIssuerCertificates'> & { tokenIssuerCertificates: string[] }): Plan {
  const c = OBJECT_CLASS;
  const attributes: Record<string, string | string[]> = {
    objectClass: [c.top, c.federationTrust],
    cn: trust.name,
    [ATTR.fedApplicationUri]: trust.applicationUri,
    [ATTR.fedApplicationId]: trust.applicationIdentifier,
    [ATTR.fedTokenIssuerUri]: trust.tokenIssuerUri,
    [ATTR.fedTokenIssuerEpr]: trust.tokenIssuerEpr,
    [ATTR.fedTokenIssuerMetadataEpr]: trust.tokenIssuerMetadataEpr,
    [ATTR.fedTokenIssuerType]: trust.tokenIssuerType,
    [ATTR.fedMetadataPollInterval]: String(trust.metadataPollIntervalMinutes),
  };
  const [current, previous] = trust.tokenIssuerCertificates;
  if (current) attributes[ATTR.fedTokenIssuerCertificate] = current;
  if (previous) attributes[ATTR.fedTokenIssuerPrevCertificate] = previous;
  if (trust.orgCertificate) attributes[ATTR.fedOrgCertificate] = trust.orgCertificate;
  if (trust.orgPrivCertificate) attributes[ATTR.fedOrgPrivCertificate] = trust.orgPrivCertificate;
  // The ApplicationUri is empty until a domain is proved: AD stores no empty strings, so it is left out.
  for (const [k, v] of Object.entries(attributes)) if (v === '') delete attributes[k];
  return plan([{ dn: layout.federationTrustDn(trust.name), attributes }], []);
}

/** Set-FederationTrust -RefreshMetadata: the gateway's certificates as the metadata now lists them. */
export function planTokenIssuerCertificates(trustDn: string, certificates: string[]): Plan {
  const [current, previous] = certificates;
  return plan([], [
    {
      dn: trustDn,
      modifications: [
        { operation: 'replace', attribute: ATTR.fedTokenIssuerCertificate, values: current ? [current] : [] },
        { operation: 'replace', attribute: ATTR.fedTokenIssuerPrevCertificate, values: previous ? [previous] : [] },
      ],
    },
  ]);
}

export function planAcceptedDomain(layout: ForestLayout, name: string, domainName: string, existing: readonly AcceptedDomainView[]): Plan {
  if (!isDomainName(domainName)) throw new InputError(`"${domainName}" is not a domain name such as exchangedelegation.contoso.com`, { field: 'DomainName', value: domainName });
  if (existing.some((d) => d.domainName === domainName.toLowerCase())) throw new InputError(`the accepted domain ${domainName} already exists`, { field: 'DomainName', value: domainName });
  if (existing.some((d) => d.name.toLowerCase() === name.toLowerCase())) throw new InputError(`an accepted domain named "${name}" already exists`, { field: 'Name', value: name });
  return plan([
    {
      dn: layout.acceptedDomainDn(name),
      attributes: { objectClass: [OBJECT_CLASS.top, OBJECT_CLASS.acceptedDomain], cn: name, [ATTR.acceptedDomainName]: domainName.toLowerCase(), [ATTR.acceptedDomainFlags]: '0' },
    },
  ], []);
}

export function planOrganizationIdentifier(layout: ForestLayout, change: { accountNamespace: string; enabled: boolean; delegationTrustDn: string; accountNamespaceDomainDn: string }): Plan {
  return plan([], [
    {
      dn: layout.federatedOrganizationIdDn,
      modifications: [
        { operation: 'replace', attribute: ATTR.fedAccountNamespace, values: [change.accountNamespace.toLowerCase()] },
        { operation: 'replace', attribute: ATTR.fedIsEnabled, values: [change.enabled ? 'TRUE' : 'FALSE'] },
        { operation: 'replace', attribute: ATTR.fedDelegationTrust, values: [change.delegationTrustDn] },
      ],
    },
    { dn: change.accountNamespaceDomainDn, modifications: [{ operation: 'replace', attribute: ATTR.fedAcceptedDomainLink, values: [layout.federatedOrganizationIdDn] }] },
  ]);
}

/** Remove-FederationTrust of the delegation trust: the organization identifier no longer links to it, then it goes. */
export function planOrganizationIdentifierCleared(layout: ForestLayout, trustDn: string): Plan {
  const p = plan([], [{ dn: layout.federatedOrganizationIdDn, modifications: [{ operation: 'replace', attribute: ATTR.fedDelegationTrust, values: [] }] }]);
  p.delete = trustDn;
  return p;
}

export function planFederatedDomain(layout: ForestLayout, acceptedDomainDn: string): Plan {
  return plan([], [{ dn: acceptedDomainDn, modifications: [{ operation: 'replace', attribute: ATTR.fedAcceptedDomainLink, values: [layout.federatedOrganizationIdDn] }] }]);
}

function relationshipAttributes(spec: OrganizationRelationshipSpec): Record<string, string | string[]> {
  const actions = [`${FREE_BUSY_LEVEL_ACTION}:${spec.freeBusyAccessLevel}${spec.freeBusyAccessScopeGuid ? `:${spec.freeBusyAccessScopeGuid}` : ''}`];
  if (spec.freeBusyAccessEnabled) actions.unshift(FREE_BUSY_ACTION);
  const attributes: Record<string, string | string[]> = {
    [ATTR.fedDomainNames]: spec.domainNames.map((d) => d.toLowerCase()),
    [ATTR.fedIsEnabled]: spec.enabled ? 'TRUE' : 'FALSE',
    [ATTR.fedEnabledActions]: actions,
  };
  if (spec.targetApplicationUri) attributes[ATTR.fedTargetApplicationUri] = spec.targetApplicationUri;
  if (spec.targetAutodiscoverEpr) attributes[ATTR.fedTargetAutodiscoverEpr] = spec.targetAutodiscoverEpr;
  return attributes;
}

export function planNewOrganizationRelationship(layout: ForestLayout, spec: OrganizationRelationshipSpec): Plan {
  return plan([
    { dn: layout.organizationRelationshipDn(spec.name), attributes: { objectClass: [OBJECT_CLASS.top, OBJECT_CLASS.organizationRelationship], cn: spec.name, ...relationshipAttributes(spec) } },
  ], []);
}

export function planSetOrganizationRelationship(dn: string, spec: OrganizationRelationshipSpec): Plan {
  const attributes = relationshipAttributes(spec);
  const modifications: Modification[] = [ATTR.fedDomainNames, ATTR.fedIsEnabled, ATTR.fedEnabledActions, ATTR.fedTargetApplicationUri, ATTR.fedTargetAutodiscoverEpr].map((attribute) => {
    const v = attributes[attribute];
    return { operation: 'replace', attribute, values: v === undefined ? [] : Array.isArray(v) ? v : [v] };
  });
  return plan([], [{ dn, modifications }]);
}

export function planGroup(layout: ForestLayout, name: string, memberDns: string[], sid: string): Plan {
  const dn = layout.userDn(name);
  const attributes: Record<string, string | string[]> = {
    objectClass: [OBJECT_CLASS.top, OBJECT_CLASS.group],
    cn: name,
    sAMAccountName: name,
    [ATTR.objectGUID]: guidFor(dn),
    [ATTR.objectSid]: sid,
  };
  if (memberDns.length) attributes[ATTR.member] = memberDns;
  return plan([{ dn, attributes }], []);
}

export function planMailContact(layout: ForestLayout, name: string, externalAddress: string): Plan {
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(externalAddress)) throw new InputError(`"${externalAddress}" is not an address of the form user@domain`, { field: 'ExternalEmailAddress', value: externalAddress });
  return plan([
    {
      dn: layout.userDn(name),
      attributes: {
        objectClass: [OBJECT_CLASS.top, OBJECT_CLASS.person, OBJECT_CLASS.organizationalPerson, OBJECT_CLASS.contact],
        cn: name,
        displayName: name,
        [ATTR.mail]: externalAddress,
        [ATTR.targetAddress]: `SMTP:${externalAddress}`,
        [ATTR.proxyAddresses]: [`SMTP:${externalAddress}`],
      },
    },
  ], []);
}

