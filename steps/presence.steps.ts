// Steps of presence: Cisco Unified Presence servers and their gateway to Exchange, the Exchange servers'
// IIS (addresses, certificates, /Exchange authentication), DNS, CUPC users, and what contacts see and the
// Presence Engine logs. They parse and delegate to the engine's presence entry point.

import { Given, Then, When, type DataTable } from '@cucumber/cucumber';
import { expect } from 'expect';
import { InputError } from '@exchange-scenarios/engine';
import { located } from '../support/input-errors';
import { presenceApi, presenceOf } from '../support/presence';
import { Table } from '../support/tables';
import { DEFAULT_PASSWORD, WRONG_PASSWORD, type ScenarioWorld } from '../support/world';

async function pe(world: ScenarioWorld, name?: string) {
  return (await presenceOf(world)).presenceServer(name);
}

async function mailboxOwner(world: ScenarioWorld, address: string) {
  const owner = await world.sim.mailboxOwner(address);
  if (!owner) throw new InputError(`${address} is not the address of a mailbox in any organization of this scenario`, { value: address });
  return owner;
}

// ---- the presence server ----

/** A CUPS server: version 7.0, 8.0, 8.5 or 8.6 (up to 8.0 WebDAV only; 8.5 and 8.6 WebDAV or EWS), its name, FQDN and IP address. */
Given(/^the Cisco Unified Presence (\S+) server (\S+) at (\S+) \((\S+)\)$/, async function (this: ScenarioWorld, version: string, name: string, fqdn: string, address: string) {
  await located(this.locator, async () => void (await presenceOf(this)).addPresenceServer({ name, fqdn, address, version }));
});

/** The CUPS command-line command; until it is run, the presence server resolves no name. */
When(/^the presence administrator runs "set network dns primary (\S+)" on (\S+)$/, async function (this: ScenarioWorld, address: string, server: string) {
  await located(this.locator, async () => {
    (await pe(this, server)).dnsPrimary = address;
  });
});

/**
 * One row. Columns: Type (WebDAV or EWS), Address (a name or an IP address), Account (`APPS\cupsexch`),
 * Password (`wrong` for a wrong one; otherwise the account's own).
 */
Given(/^the presence gateway of (\S+) is:$/, async function (this: ScenarioWorld, server: string, table: DataTable) {
  await located(this.locator, async () => {
    const { GATEWAY_TYPES } = presenceApi();
    const row = new Table(table, { Type: {}, Address: { required: true }, Account: { required: true }, Password: {} }).map((r) => r)[0];
    if (!row) throw new InputError('the presence gateway table needs one row');
    const type = (row.oneOf('Type', GATEWAY_TYPES) ?? 'WebDAV') as 'WebDAV' | 'EWS';
    // The password is the account's directory password unless the row says otherwise (never reported).
    const password = row.get('Password') === 'wrong' ? WRONG_PASSWORD : DEFAULT_PASSWORD;
    (await pe(this, server)).configured = { type, address: row.required('Address'), account: row.required('Account'), password };
  });
});

/** Takes effect when the Presence Engine is next restarted. */
When(/^the presence administrator changes the presence gateway address of (\S+) to (\S+)$/, async function (this: ScenarioWorld, server: string, address: string) {
  await located(this.locator, async () => {
    const s = await pe(this, server);
    if (!s.configured) throw new InputError(`${server} has no presence gateway to change`);
    s.configured = { ...s.configured, address };
  });
});

/** Takes effect when the Presence Engine is next restarted. */
When(/^the presence administrator changes the presence gateway account of (\S+) to (\S+)$/, async function (this: ScenarioWorld, server: string, account: string) {
  await located(this.locator, async () => {
    const s = await pe(this, server);
    if (!s.configured) throw new InputError(`${server} has no presence gateway to change`);
    s.configured = { ...s.configured, account };
  });
});

/** The Presence Engine reads its gateway again and subscribes every signed-in user's calendar again. */
When(/^the presence administrator (?:restarts|has restarted) the Presence Engine on (\S+)$/, async function (this: ScenarioWorld, server: string) {
  await located(this.locator, async () => {
    const p = await presenceOf(this);
    await p.settle();
    await p.presenceServer(server).restartPresenceEngine();
    await p.settle();
  });
});

/** A certification authority by its name, or a server's own certificate (`"CAS01"`), uploaded as a trusted certificate. */
Given(/^"([^"]+)" is uploaded to (\S+) as "Presence Engine - Trust"$/, async function (this: ScenarioWorld, name: string, server: string) {
  await located(this.locator, async () => {
    const p = await presenceOf(this);
    // A server's own identity certificate is named "<server> identity" (what the administrator exports from the browser).
    const cert = p.certificates.get(name.toLowerCase()) ?? p.certificates.get(`${name.toLowerCase()} identity`);
    if (!cert) p.certificate(name, 'Certificate');
    p.presenceServer(server).trust.set(name, cert!.certificate);
  });
});

/** Removes a certificate uploaded before; one that was never uploaded is refused with the list of those that were. */
Given(/^"([^"]+)" is deleted from (\S+)'s "Presence Engine - Trust"$/, async function (this: ScenarioWorld, name: string, server: string) {
  await located(this.locator, async () => {
    const s = await pe(this, server);
    if (!s.trust.delete(name)) throw new InputError(`"${name}" is not in ${server}'s Presence Engine - Trust`, { value: name, accepted: [...s.trust.keys()] });
  });
});

/** Calendar Spread, Exchange Timeout (s), Exchange Queue, Exchange Threads or EWS Status Frequency (min); a value out of range is refused with the range. */
Given(/^the Presence Engine parameter "([^"]+)" of (\S+) is (\d+)$/, async function (this: ScenarioWorld, name: string, server: string, value: string) {
  await located(this.locator, async () => {
    const params = presenceApi().PRESENCE_ENGINE_PARAMETERS as Record<string, { min: number; max: number; unit: string }>;
    const param = params[name];
    if (!param) throw new InputError(`"${name}" is not a Presence Engine parameter modelled here`, { value: name, accepted: Object.keys(params) });
    const n = Number(value);
    if (n < param.min || n > param.max) throw new InputError(`${name} must be between ${param.min} and ${param.max} ${param.unit}; ${value} is not`, { field: name, value });
    (await pe(this, server)).parameters[name as keyof typeof params & string as never] = n as never;
  });
});

/** The calendar folder name the Presence Engine puts in WebDAV URLs (its locale: `Kalender`). */
Given(/^(\S+) builds calendar URLs with the folder name "([^"]+)"$/, async function (this: ScenarioWorld, server: string, folder: string) {
  await located(this.locator, async () => {
    (await pe(this, server)).calendarFolderName = folder;
  });
});

/** Cisco bug CSCsz12455: the folder in the URL becomes `TypePEPresenceGatewayLocale.PEPRESENCEGATEWAYLOCALE_CALENDAR`. */
Given(/^the Presence Engine of (\S+) is missing its locale strings \(CSCsz12455\)$/, async function (this: ScenarioWorld, server: string) {
  await located(this.locator, async () => {
    (await pe(this, server)).loseLocaleStrings();
  });
});

// ---- users and CUPC ----

/** Columns: User, Email (CUPS's mail ID; the mailbox's address if left out), Calendaring (yes/no), Show me as In a Meeting (yes/no). */
Given(/^these users on (\S+):$/, async function (this: ScenarioWorld, server: string, table: DataTable) {
  await located(this.locator, async () => {
    const p = await presenceOf(this);
    const s = p.presenceServer(server);
    const t = new Table(table, { User: { required: true }, Email: {}, Calendaring: {}, 'Show me as In a Meeting': {} });
    const rows = t.map((row) => ({ id: row.required('User'), email: row.get('Email'), calendaring: row.boolean('Calendaring'), showCalendar: row.boolean('Show me as In a Meeting') }));
    for (const r of rows) await p.addUser(s, { id: r.id, email: r.email, calendaring: r.calendaring, showCalendar: r.showCalendar });
  });
});

/** She signs in to Cisco Unified Personal Communicator; the Presence Engine subscribes to her calendar. */
When(/^(\S+) (?:signs|has signed|is signed) in to CUPC on (\S+)$/, async function (this: ScenarioWorld, user: string, server: string) {
  await located(this.locator, async () => {
    const p = await presenceOf(this);
    await p.settle();
    const s = p.presenceServer(server);
    await s.signIn(p.user(s, user));
    await p.settle();
  });
});

/** Her phone presence becomes On the phone. */
When(/^(\S+) (?:is on|picks up) the phone$/, async function (this: ScenarioWorld, user: string) {
  await located(this.locator, async () => {
    const s = await pe(this);
    (await presenceOf(this)).user(s, user).phone = 'On the phone';
  });
});

/** A CUPC availability status such as Away or Do Not Disturb; anything else is refused with the list. */
When(/^(\S+) sets (?:her|his) status to (.+)$/, async function (this: ScenarioWorld, user: string, status: string) {
  await located(this.locator, async () => {
    const { AVAILABILITY_STATUSES } = presenceApi();
    if (!(AVAILABILITY_STATUSES as readonly string[]).includes(status)) throw new InputError(`"${status}" is not a CUPC status`, { value: status, accepted: AVAILABILITY_STATUSES });
    const s = await pe(this);
    (await presenceOf(this)).user(s, user).availability = status as never;
  });
});

/** Her CUPC preference: whether a busy calendar shows her as In a meeting. */
When(/^(\S+) (ticks|unticks) "Show me as 'In a Meeting' whenever my Exchange calendar shows me as busy"$/, async function (this: ScenarioWorld, user: string, verb: string) {
  await located(this.locator, async () => {
    const s = await pe(this);
    (await presenceOf(this)).user(s, user).showCalendar = verb === 'ticks';
  });
});

/** Passes when her composite presence is now that status; a failure names the Presence Engine's last error for her. */
Then(/^(\S+)'s contacts see "([^"]+)"$/, async function (this: ScenarioWorld, user: string, shown: string) {
  const s = await pe(this);
  const u = (await presenceOf(this)).user(s, user);
  const seen = s.presenceOf(u);
  if (seen.shown !== shown) throw new Error(`${user}'s contacts see "${seen.shown}", not "${shown}"${u.lastError ? `; the PE's last error: ${u.lastError}` : ''}`);
});

/** Passes when the tooltip's parts, comma-separated, are exactly the text: `Online, On the phone, In a meeting`. */
Then(/^the tooltip over (\S+) reads "([^"]+)"$/, async function (this: ScenarioWorld, user: string, text: string) {
  const s = await pe(this);
  expect(s.presenceOf((await presenceOf(this)).user(s, user)).tooltip.join(', ')).toBe(text);
});

// ---- the Exchange side ----

/** Columns: Server, Address: the IP address each Exchange server answers at. */
Given('these IP addresses:', async function (this: ScenarioWorld, table: DataTable) {
  await located(this.locator, async () => {
    const p = await presenceOf(this);
    const rows = new Table(table, { Server: { required: true }, Address: { required: true } }).map((r) => ({ server: r.required('Server'), address: r.required('Address') }));
    for (const r of rows) await p.setAddress(r.server, r.address);
  });
});

/** A DNS server at that address (served for real on loopback) holding A records. Columns: Name, Address. */
Given(/^the DNS server (\S+) holds these records:$/, async function (this: ScenarioWorld, server: string, table: DataTable) {
  await located(this.locator, async () => {
    const p = await presenceOf(this);
    p.addDnsServer(server);
    const rows = new Table(table, { Name: { required: true }, Address: { required: true } }).map((r) => ({ name: r.required('Name'), address: r.required('Address') }));
    rows.forEach((r) => p.addDnsRecord(r.name, r.address));
  });
});

/** An A record added to the DNS server. */
When(/^(\S+) is added to DNS as (\S+)$/, async function (this: ScenarioWorld, name: string, address: string) {
  await located(this.locator, async () => (await presenceOf(this)).addDnsRecord(name, address));
});

/** A real X.509 certification authority: a root, or issued by another; optionally without the CA bit (basicConstraints), as a misissued one would be. */
Given(/^the certification authority "([^"]+)"(?: issued by "([^"]+)")?( without the CA bit)?$/, async function (this: ScenarioWorld, name: string, issuer: string | undefined, noCaBit: string | undefined) {
  await located(this.locator, async () => void (await (await presenceOf(this)).newCertificationAuthority(name, { issuer: issuer ?? undefined, caBit: !noCaBit })));
});

/** An attacker's certification authority with exactly the subject of a real one, but its own key. */
Given(/^a forged certification authority "([^"]+)" with the name of "([^"]+)"$/, async function (this: ScenarioWorld, forged: string, real: string) {
  await located(this.locator, async () => void (await (await presenceOf(this)).forgeCertificationAuthority(real, forged)));
});

/** IIS's certificate on port 443: issued by that CA to that name, optionally with an IP address in it, optionally expired. */
Given(/^(\S+)'s HTTPS certificate is issued by "([^"]+)" to "([^"]+)"(?: with the IP address (\S+))?( and expired)?$/, async function (this: ScenarioWorld, server: string, ca: string, name: string, ip: string | null, expired: string | null) {
  await located(this.locator, async () => void (await (await presenceOf(this)).bindCertificate(server, { kind: 'issued', commonName: name, issuer: ca, ipAddresses: ip ? [ip] : undefined, expired: !!expired })));
});

/** A self-signed certificate on port 443: IIS's own, or one made with makecert with the CA bit. */
Given(/^(\S+)'s HTTPS certificate is (IIS's self-signed certificate|a makecert self-signed certificate with the CA bit) for "([^"]+)"$/, async function (this: ScenarioWorld, server: string, kind: string, name: string) {
  await located(this.locator, async () => void (await (await presenceOf(this)).bindCertificate(server, { kind: kind.startsWith('IIS') ? 'iis-self-signed' : 'makecert', commonName: name })));
});

/** Nothing bound to port 443. */
Given(/^(\S+) has no HTTPS certificate$/, async function (this: ScenarioWorld, server: string) {
  await located(this.locator, async () => {
    (await (await presenceOf(this)).iisOf(server)).chain = undefined;
  });
});

/** The Exchange System Manager setting; IIS keeps what it loaded until "iisreset /noforce". */
Given(/^the \/Exchange virtual directory on (\S+) is set to (standard|forms-based) authentication$/, async function (this: ScenarioWorld, server: string, kind: string) {
  await located(this.locator, async () => {
    const { AUTHENTICATION_FORMS, AUTHENTICATION_STANDARD } = presenceApi();
    const iis = await (await presenceOf(this)).iisOf(server);
    // The console writes the metabase; IIS keeps what it loaded until it is reset.
    iis.pending = { ...(kind === 'standard' ? AUTHENTICATION_STANDARD : AUTHENTICATION_FORMS), defaultDomain: iis.loaded.defaultDomain };
  });
});

/** IIS loads the authentication settings changed since the last reset. */
When(/^the Exchange administrator runs "iisreset \/noforce" on (\S+)$/, async function (this: ScenarioWorld, server: string) {
  await located(this.locator, async () => {
    const iis = await (await presenceOf(this)).iisOf(server);
    if (iis.pending) iis.loaded = iis.pending;
    iis.pending = undefined;
  });
});

/** Windows Server 2008's Web Server role without its ISAPI Extensions role service, which Exchange 2007's WebDAV needs (refused for Exchange 2003). */
Given(/^(\S+) has no ISAPI Extensions$/, async function (this: ScenarioWorld, server: string) {
  await located(this.locator, async () => {
    await (await presenceOf(this)).removeIsapiExtensions(server);
  });
});

/** The server accepts HTTPS connections but never answers (a hung server, a load balancer with nothing behind it). */
When(/^(\S+) stops answering$/, async function (this: ScenarioWorld, server: string) {
  await located(this.locator, async () => {
    (await (await presenceOf(this)).iisOf(server)).hung = true;
  });
});

/** Receive-As granted to the account on a mailbox, database or storage group, and already flowed down to the mailboxes (which takes hours). */
Given(/^(\S+) has had Receive-As on "([^"]+)" for a day$/, async function (this: ScenarioWorld, account: string, target: string) {
  await located(this.locator, async () => {
    const { EXTENDED_RIGHTS } = require('@exchange-scenarios/engine/src/directory/schema') as typeof import('@exchange-scenarios/engine/src/directory/schema');
    await this.sim.writer.setExtendedRight(target, account, EXTENDED_RIGHTS.receiveAs, true);
    const t = this.sim.writer.planner.rightsTarget(target);
    this.sim.current.storePermissions.markFlowed(t.dn, this.sim.writer.planner.principal(account).sid);
  });
});

/** The user renames her calendar folder; anything after the quoted name is a remark. */
When(/^(\S+@\S+)'s calendar folder is renamed "([^"]+)"(?: .*)?$/, async function (this: ScenarioWorld, address: string, name: string) {
  await located(this.locator, async () => {
    const p = await presenceOf(this);
    const owner = await mailboxOwner(this, address);
    owner.org.calendars.renameFolder(owner.user.primarySmtpAddress, name);
    await p.settle();
  });
});

/** A Busy meeting, start and end as date and time (`2011-12-12T10:00Z`). */
When(/^a meeting is added to (\S+@\S+)'s calendar from (\S+) to (\S+)$/, async function (this: ScenarioWorld, address: string, start: string, end: string) {
  await located(this.locator, async () => {
    const p = await presenceOf(this);
    const owner = await mailboxOwner(this, address);
    owner.org.calendars.addEvents(owner.user.primarySmtpAddress, [{ start: new Date(start), end: new Date(end), busyType: 'Busy', subject: 'Meeting' }]);
    await p.settle();
  });
});

// ---- what the administrator reads ----

/** Passes when a line of the Presence Engine log (`EPE|system.pe.pa.owa.backend …`) contains the doc string. */
Then(/^the Presence Engine log of (\S+) has a line containing:$/, async function (this: ScenarioWorld, server: string, text: string) {
  const log = (await pe(this, server)).log;
  const wanted = text.trim();
  if (!log.some((l) => l.includes(wanted))) throw new Error(`no line of the PE log contains:\n  ${wanted}\nthe log:\n  ${log.join('\n  ') || '(empty)'}`);
});

/** Passes when the Presence Engine logged no ERROR line. */
Then(/^the Presence Engine log of (\S+) has no ERROR line$/, async function (this: ScenarioWorld, server: string) {
  const errors = (await pe(this, server)).log.filter((l) => / ERROR -->/.test(l));
  expect(errors).toEqual([]);
});

/** Passes when exactly that many lines of the Presence Engine log contain the text. */
Then(/^the Presence Engine log of (\S+) has (\d+) lines? containing "([^"]+)"$/, async function (this: ScenarioWorld, server: string, count: string, text: string) {
  const log = (await pe(this, server)).log;
  expect(`${log.filter((l) => l.includes(text)).length} lines:\n${log.join('\n')}`).toMatch(new RegExp(`^${count} lines`));
});

/** Passes when an alarm the presence server raised contains the doc string (PECalendarConnectionLoss, as CUPS writes it). */
Then(/^(\S+) raised the alarm:$/, async function (this: ScenarioWorld, server: string, text: string) {
  const alarms = (await pe(this, server)).alarms;
  if (!alarms.some((a) => a.includes(text.trim()))) throw new Error(`no alarm contains:\n  ${text.trim()}\nalarms:\n  ${alarms.join('\n  ') || '(none)'}`);
});

/**
 * Passes when a line of the server's IIS log contains the text. W3C fields: date time s-sitename s-ip
 * cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status.
 */
Then(/^the IIS log of (\S+) has a line containing "([^"]+)"$/, async function (this: ScenarioWorld, server: string, text: string) {
  const log = (await (await presenceOf(this)).iisOf(server)).log;
  if (!log.some((l) => l.includes(text))) throw new Error(`no line of ${server}'s IIS log contains "${text}":\n  ${log.join('\n  ') || '(empty)'}`);
});

/** Passes when the trace holds that request from the presence server to that URL. */
Then(/^(\S+) sent (SUBSCRIBE|SEARCH|POLL|PROPFIND) to (\S+)$/, function (this: ScenarioWorld, from: string, method: string, url: string) {
  const hops = this.sim.network.trace.hops.filter((h) => h.from.toLowerCase() === from.toLowerCase() && h.method === method);
  expect(hops.map((h) => h.url)).toContain(url);
});

/** Counts WebDAV's UDP NOTIFY datagrams or EWS push notifications delivered to the presence server on that port. */
Then(/^(\S+) received (\d+) (UDP NOTIFY datagrams?|EWS notifications?) on port (\d+)$/, function (this: ScenarioWorld, to: string, count: string, kind: string, port: string) {
  const hops = this.sim.network.trace.hops.filter((h) => h.to.toLowerCase() === to.toLowerCase() && (kind.startsWith('UDP') ? h.method === 'NOTIFY' && h.url.startsWith(`httpu://`) : h.method === 'POST') && new URL(h.url).port === String(port));
  expect(hops.length).toBe(Number(count));
});

/** Counts the EWS push notifications carrying only a StatusEvent (the subscription is alive) the presence server received for the user. */
Then(/^(\S+) has received (\d+) EWS status events? for (\S+)$/, async function (this: ScenarioWorld, server: string, count: string, user: string) {
  const s = await pe(this, server);
  expect((await presenceOf(this)).user(s, user).statusEvents).toBe(Number(count));
});

/** A plain browser request with the user's credentials (Basic), to check what /Exchange answers. */
When(/^a browser opens (\S+) as (\S+)$/, async function (this: ScenarioWorld, url: string, user: string) {
  await located(this.locator, async () => {
    await this.sim.refreshNetwork();
    const response = await this.sim.network.send(`${user}'s browser`, new Request(url, { headers: { authorization: `Basic ${Buffer.from(`${user}:${DEFAULT_PASSWORD}`).toString('base64')}` } }), { pinDns: true });
    this.browserAnswer = { status: response.status, location: response.headers.get('location') ?? undefined };
  });
});

/** Passes when the browser got a 302 to that URL. */
Then(/^the browser is sent to (\S+)$/, function (this: ScenarioWorld, url: string) {
  expect(this.browserAnswer).toEqual({ status: 302, location: url });
});

/** Passes when the last shell command's output is empty. */
Then('the command prints nothing', function (this: ScenarioWorld) {
  expect(this.shellOutput?.records ?? []).toEqual([]);
});
