import 'reflect-metadata'; // before @peculiar/x509
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { issueCertificate, type CertificateInfo } from '../src/federation/crypto';
import {
  certificateNames,
  forgeCertificationAuthority,
  newCertificationAuthority,
  newIdentityCertificate,
  newIisSelfSignedCertificate,
  newMakecertSelfSignedCertificate,
  verifyServerCertificate,
  type IssuedCertificate,
  type ServerCertificateCheck,
} from '../src/presence/certificates';

// A fixed instant: nothing here reads the clock.
const NOW = new Date('2011-06-01T12:00:00Z');
const days = (n: number) => new Date(NOW.getTime() + n * 24 * 60 * 60 * 1000);
const HOST = 'owa.apps.local';
const PREFIX = 'Server certificate verification failed: ';

/** The certificates most tests share (key generation is the slow part, so they are made once). */
interface Pki {
  root: IssuedCertificate;
  issuing: IssuedCertificate;
  /** Issued by the root directly, named by CN only. */
  owa: IssuedCertificate;
  /** Issued by the intermediate, named by SAN (CN is not the host). */
  chained: IssuedCertificate;
}
let pki: Promise<Pki> | undefined;
function setup(): Promise<Pki> {
  pki ??= (async () => {
    const root = await newCertificationAuthority({ name: 'Contoso Root CA', now: NOW });
    const issuing = await newCertificationAuthority({ name: 'Contoso Issuing CA', issuer: root, now: NOW });
    const [owa, chained] = await Promise.all([
      newIdentityCertificate({ commonName: HOST, issuer: root, now: NOW }),
      newIdentityCertificate({ commonName: 'EXCH01', dnsNames: ['exch01.apps.local', HOST], issuer: issuing, now: NOW }),
    ]);
    return { root, issuing, owa, chained };
  })();
  return pki;
}

function verify(presented: IssuedCertificate[], trusted: IssuedCertificate[], host = HOST, now = NOW): ServerCertificateCheck {
  return verifyServerCertificate({
    presented: presented.map((c) => c.certificate),
    trusted: trusted.map((c) => c.certificate),
    host,
    now,
  });
}

function assertTrusted(check: ServerCertificateCheck): CertificateInfo[] {
  assert.ok(check.trusted, check.trusted ? '' : `${check.message}\n${check.details.join('\n')}`);
  return check.path;
}

function assertRefused(check: ServerCertificateCheck, message: string): string[] {
  assert.equal(check.trusted, false);
  if (check.trusted) throw new Error('unreachable');
  assert.equal(check.message, PREFIX + message);
  assert.equal(check.details.length >= check.failures.length, true, 'every failure has a reason');
  return check.details;
}

function detailMatching(details: string[], pattern: RegExp): string {
  const found = details.find((d) => pattern.test(d));
  assert.ok(found, `no detail matches ${pattern}:\n${details.join('\n')}`);
  return found;
}

// ---------------------------------------------------------------- issueCertificate extensions

test('issueCertificate puts DNS names and IP addresses in one subjectAltName and can add serverAuth', async () => {
  const { root } = await setup();
  const cert = await issueCertificate({
    subject: 'CN=exch01',
    keyLabel: 'presence-identity:exch01',
    notBefore: days(-1),
    notAfter: days(30),
    dnsNames: ['exch01.apps.local'],
    ipAddresses: ['192.168.1.100'],
    serverAuth: true,
    issuer: root,
  });
  const node = new X509Certificate(Buffer.from(cert.der, 'base64'));
  assert.equal(node.subjectAltName, 'DNS:exch01.apps.local, IP Address:192.168.1.100');
  assert.deepEqual(node.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  assert.deepEqual(certificateNames(cert), { commonName: 'exch01', dnsNames: ['exch01.apps.local'], ipAddresses: ['192.168.1.100'] });
});

test('issueCertificate keeps its defaults: basicConstraints present, no extendedKeyUsage', async () => {
  const cert = await issueCertificate({ subject: 'CN=plain', keyLabel: 'presence-identity:plain', notBefore: days(-1), notAfter: days(30) });
  const parsed = new x509.X509Certificate(Buffer.from(cert.der, 'base64'));
  assert.ok(parsed.getExtension(x509.BasicConstraintsExtension));
  assert.equal(parsed.getExtension(x509.ExtendedKeyUsageExtension), null);
  assert.equal(parsed.getExtension(x509.SubjectAlternativeNameExtension), null);
});

// ---------------------------------------------------------------- rule 1: upload the CA, not the identity certificate

test('the root CA uploaded: the identity certificate it issued is trusted, named by its CN', async () => {
  const { root, owa } = await setup();
  const path = assertTrusted(verify([owa], [root]));
  assert.deepEqual(path.map((c) => c.subject), [`CN=${HOST}`, 'CN=Contoso Root CA']);
});

test('the gateway address may match a subjectAltName dNSName, case-insensitively', async () => {
  const { root, issuing, chained } = await setup();
  assertTrusted(verify([chained, issuing], [root, issuing], 'OWA.Apps.Local'));
  assertTrusted(verify([chained, issuing], [root, issuing], 'exch01.apps.local'));
});

test('the identity certificate uploaded instead of its CA is not trusted', async () => {
  const { root, owa } = await setup();
  const details = assertRefused(verify([owa], [owa]), 'issuer is not trusted');
  assert.deepEqual(details, [`"CN=${HOST}" was uploaded, but it is an identity certificate, not a CA: upload its issuer "CN=Contoso Root CA"`]);
  // Both uploaded: the extra identity certificate does no harm.
  assertTrusted(verify([owa], [owa, root]));
});

// ---------------------------------------------------------------- rule 2: every CA of the chain

test('root and intermediate: with only the root uploaded, the missing intermediate is named', async () => {
  const { root, issuing, chained } = await setup();
  const details = assertRefused(verify([chained, issuing], [root]), 'issuer is not trusted');
  assert.deepEqual(details, [
    'the issuer "CN=Contoso Issuing CA" of "CN=EXCH01" is not in the Presence Engine - Trust store (the server presents it, but a presented CA is not trusted: upload it)',
  ]);
  // Not presented by the server either: still named, from the identity certificate's issuer.
  assert.deepEqual(assertRefused(verify([chained], [root]), 'issuer is not trusted'), [
    'the issuer "CN=Contoso Issuing CA" of "CN=EXCH01" is not in the Presence Engine - Trust store',
  ]);
});

test('root and intermediate: with only the intermediate uploaded, the missing root is named', async () => {
  const { root, issuing, chained } = await setup();
  const details = assertRefused(verify([chained, issuing, root], [issuing]), 'issuer is not trusted');
  assert.deepEqual(details, [
    'the issuer "CN=Contoso Root CA" of "CN=Contoso Issuing CA" is not in the Presence Engine - Trust store (the server presents it, but a presented CA is not trusted: upload it)',
  ]);
});

test('root and intermediate: with neither uploaded, both CAs the server presents are named', async () => {
  const { root, issuing, chained } = await setup();
  const details = assertRefused(verify([chained, issuing, root], []), 'issuer is not trusted');
  assert.equal(details.length, 2);
  detailMatching(details, /^the issuer "CN=Contoso Issuing CA" of "CN=EXCH01" is not in/);
  detailMatching(details, /^the issuer "CN=Contoso Root CA" of "CN=Contoso Issuing CA" is not in/);
});

test('root and intermediate both uploaded: trusted, even if the server does not present the intermediate', async () => {
  const { root, issuing, chained } = await setup();
  const path = assertTrusted(verify([chained], [issuing, root]));
  assert.deepEqual(path.map((c) => c.subject), ['CN=EXCH01', 'CN=Contoso Issuing CA', 'CN=Contoso Root CA']);
});

// ---------------------------------------------------------------- rule 3: the CA bit

test('the IIS self-signed certificate has no basicConstraints and is not trusted even when uploaded', async () => {
  const iis = await newIisSelfSignedCertificate({ host: HOST, now: NOW });
  const parsed = new x509.X509Certificate(Buffer.from(iis.certificate.der, 'base64'));
  assert.equal(parsed.getExtension(x509.BasicConstraintsExtension), null);
  assert.equal(iis.certificate.selfSigned, true);
  assert.deepEqual(assertRefused(verify([iis], [iis]), 'issuer is not trusted'), [
    `the certificate "CN=${HOST}" has no CA bit (basicConstraints cA), so it cannot be trusted as a CA (RFC 2459)`,
  ]);
  const notUploaded = assertRefused(verify([iis], []), 'issuer is not trusted');
  detailMatching(notUploaded, /self-signed certificate "CN=owa\.apps\.local" is not in the Presence Engine - Trust store; having no CA bit/);
});

test('a makecert self-signed certificate with the CA bit is trusted when uploaded, and only then', async () => {
  const makecert = await newMakecertSelfSignedCertificate({ host: HOST, now: NOW });
  assert.equal(makecert.certificate.isCa, true);
  const path = assertTrusted(verify([makecert], [makecert]));
  assert.deepEqual(path, [makecert.certificate]);
  const details = assertRefused(verify([makecert], []), 'issuer is not trusted');
  assert.deepEqual(details, [`the self-signed certificate "CN=${HOST}" is not in the Presence Engine - Trust store`]);
});

test('a makecert certificate regenerated after the upload is not trusted: the uploaded one has another key', async () => {
  const uploaded = await newMakecertSelfSignedCertificate({ host: HOST, now: NOW });
  const regenerated = await issueCertificate({
    subject: `CN=${HOST}`,
    keyLabel: 'presence-makecert:regenerated',
    notBefore: days(-1),
    notAfter: days(30),
    ca: true,
    serverAuth: true,
  });
  const check = verifyServerCertificate({ presented: [regenerated], trusted: [uploaded.certificate], host: HOST, now: NOW });
  assert.deepEqual(assertRefused(check, 'issuer is not trusted'), [
    `the uploaded "CN=${HOST}" is not the self-signed certificate the server presents (another key): upload the server's current certificate`,
  ]);
});

test('a CA certificate without the CA bit does not make what it issued trusted', async () => {
  const notCa = await newCertificationAuthority({ name: 'Contoso No-Bit CA', caBit: false, now: NOW });
  const owa = await newIdentityCertificate({ commonName: HOST, issuer: notCa, now: NOW, keyLabel: 'presence-identity:nobit' });
  assert.deepEqual(assertRefused(verify([owa], [notCa]), 'issuer is not trusted'), [
    'the certificate "CN=Contoso No-Bit CA" has no CA bit (basicConstraints cA), so it cannot be trusted as a CA (RFC 2459)',
  ]);
});

// ---------------------------------------------------------------- rule 4: the gateway address

test('an IP address as gateway address does not match a certificate naming a DNS name', async () => {
  const { root, owa } = await setup();
  const details = assertRefused(verify([owa], [root], '192.168.1.100'), 'certificate issued for a different hostname');
  assert.deepEqual(details, [`the gateway address 192.168.1.100 does not match the certificate's names: ${HOST}`]);
});

test('a certificate whose CN is the IP address is trusted at that address only', async () => {
  const { root } = await setup();
  const byIp = await newIdentityCertificate({ commonName: '192.168.1.100', issuer: root, now: NOW });
  assertTrusted(verify([byIp], [root], '192.168.1.100'));
  assertRefused(verify([byIp], [root], '192.168.1.101'), 'certificate issued for a different hostname');
});

test('an iPAddress subjectAltName matches the IP address; a DNS name never matches an IP address', async () => {
  const { root } = await setup();
  const both = await newIdentityCertificate({ commonName: HOST, ipAddresses: ['10.0.0.5'], issuer: root, now: NOW });
  assertTrusted(verify([both], [root], '10.0.0.5'));
  assertTrusted(verify([both], [root], HOST));
  assertRefused(verify([both], [root], '10.0.0.6'), 'certificate issued for a different hostname');
});

test('a "*." wildcard covers exactly one label', async () => {
  const { root } = await setup();
  const wildcard = await newIdentityCertificate({ commonName: 'Contoso Web', dnsNames: ['*.apps.local'], issuer: root, now: NOW });
  assertTrusted(verify([wildcard], [root], 'owa.apps.local'));
  assertTrusted(verify([wildcard], [root], 'MAIL.APPS.LOCAL'));
  assertRefused(verify([wildcard], [root], 'a.owa.apps.local'), 'certificate issued for a different hostname');
  assertRefused(verify([wildcard], [root], 'apps.local'), 'certificate issued for a different hostname');
});

// ---------------------------------------------------------------- rule 5: dates

test('an expired identity certificate: "certificate has expired"; notAfter itself is still valid', async () => {
  const { root } = await setup();
  const owa = await newIdentityCertificate({ commonName: HOST, issuer: root, now: NOW, notBefore: days(-400), notAfter: days(-1) });
  const details = assertRefused(verify([owa], [root]), 'certificate has expired');
  detailMatching(details, /^the certificate "CN=owa\.apps\.local" expired on /);
  assertTrusted(verify([owa], [root], HOST, owa.certificate.notAfter));
});

test('an identity certificate not yet valid: "certificate is not yet valid"', async () => {
  const { root } = await setup();
  const owa = await newIdentityCertificate({ commonName: HOST, issuer: root, now: NOW, notBefore: days(2), notAfter: days(400) });
  const details = assertRefused(verify([owa], [root]), 'certificate is not yet valid');
  detailMatching(details, /is not valid until /);
});

test('an expired CA in the trust store makes the chain untrusted and is named with its dates', async () => {
  const old = await newCertificationAuthority({ name: 'Contoso Old Root CA', now: NOW, notBefore: days(-800), notAfter: days(-10) });
  const owa = await newIdentityCertificate({ commonName: HOST, issuer: old, now: NOW, keyLabel: 'presence-identity:old-root' });
  const details = assertRefused(verify([owa], [old]), 'issuer is not trusted');
  assert.equal(details.length, 1);
  assert.match(details[0]!, /^the CA certificate "CN=Contoso Old Root CA" in the Presence Engine - Trust store has expired: valid from .* to /);
});

test('an expired intermediate makes the chain untrusted too', async () => {
  const { root } = await setup();
  const issuing = await newCertificationAuthority({ name: 'Contoso Issuing CA', issuer: root, now: NOW, notBefore: days(-800), notAfter: days(-10) });
  const leaf = await newIdentityCertificate({ commonName: HOST, issuer: issuing, now: NOW, keyLabel: 'presence-identity:old-issuing' });
  const details = assertRefused(verify([leaf], [root, issuing]), 'issuer is not trusted');
  detailMatching(details, /"CN=Contoso Issuing CA" in the Presence Engine - Trust store has expired/);
});

// ---------------------------------------------------------------- rule 6: signatures

test('a forged CA with the real CA\'s name, presented by the server, is not trusted', async () => {
  const { root } = await setup();
  const forged = await forgeCertificationAuthority({ impersonating: root.certificate, now: NOW });
  assert.equal(forged.certificate.subject, root.certificate.subject);
  assert.notEqual(forged.keyLabel, root.keyLabel);
  const leaf = await newIdentityCertificate({ commonName: HOST, issuer: forged, now: NOW, keyLabel: 'presence-identity:forged' });
  assert.equal(leaf.certificate.issuer, 'CN=Contoso Root CA');
  const details = assertRefused(verify([leaf, forged], [root]), 'issuer is not trusted');
  assert.deepEqual(details, [
    `the certificate "CN=Contoso Root CA" presented as the issuer of "CN=${HOST}" is not the trusted "CN=Contoso Root CA": ` +
      `the signature of "CN=${HOST}" does not verify under the trusted certificate of that name (a different key: a forged chain)`,
  ]);
});

test('a leaf signed by a forged key naming the real CA as issuer is not trusted', async () => {
  const { root } = await setup();
  const forged = await forgeCertificationAuthority({ impersonating: root.certificate, now: NOW });
  const leaf = await newIdentityCertificate({ commonName: HOST, issuer: forged, now: NOW, keyLabel: 'presence-identity:forged' });
  const details = assertRefused(verify([leaf], [root]), 'issuer is not trusted');
  assert.deepEqual(details, [
    `the signature of "CN=${HOST}" does not verify under the trusted certificate of that name, "CN=Contoso Root CA" (a different key: a forged chain)`,
  ]);
  // Uploading the forged CA as well would trust it: the store is what the administrator makes it.
  assertTrusted(verify([leaf], [root, forged]));
});

test('a forged intermediate under a trusted root is refused at the intermediate', async () => {
  const { root, issuing } = await setup();
  const fakeIssuing = await forgeCertificationAuthority({ impersonating: issuing.certificate, now: NOW });
  const leaf = await newIdentityCertificate({ commonName: HOST, issuer: fakeIssuing, now: NOW, keyLabel: 'presence-identity:forged-issuing' });
  const details = assertRefused(verify([leaf, fakeIssuing], [root, issuing]), 'issuer is not trusted');
  detailMatching(details, /does not verify under the trusted certificate of that name.*forged chain/);
});

// ---------------------------------------------------------------- several failures at once

test('several failures are reported together, in neon\'s order', async () => {
  const { root } = await setup();
  const expired = await newIdentityCertificate({ commonName: HOST, issuer: root, now: NOW, notBefore: days(-400), notAfter: days(-1) });
  let check = verify([expired], [], '192.168.1.100');
  assertRefused(check, 'certificate has expired, certificate issued for a different hostname, issuer is not trusted');
  assert.ok(!check.trusted);
  assert.deepEqual(check.failures, ['expired', 'idmismatch', 'untrusted']);
  assert.equal(check.details.length, 3);
  assert.match(check.details[0]!, /expired on/);
  assert.match(check.details[1]!, /gateway address 192\.168\.1\.100/);
  assert.match(check.details[2]!, /"CN=Contoso Root CA" of "CN=owa\.apps\.local" is not in the Presence Engine - Trust store$/);

  const early = await newIdentityCertificate({ commonName: HOST, issuer: root, now: NOW, notBefore: days(2), notAfter: days(400) });
  check = verify([early], [root], 'other.apps.local');
  assertRefused(check, 'certificate is not yet valid, certificate issued for a different hostname');

  const iis = await newIisSelfSignedCertificate({ host: HOST, now: NOW });
  assertRefused(verify([iis], [iis], '192.168.1.100'), 'certificate issued for a different hostname, issuer is not trusted');
});

test('a server that presents no certificate is a caller error', () => {
  assert.throws(() => verifyServerCertificate({ presented: [], trusted: [], host: HOST, now: NOW }), /presented no certificate/);
});
