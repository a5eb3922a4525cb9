// The one mapping between Exchange's vocabulary and directory attribute names. Every attribute the
// engine reads or writes is named here. Confirmed names follow Active Directory and the Exchange schema
// (see docs/attributes.md for the source of each); names we had to choose start with `exsc` so nobody
// mistakes them for Exchange's own, and are listed in INVENTED_ATTRIBUTES with the reason.

export const ATTR = {
  // Every object
  objectClass: 'objectClass',
  objectCategory: 'objectCategory',
  cn: 'cn',
  name: 'name',
  distinguishedName: 'distinguishedName',
  objectSid: 'objectSid',
  member: 'member',
  // Sites and servers (Configuration naming context)
  serverSite: 'msExchServerSite',
  currentServerRoles: 'msExchCurrentServerRoles',
  serialNumber: 'serialNumber',
  versionNumber: 'versionNumber',
  exchangeVersion: 'msExchVersion',
  networkAddress: 'networkAddress',
  legacyExchangeDN: 'legacyExchangeDN',
  /** Exchange 2003: 1 on a front-end server, 0 (or absent) on a back-end server. */
  serverRole: 'msExchServerRole',
  dNSHostName: 'dNSHostName',
  // Virtual directories
  internalHostName: 'msExchInternalHostName',
  externalHostName: 'msExchExternalHostName',
  internalAuthenticationMethods: 'msExchInternalAuthenticationMethods',
  externalAuthenticationMethods: 'msExchExternalAuthenticationMethods',
  metabasePath: 'msExchMetabasePath',
  exchange2003Url: 'msExch2003Url',
  owaFailbackUrl: 'msExchOWAFailbackURL',
  owaRedirectToOptimalOwaServer: 'msExchOWARedirectToOptimalOWAServer',
  owaVirtualDirectoryType: 'msExchOwaVirtualDirectoryType',
  crossSiteRedirectType: 'exscCrossSiteRedirectType',
  legacyRedirectType: 'exscLegacyRedirectType',
  twoFactorAuthentication: 'exscTwoFactorAuthentication',
  // Databases
  /** The server the database is mounted on. Whether Active Manager rewrites it on switchover is unconfirmed. */
  owningServer: 'msExchOwningServer',
  // RpcClientAccessServer has no attribute of its own: Exchange encodes it in the database's
  // legacyExchangeDN as `<RPC Client Access server's legacyExchangeDN>/cn=Microsoft Private MDB`.
  // Recipients
  userPrincipalName: 'userPrincipalName',
  sAMAccountName: 'sAMAccountName',
  mail: 'mail',
  mailNickname: 'mailNickname',
  proxyAddresses: 'proxyAddresses',
  homeMDB: 'homeMDB',
  homeServerName: 'msExchHomeServerName',
  recipientTypeDetails: 'msExchRecipientTypeDetails',
  displayName: 'displayName',
  userPassword: 'userPassword',
  objectGUID: 'objectGUID',
  targetAddress: 'targetAddress',
  // Web services and Autodiscover virtual directories use msExchInternalHostName/msExchExternalHostName too.
  // Accepted domains (CN=Accepted Domains,CN=Transport Settings,<org>)
  acceptedDomainName: 'msExchAcceptedDomainName',
  acceptedDomainFlags: 'msExchAcceptedDomainFlags',
  /** An accepted domain that is federated links to the federated organization identifier. */
  fedAcceptedDomainLink: 'msExchFedAcceptedDomainLink',
  // Federation trust (CN=<name>,CN=Federation Trusts,<org>). Certificates are kept as base64 DER text here
  // (AD stores them binary), the way security descriptors are kept as SDDL text.
  fedApplicationId: 'msExchFedApplicationId',
  fedApplicationUri: 'msExchFedApplicationUri',
  fedTokenIssuerUri: 'msExchFedTokenIssuerURI',
  fedTokenIssuerEpr: 'msExchFedTokenIssuerEPR',
  fedTokenIssuerMetadataEpr: 'msExchFedTokenIssuerMetadataEPR',
  fedTokenIssuerType: 'msExchFedTokenIssuerType',
  fedTokenIssuerCertificate: 'msExchFedTokenIssuerCertificate',
  fedTokenIssuerPrevCertificate: 'msExchFedTokenIssuerPrevCertificate',
  fedMetadataPollInterval: 'msExchFedMetadataPollInterval',
  fedOrgCertificate: 'msExchFedOrgCertificate',
  /** Thumbprint of the certificate whose private key the servers use. */
  fedOrgPrivCertificate: 'msExchFedOrgPrivCertificate',
  fedOrgNextCertificate: 'msExchFedOrgNextCertificate',
  fedOrgPrevCertificate: 'msExchFedOrgPrevCertificate',
  // Federated organization identifier (CN=Federation,<org>) and organization relationships below it
  fedAccountNamespace: 'msExchFedAccountNamespace',
  fedIsEnabled: 'msExchFedIsEnabled',
  /** DelegationTrustLink: the trust used to request delegation tokens. */
  fedDelegationTrust: 'msExchFedDelegationTrust',
  fedOrgAdminContact: 'msExchFedOrgAdminContact',
  fedDomainNames: 'msExchFedDomainNames',
  fedTargetApplicationUri: 'msExchFedTargetApplicationURI',
  fedTargetAutodiscoverEpr: 'msExchFedTargetAutodiscoverEPR',
  fedEnabledActions: 'msExchFedEnabledActions',
  // Security descriptors, kept as SDDL text (AD stores them binary; see INVENTED_ATTRIBUTES)
  securityDescriptor: 'nTSecurityDescriptor',
  // A linked mailbox: the user object in the Exchange (resource) forest names its owner in an account forest.
  masterAccountSid: 'msExchMasterAccountSid',
  // Recipient properties a management scope's filter reads (Exchange's ADRecipientSchema mappings)
  department: 'department',
  company: 'company',
  title: 'title',
  // Exchange 2010 RBAC (CN=RBAC,<org>): role assignments and management scopes
  roleLink: 'msExchRoleLink',
  userLink: 'msExchUserLink',
  /** CustomRecipientWriteScope: the management scope an assignment is limited to. */
  domainRestrictionLink: 'msExchDomainRestrictionLink',
  roleAssignmentFlags: 'msExchRoleAssignmentFlags',
  /** RecipientRoot of a management scope. */
  scopeRoot: 'msExchScopeRoot',
  /** A management scope's filter (RecipientRestrictionFilter, as written). */
  queryFilter: 'msExchQueryFilter',
  scopeFlags: 'msExchScopeFlags',
  // Forest trusts (trustedDomain objects in CN=System of the domain)
  trustPartner: 'trustPartner',
  trustDirection: 'trustDirection',
  trustType: 'trustType',
  trustAttributes: 'trustAttributes',
  flatName: 'flatName',
  securityIdentifier: 'securityIdentifier',
} as const;

/** CustomAttribute1–15 are extensionAttribute1–15 in the directory. */
export function extensionAttribute(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 15) throw new RangeError(`CustomAttribute${n} does not exist (1 to 15)`);
  return `extensionAttribute${n}`;
}

/** trustDirection values (MS-ADTS 6.1.6.7.12): whose users the other side accepts. */
export const TRUST_DIRECTION = { inbound: 1, outbound: 2, bidirectional: 3 } as const;

/** Attributes whose names we chose because the real one is unconfirmed or is not in AD at all. */
export const INVENTED_ATTRIBUTES: ReadonlyArray<{ attribute: string; setting: string; why: string }> = [
  {
    attribute: ATTR.crossSiteRedirectType,
    setting: 'Set-OwaVirtualDirectory -CrossSiteRedirectType (Exchange 2010 SP2)',
    why: 'Absent from the Exchange 2013 schema we could read; the 2010 attribute (or flag bit) is unconfirmed.',
  },
  {
    attribute: ATTR.legacyRedirectType,
    setting: 'Set-OwaVirtualDirectory -LegacyRedirectType (Exchange 2010)',
    why: 'Absent from the Exchange 2013 schema we could read; the 2010 attribute (or flag bit) is unconfirmed.',
  },
  {
    attribute: ATTR.twoFactorAuthentication,
    setting: 'a two-factor authentication module installed in IIS in front of /owa',
    why: 'Not an Exchange setting: a third-party IIS module. Kept in the directory so the simulated IIS reads all of its configuration from one place.',
  },
];

export const OBJECT_CLASS = {
  site: 'site',
  sitesContainer: 'sitesContainer',
  container: 'container',
  organization: 'msExchOrganizationContainer',
  adminGroup: 'msExchAdminGroup',
  serversContainer: 'msExchServersContainer',
  exchangeServer: 'msExchExchangeServer',
  protocolCfgHttpContainer: 'msExchProtocolCfgHTTPContainer',
  virtualDirectory: 'msExchVirtualDirectory',
  owaVirtualDirectory: 'msExchOWAVirtualDirectory',
  /** Exchange 2003's HTTP virtual server / virtual directory for /exchange. */
  legacyHttpVirtualDirectory: 'protocolCfgHTTPVirtualDirectory',
  mdb: 'msExchMDB',
  privateMdb: 'msExchPrivateMDB',
  storageGroup: 'msExchStorageGroup',
  informationStore: 'msExchInformationStore',
  databasesContainer: 'msExchMDBContainer',
  user: 'user',
  person: 'person',
  organizationalPerson: 'organizationalPerson',
  top: 'top',
  computer: 'computer',
  group: 'group',
  domainDns: 'domainDNS',
  contact: 'contact',
  webServicesVirtualDirectory: 'msExchWebServicesVirtualDirectory',
  autodiscoverVirtualDirectory: 'msExchAutoDiscoverVirtualDirectory',
  acceptedDomain: 'msExchAcceptedDomain',
  roleAssignment: 'msExchRoleAssignment',
  role: 'msExchRole',
  managementScope: 'msExchScope',
  trustedDomain: 'trustedDomain',
  federationTrust: 'msExchFedTrust',
  federatedOrganizationId: 'msExchFedOrgId',
  organizationRelationship: 'msExchFedSharingRelationship',
  configuration: 'configuration',
} as const;

/** msExchCurrentServerRoles bits (ServerRole enum). */
export const SERVER_ROLE_BITS = {
  Mailbox: 2,
  ClientAccess: 4,
  UnifiedMessaging: 16,
  HubTransport: 32,
  Edge: 64,
} as const;
export type ServerRoleName = keyof typeof SERVER_ROLE_BITS;

/** msExchInternal/ExternalAuthenticationMethods bits (AuthenticationMethodFlags). */
export const AUTH_METHOD_BITS = {
  Basic: 1,
  Ntlm: 2,
  Fba: 4,
  Digest: 8,
  WindowsIntegrated: 16,
  LiveIdFba: 32,
  LiveIdBasic: 64,
  WSSecurity: 128,
  Certificate: 256,
  NegoEx: 512,
  OAuth: 1024,
  Adfs: 2048,
  Kerberos: 4096,
  Negotiate: 8192,
  LiveIdNegotiate: 16384,
} as const;
export type AuthMethodName = keyof typeof AUTH_METHOD_BITS;

export function authMethodsToMask(methods: readonly AuthMethodName[]): number {
  return methods.reduce((mask, m) => mask | AUTH_METHOD_BITS[m], 0);
}

export function maskToAuthMethods(mask: number): AuthMethodName[] {
  return (Object.keys(AUTH_METHOD_BITS) as AuthMethodName[]).filter((m) => (mask & AUTH_METHOD_BITS[m]) !== 0);
}

export function rolesToMask(roles: readonly ServerRoleName[]): number {
  return roles.reduce((mask, r) => mask | SERVER_ROLE_BITS[r], 0);
}

export function maskToRoles(mask: number): ServerRoleName[] {
  return (Object.keys(SERVER_ROLE_BITS) as ServerRoleName[]).filter((r) => (mask & SERVER_ROLE_BITS[r]) !== 0);
}

/** msExchRecipientTypeDetails values we use. */
export const RECIPIENT_TYPE_DETAILS = {
  UserMailbox: 1,
  LinkedMailbox: 2,
  SharedMailbox: 4,
  LegacyMailbox: 8,
  RoomMailbox: 16,
  EquipmentMailbox: 32,
} as const;

/** Well-known names Exchange setup creates. */
export const WELL_KNOWN = {
  adminGroup: 'Exchange Administrative Group (FYDIBOHF23SPDLT)',
  /** Exchange 2003's first administrative group; 2003 servers live there, not in the 2007+ group. */
  legacyAdminGroup: 'First Administrative Group',
  owaVirtualDirectory: 'owa (Default Web Site)',
  ewsVirtualDirectory: 'EWS (Default Web Site)',
  autodiscoverVirtualDirectory: 'Autodiscover (Default Web Site)',
  legacyExchangeVirtualDirectory: 'Exchange (Default Web Site)',
  /** Exchange 2003's domain group (CN=Users); 2007 servers that proxy to 2003 back ends must be in it too. */
  exchangeDomainServers: 'Exchange Domain Servers',
  privateMdbSuffix: '/cn=Microsoft Private MDB',
  exchangeServers: 'Exchange Servers',
} as const;

/** Extended rights (rightsGuid), as they appear in ACEs. */
export const EXTENDED_RIGHTS = {
  tokenSerialization: '06386f89-befb-4e48-baa1-559fd9221f78',
  impersonation: '8db0795c-df3a-4aca-a97d-100162998dfa',
  mayImpersonate: 'bc39105d-9baa-477c-a34a-997cc25e3d60',
  sendAs: 'ab721a54-1e2f-11d0-9819-00aa0040529b',
  receiveAs: 'ab721a56-1e2f-11d0-9819-00aa0040529b',
} as const;
