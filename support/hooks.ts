// One directory server per test process; a clean directory, a new simulated organization and a new
// network for every scenario. A scenario fails if anything it did reached a name no server answers at.

import { After, AfterAll, Before, BeforeAll, BeforeStep, Status } from '@cucumber/cucumber';
import { closeNetwork, DirectoryClient, ExchangeSimulation } from '@exchange-scenarios/engine';
import { closeFederationSupport } from './federation';
import { startEnvironment, type ScenarioEnvironment } from '../environments';
import { FeatureLocator } from './locations';
import type { ScenarioWorld } from './world';

let environment: ScenarioEnvironment | undefined;
/** One bound connection for the whole test process; the directory behind it is emptied per scenario. */
let client: DirectoryClient | undefined;

BeforeAll(async function () {
  environment = await startEnvironment();
  client = await DirectoryClient.connect(environment.url, environment.serviceAccount);
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
  this.sim = await ExchangeSimulation.start(environment!, { client });
});

BeforeStep(function (this: ScenarioWorld, { pickleStep }) {
  this.locator.enter(pickleStep);
});

After(async function (this: ScenarioWorld, { result, pickle }) {
  if (!this.sim) return;
  const trace = this.sim.network.trace;
  const unhandled = [...this.sim.network.unhandled];
  await this.sim.close();
  if (trace.hops.length > 0) {
    const drawn = trace.render();
    this.attach(drawn, 'text/plain');
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
