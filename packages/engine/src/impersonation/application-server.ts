// An application server in the middle tier (a web portal, a relay, a scheduling service): its users sign in
// to it once, and it calls Exchange Web Services on their behalf with its own service account, naming the
// user in an ExchangeImpersonation header. Users send it EWS requests as they would send them to Exchange;
// it adds the header and forwards them to the Client Access server it is configured with.
//
// Condition 1 of server-to-server authorization is met here: a user who cannot sign in to the application
// server is turned away, and nothing reaches Exchange.

import type { Endpoint, RequestContext } from '../network/network';
import { verifyUser } from '../redirection/http-auth';
import type { ExchangeOrganization } from '../simulation';
import type { MailboxUserView } from '../topology/reader';
import { conditionDecision } from './authorization';
import { impersonationHeader, parseImpersonationHeader, type ConnectingSidKind } from './ews-soap';

export interface ApplicationServerSpec {
  name: string;
  /** The host name users reach it at. */
  host: string;
  /** The account it calls Exchange with, as DOMAIN\name or a UPN; its password is kept, never reported. */
  serviceAccount: string;
  password: string;
  /** The EWS URL of the Client Access server it calls (changed when it is repointed). */
  ewsUrl: string;
  /** How it names its user in t:ConnectingSID. */
  identifyBy: ConnectingSidKind;
  /** Where its users' accounts are (an account forest, in a resource-forest topology). */
  signInOrganization: ExchangeOrganization;
}

const XML = { 'content-type': 'text/xml; charset=utf-8' };

/** The identity of a signed-in user in the form the application was written to send. */
export function connectingSid(user: MailboxUserView, kind: ConnectingSidKind): string {
  switch (kind) {
    case 'PrincipalName':
      return user.userPrincipalName;
    case 'SID':
      return user.sid;
    case 'PrimarySmtpAddress':
    case 'SmtpAddress':
      return user.primarySmtpAddress;
  }
}

/** Puts a header fragment into a SOAP envelope's soap:Header, creating the header when there is none. */
export function withSoapHeader(envelope: string, fragment: string): string {
  const prefix = /<([A-Za-z_][\w.-]*:)?Envelope[\s>]/.exec(envelope)?.[1] ?? '';
  const header = new RegExp(`<${prefix}Header(\\s[^>]*)?>`).exec(envelope);
  if (header) return envelope.slice(0, header.index + header[0].length) + fragment + envelope.slice(header.index + header[0].length);
  const body = envelope.indexOf(`<${prefix}Body`);
  if (body < 0) throw new Error('the message has no SOAP Body');
  return `${envelope.slice(0, body)}<${prefix}Header>${fragment}</${prefix}Header>${envelope.slice(body)}`;
}

export class ApplicationServer implements Endpoint {
  readonly server: string;

  constructor(readonly spec: ApplicationServerSpec) {
    this.server = spec.name;
  }

  get hosts(): string[] {
    return [this.spec.host];
  }

  /** Basic credentials of the service account, for the Authorization header (never traced). */
  credentials(): string {
    return `Basic ${Buffer.from(`${this.spec.serviceAccount}:${this.spec.password}`).toString('base64')}`;
  }

  handle = async (request: Request, ctx: RequestContext): Promise<Response> => {
    const path = new URL(request.url).pathname.toLowerCase().replace(/\/+$/, '');
    if (request.method !== 'POST' || path !== '/ews/exchange.asmx') return new Response('Not Found', { status: 404 });
    const basic = /^Basic\s+(.+)$/i.exec(request.headers.get('authorization') ?? '');
    const challenge = { status: 401, headers: { 'www-authenticate': `Basic realm="${this.spec.host}"` } };
    if (!basic) {
      conditionDecision(ctx.hop, 1, false, `nobody signed in to ${this.server}`);
      return new Response(null, challenge);
    }
    const text = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = text.indexOf(':');
    const dir = this.spec.signInOrganization.directory.withLog((r) => ctx.hop.searches.push(r));
    const auth = await verifyUser(dir, text.slice(0, colon), text.slice(colon + 1), 'basic');
    if (!auth.ok || auth.who.kind !== 'user') {
      conditionDecision(ctx.hop, 1, false, `${this.server} could not sign the user in: ${auth.ok ? 'not a user account' : auth.reason}`);
      return new Response(null, challenge);
    }
    const user = auth.who.user;
    conditionDecision(ctx.hop, 1, true, `${user.userPrincipalName || user.alias} signed in to ${this.server}`);
    const body = await request.text();
    // The application decides whom it acts for; a user cannot slip in a header naming someone else.
    let smuggled: boolean;
    try {
      smuggled = parseImpersonationHeader(body).present;
    } catch {
      return new Response('The request is not a SOAP message.', { status: 400 });
    }
    if (smuggled) {
      ctx.hop.notes.push('the request already carried an ExchangeImpersonation header');
      return new Response('The request may not name a user to act for.', { status: 400 });
    }
    const forwarded = withSoapHeader(body, impersonationHeader({ kind: this.spec.identifyBy, value: connectingSid(user, this.spec.identifyBy) }));
    const response = await ctx.fetch(new Request(this.spec.ewsUrl, { method: 'POST', headers: { ...XML, authorization: this.credentials() }, body: forwarded }));
    return new Response(await response.text(), { status: response.status, headers: XML });
  };
}
