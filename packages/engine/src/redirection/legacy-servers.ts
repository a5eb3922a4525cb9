// Exchange 2003 Outlook Web Access: a back-end server renders the mailboxes it holds at /exchange; a
// front-end server authenticates the user (forms-based at /exchweb/bin/auth/owaauth.dll, or Basic) and
// proxies to the back end named by the user's msExchHomeServerName, passing her credentials on.

import type { Endpoint, RequestContext } from '../network/network';
import { NetworkError } from '../network/network';
import type { ExchangeDirectory, MailboxUserView, ServerView, VirtualDirectoryView } from '../topology/reader';
import { adminDisplayVersion } from '../topology/versions';
import { usesFba } from './decision';
import { authenticateHeader, challengeFor, FormsSessions } from './http-auth';
import { errorPage, htmlResponse, logonPage, mailboxPage, TEXT } from './pages';

function notFound(server: string): Response {
  return htmlResponse(errorPage('Not Found', server), 404);
}

export class LegacyExchangeServer implements Endpoint {
  private readonly forms: FormsSessions;

  constructor(
    readonly server: string,
    private readonly directory: ExchangeDirectory,
  ) {
    this.forms = new FormsSessions(server, '/exchweb/bin/auth/owalogon.asp', '/exchweb/bin/auth/owaauth.dll', '/exchange/');
  }

  handle = async (request: Request, ctx: RequestContext): Promise<Response> => {
    const dir = this.directory.withLog((r) => ctx.hop.searches.push(r));
    const self = await dir.serverByName(this.server);
    const vdir = self ? await dir.virtualDirectory(self) : undefined;
    if (!self || !vdir) return notFound(this.server);
    const url = new URL(request.url);
    const path = url.pathname.toLowerCase();
    if (self.frontEnd && path === '/exchweb/bin/auth/owalogon.asp' && usesFba(vdir)) {
      return htmlResponse(logonPage(this.forms.postPath, this.forms.destinationOf(url), this.server, url.searchParams.get('reason') ? TEXT.badCredentials : undefined));
    }
    if (self.frontEnd && path === '/exchweb/bin/auth/owaauth.dll' && request.method === 'POST') {
      return usesFba(vdir) ? this.forms.logon(request, dir, ctx) : notFound(this.server);
    }
    if (!(path === '/exchange' || path.startsWith('/exchange/'))) return notFound(this.server);

    const who = await this.authenticate(request, url, self, vdir, dir, ctx);
    if (who instanceof Response) return who;
    const alias = url.pathname.split('/').filter(Boolean)[1];
    const target = alias ? await dir.findUserByAlias(decodeURIComponent(alias)) : who.user;
    if (!target) return notFound(this.server);
    if (self.frontEnd) return this.proxyToBackEnd(target, who, dir, ctx);
    return this.render(self, target, dir, ctx);
  };

  private async authenticate(
    request: Request,
    url: URL,
    self: ServerView,
    vdir: VirtualDirectoryView,
    dir: ExchangeDirectory,
    ctx: RequestContext,
  ): Promise<{ user: MailboxUserView; password?: string } | Response> {
    const session = this.forms.user(request);
    if (session) return session;
    const outcome = await authenticateHeader(request, vdir, dir);
    if (outcome?.ok && outcome.who.kind === 'user') return { user: outcome.who.user, password: outcome.who.password };
    if (outcome && !outcome.ok) ctx.hop.notes.push(`authentication refused: ${outcome.reason}`);
    if (self.frontEnd && usesFba(vdir)) return this.forms.redirectToLogon(url);
    return new Response('401 Unauthorized', { status: 401, headers: { 'www-authenticate': challengeFor(vdir) } });
  }

  private async proxyToBackEnd(target: MailboxUserView, who: { user: MailboxUserView; password?: string }, dir: ExchangeDirectory, ctx: RequestContext): Promise<Response> {
    const backEnd = target.homeServerLegacyDn ? await dir.serverByLegacyDn(target.homeServerLegacyDn) : undefined;
    if (!backEnd) return notFound(this.server);
    ctx.hop.decisions.push({
      ruleSet: 'Exchange 2003',
      rule: '2003.front-end-to-back-end',
      reason: `msExchHomeServerName names ${backEnd.name}: the front end proxies to its /exchange with the user's credentials`,
      outcome: { kind: 'proxy-legacy', servers: [backEnd.name] },
    });
    const vdir = await dir.virtualDirectory(backEnd);
    const url = `${(vdir?.internalUrl ?? `https://${backEnd.fqdn}/exchange`).replace(/\/$/, '')}/${encodeURIComponent(target.alias)}/`;
    const headers: Record<string, string> = {};
    if (who.password !== undefined) headers.authorization = `Basic ${Buffer.from(`${who.user.userPrincipalName}:${who.password}`).toString('base64')}`;
    try {
      const response = await ctx.fetch(new Request(url, { headers }));
      return new Response(await response.text(), { status: response.status, headers: { 'content-type': 'text/html; charset=utf-8' } });
    } catch (err) {
      if (err instanceof NetworkError) return htmlResponse(errorPage(`The Exchange 2003 back-end server ${backEnd.name} is not responding.`, this.server), 503);
      throw err;
    }
  }

  private async render(self: ServerView, target: MailboxUserView, dir: ExchangeDirectory, ctx: RequestContext): Promise<Response> {
    const home = target.homeServerLegacyDn ? await dir.serverByLegacyDn(target.homeServerLegacyDn) : undefined;
    if (!home || home.dn.toLowerCase() !== self.dn.toLowerCase()) {
      ctx.hop.notes.push(`${target.alias}'s mailbox is not on ${self.name}`);
      return notFound(this.server);
    }
    ctx.hop.notes.push(`opened ${target.alias}'s mailbox store`);
    return htmlResponse(mailboxPage({ server: self.name, mailboxServer: self.name, user: target.alias, version: adminDisplayVersion(self.release) }));
  }
}
