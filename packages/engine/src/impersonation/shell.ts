// The Exchange Management Shell cmdlets of impersonation, run against one organization, parsed by
// shell/command-line and bound before anything runs (a typo applies nothing):
//   Exchange 2007   Add-ADPermission / Remove-ADPermission -ExtendedRights ms-Exch-EPI-Impersonation |
//                   ms-Exch-EPI-May-Impersonate [-Deny], on a server, a database or an account, named by
//                   -Identity or piped from Get-ExchangeServer, Get-MailboxDatabase, Get-Mailbox
//   Exchange 2010   New-ManagementScope, New-/Get-/Remove-ManagementRoleAssignment (rbac.ts)
//   Folders         New-MailboxFolder, Add-/Set-/Get-MailboxFolderPermission (mailbox-store.ts)

import { InputError, acceptedList, placed } from '../errors';
import { asBoolean, asString, bindParameters, parseShell, type ShellValue } from '../shell/command-line';
import type { ExchangeOrganization } from '../simulation';
import type { Impersonation } from './impersonation';
import { IMPERSONATION_RIGHTS } from './impersonation';
import { EXTENDED_RIGHTS, ATTR } from '../directory/schema';
import { parseSddl } from '../directory/security';
import { present } from '../directory/filter';

/** Every extended right Add-ADPermission takes here: impersonation's, and the mailbox rights a presence gateway needs. */
const AD_RIGHTS: Record<string, string> = { ...IMPERSONATION_RIGHTS, 'Receive-As': EXTENDED_RIGHTS.receiveAs, 'Send-As': EXTENDED_RIGHTS.sendAs };
import { getManagementRoleAssignments, newManagementRoleAssignment, newManagementScope, removeManagementRoleAssignment } from './rbac';

export interface ImpersonationShellOutput {
  records: Array<Record<string, string>>;
  lines: string[];
}

type Piped = { kind: 'identities'; names: string[] } | { kind: 'none' };

interface Cmdlet {
  parameters: readonly string[];
  positional?: readonly string[];
  /** Checks values that need no directory, before any statement runs. */
  validate?(p: Map<string, ShellValue>): void;
  run(p: Map<string, ShellValue>, env: { org: ExchangeOrganization; impersonation: Impersonation }, input: Piped): Promise<{ output?: ImpersonationShellOutput; piped?: Piped }>;
}

function opt(p: Map<string, ShellValue>, cmdlet: string, name: string): string | undefined {
  return p.has(name) ? asString(p.get(name), cmdlet, name) : undefined;
}

function records(list: Array<Record<string, string>>): ImpersonationShellOutput {
  return { records: list, lines: [] };
}

function extendedRight(p: Map<string, ShellValue>, cmdlet: string): string {
  const written = asString(p.get('ExtendedRights'), cmdlet, 'ExtendedRights');
  const name = Object.keys(AD_RIGHTS).find((k) => k.toLowerCase() === written.toLowerCase());
  if (!name) throw new InputError(`${cmdlet} -ExtendedRights "${written}" is not an extended right modelled here; accepted: ${acceptedList(Object.keys(AD_RIGHTS))}`, { field: 'ExtendedRights', value: written, accepted: Object.keys(AD_RIGHTS) });
  return name;
}

/** -Identity, or the objects piped in (one call per object, as the shell does). */
function identities(p: Map<string, ShellValue>, cmdlet: string, input: Piped): string[] {
  if (p.has('Identity')) return [asString(p.get('Identity'), cmdlet, 'Identity')];
  if (input.kind === 'identities' && input.names.length) return input.names;
  throw new InputError(`${cmdlet} needs -Identity (a server, mailbox database or account), or objects piped from Get-ExchangeServer, Get-MailboxDatabase or Get-Mailbox`, { field: 'Identity' });
}

const PERMISSION = ['Identity', 'User', 'ExtendedRights', 'Deny', 'AccessRights', 'InheritanceType'];

const CMDLETS: Record<string, Cmdlet> = {
  'Get-ExchangeServer': {
    parameters: ['Identity'],
    positional: ['Identity'],
    async run(p, { org }) {
      const only = opt(p, 'Get-ExchangeServer', 'Identity');
      const servers = [...org.writer.planner.servers.values()].filter((s) => !only || s.name.toLowerCase() === only.toLowerCase());
      if (only && servers.length === 0) throw new InputError(`no Exchange server is named ${only}; accepted: ${acceptedList(org.writer.planner.serverNames())}`, { field: 'Identity', value: only });
      return { output: records(servers.map((s) => ({ Name: s.name, DistinguishedName: s.dn }))), piped: { kind: 'identities', names: servers.map((s) => s.name) } };
    },
  },
  'Get-MailboxDatabase': {
    parameters: ['Identity', 'Server'],
    positional: ['Identity'],
    async run(p, { org }) {
      const only = opt(p, 'Get-MailboxDatabase', 'Identity');
      const server = opt(p, 'Get-MailboxDatabase', 'Server');
      const all = [...org.writer.planner.databases.values()];
      const dbs = all.filter((d) => (!only || d.name.toLowerCase() === only.toLowerCase()) && (!server || d.server.toLowerCase() === server.toLowerCase()));
      if (only && dbs.length === 0) throw new InputError(`no mailbox database is named ${only}; accepted: ${acceptedList(all.map((d) => d.name))}`, { field: 'Identity', value: only });
      return { output: records(dbs.map((d) => ({ Name: d.name, Server: d.server }))), piped: { kind: 'identities', names: dbs.map((d) => d.name) } };
    },
  },
  'Get-Mailbox': {
    parameters: ['Identity'],
    positional: ['Identity'],
    async run(p, { org }) {
      const only = opt(p, 'Get-Mailbox', 'Identity');
      const all = [...org.writer.planner.mailboxes.values()];
      const found = all.filter((m) => !only || [m.alias, m.primarySmtpAddress, m.userPrincipalName].some((x) => x.toLowerCase() === only.toLowerCase()));
      if (only && found.length === 0) throw new InputError(`no mailbox is named ${only}; accepted: ${acceptedList(all.map((m) => m.alias))}`, { field: 'Identity', value: only });
      return { output: records(found.map((m) => ({ Name: m.alias, PrimarySmtpAddress: m.primarySmtpAddress, Database: m.database }))), piped: { kind: 'identities', names: found.map((m) => m.alias) } };
    },
  },
  'Get-StorageGroup': {
    parameters: ['Identity', 'Server'],
    positional: ['Identity'],
    async run(p, { org }) {
      const server = opt(p, 'Get-StorageGroup', 'Server');
      const only = opt(p, 'Get-StorageGroup', 'Identity');
      const groups = org.writer.planner.storageGroups().filter((g) => (!server || g.server.toLowerCase() === server.toLowerCase()) && (!only || [g.name, `${g.server}\\${g.name}`].some((n) => n.toLowerCase() === only.toLowerCase())));
      return { output: records(groups.map((g) => ({ Identity: `${g.server}\\${g.name}`, Server: g.server }))), piped: { kind: 'identities', names: groups.map((g) => `${g.server}\\${g.name}`) } };
    },
  },
  'Get-ADPermission': {
    parameters: ['Identity', 'User'],
    positional: ['Identity'],
    async run(p, { org }) {
      const target = org.writer.planner.rightsTarget(asString(p.get('Identity'), 'Get-ADPermission', 'Identity'));
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
    async run(p, { org }) {
      // The store's view: a Receive-As on the database or storage group shows as inherited FullAccess, once it has flowed down.
      const identity = asString(p.get('Identity'), 'Get-MailboxPermission', 'Identity');
      const target = org.writer.planner.rightsTarget(identity);
      const mailbox = [...org.writer.planner.mailboxes.values()].find((m) => m.dn === target.dn);
      if (!mailbox) throw new InputError(`${identity} is not a mailbox`, { field: 'Identity', value: identity });
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
    async run() {
      return {};
    },
  },
  'Add-ADPermission': {
    validate: (p) => void extendedRight(p, 'Add-ADPermission'),
    parameters: PERMISSION,
    positional: ['Identity'],
    async run(p, { org }, input) {
      const right = extendedRight(p, 'Add-ADPermission');
      const user = asString(p.get('User'), 'Add-ADPermission', 'User');
      const deny = p.has('Deny') ? asBoolean(p.get('Deny'), 'Add-ADPermission', 'Deny') : false;
      const out: Array<Record<string, string>> = [];
      for (const identity of identities(p, 'Add-ADPermission', input)) {
        await org.writer.setExtendedRight(identity, user, AD_RIGHTS[right], !deny);
        out.push({ Identity: identity, User: user, Deny: deny ? 'True' : 'False', ExtendedRights: right });
      }
      return { output: records(out) };
    },
  },
  'Remove-ADPermission': {
    validate: (p) => void extendedRight(p, 'Remove-ADPermission'),
    parameters: [...PERMISSION, 'Confirm'],
    positional: ['Identity'],
    async run(p, { org }, input) {
      const right = extendedRight(p, 'Remove-ADPermission');
      const user = asString(p.get('User'), 'Remove-ADPermission', 'User');
      const deny = p.has('Deny') ? asBoolean(p.get('Deny'), 'Remove-ADPermission', 'Deny') : false;
      for (const identity of identities(p, 'Remove-ADPermission', input)) await org.writer.removeExtendedRight(identity, user, AD_RIGHTS[right], !deny);
      return {};
    },
  },
  'New-ManagementScope': {
    parameters: ['Name', 'RecipientRestrictionFilter', 'RecipientRoot'],
    async run(p, { org }) {
      const record = await newManagementScope(org, {
        name: asString(p.get('Name'), 'New-ManagementScope', 'Name'),
        recipientRestrictionFilter: asString(p.get('RecipientRestrictionFilter'), 'New-ManagementScope', 'RecipientRestrictionFilter'),
        recipientRoot: opt(p, 'New-ManagementScope', 'RecipientRoot'),
      });
      return { output: records([record]) };
    },
  },
  'New-ManagementRoleAssignment': {
    parameters: ['Name', 'Role', 'User', 'SecurityGroup', 'CustomRecipientWriteScope'],
    async run(p, { org }) {
      const c = 'New-ManagementRoleAssignment';
      const record = await newManagementRoleAssignment(org, {
        name: opt(p, c, 'Name'),
        role: asString(p.get('Role'), c, 'Role'),
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
    async run(p, { org }) {
      const role = opt(p, 'Get-ManagementRoleAssignment', 'Role');
      const identity = opt(p, 'Get-ManagementRoleAssignment', 'Identity');
      const all = await getManagementRoleAssignments(org);
      return { output: records(all.filter((a) => (!role || a.Role.toLowerCase() === role.toLowerCase()) && (!identity || a.Name.toLowerCase() === identity.toLowerCase()))) };
    },
  },
  'Remove-ManagementRoleAssignment': {
    parameters: ['Identity', 'Confirm'],
    positional: ['Identity'],
    async run(p, { org }) {
      await removeManagementRoleAssignment(org, asString(p.get('Identity'), 'Remove-ManagementRoleAssignment', 'Identity'));
      return {};
    },
  },
  'New-MailboxFolder': {
    parameters: ['Parent', 'Name'],
    async run(p, { org, impersonation }) {
      const path = await impersonation.newMailboxFolder(org, asString(p.get('Parent'), 'New-MailboxFolder', 'Parent'), asString(p.get('Name'), 'New-MailboxFolder', 'Name'));
      return { output: records([{ Name: path.split('\\').pop() ?? path, FolderPath: path }]) };
    },
  },
  'Add-MailboxFolderPermission': {
    parameters: ['Identity', 'User', 'AccessRights'],
    async run(p, { org, impersonation }) {
      const c = 'Add-MailboxFolderPermission';
      await impersonation.setFolderPermission(org, asString(p.get('Identity'), c, 'Identity'), asString(p.get('User'), c, 'User'), rightsText(p.get('AccessRights'), c));
      return {};
    },
  },
  'Set-MailboxFolderPermission': {
    parameters: ['Identity', 'User', 'AccessRights'],
    async run(p, { org, impersonation }) {
      const c = 'Set-MailboxFolderPermission';
      await impersonation.setFolderPermission(org, asString(p.get('Identity'), c, 'Identity'), asString(p.get('User'), c, 'User'), rightsText(p.get('AccessRights'), c));
      return {};
    },
  },
};

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

/** The cmdlets this shell runs, for the step layer to route a script here. */
export const IMPERSONATION_CMDLETS: readonly string[] = Object.keys(CMDLETS);

export async function runImpersonationShell(text: string, org: ExchangeOrganization, impersonation: Impersonation): Promise<ImpersonationShellOutput> {
  const statements = parseShell(text);
  if (statements.length === 0) throw new InputError('no command was given');
  const bound = statements.map((s) =>
    s.pipeline.map((inv) => {
      const canonical = Object.keys(CMDLETS).find((k) => k.toLowerCase() === inv.cmdlet.toLowerCase());
      if (!canonical) throw new InputError(`line ${inv.line}: ${inv.cmdlet} is not a cmdlet of this shell; accepted: ${acceptedList(IMPERSONATION_CMDLETS)}`, { field: 'cmdlet', value: inv.cmdlet, accepted: IMPERSONATION_CMDLETS });
      const cmdlet = CMDLETS[canonical];
      try {
        const params = bindParameters(inv, cmdlet.parameters, { positional: cmdlet.positional });
        cmdlet.validate?.(params);
        return { inv, canonical, cmdlet, params };
      } catch (e) {
        throw placed(e, `line ${inv.line}`);
      }
    }),
  );
  let last: ImpersonationShellOutput = { records: [], lines: [] };
  for (const pipeline of bound) {
    let piped: Piped = { kind: 'none' };
    for (const stage of pipeline) {
      try {
        const result = await stage.cmdlet.run(stage.params, { org, impersonation }, piped);
        piped = result.piped ?? { kind: 'none' };
        // Format-Table only formats what came before it.
        if (stage.canonical !== 'Format-Table') last = result.output ?? { records: [], lines: [] };
      } catch (e) {
        throw placed(e, `${stage.canonical} (line ${stage.inv.line})`);
      }
    }
  }
  return last;
}
