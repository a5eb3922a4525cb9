// How a simulated IIS virtual directory authenticates a request: an FBA session cookie, Basic, or
// Windows authentication (simulated Kerberos and NTLM tokens, see network/browser.ts). The methods it
// accepts come from the virtual directory's authentication bitmask in the directory.

import type { RequestContext } from '../network/network';
import type { ExchangeDirectory, MailboxUserView, VirtualDirectoryView } from '../topology/reader';
import { acceptsKerberos, iisMethods, usesIntegratedWindows } from './decision';

export type Authenticated =
  | { kind: 'user'; user: MailboxUserView; via: 'fba' | 'basic' | 'windows'; password?: string }
  | { kind: 'server'; account: string };

export interface Session {
  logonName: string;
  /** The user's context, as OWA keeps it for the session (read from the directory at logon). */
  user: MailboxUserView;
  /** Kept so a hidden FBA form can sign the user in elsewhere; never traced or reported. */
  password: string;
}

export type AuthOutcome = { ok: true; who: Authenticated } | { ok: false; reason: string };

function decode(token: string): string {
  return Buffer.from(token, 'base64').toString('utf8');
}

export function cookieValue(request: Request, name: string): string | undefined {
  const header = request.headers.get('cookie');
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** The WWW-Authenticate challenge IIS sends for a vdir that does not use FBA. */
export function challengeFor(vdir: VirtualDirectoryView): string {
  const schemes: string[] = [];
  if (acceptsKerberos(vdir)) schemes.push('Negotiate');
  if (usesIntegratedWindows(vdir)) schemes.push('NTLM');
  if (iisMethods(vdir).includes('Basic')) schemes.push(`Basic realm="${new URL(vdir.internalUrl ?? `https://${vdir.server.fqdn}`).host}"`);
  return schemes.join(', ');
}

/** Reads the Authorization header, as the vdir's configuration allows. */
export async function authenticateHeader(request: Request, vdir: VirtualDirectoryView, dir: ExchangeDirectory): Promise<AuthOutcome | undefined> {
  const header = request.headers.get('authorization');
  if (!header) return undefined;
  const [scheme, token = ''] = header.split(' ');
  const methods = iisMethods(vdir);
  switch (scheme.toLowerCase()) {
    case 'basic': {
      // Forms-based authentication sits on top of Basic (FormsAuthentication $true forces Basic on).
      if (!methods.includes('Basic') && !methods.includes('Fba')) return { ok: false, reason: 'Basic authentication is not enabled on this virtual directory' };
      const text = decode(token);
      const colon = text.indexOf(':');
      return verifyUser(dir, text.slice(0, colon), text.slice(colon + 1), 'basic');
    }
    case 'negotiate': {
      if (!acceptsKerberos(vdir)) return { ok: false, reason: 'Kerberos (Negotiate) is not enabled on this virtual directory' };
      const principal = decode(token).replace(/^kerberos:/, '');
      return principalFromTicket(dir, principal);
    }
    case 'ntlm': {
      if (!usesIntegratedWindows(vdir)) return { ok: false, reason: 'Integrated Windows authentication is not enabled on this virtual directory' };
      const text = decode(token);
      if (text.startsWith('ntlm-sso:')) return principalFromTicket(dir, text.slice('ntlm-sso:'.length));
      const [, user, ...pw] = text.split(':');
      return verifyUser(dir, user, pw.join(':'), 'windows');
    }
    default:
      return { ok: false, reason: `the ${scheme} authentication scheme is not supported` };
  }
}

async function principalFromTicket(dir: ExchangeDirectory, principal: string): Promise<AuthOutcome> {
  if (principal.endsWith('$')) {
    const server = await dir.serverByName(principal.slice(0, -1));
    if (!server) return { ok: false, reason: `no computer account ${principal}` };
    return { ok: true, who: { kind: 'server', account: server.name } };
  }
  const user = await dir.findUserByLogonName(principal);
  if (!user) return { ok: false, reason: `no account ${principal}` };
  return { ok: true, who: { kind: 'user', user, via: 'windows' } };
}

export async function verifyUser(dir: ExchangeDirectory, logonName: string, password: string, via: 'fba' | 'basic' | 'windows'): Promise<AuthOutcome> {
  const user = await dir.findUserByLogonName(logonName);
  if (!user) return { ok: false, reason: `no account matches the user name ${logonName}` };
  if (!(await dir.verifyPassword(user.dn, password))) return { ok: false, reason: `the password for ${logonName} is wrong` };
  return { ok: true, who: { kind: 'user', user, via, password } };
}

export function parseForm(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}

const SESSION_COOKIE = 'sessionid';

/**
 * Forms-based authentication as OWA 2003 (/exchweb/bin/auth) and 2007/2010 (/owa/auth) do it: a logon page,
 * a POST that checks the credentials against the directory and opens a session, and a session cookie.
 */
export class FormsSessions {
  private readonly sessions = new Map<string, Session>();
  private next = 1;

  constructor(
    private readonly server: string,
    /** e.g. /owa/auth/logon.aspx */
    readonly logonPath: string,
    /** e.g. /owa/auth/owaauth.dll */
    readonly postPath: string,
    /** Where a logon without a destination goes, e.g. /owa/ */
    private readonly home: string,
  ) {}

  /** The user the request's session cookie stands for, if any. */
  user(request: Request): { user: MailboxUserView; password: string } | undefined {
    const id = cookieValue(request, SESSION_COOKIE);
    const session = id ? this.sessions.get(id) : undefined;
    return session ? { user: session.user, password: session.password } : undefined;
  }

  /** A 302 to the logon page that remembers where the user was going. */
  redirectToLogon(url: URL): Response {
    const logon = new URL(this.logonPath, url);
    logon.searchParams.set('url', url.toString());
    return new Response(null, { status: 302, headers: { location: logon.toString() } });
  }

  destinationOf(url: URL): string {
    return url.searchParams.get('url') ?? new URL(this.home, url).toString();
  }

  /** The POST of the logon form: a session and a 302 to the destination, or back to the logon page. */
  async logon(request: Request, dir: ExchangeDirectory, ctx: RequestContext): Promise<Response> {
    const url = new URL(request.url);
    const form = parseForm(await request.text());
    const destination = form.destination || new URL(this.home, url).toString();
    const outcome = await verifyUser(dir, form.username ?? '', form.password ?? '', 'fba');
    if (!outcome.ok) {
      ctx.hop.notes.push(`forms-based logon refused: ${outcome.reason}`);
      const back = new URL(this.logonPath, url);
      back.searchParams.set('url', destination);
      back.searchParams.set('reason', '2');
      return new Response(null, { status: 302, headers: { location: back.toString() } });
    }
    const id = `${this.server}-${this.next++}`;
    this.sessions.set(id, { logonName: form.username, user: (outcome.who as { user: MailboxUserView }).user, password: form.password });
    ctx.hop.notes.push(`forms-based logon of ${form.username} accepted; session cookie set`);
    return new Response(null, { status: 302, headers: [['location', destination], ['set-cookie', `${SESSION_COOKIE}=${id}; path=/; secure; HttpOnly`]] });
  }

  /** Set-Cookie values that end the session in the browser (the manual redirection page sends them). */
  static clearCookies(): string[] {
    return [`${SESSION_COOKIE}=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT`];
  }
}
