// Federation joins a scenario the first time one of its steps runs: the federation entry point (X.509,
// XML signatures, DNS) is loaded then, once per process, and so is the process's DNS server on loopback,
// which is emptied for each scenario that uses it.

import type * as FederationApi from '@exchange-scenarios/engine/src/federation';
import type { Federation } from '@exchange-scenarios/engine';
import type { ScenarioWorld } from './world';
import { closeDns, dnsOf } from './dns';

let api: typeof FederationApi | undefined;

export function federationApi(): typeof FederationApi {
  api ??= require('@exchange-scenarios/engine/src/federation') as typeof FederationApi;
  return api;
}

export async function federationOf(world: ScenarioWorld): Promise<Federation> {
  if (!world.federationState) {
    const { Federation: FederationClass } = federationApi();
    world.federationState = new FederationClass(world.sim, await dnsOf(world));
    world.sim.invalidateNetwork();
  }
  return world.federationState;
}

export async function closeFederationSupport(): Promise<void> {
  await closeDns();
}
