import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { definitionsMatching, generateStepDocs, loadStepDefinitions, OUTPUT, pickleSteps, readableRegex, REGENERATE, REGENERATE_DIRECTLY, ROOT } from '../../../scripts/step-docs';

// docs/steps.md is generated from the step definitions and the features: it must be what the generator
// makes today, or an administrator reads about steps that are gone or misses new ones.
test('docs/steps.md is what scripts/step-docs.ts makes from today\'s steps and features', async () => {
  const { markdown } = await generateStepDocs();
  const committed = readFileSync(join(ROOT, OUTPUT), 'utf8');
  if (committed === markdown) return;
  // The first differing line says what changed without printing two pages.
  const a = committed.split('\n');
  const b = markdown.split('\n');
  let k = 0;
  while (k < a.length && k < b.length && a[k] === b[k]) k++;
  assert.fail(`${OUTPUT} is stale: run ${REGENERATE} (or ${REGENERATE_DIRECTLY}).\nFirst difference at line ${k + 1}:\n  committed: ${a[k] ?? '(end of file)'}\n  generated: ${b[k] ?? '(end of file)'}`);
});

/** The ```gherkin blocks of a Markdown file, with the line each starts on. */
function gherkinBlocks(markdown: string): Array<{ line: number; text: string }> {
  const blocks: Array<{ line: number; text: string }> = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```gherkin\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end])) end++;
    blocks.push({ line: start + 1, text: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** A block that shows only steps (or a scenario) is wrapped in what Gherkin needs around it; its lines stay countable. */
function asFeature(text: string): { source: string; added: number } {
  const header: string[] = [];
  if (!/^\s*(?:Feature|Business Need|Ability):/m.test(text)) header.push('Feature: an example');
  if (!/^\s*(?:Scenario|Scenario Outline|Scenario Template|Example|Background|Rule):/m.test(text)) header.push('Scenario: an example');
  return { source: [...header, text].join('\n'), added: header.length };
}

// The guide for administrators and the README teach by example: every step they show must be one a
// feature can use, exactly as written.
for (const file of ['docs/writing-features.md', 'README.md']) {
  test(`every step in the gherkin examples of ${file} matches exactly one step definition`, async () => {
    const { stepDefinitions } = await loadStepDefinitions();
    const blocks = gherkinBlocks(readFileSync(join(ROOT, file), 'utf8'));
    assert.ok(blocks.length > 0, `${file} has no \`\`\`gherkin example`);
    const problems: string[] = [];
    let steps = 0;
    for (const block of blocks) {
      const { source, added } = asFeature(block.text);
      let parsed;
      try {
        parsed = pickleSteps(source, file);
      } catch (e) {
        problems.push(`${file}:${block.line}: the example is not valid Gherkin: ${(e as Error).message}`);
        continue;
      }
      for (const step of parsed) {
        steps++;
        const at = `${file}:${block.line + step.line - 1 - added}`;
        const matching = definitionsMatching(step.text, stepDefinitions);
        if (matching.length === 0) problems.push(`${at}: "${step.text}" matches no step definition (docs/steps.md lists them)`);
        if (matching.length > 1) problems.push(`${at}: "${step.text}" is ambiguous: ${matching.map((d) => String(d.pattern)).join(' and ')}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(steps > 0, `${file}'s gherkin examples hold no step`);
  });
}

test('a regular expression reads as the step an administrator writes', () => {
  const names = (n: number) => ['server', 'not', 'group'][n - 1];
  assert.equal(readableRegex('^(\\S+) is (not )?a member of (Exchange Domain Servers|Exchange Servers)$', names), '{server} is [not] a member of (Exchange Domain Servers | Exchange Servers)');
  assert.equal(readableRegex('^the (\\S+) administrator (?:runs|has run):$', () => 'org'), 'the {org} administrator (runs | has run):');
  assert.equal(readableRegex('^(\\S+) is silently redirected to "([^"]*)"( with single sign-on| without single sign-on)?$', (n) => ['who', 'url', 'sso'][n - 1]), '{who} is silently redirected to "{url}" [with single sign-on | without single sign-on]');
  assert.equal(readableRegex('^the Active Directory sites? (.+)$', () => 'names'), 'the Active Directory site[s] {names}');
});
