// Migration impact between two directory exports (ldifde -f, the domain and the configuration partition):
// every mailbox × OWA entry URL whose outcome differs between the forest before and after, as a table.
//
//   npm run migration-impact -- fixtures/fourthcoffee.ldf fixtures/fourthcoffee-2010sp2.ldf
//   npm run migration-impact -- before.ldf after.ldf --site Chicago --fail-on-change   (a CI gate)
//
// Each export is loaded into its own in-process directory (nothing leaves this machine) and asked the same
// question the scenarios' "Then the migration changes …" steps ask (packages/engine/src/migration).

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { adEntriesFromLdif, parseLdif } from '../packages/engine/src/directory/ldif';
import { DirectoryClient } from '../packages/engine/src/directory/client';
import { InProcessDirectoryServer } from '../packages/engine/src/directory/in-process';
import { InputError } from '../packages/engine/src/errors';
import { diffOwa, impactTable, renderTable, summarizeImpact, type ImpactChange } from '../packages/engine/src/migration/impact';
import { snapshotOwa, type OwaSnapshot } from '../packages/engine/src/migration/owa';
import { ExchangeDirectory, TopologyCache } from '../packages/engine/src/topology/reader';
import { VirtualClock } from '../packages/engine/src/clock/clock';

const USAGE = 'usage: migration-impact <before.ldf> <after.ldf> [--site <name>] [--fail-on-change] [--json]';

export interface ImpactRun {
  changes: ImpactChange[];
  before: OwaSnapshot;
  after: OwaSnapshot;
  /** What each export left out (unknown classes and attributes), by file. */
  skipped: Record<string, number>;
}

async function snapshotOf(file: string): Promise<{ snapshot: OwaSnapshot; skipped: number }> {
  const parsed = adEntriesFromLdif(parseLdif(readFileSync(file), file), { source: file });
  const { defaultNamingContext, configurationNamingContext } = parsed.namingContexts;
  if (!defaultNamingContext || !configurationNamingContext) {
    throw new InputError(`${file} holds ${defaultNamingContext ? 'no configuration partition' : 'no domain partition'}; export both (ldifde -d <domain>, then -d CN=Configuration,<domain>) into one file`, { value: file });
  }
  const serviceAccount = { dn: 'CN=Migration Impact,CN=Service Accounts', password: randomBytes(18).toString('base64') };
  const server = await InProcessDirectoryServer.start({ serviceAccount });
  const client = await DirectoryClient.connect(server.url, serviceAccount, { timeoutMs: 10 * 60_000 });
  try {
    server.setNamingContexts({ defaultNamingContext, configurationNamingContext });
    server.importEntries(parsed.entries);
    const dir = new ExchangeDirectory(client, new TopologyCache(new VirtualClock()));
    return { snapshot: await snapshotOwa(dir), skipped: parsed.skipped.entries.length + Object.keys(parsed.skipped.attributes).length };
  } finally {
    await client.close();
    await server.close();
  }
}

export async function migrationImpact(beforeFile: string, afterFile: string): Promise<ImpactRun> {
  const before = await snapshotOf(beforeFile);
  const after = await snapshotOf(afterFile);
  return { changes: diffOwa(before.snapshot, after.snapshot), before: before.snapshot, after: after.snapshot, skipped: { [beforeFile]: before.skipped, [afterFile]: after.skipped } };
}

async function main(argv: string[]): Promise<number> {
  const files = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--site');
  const siteAt = argv.indexOf('--site');
  const site = siteAt >= 0 ? argv[siteAt + 1] : undefined;
  if (files.length !== 2 || (siteAt >= 0 && !site)) {
    console.error(USAGE);
    return 2;
  }
  const run = await migrationImpact(files[0], files[1]);
  const changes = site ? run.changes.filter((c) => c.sites.some((s) => s.toLowerCase() === site.toLowerCase())) : run.changes;
  if (argv.includes('--json')) {
    console.log(JSON.stringify(changes, null, 2));
  } else {
    console.log(`${files[0]}: ${run.before.mailboxes.size} mailboxes, ${run.before.entries.length} entry URLs; ${files[1]}: ${run.after.mailboxes.size} mailboxes, ${run.after.entries.length} entry URLs`);
    console.log(renderTable(impactTable(summarizeImpact(changes, 5), site ? `Migration impact for users in ${site}` : 'Migration impact')));
  }
  return argv.includes('--fail-on-change') && changes.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      // A bad export is the administrator's input: say what and where, without a stack.
      console.error(err instanceof InputError ? `migration-impact: ${err.message}` : err);
      process.exit(2);
    },
  );
}
