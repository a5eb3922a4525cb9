// One impersonated EWS call through an application server (user → portal → Client Access server: sign-in,
// the five conditions read over LDAP, the folder read as the user) against one plain request through the
// simulated network to a server that answers at once, both measured in this process.

import { releaseByName } from '@exchange-scenarios/engine';
import { Impersonation, runImpersonationShell } from '@exchange-scenarios/engine/src/impersonation';
import { finishAreaBench, msPerCall, startBenchSimulation } from './federation';

export interface ImpersonationBench {
  callMs: number;
  plainFetchMs: number;
  searchesPerCall: number;
}

export async function benchImpersonation(rounds = 300): Promise<ImpersonationBench> {
  const { server, sim } = await startBenchSimulation();
  const password = 'Bench-Pa55word!';
  await sim.declareOrganization({ name: 'Contoso', forestDomain: 'contoso.com' });
  await sim.writer.addSites(['Site1']);
  await sim.writer.addServers([{ name: 'EX01', site: 'Site1', release: releaseByName('Exchange 2007 SP1'), roles: ['ClientAccess', 'Mailbox'] }]);
  await sim.writer.addMailboxes([{ alias: 'alice', server: 'EX01', password }]);
  await sim.writer.addServiceAccounts([{ name: 'svc-portal', password }]);
  const impersonation = new Impersonation(sim);
  impersonation.declareApplicationServer({ name: 'PORTAL01', serviceAccount: 'svc-portal', password, ewsUrl: 'https://ex01.contoso.com/EWS/Exchange.asmx', identifyBy: 'PrimarySmtpAddress' });
  await runImpersonationShell('Add-ADPermission -Identity EX01 -User svc-portal -ExtendedRights ms-Exch-EPI-Impersonation\nGet-MailboxDatabase | Add-ADPermission -User svc-portal -ExtendedRights ms-Exch-EPI-May-Impersonate', sim.current, impersonation);
  const call = () => impersonation.throughApplication('PORTAL01', { logonName: 'alice', password }, { operation: 'GetFolder', folder: { kind: 'distinguished', id: 'inbox' } });
  const first = await call();
  if (first.responseCode !== 'NoError') throw new Error(`the bench call failed: ${first.responseCode}`);
  const before = sim.network.trace.hops.length;
  await call();
  const searchesPerCall = sim.network.trace.hops.slice(before).reduce((n, h) => n + h.searches.filter((s) => !s.cached).length, 0);
  const callMs = await msPerCall(call, rounds);
  const plainFetchMs = await finishAreaBench(sim, server, rounds);
  return { callMs, plainFetchMs, searchesPerCall };
}
