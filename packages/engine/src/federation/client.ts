// The user's side of a free/busy lookup: Outlook 2010 or OWA (an SMTP address can be typed), or Outlook
// 2007 (it cannot: the remote user must be in the address list as a contact). The client asks its own
// organization's Client Access server over EWS, signed in as the user.

import type { Federation } from './federation';
import { faultIn } from './soap';
import { getUserAvailabilityRequest, parseGetUserAvailabilityResponse, type FreeBusyAnswer, type FreeBusyViewType } from './free-busy';


export type FreeBusyClient = 'Outlook 2010' | 'Outlook 2007' | 'OWA';
export const FREE_BUSY_CLIENTS: readonly FreeBusyClient[] = ['Outlook 2010', 'Outlook 2007', 'OWA'];

export interface FreeBusyLookup {
  /** Set when the client never sent the request, and why. */
  clientRefusal?: string;
  answers: FreeBusyAnswer[];
  /** Trace hop where the lookup began (its journey is every hop from there). */
  firstHop: number;
}

export async function askFreeBusy(
  federation: Federation,
  options: { user: string; password: string; client: FreeBusyClient; addresses: string[]; window: { start: Date; end: Date }; intervalMinutes: number; view: FreeBusyViewType },
): Promise<FreeBusyLookup> {
  const sim = federation.sim;
  await sim.refreshNetwork();
  const firstHop = sim.network.trace.hops.length;
  const home = await federation.organizationOfAddress(options.user);
  if (!home) throw new Error(`${options.user} is not an address of any organization of this scenario`);
  const dir = home.org.directory;
  const user = await dir.findUserByLogonName(options.user);
  if (!user) throw new Error(`${options.user} has no mailbox in ${home.name}`);
  if (options.client === 'Outlook 2007') {
    for (const address of options.addresses) {
      const known = (await dir.findUserByLogonName(address)) ?? (await home.directory().mailContact(address));
      if (!known) {
        return {
          firstHop,
          answers: [],
          clientRefusal: `Outlook 2007 cannot look up ${address}: a typed SMTP address is not resolved for free/busy; the user must be in the address list (add a mail contact)`,
        };
      }
    }
  }
  // Outlook reaches EWS at the URL Autodiscover gives it: a Client Access server in the mailbox's site.
  const db = user.homeMdbDn ? await dir.database(user.homeMdbDn) : undefined;
  const site = db?.server.site.dn;
  const cas = site ? (await dir.serversInSite(site)).filter((s) => s.release.family === '2010' && s.roles.includes('ClientAccess')) : [];
  let ewsUrl: string | undefined;
  for (const server of cas) {
    ewsUrl = (await home.webServicesDirectory(server))?.internalUrl;
    if (ewsUrl) break;
  }
  if (!ewsUrl) throw new Error(`no Exchange 2010 Client Access server with Exchange Web Services in ${options.user}'s site`);
  const response = await sim.network.send(
    `${options.client} (${options.user})`,
    new Request(ewsUrl, {
      method: 'POST',
      headers: {
        'content-type': 'text/xml; charset=utf-8',
        authorization: `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`,
      },
      body: getUserAvailabilityRequest({ mailboxes: options.addresses.map((address) => ({ address })), window: options.window, mergedIntervalMinutes: options.intervalMinutes, requestedView: options.view }),
    }),
    { pinDns: true },
  );
  const text = await response.text();
  if (!response.ok) {
    const fault = faultIn(text);
    throw new Error(`EWS at ${ewsUrl} answered HTTP ${response.status}${fault ? `: ${fault.message}` : ''}`);
  }
  return { firstHop, answers: parseGetUserAvailabilityResponse(text) };
}
