// Presence joins a scenario the first time one of its steps runs: its entry point (X.509, WebDAV, EWS
// push) is loaded then, once per process, with the DNS server on loopback it shares with federation.

import type * as PresenceApi from '@exchange-scenarios/engine/src/presence';
import type { Presence } from '@exchange-scenarios/engine/src/presence';
import type { ScenarioWorld } from './world';
import { dnsOf } from './dns';

let api: typeof PresenceApi | undefined;

export function presenceApi(): typeof PresenceApi {
  api ??= require('@exchange-scenarios/engine/src/presence') as typeof PresenceApi;
  return api;
}

export async function presenceOf(world: ScenarioWorld): Promise<Presence> {
  if (!world.presenceState) {
    world.presenceState = new (presenceApi().Presence)(world.sim, await dnsOf(world));
    world.sim.invalidateNetwork();
  }
  world.presenceState.watchOrganizations();
  return world.presenceState;
}
