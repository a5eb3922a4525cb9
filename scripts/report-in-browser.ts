// The HTML report, proven in a real browser: runs three features with the `scenarios` profile (an OWA
// request proxied from one site's CAS to another's, a cross-organization free/busy lookup through the
// federation gateway, a presence server reading Exchange calendars), serves the report on loopback, opens it
// in Debian's Chromium (driven by playwright-core: browser downloads do not work here, so it must be the
// packaged binary) and checks what an administrator would look for. Writes a full-page screenshot to
// reports/report-screenshot.png for CI to keep. `npm run test:report`.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join, resolve } from 'node:path';
import { loadConfiguration, runCucumber } from '@cucumber/cucumber/api';
import { chromium, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const FEATURES = [
  'features/redirection/exchange-2007-proxying.feature',
  'features/federation/free-busy-between-organizations.feature',
  'features/presence/calendar-integration.feature',
  // Attaches migration-impact tables (application/vnd.exchange-scenarios.table+json).
  'features/migrations/manual-to-silent-redirection.feature',
];
const TRACE = 'application/vnd.exchange-scenarios.trace+json';
const TABLE = 'application/vnd.exchange-scenarios.table+json';
// Its own directory under reports/, so that this check never overwrites the report of `npm run scenarios`.
const OUT = resolve('reports/report-in-browser');
const SCREENSHOT = resolve('reports/report-screenshot.png');

const failures: string[] = [];
function check(ok: unknown, what: string): void {
  if (ok) console.log(`  ✓ ${what}`);
  else {
    console.log(`  ✗ ${what}`);
    failures.push(what);
  }
}

/** What the run itself says it did, from its NDJSON message stream: the truth the page is held to. */
interface Ran {
  uri: string;
  name: string;
  hops: number;
  tables: Array<{ title: string; columns: string[]; rows: string[][] }>;
}

function readMessages(file: string): Ran[] {
  const pickles = new Map<string, { uri: string; name: string }>();
  const testCases = new Map<string, string>();
  const started = new Map<string, Ran>();
  const lastAttempt = new Map<string, Ran>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line);
    if (e.pickle) pickles.set(e.pickle.id, { uri: e.pickle.uri, name: e.pickle.name });
    else if (e.testCase) testCases.set(e.testCase.id, e.testCase.pickleId);
    else if (e.testCaseStarted) {
      const ran: Ran = { ...pickles.get(testCases.get(e.testCaseStarted.testCaseId)!)!, hops: 0, tables: [] };
      started.set(e.testCaseStarted.id, ran);
      lastAttempt.set(e.testCaseStarted.testCaseId, ran);
    } else if (e.attachment?.testCaseStartedId) {
      const ran = started.get(e.attachment.testCaseStartedId)!;
      const body = e.attachment.contentEncoding === 'BASE64' ? Buffer.from(e.attachment.body, 'base64').toString('utf8') : e.attachment.body;
      if (e.attachment.mediaType === TRACE) ran.hops += JSON.parse(body).hops.length;
      if (e.attachment.mediaType === TABLE) ran.tables.push(JSON.parse(body));
    }
  }
  return [...lastAttempt.values()];
}

function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname.slice(1));
    // Only the files the run wrote, by their plain names: nothing else of the machine is served.
    if (req.method !== 'GET' || !readdirSync(dir).includes(name)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': name.endsWith('.html') ? 'text/html; charset=utf-8' : 'application/octet-stream' });
    res.end(readFileSync(join(dir, name)));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

/**
 * Each scenario section of the page as the browser sees it. The function runs in the page, from its source
 * as ts-node's transpiler (Sucrase) left it: it turns `?.` and `??` into calls of helpers the page does not
 * have, so neither is used here.
 */
async function scenariosOnPage(page: Page) {
  return page.$$eval('section.scenario', (sections) =>
    sections.map((s) => {
      const svg = s.querySelector('svg.sequence-diagram');
      const figure = s.querySelector('figure.trace');
      const box = svg ? svg.getBoundingClientRect() : undefined;
      const text = (e: { textContent: string | null } | null) => (e && e.textContent) || '';
      return {
        uri: s.getAttribute('data-uri') || '',
        name: s.getAttribute('data-name') || '',
        status: s.getAttribute('data-status') || '',
        hops: figure ? Number(figure.getAttribute('data-hops')) : 0,
        drawn: box ? { width: box.width as number, height: box.height as number } : undefined,
        participants: svg ? [...svg.querySelectorAll('g.participant')].map((p) => (p.getAttribute('data-name') || '') as string) : [],
        arrows: svg
          ? [...svg.querySelectorAll('g.arrow')].map((g) => ({
              kind: (g.classList.contains('return') ? 'return' : g.classList.contains('lost') ? 'lost' : 'request') as string,
              from: (g.getAttribute('data-from') || '') as string,
              to: (g.getAttribute('data-to') || '') as string,
              label: text(g.querySelector('text')) as string,
            }))
          : [],
        tables: [...s.querySelectorAll('table.attachment-table')].map((t) => ({
          title: text(t.querySelector('caption')) as string,
          columns: [...t.querySelectorAll('thead th')].map((th) => text(th) as string),
          rows: t.querySelectorAll('tbody tr').length as number,
        })),
      };
    }),
  );
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error("Debian's chromium is not installed (apt-get install chromium)");
  const began = Date.now();

  // The scenarios profile as `npm run scenarios` uses it, every output moved to this check's directory.
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const { runConfiguration } = await loadConfiguration({ profiles: ['scenarios'], provided: { paths: FEATURES } });
  const files = runConfiguration.formats.files;
  runConfiguration.formats.files = Object.fromEntries(Object.entries(files).map(([path, formatter]) => [join(OUT, basename(path)), formatter]));
  const reportFile = Object.keys(runConfiguration.formats.files).find((p) => p.endsWith('.html'));
  const messagesFile = Object.entries(runConfiguration.formats.files).find(([, f]) => f === 'message')?.[0];
  if (!reportFile || !messagesFile) throw new Error('the scenarios profile (cucumber.js) writes no HTML report or no message stream');
  console.log(`== cucumber: ${FEATURES.join(', ')}`);
  const { success } = await runCucumber(runConfiguration);
  const ranFor = (Date.now() - began) / 1000;
  if (!success) console.log('  (some scenarios did not pass: the report must show them all the same)');

  // Read only now: support/world.ts registers the World with cucumber, which it must do inside the run.
  const { DEFAULT_PASSWORD } = require('../support/world') as typeof import('../support/world');
  const ran = readMessages(messagesFile);
  const html = readFileSync(reportFile, 'utf8');
  console.log(`== ${basename(reportFile)}: ${(html.length / 1024).toFixed(0)} KiB for ${ran.length} scenarios, in Chromium`);
  const server = await serve(OUT);
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Self-contained means the page asks for nothing but itself.
    const elsewhere: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin + '/')) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin}/${basename(reportFile)}`, { waitUntil: 'load' });
    const onPage = await scenariosOnPage(page);

    check(onPage.length === ran.length && ran.every((r) => onPage.some((s) => s.uri === r.uri && s.name === r.name)), `every scenario that ran has its section (${onPage.length} on the page, ${ran.length} ran)`);
    const summary = await page.$$eval('.counts[data-kind="scenarios"] .count', (tds) => tds.reduce((n, td) => n + Number(td.getAttribute('data-count')), 0));
    check(summary === ran.length, `the summary counts ${summary} scenarios`);

    // Each scenario's diagram holds exactly the hops its trace recorded, as requests and lost messages.
    const key = (s: { uri: string; name: string }) => `${s.uri}\u0000${s.name}`;
    const expected = new Map<string, number[]>();
    for (const r of ran) expected.set(key(r), [...(expected.get(key(r)) ?? []), r.hops].sort((a, b) => a - b));
    const drawn = new Map<string, number[]>();
    for (const s of onPage) drawn.set(key(s), [...(drawn.get(key(s)) ?? []), s.drawn ? s.arrows.filter((a) => a.kind !== 'return').length : 0].sort((a, b) => a - b));
    const wrong = [...expected].filter(([k, hops]) => JSON.stringify(drawn.get(k)) !== JSON.stringify(hops)).map(([k]) => k.replace('\u0000', ': '));
    const withHops = ran.filter((r) => r.hops > 0).length;
    check(withHops > 0 && wrong.length === 0, `the ${withHops} scenarios whose trace has hops each show a sequence diagram with one arrow per request${wrong.length ? `; not so for ${wrong.slice(0, 3).join(' | ')}` : ''}`);
    check(onPage.every((s) => !s.drawn || (s.drawn.width > 200 && s.drawn.height > 100)), 'every diagram is laid out at a readable size');

    const labels = onPage.flatMap((s) => s.arrows.filter((a) => a.kind === 'request').map((a) => a.label));
    const labelled = labels.filter((l) => /^#\d+ (GET|POST|PROPFIND|SEARCH|SUBSCRIBE|NOTIFY|PUT|DELETE|OPTIONS|HEAD) \S+\.\S+ → \d{3}$/.test(l));
    check(labelled.length > 0, `arrow labels show a method, a URL and a status, e.g. "${labelled[0] ?? labels[0]}"`);
    const firstLabel = page.locator('svg.sequence-diagram g.arrow.request text').first();
    check(await firstLabel.isVisible(), 'the first arrow label is visible');
    check(await page.locator('svg.sequence-diagram g.decision').count() > 0, 'the rule that decided is drawn on arrows ([ruleSet.rule], its reason as a tooltip)');

    const proxied = onPage.filter((s) => s.uri.includes('/redirection/') && s.participants.length >= 3 && /'s browser$/.test(s.participants[0]) &&
      s.arrows.some((a) => a.kind === 'request' && a.from === s.participants[1] && a.to === s.participants[2]) &&
      s.arrows.some((a) => a.kind === 'return' && a.from === s.participants[2] && a.to === s.participants[1]));
    check(proxied.length > 0, `a proxied OWA request is drawn browser → Internet-facing CAS → second CAS and back${proxied[0] ? ` ("${proxied[0].name}": ${proxied[0].participants.slice(0, 3).join(' → ')})` : ''}`);
    const federated = onPage.filter((s) => s.uri.includes('/federation/') && s.participants.some((p) => /Federation Gateway/.test(p)) && s.arrows.some((a) => /Federation Gateway/.test(a.to)));
    check(federated.length > 0, `a free/busy lookup shows the federation gateway${federated[0] ? ` ("${federated[0].name}": ${federated[0].participants.join(', ')})` : ''}`);
    const presence = onPage.filter((s) => s.uri.includes('/presence/') && s.arrows.some((a) => a.kind === 'request' && a.from === s.participants[0] && /\/exchange/.test(a.label)));
    check(presence.length > 0, `a presence server reading an Exchange calendar is drawn${presence[0] ? ` ("${presence[0].name}": ${presence[0].participants.join(' → ')})` : ''}`);
    const unanswered = onPage.filter((s) => s.arrows.some((a) => a.kind === 'lost'));
    const lost = unanswered.flatMap((s) => s.arrows.filter((a) => a.kind === 'lost'));
    check(lost.length > 0, `a request no server answered is drawn as a lost message ("${lost[0]?.label ?? ''}")`);

    // No password anywhere: the page as served, as rendered, and every other output of the run.
    const content = await page.content();
    const text = await page.locator('body').innerText();
    const leaking = readdirSync(OUT).filter((f) => readFileSync(join(OUT, f), 'utf8').includes(DEFAULT_PASSWORD));
    check(!content.includes(DEFAULT_PASSWORD) && !text.includes(DEFAULT_PASSWORD) && leaking.length === 0, `the scenario password appears nowhere: not in the page's HTML or text, nor in ${readdirSync(OUT).join(', ')}${leaking.length ? ` (it is in ${leaking.join(', ')})` : ''}`);

    const tablesAttached = ran.flatMap((r) => r.tables);
    if (tablesAttached.length === 0) {
      // The migration feature above attaches them: none means the steps or the hook stopped attaching.
      check(false, `a scenario of these features attaches a ${TABLE} table (the migration-impact steps do)`);
    } else {
      const tables = onPage.flatMap((s) => s.tables);
      check(tables.length === tablesAttached.length && tablesAttached.every((t) => tables.some((x) => x.title === t.title && JSON.stringify(x.columns) === JSON.stringify(t.columns) && x.rows === t.rows.length)), `the ${tablesAttached.length} attached tables render with their titles, columns and rows`);
    }

    // The filter box narrows the page to what is typed: here, one presence server's name.
    const server0 = presence[0]?.participants[0];
    if (server0) {
      await page.fill('#filter', server0);
      const visible = await page.locator('section.scenario').evaluateAll((sections) => sections.filter((s) => s.parentElement.offsetParent !== null).length);
      check(visible > 0 && visible < onPage.length, `the filter box shows the ${visible} scenarios that involve ${server0}`);
      await page.fill('#filter', '');
    }
    check(elsewhere.length === 0, `the page fetched nothing but itself${elsewhere.length ? ` (it asked for ${elsewhere.slice(0, 3).join(', ')})` : ''}`);
    check(errors.length === 0, `no script error${errors.length ? `: ${errors.join('; ')}` : ''}`);

    // The screenshot: every scenario's line, and the diagrams of one scenario of each kind of path (all of
    // them open would make a picture tens of thousands of pixels high).
    await page.click('#collapse');
    check((await page.locator('details.scenario-box[open]').count()) === 0, '"Collapse all" folds every scenario');
    const shown = [proxied[0], federated[0], presence[0], unanswered[0]].filter((s) => s !== undefined).map((s) => key(s));
    await page.locator('section.scenario').evaluateAll((sections, keys) => {
      for (const s of sections) if (keys.includes(`${s.getAttribute('data-uri')}\u0000${s.getAttribute('data-name')}`)) s.parentElement.open = true;
    }, shown);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const height = await page.locator('html').evaluate((root) => root.scrollHeight);
    console.log(`== screenshot: ${SCREENSHOT} (1400 × ${height} px); report: ${reportFile}; ${((Date.now() - began) / 1000).toFixed(1)} s in all, ${ranFor.toFixed(1)} s of it cucumber`);
  } finally {
    await browser.close();
    server.close();
  }
}

main().then(
  () => {
    if (failures.length) {
      console.error(`\nThe HTML report failed ${failures.length} check${failures.length === 1 ? '' : 's'}:\n  ${failures.join('\n  ')}`);
      process.exit(1);
    }
    console.log('\nThe HTML report passed every check.');
    process.exit(0); // the run's LDAP and DNS servers are closed; a stray timer must not keep CI waiting
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
