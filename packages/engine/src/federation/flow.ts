// The eleven steps of a cross-organization free/busy lookup, numbered as seed 002 numbers them. Each
// simulated server records in the trace which step it passed or where the lookup stopped, so a scenario
// can say "it broke at step 8" and the report shows why.

import type { Hop } from '../trace/trace';

export const FLOW_STEPS: Record<number, string> = {
  1: 'the user names an address in another organization',
  2: 'the Client Access server finds the organization relationship for its domain',
  3: 'the Client Access server asks the Microsoft Federation Gateway for a delegation token',
  4: 'the gateway checks that the target organization is federated with it',
  5: 'the gateway returns a token signed by itself and encrypted to the target organization',
  6: 'the Client Access server sends the request to the target organization (Autodiscover, then EWS)',
  7: 'the target Client Access server receives and validates the token',
  8: 'the target finds the requesting organization in its trust list (an organization relationship)',
  9: 'the target decides which free/busy details may be shown',
  10: 'the availability service reads the calendar',
  11: 'the answer goes back to the client',
};

export const FLOW_RULE_SET = 'Federated free/busy';

export function flowStep(hop: Hop, step: number, ok: boolean, reason: string): void {
  hop.decisions.push({ ruleSet: FLOW_RULE_SET, rule: `step-${step}`, reason: `${ok ? '✓' : '✗'} ${step}. ${FLOW_STEPS[step]}: ${reason}`, outcome: { kind: ok ? 'passed' : 'failed' } });
}
