// How Cisco Unified Presence's Presence Engine decides to trust Exchange's HTTPS certificate. The PE
// reaches Exchange only through the neon HTTP/WebDAV library, and neon trusts exactly what was uploaded
// as "Presence Engine - Trust": every CA from the identity certificate up to a self-signed root, each
// with the CA bit (RFC 2459). What the server presents in its handshake is never trust. Failures are
// worded as neon words them, plus one reason per problem an administrator can act on.

import { X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { issueCertificate, validityAt, type CertificateInfo } from '../federation/crypto';

const TRUST_STORE = 'Presence Engine - Trust';
const DAY_MS = 24 * 60 * 60 * 1000;

export interface IssuedCertificate {
  certificate: CertificateInfo;
  /** The label of its key in crypto.ts's key cache; needed to sign with it. */
  keyLabel: string;
}

// ---------------------------------------------------------------- issuing (scenario set-up)

interface Validity {
  now: Date;
  notBefore?: Date;
  notAfter?: Date;
}

/** Default window: issued yesterday, valid two years, so a certificate made "now" is valid now. */
function windowOf({ now, notBefore, notAfter }: Validity): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: notBefore ?? new Date(now.getTime() - DAY_MS),
    notAfter: notAfter ?? new Date(now.getTime() + 2 * 365 * DAY_MS),
  };
}

/** A certification authority `CN=<name>`: a self-signed root, or an intermediate signed by `issuer`. `caBit: false` leaves basicConstraints cA unset (a misissued "CA"). */
export async function newCertificationAuthority(
  options: { name: string; issuer?: IssuedCertificate; caBit?: boolean } & Validity,
): Promise<IssuedCertificate> {
  // Keys are per CA name, so a CA re-issued under the same name keeps its key, as a renewal does.
  const keyLabel = `presence-ca:${options.name}`;
  const certificate = await issueCertificate({
    subject: `CN=${options.name}`,
    keyLabel,
    ...windowOf(options),
    ca: options.caBit ?? true,
    ...(options.issuer ? { issuer: options.issuer } : {}),
  });
  return { certificate, keyLabel };
}

/** Exchange's identity (web server) certificate, issued by a CA: serverAuth, no CA bit. */
export async function newIdentityCertificate(
  options: { commonName: string; dnsNames?: string[]; ipAddresses?: string[]; issuer: IssuedCertificate; keyLabel?: string } & Validity,
): Promise<IssuedCertificate> {
  const keyLabel = options.keyLabel ?? `presence-identity:${options.commonName}`;
  const certificate = await issueCertificate({
    subject: `CN=${options.commonName}`,
    keyLabel,
    ...windowOf(options),
    dnsNames: options.dnsNames ?? [],
    ipAddresses: options.ipAddresses ?? [],
    serverAuth: true,
    issuer: options.issuer,
  });
  return { certificate, keyLabel };
}

/** The certificate IIS makes for itself: self-signed and without any basicConstraints extension, so it can never be a trust anchor. */
export async function newIisSelfSignedCertificate(options: { host: string; now: Date }): Promise<IssuedCertificate> {
  const keyLabel = `presence-iis:${options.host}`;
  const certificate = await issueCertificate({
    subject: `CN=${options.host}`,
    keyLabel,
    ...windowOf(options),
    omitBasicConstraints: true,
    serverAuth: true,
  });
  return { certificate, keyLabel };
}

/** A self-signed certificate made with `makecert -r -cy authority -eku 1.3.6.1.5.5.7.3.1`: it has the CA bit, so uploaded it is its own CA. */
export async function newMakecertSelfSignedCertificate(options: { host: string; now: Date }): Promise<IssuedCertificate> {
  const keyLabel = `presence-makecert:${options.host}`;
  const certificate = await issueCertificate({
    subject: `CN=${options.host}`,
    keyLabel,
    ...windowOf(options),
    ca: true,
    serverAuth: true,
  });
  return { certificate, keyLabel };
}

/** An attacker's CA with exactly the subject of `impersonating` but its own key. */
export async function forgeCertificationAuthority(options: { impersonating: CertificateInfo; now: Date }): Promise<IssuedCertificate> {
  // Never the real CA's label: the forgery must not share its key.
  const keyLabel = `presence-forged-ca:${options.impersonating.subject}`;
  const certificate = await issueCertificate({
    subject: options.impersonating.subject,
    keyLabel,
    ...windowOf(options),
    ca: true,
  });
  return { certificate, keyLabel };
}

// ---------------------------------------------------------------- names

/** The names a certificate is issued for: the subject CN and the subjectAltName dNSName / iPAddress entries. */
export function certificateNames(cert: CertificateInfo): { commonName?: string; dnsNames: string[]; ipAddresses: string[] } {
  const x = x509Of(cert);
  // Node prints one RDN per line; the most specific CN is the last one, as OpenSSL-based clients take it.
  const commonName = x.subject
    .split('\n')
    .filter((rdn) => rdn.startsWith('CN='))
    .map((rdn) => rdn.slice(3))
    .pop();
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const [kind, value] of altNames(x.subjectAltName)) {
    if (kind === 'DNS') dnsNames.push(value);
    else ipAddresses.push(value);
  }
  return { ...(commonName !== undefined ? { commonName } : {}), dnsNames, ipAddresses };
}

/** Node's subjectAltName text, "DNS:a, IP Address:1.2.3.4"; values with separators in them are JSON-quoted. */
function altNames(text: string | undefined): Array<['DNS' | 'IP Address', string]> {
  const found: Array<['DNS' | 'IP Address', string]> = [];
  const entry = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g;
  for (const m of (text ?? '').matchAll(entry)) {
    const value = m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!;
    if (m[1] === 'DNS' || m[1] === 'IP Address') found.push([m[1], value]);
  }
  return found;
}

/** Rule of the gateway address: a DNS name matches the CN or a dNSName (case-insensitive, "*." covering one label); an IP address matches only a CN or iPAddress that is exactly that address. */
function matchesHost(cert: CertificateInfo, host: string): boolean {
  const { commonName, dnsNames, ipAddresses } = certificateNames(cert);
  if (isIP(host) !== 0) return commonName === host || ipAddresses.includes(host);
  return [...(commonName !== undefined ? [commonName] : []), ...dnsNames].some((name) => dnsNameMatches(name, host));
}

function dnsNameMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (!p.startsWith('*.')) return p === h;
  const dot = h.indexOf('.');
  // The wildcard stands for exactly one non-empty label.
  return dot > 0 && h.slice(dot + 1) === p.slice(2);
}

// ---------------------------------------------------------------- verification

export type CertificateFailure = 'notyetvalid' | 'expired' | 'idmismatch' | 'untrusted';

export type ServerCertificateCheck =
  | { trusted: true; path: CertificateInfo[] }
  | {
      trusted: false;
      failures: CertificateFailure[];
      /** neon's text, as the Presence Engine logs it. */
      message: string;
      /** One reason per problem, naming certificates by subject. */
      details: string[];
    };

/** neon's failure texts, in the order neon lists them. */
const NEON_TEXT: Record<CertificateFailure, string> = {
  notyetvalid: 'certificate is not yet valid',
  expired: 'certificate has expired',
  idmismatch: 'certificate issued for a different hostname',
  untrusted: 'issuer is not trusted',
};
const NEON_ORDER: CertificateFailure[] = ['notyetvalid', 'expired', 'idmismatch', 'untrusted'];

/**
 * What neon decides about the certificate chain an Exchange server presents (leaf first) when the PE
 * connects to `host`, given the certificates uploaded as "Presence Engine - Trust". Collects every
 * failure, as neon does: dates and name are judged on the leaf; the path is built from the trust
 * store alone.
 */
export function verifyServerCertificate(options: {
  presented: CertificateInfo[];
  trusted: CertificateInfo[];
  host: string;
  now: Date;
}): ServerCertificateCheck {
  const leaf = options.presented[0];
  if (!leaf) throw new Error('the server presented no certificate');
  const problems = new Map<CertificateFailure, string[]>();

  const validity = validityAt(leaf, options.now);
  if (validity === 'not-yet-valid') {
    problems.set('notyetvalid', [`the certificate ${quoted(leaf)} is not valid until ${iso(leaf.notBefore)} (now is ${iso(options.now)})`]);
  } else if (validity === 'expired') {
    problems.set('expired', [`the certificate ${quoted(leaf)} expired on ${iso(leaf.notAfter)} (now is ${iso(options.now)})`]);
  }
  if (!matchesHost(leaf, options.host)) {
    problems.set('idmismatch', [`the gateway address ${options.host} does not match the certificate's names: ${namesOf(leaf).join(', ') || '(none)'}`]);
  }
  const chain = buildPath(leaf, [leaf], options);
  if ('untrusted' in chain) problems.set('untrusted', chain.untrusted);

  if (problems.size === 0 && 'path' in chain) return { trusted: true, path: chain.path };
  const failures = NEON_ORDER.filter((f) => problems.has(f));
  return {
    trusted: false,
    failures,
    message: `Server certificate verification failed: ${failures.map((f) => NEON_TEXT[f]).join(', ')}`,
    details: failures.flatMap((f) => problems.get(f)!),
  };
}

type PathResult = { path: CertificateInfo[] } | { untrusted: string[] };
interface PathContext {
  presented: CertificateInfo[];
  trusted: CertificateInfo[];
  now: Date;
}

/**
 * Extends `path` (ending in `current`) with a CA from the trust store that issued `current`: same
 * subject as its issuer, its signature verifying under the CA's key, the CA bit set and valid now. A
 * self-signed CA ends the path. An expired or not-yet-valid CA on the path makes the chain untrusted
 * ("issuer is not trusted"), not "certificate has expired", which neon reserves for the leaf.
 */
function buildPath(current: CertificateInfo, path: CertificateInfo[], ctx: PathContext): PathResult {
  const named = ctx.trusted.filter((t) => t.subject === current.issuer);
  if (named.length === 0) return { untrusted: missingIssuer(current, path, ctx) };

  const signers = named.filter((t) => signedBy(current, t));
  if (signers.length === 0) return { untrusted: [forgedChain(current, ctx)] };

  const cas = signers.filter((t) => t.isCa);
  if (cas.length === 0) return { untrusted: [noCaBit(signers[0]!)] };

  // A self-signed leaf uploaded as itself was already date-checked as the leaf.
  const valid = cas.filter((t) => t.der === current.der || validityAt(t, ctx.now) === 'valid');
  if (valid.length === 0) return { untrusted: [caNotValid(cas[0]!, ctx.now)] };

  let firstFailure: PathResult | undefined;
  for (const ca of valid) {
    const result = extendWith(ca, current, path, ctx);
    if ('path' in result) return result;
    firstFailure ??= result;
  }
  return firstFailure!;
}

function extendWith(ca: CertificateInfo, current: CertificateInfo, path: CertificateInfo[], ctx: PathContext): PathResult {
  // The self-signed certificate is its own CA: the path is just the leaf.
  if (ca.der === current.der) return { path };
  if (path.some((c) => c.der === ca.der)) return { untrusted: [`the CAs in the ${TRUST_STORE} store issue each other in a loop at ${quoted(ca)}`] };
  const longer = [...path, ca];
  return ca.selfSigned ? { path: longer } : buildPath(ca, longer, ctx);
}

// ---------------------------------------------------------------- reasons

/**
 * Why the issuer of `current` is missing from the trust store. The presented chain only helps to name
 * the CAs to upload: each presented CA above `current` that is not uploaded is a separate reason.
 */
function missingIssuer(current: CertificateInfo, path: CertificateInfo[], ctx: PathContext): string[] {
  if (current.selfSigned) {
    const hopeless = current.isCa ? '' : `; having no CA bit (basicConstraints cA), it cannot be trusted even if uploaded (RFC 2459)`;
    return [`the self-signed certificate ${quoted(current)} is not in the ${TRUST_STORE} store${hopeless}`];
  }
  const reasons: string[] = [];
  const leafUploaded = path.length === 1 && ctx.trusted.some((t) => sameKey(t, current));
  if (leafUploaded) {
    reasons.push(`${quoted(current)} was uploaded, but it is an identity certificate, not a CA: upload its issuer "${current.issuer}"`);
  }
  let cert = current;
  for (let depth = 0; depth < 8; depth++) {
    const presentedIssuer = ctx.presented.find((p) => p.subject === cert.issuer && p.der !== cert.der && signedBy(cert, p));
    if (!(leafUploaded && cert === current)) {
      const hint = presentedIssuer ? ' (the server presents it, but a presented CA is not trusted: upload it)' : '';
      reasons.push(`the issuer "${cert.issuer}" of ${quoted(cert)} is not in the ${TRUST_STORE} store${hint}`);
    }
    if (!presentedIssuer || presentedIssuer.selfSigned) break;
    // From here on the store has something of that name; buildPath will judge it once this gap is filled.
    if (ctx.trusted.some((t) => t.subject === presentedIssuer.issuer)) break;
    cert = presentedIssuer;
  }
  return reasons;
}

/** No trusted certificate of the issuer's name verifies `current`: a different key signed it. */
function forgedChain(current: CertificateInfo, ctx: PathContext): string {
  if (current.selfSigned) {
    // Typically a self-signed certificate regenerated on the server after the old one was uploaded.
    return `the uploaded "${current.subject}" is not the self-signed certificate the server presents (another key): upload the server's current certificate`;
  }
  const impostor = ctx.presented.find((p) => p.subject === current.issuer && p.der !== current.der && signedBy(current, p));
  const forged = `the signature of ${quoted(current)} does not verify under the trusted certificate of that name`;
  if (impostor) {
    return `the certificate ${quoted(impostor)} presented as the issuer of ${quoted(current)} is not the trusted "${current.issuer}": ${forged} (a different key: a forged chain)`;
  }
  return `${forged}, "${current.issuer}" (a different key: a forged chain)`;
}

function noCaBit(cert: CertificateInfo): string {
  return `the certificate ${quoted(cert)} has no CA bit (basicConstraints cA), so it cannot be trusted as a CA (RFC 2459)`;
}

function caNotValid(ca: CertificateInfo, now: Date): string {
  const state = validityAt(ca, now) === 'expired' ? 'has expired' : 'is not yet valid';
  return `the CA certificate ${quoted(ca)} in the ${TRUST_STORE} store ${state}: valid from ${iso(ca.notBefore)} to ${iso(ca.notAfter)} (now is ${iso(now)})`;
}

// ---------------------------------------------------------------- helpers

function x509Of(cert: CertificateInfo): X509Certificate {
  return new X509Certificate(Buffer.from(cert.der, 'base64'));
}

/** Whether `cert`'s signature verifies under `issuer`'s public key (node does not look at the CA bit or dates here). */
function signedBy(cert: CertificateInfo, issuer: CertificateInfo): boolean {
  return x509Of(cert).verify(x509Of(issuer).publicKey);
}

function sameKey(a: CertificateInfo, b: CertificateInfo): boolean {
  return spki(x509Of(a).publicKey).equals(spki(x509Of(b).publicKey));
}

function spki(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

/** Every name of the certificate once, for messages. */
function namesOf(cert: CertificateInfo): string[] {
  const { commonName, dnsNames, ipAddresses } = certificateNames(cert);
  const all = [...(commonName !== undefined ? [commonName] : []), ...dnsNames, ...ipAddresses];
  return all.filter((name, i) => all.findIndex((other) => other.toLowerCase() === name.toLowerCase()) === i);
}

function quoted(cert: CertificateInfo): string {
  return `"${cert.subject}"`;
}

function iso(d: Date): string {
  return d.toISOString();
}
