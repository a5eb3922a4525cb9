// Steps that declare the topology: the forest and organization, sites, Exchange servers, virtual
// directories, databases, mailboxes, group memberships and rights, DNS, and servers that are down.
// They only parse; the engine validates and writes.

import { Given, type DataTable } from '@cucumber/cucumber';
import {
  AUTH_METHOD_BITS,
  CROSS_SITE_REDIRECT_TYPES,
  EXTENDED_RIGHTS,
  InputError,
  extensionAttribute,
  LEGACY_REDIRECT_TYPES,
  RELEASE_NAMES,
  SERVER_ROLE_BITS,
  releaseByName,
  type AuthMethodName,
  type OwaVirtualDirectoryChange,
  type ServerRoleName,
  type ServerSpec,
} from '@exchange-scenarios/engine';
import { located } from '../support/input-errors';
import { Table } from '../support/tables';
import { DEFAULT_PASSWORD, type ScenarioWorld } from '../support/world';

const ROLE_NAMES = Object.keys(SERVER_ROLE_BITS) as ServerRoleName[];
const LEGACY_ROLES = ['FrontEnd', 'BackEnd'] as const;
const AUTH_NAMES = Object.keys(AUTH_METHOD_BITS) as AuthMethodName[];

/** "Chicago, Dallas and Seattle" → ["Chicago", "Dallas", "Seattle"] */
export function nameList(text: string): string[] {
  return text.split(/\s*,\s*|\s+and\s+/).map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * Starts an organization in its own forest: the forest's DNS name becomes its domain (fourthcoffee.com →
 * DC=fourthcoffee,DC=com). Several organizations are several forests; the tables that follow apply to the
 * organization declared last.
 */
Given('the Exchange organization {string} in the forest {word}', async function (this: ScenarioWorld, name: string, forest: string) {
  await located(this.locator, () => this.sim.declareOrganization({ name, forestDomain: forest }));
});

/** One site or several: `site Chicago`, `sites Chicago and Dallas`, `sites Seattle, Chicago and Dallas`. */
Given(/^the Active Directory sites? (.+)$/, async function (this: ScenarioWorld, names: string) {
  await located(this.locator, () => this.sim.writer.addSites(nameList(names)));
});

/**
 * Columns: Name, Site, Version, Roles (or Role), and optionally Fqdn. Versions: Exchange 2003, Exchange 2007
 * (SP1–SP3), Exchange 2010 RTM, SP1 or SP2. Roles: Mailbox, ClientAccess, HubTransport, UnifiedMessaging,
 * Edge, comma-separated; an Exchange 2003 server is FrontEnd or BackEnd. A Client Access server gets an /owa
 * virtual directory as setup makes it, a Mailbox server a default database.
 */
async function declareServers(this: ScenarioWorld, table: DataTable): Promise<void> {
  await located(this.locator, () => {
    const t = new Table(table, { Name: { required: true }, Site: { required: true }, Version: { required: true }, Roles: { aliases: ['Role'] }, Fqdn: { aliases: ['FQDN'] } });
    const specs = t.map((row): ServerSpec => {
      let release;
      try {
        release = releaseByName(row.required('Version'));
      } catch (e) {
        throw new InputError((e as Error).message, { field: 'Version', value: row.get('Version'), accepted: RELEASE_NAMES });
      }
      const spec: ServerSpec = { name: row.required('Name'), site: row.required('Site'), release, roles: [], fqdn: row.get('Fqdn') };
      if (release.family === '2003') {
        const roles = row.list('Roles', LEGACY_ROLES) ?? ['BackEnd'];
        if (roles.length !== 1) throw new InputError('an Exchange 2003 server is either FrontEnd or BackEnd', { field: 'Roles', accepted: LEGACY_ROLES });
        spec.frontEnd = roles[0] === 'FrontEnd';
      } else {
        spec.roles = row.list('Roles', ROLE_NAMES) ?? [];
      }
      return spec;
    });
    return this.sim.writer.addServers(specs);
  });
}

/**
 * Column Server (or Identity as Exchange prints it: `DAL-CAS\owa (Default Web Site)`), then any of
 * InternalUrl, ExternalUrl, Authentication (both sides at once), InternalAuthenticationMethods,
 * ExternalAuthenticationMethods, Exchange2003Url, FailbackUrl, CrossSiteRedirectType, LegacyRedirectType,
 * TwoFactorAuthentication. Only the columns written change; `$null` clears a value, an empty cell leaves it.
 * On an Exchange 2003 server the row sets the authentication of its /Exchange virtual directory.
 */
async function declareOwaVirtualDirectories(this: ScenarioWorld, table: DataTable): Promise<void> {
  await located(this.locator, () => {
    const t = new Table(table, {
      Server: { required: true, aliases: ['Identity'] },
      InternalUrl: {},
      ExternalUrl: {},
      Authentication: {},
      InternalAuthenticationMethods: {},
      ExternalAuthenticationMethods: {},
      Exchange2003Url: {},
      FailbackUrl: {},
      CrossSiteRedirectType: {},
      LegacyRedirectType: {},
      TwoFactorAuthentication: {},
    });
    const changes = t.map((row): OwaVirtualDirectoryChange => {
      // Identity may be written as Exchange prints it: "DAL-CAS\owa (Default Web Site)".
      const server = row.required('Server').split('\\')[0];
      const both = row.list('Authentication', AUTH_NAMES);
      return {
        server,
        internalUrl: row.nullable('InternalUrl'),
        externalUrl: row.nullable('ExternalUrl'),
        internalAuthenticationMethods: row.list('InternalAuthenticationMethods', AUTH_NAMES) ?? both,
        externalAuthenticationMethods: row.list('ExternalAuthenticationMethods', AUTH_NAMES) ?? both,
        exchange2003Url: row.nullable('Exchange2003Url'),
        failbackUrl: row.nullable('FailbackUrl'),
        crossSiteRedirectType: row.oneOf('CrossSiteRedirectType', CROSS_SITE_REDIRECT_TYPES),
        legacyRedirectType: row.oneOf('LegacyRedirectType', LEGACY_REDIRECT_TYPES),
        twoFactorAuthentication: row.boolean('TwoFactorAuthentication'),
      };
    });
    return this.sim.writer.setOwaVirtualDirectories(changes);
  });
}

/** Columns: Name, Server (where it is mounted; or MountedOn), and optionally RpcClientAccessServer (Exchange 2010). */
async function declareDatabases(this: ScenarioWorld, table: DataTable): Promise<void> {
  await located(this.locator, () => {
    const t = new Table(table, { Name: { required: true }, Server: { required: true, aliases: ['MountedOn'] }, RpcClientAccessServer: {} });
    const specs = t.map((row) => ({ name: row.required('Name'), server: row.required('Server'), rpcClientAccessServer: row.get('RpcClientAccessServer') }));
    return this.sim.writer.addDatabases(specs);
  });
}

/** Mailbox table columns that set a recipient property a management scope's filter can read. */
const RECIPIENT_PROPERTIES: Record<string, string> = {
  Department: 'department',
  Company: 'company',
  Title: 'title',
  ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`CustomAttribute${i + 1}`, extensionAttribute(i + 1)])),
};

/** LinkedMasterAccount as Exchange shows it, DOMAIN\user: the account of that name in the forest of that NetBIOS name. */
function masterAccountSid(world: ScenarioWorld, value: string): string {
  const m = /^([^\\]+)\\(.+)$/.exec(value);
  const forests = world.sim.organizations.filter((o) => o.name).map((o) => o.layout.netbiosName);
  if (!m) throw new InputError(`"${value}" is not DOMAIN\\user`, { field: 'LinkedMasterAccount', value, accepted: forests });
  const org = world.sim.organizations.find((o) => o.name && o.layout.netbiosName.toLowerCase() === m[1].toLowerCase());
  if (!org) throw new InputError(`"${m[1]}" is not the NetBIOS name of a forest of this scenario`, { field: 'LinkedMasterAccount', value, accepted: forests });
  return org.writer.planner.principal(m[2], 'LinkedMasterAccount').sid;
}

/**
 * Columns: Name (the alias; or User, Alias), then Server (its default database) or Database; optionally
 * UserPrincipalName, PrimarySmtpAddress, DisplayName, EmailAddresses (further SMTP addresses), Department,
 * Company, Title, CustomAttribute1 to CustomAttribute15, and LinkedMasterAccount (`CORP\alice`: a linked
 * mailbox whose account is in another forest of the scenario). Every user gets the scenario's password.
 */
async function declareMailboxes(this: ScenarioWorld, table: DataTable): Promise<void> {
  await located(this.locator, () => {
    const t = new Table(table, {
      Name: { required: true, aliases: ['User', 'Alias'] },
      Server: {},
      Database: {},
      UserPrincipalName: {},
      PrimarySmtpAddress: {},
      DisplayName: {},
      EmailAddresses: {},
      LinkedMasterAccount: {},
      ...Object.fromEntries(Object.keys(RECIPIENT_PROPERTIES).map((k) => [k, {}])),
    });
    const specs = t.map((row) => ({
      alias: row.required('Name'),
      server: row.get('Server'),
      database: row.get('Database'),
      userPrincipalName: row.get('UserPrincipalName'),
      primarySmtpAddress: row.get('PrimarySmtpAddress'),
      displayName: row.get('DisplayName'),
      password: DEFAULT_PASSWORD,
      emailAddresses: row.get('EmailAddresses') ? nameList(row.get('EmailAddresses')!) : undefined,
      properties: Object.fromEntries(Object.entries(RECIPIENT_PROPERTIES).filter(([column]) => row.get(column) !== undefined).map(([column, attribute]) => [attribute, row.get(column)!])),
      masterAccountSid: row.get('LinkedMasterAccount') ? masterAccountSid(this, row.get('LinkedMasterAccount')!) : undefined,
    }));
    return this.sim.writer.addMailboxes(specs);
  });
}

/** A server's computer account in (or taken out of) the group Exchange setup puts it in; proxying and Receive-As depend on it. */
Given(/^(\S+) is (not )?a member of (Exchange Domain Servers|Exchange Servers)$/, async function (this: ScenarioWorld, server: string, not: string | undefined, group: 'Exchange Domain Servers' | 'Exchange Servers') {
  await located(this.locator, () => this.sim.writer.setGroupMembership(server, group, !not));
});

/** A Deny of the extended right a CAS needs to proxy a user's security context to another CAS (proxyLogon.owa). */
Given('{word} is denied ms-Exch-EPI-Token-Serialization on {word}', async function (this: ScenarioWorld, trustee: string, target: string) {
  await located(this.locator, () => this.sim.writer.setExtendedRightOnServer(target, trustee, EXTENDED_RIGHTS.tokenSerialization, false));
});

/** A name answered by several servers, round robin in the order written (`CHI-CAS, DAL-CAS`); a browser keeps its first answer. */
Given(/^DNS resolves (\S+) to (.+)$/, async function (this: ScenarioWorld, host: string, servers: string) {
  await located(this.locator, () => {
    const names = nameList(servers);
    // Any organization's server (a partner's published name is in the same simulated DNS).
    for (const n of names) if (!this.sim.organizationOfServer(n) && !this.sim.network.hasServer(n)) this.sim.writer.planner.server(n);
    this.sim.network.setDnsRecord(host, names);
  });
});

/** A reverse proxy (ISA/TMG) that asks for credentials with its own form, then publishes each namespace. Columns: Namespace, Listener, Server. */
Given('the reverse proxy {string} pre-authenticates with forms and publishes:', async function (this: ScenarioWorld, name: string, table: DataTable) {
  await located(this.locator, () => {
    const t = new Table(table, { Namespace: { required: true }, Listener: { required: true }, Server: { required: true } });
    const rules = t.map((row) => ({ namespace: row.required('Namespace'), listener: row.required('Listener'), server: row.required('Server') }));
    return this.sim.publishThroughReverseProxy(name, rules);
  });
});

/** The server stays in the directory, but nothing answers at its names. */
Given('{word} is not responding', async function (this: ScenarioWorld, server: string) {
  await located(this.locator, () => {
    this.sim.writer.planner.server(server);
    this.sim.network.setDown(server, true);
  });
});

/** The table declarations, by step text: registered as steps, and reused by steps that expect a refusal. */
export const declarations: Record<string, (this: ScenarioWorld, table: DataTable) => Promise<void>> = {
  'these Exchange servers:': declareServers,
  'these OWA virtual directories:': declareOwaVirtualDirectories,
  'these mailbox databases:': declareDatabases,
  'these mailboxes:': declareMailboxes,
};
// Written out one by one, not in a loop over the map: editors (VS Code's Cucumber extension) find steps by
// their literal text.
Given('these Exchange servers:', declareServers);
Given('these OWA virtual directories:', declareOwaVirtualDirectories);
Given('these mailbox databases:', declareDatabases);
Given('these mailboxes:', declareMailboxes);
