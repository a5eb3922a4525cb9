// Impersonation joins a scenario the first time one of its steps runs: its entry point (the EWS SOAP stack)
// is loaded then, once per process, and every Client Access server of the scenario gets its EWS layer.

import type * as ImpersonationApi from '@exchange-scenarios/engine/src/impersonation';
import type { Impersonation } from '@exchange-scenarios/engine';
import type { ScenarioWorld } from './world';

let api: typeof ImpersonationApi | undefined;

export function impersonationApi(): typeof ImpersonationApi {
  api ??= require('@exchange-scenarios/engine/src/impersonation') as typeof ImpersonationApi;
  return api;
}

export function impersonationOf(world: ScenarioWorld): Impersonation {
  world.impersonationState ??= new (impersonationApi().Impersonation)(world.sim);
  return world.impersonationState;
}

/**
 * Whether a shell script is impersonation's: it names one of its cmdlets that federation does not have, or
 * the scenario uses impersonation and not federation (Set-MailboxFolderPermission exists in both).
 */
export function isImpersonationScript(world: ScenarioWorld, cmdlets: readonly string[]): boolean {
  const own = new Set(impersonationApi().IMPERSONATION_CMDLETS.map((c) => c.toLowerCase()));
  const shared = new Set(['set-mailboxfolderpermission', 'format-table']);
  if (cmdlets.some((c) => own.has(c.toLowerCase()) && !shared.has(c.toLowerCase()))) return true;
  return !!world.impersonationState && !world.federationState;
}
