// A Cisco Unified Presence server: its Presence Engine (PE), the presence gateway to Exchange it was started
// with, the certificates uploaded as "Presence Engine - Trust", its DNS setting, and its users' CUPC state.
//
// The PE reaches Exchange the way neon (its HTTP/WebDAV library) does: resolve the gateway address (real
// DNS unless it is an IP address), TLS with the server's chain checked against the trust store and the
// address, then the request, answering 440 with a forms logon and 401 with the challenges it can use. Every
// failure becomes a PE log line in Cisco's format, and a connection loss raises PECalendarConnectionLoss.
// Calendar state comes back over WebDAV (SUBSCRIBE with a UDP Call-Back, POLL, SEARCH) or EWS (a push
// subscription to TCP port 50020, GetUserAvailability as the user), depending on the gateway's type.

import type { Endpoint, RequestContext, SimulatedNetwork } from '../network/network';
import { NetworkError } from '../network/network';
import type { VirtualClock } from '../clock/clock';
import type { CertificateInfo } from '../federation/crypto';
import type { LoopbackDnsServer } from '../network/dns-server';
import { isIpv4 } from '../network/dns-server';
import { verifyServerCertificate } from './certificates';
import { busyTypeAt, calendarPresenceOf, compositePresence, type AvailabilityStatus, type CompositePresence, type PhoneStatus } from './composite';
import { calendarSearchRequest, parseCalendarSearchResponse, parseNotifyDatagram, parseSubscribeResponse, pollRequest, subscribeRequest, type CalendarRow } from './webdav';
import { parseSendNotificationRequest, parseSubscribeResponse as parseEwsSubscribeResponse, pushSubscribeRequest, sendNotificationResult, CUPS_EWS_NOTIFICATION_PORT } from './ews-push';
import { impersonationHeader } from '../impersonation/ews-soap';
import { getUserAvailabilityRequest, parseGetUserAvailabilityResponse, type BusyType } from '../federation/free-busy';
import { parseEwsFault } from '../impersonation/ews-soap';
import type { ExchangeSide } from './exchange-side';

export type GatewayType = 'WebDAV' | 'EWS';
export const GATEWAY_TYPES: readonly GatewayType[] = ['WebDAV', 'EWS'];

/** CUPS releases and the gateway protocols they speak: WebDAV up to 8.0; 8.5 adds EWS (for Exchange 2007 and 2010). */
export const PRESENCE_SERVER_VERSIONS: Record<string, readonly GatewayType[]> = {
  '7.0': ['WebDAV'],
  '8.0': ['WebDAV'],
  '8.5': ['WebDAV', 'EWS'],
  '8.6': ['WebDAV', 'EWS'],
};

/** The "Outlook presence gateway": where the PE sends its requests, and as whom. */
export interface PresenceGateway {
  type: GatewayType;
  /** Host name or IP address, as typed on CUPS > Presence > Presence Gateway. */
  address: string;
  account: string;
  password: string;
}

/** Presence Engine service parameters that bear on calendaring: default, range and unit (Cisco's). */
export const PRESENCE_ENGINE_PARAMETERS = {
  'Calendar Spread': { value: 50, min: 0, max: 59, unit: 'seconds' },
  'Exchange Timeout': { value: 3, min: 1, max: 20, unit: 'seconds' },
  'Exchange Queue': { value: 2200, min: 1, max: 100_000, unit: 'requests' },
  'Exchange Threads': { value: 60, min: 1, max: 500, unit: 'threads' },
  'EWS Status Frequency': { value: 60, min: 10, max: 1440, unit: 'minutes' },
} as const;
export type PresenceEngineParameter = keyof typeof PRESENCE_ENGINE_PARAMETERS;

/** Port the PE listens on for Exchange's notifications: UDP for WebDAV's NOTIFY, TCP for EWS push. */
export const NOTIFICATION_PORT = CUPS_EWS_NOTIFICATION_PORT;

/** neon's session return codes, with the text the PE puts after them. */
const NEON = {
  error: { code: 1, text: 'Certificate not trusted' },
  lookup: { code: 2, text: 'Host not found' },
  auth: { code: 3, text: 'Authentication failure on server' },
  connect: { code: 5, text: 'Connection failed' },
  timeout: { code: 6, text: 'Connection timed out' },
} as const;

/** The PE's wording of HTTP statuses in its log (the seed's, typo included). */
const STATUS_TEXT: Record<number, string> = {
  302: 'Found',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Ressource not found',
  405: 'Method Not Allowed',
  440: 'Login Timeout',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** How long the PE waits before it tries a failed subscription again (initiateRecovery). */
const RECOVERY_INTERVAL_MS = 5 * 60_000;
/** How far ahead the PE reads a calendar: the rest of the day is enough to know the next changes. */
const CALENDAR_WINDOW_MS = 24 * 3_600_000;
const SUBSCRIPTION_LIFETIME_S = 3600;

export interface CupsUser {
  id: string;
  /** The address the PE uses for the user's mailbox (CUPS's mail ID). */
  email: string;
  /** Calendaring enabled for the user on CUPS. */
  calendaring: boolean;
  signedIn: boolean;
  /** The CUPC preference "Show me as 'In a Meeting' …". */
  showCalendar: boolean;
  availability: AvailabilityStatus;
  phone: PhoneStatus;
  subscription: 'none' | 'active' | 'failed';
  subscriptionId?: string;
  /** Calendar rows the PE last read, and when. */
  rows?: Array<{ start: Date; end: Date; busyType: BusyType }>;
  readAt?: number;
  failedAt?: number;
  lastError?: string;
  /** EWS StatusEvents (keep-alives) received for the user's subscription. */
  statusEvents: number;
}

type Outcome = { ok: true; response: Response; body: string } | { ok: false; line: string; code?: number; status?: number };

export class PresenceServer implements Endpoint {
  readonly server: string;
  /** Certificates uploaded as "Presence Engine - Trust", by the name they were uploaded under. */
  readonly trust = new Map<string, CertificateInfo>();
  /** `set network dns primary`: without it no name resolves. */
  dnsPrimary?: string;
  /** The gateway as configured (the admin page) and as the running PE read it at its last start. */
  configured?: PresenceGateway;
  private running?: PresenceGateway;
  readonly parameters: Record<PresenceEngineParameter, number>;
  readonly users = new Map<string, CupsUser>();
  readonly log: string[] = [];
  readonly alarms: string[] = [];
  private alarmSequence = 1040;
  private readonly session = new Map<string, string>(); // FBA cookie per gateway address

  constructor(
    readonly name: string,
    readonly fqdn: string,
    readonly address: string,
    readonly version: string,
    private readonly deps: {
      clock: VirtualClock;
      network: SimulatedNetwork;
      side: ExchangeSide;
      /** The DNS servers the scenario knows, by address, and the real one behind them. */
      dnsServers: Map<string, LoopbackDnsServer>;
    },
  ) {
    this.server = name;
    this.parameters = Object.fromEntries(Object.entries(PRESENCE_ENGINE_PARAMETERS).map(([k, v]) => [k, v.value])) as Record<PresenceEngineParameter, number>;
  }

  get speaks(): readonly GatewayType[] {
    return PRESENCE_SERVER_VERSIONS[this.version] ?? [];
  }

  get runningGateway(): PresenceGateway | undefined {
    return this.running;
  }

  /** Restarts the Presence Engine service: it reads the gateway again and subscribes every signed-in user anew. */
  async restartPresenceEngine(): Promise<void> {
    this.running = this.configured ? { ...this.configured } : undefined;
    this.session.clear();
    for (const user of this.users.values()) {
      user.subscription = 'none';
      user.rows = undefined;
      user.subscriptionId = undefined;
    }
    this.logLine('INFO', 'PresenceEngine::start', `Presence Engine started${this.running ? `; presence gateway ${this.running.address} (${this.running.type})` : '; no presence gateway'}`);
    for (const user of this.users.values()) if (user.signedIn) await this.subscribe(user);
  }

  async signIn(user: CupsUser): Promise<void> {
    user.signedIn = true;
    await this.subscribe(user);
  }

  /** What a contact sees for this user now. */
  presenceOf(user: CupsUser): CompositePresence {
    const busy = user.rows ? (busyTypeAt(user.rows, this.deps.clock.now()) ?? 'Free') : undefined;
    return compositePresence({ signedIn: user.signedIn, availability: user.availability, phone: user.phone, showCalendar: user.showCalendar, calendar: user.subscription === 'active' ? calendarPresenceOf(busy) : undefined });
  }

  /** Time passed: failed subscriptions are tried again (initiateRecovery); WebDAV subscriptions are renewed. */
  async timePassed(): Promise<void> {
    const now = this.deps.clock.millis();
    for (const user of this.users.values()) {
      if (!user.signedIn || !user.calendaring) continue;
      if (user.subscription === 'failed' && now - (user.failedAt ?? 0) >= RECOVERY_INTERVAL_MS) await this.subscribe(user);
      else if (user.subscription === 'active' && this.running?.type === 'WebDAV' && now - (user.readAt ?? 0) >= SUBSCRIPTION_LIFETIME_S * 1000) await this.subscribe(user);
    }
  }

  // ---- subscriptions ----

  async subscribe(user: CupsUser): Promise<void> {
    if (!user.calendaring || !user.signedIn) return;
    const gateway = this.running;
    if (!gateway) return this.fail(user, 'SUBSCRIBE', 'no presence gateway is configured (or the Presence Engine was not restarted since)');
    if (!this.speaks.includes(gateway.type)) return this.fail(user, 'SUBSCRIBE', `Cisco Unified Presence ${this.version} has no ${gateway.type} presence gateway`);
    if (gateway.type === 'WebDAV') await this.subscribeWebDav(user, gateway);
    else await this.subscribeEws(user, gateway);
  }

  private calendarUrl(gateway: PresenceGateway, user: CupsUser): string {
    // The PE builds the folder URL from its locale ("Calendar" in English), as Exchange's IIS logs show.
    return `https://${gateway.address}/exchange/${user.email}/${this.calendarFolderName}`;
  }

  /** The calendar folder's name in the locale the PE uses. */
  calendarFolderName = 'Calendar';

  /** Cisco bug CSCsz12455: without its locale strings the PE puts the string's key where the folder name belongs. */
  loseLocaleStrings(): void {
    this.calendarFolderName = 'TypePEPresenceGatewayLocale.PEPRESENCEGATEWAYLOCALE_CALENDAR';
  }

  private async subscribeWebDav(user: CupsUser, gateway: PresenceGateway): Promise<void> {
    const folder = this.calendarUrl(gateway, user);
    const subscribed = await this.transaction(user, 'SUBSCRIBE', gateway, () =>
      subscribeRequest(folder, { notificationType: 'update', lifetimeSeconds: SUBSCRIPTION_LIFETIME_S, callBack: `httpu://${this.address}:${NOTIFICATION_PORT}/` }),
    );
    if (!subscribed.ok) return this.fail(user, 'SUBSCRIBE', subscribed.line);
    user.subscriptionId = (await parseSubscribeResponse(subscribed.response)).subscriptionIds[0];
    await this.readCalendarWebDav(user, gateway);
  }

  private async readCalendarWebDav(user: CupsUser, gateway: PresenceGateway): Promise<void> {
    const now = this.deps.clock.now();
    const folder = this.calendarUrl(gateway, user);
    const found = await this.transaction(user, 'SEARCH', gateway, () => calendarSearchRequest(folder, { start: now, end: new Date(now.getTime() + CALENDAR_WINDOW_MS) }));
    if (!found.ok) return this.fail(user, 'SEARCH', found.line);
    const rows: CalendarRow[] = parseCalendarSearchResponse(found.body);
    const busy: Record<string, BusyType> = { FREE: 'Free', TENTATIVE: 'Tentative', BUSY: 'Busy', OOF: 'OOF' };
    this.succeed(user, rows.map((r) => ({ start: r.start, end: r.end, busyType: busy[r.busyStatus] })));
  }

  private async subscribeEws(user: CupsUser, gateway: PresenceGateway): Promise<void> {
    const ews = `https://${gateway.address}/EWS/Exchange.asmx`;
    const header = impersonationHeader({ kind: 'PrimarySmtpAddress', value: user.email });
    const subscribed = await this.transaction(user, 'Subscribe', gateway, () =>
      soapRequest(ews, pushSubscribeRequest({ folderIds: [{ distinguished: 'calendar' }], eventTypes: ['CreatedEvent', 'ModifiedEvent', 'DeletedEvent', 'MovedEvent'], statusFrequencyMinutes: this.parameters['EWS Status Frequency'], url: `http://${this.fqdn}:${NOTIFICATION_PORT}/` }, { headers: [header] })),
    );
    if (!subscribed.ok) return this.fail(user, 'Subscribe', subscribed.line);
    const fault = parseEwsFault(subscribed.body);
    if (fault) return this.fail(user, 'Subscribe', `${subscribed.response.status} ${fault.responseCode}`);
    const message = parseEwsSubscribeResponse(subscribed.body)[0];
    if (!message || message.responseClass !== 'Success') return this.fail(user, 'Subscribe', `${subscribed.response.status} ${message?.responseCode ?? 'no response message'}`);
    user.subscriptionId = message.subscriptionId;
    await this.readCalendarEws(user, gateway);
  }

  private async readCalendarEws(user: CupsUser, gateway: PresenceGateway): Promise<void> {
    const now = this.deps.clock.now();
    const ews = `https://${gateway.address}/EWS/Exchange.asmx`;
    const header = impersonationHeader({ kind: 'PrimarySmtpAddress', value: user.email });
    const window = { start: now, end: new Date(now.getTime() + CALENDAR_WINDOW_MS) };
    const asked = await this.transaction(user, 'GetUserAvailability', gateway, () =>
      soapRequest(ews, getUserAvailabilityRequest({ mailboxes: [{ address: user.email }], window, mergedIntervalMinutes: 30, requestedView: 'Detailed' }, { headers: [header] })),
    );
    if (!asked.ok) return this.fail(user, 'GetUserAvailability', asked.line);
    const fault = parseEwsFault(asked.body);
    if (fault) return this.fail(user, 'GetUserAvailability', `${asked.response.status} ${fault.responseCode}`);
    const answer = parseGetUserAvailabilityResponse(asked.body)[0];
    if (!answer || answer.responseClass !== 'Success') return this.fail(user, 'GetUserAvailability', `${asked.response.status} ${answer?.responseCode ?? 'no answer'}`);
    this.succeed(user, (answer.view?.events ?? []).map((e) => ({ start: e.start, end: e.end, busyType: e.busyType })));
  }

  private succeed(user: CupsUser, rows: CupsUser['rows']): void {
    user.rows = rows;
    user.readAt = this.deps.clock.millis();
    user.subscription = 'active';
    user.lastError = undefined;
  }

  private fail(user: CupsUser, method: string, line: string): void {
    user.subscription = 'failed';
    user.failedAt = this.deps.clock.millis();
    user.lastError = line;
    this.logLine('ERROR', 'CalendarSubscription::initiateRecovery', `${user.email} ${method} ${line}`);
  }

  // ---- notifications from Exchange ----

  /** A UDP datagram to port 50020: WebDAV's NOTIFY; the PE POLLs to acknowledge and reads the calendar again. */
  async receiveDatagram(text: string, port: number): Promise<void> {
    if (port !== NOTIFICATION_PORT) return;
    const gateway = this.running;
    if (!gateway || gateway.type !== 'WebDAV') return;
    const notice = parseNotifyDatagram(text);
    for (const user of this.users.values()) {
      if (!user.subscriptionId || !notice.subscriptionIds.includes(user.subscriptionId)) continue;
      const polled = await this.transaction(user, 'POLL', gateway, () => pollRequest(this.calendarUrl(gateway, user), [user.subscriptionId!]));
      if (!polled.ok) return this.fail(user, 'POLL', polled.line);
      await this.readCalendarWebDav(user, gateway);
    }
  }

  /** TCP port 50020: EWS push notifications (SendNotification), answered OK, or Unsubscribe for an unknown subscription. */
  handle = async (request: Request, ctx: RequestContext): Promise<Response> => {
    const url = new URL(request.url);
    if (url.port !== String(NOTIFICATION_PORT) || request.method !== 'POST') {
      ctx.hop.failure = `${this.name} listens for Exchange notifications on TCP port ${NOTIFICATION_PORT} only`;
      return Response.error();
    }
    const notification = parseSendNotificationRequest(await request.text());
    const user = [...this.users.values()].find((u) => u.subscriptionId === notification.subscriptionId);
    const xml = (status: 'OK' | 'Unsubscribe') => new Response(sendNotificationResult(status), { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' } });
    if (!user || this.running?.type !== 'EWS') return xml('Unsubscribe');
    const statusOnly = notification.events.every((e) => e.type === 'StatusEvent');
    if (statusOnly) user.statusEvents++;
    else await this.readCalendarEws(user, this.running);
    ctx.hop.notes.push(statusOnly ? `StatusEvent for ${user.email}: the subscription is alive` : `calendar change for ${user.email}: the PE reads it again`);
    return xml('OK');
  };

  // ---- one request, as neon makes it ----

  private async transaction(user: CupsUser, method: string, gateway: PresenceGateway, build: () => Request): Promise<Outcome> {
    const host = gateway.address;
    let ip: string;
    if (isIpv4(host)) ip = host;
    else {
      const dns = this.dnsPrimary ? this.deps.dnsServers.get(this.dnsPrimary) : undefined;
      if (!this.dnsPrimary) return this.neonFailure(NEON.lookup, `Could not resolve hostname \`${host}': no DNS server is configured (set network dns primary)`);
      if (!dns) return this.neonFailure(NEON.lookup, `Could not resolve hostname \`${host}': the DNS server ${this.dnsPrimary} does not answer`);
      const answer = await dns.resolveA(host);
      if (!answer.found) return this.neonFailure(NEON.lookup, `Could not resolve hostname \`${host}': Host not found (${answer.code})`);
      ip = answer.addresses[0];
    }
    const server = this.deps.side.serverAt(ip);
    if (!server) return this.timedOut(host, `Could not connect to server: connection timed out (nothing answers at ${ip})`);
    const chain = this.deps.side.iisOf(server).chain;
    if (!chain) return this.neonFailure(NEON.connect, `Could not connect to server: Connection refused (${server} has no HTTPS binding on port 443)`);
    const check = verifyServerCertificate({ presented: chain, trusted: [...this.trust.values()], host, now: this.deps.clock.now() });
    if (!check.trusted) return this.neonFailure(NEON.error, `SSL handshake failed: ${check.message} (${check.details.join('; ')})`);
    return this.exchange(user, method, gateway, server, build);
  }

  /** The request, with neon's handling of 440 (a forms logon) and 401 (the challenges it can answer). */
  private async exchange(user: CupsUser, method: string, gateway: PresenceGateway, server: string, build: () => Request): Promise<Outcome> {
    const basic = `Basic ${Buffer.from(`${gateway.account}:${gateway.password}`).toString('base64')}`;
    let credentialsSent = false;
    let formsLogons = 0;
    for (let attempt = 0; attempt < 4; attempt++) {
      const request = build();
      const cookie = this.session.get(gateway.address.toLowerCase());
      if (cookie) request.headers.set('cookie', cookie);
      if (credentialsSent) request.headers.set('authorization', basic);
      request.headers.set('user-agent', 'Cisco Presence Engine');
      const sent = await this.send(request, server, gateway.address);
      if (!sent.ok) return sent;
      const response = sent.response;
      if (response.status === 440) {
        // Forms-based authentication: one 440 per transaction is normal; the PE logs on and tries again.
        this.logLine('INFO', 'CalendarSubscription::onResponse', `${user.email} ${method} 440 ${STATUS_TEXT[440]}`);
        if (formsLogons++ > 0) return { ok: false, line: `440 ${STATUS_TEXT[440]}`, status: 440 };
        this.session.delete(gateway.address.toLowerCase());
        const logon = await this.send(
          new Request(`https://${gateway.address}/exchweb/bin/auth/owaauth.dll`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Cisco Presence Engine' },
            body: new URLSearchParams({ destination: request.url, flags: '0', username: gateway.account, password: gateway.password }).toString(),
          }),
          server,
          gateway.address,
        );
        if (!logon.ok) return logon;
        const set = logon.response.headers.get('set-cookie');
        if (set) this.session.set(gateway.address.toLowerCase(), set.split(';')[0]);
        continue;
      }
      if (response.status === 401) {
        const offered = response.headers.get('www-authenticate') ?? '';
        if (!offered) return { ok: false, line: `401 ${STATUS_TEXT[401]}`, status: 401 };
        const schemes = offered.split(/,\s*(?=[A-Za-z]+(?:\s|,|$))/).map((c) => c.trim().split(/\s+/)[0].toLowerCase());
        if (schemes.includes('basic') && !credentialsSent) {
          credentialsSent = true;
          continue;
        }
        // neon cannot do NTLM, has no Kerberos ticket for Negotiate, and gives Basic credentials once.
        const parts: string[] = [];
        if (schemes.includes('ntlm')) parts.push('ignored NTLM challenge');
        if (schemes.includes('negotiate')) parts.push('ignoring empty Negotiate continuation');
        if (schemes.includes('basic')) parts.push('rejected Basic challenge');
        return { ok: false, line: `${NEON.auth.code} ${NEON.auth.text}; Could not authenticate to server: ${parts.join(', ')}`, code: NEON.auth.code };
      }
      const body = await response.text();
      if (response.status >= 300 && !(response.status === 207 || response.status === 200)) {
        // A SOAP fault comes back as 500 with a body the caller reads.
        if (response.status === 500 && body.includes('Envelope')) return { ok: true, response, body };
        return { ok: false, line: `${response.status} ${STATUS_TEXT[response.status] ?? response.statusText}`, status: response.status };
      }
      return { ok: true, response, body };
    }
    return { ok: false, line: `440 ${STATUS_TEXT[440]}`, status: 440 };
  }

  private async send(request: Request, server: string, host: string): Promise<{ ok: true; response: Response } | { ok: false; line: string; code: number }> {
    try {
      return { ok: true, response: await this.deps.network.send(this.name, request, { toServer: server }) };
    } catch (e) {
      if (!(e instanceof NetworkError)) throw e;
      return this.timedOut(host, 'Could not read status line: connection timed out');
    }
  }

  /** No status line within the Exchange Timeout: the PE gives up, and raises PECalendarConnectionLoss. */
  private timedOut(host: string, message: string): { ok: false; line: string; code: number } {
    this.deps.clock.advance(this.parameters['Exchange Timeout'] * 1000);
    const text = `${host}:443 ${NEON.timeout.text}; ${message}`;
    const at = this.deps.clock.now();
    const stamp = `${at.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' })} ${String(at.getUTCDate()).padStart(2, '0')} ${at.getUTCFullYear()} ${at.toISOString().slice(11, 23)} UTC`;
    this.alarms.push(
      `: ${this.alarmSequence++}: ${this.fqdn}: ${stamp} : %UC_-3-PECalendarConnectionLoss: %[UNKNOWN_PARAMNAME:PEAlarmMessage=${text}][ClusterID=StandAloneCluster${this.clusterId()}][NodeID=${this.name}]: Indicates that the Cisco UP Presence Engine service cannot connect to the Calendar Server`,
    );
    return { ok: false, line: `${NEON.timeout.code} ${text}`, code: NEON.timeout.code };
  }

  private neonFailure(kind: { code: number; text: string }, message: string): Outcome {
    return { ok: false, line: `${kind.code} ${kind.text}; ${message}`, code: kind.code };
  }

  private clusterId(): string {
    let h = 0;
    for (const ch of this.name) h = (h * 31 + ch.charCodeAt(0)) % 100_000;
    return String(h).padStart(5, '0');
  }

  /** One PE log line: `MM/DD/YYYY HH:MM:SS.mmm EPE|system.pe.pa.owa.backend <thread> <LEVEL> --><where>: <text>`. */
  private logLine(level: 'INFO' | 'ERROR', where: string, text: string): void {
    const at = this.deps.clock.now().toISOString();
    const date = `${at.slice(5, 7)}/${at.slice(8, 10)}/${at.slice(0, 4)}`;
    this.log.push(`${date} ${at.slice(11, 23)} EPE|system.pe.pa.owa.backend ${2063714 + this.log.length} ${level} -->${where}: ${text}`);
  }
}

function soapRequest(url: string, xml: string): Request {
  return new Request(url, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body: xml });
}
