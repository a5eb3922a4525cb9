// What the presence gateway meets on the Exchange side: IIS (its HTTPS binding and certificate chain, the
// /Exchange virtual directory's authentication as IIS last loaded it, the ISAPI Extensions role service on a
// separate mailbox server, its W3C log) and WebDAV on /exchange/<address>/<folder> — served by Exchange
// 2003 itself, proxied by an Exchange 2007 Client Access server to the mailbox server (Exprox), and absent
// from Exchange 2010, whose legacy /Exchange directory only redirects to /owa.
//
// Access to a mailbox over WebDAV needs Receive-As on it: on the user object (at once), or on its mailbox
// database or storage group, which reaches the mailbox only when the store's view of inherited rights
// catches up (30 minutes to hours; `inheritanceDelayMs`, on the virtual clock).

import type { RequestContext, Endpoint } from '../network/network';
import type { ExchangeDirectory, MailboxUserView, ServerView } from '../topology/reader';
import type { ExchangeOrganization } from '../simulation';
import { authorizeImpersonation } from '../impersonation/authorization';
import { parseImpersonationHeader, ewsFault } from '../impersonation/ews-soap';
import { parsePushSubscribeRequest, sendNotificationRequest, subscribeResponse as ewsSubscribeResponse, EwsSchemaError } from './ews-push';
import type { CertificateInfo } from '../federation/crypto';
import type { VirtualClock } from '../clock/clock';
import { EXTENDED_RIGHTS } from '../directory/schema';
import { checkExtendedRight, parseSddl, type AccessCheck } from '../directory/security';
import { cookieValue, parseForm, verifyUser } from '../redirection/http-auth';
import { htmlResponse, errorPage } from '../redirection/pages';
import { actingToken } from '../impersonation/authorization';
import { ATTR, WELL_KNOWN } from '../directory/schema';
import { NetworkError } from '../network/network';
import { present } from '../directory/filter';
import {
  WebDavProtocolError,
  calendarSearchResponse,
  parseCalendarSearchRequest,
  parsePollRequest,
  parsePropfindRequest,
  parseSubscribeRequest,
  pollResponse,
  propfindResponse,
  subscribeResponse,
  type WebDavBusyStatus,
} from './webdav';

export const WEBDAV_METHODS = ['SUBSCRIBE', 'UNSUBSCRIBE', 'POLL', 'PROPFIND', 'SEARCH'] as const;

/** How IIS authenticates /Exchange: forms-based (Exchange's default when OWA uses FBA) or "standard" (Basic and Integrated Windows). */
export interface ExchangeVdirAuthentication {
  forms: boolean;
  basic: boolean;
  windows: boolean;
  /** IIS Basic's default domain: a bare user name is looked up in it; without one only DOMAIN\user and user@upn sign in. */
  defaultDomain?: string;
}

export const AUTHENTICATION_FORMS: ExchangeVdirAuthentication = { forms: true, basic: true, windows: false };
export const AUTHENTICATION_STANDARD: ExchangeVdirAuthentication = { forms: false, basic: true, windows: true };

/** One Exchange server's IIS, as far as the presence gateway can tell. Not in Active Directory: it is the machine's own state. */
export interface IisState {
  /** The HTTPS binding's certificate and the CAs IIS sends with it (leaf first); none: nothing listens on 443. */
  chain?: CertificateInfo[];
  /** The /Exchange directory's authentication as IIS loaded it at its last start (iisreset applies a change). */
  loaded: ExchangeVdirAuthentication;
  /** A change written by Set-OwaVirtualDirectory or the console, waiting for iisreset. */
  pending?: ExchangeVdirAuthentication;
  /** The Web Server's ISAPI Extensions role service (Windows Server 2008); Exchange 2007's WebDAV runs on it. */
  isapiExtensions: boolean;
  /** Accepts connections but never answers (a hung server, a load balancer with nothing behind it). */
  hung: boolean;
  /** W3C extended log lines, as IIS writes them. */
  log: string[];
}

/** The WebDAV names of Exchange's busy types. */
const WEBDAV_BUSY: Record<string, WebDavBusyStatus> = { Free: 'FREE', Tentative: 'TENTATIVE', Busy: 'BUSY', OOF: 'OOF' };

/** The Exchange side of the presence model for one scenario: IIS state per server, addresses, and the store's lag. */
export class ExchangeSide {
  readonly iis = new Map<string, IisState>();
  /** The server each IP address reaches. */
  readonly addresses = new Map<string, string>();
  private subscriptionIds = 0;
  /** Live EWS push subscriptions: where Exchange POSTs SendNotification, and when it last sent a StatusEvent. */
  readonly ewsSubscriptions = new Map<string, { server: string; address: string; url: string; statusFrequencyMinutes: number; lastStatusAt: number; watermark: number }>();
  /** Live WebDAV subscriptions: who to tell (UDP) when a calendar changes. */
  readonly webDavSubscriptions = new Map<string, { server: string; address: string; callBack: { host: string; port: number; path: string }; folderUrl: string; expires: number }>();

  constructor(
    readonly clock: VirtualClock,
    /** Sends a UDP datagram from a server (the network carries only HTTP over fetch). */
    private readonly datagram: (from: string, to: { host: string; port: number }, text: string) => void,
  ) {}

  iisOf(server: ServerView | string, defaults?: () => ExchangeVdirAuthentication): IisState {
    const name = (typeof server === 'string' ? server : server.name).toLowerCase();
    let state = this.iis.get(name);
    if (!state) {
      state = { loaded: defaults?.() ?? AUTHENTICATION_FORMS, isapiExtensions: true, hung: false, log: [] };
      this.iis.set(name, state);
    }
    return state;
  }

  serverAt(address: string): string | undefined {
    return this.addresses.get(address);
  }

  addressOf(server: string): string | undefined {
    for (const [ip, s] of this.addresses) if (s.toLowerCase() === server.toLowerCase()) return ip;
    return undefined;
  }

  newSubscriptionId(): string {
    return `opaquelocktoken:${(++this.subscriptionIds).toString(16).padStart(8, '0')}-presence`;
  }


  /** Tells every WebDAV subscriber of a calendar that it changed (NOTIFY over UDP to its Call-Back). */
  notifyCalendarChanged(address: string, notify: (s: { server: string; callBack: { host: string; port: number; path: string }; ids: string[]; folderUrl: string }) => void): void {
    for (const [id, s] of this.webDavSubscriptions) {
      if (s.address.toLowerCase() !== address.toLowerCase()) continue;
      if (s.expires < this.clock.millis()) {
        this.webDavSubscriptions.delete(id);
        continue;
      }
      notify({ server: s.server, callBack: s.callBack, ids: [id], folderUrl: s.folderUrl });
    }
  }

  /** A SendNotification for a subscription (a change, or a StatusEvent keep-alive). */
  notificationFor(id: string, type: 'ModifiedEvent' | 'StatusEvent'): string {
    const s = this.ewsSubscriptions.get(id)!;
    const previous = String(s.watermark++);
    return sendNotificationRequest({ subscriptionId: id, previousWatermark: previous, moreEvents: false, events: [{ type, watermark: String(s.watermark), timeStamp: this.clock.now(), ...(type === 'ModifiedEvent' ? { itemId: { id: `calendar-item-${s.watermark}` }, parentFolderId: { id: 'calendar' } } : {}) }] });
  }

  sendDatagram(from: string, to: { host: string; port: number }, text: string): void {
    this.datagram(from, to, text);
  }

  /** One W3C line: date time s-sitename s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status. */
  writeIisLog(server: string, request: Request, username: string | undefined, client: string, status: number, substatus = 0, win32 = 0): void {
    const now = this.clock.now().toISOString();
    const url = new URL(request.url);
    const sIp = this.addressOf(server) ?? '-';
    const agent = (request.headers.get('user-agent') ?? '-').replace(/ /g, '+');
    this.iisOf(server).log.push(
      [now.slice(0, 10), now.slice(11, 19), 'W3SVC1', sIp, request.method, decodeURIComponent(url.pathname), url.search ? url.search.slice(1) : '-', '443', username ?? '-', client, agent, status, substatus, win32].join(' '),
    );
  }
}

export interface PresenceEndpointContext {
  side: ExchangeSide;
  org: ExchangeOrganization;
  server: ServerView;
  inner: Endpoint;
  /** The IP address of the client that sent a request (the presence server's, for the IIS log). */
  clientAddress(from: string): string;
}

const FORMS_POST = '/exchweb/bin/auth/owaauth.dll';
/** Our name for the header that carries the user an Exprox request acts for (Exchange's own wire format is not documented). */
const EXPROX_SID = 'x-exprox-actas-sid';
const FORMS_COOKIE = 'cadata';

/** A refused caller carries IIS's substatus and Windows error for the log (401.2/5 no credentials, 401.1/1326 logon failed). */
type Caller = { ok: true; user: MailboxUserView; username: string } | { ok: false; response: Response; username?: string; substatus?: number; win32?: number };

/**
 * The layer presence puts in front of every Exchange server with a web presence: WebDAV on /exchange
 * (and Exchange 2007's forms logon for it); everything else goes to the server underneath.
 */
export class PresenceExchangeEndpoint implements Endpoint {
  readonly server: string;
  private readonly formsSessions = new Map<string, { user: MailboxUserView; name: string }>();
  private nextSession = 1;

  constructor(private readonly c: PresenceEndpointContext) {
    this.server = c.inner.server;
  }

  handle = async (request: Request, ctx: RequestContext): Promise<Response> => {
    const url = new URL(request.url);
    const path = url.pathname.toLowerCase();
    const iis = this.iis();
    if (url.protocol === 'https:' && !iis.chain) {
      ctx.hop.failure = `${this.server} has no certificate bound to HTTPS: nothing listens on port 443`;
      return Response.error();
    }
    if (iis.hung && url.protocol === 'https:') {
      ctx.hop.failure = `${this.server} accepted the connection and never answered`;
      return Response.error();
    }
    const webDav = (WEBDAV_METHODS as readonly string[]).includes(request.method.toUpperCase());
    if (path === FORMS_POST && request.method === 'POST' && iis.loaded.forms && this.c.server.release.family !== '2010') return this.formsLogon(request, ctx);
    if (path === '/ews/exchange.asmx' && request.method === 'POST' && this.c.server.release.family !== '2003') {
      const body = await request.clone().text();
      if (/<(?:\w+:)?PushSubscriptionRequest[\s>]/.test(body)) return this.ewsSubscribe(request, body, ctx);
    }
    if (!webDav || !(path === '/exchange' || path.startsWith('/exchange/'))) return this.c.inner.handle(request, ctx);
    return this.webDav(request, url, ctx);
  };

  private iis(): IisState {
    return this.c.side.iisOf(this.c.server);
  }

  private log(request: Request, ctx: RequestContext, status: number, username?: string, substatus = 0, win32 = 0): void {
    this.c.side.writeIisLog(this.server, request, username, this.c.clientAddress(ctx.hop.from), status, substatus, win32);
  }

  private async webDav(request: Request, url: URL, ctx: RequestContext): Promise<Response> {
    const dir = this.c.org.directory.withLog((r) => ctx.hop.searches.push(r));
    const self = this.c.server;
    if (self.release.family === '2010') {
      // Exchange 2010 has no WebDAV: its legacy /Exchange directory is an IIS redirect to /owa, for every verb.
      this.decide(ctx, 'presence.no-webdav-on-2010', false, `${self.name} runs Exchange 2010, which has no WebDAV; /Exchange only redirects to /owa`);
      this.log(request, ctx, 302);
      return new Response(null, { status: 302, statusText: 'Found', headers: { location: new URL('/owa/', url).toString() } });
    }
    const caller = request.headers.has(EXPROX_SID) ? await this.exproxCaller(request, dir, ctx) : await this.authenticate(request, dir, ctx);
    if (!caller.ok) {
      this.log(request, ctx, caller.response.status, caller.username, caller.substatus, caller.win32);
      return caller.response;
    }
    const username = caller.username;
    const [, , address, ...folderParts] = decodeURIComponent(url.pathname).split('/');
    const respond = (response: Response, substatus = 0, win32 = 0): Response => {
      this.log(request, ctx, response.status, username, substatus, win32);
      return response;
    };
    const owner = address ? await dir.findUserByLogonName(address) : undefined;
    if (!owner || !owner.homeMdbDn) {
      this.decide(ctx, 'presence.mailbox', false, `no mailbox has the address ${address ?? '(none)'}`);
      return respond(htmlResponse(errorPage('Not Found', this.server), 404));
    }
    this.decide(ctx, 'presence.mailbox', true, `${address} is ${owner.alias}'s mailbox`);
    const mailboxServer = await this.mailboxServerOf(dir, owner);
    if (mailboxServer && mailboxServer.name.toLowerCase() !== self.name.toLowerCase()) {
      if (self.release.family === '2007' && self.roles.includes('ClientAccess')) return respond(await this.exprox(request, url, mailboxServer, caller, ctx));
      this.decide(ctx, 'presence.mailbox', false, `${owner.alias}'s mailbox is on ${mailboxServer.name}; only a Client Access server hands WebDAV on`);
      return respond(htmlResponse(errorPage('Not Found', this.server), 404));
    }
    if (self.release.family === '2007' && !this.iis().isapiExtensions) {
      // Exchange 2007's WebDAV (ExchangeDAV) is an ISAPI extension of the mailbox server's IIS 7.
      this.decide(ctx, 'presence.isapi-extensions', false, `${self.name}'s IIS has no ISAPI Extensions role service: handler "ExchangeDAV" has a bad module "IsapiModule" (500.21)`);
      return respond(htmlResponse(errorPage('Internal Server Error', this.server), 500), 21);
    }
    const access = await this.receiveAs(dir, caller.user, owner, ctx);
    // IIS's 401.3 (denied by the resource's ACL), Windows error 5 (access denied).
    if (!access) return respond(htmlResponse(errorPage('Unauthorized', this.server), 401), 3, 5);
    const calendar = this.c.org.calendars.calendar(owner.primarySmtpAddress);
    const folderName = folderParts.filter(Boolean).join('/');
    const mailboxRoot = `${url.origin}/exchange/${address}/`;
    if (request.method === 'PROPFIND' && folderName === '') {
      try {
        await parsePropfindRequest(request);
      } catch (e) {
        return respond(this.badRequest(e));
      }
      return respond(propfindResponse(mailboxRoot, [{ namespace: 'urn:schemas:httpmail:', name: 'calendar', value: `${mailboxRoot}${calendar.folderName}` }]));
    }
    if (folderName.toLowerCase() !== calendar.folderName.toLowerCase()) {
      this.decide(ctx, 'presence.calendar-folder', false, `${owner.alias}'s mailbox has no folder "${folderName}"; its calendar is "${calendar.folderName}"`);
      return respond(htmlResponse(errorPage('Not Found', this.server), 404));
    }
    this.decide(ctx, 'presence.calendar-folder', true, `${owner.alias}'s calendar folder is "${calendar.folderName}"`);
    const folderUrl = `${mailboxRoot}${calendar.folderName}`;
    try {
      switch (request.method.toUpperCase()) {
        case 'SUBSCRIBE': {
          const asked = parseSubscribeRequest(request);
          const lifetime = Math.min(asked.lifetimeSeconds ?? 3600, 3600);
          const expires = this.c.side.clock.millis() + lifetime * 1000;
          if (asked.renewal) {
            for (const id of asked.subscriptionIds) {
              const known = this.c.side.webDavSubscriptions.get(id);
              if (known) known.expires = expires;
            }
            return respond(subscribeResponse({ subscriptionIds: asked.subscriptionIds, lifetimeSeconds: lifetime, contentLocation: folderUrl }));
          }
          const id = this.c.side.newSubscriptionId();
          if (asked.callBack) this.c.side.webDavSubscriptions.set(id, { server: this.server, address: owner.primarySmtpAddress, callBack: asked.callBack, folderUrl, expires });
          return respond(subscribeResponse({ subscriptionIds: id, lifetimeSeconds: lifetime, contentLocation: folderUrl }));
        }
        case 'UNSUBSCRIBE': {
          const id = request.headers.get('subscription-id') ?? '';
          this.c.side.webDavSubscriptions.delete(id);
          return respond(new Response(null, { status: 200 }));
        }
        case 'POLL': {
          const asked = await parsePollRequest(request);
          return respond(pollResponse(asked.subscriptionIds));
        }
        case 'SEARCH': {
          const asked = await parseCalendarSearchRequest(request);
          const rows = calendar.events
            .filter((e) => e.start < asked.window.end && e.end > asked.window.start && WEBDAV_BUSY[e.busyType])
            .map((e, i) => ({ href: `${folderUrl}/item-${i + 1}.EML`, busyStatus: WEBDAV_BUSY[e.busyType], start: e.start, end: e.end, instanceType: 0 }));
          return respond(calendarSearchResponse(rows));
        }
        case 'PROPFIND': {
          await parsePropfindRequest(request);
          return respond(propfindResponse(folderUrl, [{ namespace: 'DAV:', name: 'displayname', value: calendar.folderName }]));
        }
      }
    } catch (e) {
      return respond(this.badRequest(e));
    }
    return respond(new Response(null, { status: 405 }));
  }

  /** EWS Subscribe (push) as the presence gateway's impersonation account: the same server-to-server checks as any EWS call. */
  private async ewsSubscribe(request: Request, body: string, ctx: RequestContext): Promise<Response> {
    const dir = this.c.org.directory.withLog((r) => ctx.hop.searches.push(r));
    const xml = (text: string, status = 200) => new Response(text, { status, headers: { 'content-type': 'text/xml; charset=utf-8' } });
    const header = request.headers.get('authorization') ?? '';
    const [scheme, token = ''] = header.split(' ');
    const text = scheme.toLowerCase() === 'basic' ? Buffer.from(token, 'base64').toString('utf8') : '';
    const colon = text.indexOf(':');
    const signedIn = colon > 0 ? await verifyUser(dir, text.slice(0, colon), text.slice(colon + 1), 'basic') : undefined;
    if (!signedIn?.ok || signedIn.who.kind !== 'user') {
      this.log(request, ctx, 401, colon > 0 ? text.slice(0, colon) : undefined);
      return new Response(null, { status: 401, statusText: 'Unauthorized', headers: { 'www-authenticate': `Basic realm="${new URL(request.url).hostname}"` } });
    }
    const caller = signedIn.who.user;
    const identity = parseImpersonationHeader(body);
    if (!identity.present || !identity.ok) {
      this.log(request, ctx, 500, caller.userPrincipalName);
      return xml(ewsFault('ErrorInvalidExchangeImpersonationHeaderData', 'The presence gateway must act as a user (ExchangeImpersonation).'), 500);
    }
    const outcome = await authorizeImpersonation({ dir, hop: ctx.hop, cas: this.c.server, caller, identity: { kind: identity.kind, value: identity.value }, org: this.c.org });
    if (!outcome.ok) {
      this.log(request, ctx, 500, caller.userPrincipalName);
      return xml(ewsFault(outcome.code, outcome.why), 500);
    }
    let asked;
    try {
      asked = parsePushSubscribeRequest(body);
    } catch (e) {
      if (!(e instanceof EwsSchemaError)) throw e;
      this.log(request, ctx, 500, caller.userPrincipalName);
      return xml(ewsFault(e.responseCode, e.message), 500);
    }
    const id = this.c.side.newSubscriptionId().replace('opaquelocktoken:', 'EWS-');
    this.c.side.ewsSubscriptions.set(id, { server: this.server, address: outcome.user.primarySmtpAddress, url: asked.url, statusFrequencyMinutes: asked.statusFrequencyMinutes, lastStatusAt: this.c.side.clock.millis(), watermark: 1 });
    ctx.hop.notes.push(`push subscription ${id} for ${outcome.user.primarySmtpAddress}'s calendar; notifications to ${asked.url} every ${asked.statusFrequencyMinutes} minutes at least`);
    this.log(request, ctx, 200, caller.userPrincipalName);
    return xml(ewsSubscribeResponse([{ responseClass: 'Success', responseCode: 'NoError', subscriptionId: id, watermark: 'AAAAAAAAAAE=' }]));
  }

  /**
   * Exprox: an Exchange 2007 Client Access server hands WebDAV for a mailbox on another server to that
   * server's /exchange, authenticating with its own Kerberos ticket and naming the user it acts for. A
   * 5xx from the mailbox server (ISAPI Extensions missing) reaches the client as 503.
   */
  private async exprox(request: Request, url: URL, mailboxServer: ServerView, caller: { user: MailboxUserView }, ctx: RequestContext): Promise<Response> {
    const dir = this.c.org.directory.withLog((r) => ctx.hop.searches.push(r));
    if (mailboxServer.release.family === '2003') {
      // Seed 000: a 2007 CAS reaches a 2003 back end's /exchange only as a member of Exchange Domain Servers.
      const computer = await dir.computerAccount(this.c.server);
      if (!computer || !(await dir.isMemberOfGroupNamed(computer.dn, WELL_KNOWN.exchangeDomainServers))) {
        this.decide(ctx, 'presence.exprox', false, `${this.server} is not a member of ${WELL_KNOWN.exchangeDomainServers}, so it cannot reach ${mailboxServer.name}'s /exchange`);
        return htmlResponse(errorPage('Not Found', this.server), 404);
      }
    }
    const headers = new Headers();
    for (const [k, v] of request.headers) if (!['authorization', 'cookie', 'host', 'content-length'].includes(k)) headers.set(k, v);
    headers.set('authorization', `Negotiate ${Buffer.from(`kerberos:${this.server}$`).toString('base64')}`);
    headers.set(EXPROX_SID, caller.user.sid);
    const body = ['GET', 'HEAD'].includes(request.method.toUpperCase()) ? undefined : await request.clone().arrayBuffer();
    const target = `https://${mailboxServer.fqdn}${url.pathname}${url.search}`;
    let answer: Response;
    try {
      answer = await ctx.fetch(new Request(target, { method: request.method, headers, body }), { toServer: mailboxServer.name });
    } catch (e) {
      if (!(e instanceof NetworkError)) throw e;
      this.decide(ctx, 'presence.exprox', false, `${mailboxServer.name} did not answer at ${target}`);
      return htmlResponse(errorPage('Service Unavailable', this.server), 503);
    }
    if (answer.status >= 500) {
      this.decide(ctx, 'presence.exprox', false, `${mailboxServer.name} answered ${answer.status}: ${this.server} answers 503 Service Unavailable`);
      return htmlResponse(errorPage('Service Unavailable', this.server), 503);
    }
    this.decide(ctx, 'presence.exprox', true, `proxied to ${mailboxServer.name}'s /exchange, which answered ${answer.status}`);
    return answer;
  }

  /** A Client Access server's Exprox request: its Kerberos ticket (an Exchange server's computer account) and the user it acts for. */
  private async exproxCaller(request: Request, dir: ExchangeDirectory, ctx: RequestContext): Promise<Caller> {
    const [scheme, token = ''] = (request.headers.get('authorization') ?? '').split(' ');
    const ticket = scheme.toLowerCase() === 'negotiate' ? /^kerberos:(.+)\$$/.exec(Buffer.from(token, 'base64').toString('utf8')) : null;
    const from = ticket ? await dir.serverByName(ticket[1]) : undefined;
    const computer = from ? await dir.computerAccount(from) : undefined;
    const trusted = computer && ((await dir.isMemberOfGroupNamed(computer.dn, WELL_KNOWN.exchangeServers)) || (await dir.isMemberOfGroupNamed(computer.dn, WELL_KNOWN.exchangeDomainServers)));
    if (!from || !trusted) {
      this.decide(ctx, 'presence.exprox', false, 'a request naming a user to act for, not from an Exchange server');
      return { ok: false, response: new Response(null, { status: 403, statusText: 'Forbidden' }) };
    }
    const user = await dir.findUserBySid(request.headers.get(EXPROX_SID) ?? '');
    if (!user) return { ok: false, response: new Response(null, { status: 403, statusText: 'Forbidden' }) };
    this.decide(ctx, 'presence.authentication', true, `${from.name} acts for ${user.alias} (Exprox, Kerberos)`);
    return { ok: true, user, username: `${this.c.org.layout.netbiosName}\\${user.alias}` };
  }

  private badRequest(e: unknown): Response {
    if (e instanceof WebDavProtocolError) return new Response(e.message, { status: 400 });
    throw e;
  }


  private async mailboxServerOf(dir: ExchangeDirectory, user: MailboxUserView): Promise<ServerView | undefined> {
    if (!user.homeMdbDn) return undefined;
    return (await dir.database(user.homeMdbDn))?.server;
  }

  /**
   * Receive-As for the caller on the mailbox: her own mailbox always; otherwise an entry on the user object
   * (at once), or on the mailbox database or its storage group once the store has caught up. Deny wins.
   */
  private async receiveAs(dir: ExchangeDirectory, caller: MailboxUserView, owner: MailboxUserView, ctx: RequestContext): Promise<boolean> {
    if (caller.dn.toLowerCase() === owner.dn.toLowerCase()) {
      this.decide(ctx, 'presence.receive-as', true, `${owner.alias} opens her own mailbox`);
      return true;
    }
    const token = await actingToken(dir, caller);
    const database = owner.homeMdbDn!;
    const storageGroup = database.split(',').slice(1).join(',');
    const levels: Array<{ dn: string; what: string; container: boolean }> = [
      { dn: owner.dn, what: `${owner.alias}'s account`, container: false },
      { dn: database, what: `the database ${database.split(',')[0].replace(/^CN=/i, '')}`, container: true },
    ];
    // Exchange 2007 and 2003 databases sit in a storage group; 2010's do not.
    if (/^CN=[^,]+,CN=InformationStore,/i.test(storageGroup)) levels.push({ dn: storageGroup, what: `the storage group ${storageGroup.split(',')[0].replace(/^CN=/i, '')}`, container: true });
    const checks: Array<{ level: (typeof levels)[number]; check: AccessCheck }> = [];
    for (const level of levels) {
      const found = await dir.lookup(level.dn, present(ATTR.objectClass), 'base', [ATTR.securityDescriptor]);
      checks.push({ level, check: checkExtendedRight(parseSddl(found[0]?.get(ATTR.securityDescriptor) ?? 'D:'), EXTENDED_RIGHTS.receiveAs, token) });
    }
    const denied = checks.find((c) => c.check.decidingAce && !c.check.granted);
    if (denied) {
      this.decide(ctx, 'presence.receive-as', false, `Receive-As is denied to ${caller.alias} on ${denied.level.what}`);
      return false;
    }
    const granted = checks.filter((c) => c.check.granted);
    const effective = granted.find((c) => !c.level.container || this.c.org.storePermissions.flowed(c.level.dn, c.check.decidingAce!.trustee));
    if (effective) {
      this.decide(ctx, 'presence.receive-as', true, `${caller.alias} has Receive-As on ${effective.level.what}${effective.level.container ? ', inherited by the mailbox' : ''}`);
      return true;
    }
    const waiting = granted[0];
    this.decide(
      ctx,
      'presence.receive-as',
      false,
      waiting
        ? `${caller.alias}'s Receive-As on ${waiting.level.what} has not reached ${owner.alias}'s mailbox yet (inheritance takes ${Math.round(this.c.org.storePermissions.inheritanceDelayMs / 60_000)} minutes here)`
        : `${caller.alias} has no Receive-As on ${owner.alias}'s mailbox, its database or its storage group`,
    );
    return false;
  }

  private decide(ctx: RequestContext, rule: string, ok: boolean, reason: string): void {
    ctx.hop.decisions.push({ ruleSet: 'Presence gateway', rule, reason: `${ok ? '✓' : '✗'} ${reason}`, outcome: { kind: ok ? 'allowed' : 'refused' } });
  }

  /** /Exchange's authentication as IIS loaded it. Logon names: DOMAIN\user or user@upn; a bare name only with a default domain. */
  private async authenticate(request: Request, dir: ExchangeDirectory, ctx: RequestContext): Promise<Caller> {
    const auth = this.iis().loaded;
    if (auth.forms) {
      const session = cookieValue(request, FORMS_COOKIE);
      const known = session ? this.formsSessions.get(session) : undefined;
      if (known) return { ok: true, user: known.user, username: known.name };
      // Not a browser: no logon page, but 440 Login Timeout, and the client must post its credentials.
      this.decide(ctx, 'presence.fba', false, 'forms-based authentication on /Exchange: no session cookie, 440 Login Timeout');
      return { ok: false, response: new Response(null, { status: 440, statusText: 'Login Timeout' }) };
    }
    const header = request.headers.get('authorization');
    const challenges = [...(auth.windows ? ['Negotiate', 'NTLM'] : []), ...(auth.basic ? [`Basic realm="${new URL(request.url).hostname}"`] : [])];
    const challenge = (): Response => {
      const headers = new Headers();
      for (const c of challenges) headers.append('www-authenticate', c);
      return new Response(null, { status: 401, statusText: 'Unauthorized', headers });
    };
    if (!header) return { ok: false, response: challenge(), substatus: 2, win32: 5 };
    const [scheme, token = ''] = header.split(' ');
    if (scheme.toLowerCase() !== 'basic' || !auth.basic) {
      this.decide(ctx, 'presence.authentication', false, `${scheme} is not enabled on /Exchange`);
      return { ok: false, response: challenge(), substatus: 2, win32: 5 };
    }
    const text = Buffer.from(token, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    const name = text.slice(0, colon);
    const checked = await this.logon(dir, name, text.slice(colon + 1), auth.defaultDomain);
    if (!checked.ok) {
      this.decide(ctx, 'presence.authentication', false, checked.why);
      return { ok: false, response: challenge(), username: name, substatus: 1, win32: 1326 };
    }
    this.decide(ctx, 'presence.authentication', true, `${name} signed in with Basic authentication`);
    return { ok: true, user: checked.user, username: name };
  }

  private async logon(dir: ExchangeDirectory, name: string, password: string, defaultDomain: string | undefined): Promise<{ ok: true; user: MailboxUserView } | { ok: false; why: string }> {
    if (!name.includes('\\') && !name.includes('@') && !defaultDomain) {
      return { ok: false, why: `"${name}" has no domain and /Exchange has no default domain: IIS looks it up among the server's local accounts; use DOMAIN\\${name}` };
    }
    const outcome = await verifyUser(dir, name, password, 'basic');
    if (!outcome.ok) return { ok: false, why: outcome.reason };
    if (outcome.who.kind !== 'user') return { ok: false, why: 'not a user' };
    return { ok: true, user: outcome.who.user };
  }

  /** The forms logon Exchange 2003 and 2007 use for /Exchange: a session cookie for good credentials, the logon page again otherwise. */
  private async formsLogon(request: Request, ctx: RequestContext): Promise<Response> {
    const dir = this.c.org.directory.withLog((r) => ctx.hop.searches.push(r));
    const form = parseForm(await request.text());
    const name = form.username ?? '';
    const auth = this.iis().loaded;
    const checked = await this.logon(dir, name, form.password ?? '', auth.defaultDomain);
    const destination = form.destination ?? '/exchange/';
    if (!checked.ok) {
      this.decide(ctx, 'presence.fba', false, `forms logon refused: ${checked.why}`);
      this.log(request, ctx, 302, name);
      return new Response(null, { status: 302, headers: { location: `/exchweb/bin/auth/owalogon.asp?url=${encodeURIComponent(destination)}&reason=2` } });
    }
    const id = `${this.server}-${this.nextSession++}`;
    this.formsSessions.set(id, { user: checked.user, name });
    this.decide(ctx, 'presence.fba', true, `forms logon for ${name}: session cookie issued`);
    this.log(request, ctx, 302, name);
    return new Response(null, { status: 302, headers: { location: destination, 'set-cookie': `${FORMS_COOKIE}=${id}; path=/; secure; HttpOnly` } });
  }
}
