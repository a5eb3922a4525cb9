// Where things live in an Active Directory forest with an Exchange organization: every DN the writer
// creates and the readers search under is built here, from the forest's domain and the organization name.

import { domainToDn, joinDn, rdn } from '../directory/dn';
import { WELL_KNOWN } from '../directory/schema';

export class ForestLayout {
  readonly domainDn: string;
  readonly configurationDn: string;
  readonly sitesDn: string;
  readonly servicesDn: string;
  readonly microsoftExchangeDn: string;
  readonly organizationDn: string;
  readonly administrativeGroupsDn: string;
  readonly usersDn: string;
  readonly computersDn: string;
  readonly securityGroupsOuDn: string;

  constructor(
    readonly forestDomain: string,
    readonly organizationName: string,
    /**
     * The Configuration naming context when it is not CN=Configuration under this domain: a forest read
     * from a child domain's domain controller keeps it under the forest root domain.
     */
    configurationNamingContext?: string,
  ) {
    this.domainDn = domainToDn(forestDomain);
    this.configurationDn = configurationNamingContext ?? joinDn(rdn('CN', 'Configuration'), this.domainDn);
    this.sitesDn = joinDn(rdn('CN', 'Sites'), this.configurationDn);
    this.servicesDn = joinDn(rdn('CN', 'Services'), this.configurationDn);
    this.microsoftExchangeDn = joinDn(rdn('CN', 'Microsoft Exchange'), this.servicesDn);
    this.organizationDn = joinDn(rdn('CN', organizationName), this.microsoftExchangeDn);
    this.administrativeGroupsDn = joinDn(rdn('CN', 'Administrative Groups'), this.organizationDn);
    this.usersDn = joinDn(rdn('CN', 'Users'), this.domainDn);
    this.computersDn = joinDn(rdn('CN', 'Computers'), this.domainDn);
    this.securityGroupsOuDn = joinDn(rdn('OU', 'Microsoft Exchange Security Groups'), this.domainDn);
  }

  /** The NetBIOS name of the domain: its first label, upper case (CONTOSO for contoso.com). */
  get netbiosName(): string {
    return this.forestDomain.split('.')[0].toUpperCase();
  }

  /** The naming contexts this layout's organization is read through. */
  get namingContexts(): { defaultNamingContext: string; configurationNamingContext: string } {
    return { defaultNamingContext: this.domainDn, configurationNamingContext: this.configurationDn };
  }

  siteDn(site: string): string {
    return joinDn(rdn('CN', site), this.sitesDn);
  }

  administrativeGroupDn(group: string): string {
    return joinDn(rdn('CN', group), this.administrativeGroupsDn);
  }

  serversContainerDn(group: string): string {
    return joinDn(rdn('CN', 'Servers'), this.administrativeGroupDn(group));
  }

  serverDn(group: string, server: string): string {
    return joinDn(rdn('CN', server), this.serversContainerDn(group));
  }

  /** Exchange 2010 keeps databases at the organization level of its administrative group. */
  databasesContainerDn(group: string): string {
    return joinDn(rdn('CN', 'Databases'), this.administrativeGroupDn(group));
  }

  protocolsDn(serverDn: string): string {
    return joinDn(rdn('CN', 'Protocols'), serverDn);
  }

  httpContainerDn(serverDn: string): string {
    return joinDn(rdn('CN', 'HTTP'), this.protocolsDn(serverDn));
  }

  owaVirtualDirectoryDn(serverDn: string): string {
    return joinDn(rdn('CN', WELL_KNOWN.owaVirtualDirectory), this.httpContainerDn(serverDn));
  }

  webServicesVirtualDirectoryDn(serverDn: string): string {
    return joinDn(rdn('CN', WELL_KNOWN.ewsVirtualDirectory), this.httpContainerDn(serverDn));
  }

  autodiscoverVirtualDirectoryDn(serverDn: string): string {
    return joinDn(rdn('CN', WELL_KNOWN.autodiscoverVirtualDirectory), this.httpContainerDn(serverDn));
  }

  // Federation objects live in the organization container of the Configuration naming context.
  get federationTrustsDn(): string {
    return joinDn(rdn('CN', 'Federation Trusts'), this.organizationDn);
  }

  federationTrustDn(name: string): string {
    return joinDn(rdn('CN', name), this.federationTrustsDn);
  }

  /** The federated organization identifier; organization relationships are its children. */
  get federatedOrganizationIdDn(): string {
    return joinDn(rdn('CN', 'Federation'), this.organizationDn);
  }

  organizationRelationshipDn(name: string): string {
    return joinDn(rdn('CN', name), this.federatedOrganizationIdDn);
  }

  get transportSettingsDn(): string {
    return joinDn(rdn('CN', 'Transport Settings'), this.organizationDn);
  }

  get acceptedDomainsDn(): string {
    return joinDn(rdn('CN', 'Accepted Domains'), this.transportSettingsDn);
  }

  acceptedDomainDn(name: string): string {
    return joinDn(rdn('CN', name), this.acceptedDomainsDn);
  }

  /** Exchange 2003: the /Exchange virtual directory under HTTP virtual server 1. */
  legacyHttpVirtualServerDn(serverDn: string): string {
    return joinDn(rdn('CN', '1'), this.httpContainerDn(serverDn));
  }

  legacyExchangeVirtualDirectoryDn(serverDn: string): string {
    return joinDn(rdn('CN', 'Exchange'), this.legacyHttpVirtualServerDn(serverDn));
  }

  informationStoreDn(serverDn: string): string {
    return joinDn(rdn('CN', 'InformationStore'), serverDn);
  }

  storageGroupDn(serverDn: string, storageGroup: string): string {
    return joinDn(rdn('CN', storageGroup), this.informationStoreDn(serverDn));
  }

  userDn(commonName: string): string {
    return joinDn(rdn('CN', commonName), this.usersDn);
  }

  computerDn(server: string): string {
    return joinDn(rdn('CN', server), this.computersDn);
  }

  exchangeServersGroupDn(): string {
    return joinDn(rdn('CN', WELL_KNOWN.exchangeServers), this.securityGroupsOuDn);
  }

  exchangeDomainServersGroupDn(): string {
    return joinDn(rdn('CN', WELL_KNOWN.exchangeDomainServers), this.usersDn);
  }

  /** legacyExchangeDN of a server: /o=Org/ou=<admin group>/cn=Configuration/cn=Servers/cn=<server>. */
  serverLegacyDn(group: string, server: string): string {
    return `/o=${this.organizationName}/ou=${group}/cn=Configuration/cn=Servers/cn=${server}`;
  }

  recipientLegacyDn(group: string, alias: string): string {
    return `/o=${this.organizationName}/ou=${group}/cn=Recipients/cn=${alias}`;
  }
}
