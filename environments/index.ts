// Chooses where the directory comes from: EXCHANGE_SCENARIOS_ENVIRONMENT=in-process (the default),
// openldap (Debian's slapd, started by the run), containers (the same slapd in a container, through
// testcontainers) or live (a production forest, read-only; see live.ts).
// Other environments plug in here.

import { startContainers } from './containers';
import type { ScenarioEnvironment } from './environment';
import { startInProcess } from './in-process';
import { startLive } from './live';
import { startOpenLdap } from './openldap';

export type { ScenarioEnvironment } from './environment';

const ENVIRONMENTS: Record<string, () => Promise<ScenarioEnvironment>> = {
  'in-process': startInProcess,
  openldap: startOpenLdap,
  containers: startContainers,
  live: () => startLive(),
};

export function environmentName(): string {
  return process.env.EXCHANGE_SCENARIOS_ENVIRONMENT?.trim() || 'in-process';
}

export async function startEnvironment(name = environmentName()): Promise<ScenarioEnvironment> {
  const start = ENVIRONMENTS[name];
  if (!start) {
    throw new Error(`EXCHANGE_SCENARIOS_ENVIRONMENT=${name} is not an environment; accepted: ${Object.keys(ENVIRONMENTS).join(', ')}`);
  }
  return start();
}
