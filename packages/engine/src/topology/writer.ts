// Writes a declared topology into the directory the way Exchange setup and its cmdlets would leave it.
// Each change is planned first (validated completely, entries built, nothing written), then applied over
// LDAP; if the directory refuses part of it, what was written is undone, so nothing is half-applied.

import { createHash } from 'node:crypto';
import { describeChange, type DirectoryClient, type DirectoryWriteEntry, type Modification } from '../directory/client';
import { byDepth, firstRdnValue, joinDn, normalizeDn, parentDn, rdn } from '../directory/dn';
import { and, eq, present } from '../directory/filter';
import {
  ATTR,
  authMethodsToMask,
  EXTENDED_RIGHTS,
  OBJECT_CLASS,
  RECIPIENT_TYPE_DETAILS,
  rolesToMask,
  TRUST_DIRECTION,
  WELL_KNOWN,
  type AuthMethodName,
} from '../directory/schema';
import { denyExtendedRight, formatSddl, grantExtendedRight, parseSddl } from '../directory/security';
import { InputError, unknownName } from '../errors';
import { ForestLayout } from './layout';
import type { ExchangeForestView } from './reader';
import type {
  DatabaseSpec,
  DeclaredDatabase,
  DeclaredMailbox,
  DeclaredServer,
  MailboxSpec,
  OrganizationSpec,
  OwaVirtualDirectoryChange,
  ServerSpec,
} from './model';
import { msExchVersionOf, serialNumberOf, versionNumberOf } from './versions';

export interface NamingContexts {
  defaultNamingContext: string;
  configurationNamingContext: string;
}

/** What the writer needs from wherever the directory comes from. */
export interface DirectoryTarget {
  readonly directory: DirectoryClient;
  /** Makes the server hold these naming contexts (dcpromo's job on a real forest). */
  declareNamingContexts(contexts: NamingContexts): Promise<void>;
  /**
   * Optional bulk import of new objects, as `ldifde -i` seeds a directory: all or nothing. Without it,
   * new objects are written with LDAP adds. Changes to existing objects always go over LDAP.
   */
  importEntries?(entries: readonly DirectoryWriteEntry[]): Promise<void>;
}

export interface Plan {
  adds: DirectoryWriteEntry[];
  modifies: Array<{ dn: string; modifications: Modification[] }>;
  /**
   * A leaf entry to delete, last: if it is refused, the adds and modifies are undone, so the plan still
   * applies whole or not at all (one delete, because a deleted entry is not put back).
   */
  delete?: string;
  /** Records the change in the writer's declared state once it is in the directory. */
  commit(): void;
}

const DEFAULT_OWA_AUTH: AuthMethodName[] = ['Basic', 'Fba'];
const LEGACY_BACKEND_AUTH: AuthMethodName[] = ['Basic', 'WindowsIntegrated'];
const LEGACY_FRONTEND_AUTH: AuthMethodName[] = ['Basic'];

function domainSid(forestDomain: string): string {
  const h = createHash('sha256').update(forestDomain.toLowerCase()).digest();
  return `S-1-5-21-${h.readUInt32BE(0)}-${h.readUInt32BE(4)}-${h.readUInt32BE(8)}`;
}

function checkName(kind: string, value: string, pattern: RegExp, rule: string, field: string): void {
  if (!pattern.test(value)) {
    throw new InputError(`"${value}" is not a valid ${kind} name: ${rule}`, { field, value });
  }
}

export function checkUrl(value: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(`"${value}" is not an absolute URL; write it as https://host/path`, { field, value });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(`"${value}" is not an http or https URL`, { field, value });
  }
  if (url.pathname === '/' || url.pathname === '') {
    throw new InputError(`"${value}" has no virtual directory path; write it as ${url.origin}/owa`, { field, value });
  }
  return url;
}

/**
 * Administrators' groups, with their RIDs: Domain Admins and Enterprise Admins are Windows' well-known RIDs
 * (a single-domain forest is its own root); Exchange Organization Administrators' RID is ours. The group
 * objects are created when a step first names one (planSecurityGroups); the denies refer to the SIDs.
 */
export const ADMIN_GROUPS = [
  { name: 'Domain Admins', rid: 512 },
  { name: 'Enterprise Admins', rid: 519 },
  { name: 'Exchange Organization Administrators', rid: 1003 },
] as const;

export class TopologyPlanner {
  layout?: ForestLayout;
  /** The domain's SID (S-1-5-21-a-b-c); every account's SID is it plus a RID. */
  domainSid = '';
  private nextRid = 1100;
  readonly sites = new Map<string, string>(); // lower name → declared name
  readonly servers = new Map<string, DeclaredServer>(); // lower name →
  readonly databases = new Map<string, DeclaredDatabase>();
  readonly mailboxes = new Map<string, DeclaredMailbox>();
  /** Accounts without a mailbox (an application's service account), lower name →. */
  readonly accounts = new Map<string, { name: string; dn: string; sid: string; userPrincipalName: string }>();
  readonly groups = new Map<string, { name: string; dn: string; sid: string }>();
  private usedAdminGroups = new Set<string>();
  groupSids: { exchangeServers: string; exchangeDomainServers: string } = { exchangeServers: '', exchangeDomainServers: '' };
  /** Server names other organizations of the scenario hold (the network names servers by name). */
  reservedServerNames: () => readonly string[] = () => [];

  requireLayout(): ForestLayout {
    if (!this.layout) {
      throw new InputError(
        'no Exchange organization is declared yet; start with: Given the Exchange organization "<name>" in the forest <domain>',
      );
    }
    return this.layout;
  }

  siteNames(): string[] {
    return [...this.sites.values()];
  }

  serverNames(): string[] {
    return [...this.servers.values()].map((s) => s.name);
  }

  server(name: string, field = 'Server'): DeclaredServer {
    const s = this.servers.get(name.toLowerCase());
    if (!s) throw unknownName('a server', name, this.serverNames(), field);
    return s;
  }

  mailbox(alias: string): DeclaredMailbox {
    const m = this.mailboxes.get(alias.toLowerCase());
    if (!m) throw unknownName('a mailbox', alias, [...this.mailboxes.values()].map((x) => x.alias), 'User');
    return m;
  }

  database(name: string, field = 'Database'): DeclaredDatabase {
    const d = this.databases.get(name.toLowerCase());
    if (!d) throw unknownName('a mailbox database', name, [...this.databases.values()].map((x) => x.name), field);
    return d;
  }

  planOrganization(spec: OrganizationSpec): Plan & { contexts: NamingContexts } {
    if (this.layout) {
      throw new InputError(`the Exchange organization "${this.layout.organizationName}" is already declared; a scenario has one organization`);
    }
    checkName('organization', spec.name, /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, 'letters, digits, spaces, dots, hyphens', 'organization');
    if (!/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/i.test(spec.forestDomain)) {
      throw new InputError(`"${spec.forestDomain}" is not a DNS domain name such as fourthcoffee.com`, { field: 'forest', value: spec.forestDomain });
    }
    const layout = new ForestLayout(spec.forestDomain.toLowerCase(), spec.name);
    const dsid = domainSid(layout.forestDomain);
    const rid = (n: number) => `${dsid}-${n}`;
    const c = OBJECT_CLASS;
    const adminGroup = WELL_KNOWN.adminGroup;
    const adds: DirectoryWriteEntry[] = [
      { dn: layout.domainDn, attributes: { objectClass: [c.top, 'domain', c.domainDns], dc: layout.forestDomain.split('.')[0], objectSid: dsid, name: layout.forestDomain.split('.')[0] } },
      { dn: layout.usersDn, attributes: { objectClass: [c.top, c.container], cn: 'Users' } },
      { dn: layout.computersDn, attributes: { objectClass: [c.top, c.container], cn: 'Computers' } },
      { dn: layout.securityGroupsOuDn, attributes: { objectClass: [c.top, 'organizationalUnit'], ou: 'Microsoft Exchange Security Groups' } },
      { dn: layout.exchangeServersGroupDn(), attributes: { objectClass: [c.top, c.group], cn: WELL_KNOWN.exchangeServers, objectSid: rid(1001), sAMAccountName: WELL_KNOWN.exchangeServers } },
      { dn: layout.exchangeDomainServersGroupDn(), attributes: { objectClass: [c.top, c.group], cn: WELL_KNOWN.exchangeDomainServers, objectSid: rid(1002), sAMAccountName: WELL_KNOWN.exchangeDomainServers } },
      { dn: layout.configurationDn, attributes: { objectClass: [c.top, c.configuration], cn: 'Configuration' } },
      { dn: layout.sitesDn, attributes: { objectClass: [c.top, c.sitesContainer], cn: 'Sites' } },
      { dn: layout.servicesDn, attributes: { objectClass: [c.top, c.container], cn: 'Services' } },
      { dn: layout.microsoftExchangeDn, attributes: { objectClass: [c.top, c.container, 'msExchConfigurationContainer'], cn: 'Microsoft Exchange' } },
      { dn: layout.organizationDn, attributes: { objectClass: [c.top, c.container, c.organization], cn: spec.name } },
      { dn: layout.administrativeGroupsDn, attributes: { objectClass: [c.top, 'msExchAdminGroupContainer'], cn: 'Administrative Groups' } },
      ...this.adminGroupEntries(layout, adminGroup),
      // Setup makes the forest's domain the first (authoritative, default) accepted domain and leaves an
      // empty federated organization identifier and Federation Trusts container behind.
      { dn: layout.transportSettingsDn, attributes: { objectClass: [c.top, c.container], cn: 'Transport Settings' } },
      { dn: layout.acceptedDomainsDn, attributes: { objectClass: [c.top, c.container], cn: 'Accepted Domains' } },
      {
        dn: layout.acceptedDomainDn(layout.forestDomain),
        attributes: { objectClass: [c.top, c.acceptedDomain], cn: layout.forestDomain, [ATTR.acceptedDomainName]: layout.forestDomain, [ATTR.acceptedDomainFlags]: '0' },
      },
      { dn: layout.federationTrustsDn, attributes: { objectClass: [c.top, c.container], cn: 'Federation Trusts' } },
      { dn: layout.federatedOrganizationIdDn, attributes: { objectClass: [c.top, c.federatedOrganizationId], cn: 'Federation', [ATTR.fedIsEnabled]: 'FALSE' } },
    ];
    return {
      adds,
      modifies: [],
      contexts: { defaultNamingContext: layout.domainDn, configurationNamingContext: layout.configurationDn },
      commit: () => {
        this.layout = layout;
        this.domainSid = dsid;
        this.groupSids = { exchangeServers: rid(1001), exchangeDomainServers: rid(1002) };
        this.usedAdminGroups.add(adminGroup);
      },
    };
  }

  private adminGroupEntries(layout: ForestLayout, group: string): DirectoryWriteEntry[] {
    const c = OBJECT_CLASS;
    return [
      { dn: layout.administrativeGroupDn(group), attributes: { objectClass: [c.top, c.adminGroup], cn: group } },
      { dn: layout.serversContainerDn(group), attributes: { objectClass: [c.top, c.serversContainer], cn: 'Servers' } },
      { dn: layout.databasesContainerDn(group), attributes: { objectClass: [c.top, c.databasesContainer], cn: 'Databases' } },
    ];
  }

  /**
   * Takes over an organization the engine did not write (an ldifde export, a production forest): the
   * declared state becomes what the directory holds, so later steps name its servers, databases and
   * mailboxes as if they had declared them, and (in a writable directory) add to it. Passwords stay
   * unknown: a directory never hands them out.
   */
  adopt(forest: ExchangeForestView): void {
    if (this.layout) {
      throw new InputError(`the Exchange organization "${this.layout.organizationName}" is already declared here; "${forest.organizationName}" is adopted into an organization of its own`);
    }
    const layout = new ForestLayout(forest.forestDomain, forest.organizationName, forest.contexts.configurationNamingContext);
    const taken = this.reservedServerNames().map((n) => n.toLowerCase());
    const clash = forest.servers.find(({ server }) => taken.includes(server.name.toLowerCase()));
    if (clash) {
      throw new InputError(`the server name "${clash.server.name}" of the organization "${forest.organizationName}" is taken by another organization of this scenario; the network names servers by name`, { value: clash.server.name });
    }
    const principals = [...forest.mailboxes, ...forest.accounts, ...forest.groups, ...forest.servers.flatMap((s) => (s.computer ? [s.computer] : []))];
    // The domain's own SID, else the one its accounts share (every account's SID is the domain's plus a RID).
    const dsid = forest.domainSid || principals.map((p) => /^(S-1-5-21-\d+-\d+-\d+)-\d+$/i.exec(p.sid)?.[1]).find((x) => x) || domainSid(forest.forestDomain);
    const rids = principals.filter((p) => p.sid.toUpperCase().startsWith(`${dsid.toUpperCase()}-`)).map((p) => Number(p.sid.slice(dsid.length + 1)));

    this.sites.clear();
    for (const site of forest.sites) this.sites.set(site.name.toLowerCase(), site.name);
    // Exchange 2007 gives every server's first database the same name: qualify a shared name with its server.
    const nameCount = new Map<string, number>();
    for (const d of forest.databases) nameCount.set(d.name.toLowerCase(), (nameCount.get(d.name.toLowerCase()) ?? 0) + 1);
    const databases = forest.databases.map((d): DeclaredDatabase => ({ name: nameCount.get(d.name.toLowerCase())! > 1 ? `${d.server.name}\\${d.name}` : d.name, dn: d.dn, server: d.server.name }));
    this.databases.clear();
    for (const d of databases) this.databases.set(d.name.toLowerCase(), d);
    this.servers.clear();
    for (const { server, virtualDirectory, computer } of forest.servers) {
      const own = databases.filter((d) => d.server === server.name).sort((a, b) => a.name.localeCompare(b.name));
      const setupName = server.release.family === '2003' ? `Mailbox Store (${server.name})` : `Mailbox Database ${server.name}`;
      this.servers.set(server.name.toLowerCase(), {
        name: server.name,
        dn: server.dn,
        site: this.sites.get(server.site.name.toLowerCase()) ?? server.site.name,
        release: server.release,
        roles: server.roles,
        frontEnd: server.frontEnd,
        fqdn: server.fqdn,
        // CN=<server>,CN=Servers,CN=<administrative group>,…
        adminGroup: firstRdnValue(parentDn(parentDn(server.dn))),
        legacyDn: server.legacyDn,
        // A server whose computer account is in another domain of the forest has none here.
        computerDn: computer?.dn ?? '',
        computerSid: computer?.sid ?? '',
        defaultDatabase: (own.find((d) => d.name.toLowerCase().endsWith(setupName.toLowerCase())) ?? own[0])?.name,
        owaVirtualDirectoryDn: virtualDirectory?.kind === 'owa' ? virtualDirectory.dn : undefined,
        legacyVirtualDirectoryDn: virtualDirectory?.kind === 'exchange' ? virtualDirectory.dn : undefined,
      });
    }
    const databaseByDn = new Map(databases.map((d) => [normalizeDn(d.dn), d.name]));
    this.mailboxes.clear();
    for (const m of forest.mailboxes) {
      const key = m.alias.toLowerCase();
      if (this.mailboxes.has(key)) continue; // aliases are unique in an organization; a duplicate is not one to name
      this.mailboxes.set(key, {
        alias: m.alias,
        displayName: m.displayName,
        dn: m.dn,
        userPrincipalName: m.userPrincipalName,
        primarySmtpAddress: m.primarySmtpAddress,
        sid: m.sid,
        database: databaseByDn.get(normalizeDn(m.homeMdbDn!)) ?? firstRdnValue(m.homeMdbDn!),
        password: '', // unknown (see the environment for how its users sign in)
      });
    }
    this.accounts.clear();
    for (const a of forest.accounts) if (!this.accounts.has(a.name.toLowerCase())) this.accounts.set(a.name.toLowerCase(), { name: a.name, dn: a.dn, sid: a.sid, userPrincipalName: a.userPrincipalName ?? '' });
    this.groups.clear();
    for (const g of forest.groups) if (!this.groups.has(g.name.toLowerCase())) this.groups.set(g.name.toLowerCase(), { name: g.name, dn: g.dn, sid: g.sid });
    const groupSid = (dn: string) => forest.groups.find((g) => normalizeDn(g.dn) === normalizeDn(dn))?.sid ?? '';

    this.layout = layout;
    this.domainSid = dsid;
    this.nextRid = Math.max(this.nextRid, ...rids.filter((r) => Number.isSafeInteger(r)).map((r) => r + 1));
    this.groupSids = { exchangeServers: groupSid(layout.exchangeServersGroupDn()), exchangeDomainServers: groupSid(layout.exchangeDomainServersGroupDn()) };
    this.usedAdminGroups = new Set(forest.administrativeGroups);
  }

  planSites(names: readonly string[]): Plan {
    const layout = this.requireLayout();
    const seen = new Set<string>();
    names.forEach((name, i) => {
      try {
        checkName('site', name, /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'letters, digits, hyphens and underscores, as in Active Directory Sites and Services', 'Site');
        if (this.sites.has(name.toLowerCase()) || seen.has(name.toLowerCase())) {
          throw new InputError(`the site "${name}" is declared twice`, { field: 'Site', value: name });
        }
      } catch (e) {
        throw e instanceof InputError ? e.at(i) : e;
      }
      seen.add(name.toLowerCase());
    });
    return {
      adds: names.map((name) => ({ dn: layout.siteDn(name), attributes: { objectClass: [OBJECT_CLASS.top, OBJECT_CLASS.site], cn: name } })),
      modifies: [],
      commit: () => names.forEach((n) => this.sites.set(n.toLowerCase(), n)),
    };
  }

  planServers(specs: readonly ServerSpec[]): Plan {
    const layout = this.requireLayout();
    const adds: DirectoryWriteEntry[] = [];
    const memberships = { exchangeServers: [] as string[], exchangeDomainServers: [] as string[] };
    const declared: DeclaredServer[] = [];
    const declaredDbs: DeclaredDatabase[] = [];
    const batchNames = new Set<string>();
    let rid = this.nextRid;
    const needLegacyGroup = specs.some((s) => s.release.family === '2003') && !this.usedAdminGroups.has(WELL_KNOWN.legacyAdminGroup);
    if (needLegacyGroup) adds.push(...this.adminGroupEntries(layout, WELL_KNOWN.legacyAdminGroup));

    specs.forEach((spec, i) => {
      try {
        checkName('server', spec.name, /^[A-Za-z0-9][A-Za-z0-9-]{0,14}$/, 'a NetBIOS computer name: up to 15 letters, digits and hyphens', 'Name');
        const key = spec.name.toLowerCase();
        if (this.servers.has(key) || batchNames.has(key)) throw new InputError(`the server "${spec.name}" is declared twice`, { field: 'Name', value: spec.name });
        if (this.reservedServerNames().some((n) => n.toLowerCase() === key)) {
          throw new InputError(`the server name "${spec.name}" is taken by another organization of this scenario; give each organization's servers their own names`, { field: 'Name', value: spec.name });
        }
        batchNames.add(key);
        const site = this.sites.get(spec.site.toLowerCase());
        if (!site) throw unknownName('a site', spec.site, this.siteNames(), 'Site');
        this.checkRoles(spec);
      } catch (e) {
        throw e instanceof InputError ? e.at(i) : e;
      }
      const legacy = spec.release.family === '2003';
      const group = legacy ? WELL_KNOWN.legacyAdminGroup : WELL_KNOWN.adminGroup;
      const dn = layout.serverDn(group, spec.name);
      const fqdn = (spec.fqdn ?? `${spec.name}.${layout.forestDomain}`).toLowerCase();
      const computerSid = `${this.domainSid}-${rid++}`;
      const computerDn = layout.computerDn(spec.name);
      const server: DeclaredServer = {
        name: spec.name,
        dn,
        site: this.sites.get(spec.site.toLowerCase())!,
        release: spec.release,
        roles: spec.roles,
        frontEnd: legacy && !!spec.frontEnd,
        fqdn,
        adminGroup: group,
        legacyDn: layout.serverLegacyDn(group, spec.name),
        computerDn,
        computerSid,
      };
      adds.push(...this.serverEntries(layout, server));
      adds.push({
        dn: computerDn,
        attributes: {
          objectClass: [OBJECT_CLASS.top, OBJECT_CLASS.person, OBJECT_CLASS.organizationalPerson, OBJECT_CLASS.user, OBJECT_CLASS.computer],
          cn: spec.name,
          sAMAccountName: `${spec.name.toUpperCase()}$`,
          dNSHostName: fqdn,
          objectSid: computerSid,
        },
      });
      // Exchange 2007 and 2010 setup put the server in Exchange Servers. Exchange 2003 servers are in
      // Exchange Domain Servers; a new 2007 server is not added to it (seed 000's comments), which is what
      // breaks /exchange for 2003 mailboxes until an administrator adds it.
      if (!legacy) memberships.exchangeServers.push(computerDn);
      if (legacy) memberships.exchangeDomainServers.push(computerDn);
      const hostsMailboxes = legacy ? !server.frontEnd : spec.roles.includes('Mailbox');
      if (hostsMailboxes) {
        const db = this.defaultDatabase(layout, server);
        server.defaultDatabase = db.declared.name;
        adds.push(...db.entries);
        declaredDbs.push(db.declared);
      }
      declared.push(server);
    });

    // RpcClientAccessServer defaults to a Client Access server in the database's site (Exchange 2010).
    for (const db of declaredDbs) {
      const owner = declared.find((s) => s.name === db.server)!;
      if (owner.release.family !== '2010') continue;
      const cas = this.defaultRpcClientAccessServer(owner, declared);
      const entry = adds.find((a) => a.dn === db.dn)!;
      entry.attributes[ATTR.legacyExchangeDN] = cas.legacyDn + WELL_KNOWN.privateMdbSuffix;
    }

    const modifies: Plan['modifies'] = [];
    if (memberships.exchangeServers.length) {
      modifies.push({ dn: layout.exchangeServersGroupDn(), modifications: [{ operation: 'add', attribute: ATTR.member, values: memberships.exchangeServers }] });
    }
    if (memberships.exchangeDomainServers.length) {
      modifies.push({ dn: layout.exchangeDomainServersGroupDn(), modifications: [{ operation: 'add', attribute: ATTR.member, values: memberships.exchangeDomainServers }] });
    }
    return {
      adds,
      modifies,
      commit: () => {
        this.nextRid = rid;
        if (needLegacyGroup) this.usedAdminGroups.add(WELL_KNOWN.legacyAdminGroup);
        for (const s of declared) this.servers.set(s.name.toLowerCase(), s);
        for (const d of declaredDbs) this.databases.set(d.name.toLowerCase(), d);
      },
    };
  }

  private checkRoles(spec: ServerSpec): void {
    if (spec.release.family === '2003') {
      if (spec.roles.length > 0) {
        throw new InputError(`Exchange 2003 has no server roles (${spec.roles.join(', ')}); write FrontEnd or BackEnd in the Roles column`, {
          field: 'Roles',
          value: spec.roles.join(', '),
          accepted: ['FrontEnd', 'BackEnd'],
        });
      }
      return;
    }
    if (spec.frontEnd !== undefined) {
      throw new InputError(`front-end and back-end are Exchange 2003 roles; ${spec.release.name} has Mailbox, ClientAccess, HubTransport, UnifiedMessaging and Edge`, {
        field: 'Roles',
      });
    }
    if (spec.roles.length === 0) throw new InputError(`${spec.name} has no server role`, { field: 'Roles', accepted: ['Mailbox', 'ClientAccess', 'HubTransport', 'UnifiedMessaging', 'Edge'] });
    if (spec.roles.includes('Edge') && spec.roles.length > 1) {
      throw new InputError('the Edge Transport role cannot be combined with other roles', { field: 'Roles', value: spec.roles.join(', ') });
    }
  }

  private defaultRpcClientAccessServer(owner: DeclaredServer, batch: DeclaredServer[]): DeclaredServer {
    if (owner.roles.includes('ClientAccess')) return owner;
    const all = [...this.servers.values(), ...batch];
    const cas = all
      .filter((s) => s.site === owner.site && s.release.family === '2010' && s.roles.includes('ClientAccess'))
      .sort((a, b) => a.name.localeCompare(b.name));
    return cas[0] ?? owner;
  }

  private serverEntries(layout: ForestLayout, s: DeclaredServer): DirectoryWriteEntry[] {
    const c = OBJECT_CLASS;
    const r = s.release;
    const attributes: Record<string, string | string[]> = {
      objectClass: [c.top, 'server', c.exchangeServer],
      cn: s.name,
      [ATTR.serverSite]: layout.siteDn(s.site),
      [ATTR.serialNumber]: serialNumberOf(r),
      [ATTR.versionNumber]: String(versionNumberOf(r)),
      [ATTR.networkAddress]: [`ncacn_ip_tcp:${s.fqdn}`, `netbios:${s.name}`],
      [ATTR.legacyExchangeDN]: s.legacyDn,
    };
    const msExchVersion = msExchVersionOf(r);
    if (msExchVersion) attributes[ATTR.exchangeVersion] = msExchVersion;
    if (r.family === '2003') {
      attributes[ATTR.serverRole] = s.frontEnd ? '1' : '0';
    } else {
      attributes[ATTR.currentServerRoles] = String(rolesToMask(s.roles));
      // Setup grants the Exchange Servers group the token-serialization right on each server object; the
      // proxy-target Client Access server checks it before accepting a serialized security context.
      // It also denies the administrators' groups Exchange Web Services impersonation explicitly, so being an
      // administrator never lets an account act as a user; an application's account is granted it on purpose.
      attributes[ATTR.securityDescriptor] = formatSddl({
        owner: this.groupSids.exchangeServers,
        aces: [
          grantExtendedRight(EXTENDED_RIGHTS.tokenSerialization, this.groupSids.exchangeServers),
          ...ADMIN_GROUPS.map((g) => denyExtendedRight(EXTENDED_RIGHTS.impersonation, `${this.domainSid}-${g.rid}`)),
        ],
      });
    }
    const entries: DirectoryWriteEntry[] = [
      { dn: s.dn, attributes },
      { dn: layout.protocolsDn(s.dn), attributes: { objectClass: [c.top, c.container], cn: 'Protocols' } },
      { dn: layout.httpContainerDn(s.dn), attributes: { objectClass: [c.top, c.protocolCfgHttpContainer], cn: 'HTTP' } },
    ];
    if (r.family === '2003') {
      const vdirDn = layout.legacyExchangeVirtualDirectoryDn(s.dn);
      s.legacyVirtualDirectoryDn = vdirDn;
      const auth = s.frontEnd ? LEGACY_FRONTEND_AUTH : LEGACY_BACKEND_AUTH;
      entries.push(
        { dn: layout.legacyHttpVirtualServerDn(s.dn), attributes: { objectClass: [c.top, 'protocolCfgHTTPServer'], cn: '1' } },
        {
          dn: vdirDn,
          attributes: {
            objectClass: [c.top, c.legacyHttpVirtualDirectory],
            cn: 'Exchange',
            [ATTR.internalHostName]: `https://${s.fqdn}/exchange`,
            [ATTR.internalAuthenticationMethods]: String(authMethodsToMask(auth)),
            [ATTR.externalAuthenticationMethods]: String(authMethodsToMask(auth)),
            [ATTR.metabasePath]: `IIS://${s.fqdn}/W3SVC/1/ROOT/Exchange`,
          },
        },
      );
    } else if (s.roles.includes('ClientAccess')) {
      const vdirDn = layout.owaVirtualDirectoryDn(s.dn);
      s.owaVirtualDirectoryDn = vdirDn;
      const vdir: Record<string, string | string[]> = {
        objectClass: [c.top, c.virtualDirectory, c.owaVirtualDirectory],
        cn: WELL_KNOWN.owaVirtualDirectory,
        // Setup fills InternalURL; ExternalURL stays $null until the server is given an Internet presence.
        [ATTR.internalHostName]: `https://${s.fqdn}/owa`,
        [ATTR.internalAuthenticationMethods]: String(authMethodsToMask(DEFAULT_OWA_AUTH)),
        [ATTR.externalAuthenticationMethods]: String(authMethodsToMask(DEFAULT_OWA_AUTH)),
        [ATTR.metabasePath]: `IIS://${s.fqdn}/W3SVC/1/ROOT/owa`,
        [ATTR.owaRedirectToOptimalOwaServer]: 'TRUE',
      };
      if (r.family === '2010') vdir[ATTR.legacyRedirectType] = 'Silent';
      if (r.family === '2010' && r.servicePack >= 2) vdir[ATTR.crossSiteRedirectType] = 'Manual';
      entries.push({ dn: vdirDn, attributes: vdir });
      // Exchange Web Services and Autodiscover: setup fills InternalUrl; ExternalUrl stays $null, which is
      // exactly what leaves a partner organization without an EWS URL until Set-WebServicesVirtualDirectory.
      entries.push(
        {
          dn: layout.webServicesVirtualDirectoryDn(s.dn),
          attributes: {
            objectClass: [c.top, c.virtualDirectory, c.webServicesVirtualDirectory],
            cn: WELL_KNOWN.ewsVirtualDirectory,
            [ATTR.internalHostName]: `https://${s.fqdn}/EWS/Exchange.asmx`,
            [ATTR.metabasePath]: `IIS://${s.fqdn}/W3SVC/1/ROOT/EWS`,
          },
        },
        {
          dn: layout.autodiscoverVirtualDirectoryDn(s.dn),
          attributes: {
            objectClass: [c.top, c.virtualDirectory, c.autodiscoverVirtualDirectory],
            cn: WELL_KNOWN.autodiscoverVirtualDirectory,
            [ATTR.metabasePath]: `IIS://${s.fqdn}/W3SVC/1/ROOT/Autodiscover`,
          },
        },
      );
    }
    return entries;
  }

  private defaultDatabase(layout: ForestLayout, s: DeclaredServer): { declared: DeclaredDatabase; entries: DirectoryWriteEntry[] } {
    const c = OBJECT_CLASS;
    const entries: DirectoryWriteEntry[] = [];
    let name: string;
    let dn: string;
    if (s.release.family === '2010') {
      name = `Mailbox Database ${s.name}`;
      dn = joinDn(rdn('CN', name), layout.databasesContainerDn(s.adminGroup));
    } else {
      name = s.release.family === '2003' ? `Mailbox Store (${s.name})` : `Mailbox Database ${s.name}`;
      const sg = layout.storageGroupDn(s.dn, 'First Storage Group');
      entries.push(
        { dn: layout.informationStoreDn(s.dn), attributes: { objectClass: [c.top, c.container, c.informationStore], cn: 'InformationStore' } },
        { dn: sg, attributes: { objectClass: [c.top, c.container, c.storageGroup], cn: 'First Storage Group' } },
      );
      dn = joinDn(rdn('CN', name), sg);
    }
    entries.push(this.databaseEntry(dn, name, s));
    return { declared: { name, dn, server: s.name }, entries };
  }

  /** `rpcClientAccessServer` is the legacyExchangeDN the database's own legacyExchangeDN is built on. */
  private databaseEntry(dn: string, name: string, s: DeclaredServer, rpcClientAccessServer?: DeclaredServer): DirectoryWriteEntry {
    const attributes: Record<string, string | string[]> = {
      objectClass: [OBJECT_CLASS.top, OBJECT_CLASS.mdb, OBJECT_CLASS.privateMdb],
      cn: name,
      [ATTR.owningServer]: s.dn,
      [ATTR.legacyExchangeDN]: (rpcClientAccessServer ?? s).legacyDn + WELL_KNOWN.privateMdbSuffix,
    };
    const v = msExchVersionOf(s.release);
    if (v) attributes[ATTR.exchangeVersion] = v;
    return { dn, attributes };
  }

  planDatabases(specs: readonly DatabaseSpec[]): Plan {
    const layout = this.requireLayout();
    const adds: DirectoryWriteEntry[] = [];
    const declared: DeclaredDatabase[] = [];
    const batch = new Set<string>();
    specs.forEach((spec, i) => {
      try {
        checkName('database', spec.name, /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, 'letters, digits, spaces, dots, hyphens and underscores', 'Name');
        if (this.databases.has(spec.name.toLowerCase()) || batch.has(spec.name.toLowerCase())) {
          throw new InputError(`the database "${spec.name}" is declared twice`, { field: 'Name', value: spec.name });
        }
        batch.add(spec.name.toLowerCase());
        const server = this.server(spec.server, 'Server');
        const holds = server.release.family === '2003' ? !server.frontEnd : server.roles.includes('Mailbox');
        if (!holds) throw new InputError(`${server.name} cannot hold a mailbox database: it has no Mailbox role`, { field: 'Server', value: spec.server });
        let rpc: DeclaredServer | undefined;
        if (spec.rpcClientAccessServer !== undefined) {
          if (server.release.family !== '2010') {
            throw new InputError(`RpcClientAccessServer is an Exchange 2010 setting; ${server.name} runs ${server.release.name}`, { field: 'RpcClientAccessServer', value: spec.rpcClientAccessServer });
          }
          const cas = this.server(spec.rpcClientAccessServer, 'RpcClientAccessServer');
          if (!cas.roles.includes('ClientAccess')) {
            throw new InputError(`${cas.name} is not a Client Access server`, { field: 'RpcClientAccessServer', value: spec.rpcClientAccessServer });
          }
          rpc = cas;
        } else if (server.release.family === '2010') {
          rpc = this.defaultRpcClientAccessServer(server, []);
        }
        let dn: string;
        if (server.release.family === '2010') {
          dn = joinDn(rdn('CN', spec.name), layout.databasesContainerDn(server.adminGroup));
        } else {
          const sg = layout.storageGroupDn(server.dn, 'First Storage Group');
          dn = joinDn(rdn('CN', spec.name), sg);
        }
        adds.push(this.databaseEntry(dn, spec.name, server, rpc));
        declared.push({ name: spec.name, dn, server: server.name });
      } catch (e) {
        throw e instanceof InputError ? e.at(i) : e;
      }
    });
    return { adds, modifies: [], commit: () => declared.forEach((d) => this.databases.set(d.name.toLowerCase(), d)) };
  }

  planMailboxes(specs: readonly MailboxSpec[]): Plan {
    const layout = this.requireLayout();
    const adds: DirectoryWriteEntry[] = [];
    const declared: DeclaredMailbox[] = [];
    const batch = new Set<string>();
    let rid = this.nextRid;
    specs.forEach((spec, i) => {
      try {
        checkName('mailbox alias', spec.alias, /^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/, 'up to 20 letters, digits, dots, hyphens and underscores', 'Name');
        const key = spec.alias.toLowerCase();
        if (this.mailboxes.has(key) || batch.has(key)) throw new InputError(`the mailbox "${spec.alias}" is declared twice`, { field: 'Name', value: spec.alias });
        batch.add(key);
        let database: DeclaredDatabase;
        if (spec.database !== undefined) database = this.database(spec.database);
        else if (spec.server !== undefined) {
          const server = this.server(spec.server, 'Server');
          if (!server.defaultDatabase) throw new InputError(`${server.name} holds no mailboxes: it has no Mailbox role`, { field: 'Server', value: spec.server });
          database = this.database(server.defaultDatabase);
        } else {
          // With a single Mailbox server (an Office 365 tenant, a one-server organization) there is no choice to make.
          const holders = [...this.servers.values()].filter((s) => s.defaultDatabase);
          if (holders.length !== 1) throw new InputError(`say where ${spec.alias}'s mailbox is: give a Server or a Database`, { field: 'Server', accepted: this.serverNames() });
          database = this.database(holders[0].defaultDatabase!);
        }
        const server = this.server(database.server);
        const upn = spec.userPrincipalName ?? `${spec.alias}@${layout.forestDomain}`;
        const smtp = spec.primarySmtpAddress ?? `${spec.alias}@${layout.forestDomain}`;
        const secondary = spec.emailAddresses ?? [];
        for (const [field, value] of [['UserPrincipalName', upn], ['PrimarySmtpAddress', smtp], ...secondary.map((a) => ['EmailAddresses', a] as const)] as const) {
          if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) throw new InputError(`"${value}" is not an address of the form user@domain`, { field, value });
        }
        if (spec.masterAccountSid !== undefined && !/^S-1-5-21(-\d+){4}$/i.test(spec.masterAccountSid)) {
          throw new InputError(`"${spec.masterAccountSid}" is not an account SID (S-1-5-21-…-RID)`, { field: 'LinkedMasterAccount', value: spec.masterAccountSid });
        }
        const sid = `${this.domainSid}-${rid++}`;
        const displayName = spec.displayName ?? spec.alias;
        const dn = layout.userDn(displayName);
        const attributes: Record<string, string | string[]> = {
          objectClass: [OBJECT_CLASS.top, OBJECT_CLASS.person, OBJECT_CLASS.organizationalPerson, OBJECT_CLASS.user],
          cn: displayName,
          displayName,
          sAMAccountName: spec.alias,
          [ATTR.userPrincipalName]: upn,
          [ATTR.mail]: smtp,
          [ATTR.mailNickname]: spec.alias,
          [ATTR.proxyAddresses]: [`SMTP:${smtp}`, ...secondary.map((a) => `smtp:${a}`)],
          [ATTR.homeMDB]: database.dn,
          [ATTR.homeServerName]: server.legacyDn,
          [ATTR.legacyExchangeDN]: layout.recipientLegacyDn(server.adminGroup, spec.alias),
          [ATTR.objectSid]: sid,
          [ATTR.userPassword]: spec.password,
        };
        for (const [attribute, value] of Object.entries(spec.properties ?? {})) if (value !== '') attributes[attribute] = value;
        if (spec.masterAccountSid !== undefined) attributes[ATTR.masterAccountSid] = spec.masterAccountSid.toUpperCase();
        if (server.release.family !== '2003') {
          attributes[ATTR.recipientTypeDetails] = String(spec.masterAccountSid ? RECIPIENT_TYPE_DETAILS.LinkedMailbox : RECIPIENT_TYPE_DETAILS.UserMailbox);
          attributes[ATTR.exchangeVersion] = msExchVersionOf(server.release)!;
        }
        adds.push({ dn, attributes });
        declared.push({ alias: spec.alias, displayName, dn, userPrincipalName: upn, primarySmtpAddress: smtp, sid, database: database.name, password: spec.password });
      } catch (e) {
        throw e instanceof InputError ? e.at(i) : e;
      }
    });
    return this.accountsPlan(adds, rid, () => declared.forEach((m) => this.mailboxes.set(m.alias.toLowerCase(), m)));
  }

  /** New user objects: the RIDs they took are used up, and the planner knows them, once they are written. */
  private accountsPlan(adds: DirectoryWriteEntry[], nextRid: number, record: () => void): Plan {
    return {
      adds,
      modifies: [],
      commit: () => {
        this.nextRid = nextRid;
        record();
      },
    };
  }

  /**
   * A mailbox moved to another database (New-MoveRequest on 2010, Move-Mailbox on 2007): homeMDB and the
   * home server change, and msExchVersion follows the target's version. The move completes at once here
   * (the Mailbox Replication Service's queue and its stages are not modelled).
   */
  planMailboxMove(alias: string, databaseName: string, cmdlet: 'New-MoveRequest' | 'Move-Mailbox'): Plan {
    const mailbox = this.mailbox(alias);
    const target = this.database(databaseName, 'TargetDatabase');
    const server = this.server(target.server);
    if (target.name.toLowerCase() === mailbox.database.toLowerCase()) {
      throw new InputError(`${mailbox.alias}'s mailbox is already in ${target.name}`, { field: 'TargetDatabase', value: databaseName });
    }
    // Exchange 2007's Move-Mailbox cannot move to Exchange 2010: moves to 2010 are made from 2010.
    if (cmdlet === 'Move-Mailbox' && server.release.family === '2010') {
      throw new InputError(`Move-Mailbox cannot move a mailbox to ${server.name}, which runs ${server.release.name}; use New-MoveRequest from the Exchange 2010 shell`, { field: 'TargetDatabase', value: databaseName });
    }
    if (server.release.family === '2003') {
      throw new InputError(`${target.name} is on ${server.name}, which runs ${server.release.name}; moves to Exchange 2003 are made with Exchange 2003's own tools`, { field: 'TargetDatabase', value: databaseName });
    }
    const modifications: Modification[] = [
      { operation: 'replace', attribute: ATTR.homeMDB, values: [target.dn] },
      { operation: 'replace', attribute: ATTR.homeServerName, values: [server.legacyDn] },
    ];
    const version = msExchVersionOf(server.release);
    if (version) modifications.push({ operation: 'replace', attribute: ATTR.exchangeVersion, values: [version] });
    return { adds: [], modifies: [{ dn: mailbox.dn, modifications }], commit: () => this.mailboxes.set(mailbox.alias.toLowerCase(), { ...mailbox, database: target.name }) };
  }

  /** User accounts without a mailbox: an application server's service account signs in with one. */
  planServiceAccounts(specs: ReadonlyArray<{ name: string; password: string }>): Plan {
    const layout = this.requireLayout();
    const adds: DirectoryWriteEntry[] = [];
    const declared: Array<{ name: string; dn: string; sid: string; userPrincipalName: string }> = [];
    let rid = this.nextRid;
    specs.forEach((spec, i) => {
      try {
        checkName('account name', spec.name, /^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$/, 'up to 20 letters, digits, dots, hyphens and underscores', 'Name');
        const key = spec.name.toLowerCase();
        if (this.accounts.has(key) || this.mailboxes.has(key) || declared.some((d) => d.name.toLowerCase() === key)) {
          throw new InputError(`the account "${spec.name}" is declared twice`, { field: 'Name', value: spec.name });
        }
        const sid = `${this.domainSid}-${rid++}`;
        const dn = layout.userDn(spec.name);
        const userPrincipalName = `${spec.name}@${layout.forestDomain}`;
        adds.push({
          dn,
          attributes: {
            objectClass: [OBJECT_CLASS.top, OBJECT_CLASS.person, OBJECT_CLASS.organizationalPerson, OBJECT_CLASS.user],
            cn: spec.name,
            sAMAccountName: spec.name,
            [ATTR.userPrincipalName]: userPrincipalName,
            [ATTR.objectSid]: sid,
            [ATTR.userPassword]: spec.password,
          },
        });
        declared.push({ name: spec.name, dn, sid, userPrincipalName });
      } catch (e) {
        throw e instanceof InputError ? e.at(i) : e;
      }
    });
    return this.accountsPlan(adds, rid, () => declared.forEach((a) => this.accounts.set(a.name.toLowerCase(), a)));
  }

  /** Security groups (a team a folder is shared with, the group an RBAC role is assigned to). */
  planSecurityGroups(specs: ReadonlyArray<{ name: string; members: readonly string[] }>): Plan {
    const layout = this.requireLayout();
    const adds: DirectoryWriteEntry[] = [];
    const declared: Array<{ name: string; dn: string; sid: string }> = [];
    let rid = this.nextRid;
    specs.forEach((spec, i) => {
      try {
        checkName('group name', spec.name, /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, 'letters, digits, spaces, dots, hyphens and underscores', 'Name');
        const key = spec.name.toLowerCase();
        if (this.groups.has(key) || this.accounts.has(key) || this.mailboxes.has(key) || declared.some((d) => d.name.toLowerCase() === key)) {
          throw new InputError(`the name "${spec.name}" is already taken by an account or group`, { field: 'Name', value: spec.name });
        }
        const members = spec.members.map((m) => this.principal(m, 'Members').dn);
        const admin = ADMIN_GROUPS.find((g) => g.name.toLowerCase() === key);
        const sid = `${this.domainSid}-${admin ? admin.rid : rid++}`;
        const dn = joinDn(rdn('CN', spec.name), layout.usersDn);
        const attributes: Record<string, string | string[]> = { objectClass: [OBJECT_CLASS.top, OBJECT_CLASS.group], cn: spec.name, sAMAccountName: spec.name, [ATTR.objectSid]: sid };
        if (members.length) attributes[ATTR.member] = members;
        adds.push({ dn, attributes });
        declared.push({ name: spec.name, dn, sid });
      } catch (e) {
        throw e instanceof InputError ? e.at(i) : e;
      }
    });
    return this.accountsPlan(adds, rid, () => declared.forEach((g) => this.groups.set(g.name.toLowerCase(), g)));
  }

  /**
   * A forest trust as AD keeps it: a trustedDomain object under CN=System naming the partner, with the
   * direction seen from this forest (outbound: this forest trusts the partner's accounts).
   */
  planForestTrust(partner: { forestDomain: string; netbiosName: string; domainSid: string }, direction: 'inbound' | 'outbound' | 'bidirectional', systemExists: boolean): Plan {
    const layout = this.requireLayout();
    const system = joinDn(rdn('CN', 'System'), layout.domainDn);
    const adds: DirectoryWriteEntry[] = [];
    if (!systemExists) adds.push({ dn: system, attributes: { objectClass: [OBJECT_CLASS.top, OBJECT_CLASS.container], cn: 'System' } });
    adds.push({
      dn: joinDn(rdn('CN', partner.forestDomain), system),
      attributes: {
        objectClass: [OBJECT_CLASS.top, OBJECT_CLASS.trustedDomain],
        cn: partner.forestDomain,
        [ATTR.trustPartner]: partner.forestDomain,
        [ATTR.flatName]: partner.netbiosName,
        [ATTR.trustDirection]: String(TRUST_DIRECTION[direction]),
        // TRUST_TYPE_UPLEVEL (2), TRUST_ATTRIBUTE_FOREST_TRANSITIVE (8)
        [ATTR.trustType]: '2',
        [ATTR.trustAttributes]: '8',
        [ATTR.securityIdentifier]: partner.domainSid,
      },
    });
    return { adds, modifies: [], commit: () => undefined };
  }

  /** A security principal by name: a service account, a mailbox user (by alias), a group or a server's computer account. */
  principal(name: string, field = 'User'): { name: string; dn: string; sid: string } {
    const key = name.replace(/^[^\\]+\\/, '').toLowerCase();
    const account = this.accounts.get(key);
    if (account) return account;
    const group = this.groups.get(key);
    if (group) return group;
    const mailbox = this.mailboxes.get(key);
    if (mailbox) return { name: mailbox.alias, dn: mailbox.dn, sid: mailbox.sid };
    const server = this.servers.get(key);
    if (server) return { name: server.name, dn: server.computerDn, sid: server.computerSid };
    throw unknownName('an account', name, [...this.accounts.values()].map((a) => a.name).concat([...this.mailboxes.values()].map((m) => m.alias), [...this.groups.values()].map((g) => g.name)), field);
  }

  /**
   * The object an extended right is set on, as Add-ADPermission -Identity names it: a server (its Exchange
   * server object), a mailbox database, or an account (its user object).
   */
  rightsTarget(identity: string, field = 'Identity'): { kind: 'server' | 'database' | 'storageGroup' | 'user'; name: string; dn: string } {
    const server = this.servers.get(identity.toLowerCase());
    if (server) return { kind: 'server', name: server.name, dn: server.dn };
    const database = this.databases.get(identity.toLowerCase());
    if (database) return { kind: 'database', name: database.name, dn: database.dn };
    const groups = this.storageGroups().filter((g) => g.name.toLowerCase() === identity.toLowerCase() || `${g.server}\\${g.name}`.toLowerCase() === identity.toLowerCase());
    if (groups.length > 1) {
      throw new InputError(`"${identity}" names a storage group on ${groups.length} servers; write SERVER\\${identity} (${groups.map((g) => `${g.server}\\${g.name}`).join(', ')})`, { field, value: identity });
    }
    if (groups.length === 1) return { kind: 'storageGroup', name: `${groups[0].server}\\${groups[0].name}`, dn: groups[0].dn };
    const byDisplayName = [...this.mailboxes.values()].find((m) => m.displayName?.toLowerCase() === identity.toLowerCase());
    if (byDisplayName) return { kind: 'user', name: byDisplayName.alias, dn: byDisplayName.dn };
    try {
      const p = this.principal(identity, field);
      return { kind: 'user', name: p.name, dn: p.dn };
    } catch {
      throw unknownName('a server, storage group, mailbox database or account', identity, [...this.serverNames(), ...this.storageGroups().map((g) => `${g.server}\\${g.name}`), ...[...this.databases.values()].map((d) => d.name), ...[...this.accounts.values()].map((a) => a.name), ...[...this.mailboxes.values()].map((m) => m.alias)], field);
    }
  }

  /** The storage groups of the Exchange 2003 and 2007 mailbox servers (each has its First Storage Group). */
  storageGroups(): Array<{ name: string; server: string; dn: string }> {
    const out: Array<{ name: string; server: string; dn: string }> = [];
    for (const d of this.databases.values()) {
      const parent = d.dn.split(/(?<!\\),/).slice(1).join(',');
      if (!/,CN=InformationStore,/i.test(parent)) continue;
      const name = parent.split(/(?<!\\),/)[0].replace(/^CN=/i, '');
      if (!out.some((g) => g.dn.toLowerCase() === parent.toLowerCase())) out.push({ name, server: d.server, dn: parent });
    }
    return out;
  }

  /** Add-ADPermission -ExtendedRights (allow), or -Deny: one ACE more in the target's security descriptor. */
  planExtendedRight(targetDn: string, trusteeSid: string, rightsGuid: string, allow: boolean, currentSddl: string): Plan {
    const sd = parseSddl(currentSddl);
    sd.aces.push(allow ? grantExtendedRight(rightsGuid, trusteeSid) : denyExtendedRight(rightsGuid, trusteeSid));
    return { adds: [], modifies: [{ dn: targetDn, modifications: [{ operation: 'replace', attribute: ATTR.securityDescriptor, values: [formatSddl(sd)] }] }], commit: () => undefined };
  }

  planOwaVirtualDirectories(changes: readonly OwaVirtualDirectoryChange[]): Plan {
    this.requireLayout();
    const modifies: Plan['modifies'] = [];
    changes.forEach((change, i) => {
      try {
        modifies.push(this.planOwaChange(change));
      } catch (e) {
        throw e instanceof InputError ? e.at(i) : e;
      }
    });
    return { adds: [], modifies, commit: () => undefined };
  }

  private planOwaChange(change: OwaVirtualDirectoryChange): { dn: string; modifications: Modification[] } {
    const server = this.server(change.server, 'Server');
    const r = server.release;
    const dn = server.owaVirtualDirectoryDn ?? server.legacyVirtualDirectoryDn;
    if (!dn) {
      throw new InputError(`${server.name} has no OWA virtual directory: it is not a Client Access server`, { field: 'Server', value: change.server });
    }
    const legacy = r.family === '2003';
    const mods: Modification[] = [];
    const setUrl = (attribute: string, field: string, value: string | null | undefined) => {
      if (value === undefined) return;
      if (value === null) mods.push({ operation: 'replace', attribute, values: [] });
      else {
        checkUrl(value, field);
        mods.push({ operation: 'replace', attribute, values: [value] });
      }
    };
    const only = (field: string, allowed: boolean, versions: string) => {
      if (!allowed) {
        throw new InputError(`${field} is not a parameter of Set-OwaVirtualDirectory on ${r.name}; it exists on ${versions}`, { field });
      }
    };
    if (legacy && (change.internalUrl !== undefined || change.externalUrl !== undefined || change.exchange2003Url !== undefined || change.failbackUrl !== undefined || change.crossSiteRedirectType || change.legacyRedirectType)) {
      throw new InputError(`${server.name} runs Exchange 2003: its /Exchange virtual directory only takes authentication settings`, { field: 'Server', value: change.server });
    }
    setUrl(ATTR.internalHostName, 'InternalUrl', change.internalUrl);
    setUrl(ATTR.externalHostName, 'ExternalUrl', change.externalUrl);
    if (change.exchange2003Url !== undefined) only('Exchange2003Url', r.family === '2010', 'Exchange 2010');
    setUrl(ATTR.exchange2003Url, 'Exchange2003Url', change.exchange2003Url);
    if (change.failbackUrl !== undefined) only('FailbackUrl', r.family === '2010' && r.servicePack >= 1, 'Exchange 2010 SP1 and later');
    if (change.failbackUrl && change.externalUrl && sameUrl(change.failbackUrl, change.externalUrl)) {
      throw new InputError(`FailbackUrl must differ from ExternalUrl (${change.externalUrl})`, { field: 'FailbackUrl', value: change.failbackUrl });
    }
    setUrl(ATTR.owaFailbackUrl, 'FailbackUrl', change.failbackUrl);
    if (change.crossSiteRedirectType !== undefined) {
      only('CrossSiteRedirectType', r.family === '2010' && r.servicePack >= 2, 'Exchange 2010 SP2');
      mods.push({ operation: 'replace', attribute: ATTR.crossSiteRedirectType, values: [change.crossSiteRedirectType] });
    }
    if (change.legacyRedirectType !== undefined) {
      only('LegacyRedirectType', r.family === '2010', 'Exchange 2010');
      mods.push({ operation: 'replace', attribute: ATTR.legacyRedirectType, values: [change.legacyRedirectType] });
    }
    if (change.internalAuthenticationMethods) {
      mods.push({ operation: 'replace', attribute: ATTR.internalAuthenticationMethods, values: [String(authMethodsToMask(change.internalAuthenticationMethods))] });
    }
    if (change.externalAuthenticationMethods) {
      mods.push({ operation: 'replace', attribute: ATTR.externalAuthenticationMethods, values: [String(authMethodsToMask(change.externalAuthenticationMethods))] });
    }
    if (change.twoFactorAuthentication !== undefined) {
      mods.push({ operation: 'replace', attribute: ATTR.twoFactorAuthentication, values: change.twoFactorAuthentication ? ['TRUE'] : [] });
    }
    return { dn, modifications: mods };
  }

  /** Set-WebServicesVirtualDirectory -InternalUrl/-ExternalUrl: null clears ($null), undefined leaves it. */
  planWebServicesVirtualDirectory(serverName: string, change: { internalUrl?: string | null; externalUrl?: string | null }): Plan {
    const layout = this.requireLayout();
    const server = this.server(serverName, 'Identity');
    if (!server.owaVirtualDirectoryDn) {
      throw new InputError(`${server.name} has no EWS virtual directory: it is not an Exchange 2007 or 2010 Client Access server`, { field: 'Identity', value: serverName });
    }
    const modifications: Modification[] = [];
    for (const [attribute, field, value] of [[ATTR.internalHostName, 'InternalUrl', change.internalUrl], [ATTR.externalHostName, 'ExternalUrl', change.externalUrl]] as const) {
      if (value === undefined) continue;
      if (value !== null) checkUrl(value, field);
      modifications.push({ operation: 'replace', attribute, values: value === null ? [] : [value] });
    }
    return { adds: [], modifies: [{ dn: layout.webServicesVirtualDirectoryDn(server.dn), modifications }], commit: () => undefined };
  }

  /** Adds or removes a server's computer account in Exchange Domain Servers or Exchange Servers. */
  planGroupMembership(serverName: string, group: 'Exchange Domain Servers' | 'Exchange Servers', member: boolean): Plan {
    const layout = this.requireLayout();
    const server = this.server(serverName);
    const dn = group === 'Exchange Servers' ? layout.exchangeServersGroupDn() : layout.exchangeDomainServersGroupDn();
    return {
      adds: [],
      modifies: [{ dn, modifications: [{ operation: member ? 'add' : 'delete', attribute: ATTR.member, values: [server.computerDn] }] }],
      commit: () => undefined,
    };
  }

  /** Adds an explicit deny (or allow) ACE for an extended right on a server object, for a server's account. */
  planExtendedRightOnServer(targetServer: string, trusteeServer: string, rightsGuid: string, allow: boolean, currentSddl: string): Plan {
    const target = this.server(targetServer, 'target');
    const trustee = this.server(trusteeServer, 'trustee');
    const sd = parseSddl(currentSddl);
    sd.aces.push(allow ? grantExtendedRight(rightsGuid, trustee.computerSid) : denyExtendedRight(rightsGuid, trustee.computerSid));
    return {
      adds: [],
      modifies: [{ dn: target.dn, modifications: [{ operation: 'replace', attribute: ATTR.securityDescriptor, values: [formatSddl(sd)] }] }],
      commit: () => undefined,
    };
  }
}

/** A plan's changes, as a read-only refusal names them. */
export function describePlan(plan: Pick<Plan, 'adds' | 'modifies' | 'delete'>): string {
  return describeChange({ adds: plan.adds, modifies: plan.modifies, deletes: plan.delete ? [plan.delete] : [] });
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
}

/** Applies plans over LDAP, undoing what it wrote if the directory refuses part of a plan. */
export class TopologyWriter {
  readonly planner = new TopologyPlanner();
  private readonly changeListeners = new Set<() => void>();
  private readonly rightListeners = new Set<(e: { target: ReturnType<TopologyPlanner['rightsTarget']>; trusteeSid: string; rightsGuid: string; allow: boolean }) => void>();

  constructor(private readonly target: DirectoryTarget) {}

  /** Called after Add-ADPermission wrote an extended right (the store notes when a container's right was given). */
  onExtendedRight(listener: (e: { target: ReturnType<TopologyPlanner['rightsTarget']>; trusteeSid: string; rightsGuid: string; allow: boolean }) => void): void {
    this.rightListeners.add(listener);
  }

  onChange(listener: () => void): void {
    this.changeListeners.add(listener);
  }

  async createOrganization(spec: OrganizationSpec): Promise<void> {
    const plan = this.planner.planOrganization(spec);
    // A read-only directory is refused before the naming contexts are asked for, too.
    this.refuseIfReadOnly(plan);
    await this.target.declareNamingContexts(plan.contexts);
    await this.apply(plan);
  }

  addSites(names: readonly string[]): Promise<void> {
    return this.apply(this.planner.planSites(names));
  }

  addServers(specs: readonly ServerSpec[]): Promise<void> {
    return this.apply(this.planner.planServers(specs));
  }

  addDatabases(specs: readonly DatabaseSpec[]): Promise<void> {
    return this.apply(this.planner.planDatabases(specs));
  }

  addMailboxes(specs: readonly MailboxSpec[]): Promise<void> {
    return this.apply(this.planner.planMailboxes(specs));
  }

  moveMailbox(alias: string, database: string, cmdlet: 'New-MoveRequest' | 'Move-Mailbox'): Promise<void> {
    return this.apply(this.planner.planMailboxMove(alias, database, cmdlet));
  }

  setOwaVirtualDirectories(changes: readonly OwaVirtualDirectoryChange[]): Promise<void> {
    return this.apply(this.planner.planOwaVirtualDirectories(changes));
  }

  /** Idempotent, as "Add to group" is: adding a member twice or removing a non-member changes nothing. */
  async setGroupMembership(server: string, group: 'Exchange Domain Servers' | 'Exchange Servers', member: boolean): Promise<void> {
    const plan = this.planner.planGroupMembership(server, group, member);
    const { dn, modifications } = plan.modifies[0];
    const computer = modifications[0].values[0];
    const entry = await this.target.directory.read(dn, eq(ATTR.objectClass, OBJECT_CLASS.group), [ATTR.member]);
    const already = (entry?.all(ATTR.member) ?? []).some((m) => normalizeDn(m) === normalizeDn(computer));
    if (already === member) return;
    await this.apply(plan);
  }

  async setExtendedRightOnServer(targetServer: string, trusteeServer: string, rightsGuid: string, allow: boolean): Promise<void> {
    const target = this.planner.server(targetServer, 'target');
    const entry = await this.target.directory.read(target.dn, and(eq(ATTR.objectClass, OBJECT_CLASS.exchangeServer)), [ATTR.securityDescriptor]);
    const current = entry?.get(ATTR.securityDescriptor) ?? 'D:';
    await this.apply(this.planner.planExtendedRightOnServer(targetServer, trusteeServer, rightsGuid, allow, current));
  }

  addServiceAccounts(specs: ReadonlyArray<{ name: string; password: string }>): Promise<void> {
    return this.apply(this.planner.planServiceAccounts(specs));
  }

  addSecurityGroups(specs: ReadonlyArray<{ name: string; members: readonly string[] }>): Promise<void> {
    return this.apply(this.planner.planSecurityGroups(specs));
  }

  /** A forest trust seen from this forest (see planForestTrust). */
  async addForestTrust(partner: { forestDomain: string; netbiosName: string; domainSid: string }, direction: 'inbound' | 'outbound' | 'bidirectional'): Promise<void> {
    const layout = this.planner.requireLayout();
    const system = await this.target.directory.read(joinDn(rdn('CN', 'System'), layout.domainDn), present(ATTR.objectClass), [ATTR.cn]);
    await this.apply(this.planner.planForestTrust(partner, direction, system !== undefined));
  }

  /**
   * Remove-ADPermission: takes out the allow (or deny) entry for that right and trustee. Removing one that is
   * not there is an error, as it is in the shell, and writes nothing.
   */
  async removeExtendedRight(identity: string, trustee: string, rightsGuid: string, allow: boolean): Promise<void> {
    const target = this.planner.rightsTarget(identity);
    const principal = this.planner.principal(trustee);
    const entry = await this.target.directory.read(target.dn, present(ATTR.objectClass), [ATTR.securityDescriptor]);
    const sd = parseSddl(entry?.get(ATTR.securityDescriptor) ?? 'D:');
    const type = allow ? 'OA' : 'OD';
    const kept = sd.aces.filter((a) => !(a.type === type && a.objectGuid === rightsGuid.toLowerCase() && a.trustee.toUpperCase() === principal.sid.toUpperCase()));
    if (kept.length === sd.aces.length) {
      throw new InputError(`${target.name} has no ${allow ? 'allow' : 'deny'} entry for ${principal.name} with that right to remove`, { field: 'User', value: trustee });
    }
    sd.aces = kept;
    await this.apply({ adds: [], modifies: [{ dn: target.dn, modifications: [{ operation: 'replace', attribute: ATTR.securityDescriptor, values: [formatSddl(sd)] }] }], commit: () => undefined });
  }

  /** Grants (or denies) an extended right on a server, mailbox database or account to an account or server. */
  async setExtendedRight(identity: string, trustee: string, rightsGuid: string, allow: boolean): Promise<void> {
    const target = this.planner.rightsTarget(identity);
    const principal = this.planner.principal(trustee);
    const entry = await this.target.directory.read(target.dn, present(ATTR.objectClass), [ATTR.securityDescriptor]);
    const current = entry?.get(ATTR.securityDescriptor) ?? 'D:';
    await this.apply(this.planner.planExtendedRight(target.dn, principal.sid, rightsGuid, allow, current));
    for (const l of this.rightListeners) l({ target, trusteeSid: principal.sid, rightsGuid, allow });
  }

  /** Applies a plan built elsewhere (federation objects): same all-or-nothing write, same change notice. */
  applyPlan(plan: Plan): Promise<void> {
    return this.apply(plan);
  }

  /** Takes over an organization read from the directory (see TopologyPlanner.adopt). */
  adopt(forest: ExchangeForestView): void {
    this.planner.adopt(forest);
    for (const l of this.changeListeners) l();
  }

  /** Refuses a plan that changes something when the directory is read-only, naming its first change. */
  private refuseIfReadOnly(plan: Plan): void {
    this.target.directory.refuseIfReadOnly(() => describePlan(plan));
  }

  private async apply(plan: Plan): Promise<void> {
    const dir = this.target.directory;
    if (plan.adds.length > 0 || plan.modifies.some((m) => m.modifications.length > 0) || plan.delete) this.refuseIfReadOnly(plan);
    const added: string[] = [];
    const undo: Array<{ dn: string; modifications: Modification[] }> = [];
    try {
      if (this.target.importEntries && plan.adds.length > 0) {
        await this.target.importEntries(plan.adds);
        added.push(...plan.adds.map((e) => e.dn));
      } else {
        // A server may work on pipelined requests in parallel (slapd does, on several threads), so a child
        // sent right behind its parent could arrive first: adds go one depth at a time, pipelined within a
        // depth. If any fails, every one that succeeded is undone below.
        for (const level of byDepth(plan.adds, (e) => e.dn)) {
          const results = await Promise.allSettled(level.map((entry) => dir.add(entry)));
          results.forEach((r, i) => r.status === 'fulfilled' && added.push(level[i].dn));
          const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
          if (failed) throw failed.reason;
        }
      }
      for (const m of plan.modifies) {
        if (m.modifications.length === 0) continue;
        const inverse = await this.inverseOf(m.dn, m.modifications);
        await dir.modify(m.dn, m.modifications);
        undo.push({ dn: m.dn, modifications: inverse });
      }
      if (plan.delete) await dir.del(plan.delete);
    } catch (err) {
      for (const m of undo.reverse()) await dir.modify(m.dn, m.modifications).catch(() => undefined);
      for (const dn of added.reverse()) await dir.del(dn).catch(() => undefined);
      throw err;
    }
    plan.commit();
    for (const l of this.changeListeners) l();
  }

  /** What puts the attributes back as they were, read before the change. */
  private async inverseOf(dn: string, modifications: readonly Modification[]): Promise<Modification[]> {
    const needsRead = modifications.some((m) => m.operation === 'replace');
    let before: Map<string, string[]> | undefined;
    if (needsRead) {
      const entry = await this.target.directory.read(dn, present(ATTR.objectClass), modifications.map((m) => m.attribute));
      before = new Map(modifications.map((m) => [m.attribute, entry?.all(m.attribute) ?? []]));
    }
    return modifications.map((m): Modification => {
      if (m.operation === 'add') return { operation: 'delete', attribute: m.attribute, values: m.values };
      if (m.operation === 'delete') return { operation: 'add', attribute: m.attribute, values: m.values };
      return { operation: 'replace', attribute: m.attribute, values: before!.get(m.attribute) ?? [] };
    });
  }
}

