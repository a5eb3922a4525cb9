// Exchange 2007 Client Access server: OWA CAS-to-CAS proxying (seed 000).
// 1. Look the mailbox up in the directory: its server, site and Exchange version.
// 2. Exchange 2003 mailbox: proxy straight to its back-end server's /Exchange (Integrated Windows
//    authentication there), even when an Exchange 2007 CAS sits in that site.
// 3. Exchange 2007 mailbox in this CAS's site: this CAS is the best CAS; it opens the mailbox itself.
// 4. Otherwise, among the Exchange 2007 CAS in the mailbox's site: one whose /owa has an ExternalURL → a
//    page with a link to it; else one with an InternalURL and Integrated Windows authentication → proxy to
//    it; else the "necessary configuration" error. (Proxy failures are handled when the proxy runs.)

import { decision, clientAccessServersIn, usesIntegratedWindows, type DecisionInput, type OwaDecision } from './decision';
import { TEXT } from './pages';

const RULES = 'Exchange 2007';

export async function decide2007(input: DecisionInput): Promise<OwaDecision> {
  const { self, mailbox, dir } = input;
  if (!mailbox) return decision(RULES, '2007.no-mailbox', 'the account has no mailbox (no homeMDB, or its database is not in the directory)', { kind: 'error', text: TEXT.noMailbox });
  const family = mailbox.server.release.family;

  if (family === '2003') {
    // Reading an Exchange 2003 mailbox's server needs the rights Exchange Domain Servers gives; a 2007 CAS
    // outside that group fails its lookups and answers 404, unless the URL names the mailbox (/exchange/alias).
    if (!input.explicitAlias) {
      const computer = await dir.computerAccount(self);
      const member = computer ? await dir.isMemberOfGroupNamed(computer.dn, 'Exchange Domain Servers') : false;
      if (!member) {
        return decision(RULES, '2007.legacy-not-in-exchange-domain-servers',
          `${self.name} is not a member of Exchange Domain Servers, so its lookups of the Exchange 2003 topology fail`, { kind: 'error', text: 'Not Found', status: 404 });
      }
    }
    return decision(RULES, '2007.legacy-proxy-to-back-end',
      `the mailbox is on Exchange 2003 server ${mailbox.server.name}: proxied straight to its /Exchange, whatever Exchange 2007 CAS is in ${mailbox.server.site.name}`,
      { kind: 'proxy-legacy', backEnd: mailbox.server });
  }
  if (family !== '2007') {
    return decision(RULES, '2007.newer-mailbox', `the mailbox is on ${mailbox.server.release.name}, which an Exchange 2007 CAS cannot open`, { kind: 'error', text: TEXT.newerMailbox });
  }
  if (mailbox.server.site.dn.toLowerCase() === self.site.dn.toLowerCase()) {
    return decision(RULES, '2007.best-cas-is-self', `${self.name} is in the mailbox's site (${self.site.name}): it is the best CAS and opens the mailbox on ${mailbox.server.name} over RPC`,
      { kind: 'direct-connect', mailboxServer: mailbox.server });
  }
  const candidates = await clientAccessServersIn(dir, mailbox.server.site.dn, '2007');
  const external = candidates.find((v) => v.externalUrl);
  if (external) {
    return decision(RULES, '2007.link-to-external-url',
      `the mailbox is in ${mailbox.server.site.name}, where ${external.server.name}'s /owa has ExternalURL ${external.externalUrl}: the user is given a link to it`,
      { kind: 'manual-redirect', url: external.externalUrl! });
  }
  const proxyTargets = candidates.filter((v) => v.internalUrl && usesIntegratedWindows(v));
  if (proxyTargets.length === 0) {
    const why = candidates.length === 0
      ? `there is no Exchange 2007 Client Access server in ${mailbox.server.site.name}`
      : `no Client Access server in ${mailbox.server.site.name} has an InternalURL with Integrated Windows authentication on /owa (${candidates.map((v) => `${v.server.name}: ${v.internalAuthenticationMethods.join(', ') || 'none'}`).join('; ')})`;
    return decision(RULES, '2007.no-cas-with-necessary-configuration', why, { kind: 'error', text: TEXT.noCasWithNecessaryConfiguration });
  }
  return decision(RULES, '2007.proxy-to-internal-url',
    `the mailbox is in ${mailbox.server.site.name}, where no /owa has an ExternalURL: proxied to ${proxyTargets.map((v) => `${v.server.name} (${v.internalUrl})`).join(', then ')}`,
    { kind: 'proxy', targets: proxyTargets });
}
