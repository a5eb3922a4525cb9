// What a scenario needs from its environment: a directory server to hold the topology (the network is
// always the in-process MSW one). Each environment prepares a clean directory for every scenario.

import type { DirectoryEnvironment } from '@exchange-scenarios/engine';

export interface ScenarioEnvironment extends DirectoryEnvironment {
  /** Empties the directory for the next scenario. */
  prepareScenario(): Promise<void>;
  dispose(): Promise<void>;
}
