// The topology as an administrator declares it (what the writer puts into the directory). Simulated
// servers never see these objects: they read the directory. Steps and the bench build them.

import type { AuthMethodName, ServerRoleName } from '../directory/schema';
import type { ExchangeRelease } from './versions';

export interface OrganizationSpec {
  name: string;
  forestDomain: string;
}

export interface ServerSpec {
  name: string;
  site: string;
  release: ExchangeRelease;
  /** Exchange 2007/2010 roles. Exchange 2003 servers are front-end or back-end instead. */
  roles: ServerRoleName[];
  /** Exchange 2003 only: a front-end server (msExchServerRole = 1). */
  frontEnd?: boolean;
  /** Defaults to <name>.<forest domain>, lower case. */
  fqdn?: string;
}

export type CrossSiteRedirectType = 'Manual' | 'Silent';
export type LegacyRedirectType = 'Silent' | 'Manual';
export const CROSS_SITE_REDIRECT_TYPES: readonly CrossSiteRedirectType[] = ['Manual', 'Silent'];
export const LEGACY_REDIRECT_TYPES: readonly LegacyRedirectType[] = ['Silent', 'Manual'];

/**
 * A change to a server's OWA virtual directory, as Set-OwaVirtualDirectory would make it. A property left
 * undefined is not changed; null clears it ($null).
 */
export interface OwaVirtualDirectoryChange {
  server: string;
  internalUrl?: string | null;
  externalUrl?: string | null;
  internalAuthenticationMethods?: AuthMethodName[];
  externalAuthenticationMethods?: AuthMethodName[];
  exchange2003Url?: string | null;
  failbackUrl?: string | null;
  crossSiteRedirectType?: CrossSiteRedirectType;
  legacyRedirectType?: LegacyRedirectType;
  twoFactorAuthentication?: boolean;
}

export interface DatabaseSpec {
  name: string;
  /** The server the database is mounted on (its owning server). */
  server: string;
  /** Exchange 2010: the Client Access server (or array) Outlook is told to use. */
  rpcClientAccessServer?: string;
}

export interface MailboxSpec {
  /** The alias (mailNickname and sAMAccountName). */
  alias: string;
  displayName?: string;
  userPrincipalName?: string;
  primarySmtpAddress?: string;
  /** Either a database name, or a server name whose default database is used. */
  database?: string;
  server?: string;
  password: string;
  /** Further SMTP addresses (proxyAddresses smtp:…), besides the primary one. */
  emailAddresses?: string[];
  /** Recipient properties by directory attribute (department, company, title, extensionAttribute1…15). */
  properties?: Record<string, string>;
  /** A linked mailbox: the SID of its owner's account in an account forest (msExchMasterAccountSid). */
  masterAccountSid?: string;
}

/** What the writer remembers of what it declared, to validate later steps and to name things in errors. */
export interface DeclaredServer {
  name: string;
  dn: string;
  site: string;
  release: ExchangeRelease;
  roles: ServerRoleName[];
  frontEnd: boolean;
  fqdn: string;
  adminGroup: string;
  legacyDn: string;
  computerDn: string;
  computerSid: string;
  /** The default mailbox database created with a Mailbox (or 2003 back-end) server. */
  defaultDatabase?: string;
  owaVirtualDirectoryDn?: string;
  legacyVirtualDirectoryDn?: string;
}

export interface DeclaredDatabase {
  name: string;
  dn: string;
  server: string;
}

export interface DeclaredMailbox {
  displayName?: string;
  alias: string;
  dn: string;
  userPrincipalName: string;
  primarySmtpAddress: string;
  sid: string;
  database: string;
  password: string;
}
