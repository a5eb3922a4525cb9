// Exchange 2010 Client Access server, RTM, SP1 and SP2 (seed 001), chosen by the first CAS's serialNumber.
//
// Every release:
//   2010 mailbox in this site            → direct connect
//   2007 mailbox in this site            → legacy silent redirection to a 2007 CAS's ExternalURL (InternalURL
//                                          if none); a hidden FBA form when this vdir uses FBA, else a 302
//                                          (LegacyRedirectType Manual: a link page instead)
//   2003 mailbox                         → legacy silent redirection to this vdir's Exchange2003URL
//   mailbox in another site              → redirect when a CAS of its version there has an OWA ExternalURL,
//                                          proxy to an InternalURL when none has
// SP1 adds temporary manual redirection: the redirection target is the URL the user is on (a stale DNS
//   answer after a datacenter switchback) → FailbackURL link, or the "close all browser sessions" error; and
//   the database's RpcClientAccessServer is in this site while the database is mounted elsewhere.
// SP2 adds CrossSiteRedirectType on the source vdir: Manual (default) keeps the link page; Silent redirects
//   silently, with a hidden FBA form (single sign-on) when source and target both use FBA over https and
//   neither asks for a second factor; otherwise a 302, after which the target asks again.

import {
  clientAccessServersIn,
  decision,
  sameHost,
  usesFba,
  usesIntegratedWindows,
  type DecisionInput,
  type OwaAction,
  type OwaDecision,
} from './decision';
import { TEXT } from './pages';
import type { VirtualDirectoryView } from '../topology/reader';

export async function decide2010(input: DecisionInput): Promise<OwaDecision> {
  const { self, selfVdir, mailbox, dir } = input;
  const sp = self.release.servicePack;
  const rules = self.release.name;
  if (!mailbox) return decision(rules, '2010.no-mailbox', 'the account has no mailbox (no homeMDB, or its database is not in the directory)', { kind: 'error', text: TEXT.noMailbox });
  const mbxSite = mailbox.server.site;
  const local = mbxSite.dn.toLowerCase() === self.site.dn.toLowerCase();
  const family = mailbox.server.release.family;

  if (family === '2003') {
    if (!selfVdir.exchange2003Url) {
      return decision(rules, '2010.exchange2003url-missing', `the mailbox is on Exchange 2003 server ${mailbox.server.name} and ${self.name}'s /owa has no Exchange2003URL`,
        { kind: 'error', text: TEXT.exchange2003UrlMissing });
    }
    return legacyRedirect(input, rules, '2010.legacy-2003', `the mailbox is on Exchange 2003 server ${mailbox.server.name}: sent to Exchange2003URL`, selfVdir.exchange2003Url, 'exchange2003');
  }

  if (family === '2007' && local) {
    const cas2007 = await clientAccessServersIn(dir, self.site.dn, '2007');
    const target = cas2007.find((v) => v.externalUrl) ?? cas2007.find((v) => v.internalUrl);
    if (!target) {
      return decision(rules, '2010.no-legacy-cas', `the Exchange 2007 mailbox is in ${self.site.name}, where no Exchange 2007 CAS has an OWA ExternalURL or InternalURL`,
        { kind: 'error', text: TEXT.noLegacyCas });
    }
    const url = (target.externalUrl ?? target.internalUrl)!;
    return legacyRedirect(input, rules, '2010.legacy-2007-same-site',
      `the Exchange 2007 mailbox is in this site: sent to ${target.server.name}'s ${target.externalUrl ? 'ExternalURL' : 'InternalURL (it has no ExternalURL)'}`, url, 'exchange2007', target);
  }

  if (family === '2010' && sp >= 1 && !local && mailbox.database.rpcClientAccessServerLegacyDn) {
    const rca = await dir.serverByLegacyDn(mailbox.database.rpcClientAccessServerLegacyDn);
    if (rca && rca.site.dn.toLowerCase() === self.site.dn.toLowerCase()) {
      const there = (await clientAccessServersIn(dir, mbxSite.dn, '2010')).find((v) => v.externalUrl);
      if (there) {
        return decision(rules, '2010.temporary-database-mounted-elsewhere',
          `${mailbox.database.name}'s RpcClientAccessServer ${rca.name} is in ${self.site.name}, but the database is mounted on ${mailbox.server.name} in ${mbxSite.name}: temporary redirection to ${there.server.name}'s ExternalURL`,
          temporary(input, there.externalUrl!));
      }
    }
  }

  if (local) {
    return decision(rules, '2010.direct-connect', `the Exchange 2010 mailbox is in ${self.site.name}: ${self.name} opens it on ${mailbox.server.name} over RPC`,
      { kind: 'direct-connect', mailboxServer: mailbox.server });
  }

  const candidates = await clientAccessServersIn(dir, mbxSite.dn, family);
  const external = candidates.find((v) => v.externalUrl);
  if (external) return crossSiteRedirect(input, rules, external);
  const proxyTargets = candidates.filter((v) => v.internalUrl && usesIntegratedWindows(v));
  if (proxyTargets.length === 0) {
    const why = candidates.length === 0
      ? `there is no Exchange ${family} Client Access server in ${mbxSite.name}`
      : `no Exchange ${family} Client Access server in ${mbxSite.name} has an OWA ExternalURL, nor an InternalURL with Integrated Windows authentication`;
    return decision(rules, '2010.no-cas-with-necessary-configuration', why, { kind: 'error', text: TEXT.noCasWithNecessaryConfiguration });
  }
  return decision(rules, '2010.proxy-non-internet-facing-site',
    `${mbxSite.name} has no OWA ExternalURL (a non-Internet-facing site): proxied to ${proxyTargets.map((v) => `${v.server.name} (${v.internalUrl})`).join(', then ')}`,
    { kind: 'proxy', targets: proxyTargets });
}

function crossSiteRedirect(input: DecisionInput, rules: string, target: VirtualDirectoryView): OwaDecision {
  const { self, selfVdir, requestUrl } = input;
  const sp = self.release.servicePack;
  const url = target.externalUrl!;
  const where = `${target.server.name} in ${target.server.site.name}`;
  if (sp >= 1 && sameHost(url, requestUrl)) {
    // The target is the URL the user is already on: a DNS answer cached from before a switchback would send
    // her back here for ever. FailbackURL breaks the loop. The seed describes this as the same session
    // cookie coming back; Exchange's code (RequestDispatcher) tests that the target host is the requested
    // host, which is when the browser would return this host's session cookie. We follow the code: the
    // temporary page comes on her first arrival, not after one round of the loop.
    if (!target.failbackUrl) {
      return decision(rules, '2010.temporary-no-failback-url',
        `the redirection target ${url} is the URL this request came in on, and ${target.server.name}'s /owa has no FailbackURL`,
        { kind: 'error', text: TEXT.closeAllBrowserSessions, status: 500 });
    }
    return decision(rules, '2010.temporary-failback-url',
      `the redirection target ${url} is the URL this request came in on: temporary redirection to ${target.server.name}'s FailbackURL`,
      temporary(input, target.failbackUrl));
  }
  if (sp >= 2 && selfVdir.crossSiteRedirectType === 'Silent') {
    const https = new URL(url).protocol === 'https:';
    if (usesFba(selfVdir) && usesFba(target) && https && !selfVdir.twoFactorAuthentication && !target.twoFactorAuthentication && input.authenticatedWith === 'fba') {
      return decision(rules, '2010sp2.cross-site-silent-fba',
        `CrossSiteRedirectType is Silent on ${self.name} and both /owa use forms-based authentication over https: a hidden form signs the user in at ${where}`,
        { kind: 'silent-redirect', url, sso: 'hidden-form', formAction: new URL('/owa/auth/owaauth.dll', url).toString() });
    }
    const whyNoSso = !usesFba(selfVdir) || !usesFba(target)
      ? `the two /owa do not both use forms-based authentication (${self.name}: ${selfVdir.internalAuthenticationMethods.join(', ')}; ${target.server.name}: ${target.internalAuthenticationMethods.join(', ')})`
      : !https ? `${url} is not https, and forms-based single sign-on needs TLS`
      : `a second authentication factor is required, which a hidden form cannot replay`;
    return decision(rules, '2010sp2.cross-site-silent-302', `CrossSiteRedirectType is Silent on ${self.name}: a 302 to ${where}; no single sign-on, because ${whyNoSso}`,
      { kind: 'silent-redirect', url, sso: 'none' });
  }
  const because = sp >= 2 ? `CrossSiteRedirectType is ${selfVdir.crossSiteRedirectType} on ${self.name}` : `${self.release.name} redirects across sites manually`;
  return decision(rules, '2010.cross-site-manual', `the mailbox's site has an OWA ExternalURL (${where}); ${because}: a page with a link to ${url}`,
    { kind: 'manual-redirect', url });
}

/** Temporary redirection: a link page, or under SP2 Silent a plain 302 (never single sign-on). */
function temporary(input: DecisionInput, url: string): OwaAction {
  const silent = input.self.release.servicePack >= 2 && input.selfVdir.crossSiteRedirectType === 'Silent';
  return { kind: 'temporary-redirect', url, silent };
}

/**
 * Legacy silent redirection. The hidden form needs forms-based authentication on both sides: for an
 * Exchange 2007 target the CAS reads the target's /owa from the directory; Exchange2003URL names no
 * server, so for Exchange 2003 only this side can be checked (the front end behind it must use FBA too).
 */
function legacyRedirect(input: DecisionInput, rules: string, rule: string, reason: string, url: string, target: 'exchange2003' | 'exchange2007', targetVdir?: VirtualDirectoryView): OwaDecision {
  const { selfVdir } = input;
  const targetFba = targetVdir ? usesFba(targetVdir) : true;
  if (usesFba(selfVdir) && targetFba && input.authenticatedWith === 'fba') {
    // The hidden form carries what the user typed at this FBA page to the legacy FBA page.
    const formAction = new URL(target === 'exchange2003' ? '/exchweb/bin/auth/owaauth.dll' : '/owa/auth/owaauth.dll', url).toString();
    return decision(rules, `${rule}.hidden-form`, `${reason}; this /owa uses forms-based authentication, so a hidden form signs the user in there`,
      { kind: 'silent-redirect', url, sso: 'hidden-form', formAction });
  }
  const noForm = usesFba(selfVdir) && !targetFba ? `; ${targetVdir!.server.name}'s /owa does not use forms-based authentication, so no hidden form` : '';
  if (selfVdir.legacyRedirectType === 'Manual') {
    return decision(rules, `${rule}.manual`, `${reason}${noForm}; LegacyRedirectType is Manual: a page with a link`, { kind: 'manual-redirect', url });
  }
  return decision(rules, `${rule}.silent`, `${reason}${noForm}; LegacyRedirectType is Silent: a 302`, { kind: 'silent-redirect', url, sso: 'none' });
}
