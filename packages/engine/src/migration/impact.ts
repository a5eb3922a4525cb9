// Migration impact: the differential question. Given the outcomes before and after a change, which users get
// something else — at which entry URL, from what to what. One change per mailbox × entry URL (OWA), per
// requester × mailbox (free/busy between organizations) and per application × mailbox (impersonation); the
// summary groups the identical ones so 50,000 Dallas mailboxes that all change alike read as one line.

import { owaOutcomeOf, type OwaSnapshot } from './owa';

export type ImpactQuestion = 'OWA' | 'free/busy' | 'impersonation';

export interface ImpactChange {
  question: ImpactQuestion;
  /** The mailbox (OWA, impersonation) or the requester (free/busy). */
  subject: string;
  /** The entry URL (OWA), the mailbox asked about (free/busy), the application (impersonation). */
  where: string;
  before: string;
  after: string;
  /** The sites the subject's mailbox is in before and after (OWA), for "users in Chicago". */
  sites: string[];
}

/** A small question's outcomes, row by row: free/busy and impersonation, asked through the network. */
export interface OutcomeRows {
  question: ImpactQuestion;
  /** subject → where → outcome. */
  rows: Map<string, Map<string, string>>;
  /** subject → the site its mailbox is in. */
  sites: Map<string, string>;
}

const NOT_A_MAILBOX = 'no mailbox';
const NOT_AN_ENTRY = 'not an entry URL';

/**
 * What changes for each mailbox at each entry URL users have before the change. Mailboxes are matched by user
 * principal name. A URL the change adds is not a change to what anybody gets (nobody uses it yet); one it
 * removes is ("not an entry URL").
 */
export function diffOwa(before: OwaSnapshot, after: OwaSnapshot): ImpactChange[] {
  const entryList = before.entries.map((e) => e.url);
  // Every user on the same pair of databases changes alike: compare each pair once.
  const byPair = new Map<string, Array<{ where: string; before: string; after: string }>>();
  const changes: ImpactChange[] = [];
  const keys = new Set([...before.mailboxes.keys(), ...after.mailboxes.keys()]);
  for (const key of [...keys].sort()) {
    const b = before.mailboxes.get(key);
    const a = after.mailboxes.get(key);
    const pair = `${b?.classKey ?? '∅'}|${a?.classKey ?? '∅'}`;
    let differences = byPair.get(pair);
    if (!differences) {
      differences = [];
      for (const url of entryList) {
        const was = b ? (owaOutcomeOf(before, key, url)?.summary ?? NOT_AN_ENTRY) : NOT_A_MAILBOX;
        const is = a ? (owaOutcomeOf(after, key, url)?.summary ?? NOT_AN_ENTRY) : NOT_A_MAILBOX;
        if (was !== is) differences.push({ where: url, before: was, after: is });
      }
      byPair.set(pair, differences);
    }
    if (differences.length === 0) continue;
    const subject = (a ?? b)!.user.userPrincipalName || (a ?? b)!.user.alias;
    const sites = [...new Set([b?.site, a?.site].filter((s): s is string => !!s))];
    for (const d of differences) changes.push({ question: 'OWA', subject, sites, ...d });
  }
  return changes;
}

/** What changes between two row-by-row outcome sets of the same question. */
export function diffRows(before: OutcomeRows, after: OutcomeRows): ImpactChange[] {
  const changes: ImpactChange[] = [];
  const subjects = [...new Set([...before.rows.keys(), ...after.rows.keys()])].sort();
  for (const subject of subjects) {
    const b = before.rows.get(subject) ?? new Map<string, string>();
    const a = after.rows.get(subject) ?? new Map<string, string>();
    for (const where of [...new Set([...b.keys(), ...a.keys()])].sort()) {
      const was = b.get(where) ?? '(not asked)';
      const is = a.get(where) ?? '(not asked)';
      if (was === is) continue;
      const sites = [...new Set([before.sites.get(subject), after.sites.get(subject)].filter((s): s is string => !!s))];
      changes.push({ question: before.question, subject, where, before: was, after: is, sites });
    }
  }
  return changes;
}

export interface ImpactSummaryRow {
  question: ImpactQuestion;
  where: string;
  before: string;
  after: string;
  /** How many subjects change this way, a few of them by name, and their sites. */
  count: number;
  examples: string[];
  sites: string[];
}

/** Identical changes grouped: one row per question × where × before × after, the biggest first. */
export function summarizeImpact(changes: readonly ImpactChange[], examples = 3): ImpactSummaryRow[] {
  const groups = new Map<string, ImpactSummaryRow>();
  for (const c of changes) {
    const key = `${c.question}\u0000${c.where}\u0000${c.before}\u0000${c.after}`;
    let row = groups.get(key);
    if (!row) groups.set(key, (row = { question: c.question, where: c.where, before: c.before, after: c.after, count: 0, examples: [], sites: [] }));
    row.count++;
    if (row.examples.length < examples) row.examples.push(c.subject);
    for (const s of c.sites) if (!row.sites.includes(s)) row.sites.push(s);
  }
  const order: ImpactQuestion[] = ['OWA', 'free/busy', 'impersonation'];
  return [...groups.values()].sort((x, y) => order.indexOf(x.question) - order.indexOf(y.question) || y.count - x.count || x.where.localeCompare(y.where) || x.before.localeCompare(y.before));
}

/** The summary as a table (title, columns, rows): what a terminal prints and the HTML report draws. */
export function impactTable(rows: readonly ImpactSummaryRow[], title = 'Migration impact'): { title: string; columns: string[]; rows: string[][] } {
  const who = (r: ImpactSummaryRow) => {
    const named = r.examples.join(', ');
    return r.count > r.examples.length ? `${named} and ${(r.count - r.examples.length).toLocaleString('en-US')} more` : named;
  };
  return {
    title: rows.length === 0 ? `${title}: nothing changes` : `${title}: ${plural(rows.reduce((n, r) => n + r.count, 0), 'change')}`,
    columns: ['Question', 'Users', 'Sites', 'At', 'Before', 'After'],
    rows: rows.map((r) => [r.question, who(r), r.sites.join(', '), r.where, r.before, r.after]),
  };
}

function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/** A table drawn in plain text, columns padded, long cells wrapped at `width` characters. */
export function renderTable(table: { title: string; columns: string[]; rows: string[][] }, width = 48): string {
  const wrap = (cell: string): string[] => {
    const lines: string[] = [];
    let line = '';
    for (const word of cell.split(' ')) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
    return lines;
  };
  if (table.rows.length === 0) return table.title;
  const wrapped = [table.columns, ...table.rows].map((r) => r.map(wrap));
  const widths = table.columns.map((_, i) => Math.max(...wrapped.map((r) => Math.max(...r[i].map((l) => l.length)))));
  const out = [table.title];
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  out.push(rule);
  wrapped.forEach((r, n) => {
    const height = Math.max(...r.map((c) => c.length));
    for (let k = 0; k < height; k++) out.push(`| ${r.map((c, i) => (c[k] ?? '').padEnd(widths[i])).join(' | ')} |`);
    if (n === 0) out.push(rule);
  });
  out.push(rule);
  return out.join('\n');
}
