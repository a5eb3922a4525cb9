// Domain proofs. Get-FederatedDomainProof derives a value from the domain and the organization's
// federation certificate; the administrator publishes it as a TXT record of the domain, and the gateway
// accepts the domain only when a TXT record holds a proof it can verify against the registered certificate.
// How Exchange derives the value is not documented where we could read: ours is an RSA-SHA256 signature
// of the lower-case domain name by the certificate's key, base64 — verifiable with the public key alone.

import { createSign, createVerify, X509Certificate } from 'node:crypto';
import { keyPair, type CertificateInfo } from './crypto';

export async function domainProof(domain: string, keyLabel: string): Promise<string> {
  const { privateKey } = await keyPair(keyLabel);
  return createSign('sha256').update(domain.toLowerCase()).sign(privateKey, 'base64');
}

export function domainProofValid(domain: string, proof: string, certificate: CertificateInfo): boolean {
  try {
    const publicKey = new X509Certificate(Buffer.from(certificate.der, 'base64')).publicKey;
    return createVerify('sha256').update(domain.toLowerCase()).verify(publicKey, proof.trim(), 'base64');
  } catch {
    return false;
  }
}
