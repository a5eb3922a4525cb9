// The containers environment (environments/containers.ts): slapd in a container through testcontainers.
// Where testcontainers finds no container runtime (this project's own machines: `docker` is only a client
// there), the environment must say so with testcontainers' reason, before starting anything, and leave
// nothing behind. Where a runtime answers, the same tests start it and make one round trip instead:
// neither case is skipped.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Client } from 'ldapts';
import { getContainerRuntimeClient } from 'testcontainers';
import { containersUnavailable, EnvironmentUnavailable, startContainers } from '../../../environments/containers';
import { startEnvironment } from '../../../environments';

/** testcontainers' own answer: undefined when a runtime answers, else the reason it gives. */
async function runtimeRefusal(): Promise<string | undefined> {
  try {
    await getContainerRuntimeClient();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

const ourTempFolders = () => readdirSync(tmpdir()).filter((f) => f.startsWith('exchange-scenarios-containers-')).sort();
/** What keeps the process alive (sockets, timers, child processes), once pending callbacks have run. */
async function activeResources(): Promise<string[]> {
  await new Promise((r) => setImmediate(r));
  return process.getActiveResourcesInfo().sort();
}

const FOREST = { defaultNamingContext: 'DC=fourthcoffee,DC=com', configurationNamingContext: 'CN=Configuration,DC=fourthcoffee,DC=com' };

test("containersUnavailable() gives testcontainers' reason when no runtime answers (else nothing, and the environment starts)", async () => {
  const refusal = await runtimeRefusal();
  if (refusal) {
    assert.match(refusal, /Could not find a working container runtime strategy/);
    assert.equal(await containersUnavailable(), refusal);
    return;
  }
  // A runtime answers: the environment must start and hold what is added.
  assert.equal(await containersUnavailable(), undefined);
  const env = await startContainers();
  try {
    assert.equal(env.name, 'containers');
    await env.declareNamingContexts(FOREST);
    await env.importEntries!([
      { dn: 'DC=fourthcoffee,DC=com', attributes: { objectClass: ['top', 'domain'], dc: 'fourthcoffee' } },
      { dn: 'OU=Chicago,DC=fourthcoffee,DC=com', attributes: { objectClass: ['top', 'organizationalUnit'], ou: 'Chicago' } },
    ]);
    const client = new Client({ url: env.url });
    try {
      await client.bind(env.serviceAccount.dn, env.serviceAccount.password);
      const found = await client.search('DC=fourthcoffee,DC=com', { scope: 'sub', filter: '(ou=Chicago)', attributes: ['ou'] });
      assert.deepEqual(found.searchEntries.map((e) => [e.dn.toLowerCase(), e.ou]), [['ou=chicago,dc=fourthcoffee,dc=com', 'Chicago']]);
      await env.prepareScenario();
      await assert.rejects(client.search('DC=fourthcoffee,DC=com', { scope: 'base', filter: '(objectClass=*)' }), (e: { code?: number }) => e.code === 32);
    } finally {
      await client.unbind().catch(() => undefined);
    }
  } finally {
    await env.dispose();
  }
});

test('without a runtime, starting the environment fails with that reason, by name too, and leaves nothing running', async () => {
  const refusal = await runtimeRefusal();
  if (!refusal) {
    // A runtime answers: starting must work, and dispose must stop the container (its port stops answering).
    const env = await startContainers();
    const url = env.url;
    await env.dispose();
    const client = new Client({ url, connectTimeout: 2000 });
    await assert.rejects(client.bind('', ''));
    return;
  }
  const folders = ourTempFolders();
  const resources = await activeResources();
  for (const start of [() => startContainers(), () => startEnvironment('containers')]) {
    let caught: unknown;
    try {
      const env = await start();
      await env.dispose();
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof EnvironmentUnavailable, `expected EnvironmentUnavailable, got ${String(caught)}`);
    assert.equal(caught.reason, refusal);
    assert.equal(caught.environment, 'containers');
    assert.equal(
      caught.message,
      `EXCHANGE_SCENARIOS_ENVIRONMENT=containers is unavailable here: ${refusal} (testcontainers found no Docker or Podman; use openldap, which runs Debian's slapd without containers)`,
    );
  }
  assert.deepEqual(ourTempFolders(), folders, 'no build context left in the temp folder');
  assert.deepEqual(await activeResources(), resources, 'no socket, timer or child process left running');
});
