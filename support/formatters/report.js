// A cucumber-js formatter that writes the run as ONE self-contained HTML page (no script, style sheet,
// font or image is fetched from anywhere): a summary per status, then every feature with its scenarios,
// their steps, failures, the text trace, and the path every request took drawn as a sequence diagram.
// Attachments it understands:
//   application/vnd.exchange-scenarios.trace+json  {"scenario", "hops"} (support/hooks.ts): a diagram
//   application/vnd.exchange-scenarios.table+json  {"title", "columns", "rows"}: an HTML table
//   text/plain: <pre>; image/*: inline; anything else: named with its size.
// Plain JavaScript: cucumber loads formatters with import(), which ts-node's require hook does not reach
// (a .ts formatter is refused, ERR_UNKNOWN_FILE_EXTENSION). Elements carry classes and data attributes
// (section.scenario[data-status], svg.sequence-diagram, g.arrow) for scripts/report-in-browser.ts.
const { Formatter } = require('@cucumber/cucumber');

const TRACE = 'application/vnd.exchange-scenarios.trace+json';
const TABLE = 'application/vnd.exchange-scenarios.table+json';

// The diagram is drawn here from the trace JSON rather than in the After hook: the attachment stays the
// data (the NDJSON stream and the JSON report carry hops, not a picture other tools would have to parse),
// and the drawing can change without changing what is attached. Cucumber loads the support code, and with it
// ts-node and the engine, before it creates formatters (the profiles' requireModule), so this require
// costs nothing; registering ts-node again is a no-op, and makes the formatter work in any profile.
require('ts-node/register');
const { sequenceDiagram } = require('@exchange-scenarios/engine');

/** Cucumber's order of severity: a scenario is as bad as its worst step. */
const SEVERITY = ['UNKNOWN', 'PASSED', 'SKIPPED', 'PENDING', 'UNDEFINED', 'AMBIGUOUS', 'FAILED'];
/** The order counts are shown in: what needs attention first. */
const SHOWN = ['FAILED', 'AMBIGUOUS', 'UNDEFINED', 'PENDING', 'SKIPPED', 'PASSED', 'UNKNOWN'];
const worst = (statuses) => statuses.reduce((a, b) => (SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a), 'UNKNOWN');

function html(value) {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const seconds = (d) => (d ? Number(d.seconds) + d.nanos / 1e9 : 0);
const lower = (status) => status.toLowerCase();

class ReportFormatter extends Formatter {
  constructor(options) {
    super(options);
    this.documents = new Map(); // uri → gherkinDocument, in the order the run read them
    this.astNodes = new Map(); // AST node id → { keyword, line } for steps, scenarios and example rows
    this.pickles = new Map();
    this.testCases = new Map();
    this.hooks = new Map();
    this.attempts = new Map(); // testCaseStarted id → { testCaseId, attempt, steps: Map, attachments: [] }
    this.lastAttempt = new Map(); // testCase id → its latest attempt (a retried scenario shows its last try)
    this.startedAt = undefined;
    this.endedAt = undefined;
    options.eventBroadcaster.on('envelope', (e) => this.receive(e));
  }

  receive(e) {
    if (e.gherkinDocument) this.index(e.gherkinDocument);
    else if (e.pickle) this.pickles.set(e.pickle.id, e.pickle);
    else if (e.hook) this.hooks.set(e.hook.id, e.hook);
    else if (e.testRunStarted) this.startedAt = seconds(e.testRunStarted.timestamp);
    else if (e.testCase) this.testCases.set(e.testCase.id, e.testCase);
    else if (e.testCaseStarted) {
      const a = { testCaseId: e.testCaseStarted.testCaseId, attempt: e.testCaseStarted.attempt, results: new Map(), attachments: [] };
      this.attempts.set(e.testCaseStarted.id, a);
      this.lastAttempt.set(a.testCaseId, a);
    } else if (e.testStepFinished) {
      this.attempts.get(e.testStepFinished.testCaseStartedId)?.results.set(e.testStepFinished.testStepId, e.testStepFinished.testStepResult);
    } else if (e.attachment && e.attachment.testCaseStartedId) {
      this.attempts.get(e.attachment.testCaseStartedId)?.attachments.push(e.attachment);
    } else if (e.testRunFinished) {
      this.endedAt = seconds(e.testRunFinished.timestamp);
      this.log(this.render());
    }
  }

  index(doc) {
    this.documents.set(doc.uri, doc);
    const visit = (children) => {
      for (const c of children || []) {
        const scenario = c.scenario;
        for (const s of (c.background || scenario || {}).steps || []) this.astNodes.set(s.id, { keyword: s.keyword, line: s.location.line });
        if (scenario) {
          this.astNodes.set(scenario.id, { keyword: scenario.keyword, line: scenario.location.line });
          for (const ex of scenario.examples || []) for (const row of ex.tableBody || []) this.astNodes.set(row.id, { keyword: 'Example', line: row.location.line });
        }
        if (c.rule) visit(c.rule.children);
      }
    };
    if (doc.feature) visit(doc.feature.children);
  }

  render() {
    // One entry per scenario that ran, grouped by feature in the order the features were read.
    const byFeature = new Map([...this.documents.keys()].map((uri) => [uri, []]));
    for (const [testCaseId, attempt] of this.lastAttempt) {
      const testCase = this.testCases.get(testCaseId);
      const pickle = this.pickles.get(testCase.pickleId);
      const statuses = testCase.testSteps.map((s) => (attempt.results.get(s.id) || { status: 'UNKNOWN' }).status);
      const entry = { testCase, pickle, attempt, status: worst(statuses) };
      if (!byFeature.has(pickle.uri)) byFeature.set(pickle.uri, []);
      byFeature.get(pickle.uri).push(entry);
    }
    const all = [...byFeature.values()].flat();
    const scenarioCounts = countBy(all.map((s) => s.status));
    const stepCounts = countBy(all.flatMap((s) => s.testCase.testSteps.filter((t) => t.pickleStepId).map((t) => (s.attempt.results.get(t.id) || { status: 'UNKNOWN' }).status)));
    const features = [...byFeature].filter(([, scenarios]) => scenarios.length > 0);
    const duration = this.endedAt !== undefined && this.startedAt !== undefined ? this.endedAt - this.startedAt : 0;
    const overall = worst(all.map((s) => s.status));

    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Exchange scenarios: ${all.length} scenarios, ${scenarioCounts.FAILED || 0} failed</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Exchange scenarios</h1>
<p class="run">${all.length} scenario${all.length === 1 ? '' : 's'} in ${features.length} feature${features.length === 1 ? '' : 's'}, ${duration.toFixed(1)} s${this.startedAt ? `, ${html(new Date(this.startedAt * 1000).toISOString().replace('T', ' ').slice(0, 19))} UTC` : ''}</p>
<div class="summary" data-status="${lower(overall)}">
${summaryLine('scenarios', scenarioCounts, 'scenarios')}
${summaryLine('steps', stepCounts, 'steps')}
</div>
<form class="filter" onsubmit="return false">
<input type="search" id="filter" placeholder="Filter scenarios by name, feature, tag or server" aria-label="Filter scenarios">
${SHOWN.filter((s) => scenarioCounts[s])
  .map((s) => `<label class="toggle" data-status="${lower(s)}"><input type="checkbox" checked value="${lower(s)}"> ${lower(s)} (${scenarioCounts[s]})</label>`)
  .join('\n')}
<button type="button" id="expand">Expand all</button> <button type="button" id="collapse">Collapse all</button>
</form>
</header>
<main>
${features.map(([uri, scenarios]) => this.feature(uri, scenarios)).join('\n')}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
  }

  feature(uri, scenarios) {
    const doc = this.documents.get(uri);
    const feature = (doc && doc.feature) || { name: uri, keyword: 'Feature', tags: [] };
    const status = worst(scenarios.map((s) => s.status));
    const counts = countBy(scenarios.map((s) => s.status));
    return `<section class="feature" data-uri="${html(uri)}" data-status="${lower(status)}">
<h2><span class="keyword">${html(feature.keyword)}:</span> ${html(feature.name)} <span class="counts">${SHOWN.filter((s) => counts[s])
      .map((s) => `<span class="badge" data-status="${lower(s)}">${counts[s]} ${lower(s)}</span>`)
      .join(' ')}</span></h2>
<p class="uri">${html(uri)}${tags(feature.tags)}</p>
${scenarios.map((s) => this.scenario(s)).join('\n')}
</section>`;
  }

  scenario({ testCase, pickle, attempt, status }) {
    const at = this.astNodes.get(pickle.astNodeIds[pickle.astNodeIds.length - 1]) || this.astNodes.get(pickle.astNodeIds[0]);
    const ofStep = new Map();
    for (const a of attempt.attachments) {
      if (!ofStep.has(a.testStepId)) ofStep.set(a.testStepId, []);
      ofStep.get(a.testStepId).push(a);
    }
    const steps = [];
    const afterwards = []; // what hooks attached: the trace, drawn after the steps
    for (const ts of testCase.testSteps) {
      const result = attempt.results.get(ts.id) || { status: 'UNKNOWN' };
      const attachments = ofStep.get(ts.id) || [];
      if (ts.pickleStepId) {
        steps.push(this.step(pickle.steps.find((p) => p.id === ts.pickleStepId), result, attachments));
      } else {
        afterwards.push(...attachments);
        // A hook is shown only when it failed (the After hook fails a scenario that reached an unknown name).
        if (result.status === 'FAILED') {
          const hook = this.hooks.get(ts.hookId);
          const where = hook && hook.sourceReference && hook.sourceReference.location ? ` (${hook.sourceReference.uri}:${hook.sourceReference.location.line})` : hook && hook.sourceReference ? ` (${hook.sourceReference.uri})` : '';
          const kind = hook && hook.type ? HOOK_KINDS[hook.type] || 'Hook' : 'Hook';
          steps.push(`<li class="step hook" data-status="failed"><span class="keyword">${kind}</span> ${html([(hook && hook.name) || '', where.trim()].filter(Boolean).join(' '))}${error(result)}</li>`);
        }
      }
    }
    const traces = afterwards.filter((a) => a.mediaType === TRACE);
    const others = afterwards.filter((a) => a.mediaType !== TRACE);
    const searchable = [pickle.name, pickle.uri, ...pickle.tags.map((t) => t.name)];
    const diagrams = traces.map((a) => this.diagram(a, pickle, searchable));
    return `<details class="scenario-box" open><summary><span class="badge" data-status="${lower(status)}">${lower(status)}</span> <span class="keyword">${html((at && at.keyword) || 'Scenario')}:</span> <span class="name">${html(pickle.name)}</span> <span class="uri">${html(pickle.uri)}:${at ? at.line : '?'}</span>${attempt.attempt > 0 ? ` <span class="retry">attempt ${attempt.attempt + 1}</span>` : ''}</summary>
<section class="scenario" data-status="${lower(status)}" data-name="${html(pickle.name)}" data-uri="${html(pickle.uri)}" data-line="${at ? at.line : ''}" data-search="${html(searchable.join(' ').toLowerCase())}">
${tags(pickle.tags)}
<ol class="steps">
${steps.join('\n')}
</ol>
${diagrams.join('\n')}
${others.map((a) => attachment(a)).join('\n')}
</section>
</details>`;
  }

  step(pickleStep, result, attachments) {
    const ast = this.astNodes.get(pickleStep.astNodeIds[0]) || { keyword: '', line: '?' };
    const arg = pickleStep.argument || {};
    const extra = arg.docString
      ? `<pre class="doc-string">${html(arg.docString.content)}</pre>`
      : arg.dataTable
        ? `<table class="data-table">${arg.dataTable.rows.map((r) => `<tr>${r.cells.map((c) => `<td>${html(c.value)}</td>`).join('')}</tr>`).join('')}</table>`
        : '';
    const ms = seconds(result.duration) * 1000;
    return `<li class="step" data-status="${lower(result.status)}" data-line="${ast.line}"><span class="keyword">${html(ast.keyword.trim())}</span> ${html(pickleStep.text)} <span class="duration">${ms >= 1 ? `${ms.toFixed(0)} ms` : ''}</span>${extra}${error(result)}${attachments.map((a) => attachment(a)).join('')}</li>`;
  }

  diagram(a, pickle, searchable) {
    let trace;
    try {
      trace = JSON.parse(text(a));
    } catch (e) {
      return `<pre class="error">The trace attached to this scenario is not JSON (${html(e.message)}).</pre>`;
    }
    const hops = Array.isArray(trace.hops) ? trace.hops : [];
    for (const h of hops) searchable.push(h.from, h.to);
    // The hook redacted the hops already; the diagram redacts credentials by name (URL userinfo, password
    // fields) once more, in case a trace comes from elsewhere.
    const svg = sequenceDiagram({ hops }, { title: `What happened on the network in "${pickle.name}"` });
    const servers = [...new Set(hops.flatMap((h) => [h.from, h.to]))];
    // A diagram a little wider than the page shrinks to fit it, down to 80% (text stays 9 px or more);
    // a wider one keeps that size and scrolls sideways.
    const width = Number((/^<svg [^>]*width="(\d+)"/.exec(svg) || [])[1]) || 0;
    const sized = svg.replace('<svg ', `<svg style="max-width: 100%; min-width: ${Math.round(width * 0.8)}px; height: auto" `);
    return `<figure class="trace" data-hops="${hops.length}">
<figcaption>The path of ${hops.length} request${hops.length === 1 ? '' : 's'} between ${servers.map((s) => `<span class="participant">${html(s)}</span>`).join(', ')} <span class="hint">(hover an arrow for its notes, a rule for its reason)</span></figcaption>
<div class="diagram">${sized}</div>
</figure>`;
  }
}

ReportFormatter.documentation = 'One self-contained HTML page: every scenario with its steps and its trace drawn as a sequence diagram';

function text(a) {
  return a.contentEncoding === 'BASE64' ? Buffer.from(a.body, 'base64').toString('utf8') : a.body;
}

function attachment(a) {
  if (a.mediaType === TABLE) {
    try {
      const t = JSON.parse(text(a));
      return `<table class="attachment-table" data-title="${html(t.title || '')}"><caption>${html(t.title || '')}</caption>
<thead><tr>${(t.columns || []).map((c) => `<th>${html(c)}</th>`).join('')}</tr></thead>
<tbody>${(t.rows || []).map((r) => `<tr>${r.map((c) => `<td>${html(c)}</td>`).join('')}</tr>`).join('\n')}</tbody></table>`;
    } catch (e) {
      return `<pre class="error">A table attachment that is not JSON (${html(e.message)}).</pre>`;
    }
  }
  if (a.mediaType.startsWith('text/')) {
    const body = text(a);
    // The text trace is long (every directory lookup): folded, the diagram says the same at a glance.
    const long = body.split('\n').length > 12;
    const pre = `<pre class="attachment" data-media-type="${html(a.mediaType)}">${html(body)}</pre>`;
    return long ? `<details class="attachment"><summary>${html(a.fileName || 'The trace as text, with every directory lookup')} (${body.split('\n').length} lines)</summary>${pre}</details>` : pre;
  }
  if (/^image\/(png|jpeg|gif|webp)$/.test(a.mediaType) && a.contentEncoding === 'BASE64') {
    return `<img class="attachment" alt="${html(a.fileName || 'attached image')}" src="data:${a.mediaType};base64,${a.body}">`;
  }
  return `<p class="attachment other">An attachment of type ${html(a.mediaType)} (${Buffer.byteLength(a.body)} bytes)${a.fileName ? `: ${html(a.fileName)}` : ''}</p>`;
}

const HOOK_KINDS = { BEFORE_TEST_CASE: 'Before hook', AFTER_TEST_CASE: 'After hook', BEFORE_TEST_STEP: 'BeforeStep hook', AFTER_TEST_STEP: 'AfterStep hook' };

function error(result) {
  if (result.message) return `<pre class="error">${html(result.message)}</pre>`;
  // Cucumber gives an undefined step no message: say what to do about it.
  if (result.status === 'UNDEFINED') return `<pre class="error">No step matches this text. The run's undefined-steps.txt names the closest existing step; docs/steps.md lists them all.</pre>`;
  return '';
}

function tags(list) {
  return list && list.length ? ` <span class="tags">${list.map((t) => `<span class="tag">${html(t.name)}</span>`).join(' ')}</span>` : '';
}

function countBy(statuses) {
  const counts = {};
  for (const s of statuses) counts[s] = (counts[s] || 0) + 1;
  return counts;
}

function summaryLine(title, counts, kind) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return `<p class="counts" data-kind="${kind}"><b>${total} ${title}</b>: ${SHOWN.filter((s) => counts[s])
    .map((s) => `<span class="count" data-status="${lower(s)}" data-count="${counts[s]}">${counts[s]} ${lower(s)}</span>`)
    .join(', ')}</p>`;
}

const STYLE = `
:root { --passed: #1a7f37; --failed: #cf222e; --skipped: #6e7781; --pending: #9a6700; --undefined: #bc4c00; --ambiguous: #8250df; --unknown: #6e7781; }
body { font: 14px/1.45 system-ui, 'DejaVu Sans', sans-serif; color: #1f2328; margin: 0; background: #f6f8fa; }
header { background: #fff; border-bottom: 1px solid #d0d7de; padding: 12px 24px; }
h1 { font-size: 20px; margin: 0 0 4px; }
main { padding: 8px 24px 40px; }
.run, .uri { color: #57606a; margin: 2px 0; }
.summary { display: flex; gap: 32px; flex-wrap: wrap; }
p.counts { margin: 4px 0; font-size: 15px; }
[data-status="passed"] { --c: var(--passed); } [data-status="failed"] { --c: var(--failed); } [data-status="skipped"] { --c: var(--skipped); }
[data-status="pending"] { --c: var(--pending); } [data-status="undefined"] { --c: var(--undefined); } [data-status="ambiguous"] { --c: var(--ambiguous); } [data-status="unknown"] { --c: var(--unknown); }
.count, .toggle { color: var(--c); font-weight: 600; }
.badge { display: inline-block; min-width: 52px; text-align: center; border-radius: 10px; padding: 0 8px; color: #fff; background: var(--c); font-size: 12px; }
form.filter { margin-top: 8px; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
form.filter input[type=search] { width: 360px; padding: 4px 8px; }
section.feature { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; margin: 16px 0; padding: 8px 16px; }
section.feature > h2 { font-size: 17px; margin: 4px 0; }
.keyword { font-weight: 600; color: #57606a; }
details.scenario-box { border-top: 1px solid #eaeef2; padding: 6px 0; }
details.scenario-box > summary { cursor: pointer; font-size: 15px; }
details.scenario-box > summary .name { font-weight: 600; }
details.scenario-box > summary .uri { font-size: 12px; margin-left: 8px; }
section.scenario { padding-left: 20px; }
.tags .tag { font-size: 12px; color: #0969da; margin-right: 4px; }
ol.steps { list-style: none; padding-left: 0; margin: 6px 0; }
li.step { border-left: 3px solid var(--c); padding: 1px 8px; margin: 2px 0; }
li.step .duration { color: #8c959f; font-size: 12px; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; padding: 6px 8px; overflow-x: auto; font-size: 12px; margin: 4px 0; white-space: pre; }
pre.error { background: #ffebe9; border-color: #ff8182; color: #82071e; white-space: pre-wrap; }
table.data-table, table.attachment-table { border-collapse: collapse; margin: 4px 0; font-size: 12px; }
table.data-table td, table.attachment-table td, table.attachment-table th { border: 1px solid #d0d7de; padding: 2px 8px; text-align: left; }
table.attachment-table th { background: #f6f8fa; }
table.attachment-table caption { text-align: left; font-weight: 600; padding: 4px 0; }
figure.trace { margin: 8px 0; }
figure.trace figcaption { color: #57606a; font-size: 13px; margin-bottom: 4px; }
figure.trace .participant { font-weight: 600; color: #1f2328; }
figure.trace .hint { font-size: 12px; }
div.diagram { overflow-x: auto; border: 1px solid #d0d7de; border-radius: 4px; background: #fff; }
div.diagram svg { display: block; }
details.attachment > summary { cursor: pointer; color: #57606a; font-size: 13px; }
.hidden { display: none; }
`;

// Filtering only hides what is there; the report works the same without it.
const SCRIPT = `
(function () {
  var box = document.getElementById('filter');
  var toggles = Array.prototype.slice.call(document.querySelectorAll('.toggle input'));
  function apply() {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = toggles.filter(function (t) { return t.checked; }).map(function (t) { return t.value; });
    document.querySelectorAll('section.feature').forEach(function (f) {
      var any = false;
      f.querySelectorAll('section.scenario').forEach(function (s) {
        var ok = shown.indexOf(s.dataset.status) >= 0 && words.every(function (w) { return s.dataset.search.indexOf(w) >= 0; });
        s.parentElement.classList.toggle('hidden', !ok);
        any = any || ok;
      });
      f.classList.toggle('hidden', !any);
    });
  }
  box.addEventListener('input', apply);
  toggles.forEach(function (t) { t.addEventListener('change', apply); });
  function all(open) { document.querySelectorAll('details.scenario-box').forEach(function (d) { d.open = open; }); }
  document.getElementById('expand').addEventListener('click', function () { all(true); });
  document.getElementById('collapse').addEventListener('click', function () { all(false); });
})();
`;

module.exports = ReportFormatter;
