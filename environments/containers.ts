// EXCHANGE_SCENARIOS_ENVIRONMENT=containers: the directory of openldap.ts (Debian's slapd, our schema, a
// database per forest) in a container started through testcontainers, for CI machines that run Docker or
// Podman but have no slapd installed. The cn=config and every online operation are slapd-config.ts's, as
// for openldap.ts; only where slapd runs differs.
//
// Where no container runtime answers, the environment says so before doing anything else and the run
// fails: it never falls back to another directory.
//
// How it starts: an image `FROM debian:bookworm-slim` with slapd is built once (Docker's cache makes later
// builds instant, and the image is kept); core.ldif is read from that image (Active Directory's person is
// made from the text slapd ships, so it must be the container's, not this machine's); the generated
// cn=config is copied into the slapd container, which runs `slapadd -n0` and then `slapd -d 0` on port 389;
// the run talks to it at the host's mapped port. Each forest's database directory is made inside the
// container (exec mkdir) when a scenario first declares the forest. dispose() stops the container;
// testcontainers' reaper removes it should the process die first.

import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import type { StartedTestContainer } from 'testcontainers';
import type { ScenarioEnvironment } from './environment';
import { SERVICE_SUFFIX, slapdConfigLdif, slapdForests } from './slapd-config';

/** An environment that cannot run on this machine; the run must fail with `reason`, never fall back. */
export class EnvironmentUnavailable extends Error {
  constructor(
    readonly environment: string,
    /** Why, in the words of whatever found out (here: testcontainers). */
    readonly reason: string,
    hint: string,
  ) {
    super(`EXCHANGE_SCENARIOS_ENVIRONMENT=${environment} is unavailable here: ${reason} (${hint})`);
    this.name = 'EnvironmentUnavailable';
  }
}

const IMAGE = 'localhost/exchange-scenarios-slapd:bookworm';
const DOCKERFILE = `FROM debian:bookworm-slim
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slapd ldap-utils \\
 && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /var/lib/exchange-scenarios/slapd.d /var/lib/exchange-scenarios/service
EXPOSE 389
`;
/** Paths inside the container (Debian bookworm's slapd 2.5). */
const HOME = '/var/lib/exchange-scenarios';
const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_PATH = '/usr/lib/ldap';
const LDAP_PORT = 389;

// testcontainers (and its HTTP client) is loaded only when this environment is asked for: a third of a
// second that the other environments' runs do not pay.
const testcontainers = () => import('testcontainers');

/**
 * Why no container can be started here, as testcontainers words it; undefined when a runtime (Docker or
 * Podman) answers. Nothing is started by asking.
 */
export async function containersUnavailable(): Promise<string | undefined> {
  const { getContainerRuntimeClient } = await testcontainers();
  try {
    await getContainerRuntimeClient();
    return undefined;
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).trim() || 'testcontainers found no container runtime';
  }
}

export async function startContainers(): Promise<ScenarioEnvironment> {
  const why = await containersUnavailable();
  if (why) {
    const found = /could not find a working container runtime strategy/i.test(why) ? 'testcontainers found no Docker or Podman' : 'testcontainers could not use the container runtime';
    throw new EnvironmentUnavailable('containers', why, `${found}; use openldap, which runs Debian's slapd without containers`);
  }
  const { GenericContainer, Wait } = await testcontainers();

  // The image: built from a Dockerfile in a temp folder (the build context), kept under a fixed name.
  const context = mkdtempSync(join(tmpdir(), 'exchange-scenarios-containers-'));
  try {
    writeFileSync(join(context, 'Dockerfile'), DOCKERFILE);
    await GenericContainer.fromDockerfile(context).build(IMAGE, { deleteOnExit: false });
  } catch (e) {
    throw new Error(`EXCHANGE_SCENARIOS_ENVIRONMENT=containers could not build its slapd image ${IMAGE}: ${(e as Error).message}`);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }

  // core.ldif as the image's slapd ships it, read in a short-lived container of the same image.
  const reader = await new GenericContainer(IMAGE).withCommand(['sleep', 'infinity']).start();
  let coreLdif: string;
  try {
    const read = await reader.exec(['sh', '-c', `test -e ${MODULE_PATH}/back_mdb.so && cat ${SCHEMA_DIR}/core.ldif`]);
    if (read.exitCode !== 0) throw new Error(`the image ${IMAGE} has no ${MODULE_PATH}/back_mdb.so or ${SCHEMA_DIR}/core.ldif: ${read.stderr.trim() || `exit code ${read.exitCode}`}`);
    coreLdif = read.stdout;
  } finally {
    await reader.stop();
  }

  // A fresh secret per process, never written to a report; the service account is cn=config's root DN.
  const serviceAccount = { dn: `CN=Exchange Scenarios Service,${SERVICE_SUFFIX}`, password: randomBytes(18).toString('base64') };
  const config = slapdConfigLdif({
    pidFile: `${HOME}/slapd.pid`,
    modulePath: MODULE_PATH,
    schemaDir: SCHEMA_DIR,
    coreLdif,
    serviceAccount,
    serviceDirectory: `${HOME}/service`,
  });
  // EXCHANGE_SCENARIOS_SLAPD_LOG=<file> keeps slapd's operation log (loglevel stats: one line per request), as for openldap.
  const logFile = process.env.EXCHANGE_SCENARIOS_SLAPD_LOG?.trim();
  const log = logFile ? createWriteStream(logFile) : undefined;
  let output = '';
  let container: StartedTestContainer;
  try {
    container = await new GenericContainer(IMAGE)
      .withCopyContentToContainer([{ content: `${config}\n`, target: `${HOME}/config.ldif`, mode: 0o600 }])
      .withCommand([
        'sh',
        '-c',
        // The config file holds the service account's password: gone once slapadd has read it.
        `slapadd -n 0 -F ${HOME}/slapd.d -l ${HOME}/config.ldif && rm ${HOME}/config.ldif && exec slapd -d ${logFile ? 'stats' : '0'} -h ldap://0.0.0.0:${LDAP_PORT}/ -F ${HOME}/slapd.d`,
      ])
      .withExposedPorts(LDAP_PORT)
      .withWaitStrategy(Wait.forListeningPorts())
      .withLogConsumer((stream) =>
        stream.on('data', (d) => {
          output = (output + String(d)).slice(-4000);
          log?.write(d);
        }),
      )
      .start();
  } catch (e) {
    log?.end();
    const said = output.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`slapd did not start in its container: ${said || (e as Error).message}`);
  }

  const url = `ldap://${container.getHost()}:${container.getMappedPort(LDAP_PORT)}`;
  const admin = new Client({ url });
  const stop = async () => {
    await admin.unbind().catch(() => undefined);
    await container.stop();
    log?.end();
  };
  try {
    await admin.bind(serviceAccount.dn, serviceAccount.password);
  } catch (e) {
    await stop();
    throw new Error(`slapd in its container does not accept the service account on ${url}: ${(e as Error).message}`);
  }

  const forests = slapdForests(admin, {
    serviceDn: serviceAccount.dn,
    // slapd runs as root in the container; the directory must exist before the database is added.
    async createDirectory(n) {
      const dir = `${HOME}/forest${n}`;
      const made = await container.exec(['mkdir', dir]);
      if (made.exitCode !== 0) throw new Error(`could not create ${dir} in the slapd container: ${made.output.trim()}`);
      return dir;
    },
    rebind: () => admin.bind(serviceAccount.dn, serviceAccount.password),
  });

  return {
    name: 'containers',
    url,
    serviceAccount,
    ...forests,
    async dispose() {
      await stop();
    },
  };
}
