// The Microsoft Federation Gateway (MFG), simulated: two instances, business and consumer. Each publishes
// signed federation metadata, takes organizations' registrations (their certificate and application URI)
// and federated domains (checked against a domain proof in DNS, by a real query), and issues delegation
// tokens: a SAML assertion signed with the gateway's key and encrypted to the target organization's
// certificate. It is a network service on the Internet, not an Exchange server: not read from a directory.
//
// The gateway's clock is GMT: a certificate dated by a server ahead of GMT is not yet valid here.

import { randomBytes } from 'node:crypto';
import type { Endpoint, RequestContext } from '../network/network';
import type { LoopbackDnsServer } from '../network/dns-server';
import type { VirtualClock } from '../clock/clock';
import { issueCertificate, issueDelegationToken, parseCertificate, signXml, validityAt, verifyXmlSignature, type CertificateInfo } from './crypto';
import { domainProofValid } from './domain-proof';
import { flowStep } from './flow';
import { parseRequestSecurityToken, requestSecurityTokenResponse, soapFault } from './soap';

export type GatewayInstanceName = 'business' | 'consumer';

/**
 * The two instances. Business values are confirmed (DOMAIN-NOTES §3). The consumer instance's token issuer
 * URI (uri:WindowsLiveID) is confirmed; its STS and metadata addresses are our choice (the instance was
 * retired in 2014 and its endpoints are not documented where we could read).
 */
export const GATEWAY_INSTANCES: Record<GatewayInstanceName, {
  name: GatewayInstanceName;
  tokenIssuerUri: string;
  tokenIssuerEpr: string;
  metadataEpr: string;
  /** Exchange's msExchFedTokenIssuerType / the name Office 365 gives its trust. */
  type: string;
  /** Whether the instance accepts an organization certificate the organization signed itself. */
  acceptsSelfSigned: boolean;
}> = {
  business: {
    name: 'business',
    tokenIssuerUri: 'urn:federation:MicrosoftOnline',
    tokenIssuerEpr: 'https://login.microsoftonline.com/extSTS.srf',
    metadataEpr: 'https://nexus.microsoftonline-p.com/FederationMetadata/2006-12/FederationMetadata.xml',
    type: 'MicrosoftOnline',
    acceptsSelfSigned: true,
  },
  consumer: {
    name: 'consumer',
    tokenIssuerUri: 'uri:WindowsLiveID',
    tokenIssuerEpr: 'https://login.live.com/liveidSTS.srf',
    metadataEpr: 'https://nexus.passport.com/FederationMetadata/2006-12/FederationMetadata.xml',
    type: 'WindowsLiveID',
    acceptsSelfSigned: false,
  },
};

/** Where organizations register (ours: Exchange's provisioning web service is not documented). */
const PROVISIONING_PATH = '/exchange-scenarios/provisioning';

interface Registration {
  applicationUri: string;
  organization: string;
  certificates: CertificateInfo[];
  /** Federated domains whose proof was found in DNS. */
  domains: Set<string>;
}

export class GatewayInstance implements Endpoint {
  readonly server: string;
  readonly info: (typeof GATEWAY_INSTANCES)[GatewayInstanceName];
  private signing: CertificateInfo[] = [];
  private signingKeyLabel = '';
  private rotations = 0;
  private readonly registrations = new Map<string, Registration>(); // application URI (lower) →
  /** Tokens issued, for the bench and the trace. */
  issued = 0;

  constructor(
    name: GatewayInstanceName,
    private readonly clock: VirtualClock,
    private readonly dns: LoopbackDnsServer,
  ) {
    this.info = GATEWAY_INSTANCES[name];
    this.server = `Microsoft Federation Gateway (${name})`;
  }

  get hosts(): string[] {
    return [...new Set([new URL(this.info.tokenIssuerEpr).hostname, new URL(this.info.metadataEpr).hostname])];
  }

  /** The signing certificate tokens are signed with now. */
  async signingCertificate(): Promise<CertificateInfo> {
    if (this.signing.length === 0) await this.rotateSigningCertificate();
    return this.signing[0];
  }

  /**
   * A new signing certificate. The metadata lists only the new one from now on, so an organization that
   * has not read the metadata again cannot verify tokens signed with it.
   */
  async rotateSigningCertificate(): Promise<CertificateInfo> {
    this.rotations++;
    this.signingKeyLabel = `gateway-${this.info.name}-${this.rotations}`;
    const now = this.clock.now();
    const cert = await issueCertificate({
      subject: `CN=${new URL(this.info.tokenIssuerEpr).hostname}`,
      keyLabel: this.signingKeyLabel,
      notBefore: new Date(now.getTime() - 86_400_000),
      notAfter: new Date(now.getTime() + 2 * 365 * 86_400_000),
    });
    this.signing = [cert];
    return cert;
  }

  registrationOf(applicationUri: string): Registration | undefined {
    return this.registrations.get(applicationUri.toLowerCase());
  }

  handle = async (request: Request, ctx: RequestContext): Promise<Response> => {
    const url = new URL(request.url);
    const path = url.pathname.toLowerCase();
    if (request.method === 'GET' && url.toString().toLowerCase() === this.info.metadataEpr.toLowerCase()) return this.metadata(ctx);
    if (request.method === 'POST' && url.toString().toLowerCase() === this.info.tokenIssuerEpr.toLowerCase()) return this.issueToken(request, ctx);
    if (request.method === 'POST' && path === PROVISIONING_PATH) return this.provision(request, ctx);
    return new Response('Not Found', { status: 404 });
  };

  private async metadata(ctx: RequestContext): Promise<Response> {
    const cert = await this.signingCertificate();
    const id = `_${randomBytes(8).toString('hex')}`;
    const xml =
      `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" ID="${id}" entityID="${this.info.tokenIssuerUri}">` +
      `<RoleDescriptor xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706">` +
      this.signing.map((c) => `<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>${c.der}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>`).join('') +
      `<fed:SecurityTokenServiceEndpoint>${this.info.tokenIssuerEpr}</fed:SecurityTokenServiceEndpoint>` +
      `</RoleDescriptor></EntityDescriptor>`;
    ctx.hop.notes.push(`federation metadata: signing certificate ${cert.thumbprint}`);
    return new Response(await signXml(xml, { keyLabel: this.signingKeyLabel, certificate: cert }), { headers: { 'content-type': 'text/xml' } });
  }

  /** Organization registration and federated domains (JSON over our own provisioning path). */
  private async provision(request: Request, ctx: RequestContext): Promise<Response> {
    let body: { operation?: string; applicationUri?: string; organization?: string; certificate?: string; domain?: string };
    try {
      body = (await request.json()) as typeof body;
    } catch {
      return Response.json({ error: 'the request is not JSON' }, { status: 400 });
    }
    const now = this.clock.now();
    if (body.operation === 'register' || body.operation === 'check-certificate') {
      let cert: CertificateInfo;
      try {
        cert = parseCertificate(body.certificate ?? '');
      } catch {
        return Response.json({ error: 'the organization certificate could not be read' }, { status: 400 });
      }
      const validity = validityAt(cert, now);
      if (validity !== 'valid') {
        const why = validity === 'not-yet-valid'
          ? `the certificate ${cert.thumbprint} is not valid yet: it is valid from ${cert.notBefore.toISOString()} and the gateway's time (GMT) is ${now.toISOString()}`
          : `the certificate ${cert.thumbprint} expired on ${cert.notAfter.toISOString()}`;
        ctx.hop.notes.push(why);
        return Response.json({ error: why, reason: validity }, { status: 400 });
      }
      if (cert.selfSigned && !this.info.acceptsSelfSigned) {
        const why = `the ${this.info.name} instance of the Microsoft Federation Gateway requires a certificate issued by a certification authority; ${cert.thumbprint} is self-signed`;
        ctx.hop.notes.push(why);
        return Response.json({ error: why, reason: 'self-signed' }, { status: 400 });
      }
      // New-FederationTrust only has the certificate checked; the organization registers its application
      // URI when it sets its federated organization identifier.
      if (body.operation === 'check-certificate') return Response.json({ tokenIssuerUri: this.info.tokenIssuerUri });
      const key = (body.applicationUri ?? '').toLowerCase();
      const existing = this.registrations.get(key);
      if (existing) existing.certificates = [cert, ...existing.certificates.filter((c) => c.thumbprint !== cert.thumbprint)];
      else this.registrations.set(key, { applicationUri: body.applicationUri ?? '', organization: body.organization ?? '', certificates: [cert], domains: new Set() });
      ctx.hop.notes.push(`registered ${body.applicationUri} with certificate ${cert.thumbprint}`);
      return Response.json({ applicationUri: body.applicationUri, tokenIssuerUri: this.info.tokenIssuerUri });
    }
    if (body.operation === 'add-domain') {
      const reg = this.registrations.get((body.applicationUri ?? '').toLowerCase());
      const domain = (body.domain ?? '').toLowerCase();
      if (!reg) return Response.json({ error: `${body.applicationUri} is not registered with the ${this.info.name} instance` }, { status: 400 });
      const found = await this.dns.resolveTxt(domain);
      const records = found.found ? found.records : [];
      ctx.hop.notes.push(`DNS TXT ${domain}: ${found.found ? `${records.length} record(s)` : found.code}`);
      const proven = records.some((r) => reg.certificates.some((c) => domainProofValid(domain, r, c)));
      if (!proven) {
        const why = found.found ? `no TXT record of ${domain} holds the domain proof of ${reg.applicationUri}` : `${domain} has no TXT record (${found.code})`;
        return Response.json({ error: why, reason: 'proof' }, { status: 400 });
      }
      reg.domains.add(domain);
      return Response.json({ domain });
    }
    return Response.json({ error: `unknown operation ${body.operation}` }, { status: 400 });
  }

  /** WS-Trust Issue: the requesting organization signs the request with its certificate. */
  private async issueToken(request: Request, ctx: RequestContext): Promise<Response> {
    const xml = await request.text();
    const fault = (message: string, step = 4) => {
      flowStep(ctx.hop, step, false, message);
      return new Response(soapFault({ code: 'soap:Client', message }), { status: 500, headers: { 'content-type': 'text/xml' } });
    };
    let rst;
    try {
      rst = parseRequestSecurityToken(xml);
    } catch (e) {
      return fault(`the token request could not be read: ${(e as Error).message}`);
    }
    const now = this.clock.now();
    const all = [...this.registrations.values()];
    const signedBy = verifyXmlSignature(xml, all.flatMap((r) => r.certificates));
    const requester = signedBy ? all.find((r) => r.certificates.some((c) => c.thumbprint === signedBy)) : undefined;
    if (!requester) return fault(`the request is not signed by an organization federated with the ${this.info.name} instance (${this.info.tokenIssuerUri})`, 3);
    const cert = requester.certificates.find((c) => c.thumbprint === signedBy)!;
    const validity = validityAt(cert, now);
    if (validity === 'expired') return fault(`the organization certificate ${cert.thumbprint} of ${requester.applicationUri} expired on ${cert.notAfter.toISOString()}`, 3);
    if (validity === 'not-yet-valid') return fault(`the organization certificate ${cert.thumbprint} of ${requester.applicationUri} is not valid until ${cert.notBefore.toISOString()} (GMT)`, 3);
    const userDomain = rst.userEmail.split('@')[1]?.toLowerCase() ?? '';
    if (!requester.domains.has(userDomain)) return fault(`${userDomain} is not a federated domain of ${requester.applicationUri}`, 3);
    // The target must be federated with this same instance: it trusts the gateway, and the gateway holds
    // its certificate to encrypt the token to.
    const target = this.registrations.get(rst.appliesTo.toLowerCase());
    if (!target) return fault(`${rst.appliesTo} is not federated with the ${this.info.name} instance (${this.info.tokenIssuerUri}); no delegation token can be issued for it`);
    const signing = await this.signingCertificate();
    const lifetime = rst.lifetimeMinutes * 60_000;
    const token = await issueDelegationToken(
      {
        issuer: this.info.tokenIssuerUri,
        audience: target.applicationUri,
        subjectEmail: rst.userEmail,
        requestingOrganization: requester.applicationUri,
        offer: rst.offer,
        notBefore: now,
        notOnOrAfter: new Date(now.getTime() + lifetime),
        assertionId: `_${randomBytes(16).toString('hex')}`,
      },
      { keyLabel: this.signingKeyLabel, certificate: signing },
      target.certificates[0],
    );
    this.issued++;
    flowStep(ctx.hop, 4, true, `${target.applicationUri} is federated with the ${this.info.name} instance`);
    flowStep(ctx.hop, 5, true, `token for ${rst.userEmail} (${rst.offer}), signed ${signing.thumbprint}, encrypted to ${target.certificates[0].thumbprint}`);
    ctx.hop.notes.push(`delegation token for ${rst.userEmail} → ${target.applicationUri} (${rst.offer}, ${rst.lifetimeMinutes} min), signed ${signing.thumbprint}, encrypted to ${target.certificates[0].thumbprint}`);
    return new Response(requestSecurityTokenResponse({ token, created: now, expires: new Date(now.getTime() + lifetime), appliesTo: target.applicationUri }), { headers: { 'content-type': 'text/xml' } });
  }
}

/** The signing certificates a metadata document lists, if its signature verifies with one of them. */
export function readMetadata(xml: string): { certificates: CertificateInfo[]; signedBy?: string } {
  const certificates = [...xml.matchAll(/<KeyDescriptor use="signing">.*?<X509Certificate>([A-Za-z0-9+/=]+)<\/X509Certificate>/g)].map((m) => parseCertificate(m[1]));
  return { certificates, signedBy: verifyXmlSignature(xml, certificates) };
}

export const PROVISIONING = PROVISIONING_PATH;
