// A simulated Exchange 2007 or 2010 Client Access server's /owa (and, on 2007, /exchange for Exchange 2003
// mailboxes). It reads everything it knows from the directory on each request, through the topology cache.
//
// Proxying follows Exchange's wire protocol: the first CAS authenticates to the second with Kerberos as
// its computer account and passes the user's SID in X-OWA-ProxySid; the second answers 441 until it holds
// the user's serialized client security context, which the first POSTs to proxyLogon.owa; the second
// accepts that only from a server holding ms-Exch-EPI-Token-Serialization on it (else 403). Two 441s in a
// row end the attempt.

import type { Endpoint, RequestContext } from '../network/network';
import { NetworkError } from '../network/network';
import { EXTENDED_RIGHTS } from '../directory/schema';
import { checkExtendedRight } from '../directory/security';
import type { ExchangeDirectory, MailboxUserView, ServerView, VirtualDirectoryView } from '../topology/reader';
import { adminDisplayVersion } from '../topology/versions';
import { locateMailbox, usesFba, type DecisionInput, type OwaDecision } from './decision';
import { authenticateHeader, challengeFor, FormsSessions, type Authenticated } from './http-auth';
import { autoSubmitPage, errorPage, htmlResponse, linkPage, logonPage, mailboxPage, TEXT } from './pages';
import { decide2007 } from './rules-2007';
import { decideOwa } from './route';

type ProxyResult = { ok: true; response: Response } | { ok: false; why: string };

export class ClientAccessServer implements Endpoint {
  private readonly forms: FormsSessions;
  /** Serialized client security contexts received through proxyLogon.owa: `<proxying server>|<user SID>`. */
  private readonly securityContexts = new Set<string>();

  constructor(
    readonly server: string,
    private readonly directory: ExchangeDirectory,
  ) {
    this.forms = new FormsSessions(server, '/owa/auth/logon.aspx', '/owa/auth/owaauth.dll', '/owa/');
  }

  handle = async (request: Request, ctx: RequestContext): Promise<Response> => {
    const dir = this.directory.withLog((r) => ctx.hop.searches.push(r));
    const self = await dir.serverByName(this.server);
    if (!self) return htmlResponse(errorPage(`${this.server} is not in the directory`, this.server), 503);
    const vdir = await dir.virtualDirectory(self);
    const url = new URL(request.url);
    const path = url.pathname.toLowerCase();
    if (!vdir) return htmlResponse(errorPage('Not Found', this.server), 404);
    if (self.release.family === '2007' && (path === '/exchange' || path.startsWith('/exchange/'))) {
      return this.legacyExchangePath(request, url, self, vdir, dir, ctx);
    }
    if (!(path === '/owa' || path.startsWith('/owa/'))) return htmlResponse(errorPage('Not Found', this.server), 404);
    const sub = path.slice(4);
    if (sub === '/auth/logon.aspx') {
      return htmlResponse(logonPage(this.forms.postPath, this.forms.destinationOf(url), this.server, url.searchParams.get('reason') ? TEXT.badCredentials : undefined));
    }
    if (sub === '/auth/owaauth.dll' && request.method === 'POST') {
      return usesFba(vdir) ? this.forms.logon(request, dir, ctx) : htmlResponse(errorPage('Not Found', this.server), 404);
    }
    if (sub === '/proxylogon.owa' && request.method === 'POST') return this.proxyLogon(request, self, vdir, dir, ctx);

    const auth = await this.authenticate(request, url, vdir, dir, ctx);
    if (auth instanceof Response) return auth;
    let user: MailboxUserView;
    let via: DecisionInput['authenticatedWith'];
    if (auth.kind === 'server') {
      // A proxied request: act for the user whose SID came along, once her security context is here.
      const sid = request.headers.get('x-owa-proxysid');
      if (!sid) return htmlResponse(errorPage('Forbidden', this.server), 403);
      if (!this.securityContexts.has(`${auth.account.toLowerCase()}|${sid}`)) {
        ctx.hop.notes.push(`no serialized security context from ${auth.account} for ${sid}: 441 NeedIdentity`);
        return new Response(null, { status: 441, statusText: 'NeedIdentity' });
      }
      const found = await dir.findUserBySid(sid);
      if (!found) return htmlResponse(errorPage(TEXT.noMailbox, this.server), 404);
      user = found;
      via = 'proxy';
    } else {
      user = auth.user;
      via = auth.via;
    }
    const mailbox = await locateMailbox(dir, user);
    const input: DecisionInput = { self, selfVdir: vdir, requestUrl: url, mailbox, authenticatedWith: via, dir };
    const decided = await decideOwa(input);
    record(ctx, decided);
    return this.execute(decided, input, request, ctx, auth);
  };

  private async authenticate(request: Request, url: URL, vdir: VirtualDirectoryView, dir: ExchangeDirectory, ctx: RequestContext): Promise<Authenticated | Response> {
    const session = this.forms.user(request);
    if (session) return { kind: 'user', user: session.user, via: 'fba', password: session.password };
    const outcome = await authenticateHeader(request, vdir, dir);
    if (outcome?.ok) return outcome.who;
    if (outcome && !outcome.ok) ctx.hop.notes.push(`authentication refused: ${outcome.reason}`);
    if (usesFba(vdir) && !request.headers.get('x-owa-proxysid')) return this.forms.redirectToLogon(url);
    return new Response('401 Unauthorized', { status: 401, headers: { 'www-authenticate': challengeFor(vdir) } });
  }

  private async proxyLogon(request: Request, self: ServerView, vdir: VirtualDirectoryView, dir: ExchangeDirectory, ctx: RequestContext): Promise<Response> {
    const auth = await authenticateHeader(request, vdir, dir);
    if (!auth?.ok || auth.who.kind !== 'server') {
      return new Response('401 Unauthorized', { status: 401, headers: { 'www-authenticate': challengeFor(vdir) } });
    }
    const proxying = await dir.serverByName(auth.who.account);
    const computer = proxying ? await dir.computerAccount(proxying) : undefined;
    const token = computer ? [computer.sid, ...(await dir.tokenGroupSids(computer.dn))] : [];
    const check = checkExtendedRight(self.securityDescriptor, EXTENDED_RIGHTS.tokenSerialization, token);
    if (!check.granted) {
      ctx.hop.notes.push(
        `${auth.who.account} does not hold ms-Exch-EPI-Token-Serialization on ${self.name}${check.decidingAce ? ` (denied by an explicit ACE for ${check.decidingAce.trustee})` : ''}: 403`,
      );
      return new Response('403 Forbidden', { status: 403 });
    }
    const body = await request.text();
    const sid = /<UserSid>([^<]+)<\/UserSid>/.exec(body)?.[1];
    if (!sid) return new Response('400 Bad Request', { status: 400 });
    this.securityContexts.add(`${auth.who.account.toLowerCase()}|${sid}`);
    ctx.hop.notes.push(`serialized security context for ${sid} accepted from ${auth.who.account}`);
    return new Response(null, { status: 241, statusText: 'RetryRequest' });
  }

  private async execute(d: OwaDecision, input: DecisionInput, request: Request, ctx: RequestContext, auth: Authenticated): Promise<Response> {
    const a = d.action;
    const { self, dir } = input;
    switch (a.kind) {
      case 'direct-connect':
        ctx.hop.notes.push(`RPC mailbox session with ${a.mailboxServer.name}`);
        return htmlResponse(mailboxPage({ server: self.name, mailboxServer: a.mailboxServer.name, user: input.mailbox!.user.alias, version: adminDisplayVersion(self.release) }));
      case 'proxy': {
        const failures: string[] = [];
        for (const target of a.targets) {
          const result = await this.proxyTo(target, input.mailbox!.user, request, self, ctx);
          if (result.ok) return result.response;
          failures.push(`${target.server.name}: ${result.why}`);
        }
        ctx.hop.notes.push(`no Client Access server in the target site answered: ${failures.join('; ')}`);
        return htmlResponse(errorPage(TEXT.casNotResponding, self.name), 200);
      }
      case 'proxy-legacy':
        return this.proxyToLegacyBackEnd(a.backEnd, input.mailbox!.user, dir, ctx);
      case 'silent-redirect': {
        if (a.sso === 'hidden-form' && auth.kind === 'user' && auth.password !== undefined) {
          return htmlResponse(autoSubmitPage(a.formAction!, { destination: a.url, flags: '0', forcedownlevel: '0', username: logonNameFor(input, auth), password: auth.password }, self.name), 200, {
            'set-cookie': 'PBack=1; path=/',
          });
        }
        return new Response(null, { status: 302, headers: { location: a.url } });
      }
      case 'manual-redirect':
        // casredirect.aspx: a page with the link, which also drops this server's FBA cookies.
        return new Response(linkPage('manual-redirect', TEXT.manualRedirect, a.url, self.name), {
          status: 200,
          headers: [['content-type', 'text/html; charset=utf-8'], ...FormsSessions.clearCookies().map((c): [string, string] => ['set-cookie', c])],
        });
      case 'temporary-redirect':
        if (a.silent) return new Response(null, { status: 302, headers: { location: a.url } });
        return htmlResponse(linkPage('temporary-redirect', TEXT.temporaryRedirect, a.url, self.name));
      case 'error':
        return htmlResponse(errorPage(a.text, self.name), a.status ?? 200);
    }
  }

  private async proxyTo(target: VirtualDirectoryView, user: MailboxUserView, request: Request, self: ServerView, ctx: RequestContext): Promise<ProxyResult> {
    const base = new URL(target.internalUrl!);
    const rest = new URL(request.url).pathname.replace(/^\/owa/i, '');
    const url = new URL(base.pathname.replace(/\/$/, '') + (rest.startsWith('/auth/') ? '/' : rest || '/'), base).toString();
    const headers = new Headers();
    for (const [k, v] of request.headers) {
      if (!['accept-encoding', 'cookie', 'authorization', 'proxy-authorization', 'content-length', 'content-type'].includes(k)) headers.set(k, v);
    }
    headers.set('x-owa-proxyuri', new URL(request.url).origin + '/owa/');
    headers.set('x-owa-proxyversion', adminDisplayVersion(self.release));
    headers.set('x-owa-proxysid', user.sid);
    headers.set('x-owa-proxycanary', `${self.name}-${user.sid}`);
    headers.set('authorization', `Negotiate ${Buffer.from(`kerberos:${self.name}$`).toString('base64')}`);
    const send = async (): Promise<Response | string> => {
      try {
        return await ctx.fetch(new Request(url, { method: 'GET', headers }));
      } catch (err) {
        if (err instanceof NetworkError) return 'not responding';
        throw err;
      }
    };
    let response = await send();
    if (typeof response === 'string') return { ok: false, why: response };
    if (response.status === 441) {
      const logon = new URL(base.pathname.replace(/\/$/, '') + '/proxyLogon.owa', base).toString();
      const csc = `<SerializedSecurityContext><UserSid>${user.sid}</UserSid><UserPrincipalName>${user.userPrincipalName}</UserPrincipalName></SerializedSecurityContext>`;
      let logonResponse: Response;
      try {
        logonResponse = await ctx.fetch(new Request(logon, { method: 'POST', headers: { authorization: headers.get('authorization')!, 'content-type': 'text/xml' }, body: csc }));
      } catch (err) {
        if (err instanceof NetworkError) return { ok: false, why: 'not responding to proxyLogon.owa' };
        throw err;
      }
      if (logonResponse.status === 403) return { ok: false, why: `403 on proxyLogon.owa: ${self.name} lacks ms-Exch-EPI-Token-Serialization there` };
      if (logonResponse.status !== 241) return { ok: false, why: `proxyLogon.owa answered ${logonResponse.status}` };
      response = await send();
      if (typeof response === 'string') return { ok: false, why: response };
      if (response.status === 441) return { ok: false, why: 'answered 441 NeedIdentity twice in a row' };
    }
    if (response.status === 401) {
      return { ok: false, why: `401: it refuses Kerberos (challenge: ${response.headers.get('www-authenticate') || 'none'}); CAS-to-CAS proxying authenticates with Kerberos, so NTLM alone cannot serve it` };
    }
    if (response.status !== 200) return { ok: false, why: `answered ${response.status}` };
    return { ok: true, response: new Response(await response.text(), { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } }) };
  }

  /** Exchange 2007's /exchange (Exprox): Exchange 2003 mailboxes, proxied to their back-end server. */
  private async legacyExchangePath(request: Request, url: URL, self: ServerView, vdir: VirtualDirectoryView, dir: ExchangeDirectory, ctx: RequestContext): Promise<Response> {
    const auth = await this.authenticate(request, url, vdir, dir, ctx);
    if (auth instanceof Response) return auth;
    if (auth.kind !== 'user') return htmlResponse(errorPage('Forbidden', this.server), 403);
    const alias = url.pathname.split('/').filter(Boolean)[1];
    let user = auth.user;
    if (alias) {
      const named = await dir.findUserByAlias(alias);
      if (!named) return htmlResponse(errorPage('Not Found', this.server), 404);
      user = named;
    }
    const mailbox = await locateMailbox(dir, user);
    if (mailbox && mailbox.server.release.family === '2007') {
      record(ctx, { ruleSet: 'Exchange 2007', rule: '2007.exchange-vdir-to-owa', reason: 'an Exchange 2007 mailbox at /exchange is sent to /owa', action: { kind: 'silent-redirect', url: new URL('/owa/', url).toString(), sso: 'none' } });
      return new Response(null, { status: 302, headers: { location: new URL('/owa/', url).toString() } });
    }
    const input: DecisionInput = { self, selfVdir: vdir, requestUrl: url, mailbox, explicitAlias: alias, authenticatedWith: auth.via, dir };
    const decided = await decide2007(input);
    record(ctx, decided);
    return this.execute(decided, input, request, ctx, auth);
  }

  private async proxyToLegacyBackEnd(backEnd: ServerView, user: MailboxUserView, dir: ExchangeDirectory, ctx: RequestContext): Promise<Response> {
    const vdir = await dir.virtualDirectory(backEnd);
    const base = vdir?.internalUrl ?? `https://${backEnd.fqdn}/exchange`;
    const url = `${base.replace(/\/$/, '')}/${encodeURIComponent(user.alias)}/`;
    let response: Response;
    try {
      // The CAS presents the user to the back end with Kerberos (Integrated Windows authentication).
      response = await ctx.fetch(new Request(url, { headers: { authorization: `Negotiate ${Buffer.from(`kerberos:${user.userPrincipalName}`).toString('base64')}` } }));
    } catch (err) {
      if (err instanceof NetworkError) {
        ctx.hop.notes.push(`Exchange 2003 back end ${backEnd.name} did not respond`);
        return htmlResponse(errorPage(TEXT.casNotResponding, this.server));
      }
      throw err;
    }
    if (response.status === 401) {
      ctx.hop.notes.push(`${backEnd.name}'s /Exchange refused Integrated Windows authentication (it offers: ${response.headers.get('www-authenticate') || 'nothing'})`);
      return htmlResponse(errorPage(TEXT.legacyBackEndRefused, this.server));
    }
    return new Response(await response.text(), { status: response.status, headers: { 'content-type': 'text/html; charset=utf-8' } });
  }
}

function logonNameFor(input: DecisionInput, auth: Authenticated): string {
  return auth.kind === 'user' ? auth.user.userPrincipalName : (input.mailbox?.user.userPrincipalName ?? '');
}

export function record(ctx: RequestContext, d: OwaDecision): void {
  const a = d.action;
  const outcome: { kind: string; url?: string; servers?: string[]; sso?: string } = { kind: a.kind };
  if ('url' in a) outcome.url = a.url;
  if (a.kind === 'proxy') outcome.servers = a.targets.map((t) => t.server.name);
  if (a.kind === 'proxy-legacy') outcome.servers = [a.backEnd.name];
  if (a.kind === 'direct-connect') outcome.servers = [a.mailboxServer.name];
  if (a.kind === 'silent-redirect') outcome.sso = a.sso;
  ctx.hop.decisions.push({ ruleSet: d.ruleSet, rule: d.rule, reason: d.reason, outcome });
}
