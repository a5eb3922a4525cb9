// Steps for federation and cross-organization free/busy: shell commands run in an organization, certificates
// and clocks, DNS TXT records, calendars, free/busy lookups from a client, and what they show. They parse;
// the engine (Federation, runShell, askFreeBusy) does the work.

import { Given, Then, When, type DataTable } from '@cucumber/cucumber';
import {
  InputError,
  parseDuration,
  parseShell,
  type ShellOutput,
  type BusyType,
  type FreeBusyAnswer,
  type FreeBusyClient,
  type GatewayInstanceName,
} from '@exchange-scenarios/engine';
import { expect } from 'expect';
import { federationApi, federationOf } from '../support/federation';
import { impersonationApi, impersonationOf, isImpersonationScript } from '../support/impersonation';
import { located } from '../support/input-errors';
import { Table } from '../support/tables';
import { DEFAULT_PASSWORD, type ScenarioWorld } from '../support/world';
import { runTopologyShell, TOPOLOGY_CMDLETS } from '@exchange-scenarios/engine/src/topology/shell';

const TOPOLOGY = new Set(TOPOLOGY_CMDLETS.map((c) => c.toLowerCase()));

/** The cmdlet a mistyped name most likely meant (the seed itself prints Get-OrganizationRelationShop), if one is within three edits. */
function closest(written: string, cmdlets: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length];
  };
  const ranked = [...new Set(cmdlets)].map((c) => ({ c, d: distance(written.toLowerCase(), c.toLowerCase()) })).sort((x, y) => x.d - y.d);
  return ranked[0] && ranked[0].d <= 3 ? ranked[0].c : undefined;
}

const DISPLAY = new Set(['format-list', 'fl', 'format-table', 'ft', '?', 'where-object', 'where']);

/**
 * The area a cmdlet belongs to only, or undefined when it is in more than one (Set-MailboxFolderPermission
 * is federation's and impersonation's) or only displays.
 */
function onlyArea(cmdlet: string): string | undefined {
  const c = cmdlet.toLowerCase();
  const areas = [
    ['the topology', TOPOLOGY_CMDLETS],
    ['federation', federationApi().SHELL_CMDLETS],
    ['impersonation', impersonationApi().IMPERSONATION_CMDLETS],
  ] as const;
  const holding = areas.filter(([, cmdlets]) => cmdlets.some((x) => x.toLowerCase() === c));
  return holding.length === 1 ? holding[0][0] : undefined;
}

/** Runs a script in the shell of the area it belongs to (the topology's, federation's or impersonation's cmdlets). */
async function shell(world: ScenarioWorld, organization: string, text: string): Promise<ShellOutput> {
  const invocations = parseShell(text).flatMap((s) => s.pipeline);
  const cmdlets = invocations.map((i) => i.cmdlet.toLowerCase()).filter((c) => !['format-list', 'fl', 'format-table', 'ft'].includes(c));
  if (cmdlets.length > 0 && cmdlets.every((c) => TOPOLOGY.has(c))) {
    return runTopologyShell(text, world.sim.organization(organization), { password: DEFAULT_PASSWORD });
  }
  // A cmdlet no area models: say so with every cmdlet there is, not only the ones of the area guessed.
  const every = [...TOPOLOGY_CMDLETS, ...federationApi().SHELL_CMDLETS, ...impersonationApi().IMPERSONATION_CMDLETS];
  const known = new Set([...every.map((c) => c.toLowerCase()), ...DISPLAY]);
  const unknown = invocations.find((i) => !known.has(i.cmdlet.toLowerCase()));
  if (unknown) {
    const near = closest(unknown.cmdlet, every);
    const hint = near ? ` (did you mean ${near}?)` : '';
    throw new InputError(`line ${unknown.line}: ${unknown.cmdlet} is not a cmdlet modelled here${hint}; accepted: ${[...new Set(every)].sort().join(', ')}`, { field: unknown.cmdlet, accepted: [...new Set(every)] });
  }
  // Each area checks its script whole before running it; one script across two areas could not be, so it is refused.
  const placed = invocations.flatMap((i) => {
    const area = DISPLAY.has(i.cmdlet.toLowerCase()) ? undefined : onlyArea(i.cmdlet);
    return area ? [{ i, area }] : [];
  });
  const other = placed.find((x) => x.area !== placed[0].area);
  if (other) {
    const first = placed[0];
    throw new InputError(
      `${first.i.cmdlet} (line ${first.i.line}) is ${first.area}'s and ${other.i.cmdlet} (line ${other.i.line}) ${other.area}'s: this simulation checks and runs each area's cmdlets in its own shell, so give them as two scripts, in two steps`,
      { field: other.i.cmdlet },
    );
  }
  if (isImpersonationScript(world, parseShell(text).flatMap((s) => s.pipeline.map((i) => i.cmdlet)))) {
    return impersonationApi().runImpersonationShell(text, world.sim.organization(organization), impersonationOf(world));
  }
  return federationApi().runShell(text, (await federationOf(world)).organization(organization));
}

async function run(world: ScenarioWorld, organization: string, text: string): Promise<void> {
  await located(world.locator, async () => {
    world.shellOutput = await shell(world, organization, text);
  });
}

Given(/^the (\S+) administrator (?:runs|has run):$/, async function (this: ScenarioWorld, org: string, text: string) {
  await run(this, org, text);
});

// One organization: its administrator, whatever its name.
Given(/^the administrator (?:runs|has run):$/, async function (this: ScenarioWorld, text: string) {
  await run(this, this.sim.current.name ?? '', text);
});

When(/^the administrator tries:$/, async function (this: ScenarioWorld, text: string) {
  await attempt(this, this.sim.current.name ?? '', text);
});

Given(/^the (\S+) administrator (?:runs|has run) "(.*)"$/, async function (this: ScenarioWorld, org: string, text: string) {
  await run(this, org, text);
});

/** Runs a script that may be refused; the refusal is kept for "the command fails saying". */
async function attempt(world: ScenarioWorld, org: string, text: string): Promise<void> {
  world.refusal = undefined;
  try {
    world.shellOutput = await shell(world, org, text);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    world.refusal = e.message;
  }
}

When(/^the (\S+) administrator tries:$/, async function (this: ScenarioWorld, org: string, text: string) {
  await attempt(this, org, text);
});

When(/^the (\S+) administrator tries "(.*)"$/, async function (this: ScenarioWorld, org: string, text: string) {
  await attempt(this, org, text);
});

Then('the command fails saying {string}', async function (this: ScenarioWorld, text: string) {
  expect(this.refusal ?? '(the command succeeded)').toContain(text);
});

When(/^the (\S+) administrator uses the New Federation Trust wizard(?: to create "([^"]*)")?$/, async function (this: ScenarioWorld, org: string, name: string | undefined) {
  await located(this.locator, async () => {
    this.shellOutput = await (await federationOf(this)).organization(org).newFederationTrust({ name: name ?? 'Microsoft Federation Gateway', viaConsole: true });
  });
});

Then('the output shows:', async function (this: ScenarioWorld, table: DataTable) {
  const records = this.shellOutput?.records ?? [];
  const rows = table.hashes();
  expect(records.length).toBeGreaterThanOrEqual(rows.length);
  rows.forEach((expected, i) => {
    const actual = records[i];
    for (const [key, value] of Object.entries(expected)) {
      if (!(key in actual)) throw new Error(`the output has no property ${key}; it has ${Object.keys(actual).join(', ')}`);
      expect(`${key}: ${actual[key]}`).toBe(`${key}: ${value}`);
    }
  });
});

/** A read-only command (Get-, Test-, with | fl or | ft) run in an organization's shell, for a Then: it leaves the last output alone. */
async function readBack(world: ScenarioWorld, organization: string, command: string): Promise<ShellOutput> {
  const changing = parseShell(command).flatMap((s) => s.pipeline).find((i) => !/^(get|test)-/i.test(i.cmdlet) && !DISPLAY.has(i.cmdlet.toLowerCase()));
  if (changing) throw new InputError(`a Then only reads: ${changing.cmdlet} is not a Get- or Test- cmdlet; run it in a Given or When`, { field: changing.cmdlet });
  return located(world.locator, () => shell(world, organization, command));
}

/** An organization's Get- or Test- command shows exactly these records, in this order (only the columns given are compared). */
Then(/^(\S+)'s ((?:Get|Test)-.+) shows:$/, async function (this: ScenarioWorld, org: string, command: string, table: DataTable) {
  const records = (await readBack(this, org, command)).records;
  const rows = table.hashes();
  const columns = Object.keys(rows[0] ?? {});
  const missing = columns.filter((c) => records.length > 0 && !(c in records[0]));
  if (missing.length) throw new Error(`${command} shows no property ${missing.join(', ')}; it shows ${Object.keys(records[0]).join(', ')}`);
  expect(records.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]])))).toEqual(rows);
});

/** An organization's Get- command shows no record at all (what a refused script would have created is not there). */
Then(/^(\S+)'s ((?:Get|Test)-.+) shows nothing$/, async function (this: ScenarioWorld, org: string, command: string) {
  const records = (await readBack(this, org, command)).records;
  expect(records).toEqual([]);
});

Then('the output includes:', async function (this: ScenarioWorld, text: string) {
  const printed = [...(this.shellOutput?.lines ?? []), ...(this.shellOutput?.records ?? []).map((r) => Object.entries(r).map(([k, v]) => `${k} : ${v}`).join('\n'))].join('\n');
  for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l)) expect(printed).toContain(line);
});

Then(/^the output's last line is "(.*)"$/, async function (this: ScenarioWorld, text: string) {
  const lines = this.shellOutput?.lines ?? [];
  expect(lines[lines.length - 1]).toBe(text);
});

Then(/^Test-FederationTrust reports (\d{4}) (Success|Error)$/, async function (this: ScenarioWorld, id: string, type: string) {
  const record = (this.shellOutput?.records ?? []).find((r) => r.Id === id);
  if (!record) throw new Error(`no record ${id}; records: ${(this.shellOutput?.records ?? []).map((r) => `${r.Id} ${r.Type}`).join(', ')}`);
  expect(`${record.Id} ${record.Type}: ${record.Message}`).toMatch(new RegExp(`^${id} ${type}:`));
});

// ---- certificates, clocks, DNS ---------------------------------------------------------------------

Given(/^(\S+)'s servers are (\d+) hours? ahead of GMT$/, async function (this: ScenarioWorld, org: string, hours: string) {
  (await federationOf(this)).organization(org).timeZoneOffsetMinutes = Number(hours) * 60;
});

Given('{word} has a certificate {string} issued by {string}', async function (this: ScenarioWorld, org: string, name: string, ca: string) {
  await located(this.locator, async () => (await federationOf(this)).organization(org).addCertificate({ friendlyName: name, issuedBy: ca }));
});

Given(/^(\S+) has a self-signed certificate "([^"]*)"(?: that expires in (.+))?$/, async function (this: ScenarioWorld, org: string, name: string, expires: string | undefined) {
  await located(this.locator, async () => {
    const f = (await federationOf(this)).organization(org);
    const validTo = expires ? new Date(this.sim.clock.millis() + parseDuration(expires)) : undefined;
    await f.addCertificate({ friendlyName: name, validFrom: expires ? new Date(this.sim.clock.millis() - 86_400_000) : undefined, validTo });
  });
});

Given(/^(\S+) publishes the domain proof of (\S+) in DNS$/, async function (this: ScenarioWorld, org: string, domain: string) {
  await located(this.locator, async () => {
    const out = await (await federationOf(this)).organization(org).getFederatedDomainProof(domain);
    (await federationOf(this)).dns.addTxt(domain, out.records[0].Proof);
  });
});

Given('the TXT record {string} is published for {word}', async function (this: ScenarioWorld, value: string, domain: string) {
  (await federationOf(this)).dns.addTxt(domain, value);
});

When(/^(?:the )?(?:Microsoft Federation Gateway|MFG) \((business|consumer)\) rotates its signing certificate$/, async function (this: ScenarioWorld, instance: GatewayInstanceName) {
  await (await federationOf(this)).gateways[instance].rotateSigningCertificate();
});

When(/^(\d+(?:\.\d+)? (?:seconds?|minutes?|hours?|days?)) pass(?:es)?$/, async function (this: ScenarioWorld, duration: string) {
  await located(this.locator, () => this.sim.passTime(parseDuration(duration)));
});

/**
 * The runbook of seed 002 part I for an organization: a certificate (self-signed, or from a CA), the trust,
 * the account namespace as an accepted domain, both domain proofs in DNS, the organization identifier and
 * the primary domain as a federated domain.
 */
Given(/^(\S+) is federated(?: using a certificate from "([^"]*)")?$/, async function (this: ScenarioWorld, org: string, ca: string | undefined) {
  await located(this.locator, async () => {
    const f = (await federationOf(this)).organization(org);
    const domain = f.org.layout.forestDomain;
    const ns = `exchangedelegation.${domain}`;
    const cert = ca ? await f.addCertificate({ friendlyName: 'Federation (CA)', issuedBy: ca }) : await f.addCertificate({ friendlyName: 'Exchange Delegated Federation' });
    await f.newFederationTrust({ name: 'Microsoft Federation Gateway', thumbprint: cert.certificate.thumbprint });
    await f.newAcceptedDomain('Federation Domain', ns);
    for (const d of [ns, domain]) (await federationOf(this)).dns.addTxt(d, (await f.getFederatedDomainProof(d)).records[0].Proof);
    await f.setFederatedOrganizationIdentifier({ delegationFederationTrust: 'Microsoft Federation Gateway', accountNamespace: ns, enabled: true });
    await f.addFederatedDomain(domain);
  });
});

// ---- calendars ------------------------------------------------------------------------------------------

Given(/^(\S+@\S+)'s calendar (?:holds|has):$/, async function (this: ScenarioWorld, address: string, table: DataTable) {
  await located(this.locator, async () => {
    const t = new Table(table, { Start: { required: true }, End: { required: true }, BusyType: {}, Subject: {}, Location: {}, Private: {} });
    const events = t.map((row) => {
      const start = new Date(row.required('Start'));
      const end = new Date(row.required('End'));
      if (Number.isNaN(start.getTime())) throw new InputError(`"${row.get('Start')}" is not a date and time such as 2011-12-12T10:00Z`, { field: 'Start', value: row.get('Start') });
      if (Number.isNaN(end.getTime()) || end <= start) throw new InputError(`"${row.get('End')}" is not a date and time after Start`, { field: 'End', value: row.get('End') });
      return { start, end, busyType: (row.oneOf('BusyType', federationApi().BUSY_TYPES) ?? 'Busy') as BusyType, subject: row.get('Subject'), location: row.get('Location'), isPrivate: row.boolean('Private') ?? false };
    });
    // Any organization of the scenario whose directory knows the address (calendars are not federation's alone).
    const owner = await this.sim.mailboxOwner(address);
    if (!owner) throw new InputError(`${address} is not the address of a mailbox in any organization of this scenario`, { value: address });
    owner.org.calendars.addEvents(owner.user.primarySmtpAddress, events);
  });
});

Given('{word} has the group {string} with members {}', async function (this: ScenarioWorld, org: string, group: string, members: string) {
  await located(this.locator, async () => (await federationOf(this)).organization(org).newGroup(group, members.split(/\s*,\s*|\s+and\s+/).filter((m) => m)));
});

// ---- free/busy lookups -------------------------------------------------------------------------------------

When(/^(\S+@\S+) asks for the free\/busy of (\S+@\S+)(?: (?:from|in|with) (Outlook 2010|Outlook 2007|OWA))?(?: on (\d{4}-\d{2}-\d{2}))?$/, async function (this: ScenarioWorld, user: string, address: string, client: string | undefined, day: string | undefined) {
  await located(this.locator, async () => {
    if (client && !federationApi().FREE_BUSY_CLIENTS.includes(client as FreeBusyClient)) throw new InputError(`"${client}" is not a client`, { accepted: federationApi().FREE_BUSY_CLIENTS });
    const date = day ?? this.sim.clock.now().toISOString().slice(0, 10);
    // A working day in 30-minute intervals, as Outlook's scheduling assistant asks.
    const window = { start: new Date(`${date}T08:00:00Z`), end: new Date(`${date}T18:00:00Z`) };
    this.lookup = await federationApi().askFreeBusy((await federationOf(this)), { user, password: DEFAULT_PASSWORD, client: (client ?? 'Outlook 2010') as FreeBusyClient, addresses: [address], window, intervalMinutes: 30, view: 'DetailedMerged' });
    this.lastUser = user;
  });
});

function answer(world: ScenarioWorld): FreeBusyAnswer {
  if (!world.lookup) throw new Error('no free/busy lookup was made in this scenario');
  if (world.lookup.clientRefusal) throw new Error(`the client sent nothing: ${world.lookup.clientRefusal}`);
  const a = world.lookup.answers[0];
  if (!a) throw new Error('the lookup returned no answer');
  return a;
}

function describe(a: FreeBusyAnswer): string {
  if (a.responseClass !== 'Success') return `${a.responseCode}: ${a.messageText ?? ''}`;
  return `${a.view?.type}: ${(a.view?.events ?? []).map((e) => `${e.start.toISOString().slice(11, 16)}-${e.end.toISOString().slice(11, 16)} ${e.busyType}${e.subject !== undefined ? ` "${e.subject}"` : ''}${e.location !== undefined ? ` @ ${e.location}` : ''}`).join(', ') || 'no items'}`;
}

Then(/^(?:s?he|they|\S+@\S+) sees? busy times with subject and location$/, async function (this: ScenarioWorld) {
  const a = answer(this);
  expect(describe(a)).toMatch(/^Detailed/);
  const events = a.view?.events ?? [];
  expect(events.length).toBeGreaterThan(0);
  for (const e of events.filter((x) => !x.isPrivate)) expect(`${e.subject ?? '(no subject)'} @ ${e.location ?? '(no location)'}`).not.toContain('(no ');
});

Then(/^(?:s?he|they|\S+@\S+) sees? busy times only$/, async function (this: ScenarioWorld) {
  const a = answer(this);
  expect(describe(a)).toMatch(/^FreeBusy/);
  const events = a.view?.events ?? [];
  expect(events.length).toBeGreaterThan(0);
  for (const e of events) expect(e.subject ?? e.location ?? 'none').toBe('none');
});

Then(/^(?:s?he|they|\S+@\S+) sees? these items:$/, async function (this: ScenarioWorld, table: DataTable) {
  const a = answer(this);
  const expected = table.hashes();
  const got = (a.view?.events ?? []).map((e) => ({ Start: e.start.toISOString().slice(11, 16), End: e.end.toISOString().slice(11, 16), BusyType: e.busyType, Subject: e.subject ?? '', Location: e.location ?? '' }));
  const shown = got.map((g) => Object.fromEntries(Object.keys(expected[0] ?? {}).map((k) => [k, (g as Record<string, string>)[k] ?? ''])));
  expect(shown).toEqual(expected);
});

Then('the merged free\\/busy is {string}', async function (this: ScenarioWorld, digits: string) {
  expect(answer(this).view?.mergedFreeBusy).toBe(digits);
});

Then(/^the lookup (?:fails|is refused) with (Error\w+)$/, async function (this: ScenarioWorld, code: string) {
  expect(describe(answer(this))).toMatch(new RegExp(`^${code}:`));
});

Then(/^the lookup fails with (Error\w+) saying "(.*)"$/, async function (this: ScenarioWorld, code: string, text: string) {
  const a = answer(this);
  expect(describe(a)).toMatch(new RegExp(`^${code}:`));
  expect(a.messageText ?? '').toContain(text);
});

Then(/^the lookup (broke|stopped) at step (\d+) of 11$/, async function (this: ScenarioWorld, _verb: string, step: string) {
  if (!this.lookup) throw new Error('no free/busy lookup was made');
  const hops = this.sim.network.trace.hops.slice(this.lookup.firstHop);
  const failed = hops.flatMap((h) => h.decisions).filter((d) => d.outcome?.kind === 'failed' && d.rule.startsWith('step-'));
  expect(failed.map((d) => d.reason).join('\n') || '(no step failed)').toContain(`✗ ${step}. `);
});

Then('every step of the lookup passed', async function (this: ScenarioWorld) {
  if (!this.lookup) throw new Error('no free/busy lookup was made');
  const hops = this.sim.network.trace.hops.slice(this.lookup.firstHop);
  const steps = hops.flatMap((h) => h.decisions).filter((d) => d.rule.startsWith('step-'));
  expect(steps.filter((d) => d.outcome?.kind === 'failed').map((d) => d.reason)).toEqual([]);
  const seen = new Set(steps.map((d) => Number(d.rule.slice(5))));
  expect([...Array(11).keys()].map((i) => i + 1).filter((n) => !seen.has(n))).toEqual([]);
});

Then('the client sends nothing, because {string}', async function (this: ScenarioWorld, why: string) {
  expect(this.lookup?.clientRefusal ?? '(the client sent the request)').toContain(why);
});

Then(/^(\S+) logs an error containing:$/, async function (this: ScenarioWorld, org: string, text: string) {
  const events = (await federationOf(this)).organization(org).events.map((e) => `${e.server} ${e.source} ${e.level}: ${e.message}`);
  expect(events.join('\n') || '(no events)').toContain(text.trim());
});

Then(/^(\S+) received no request$/, async function (this: ScenarioWorld, server: string) {
  const from = this.lookup?.firstHop ?? 0;
  const hops = this.sim.network.trace.hops.slice(from).filter((h) => h.to.toLowerCase() === server.toLowerCase());
  expect(hops.map((h) => `${h.method} ${h.url}`)).toEqual([]);
});

Then(/^(\S+) received (?:a|an) (GET|POST) to (\S+)$/, async function (this: ScenarioWorld, server: string, method: string, url: string) {
  const from = this.lookup?.firstHop ?? 0;
  const hops = this.sim.network.trace.hops.slice(from).filter((h) => h.to.toLowerCase() === server.toLowerCase());
  expect(hops.map((h) => `${h.method} ${h.url}`)).toContain(`${method} ${url}`);
});

Given('the reverse proxy {string} passes these paths through without pre-authentication:', async function (this: ScenarioWorld, name: string, table: DataTable) {
  await located(this.locator, () => {
    const t = new Table(table, { Path: { required: true } });
    const proxy = this.sim.reverseProxy(name);
    const paths = t.map((row) => {
      const path = row.required('Path');
      if (!path.startsWith('/')) throw new InputError(`"${path}" is not a path such as /EWS/Exchange.asmx/wssecurity`, { field: 'Path', value: path });
      return path.replace(/\/+$/, '');
    });
    proxy.passThroughPaths.push(...paths);
  });
});

Given('{word} is not published in public DNS', async function (this: ScenarioWorld, host: string) {
  this.sim.network.setUnpublished(host);
});

Given(/^a man in the middle at (\S+) replaces each delegation token with one it forged for (\S+@\S+)$/, async function (this: ScenarioWorld, host: string, address: string) {
  await located(this.locator, async () => {
    await (await federationOf(this)).placeTokenForger(host, address);
  });
});

Then(/^(\S+) refused the delegation token because (?:of )?its (signature|signer|audience|decryption|expiry)$/, async function (this: ScenarioWorld, server: string, reason: string) {
  const from = this.lookup?.firstHop ?? 0;
  const code = { signature: 'signature', signer: 'untrusted-signer', audience: 'audience', decryption: 'decryption', expiry: 'expired' }[reason];
  const notes = this.sim.network.trace.hops.slice(from).filter((h) => h.to.toLowerCase() === server.toLowerCase()).flatMap((h) => h.notes);
  expect(notes.filter((n) => n.startsWith('token rejected:')).join('\n') || `(${server} rejected no token)`).toContain(`token rejected: ${code}:`);
});

// ---- Office 365 ------------------------------------------------------------------------------------------

Given(/^the Office 365 tenant "([^"]+)" for (\S+)(?:, whose federation trust was created on the (business|consumer) instance)?$/, async function (this: ScenarioWorld, name: string, domain: string, instance: GatewayInstanceName | undefined) {
  await located(this.locator, async () => {
    await (await federationOf(this)).declareOffice365Tenant({ name, domain, trustInstance: instance ?? 'business' });
  });
});

When(/^Office 365 support recreates the federation trust of (\S+)$/, async function (this: ScenarioWorld, tenant: string) {
  await located(this.locator, async () => (await federationOf(this)).recreateTenantTrust(tenant));
});

Then(/^(\S+) received no request at (\S+)$/, async function (this: ScenarioWorld, server: string, url: string) {
  const from = this.lookup?.firstHop ?? 0;
  const hops = this.sim.network.trace.hops.slice(from).filter((h) => h.to.toLowerCase() === server.toLowerCase() && h.url.toLowerCase() === url.toLowerCase());
  expect(hops.map((h) => `${h.method} ${h.url}`)).toEqual([]);
});
