// The Exchange Management Shell cmdlets of impersonation, run against one organization, parsed by
// shell/command-line:
//   Exchange 2007   Add-ADPermission / Remove-ADPermission -ExtendedRights ms-Exch-EPI-Impersonation |
//                   ms-Exch-EPI-May-Impersonate (and Receive-As, Send-As) [-Deny], on a server, a database, a
//                   storage group or an account, named by -Identity or piped from Get-ExchangeServer,
//                   Get-MailboxDatabase, Get-StorageGroup, Get-Mailbox; Get-ADPermission, Get-MailboxPermission
//   Exchange 2010   New-/Get-ManagementScope, New-/Get-/Remove-ManagementRoleAssignment (rbac.ts)
//   Folders         New-MailboxFolder, Add-/Set-/Get-MailboxFolderPermission (mailbox-store.ts)
//
// A script is checked whole before its first statement runs: every statement is parsed and bound, and its
// values checked — the extended right's name, the role, the scope's OPATH filter, required parameters and
// contradictions (-User with -SecurityGroup), and every identity against the organization as the statements
// before it will have left it (a scope, an assignment, a folder or a permission entry an earlier statement
// creates or removes). So a mistake anywhere applies nothing. Nothing here goes over the network: once the
// checks pass, every statement applies.

import { InputError, acceptedList, unknownName } from '../errors';
import { isNoSuchObject } from '../directory/client';
import { firstRdnValue } from '../directory/dn';
import { eq, present } from '../directory/filter';
import { ATTR, EXTENDED_RIGHTS, OBJECT_CLASS } from '../directory/schema';
import { parseSddl } from '../directory/security';
import {
  asBoolean,
  asEnum,
  asString,
  asStringArray,
  bindParameters,
  describeShellValue,
  parseShell,
  placedInStatement,
  scriptStopped,
  type ShellInvocation,
  type ShellValue,
} from '../shell/command-line';
import type { ExchangeOrganization } from '../simulation';
import type { Impersonation } from './impersonation';
import { IMPERSONATION_RIGHTS } from './impersonation';
import { parseAccessRights, type Mailbox } from './mailbox-store';
import { opathToLdap } from './opath';
import { MANAGEMENT_ROLES, checkName, getManagementRoleAssignments, newManagementRoleAssignment, newManagementScope, organizationalRoot, rbacDns, removeManagementRoleAssignment } from './rbac';

/** Every extended right Add-ADPermission takes here: impersonation's, and the mailbox rights a presence gateway needs. */
const AD_RIGHTS: Record<string, string> = { ...IMPERSONATION_RIGHTS, 'Receive-As': EXTENDED_RIGHTS.receiveAs, 'Send-As': EXTENDED_RIGHTS.sendAs };
/** -AccessRights: an extended right is the only kind of entry modelled. */
const ACCESS_RIGHTS = ['ExtendedRight'] as const;
/** -InheritanceType: entries reach the objects below (a database's mailboxes), as the default All does. */
const INHERITANCE_TYPES = ['All'] as const;

export interface ImpersonationShellOutput {
  records: Array<Record<string, string>>;
  lines: string[];
}

type Params = Map<string, ShellValue>;
type Piped = { kind: 'identities'; names: string[] } | { kind: 'none' };
interface Env {
  org: ExchangeOrganization;
  impersonation: Impersonation;
}

/** An extended-right entry as the security descriptor holds it. */
interface Ace {
  allow: boolean;
  guid: string;
  sid: string;
}

/** The organization as the statements before the one being checked will have left it. */
interface ScriptPlan {
  /** Extended-right entries by object DN, read when a statement first needs them. */
  aces: Map<string, Ace[]>;
  scopes: string[];
  assignments: string[];
  /** Folders New-MailboxFolder will create: "<owner SID>|<path>", lower case. */
  newFolders: Set<string>;
}

interface CheckContext extends Env {
  script: ScriptPlan;
  previous?: string;
}

interface Cmdlet {
  parameters: readonly string[];
  positional?: readonly string[];
  enums?: Record<string, readonly string[]>;
  /** Whether objects piped from a Get- cmdlet name what it works on. */
  takesIdentities?: boolean;
  /** Checks the values against the organization as the script will have left it, and records what it changes. */
  check(p: Params, c: CheckContext, input: Piped): Promise<Piped | void>;
  run(p: Params, env: Env, input: Piped): Promise<{ output?: ImpersonationShellOutput; piped?: Piped }>;
}

function opt(p: Params, cmdlet: string, name: string): string | undefined {
  return p.has(name) ? asString(p.get(name), cmdlet, name) : undefined;
}

function text(p: Params, cmdlet: string, name: string): string {
  return asString(p.get(name), cmdlet, name);
}

function optBool(p: Params, cmdlet: string, name: string): boolean | undefined {
  return p.has(name) ? asBoolean(p.get(name), cmdlet, name) : undefined;
}

function records(list: Array<Record<string, string>>): ImpersonationShellOutput {
  return { records: list, lines: [] };
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** -ExtendedRights: one right or a list (Send-As,Receive-As), by the names administrators type. */
function extendedRights(p: Params, cmdlet: string): string[] {
  if (!p.has('ExtendedRights')) throw new InputError(`${cmdlet} needs -ExtendedRights; accepted: ${acceptedList(Object.keys(AD_RIGHTS))}`, { field: 'ExtendedRights', accepted: Object.keys(AD_RIGHTS) });
  return asStringArray(p.get('ExtendedRights'), cmdlet, 'ExtendedRights').map((written) => {
    const name = Object.keys(AD_RIGHTS).find((k) => same(k, written));
    if (!name) throw new InputError(`${cmdlet} -ExtendedRights "${written}" is not an extended right modelled here; accepted: ${acceptedList(Object.keys(AD_RIGHTS))}`, { field: 'ExtendedRights', value: written, accepted: Object.keys(AD_RIGHTS) });
    return name;
  });
}

/** The values of Add-/Remove-ADPermission that do not name an object. */
function permissionValues(p: Params, cmdlet: string, org: ExchangeOrganization): { rights: string[]; principal: { name: string; sid: string }; deny: boolean } {
  const principal = org.writer.planner.principal(text(p, cmdlet, 'User'), 'User');
  const rights = extendedRights(p, cmdlet);
  const deny = optBool(p, cmdlet, 'Deny') ?? false;
  if (p.has('AccessRights')) for (const r of asStringArray(p.get('AccessRights'), cmdlet, 'AccessRights')) asEnum(r, cmdlet, 'AccessRights', ACCESS_RIGHTS);
  if (p.has('InheritanceType')) asEnum(p.get('InheritanceType'), cmdlet, 'InheritanceType', INHERITANCE_TYPES);
  return { rights, principal, deny };
}

/** -Identity, or the objects piped in (one call per object, as the shell does). */
function identities(p: Params, cmdlet: string, input: Piped): string[] {
  if (p.has('Identity')) return [text(p, cmdlet, 'Identity')];
  if (input.kind === 'identities') return input.names;
  throw new InputError(`${cmdlet} needs -Identity (a server, mailbox database, storage group or account), or objects piped from Get-ExchangeServer, Get-MailboxDatabase, Get-StorageGroup or Get-Mailbox`, { field: 'Identity' });
}

/** The objects an Add-/Remove-ADPermission works on, each one the directory holds; none piped is a mistake, not a no-op. */
function targetsOf(p: Params, cmdlet: string, input: Piped, org: ExchangeOrganization, previous: string | undefined) {
  const names = identities(p, cmdlet, input);
  if (names.length === 0) throw new InputError(`${previous} finds nothing to pipe into ${cmdlet}`, { field: 'Identity' });
  return names.map((n) => org.writer.planner.rightsTarget(n));
}

/** The extended-right entries on an object, as the script will have left them. */
async function acesOf(script: ScriptPlan, org: ExchangeOrganization, dn: string): Promise<Ace[]> {
  let aces = script.aces.get(dn.toLowerCase());
  if (!aces) {
    const entry = (await org.directory.lookup(dn, present(ATTR.objectClass), 'base', [ATTR.securityDescriptor]))[0];
    aces = parseSddl(entry?.get(ATTR.securityDescriptor) ?? 'D:').aces.filter((a) => a.objectGuid).map((a) => ({ allow: !a.type.endsWith('D'), guid: a.objectGuid!.toLowerCase(), sid: a.trustee.toUpperCase() }));
    script.aces.set(dn.toLowerCase(), aces);
  }
  return aces;
}

/** The names of the objects of a class under an RBAC container (none when RBAC has nothing yet). */
async function namesUnder(org: ExchangeOrganization, base: string, objectClass: string): Promise<string[]> {
  try {
    return (await org.directory.lookup(base, eq(ATTR.objectClass, objectClass), 'one', [ATTR.cn])).map((e) => e.get(ATTR.cn) ?? firstRdnValue(e.dn));
  } catch (e) {
    if (isNoSuchObject(e)) return [];
    throw e;
  }
}

function roleOf(p: Params, cmdlet: string): string {
  const written = text(p, cmdlet, 'Role');
  const role = MANAGEMENT_ROLES.find((r) => same(r, written));
  if (!role) throw new InputError(`"${written}" is not a management role modelled here; accepted: ${acceptedList(MANAGEMENT_ROLES)}`, { field: 'Role', value: written, accepted: MANAGEMENT_ROLES });
  return role;
}

/** "alice:\Inbox\Project X" → the mailbox and the folder path; the folder must exist or be made earlier in the script. */
async function folderOf(identity: string, parameter: string, c: Pick<CheckContext, 'org' | 'impersonation'> & { script?: ScriptPlan }): Promise<{ mailbox: Mailbox; path: string }> {
  const m = /^([^:]+):(\\.*)?$/.exec(identity.trim());
  if (!m) throw new InputError(`"${identity}" is not a folder identity of the form alice:\\Calendar or alice@contoso.com:\\Inbox\\Project`, { field: parameter, value: identity });
  const { mailbox } = await c.impersonation.mailbox(c.org, m[1]).catch((e: unknown) => {
    throw e instanceof InputError ? new InputError(e.message, { ...e.problem, field: parameter }) : e;
  });
  const path = (m[2] ?? '\\').replace(/^\\+/, '').replace(/\\+$/, '');
  if (!mailbox.folderAtPath(path) && !c.script?.newFolders.has(`${mailbox.owner.sid}|${path}`.toLowerCase())) {
    throw new InputError(`${identity}: ${mailbox.owner.address} has no folder "${path}"`, { field: parameter, value: identity });
  }
  return { mailbox, path };
}

/** -User of a folder permission: Default, Anonymous, or an account or group. */
function folderTrustee(p: Params, cmdlet: string, org: ExchangeOrganization): void {
  const user = text(p, cmdlet, 'User');
  if (!['default', 'anonymous'].includes(user.toLowerCase())) org.writer.planner.principal(user, 'User');
}

/** -AccessRights Editor, or a list of rights (CreateItems,EditOwnedItems). */
function rightsText(v: ShellValue | undefined, cmdlet: string): string {
  if (Array.isArray(v)) return v.map((x) => asString(x, cmdlet, 'AccessRights')).join(',');
  return asString(v, cmdlet, 'AccessRights');
}

/** DOMAIN\name of a SID the planner knows, or the SID. */
function accountName(org: ExchangeOrganization, sid: string): string {
  const p = org.writer.planner;
  const all = [...p.accounts.values(), ...p.groups.values(), ...[...p.mailboxes.values()].map((m) => ({ name: m.alias, sid: m.sid }))];
  const found = all.find((a) => a.sid.toUpperCase() === sid.toUpperCase());
  return found ? `${org.layout.netbiosName}\\${found.name}` : sid;
}

/** A DN as Exchange shows a recipient root: contoso.com/Users. */
function canonicalName(dn: string): string {
  const parts = dn.split(/(?<!\\),/).map((r) => r.split('='));
  const domain = parts.filter(([k]) => k.toUpperCase() === 'DC').map(([, v]) => v).join('.');
  return [domain, ...parts.filter(([k]) => k.toUpperCase() !== 'DC').map(([, v]) => v).reverse()].join('/');
}

function mailboxesMatching(org: ExchangeOrganization, identity: string | undefined) {
  return [...org.writer.planner.mailboxes.values()].filter((m) => !identity || [m.alias, m.primarySmtpAddress, m.userPrincipalName, m.displayName ?? ''].some((x) => same(x, identity)));
}

const PERMISSION = ['Identity', 'User', 'ExtendedRights', 'Deny', 'AccessRights', 'InheritanceType'];
const PERMISSION_ENUMS = { AccessRights: ACCESS_RIGHTS, InheritanceType: INHERITANCE_TYPES, ExtendedRights: Object.keys(AD_RIGHTS) };

const CMDLETS: Record<string, Cmdlet> = {
  'Get-ExchangeServer': {
    parameters: ['Identity'],
    positional: ['Identity'],
    async check(p, { org }) {
      const only = opt(p, 'Get-ExchangeServer', 'Identity');
      return { kind: 'identities', names: only ? [org.writer.planner.server(only, 'Identity').name] : org.writer.planner.serverNames() };
    },
    async run(p, { org }) {
      const only = opt(p, 'Get-ExchangeServer', 'Identity');
      const servers = [...org.writer.planner.servers.values()].filter((s) => !only || same(s.name, only));
      return { output: records(servers.map((s) => ({ Name: s.name, DistinguishedName: s.dn }))), piped: { kind: 'identities', names: servers.map((s) => s.name) } };
    },
  },
  'Get-MailboxDatabase': {
    parameters: ['Identity', 'Server'],
    positional: ['Identity'],
    async check(p, { org }) {
      const c = 'Get-MailboxDatabase';
      const only = opt(p, c, 'Identity');
      if (only) org.writer.planner.database(only, 'Identity');
      const server = opt(p, c, 'Server');
      if (server) org.writer.planner.server(server, 'Server');
      const names = databases(org, only, server).map((d) => d.name);
      if (server && names.length === 0) throw new InputError(`${server} holds no mailbox database: it is not a Mailbox server`, { field: 'Server', value: server });
      return { kind: 'identities', names };
    },
    async run(p, { org }) {
      const dbs = databases(org, opt(p, 'Get-MailboxDatabase', 'Identity'), opt(p, 'Get-MailboxDatabase', 'Server'));
      return { output: records(dbs.map((d) => ({ Name: d.name, Server: d.server }))), piped: { kind: 'identities', names: dbs.map((d) => d.name) } };
    },
  },
  'Get-Mailbox': {
    parameters: ['Identity'],
    positional: ['Identity'],
    async check(p, { org }) {
      const only = opt(p, 'Get-Mailbox', 'Identity');
      const found = mailboxesMatching(org, only);
      if (only && found.length === 0) throw new InputError(`no mailbox is named ${only}; accepted: ${acceptedList(mailboxesMatching(org, undefined).map((m) => m.alias))}`, { field: 'Identity', value: only });
      return { kind: 'identities', names: found.map((m) => m.alias) };
    },
    async run(p, { org }) {
      const found = mailboxesMatching(org, opt(p, 'Get-Mailbox', 'Identity'));
      return { output: records(found.map((m) => ({ Name: m.alias, PrimarySmtpAddress: m.primarySmtpAddress, Database: m.database }))), piped: { kind: 'identities', names: found.map((m) => m.alias) } };
    },
  },
  'Get-StorageGroup': {
    parameters: ['Identity', 'Server'],
    positional: ['Identity'],
    async check(p, { org }) {
      const c = 'Get-StorageGroup';
      const server = opt(p, c, 'Server');
      if (server) org.writer.planner.server(server, 'Server');
      const only = opt(p, c, 'Identity');
      const groups = storageGroups(org, only, server);
      const all = storageGroups(org, undefined, undefined).map((g) => `${g.server}\\${g.name}`);
      if (only && groups.length === 0) throw new InputError(`"${only}" is not a storage group of ${org.name}; accepted: ${acceptedList(all)}`, { field: 'Identity', value: only, accepted: all });
      // Exchange 2010 has mailbox databases and no storage groups: an empty pipeline would grant nothing, silently.
      if (groups.length === 0) throw new InputError(`${server ?? org.name} has no storage group: storage groups are Exchange 2003's and 2007's; on Exchange 2010 use Get-MailboxDatabase`, { field: server ? 'Server' : 'Identity' });
      return { kind: 'identities', names: groups.map((g) => `${g.server}\\${g.name}`) };
    },
    async run(p, { org }) {
      const groups = storageGroups(org, opt(p, 'Get-StorageGroup', 'Identity'), opt(p, 'Get-StorageGroup', 'Server'));
      return { output: records(groups.map((g) => ({ Identity: `${g.server}\\${g.name}`, Server: g.server }))), piped: { kind: 'identities', names: groups.map((g) => `${g.server}\\${g.name}`) } };
    },
  },
  'Get-ADPermission': {
    parameters: ['Identity', 'User'],
    positional: ['Identity'],
    async check(p, { org }) {
      org.writer.planner.rightsTarget(text(p, 'Get-ADPermission', 'Identity'));
      const user = opt(p, 'Get-ADPermission', 'User');
      if (user) org.writer.planner.principal(user, 'User');
    },
    async run(p, { org }) {
      const target = org.writer.planner.rightsTarget(text(p, 'Get-ADPermission', 'Identity'));
      const user = opt(p, 'Get-ADPermission', 'User');
      const only = user ? org.writer.planner.principal(user).sid.toUpperCase() : undefined;
      const entry = (await org.directory.lookup(target.dn, present(ATTR.objectClass), 'base', [ATTR.securityDescriptor]))[0];
      const aces = parseSddl(entry?.get(ATTR.securityDescriptor) ?? 'D:').aces.filter((a) => !only || a.trustee.toUpperCase() === only);
      const nameOfRight = (guid: string) => Object.entries(AD_RIGHTS).find(([, g]) => g === guid)?.[0] ?? guid;
      // A storage group is shown as SERVER\Storage Group (its name already says so); other objects by domain.
      const identity = target.kind === 'storageGroup' ? target.name : `${org.layout.netbiosName}\\${target.name}`;
      const out = aces.map((a) => ({ Identity: identity, User: accountName(org, a.trustee), Deny: a.type.endsWith('D') ? 'True' : 'False', Inherited: 'False', Rights: nameOfRight(a.objectGuid) }));
      return { output: records(out) };
    },
  },
  'Get-MailboxPermission': {
    parameters: ['Identity', 'User'],
    positional: ['Identity'],
    async check(p, { org }) {
      const identity = text(p, 'Get-MailboxPermission', 'Identity');
      const target = org.writer.planner.rightsTarget(identity);
      if (!mailboxesMatching(org, undefined).some((m) => m.dn === target.dn)) throw new InputError(`${identity} is not a mailbox`, { field: 'Identity', value: identity });
      const user = opt(p, 'Get-MailboxPermission', 'User');
      if (user) org.writer.planner.principal(user, 'User');
    },
    async run(p, { org }) {
      // The store's view: a Receive-As on the database or storage group shows as inherited FullAccess, once it has flowed down.
      const target = org.writer.planner.rightsTarget(text(p, 'Get-MailboxPermission', 'Identity'));
      const mailbox = mailboxesMatching(org, undefined).find((m) => m.dn === target.dn)!;
      const user = opt(p, 'Get-MailboxPermission', 'User');
      const only = user ? org.writer.planner.principal(user).sid.toUpperCase() : undefined;
      const database = org.writer.planner.databases.get(mailbox.database.toLowerCase())!;
      const containers = [database.dn, database.dn.split(/(?<!\\),/).slice(1).join(',')].filter((dn) => /^CN=/i.test(dn) && !/^CN=Databases,/i.test(dn));
      const out: Array<Record<string, string>> = [];
      for (const dn of containers) {
        const entry = (await org.directory.lookup(dn, present(ATTR.objectClass), 'base', [ATTR.securityDescriptor]))[0];
        for (const a of parseSddl(entry?.get(ATTR.securityDescriptor) ?? 'D:').aces) {
          if (a.objectGuid !== EXTENDED_RIGHTS.receiveAs || (only && a.trustee.toUpperCase() !== only)) continue;
          if (!org.storePermissions.flowed(dn, a.trustee)) continue;
          const who = accountName(org, a.trustee);
          if (out.some((r) => r.User === who)) continue;
          out.push({ Identity: `${org.layout.forestDomain}/Users/${mailbox.displayName ?? mailbox.alias}`, User: who, AccessRights: '{FullAccess}', IsInherited: 'True', Deny: a.type.endsWith('D') ? 'True' : 'False' });
        }
      }
      return { output: records(out) };
    },
  },
  'Format-Table': {
    parameters: ['AutoSize', 'Property'],
    positional: ['Property'],
    takesIdentities: true,
    async check(p, _c, input) {
      optBool(p, 'Format-Table', 'AutoSize');
      if (p.has('Property')) asStringArray(p.get('Property'), 'Format-Table', 'Property');
      return input;
    },
    async run() {
      return {};
    },
  },
  'Add-ADPermission': {
    parameters: PERMISSION,
    positional: ['Identity'],
    enums: PERMISSION_ENUMS,
    takesIdentities: true,
    async check(p, { org, script, previous }, input) {
      const c = 'Add-ADPermission';
      const targets = targetsOf(p, c, input, org, previous);
      const { rights, principal, deny } = permissionValues(p, c, org);
      for (const target of targets) {
        const aces = await acesOf(script, org, target.dn);
        for (const right of rights) aces.push({ allow: !deny, guid: AD_RIGHTS[right].toLowerCase(), sid: principal.sid.toUpperCase() });
      }
    },
    async run(p, { org }, input) {
      const c = 'Add-ADPermission';
      const rights = extendedRights(p, c);
      const user = text(p, c, 'User');
      const deny = optBool(p, c, 'Deny') ?? false;
      const out: Array<Record<string, string>> = [];
      for (const identity of identities(p, c, input)) {
        for (const right of rights) {
          await org.writer.setExtendedRight(identity, user, AD_RIGHTS[right], !deny);
          out.push({ Identity: identity, User: user, Deny: deny ? 'True' : 'False', ExtendedRights: right });
        }
      }
      return { output: records(out) };
    },
  },
  'Remove-ADPermission': {
    parameters: [...PERMISSION, 'Confirm'],
    positional: ['Identity'],
    enums: PERMISSION_ENUMS,
    takesIdentities: true,
    async check(p, { org, script, previous }, input) {
      const c = 'Remove-ADPermission';
      const targets = targetsOf(p, c, input, org, previous);
      const { rights, principal, deny } = permissionValues(p, c, org);
      optBool(p, c, 'Confirm');
      for (const target of targets) {
        const aces = await acesOf(script, org, target.dn);
        for (const right of rights) {
          const guid = AD_RIGHTS[right].toLowerCase();
          const matches = (a: Ace) => a.allow === !deny && a.guid === guid && a.sid === principal.sid.toUpperCase();
          if (!aces.some(matches)) throw new InputError(`${target.name} has no ${deny ? 'deny' : 'allow'} entry for ${principal.name} with ${right} to remove`, { field: 'User', value: principal.name });
          script.aces.set(target.dn.toLowerCase(), aces.filter((a) => !matches(a)));
        }
      }
    },
    async run(p, { org }, input) {
      const c = 'Remove-ADPermission';
      const rights = extendedRights(p, c);
      const user = text(p, c, 'User');
      const deny = optBool(p, c, 'Deny') ?? false;
      for (const identity of identities(p, c, input)) for (const right of rights) await org.writer.removeExtendedRight(identity, user, AD_RIGHTS[right], !deny);
      return {};
    },
  },
  'New-ManagementScope': {
    parameters: ['Name', 'RecipientRestrictionFilter', 'RecipientRoot'],
    async check(p, { org, script }) {
      const c = 'New-ManagementScope';
      const name = text(p, c, 'Name');
      checkName('management scope', name);
      // Parsed and turned into LDAP as the cmdlet does, with the databases a Database filter may name.
      const databasesByName = new Map([...org.writer.planner.databases.values()].map((d) => [d.name.toLowerCase(), d.dn]));
      try {
        opathToLdap(text(p, c, 'RecipientRestrictionFilter'), { resolveDn: (_p, v) => databasesByName.get(v.toLowerCase()) });
      } catch (e) {
        throw e instanceof InputError ? new InputError(e.message, { ...e.problem, field: 'RecipientRestrictionFilter' }) : e;
      }
      const root = opt(p, c, 'RecipientRoot');
      if (root !== undefined) organizationalRoot(org, root);
      if (script.scopes.some((s) => same(s, name))) throw new InputError(`a management scope named "${name}" already exists`, { field: 'Name', value: name });
      script.scopes.push(name);
    },
    async run(p, { org }) {
      const c = 'New-ManagementScope';
      return { output: records([await newManagementScope(org, { name: text(p, c, 'Name'), recipientRestrictionFilter: text(p, c, 'RecipientRestrictionFilter'), recipientRoot: opt(p, c, 'RecipientRoot') })]) };
    },
  },
  'Get-ManagementScope': {
    parameters: ['Identity'],
    positional: ['Identity'],
    async check(p, { script }) {
      const identity = opt(p, 'Get-ManagementScope', 'Identity');
      if (identity !== undefined && !script.scopes.some((s) => same(s, identity))) throw unknownName('a management scope', identity, script.scopes, 'Identity');
    },
    async run(p, { org }) {
      const identity = opt(p, 'Get-ManagementScope', 'Identity');
      let found: Array<{ get(a: string): string | undefined; dn: string }>;
      try {
        found = await org.directory.lookup(rbacDns(org).scopes, eq(ATTR.objectClass, OBJECT_CLASS.managementScope), 'one', [ATTR.cn, ATTR.queryFilter, ATTR.scopeRoot]);
      } catch (e) {
        if (!isNoSuchObject(e)) throw e;
        found = [];
      }
      const shown = found
        .map((e) => ({ Name: e.get(ATTR.cn) ?? firstRdnValue(e.dn), ScopeRestrictionType: 'RecipientScope', Exclusive: 'False', RecipientRoot: e.get(ATTR.scopeRoot) ? canonicalName(e.get(ATTR.scopeRoot)!) : '', RecipientFilter: e.get(ATTR.queryFilter) ?? '' }))
        .filter((r) => identity === undefined || same(r.Name, identity))
        .sort((a, b) => a.Name.localeCompare(b.Name));
      return { output: records(shown) };
    },
  },
  'New-ManagementRoleAssignment': {
    parameters: ['Name', 'Role', 'User', 'SecurityGroup', 'CustomRecipientWriteScope'],
    async check(p, { org, script }) {
      const c = 'New-ManagementRoleAssignment';
      const role = roleOf(p, c);
      const user = opt(p, c, 'User');
      const group = opt(p, c, 'SecurityGroup');
      if (user !== undefined && group !== undefined) throw new InputError(`${c} takes -User or -SecurityGroup, not both: an assignment has one assignee`, { field: 'SecurityGroup', value: group });
      if (user === undefined && group === undefined) throw new InputError(`${c} needs -User (an account) or -SecurityGroup (a group)`, { field: 'User' });
      const planner = org.writer.planner;
      const assignee = user !== undefined ? planner.principal(user, 'User') : planner.principal(group!, 'SecurityGroup');
      if (group !== undefined && !planner.groups.has(assignee.name.toLowerCase())) {
        throw new InputError(`${group} is not a security group`, { field: 'SecurityGroup', value: group, accepted: [...planner.groups.values()].map((g) => g.name) });
      }
      const name = opt(p, c, 'Name') ?? `${role}-${assignee.name}`;
      checkName('management role assignment', name);
      if (script.assignments.some((a) => same(a, name))) throw new InputError(`a management role assignment named "${name}" already exists`, { field: 'Name', value: name });
      const scope = opt(p, c, 'CustomRecipientWriteScope');
      if (scope !== undefined && !script.scopes.some((s) => same(s, scope))) throw unknownName('a management scope', scope, script.scopes, 'CustomRecipientWriteScope');
      script.assignments.push(name);
    },
    async run(p, { org }) {
      const c = 'New-ManagementRoleAssignment';
      const record = await newManagementRoleAssignment(org, {
        name: opt(p, c, 'Name'),
        role: text(p, c, 'Role'),
        user: opt(p, c, 'User'),
        securityGroup: opt(p, c, 'SecurityGroup'),
        customRecipientWriteScope: opt(p, c, 'CustomRecipientWriteScope'),
      });
      return { output: records([record]) };
    },
  },
  'Get-ManagementRoleAssignment': {
    parameters: ['Role', 'Identity'],
    positional: ['Identity'],
    async check(p, { script }) {
      if (p.has('Role')) roleOf(p, 'Get-ManagementRoleAssignment');
      const identity = opt(p, 'Get-ManagementRoleAssignment', 'Identity');
      if (identity !== undefined && !script.assignments.some((a) => same(a, identity))) throw unknownName('a management role assignment', identity, script.assignments, 'Identity');
    },
    async run(p, { org }) {
      const role = opt(p, 'Get-ManagementRoleAssignment', 'Role');
      const identity = opt(p, 'Get-ManagementRoleAssignment', 'Identity');
      const all = await getManagementRoleAssignments(org);
      return { output: records(all.filter((a) => (!role || same(a.Role, role)) && (!identity || same(a.Name, identity)))) };
    },
  },
  'Remove-ManagementRoleAssignment': {
    parameters: ['Identity', 'Confirm'],
    positional: ['Identity'],
    async check(p, { script }) {
      const c = 'Remove-ManagementRoleAssignment';
      const identity = text(p, c, 'Identity');
      optBool(p, c, 'Confirm');
      if (!script.assignments.some((a) => same(a, identity))) throw unknownName('a management role assignment', identity, script.assignments, 'Identity');
      script.assignments = script.assignments.filter((a) => !same(a, identity));
    },
    async run(p, { org }) {
      await removeManagementRoleAssignment(org, text(p, 'Remove-ManagementRoleAssignment', 'Identity'));
      return {};
    },
  },
  'New-MailboxFolder': {
    parameters: ['Parent', 'Name'],
    async check(p, c) {
      const { mailbox, path } = await folderOf(text(p, 'New-MailboxFolder', 'Parent'), 'Parent', c);
      const name = text(p, 'New-MailboxFolder', 'Name');
      if (/[\\/]/.test(name)) throw new InputError(`"${name}" is a path; -Name is one folder's name, and -Parent says where it goes`, { field: 'Name', value: name });
      const full = (path ? `${path}\\${name}` : name).toLowerCase();
      const key = `${mailbox.owner.sid}|${full}`.toLowerCase();
      if (mailbox.folderAtPath(full) || c.script.newFolders.has(key)) throw new InputError(`${text(p, 'New-MailboxFolder', 'Parent')}\\${name} already exists`, { field: 'Name', value: name });
      c.script.newFolders.add(key);
    },
    async run(p, { org, impersonation }) {
      const path = await impersonation.newMailboxFolder(org, text(p, 'New-MailboxFolder', 'Parent'), text(p, 'New-MailboxFolder', 'Name'));
      return { output: records([{ Name: path.split('\\').pop() ?? path, FolderPath: path }]) };
    },
  },
  'Add-MailboxFolderPermission': folderPermission('Add-MailboxFolderPermission'),
  'Set-MailboxFolderPermission': folderPermission('Set-MailboxFolderPermission'),
  'Get-MailboxFolderPermission': {
    parameters: ['Identity', 'User'],
    positional: ['Identity'],
    async check(p, c) {
      await folderOf(text(p, 'Get-MailboxFolderPermission', 'Identity'), 'Identity', c);
      if (p.has('User')) folderTrustee(p, 'Get-MailboxFolderPermission', c.org);
    },
    async run(p, env) {
      const { mailbox, path } = await folderOf(text(p, 'Get-MailboxFolderPermission', 'Identity'), 'Identity', env);
      const folder = mailbox.folderAtPath(path)!;
      const user = opt(p, 'Get-MailboxFolderPermission', 'User');
      // Entries are kept by DOMAIN\name (or Default, Anonymous); -User matches either form.
      const shown = mailbox.permissionsOf(folder).filter((e) => !user || same(e.user, user) || same(e.user.replace(/^[^\\]+\\/, ''), user.replace(/^[^\\]+\\/, '')));
      return { output: records(shown.map((e) => ({ FolderName: folder.displayName, User: e.user, AccessRights: `{${e.accessRights}}` }))) };
    },
  },
};

function folderPermission(cmdlet: 'Add-MailboxFolderPermission' | 'Set-MailboxFolderPermission'): Cmdlet {
  return {
    parameters: ['Identity', 'User', 'AccessRights'],
    positional: ['Identity'],
    async check(p, c) {
      await folderOf(text(p, cmdlet, 'Identity'), 'Identity', c);
      folderTrustee(p, cmdlet, c.org);
      parseAccessRights(rightsText(p.get('AccessRights'), cmdlet));
    },
    async run(p, { org, impersonation }) {
      await impersonation.setFolderPermission(org, text(p, cmdlet, 'Identity'), text(p, cmdlet, 'User'), rightsText(p.get('AccessRights'), cmdlet));
      return {};
    },
  };
}

function databases(org: ExchangeOrganization, identity: string | undefined, server: string | undefined) {
  return [...org.writer.planner.databases.values()].filter((d) => (!identity || same(d.name, identity)) && (!server || same(d.server, server)));
}

function storageGroups(org: ExchangeOrganization, identity: string | undefined, server: string | undefined) {
  return org.writer.planner.storageGroups().filter((g) => (!server || same(g.server, server)) && (!identity || [g.name, `${g.server}\\${g.name}`].some((n) => same(n, identity))));
}

/** The cmdlets this shell runs, for the step layer to route a script here. */
export const IMPERSONATION_CMDLETS: readonly string[] = Object.keys(CMDLETS);

type Stage = { inv: ShellInvocation; canonical: string; cmdlet: Cmdlet; params: Params };

function bind(inv: ShellInvocation): Stage {
  const canonical = IMPERSONATION_CMDLETS.find((k) => same(k, inv.cmdlet));
  if (!canonical) {
    throw placedInStatement(new InputError(`${inv.cmdlet} is not a cmdlet of this shell; accepted: ${acceptedList(IMPERSONATION_CMDLETS)}`, { value: inv.cmdlet, accepted: IMPERSONATION_CMDLETS }), inv.cmdlet, inv.line);
  }
  const cmdlet = CMDLETS[canonical];
  try {
    const params = bindParameters(inv, cmdlet.parameters, { positional: cmdlet.positional, enums: cmdlet.enums });
    for (const [param, value] of params) if (value === '') throw new InputError(`-${param} is empty (${describeShellValue(value)}); give a value or leave the parameter out`, { field: param });
    return { inv, canonical, cmdlet, params };
  } catch (e) {
    throw placedInStatement(e, canonical, inv.line, cmdlet.parameters);
  }
}

/** The organization as it is now, the starting point of a script's checks. */
async function currentPlan(org: ExchangeOrganization): Promise<ScriptPlan> {
  const dns = rbacDns(org);
  return {
    aces: new Map(),
    scopes: await namesUnder(org, dns.scopes, OBJECT_CLASS.managementScope),
    assignments: await namesUnder(org, dns.assignments, OBJECT_CLASS.roleAssignment),
    newFolders: new Set(),
  };
}

/**
 * Runs shell text for an organization: everything is parsed, bound and checked first (see the header), then
 * the statements run in order. Returns the last output.
 */
export async function runImpersonationShell(text: string, org: ExchangeOrganization, impersonation: Impersonation): Promise<ImpersonationShellOutput> {
  const statements = parseShell(text);
  if (statements.length === 0) throw new InputError('no command was given');
  const bound = statements.map((s) => ({ line: s.line, stages: s.pipeline.map(bind) }));
  const script = await currentPlan(org);
  for (const statement of bound) {
    let input: Piped = { kind: 'none' };
    let previous: string | undefined;
    for (const stage of statement.stages) {
      try {
        if (input.kind !== 'none' && !stage.cmdlet.takesIdentities) throw new InputError(`${stage.canonical} does not take what ${previous} sends down the pipeline`);
        input = (await stage.cmdlet.check(stage.params, { org, impersonation, script, previous }, input)) ?? { kind: 'none' };
        previous = stage.canonical;
      } catch (e) {
        throw placedInStatement(e, stage.canonical, stage.inv.line, stage.cmdlet.parameters);
      }
    }
  }

  let last: ImpersonationShellOutput = { records: [], lines: [] };
  const applied: number[] = [];
  for (const statement of bound) {
    let piped: Piped = { kind: 'none' };
    for (const stage of statement.stages) {
      try {
        const result = await stage.cmdlet.run(stage.params, { org, impersonation }, piped);
        piped = result.piped ?? { kind: 'none' };
        // Format-Table only formats what came before it.
        if (stage.canonical !== 'Format-Table') last = result.output ?? { records: [], lines: [] };
      } catch (e) {
        // Every check passed, so this is not a mistake in the script; say what stays applied all the same.
        throw scriptStopped(e, stage.canonical, statement.stages.map((s) => s.canonical), stage.inv.line, applied, stage.cmdlet.parameters);
      }
    }
    applied.push(statement.line);
  }
  return last;
}
