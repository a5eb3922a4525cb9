// The process's DNS server on loopback (federation's domain proofs, presence's A records): started the first
// time a scenario needs it, emptied once for each scenario that uses it, closed when the run ends.

import type { LoopbackDnsServer } from '@exchange-scenarios/engine';
import type { ScenarioWorld } from './world';

let dns: Promise<LoopbackDnsServer> | undefined;

export async function dnsOf(world: ScenarioWorld): Promise<LoopbackDnsServer> {
  if (!dns) {
    const { LoopbackDnsServer: Dns } = require('@exchange-scenarios/engine/src/network/dns-server') as typeof import('@exchange-scenarios/engine/src/network/dns-server');
    dns = Dns.start();
  }
  const server = await dns;
  if (!world.dnsReset) {
    server.reset();
    world.dnsReset = true;
  }
  return server;
}

export async function closeDns(): Promise<void> {
  if (dns) await (await dns).close();
  dns = undefined;
}
