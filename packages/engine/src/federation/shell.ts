// The Exchange Management Shell cmdlets of federation, run against one organization: parsed by
// shell/command-line, bound to each cmdlet's parameters, executed by OrganizationFederation. A pipeline
// passes objects the way the runbooks use it (Get-ExchangeCertificate | ?{…} | New-FederationTrust,
// Get-FederationInformation | New-OrganizationRelationship, Get-FederationTrust | Set-FederationTrust).
// Every statement is parsed and bound before the first one runs, so a typo applies nothing.

import { InputError, placed } from '../errors';
import { asBoolean, asEnum, asString, asStringArray, bindParameters, parseShell, type ShellInvocation, type ShellValue } from '../shell/command-line';
import { FREE_BUSY_ACCESS_LEVELS, type OrganizationRelationshipSpec } from './directory';
import type { OrganizationFederation, ShellOutput } from './federation';
import { CALENDAR_PERMISSIONS } from './mailbox-content';
import { testFederationTrust, testOrganizationRelationship } from './diagnostics';

type Piped =
  | { kind: 'certificates'; thumbprints: string[] }
  | { kind: 'federation-information'; domainNames: string[]; targetApplicationUri: string; targetAutodiscoverEpr: string }
  | { kind: 'federation-trusts'; names: string[] }
  | { kind: 'none' };

interface Cmdlet {
  parameters: readonly string[];
  positional?: readonly string[];
  run(p: Map<string, ShellValue>, org: OrganizationFederation, input: Piped): Promise<{ output?: ShellOutput; piped?: Piped }>;
}

const REL_PARAMETERS = ['Name', 'DomainNames', 'Enabled', 'FreeBusyAccessEnabled', 'FreeBusyAccessLevel', 'FreeBusyAccessScope', 'TargetApplicationUri', 'TargetAutodiscoverEpr', 'Confirm'];

function opt<T>(p: Map<string, ShellValue>, name: string, read: (v: ShellValue) => T): T | undefined {
  return p.has(name) ? read(p.get(name)!) : undefined;
}

const CMDLETS: Record<string, Cmdlet> = {
  'New-ExchangeCertificate': {
    parameters: ['FriendlyName', 'SubjectName', 'DomainName', 'PrivateKeyExportable', 'Services', 'KeySize', 'KeyUsage'],
    async run(p, org) {
      const friendlyName = asString(p.get('FriendlyName'), 'New-ExchangeCertificate', 'FriendlyName');
      const c = await org.addCertificate({ friendlyName, subject: opt(p, 'SubjectName', (v) => asString(v, 'New-ExchangeCertificate', 'SubjectName')) });
      return { output: { records: [{ Thumbprint: c.certificate.thumbprint, Subject: c.certificate.subject, FriendlyName: friendlyName }], lines: [] }, piped: { kind: 'certificates', thumbprints: [c.certificate.thumbprint] } };
    },
  },
  'Get-ExchangeCertificate': {
    parameters: ['Thumbprint', 'Identity'],
    positional: ['Thumbprint'],
    async run(p, org) {
      const only = opt(p, 'Thumbprint', (v) => asString(v, 'Get-ExchangeCertificate', 'Thumbprint').toUpperCase());
      const all = [...org.certificates.values()].filter((c) => !only || c.certificate.thumbprint === only);
      return {
        output: { records: all.map((c) => ({ Thumbprint: c.certificate.thumbprint, FriendlyName: c.friendlyName, Subject: c.certificate.subject, Issuer: c.certificate.issuer, NotBefore: c.certificate.notBefore.toISOString(), NotAfter: c.certificate.notAfter.toISOString() })), lines: [] },
        piped: { kind: 'certificates', thumbprints: all.map((c) => c.certificate.thumbprint) },
      };
    },
  },
  'New-FederationTrust': {
    parameters: ['Name', 'Thumbprint'],
    async run(p, org, input) {
      const name = asString(p.get('Name'), 'New-FederationTrust', 'Name');
      let thumbprint = opt(p, 'Thumbprint', (v) => asString(v, 'New-FederationTrust', 'Thumbprint'));
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
    async run(p, org) {
      const output = await org.getFederationTrust();
      const identity = opt(p, 'Identity', (v) => asString(v, 'Get-FederationTrust', 'Identity'));
      const records = identity ? output.records.filter((r) => r.Name.toLowerCase() === identity.toLowerCase()) : output.records;
      return { output: { records, lines: [] }, piped: { kind: 'federation-trusts', names: records.map((r) => r.Name) } };
    },
  },
  'Set-FederationTrust': {
    parameters: ['Identity', 'RefreshMetadata', 'Thumbprint', 'PublishFederationCertificate'],
    positional: ['Identity'],
    async run(p, org, input) {
      const names = p.has('Identity') ? [asString(p.get('Identity'), 'Set-FederationTrust', 'Identity')] : input.kind === 'federation-trusts' ? input.names : [];
      if (names.length === 0) throw new InputError('Set-FederationTrust needs -Identity (or a trust piped from Get-FederationTrust)', { field: 'Identity' });
      if (!p.has('RefreshMetadata') || !asBoolean(p.get('RefreshMetadata'), 'Set-FederationTrust', 'RefreshMetadata')) {
        throw new InputError('only Set-FederationTrust -RefreshMetadata is modelled', { field: 'RefreshMetadata', accepted: ['RefreshMetadata'] });
      }
      for (const n of names) await org.refreshMetadata(n);
      return {};
    },
  },
  'Get-FederatedDomainProof': {
    parameters: ['DomainName'],
    positional: ['DomainName'],
    async run(p, org) {
      return { output: await org.getFederatedDomainProof(asString(p.get('DomainName'), 'Get-FederatedDomainProof', 'DomainName')) };
    },
  },
  'New-AcceptedDomain': {
    parameters: ['Name', 'DomainName', 'DomainType'],
    async run(p, org) {
      const domainName = asString(p.get('DomainName'), 'New-AcceptedDomain', 'DomainName');
      if (p.has('DomainType')) asEnum(p.get('DomainType'), 'New-AcceptedDomain', 'DomainType', ['Authoritative'] as const);
      await org.newAcceptedDomain(opt(p, 'Name', (v) => asString(v, 'New-AcceptedDomain', 'Name')) ?? domainName, domainName);
      return {};
    },
  },
  'Set-FederatedOrganizationIdentifier': {
    parameters: ['DelegationFederationTrust', 'AccountNamespace', 'Enabled'],
    async run(p, org) {
      const c = 'Set-FederatedOrganizationIdentifier';
      await org.setFederatedOrganizationIdentifier({
        delegationFederationTrust: asString(p.get('DelegationFederationTrust'), c, 'DelegationFederationTrust'),
        accountNamespace: asString(p.get('AccountNamespace'), c, 'AccountNamespace'),
        enabled: p.has('Enabled') ? asBoolean(p.get('Enabled'), c, 'Enabled') : true,
      });
      return {};
    },
  },
  'Add-FederatedDomain': {
    parameters: ['DomainName'],
    positional: ['DomainName'],
    async run(p, org) {
      await org.addFederatedDomain(asString(p.get('DomainName'), 'Add-FederatedDomain', 'DomainName'));
      return {};
    },
  },
  'Get-FederatedOrganizationIdentifier': {
    parameters: ['Identity', 'IncludeExtendedDomainInfo'],
    async run(_p, org) {
      return { output: await org.getFederatedOrganizationIdentifier() };
    },
  },
  'Get-FederationInformation': {
    parameters: ['DomainName', 'BypassAdditionalDomainValidation', 'TrustedHostnames', 'Force'],
    positional: ['DomainName'],
    async run(p, org) {
      const result = await org.getFederationInformation(asString(p.get('DomainName'), 'Get-FederationInformation', 'DomainName'));
      const info = result.information!;
      return { output: result, piped: { kind: 'federation-information', ...info } };
    },
  },
  'New-OrganizationRelationship': {
    parameters: REL_PARAMETERS,
    async run(p, org, input) {
      const c = 'New-OrganizationRelationship';
      const fromPipe = input.kind === 'federation-information' ? input : undefined;
      const spec: OrganizationRelationshipSpec & { freeBusyAccessScope?: string } = {
        name: asString(p.get('Name'), c, 'Name'),
        domainNames: opt(p, 'DomainNames', (v) => asStringArray(v, c, 'DomainNames')) ?? fromPipe?.domainNames ?? [],
        enabled: opt(p, 'Enabled', (v) => asBoolean(v, c, 'Enabled')) ?? true,
        freeBusyAccessEnabled: opt(p, 'FreeBusyAccessEnabled', (v) => asBoolean(v, c, 'FreeBusyAccessEnabled')) ?? false,
        freeBusyAccessLevel: opt(p, 'FreeBusyAccessLevel', (v) => asEnum(v, c, 'FreeBusyAccessLevel', FREE_BUSY_ACCESS_LEVELS)) ?? 'None',
        freeBusyAccessScope: opt(p, 'FreeBusyAccessScope', (v) => asString(v, c, 'FreeBusyAccessScope')),
        targetApplicationUri: opt(p, 'TargetApplicationUri', (v) => asString(v, c, 'TargetApplicationUri')) ?? fromPipe?.targetApplicationUri,
        targetAutodiscoverEpr: opt(p, 'TargetAutodiscoverEpr', (v) => asString(v, c, 'TargetAutodiscoverEpr')) ?? fromPipe?.targetAutodiscoverEpr,
      };
      await org.newOrganizationRelationship(spec);
      return {};
    },
  },
  'Set-OrganizationRelationship': {
    parameters: ['Identity', ...REL_PARAMETERS.filter((x) => x !== 'Name')],
    positional: ['Identity'],
    async run(p, org) {
      const c = 'Set-OrganizationRelationship';
      await org.setOrganizationRelationship(asString(p.get('Identity'), c, 'Identity'), {
        domainNames: opt(p, 'DomainNames', (v) => asStringArray(v, c, 'DomainNames')),
        enabled: opt(p, 'Enabled', (v) => asBoolean(v, c, 'Enabled')),
        freeBusyAccessEnabled: opt(p, 'FreeBusyAccessEnabled', (v) => asBoolean(v, c, 'FreeBusyAccessEnabled')),
        freeBusyAccessLevel: opt(p, 'FreeBusyAccessLevel', (v) => asEnum(v, c, 'FreeBusyAccessLevel', FREE_BUSY_ACCESS_LEVELS)),
        freeBusyAccessScope: p.has('FreeBusyAccessScope') ? (p.get('FreeBusyAccessScope') === null ? null : asString(p.get('FreeBusyAccessScope'), c, 'FreeBusyAccessScope')) : undefined,
        targetApplicationUri: opt(p, 'TargetApplicationUri', (v) => asString(v, c, 'TargetApplicationUri')),
        targetAutodiscoverEpr: opt(p, 'TargetAutodiscoverEpr', (v) => asString(v, c, 'TargetAutodiscoverEpr')),
      });
      return {};
    },
  },
  'Get-OrganizationRelationship': {
    parameters: ['Identity'],
    positional: ['Identity'],
    async run(p, org) {
      return { output: await org.getOrganizationRelationship(opt(p, 'Identity', (v) => asString(v, 'Get-OrganizationRelationship', 'Identity'))) };
    },
  },
  'Test-FederationTrust': {
    parameters: ['UserIdentity', 'Confirm'],
    async run(p, org) {
      return { output: await testFederationTrust(org, opt(p, 'UserIdentity', (v) => asString(v, 'Test-FederationTrust', 'UserIdentity'))) };
    },
  },
  'Test-OrganizationRelationship': {
    parameters: ['Identity', 'UserIdentity', 'Confirm'],
    positional: ['Identity'],
    async run(p, org) {
      const c = 'Test-OrganizationRelationship';
      return { output: await testOrganizationRelationship(org, asString(p.get('Identity'), c, 'Identity'), asString(p.get('UserIdentity'), c, 'UserIdentity')) };
    },
  },
  'Set-WebServicesVirtualDirectory': {
    parameters: ['Identity', 'ExternalUrl', 'InternalUrl'],
    positional: ['Identity'],
    async run(p, org) {
      const c = 'Set-WebServicesVirtualDirectory';
      const url = (name: string) => (p.has(name) ? (p.get(name) === null ? null : asString(p.get(name), c, name)) : undefined);
      await org.setWebServicesVirtualDirectory(asString(p.get('Identity'), c, 'Identity'), { externalUrl: url('ExternalUrl'), internalUrl: url('InternalUrl') });
      return {};
    },
  },
  'New-MailContact': {
    parameters: ['Name', 'ExternalEmailAddress'],
    async run(p, org) {
      await org.newMailContact(asString(p.get('Name'), 'New-MailContact', 'Name'), asString(p.get('ExternalEmailAddress'), 'New-MailContact', 'ExternalEmailAddress'));
      return {};
    },
  },
  'Set-MailboxFolderPermission': {
    parameters: ['Identity', 'User', 'AccessRights'],
    positional: ['Identity'],
    async run(p, org) {
      const c = 'Set-MailboxFolderPermission';
      const identity = asString(p.get('Identity'), c, 'Identity');
      const m = /^(.+?):\\Calendar$/i.exec(identity);
      if (!m) throw new InputError(`${identity} is not a calendar folder; write it as bob@fabrikam.com:\\Calendar`, { field: 'Identity', value: identity });
      const user = asString(p.get('User'), c, 'User');
      if (user.toLowerCase() !== 'default') throw new InputError('only the Default user\'s calendar permission bears on federated free/busy here', { field: 'User', value: user, accepted: ['Default'] });
      const rights = asEnum(p.get('AccessRights'), c, 'AccessRights', CALENDAR_PERMISSIONS);
      const mailbox = await org.org.directory.findUserByLogonName(m[1]);
      if (!mailbox) throw new InputError(`${m[1]} is not a mailbox of ${org.name}`, { field: 'Identity', value: identity });
      org.mailboxes.calendar(mailbox.primarySmtpAddress).defaultPermission = rights;
      return {};
    },
  },
};
CMDLETS['Add-MailboxFolderPermission'] = CMDLETS['Set-MailboxFolderPermission'];

/** Display-only cmdlets at the end of a pipeline. */
const FORMATTERS = new Set(['format-list', 'fl', 'format-table', 'ft']);
const FILTERS = new Set(['?', 'where-object', 'where']);

function cmdletFor(inv: ShellInvocation): [string, Cmdlet] {
  const entry = Object.entries(CMDLETS).find(([name]) => name.toLowerCase() === inv.cmdlet.toLowerCase());
  if (!entry) {
    throw new InputError(`${inv.cmdlet} is not a cmdlet modelled here; accepted: ${Object.keys(CMDLETS).join(', ')}`, { field: inv.cmdlet, accepted: Object.keys(CMDLETS) });
  }
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
  if (m[2].toLowerCase() === 'eq') return (n) => n.toLowerCase() === pattern.toLowerCase();
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return (n) => re.test(n);
}

/**
 * Runs shell text for an organization. Everything is parsed and bound first; then statements run in order
 * (a cmdlet that fails stops the rest, as -ErrorAction Stop would). Returns the last output.
 */
export async function runShell(text: string, org: OrganizationFederation): Promise<ShellOutput> {
  const statements = parseShell(text);
  if (statements.length === 0) throw new InputError('no command was given');
  const bound = statements.map((s) =>
    s.pipeline.map((inv) => {
      const name = inv.cmdlet.toLowerCase();
      if (FORMATTERS.has(name)) return { kind: 'format' as const, inv };
      if (FILTERS.has(name)) return { kind: 'filter' as const, inv, test: certificateFilter(inv) };
      try {
        const [canonical, cmdlet] = cmdletFor(inv);
        return { kind: 'cmdlet' as const, inv, canonical, cmdlet, params: bindParameters(inv, cmdlet.parameters, { positional: cmdlet.positional }) };
      } catch (e) {
        throw placed(e, `line ${inv.line}`);
      }
    }),
  );
  let last: ShellOutput = { records: [], lines: [] };
  for (const pipeline of bound) {
    let piped: Piped = { kind: 'none' };
    for (const stage of pipeline) {
      if (stage.kind === 'format') continue;
      if (stage.kind === 'filter') {
        if (piped.kind !== 'certificates') throw new InputError(`line ${stage.inv.line}: the filter only applies to certificates from Get-ExchangeCertificate`);
        const store = org.certificates;
        piped = { kind: 'certificates', thumbprints: piped.thumbprints.filter((t) => stage.test(store.get(t)?.friendlyName ?? '')) };
        last = { records: last.records.filter((r) => piped.kind === 'certificates' && piped.thumbprints.includes(r.Thumbprint)), lines: [] };
        continue;
      }
      try {
        const result = await stage.cmdlet.run(stage.params, org, piped);
        piped = result.piped ?? { kind: 'none' };
        last = result.output ?? { records: [], lines: [] };
      } catch (e) {
        throw placed(e, `${stage.canonical} (line ${stage.inv.line})`);
      }
    }
  }
  return last;
}

export const SHELL_CMDLETS = Object.keys(CMDLETS);
