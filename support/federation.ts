// Federation joins a scenario the first time one of its steps runs: the federation entry point (X.509,
// XML signatures, DNS) is loaded then, once per process, and so is the process's DNS server on loopback,
// which is emptied for each scenario that uses it.

import type * as FederationApi from '@exchange-scenarios/engine/src/federation';
import type { Federation, LoopbackDnsServer } from '@exchange-scenarios/engine';
import type { ScenarioWorld } from './world';

let api: typeof FederationApi | undefined;
let dns: Promise<LoopbackDnsServer> | undefined;

export function federationApi(): typeof FederationApi {
  api ??= require('@exchange-scenarios/engine/src/federation') as typeof FederationApi;
  return api;
}

export async function federationOf(world: ScenarioWorld): Promise<Federation> {
  if (!world.federationState) {
    const { Federation: FederationClass, LoopbackDnsServer: Dns } = federationApi();
    const server = await (dns ??= Dns.start());
    server.reset();
    world.federationState = new FederationClass(world.sim, server);
    world.sim.invalidateNetwork();
  }
  return world.federationState;
}

export async function closeFederationSupport(): Promise<void> {
  if (dns) await (await dns).close();
  dns = undefined;
}
