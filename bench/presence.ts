// One calendar subscription of the Presence Engine (DNS on loopback, the certificate chain checked as neon
// does, SUBSCRIBE and SEARCH over WebDAV on /exchange with Receive-As read from the directory) against one
// plain request through the same simulated network, both measured in this process.

import { releaseByName } from '@exchange-scenarios/engine';
import { LoopbackDnsServer } from '@exchange-scenarios/engine/src/network/dns-server';
import { EXTENDED_RIGHTS } from '@exchange-scenarios/engine/src/directory/schema';
import { Presence } from '@exchange-scenarios/engine/src/presence';
import { finishAreaBench, msPerCall, startBenchSimulation } from './federation';

export interface PresenceBench {
  subscriptionMs: number;
  plainFetchMs: number;
  requestsPerSubscription: number;
}

export async function benchPresence(rounds = 200): Promise<PresenceBench> {
  const { server, sim } = await startBenchSimulation();
  const dns = await LoopbackDnsServer.start();
  const password = 'Bench-Pa55word!';
  await sim.declareOrganization({ name: 'Apps', forestDomain: 'apps.local' });
  await sim.writer.addSites(['Main']);
  await sim.writer.addServers([{ name: 'CAS01', site: 'Main', release: releaseByName('Exchange 2007 SP2'), roles: ['ClientAccess', 'Mailbox'] }]);
  await sim.writer.setOwaVirtualDirectories([{ server: 'CAS01', externalUrl: 'https://owa.apps.local/owa' }]);
  await sim.writer.addMailboxes([{ alias: 'jdoe', server: 'CAS01', password }]);
  await sim.writer.addServiceAccounts([{ name: 'cupsexch', password }]);
  await sim.writer.setExtendedRight('jdoe', 'cupsexch', EXTENDED_RIGHTS.receiveAs, true);
  sim.current.calendars.addEvents('jdoe@apps.local', [{ start: new Date('2011-12-12T09:00:00Z'), end: new Date('2011-12-12T10:00:00Z'), busyType: 'Busy' }]);

  const presence = new Presence(sim, dns);
  await presence.setAddress('CAS01', '192.168.1.100');
  presence.addDnsServer('192.168.1.10');
  presence.addDnsRecord('owa.apps.local', '192.168.1.100');
  const ca = await presence.newCertificationAuthority('sametime.apps.local');
  await presence.bindCertificate('CAS01', { kind: 'issued', commonName: 'owa.apps.local', issuer: 'sametime.apps.local' });
  const cups = presence.addPresenceServer({ name: 'CUPS01', fqdn: 'cups.apps.local', address: '192.168.1.50', version: '8.0' });
  cups.dnsPrimary = '192.168.1.10';
  cups.trust.set('sametime.apps.local', ca.certificate);
  cups.configured = { type: 'WebDAV', address: 'owa.apps.local', account: 'APPS\\cupsexch', password };
  await cups.restartPresenceEngine();
  const user = await presence.addUser(cups, { id: 'jdoe' });
  user.signedIn = true;
  await sim.refreshNetwork();

  const subscribe = async () => {
    await cups.subscribe(user);
    if (user.subscription !== 'active') throw new Error(`the bench subscription failed: ${user.lastError}`);
  };
  await subscribe();
  const before = sim.network.trace.hops.length;
  await subscribe();
  const requestsPerSubscription = sim.network.trace.hops.length - before;
  const subscriptionMs = await msPerCall(subscribe, rounds);
  const plainFetchMs = await finishAreaBench(sim, server, rounds, dns);
  return { subscriptionMs, plainFetchMs, requestsPerSubscription };
}
