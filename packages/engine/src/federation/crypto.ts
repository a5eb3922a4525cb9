import 'reflect-metadata'; // must be the first import, @peculiar/x509 needs it
import * as x509 from '@peculiar/x509';
import {
  X509Certificate,
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  generateKeyPair,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import { TextDecoder, promisify } from 'node:util';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';

// Real cryptography of the simulated Microsoft Federation Gateway: certificates, signed SAML 1.1
// delegation tokens encrypted to the target organization, and enveloped signatures of RST/metadata.

x509.cryptoProvider.set(webcrypto);

const NS = {
  saml: 'urn:oasis:names:tc:SAML:1.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  // The simulation's namespace for its own SAML attributes.
  claims: 'http://schemas.microsoft.com/exchange/services/2006/federation',
};
const ALG = {
  aes256: 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  rsaOaep: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  elementType: 'http://www.w3.org/2001/04/xmlenc#Element',
};
const THUMBPRINT_SHA1 = 'http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#ThumbprintSHA1';
const BASE64_BINARY = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const RSA_SHA256_WEB = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };

// ---------------------------------------------------------------- keys

const generateRsa = promisify(generateKeyPair);
const keyCache = new Map<string, Promise<{ privateKey: KeyObject; publicKey: KeyObject }>>();

/** RSA-2048 key pair, generated once per process per label and cached (keygen is slow; keys are reused across scenarios, certificates are not). */
export function keyPair(label: string): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  let pair = keyCache.get(label);
  if (!pair) {
    pair = generateRsa('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    keyCache.set(label, pair);
    // A failed generation must not poison the label for the rest of the process.
    pair.catch(() => keyCache.delete(label));
  }
  return pair;
}

// ---------------------------------------------------------------- certificates

export interface CertificateInfo {
  /** Base64 DER, as Active Directory stores a certificate. */
  der: string;
  /** SHA-1 of the DER, upper-case hex without separators, as Get-ExchangeCertificate shows it. */
  thumbprint: string;
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  serialNumber: string;
  isCa: boolean;
  selfSigned: boolean;
}

/**
 * Issues an X.509 v3 certificate for the key with `keyLabel`: self-signed unless `issuer` is given (then signed by the issuer's key and carrying the issuer's subject). RSASSA-PKCS1-v1_5 with SHA-256. `ca: true` sets basicConstraints cA. `dnsNames` and `ipAddresses` go to one subjectAltName.
 * `omitBasicConstraints` leaves the extension out altogether, as IIS's self-signed certificate does; `serverAuth` adds extendedKeyUsage serverAuth, as a web server's identity certificate carries.
 */
export async function issueCertificate(options: {
  subject: string;
  keyLabel: string;
  notBefore: Date;
  notAfter: Date;
  dnsNames?: string[];
  ipAddresses?: string[];
  ca?: boolean;
  omitBasicConstraints?: boolean;
  serverAuth?: boolean;
  issuer?: { certificate: CertificateInfo; keyLabel: string };
}): Promise<CertificateInfo> {
  const own = await keyPair(options.keyLabel);
  const signerKeys = options.issuer ? await keyPair(options.issuer.keyLabel) : own;
  if (options.issuer) {
    // A mismatched issuer key would produce a certificate nothing can verify; say so at once.
    const issuerSpki = toDer(options.issuer.certificate).publicKey.export({ type: 'spki', format: 'der' });
    if (!issuerSpki.equals(signerKeys.publicKey.export({ type: 'spki', format: 'der' }))) {
      throw new Error(`key "${options.issuer.keyLabel}" is not the key of issuer certificate ${options.issuer.certificate.subject}`);
    }
  }
  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    signerKeys.privateKey.export({ type: 'pkcs8', format: 'der' }),
    RSA_SHA256_WEB,
    false,
    ['sign'],
  );
  const spki = own.publicKey.export({ type: 'spki', format: 'der' });
  const issuerSpki = signerKeys.publicKey.export({ type: 'spki', format: 'der' });
  const ca = options.ca === true;
  const extensions: x509.Extension[] = [
    ...(options.omitBasicConstraints ? [] : [new x509.BasicConstraintsExtension(ca, undefined, true)]),
    new x509.KeyUsagesExtension(
      ca
        ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature
        : // Federation certificates both sign (RST, tokens) and receive encrypted session keys.
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(spki),
    await x509.AuthorityKeyIdentifierExtension.create(issuerSpki),
  ];
  const altNames: x509.JsonGeneralName[] = [
    ...(options.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (altNames.length) extensions.push(new x509.SubjectAlternativeNameExtension(altNames));
  if (options.serverAuth) extensions.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]));
  // Positive, non-zero leading byte: a 16-byte serial as public CAs issue them.
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.toString('hex'),
    subject: options.subject,
    issuer: options.issuer ? options.issuer.certificate.subject : options.subject,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    signingAlgorithm: RSA_SHA256_WEB,
    publicKey: spki,
    signingKey,
    extensions,
  });
  return parseCertificate(Buffer.from(cert.rawData).toString('base64'));
}

/** Reads a base64 DER certificate (node:crypto X509Certificate). Throws a clear Error if it is not one. */
export function parseCertificate(der: string): CertificateInfo {
  let bytes: Buffer;
  let cert: X509Certificate;
  try {
    bytes = decodeBase64(der);
    cert = new X509Certificate(bytes);
  } catch (e) {
    throw new Error(`not a base64 DER X.509 certificate: ${(e as Error).message}`);
  }
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) {
    throw new Error(`certificate has unreadable validity dates: ${cert.validFrom} / ${cert.validTo}`);
  }
  return {
    der: bytes.toString('base64'),
    thumbprint: sha1Hex(bytes),
    // Node prints one RDN per line in encoding order; join them the way they were written.
    subject: cert.subject.split('\n').join(', '),
    issuer: cert.issuer.split('\n').join(', '),
    notBefore,
    notAfter,
    serialNumber: cert.serialNumber.toUpperCase(),
    isCa: cert.ca,
    // Same name is not enough: it must verify under its own key. (checkIssued is no use here: OpenSSL
    // also demands keyCertSign, which a self-signed Exchange certificate does not have.)
    selfSigned: cert.subject === cert.issuer && cert.verify(cert.publicKey),
  };
}

/** Whether `now` is within the certificate's validity (check dates yourself: X509Certificate.verify does not). */
export function validityAt(cert: CertificateInfo, now: Date): 'valid' | 'expired' | 'not-yet-valid' {
  if (now.getTime() < cert.notBefore.getTime()) return 'not-yet-valid';
  // RFC 5280: notAfter is the last instant of validity, inclusive.
  if (now.getTime() > cert.notAfter.getTime()) return 'expired';
  return 'valid';
}

// ---------------------------------------------------------------- delegation tokens

export interface DelegationClaims {
  /** The token issuer URI of the gateway instance, e.g. "urn:federation:MicrosoftOnline" or "uri:WindowsLiveID". */
  issuer: string;
  /** AppliesTo / audience: the target organization's application URI. */
  audience: string;
  /** The user the token speaks for (her e-mail address). */
  subjectEmail: string;
  /** The requesting organization's account namespace / application URI. */
  requestingOrganization: string;
  /** The Offer, e.g. "MSExchange.SharingCalendarFreeBusy" or "MSExchange.Autodiscover". */
  offer: string;
  notBefore: Date;
  notOnOrAfter: Date;
  /** A unique AssertionID (caller provides, e.g. "_" + hex). */
  assertionId: string;
}

/** Builds a signed SAML 1.1 assertion and encrypts it (XML Encryption, AES-256-CBC + RSA-OAEP) to `encryptFor`. Returns the <xenc:EncryptedData> element. */
export async function issueDelegationToken(
  claims: DelegationClaims,
  signer: { keyLabel: string; certificate: CertificateInfo },
  encryptFor: CertificateInfo,
): Promise<string> {
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(claims.assertionId)) {
    throw new Error(`AssertionID must be an XML ID (NCName): ${claims.assertionId}`);
  }
  for (const [name, d] of [['notBefore', claims.notBefore], ['notOnOrAfter', claims.notOnOrAfter]] as const) {
    if (Number.isNaN(d.getTime())) throw new Error(`${name} is not a valid date`);
  }
  const a = (v: string) => escapeXml(v, true);
  const t = (v: string) => escapeXml(v, false);
  const attribute = (name: string, value: string) =>
    `<saml:Attribute AttributeName="${a(name)}" AttributeNamespace="${NS.claims}"><saml:AttributeValue>${t(value)}</saml:AttributeValue></saml:Attribute>`;
  // IssueInstant is required by SAML 1.1; with no wall clock the start of validity is the issue time.
  const assertion =
    `<saml:Assertion xmlns:saml="${NS.saml}" MajorVersion="1" MinorVersion="1" AssertionID="${a(claims.assertionId)}" ` +
    `Issuer="${a(claims.issuer)}" IssueInstant="${claims.notBefore.toISOString()}">` +
    `<saml:Conditions NotBefore="${claims.notBefore.toISOString()}" NotOnOrAfter="${claims.notOnOrAfter.toISOString()}">` +
    `<saml:AudienceRestrictionCondition><saml:Audience>${t(claims.audience)}</saml:Audience></saml:AudienceRestrictionCondition>` +
    `</saml:Conditions>` +
    `<saml:AttributeStatement>` +
    `<saml:Subject><saml:NameIdentifier Format="${EMAIL_FORMAT}">${t(claims.subjectEmail)}</saml:NameIdentifier></saml:Subject>` +
    attribute('RequestingOrganization', claims.requestingOrganization) +
    attribute('Offer', claims.offer) +
    `</saml:AttributeStatement>` +
    `</saml:Assertion>`;
  // SAML 1.1 puts ds:Signature last in the assertion, which is where "append" places it.
  const signed = await signXml(assertion, signer);
  return encryptElement(signed, encryptFor);
}

export type TokenCheck =
  | { ok: true; claims: DelegationClaims; signedBy: string /* thumbprint of the certificate that verified the signature */ }
  | {
      ok: false;
      reason: 'malformed' | 'not-for-this-certificate' | 'decryption' | 'signature' | 'untrusted-signer' | 'not-yet-valid' | 'expired' | 'audience';
      detail: string;
    };
type Reason = Extract<TokenCheck, { ok: false }>['reason'];

/** A refusal raised deep inside a check and turned into a TokenCheck at the top. */
class Refusal extends Error {
  constructor(readonly reason: Reason, detail: string) {
    super(detail);
  }
}

/** What the target organization does with a token: decrypt with one of its certificates, verify the gateway's signature against trusted signers, then Conditions and audience. Never throws. */
export async function openDelegationToken(
  token: string,
  options: { decryptWith: Array<{ certificate: CertificateInfo; keyLabel: string }>; trustedSigners: CertificateInfo[]; now: Date; audience: string },
): Promise<TokenCheck> {
  try {
    const assertionXml = await decryptToken(token, options.decryptWith);
    const doc = parseXml(assertionXml);
    const root = doc.documentElement!;
    if (root.namespaceURI !== NS.saml || root.localName !== 'Assertion') {
      throw new Refusal('malformed', `decrypted element is {${root.namespaceURI}}${root.localName}, not a SAML 1.1 Assertion`);
    }
    const { signature, keyInfoCert } = envelopedSignatureOf(doc);
    if (!keyInfoCert) throw new Refusal('signature', 'the signature carries no X509Certificate in its KeyInfo');
    let presented: X509Certificate;
    try {
      presented = new X509Certificate(keyInfoCert);
    } catch {
      throw new Refusal('signature', 'the KeyInfo certificate is not a readable X.509 certificate');
    }
    // First: is the signature cryptographically sound at all (under the key it names)?
    if (checkEnveloped(assertionXml, signature, presented.publicKey) === undefined) {
      throw new Refusal('signature', 'the XML signature does not verify');
    }
    const trusted = options.trustedSigners.find((c) => decodeBase64(c.der).equals(keyInfoCert));
    if (!trusted) {
      throw new Refusal('untrusted-signer', `signing certificate ${sha1Hex(keyInfoCert)} is not among the trusted gateway certificates`);
    }
    // Then verify again with the trusted certificate's own key; only what that verified is read.
    const signedXml = checkEnveloped(assertionXml, signature, toDer(trusted).publicKey);
    if (signedXml === undefined) throw new Refusal('signature', 'the XML signature does not verify under the trusted certificate');
    const claims = readClaims(signedXml);
    if (claims.notBefore.getTime() > options.now.getTime()) {
      return refuse('not-yet-valid', `token valid from ${claims.notBefore.toISOString()}, now is ${options.now.toISOString()}`);
    }
    if (claims.notOnOrAfter.getTime() <= options.now.getTime()) {
      return refuse('expired', `token expired at ${claims.notOnOrAfter.toISOString()}, now is ${options.now.toISOString()}`);
    }
    if (claims.audience.toLowerCase() !== options.audience.toLowerCase()) {
      return refuse('audience', `token is for ${claims.audience}, not ${options.audience}`);
    }
    return { ok: true, claims, signedBy: sha1Hex(keyInfoCert) };
  } catch (e) {
    if (e instanceof Refusal) return refuse(e.reason, e.message);
    return refuse('malformed', e instanceof Error ? e.message : String(e));
  }
}

function refuse(reason: Reason, detail: string): TokenCheck {
  return { ok: false, reason, detail };
}

function encryptElement(plaintextXml: string, to: CertificateInfo): string {
  const cert = toDer(to);
  const contentKey = randomBytes(32);
  const iv = randomBytes(16);
  // PKCS#7 padding is one of the paddings XML Encryption's block-cipher rule accepts.
  const cipher = createCipheriv('aes-256-cbc', contentKey, iv);
  const body = Buffer.concat([iv, cipher.update(plaintextXml, 'utf8'), cipher.final()]);
  // rsa-oaep-mgf1p: OAEP with SHA-1 digest and MGF1-SHA1, no label.
  const wrapped = publicEncrypt({ key: cert.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, contentKey);
  const thumb = createHash('sha1').update(decodeBase64(to.der)).digest('base64');
  return (
    `<xenc:EncryptedData xmlns:xenc="${NS.xenc}" Type="${ALG.elementType}">` +
    `<xenc:EncryptionMethod Algorithm="${ALG.aes256}"/>` +
    `<KeyInfo xmlns="${NS.ds}">` +
    `<xenc:EncryptedKey>` +
    `<xenc:EncryptionMethod Algorithm="${ALG.rsaOaep}"><DigestMethod Algorithm="${ALG.sha1}"/></xenc:EncryptionMethod>` +
    `<KeyInfo><o:SecurityTokenReference xmlns:o="${NS.wsse}">` +
    `<o:KeyIdentifier ValueType="${THUMBPRINT_SHA1}" EncodingType="${BASE64_BINARY}">${thumb}</o:KeyIdentifier>` +
    `</o:SecurityTokenReference></KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue>${wrapped.toString('base64')}</xenc:CipherValue></xenc:CipherData>` +
    `</xenc:EncryptedKey>` +
    `</KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue>${body.toString('base64')}</xenc:CipherValue></xenc:CipherData>` +
    `</xenc:EncryptedData>`
  );
}

async function decryptToken(token: string, decryptWith: Array<{ certificate: CertificateInfo; keyLabel: string }>): Promise<string> {
  const doc = parseXml(token);
  const root = doc.documentElement!;
  if (root.namespaceURI !== NS.xenc || root.localName !== 'EncryptedData') {
    throw new Refusal('malformed', `token root is {${root.namespaceURI}}${root.localName}, not xenc:EncryptedData`);
  }
  const dataAlg = child(root, NS.xenc, 'EncryptionMethod')?.getAttribute('Algorithm');
  if (dataAlg !== ALG.aes256) throw new Refusal('malformed', `unsupported content encryption ${dataAlg ?? '(none)'}`);
  const keyInfo = child(root, NS.ds, 'KeyInfo');
  const encryptedKeys = keyInfo ? children(keyInfo, NS.xenc, 'EncryptedKey') : [];
  if (encryptedKeys.length === 0) throw new Refusal('malformed', 'no xenc:EncryptedKey in the token');

  let match: { encryptedKey: Element; keyLabel: string } | undefined;
  const offered: string[] = [];
  for (const encryptedKey of encryptedKeys) {
    const ids = encryptedKey.getElementsByTagNameNS(NS.wsse, 'KeyIdentifier');
    for (let i = 0; i < ids.length; i++) {
      const id = ids.item(i)!;
      if (id.getAttribute('ValueType') !== THUMBPRINT_SHA1) continue;
      const thumb = decodeBase64(id.textContent ?? '').toString('hex').toUpperCase();
      offered.push(thumb);
      const mine = decryptWith.find((d) => sha1Hex(decodeBase64(d.certificate.der)) === thumb);
      if (mine && !match) match = { encryptedKey, keyLabel: mine.keyLabel };
    }
  }
  if (!match) {
    throw new Refusal('not-for-this-certificate', `token is encrypted for ${offered.join(', ') || '(no thumbprint)'}, not for ${decryptWith.map((d) => d.certificate.thumbprint).join(', ') || '(no certificate)'}`);
  }
  const method = child(match.encryptedKey, NS.xenc, 'EncryptionMethod');
  if (method?.getAttribute('Algorithm') !== ALG.rsaOaep) {
    throw new Refusal('malformed', `unsupported key transport ${method?.getAttribute('Algorithm') ?? '(none)'}`);
  }
  const digest = child(method, NS.ds, 'DigestMethod')?.getAttribute('Algorithm');
  if (digest !== undefined && digest !== null && digest !== ALG.sha1) throw new Refusal('malformed', `unsupported OAEP digest ${digest}`);
  const wrapped = cipherValue(match.encryptedKey);
  const body = cipherValue(root);

  const { privateKey } = await keyPair(match.keyLabel);
  let contentKey: Buffer;
  try {
    contentKey = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, wrapped);
  } catch {
    throw new Refusal('decryption', 'the content key does not decrypt with this certificate\'s private key');
  }
  if (contentKey.length !== 32) throw new Refusal('decryption', `content key is ${contentKey.length} bytes, AES-256 needs 32`);
  if (body.length < 32 || body.length % 16 !== 0) throw new Refusal('decryption', 'ciphertext is not IV plus whole AES blocks');
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', contentKey, body.subarray(0, 16));
    // XML Encryption padding: only the last byte (the pad length) is defined, the others are arbitrary.
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(body.subarray(16)), decipher.final()]);
  } catch (e) {
    throw new Refusal('decryption', `content decryption failed: ${(e as Error).message}`);
  }
  const pad = plain[plain.length - 1]!;
  if (pad < 1 || pad > 16) throw new Refusal('decryption', 'bad block padding after decryption');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plain.subarray(0, plain.length - pad));
  } catch {
    throw new Refusal('decryption', 'decrypted content is not UTF-8');
  }
}

function cipherValue(parent: Element): Buffer {
  const value = child(child(parent, NS.xenc, 'CipherData'), NS.xenc, 'CipherValue');
  if (!value) throw new Refusal('malformed', `no CipherData/CipherValue in ${parent.localName}`);
  return decodeBase64(value.textContent ?? '');
}

function readClaims(signedAssertion: string): DelegationClaims {
  const root = parseXml(signedAssertion).documentElement!;
  const conditions = child(root, NS.saml, 'Conditions');
  const audience = child(child(conditions, NS.saml, 'AudienceRestrictionCondition'), NS.saml, 'Audience');
  const statement = child(root, NS.saml, 'AttributeStatement');
  const nameId = child(child(statement, NS.saml, 'Subject'), NS.saml, 'NameIdentifier');
  const attr = (name: string) => {
    const found = children(statement, NS.saml, 'Attribute').find((e) => e.getAttribute('AttributeName') === name);
    const value = child(found, NS.saml, 'AttributeValue');
    if (!value) throw new Refusal('malformed', `assertion has no ${name} attribute`);
    return value.textContent ?? '';
  };
  const time = (el: Element | undefined, name: string) => {
    const v = el?.getAttribute(name);
    const d = v ? new Date(v) : undefined;
    if (!d || Number.isNaN(d.getTime())) throw new Refusal('malformed', `assertion has no valid ${name}`);
    return d;
  };
  if (!audience || !nameId) throw new Refusal('malformed', 'assertion lacks Audience or Subject/NameIdentifier');
  return {
    issuer: root.getAttribute('Issuer') ?? '',
    audience: audience.textContent ?? '',
    subjectEmail: nameId.textContent ?? '',
    requestingOrganization: attr('RequestingOrganization'),
    offer: attr('Offer'),
    notBefore: time(conditions, 'NotBefore'),
    notOnOrAfter: time(conditions, 'NotOnOrAfter'),
    assertionId: root.getAttribute('AssertionID') ?? '',
  };
}

// ---------------------------------------------------------------- enveloped signatures

const ID_ATTRIBUTES = ['AssertionID', 'Id', 'ID', 'id'];

/** Generic enveloped XML signature of a whole document whose root element has an Id (or AssertionID) attribute; KeyInfo carries the certificate. */
export async function signXml(xml: string, signer: { keyLabel: string; certificate: CertificateInfo }): Promise<string> {
  const root = parseXml(xml).documentElement!;
  if (rootId(root) === undefined) throw new Error(`cannot sign <${root.tagName}>: the root element has no Id or AssertionID attribute`);
  const { privateKey } = await keyPair(signer.keyLabel);
  const certB64 = decodeBase64(signer.certificate.der).toString('base64');
  const sig = new SignedXml({
    privateKey,
    idAttribute: 'AssertionID',
    signatureAlgorithm: ALG.rsaSha256,
    canonicalizationAlgorithm: ALG.excC14n,
    getKeyInfoContent: () => `<X509Data><X509Certificate>${certB64}</X509Certificate></X509Data>`,
  });
  sig.addReference({ xpath: '/*', transforms: [ALG.enveloped, ALG.excC14n], digestAlgorithm: ALG.sha256 });
  sig.computeSignature(xml, { location: { reference: '/*', action: 'append' } });
  return sig.getSignedXml();
}

/** Verifies signXml output: returns the thumbprint of the certificate (from `trusted`) that verifies the signature, or undefined if none does or the XML was altered. */
export function verifyXmlSignature(xml: string, trusted: CertificateInfo[]): string | undefined {
  try {
    const { signature } = envelopedSignatureOf(parseXml(xml));
    for (const cert of trusted) {
      if (checkEnveloped(xml, signature, toDer(cert).publicKey) !== undefined) return sha1Hex(decodeBase64(cert.der));
    }
  } catch {
    // Unreadable or structurally wrong: no certificate verifies it.
  }
  return undefined;
}

/** The single ds:Signature that is a child of the root and references exactly the root; refuses anything that could wrap other content. */
function envelopedSignatureOf(doc: Document): { signature: Element; keyInfoCert?: Buffer } {
  const root = doc.documentElement!;
  const all = doc.getElementsByTagNameNS(NS.ds, 'Signature');
  if (all.length === 0) throw new Refusal('signature', 'the document is not signed');
  if (all.length > 1) throw new Refusal('signature', 'more than one ds:Signature');
  const signature = all.item(0)!;
  if (signature.parentNode !== root) throw new Refusal('signature', 'ds:Signature is not enveloped in the root element');
  const references = children(child(signature, NS.ds, 'SignedInfo'), NS.ds, 'Reference');
  const id = rootId(root);
  if (references.length !== 1 || id === undefined || references[0]!.getAttribute('URI') !== `#${id}`) {
    throw new Refusal('signature', 'the signature does not reference exactly the root element');
  }
  const certEl = child(child(child(signature, NS.ds, 'KeyInfo'), NS.ds, 'X509Data'), NS.ds, 'X509Certificate');
  return { signature, keyInfoCert: certEl ? decodeBase64(certEl.textContent ?? '') : undefined };
}

/** Verifies the enveloped signature with `key` only (never a key from KeyInfo); returns the canonical XML it authenticated. */
function checkEnveloped(xml: string, signature: Element, key: KeyObject): string | undefined {
  const sig = new SignedXml({ publicCert: key, idAttribute: 'AssertionID', getCertFromKeyInfo: () => null });
  try {
    sig.loadSignature(signature);
    if (sig.checkSignature(xml) !== true) return undefined;
    return sig.getSignedReferences()[0];
  } catch {
    return undefined;
  }
}

function rootId(root: Element): string | undefined {
  for (const name of ID_ATTRIBUTES) {
    for (let i = 0; i < root.attributes.length; i++) {
      const attr = root.attributes.item(i)!;
      if (attr.localName === name && attr.value) return attr.value;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- helpers

function parseXml(xml: string): Document {
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(xml, 'text/xml');
  } catch (e) {
    throw new Refusal('malformed', `not well-formed XML: ${(e as Error).message}`);
  }
  // No DTDs in security tokens: they only serve entity tricks.
  if (!doc.documentElement || doc.doctype) throw new Refusal('malformed', 'not a single XML element without DOCTYPE');
  return doc;
}

function children(parent: Element | undefined, ns: string, localName: string): Element[] {
  const found: Element[] = [];
  if (!parent) return found;
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    const e = n as Element;
    if (n.nodeType === 1 && e.namespaceURI === ns && e.localName === localName) found.push(e);
  }
  return found;
}

function child(parent: Element | undefined, ns: string, localName: string): Element | undefined {
  return children(parent, ns, localName)[0];
}

function decodeBase64(text: string): Buffer {
  const clean = text.replace(/\s+/g, '');
  // Buffer.from silently skips junk; a certificate or ciphertext with junk in it is malformed.
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(clean) || clean.length === 0) {
    throw new Refusal('malformed', 'not base64');
  }
  return Buffer.from(clean, 'base64');
}

function toDer(cert: CertificateInfo): X509Certificate {
  return new X509Certificate(decodeBase64(cert.der));
}

function sha1Hex(der: Buffer): string {
  return createHash('sha1').update(der).digest('hex').toUpperCase();
}

function escapeXml(value: string, attribute: boolean): string {
  const text = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return attribute ? text.replace(/"/g, '&quot;').replace(/\r/g, '&#13;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;') : text.replace(/\r/g, '&#13;');
}
