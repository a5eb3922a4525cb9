// Writes docs/steps.md, the step vocabulary, from the step definitions themselves: every step, its
// parameters and what they accept, whether it takes a doc string or a data table, the comment written
// above it, and one real example from features/. packages/engine/test/step-docs.test.ts fails when the
// committed page is not what this script makes today.
//
//   node -r ts-node/register scripts/step-docs.ts            print the page
//   node -r ts-node/register scripts/step-docs.ts --write    write docs/steps.md   (npm run docs:steps)
//   node -r ts-node/register scripts/step-docs.ts --check    exit 1 if docs/steps.md is stale
//
// The definitions are loaded with cucumber's own API (loadConfiguration + loadSupport), not by a shim
// that collects Given/When/Then calls or by reading the sources: cucumber.js's require globs, the
// transpiler, defineParameterType and steps registered in a loop (topology.steps.ts) all count exactly as
// in a run, and each example is found with the definition's own matcher, so "this step matches" here means
// cucumber would run it.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { loadConfiguration, loadSupport } from '@cucumber/cucumber/api';
import { CucumberExpression, NodeType, RegularExpression, type Argument, type Node as ExpressionNode, type ParameterType } from '@cucumber/cucumber-expressions';
import { AstBuilder, compile, GherkinClassicTokenMatcher, Parser } from '@cucumber/gherkin';
import { IdGenerator, type Pickle, type PickleStep } from '@cucumber/messages';

export const ROOT = resolve(__dirname, '..');
export const OUTPUT = 'docs/steps.md';
const INTRO = 'docs/steps.intro.md';
export const REGENERATE = 'npm run docs:steps';
export const REGENERATE_DIRECTLY = 'node -r ts-node/register scripts/step-docs.ts --write';

/** The areas in the order an administrator meets them; a step file not named here follows, by name. */
const AREAS: ReadonlyArray<{ file: string; title: string }> = [
  { file: 'steps/topology.steps.ts', title: 'The topology' },
  { file: 'steps/redirection.steps.ts', title: 'OWA: signing in, and what happened' },
  { file: 'steps/directory.steps.ts', title: 'Reading the directory back, and declarations that are refused' },
  { file: 'steps/federation.steps.ts', title: 'The Exchange Management Shell, federation and free/busy' },
  { file: 'steps/impersonation.steps.ts', title: 'Impersonation' },
  { file: 'steps/presence.steps.ts', title: 'Presence' },
  { file: 'steps/directory-export.steps.ts', title: 'Directory exports (your own forest)' },
  { file: 'steps/migration.steps.ts', title: 'Migration' },
];

// ---- loading ----------------------------------------------------------------------------------------

/** What cucumber's support-code library holds, as far as this page reads it. */
interface LoadedStepDefinition {
  readonly keyword: string;
  readonly pattern: string | RegExp;
  readonly expression: CucumberExpression | RegularExpression;
  readonly uri: string;
  readonly line: number;
  readonly order: number;
  readonly code: (...args: unknown[]) => unknown;
  readonly unwrappedCode?: (...args: unknown[]) => unknown;
}
interface LoadedLibrary {
  readonly stepDefinitions: readonly LoadedStepDefinition[];
  readonly parameterTypeRegistry: {
    readonly parameterTypes: Iterable<ParameterType<unknown>>;
    lookupByTypeName(name: string): ParameterType<unknown> | undefined;
    lookupSource(type: ParameterType<unknown>): { uri: string; line: number } | undefined;
  };
}

let loaded: Promise<LoadedLibrary> | undefined;

/**
 * The support code as `npx cucumber-js` loads it, once per process: cucumber requires the step files, and
 * a second load would find them cached and register nothing.
 */
export function loadStepDefinitions(root: string = ROOT): Promise<LoadedLibrary> {
  loaded ??= (async () => {
    const { runConfiguration } = await loadConfiguration({}, { cwd: root });
    // ISupportCodeLibrary is a marker type in cucumber's API; the object is the library a run uses.
    return (await loadSupport(runConfiguration, { cwd: root })) as unknown as LoadedLibrary;
  })();
  return loaded;
}

// ---- features ----------------------------------------------------------------------------------------

export interface FeatureStep {
  uri: string;
  /** The step's line in its file (not printed on the page: it would go stale with every edit above it). */
  line: number;
  /** Given, When or Then, as the step counts (an And after a Given is a Given). */
  keyword: string;
  text: string;
  docString?: string;
  rows?: string[][];
}

const KEYWORD_OF_TYPE: Record<string, string> = { Context: 'Given', Action: 'When', Outcome: 'Then' };

/** The steps of a Gherkin document as cucumber runs them: backgrounds included, outlines expanded. */
export function pickleSteps(source: string, uri: string): FeatureStep[] {
  const newId = IdGenerator.incrementing();
  const document = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher()).parse(source);
  const pickles: readonly Pickle[] = compile(document, uri, newId);
  const lines = new Map<string, number>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    const n = node as { id?: string; keyword?: string; text?: string; location?: { line: number } };
    if (n.id && n.location && typeof n.text === 'string' && typeof n.keyword === 'string') lines.set(n.id, n.location.line);
    for (const v of Object.values(node)) if (v && typeof v === 'object') visit(v);
  };
  visit(document.feature);
  return pickles.flatMap((p) =>
    p.steps.map((s: PickleStep) => ({
      uri,
      line: lines.get(s.astNodeIds[0]) ?? 0,
      keyword: KEYWORD_OF_TYPE[s.type ?? ''] ?? '*',
      text: s.text,
      docString: s.argument?.docString?.content,
      rows: s.argument?.dataTable?.rows.map((r) => r.cells.map((c) => c.value)),
    })),
  );
}

function featureFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : e.name.endsWith('.feature') ? [`${dir}/${e.name}`] : []));
  return walk('features');
}

/** Every step of every feature, in file order (paths sorted) and, within a file, in the order it runs. */
export function featureSteps(root: string = ROOT): FeatureStep[] {
  return featureFiles(root).flatMap((uri) => {
    try {
      return pickleSteps(readFileSync(join(root, uri), 'utf8'), uri);
    } catch (e) {
      // Gherkin's message gives the line and column, not the file.
      throw new Error(`${uri}: ${(e as Error).message}`);
    }
  });
}

/** The definitions whose own matcher accepts the text: one, unless the text is ambiguous. */
export function definitionsMatching<T extends { expression: { match(text: string): readonly Argument[] | null } }>(text: string, definitions: readonly T[]): T[] {
  return definitions.filter((d) => d.expression.match(text) !== null);
}

// ---- regular expressions, readably ----------------------------------------------------------------------

interface Quantifier {
  min: number;
  max: number;
  src: string;
}
type Atom =
  | { t: 'char'; ch: string }
  | { t: 'class'; src: string }
  | { t: 'anchor' }
  | { t: 'group'; capture?: number; body: Alternation; src: string };
interface Item {
  atom: Atom;
  q?: Quantifier;
  src: string;
}
interface Alternation {
  branches: Item[][];
}

/** A parser for the part of JavaScript's regex syntax step definitions use; groups are numbered as JavaScript numbers them. */
function parseRegex(src: string): Alternation {
  let i = 0;
  let captures = 0;
  const alternation = (): Alternation => {
    const branches = [sequence()];
    while (src[i] === '|') {
      i++;
      branches.push(sequence());
    }
    return { branches };
  };
  const sequence = (): Item[] => {
    const items: Item[] = [];
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      const start = i;
      const atom = parseAtom();
      const q = quantifier();
      items.push({ atom, q, src: src.slice(start, i) });
    }
    return items;
  };
  const parseAtom = (): Atom => {
    const c = src[i];
    if (c === '(') {
      const start = i;
      i++;
      let capture: number | undefined;
      if (src.startsWith('?:', i)) i += 2;
      else if (/^\?<?[=!]/.test(src.slice(i))) i += src[i + 1] === '<' ? 3 : 2; // a lookaround: not a parameter
      else {
        capture = ++captures;
        if (src.startsWith('?<', i)) i = src.indexOf('>', i) + 1;
      }
      const body = alternation();
      i++; // ')'
      return { t: 'group', capture, body, src: src.slice(start, i) };
    }
    if (c === '[') {
      const start = i;
      i++;
      if (src[i] === '^') i++;
      if (src[i] === ']') i++;
      while (i < src.length && src[i] !== ']') i += src[i] === '\\' ? 2 : 1;
      i++;
      return { t: 'class', src: src.slice(start, i) };
    }
    if (c === '\\') {
      const n = src[i + 1];
      i += 2;
      if ('bB'.includes(n)) return { t: 'anchor' };
      if ('dDwWsS'.includes(n)) return { t: 'class', src: `\\${n}` };
      return { t: 'char', ch: n };
    }
    i++;
    if (c === '.') return { t: 'class', src: '.' };
    if (c === '^' || c === '$') return { t: 'anchor' };
    return { t: 'char', ch: c };
  };
  const quantifier = (): Quantifier | undefined => {
    const m = /^(?:([?*+])|\{(\d+)(,(\d*))?\})\??/.exec(src.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    if (m[1]) return { min: m[1] === '+' ? 1 : 0, max: m[1] === '?' ? 1 : Infinity, src: m[0] };
    const min = Number(m[2]);
    return { min, max: m[3] ? (m[4] ? Number(m[4]) : Infinity) : min, src: m[0] };
  };
  return alternation();
}

/** Placeholders for the character classes a step leaves free without naming them (and in "accepts"). */
function classPlaceholder(item: Item): string {
  const s = item.src;
  if (/^\\d\{(\d+)\}$/.test(s)) return `{${/\d+/.exec(s.slice(2))![0]} digits}`;
  const known: Record<string, string> = { '\\d': '{digit}', '\\d+': '{number}', '\\S+': '{word}', '\\S+?': '{word}', '\\w+': '{word}', '.+': '{text}', '.+?': '{text}', '.*': '{text}', '.*?': '{text}', '[^"]+': '{text}', '[^"]*': '{text}' };
  return known[s] ?? `{/${s}/}`;
}

const EMAIL = ['\\S+', '@', '\\S+'];

function isOptional(q?: Quantifier): boolean {
  return q !== undefined && q.min === 0 && q.max === 1;
}

/** Whether a group's text is fixed: only literal characters (some optional) and fixed alternatives. */
function isFixed(alt: Alternation): boolean {
  return alt.branches.every((b) => b.every((it) => it.atom.t === 'anchor' || (it.atom.t === 'char' && (!it.q || isOptional(it.q))) || (it.atom.t === 'group' && it.atom.capture === undefined && (!it.q || isOptional(it.q)) && isFixed(it.atom.body))));
}

/** Moves the spaces every alternative starts or ends with outside the brackets: ` [with a | without a]`. */
function bracket(parts: string[], open: string, close: string): string {
  const lead = parts.every((p) => p.startsWith(' ')) ? ' ' : '';
  const trail = parts.every((p) => p.endsWith(' ')) ? ' ' : '';
  const inner = parts.map((p) => p.slice(lead.length, p.length - trail.length)).join(' | ');
  return `${lead}${open}${inner}${close}${trail}`;
}

type Names = (capture: number) => string;

/** A regular expression's source as this page shows it, its capture groups named by `names` (1-based). */
export function readableRegex(source: string, names: Names = (n) => `p${n}`): string {
  return renderAlternation(parseRegex(source), names);
}

function renderAlternation(alt: Alternation, names: Names, open = '(', close = ')'): string {
  const parts = alt.branches.map((b) => renderSequence(b, names));
  return parts.length > 1 ? bracket(parts, open, close) : open === '[' ? bracket(parts, '[', ']') : parts[0];
}

function renderSequence(items: Item[], names: Names): string {
  let out = '';
  for (let k = 0; k < items.length; k++) {
    if (EMAIL.every((s, j) => items[k + j]?.src === s)) {
      out += '{address}';
      k += EMAIL.length - 1;
      continue;
    }
    const { atom, q } = items[k];
    const optional = isOptional(q);
    switch (atom.t) {
      case 'anchor':
        break;
      case 'char':
        out += optional ? `[${atom.ch}]` : atom.ch + (q?.src ?? '');
        break;
      case 'class':
        out += classPlaceholder(items[k]);
        break;
      case 'group': {
        const fixed = isFixed(atom.body);
        if (atom.capture !== undefined && !fixed) out += optional ? `[{${names(atom.capture)}}]` : `{${names(atom.capture)}}`;
        else if (optional) out += renderAlternation(atom.body, names, '[', ']');
        else out += renderAlternation(atom.body, names);
      }
    }
  }
  return out;
}

interface Capture {
  index: number;
  item: Item;
  /** Inside an optional group, or optional itself: the step may leave it out. */
  optional: boolean;
}

function capturesOf(alt: Alternation, optional = false, into: Capture[] = []): Capture[] {
  // A capture in one of several alternatives is absent when the step takes another.
  const alternative = optional || alt.branches.length > 1;
  for (const branch of alt.branches) {
    for (const item of branch) {
      if (item.atom.t !== 'group') continue;
      const opt = alternative || (item.q?.min ?? 1) === 0;
      if (item.atom.capture !== undefined) into.push({ index: item.atom.capture, item, optional: opt });
      // A parameter's own inner groups are part of what it accepts, not parameters of their own.
      else capturesOf(item.atom.body, opt, into);
    }
  }
  return into;
}

const WHOLE_CAPTURES: Record<string, string> = {
  '\\S+': 'one word, no spaces',
  '\\S+@\\S+': 'an email address',
  '[^"]*': 'any text without a double quote, possibly empty',
  '[^"]+': 'any text without a double quote',
  '.+': 'any text',
  '.+?': 'any text',
  '.*': 'any text, possibly empty',
  '\\d+': 'a number',
  '\\d': 'one digit',
  '\\w+': 'one word: letters, digits or _',
  '\\d{4}-\\d{2}-\\d{2}': 'a date, yyyy-mm-dd',
};

function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** What a regular expression's capture group accepts, in words. */
function acceptsOfCapture(c: Capture, names: Names): string {
  if (c.item.atom.t !== 'group') return '';
  const body = c.item.atom.body;
  const inner = c.item.atom.src.replace(/^\((?:\?<[^>]+>)?/, '').replace(/\)$/, '');
  let accepts: string;
  if (WHOLE_CAPTURES[inner]) accepts = WHOLE_CAPTURES[inner];
  else if (/^\\d\{\d+\}$/.test(inner)) accepts = `${/\d+/.exec(inner.slice(2))![0]} digits`;
  else {
    const parts = body.branches.map((b) => renderSequence(b, names).trim());
    accepts = parts.length > 1 ? `one of ${parts.map(code).join(', ')}` : `written as ${code(parts[0])}`;
    if (isFixed(body) && parts.length === 1) accepts = `the words ${code(parts[0])}`;
  }
  return c.optional ? `${accepts}; optional` : accepts;
}

// ---- cucumber expressions, readably -------------------------------------------------------------------------

const BUILT_IN_TYPES: Record<string, string> = {
  word: 'one word, no spaces',
  string: 'text in double quotes (or single quotes)',
  int: 'a whole number',
  float: 'a number',
  double: 'a number',
  '': 'any text',
};

function renderExpressionNode(node: ExpressionNode, names: () => string): string {
  switch (node.type) {
    case NodeType.text:
      return node.text();
    case NodeType.optional:
      return `[${(node.nodes ?? []).map((n) => renderExpressionNode(n, names)).join('')}]`;
    case NodeType.alternation:
      return `(${(node.nodes ?? []).map((n) => renderExpressionNode(n, names)).join(' | ')})`;
    case NodeType.parameter: {
      const name = names();
      // {string} matches its own quotes: the administrator writes them.
      return node.text() === 'string' ? `"{${name}}"` : `{${name}}`;
    }
    default:
      return (node.nodes ?? []).map((n) => renderExpressionNode(n, names)).join('');
  }
}

// ---- source comments ------------------------------------------------------------------------------------------

/** The comment directly above a line (`/** … *\/` or `//` lines, no blank line between), as prose. */
export function commentAbove(lines: readonly string[], index: number): string | undefined {
  let k = index - 1;
  const collected: string[] = [];
  if (k >= 0 && /\*\/\s*$/.test(lines[k])) {
    while (k >= 0) {
      collected.unshift(lines[k]);
      if (/^\s*\/\*/.test(lines[k])) break;
      k--;
    }
    if (k < 0) return undefined;
    const text = collected.map((l) => l.replace(/^\s*\/\*\*?/, '').replace(/\*\/\s*$/, '').replace(/^\s*\* ?/, ''));
    return prose(text);
  }
  while (k >= 0 && /^\s*\/\//.test(lines[k])) collected.unshift(lines[k--].replace(/^\s*\/\/ ?/, ''));
  return collected.length ? prose(collected) : undefined;
}

/** Comment lines joined into paragraphs; an indented line keeps its own line (a syntax summary). */
function prose(lines: string[]): string | undefined {
  const paragraphs: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (!line.trim()) {
      if (current) paragraphs.push(current);
      current = '';
    } else if (/^\s{2,}/.test(line)) current += `${current ? '<br>' : ''}${code(line.trim())}`;
    else current += `${current && !current.endsWith('<br>') ? ' ' : ''}${line.trim()}`;
  }
  if (current) paragraphs.push(current);
  const text = paragraphs.join('\n\n').trim();
  return text || undefined;
}

/** The comment a step file opens with: the area's introduction. */
function fileComment(lines: readonly string[]): string | undefined {
  const head: string[] = [];
  for (const l of lines) {
    if (!/^\s*\/\//.test(l)) break;
    head.push(l.replace(/^\s*\/\/ ?/, ''));
  }
  return prose(head);
}

// ---- the page ---------------------------------------------------------------------------------------------------

export interface StepParameter {
  name: string;
  accepts: string;
  /** The value the example gives it, as written in the feature. */
  example?: string;
}

export interface StepEntry {
  area: string;
  keyword: string;
  /** The expression as written in the source: a cucumber expression, or /regex/. */
  source: string;
  readable: string;
  parameters: StepParameter[];
  argument?: 'doc string' | 'data table';
  comment?: string;
  example?: FeatureStep;
  uri: string;
  line: number;
}

export interface StepDocs {
  markdown: string;
  entries: StepEntry[];
  /** Steps in features that more than one definition matches (cucumber refuses to run them). */
  ambiguous: Array<{ step: FeatureStep; sources: string[] }>;
}

/** Parameter names as the step function declares them (after its `this`), which say what each one is. */
function parameterNames(fn: (...args: unknown[]) => unknown): string[] {
  const text = Function.prototype.toString.call(fn);
  const m = /^[^(]*\(([^)]*)\)/.exec(text);
  if (!m) return [];
  return m[1]
    .split(',')
    .map((p) => p.trim().replace(/[=:].*$/, '').replace(/^\.\.\./, '').replace(/^_+/, ''))
    .filter((p) => p && p !== 'this');
}

function areaOf(uri: string): { file: string; title: string; rank: number } {
  const k = AREAS.findIndex((a) => a.file === uri);
  if (k >= 0) return { ...AREAS[k], rank: k };
  const base = uri.replace(/^.*\//, '').replace(/\.steps\.ts$|\.ts$/, '');
  return { file: uri, title: base.charAt(0).toUpperCase() + base.slice(1).replace(/-/g, ' '), rank: AREAS.length };
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 72).replace(/-+$/, '');
}

class Sources {
  private readonly cache = new Map<string, string[]>();
  constructor(private readonly root: string) {}
  lines(uri: string): string[] {
    let l = this.cache.get(uri);
    if (!l) {
      const file = join(this.root, uri);
      l = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
      this.cache.set(uri, l);
    }
    return l;
  }
}

/** The comment that documents a definition: above the Given/When/Then call, or, for a step registered in a loop, above its function. */
function definitionComment(sources: Sources, d: LoadedStepDefinition): string | undefined {
  const lines = sources.lines(d.uri);
  const at = d.line - 1;
  if (/^\s*(?:Given|When|Then|defineStep)\s*\(/.test(lines[at] ?? '')) return commentAbove(lines, at);
  const fn = d.unwrappedCode ?? d.code;
  const named = fn.name ? lines.findIndex((l) => new RegExp(`function\\s+${fn.name}\\s*\\(`).test(l)) : -1;
  if (named >= 0) return commentAbove(lines, named);
  const literal = typeof d.pattern === 'string' ? lines.findIndex((l) => l.includes(`'${d.pattern}'`) || l.includes(`"${d.pattern}"`)) : -1;
  return literal >= 0 ? commentAbove(lines, literal) : undefined;
}

/** Whether the step function takes a doc string or a data table, when no example shows it: its TypeScript signature says. */
function argumentFromSource(sources: Sources, d: LoadedStepDefinition, captures: number): 'doc string' | 'data table' | undefined {
  const fn = d.unwrappedCode ?? d.code;
  if (fn.length <= captures) return undefined;
  const lines = sources.lines(d.uri);
  const named = fn.name ? lines.findIndex((l) => new RegExp(`function\\s+${fn.name}\\s*\\(`).test(l)) : -1;
  const from = named >= 0 ? named : d.line - 1;
  const signature = lines.slice(from, from + 4).join(' ');
  return /function[^(]*\([^)]*DataTable/.test(signature) ? 'data table' : 'doc string';
}

/** A custom parameter type in words: the comment above its defineParameterType, or its pattern. */
function parameterTypeComment(sources: Sources, registry: LoadedLibrary['parameterTypeRegistry'], type: ParameterType<unknown>): string | undefined {
  const where = registry.lookupSource(type);
  return where ? commentAbove(sources.lines(where.uri), where.line - 1) : undefined;
}

function parameterTypeAccepts(type: ParameterType<unknown>): string {
  const rendered = type.regexpStrings.map((r) => renderAlternation(parseRegex(r), (n) => `p${n}`));
  // A character class with no plain name reads worse than the regular expression itself.
  return rendered.some((r) => r.includes('{/')) ? type.regexpStrings.map((r) => `/${r}/`).join(' or ') : rendered.join(' | ');
}

function describe(d: LoadedStepDefinition, sources: Sources, registry: LoadedLibrary['parameterTypeRegistry'], example: FeatureStep | undefined): Omit<StepEntry, 'area' | 'comment'> {
  const fn = d.unwrappedCode ?? d.code;
  const declared = parameterNames(fn);
  const args = example ? d.expression.match(example.text) ?? [] : [];
  const valueOf = (k: number): string | undefined => {
    const v = args[k]?.group.value as string | undefined;
    if (v === undefined) return undefined;
    return args[k].parameterType.name === 'string' ? v.slice(1, -1) : v.trim();
  };
  let readable: string;
  let parameters: StepParameter[];
  let captures: number;
  if (d.expression instanceof CucumberExpression) {
    let k = 0;
    const types: Array<ParameterType<unknown> | undefined> = [];
    const collect = (n: ExpressionNode): void => {
      if (n.type === NodeType.parameter) types.push(registry.lookupByTypeName(n.text()));
      (n.nodes ?? []).forEach(collect);
    };
    collect(d.expression.ast);
    readable = renderExpressionNode(d.expression.ast, () => declared[k++] ?? `p${k}`);
    parameters = types.map((t, j) => ({
      name: declared[j] ?? `p${j + 1}`,
      accepts: t && !t.builtin && t.name ? `${parameterTypeComment(sources, registry, t) ?? parameterTypeAccepts(t)} ([\`{${t.name}}\`](#parameter-type-${slug(t.name)}))` : BUILT_IN_TYPES[t?.name ?? ''] ?? 'any text',
      example: valueOf(j),
    }));
    captures = types.length;
  } else {
    const regex = d.expression.regexp;
    const tree = parseRegex(regex.source);
    const found = capturesOf(tree).sort((a, b) => a.index - b.index);
    const names: Names = (index) => declared[index - 1] ?? `p${index}`;
    readable = renderAlternation(tree, names);
    parameters = found.map((c, j) => ({ name: names(c.index), accepts: acceptsOfCapture(c, names), example: valueOf(j) }));
    captures = found.length;
  }
  const argument = example?.rows ? 'data table' : example?.docString !== undefined ? 'doc string' : argumentFromSource(sources, d, captures);
  const source = typeof d.pattern === 'string' ? d.pattern : `/${d.pattern.source}/${d.pattern.flags}`;
  // defineStep registers a step for any keyword.
  return { keyword: d.keyword === 'Unknown' ? '*' : d.keyword, source, readable, parameters, argument, example, uri: d.uri, line: d.line };
}

const MAX_DOC_LINES = 4;
const MAX_TABLE_ROWS = 3;

/** The example as Gherkin: the step, then its doc string's or table's first lines. */
function exampleGherkin(step: FeatureStep): string {
  const out = [`${step.keyword} ${step.text}`];
  if (step.docString !== undefined) {
    const lines = step.docString.split('\n');
    const fence = step.docString.includes('"""') ? '```' : '"""';
    out.push(`  ${fence}`, ...lines.slice(0, MAX_DOC_LINES).map((l) => `  ${l}`.trimEnd()));
    if (lines.length > MAX_DOC_LINES) out.push('  …');
    out.push(`  ${fence}`);
  }
  if (step.rows) {
    const shown = step.rows.slice(0, MAX_TABLE_ROWS);
    if (step.rows.length > MAX_TABLE_ROWS) shown.push(shown[0].map(() => '…'));
    const widths = shown[0].map((_, j) => Math.max(...shown.map((r) => [...(r[j] ?? '').replace(/\|/g, '\\|')].length)));
    for (const r of shown) out.push(`  | ${r.map((c, j) => c.replace(/\|/g, '\\|').padEnd(widths[j])).join(' | ')} |`);
  }
  return out.join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Builds the page from the definitions cucumber loads and the features under features/. */
export async function generateStepDocs(root: string = ROOT): Promise<StepDocs> {
  const library = await loadStepDefinitions(root);
  const sources = new Sources(root);
  const steps = featureSteps(root);
  const definitions = [...library.stepDefinitions].sort((a, b) => areaOf(a.uri).rank - areaOf(b.uri).rank || (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0) || a.line - b.line || a.order - b.order);

  const firstExample = new Map<LoadedStepDefinition, FeatureStep>();
  const ambiguous: StepDocs['ambiguous'] = [];
  for (const step of steps) {
    const matching = definitionsMatching(step.text, definitions);
    if (matching.length > 1 && !ambiguous.some((a) => a.step.text === step.text)) ambiguous.push({ step, sources: matching.map((m) => String(m.pattern)) });
    for (const d of matching) if (!firstExample.has(d)) firstExample.set(d, step);
  }

  const entries: StepEntry[] = definitions.map((d) => ({ area: areaOf(d.uri).file, comment: definitionComment(sources, d), ...describe(d, sources, library.parameterTypeRegistry, firstExample.get(d)) }));
  const custom = [...library.parameterTypeRegistry.parameterTypes].filter((t) => !t.builtin && t.name);
  return { markdown: render(root, sources, entries, custom, library.parameterTypeRegistry), entries, ambiguous };
}

const AREA_NOTE = /^<!--\s*area:\s*(\S+)\s*-->\s*$/;

/**
 * docs/steps.intro.md: the page's introduction, then, after a line `<!-- area: steps/x.steps.ts -->`, notes
 * for that area (what its doc strings accept, say), which the page prints under the area's heading.
 */
function handWritten(text: string): { intro: string; notes: Map<string, string> } {
  // Comments addressed to whoever edits the file stay out of the page; the area markers are kept to split it.
  text = text.replace(/<!--(?!\s*area:)[\s\S]*?-->\n?/g, '').replace(/\n{3,}/g, '\n\n');
  const notes = new Map<string, string>();
  let area: string | undefined;
  const intro: string[] = [];
  let chunk: string[] = intro;
  for (const line of text.split('\n')) {
    const m = AREA_NOTE.exec(line);
    if (m) {
      if (area) notes.set(area, chunk.join('\n').trim());
      area = m[1];
      chunk = [];
    } else chunk.push(line);
  }
  if (area) notes.set(area, chunk.join('\n').trim());
  return { intro: intro.join('\n').trim(), notes };
}

function render(root: string, sources: Sources, entries: StepEntry[], customTypes: ParameterType<unknown>[], registry: LoadedLibrary['parameterTypeRegistry']): string {
  const out: string[] = [];
  const without = entries.filter((e) => !e.example);
  const areas = [...new Set(entries.map((e) => e.area))];
  const introFile = join(root, INTRO);
  out.push(`<!-- Generated by scripts/step-docs.ts from steps/*.ts, ${INTRO} and features/: do not edit by hand. Regenerate with \`${REGENERATE}\` (${REGENERATE_DIRECTLY}). -->`, '');
  const { intro, notes } = handWritten(existsSync(introFile) ? readFileSync(introFile, 'utf8') : '');
  if (intro) out.push(intro, '');
  out.push(
    `This page lists **${entries.length} step definitions** in ${areas.length} areas; ${without.length === 0 ? 'every one has an example in a feature' : `**${without.length}** ${without.length === 1 ? 'has' : 'have'} no example in any feature yet`}. It is generated: after changing a step, its comment or a feature, run \`${REGENERATE}\` (or \`${REGENERATE_DIRECTLY}\`); \`npm test\` fails while it is stale.`,
    '',
    '## Contents',
    '',
  );
  const anchors = new Map<StepEntry, string>();
  const used = new Set<string>();
  for (const e of entries) {
    const base = `${slug(e.area.replace(/^.*\//, '').replace(/\.steps\.ts$/, ''))}-${slug(`${e.keyword} ${e.readable}`)}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    anchors.set(e, id);
  }
  const areaId = (file: string) => `area-${slug(file.replace(/^.*\//, '').replace(/\.steps\.ts$/, ''))}`;
  for (const file of areas) {
    const n = entries.filter((e) => e.area === file).length;
    out.push(`- [${areaOf(file).title}](#${areaId(file)}) (${n} ${n === 1 ? 'step' : 'steps'}, \`${file}\`)`);
  }
  if (customTypes.length) out.push('- [Parameter types](#parameter-types)');
  if (without.length) out.push('- [Steps without an example](#steps-without-an-example)');
  out.push('');

  for (const file of areas) {
    const mine = entries.filter((e) => e.area === file);
    out.push(`<a id="${areaId(file)}"></a>`, '', `## ${areaOf(file).title}`, '');
    const opening = fileComment(sources.lines(file));
    if (opening) out.push(opening, '');
    if (notes.get(file)) out.push(notes.get(file)!, '');
    out.push(`From [\`${file}\`](../${file}):`, '');
    for (const e of mine) out.push(`- [${code(`${e.keyword} ${e.readable}`)}](#${anchors.get(e)})`);
    out.push('');
    for (const e of mine) {
      out.push(`<a id="${anchors.get(e)}"></a>`, '', `### ${code(`${e.keyword} ${e.readable}`)}`, '');
      if (e.comment) out.push(e.comment, '');
      if (e.parameters.length) {
        out.push('| parameter | accepts | in the example |', '|---|---|---|');
        for (const p of e.parameters) out.push(`| \`${p.name}\` | ${cell(p.accepts)} | ${p.example === undefined ? '' : cell(code(p.example))} |`);
        out.push('');
      }
      if (e.argument === 'data table') {
        const columns = e.example?.rows?.[0];
        out.push(`Takes a data table${columns ? `; the example's columns: ${columns.map(code).join(', ')}` : ''}.`, '');
      } else if (e.argument === 'doc string') out.push('Takes a doc string (the lines between `"""` under the step).', '');
      if (e.example) {
        out.push(`Example, from [\`${e.example.uri}\`](../${e.example.uri}):`, '', '```gherkin', exampleGherkin(e.example), '```', '');
      } else out.push('_No feature uses this step yet._', '');
      out.push(`<sub>${e.source.startsWith('/') ? 'Regular expression' : 'Cucumber expression'} ${code(e.source)}</sub>`, '');
    }
  }

  if (customTypes.length) {
    out.push('<a id="parameter-types"></a>', '', '## Parameter types', '');
    out.push('Besides cucumber\'s own (`{word}`: one word; `{string}`: text in quotes; `{int}`: a whole number; `{}`: any text), the steps use these:', '');
    for (const t of customTypes.sort((a, b) => ((a.name ?? '') < (b.name ?? '') ? -1 : 1))) {
      const where = registry.lookupSource(t);
      const comment = parameterTypeComment(sources, registry, t);
      out.push(`<a id="parameter-type-${slug(t.name ?? '')}"></a>`, '', `### \`{${t.name}}\``, '');
      if (comment) out.push(comment, '');
      out.push(`Accepts ${code(parameterTypeAccepts(t))}${where ? `; defined in [\`${where.uri}\`](../${where.uri})` : ''}.`, '');
    }
  }

  if (without.length) {
    out.push('<a id="steps-without-an-example"></a>', '', '## Steps without an example', '', 'No feature under `features/` uses these yet:', '');
    for (const e of without) out.push(`- [${code(`${e.keyword} ${e.readable}`)}](#${anchors.get(e)}) (\`${e.uri}\`)`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

// ---- command line -----------------------------------------------------------------------------------------------

async function main(argv: string[]): Promise<number> {
  const { markdown, entries, ambiguous } = await generateStepDocs(ROOT);
  const file = join(ROOT, OUTPUT);
  const without = entries.filter((e) => !e.example);
  const summary = `${entries.length} step definitions documented; ${without.length} without an example in any feature${without.length ? `:\n  ${without.map((e) => `${e.keyword} ${e.readable}  (${e.uri}:${e.line})`).join('\n  ')}` : ''}`;
  for (const a of ambiguous) process.stderr.write(`ambiguous: ${a.step.uri}: "${a.step.text}" matches ${a.sources.join(' and ')}\n`);
  if (argv.includes('--write')) {
    writeFileSync(file, markdown);
    process.stderr.write(`wrote ${relative(ROOT, file)}: ${summary}\n`);
    return 0;
  }
  if (argv.includes('--check')) {
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (current === markdown) return 0;
    process.stderr.write(`${OUTPUT} is stale: run ${REGENERATE} (or ${REGENERATE_DIRECTLY})\n`);
    return 1;
  }
  process.stdout.write(markdown);
  process.stderr.write(`${summary}\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
