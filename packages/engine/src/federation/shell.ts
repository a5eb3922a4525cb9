// The Exchange Management Shell cmdlets of federation, run against one organization: parsed by
// shell/command-line, bound to each cmdlet's parameters, executed by OrganizationFederation. A pipeline
// passes objects the way the runbooks use it (Get-ExchangeCertificate | ?{…} | New-FederationTrust,
// Get-FederationInformation | New-OrganizationRelationship, Get-FederationTrust | Set-FederationTrust,
// Get-OrganizationRelationship | Set-OrganizationRelationship).
//
// A script is checked whole before its first statement runs: every statement is parsed and bound, and its
// values are checked (types, accepted values such as FreeBusyAccessLevel, required parameters, names the
// organization knows or an earlier statement of the same script creates — a certificate, the trust, an
// accepted domain, the account namespace, a relationship), so a mistake anywhere applies nothing.
//
// What only running a statement can tell stops the script where it fails, as -ErrorAction Stop would, and
// what the statements before it did stays applied — as in Exchange, which cannot take back a call to the
// Microsoft Federation Gateway either. That is the network's part: New-FederationTrust (the gateway reads
// the certificate and may refuse it: not yet valid, expired, self-signed on the consumer instance) and
// Set-FederationTrust -RefreshMetadata (the gateway's metadata); Set-FederatedOrganizationIdentifier and
// Add-FederatedDomain (the domain proof must be a TXT record in DNS); Get-FederationInformation (the
// partner's Autodiscover must answer), and what it pipes into New-OrganizationRelationship (the partner's
// federated domains besides the one asked about, which another relationship may already hold). Such a
// failure is a ScriptStopped error that names the statements left applied.

import { InputError, acceptedList } from '../errors';
import { isNoSuchObject } from '../directory/client';
import { present } from '../directory/filter';
import { ATTR } from '../directory/schema';
import { checkUrl } from '../topology/writer';
import {
  asBoolean,
  asEnum,
  asInteger,
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
import { FREE_BUSY_ACCESS_LEVELS, isDomainName, planAcceptedDomain, planMailContact, type AcceptedDomainView, type OrganizationRelationshipSpec } from './directory';
import type { OrganizationFederation, ShellOutput } from './federation';
import { CALENDAR_PERMISSIONS } from './mailbox-content';
import { testFederationTrust, testOrganizationRelationship } from './diagnostics';

type Params = Map<string, ShellValue>;

/** What a stage sends down the pipeline when it runs. */
type Piped =
  | { kind: 'certificates'; thumbprints: string[] }
  | { kind: 'federation-information'; domainNames: string[]; targetApplicationUri: string; targetAutodiscoverEpr: string }
  | { kind: 'federation-trusts'; names: string[] }
  | { kind: 'organization-relationships'; names: string[] }
  | { kind: 'none' };

/** What a stage will send, as far as the checks can tell before anything runs (the partner's domains cannot be known). */
type Planned =
  | { kind: 'certificates'; friendlyNames: string[] }
  | { kind: 'federation-information'; domain: string }
  | { kind: 'federation-trusts'; names: string[] }
  | { kind: 'organization-relationships'; names: string[] }
  | { kind: 'none' };

/** The organization as the statements before the one being checked will have left it. */
interface ScriptPlan {
  /** The certificate store; a certificate New-ExchangeCertificate will make has no thumbprint yet. */
  certificates: Array<{ friendlyName: string; thumbprint?: string }>;
  trusts: string[];
  acceptedDomains: Array<{ name: string; domainName: string }>;
  accountNamespace?: string;
  relationships: Array<{ name: string; domainNames: string[] }>;
  /** Mail contacts New-MailContact will create (lower-case names). */
  contacts: Set<string>;
}

interface CheckContext {
  org: OrganizationFederation;
  script: ScriptPlan;
  /** The cmdlet before this one in the pipeline, for messages. */
  previous?: string;
}

interface Cmdlet {
  parameters: readonly string[];
  positional?: readonly string[];
  /** Parameters with a fixed set of values (named in the hint when a value is written with a dash). */
  enums?: Record<string, readonly string[]>;
  /** The pipeline input it takes; any other is refused. */
  takes?: ReadonlyArray<Planned['kind']>;
  /** Checks the values against the organization as the script will have left it, and records what it changes. */
  check(p: Params, c: CheckContext, input: Planned): Promise<Planned | void>;
  run(p: Params, org: OrganizationFederation, input: Piped): Promise<{ output?: ShellOutput; piped?: Piped }>;
}

const REL_PARAMETERS = ['Name', 'DomainNames', 'Enabled', 'FreeBusyAccessEnabled', 'FreeBusyAccessLevel', 'FreeBusyAccessScope', 'TargetApplicationUri', 'TargetAutodiscoverEpr', 'Confirm'];
const ACCEPTED_DOMAIN_TYPES = ['Authoritative'] as const;
/** New-ExchangeCertificate's default friendly name. */
const DEFAULT_CERTIFICATE_NAME = 'Microsoft Exchange';
const KEY_SIZES = [1024, 2048, 4096];
/** New-ExchangeCertificate -Services (Exchange 2010's AllowedServices). */
const CERTIFICATE_SERVICES = ['None', 'IMAP', 'POP', 'UM', 'IIS', 'SMTP', 'Federation', 'UMCallRouter'] as const;

// ---- reading values ----

function text(p: Params, cmdlet: string, name: string): string {
  return asString(p.get(name), cmdlet, name);
}

function optText(p: Params, cmdlet: string, name: string): string | undefined {
  return p.has(name) ? asString(p.get(name), cmdlet, name) : undefined;
}

function optBool(p: Params, cmdlet: string, name: string): boolean | undefined {
  return p.has(name) ? asBoolean(p.get(name), cmdlet, name) : undefined;
}

/** A URL parameter: $null clears it, absent leaves it. */
function optUrl(p: Params, cmdlet: string, name: string): string | null | undefined {
  if (!p.has(name)) return undefined;
  return p.get(name) === null ? null : asString(p.get(name), cmdlet, name);
}

function domain(value: string, parameter: string): string {
  if (!isDomainName(value)) throw new InputError(`"${value}" is not a domain name such as fabrikam.com`, { field: parameter, value });
  return value.toLowerCase();
}

function domains(p: Params, cmdlet: string, name: string): string[] {
  const list = asStringArray(p.get(name), cmdlet, name);
  if (list.length === 0) throw new InputError(`${cmdlet} -${name} is empty: give the other organization's federated domains, e.g. "fabrikam.com","exchangedelegation.fabrikam.com"`, { field: name });
  return list.map((d) => domain(d, name));
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

// ---- what the organization knows ----

function trustIn(script: ScriptPlan, org: OrganizationFederation, name: string, parameter: string): string {
  const found = script.trusts.find((t) => same(t, name));
  if (!found) {
    throw new InputError(`"${name}" is not a federation trust of ${org.name}; accepted: ${acceptedList(script.trusts)}${script.trusts.length ? '' : ' (New-FederationTrust creates one)'}`, { field: parameter, value: name, accepted: script.trusts });
  }
  return found;
}

function relationshipIn(script: ScriptPlan, org: OrganizationFederation, name: string, parameter: string): { name: string; domainNames: string[] } {
  const found = script.relationships.find((r) => same(r.name, name));
  if (!found) {
    const names = script.relationships.map((r) => r.name);
    throw new InputError(`"${name}" is not an organization relationship of ${org.name}; accepted: ${acceptedList(names)}`, { field: parameter, value: name, accepted: names });
  }
  return found;
}

/** DomainNames may not hold a domain another relationship already holds (the availability service looks a relationship up by domain). */
function noDomainClash(script: ScriptPlan, self: string | undefined, names: readonly string[]): void {
  for (const r of script.relationships) {
    if (self !== undefined && same(r.name, self)) continue;
    const clash = r.domainNames.find((d) => names.includes(d));
    if (clash) throw new InputError(`the domain ${clash} is already in the organization relationship "${r.name}"`, { field: 'DomainNames', value: clash });
  }
}

async function mailboxIn(org: OrganizationFederation, identity: string, parameter: string): Promise<void> {
  const user = await org.org.directory.findUserByLogonName(identity);
  if (!user?.homeMdbDn) throw new InputError(`${identity} is not a mailbox of ${org.name}; write its address, e.g. alice@${org.org.layout.forestDomain}`, { field: parameter, value: identity });
}

/** The relationship values New- and Set-OrganizationRelationship take, checked. */
async function checkRelationshipValues(p: Params, cmdlet: string, org: OrganizationFederation): Promise<void> {
  for (const name of ['Enabled', 'FreeBusyAccessEnabled', 'Confirm']) optBool(p, cmdlet, name);
  if (p.has('FreeBusyAccessLevel')) asEnum(p.get('FreeBusyAccessLevel'), cmdlet, 'FreeBusyAccessLevel', FREE_BUSY_ACCESS_LEVELS);
  const scope = p.get('FreeBusyAccessScope');
  if (p.has('FreeBusyAccessScope') && scope !== null) {
    const group = asString(scope, cmdlet, 'FreeBusyAccessScope');
    if (!(await org.directory().groupByName(group))) throw new InputError(`"${group}" is not a group of ${org.name}`, { field: 'FreeBusyAccessScope', value: group });
  }
  const uri = optText(p, cmdlet, 'TargetApplicationUri');
  if (uri !== undefined && /\s/.test(uri)) throw new InputError(`"${uri}" is not an application URI such as FYDIBOHF25SPDLT.exchangedelegation.fabrikam.com`, { field: 'TargetApplicationUri', value: uri });
  const epr = optText(p, cmdlet, 'TargetAutodiscoverEpr');
  if (epr !== undefined) checkUrl(epr, 'TargetAutodiscoverEpr');
}

function relationshipChange(p: Params, cmdlet: string): Partial<OrganizationRelationshipSpec> & { freeBusyAccessScope?: string | null } {
  return {
    domainNames: p.has('DomainNames') ? asStringArray(p.get('DomainNames'), cmdlet, 'DomainNames').map((d) => d.toLowerCase()) : undefined,
    enabled: optBool(p, cmdlet, 'Enabled'),
    freeBusyAccessEnabled: optBool(p, cmdlet, 'FreeBusyAccessEnabled'),
    freeBusyAccessLevel: p.has('FreeBusyAccessLevel') ? asEnum(p.get('FreeBusyAccessLevel'), cmdlet, 'FreeBusyAccessLevel', FREE_BUSY_ACCESS_LEVELS) : undefined,
    freeBusyAccessScope: p.has('FreeBusyAccessScope') ? (p.get('FreeBusyAccessScope') === null ? null : text(p, cmdlet, 'FreeBusyAccessScope')) : undefined,
    targetApplicationUri: optText(p, cmdlet, 'TargetApplicationUri'),
    targetAutodiscoverEpr: optText(p, cmdlet, 'TargetAutodiscoverEpr'),
  };
}

/** "Server\EWS (Default Web Site)", "Server\EWS*" (as the seed writes it) or "Server": the server. */
function ewsServer(identity: string): string {
  const [server, vdir] = identity.split('\\');
  if (vdir !== undefined && !/^EWS(\*| \(Default Web Site\))?$/i.test(vdir.trim())) {
    throw new InputError(`"${identity}" is not an EWS virtual directory; write <server>\\EWS (Default Web Site)`, { field: 'Identity', value: identity });
  }
  return server.trim();
}

/** Set-/Add-MailboxFolderPermission as federation reads it: the Default user's permission on a calendar. */
function calendarPermission(p: Params, cmdlet: string): { address: string; rights: (typeof CALENDAR_PERMISSIONS)[number] } {
  const identity = text(p, cmdlet, 'Identity');
  const m = /^(.+?):\\Calendar$/i.exec(identity);
  if (!m) throw new InputError(`${identity} is not a calendar folder; write it as bob@fabrikam.com:\\Calendar`, { field: 'Identity', value: identity });
  const user = text(p, cmdlet, 'User');
  if (!same(user, 'Default')) throw new InputError('only the Default user\'s calendar permission bears on federated free/busy here', { field: 'User', value: user, accepted: ['Default'] });
  return { address: m[1], rights: asEnum(p.get('AccessRights'), cmdlet, 'AccessRights', CALENDAR_PERMISSIONS) };
}

async function contactNameTaken(org: OrganizationFederation, name: string): Promise<boolean> {
  try {
    return (await org.org.directory.lookup(org.org.layout.userDn(name), present(ATTR.objectClass), 'base', [ATTR.cn])).length > 0;
  } catch (e) {
    if (isNoSuchObject(e)) return false;
    throw e;
  }
}

function relationshipOutput(all: ShellOutput, name: string): ShellOutput {
  return { records: all.records.filter((r) => same(r.Name, name)), lines: [] };
}

const CMDLETS: Record<string, Cmdlet> = {
  // Only what the gateway reads of a certificate is kept: its subject and validity. -DomainName, -KeySize,
  // -PrivateKeyExportable and -Services are checked as Exchange would and otherwise leave it as it is.
  'New-ExchangeCertificate': {
    parameters: ['FriendlyName', 'SubjectName', 'DomainName', 'PrivateKeyExportable', 'KeySize', 'Services'],
    enums: { Services: CERTIFICATE_SERVICES },
    async check(p, { org, script }) {
      const c = 'New-ExchangeCertificate';
      const friendlyName = optText(p, c, 'FriendlyName') ?? DEFAULT_CERTIFICATE_NAME;
      if (script.certificates.some((x) => same(x.friendlyName, friendlyName))) {
        throw new InputError(`${org.name} already has a certificate named "${friendlyName}"; give -FriendlyName another name, so that ?{$_.FriendlyName -eq …} finds one`, { field: 'FriendlyName', value: friendlyName });
      }
      const subject = optText(p, c, 'SubjectName');
      if (subject !== undefined && !/^\s*[A-Za-z]+\s*=\s*[^=]+/.test(subject)) throw new InputError(`"${subject}" is not an X.500 name such as CN=Federation`, { field: 'SubjectName', value: subject });
      if (p.has('DomainName')) for (const d of asStringArray(p.get('DomainName'), c, 'DomainName')) domain(d.replace(/^\*\./, ''), 'DomainName');
      optBool(p, c, 'PrivateKeyExportable');
      if (p.has('Services')) for (const s of asStringArray(p.get('Services'), c, 'Services')) asEnum(s, c, 'Services', CERTIFICATE_SERVICES);
      if (p.has('KeySize')) {
        const size = asInteger(p.get('KeySize'), c, 'KeySize');
        if (!KEY_SIZES.includes(size)) throw new InputError(`${c} -KeySize does not accept ${size}; accepted: ${KEY_SIZES.join(', ')}`, { field: 'KeySize', value: String(size), accepted: KEY_SIZES.map(String) });
      }
      script.certificates.push({ friendlyName });
      return { kind: 'certificates', friendlyNames: [friendlyName] };
    },
    async run(p, org) {
      const c = 'New-ExchangeCertificate';
      const friendlyName = optText(p, c, 'FriendlyName') ?? DEFAULT_CERTIFICATE_NAME;
      const stored = await org.addCertificate({ friendlyName, subject: optText(p, c, 'SubjectName')?.trim() });
      return { output: { records: [{ Thumbprint: stored.certificate.thumbprint, Subject: stored.certificate.subject, FriendlyName: friendlyName }], lines: [] }, piped: { kind: 'certificates', thumbprints: [stored.certificate.thumbprint] } };
    },
  },
  'Get-ExchangeCertificate': {
    parameters: ['Thumbprint', 'Identity'],
    positional: ['Thumbprint'],
    async check(p, { org, script }) {
      const only = thumbprintOf(p);
      if (only === undefined) return { kind: 'certificates', friendlyNames: script.certificates.map((x) => x.friendlyName) };
      const found = script.certificates.find((x) => x.thumbprint === only);
      if (!found) {
        const known = script.certificates.filter((x) => x.thumbprint).map((x) => `${x.thumbprint} (${x.friendlyName})`);
        throw new InputError(`no certificate with thumbprint ${only} is in ${org.name}'s certificate store; accepted: ${acceptedList(known)}`, { field: p.has('Thumbprint') ? 'Thumbprint' : 'Identity', value: only });
      }
      return { kind: 'certificates', friendlyNames: [found.friendlyName] };
    },
    async run(p, org) {
      const only = thumbprintOf(p);
      const all = [...org.certificates.values()].filter((c) => !only || c.certificate.thumbprint === only);
      return {
        output: { records: all.map((c) => ({ Thumbprint: c.certificate.thumbprint, FriendlyName: c.friendlyName, Subject: c.certificate.subject, Issuer: c.certificate.issuer, NotBefore: c.certificate.notBefore.toISOString(), NotAfter: c.certificate.notAfter.toISOString() })), lines: [] },
        piped: { kind: 'certificates', thumbprints: all.map((c) => c.certificate.thumbprint) },
      };
    },
  },
  'New-FederationTrust': {
    parameters: ['Name', 'Thumbprint'],
    takes: ['certificates'],
    async check(p, { org, script }, input) {
      const c = 'New-FederationTrust';
      const name = text(p, c, 'Name');
      if (org.office365) {
        throw new InputError(`New-FederationTrust is not available to the administrator of the Office 365 tenant ${org.name}: Microsoft creates the tenant's federation trust, and only Office 365 support can recreate it`, { field: 'Name', value: name });
      }
      if (script.trusts.length > 0) throw new InputError(`${org.name} already has a federation trust ("${script.trusts[0]}"); remove it before creating another`, { field: 'Name', value: name });
      if (![...org.org.writer.planner.servers.values()].some((s) => s.release.family === '2010')) {
        throw new InputError(`federation needs Exchange 2010; ${org.name} has no Exchange 2010 server`, { field: 'Name', value: name });
      }
      if (p.has('Thumbprint')) {
        const thumbprint = text(p, c, 'Thumbprint').toUpperCase();
        if (!script.certificates.some((x) => x.thumbprint === thumbprint)) {
          throw new InputError(`no certificate with thumbprint ${thumbprint} is in ${org.name}'s certificate store`, { field: 'Thumbprint', value: thumbprint, accepted: script.certificates.flatMap((x) => (x.thumbprint ? [x.thumbprint] : [])) });
        }
      } else if (input.kind === 'certificates') {
        if (input.friendlyNames.length !== 1) {
          throw new InputError(`${c} needs exactly one certificate from the pipeline; ${input.friendlyNames.length} would come (${acceptedList(input.friendlyNames)}): filter with ?{$_.FriendlyName -eq "<name>"}`, { field: 'Thumbprint', accepted: input.friendlyNames });
        }
      } else {
        throw new InputError(`${c} needs -Thumbprint, or one certificate piped from Get-ExchangeCertificate`, { field: 'Thumbprint' });
      }
      script.trusts.push(name);
    },
    async run(p, org, input) {
      const name = text(p, 'New-FederationTrust', 'Name');
      let thumbprint = optText(p, 'New-FederationTrust', 'Thumbprint');
      if (!thumbprint && input.kind === 'certificates') {
        if (input.thumbprints.length !== 1) throw new InputError(`New-FederationTrust needs exactly one certificate from the pipeline; ${input.thumbprints.length} came`, { field: 'Thumbprint' });
        thumbprint = input.thumbprints[0];
      }
      return { output: await org.newFederationTrust({ name, thumbprint }) };
    },
  },
  'Get-FederationTrust': {
    parameters: ['Identity'],
    positional: ['Identity'],
    async check(p, { org, script }) {
      const identity = optText(p, 'Get-FederationTrust', 'Identity');
      return { kind: 'federation-trusts', names: identity === undefined ? [...script.trusts] : [trustIn(script, org, identity, 'Identity')] };
    },
    async run(p, org) {
      const output = await org.getFederationTrust();
      const identity = optText(p, 'Get-FederationTrust', 'Identity');
      const records = identity ? output.records.filter((r) => same(r.Name, identity)) : output.records;
      return { output: { records, lines: [] }, piped: { kind: 'federation-trusts', names: records.map((r) => r.Name) } };
    },
  },
  // Replacing the organization's certificate (-Thumbprint, then -PublishFederationCertificate) is not
  // modelled; the parameters exist so that the refusal says so rather than that Exchange lacks them.
  'Set-FederationTrust': {
    parameters: ['Identity', 'RefreshMetadata', 'Thumbprint', 'PublishFederationCertificate'],
    positional: ['Identity'],
    takes: ['federation-trusts'],
    async check(p, { org, script, previous }, input) {
      const c = 'Set-FederationTrust';
      if (p.has('Identity')) trustIn(script, org, text(p, c, 'Identity'), 'Identity');
      else if (input.kind !== 'federation-trusts') throw new InputError(`${c} needs -Identity, or the trust piped from Get-FederationTrust`, { field: 'Identity' });
      else if (input.names.length === 0) throw new InputError(`${previous} finds no federation trust of ${org.name} to pipe into ${c}; New-FederationTrust creates one`, { field: 'Identity' });
      for (const name of ['Thumbprint', 'PublishFederationCertificate']) {
        if (p.has(name)) throw new InputError(`${c} -${name} (replacing the organization's certificate) is not modelled here; accepted: -Identity, -RefreshMetadata`, { field: name, accepted: ['Identity', 'RefreshMetadata'] });
      }
      if (!p.has('RefreshMetadata')) throw new InputError(`${c} needs -RefreshMetadata: reading the gateway's metadata again is what it does here`, { field: 'RefreshMetadata' });
      if (!asBoolean(p.get('RefreshMetadata'), c, 'RefreshMetadata')) throw new InputError(`${c} -RefreshMetadata:$false asks for nothing; write -RefreshMetadata`, { field: 'RefreshMetadata', value: '$false' });
    },
    async run(p, org, input) {
      const names = p.has('Identity') ? [text(p, 'Set-FederationTrust', 'Identity')] : input.kind === 'federation-trusts' ? input.names : [];
      for (const n of names) await org.refreshMetadata(n);
      return {};
    },
  },
  'Get-FederatedDomainProof': {
    parameters: ['DomainName'],
    positional: ['DomainName'],
    async check(p, { script }) {
      domain(text(p, 'Get-FederatedDomainProof', 'DomainName'), 'DomainName');
      if (script.trusts.length === 0) throw new InputError('Get-FederatedDomainProof needs a federation trust; run New-FederationTrust first', { field: 'DomainName' });
    },
    async run(p, org) {
      return { output: await org.getFederatedDomainProof(text(p, 'Get-FederatedDomainProof', 'DomainName')) };
    },
  },
  'New-AcceptedDomain': {
    parameters: ['Name', 'DomainName', 'DomainType'],
    enums: { DomainType: ACCEPTED_DOMAIN_TYPES },
    async check(p, { org, script }) {
      const c = 'New-AcceptedDomain';
      const name = text(p, c, 'Name');
      const domainName = text(p, c, 'DomainName');
      if (p.has('DomainType')) asEnum(p.get('DomainType'), c, 'DomainType', ACCEPTED_DOMAIN_TYPES);
      // The same checks the write makes, against the accepted domains the script will have made too.
      const existing: AcceptedDomainView[] = script.acceptedDomains.map((d) => ({ dn: '', federated: false, ...d }));
      planAcceptedDomain(org.org.layout, name, domainName, existing);
      script.acceptedDomains.push({ name, domainName: domainName.toLowerCase() });
    },
    async run(p, org) {
      const c = 'New-AcceptedDomain';
      const name = text(p, c, 'Name');
      const domainName = text(p, c, 'DomainName');
      await org.newAcceptedDomain(name, domainName);
      return { output: { records: [{ Name: name, DomainName: domainName.toLowerCase(), DomainType: 'Authoritative' }], lines: [] } };
    },
  },
  'Get-AcceptedDomain': {
    parameters: ['Identity'],
    positional: ['Identity'],
    async check(p, { org, script }) {
      const identity = optText(p, 'Get-AcceptedDomain', 'Identity');
      if (identity !== undefined && !script.acceptedDomains.some((d) => same(d.name, identity) || same(d.domainName, identity))) {
        const names = script.acceptedDomains.map((d) => d.name);
        throw new InputError(`"${identity}" is not an accepted domain of ${org.name}; accepted: ${acceptedList(names)}`, { field: 'Identity', value: identity, accepted: names });
      }
    },
    async run(p, org) {
      const identity = optText(p, 'Get-AcceptedDomain', 'Identity');
      const all = await org.directory().acceptedDomains();
      const shown = all.filter((d) => identity === undefined || same(d.name, identity) || same(d.domainName, identity));
      return { output: { records: shown.map((d) => ({ Name: d.name, DomainName: d.domainName, DomainType: 'Authoritative' })), lines: [] } };
    },
  },
  'Set-FederatedOrganizationIdentifier': {
    parameters: ['DelegationFederationTrust', 'AccountNamespace', 'Enabled'],
    async check(p, { org, script }) {
      const c = 'Set-FederatedOrganizationIdentifier';
      trustIn(script, org, text(p, c, 'DelegationFederationTrust'), 'DelegationFederationTrust');
      const ns = domain(text(p, c, 'AccountNamespace'), 'AccountNamespace');
      optBool(p, c, 'Enabled');
      if (!script.acceptedDomains.some((d) => d.domainName === ns)) {
        throw new InputError(`the account namespace ${ns} must be an accepted domain first (New-AcceptedDomain -DomainName ${ns})`, { field: 'AccountNamespace', value: ns, accepted: script.acceptedDomains.map((d) => d.domainName) });
      }
      const primary = org.org.layout.forestDomain;
      if (ns === primary) throw new InputError(`the account namespace must differ from the primary SMTP domain ${primary}; use a subdomain such as exchangedelegation.${primary}`, { field: 'AccountNamespace', value: ns });
      script.accountNamespace = ns;
    },
    async run(p, org) {
      const c = 'Set-FederatedOrganizationIdentifier';
      await org.setFederatedOrganizationIdentifier({
        delegationFederationTrust: text(p, c, 'DelegationFederationTrust'),
        accountNamespace: text(p, c, 'AccountNamespace'),
        enabled: optBool(p, c, 'Enabled') ?? true,
      });
      return {};
    },
  },
  'Add-FederatedDomain': {
    parameters: ['DomainName'],
    positional: ['DomainName'],
    async check(p, { org, script }) {
      const name = domain(text(p, 'Add-FederatedDomain', 'DomainName'), 'DomainName');
      if (!script.accountNamespace) throw new InputError('Add-FederatedDomain needs a federated organization identifier; run Set-FederatedOrganizationIdentifier first', { field: 'DomainName', value: name });
      if (!script.acceptedDomains.some((d) => d.domainName === name)) {
        throw new InputError(`${name} is not an accepted domain of ${org.name}`, { field: 'DomainName', value: name, accepted: script.acceptedDomains.map((d) => d.domainName) });
      }
    },
    async run(p, org) {
      await org.addFederatedDomain(text(p, 'Add-FederatedDomain', 'DomainName'));
      return {};
    },
  },
  // -IncludeExtendedDomainInfo is taken: the domains are listed the same way with it or without.
  'Get-FederatedOrganizationIdentifier': {
    parameters: ['IncludeExtendedDomainInfo'],
    async check(p) {
      optBool(p, 'Get-FederatedOrganizationIdentifier', 'IncludeExtendedDomainInfo');
    },
    async run(_p, org) {
      return { output: await org.getFederatedOrganizationIdentifier() };
    },
  },
  // -BypassAdditionalDomainValidation, -TrustedHostnames and -Force are taken as Exchange takes them: the
  // partner's answer is read the same way (one HTTPS redirect followed, whatever its host).
  'Get-FederationInformation': {
    parameters: ['DomainName', 'BypassAdditionalDomainValidation', 'TrustedHostnames', 'Force'],
    positional: ['DomainName'],
    async check(p) {
      const c = 'Get-FederationInformation';
      const name = domain(text(p, c, 'DomainName'), 'DomainName');
      optBool(p, c, 'BypassAdditionalDomainValidation');
      optBool(p, c, 'Force');
      if (p.has('TrustedHostnames')) asStringArray(p.get('TrustedHostnames'), c, 'TrustedHostnames');
      return { kind: 'federation-information', domain: name };
    },
    async run(p, org) {
      const result = await org.getFederationInformation(text(p, 'Get-FederationInformation', 'DomainName'));
      const info = result.information!;
      return { output: result, piped: { kind: 'federation-information', ...info } };
    },
  },
  'New-OrganizationRelationship': {
    parameters: REL_PARAMETERS,
    enums: { FreeBusyAccessLevel: FREE_BUSY_ACCESS_LEVELS },
    takes: ['federation-information'],
    async check(p, { org, script }, input) {
      const c = 'New-OrganizationRelationship';
      const name = text(p, c, 'Name');
      if (script.relationships.some((r) => same(r.name, name))) throw new InputError(`an organization relationship named "${name}" already exists`, { field: 'Name', value: name });
      let domainNames: string[];
      if (p.has('DomainNames')) domainNames = domains(p, c, 'DomainNames');
      // Piped, the partner's answer names its federated domains, known only when Get-FederationInformation
      // runs; but they hold the domain it was asked about (or it fails), and that one is checked now.
      else if (input.kind === 'federation-information') domainNames = [input.domain];
      else throw new InputError(`${c} needs -DomainNames (the other organization's federated domains), or Get-FederationInformation piped into it`, { field: 'DomainNames' });
      noDomainClash(script, undefined, domainNames);
      await checkRelationshipValues(p, c, org);
      script.relationships.push({ name, domainNames });
    },
    async run(p, org, input) {
      const c = 'New-OrganizationRelationship';
      const fromPipe = input.kind === 'federation-information' ? input : undefined;
      const change = relationshipChange(p, c);
      const name = text(p, c, 'Name');
      await org.newOrganizationRelationship({
        name,
        domainNames: change.domainNames ?? fromPipe?.domainNames ?? [],
        enabled: change.enabled ?? true,
        freeBusyAccessEnabled: change.freeBusyAccessEnabled ?? false,
        freeBusyAccessLevel: change.freeBusyAccessLevel ?? 'None',
        freeBusyAccessScope: change.freeBusyAccessScope ?? undefined,
        targetApplicationUri: change.targetApplicationUri ?? fromPipe?.targetApplicationUri,
        targetAutodiscoverEpr: change.targetAutodiscoverEpr ?? fromPipe?.targetAutodiscoverEpr,
      });
      return { output: relationshipOutput(await org.getOrganizationRelationship(name), name) };
    },
  },
  'Set-OrganizationRelationship': {
    parameters: ['Identity', ...REL_PARAMETERS.filter((x) => x !== 'Name')],
    positional: ['Identity'],
    enums: { FreeBusyAccessLevel: FREE_BUSY_ACCESS_LEVELS },
    takes: ['organization-relationships'],
    async check(p, { org, script, previous }, input) {
      const c = 'Set-OrganizationRelationship';
      let names: string[];
      if (p.has('Identity')) names = [relationshipIn(script, org, text(p, c, 'Identity'), 'Identity').name];
      else if (input.kind === 'organization-relationships') names = input.names;
      else throw new InputError(`${c} needs -Identity, or relationships piped from Get-OrganizationRelationship`, { field: 'Identity' });
      if (names.length === 0) throw new InputError(`${previous} finds no organization relationship of ${org.name} to pipe into ${c}`, { field: 'Identity' });
      const domainNames = p.has('DomainNames') ? domains(p, c, 'DomainNames') : undefined;
      await checkRelationshipValues(p, c, org);
      if (domainNames) {
        if (names.length > 1) throw new InputError(`${c} -DomainNames would give ${names.length} relationships the same domains (${names.join(', ')}); set them one -Identity at a time`, { field: 'DomainNames' });
        noDomainClash(script, names[0], domainNames);
        relationshipIn(script, org, names[0], 'Identity').domainNames = domainNames;
      }
    },
    async run(p, org, input) {
      const c = 'Set-OrganizationRelationship';
      const names = p.has('Identity') ? [text(p, c, 'Identity')] : input.kind === 'organization-relationships' ? input.names : [];
      const records: ShellOutput['records'] = [];
      for (const name of names) {
        await org.setOrganizationRelationship(name, relationshipChange(p, c));
        records.push(...relationshipOutput(await org.getOrganizationRelationship(name), name).records);
      }
      return { output: { records, lines: [] } };
    },
  },
  'Get-OrganizationRelationship': {
    parameters: ['Identity'],
    positional: ['Identity'],
    async check(p, { org, script }) {
      const identity = optText(p, 'Get-OrganizationRelationship', 'Identity');
      return { kind: 'organization-relationships', names: identity === undefined ? script.relationships.map((r) => r.name) : [relationshipIn(script, org, identity, 'Identity').name] };
    },
    async run(p, org) {
      const output = await org.getOrganizationRelationship(optText(p, 'Get-OrganizationRelationship', 'Identity'));
      return { output, piped: { kind: 'organization-relationships', names: output.records.map((r) => r.Name) } };
    },
  },
  'Test-FederationTrust': {
    parameters: ['UserIdentity', 'Confirm'],
    async check(p, { org }) {
      optBool(p, 'Test-FederationTrust', 'Confirm');
      const user = optText(p, 'Test-FederationTrust', 'UserIdentity');
      if (user !== undefined) await mailboxIn(org, user, 'UserIdentity');
    },
    async run(p, org) {
      return { output: await testFederationTrust(org, optText(p, 'Test-FederationTrust', 'UserIdentity')) };
    },
  },
  'Test-OrganizationRelationship': {
    parameters: ['Identity', 'UserIdentity', 'Confirm'],
    positional: ['Identity'],
    async check(p, { org, script }) {
      const c = 'Test-OrganizationRelationship';
      relationshipIn(script, org, text(p, c, 'Identity'), 'Identity');
      await mailboxIn(org, text(p, c, 'UserIdentity'), 'UserIdentity');
      optBool(p, c, 'Confirm');
    },
    async run(p, org) {
      const c = 'Test-OrganizationRelationship';
      return { output: await testOrganizationRelationship(org, text(p, c, 'Identity'), text(p, c, 'UserIdentity')) };
    },
  },
  'Set-WebServicesVirtualDirectory': {
    parameters: ['Identity', 'ExternalUrl', 'InternalUrl'],
    positional: ['Identity'],
    async check(p, { org }) {
      const c = 'Set-WebServicesVirtualDirectory';
      // Planned, not written: the server, its role and the URLs are checked as the write checks them.
      org.org.writer.planner.planWebServicesVirtualDirectory(ewsServer(text(p, c, 'Identity')), { externalUrl: optUrl(p, c, 'ExternalUrl'), internalUrl: optUrl(p, c, 'InternalUrl') });
    },
    async run(p, org) {
      const c = 'Set-WebServicesVirtualDirectory';
      await org.setWebServicesVirtualDirectory(ewsServer(text(p, c, 'Identity')), { externalUrl: optUrl(p, c, 'ExternalUrl'), internalUrl: optUrl(p, c, 'InternalUrl') });
      return {};
    },
  },
  'New-MailContact': {
    parameters: ['Name', 'ExternalEmailAddress'],
    async check(p, { org, script }) {
      const c = 'New-MailContact';
      const name = text(p, c, 'Name');
      planMailContact(org.org.layout, name, text(p, c, 'ExternalEmailAddress'));
      if (script.contacts.has(name.toLowerCase()) || (await contactNameTaken(org, name))) {
        throw new InputError(`"${name}" already names an object in the Users container of ${org.org.layout.forestDomain}`, { field: 'Name', value: name });
      }
      script.contacts.add(name.toLowerCase());
    },
    async run(p, org) {
      await org.newMailContact(text(p, 'New-MailContact', 'Name'), text(p, 'New-MailContact', 'ExternalEmailAddress'));
      return {};
    },
  },
  'Set-MailboxFolderPermission': {
    parameters: ['Identity', 'User', 'AccessRights'],
    positional: ['Identity'],
    enums: { AccessRights: CALENDAR_PERMISSIONS },
    async check(p, { org }) {
      await mailboxIn(org, calendarPermission(p, 'Set-MailboxFolderPermission').address, 'Identity');
    },
    async run(p, org) {
      const { address, rights } = calendarPermission(p, 'Set-MailboxFolderPermission');
      const mailbox = await org.org.directory.findUserByLogonName(address);
      if (!mailbox) throw new InputError(`${address} is not a mailbox of ${org.name}`, { field: 'Identity', value: address });
      org.mailboxes.calendar(mailbox.primarySmtpAddress).defaultPermission = rights;
      return {};
    },
  },
};
CMDLETS['Add-MailboxFolderPermission'] = CMDLETS['Set-MailboxFolderPermission'];

function thumbprintOf(p: Params): string | undefined {
  // -Identity is SERVER\thumbprint, or the thumbprint alone.
  const written = p.has('Thumbprint') ? asString(p.get('Thumbprint'), 'Get-ExchangeCertificate', 'Thumbprint') : p.has('Identity') ? asString(p.get('Identity'), 'Get-ExchangeCertificate', 'Identity').split('\\').pop()! : undefined;
  return written?.trim().toUpperCase();
}

/** Display-only cmdlets at the end of a pipeline. */
const FORMATTERS = new Set(['format-list', 'fl', 'format-table', 'ft']);
const FILTERS = new Set(['?', 'where-object', 'where']);

export const SHELL_CMDLETS = Object.keys(CMDLETS);

function cmdletFor(inv: ShellInvocation): [string, Cmdlet] {
  const entry = Object.entries(CMDLETS).find(([name]) => same(name, inv.cmdlet));
  if (!entry) throw new InputError(`${inv.cmdlet} is not a cmdlet modelled here; accepted: ${SHELL_CMDLETS.join(', ')}`, { field: inv.cmdlet, accepted: SHELL_CMDLETS });
  return entry;
}

/** `?{$_.FriendlyName -eq "Exchange Federated Delegation"}`: the one filter the runbooks use. */
function certificateFilter(inv: ShellInvocation): (friendlyName: string) => boolean {
  const block = String(inv.positional[0] ?? inv.parameters.get('FilterScript') ?? '');
  // Blogs print typographic quotes; the shell reads them as ASCII ones.
  const m = /^\{\s*\$_\.(\w+)\s+-(eq|like)\s+["'\u2018\u2019\u201C\u201D]([^"'\u2018\u2019\u201C\u201D]*)["'\u2018\u2019\u201C\u201D]\s*\}$/i.exec(block.trim());
  if (!m || m[1].toLowerCase() !== 'friendlyname') {
    throw new InputError(`the filter ${block} is not modelled; write ?{$_.FriendlyName -eq "<name>"}`, { field: 'FilterScript', value: block });
  }
  const pattern = m[3];
  if (m[2].toLowerCase() === 'eq') return (n) => same(n, pattern);
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return (n) => re.test(n);
}

/** The organization as it is now, the starting point of a script's checks. */
async function currentPlan(org: OrganizationFederation): Promise<ScriptPlan> {
  const fed = org.directory();
  const [trusts, accepted, orgId, relationships] = await Promise.all([fed.federationTrusts(), fed.acceptedDomains(), fed.organizationId(), fed.organizationRelationships()]);
  return {
    certificates: [...org.certificates.values()].map((c) => ({ friendlyName: c.friendlyName, thumbprint: c.certificate.thumbprint })),
    trusts: trusts.map((t) => t.name),
    acceptedDomains: accepted.map((d) => ({ name: d.name, domainName: d.domainName })),
    accountNamespace: orgId.accountNamespace,
    relationships: relationships.map((r) => ({ name: r.name, domainNames: [...r.domainNames] })),
    contacts: new Set(),
  };
}

type Stage =
  | { kind: 'format'; inv: ShellInvocation }
  | { kind: 'filter'; inv: ShellInvocation; test: (friendlyName: string) => boolean }
  | { kind: 'cmdlet'; inv: ShellInvocation; canonical: string; cmdlet: Cmdlet; params: Params };

function bind(inv: ShellInvocation, piped: boolean): Stage {
  const name = inv.cmdlet.toLowerCase();
  if (FORMATTERS.has(name)) return { kind: 'format', inv };
  if (FILTERS.has(name)) {
    try {
      if (!piped) throw new InputError(`${inv.cmdlet} filters what comes down the pipeline; put it after Get-ExchangeCertificate |`);
      return { kind: 'filter', inv, test: certificateFilter(inv) };
    } catch (e) {
      throw placedInStatement(e, inv.cmdlet, inv.line);
    }
  }
  const [canonical, cmdlet] = (() => {
    try {
      return cmdletFor(inv);
    } catch (e) {
      throw placedInStatement(e, inv.cmdlet, inv.line);
    }
  })();
  try {
    const params = bindParameters(inv, cmdlet.parameters, { positional: cmdlet.positional, enums: cmdlet.enums });
    for (const [param, value] of params) if (value === '') throw new InputError(`-${param} is empty (${describeShellValue(value)}); give a value or leave the parameter out`, { field: param });
    return { kind: 'cmdlet', inv, canonical, cmdlet, params };
  } catch (e) {
    throw placedInStatement(e, canonical, inv.line, cmdlet.parameters);
  }
}

/** Checks a statement's stages in pipeline order, each against what the stage before it will send. */
async function checkStatement(stages: readonly Stage[], org: OrganizationFederation, script: ScriptPlan): Promise<void> {
  let input: Planned = { kind: 'none' };
  let previous: string | undefined;
  for (const stage of stages) {
    if (stage.kind === 'format') continue;
    if (stage.kind === 'filter') {
      if (input.kind !== 'certificates') {
        throw placedInStatement(new InputError(`${stage.inv.cmdlet}{…} filters certificates from Get-ExchangeCertificate here; ${previous} sends none`), stage.inv.cmdlet, stage.inv.line);
      }
      input = { kind: 'certificates', friendlyNames: input.friendlyNames.filter(stage.test) };
      continue;
    }
    try {
      if (input.kind !== 'none' && !(stage.cmdlet.takes ?? []).includes(input.kind)) {
        throw new InputError(`${stage.canonical} does not take what ${previous} sends down the pipeline`);
      }
      input = (await stage.cmdlet.check(stage.params, { org, script, previous }, input)) ?? { kind: 'none' };
      previous = stage.canonical;
    } catch (e) {
      throw placedInStatement(e, stage.canonical, stage.inv.line, stage.cmdlet.parameters);
    }
  }
}

/**
 * Runs shell text for an organization. Everything is parsed, bound and checked first (see the header);
 * then the statements run in order, and one that fails stops the rest (ScriptStopped). Returns the last output.
 */
export async function runShell(text: string, org: OrganizationFederation): Promise<ShellOutput> {
  const statements = parseShell(text);
  if (statements.length === 0) throw new InputError('no command was given');
  const bound = statements.map((s) => ({ line: s.line, stages: s.pipeline.map((inv, i) => bind(inv, i > 0)) }));
  const script = await currentPlan(org);
  for (const statement of bound) await checkStatement(statement.stages, org, script);

  let last: ShellOutput = { records: [], lines: [] };
  const applied: number[] = [];
  for (const statement of bound) {
    const names = statement.stages.map((s) => (s.kind === 'cmdlet' ? s.canonical : s.inv.cmdlet));
    let piped: Piped = { kind: 'none' };
    for (const stage of statement.stages) {
      if (stage.kind === 'format') continue;
      if (stage.kind === 'filter') {
        const store = org.certificates;
        const kept: string[] = piped.kind === 'certificates' ? piped.thumbprints.filter((t) => stage.test(store.get(t)?.friendlyName ?? '')) : [];
        piped = { kind: 'certificates', thumbprints: kept };
        last = { records: last.records.filter((r) => kept.includes(r.Thumbprint)), lines: [] };
        continue;
      }
      try {
        const result = await stage.cmdlet.run(stage.params, org, piped);
        piped = result.piped ?? { kind: 'none' };
        last = result.output ?? { records: [], lines: [] };
      } catch (e) {
        throw scriptStopped(e, stage.canonical, names, stage.inv.line, applied, stage.cmdlet.parameters);
      }
    }
    applied.push(statement.line);
  }
  return last;
}
