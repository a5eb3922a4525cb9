// A pre-authenticating reverse proxy in front of OWA (Threat Management Gateway style): each published
// namespace belongs to a web listener; the listener signs the user in with its own form (checked against
// the directory), keeps her session in a cookie for its single sign-on domain, and forwards to the
// published Client Access server with her credentials as Basic (delegation). Two namespaces on different
// listeners need two sign-ins; on one listener, one.
//
// It is a network device, not an Exchange server: scenarios declare it, it is not read from the directory.

import type { Endpoint, RequestContext } from '../network/network';
import { NetworkError } from '../network/network';
import type { ExchangeDirectory } from '../topology/reader';
import { cookieValue, parseForm, verifyUser } from './http-auth';
import { errorPage, htmlResponse, logonPage, TEXT } from './pages';

export interface PublishingRule {
  /** The published host name, e.g. mail.seattle.contoso.com. */
  namespace: string;
  listener: string;
  /** The Client Access server the rule forwards to. */
  server: string;
}

interface ListenerSession {
  logonName: string;
  password: string;
}

const LOGON_PATH = '/CookieAuth.dll';

export class PreAuthenticatingReverseProxy implements Endpoint {
  private readonly sessions = new Map<string, ListenerSession>();
  private next = 1;
  /**
   * Paths published without pre-authentication (seed 002: federation's WS-Security endpoints must reach the
   * Client Access server as they are, because the gateway's token, not the proxy, authenticates them).
   */
  readonly passThroughPaths: string[] = [];

  constructor(
    readonly server: string,
    private readonly directory: ExchangeDirectory,
    private readonly rules: readonly PublishingRule[],
    /** The listeners' single sign-on domain (the session cookie's Domain). */
    private readonly ssoDomain: string,
  ) {}

  handle = async (request: Request, ctx: RequestContext): Promise<Response> => {
    const dir = this.directory.withLog((r) => ctx.hop.searches.push(r));
    const url = new URL(request.url);
    const rule = this.rules.find((r) => r.namespace.toLowerCase() === url.hostname.toLowerCase());
    if (!rule) return htmlResponse(errorPage('Not Found', this.server), 404);
    const cookieName = `TMGSession-${rule.listener}`;

    if (this.passThroughPaths.some((p) => p.toLowerCase() === url.pathname.toLowerCase().replace(/\/+$/, ''))) {
      ctx.hop.notes.push(`${url.pathname} is published without pre-authentication: passed through to ${rule.server}`);
      return this.forward(request, new Headers(request.headers), rule, ctx);
    }

    if (url.pathname === LOGON_PATH) {
      const destination = url.searchParams.get('curl') ?? new URL('/owa/', url).toString();
      if (request.method === 'POST') {
        const form = parseForm(await request.text());
        const outcome = await verifyUser(dir, form.username ?? '', form.password ?? '', 'fba');
        if (!outcome.ok) {
          ctx.hop.notes.push(`listener ${rule.listener} refused the sign-in: ${outcome.reason}`);
          return htmlResponse(logonPage(`${LOGON_PATH}?curl=${encodeURIComponent(form.destination || destination)}`, form.destination || destination, this.server, TEXT.badCredentials));
        }
        const id = `${this.server}-${rule.listener}-${this.next++}`;
        this.sessions.set(id, { logonName: form.username, password: form.password });
        ctx.hop.notes.push(`listener ${rule.listener} signed ${form.username} in (single sign-on domain ${this.ssoDomain})`);
        return new Response(null, {
          status: 302,
          headers: [['location', form.destination || destination], ['set-cookie', `${cookieName}=${id}; domain=.${this.ssoDomain}; path=/; secure`]],
        });
      }
      return htmlResponse(logonPage(`${LOGON_PATH}?curl=${encodeURIComponent(destination)}`, destination, this.server));
    }

    // Each listener has its own session cookie: another listener's cookie, though sent, is not looked at.
    const id = cookieValue(request, cookieName);
    const session = id ? this.sessions.get(id) : undefined;
    if (!session) {
      ctx.hop.notes.push(`no session of listener ${rule.listener}: pre-authentication form`);
      const logon = new URL(LOGON_PATH, url);
      logon.searchParams.set('curl', url.toString());
      return new Response(null, { status: 302, headers: { location: logon.toString() } });
    }
    const headers = new Headers(request.headers);
    headers.delete('cookie');
    const own = (request.headers.get('cookie') ?? '').split(';').map((c) => c.trim()).filter((c) => c && !c.startsWith('TMGSession-'));
    if (own.length) headers.set('cookie', own.join('; '));
    headers.set('authorization', `Basic ${Buffer.from(`${session.logonName}:${session.password}`).toString('base64')}`);
    return this.forward(request, headers, rule, ctx);
  };

  private async forward(request: Request, headers: Headers, rule: PublishingRule, ctx: RequestContext): Promise<Response> {
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
    try {
      const response = await ctx.fetch(new Request(request.url, { method: request.method, headers, body, redirect: 'manual' }), { toServer: rule.server });
      return new Response(await response.arrayBuffer(), { status: response.status, headers: response.headers });
    } catch (err) {
      if (err instanceof NetworkError) return htmlResponse(errorPage(`${rule.server} did not respond to ${this.server}.`, this.server), 502);
      throw err;
    }
  }
}
