// The state of one scenario: its simulated organization, the browsers of its users, and where in the
// feature file it is. Steps reach the engine only through this.

import { World, setWorldConstructor, type IWorldOptions } from '@cucumber/cucumber';
import { InputError, type EwsOutcome, type ExchangeSimulation, type Federation, type FreeBusyLookup, type Impersonation, type Page, type ShellOutput, type SimulatedBrowser } from '@exchange-scenarios/engine';
import type { ScenarioEnvironment } from '../environments';
import type { FeatureLocator } from './locations';

/** A password every scenario user has unless a step says otherwise; never shown in a report. */
export const DEFAULT_PASSWORD = 'Scenario-Pa55word!';
/** What a user types when a step says her password is wrong; redacted like the right one. */
export const WRONG_PASSWORD = `${DEFAULT_PASSWORD}-wrong`;

export interface UserSession {
  alias: string;
  browser: SimulatedBrowser;
  /** Trace hop count when her last action began: her journey is every hop after it. */
  journeyStart: number;
  lastPage?: Page;
}

export class ScenarioWorld extends World {
  sim!: ExchangeSimulation;
  /** Where the directory comes from (set by the Before hook). */
  environment!: ScenarioEnvironment;
  locator!: FeatureLocator;
  /** The directory's refusals counted when the current step began (support/hooks.ts checks none was swallowed). */
  refusalsAtStepStart = 0;
  readonly sessions = new Map<string, UserSession>();
  readonly domainJoined = new Set<string>();
  readonly wrongPassword = new Set<string>();
  readonly intranetZones = new Map<string, string[]>();
  /** The error of the last declaration a scenario expected to be refused. */
  refusal?: string;
  /** What loading the scenario's directory export left out (steps/directory-export.steps.ts). */
  exportReport?: import('@exchange-scenarios/engine/src/directory/ldif').LdifSkipReport;
  /** The user the last step spoke of, for "she". */
  lastUser?: string;
  /** Federation, once a step needed it (support/federation.ts). */
  federationState?: Federation;
  /** What the last shell command printed. */
  shellOutput?: ShellOutput;
  /** The last free/busy lookup. */
  lookup?: FreeBusyLookup;
  /** Impersonation, once a step needed it (support/impersonation.ts). */
  impersonationState?: Impersonation;
  /** What the last plain browser request got (presence's /exchange checks). */
  browserAnswer?: { status: number; location?: string };
  /** Whether the DNS server on loopback was emptied for this scenario (support/dns.ts). */
  dnsReset?: boolean;
  /** Presence, once a step needed it (support/presence.ts). */
  presenceState?: import('@exchange-scenarios/engine/src/presence').Presence;
  /** The last EWS call an application server made, and where in the trace it began. */
  ews?: { outcome: EwsOutcome; traceStart: number };

  /** What every user got before the migration (steps/migration.steps.ts), to compare with what she gets now. */
  migrationBaseline?: import('../steps/migration.steps').MigrationOutcomes;

  constructor(options: IWorldOptions) {
    super(options);
  }

  /**
   * The password a user types when she has to. Scenario users have the scenario password (a wrong one
   * when a step says so); in a forest the run did not write (live), the environment's, and an InputError
   * when nobody gave it or when a wrong one would be tried against real accounts.
   */
  passwordFor(alias: string, userPrincipalName: string): string {
    const passwords = this.environment?.userPasswords;
    const wrong = this.wrongPassword.has(alias);
    if (!passwords) return wrong ? WRONG_PASSWORD : DEFAULT_PASSWORD;
    if (wrong) throw new InputError(passwords.wrongPasswordRefusal(alias), { value: alias });
    const known = passwords.passwordOf(alias, userPrincipalName);
    if (known === undefined) throw new InputError(passwords.unknownPassword(alias), { value: alias });
    return known;
  }
}

setWorldConstructor(ScenarioWorld);
