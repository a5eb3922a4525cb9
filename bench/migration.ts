// Migration impact at scale: 100,000 mailboxes × 10 OWA entry URLs (5 Internet-facing sites, one Client
// Access server each with an InternalURL and an ExternalURL, 4 mailbox servers per site), before and after a
// change (two sites turn CrossSiteRedirectType Silent, 10,000 mailboxes move to another site). Timed: each
// snapshot (reading every mailbox over LDAP, then the decisions) and the differential. Baselines from the same
// run: one paged search that reads the 100,000 users and nothing else, and the cost of asking user by user
// (routeOwaRequest for a sample, extrapolated), which is what the equivalence classes avoid.

import { randomBytes } from 'node:crypto';
import {
  ATTR,
  diffOwa,
  DirectoryClient,
  ExchangeDirectory,
  filter,
  InProcessDirectoryServer,
  releaseByName,
  routeOwaRequest,
  snapshotOwa,
  summarizeImpact,
  TopologyCache,
  TopologyPlanner,
  VirtualClock,
  type MailboxSpec,
  type ServerSpec,
} from '@exchange-scenarios/engine';

export interface MigrationBenchOptions {
  sites: number;
  mailboxServersPerSite: number;
  mailboxes: number;
  moved: number;
  /** Users asked one by one for the per-user baseline. */
  sample: number;
}

export const DEFAULT_MIGRATION: MigrationBenchOptions = { sites: 5, mailboxServersPerSite: 4, mailboxes: 100_000, moved: 10_000, sample: 1_000 };

export interface MigrationFigures {
  mailboxes: number;
  entryUrls: number;
  loadMs: number;
  changeMs: number;
  beforeMs: number;
  afterMs: number;
  diffMs: number;
  /** before + after + diff: the question an administrator asks. */
  totalMs: number;
  decisions: number;
  pairs: number;
  changes: number;
  summaryRows: number;
  readUsersMs: number;
  perUserMs: number;
  perUserEstimateMs: number;
}

const FOREST = 'bench.example';
const PASSWORD = 'Bench-Pa55word!';
const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const pad = (n: number, width: number) => String(n).padStart(width, '0');

export async function benchMigration(o: MigrationBenchOptions = DEFAULT_MIGRATION): Promise<MigrationFigures> {
  const serviceAccount = { dn: 'CN=Exchange Scenarios Bench,CN=Service Accounts', password: randomBytes(18).toString('base64') };
  const server = await InProcessDirectoryServer.start({ serviceAccount });
  const client = await DirectoryClient.connect(server.url, serviceAccount, { timeoutMs: 10 * 60_000 });
  const planner = new TopologyPlanner();
  const site = (i: number) => `site${i + 1}`;
  const cas = (i: number) => `S${i + 1}-CAS`;
  const mbx = (i: number, m: number) => `S${i + 1}-MBX${m + 1}`;
  const alias = (u: number) => `u${pad(u + 1, 6)}`;
  const load = async (plan: ReturnType<TopologyPlanner['planSites']>) => {
    server.importEntries(plan.adds);
    for (const m of plan.modifies) await client.modify(m.dn, m.modifications);
    plan.commit();
  };
  const sites = Array.from({ length: o.sites }, (_, i) => i);
  const release = releaseByName('Exchange 2010 SP2');
  let t = process.hrtime.bigint();
  const org = planner.planOrganization({ name: 'Bench', forestDomain: FOREST });
  server.setNamingContexts(org.contexts);
  await load(org);
  await load(planner.planSites(sites.map(site)));
  await load(planner.planServers(sites.flatMap((i): ServerSpec[] => [
    { name: cas(i), site: site(i), release, roles: ['ClientAccess'] },
    ...Array.from({ length: o.mailboxServersPerSite }, (_, m): ServerSpec => ({ name: mbx(i, m), site: site(i), release, roles: ['Mailbox'] })),
  ])));
  await load(planner.planOwaVirtualDirectories(sites.map((i) => ({ server: cas(i), externalUrl: `https://mail.${site(i)}.${FOREST}/owa` }))));
  const servers = sites.flatMap((i) => Array.from({ length: o.mailboxServersPerSite }, (_, m) => mbx(i, m)));
  for (let from = 0; from < o.mailboxes; from += 10_000) {
    await load(planner.planMailboxes(Array.from({ length: Math.min(10_000, o.mailboxes - from) }, (_, k): MailboxSpec => ({ alias: alias(from + k), server: servers[(from + k) % servers.length], password: PASSWORD }))));
  }
  const loadMs = ms(t);

  const dir = new ExchangeDirectory(client, new TopologyCache(new VirtualClock()));
  t = process.hrtime.bigint();
  const before = await snapshotOwa(dir);
  const beforeMs = ms(t);

  // The change, written as the shell would (the planner's plans over LDAP), not timed as part of the question.
  t = process.hrtime.bigint();
  await load(planner.planOwaVirtualDirectories([0, 1].map((i) => ({ server: cas(i), crossSiteRedirectType: 'Silent' as const }))));
  const target = `Mailbox Database ${mbx(o.sites - 1, 0)}`;
  for (let u = 0, moved = 0; moved < o.moved && u < o.mailboxes; u++) {
    if (servers[u % servers.length].startsWith('S1-')) {
      const plan = planner.planMailboxMove(alias(u), target, 'New-MoveRequest');
      for (const m of plan.modifies) await client.modify(m.dn, m.modifications);
      plan.commit();
      moved++;
    }
  }
  const changeMs = ms(t);

  const afterDir = new ExchangeDirectory(client, new TopologyCache(new VirtualClock()));
  t = process.hrtime.bigint();
  const after = await snapshotOwa(afterDir);
  const afterMs = ms(t);
  t = process.hrtime.bigint();
  const changes = diffOwa(before, after);
  const summary = summarizeImpact(changes);
  const diffMs = ms(t);

  // Baselines: the users alone, in one paged search; and user by user, as a scenario step asks.
  t = process.hrtime.bigint();
  const users = await client.search(org.contexts.defaultNamingContext, filter.and(filter.eq('objectClass', 'user'), filter.present(ATTR.homeMDB)), { attributes: [ATTR.userPrincipalName, ATTR.homeMDB], paged: true });
  const readUsersMs = ms(t);
  if (users.length !== o.mailboxes) throw new Error(`the baseline search read ${users.length} users, not ${o.mailboxes}`);
  t = process.hrtime.bigint();
  for (let k = 0; k < o.sample; k++) {
    const entry = before.entries[k % before.entries.length];
    await routeOwaRequest(afterDir, { server: entry.servers[0], logonName: `${alias((k * 7919) % o.mailboxes)}@${FOREST}`, url: entry.url });
  }
  const perUserMs = ms(t) / o.sample;

  await client.close();
  await server.close();
  return {
    mailboxes: before.mailboxes.size,
    entryUrls: before.entries.length,
    loadMs,
    changeMs,
    beforeMs,
    afterMs,
    diffMs,
    totalMs: beforeMs + afterMs + diffMs,
    decisions: before.decisions + after.decisions,
    pairs: before.mailboxes.size * before.entries.length,
    changes: changes.length,
    summaryRows: summary.length,
    readUsersMs,
    perUserMs,
    perUserEstimateMs: perUserMs * before.mailboxes.size * before.entries.length * 2,
  };
}
