// The LDAP schema the engine needs, in one place, so that a real OpenLDAP slapd can hold the same entries
// the in-process directory holds. `openLdapSchemaLdif()` renders it as a cn=config schema entry to load
// after OpenLDAP's core, cosine and inetorgperson schemas.
//
// Sources. 'microsoft': Microsoft's attributeID / governsID, either from Active Directory's schema as
// OpenLDAP ships it for reference (/etc/ldap/schema/msuser.schema, which carries Microsoft's OIDs) or from
// Microsoft's published schema pages (learn.microsoft.com: Exchange Server 2003 SDK "ms-Exch-… Attribute",
// Windows "Attribute …" / "… class" pages). 'rfc': defined by OpenLDAP's core/cosine/inetorgperson schema
// (RFC 4519, RFC 4524, RFC 2798), never redefined here. 'invented': Microsoft's OID could not be found in the
// time given (Exchange 2007/2010 attributes sit under 1.2.840.113556.1.4.7000.102 and classes under
// 1.2.840.113556.1.5.7000.62, but the numbers were not found), or the attribute is ours (exsc*): such OIDs
// are under the private arc 1.3.6.1.4.1.99999 (1.3.6.1.4.1.99999.1.n attributes, .2.n classes). An
// invented OID, once published, never changes meaning: add new numbers, do not reuse old ones.
//
// Syntax choices that differ from Active Directory on purpose (AD stores these binary or as Teletex):
// - objectSid, securityIdentifier, msExchMasterAccountSid: the engine writes SIDs as `S-1-5-21-…` text;
// - objectGUID: written as GUID text (`xxxxxxxx-xxxx-…`);
// - nTSecurityDescriptor: written as SDDL text;
// - certificates (msExchFed*Certificate): written as base64 DER text;
// - legacyExchangeDN, msExchHomeServerName, networkAddress: AD's Teletex/PrintableString would refuse the
//   `_` of `ncacn_ip_tcp:` and of aliases, so they are Directory Strings.
// All of these are Directory String with caseIgnoreMatch, so slapd accepts exactly what the engine writes.
//
// Conflicts with OpenLDAP's core schemas (kept as OpenLDAP defines them, but for person; see also `note`):
// - person (core.schema, 2.5.6.6) MUST ( sn $ cn ); AD's person only requires cn, and AD's users and
//   computers have no sn unless a last name was typed. openLdapCoreSchema() loads core.ldif with AD's
//   person (MUST cn, sn a MAY), the one change made to OpenLDAP's own schema.
// - domain (cosine, 0.9.2342.19200300.100.4.13) is STRUCTURAL with MUST dc; AD's domain
//   (1.2.840.113556.1.5.66) is ABSTRACT. The domain head is written [top, domain, domainDNS] with its dc,
//   as AD's has; domainDNS is defined here SUP domain STRUCTURAL so the chain is valid on both servers.
// - name: core.schema's name (2.5.4.41) is multi-valued and is the supertype of cn, sn, ou, …; AD's name
//   (1.2.840.113556.1.4.1) is the single-valued RDN. A filter (name=x) on slapd therefore also matches cn,
//   ou, … values.
// - displayName (inetorgperson, 2.16.840.1.113730.3.1.241) and co (cosine friendlyCountryName,
//   0.9.2342.19200300.100.1.43) have other OIDs than AD's (1.2.840.113556.1.2.13, 1.2.840.113556.1.2.131);
//   same shape.
// - distinguishedName (2.5.4.49) is only a supertype in OpenLDAP; slapd returns entryDN, not
//   distinguishedName, for every entry. serialNumber (2.5.4.5) is PrintableString{64} in core, which the
//   engine's `Version 14.2 (Build 30247.5)` satisfies. mail is IA5String in cosine.
// - device (core) and organizationalUnit (core) are unused/compatible. groupOfNames is unrelated to AD's
//   group, which core does not define.
// - The matching rule LDAP_MATCHING_RULE_IN_CHAIN (1.2.840.113556.1.4.1941) does not exist in slapd;
//   LDAP_MATCHING_RULE_BIT_AND/OR (…1.4.803/804) do (integerBitAndMatch / integerBitOrMatch) on the Integer
//   attributes below.

export interface AttributeTypeDefinition {
  name: string;
  oid: string;
  /** LDAP syntax OID, e.g. 1.3.6.1.4.1.1466.115.121.1.15 Directory String, .12 DN, .27 Integer, .40 Octet String, .7 Boolean, .24 GeneralizedTime, .26 IA5String */
  syntax: string;
  singleValued: boolean;
  /** OpenLDAP matching rule name, e.g. caseIgnoreMatch, distinguishedNameMatch, integerMatch */
  equality?: string;
  substr?: string;
  ordering?: string;
  /** true when OpenLDAP's core/cosine/inetorgperson schema already defines it: do not redefine */
  inOpenLdapCore?: boolean;
  source: 'microsoft' | 'rfc' | 'invented';
  note?: string;
}

export interface ObjectClassDefinition {
  name: string;
  oid: string;
  superior: string;
  kind: 'STRUCTURAL' | 'AUXILIARY' | 'ABSTRACT';
  must: string[];
  may: string[];
  inOpenLdapCore?: boolean;
  source: 'microsoft' | 'rfc' | 'invented';
}

export const LDAP_SYNTAX = {
  directoryString: '1.3.6.1.4.1.1466.115.121.1.15',
  dn: '1.3.6.1.4.1.1466.115.121.1.12',
  integer: '1.3.6.1.4.1.1466.115.121.1.27',
  octetString: '1.3.6.1.4.1.1466.115.121.1.40',
  boolean: '1.3.6.1.4.1.1466.115.121.1.7',
  generalizedTime: '1.3.6.1.4.1.1466.115.121.1.24',
  ia5String: '1.3.6.1.4.1.1466.115.121.1.26',
  printableString: '1.3.6.1.4.1.1466.115.121.1.44',
  oid: '1.3.6.1.4.1.1466.115.121.1.38',
  countryString: '1.3.6.1.4.1.1466.115.121.1.11',
  telephoneNumber: '1.3.6.1.4.1.1466.115.121.1.50',
} as const;

/** The private arc our invented OIDs live under. */
export const PRIVATE_ARC = '1.3.6.1.4.1.99999';

type Source = AttributeTypeDefinition['source'];
type Options = { multi?: boolean; note?: string };

const MS_A2 = '1.2.840.113556.1.2.';
const MS_A4 = '1.2.840.113556.1.4.';
const EXCH_A = '1.2.840.113556.1.4.7000.102.';
const INV_A = `${PRIVATE_ARC}.1.`;
const INV_C = `${PRIVATE_ARC}.2.`;
const NOT_FOUND = "Microsoft's attributeID (under 1.2.840.113556.1.4.7000.102) was not found; OID invented";

function oidSource(oid: string): Source {
  return oid.startsWith(PRIVATE_ARC + '.') ? 'invented' : 'microsoft';
}

/** Matching rules per syntax: AD compares strings without case and DN values as DNs. */
const RULES = {
  str: { syntax: LDAP_SYNTAX.directoryString, equality: 'caseIgnoreMatch', substr: 'caseIgnoreSubstringsMatch' },
  dn: { syntax: LDAP_SYNTAX.dn, equality: 'distinguishedNameMatch' },
  int: { syntax: LDAP_SYNTAX.integer, equality: 'integerMatch', ordering: 'integerOrderingMatch' },
  bool: { syntax: LDAP_SYNTAX.boolean, equality: 'booleanMatch' },
} as const;

function defined(kind: keyof typeof RULES, name: string, oid: string, o: Options): AttributeTypeDefinition {
  const source = oidSource(oid);
  // An invented OID for one of Exchange's own attributes (every DN-valued one here is) means we did not find Microsoft's.
  const unfound = source === 'invented' && (kind === 'dn' || name.startsWith('msExch'));
  return { name, oid, ...RULES[kind], singleValued: !o.multi, source, note: o.note ?? (unfound ? NOT_FOUND : undefined) };
}

const str = (name: string, oid: string, o: Options = {}) => defined('str', name, oid, o);
const dn = (name: string, oid: string, o: Options = {}) => defined('dn', name, oid, o);
const int = (name: string, oid: string, o: Options = {}) => defined('int', name, oid, o);
const bool = (name: string, oid: string, o: Options = {}) => defined('bool', name, oid, o);

/** An attribute OpenLDAP's core, cosine or inetorgperson schema already defines (with its OID there). */
function core(name: string, oid: string, syntax: string, equality: string, singleValued: boolean, note?: string): AttributeTypeDefinition {
  return { name, oid, syntax, singleValued, equality, inOpenLdapCore: true, source: 'rfc', ...(note ? { note } : {}) };
}

const S = LDAP_SYNTAX;
const TEXT_SID = 'AD stores a binary SID; the engine writes the S-1-5-21-… text form, so Directory String + caseIgnoreMatch';

function extensionAttributes(): AttributeTypeDefinition[] {
  // extensionAttribute1–10 are 1.2.840.113556.1.2.423–432, 11–15 are 1.2.840.113556.1.2.599–603.
  const out: AttributeTypeDefinition[] = [];
  for (let n = 1; n <= 15; n++) out.push(str(`extensionAttribute${n}`, MS_A2 + (n <= 10 ? 422 + n : 588 + n)));
  return out;
}

export const AD_ATTRIBUTE_TYPES: readonly AttributeTypeDefinition[] = Object.freeze([
  // ---- OpenLDAP core / cosine / inetorgperson: listed so classes can name them; never redefined ----
  core('objectClass', '2.5.4.0', S.oid, 'objectIdentifierMatch', false),
  core('cn', '2.5.4.3', S.directoryString, 'caseIgnoreMatch', false, 'AD: single-valued; OpenLDAP: multi-valued'),
  core('sn', '2.5.4.4', S.directoryString, 'caseIgnoreMatch', false),
  core('serialNumber', '2.5.4.5', S.printableString, 'caseIgnoreMatch', false, 'same OID in AD; PrintableString{64} in OpenLDAP'),
  core('c', '2.5.4.6', S.countryString, 'caseIgnoreMatch', true),
  core('l', '2.5.4.7', S.directoryString, 'caseIgnoreMatch', false),
  core('st', '2.5.4.8', S.directoryString, 'caseIgnoreMatch', false),
  core('o', '2.5.4.10', S.directoryString, 'caseIgnoreMatch', false),
  core('ou', '2.5.4.11', S.directoryString, 'caseIgnoreMatch', false),
  core('title', '2.5.4.12', S.directoryString, 'caseIgnoreMatch', false),
  core('description', '2.5.4.13', S.directoryString, 'caseIgnoreMatch', false),
  core('physicalDeliveryOfficeName', '2.5.4.19', S.directoryString, 'caseIgnoreMatch', false),
  core('telephoneNumber', '2.5.4.20', S.telephoneNumber, 'telephoneNumberMatch', false),
  core('member', '2.5.4.31', S.dn, 'distinguishedNameMatch', false, 'same OID in AD'),
  core('userPassword', '2.5.4.35', S.octetString, 'octetStringMatch', false, "AD's unicodePwd stands behind it; never returned by the engine"),
  core('name', '2.5.4.41', S.directoryString, 'caseIgnoreMatch', false, "AD's name is 1.2.840.113556.1.4.1, single-valued RDN; OpenLDAP's is the multi-valued supertype of cn, sn, ou, …"),
  core('givenName', '2.5.4.42', S.directoryString, 'caseIgnoreMatch', false),
  core('initials', '2.5.4.43', S.directoryString, 'caseIgnoreMatch', false),
  core('distinguishedName', '2.5.4.49', S.dn, 'distinguishedNameMatch', false, 'same OID in AD; in slapd only a supertype: entries expose entryDN instead'),
  core('mail', '0.9.2342.19200300.100.1.3', S.ia5String, 'caseIgnoreIA5Match', false, 'cosine; same OID in AD'),
  core('manager', '0.9.2342.19200300.100.1.10', S.dn, 'distinguishedNameMatch', false, 'cosine; same OID in AD'),
  core('dc', '0.9.2342.19200300.100.1.25', S.ia5String, 'caseIgnoreIA5Match', true, 'cosine; same OID in AD'),
  core('co', '0.9.2342.19200300.100.1.43', S.directoryString, 'caseIgnoreMatch', true, "cosine friendlyCountryName; AD's co is 1.2.840.113556.1.2.131"),
  core('displayName', '2.16.840.1.113730.3.1.241', S.directoryString, 'caseIgnoreMatch', true, "inetorgperson; AD's displayName is 1.2.840.113556.1.2.13"),

  // ---- Active Directory (Microsoft's OIDs) ----
  { ...dn('objectCategory', MS_A4 + '782'), note: 'DN of the class schema object in AD; the in-process store also matches objectCategory=<class name>, which a DN-syntax slapd attribute cannot' },
  { ...str('objectSid', MS_A4 + '146'), note: TEXT_SID },
  { ...str('objectGUID', MS_A4 + '2'), note: 'AD stores 16 bytes; the engine writes the GUID text form, so Directory String + caseIgnoreMatch' },
  { ...str('nTSecurityDescriptor', MS_A2 + '281'), note: 'AD stores a binary security descriptor; the engine writes SDDL text, so Directory String + caseIgnoreMatch' },
  dn('memberOf', MS_A2 + '102', { multi: true, note: 'a back-link in AD; the engine does not maintain it' }),
  dn('managedBy', MS_A4 + '653'),
  dn('directReports', MS_A2 + '436', { multi: true }),
  str('department', MS_A2 + '141'),
  str('company', MS_A2 + '146'),
  str('userPrincipalName', MS_A4 + '656'),
  str('sAMAccountName', MS_A4 + '221'),
  int('userAccountControl', MS_A4 + '8'),
  { name: 'unicodePwd', oid: MS_A4 + '90', syntax: S.octetString, singleValued: true, equality: 'octetStringMatch', source: 'microsoft', note: 'never written by the engine (userPassword is)' },
  { name: 'whenCreated', oid: MS_A2 + '2', syntax: S.generalizedTime, singleValued: true, equality: 'generalizedTimeMatch', ordering: 'generalizedTimeOrderingMatch', source: 'microsoft' },
  { name: 'whenChanged', oid: MS_A2 + '3', syntax: S.generalizedTime, singleValued: true, equality: 'generalizedTimeMatch', ordering: 'generalizedTimeOrderingMatch', source: 'microsoft' },
  int('uSNCreated', MS_A2 + '19'),
  int('uSNChanged', MS_A2 + '120'),
  int('instanceType', MS_A2 + '1'),
  int('systemFlags', MS_A4 + '375'),
  dn('showInAddressBook', MS_A4 + '644', { multi: true }),
  str('dNSHostName', MS_A4 + '619'),
  int('versionNumber', MS_A4 + '141'),
  str('networkAddress', MS_A2 + '459', { multi: true, note: "AD: Teletex; Directory String here because values such as ncacn_ip_tcp:<fqdn> contain '_'" }),
  str('legacyExchangeDN', MS_A4 + '655', { note: "AD: Teletex; Directory String here because aliases and organization names may contain '_'" }),
  dn('siteObject', MS_A4 + '512'),
  dn('serverReference', MS_A4 + '515'),
  str('trustPartner', MS_A4 + '133'),
  int('trustDirection', MS_A4 + '132'),
  int('trustType', MS_A4 + '136'),
  int('trustAttributes', MS_A4 + '470'),
  str('flatName', MS_A4 + '511'),
  { ...str('securityIdentifier', MS_A4 + '121'), note: TEXT_SID },

  // ---- Exchange attributes with Microsoft's OIDs ----
  str('mailNickname', MS_A2 + '447'),
  str('proxyAddresses', MS_A2 + '210', { multi: true, note: 'the SMTP:/smtp: prefix case marks the primary address; caseIgnoreMatch compares without it, as AD does' }),
  str('targetAddress', MS_A2 + '352'),
  dn('homeMDB', MS_A2 + '244'),
  dn('homeMTA', MS_A2 + '171'),
  int('msExchServerRole', EXCH_A + '15006'),
  int('msExchRecipientTypeDetails', EXCH_A + '50855'),
  int('msExchRecipientDisplayType', EXCH_A + '50730'),
  ...extensionAttributes(),

  // ---- Exchange attributes whose OID could not be found (invented) ----
  str('msExchHomeServerName', INV_A + '1', { note: `holds a legacyExchangeDN, not an RFC 4514 DN, hence Directory String. ${NOT_FOUND}` }),
  int('msExchVersion', INV_A + '2'),
  dn('msExchServerSite', INV_A + '3'),
  int('msExchCurrentServerRoles', INV_A + '4'),
  str('msExchInternalHostName', INV_A + '5'),
  str('msExchExternalHostName', INV_A + '6'),
  int('msExchInternalAuthenticationMethods', INV_A + '7'),
  int('msExchExternalAuthenticationMethods', INV_A + '8'),
  str('msExchMetabasePath', INV_A + '9'),
  str('msExch2003Url', INV_A + '10'),
  str('msExchOWAFailbackURL', INV_A + '11'),
  bool('msExchOWARedirectToOptimalOWAServer', INV_A + '12'),
  int('msExchOwaVirtualDirectoryType', INV_A + '13'),
  dn('msExchOwningServer', INV_A + '14'),
  dn('msExchRPCClientAccessServer', INV_A + '15'),
  { ...str('msExchMasterAccountSid', INV_A + '16'), note: `${TEXT_SID}. ${NOT_FOUND}` },
  str('msExchAcceptedDomainName', INV_A + '17'),
  int('msExchAcceptedDomainFlags', INV_A + '18'),
  dn('msExchFedAcceptedDomainLink', INV_A + '19'),
  str('msExchFedApplicationId', INV_A + '20'),
  str('msExchFedApplicationUri', INV_A + '21'),
  str('msExchFedTokenIssuerURI', INV_A + '22'),
  str('msExchFedTokenIssuerEPR', INV_A + '23'),
  str('msExchFedTokenIssuerMetadataEPR', INV_A + '24'),
  str('msExchFedTokenIssuerType', INV_A + '25', { note: `Exchange stores an enumeration; the engine writes its name. ${NOT_FOUND}` }),
  str('msExchFedTokenIssuerCertificate', INV_A + '26', { note: `AD stores the certificate binary; the engine writes base64 DER text. ${NOT_FOUND}` }),
  str('msExchFedTokenIssuerPrevCertificate', INV_A + '27', { note: `AD stores the certificate binary; the engine writes base64 DER text. ${NOT_FOUND}` }),
  int('msExchFedMetadataPollInterval', INV_A + '28'),
  str('msExchFedOrgCertificate', INV_A + '29', { note: `AD stores the certificate binary; the engine writes base64 DER text. ${NOT_FOUND}` }),
  str('msExchFedOrgPrivCertificate', INV_A + '30', { note: `the thumbprint of the certificate in use. ${NOT_FOUND}` }),
  str('msExchFedOrgNextCertificate', INV_A + '31'),
  str('msExchFedOrgPrevCertificate', INV_A + '32'),
  str('msExchFedAccountNamespace', INV_A + '33'),
  bool('msExchFedIsEnabled', INV_A + '34'),
  dn('msExchFedDelegationTrust', INV_A + '35'),
  str('msExchFedOrgAdminContact', INV_A + '36', { multi: true }),
  str('msExchFedDomainNames', INV_A + '37', { multi: true }),
  str('msExchFedTargetApplicationURI', INV_A + '38'),
  str('msExchFedTargetAutodiscoverEPR', INV_A + '39'),
  str('msExchFedEnabledActions', INV_A + '40', { multi: true }),
  dn('msExchRoleLink', INV_A + '41'),
  dn('msExchUserLink', INV_A + '42'),
  dn('msExchDomainRestrictionLink', INV_A + '43'),
  int('msExchRoleAssignmentFlags', INV_A + '44'),
  dn('msExchScopeRoot', INV_A + '45'),
  str('msExchQueryFilter', INV_A + '46', { note: `the OPATH filter as written (normalized). ${NOT_FOUND}` }),
  int('msExchScopeFlags', INV_A + '47'),

  // ---- ours (exsc*: not Exchange's; see INVENTED_ATTRIBUTES in schema.ts) ----
  str('exscCrossSiteRedirectType', INV_A + '100', { note: 'ours: Manual | Silent (Exchange 2010 SP2 CrossSiteRedirectType)' }),
  str('exscLegacyRedirectType', INV_A + '101', { note: 'ours: Silent | Manual (Exchange 2010 LegacyRedirectType)' }),
  bool('exscTwoFactorAuthentication', INV_A + '102', { note: 'ours: a third-party IIS module in front of /owa' }),
  // The RootDSE's forest attributes. AD constructs them (they are not attributeSchema objects, so Microsoft
  // publishes no OID); slapd's olcRootDSE needs them defined to publish them.
  dn('defaultNamingContext', INV_A + '110', { note: 'AD RootDSE attribute, constructed; OID ours' }),
  dn('configurationNamingContext', INV_A + '111', { note: 'AD RootDSE attribute, constructed; OID ours' }),
  dn('rootDomainNamingContext', INV_A + '112', { note: 'AD RootDSE attribute, constructed; OID ours' }),
]);

const RECIPIENT_MAY = [
  'displayName', 'description', 'mail', 'mailNickname', 'proxyAddresses', 'targetAddress', 'legacyExchangeDN',
  'homeMDB', 'homeMTA', 'msExchHomeServerName', 'msExchVersion', 'msExchRecipientTypeDetails',
  'msExchRecipientDisplayType', 'msExchMasterAccountSid', 'showInAddressBook', 'memberOf',
  'department', 'company', 'title', 'l', 'st', 'co', 'c', 'physicalDeliveryOfficeName', 'manager', 'directReports',
  'givenName', 'initials', 'telephoneNumber',
  ...Array.from({ length: 15 }, (_, i) => `extensionAttribute${i + 1}`),
];

/** What every AD object may carry (AD's top: name, objectCategory, GUID, SD, timestamps, USNs, …). */
const TOP_MAY = [
  'cn', 'name', 'objectCategory', 'objectGUID', 'nTSecurityDescriptor', 'whenCreated', 'whenChanged', 'uSNCreated',
  'uSNChanged', 'instanceType', 'systemFlags', 'description', 'displayName',
];

const SECURITY_PRINCIPAL_MAY = ['objectSid', 'sAMAccountName', 'memberOf'];

function cls(name: string, oid: string, superior: string, may: string[], kind: ObjectClassDefinition['kind'] = 'STRUCTURAL', must: string[] = []): ObjectClassDefinition {
  return { name, oid, superior, kind, must, may: [...new Set([...TOP_MAY, ...may])].filter((a) => !must.includes(a)), source: oidSource(oid) };
}

const VDIR_MAY = [
  'msExchInternalHostName', 'msExchExternalHostName', 'msExchInternalAuthenticationMethods',
  'msExchExternalAuthenticationMethods', 'msExchMetabasePath', 'legacyExchangeDN', 'msExchVersion',
];

/**
 * Object classes, superiors first. The combinations the engine writes (topology/writer.ts, federation/directory.ts,
 * impersonation/rbac.ts) are each one structural chain: [top, person, organizationalPerson, user(, computer)],
 * [top, person, organizationalPerson, contact], [top, domain, domainDNS], [top, container(, msExchConfigurationContainer
 * | msExchOrganizationContainer | msExchInformationStore | msExchStorageGroup)], [top, server, msExchExchangeServer],
 * [top, msExchVirtualDirectory, msExchOWAVirtualDirectory | msExchWebServicesVirtualDirectory |
 * msExchAutoDiscoverVirtualDirectory], [top, msExchMDB, msExchPrivateMDB], and [top, X] for the others.
 */
export const AD_OBJECT_CLASSES: readonly ObjectClassDefinition[] = Object.freeze([
  // OpenLDAP core / cosine: the engine uses them; not redefined (see the conflicts in the file comment).
  { name: 'top', oid: '2.5.6.0', superior: '', kind: 'ABSTRACT', must: ['objectClass'], may: [], inOpenLdapCore: true, source: 'rfc' },
  // Active Directory's person: cn only is required (RFC 4519's also requires sn); openLdapCoreSchema() relaxes core.ldif to match.
  { name: 'person', oid: '2.5.6.6', superior: 'top', kind: 'STRUCTURAL', must: ['cn'], may: ['sn', 'userPassword', 'telephoneNumber', 'description'], inOpenLdapCore: true, source: 'rfc' },
  { name: 'organizationalPerson', oid: '2.5.6.7', superior: 'person', kind: 'STRUCTURAL', must: [], may: ['title', 'ou', 'st', 'l', 'physicalDeliveryOfficeName', 'telephoneNumber'], inOpenLdapCore: true, source: 'rfc' },
  { name: 'organizationalUnit', oid: '2.5.6.5', superior: 'top', kind: 'STRUCTURAL', must: ['ou'], may: ['userPassword', 'description', 'l', 'st'], inOpenLdapCore: true, source: 'rfc' },
  { name: 'domain', oid: '0.9.2342.19200300.100.4.13', superior: 'top', kind: 'STRUCTURAL', must: ['dc'], may: ['description', 'l', 'st', 'o', 'userPassword'], inOpenLdapCore: true, source: 'rfc' },

  // Active Directory
  cls('user', '1.2.840.113556.1.5.9', 'organizationalPerson', [...SECURITY_PRINCIPAL_MAY, 'userPrincipalName', 'userAccountControl', 'userPassword', 'unicodePwd', 'dNSHostName', ...RECIPIENT_MAY]),
  cls('computer', '1.2.840.113556.1.3.30', 'user', ['dNSHostName', 'networkAddress', 'serverReference']),
  cls('contact', '1.2.840.113556.1.5.15', 'organizationalPerson', RECIPIENT_MAY),
  cls('group', '1.2.840.113556.1.5.8', 'top', [...SECURITY_PRINCIPAL_MAY, 'member', 'managedBy', 'mail', 'mailNickname', 'proxyAddresses', 'legacyExchangeDN', 'msExchRecipientTypeDetails', 'msExchRecipientDisplayType']),
  cls('container', '1.2.840.113556.1.3.23', 'top', [], 'STRUCTURAL', ['cn']),
  cls('domainDNS', '1.2.840.113556.1.5.67', 'domain', ['objectSid', 'dc']),
  cls('configuration', '1.2.840.113556.1.5.12', 'top', []),
  cls('sitesContainer', '1.2.840.113556.1.5.107', 'top', []),
  cls('site', '1.2.840.113556.1.5.31', 'top', ['siteObject']),
  cls('server', '1.2.840.113556.1.5.17', 'top', ['dNSHostName', 'serverReference', 'serialNumber']),
  cls('leaf', '1.2.840.113556.1.5.20', 'top', [], 'ABSTRACT'),
  cls('trustedDomain', '1.2.840.113556.1.5.34', 'leaf', ['trustPartner', 'trustDirection', 'trustType', 'trustAttributes', 'flatName', 'securityIdentifier']),

  // Exchange
  cls('msExchConfigurationContainer', '1.2.840.113556.1.5.176', 'container', []),
  cls('msExchOrganizationContainer', INV_C + '1', 'container', ['legacyExchangeDN', 'msExchVersion']),
  cls('msExchAdminGroupContainer', INV_C + '2', 'container', []),
  cls('msExchAdminGroup', INV_C + '3', 'top', ['legacyExchangeDN', 'msExchVersion']),
  cls('msExchServersContainer', INV_C + '4', 'container', []),
  cls('msExchMDBContainer', INV_C + '5', 'container', []),
  cls('msExchExchangeServer', INV_C + '6', 'server', [
    'msExchServerSite', 'msExchCurrentServerRoles', 'serialNumber', 'versionNumber', 'msExchVersion', 'networkAddress',
    'legacyExchangeDN', 'msExchServerRole',
  ]),
  cls('msExchProtocolCfgHTTPContainer', INV_C + '7', 'container', []),
  cls('protocolCfgHTTPServer', INV_C + '8', 'top', ['msExchMetabasePath']),
  cls('protocolCfgHTTPVirtualDirectory', INV_C + '9', 'top', VDIR_MAY),
  cls('msExchVirtualDirectory', INV_C + '10', 'top', VDIR_MAY),
  cls('msExchOWAVirtualDirectory', INV_C + '11', 'msExchVirtualDirectory', [
    'msExch2003Url', 'msExchOWAFailbackURL', 'msExchOWARedirectToOptimalOWAServer', 'msExchOwaVirtualDirectoryType',
    'exscCrossSiteRedirectType', 'exscLegacyRedirectType', 'exscTwoFactorAuthentication',
  ]),
  cls('msExchWebServicesVirtualDirectory', INV_C + '12', 'msExchVirtualDirectory', []),
  cls('msExchAutoDiscoverVirtualDirectory', INV_C + '13', 'msExchVirtualDirectory', []),
  cls('msExchInformationStore', INV_C + '14', 'container', []),
  cls('msExchStorageGroup', INV_C + '15', 'container', []),
  cls('msExchMDB', INV_C + '16', 'top', ['msExchOwningServer', 'legacyExchangeDN', 'msExchVersion', 'msExchRPCClientAccessServer']),
  cls('msExchPrivateMDB', INV_C + '17', 'msExchMDB', []),
  cls('msExchAcceptedDomain', INV_C + '18', 'top', ['msExchAcceptedDomainName', 'msExchAcceptedDomainFlags', 'msExchFedAcceptedDomainLink']),
  cls('msExchFedTrust', INV_C + '19', 'top', [
    'msExchFedApplicationId', 'msExchFedApplicationUri', 'msExchFedTokenIssuerURI', 'msExchFedTokenIssuerEPR',
    'msExchFedTokenIssuerMetadataEPR', 'msExchFedTokenIssuerType', 'msExchFedTokenIssuerCertificate',
    'msExchFedTokenIssuerPrevCertificate', 'msExchFedMetadataPollInterval', 'msExchFedOrgCertificate',
    'msExchFedOrgPrivCertificate', 'msExchFedOrgNextCertificate', 'msExchFedOrgPrevCertificate',
  ]),
  cls('msExchFedOrgId', INV_C + '20', 'top', ['msExchFedAccountNamespace', 'msExchFedIsEnabled', 'msExchFedDelegationTrust', 'msExchFedOrgAdminContact']),
  cls('msExchFedSharingRelationship', INV_C + '21', 'top', [
    'msExchFedDomainNames', 'msExchFedIsEnabled', 'msExchFedTargetApplicationURI', 'msExchFedTargetAutodiscoverEPR',
    'msExchFedEnabledActions',
  ]),
  cls('msExchRole', INV_C + '22', 'top', []),
  cls('msExchRoleAssignment', INV_C + '23', 'top', ['msExchRoleLink', 'msExchUserLink', 'msExchDomainRestrictionLink', 'msExchRoleAssignmentFlags']),
  cls('msExchScope', INV_C + '24', 'top', ['msExchScopeRoot', 'msExchQueryFilter', 'msExchScopeFlags']),
]);

function list(names: readonly string[]): string {
  return names.length === 1 ? names[0] : `( ${names.join(' $ ')} )`;
}

/** An attribute type in RFC 4512 form. */
export function attributeTypeDescription(a: AttributeTypeDefinition): string {
  const parts = [`( ${a.oid} NAME '${a.name}'`];
  if (a.equality) parts.push(`EQUALITY ${a.equality}`);
  if (a.ordering) parts.push(`ORDERING ${a.ordering}`);
  if (a.substr) parts.push(`SUBSTR ${a.substr}`);
  parts.push(`SYNTAX ${a.syntax}`);
  if (a.singleValued) parts.push('SINGLE-VALUE');
  return parts.join(' ') + ' )';
}

/** An object class in RFC 4512 form. */
export function objectClassDescription(c: ObjectClassDefinition): string {
  const parts = [`( ${c.oid} NAME '${c.name}'`];
  if (c.superior) parts.push(`SUP ${c.superior}`);
  parts.push(c.kind);
  if (c.must.length) parts.push(`MUST ${list(c.must)}`);
  if (c.may.length) parts.push(`MAY ${list(c.may)}`);
  return parts.join(' ') + ' )';
}

/** Classes in an order where every superior comes before its subclasses. */
function superiorsFirst(classes: readonly ObjectClassDefinition[]): ObjectClassDefinition[] {
  const byName = new Map(classes.map((c) => [c.name.toLowerCase(), c]));
  const out: ObjectClassDefinition[] = [];
  const seen = new Set<string>();
  const visit = (c: ObjectClassDefinition) => {
    const key = c.name.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    const sup = byName.get(c.superior.toLowerCase());
    if (sup) visit(sup);
    out.push(c);
  };
  classes.forEach(visit);
  return out;
}

/**
 * The schema as a cn=config entry, for slapadd -n 0 or ldapadd against cn=config, to load after core.ldif,
 * cosine.ldif and inetorgperson.ldif. Definitions OpenLDAP's core schemas already hold are left out.
 */
export function openLdapSchemaLdif(): string {
  const lines = ['dn: cn=exchange-scenarios,cn=schema,cn=config', 'objectClass: olcSchemaConfig', 'cn: exchange-scenarios'];
  for (const a of AD_ATTRIBUTE_TYPES) if (!a.inOpenLdapCore) lines.push(`olcAttributeTypes: ${attributeTypeDescription(a)}`);
  for (const c of superiorsFirst(AD_OBJECT_CLASSES)) if (!c.inOpenLdapCore) lines.push(`olcObjectClasses: ${objectClassDescription(c)}`);
  return lines.join('\n') + '\n';
}

/**
 * OpenLDAP's core.ldif (its text, as Debian ships it) with Active Directory's person: MUST cn, with sn
 * moved to MAY. Everything else is kept as shipped. Folded lines are joined first, so the definition is
 * found however the file wraps it; a core.ldif that does not define person as RFC 4519 does is refused.
 */
export function openLdapCoreSchema(coreLdif: string, file = 'core.ldif'): string {
  const unfolded = coreLdif.replace(/\r?\n /g, ' ');
  const person = /(olcObjectClasses: \( 2\.5\.6\.6 NAME 'person'.*?)MUST \( sn \$ cn \)\s+MAY \( (userPassword[^)]*)\)/;
  if (!person.test(unfolded)) throw new Error(`${file} does not define person as RFC 4519 does (MUST ( sn $ cn )); cannot relax it to Active Directory's`);
  return unfolded.replace(person, '$1MUST cn MAY ( sn $ $2) ').trim();
}
