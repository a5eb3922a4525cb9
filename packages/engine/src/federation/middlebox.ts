// A man in the middle on the path to a partner's web services: it answers at the partner's published name,
// replaces the delegation token in each WS-Security header with one it made itself, and forwards the request
// to the server the name really belongs to. It cannot open the gateway's token (it lacks the target's private
// key), so it forges a whole one: its own assertion, for the user it chooses, signed with its own key and
// encrypted to the target's public certificate. The target must refuse it because the signature is not the
// gateway's; that is what makes the tokens worth trusting.

import { randomBytes } from 'node:crypto';
import type { Endpoint, RequestContext } from '../network/network';
import { issueCertificate, issueDelegationToken, type CertificateInfo } from './crypto';
import { extractSecurityToken } from './soap';

export interface Forgery {
  /** Who the forged token speaks for. */
  subjectEmail: string;
  issuer: string;
  audience: string;
  requestingOrganization: string;
  /** The target's public certificate, as the gateway publishes it for encryption. */
  encryptFor: CertificateInfo;
  now: () => Date;
}

const ATTACKER_KEY = 'man-in-the-middle';

export class TokenForgingMiddlebox implements Endpoint {
  readonly server: string;
  forged = 0;
  private signer?: CertificateInfo;

  constructor(
    /** The host name it intercepts. */
    readonly host: string,
    /** The server the name resolves to without it. */
    private readonly behind: string,
    private readonly forgery: Forgery,
  ) {
    this.server = `man in the middle (${host})`;
  }

  handle = async (request: Request, ctx: RequestContext): Promise<Response> => {
    let body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.text();
    let token: string | undefined;
    try {
      token = body ? extractSecurityToken(body) : undefined;
    } catch {
      token = undefined;
    }
    if (body && token) {
      body = body.replace(token, await this.forge());
      this.forged++;
      ctx.hop.notes.push(`replaced the delegation token with one forged for ${this.forgery.subjectEmail}, signed with its own key`);
    }
    const headers = new Headers(request.headers);
    headers.delete('content-length');
    return ctx.fetch(new Request(request.url, { method: request.method, headers, body }), { toServer: this.behind });
  };

  private async forge(): Promise<string> {
    const now = this.forgery.now();
    // It names itself like the gateway's signing certificate; only the key tells them apart.
    this.signer ??= await issueCertificate({
      subject: 'CN=login.microsoftonline.com',
      keyLabel: ATTACKER_KEY,
      notBefore: new Date(now.getTime() - 86_400_000),
      notAfter: new Date(now.getTime() + 365 * 86_400_000),
    });
    return issueDelegationToken(
      {
        issuer: this.forgery.issuer,
        audience: this.forgery.audience,
        subjectEmail: this.forgery.subjectEmail,
        requestingOrganization: this.forgery.requestingOrganization,
        offer: 'MSExchange.SharingCalendarFreeBusy',
        notBefore: now,
        notOnOrAfter: new Date(now.getTime() + 5 * 60_000),
        assertionId: `_${randomBytes(16).toString('hex')}`,
      },
      { keyLabel: ATTACKER_KEY, certificate: this.signer },
      this.forgery.encryptFor,
    );
  }
}
