// The unit costs a scenario is made of, measured in this process: one request through the simulated
// network (MSW) to a server that answers at once, and one search on the in-process directory over LDAP.
// A redirection scenario is a handful of the first and a dozen or two of the second.

import { closeNetwork, DirectoryClient, filter, InProcessDirectoryServer, SimulatedNetwork } from '@exchange-scenarios/engine';

const elapsedMs = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

export interface Floors {
  networkRoundTripMs: number;
  ldapSearchMs: number;
}

export async function measureFloors(rounds = 2000): Promise<Floors> {
  const network = new SimulatedNetwork();
  network.setServers([{ endpoint: { server: 'ECHO', handle: async () => new Response('ok') }, hosts: ['echo.bench.example'] }]);
  network.activate();
  for (let i = 0; i < 200; i++) await (await network.send('bench', new Request('https://echo.bench.example/'))).text();
  let t = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await (await network.send('bench', new Request('https://echo.bench.example/'))).text();
  const networkRoundTripMs = elapsedMs(t) / rounds;
  network.deactivate();
  closeNetwork();

  const serviceAccount = { dn: 'CN=bench', password: 'bench-only' };
  const server = await InProcessDirectoryServer.start({ serviceAccount });
  server.setNamingContexts({ defaultNamingContext: 'DC=bench,DC=example', configurationNamingContext: 'CN=Configuration,DC=bench,DC=example' });
  server.importEntries([{ dn: 'DC=bench,DC=example', attributes: { objectClass: ['top', 'domain'] } }, { dn: 'CN=u,DC=bench,DC=example', attributes: { objectClass: ['top', 'user'], userPrincipalName: 'u@bench.example' } }]);
  const client = await DirectoryClient.connect(server.url, serviceAccount);
  const f = filter.eq('userPrincipalName', 'u@bench.example');
  for (let i = 0; i < 200; i++) await client.search('DC=bench,DC=example', f);
  t = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await client.search('DC=bench,DC=example', f);
  const ldapSearchMs = elapsedMs(t) / rounds;
  await client.close();
  await server.close();
  return { networkRoundTripMs, ldapSearchMs };
}
