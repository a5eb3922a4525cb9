import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, constants, createCipheriv, createDecipheriv, createHash, privateDecrypt, randomBytes } from 'node:crypto';
import {
  issueCertificate,
  issueDelegationToken,
  keyPair,
  openDelegationToken,
  parseCertificate,
  signXml,
  validityAt,
  verifyXmlSignature,
  type CertificateInfo,
  type DelegationClaims,
} from '../src/federation/crypto';

// Fixed instants: nothing here reads the clock.
const Y2010 = new Date('2010-01-01T00:00:00Z');
const Y2012 = new Date('2012-01-01T00:00:00Z');
const NOW = new Date('2010-11-01T12:00:00Z');
const LATER = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

// One key per label for the whole file (keygen is the slow part).
const K = { gateway: 'fc-gateway', gatewayNext: 'fc-gateway-next', contoso: 'fc-contoso', fabrikam: 'fc-fabrikam', ca: 'fc-ca' };

let fixtures: Promise<{ gateway: CertificateInfo; gatewayNext: CertificateInfo; contoso: CertificateInfo; fabrikam: CertificateInfo }> | undefined;
function setup() {
  fixtures ??= (async () => {
    await Promise.all(Object.values(K).map((label) => keyPair(label)));
    const cert = (subject: string, keyLabel: string) => issueCertificate({ subject, keyLabel, notBefore: Y2010, notAfter: Y2012 });
    const [gateway, gatewayNext, contoso, fabrikam] = await Promise.all([
      cert('CN=MFG Token Signing', K.gateway),
      cert('CN=MFG Token Signing 2', K.gatewayNext),
      cert('CN=Federation', K.contoso),
      cert('CN=Federation', K.fabrikam),
    ]);
    return { gateway: gateway!, gatewayNext: gatewayNext!, contoso: contoso!, fabrikam: fabrikam! };
  })();
  return fixtures;
}

function claims(over: Partial<DelegationClaims> = {}): DelegationClaims {
  return {
    issuer: 'urn:federation:MicrosoftOnline',
    audience: 'http://contoso.com/',
    subjectEmail: 'kweku@fabrikam.com',
    requestingOrganization: 'http://fabrikam.com/',
    offer: 'MSExchange.SharingCalendarFreeBusy',
    notBefore: LATER(-5),
    notOnOrAfter: LATER(10),
    assertionId: '_' + randomBytes(16).toString('hex'),
    ...over,
  };
}

async function tokenForContoso(over: Partial<DelegationClaims> = {}) {
  const f = await setup();
  const c = claims(over);
  const token = await issueDelegationToken(c, { keyLabel: K.gateway, certificate: f.gateway }, f.contoso);
  return { f, c, token };
}

async function openAsContoso(token: string, over: { trustedSigners?: CertificateInfo[]; now?: Date; audience?: string } = {}) {
  const f = await setup();
  return openDelegationToken(token, {
    decryptWith: [{ certificate: f.contoso, keyLabel: K.contoso }],
    trustedSigners: over.trustedSigners ?? [f.gateway],
    now: over.now ?? NOW,
    audience: over.audience ?? 'http://contoso.com/',
  });
}

// Independent XML Encryption decoding, done the way any other implementation would, to tamper with tokens.
const CIPHER_VALUE = /<xenc:CipherValue>([^<]+)<\/xenc:CipherValue>/g;
async function decryptByHand(token: string, keyLabel: string) {
  const [wrapped, body] = [...token.matchAll(CIPHER_VALUE)].map((m) => Buffer.from(m[1]!, 'base64'));
  const { privateKey } = await keyPair(keyLabel);
  const key = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, wrapped!);
  const decipher = createDecipheriv('aes-256-cbc', key, body!.subarray(0, 16));
  const plain = Buffer.concat([decipher.update(body!.subarray(16)), decipher.final()]).toString('utf8');
  return { key, plain };
}
function reencryptByHand(token: string, key: Buffer, plain: string) {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const body = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
  const values = [...token.matchAll(CIPHER_VALUE)];
  const last = values[values.length - 1]!;
  return token.slice(0, last.index!) + `<xenc:CipherValue>${body}</xenc:CipherValue>` + token.slice(last.index! + last[0].length);
}

test('self-signed, CA and CA-issued certificates carry the right fields', async () => {
  const f = await setup();
  const der = Buffer.from(f.contoso.der, 'base64');
  assert.equal(f.contoso.thumbprint, createHash('sha1').update(der).digest('hex').toUpperCase());
  assert.equal(f.contoso.thumbprint, new X509Certificate(der).fingerprint.replace(/:/g, ''));
  assert.match(f.contoso.thumbprint, /^[0-9A-F]{40}$/);
  assert.equal(f.contoso.subject, 'CN=Federation');
  assert.equal(f.contoso.issuer, 'CN=Federation');
  assert.equal(f.contoso.selfSigned, true);
  assert.equal(f.contoso.isCa, false);
  assert.deepEqual([f.contoso.notBefore, f.contoso.notAfter], [Y2010, Y2012]);
  assert.notEqual(f.contoso.thumbprint, f.fabrikam.thumbprint);

  const ca = await issueCertificate({ subject: 'CN=Fourth Coffee Root CA, O=Fourth Coffee', keyLabel: K.ca, notBefore: Y2010, notAfter: Y2012, ca: true });
  assert.equal(ca.isCa, true);
  assert.equal(ca.selfSigned, true);
  assert.equal(ca.subject, 'CN=Fourth Coffee Root CA, O=Fourth Coffee');

  const leaf = await issueCertificate({
    subject: 'CN=mail.contoso.com',
    keyLabel: K.contoso,
    notBefore: Y2010,
    notAfter: Y2012,
    dnsNames: ['mail.contoso.com', 'autodiscover.contoso.com'],
    issuer: { certificate: ca, keyLabel: K.ca },
  });
  assert.equal(leaf.issuer, ca.subject);
  assert.equal(leaf.subject, 'CN=mail.contoso.com');
  assert.equal(leaf.selfSigned, false);
  assert.equal(leaf.isCa, false);
  assert.notEqual(leaf.serialNumber, ca.serialNumber);
  const leafX = new X509Certificate(Buffer.from(leaf.der, 'base64'));
  const caX = new X509Certificate(Buffer.from(ca.der, 'base64'));
  assert.ok(leafX.verify(caX.publicKey), 'signed by the CA key');
  assert.ok(!leafX.verify(leafX.publicKey), 'not signed by its own key');
  assert.equal(leafX.subjectAltName, 'DNS:mail.contoso.com, DNS:autodiscover.contoso.com');
  assert.equal(parseCertificate(leaf.der).thumbprint, leaf.thumbprint);

  await assert.rejects(
    issueCertificate({ subject: 'CN=x', keyLabel: K.contoso, notBefore: Y2010, notAfter: Y2012, issuer: { certificate: ca, keyLabel: K.fabrikam } }),
    /is not the key of issuer/,
  );
  assert.throws(() => parseCertificate('bm90IGEgY2VydGlmaWNhdGU='), /not a base64 DER X\.509 certificate/);
  assert.throws(() => parseCertificate('%%%'), /not a base64 DER X\.509 certificate/);
});

test('validityAt: before, within (both ends inclusive) and after', async () => {
  const { contoso } = await setup();
  assert.equal(validityAt(contoso, new Date('2009-12-31T23:59:59Z')), 'not-yet-valid');
  assert.equal(validityAt(contoso, Y2010), 'valid');
  assert.equal(validityAt(contoso, NOW), 'valid');
  assert.equal(validityAt(contoso, Y2012), 'valid');
  assert.equal(validityAt(contoso, new Date('2012-01-01T00:00:01Z')), 'expired');
});

test('a delegation token round-trips: same claims, signed by the gateway', async () => {
  const { f, c, token } = await tokenForContoso();
  assert.ok(token.startsWith('<xenc:EncryptedData'), 'no XML declaration, EncryptedData root');
  assert.ok(token.includes('http://www.w3.org/2001/04/xmlenc#aes256-cbc'));
  assert.ok(token.includes('http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p'));
  assert.ok(!token.includes('kweku@fabrikam.com') && !token.includes('SharingCalendarFreeBusy'), 'the assertion is not readable in transit');

  const result = await openAsContoso(token);
  assert.deepEqual(result, { ok: true, claims: c, signedBy: f.gateway.thumbprint });

  const { plain } = await decryptByHand(token, K.contoso);
  assert.match(plain, /^<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1\.0:assertion"/);
  assert.match(plain, /rsa-sha256/);
  assert.ok(plain.includes(`URI="#${c.assertionId}"`));
  assert.equal(verifyXmlSignature(plain, [f.gateway]), f.gateway.thumbprint, 'the inner assertion is an ordinary enveloped signature');

  // During a certificate rollover the organization holds two certificates; either may be the one used.
  const both = await openDelegationToken(token, {
    decryptWith: [{ certificate: f.fabrikam, keyLabel: K.fabrikam }, { certificate: f.contoso, keyLabel: K.contoso }],
    trustedSigners: [f.gatewayNext, f.gateway],
    now: NOW,
    audience: 'HTTP://CONTOSO.COM/',
  });
  assert.equal(both.ok, true, JSON.stringify(both));
});

test('a token for another organization is refused before any decryption', async () => {
  const { f, token } = await tokenForContoso();
  const result = await openDelegationToken(token, {
    decryptWith: [{ certificate: f.fabrikam, keyLabel: K.fabrikam }],
    trustedSigners: [f.gateway],
    now: NOW,
    audience: 'http://contoso.com/',
  });
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.reason, 'not-for-this-certificate');
  // Right thumbprint, wrong private key: the key transport itself fails.
  const wrongKey = await openDelegationToken(token, {
    decryptWith: [{ certificate: f.contoso, keyLabel: K.fabrikam }],
    trustedSigners: [f.gateway],
    now: NOW,
    audience: 'http://contoso.com/',
  });
  assert.equal(!wrongKey.ok && wrongKey.reason, 'decryption');
});

test('a signer outside the federation metadata is untrusted; a forged KeyInfo does not verify', async () => {
  const { f, token } = await tokenForContoso();
  const rotated = await openAsContoso(token, { trustedSigners: [f.gatewayNext] });
  assert.equal(!rotated.ok && rotated.reason, 'untrusted-signer', JSON.stringify(rotated));
  const none = await openAsContoso(token, { trustedSigners: [] });
  assert.equal(!none.ok && none.reason, 'untrusted-signer');

  // An attacker signs with her own key but names the trusted gateway certificate in KeyInfo.
  const forged = await issueDelegationToken(claims(), { keyLabel: K.fabrikam, certificate: f.gateway }, f.contoso);
  const result = await openAsContoso(forged);
  assert.equal(!result.ok && result.reason, 'signature', JSON.stringify(result));
});

test('a tampered assertion, re-encrypted correctly, fails the signature', async () => {
  const { c, token } = await tokenForContoso();
  const { key, plain } = await decryptByHand(token, K.contoso);
  // Control: the hand re-encryption itself is sound, so a failure below is the signature's doing.
  const untouched = await openAsContoso(reencryptByHand(token, key, plain));
  assert.equal(untouched.ok, true, JSON.stringify(untouched));

  const tampered = plain.replace(c.subjectEmail, 'ceo@fabrikam.com');
  assert.notEqual(tampered, plain);
  const result = await openAsContoso(reencryptByHand(token, key, tampered));
  assert.equal(!result.ok && result.reason, 'signature', JSON.stringify(result));

  const longer = plain.replace('MSExchange.SharingCalendarFreeBusy', 'MSExchange.Autodiscover');
  const offer = await openAsContoso(reencryptByHand(token, key, longer));
  assert.equal(!offer.ok && offer.reason, 'signature');
});

test('a flipped ciphertext bit is refused', async () => {
  const { token } = await tokenForContoso();
  const values = [...token.matchAll(CIPHER_VALUE)];
  const last = values[values.length - 1]!;
  for (const at of [3, 40, 200]) {
    const body = Buffer.from(last[1]!, 'base64');
    body[at] = body[at]! ^ 0x01;
    const flipped = token.slice(0, last.index!) + `<xenc:CipherValue>${body.toString('base64')}</xenc:CipherValue>` + token.slice(last.index! + last[0].length);
    const result = await openAsContoso(flipped);
    assert.equal(result.ok, false, `bit flip at byte ${at} accepted`);
    assert.ok(!result.ok && ['decryption', 'malformed', 'signature'].includes(result.reason), JSON.stringify(result));
  }
  // The wrapped content key too.
  const first = values[0]!;
  const wrapped = Buffer.from(first[1]!, 'base64');
  wrapped[17] = wrapped[17]! ^ 0x80;
  const badKey = token.replace(first[1]!, wrapped.toString('base64'));
  const result = await openAsContoso(badKey);
  assert.equal(!result.ok && result.reason, 'decryption');
});

test('Conditions: not yet valid, valid at NotBefore, expired at NotOnOrAfter', async () => {
  const { c, token } = await tokenForContoso();
  const early = await openAsContoso(token, { now: new Date(c.notBefore.getTime() - 1) });
  assert.equal(!early.ok && early.reason, 'not-yet-valid');
  assert.equal((await openAsContoso(token, { now: c.notBefore })).ok, true);
  const atEnd = await openAsContoso(token, { now: c.notOnOrAfter });
  assert.equal(!atEnd.ok && atEnd.reason, 'expired');
  const late = await openAsContoso(token, { now: LATER(60) });
  assert.equal(!late.ok && late.reason, 'expired');
});

test('audience: another organization\'s URI is refused, case is not significant', async () => {
  const { token } = await tokenForContoso();
  const wrong = await openAsContoso(token, { audience: 'http://tailspintoys.com/' });
  assert.equal(!wrong.ok && wrong.reason, 'audience');
  assert.equal((await openAsContoso(token, { audience: 'HTTP://Contoso.com/' })).ok, true);
});

test('garbage is malformed, never an exception', async () => {
  for (const junk of ['', 'not xml', '<a/>', '<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/>', '<!DOCTYPE x [<!ENTITY e "y">]><x>&e;</x>']) {
    const result = await openAsContoso(junk);
    assert.equal(!result.ok && result.reason, 'malformed', `${junk}: ${JSON.stringify(result)}`);
  }
});

test('signXml / verifyXmlSignature: round trip, signer choice, tampering', async () => {
  const f = await setup();
  const rst =
    '<t:RequestSecurityToken xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust" Id="_rst1">' +
    '<t:TokenType>urn:oasis:names:tc:SAML:1.0:assertion</t:TokenType><t:AppliesTo>http://contoso.com/</t:AppliesTo>' +
    '</t:RequestSecurityToken>';
  const signed = await signXml(rst, { keyLabel: K.fabrikam, certificate: f.fabrikam });
  assert.ok(signed.includes(f.fabrikam.der), 'KeyInfo carries the certificate');
  assert.equal(verifyXmlSignature(signed, [f.fabrikam]), f.fabrikam.thumbprint);
  assert.equal(verifyXmlSignature(signed, [f.contoso, f.fabrikam]), f.fabrikam.thumbprint);
  assert.equal(verifyXmlSignature(signed, [f.contoso]), undefined, 'same subject, different key');
  assert.equal(verifyXmlSignature(signed, []), undefined);

  assert.equal(verifyXmlSignature(signed.replace('http://contoso.com/', 'http://evil.example/'), [f.fabrikam]), undefined);
  assert.equal(verifyXmlSignature(signed.replace('Id="_rst1"', 'Id="_rst2"'), [f.fabrikam]), undefined);
  const sigValue = /<SignatureValue>([^<]+)</.exec(signed)![1]!;
  const bad = Buffer.from(sigValue, 'base64');
  bad[0] = bad[0]! ^ 1;
  assert.equal(verifyXmlSignature(signed.replace(sigValue, bad.toString('base64')), [f.fabrikam]), undefined);
  assert.equal(verifyXmlSignature(rst, [f.fabrikam]), undefined, 'unsigned');
  assert.equal(verifyXmlSignature('<<<', [f.fabrikam]), undefined);

  // Wrapping: the signed element moved inside a new root no longer counts.
  const wrapped = `<w Id="_outer">${signed}</w>`;
  assert.equal(verifyXmlSignature(wrapped, [f.fabrikam]), undefined);

  const metadata = '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" ID="_md" entityID="urn:federation:MicrosoftOnline"/>';
  const signedMd = await signXml(metadata, { keyLabel: K.gateway, certificate: f.gateway });
  assert.equal(verifyXmlSignature(signedMd, [f.gatewayNext, f.gateway]), f.gateway.thumbprint);
  await assert.rejects(signXml('<x/>', { keyLabel: K.gateway, certificate: f.gateway }), /no Id or AssertionID/);
});
