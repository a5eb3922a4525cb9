// 10,000 random and mutated command lines thrown at the shell parser: each either parses or is refused
// with an InputError (a clear message naming the line), never any other exception. Then mutated topology,
// federation and impersonation scripts run against a real (in-process) directory: each either applies whole
// or is refused, and a refused one changes nothing — in the directory, and for federation in the certificate
// store and the calendars, for impersonation in the mailboxes' folders and permissions. The one exception is
// Exchange's own: a federation statement whose failure only the network reveals stops the script there
// (ScriptStopped), and the statements before it stay applied.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InProcessDirectoryServer } from '../src/directory/in-process';
import { DirectoryClient } from '../src/directory/client';
import { present } from '../src/directory/filter';
import { InputError } from '../src/errors';
import { ExchangeSimulation, type DirectoryEnvironment } from '../src/simulation';
import { closeNetwork } from '../src/network/network';
import { parseShell, ScriptStopped } from '../src/shell/command-line';
import { runTopologyShell } from '../src/topology/shell';
import { Federation, type OrganizationFederation } from '../src/federation/federation';
import { runShell } from '../src/federation/shell';
import { Impersonation } from '../src/impersonation/impersonation';
import { runImpersonationShell } from '../src/impersonation/shell';
import { LoopbackDnsServer } from '../src/network/dns-server';
import type { ExchangeOrganization } from '../src/simulation';
import { releaseByName } from '../src/topology/versions';
import { prng } from '../src/util/prng';


/** Every doc string of the features that holds a cmdlet: the scripts administrators really write here. */
function corpus(): string[] {
  const root = join(__dirname, '..', '..', '..', 'features');
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const f of readdirSync(dir, { withFileTypes: true })) {
      if (f.isDirectory()) walk(join(dir, f.name));
      else if (f.name.endsWith('.feature')) {
        for (const m of readFileSync(join(dir, f.name), 'utf8').matchAll(/"""\n([\s\S]*?)\n\s*"""/g)) {
          const text = m[1].split('\n').map((l) => l.trim()).join('\n');
          if (/\b[A-Z][a-z]+-[A-Z][A-Za-z]+\b/.test(text)) out.push(text);
        }
      }
    }
  };
  walk(root);
  return out;
}

const SPECIAL = ['"', "'", '`', '$', '(', ')', '{', '}', '@', ',', ';', '|', '#', '-', ':', ' ', '\n', '\\', '<#', '#>', '“', '”', '–', '$null', '$true', '-Identity', '\u0000', '\uD800', '`\n'];

function mutate(text: string, random: () => number): string {
  let t = text;
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (t.length + 1));
    const pick = SPECIAL[Math.floor(random() * SPECIAL.length)];
    switch (Math.floor(random() * 5)) {
      case 0: t = t.slice(0, at) + pick + t.slice(at); break; // insert
      case 1: t = t.slice(0, at) + t.slice(at + 1 + Math.floor(random() * 5)); break; // delete
      case 2: t = t.slice(0, at) + pick + t.slice(at + 1); break; // replace
      case 3: t = t.slice(0, at); break; // truncate
      default: t = t.slice(0, at) + t.slice(Math.floor(random() * t.length)); break; // splice
    }
  }
  return t;
}

function randomLine(random: () => number): string {
  const n = 1 + Math.floor(random() * 40);
  let s = '';
  for (let i = 0; i < n; i++) s += random() < 0.5 ? SPECIAL[Math.floor(random() * SPECIAL.length)] : String.fromCharCode(32 + Math.floor(random() * 95));
  return s;
}

test('10,000 random and mutated command lines: each parses or is refused with an InputError naming where', () => {
  const random = prng(20261122);
  const scripts = corpus();
  assert.ok(scripts.length > 20, `the features hold ${scripts.length} scripts`);
  let parsed = 0;
  let refused = 0;
  for (let i = 0; i < 10_000; i++) {
    const text = i % 10 === 0 ? randomLine(random) : mutate(scripts[Math.floor(random() * scripts.length)], random);
    try {
      parseShell(text);
      parsed++;
    } catch (e) {
      if (!(e instanceof InputError)) assert.fail(`not an InputError for ${JSON.stringify(text)}: ${(e as Error).stack}`);
      assert.match(e.message, /line \d+|column \d+|no command|empty/i, `the refusal of ${JSON.stringify(text)} says where: ${e.message}`);
      refused++;
    }
  }
  assert.ok(parsed > 1000 && refused > 1000, `both outcomes are exercised: ${parsed} parsed, ${refused} refused`);
});

const serviceAccount = { dn: 'CN=svc,CN=Service Accounts', password: 'fuzz-only-service' };
let server: InProcessDirectoryServer;
let sim: ExchangeSimulation;
let client: DirectoryClient;

before(async () => {
  server = await InProcessDirectoryServer.start({ serviceAccount });
  const environment: DirectoryEnvironment = {
    name: 'in-process',
    url: server.url,
    serviceAccount,
    declareNamingContexts: async (c) => server.setNamingContexts(c),
    importEntries: async (entries) => server.importEntries([...entries]),
  };
  sim = await ExchangeSimulation.start(environment);
  await sim.declareOrganization({ name: 'Contoso', forestDomain: 'contoso.com' });
  await sim.writer.addSites(['Seattle', 'Dallas', 'Chicago']);
  await sim.writer.addServers([
    { name: 'SEA-CAS', site: 'Seattle', release: releaseByName('Exchange 2010 SP2'), roles: ['ClientAccess', 'Mailbox'] },
    { name: 'DAL-CAS', site: 'Dallas', release: releaseByName('Exchange 2010 SP1'), roles: ['ClientAccess', 'Mailbox'] },
    { name: 'CHI-CAS', site: 'Chicago', release: releaseByName('Exchange 2007 SP1'), roles: ['ClientAccess', 'Mailbox'] },
  ]);
  await sim.writer.setOwaVirtualDirectories([{ server: 'SEA-CAS', externalUrl: 'https://mail.seattle.contoso.com/owa' }]);
  await sim.writer.addMailboxes([{ alias: 'alice', server: 'DAL-CAS', password: 'fuzz-only-Pa55' }]);
  client = await DirectoryClient.connect(server.url, serviceAccount);
});

after(async () => {
  await client.close();
  await sim.close();
  await server.close();
  closeNetwork();
});

/** The whole forest as text: what a refused script must leave exactly as it was. */
async function snapshot(): Promise<string> {
  const entries = await client.search('DC=contoso,DC=com', present('objectClass'), { scope: 'sub', attributes: ['*'] });
  const config = await client.search('CN=Configuration,DC=contoso,DC=com', present('objectClass'), { scope: 'sub', attributes: ['*'] });
  return JSON.stringify([...entries, ...config].map((e) => [e.dn, e.all('msExchInternalHostName'), e.all('msExchExternalHostName'), e.all('msExchOWAFailbackURL'), e.all('exscCrossSiteRedirectType'), e.all('msExchInternalAuthenticationMethods'), e.all('homeMDB')]).sort());
}

const TOPOLOGY_SCRIPTS = [
  'Set-OwaVirtualDirectory -Identity "SEA-CAS\\owa (Default Web Site)" -FailbackUrl https://failback.contoso.com/owa\nSet-OwaVirtualDirectory -Identity DAL-CAS -CrossSiteRedirectType Silent',
  'Set-OwaVirtualDirectory -Identity SEA-CAS -ExternalUrl https://new.contoso.com/owa\nSet-OwaVirtualDirectory -Identity CHI-CAS -Exchange2003Url https://legacy.contoso.com/exchange',
  'Set-OwaVirtualDirectory -Identity DAL-CAS -FormsAuthentication $true\nSet-OwaVirtualDirectory -Identity SEA-CAS -FailbackUrl https://mail.seattle.contoso.com/owa',
  'New-Mailbox -Name "Erin Hill" -Alias erin -UserPrincipalName erin@contoso.com -Database "Mailbox Database SEA-CAS"\nNew-MoveRequest -Identity erin -TargetDatabase "Mailbox Database CHI-CAS"',
  'New-MoveRequest -Identity alice -TargetDatabase "Mailbox Database SEA-CAS"\nMove-Mailbox -Identity alice -TargetDatabase "Mailbox Database DAL-CAS"',
  'Get-OwaVirtualDirectory -Server SEA-CAS | Set-OwaVirtualDirectory -WindowsAuthentication $true -BasicAuthentication:$false',
];

test('600 mutated topology scripts against a directory: each applies whole or is refused and changes nothing', async () => {
  const random = prng(7);
  let applied = 0;
  let refused = 0;
  for (let i = 0; i < 600; i++) {
    // A third as written (some are refused by Exchange's own checks in their second statement), the rest mutated.
    const script = TOPOLOGY_SCRIPTS[i % TOPOLOGY_SCRIPTS.length];
    const text = Math.floor(i / TOPOLOGY_SCRIPTS.length) % 3 === 0 ? script : mutate(script, random);
    const before = await snapshot();
    try {
      await runTopologyShell(text, sim.current, { password: 'fuzz-only-Pa55' });
      applied++;
    } catch (e) {
      if (!(e instanceof InputError)) assert.fail(`not an InputError for ${JSON.stringify(text)}: ${(e as Error).stack}`);
      assert.equal(await snapshot(), before, `the refused script changed the directory: ${JSON.stringify(text)}\n${e.message}`);
      refused++;
    }
  }
  assert.ok(refused > 100 && applied > 20, `both outcomes exercised: ${applied} applied, ${refused} refused`);
});

// ---- federation and impersonation scripts ----

/** A word of one script swapped for a word of another (or a value no cmdlet takes): valid syntax, wrong meaning. */
function mutateWords(text: string, vocabulary: readonly string[], random: () => number): string {
  const tokens = text.split(/([ \n]+)/);
  const words = tokens.map((t, i) => (/^[ \n]*$/.test(t) ? -1 : i)).filter((i) => i >= 0);
  const edits = 1 + Math.floor(random() * 2);
  for (let e = 0; e < edits; e++) {
    const at = words[Math.floor(random() * words.length)];
    const r = random();
    if (r < 0.7) tokens[at] = vocabulary[Math.floor(random() * vocabulary.length)];
    else if (r < 0.85) tokens[at] = '';
    else tokens[at] = `${tokens[at]} ${tokens[at]}`;
  }
  return tokens.join('');
}

const JUNK_WORDS = ['Nowhere', '$null', '$false', '$true', '42', '"x y"', "''", 'contoso', 'Detailed', '-Confirm:$false', '-Force', 'GenericAll', 'ms-Exch-Impersonate', 'CAS02', '{Dept -eq 1}', 'https://x', '-Name', '-Identity'];

/** Runs mutated scripts; each applies whole, or leaves `state()` as it was, or (federation) stops at a statement only the network could fail. */
async function fuzzScripts(options: {
  random: () => number;
  iterations: number;
  templates: ReadonlyArray<(n: number) => string>;
  run: (text: string) => Promise<unknown>;
  state: () => Promise<string>;
  /** Cmdlets whose failure only running them can reveal (the network); a pipeline holding one may stop with what came before applied. */
  network: readonly string[];
  /** After each script, e.g. what an administrator does between scripts (DNS records). */
  between?: (i: number) => Promise<void>;
}): Promise<{ applied: number; refused: number; stopped: number }> {
  const counts = { applied: 0, refused: 0, stopped: 0 };
  const vocabulary = [...new Set(options.templates.flatMap((t) => t(0).split(/[ \n]+/)).filter((w) => w))].concat(JUNK_WORDS);
  for (let i = 0; i < options.iterations; i++) {
    const script = options.templates[i % options.templates.length](i);
    const kind = Math.floor(i / options.templates.length) % 4;
    const text = kind === 0 ? script : kind === 1 ? mutate(script, options.random) : mutateWords(script, vocabulary, options.random);
    const before = await options.state();
    try {
      await options.run(text);
      counts.applied++;
    } catch (e) {
      if (!(e instanceof InputError)) assert.fail(`not an InputError for ${JSON.stringify(text)}: ${(e as Error).stack}`);
      assert.match(e.message, /line \d+|no command/, `the refusal of ${JSON.stringify(text)} says where: ${e.message}`);
      if (e instanceof ScriptStopped) {
        assert.ok(e.pipeline.some((c) => options.network.includes(c)), `only what the network reveals may stop a script midway; this stopped at ${e.cmdlet} (line ${e.line}): ${JSON.stringify(text)}\n${e.message}`);
        assert.ok(e.appliedLines.every((l) => l < e.line), `the statements left applied come before the one that failed: ${e.message}`);
        counts.stopped++;
      } else {
        assert.equal(await options.state(), before, `the refused script changed something: ${JSON.stringify(text)}\n${e.message}`);
        counts.refused++;
      }
    }
    await options.between?.(i);
  }
  return counts;
}

/** Every entry of an organization's forest, every attribute, as the directory holds it. */
async function forestState(dir: InProcessDirectoryServer, reader: DirectoryClient, org: ExchangeOrganization): Promise<string> {
  const out: string[] = [];
  for (const base of [org.layout.domainDn, org.layout.configurationDn]) {
    for (const e of await reader.search(base, present('objectClass'), { scope: 'sub', attributes: ['objectClass'] })) {
      const stored = dir.getEntry(e.dn);
      const attributes = Object.entries(stored?.attributes ?? {}).map(([k, v]) => [k.toLowerCase(), v] as const).sort(([a], [b]) => a.localeCompare(b));
      out.push(JSON.stringify([e.dn.toLowerCase(), attributes]));
    }
  }
  return out.sort().join('\n');
}

const FEDERATION_NETWORK = ['New-FederationTrust', 'Set-FederationTrust', 'Set-FederatedOrganizationIdentifier', 'Add-FederatedDomain', 'Get-FederationInformation'];

test('600 mutated federation scripts against a directory and the gateway: applied whole, refused with nothing changed, or stopped where only the network could tell', async () => {
  const serviceAccount = { dn: 'CN=svc,CN=Service Accounts', password: 'fuzz-only-service' };
  const dir = await InProcessDirectoryServer.start({ serviceAccount });
  const dns = await LoopbackDnsServer.start();
  const fsim = await ExchangeSimulation.start({ name: 'in-process', url: dir.url, serviceAccount, declareNamingContexts: async (c) => dir.setNamingContexts(c), importEntries: async (entries) => dir.importEntries([...entries]) });
  const reader = await DirectoryClient.connect(dir.url, serviceAccount);
  try {
    const federation = new Federation(fsim, dns);
    // The partner: federated, its Autodiscover published.
    const fabrikam = await fsim.declareOrganization({ name: 'Fabrikam', forestDomain: 'fabrikam.com' });
    await fsim.writer.addSites(['London']);
    await fsim.writer.addServers([{ name: 'FAB-EX01', site: 'London', release: releaseByName('Exchange 2010 SP1'), roles: ['ClientAccess', 'Mailbox'] }]);
    await fsim.writer.addMailboxes([{ alias: 'bob', server: 'FAB-EX01', password: 'fuzz-only-Pa55' }]);
    const partner = federation.of(fabrikam);
    await partner.setWebServicesVirtualDirectory('FAB-EX01', { externalUrl: 'https://mail.fabrikam.com/EWS/Exchange.asmx' });
    await federate(partner, dns);
    fsim.network.setDnsRecord('autodiscover.fabrikam.com', ['FAB-EX01']);

    // The organization the scripts run in; a fresh one every 48 scripts, so that the runbook's once-only
    // statements (the trust, the organization identifier) are applied more than once over the run.
    let org!: OrganizationFederation;
    let generation = 0;
    const freshOrganization = async () => {
      generation++;
      const o = await fsim.declareOrganization({ name: `Org${generation}`, forestDomain: `org${generation}.com` });
      await fsim.writer.addSites([`Site${generation}`]);
      await fsim.writer.addServers([{ name: `ORG${generation}-EX`, site: `Site${generation}`, release: releaseByName('Exchange 2010 SP1'), roles: ['ClientAccess', 'Mailbox'] }]);
      await fsim.writer.addMailboxes([{ alias: 'alice', server: `ORG${generation}-EX`, password: 'fuzz-only-Pa55' }]);
      org = federation.of(o);
    };
    await freshOrganization();
    const domain = () => org.org.layout.forestDomain;
    const templates: Array<(n: number) => string> = [
      (n) => `New-ExchangeCertificate -FriendlyName "Federation ${n}" -SubjectName "CN=Federation" -KeySize 2048\nGet-ExchangeCertificate | ?{$_.FriendlyName -eq "Federation ${n}"} | New-FederationTrust -Name "Microsoft Federation Gateway"\nNew-AcceptedDomain -DomainName exchangedelegation.${domain()} -Name FederationDomain\nGet-FederatedDomainProof -DomainName exchangedelegation.${domain()}`,
      () => `Set-FederatedOrganizationIdentifier -DelegationFederationTrust "Microsoft Federation Gateway" -AccountNamespace exchangedelegation.${domain()} -Enabled $true\nAdd-FederatedDomain -DomainName ${domain()}\nGet-FederatedOrganizationIdentifier`,
      (n) => `New-OrganizationRelationship -Name "Partner ${n}" -DomainNames "partner${n}.com","exchangedelegation.partner${n}.com" -FreeBusyAccessEnabled $true \`\n  -FreeBusyAccessLevel LimitedDetails -TargetAutodiscoverEpr https://autodiscover.partner${n}.com/autodiscover/autodiscover.svc/WSSecurity\nGet-OrganizationRelationship "Partner ${n}" | Set-OrganizationRelationship -FreeBusyAccessLevel AvailabilityOnly -Enabled:$false\nNew-MailContact -Name "Contact ${n}" -ExternalEmailAddress bob${n}@partner${n}.com\nSet-MailboxFolderPermission -Identity alice@${domain()}:\\Calendar -User Default -AccessRights Reviewer`,
      (n) => `New-AcceptedDomain -DomainName extra${n}.${domain()} -Name "Extra ${n}"\nGet-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name "Fabrikam ${n}" -FreeBusyAccessEnabled $true -FreeBusyAccessLevel AvailabilityOnly`,
      (n) => `Set-WebServicesVirtualDirectory -Identity "ORG${generation}-EX\\EWS (Default Web Site)" -ExternalUrl https://mail${n}.${domain()}/EWS/Exchange.asmx\nGet-FederationTrust | Set-FederationTrust -RefreshMetadata\nTest-FederationTrust -UserIdentity alice@${domain()}`,
      (n) => `New-AcceptedDomain -DomainName d${n}.${domain()} -Name "D ${n}" # an accepted domain, then a proof\nGet-FederatedDomainProof d${n}.${domain()}; Get-AcceptedDomain "D ${n}" | fl`,
      // A partner whose Autodiscover nobody answers: the script stops at line 2, line 1 stays applied.
      (n) => `New-OrganizationRelationship -Name "Tailspin ${n}" -DomainNames tailspin${n}.com\nGet-FederationInformation -DomainName northwind${n}.com | New-OrganizationRelationship -Name "Northwind ${n}"`,
    ];
    const state = async () => {
      const calendar = org.mailboxes.calendar(`alice@${domain()}`).defaultPermission;
      const certificates = [...org.certificates.values()].map((c) => `${c.certificate.thumbprint} ${c.friendlyName}`).sort();
      return `${await forestState(dir, reader, org.org)}\ncertificates: ${certificates.join(', ')}\ncalendar: ${calendar}`;
    };
    const counts = await fuzzScripts({
      random: prng(11),
      iterations: 600,
      templates,
      run: (text) => runShell(text, org),
      state,
      network: FEDERATION_NETWORK,
      between: async (i) => {
        // What the administrator does between Part I and Part II: publish the proofs the trust's certificate signs.
        const trust = (await org.directory().federationTrusts())[0];
        if (trust) for (const d of [`exchangedelegation.${domain()}`, domain()]) if (!(await dns.resolveTxt(d)).found) dns.addTxt(d, (await org.getFederatedDomainProof(d)).records[0].Proof);
        if ((i + 1) % 48 === 0) await freshOrganization();
      },
    });
    assert.ok(counts.applied > 60 && counts.refused > 150 && counts.stopped > 10, `every outcome exercised: ${JSON.stringify(counts)}`);
  } finally {
    await reader.close();
    await fsim.close();
    await dns.close();
    await dir.close();
  }
});

/** The runbook of seed 002 part I, as the "is federated" step runs it. */
async function federate(f: OrganizationFederation, dns: LoopbackDnsServer): Promise<void> {
  const domain = f.org.layout.forestDomain;
  const ns = `exchangedelegation.${domain}`;
  const cert = await f.addCertificate({ friendlyName: 'Exchange Delegated Federation' });
  await f.newFederationTrust({ name: 'Microsoft Federation Gateway', thumbprint: cert.certificate.thumbprint });
  await f.newAcceptedDomain('Federation Domain', ns);
  for (const d of [ns, domain]) dns.addTxt(d, (await f.getFederatedDomainProof(d)).records[0].Proof);
  await f.setFederatedOrganizationIdentifier({ delegationFederationTrust: 'Microsoft Federation Gateway', accountNamespace: ns, enabled: true });
  await f.addFederatedDomain(domain);
}

test('600 mutated impersonation scripts against a directory and the mailbox store: each applies whole or is refused and changes nothing', async () => {
  const serviceAccount = { dn: 'CN=svc,CN=Service Accounts', password: 'fuzz-only-service' };
  const dir = await InProcessDirectoryServer.start({ serviceAccount });
  const isim = await ExchangeSimulation.start({ name: 'in-process', url: dir.url, serviceAccount, declareNamingContexts: async (c) => dir.setNamingContexts(c), importEntries: async (entries) => dir.importEntries([...entries]) });
  const reader = await DirectoryClient.connect(dir.url, serviceAccount);
  try {
    const impersonation = new Impersonation(isim);
    const org = await isim.declareOrganization({ name: 'Contoso', forestDomain: 'contoso.com' });
    await isim.writer.addSites(['Redmond']);
    await isim.writer.addServers([
      { name: 'CAS01', site: 'Redmond', release: releaseByName('Exchange 2007 SP1'), roles: ['ClientAccess'] },
      { name: 'MBX01', site: 'Redmond', release: releaseByName('Exchange 2007 SP1'), roles: ['Mailbox'] },
      { name: 'EX10', site: 'Redmond', release: releaseByName('Exchange 2010 SP1'), roles: ['ClientAccess', 'Mailbox'] },
    ]);
    await isim.writer.addMailboxes([
      { alias: 'alice', server: 'MBX01', password: 'fuzz-only-Pa55', properties: { department: 'Sales' } },
      { alias: 'bob', server: 'EX10', password: 'fuzz-only-Pa55', properties: { department: 'Legal' } },
    ]);
    await isim.writer.addServiceAccounts([{ name: 'svc-portal', password: 'fuzz-only-Pa55' }]);
    await isim.writer.addSecurityGroups([{ name: 'EWS Applications', members: ['svc-portal'] }]);
    const templates: Array<(n: number) => string> = [
      () => `Add-ADPermission -Identity CAS01 -User CONTOSO\\svc-portal -ExtendedRights ms-Exch-EPI-Impersonation\nGet-MailboxDatabase -Server MBX01 | Add-ADPermission -User svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate\nGet-StorageGroup | Add-ADPermission -User svc-portal -ExtendedRights Receive-As,Send-As -InheritanceType All\nRemove-ADPermission -Identity "Mailbox Database MBX01" -User svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate -Confirm:$false`,
      (n) => `New-ManagementScope -Name "Scope ${n}" -RecipientRestrictionFilter {Department -eq 'Sales'} -RecipientRoot contoso.com/Users\nNew-ManagementRoleAssignment -Name "Assignment ${n}" -Role ApplicationImpersonation -User svc-portal -CustomRecipientWriteScope "Scope ${n}"\nRemove-ManagementRoleAssignment "Assignment ${n}" -Confirm:$false\nNew-ManagementRoleAssignment -Name "Group ${n}" -Role ApplicationImpersonation -SecurityGroup "EWS Applications"`,
      (n) => `New-MailboxFolder -Parent alice:\\Inbox -Name "Project ${n}"\nAdd-MailboxFolderPermission -Identity "alice:\\Inbox\\Project ${n}" -User bob -AccessRights CreateItems,EditOwnedItems\nSet-MailboxFolderPermission -Identity alice:\\Calendar -User Default -AccessRights Reviewer`,
      () => `Add-ADPermission -Identity bob -User svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate -Deny\nGet-ADPermission bob -User svc-portal | Format-Table -AutoSize\nRemove-ADPermission bob -User svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate -Deny:$true -Confirm:$false`,
    ];
    const store = async () => {
      const lines: string[] = [];
      for (const alias of ['alice', 'bob']) {
        const { mailbox } = await impersonation.mailbox(org, alias);
        for (const folder of mailbox.folders.values()) lines.push(`${alias}:\\${mailbox.pathOf(folder)} ${JSON.stringify(mailbox.permissionsOf(folder))}`);
      }
      return lines.sort().join('\n');
    };
    const counts = await fuzzScripts({
      random: prng(23),
      iterations: 600,
      templates,
      run: (text) => runImpersonationShell(text, org, impersonation),
      state: async () => `${await forestState(dir, reader, org)}\n${await store()}`,
      network: [],
    });
    assert.equal(counts.stopped, 0, 'nothing in impersonation is left to the network: once checked, a script applies');
    assert.ok(counts.applied > 60 && counts.refused > 150, `both outcomes exercised: ${JSON.stringify(counts)}`);
  } finally {
    await reader.close();
    await isim.close();
    await dir.close();
  }
});
