// Test-FederationTrust and Test-OrganizationRelationship, with their output shapes (DOMAIN-NOTES §3):
// records {Id, Type, Message} with ids 1100–1108, and step lines ending in "RESULT: Success." or
// "RESULT: Error". The message texts are ours; the ids, types and result lines are Exchange's.
// Test-OrganizationRelationship checks the token, the partner's federation information and the partner's own
// relationship for us (GetOrganizationRelationshipSettings), not free/busy itself.

import { InputError, unknownName } from '../errors';
import { openDelegationToken, parseCertificate, validityAt, type CertificateInfo } from './crypto';
import { OFFERS, type OrganizationFederation, type ShellOutput } from './federation';
import { GATEWAY_INSTANCES, readMetadata } from './gateway';
import {
  faultIn,
  getFederationInformationRequest,
  getOrganizationRelationshipSettingsRequest,
  parseGetFederationInformationResponse,
  parseGetOrganizationRelationshipSettingsResponse,
  securityHeader,
  type OrganizationRelationshipSettings,
} from './soap';

const IDS = {
  NoFederationTrust: 1100,
  FederationTrustConfiguration: 1101,
  StsCertificate: 1102,
  StsPreviousCertificate: 1103,
  OrganizationCertificate: 1104,
  OrganizationPreviousCertificate: 1105,
  TokenRequest: 1106,
  TokenValidation: 1107,
  FederationMetadata: 1108,
} as const;

type Row = Record<string, string>;

function row(id: keyof typeof IDS, ok: boolean, message: string): Row {
  return { RunspaceId: '', Id: String(IDS[id]), Type: ok ? 'Success' : 'Error', Message: message };
}

function validityText(what: string, cert: CertificateInfo, now: Date): { ok: boolean; text: string } {
  const v = validityAt(cert, now);
  if (v === 'valid') return { ok: true, text: `${what} ${cert.thumbprint} is valid until ${cert.notAfter.toISOString()}.` };
  if (v === 'expired') return { ok: false, text: `${what} ${cert.thumbprint} expired on ${cert.notAfter.toISOString()}.` };
  return { ok: false, text: `${what} ${cert.thumbprint} is not valid until ${cert.notBefore.toISOString()}.` };
}

export async function testFederationTrust(org: OrganizationFederation, userIdentity?: string): Promise<ShellOutput> {
  const now = org.federation.sim.clock.now();
  const trust = await org.delegationTrust();
  if (!trust) return { records: [row('NoFederationTrust', false, `No federation trust is configured for delegation in ${org.name}.`)], lines: [] };
  const records: Row[] = [row('FederationTrustConfiguration', true, `Federation trust "${trust.name}" with ${trust.tokenIssuerUri} is configured.`)];
  const [sts, stsPrevious] = trust.tokenIssuerCertificates.map((c) => parseCertificate(c));
  if (sts) {
    const v = validityText('The gateway signing certificate', sts, now);
    records.push(row('StsCertificate', v.ok, v.text));
  }
  if (stsPrevious) {
    const v = validityText('The previous gateway signing certificate', stsPrevious, now);
    records.push(row('StsPreviousCertificate', v.ok, v.text));
  }
  const stored = trust.orgPrivCertificate ? org.certificates.get(trust.orgPrivCertificate) : undefined;
  if (!stored) records.push(row('OrganizationCertificate', false, `The organization certificate ${trust.orgPrivCertificate} is not in the certificate store.`));
  else {
    const v = validityText('The organization certificate', stored.certificate, now);
    records.push(row('OrganizationCertificate', v.ok, v.text));
  }
  const user = userIdentity;
  const mailbox = user ? await org.org.directory.findUserByLogonName(user) : undefined;
  if (!mailbox) {
    records.push(row('TokenRequest', false, `No mailbox ${user ?? '(the test mailbox)'} to request a token for; give -UserIdentity.`));
    return { records, lines: [] };
  }
  const token = await org.requestDelegationToken(org.shellHost, undefined, mailbox.primarySmtpAddress, trust.applicationUri, OFFERS.freeBusy);
  records.push(row('TokenRequest', token.ok, token.ok ? `A delegation token was issued for ${mailbox.primarySmtpAddress}.` : `No delegation token for ${mailbox.primarySmtpAddress}: ${token.why}`));
  if (token.ok) {
    const validation = await org.tokenValidation();
    const check = validation ? await openDelegationToken(token.token, { ...validation, now, audience: validation.applicationUri }) : undefined;
    records.push(row('TokenValidation', !!check?.ok, check?.ok ? 'The delegation token was validated.' : `The delegation token could not be validated: ${check ? `${check.reason}: ${check.detail}` : 'no trust'}.`));
  }
  // The gateway's metadata now, against what the trust holds.
  try {
    const response = await org.federation.sim.network.send(org.shellHost, new Request(trust.tokenIssuerMetadataEpr));
    const { certificates } = readMetadata(await response.text());
    const held = new Set(trust.tokenIssuerCertificates.map((c) => parseCertificate(c).thumbprint));
    const current = certificates.every((c) => held.has(c.thumbprint));
    records.push(row('FederationMetadata', current, current ? 'The federation metadata matches the trust.' : `The federation metadata lists signing certificate ${certificates.map((c) => c.thumbprint).join(', ')}, which the trust does not hold; run Set-FederationTrust -RefreshMetadata.`));
  } catch (e) {
    records.push(row('FederationMetadata', false, `The federation metadata at ${trust.tokenIssuerMetadataEpr} could not be read: ${(e as Error).message}`));
  }
  return { records, lines: [] };
}

export async function testOrganizationRelationship(org: OrganizationFederation, identity: string, userIdentity: string): Promise<ShellOutput> {
  const relationships = await org.directory().organizationRelationships();
  const rel = relationships.find((r) => r.name.toLowerCase() === identity.toLowerCase());
  const lines: string[] = [];
  const error = (key: string, text: string) => {
    lines.push(`    ${key}: ${text}`);
    lines.push('RESULT: Error');
    return { records: [], lines };
  };
  // An unknown identity is a parameter error, as for any cmdlet, not a test result.
  if (!rel) throw unknownName('an organization relationship', identity, relationships.map((r) => r.name), 'Identity');
  lines.push(`Begin testing for organization relationship ${rel.name}, enabled state: ${rel.enabled ? 'True' : 'False'}.`);
  const mailbox = await org.org.directory.findUserByLogonName(userIdentity);
  if (!mailbox) throw new InputError(`${userIdentity} is not a mailbox of ${org.name}`, { field: 'UserIdentity', value: userIdentity });
  lines.push(`  Getting a delegation token for ${mailbox.primarySmtpAddress} to ${rel.targetApplicationUri ?? '(no TargetApplicationUri)'}.`);
  const token = await org.requestDelegationToken(org.shellHost, undefined, mailbox.primarySmtpAddress, rel.targetApplicationUri ?? '', OFFERS.autodiscover);
  if (!token.ok) return error('FailureToGetDelegationToken', token.why);
  const epr = (rel.targetAutodiscoverEpr ?? '').replace(/\/WSSecurity$/i, '');
  lines.push(`  Calling GetFederationInformation at ${epr}.`);
  let remote;
  try {
    const domain = rel.domainNames[0] ?? '';
    const response = await org.federation.sim.network.send(org.shellHost, new Request(epr, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body: getFederationInformationRequest(domain) }));
    if (!response.ok) return error('AutodiscoverServiceCallFailed', `HTTP ${response.status} from ${epr}.`);
    remote = parseGetFederationInformationResponse(await response.text());
  } catch (e) {
    return error('AutodiscoverServiceCallFailed', `${epr}: ${(e as Error).message}`);
  }
  if (remote.errorCode !== 'NoError') return error('AutodiscoverServiceCallFailed', `${remote.errorCode} ${remote.errorMessage}`.trim());
  // Result ids are Exchange's (TestOrganizationRelationshipResultId); each one found fails the test.
  const results: Array<{ id: string; text: string }> = [];
  const problem = (id: string, text: string) => results.push({ id, text });
  if ((remote.applicationUri ?? '').toLowerCase() !== (rel.targetApplicationUri ?? '').toLowerCase()) {
    problem('ApplicationUrisDiffer', `the remote organization's ApplicationUri is ${remote.applicationUri}; TargetApplicationUri is ${rel.targetApplicationUri}.`);
  }
  if (remote.domains.length && !remote.domains.some((d) => rel.domainNames.includes(d.toLowerCase()))) {
    problem('NoRemoteFederatedDomainInLocalOrgRelationship', `the remote organization federates ${remote.domains.join(', ')}, none of which DomainNames holds.`);
  }
  const trust = await org.delegationTrust();
  const ourInstance = trust?.tokenIssuerUri;
  const theirs = remote.tokenIssuers.map((t) => t.uri);
  if (ourInstance && !theirs.includes(ourInstance)) {
    problem('MismatchedSTS', `the remote organization uses ${theirs.join(', ')}; this organization uses ${ourInstance} (${ourInstance === GATEWAY_INSTANCES.business.tokenIssuerUri ? 'business' : 'consumer'} instance).`);
  }
  // The partner's own relationship for us, over its WS-Security Autodiscover endpoint with the token.
  lines.push(`  Calling GetOrganizationRelationshipSettings at ${rel.targetAutodiscoverEpr}.`);
  const remoteRelationships = await remoteOrganizationRelationships(org, rel.targetAutodiscoverEpr ?? '', token.token, mailbox.primarySmtpAddress);
  if (!remoteRelationships.ok) {
    problem('AutodiscoverServiceCallFailed', remoteRelationships.why);
  } else if (remoteRelationships.settings.length === 0) {
    problem('NoOrganizationRelationshipInstancesWereReturnedByTheRemoteParty', `the remote organization has no organization relationship for ${mailbox.primarySmtpAddress.split('@')[1]}.`);
  } else {
    for (const remoteRel of remoteRelationships.settings) {
      if ((remoteRel.targetApplicationUri ?? '').toLowerCase() !== (trust?.applicationUri ?? '').toLowerCase()) {
        problem('ApplicationUrisDiffer', `the remote organization relationship "${remoteRel.name}" has TargetApplicationUri ${remoteRel.targetApplicationUri ?? '(none)'}; this organization's ApplicationUri is ${trust?.applicationUri}.`);
      }
      if (rel.freeBusyAccessEnabled && remoteRel.freeBusyAccessLevel === 'None') {
        problem('AccessMismatchLocalRemote', `"${rel.name}" has FreeBusyAccessEnabled, but the remote organization relationship "${remoteRel.name}" has FreeBusyAccessLevel None.`);
      }
      if (remoteRel.freeBusyAccessEnabled && rel.freeBusyAccessLevel === 'None') {
        problem('AccessMismatchRemoteLocal', `the remote organization relationship "${remoteRel.name}" has FreeBusyAccessEnabled, but "${rel.name}" has FreeBusyAccessLevel None.`);
      }
    }
  }
  for (const r of results) lines.push(`    ${r.id}: ${r.text}`);
  if (results.length) {
    lines.push('RESULT: Error');
  } else {
    lines.push('No Significant Issues to Report');
    lines.push('RESULT: Success.');
  }
  return { records: [], lines };
}

async function remoteOrganizationRelationships(org: OrganizationFederation, epr: string, token: string, user: string): Promise<{ ok: true; settings: OrganizationRelationshipSettings[] } | { ok: false; why: string }> {
  const domain = user.split('@')[1] ?? '';
  try {
    const body = getOrganizationRelationshipSettingsRequest([domain], { to: epr, headers: [securityHeader(token)] });
    const response = await org.federation.sim.network.send(org.shellHost, new Request(epr, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body }));
    const text = await response.text();
    const fault = faultIn(text);
    if (fault) return { ok: false, why: `${epr}: ${fault.message}` };
    if (!response.ok) return { ok: false, why: `${epr}: HTTP ${response.status}.` };
    const answer = parseGetOrganizationRelationshipSettingsResponse(text);
    if (answer.errorCode !== 'NoError') return { ok: false, why: `${epr}: ${answer.errorCode} ${answer.errorMessage}`.trim() };
    return { ok: true, settings: answer.settings };
  } catch (e) {
    return { ok: false, why: `${epr}: ${(e as Error).message}` };
  }
}
