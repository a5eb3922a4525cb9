// The default environment: an LDAP server inside the test process (ldapjs), reset for every scenario.
// The engine still reaches it over TCP on 127.0.0.1, as it would reach a domain controller.

import { randomBytes } from 'node:crypto';
import { InProcessDirectoryServer, type DirectoryWriteEntry, type NamingContexts } from '@exchange-scenarios/engine';
import type { ScenarioEnvironment } from './environment';

export async function startInProcess(): Promise<ScenarioEnvironment> {
  // A fresh secret per process: the service account's password is never written anywhere.
  const serviceAccount = { dn: 'CN=Exchange Scenarios Service,CN=Service Accounts', password: randomBytes(18).toString('base64') };
  const server = await InProcessDirectoryServer.start({ serviceAccount });
  return {
    name: 'in-process',
    url: server.url,
    serviceAccount,
    async declareNamingContexts(contexts: NamingContexts) {
      server.setNamingContexts(contexts);
    },
    // New objects are seeded in bulk (as ldifde would); every read and change still goes over LDAP.
    async importEntries(entries: readonly DirectoryWriteEntry[]) {
      server.importEntries([...entries]);
    },
    async prepareScenario() {
      server.reset();
    },
    async dispose() {
      await server.close();
    },
  };
}
