// One directory server per test process; a clean directory, a new simulated organization and a new
// network for every scenario. A scenario fails if anything it did reached a name no server answers at.
// On a directory the run did not build (live), every scenario adopts the organization it holds instead,
// and a step that was refused a change by the read-only directory fails even if it expected a refusal.

import { After, AfterAll, AfterStep, Before, BeforeAll, BeforeStep, Status } from '@cucumber/cucumber';
import { closeNetwork, DirectoryClient, ExchangeSimulation, redact, redactHops, type DrawnHop } from '@exchange-scenarios/engine';
import { closeFederationSupport } from './federation';
import { startEnvironment, type ScenarioEnvironment } from '../environments';
import { fromInputError, located } from './input-errors';
import { FeatureLocator } from './locations';
import { DEFAULT_PASSWORD, WRONG_PASSWORD, type ScenarioWorld } from './world';

let environment: ScenarioEnvironment | undefined;
/** One bound connection for the whole test process; the directory behind it is emptied per scenario. */
let client: DirectoryClient | undefined;

// Starting a directory can take long the first time (the containers environment builds its image).
BeforeAll({ timeout: 10 * 60_000 }, async function (this: { parameters?: { environment?: string } }) {
  // A profile chooses its directory with worldParameters.environment (cucumber.js: `openldap`); else the variable.
  try {
    environment = await startEnvironment(this.parameters?.environment);
  } catch (e) {
    // Why the directory cannot start (slapd missing, no container engine, a live variable unset) is the
    // whole message: the stack of the launcher would only hide it.
    if (e instanceof Error) e.stack = `${e.name}: ${e.message}`;
    throw e;
  }
  client = await DirectoryClient.connect(environment.url, environment.serviceAccount, environment.connection);
});

AfterAll(async function () {
  closeNetwork();
  await client?.close();
  await environment?.dispose();
  await closeFederationSupport();
});

Before(async function (this: ScenarioWorld, { pickle, gherkinDocument }) {
  this.locator = new FeatureLocator(pickle, gherkinDocument);
  await environment!.prepareScenario();
  this.environment = environment!;
  this.sim = await ExchangeSimulation.start(environment!, { client });
  if (environment!.adoptsExisting) await located(this.locator, () => this.sim.adoptOrganizations());
});

BeforeStep(function (this: ScenarioWorld, { pickleStep }) {
  this.locator.enter(pickleStep);
  this.refusalsAtStepStart = this.sim?.client.refusals.count ?? 0;
});

// A step that expects a refusal ("the administrator declares …", "… tries …") keeps any InputError as
// the one it expected; the read-only directory's refusal is not Exchange's, so it fails the step here.
// So does one made inside a simulated server (a user bind the live environment will not make).
AfterStep(function (this: ScenarioWorld, { result }) {
  if (!this.sim) return; // the scenario never started
  const { count, last } = this.sim.client.refusals;
  if (count === this.refusalsAtStepStart || !last) return;
  if (result.status === Status.FAILED && result.message?.includes(last.message)) return; // already reported
  throw fromInputError(this.locator, last);
});

/**
 * The media type of the trace attached as JSON, which support/formatters/report.js draws as a sequence
 * diagram (the same string is there); other tools find it in the NDJSON message stream.
 */
const TRACE_MEDIA_TYPE = 'application/vnd.exchange-scenarios.trace+json';

/** Every password this scenario's users and accounts may have typed: none of them may reach a report. */
function passwordsOf(world: ScenarioWorld): string[] {
  // The scenario password, the wrong one a step makes a user type (WRONG_PASSWORD), and the directory's
  // service account, which the live environment's owner gave.
  const secrets = [DEFAULT_PASSWORD, WRONG_PASSWORD, world.environment?.serviceAccount?.password ?? ''];
  const given = world.environment?.userPasswords;
  for (const alias of given ? world.sessions.keys() : []) {
    let principal = alias;
    try {
      principal = world.sim.writer.planner.mailbox(alias).userPrincipalName;
    } catch {
      // a user the planner does not know: her password can only have been given by alias
    }
    const password = given!.passwordOf(alias, principal);
    if (password) secrets.push(password);
  }
  return secrets.filter((s) => s.length > 0);
}

After(async function (this: ScenarioWorld, { result, pickle }) {
  if (!this.sim) return;
  const trace = this.sim.network.trace;
  const unhandled = [...this.sim.network.unhandled];
  const secrets = passwordsOf(this);
  await this.sim.close();
  if (trace.hops.length > 0) {
    const drawn = redact(trace.render(), secrets);
    this.attach(drawn, 'text/plain');
    // Redacted here, before it leaves the process: the report, the JSON and the NDJSON stream all carry it.
    // The directory lookups stay in the text above; the diagram does not draw them.
    const hops: DrawnHop[] = redactHops(trace.hops.map(({ searches: _, ...hop }) => hop), secrets);
    this.attach(JSON.stringify({ scenario: pickle.name, hops }), TRACE_MEDIA_TYPE);
    // The progress and summary formatters do not print attachments, so a failure's trace goes to stderr.
    if (result?.status === Status.FAILED) {
      process.stderr.write(`\nWhat happened on the network in "${pickle.name}" (${this.locator.at()}):\n${drawn}\n`);
    }
  }
  if (unhandled.length > 0) {
    const error = new Error(`requests went to names no simulated server answers at:\n  ${unhandled.join('\n  ')}`);
    error.stack = error.message; // where in the hooks it was noticed says nothing useful
    throw error;
  }
});
