// Steps for an administrator's own forest: an ldifde export (`ldifde -f contoso.ldf -d DC=contoso,DC=com`
// and the configuration partition) loaded into the scenario's directory, all of it or nothing, and the
// organization in it adopted, so the expectation steps ask what its users would experience.
//
// Exports carry no passwords (ldifde never exports them): the load gives every user account the scenario's
// password, as an administrator resets passwords in a lab copy of a forest.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'expect';
import { InputError, type DirectoryWriteEntry } from '@exchange-scenarios/engine';
import { adEntriesFromLdif, parseLdif, type LdifSkipReport } from '@exchange-scenarios/engine/src/directory/ldif';
import { present } from '@exchange-scenarios/engine/src/directory/filter';
import { located } from '../support/input-errors';
import { DEFAULT_PASSWORD, type ScenarioWorld } from '../support/world';

const ROOT = resolve(__dirname, '..');

function readExport(path: string): Buffer {
  const file = resolve(ROOT, path);
  if (!existsSync(file)) {
    const fixtures = existsSync(join(ROOT, 'fixtures')) ? readdirSync(join(ROOT, 'fixtures')).filter((f) => f.endsWith('.ldf')).map((f) => `fixtures/${f}`) : [];
    throw new InputError(`there is no file ${path} (paths are relative to ${ROOT})`, { field: 'export', value: path, accepted: fixtures });
  }
  return readFileSync(file);
}

/**
 * Reads, converts and loads an export as one unit: the file is parsed and checked whole first, then the
 * directory takes every entry or none (the in-process server validates the lot; slapd's adds are undone).
 */
async function loadExport(world: ScenarioWorld, content: string | Buffer, source: string): Promise<LdifSkipReport> {
  const records = parseLdif(content, source);
  const loaded = adEntriesFromLdif(records, { source });
  const { defaultNamingContext, configurationNamingContext } = loaded.namingContexts;
  if (!defaultNamingContext) {
    throw new InputError(`${source} holds no domain (no object of class domainDNS): export the domain partition too, e.g. ldifde -f export.ldf -d "DC=contoso,DC=com"`, { value: source });
  }
  if (!configurationNamingContext) {
    throw new InputError(`${source} holds no configuration partition (CN=Configuration,${defaultNamingContext}): Exchange's topology is there; export it too, e.g. ldifde -f config.ldf -d "CN=Configuration,${defaultNamingContext}"`, { value: source });
  }
  const lineOf = new Map(records.map((r) => [r.dn.toLowerCase(), r.line]));
  const entries: DirectoryWriteEntry[] = loaded.entries.map((e) => {
    const classes = ([] as string[]).concat(e.attributes.objectClass ?? []).map((c) => c.toLowerCase());
    return classes.includes('user') && !classes.includes('computer') ? { dn: e.dn, attributes: { ...e.attributes, userPassword: DEFAULT_PASSWORD } } : e;
  });
  const environment = world.sim.environment;
  if (!environment.importEntries) throw new InputError(`the ${environment.name} environment cannot load an export`, { value: source });
  const contexts = { defaultNamingContext, configurationNamingContext };
  await environment.declareNamingContexts(contexts);
  try {
    await environment.importEntries(entries);
  } catch (e) {
    if (e instanceof InputError) throw e;
    // The directory refused an entry: say which (and where in the file), in the server's words.
    const message = (e as Error).message.replace(/; nothing was imported$/, ''); // said once, below
    const dn = entries.find((x) => message.toLowerCase().includes(`"${x.dn.toLowerCase()}"`))?.dn;
    const line = dn ? lineOf.get(dn.toLowerCase()) : undefined;
    throw new InputError(`${source}${line ? `, line ${line}` : ''}: the ${environment.name} directory refused the export: ${message.replace(/^[A-Za-z]*Error: /, '')}; nothing of it was loaded`, { value: source });
  }
  await world.sim.adoptOrganizations([contexts]);
  return loaded.skipped;
}

function describeSkips(s: LdifSkipReport): string {
  const lines = [
    ...s.entries.map((e) => `left out ${e.dn} (line ${e.line}, objectClass ${e.objectClasses.join(', ')}): ${e.reason}${e.subtreeEntries ? `, with ${e.subtreeEntries} below it` : ''}`),
    ...Object.entries(s.objectClasses).map(([c, n]) => `object class ${c} removed from ${n} object(s)`),
    ...Object.entries(s.attributes).map(([a, n]) => `attribute ${a} dropped from ${n} object(s): not in the schema`),
    ...Object.entries(s.notAllowed).map(([a, n]) => `attribute ${a} dropped from ${n} object(s): not allowed by their classes`),
    ...s.passwords.map((p) => `${p.attribute} of ${p.dn} (line ${p.line}) not loaded`),
  ];
  return lines.join('\n');
}

/**
 * Loads an ldifde export (the domain and the configuration partitions; paths relative to the project)
 * whole into the scenario's directory, gives every user account the scenario's password and adopts the
 * organization in it; what was left out is attached to the scenario's report.
 */
Given('the directory export {string}', async function (this: ScenarioWorld, path: string) {
  await located(this.locator, async () => {
    this.exportReport = await loadExport(this, readExport(path), relative(ROOT, resolve(ROOT, path)));
    const text = describeSkips(this.exportReport);
    if (text) this.attach(`What loading ${path} left out:\n${text}`, 'text/plain');
  });
});

// For exports expected to be refused: the error is kept for the Then step, like a refused declaration.
async function attemptImport(world: ScenarioWorld, load: () => Promise<LdifSkipReport>): Promise<void> {
  try {
    world.exportReport = await load();
    world.refusal = undefined;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    world.refusal = e.message;
  }
}

/** The same, for an export expected to be refused: the refusal is kept for "the export is refused with". */
When('the administrator loads the directory export {string}', async function (this: ScenarioWorld, path: string) {
  await located(this.locator, async () => attemptImport(this, async () => loadExport(this, readExport(path), path)));
});

/** An export written in the feature as a doc string; line numbers in a refusal are the feature file's. */
When('the administrator loads this directory export:', async function (this: ScenarioWorld, text: string) {
  // Blank lines before the doc string's text (its """ follows the step) make the export's line numbers the feature file's.
  const step = this.locator.step;
  const padded = step ? `${'\n'.repeat(step.line + 1)}${text}` : text;
  await attemptImport(this, async () => loadExport(this, padded, step ? step.uri : 'the export in the doc string'));
});

/** Passes when the refusal contains the text; it names the file, the line and what is wrong. */
Then('the export is refused with {string}', function (this: ScenarioWorld, text: string) {
  if (this.refusal === undefined) throw new Error(`Expected the export to be refused with "${text}", but it was loaded`);
  expect(this.refusal).toContain(text);
});

/** Passes when no object is under that DN: nothing of a refused export stayed loaded. */
Then('the directory holds nothing under {string}', async function (this: ScenarioWorld, dn: string) {
  let found: string[];
  try {
    found = (await this.sim.client.search(dn, present('objectClass'), { scope: 'sub', attributes: ['1.1'] })).map((e) => e.dn);
  } catch (e) {
    if ((e as { code?: number }).code !== 32) throw e; // noSuchObject: nothing there, as expected
    found = [];
  }
  expect(found).toEqual([]);
});

/** A one-column table; each line must be part of what the load reported leaving out (objects of unknown classes, dropped attributes). */
Then('loading the export left out:', function (this: ScenarioWorld, table: import('@cucumber/cucumber').DataTable) {
  if (!this.exportReport) throw new Error('no export was loaded in this scenario');
  const shown = describeSkips(this.exportReport).split('\n');
  for (const [line] of table.raw()) {
    if (!shown.some((s) => s.includes(line))) throw new Error(`loading the export did not report "${line}"; it reported:\n  ${shown.join('\n  ')}`);
  }
});
