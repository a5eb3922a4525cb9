// What a scenario needs from its environment: a directory server to hold the topology (the network is
// always the in-process MSW one). Each environment prepares a clean directory for every scenario, or,
// for a directory the run did not build (a live forest), says that scenarios adopt what it holds.

import type { DirectoryEnvironment } from '@exchange-scenarios/engine';

export interface ScenarioEnvironment extends DirectoryEnvironment {
  /** Empties the directory for the next scenario (or, for a directory the run must not change, nothing). */
  prepareScenario(): Promise<void>;
  dispose(): Promise<void>;
  /**
   * The directory already holds the Exchange organization: every scenario adopts the one its RootDSE
   * names (ExchangeSimulation.adoptOrganizations) instead of declaring its own.
   */
  readonly adoptsExisting?: boolean;
  /**
   * Where users' passwords come from when the run did not give users their passwords (a live forest).
   * Absent: every user a scenario declares has the scenario password (support/world.ts).
   */
  readonly userPasswords?: UserPasswords;
}

export interface UserPasswords {
  /** The password someone gave for this user (by alias or user principal name), or undefined. */
  passwordOf(alias: string, userPrincipalName: string): string | undefined;
  /** Why the user's password is unknown and how to give it, for when she would have to type it. */
  unknownPassword(alias: string): string;
  /** Why a scenario may not make this user type a wrong password (it counts towards her lockout). */
  wrongPasswordRefusal(alias: string): string;
}
