// Exchange 2010's successor to the 2007 extended rights: the ApplicationImpersonation management role,
// assigned to an account or a security group with New-ManagementRoleAssignment, optionally limited by a
// management scope whose RecipientRestrictionFilter says which recipients it covers
// (New-ManagementScope). Without a scope the assignee may impersonate everyone in the organization.
//
// In the directory, as Exchange keeps it (ExchangeRoleAssignmentSchema, ManagementScopeSchema):
//   CN=RBAC,<organization>
//     CN=Roles               msExchRole            CN=ApplicationImpersonation
//     CN=Role Assignments    msExchRoleAssignment  msExchRoleLink → role, msExchUserLink → assignee,
//                                                  msExchDomainRestrictionLink → scope (CustomRecipientWriteScope)
//     CN=Scopes              msExchScope           msExchQueryFilter (the filter), msExchScopeRoot (RecipientRoot)
// Chosen: msExchQueryFilter holds the OPATH filter as written (normalized); Exchange stores its own
// serialized form. msExchRoleAssignmentFlags (enabled, delegating, scope types) is not written: nothing
// here reads it, and its bit layout is unconfirmed.

import { firstRdnValue, joinDn, normalizeDn, rdn } from '../directory/dn';
import { and, eq, present, type Filter } from '../directory/filter';
import { ATTR, OBJECT_CLASS } from '../directory/schema';
import { isNoSuchObject, type DirectoryWriteEntry, type Entry } from '../directory/client';
import { InputError, unknownName } from '../errors';
import type { ExchangeOrganization } from '../simulation';
import type { ExchangeDirectory, MailboxUserView } from '../topology/reader';
import type { Plan } from '../topology/writer';
import { describeOpath, opathToLdap } from './opath';

export const APPLICATION_IMPERSONATION = 'ApplicationImpersonation';
/** The one management role modelled; others are refused by name. */
export const MANAGEMENT_ROLES = [APPLICATION_IMPERSONATION] as const;

export function rbacDns(org: ExchangeOrganization): { rbac: string; roles: string; assignments: string; scopes: string; role: string } {
  const rbac = joinDn(rdn('CN', 'RBAC'), org.layout.organizationDn);
  const roles = joinDn(rdn('CN', 'Roles'), rbac);
  return {
    rbac,
    roles,
    assignments: joinDn(rdn('CN', 'Role Assignments'), rbac),
    scopes: joinDn(rdn('CN', 'Scopes'), rbac),
    role: joinDn(rdn('CN', APPLICATION_IMPERSONATION), roles),
  };
}

/** A search whose base may not exist yet (no RBAC container: nothing assigned); other failures surface. */
async function under(dir: ExchangeDirectory, base: string, filter: Filter, scope: 'base' | 'one', attributes: readonly string[]): Promise<Entry[]> {
  try {
    return await dir.lookup(base, filter, scope, attributes);
  } catch (err) {
    if (isNoSuchObject(err)) return [];
    throw err;
  }
}

async function exists(dir: ExchangeDirectory, dn: string): Promise<boolean> {
  return (await under(dir, dn, present(ATTR.objectClass), 'base', [ATTR.cn])).length > 0;
}

function children(dir: ExchangeDirectory, base: string, objectClass: string, attributes: readonly string[]): Promise<Entry[]> {
  return under(dir, base, eq(ATTR.objectClass, objectClass), 'one', attributes);
}

/** The RBAC containers and the built-in role, for an organization that has none yet (as setup creates them). */
async function rbacSkeleton(org: ExchangeOrganization): Promise<DirectoryWriteEntry[]> {
  const dns = rbacDns(org);
  if (await exists(org.directory, dns.rbac)) return [];
  const container = (dn: string, cn: string): DirectoryWriteEntry => ({ dn, attributes: { objectClass: [OBJECT_CLASS.top, OBJECT_CLASS.container], cn } });
  return [
    container(dns.rbac, 'RBAC'),
    container(dns.roles, 'Roles'),
    container(dns.assignments, 'Role Assignments'),
    container(dns.scopes, 'Scopes'),
    { dn: dns.role, attributes: { objectClass: [OBJECT_CLASS.top, OBJECT_CLASS.role], cn: APPLICATION_IMPERSONATION } },
  ];
}

export function checkName(what: string, name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(name)) {
    throw new InputError(`"${name}" is not a valid ${what} name: letters, digits, spaces, dots, hyphens and underscores`, { field: 'Name', value: name });
  }
}

export async function newManagementScope(org: ExchangeOrganization, spec: { name: string; recipientRestrictionFilter: string; recipientRoot?: string }): Promise<Record<string, string>> {
  checkName('management scope', spec.name);
  const dns = rbacDns(org);
  const dn = joinDn(rdn('CN', spec.name), dns.scopes);
  // Validated now, as New-ManagementScope does, so a scope that could never match is refused at once.
  const names = new Map<string, string>();
  for (const d of org.writer.planner.databases.values()) names.set(d.name.toLowerCase(), d.dn);
  opathToLdap(spec.recipientRestrictionFilter, { resolveDn: (_p, v) => names.get(v.toLowerCase()) });
  if (await exists(org.directory, dn)) throw new InputError(`a management scope named "${spec.name}" already exists`, { field: 'Name', value: spec.name });
  const attributes: Record<string, string | string[]> = {
    objectClass: [OBJECT_CLASS.top, OBJECT_CLASS.managementScope],
    cn: spec.name,
    [ATTR.queryFilter]: describeOpath(spec.recipientRestrictionFilter),
    // ScopeRestrictionFlags: Exchange's default for a recipient scope (ManagementScopeSchema).
    [ATTR.scopeFlags]: '3',
  };
  if (spec.recipientRoot) attributes[ATTR.scopeRoot] = organizationalRoot(org, spec.recipientRoot);
  await org.writer.applyPlan({ adds: [...(await rbacSkeleton(org)), { dn, attributes }], modifies: [], commit: () => undefined });
  return { Name: spec.name, ScopeRestrictionType: 'RecipientScope', Exclusive: 'False', RecipientRoot: spec.recipientRoot ?? '', RecipientFilter: describeOpath(spec.recipientRestrictionFilter) };
}

/** -RecipientRoot: the Users container (contoso.com/Users) or a DN under the domain. */
export function organizationalRoot(org: ExchangeOrganization, root: string): string {
  const layout = org.layout;
  if (/^(CN|OU|DC)=/i.test(root)) {
    if (!normalizeDn(root).endsWith(normalizeDn(layout.domainDn))) throw new InputError(`${root} is not in the domain ${layout.forestDomain}`, { field: 'RecipientRoot', value: root });
    return root;
  }
  if (root.toLowerCase() === `${layout.forestDomain}/users`) return layout.usersDn;
  throw new InputError(`-RecipientRoot "${root}" is neither ${layout.forestDomain}/Users nor a distinguished name`, { field: 'RecipientRoot', value: root });
}

export interface RoleAssignmentSpec {
  name?: string;
  role: string;
  /** An account (-User) or a security group (-SecurityGroup): exactly one. */
  user?: string;
  securityGroup?: string;
  customRecipientWriteScope?: string;
}

export async function newManagementRoleAssignment(org: ExchangeOrganization, spec: RoleAssignmentSpec): Promise<Record<string, string>> {
  const role = MANAGEMENT_ROLES.find((r) => r.toLowerCase() === spec.role.toLowerCase());
  if (!role) throw unknownName('a management role modelled here', spec.role, MANAGEMENT_ROLES, 'Role');
  if ((spec.user === undefined) === (spec.securityGroup === undefined)) {
    throw new InputError('New-ManagementRoleAssignment needs exactly one of -User or -SecurityGroup', { field: spec.user ? 'SecurityGroup' : 'User' });
  }
  const planner = org.writer.planner;
  const assignee = spec.user !== undefined ? planner.principal(spec.user, 'User') : planner.principal(spec.securityGroup!, 'SecurityGroup');
  if (spec.securityGroup !== undefined && !planner.groups.has(assignee.name.toLowerCase())) {
    throw new InputError(`${spec.securityGroup} is not a security group`, { field: 'SecurityGroup', value: spec.securityGroup, accepted: [...planner.groups.values()].map((g) => g.name) });
  }
  const name = spec.name ?? `${role}-${assignee.name}`;
  checkName('management role assignment', name);
  const dns = rbacDns(org);
  const dn = joinDn(rdn('CN', name), dns.assignments);
  if (await exists(org.directory, dn)) throw new InputError(`a management role assignment named "${name}" already exists`, { field: 'Name', value: name });
  const attributes: Record<string, string | string[]> = {
    objectClass: [OBJECT_CLASS.top, OBJECT_CLASS.roleAssignment],
    cn: name,
    [ATTR.roleLink]: dns.role,
    [ATTR.userLink]: assignee.dn,
  };
  if (spec.customRecipientWriteScope !== undefined) {
    const scopeDn = joinDn(rdn('CN', spec.customRecipientWriteScope), dns.scopes);
    if (!(await exists(org.directory, scopeDn))) {
      const known = (await children(org.directory, dns.scopes, OBJECT_CLASS.managementScope, [ATTR.cn])).map((e) => e.get(ATTR.cn) ?? '');
      throw unknownName('a management scope', spec.customRecipientWriteScope, known, 'CustomRecipientWriteScope');
    }
    attributes[ATTR.domainRestrictionLink] = scopeDn;
  }
  await org.writer.applyPlan({ adds: [...(await rbacSkeleton(org)), { dn, attributes }], modifies: [], commit: () => undefined });
  return { Name: name, Role: role, RoleAssigneeName: assignee.name, RoleAssigneeType: spec.user !== undefined ? 'User' : 'SecurityGroup', CustomRecipientWriteScope: spec.customRecipientWriteScope ?? '' };
}

export async function removeManagementRoleAssignment(org: ExchangeOrganization, name: string): Promise<void> {
  const dn = joinDn(rdn('CN', name), rbacDns(org).assignments);
  if (!(await exists(org.directory, dn))) {
    const known = (await children(org.directory, rbacDns(org).assignments, OBJECT_CLASS.roleAssignment, [ATTR.cn])).map((e) => e.get(ATTR.cn) ?? '');
    throw unknownName('a management role assignment', name, known, 'Identity');
  }
  const plan: Plan = { adds: [], modifies: [], delete: dn, commit: () => undefined };
  await org.writer.applyPlan(plan);
}

export async function getManagementRoleAssignments(org: ExchangeOrganization): Promise<Array<Record<string, string>>> {
  const dir = org.directory;
  const entries = await children(dir, rbacDns(org).assignments, OBJECT_CLASS.roleAssignment, [ATTR.cn, ATTR.roleLink, ATTR.userLink, ATTR.domainRestrictionLink]);
  return entries.map((e) => ({
    Name: e.get(ATTR.cn) ?? '',
    Role: firstRdn(e.get(ATTR.roleLink)),
    RoleAssigneeName: firstRdn(e.get(ATTR.userLink)),
    CustomRecipientWriteScope: firstRdn(e.get(ATTR.domainRestrictionLink)),
  }));
}

function firstRdn(dn: string | undefined): string {
  return dn ? firstRdnValue(dn) : '';
}

/** Mailbox databases by name, read from the configuration, for a scope filter's Database property. */
async function databaseNames(dir: ExchangeDirectory): Promise<Map<string, string>> {
  const { configurationNamingContext } = await dir.namingContexts();
  const found = await dir.lookup(configurationNamingContext, eq(ATTR.objectClass, OBJECT_CLASS.privateMdb), 'sub', [ATTR.cn]);
  return new Map(found.map((e) => [(e.get(ATTR.cn) ?? '').toLowerCase(), e.dn]));
}

export type RbacOutcome =
  | { ok: true; assignment: string; scope?: string }
  | { ok: false; assignments: string[]; why: string };

/**
 * May this caller impersonate this user under Exchange 2010 RBAC? An ApplicationImpersonation assignment
 * to the caller or to a group in its token, whose scope (if any) includes the user. The scope's filter is
 * evaluated by the directory: a base search on the user with the filter converted to LDAP.
 */
export async function checkApplicationImpersonation(
  org: ExchangeOrganization,
  dir: ExchangeDirectory,
  callerToken: readonly string[],
  user: MailboxUserView,
): Promise<RbacOutcome> {
  const dns = rbacDns(org);
  const entries = await children(dir, dns.assignments, OBJECT_CLASS.roleAssignment, [ATTR.cn, ATTR.roleLink, ATTR.userLink, ATTR.domainRestrictionLink]);
  const mine: Entry[] = [];
  for (const e of entries) {
    if (normalizeDn(e.get(ATTR.roleLink) ?? '') !== normalizeDn(dns.role)) continue;
    const assignee = await under(dir, e.get(ATTR.userLink) ?? '', present(ATTR.objectClass), 'base', [ATTR.objectSid]);
    const sid = assignee[0]?.get(ATTR.objectSid);
    if (sid && callerToken.includes(sid)) mine.push(e);
  }
  if (mine.length === 0) return { ok: false, assignments: [], why: `no ${APPLICATION_IMPERSONATION} role assignment names the caller or a group it belongs to` };
  const outside: string[] = [];
  for (const e of mine) {
    const name = e.get(ATTR.cn) ?? '';
    const scopeDn = e.get(ATTR.domainRestrictionLink);
    if (!scopeDn) return { ok: true, assignment: name };
    const scope = (await under(dir, scopeDn, present(ATTR.objectClass), 'base', [ATTR.cn, ATTR.queryFilter, ATTR.scopeRoot]))[0];
    if (!scope) {
      outside.push(`${name} (its scope no longer exists)`);
      continue;
    }
    const root = scope.get(ATTR.scopeRoot);
    if (root && !normalizeDn(user.dn).endsWith(normalizeDn(root))) {
      outside.push(`${name} (scope ${scope.get(ATTR.cn)}: ${user.alias} is not under ${root})`);
      continue;
    }
    const text = scope.get(ATTR.queryFilter) ?? '';
    const names = /\bDatabase\b/i.test(text) ? await databaseNames(dir) : new Map<string, string>();
    const filter = opathToLdap(text, { resolveDn: (_p, v) => names.get(v.toLowerCase()) });
    const match = await dir.lookup(user.dn, and(eq(ATTR.objectClass, OBJECT_CLASS.user), filter), 'base', [ATTR.cn]);
    if (match.length > 0) return { ok: true, assignment: name, scope: scope.get(ATTR.cn) };
    outside.push(`${name} (scope ${scope.get(ATTR.cn)}: ${user.alias} does not match ${text})`);
  }
  return { ok: false, assignments: mine.map((e) => e.get(ATTR.cn) ?? ''), why: `${user.alias} is outside every assignment's scope: ${outside.join('; ')}` };
}

