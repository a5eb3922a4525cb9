// One full cross-organization free/busy lookup (client → source CAS → gateway → partner Autodiscover →
// gateway → partner EWS, with real signing and encryption) against one plain request through the
// simulated network to a server that answers at once, both measured in this process.

import { closeNetwork, ExchangeSimulation, InProcessDirectoryServer, releaseByName, type DirectoryWriteEntry } from '@exchange-scenarios/engine';
import { askFreeBusy, Federation, LoopbackDnsServer, runShell } from '@exchange-scenarios/engine/src/federation';

const elapsedMs = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

/** An in-process directory and a simulation on it, as the area benches use them. */
export async function startBenchSimulation(): Promise<{ server: InProcessDirectoryServer; sim: ExchangeSimulation }> {
  const serviceAccount = { dn: 'CN=bench', password: 'bench-only' };
  const server = await InProcessDirectoryServer.start({ serviceAccount });
  const sim = await ExchangeSimulation.start({
    name: 'bench',
    url: server.url,
    serviceAccount,
    declareNamingContexts: async (c) => server.setNamingContexts(c),
    importEntries: async (entries: readonly DirectoryWriteEntry[]) => server.importEntries([...entries]),
  });
  return { server, sim };
}

/** Mean milliseconds of one call after a warm-up. */
export async function msPerCall(call: () => Promise<unknown>, rounds: number): Promise<number> {
  for (let i = 0; i < 20; i++) await call();
  const t = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await call();
  return elapsedMs(t) / rounds;
}

/** Measures the area bench's baseline on its own network, then stops everything it started. */
export async function finishAreaBench(sim: ExchangeSimulation, server: InProcessDirectoryServer, rounds: number, dns?: { close(): Promise<void> }): Promise<number> {
  const plainFetchMs = await plainFetchMsOn(sim, rounds * 10);
  await sim.close();
  closeNetwork();
  await dns?.close();
  await server.close();
  return plainFetchMs;
}

/** The baseline of the area benches: one request through the same network to a server that answers at once. */
export async function plainFetchMsOn(sim: ExchangeSimulation, times: number): Promise<number> {
  sim.network.setServers([{ endpoint: { server: 'ECHO', handle: async () => new Response('ok') }, hosts: ['echo.bench.example'] }]);
  for (let i = 0; i < 200; i++) await (await sim.network.send('bench', new Request('https://echo.bench.example/'))).text();
  const t = process.hrtime.bigint();
  for (let i = 0; i < times; i++) await (await sim.network.send('bench', new Request('https://echo.bench.example/'))).text();
  return elapsedMs(t) / times;
}

export interface FederationBench {
  lookupMs: number;
  plainFetchMs: number;
  hopsPerLookup: number;
}

export async function benchFederation(rounds = 200): Promise<FederationBench> {
  const { server, sim } = await startBenchSimulation();
  const dns = await LoopbackDnsServer.start();
  const federation = new Federation(sim, dns);
  const password = 'Bench-Pa55word!';
  for (const [name, domain, cas, user] of [['Contoso', 'contoso.com', 'CON-EX01', 'alice'], ['Fabrikam', 'fabrikam.com', 'FAB-EX01', 'bob']] as const) {
    await sim.declareOrganization({ name, forestDomain: domain });
    await sim.writer.addSites(['Site1']);
    await sim.writer.addServers([{ name: cas, site: 'Site1', release: releaseByName('Exchange 2010 SP1'), roles: ['ClientAccess', 'Mailbox'] }]);
    await sim.writer.addMailboxes([{ alias: user, server: cas, password }]);
    const org = federation.organization(name);
    await runShell(`Set-WebServicesVirtualDirectory '${cas}\\EWS (Default Web Site)' -ExternalUrl https://mail.${domain}/EWS/Exchange.asmx`, org);
    sim.network.setDnsRecord(`autodiscover.${domain}`, [cas]);
    const cert = await org.addCertificate({ friendlyName: 'Federation' });
    await org.newFederationTrust({ name: 'Microsoft Federation Gateway', thumbprint: cert.certificate.thumbprint });
    await org.newAcceptedDomain('Federation Domain', `exchangedelegation.${domain}`);
    for (const d of [`exchangedelegation.${domain}`, domain]) dns.addTxt(d, (await org.getFederatedDomainProof(d)).records[0].Proof);
    await org.setFederatedOrganizationIdentifier({ delegationFederationTrust: 'Microsoft Federation Gateway', accountNamespace: `exchangedelegation.${domain}`, enabled: true });
    await org.addFederatedDomain(domain);
  }
  await runShell('Get-FederationInformation -DomainName contoso.com | New-OrganizationRelationship -Name Contoso -FreeBusyAccessEnabled $true -FreeBusyAccessLevel LimitedDetails', federation.organization('Fabrikam'));
  await runShell('Get-FederationInformation -DomainName fabrikam.com | New-OrganizationRelationship -Name Fabrikam', federation.organization('Contoso'));
  federation.organization('Fabrikam').mailboxes.calendar('bob@fabrikam.com').events.push({ start: new Date('2011-12-12T10:00Z'), end: new Date('2011-12-12T11:00Z'), busyType: 'Busy', subject: 'Budget review' });
  const lookup = () =>
    askFreeBusy(federation, { user: 'alice@contoso.com', password, client: 'Outlook 2010', addresses: ['bob@fabrikam.com'], window: { start: new Date('2011-12-12T08:00Z'), end: new Date('2011-12-12T18:00Z') }, intervalMinutes: 30, view: 'DetailedMerged' });
  const first = await lookup();
  if (first.answers[0]?.responseCode !== 'NoError') throw new Error(`the bench lookup failed: ${first.answers[0]?.responseCode} ${first.answers[0]?.messageText}`);
  const hopsPerLookup = sim.network.trace.hops.length - first.firstHop;
  const lookupMs = await msPerCall(lookup, rounds);
  const plainFetchMs = await finishAreaBench(sim, server, rounds, dns);
  return { lookupMs, plainFetchMs, hopsPerLookup };
}
