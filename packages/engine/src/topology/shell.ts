// The Exchange Management Shell cmdlets that change the topology OWA decides on, as administrators paste
// them from a runbook: Set-OwaVirtualDirectory (URLs, redirection types, the IIS authentication
// switches), New-Mailbox, and moving a mailbox (New-MoveRequest on 2010, Move-Mailbox on 2007).
// Get-OwaVirtualDirectory reads back and pipes into Set-OwaVirtualDirectory. Parsing is shell/command-line's;
// every statement is parsed and bound before the first one runs, so a typo applies nothing.
//
// The authentication switches are IIS settings the cmdlet maps to the AD bitmasks (DOMAIN-NOTES, PSDOC):
// -FormsAuthentication $true forces Basic on and Digest and Windows off, so methods become {Basic, Fba};
// -BasicAuthentication, -DigestAuthentication and -WindowsAuthentication (Ntlm and WindowsIntegrated) add or
// remove their methods from what the directory holds. They apply to internal and external methods alike.
// Chosen: -FormsAuthentication $true with -WindowsAuthentication $true (or -DigestAuthentication $true) in one
// command is refused, since forms-based authentication turns those off (Exchange's own message is not known).

import { InputError, placed } from '../errors';
import type { AuthMethodName } from '../directory/schema';
import { asBoolean, asEnum, asString, bindParameters, describeShellValue, parseShell, type ShellInvocation, type ShellValue } from '../shell/command-line';
import type { ExchangeOrganization } from '../simulation';
import type { MailboxSpec, OwaVirtualDirectoryChange } from './model';

/** What a Get- cmdlet shows (property → display value), as Format-List prints it. */
export interface TopologyShellOutput {
  records: Array<Record<string, string>>;
  lines: string[];
}

export interface TopologyShellOptions {
  /** The password every user of the scenario has; New-Mailbox -Password is not read (see the step docs). */
  password: string;
}

/** What the statements before this one will have made, for checks that look ahead (a mailbox New-Mailbox creates). */
interface ScriptPlan {
  newMailboxes: Set<string>;
  /** Each OWA virtual directory's ExternalUrl, as the directory holds it and as earlier statements set it. */
  externalUrls: Map<string, string | null>;
}

type Piped = { kind: 'owa-virtual-directories'; servers: string[] } | { kind: 'none' };

interface Cmdlet {
  parameters: readonly string[];
  positional?: readonly string[];
  /**
   * Checks the values before any statement of the script runs (types, accepted values, names the
   * organization knows), so a script with a mistake anywhere applies nothing. `piped`: input comes from
   * the pipeline, so -Identity may be absent.
   */
  check?(p: Map<string, ShellValue>, org: ExchangeOrganization, piped: boolean, script: ScriptPlan): void;
  run(p: Map<string, ShellValue>, org: ExchangeOrganization, input: Piped, options: TopologyShellOptions): Promise<{ output?: TopologyShellOutput; piped?: Piped }>;
}

const VDIR = 'owa (Default Web Site)';
const CROSS_SITE = ['Manual', 'Silent'] as const;
const LEGACY = ['Silent', 'Manual'] as const;

/** "DAL-CAS\owa (Default Web Site)", "DAL-CAS\owa", or just "DAL-CAS": the server the identity names. */
function serverOfIdentity(identity: string, org: ExchangeOrganization): string {
  const [server, vdir] = identity.split('\\');
  if (vdir !== undefined && !/^owa( \(default web site\))?$/i.test(vdir.trim()) && !/^exchange( \(default web site\))?$/i.test(vdir.trim())) {
    throw new InputError(`"${identity}" is not an OWA virtual directory; write <server>\\${VDIR}`, { field: 'Identity', value: identity });
  }
  return org.writer.planner.server(server.trim(), 'Identity').name;
}

/** $null clears a URL; a string sets it; absent leaves it. */
function url(p: Map<string, ShellValue>, name: string, cmdlet: string): string | null | undefined {
  if (!p.has(name)) return undefined;
  const v = p.get(name);
  return v === null ? null : asString(v, cmdlet, name);
}

function withMethods(current: readonly AuthMethodName[], on: Partial<Record<'basic' | 'digest' | 'windows' | 'forms', boolean>>): AuthMethodName[] {
  if (on.forms === true) return ['Basic', 'Fba'];
  const set = new Set<AuthMethodName>(current);
  const toggle = (names: AuthMethodName[], value: boolean | undefined) => {
    if (value === undefined) return;
    for (const n of names) (value ? set.add(n) : set.delete(n));
  };
  toggle(['Fba'], on.forms);
  toggle(['Basic'], on.basic);
  toggle(['Digest'], on.digest);
  toggle(['Ntlm', 'WindowsIntegrated'], on.windows);
  return [...set];
}

/** FailbackUrl must differ from the ExternalUrl the directory holds, not only from one given alongside. */
function failbackDiffers(failbackUrl: string, externalUrl: string | null | undefined): void {
  if (externalUrl && externalUrl.replace(/\/+$/, '').toLowerCase() === failbackUrl.replace(/\/+$/, '').toLowerCase()) {
    throw new InputError(`FailbackUrl must differ from ExternalUrl (${externalUrl})`, { field: 'FailbackUrl', value: failbackUrl });
  }
}

/** Set-OwaVirtualDirectory's URLs and redirection types for one server (the authentication switches apart). */
function urlChange(p: Map<string, ShellValue>, server: string): OwaVirtualDirectoryChange {
  const c = 'Set-OwaVirtualDirectory';
  return {
    server,
    internalUrl: url(p, 'InternalUrl', c),
    externalUrl: url(p, 'ExternalUrl', c),
    failbackUrl: url(p, 'FailbackUrl', c),
    exchange2003Url: url(p, 'Exchange2003Url', c),
    crossSiteRedirectType: p.has('CrossSiteRedirectType') ? asEnum(p.get('CrossSiteRedirectType'), c, 'CrossSiteRedirectType', CROSS_SITE) : undefined,
    legacyRedirectType: p.has('LegacyRedirectType') ? asEnum(p.get('LegacyRedirectType'), c, 'LegacyRedirectType', LEGACY) : undefined,
  };
}

/** The IIS authentication switches of Set-OwaVirtualDirectory, read and checked against each other. */
function authSwitches(p: Map<string, ShellValue>): Partial<Record<'basic' | 'digest' | 'windows' | 'forms', boolean>> {
  const c = 'Set-OwaVirtualDirectory';
  const read = (name: string) => (p.has(name) ? asBoolean(p.get(name), c, name) : undefined);
  const on = { forms: read('FormsAuthentication'), basic: read('BasicAuthentication'), windows: read('WindowsAuthentication'), digest: read('DigestAuthentication') };
  if (on.forms === true) {
    for (const [name, value] of [['WindowsAuthentication', on.windows], ['DigestAuthentication', on.digest]] as const) {
      if (value === true) throw new InputError(`-FormsAuthentication $true turns ${name} off; it cannot be $true in the same command`, { field: name, value: '$true' });
    }
    if (on.basic === false) throw new InputError('-FormsAuthentication $true needs BasicAuthentication on; -BasicAuthentication $false contradicts it', { field: 'BasicAuthentication', value: '$false' });
  }
  return on;
}

const CMDLETS: Record<string, Cmdlet> = {
  'Get-OwaVirtualDirectory': {
    parameters: ['Identity', 'Server'],
    positional: ['Identity'],
    async run(p, org) {
      const only = p.has('Identity') ? serverOfIdentity(asString(p.get('Identity'), 'Get-OwaVirtualDirectory', 'Identity'), org) : p.has('Server') ? org.writer.planner.server(asString(p.get('Server'), 'Get-OwaVirtualDirectory', 'Server'), 'Server').name : undefined;
      const records: Array<Record<string, string>> = [];
      const servers: string[] = [];
      for (const server of await org.directory.allServers()) {
        if (only && server.name.toLowerCase() !== only.toLowerCase()) continue;
        const vdir = await org.directory.virtualDirectory(server);
        if (!vdir) continue;
        servers.push(server.name);
        records.push({
          Name: VDIR,
          Server: server.name,
          InternalUrl: vdir.internalUrl ?? '',
          ExternalUrl: vdir.externalUrl ?? '',
          InternalAuthenticationMethods: `{${vdir.internalAuthenticationMethods.join(', ')}}`,
          ExternalAuthenticationMethods: `{${vdir.externalAuthenticationMethods.join(', ')}}`,
          FormsAuthentication: String(vdir.internalAuthenticationMethods.includes('Fba')),
          BasicAuthentication: String(vdir.internalAuthenticationMethods.includes('Basic')),
          WindowsAuthentication: String(vdir.internalAuthenticationMethods.includes('WindowsIntegrated')),
          Exchange2003Url: vdir.exchange2003Url ?? '',
          FailbackUrl: vdir.failbackUrl ?? '',
          CrossSiteRedirectType: vdir.crossSiteRedirectType,
          LegacyRedirectType: vdir.legacyRedirectType,
        });
      }
      if (only && servers.length === 0) throw new InputError(`${only} has no OWA virtual directory: it is not a Client Access server`, { field: 'Identity', value: only });
      return { output: { records, lines: [] }, piped: { kind: 'owa-virtual-directories', servers } };
    },
  },
  'Set-OwaVirtualDirectory': {
    parameters: ['Identity', 'InternalUrl', 'ExternalUrl', 'FailbackUrl', 'Exchange2003Url', 'CrossSiteRedirectType', 'LegacyRedirectType', 'FormsAuthentication', 'BasicAuthentication', 'WindowsAuthentication', 'DigestAuthentication', 'Confirm'],
    positional: ['Identity'],
    check(p, org, piped, script) {
      const c = 'Set-OwaVirtualDirectory';
      if (p.has('Identity')) serverOfIdentity(asString(p.get('Identity'), c, 'Identity'), org);
      else if (!piped) throw new InputError(`${c} needs -Identity <server>\\${VDIR}, or Get-OwaVirtualDirectory piped into it`, { field: 'Identity' });
      for (const name of ['InternalUrl', 'ExternalUrl', 'FailbackUrl', 'Exchange2003Url']) url(p, name, c);
      if (p.has('CrossSiteRedirectType')) asEnum(p.get('CrossSiteRedirectType'), c, 'CrossSiteRedirectType', CROSS_SITE);
      if (p.has('LegacyRedirectType')) asEnum(p.get('LegacyRedirectType'), c, 'LegacyRedirectType', LEGACY);
      authSwitches(p);
      // What the writer would refuse for this server's version (CrossSiteRedirectType before SP2, …), found
      // now by planning the change without writing it. Piped input names its servers only when it runs.
      if (p.has('Identity')) {
        const server = serverOfIdentity(asString(p.get('Identity'), c, 'Identity'), org);
        const change = urlChange(p, server);
        org.writer.planner.planOwaVirtualDirectories([change]);
        if (change.failbackUrl && change.externalUrl === undefined) failbackDiffers(change.failbackUrl, script.externalUrls.get(server.toLowerCase()));
        if (p.has('ExternalUrl')) script.externalUrls.set(server.toLowerCase(), url(p, 'ExternalUrl', c) ?? null);
      }
    },
    async run(p, org, input) {
      const c = 'Set-OwaVirtualDirectory';
      const servers = p.has('Identity') ? [serverOfIdentity(asString(p.get('Identity'), c, 'Identity'), org)] : input.kind === 'owa-virtual-directories' ? input.servers : [];
      if (servers.length === 0) throw new InputError(`${c} needs -Identity <server>\\${VDIR}, or Get-OwaVirtualDirectory piped into it`, { field: 'Identity' });
      const on = authSwitches(p);
      const touchesAuth = Object.values(on).some((v) => v !== undefined);
      const changes: OwaVirtualDirectoryChange[] = [];
      for (const name of servers) {
        const server = await org.directory.serverByName(name);
        const vdir = server ? await org.directory.virtualDirectory(server) : undefined;
        changes.push({
          ...urlChange(p, name),
          internalAuthenticationMethods: touchesAuth ? withMethods(vdir?.internalAuthenticationMethods ?? [], on) : undefined,
          externalAuthenticationMethods: touchesAuth ? withMethods(vdir?.externalAuthenticationMethods ?? [], on) : undefined,
        });
      }
      for (const change of changes) {
        if (change.failbackUrl && change.externalUrl === undefined) {
          const server = await org.directory.serverByName(change.server);
          failbackDiffers(change.failbackUrl, server ? (await org.directory.virtualDirectory(server))?.externalUrl : undefined);
        }
      }
      await org.writer.setOwaVirtualDirectories(changes);
      return {};
    },
  },
  'New-Mailbox': {
    parameters: ['Name', 'Alias', 'UserPrincipalName', 'Database', 'DisplayName', 'PrimarySmtpAddress', 'Password', 'FirstName', 'LastName', 'OrganizationalUnit', 'ResetPasswordOnNextLogon'],
    positional: ['Name'],
    check(p, org, _piped, script) {
      const c = 'New-Mailbox';
      const name = asString(p.get('Name'), c, 'Name');
      const alias = (p.has('Alias') ? asString(p.get('Alias'), c, 'Alias') : name.replace(/\s+/g, '')).toLowerCase();
      if (script.newMailboxes.has(alias)) throw new InputError(`the mailbox "${alias}" is created twice in this script`, { field: 'Alias', value: alias });
      script.newMailboxes.add(alias);
      if (!p.has('UserPrincipalName')) throw new InputError(`${c} needs -UserPrincipalName for a new user (alice@contoso.com)`, { field: 'UserPrincipalName' });
      // Planned, not written: the alias, addresses and database are checked as the write would check them.
      org.writer.planner.planMailboxes([mailboxSpec(p, '')]);
    },
    async run(p, org, _input, options) {
      // Whatever -Password says, a scenario's users sign in with the scenario's password.
      await org.writer.addMailboxes([mailboxSpec(p, options.password)]);
      return {};
    },
  },
  'New-MoveRequest': moveCmdlet('New-MoveRequest'),
  'Move-Mailbox': moveCmdlet('Move-Mailbox'),
};

function mailboxSpec(p: Map<string, ShellValue>, password: string): MailboxSpec {
  const c = 'New-Mailbox';
  const name = asString(p.get('Name'), c, 'Name');
  return {
    alias: p.has('Alias') ? asString(p.get('Alias'), c, 'Alias') : name.replace(/\s+/g, ''),
    displayName: p.has('DisplayName') ? asString(p.get('DisplayName'), c, 'DisplayName') : name,
    userPrincipalName: asString(p.get('UserPrincipalName'), c, 'UserPrincipalName'),
    database: p.has('Database') ? asString(p.get('Database'), c, 'Database') : undefined,
    primarySmtpAddress: p.has('PrimarySmtpAddress') ? asString(p.get('PrimarySmtpAddress'), c, 'PrimarySmtpAddress') : undefined,
    password,
  };
}

/** New-MoveRequest (2010) and Move-Mailbox (2007): the same parameters; the writer knows which may go where. */
function moveCmdlet(cmdlet: 'New-MoveRequest' | 'Move-Mailbox'): Cmdlet {
  return {
    parameters: ['Identity', 'TargetDatabase', 'Confirm', 'BadItemLimit'],
    positional: ['Identity'],
    check: (p, org, _piped, script) => checkMove(p, org, cmdlet, script),
    async run(p, org) {
      await org.writer.moveMailbox(asString(p.get('Identity'), cmdlet, 'Identity'), asString(p.get('TargetDatabase'), cmdlet, 'TargetDatabase'), cmdlet);
      return {};
    },
  };
}

function checkMove(p: Map<string, ShellValue>, org: ExchangeOrganization, cmdlet: 'New-MoveRequest' | 'Move-Mailbox', script: ScriptPlan): void {
  const identity = p.has('Identity') ? asString(p.get('Identity'), cmdlet, 'Identity') : undefined;
  const target = p.has('TargetDatabase') ? asString(p.get('TargetDatabase'), cmdlet, 'TargetDatabase') : undefined;
  if (target) org.writer.planner.database(target, 'TargetDatabase');
  // A mailbox made earlier in the script is checked when it moves; any other is planned now, not written.
  if (identity && target && !script.newMailboxes.has(identity.toLowerCase())) org.writer.planner.planMailboxMove(identity, target, cmdlet);
}

/** Cmdlets a script may end a pipeline with to choose how output looks; the records are the same. */
const FORMATTERS = new Set(['format-list', 'fl', 'format-table', 'ft']);
const REQUIRED: Record<string, readonly string[]> = { 'New-MoveRequest': ['Identity', 'TargetDatabase'], 'Move-Mailbox': ['Identity', 'TargetDatabase'], 'New-Mailbox': ['Name'] };

export const TOPOLOGY_CMDLETS = Object.keys(CMDLETS);

function cmdletFor(inv: ShellInvocation): [string, Cmdlet] {
  const entry = Object.entries(CMDLETS).find(([name]) => name.toLowerCase() === inv.cmdlet.toLowerCase());
  if (!entry) throw new InputError(`${inv.cmdlet} is not a cmdlet modelled here; accepted: ${TOPOLOGY_CMDLETS.join(', ')}`, { field: inv.cmdlet, accepted: TOPOLOGY_CMDLETS });
  return entry;
}

/**
 * Runs shell text against an organization's topology. Everything is parsed and bound first; then the
 * statements run in order, and a failing one stops the rest. Returns the last output.
 */
export async function runTopologyShell(text: string, org: ExchangeOrganization, options: TopologyShellOptions): Promise<TopologyShellOutput> {
  const statements = parseShell(text);
  if (statements.length === 0) throw new InputError('no command was given');
  const script: ScriptPlan = { newMailboxes: new Set(), externalUrls: new Map() };
  for (const server of await org.directory.allServers()) {
    const vdir = await org.directory.virtualDirectory(server);
    if (vdir) script.externalUrls.set(server.name.toLowerCase(), vdir.externalUrl ?? null);
  }
  const bound = statements.map((s) =>
    s.pipeline
      .filter((inv) => !FORMATTERS.has(inv.cmdlet.toLowerCase()))
      .map((inv, i) => {
        try {
          const [canonical, cmdlet] = cmdletFor(inv);
          const params = bindParameters(inv, cmdlet.parameters, { positional: cmdlet.positional });
          const piped = i > 0;
          for (const required of REQUIRED[canonical] ?? []) {
            if (!params.has(required) && !(piped && required === 'Identity')) throw new InputError(`${canonical} needs -${required}`, { field: required });
          }
          for (const [name, value] of params) if (value === '') throw new InputError(`-${name} is empty (${describeShellValue(value)}); give a value or leave the parameter out`, { field: name });
          cmdlet.check?.(params, org, piped, script);
          return { inv, canonical, cmdlet, params };
        } catch (e) {
          throw placed(e, `${inv.cmdlet} (line ${inv.line})`);
        }
      }),
  );
  let last: TopologyShellOutput = { records: [], lines: [] };
  for (const pipeline of bound) {
    let piped: Piped = { kind: 'none' };
    for (const stage of pipeline) {
      try {
        const result = await stage.cmdlet.run(stage.params, org, piped, options);
        piped = result.piped ?? { kind: 'none' };
        last = result.output ?? { records: [], lines: [] };
      } catch (e) {
        throw placed(e, `${stage.canonical} (line ${stage.inv.line})`);
      }
    }
  }
  return last;
}
