// A generated organization in the in-process directory: 200 sites, 1,000 Client Access servers, 400
// mailbox servers and 100,000 mailboxes, planned with the engine's TopologyPlanner and bulk-imported (as
// ldifde would). Then, over LDAP: raw user searches per second against OWA routing decisions per second.

import { randomBytes } from 'node:crypto';
import {
  ATTR,
  DirectoryClient,
  ExchangeDirectory,
  filter,
  InProcessDirectoryServer,
  releaseByName,
  routeOwaRequest,
  TopologyCache,
  TopologyPlanner,
  VirtualClock,
  type MailboxSpec,
  type OwaVirtualDirectoryChange,
  type ServerSpec,
} from '@exchange-scenarios/engine';

export interface TopologyOptions {
  sites: number;
  casPerSite: number;
  mailboxServersPerSite: number;
  mailboxes: number;
  /** Users looked up in each measured phase. */
  lookups: number;
  /** Decisions made before measuring, to fill the topology cache. */
  warmup: number;
  seed: number;
}

export const DEFAULT_TOPOLOGY: TopologyOptions = {
  sites: 200,
  casPerSite: 5,
  mailboxServersPerSite: 2,
  mailboxes: 100_000,
  lookups: 5_000,
  warmup: 500,
  seed: 20111212,
};

export interface TopologyFigures {
  planMs: number;
  importMs: number;
  entries: number;
  rssMb: number;
  heapUsedMb: number;
  rawPerSecond: number;
  decisionsPerSecond: number;
  cache: { hits: number; misses: number };
  rawStats: { searches: number; entriesScanned: number };
  decisionStats: { searches: number; entriesScanned: number };
  actions: Record<string, number>;
}

const FOREST = 'bench.example';
const PASSWORD = 'Bench-Pa55word!';
const BLOCK = 500;
const USER_ATTRIBUTES = [ATTR.sAMAccountName, ATTR.mailNickname, ATTR.userPrincipalName, ATTR.proxyAddresses, ATTR.mail, ATTR.objectSid, ATTR.homeMDB, ATTR.homeServerName];

type Plan = ReturnType<TopologyPlanner['planSites']>;

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const pad = (n: number, width: number) => String(n).padStart(width, '0');

import { prng } from '../packages/engine/src/util/prng';

/** Names of the generated organization: site i, its CAS c and mailbox server m, mailbox u. */
function naming(o: TopologyOptions) {
  const site = (i: number) => `site${pad(i + 1, 3)}`;
  return {
    site,
    cas: (i: number, c: number) => `S${pad(i + 1, 3)}-CAS${c + 1}`,
    mbx: (i: number, m: number) => `S${pad(i + 1, 3)}-MBX${m + 1}`,
    alias: (u: number) => `u${pad(u + 1, 6)}`,
    externalUrl: (i: number) => `https://mail.${site(i)}.${FOREST}/owa`,
    /** Mailboxes go round robin over the mailbox servers, site by site. */
    mailboxSite: (u: number) => Math.floor((u % (o.sites * o.mailboxServersPerSite)) / o.mailboxServersPerSite),
  };
}

export async function benchTopology(o: TopologyOptions = DEFAULT_TOPOLOGY): Promise<TopologyFigures> {
  const serviceAccount = { dn: 'CN=Exchange Scenarios Bench,CN=Service Accounts', password: randomBytes(18).toString('base64') };
  const server = await InProcessDirectoryServer.start({ serviceAccount });
  // The service account writes the few modifications the plans carry (group membership, OWA settings).
  const writer = await DirectoryClient.connect(server.url, serviceAccount);
  const name = naming(o);
  const planner = new TopologyPlanner();
  let planMs = 0;
  let importMs = 0;

  /** Plans (timed as planning), imports in bulk and writes the plan's few modifications (import), commits. */
  const load = async (makePlan: () => Plan) => {
    let t = process.hrtime.bigint();
    const plan = makePlan();
    planMs += ms(t);
    t = process.hrtime.bigint();
    server.importEntries(plan.adds);
    for (const m of plan.modifies) await writer.modify(m.dn, m.modifications);
    importMs += ms(t);
    t = process.hrtime.bigint();
    plan.commit();
    planMs += ms(t);
  };

  const sites = Array.from({ length: o.sites }, (_, i) => i);
  const release = releaseByName('Exchange 2010 SP2');
  await load(() => {
    const plan = planner.planOrganization({ name: 'Bench', forestDomain: FOREST });
    server.setNamingContexts(plan.contexts);
    return plan;
  });
  await load(() => planner.planSites(sites.map(name.site)));
  await load(() =>
    planner.planServers(
      sites.flatMap((i): ServerSpec[] => [
        ...Array.from({ length: o.casPerSite }, (_, c): ServerSpec => ({ name: name.cas(i, c), site: name.site(i), release, roles: ['ClientAccess'] })),
        ...Array.from({ length: o.mailboxServersPerSite }, (_, m): ServerSpec => ({ name: name.mbx(i, m), site: name.site(i), release, roles: ['Mailbox'] })),
      ]),
    ),
  );
  // Every other site faces the Internet (its first CAS has an ExternalUrl: cross-site redirection); in the
  // others the first CAS offers Integrated Windows authentication, so it can be proxied to.
  await load(() =>
    planner.planOwaVirtualDirectories(
      sites.map((i): OwaVirtualDirectoryChange =>
        i % 2 === 0 ? { server: name.cas(i, 0), externalUrl: name.externalUrl(i) } : { server: name.cas(i, 0), internalAuthenticationMethods: ['WindowsIntegrated'] },
      ),
    ),
  );
  const mailboxServers = sites.flatMap((i) => Array.from({ length: o.mailboxServersPerSite }, (_, m) => name.mbx(i, m)));
  await load(() =>
    planner.planMailboxes(Array.from({ length: o.mailboxes }, (_, u): MailboxSpec => ({ alias: name.alias(u), server: mailboxServers[u % mailboxServers.length], password: PASSWORD }))),
  );
  const domainDn = planner.requireLayout().domainDn;
  const entries = server.size;
  const memory = process.memoryUsage();
  await writer.close();

  // The questions, fixed by the seed: a quarter at a CAS in the mailbox's own site, the rest at any CAS.
  const random = prng(o.seed);
  const question = () => {
    const u = Math.floor(random() * o.mailboxes);
    const site = random() < 0.25 ? name.mailboxSite(u) : Math.floor(random() * o.sites);
    return { server: name.cas(site, Math.floor(random() * o.casPerSite)), logonName: `${name.alias(u)}@${FOREST}` };
  };
  const warmup = Array.from({ length: o.warmup }, question);
  const measured = Array.from({ length: o.lookups }, question);

  const client = await DirectoryClient.connect(server.url, serviceAccount);
  const cache = new TopologyCache(new VirtualClock());
  const dir = new ExchangeDirectory(client, cache);

  const rawSearch = async (upn: string) => {
    const found = await client.search(domainDn, filter.and(filter.eq('objectClass', 'user'), filter.eq('userPrincipalName', upn)), { attributes: USER_ATTRIBUTES });
    if (found.length !== 1) throw new Error(`${upn}: ${found.length} entries`);
  };
  /** What one kind of work cost over all its blocks: time, the server's counters, the topology cache's. */
  const phase = () => {
    const totals = { ms: 0, searches: 0, entriesScanned: 0, hits: 0, misses: 0 };
    const run = async (work: () => Promise<void>) => {
      const [stats, hits, misses, t] = [server.stats, cache.hits, cache.misses, process.hrtime.bigint()];
      await work();
      totals.ms += ms(t);
      totals.searches += server.stats.searches - stats.searches;
      totals.entriesScanned += server.stats.entriesScanned - stats.entriesScanned;
      totals.hits += cache.hits - hits;
      totals.misses += cache.misses - misses;
    };
    return { totals, run };
  };
  const raw = phase();
  const decisions = phase();
  const actions: Record<string, number> = {};

  for (const q of warmup) await rawSearch(q.logonName);
  for (const q of warmup) await routeOwaRequest(dir, q);
  // Raw searches and decisions alternate in blocks over the same users, so that collecting the load's
  // garbage, and whatever else the machine is doing, weigh on both alike.
  for (let from = 0; from < measured.length; from += BLOCK) {
    const block = measured.slice(from, from + BLOCK);
    await raw.run(async () => {
      for (const q of block) await rawSearch(q.logonName);
    });
    await decisions.run(async () => {
      for (const q of block) {
        const { action } = await routeOwaRequest(dir, q);
        actions[action.kind] = (actions[action.kind] ?? 0) + 1;
      }
    });
  }

  await client.close();
  await server.close();
  return {
    planMs,
    importMs,
    entries,
    rssMb: memory.rss / 2 ** 20,
    heapUsedMb: memory.heapUsed / 2 ** 20,
    rawPerSecond: (o.lookups / raw.totals.ms) * 1000,
    decisionsPerSecond: (o.lookups / decisions.totals.ms) * 1000,
    cache: { hits: decisions.totals.hits, misses: decisions.totals.misses },
    rawStats: { searches: raw.totals.searches, entriesScanned: raw.totals.entriesScanned },
    decisionStats: { searches: decisions.totals.searches, entriesScanned: decisions.totals.entriesScanned },
    actions,
  };
}

if (require.main === module) {
  benchTopology().then((f) => console.log(f), (err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
