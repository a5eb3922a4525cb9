// An Exchange 2010 Client Access server's web services for federation, in front of its OWA:
//   /autodiscover/autodiscover.svc               GetFederationInformation, anonymous
//   /autodiscover/autodiscover.svc/WSSecurity    GetUserSettings and GetOrganizationRelationshipSettings for a
//                                                partner, with a delegation token
//   /EWS/Exchange.asmx                           GetUserAvailability for the organization's own users
//   /EWS/Exchange.asmx/WSSecurity                GetUserAvailability for a partner, with a delegation token
// The source side walks the seed's steps (relationship, token, Autodiscover, EWS) and records each in the
// trace; the target side validates the token, its trust list and the relationship's access level.

import type { Endpoint, RequestContext } from '../network/network';
import { verifyUser } from '../redirection/http-auth';
import type { MailboxUserView } from '../topology/reader';
import { openDelegationToken } from './crypto';
import { effectiveLevel } from './mailbox-content';
import type { FreeBusyAccessLevel } from './directory';
import { OFFERS, type OrganizationFederation } from './federation';
import { flowStep } from './flow';
import { GATEWAY_INSTANCES } from './gateway';
import { OFFICE_365 } from './office365';
import { NS, children, faultIn, parseEnvelopeParts } from './soap';
import {
  getUserAvailabilityRequest,
  getUserAvailabilityResponse,
  parseGetUserAvailabilityRequest,
  parseGetUserAvailabilityResponse,
  shapeView,
  type AvailabilityRequest,
  type FreeBusyAnswer,
  type FreeBusyViewType,
} from './free-busy';
import {
  bodyPayloadName,
  extractSecurityToken,
  getFederationInformationResponse,
  getOrganizationRelationshipSettingsResponse,
  parseGetOrganizationRelationshipSettingsRequest,
  getUserSettingsRequest,
  getUserSettingsResponse,
  parseGetFederationInformationRequest,
  parseGetUserSettingsRequest,
  parseGetUserSettingsResponse,
  securityHeader,
  soapFault,
} from './soap';

/** What .NET's web services stack says when WS-Security processing fails (seed 002's log). */
export const SECURITY_TOKEN_ERROR = 'An error occurred when processing the security tokens in the message.';

const XML = { 'content-type': 'text/xml; charset=utf-8' };

function xml(body: string, status = 200): Response {
  return new Response(body, { status, headers: XML });
}

/** The view a level allows: AvailabilityOnly → FreeBusy, LimitedDetails → Detailed; *Merged is kept. */
export function allowedView(requested: FreeBusyViewType, level: FreeBusyAccessLevel): FreeBusyViewType {
  const value: Record<FreeBusyViewType, number> = { None: 0, MergedOnly: 1, FreeBusy: 32, FreeBusyMerged: 33, Detailed: 96, DetailedMerged: 97 };
  const cap = level === 'LimitedDetails' ? 96 : level === 'AvailabilityOnly' ? 32 : 0;
  const merged = value[requested] & 1;
  const base = Math.min(value[requested] & ~1, cap);
  const result = base | merged;
  return (Object.keys(value) as FreeBusyViewType[]).find((k) => value[k] === result) ?? 'None';
}

/** A GetUserAvailability request without an ExchangeImpersonation header (a malformed body is ours to refuse). */
function isOwnAvailabilityRequest(body: string): boolean {
  try {
    const { header, payload } = parseEnvelopeParts(body, 'EWS request');
    if (payload?.localName !== 'GetUserAvailabilityRequest') return false;
    return !header || children(header, NS.types, 'ExchangeImpersonation').length === 0;
  } catch {
    return true;
  }
}

export class FederatedClientAccessServer implements Endpoint {
  readonly server: string;

  constructor(
    /** What this layer wraps: OWA, or another layer of web services (impersonation's EWS). */
    private readonly owa: Endpoint,
    private readonly federation: OrganizationFederation,
    name: string,
  ) {
    this.server = name;
  }

  handle = async (request: Request, ctx: RequestContext): Promise<Response> => {
    const url = new URL(request.url);
    const path = url.pathname.toLowerCase().replace(/\/+$/, '');
    // Office 365 answers Autodiscover at one name only; the others send the client there.
    if (this.federation.office365 && path.startsWith('/autodiscover') && url.hostname.toLowerCase() !== OFFICE_365.autodiscoverHost) {
      ctx.hop.notes.push(`Office 365 Autodiscover is at ${OFFICE_365.autodiscoverHost}`);
      return new Response(null, { status: 302, headers: { location: `https://${OFFICE_365.autodiscoverHost}${url.pathname}` } });
    }
    if (request.method === 'POST') {
      if (path === '/autodiscover/autodiscover.svc') return this.getFederationInformation(request, ctx);
      if (path === '/autodiscover/autodiscover.svc/wssecurity') return this.partnerUserSettings(request, ctx);
      if (path === '/ews/exchange.asmx') {
        // Only a user's own GetUserAvailability is this layer's; other EWS requests (an application's,
        // impersonating someone) go to the layer underneath.
        const body = await request.clone().text();
        if (isOwnAvailabilityRequest(body)) return this.userAvailability(request, ctx);
        return this.owa.handle(request, ctx);
      }
      if (path === '/ews/exchange.asmx/wssecurity') return this.partnerAvailability(request, ctx);
    }
    if (path.startsWith('/autodiscover') || path.startsWith('/ews')) return new Response('Not Found', { status: 404 });
    return this.owa.handle(request, ctx);
  };

  private log(ctx: RequestContext) {
    return (r: { base: string; scope: string; filter: string; results: number }) => ctx.hop.searches.push({ ...r, scope: r.scope as 'base' });
  }

  // ---- target side ----------------------------------------------------------------------------------

  private async getFederationInformation(request: Request, ctx: RequestContext): Promise<Response> {
    let domain: string;
    try {
      domain = parseGetFederationInformationRequest(await request.text()).domain.toLowerCase();
    } catch (e) {
      return xml(getFederationInformationResponse({ errorCode: 'InvalidRequest', errorMessage: (e as Error).message }));
    }
    const fed = this.federation.directory(this.log(ctx));
    const orgId = await fed.organizationId();
    const trust = orgId.delegationTrustDn ? await fed.federationTrust(orgId.delegationTrustDn) : undefined;
    if (!orgId.enabled || !trust || !trust.applicationUri) {
      ctx.hop.notes.push(`${this.federation.name} is not federated`);
      return xml(getFederationInformationResponse({ errorCode: 'NotFederated', errorMessage: `The organization ${this.federation.name} is not federated.` }));
    }
    if (!orgId.federatedDomains.includes(domain)) {
      return xml(getFederationInformationResponse({ errorCode: 'InvalidDomain', errorMessage: `${domain} is not a federated domain of this organization.` }));
    }
    return xml(getFederationInformationResponse({
      errorCode: 'NoError',
      applicationUri: trust.applicationUri,
      domains: orgId.federatedDomains,
      // Office 365 publishes the service's trust, which is with the business instance whatever the tenant's is.
      tokenIssuers: [this.federation.office365 ? { uri: GATEWAY_INSTANCES.business.tokenIssuerUri, endpoint: GATEWAY_INSTANCES.business.tokenIssuerEpr } : { uri: trust.tokenIssuerUri, endpoint: trust.tokenIssuerEpr }],
    }));
  }

  /** Validates a partner's delegation token (steps 7–8: the token, and the requester in the trust list). */
  private async partnerToken(body: string, ctx: RequestContext): Promise<{ ok: true; requester: string } | { ok: false; response: Response }> {
    const reject = (why: string) => {
      ctx.hop.notes.push(`token rejected: ${why}`);
      flowStep(ctx.hop, 7, false, why);
      return { ok: false as const, response: xml(soapFault({ code: 'a:InvalidSecurity', message: SECURITY_TOKEN_ERROR }), 500) };
    };
    const token = extractSecurityToken(body);
    if (!token) return reject('the request carries no WS-Security token');
    const validation = await this.federation.tokenValidation();
    if (!validation || !validation.applicationUri) return reject(`${this.federation.name} has no federation trust to validate tokens with`);
    const check = await openDelegationToken(token, { ...validation, now: this.federation.federation.sim.clock.now(), audience: validation.applicationUri });
    if (!check.ok) return reject(`${check.reason}: ${check.detail}`);
    flowStep(ctx.hop, 7, true, `token for ${check.claims.subjectEmail} of ${check.claims.requestingOrganization}, signed by the gateway (${check.signedBy})`);
    return { ok: true, requester: check.claims.subjectEmail };
  }

  private async partnerUserSettings(request: Request, ctx: RequestContext): Promise<Response> {
    const body = await request.text();
    const token = await this.partnerToken(body, ctx);
    if (!token.ok) return token.response;
    let operation: string | undefined;
    try {
      operation = bodyPayloadName(body)?.localName;
    } catch {
      operation = undefined;
    }
    if (operation === 'GetOrganizationRelationshipSettingsRequestMessage') return this.partnerRelationshipSettings(body, token.requester, ctx);
    let asked: { mailboxes: string[]; settings: string[] };
    try {
      asked = parseGetUserSettingsRequest(body);
    } catch (e) {
      return xml(getUserSettingsResponse({ errorCode: 'InvalidRequest', errorMessage: (e as Error).message, users: [] }));
    }
    const dir = this.federation.org.directory.withLog(this.log(ctx));
    const users = [];
    for (const address of asked.mailboxes) {
      const user = await dir.findUserByLogonName(address);
      if (!user) {
        users.push({ errorCode: 'InvalidUser' as const, errorMessage: `The e-mail address ${address} cannot be found.`, settings: {} });
        continue;
      }
      const ews = await this.externalEwsUrl(user, ctx);
      const settings: Record<string, string> = { UserDisplayName: user.alias };
      if (ews) settings.ExternalEwsUrl = ews;
      const settingErrors = ews ? [] : [{ name: 'ExternalEwsUrl', errorCode: 'SettingIsNotAvailable' as const, errorMessage: 'No external URL is configured for Exchange Web Services.' }];
      users.push({ errorCode: 'NoError' as const, settings, settingErrors });
    }
    return xml(getUserSettingsResponse({ errorCode: 'NoError', users }));
  }

  /**
   * GetOrganizationRelationshipSettings: this organization's relationships whose DomainNames hold the domain of
   * the token's e-mail address, read from the directory (Autodiscover does not use the availability cache).
   */
  private async partnerRelationshipSettings(body: string, requester: string, ctx: RequestContext): Promise<Response> {
    try {
      parseGetOrganizationRelationshipSettingsRequest(body);
    } catch (e) {
      return xml(getOrganizationRelationshipSettingsResponse({ errorCode: 'InvalidRequest', errorMessage: (e as Error).message, settings: [] }));
    }
    const domain = requester.split('@')[1]?.toLowerCase() ?? '';
    const all = await this.federation.directory(this.log(ctx)).organizationRelationships();
    const matching = all.filter((r) => r.domainNames.includes(domain));
    ctx.hop.notes.push(`organization relationships for ${domain}: ${matching.map((r) => `"${r.name}"`).join(', ') || 'none'}`);
    return xml(getOrganizationRelationshipSettingsResponse({
      errorCode: 'NoError',
      settings: matching.map((r) => ({
        name: r.name,
        domainNames: r.domainNames,
        freeBusyAccessEnabled: r.freeBusyAccessEnabled,
        freeBusyAccessLevel: r.freeBusyAccessLevel,
        // Mail tips, mailbox moves and delivery reports are not modelled: reported off, as on a new relationship.
        mailTipsAccessEnabled: false,
        mailTipsAccessLevel: 'None',
        mailboxMoveEnabled: false,
        deliveryReportEnabled: false,
        targetApplicationUri: r.targetApplicationUri,
        targetAutodiscoverEpr: r.targetAutodiscoverEpr,
      })),
    }));
  }

  /** The ExternalUrl of an Exchange 2010 EWS virtual directory in the mailbox's site (this server's first). */
  private async externalEwsUrl(user: MailboxUserView, ctx: RequestContext): Promise<string | undefined> {
    const dir = this.federation.org.directory.withLog(this.log(ctx));
    const self = await dir.serverByName(this.server);
    const db = user.homeMdbDn ? await dir.database(user.homeMdbDn) : undefined;
    const site = db?.server.site.dn ?? self?.site.dn;
    const candidates = site ? (await dir.serversInSite(site)).filter((s) => s.release.family === '2010' && s.roles.includes('ClientAccess')) : [];
    if (self) candidates.sort((a, b) => (a.name === self.name ? -1 : b.name === self.name ? 1 : 0));
    for (const cas of candidates) {
      const ews = await this.federation.webServicesDirectory(cas);
      if (ews?.externalUrl) return ews.externalUrl;
    }
    return undefined;
  }

  private async partnerAvailability(request: Request, ctx: RequestContext): Promise<Response> {
    const body = await request.text();
    const token = await this.partnerToken(body, ctx);
    if (!token.ok) return token.response;
    let asked: AvailabilityRequest;
    try {
      asked = parseGetUserAvailabilityRequest(body);
    } catch (e) {
      return xml(soapFault({ code: 'soap:Client', message: (e as Error).message, responseCode: 'ErrorInvalidRequest' }), 500);
    }
    const requesterDomain = token.requester.split('@')[1]?.toLowerCase() ?? '';
    // Step 8: the requesting organization must be one we have a relationship with.
    const { relationship, cached } = await this.federation.relationshipFor(requesterDomain, this.log(ctx));
    ctx.hop.notes.push(`organization relationship for ${requesterDomain}${cached ? ' (cache)' : ''}: ${relationship ? `"${relationship.name}", FreeBusyAccessEnabled ${relationship.freeBusyAccessEnabled}, FreeBusyAccessLevel ${relationship.freeBusyAccessLevel}` : 'none'}`);
    flowStep(ctx.hop, 8, !!relationship?.enabled, relationship ? `"${relationship.name}"${relationship.enabled ? '' : ' is disabled'}${cached ? ' (cached)' : ''}` : `no organization relationship for ${requesterDomain}${cached ? ' (cached)' : ''}`);
    const dir = this.federation.org.directory.withLog(this.log(ctx));
    const answers: FreeBusyAnswer[] = [];
    for (const { address } of asked.mailboxes) {
      if (asked.requestedView === 'None') {
        answers.push({ responseClass: 'Error', responseCode: 'ErrorInvalidFreeBusyViewType', messageText: 'The requested free/busy view type is not valid.' });
        continue;
      }
      const user = await dir.findUserByLogonName(address);
      if (!user) {
        answers.push({ responseClass: 'Error', responseCode: 'ErrorMailRecipientNotFound', messageText: `No mailbox was found for ${address}.` });
        continue;
      }
      // Step 9: what may be shown.
      let level: FreeBusyAccessLevel = 'None';
      let why: string;
      if (!relationship || !relationship.enabled) why = `no enabled organization relationship for ${requesterDomain}`;
      else if (!relationship.freeBusyAccessEnabled) why = `FreeBusyAccessEnabled is $false on "${relationship.name}"`;
      else {
        level = relationship.freeBusyAccessLevel;
        why = `"${relationship.name}" allows ${level}`;
        if (relationship.freeBusyAccessScopeGuid && level !== 'None') {
          const fed = this.federation.directory(this.log(ctx));
          const group = await fed.groupByGuid(relationship.freeBusyAccessScopeGuid);
          if (!group || !(await fed.isMember(user.dn, group.dn))) {
            level = 'None';
            why = `${address} is not in the FreeBusyAccessScope group ${group?.name ?? relationship.freeBusyAccessScopeGuid}`;
          }
        }
      }
      const calendar = this.federation.mailboxes.calendar(user.primarySmtpAddress);
      const effective = effectiveLevel(level, calendar.defaultPermission);
      if (effective !== level) why += `; the calendar's Default permission (${calendar.defaultPermission}) lowers it to ${effective}`;
      flowStep(ctx.hop, 9, effective !== 'None', `${address}: ${why}`);
      if (effective === 'None') {
        answers.push({ responseClass: 'Error', responseCode: 'ErrorNoFreeBusyAccess', messageText: `The requester does not have permission to view the free/busy information of ${address}.` });
        continue;
      }
      // Step 10: the availability service reads the calendar.
      const view = shapeView(calendar.events, allowedView(asked.requestedView, effective), asked.window, asked.mergedIntervalMinutes);
      flowStep(ctx.hop, 10, true, `${view.events.length} item(s) of ${address}'s calendar as ${view.type}`);
      answers.push({ responseClass: 'Success', responseCode: 'NoError', view });
    }
    return xml(getUserAvailabilityResponse(answers));
  }

  // ---- source side ----------------------------------------------------------------------------------

  private async userAvailability(request: Request, ctx: RequestContext): Promise<Response> {
    const dir = this.federation.org.directory.withLog(this.log(ctx));
    const header = request.headers.get('authorization') ?? '';
    const basic = /^Basic\s+(.+)$/i.exec(header);
    if (!basic) return new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="EWS"' } });
    const [name, ...rest] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    const auth = await verifyUser(dir, name, rest.join(':'), 'basic');
    if (!auth.ok || auth.who.kind !== 'user') {
      ctx.hop.notes.push(auth.ok ? 'not a user' : auth.reason);
      return new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="EWS"' } });
    }
    const requester = auth.who.user;
    let asked: AvailabilityRequest;
    try {
      asked = parseGetUserAvailabilityRequest(await request.text());
    } catch (e) {
      return xml(soapFault({ code: 'soap:Client', message: (e as Error).message, responseCode: 'ErrorInvalidRequest' }), 500);
    }
    const answers: FreeBusyAnswer[] = [];
    for (const { address } of asked.mailboxes) answers.push(await this.availabilityOf(address, requester, asked, ctx));
    return xml(getUserAvailabilityResponse(answers));
  }

  private async availabilityOf(address: string, requester: MailboxUserView, asked: AvailabilityRequest, ctx: RequestContext): Promise<FreeBusyAnswer> {
    const dir = this.federation.org.directory.withLog(this.log(ctx));
    const local = await dir.findUserByLogonName(address);
    if (local) {
      const calendar = this.federation.mailboxes.calendar(local.primarySmtpAddress);
      const level = effectiveLevel('LimitedDetails', calendar.defaultPermission);
      if (level === 'None') return { responseClass: 'Error', responseCode: 'ErrorNoFreeBusyAccess', messageText: `No permission to view the free/busy information of ${address}.` };
      return { responseClass: 'Success', responseCode: 'NoError', view: shapeView(calendar.events, allowedView(asked.requestedView, level), asked.window, asked.mergedIntervalMinutes) };
    }
    // Step 2: is there a relationship for the address's domain?
    const domain = address.split('@')[1]?.toLowerCase() ?? '';
    const { relationship, cached } = await this.federation.relationshipFor(domain, this.log(ctx));
    flowStep(ctx.hop, 1, true, `${requester.primarySmtpAddress} asks for ${address}`);
    flowStep(ctx.hop, 2, !!relationship?.enabled, relationship ? `"${relationship.name}"${relationship.enabled ? '' : ' is disabled'}${cached ? ' (cached)' : ''}` : `no organization relationship covers ${domain}${cached ? ' (cached)' : ''}`);
    if (!relationship || !relationship.enabled) {
      return { responseClass: 'Error', responseCode: 'ErrorMailRecipientNotFound', messageText: `No enabled organization relationship covers ${domain}, and ${address} is not a recipient of this organization.` };
    }
    if (!relationship.targetApplicationUri || !relationship.targetAutodiscoverEpr) {
      return { responseClass: 'Error', responseCode: 'ErrorAutoDiscoverFailed', messageText: `The organization relationship "${relationship.name}" has no TargetApplicationUri or TargetAutodiscoverEpr.` };
    }
    const from = this.server;
    const failed = (code: string, exception: string, step: number): FreeBusyAnswer => {
      flowStep(ctx.hop, step, false, exception);
      const message = `Process Microsoft.Exchange.InfoWorker.Common.Delayed\`1[System.String]: <${address}>SMTP:${address} failed. Exception returned is ${exception} Name of the server where exception originated: ${this.server}.` +
        (code === 'ErrorAutoDiscoverFailed' ? ' This event may occur when Availability Service cannot discover an Availability Service in the remote forest.' : '');
      this.federation.logEvent(this.server, 'MSExchange Availability', 'Error', message);
      ctx.hop.notes.push(exception);
      return { responseClass: 'Error', responseCode: code, messageText: exception };
    };
    // Step 3: a token for Autodiscover.
    const adToken = await this.federation.requestDelegationToken(from, ctx.hop, requester.primarySmtpAddress, relationship.targetApplicationUri, OFFERS.autodiscover);
    if (!adToken.ok) return failed('ErrorProxyRequestProcessingFailed', `Microsoft.Exchange.InfoWorker.Common.Availability.FederatedTokenRequestFailedException: no delegation token from the Microsoft Federation Gateway: ${adToken.why}`, 3);
    flowStep(ctx.hop, 3, true, `a delegation token for Autodiscover (${OFFERS.autodiscover.minutes} minutes) to ${relationship.targetApplicationUri}`);
    // Step 6 begins: find the target's EWS through its Autodiscover.
    const autodiscoverFailed = (inner: string) =>
      failed('ErrorAutoDiscoverFailed', `Microsoft.Exchange.InfoWorker.Common.Availability.AutoDiscoverFailedException: Autodiscover failed for e-mail address <${address}>SMTP:${address} with exception ${inner}`, 6);
    let ewsUrl: string;
    try {
      const response = await ctx.fetch(new Request(relationship.targetAutodiscoverEpr, {
        method: 'POST',
        headers: XML,
        body: getUserSettingsRequest({ mailboxes: [address], settings: ['ExternalEwsUrl', 'UserDisplayName'] }, { headers: [securityHeader(adToken.token)] }),
      }));
      const text = await response.text();
      const fault = faultIn(text);
      if (fault) return autodiscoverFailed(`System.Web.Services.Protocols.SoapHeaderException: ${fault.message}`);
      if (!response.ok || !(response.headers.get('content-type') ?? '').includes('xml')) {
        return autodiscoverFailed(`System.Net.WebException: The request failed with HTTP status ${response.status}: ${statusText(response.status)}.`);
      }
      const settings = parseGetUserSettingsResponse(text);
      const user = settings.users[0];
      if (!user || user.errorCode !== 'NoError') return autodiscoverFailed(`${user?.errorCode ?? settings.errorCode}: ${user?.errorMessage || settings.errorMessage}`);
      const url = user.settings.ExternalEwsUrl;
      if (!url) return autodiscoverFailed(`SettingIsNotAvailable: ${user.settingErrors.map((e) => e.errorMessage).join(' ') || 'ExternalEwsUrl was not returned.'}`);
      ewsUrl = url;
    } catch (e) {
      return autodiscoverFailed(`System.Net.WebException: The remote name could not be resolved or did not answer: '${new URL(relationship.targetAutodiscoverEpr).hostname}' (${(e as Error).message})`);
    }
    // Step 3 again, for free/busy: a token of 5 minutes.
    const fbToken = await this.federation.requestDelegationToken(from, ctx.hop, requester.primarySmtpAddress, relationship.targetApplicationUri, OFFERS.freeBusy);
    if (!fbToken.ok) return failed('ErrorProxyRequestProcessingFailed', `Microsoft.Exchange.InfoWorker.Common.Availability.FederatedTokenRequestFailedException: no delegation token from the Microsoft Federation Gateway: ${fbToken.why}`, 3);
    flowStep(ctx.hop, 6, true, `Autodiscover at ${relationship.targetAutodiscoverEpr} gave ExternalEwsUrl ${ewsUrl}`);
    // Step 6: GetUserAvailability to the target's EWS, WS-Security endpoint.
    const target = `${ewsUrl.replace(/\/+$/, '')}/WSSecurity`;
    try {
      const response = await ctx.fetch(new Request(target, {
        method: 'POST',
        headers: XML,
        body: getUserAvailabilityRequest({ ...asked, mailboxes: [{ address }] }, { headers: [securityHeader(fbToken.token)] }),
      }));
      const text = await response.text();
      const fault = faultIn(text);
      if (fault) return failed('ErrorProxyRequestProcessingFailed', `System.Web.Services.Protocols.SoapHeaderException: ${fault.message}`, 6);
      if (!response.ok || !(response.headers.get('content-type') ?? '').includes('xml')) {
        return failed('ErrorProxyRequestProcessingFailed', `System.Net.WebException: The request failed with HTTP status ${response.status}: ${statusText(response.status)}.`, 6);
      }
      const answer = parseGetUserAvailabilityResponse(text)[0] ?? { responseClass: 'Error', responseCode: 'ErrorProxyRequestProcessingFailed', messageText: 'empty answer' };
      flowStep(ctx.hop, 11, answer.responseClass === 'Success', `${answer.responseCode}${answer.view ? ` (${answer.view.type})` : ''}`);
      return answer;
    } catch (e) {
      return failed('ErrorProxyRequestProcessingFailed', `System.Net.WebException: Unable to connect to the remote server ${new URL(target).hostname} (${(e as Error).message})`, 6);
    }
  }
}

function statusText(status: number): string {
  return ({ 302: 'Found', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' } as Record<number, string>)[status] ?? 'Error';
}

