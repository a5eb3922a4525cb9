// One administrator's export of 100,000 mailboxes, loaded into each directory the suite runs on: the
// in-process server, slapd loaded online (LDAP adds) and slapd loaded offline (slapadd -q before slapd
// starts). The export is generated once per run (Fourth Coffee with 100,000 extra mailboxes, built with the
// engine's writer and written as ldifde writes an export), read back as any export is (parseLdif, then
// adEntriesFromLdif), and loaded into each directory with the load alone timed. The organization is then
// adopted from each directory and OWA routing decisions are measured on all of them over the same users,
// in interleaved blocks (warm-up excluded), so that whatever else the machine does weighs on each alike.

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { closeNetwork, ExchangeSimulation, routeOwaRequest, type DirectoryWriteEntry, type ExchangeOrganization, type NamingContexts } from '@exchange-scenarios/engine';
import { adEntriesFromLdif, parseLdif, toLdifde } from '@exchange-scenarios/engine/src/directory/ldif';
import { exportForest, FOURTH_COFFEE } from '../scripts/make-fixtures';
import { prng } from '../packages/engine/src/util/prng';
import type { ScenarioEnvironment } from '../environments/environment';
import { startInProcess } from '../environments/in-process';
import { openLdapUnavailable, startOpenLdap } from '../environments/openldap';

export interface DirectoriesOptions {
  /** Mailboxes added to Fourth Coffee's two. */
  mailboxes: number;
  /** Decisions measured on each directory (the same questions on each). */
  decisions: number;
  /** Decisions made on each directory before measuring (other users), to fill the topology cache. */
  warmup: number;
  /** Questions per block; blocks rotate over the directories. */
  block: number;
  seed: number;
}

/**
 * Fewer decisions than the in-process-only section (topology.ts): the same questions are asked of slapd,
 * where each takes a tenth of a second or more as long as its user search is not indexed.
 */
export const DEFAULT_DIRECTORIES: DirectoriesOptions = { mailboxes: 100_000, decisions: 1_000, warmup: 100, block: 100, seed: 20111212 };

/** Users whose lookup alone is timed after the decisions (the one search of a decision the cache cannot answer). */
const LOOKUP_PROBE = 50;

export interface DirectoryFigures {
  name: string;
  /** Why this directory was not measured (slapd missing); every other field is then absent. */
  unavailable?: string;
  /** The load alone: the in-process import, slapd's LDAP adds, or slapadd -q. */
  loadMs?: number;
  /** What the load is made of, in words. */
  loadDetail?: string;
  adoptMs?: number;
  decisionsPerSecond?: number;
  /** Of the bench process after the load, after a full collection. */
  rssMb?: number;
  heapUsedMb?: number;
  /** slapd's own resident memory after the load. */
  serverRssMb?: number;
  /** slapd's database files (data.mdb) after the load. */
  databaseMb?: number;
  /** In-process only: heap this process keeps for the directory once the export's entries are released. */
  retainedHeapMb?: number;
  /** The decision's user search alone (ExchangeDirectory.findUserByLogonName), mean ms. */
  userLookupMs?: number;
  cache?: { hits: number; misses: number };
  actions?: Record<string, number>;
}

export interface DirectoriesFigures {
  mailboxes: number;
  generateMs: number;
  generateDetail: { buildMs: number; writeMs: number };
  exportMb: number;
  exportEntries: number;
  parseMs: number;
  parseDetail: { readMs: number; parseLdifMs: number; convertMs: number };
  /** Heap held by the parsed entries (what every load starts from). */
  parsedHeapMb: number;
  entries: number;
  skippedEntries: number;
  decisions: number;
  warmup: number;
  directories: DirectoryFigures[];
  /** Whether every directory gave the same decision to every question. */
  sameDecisions: boolean;
}

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const mb = (bytes: number) => bytes / 2 ** 20;
const fixed = (n: number, digits = 0) => n.toFixed(digits);

/**
 * A full collection before memory is read and before each load, so that no phase pays for another's garbage;
 * after a turn of the event loop, so that what closed sockets and finished calls held is let go first.
 */
const collect: () => Promise<void> = (() => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return async () => {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  };
})();

/** The slapd serving `url`, found by its -h argument in /proc (the environment keeps its child to itself). */
function slapdPid(url: string): string | undefined {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0].endsWith('slapd') && argv.includes(`${url}/`)) return pid;
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/** Size of the forest databases (data.mdb) of the slapd `pid`, under the folder its -F argument names. */
function databaseMbOf(pid: string | undefined): number | undefined {
  if (!pid) return undefined;
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const config = argv[argv.indexOf('-F') + 1];
  if (!config) return undefined;
  const folder = dirname(config);
  const files = readdirSync(folder).filter((f) => f.startsWith('forest')).map((f) => join(folder, f, 'data.mdb')).filter((f) => existsSync(f));
  return mb(files.reduce((n, f) => n + statSync(f).blocks * 512, 0)); // blocks: slapadd leaves a sparse file the size of the map
}

function rssMbOf(pid: string | undefined): number | undefined {
  const rss = pid ? /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8')) : null;
  return rss ? Number(rss[1]) / 1024 : undefined;
}

/** CPU seconds a process has used (user + system), from /proc/<pid>/stat (clock ticks, 100 per second on Linux). */
function cpuSecondsOf(pid: string | undefined): number {
  if (!pid) return NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const ownCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface Loaded {
  figures: DirectoryFigures;
  env: ScenarioEnvironment;
  sim?: ExchangeSimulation;
  org?: ExchangeOrganization;
}

/** 1. The export, generated once: the engine's writer builds the forest, read back and written as ldifde would. */
async function generateExport(file: string, mailboxes: number) {
  let t = process.hrtime.bigint();
  const exported = await exportForest(FOURTH_COFFEE, mailboxes);
  const buildMs = ms(t);
  t = process.hrtime.bigint();
  writeFileSync(file, toLdifde(exported));
  const writeMs = ms(t);
  return { generateMs: buildMs + writeMs, generateDetail: { buildMs, writeMs }, exportEntries: exported.length, exportMb: mb(statSync(file).size) };
}

/** 2. Read back as an administrator's export is: the file, its records, the engine's entries. */
async function readExport(file: string) {
  let t = process.hrtime.bigint();
  const content = readFileSync(file);
  const readMs = ms(t);
  t = process.hrtime.bigint();
  const records = parseLdif(content, 'the bench export');
  const parseLdifMs = ms(t);
  t = process.hrtime.bigint();
  const parsed = adEntriesFromLdif(records, { source: 'the bench export' });
  const convertMs = ms(t);
  const { defaultNamingContext, configurationNamingContext } = parsed.namingContexts;
  if (!defaultNamingContext || !configurationNamingContext) throw new Error('the bench export holds no domain or no configuration partition');
  const contexts: NamingContexts = { defaultNamingContext, configurationNamingContext };
  return {
    parseMs: readMs + parseLdifMs + convertMs,
    parseDetail: { readMs, parseLdifMs, convertMs },
    contexts,
    entries: parsed.entries,
    entryCount: parsed.entries.length,
    skippedEntries: parsed.skipped.entries.reduce((n, e) => n + 1 + e.subtreeEntries, 0),
    // The users asked about later: every mailbox user of the export, by the name she signs in with.
    users: parsed.entries.filter((e) => e.attributes.homeMDB && e.attributes.userPrincipalName).map((e) => String(e.attributes.userPrincipalName)),
  };
}

export async function benchDirectories(o: DirectoriesOptions = DEFAULT_DIRECTORIES): Promise<DirectoriesFigures> {
  const folder = mkdtempSync(join(tmpdir(), 'exchange-scenarios-bench-'));
  const file = join(folder, `fourthcoffee-${o.mailboxes}.ldf`);
  const started: Loaded[] = [];
  try {
    const generated = await generateExport(file, o.mailboxes);
    await collect();
    const baselineHeap = process.memoryUsage().heapUsed;
    const read = await readExport(file);
    const { contexts, users } = read;
    let entries: DirectoryWriteEntry[] | undefined = read.entries;
    read.entries = [];
    await collect();
    const parsedHeapMb = mb(process.memoryUsage().heapUsed - baselineHeap);

    // 3. Each directory loaded from the same entries, the load alone timed, after a full collection. slapd
    // first: the in-process directory then holds its entries in this process's heap only from its own load on.
    const why = openLdapUnavailable();
    const opened = (name: string, env: ScenarioEnvironment): Loaded => {
      const d: Loaded = { figures: { name }, env };
      started.push(d);
      return d;
    };
    const afterLoad = async ({ env, figures }: Loaded) => {
      await collect();
      const memory = process.memoryUsage();
      figures.rssMb = mb(memory.rss);
      figures.heapUsedMb = mb(memory.heapUsed);
      if (env.name !== 'openldap') return;
      const pid = slapdPid(env.url);
      figures.serverRssMb = rssMbOf(pid);
      figures.databaseMb = databaseMbOf(pid);
    };
    const loads: Array<(entries: readonly DirectoryWriteEntry[]) => Promise<Loaded>> = [
      async (entries) => {
        const name = 'slapd, online (LDAP adds)';
        if (why) return { figures: { name, unavailable: why } } as Loaded;
        const d = opened(name, await startOpenLdap());
        const pid = slapdPid(d.env.url);
        await collect();
        const [cpu, serverCpu, start] = [ownCpuSeconds(), cpuSecondsOf(pid), process.hrtime.bigint()];
        await d.env.declareNamingContexts(contexts);
        // The environment's own loader, in one call: parents first, a bounded number of adds in flight.
        await d.env.importEntries!(entries);
        d.figures.loadMs = ms(start);
        d.figures.loadDetail = `adds over LDAP (one importEntries call); CPU during the load: slapd ${(cpuSecondsOf(pid) - serverCpu).toFixed(1)} s, bench process ${(ownCpuSeconds() - cpu).toFixed(1)} s`;
        await afterLoad(d);
        return d;
      },
      async (entries) => {
        const name = 'slapd, offline (slapadd -q)';
        if (why) return { figures: { name, unavailable: why } } as Loaded;
        await collect();
        const start = process.hrtime.bigint();
        const env = await startOpenLdap({ preload: { contexts, entries } });
        const startMs = ms(start);
        const d = opened(name, env);
        d.figures.loadMs = env.preloadMs;
        d.figures.loadDetail = `slapadd -q alone; ${fixed(startMs - (env.preloadMs ?? 0))} ms more to write its LDIF, generate cn=config and start slapd`;
        await afterLoad(d);
        return d;
      },
      async (entries) => {
        const name = 'in-process';
        const d = opened(name, await startInProcess());
        await collect();
        const start = process.hrtime.bigint();
        await d.env.declareNamingContexts(contexts);
        await d.env.importEntries!(entries);
        d.figures.loadMs = ms(start);
        d.figures.loadDetail = 'one bulk import: every entry checked against the schema, then linked and indexed';
        await afterLoad(d);
        return d;
      },
    ];
    const directories: Loaded[] = [];
    for (const load of loads) directories.push(await load(entries));
    directories.unshift(directories.pop()!); // reported in-process first
    // What the in-process directory keeps of its own once the export's entries are let go.
    entries = undefined;
    await collect();
    directories[0].figures.retainedHeapMb = mb(process.memoryUsage().heapUsed - baselineHeap);

    // 4. The organization adopted from each directory, over LDAP.
    for (const d of directories) {
      if (d.figures.unavailable) continue;
      d.sim = await ExchangeSimulation.start(d.env);
      const start = process.hrtime.bigint();
      [d.org] = await d.sim.adoptOrganizations([contexts]);
      d.figures.adoptMs = ms(start);
    }

    // 5. The questions, fixed by the seed: users of the export, each asked at one of its Client Access servers.
    const measuredDirs = directories.filter((d) => d.org);
    const cas = (await measuredDirs[0].org!.directory.allServers()).filter((s) => s.roles.includes('ClientAccess')).map((s) => s.name).sort();
    const random = prng(o.seed);
    const shuffled = [...users];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
    }
    // Warm-up users are not asked about again: no measured question finds its user in a cache.
    const ask = (logonName: string) => ({ server: cas[Math.floor(random() * cas.length)], logonName });
    const warmup = shuffled.slice(0, o.warmup).map(ask);
    const measured = shuffled.slice(o.warmup, o.warmup + o.decisions).map(ask);
    if (measured.length < o.decisions) throw new Error(`the export has ${users.length} mailbox users; ${o.warmup + o.decisions} are needed`);

    const answers = new Map<Loaded, string[]>();
    const totals = new Map<Loaded, { ms: number; hits: number; misses: number }>();
    for (const d of measuredDirs) {
      for (const q of warmup) await routeOwaRequest(d.org!.directory, q);
      answers.set(d, []);
      totals.set(d, { ms: 0, hits: 0, misses: 0 });
    }
    // Blocks rotate over the directories: each goes first, second and third in turn.
    for (let from = 0, round = 0; from < measured.length; from += o.block, round++) {
      const block = measured.slice(from, from + o.block);
      for (let k = 0; k < measuredDirs.length; k++) {
        const d = measuredDirs[(k + round) % measuredDirs.length];
        const [cache, total] = [d.org!.cache, totals.get(d)!];
        const [hits, misses] = [cache.hits, cache.misses];
        const decided: string[] = [];
        const start = process.hrtime.bigint();
        for (const q of block) decided.push((await routeOwaRequest(d.org!.directory, q)).action.kind);
        total.ms += ms(start);
        total.hits += cache.hits - hits;
        total.misses += cache.misses - misses;
        answers.get(d)!.push(...decided);
      }
    }
    // The one search of a decision the topology cache cannot answer, alone (after the decisions: it changes nothing they measured).
    for (const d of measuredDirs) {
      const probe = measured.slice(0, LOOKUP_PROBE);
      const start = process.hrtime.bigint();
      for (const q of probe) await d.org!.directory.findUserByLogonName(q.logonName);
      d.figures.userLookupMs = ms(start) / probe.length;
    }
    for (const d of measuredDirs) {
      const total = totals.get(d)!;
      d.figures.decisionsPerSecond = (measured.length / total.ms) * 1000;
      d.figures.cache = { hits: total.hits, misses: total.misses };
      d.figures.actions = {};
      for (const kind of answers.get(d)!) d.figures.actions[kind] = (d.figures.actions[kind] ?? 0) + 1;
    }
    const reference = answers.get(measuredDirs[0])!;

    return {
      mailboxes: o.mailboxes,
      ...generated,
      parseMs: read.parseMs,
      parseDetail: read.parseDetail,
      parsedHeapMb,
      entries: read.entryCount,
      skippedEntries: read.skippedEntries,
      decisions: measured.length,
      warmup: warmup.length,
      directories: directories.map((d) => d.figures),
      sameDecisions: measuredDirs.every((d) => answers.get(d)!.every((a, i) => a === reference[i])),
    };
  } finally {
    for (const d of started) await d.sim?.close();
    closeNetwork();
    for (const d of started) await d.env.dispose();
    rmSync(folder, { recursive: true, force: true });
  }
}

export interface SummaryRow {
  figure: string;
  value: string;
  target: string;
  met?: boolean;
}

/** The section's lines for the bench's output, and its rows of the summary. */
export function describeDirectories(f: DirectoriesFigures): { lines: string[]; rows: SummaryRow[] } {
  const n = (x: number) => Math.round(x).toLocaleString('en');
  const ms1 = (x: number) => `${n(x)} ms`;
  const [inProcess, ...slapds] = f.directories;
  const label = (d: DirectoryFigures) => `${d.name}:`.padEnd(30);
  const lines = [
    `  generate:  ${ms1(f.generateMs)} (forest built by the writer and read back ${ms1(f.generateDetail.buildMs)}, toLdifde and write ${ms1(f.generateDetail.writeMs)}): ${n(f.exportEntries)} entries, ${n(f.exportMb)} MB`,
    `  parse:     ${ms1(f.parseMs)} (read ${ms1(f.parseDetail.readMs)}, parseLdif ${ms1(f.parseDetail.parseLdifMs)}, adEntriesFromLdif ${ms1(f.parseDetail.convertMs)}): ${n(f.entries)} entries (${f.skippedEntries} left out), ${n(f.parsedHeapMb)} MB of heap`,
    '  load (the load alone):',
    ...f.directories.map((d) => `    ${label(d)}${d.unavailable ? `unavailable: ${d.unavailable}` : `${ms1(d.loadMs!)} (${d.loadDetail})`}`),
    '  memory after each load (after a full collection):',
    ...f.directories.map((d) =>
      `    ${label(d)}${
        d.unavailable
          ? `unavailable: ${d.unavailable}`
          : d.serverRssMb === undefined && d.databaseMb === undefined
            ? `RSS ${n(d.rssMb!)} MB, heap used ${n(d.heapUsedMb!)} MB; the directory keeps ${n(d.retainedHeapMb ?? NaN)} MB of heap once the export's entries are released`
            : `slapd RSS ${n(d.serverRssMb ?? NaN)} MB, database ${n(d.databaseMb ?? NaN)} MB on disk (bench process: RSS ${n(d.rssMb!)} MB, heap used ${n(d.heapUsedMb!)} MB)`
      }`,
    ),
    '  adoption of the organization (ExchangeSimulation.adoptOrganizations, every mailbox read over LDAP):',
    ...f.directories.map((d) => `    ${label(d)}${d.unavailable ? 'unavailable' : ms1(d.adoptMs!)}`),
    `  OWA routing decisions (routeOwaRequest on the adopted organization; ${n(f.decisions)} users, the same on each directory, after ${n(f.warmup)} others as warm-up):`,
    ...f.directories.map((d) =>
      `    ${label(d)}${d.unavailable ? `unavailable: ${d.unavailable}` : `${d.decisionsPerSecond!.toFixed(1)}/s (the user search alone ${d.userLookupMs!.toFixed(2)} ms; topology cache ${d.cache!.hits} hits, ${d.cache!.misses} misses)`}`,
    ),
    ...slapds.map((d) => `    ${`${d.name} / in-process:`.padEnd(43)}${d.unavailable ? 'unavailable' : (d.decisionsPerSecond! / inProcess.decisionsPerSecond!).toFixed(3)}`),
  ];
  if (!inProcess.unavailable) {
    const kinds = Object.entries(inProcess.actions!).sort(([a], [b]) => a.localeCompare(b)).map(([k, c]) => `${k} ${c}`).join(', ');
    lines.push(`  decisions: ${kinds}; the same answer to every question on every directory measured: ${f.sameDecisions ? 'yes' : 'NO'}`);
  }
  const rows: SummaryRow[] = [
    { figure: 'export of 100k mailboxes: generate', value: ms1(f.generateMs), target: '' },
    { figure: 'export: parseLdif + adEntriesFromLdif', value: ms1(f.parseMs), target: '' },
  ];
  for (const d of f.directories) {
    const isInProcess = d === inProcess;
    rows.push({ figure: `export load, ${d.name}`, value: d.unavailable ? 'unavailable' : ms1(d.loadMs!), target: isInProcess ? '≤ 3000 ms' : '', met: isInProcess ? d.loadMs! <= 3000 : undefined });
  }
  rows.push({ figure: 'RSS after in-process export load', value: `${n(inProcess.rssMb!)} MB`, target: '' });
  for (const d of slapds) rows.push({ figure: `slapd RSS after load, ${d.name.replace(/^slapd, /, '')}`, value: d.unavailable ? 'unavailable' : `${n(d.serverRssMb ?? NaN)} MB`, target: '' });
  for (const d of f.directories) rows.push({ figure: `OWA decisions, ${d.name}`, value: d.unavailable ? 'unavailable' : `${d.decisionsPerSecond!.toFixed(1)}/s`, target: '' });
  for (const d of slapds) {
    const ratio = d.unavailable ? undefined : d.decisionsPerSecond! / inProcess.decisionsPerSecond!;
    rows.push({ figure: `decisions ${d.name.replace(/^slapd, /, 'slapd ')} / in-process`, value: ratio === undefined ? 'unavailable' : ratio.toFixed(3), target: '≥ 0.5', met: ratio === undefined ? undefined : ratio >= 0.5 });
  }
  return { lines, rows };
}

if (require.main === module) {
  benchDirectories().then(
    (f) => {
      const { lines, rows } = describeDirectories(f);
      console.log(lines.join('\n'));
      for (const r of rows) console.log(`  ${r.figure}: ${r.value} ${r.target}${r.met === undefined ? '' : r.met ? ' ✓' : ' ✗'}`);
    },
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
