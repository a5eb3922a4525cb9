// A cucumber-js formatter that, for every undefined step, names the closest existing step: cucumber's own
// output already gives the snippet to write a new one, but most undefined steps are mistyped ones.
// Plain JavaScript so it loads before any TypeScript hook is registered.
const { Formatter } = require('@cucumber/cucumber');

function distance(a, b) {
  const m = a.length;
  const n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[n];
}

/** A step definition's text with its parameters replaced by a marker, to compare with a step's words. */
function shape(definition) {
  return definition
    .replace(/^\^|\$$/g, '')
    .replace(/\{[^}]*\}/g, '…')
    .replace(/\((?:[^()]|\([^()]*\))*\)[?*+]?/g, '…')
    .replace(/\\/g, '')
    .toLowerCase();
}

function stepShape(text) {
  return text.replace(/"[^"]*"/g, '…').toLowerCase();
}

class ClosestStepFormatter extends Formatter {
  constructor(options) {
    super(options);
    this.definitions = [];
    this.pickles = new Map();
    this.undefinedSteps = [];
    this.documents = new Map();
    options.eventBroadcaster.on('envelope', (e) => {
      if (e.stepDefinition) this.definitions.push(e.stepDefinition.pattern.source);
      if (e.gherkinDocument) this.documents.set(e.gherkinDocument.uri, e.gherkinDocument);
      if (e.pickle) this.pickles.set(e.pickle.id, e.pickle);
      if (e.testCase) {
        const pickle = this.pickles.get(e.testCase.pickleId);
        for (const ts of e.testCase.testSteps) {
          if (!ts.pickleStepId || (ts.stepDefinitionIds && ts.stepDefinitionIds.length > 0)) continue;
          const step = pickle.steps.find((s) => s.id === ts.pickleStepId);
          this.undefinedSteps.push({ uri: pickle.uri, text: step.text, line: this.lineOf(pickle.uri, step.astNodeIds[0]) });
        }
      }
      if (e.testRunFinished) this.report();
    });
  }

  lineOf(uri, astId) {
    const doc = this.documents.get(uri);
    const visit = (children) => {
      for (const c of children || []) {
        const steps = (c.background && c.background.steps) || (c.scenario && c.scenario.steps) || [];
        const hit = steps.find((s) => s.id === astId);
        if (hit) return hit.location.line;
        if (c.rule) {
          const r = visit(c.rule.children);
          if (r) return r;
        }
      }
      return undefined;
    };
    return (doc && doc.feature && visit(doc.feature.children)) || '?';
  }

  report() {
    const seen = new Set();
    const lines = [];
    for (const u of this.undefinedSteps) {
      const key = `${u.uri}:${u.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const wanted = stepShape(u.text);
      const ranked = this.definitions
        .map((d) => ({ d, score: distance(wanted, shape(d)) }))
        .sort((a, b) => a.score - b.score);
      const best = ranked[0];
      lines.push(`${key}: "${u.text}" matches no step.` + (best ? `\n    Closest existing step: ${best.d}` : ''));
    }
    const text = lines.length ? `\nUndefined steps (see docs/steps.md for every step):\n${lines.join('\n')}\n` : '';
    // Written to its report file and to stderr, because stdout belongs to the progress or summary formatter.
    this.log(text);
    if (text) process.stderr.write(text);
  }
}

module.exports = ClosestStepFormatter;
