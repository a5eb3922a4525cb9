// Steps for impersonation: service accounts, groups, forests and trusts, application servers, mailbox
// content, EWS calls made by an application (for a signed-in user, or with a ConnectingSID of its own
// choosing), and what Exchange answered, decided and logged. They parse; the engine does the work.

import { Given, Then, When, type DataTable } from '@cucumber/cucumber';
import { InputError, type EwsCall, type EwsOutcome } from '@exchange-scenarios/engine';
import type { ConnectingSidKind, FolderRef } from '@exchange-scenarios/engine/src/impersonation';
import { expect } from 'expect';
import { impersonationApi, impersonationOf } from '../support/impersonation';
import { located } from '../support/input-errors';
import { Table } from '../support/tables';
import { DEFAULT_PASSWORD, WRONG_PASSWORD, type ScenarioWorld } from '../support/world';
import { nameList } from './topology.steps';

Given(/^the (?:service|user) accounts? (.+)$/, async function (this: ScenarioWorld, names: string) {
  await located(this.locator, () => this.sim.writer.addServiceAccounts(nameList(names).map((name) => ({ name, password: DEFAULT_PASSWORD }))));
});

Given(/^the security group "([^"]+)" with members (.+)$/, async function (this: ScenarioWorld, name: string, members: string) {
  await located(this.locator, () => this.sim.writer.addSecurityGroups([{ name, members: nameList(members) }]));
});

Given(/^the account forest (\S+)$/, async function (this: ScenarioWorld, forest: string) {
  // A forest of user accounts only; it gets an organization slot so its directory is read like any other.
  await located(this.locator, () => this.sim.declareOrganization({ name: forest, forestDomain: forest }));
});

function forestOrg(world: ScenarioWorld, forest: string) {
  const org = world.sim.organizations.find((o) => o.name && o.layout.forestDomain === forest.toLowerCase());
  if (!org) throw new InputError(`"${forest}" is not a forest of this scenario`, { field: 'forest', value: forest, accepted: world.sim.organizations.filter((o) => o.name).map((o) => o.layout.forestDomain) });
  return org;
}

Given(/^the forest (\S+) trusts the forest (\S+)(?: \(one way\))?$/, async function (this: ScenarioWorld, trusting: string, trusted: string) {
  await located(this.locator, async () => {
    const a = forestOrg(this, trusting);
    const b = forestOrg(this, trusted);
    // One trust, two objects: outbound on the trusting side, inbound on the trusted side (as AD creates it).
    await a.writer.addForestTrust({ forestDomain: b.layout.forestDomain, netbiosName: b.layout.netbiosName, domainSid: b.writer.planner.domainSid }, 'outbound');
    await b.writer.addForestTrust({ forestDomain: a.layout.forestDomain, netbiosName: a.layout.netbiosName, domainSid: a.writer.planner.domainSid }, 'inbound');
  });
});

Given(
  /^the application server (\S+) runs as (\S+), calls (\S+) and identifies users by (\w+)(?:, its users signing in to the forest (\S+))?$/,
  async function (this: ScenarioWorld, name: string, account: string, ewsUrl: string, kind: string, forest: string | undefined) {
    await located(this.locator, () => {
      const accepted = impersonationApi().CONNECTING_SID_KINDS;
      if (!accepted.includes(kind as ConnectingSidKind)) throw new InputError(`"${kind}" is not a ConnectingSID identity`, { field: 'identifies users by', value: kind, accepted });
      impersonationOf(this).declareApplicationServer({
        name,
        serviceAccount: account,
        password: DEFAULT_PASSWORD,
        ewsUrl,
        identifyBy: kind as ConnectingSidKind,
        signInOrganization: forest ? forestOrg(this, forest) : undefined,
      });
    });
  },
);

When(/^(\S+) is reconfigured to call (\S+)$/, async function (this: ScenarioWorld, app: string, ewsUrl: string) {
  await located(this.locator, () => impersonationOf(this).repointApplication(app, ewsUrl));
});

/** "Inbox", "her Calendar", "bob's Calendar", "bob's folder Inbox\Project X" (by id, as an application that was given it). */
async function folderRef(world: ScenarioWorld, text: string): Promise<FolderRef> {
  const t = text.trim().replace(/^(?:her|his|their|its) /i, '');
  const byPath = /^(\S+?)'s folder "?([^"]+?)"?$/.exec(t);
  if (byPath) {
    const { mailbox } = await impersonationOf(world).mailbox(world.sim.current, byPath[1]);
    const folder = mailbox.folderAtPath(byPath[2]);
    if (!folder) throw new InputError(`${byPath[1]} has no folder "${byPath[2]}"`, { field: 'folder', value: byPath[2] });
    return { kind: 'folder', id: folder.id };
  }
  const other = /^(\S+?)'s (.+)$/.exec(t);
  const name = (other ? other[2] : t).replace(/\s+/g, '').toLowerCase();
  const accepted = impersonationApi().DISTINGUISHED_FOLDER_NAMES;
  const id = accepted.find((d) => d === name);
  if (!id) throw new InputError(`"${text}" is not a folder this step knows: a distinguished folder (${accepted.join(', ')}), or alice's folder "Inbox\\Project X"`, { field: 'folder', value: text });
  if (!other) return { kind: 'distinguished', id };
  const { user } = await impersonationOf(world).mailbox(world.sim.current, other[1]);
  return { kind: 'distinguished', id, mailbox: user.primarySmtpAddress };
}

/**
 * An EWS call as a step writes it:
 *   GetFolder <folder> | FindItem in <folder> | CreateItem "<subject>" from <start> to <end> in <folder>
 *   UpdateItem "<subject>" in <owner>'s <folder path> setting Location to "<value>" | GetUserAvailability for <address> on <day>
 */
async function ewsCall(world: ScenarioWorld, text: string): Promise<EwsCall> {
  let m: RegExpExecArray | null;
  if ((m = /^GetFolder (.+)$/.exec(text))) return { operation: 'GetFolder', folder: await folderRef(world, m[1]) };
  if ((m = /^FindItem in (.+)$/.exec(text))) return { operation: 'FindItem', folder: await folderRef(world, m[1]) };
  if ((m = /^CreateItem "([^"]+)" from (\S+) to (\S+)(?: at "([^"]+)")? in (.+)$/.exec(text))) {
    return { operation: 'CreateItem', item: { subject: m[1], start: m[2], end: m[3], location: m[4] }, folder: await folderRef(world, m[5]) };
  }
  if ((m = /^UpdateItem "([^"]+)" in (\S+?)'s (.+?) setting (Subject|Location) to "([^"]*)"$/.exec(text))) {
    const { mailbox } = await impersonationOf(world).mailbox(world.sim.current, m[2]);
    const folder = mailbox.folderAtPath(m[3]) ?? mailbox.distinguishedFolder(m[3].replace(/\s+/g, '').toLowerCase() as never);
    const item = folder && mailbox.itemsIn(folder).find((i) => i.subject === m![1]);
    if (!item) throw new InputError(`${m[2]}'s ${m[3]} holds no item "${m[1]}"`, { field: 'item', value: m[1] });
    return { operation: 'UpdateItem', itemId: item.id, changeKey: item.changeKey, [m[4] === 'Subject' ? 'subject' : 'location']: m[5] };
  }
  if ((m = /^GetUserAvailability for (\S+@\S+) on (\d{4}-\d{2}-\d{2})$/.exec(text))) {
    return { operation: 'GetUserAvailability', mailboxes: [m[1]], window: { start: new Date(`${m[2]}T00:00:00Z`), end: new Date(`${m[2]}T23:59:59Z`) } };
  }
  throw new InputError(`"${text}" is not an EWS call this step knows; accepted: GetFolder <folder>, FindItem in <folder>, CreateItem "<subject>" from <start> to <end> in <folder>, UpdateItem "<subject>" in <user>'s <folder> setting Location to "<value>", GetUserAvailability for <address> on <yyyy-mm-dd>`, { field: 'call', value: text });
}

async function call(world: ScenarioWorld, run: () => Promise<EwsOutcome>): Promise<void> {
  const traceStart = world.sim.network.trace.hops.length;
  world.ews = { outcome: await run(), traceStart };
}

When(/^(\S+) signs in to (\S+)( with a wrong password)? and calls (.+)$/, async function (this: ScenarioWorld, user: string, app: string, wrong: string | undefined, text: string) {
  await located(this.locator, async () => {
    const request = await ewsCall(this, text);
    await call(this, () => impersonationOf(this).throughApplication(app, { logonName: user, password: wrong ? WRONG_PASSWORD : DEFAULT_PASSWORD }, request));
  });
});

When(/^(\S+) sends (\S+) a (.+?) request that impersonates (\S+)$/, async function (this: ScenarioWorld, user: string, app: string, text: string, victim: string) {
  await located(this.locator, async () => {
    const request = await ewsCall(this, text);
    await call(this, () => impersonationOf(this).throughApplication(app, { logonName: user, password: DEFAULT_PASSWORD }, request, { kind: 'PrimarySmtpAddress', value: victim }));
  });
});

When(/^(\S+) calls (.+?) impersonating (\S+) by (\w+)$/, async function (this: ScenarioWorld, app: string, text: string, who: string, kind: string) {
  await located(this.locator, async () => {
    const request = await ewsCall(this, text);
    const value = await identityOf(this, who, kind);
    await call(this, () => impersonationOf(this).fromApplication(app, request, [{ kind, value }]));
  });
});

When(/^(\S+) calls (.+?) with the ConnectingSID:$/, async function (this: ScenarioWorld, app: string, text: string, table: DataTable) {
  await located(this.locator, async () => {
    const request = await ewsCall(this, text);
    // "" in the Value column sends an empty element.
    const ids = new Table(table, { Element: { required: true }, Value: { required: true } }).map((row) => ({ kind: row.required('Element'), value: row.required('Value') === '""' ? '' : row.required('Value') }));
    await call(this, () => impersonationOf(this).fromApplication(app, request, ids));
  });
});

When(/^(\S+) calls (.+?) as itself$/, async function (this: ScenarioWorld, app: string, text: string) {
  await located(this.locator, async () => {
    const request = await ewsCall(this, text);
    await call(this, () => impersonationOf(this).fromApplication(app, request, undefined));
  });
});

/** "alice" by PrimarySmtpAddress → her primary address; a quoted value is sent as written. */
async function identityOf(world: ScenarioWorld, who: string, kind: string): Promise<string> {
  const quoted = /^"(.*)"$/.exec(who);
  if (quoted) return quoted[1];
  for (const org of world.sim.organizations.filter((o) => o.name)) {
    const user = await org.directory.findUserByLogonName(who);
    if (!user) continue;
    switch (kind) {
      case 'PrincipalName':
        return user.userPrincipalName;
      case 'SID':
        return user.sid;
      default:
        return user.primarySmtpAddress;
    }
  }
  throw new InputError(`"${who}" is no account of this scenario; quote a value to send it as written`, { field: 'user', value: who });
}

function outcome(world: ScenarioWorld): EwsOutcome {
  if (!world.ews) throw new Error('no EWS call was made in this scenario yet');
  return world.ews.outcome;
}

Then(/^EWS answers (NoError|Error\w+)$/, function (this: ScenarioWorld, code: string) {
  const o = outcome(this);
  expect(o.fault ? `a fault ${o.fault.responseCode}` : o.responseCode).toBe(code);
});

Then(/^EWS refuses the request with the fault (Error\w+)$/, function (this: ScenarioWorld, code: string) {
  const o = outcome(this);
  expect({ status: o.status, fault: o.fault?.responseCode ?? `no fault (${o.responseCode})` }).toEqual({ status: 500, fault: code });
});

Then(/^the request is refused with HTTP (\d{3})$/, function (this: ScenarioWorld, status: string) {
  expect(outcome(this).status).toBe(Number(status));
});

function authorizationReasons(world: ScenarioWorld): string[] {
  const hops = world.sim.network.trace.hops.slice(world.ews?.traceStart ?? 0);
  return hops.flatMap((h) => h.decisions.filter((d) => d.ruleSet === impersonationApi().IMPERSONATION_RULE_SET).map((d) => `${h.to}: ${d.reason}`));
}

Then(/^server-to-server authorization (?:stopped|failed) at condition (\d|RBAC): "(.*)"$/, function (this: ScenarioWorld, condition: string, text: string) {
  const reasons = authorizationReasons(this);
  const failed = reasons.filter((r) => r.includes('✗'));
  expect(failed).toHaveLength(1);
  expect(failed[0]).toContain(`✗ ${condition}. `);
  expect(failed[0]).toContain(text);
});

Then(/^every condition of server-to-server authorization passed(?: \((.+)\))?$/, function (this: ScenarioWorld, which: string | undefined) {
  const reasons = authorizationReasons(this);
  expect(reasons.filter((r) => r.includes('✗'))).toEqual([]);
  const expected = which ? which.split(/\s*,\s*/) : ['1', '2', '3', '4', '5'];
  for (const c of expected) expect(reasons.some((r) => r.includes(`✓ ${c}. `))).toBe(true);
});

Then(/^(\S+) received no EWS request$/, function (this: ScenarioWorld, server: string) {
  const hops = this.sim.network.trace.hops.slice(this.ews?.traceStart ?? 0);
  expect(hops.filter((h) => h.to.toLowerCase() === server.toLowerCase()).map((h) => h.url)).toEqual([]);
});

Then(/^the EWS log of (\S+) shows (\w+) by (\S+) with (NoError|Error\w+)$/, function (this: ScenarioWorld, server: string, operation: string, user: string, code: string) {
  const lines = impersonationOf(this).logOf(this.sim.current, server);
  // A line is "<time> <server> <operation> <user> <ResponseCode>".
  const wanted = `${server} ${operation} ${user} ${code}`.toLowerCase();
  expect({ lines, found: lines.some((l) => l.split(' ').slice(1).join(' ').toLowerCase() === wanted) }).toEqual({ lines, found: true });
});

Then(/^no line of the EWS log of (\S+) names (\S+)$/, function (this: ScenarioWorld, server: string, who: string) {
  const lines = impersonationOf(this).logOf(this.sim.current, server);
  expect(lines.filter((l) => l.toLowerCase().includes(who.toLowerCase()))).toEqual([]);
});

Then(/^the answer lists the folder "([^"]+)"$/, function (this: ScenarioWorld, name: string) {
  expect(outcome(this).folders.map((f) => f.displayName)).toContain(name);
});

Then(/^the answer lists the items? (.+)$/, function (this: ScenarioWorld, list: string) {
  const subjects = [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  expect(outcome(this).items.map((i) => i.subject).sort()).toEqual(subjects.sort());
});

Given(/^(\S+)'s mailbox holds in (.+?):$/, async function (this: ScenarioWorld, alias: string, path: string, table: DataTable) {
  await located(this.locator, async () => {
    const { mailbox } = await impersonationOf(this).mailbox(this.sim.current, alias);
    const t = new Table(table, { Subject: { required: true }, Start: {}, End: {}, Location: {}, BusyType: {} });
    const rows = t.map((row) => ({ subject: row.required('Subject'), start: row.get('Start'), end: row.get('End'), location: row.get('Location'), busyType: row.oneOf('BusyType', ['Free', 'Tentative', 'Busy', 'OOF'] as const) }));
    const folder = mailbox.folderAtPath(path) ?? mailbox.ensureFolder(path);
    for (const r of rows) mailbox.addItem(folder, r, { sid: mailbox.owner.sid, name: mailbox.owner.name });
  });
});

Then(/^the item "([^"]+)" in (\S+)'s (.+?) has (Subject|Location) "([^"]*)", last modified by (\S+)$/, async function (this: ScenarioWorld, subject: string, alias: string, path: string, field: string, value: string, who: string) {
  const { mailbox } = await impersonationOf(this).mailbox(this.sim.current, alias);
  const folder = mailbox.folderAtPath(path)!;
  const item = mailbox.itemsIn(folder).find((i) => i.subject === subject || (field === 'Subject' && i.subject === value));
  expect(item && { value: field === 'Subject' ? item.subject : item.location ?? '', by: item.lastModifiedBy.name }).toEqual({ value, by: who });
});

Then(/^(\S+@\S+)'s free\/busy shows (busy times only|details|nothing)$/, function (this: ScenarioWorld, address: string, what: string) {
  const answer = outcome(this).availability[0];
  const view = answer?.responseCode === 'NoError' ? answer.view?.type ?? 'None' : answer?.responseCode;
  const expected = what === 'details' ? 'Detailed' : what === 'busy times only' ? 'FreeBusy' : 'ErrorNoFreeBusyAccess';
  expect({ address, view }).toEqual({ address, view: expected });
});
