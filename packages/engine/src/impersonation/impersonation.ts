// Impersonation for a scenario: EWS on every 2007 and 2010 Client Access server (service.ts), each
// organization's mailbox content and EWS log, and the application servers in the middle tier. Requests
// go over the simulated network: a user to her application server, the application server to Exchange.

import { InputError, unknownName } from '../errors';
import type { ExchangeOrganization, ExchangeSimulation } from '../simulation';
import type { Endpoint } from '../network/network';
import type { MailboxUserView } from '../topology/reader';
import { EXTENDED_RIGHTS } from '../directory/schema';
import { ApplicationServer, type ApplicationServerSpec } from './application-server';
import {
  CONNECTING_SID_KINDS,
  createItemRequest,
  findItemRequest,
  getFolderRequest,
  impersonationHeader,
  impersonationHeaderRaw,
  parseCreateItemResponse,
  parseEwsFault,
  parseFindItemResponse,
  parseGetFolderResponse,
  parseUpdateItemResponse,
  updateItemRequest,
  type ConnectingSidKind,
  type EwsFolder,
  type EwsItem,
  type FolderRef,
} from './ews-soap';
import { getUserAvailabilityRequest, parseGetUserAvailabilityResponse, type FreeBusyAnswer } from '../federation/free-busy';
import { MailboxStore, parseAccessRights, type Mailbox, type Principal } from './mailbox-store';
import { ImpersonationEwsServer, formatLogEntry, type EwsContext, type EwsLogEntry } from './service';

/** The rights Add-ADPermission -ExtendedRights takes here, by the names administrators type. */
export const IMPERSONATION_RIGHTS: Record<string, string> = {
  'ms-Exch-EPI-Impersonation': EXTENDED_RIGHTS.impersonation,
  'ms-Exch-EPI-May-Impersonate': EXTENDED_RIGHTS.mayImpersonate,
};

/** What an EWS call came back with, for assertions. */
export interface EwsOutcome {
  operation: string;
  status: number;
  /** NoError, the first error of the response messages, or the fault's ResponseCode; "HTTP 401" and the like when no SOAP came back. */
  responseCode: string;
  fault?: { responseCode: string; message: string; faultCode: string };
  folders: EwsFolder[];
  items: EwsItem[];
  availability: FreeBusyAnswer[];
}

export type EwsCall =
  | { operation: 'GetFolder'; folder: FolderRef }
  | { operation: 'FindItem'; folder: FolderRef }
  | { operation: 'CreateItem'; folder?: FolderRef; item: { subject: string; start: string; end: string; location?: string } }
  | { operation: 'UpdateItem'; itemId: string; changeKey: string; subject?: string; location?: string }
  | { operation: 'GetUserAvailability'; mailboxes: string[]; window: { start: Date; end: Date } };

function requestXml(call: EwsCall, headers: string[]): string {
  switch (call.operation) {
    case 'GetFolder':
      return getFolderRequest({ folderIds: [call.folder] }, { headers });
    case 'FindItem':
      return findItemRequest({ parentFolderId: call.folder }, { headers });
    case 'CreateItem':
      return createItemRequest({ savedItemFolderId: call.folder, item: call.item, sendMeetingInvitations: 'SendToNone' }, { headers });
    case 'UpdateItem':
      return updateItemRequest({ itemId: call.itemId, changeKey: call.changeKey, subject: call.subject, location: call.location, conflictResolution: 'AlwaysOverwrite' }, { headers });
    case 'GetUserAvailability':
      return getUserAvailabilityRequest({ mailboxes: call.mailboxes.map((address) => ({ address })), window: call.window, mergedIntervalMinutes: 30, requestedView: 'Detailed' }, { headers });
  }
}

async function outcomeOf(operation: string, response: Response): Promise<EwsOutcome> {
  const out: EwsOutcome = { operation, status: response.status, responseCode: `HTTP ${response.status}`, folders: [], items: [], availability: [] };
  const text = await response.text();
  if (!(response.headers.get('content-type') ?? '').includes('xml') || text === '') return out;
  const fault = parseEwsFault(text);
  if (fault) return { ...out, responseCode: fault.responseCode, fault };
  const messages =
    operation === 'GetFolder' ? parseGetFolderResponse(text)
    : operation === 'FindItem' ? parseFindItemResponse(text)
    : operation === 'CreateItem' ? parseCreateItemResponse(text)
    : operation === 'UpdateItem' ? parseUpdateItemResponse(text)
    : [];
  if (operation === 'GetUserAvailability') {
    out.availability = parseGetUserAvailabilityResponse(text);
    out.responseCode = out.availability.find((a) => a.responseCode !== 'NoError')?.responseCode ?? 'NoError';
    return out;
  }
  for (const m of messages) {
    if ('folders' in m) out.folders.push(...m.folders);
    if ('items' in m) out.items.push(...m.items);
  }
  out.responseCode = messages.find((m) => m.responseCode !== 'NoError')?.responseCode ?? 'NoError';
  return out;
}

function checkEwsUrl(ewsUrl: string): void {
  let url: URL;
  try {
    url = new URL(ewsUrl);
  } catch {
    throw new InputError(`"${ewsUrl}" is not a URL`, { field: 'EWS URL', value: ewsUrl });
  }
  if (url.protocol !== 'https:' || url.pathname.toLowerCase() !== '/ews/exchange.asmx') {
    throw new InputError(`"${ewsUrl}" is not an EWS URL of the form https://<server>/EWS/Exchange.asmx`, { field: 'EWS URL', value: ewsUrl });
  }
}

class OrganizationImpersonation implements EwsContext {
  readonly store = new MailboxStore();
  readonly log: EwsLogEntry[] = [];

  constructor(
    readonly org: ExchangeOrganization,
    private readonly sim: ExchangeSimulation,
  ) {}

  now(): Date {
    return this.sim.clock.now();
  }

  netbiosName(): string {
    return this.org.layout.netbiosName;
  }
}

export class Impersonation {
  private readonly orgs = new Map<ExchangeOrganization, OrganizationImpersonation>();
  private readonly applications = new Map<string, ApplicationServer>();

  constructor(readonly sim: ExchangeSimulation) {
    // Exchange 2003 has no EWS; 2007 and 2010 Client Access servers answer it.
    sim.addServerLayer((org, server, inner): Endpoint => (server.release.family === '2003' ? inner : new ImpersonationEwsServer(inner, this.of(org), server.name)));
    sim.addEndpointSource(async () => [...this.applications.values()].map((a) => ({ endpoint: a, hosts: a.hosts })));
  }

  private of(org: ExchangeOrganization): OrganizationImpersonation {
    let o = this.orgs.get(org);
    if (!o) {
      o = new OrganizationImpersonation(org, this.sim);
      this.orgs.set(org, o);
    }
    return o;
  }

  /** An application server in the middle tier; its service account must exist in the Exchange forest or a trusted one. */
  declareApplicationServer(spec: Omit<ApplicationServerSpec, 'host' | 'signInOrganization'> & { host?: string; signInOrganization?: ExchangeOrganization }): ApplicationServer {
    if (this.applications.has(spec.name.toLowerCase()) || this.sim.network.hasServer(spec.name) || this.sim.organizationOfServer(spec.name)) {
      throw new InputError(`"${spec.name}" already names a server of this scenario`, { field: 'Name', value: spec.name });
    }
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,14}$/.test(spec.name)) throw new InputError(`"${spec.name}" is not a computer name (up to 15 letters, digits and hyphens)`, { field: 'Name', value: spec.name });
    if (!CONNECTING_SID_KINDS.includes(spec.identifyBy)) throw new InputError(`"${spec.identifyBy}" is not a ConnectingSID identity`, { field: 'identifies users by', value: spec.identifyBy, accepted: CONNECTING_SID_KINDS });
    checkEwsUrl(spec.ewsUrl);
    const signIn = spec.signInOrganization ?? this.sim.current;
    const host = spec.host ?? `${spec.name.toLowerCase()}.${signIn.layout.forestDomain}`;
    const app = new ApplicationServer({ ...spec, host, signInOrganization: signIn });
    this.applications.set(spec.name.toLowerCase(), app);
    this.sim.invalidateNetwork();
    return app;
  }

  /** The application is pointed at another Client Access server (a migration moves it). */
  repointApplication(name: string, ewsUrl: string): void {
    checkEwsUrl(ewsUrl);
    this.application(name).spec.ewsUrl = ewsUrl;
  }

  /** The application servers of the scenario, by name, as declared. */
  applicationServers(): ApplicationServer[] {
    return [...this.applications.values()];
  }

  application(name: string): ApplicationServer {
    const app = this.applications.get(name.toLowerCase());
    if (!app) throw unknownName('an application server', name, [...this.applications.values()].map((a) => a.server), 'application server');
    return app;
  }

  /** A user signs in to her application server and sends it an EWS request, which it forwards for her. */
  async throughApplication(appName: string, user: { logonName: string; password: string }, call: EwsCall, smuggled?: { kind: ConnectingSidKind; value: string }): Promise<EwsOutcome> {
    const app = this.application(appName);
    await this.sim.refreshNetwork();
    const auth = `Basic ${Buffer.from(`${user.logonName}:${user.password}`).toString('base64')}`;
    // `smuggled`: a header the user adds herself, naming someone else (the application must refuse it).
    const headers = smuggled ? [impersonationHeader(smuggled)] : [];
    const request = new Request(`https://${app.spec.host}/EWS/Exchange.asmx`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', authorization: auth }, body: requestXml(call, headers) });
    return outcomeOf(call.operation, await this.sim.network.send(`${user.logonName} (browser)`, request));
  }

  /**
   * The application server calls EWS itself with a ConnectingSID of its choosing: one identity, several
   * (an adversary's header), or none (acting as its own account).
   */
  async fromApplication(appName: string, call: EwsCall, identities: ReadonlyArray<{ kind: string; value: string }> | undefined): Promise<EwsOutcome> {
    const app = this.application(appName);
    await this.sim.refreshNetwork();
    const headers = identities === undefined ? [] : identities.length === 1 && CONNECTING_SID_KINDS.includes(identities[0].kind as ConnectingSidKind)
      ? [impersonationHeader(identities[0] as { kind: ConnectingSidKind; value: string })]
      : [impersonationHeaderRaw(identities)];
    const request = new Request(app.spec.ewsUrl, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', authorization: app.credentials() }, body: requestXml(call, headers) });
    return outcomeOf(call.operation, await this.sim.network.send(app.server, request));
  }

  /** The mailbox of a user of an organization (its content: folders, items, permissions). */
  async mailbox(org: ExchangeOrganization, alias: string): Promise<{ mailbox: Mailbox; user: MailboxUserView }> {
    const user = await org.directory.findUserByLogonName(alias);
    if (!user || !user.homeMdbDn) throw unknownName('a mailbox', alias, [...org.writer.planner.mailboxes.values()].map((m) => m.alias), 'mailbox');
    const o = this.of(org);
    return { mailbox: o.store.mailbox({ sid: user.sid, name: `${o.netbiosName()}\\${user.alias}`, address: user.primarySmtpAddress }), user };
  }

  /** A trustee for a folder permission: a user or group by name, or Default / Anonymous. */
  async trustee(org: ExchangeOrganization, name: string): Promise<Principal | 'Default' | 'Anonymous'> {
    if (name.toLowerCase() === 'default') return 'Default';
    if (name.toLowerCase() === 'anonymous') return 'Anonymous';
    const p = org.writer.planner.principal(name, 'User');
    return { sid: p.sid, name: `${org.layout.netbiosName}\\${p.name}` };
  }

  /** Add-MailboxFolderPermission / Set-MailboxFolderPermission on alias:\Folder\Path. */
  async setFolderPermission(org: ExchangeOrganization, identity: string, user: string, accessRights: string): Promise<void> {
    const { mailbox, path } = await this.folderIdentity(org, identity);
    const folder = mailbox.folderAtPath(path);
    if (!folder) throw new InputError(`${identity}: ${mailbox.owner.address} has no folder "${path}"`, { field: 'Identity', value: identity });
    mailbox.setPermission(folder, await this.trustee(org, user), parseAccessRights(accessRights));
  }

  /** New-MailboxFolder -Parent alias:\Inbox -Name "Project X". */
  async newMailboxFolder(org: ExchangeOrganization, parent: string, name: string): Promise<string> {
    const { mailbox, path } = await this.folderIdentity(org, parent);
    if (!mailbox.folderAtPath(path)) throw new InputError(`${parent}: no such folder`, { field: 'Parent', value: parent });
    if (mailbox.folderAtPath(`${path}\\${name}`)) throw new InputError(`${parent}\\${name} already exists`, { field: 'Name', value: name });
    return mailbox.pathOf(mailbox.ensureFolder(`${path}\\${name}`));
  }

  private async folderIdentity(org: ExchangeOrganization, identity: string): Promise<{ mailbox: Mailbox; path: string }> {
    const m = /^([^:]+):(\\.*)?$/.exec(identity.trim());
    if (!m) throw new InputError(`"${identity}" is not a folder identity of the form alice:\\Calendar or alice@contoso.com:\\Inbox\\Project`, { field: 'Identity', value: identity });
    const { mailbox } = await this.mailbox(org, m[1]);
    return { mailbox, path: m[2] ?? '\\' };
  }

  /** The Client Access server's EWS log lines, oldest first. */
  logOf(org: ExchangeOrganization, server?: string): string[] {
    return this.of(org).log.filter((e) => !server || e.server.toLowerCase() === server.toLowerCase()).map(formatLogEntry);
  }

  logEntries(org: ExchangeOrganization): readonly EwsLogEntry[] {
    return this.of(org).log;
  }
}
