// A scenario's trace drawn as a UML sequence diagram: one lifeline per participant (a user's browser, a
// Client Access server, the federation gateway, a presence server …), one arrow per request, a dashed
// return arrow with the status and the rule that decided. Pure: a self-contained SVG string with no
// scripts, fonts or ids (its one style rule is scoped to its class), so that any number of diagrams can sit
// inline in one HTML page.

import type { Hop } from './trace';

/** What the diagram draws of a hop: everything but its directory lookups (the JSON a report carries). */
export type DrawnHop = Pick<Hop, 'id' | 'parent' | 'from' | 'to' | 'method' | 'url' | 'status' | 'failure' | 'decisions' | 'notes'>;

export interface SequenceDiagramOptions {
  /** Strings that must never be shown (the scenario's passwords); each occurrence becomes "•••". */
  secrets?: readonly string[];
  /** Read by screen readers and shown as the diagram's tooltip. */
  title?: string;
}

/** What stands in for anything redacted. */
export const REDACTED = '•••';

/** Query parameters and form fields whose values are credentials, as their names usually go. */
const SECRET_FIELD = /(password|passwd|pwd|token|secret)$/i; // password, newPassword, access_token, client_secret …

/** An escaped string for SVG (and HTML) text and attribute values. */
function xml(value: string): string {
  return value
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD') // not allowed in XML at all
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Every spelling a secret travels in: as typed, and encoded in a URL or a form body. */
function spellings(secrets: readonly string[]): string[] {
  const all = new Set<string>();
  for (const s of secrets) {
    if (!s) continue; // an empty secret would match between every two characters
    all.add(s);
    all.add(encodeURIComponent(s));
    all.add(new URLSearchParams({ s }).toString().slice(2));
  }
  // Longest first, so that a secret containing another is replaced whole.
  return [...all].sort((a, b) => b.length - a.length);
}

/**
 * A text with its credentials replaced: the scenario's secrets, the userinfo of any URL in it, and the
 * value of any `name=value` whose name says password, passwd, pwd, token or secret.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of spellings(secrets)) out = out.split(s).join(REDACTED);
  out = out.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s@]+@/gi, `$1${REDACTED}@`);
  out = out.replace(/([\w.-]+)=([^&;#\s]*)/g, (whole, name: string) => (SECRET_FIELD.test(name) ? `${name}=${REDACTED}` : whole));
  return out;
}

/** A copy of the hops with every string in them redacted (what may leave the test process in a report). */
export function redactHops<T extends object>(hops: readonly T[], secrets: readonly string[] = []): T[] {
  const scrub = (value: unknown): unknown => {
    if (typeof value === 'string') return redact(value, secrets);
    if (Array.isArray(value)) return value.map(scrub);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v)]));
    return value;
  };
  return hops.map((h) => scrub(h) as T);
}

// Geometry, in px. Labels are monospace so that their width can be known without a browser.
const FONT = 11;
const CHAR = FONT * 0.62;
const NAME_FONT = 12;
const NAME_CHAR = NAME_FONT * 0.66; // bold sans-serif, generously: a name must not overflow its box
const MARGIN = 16;
const NAME_LINE = 15;
const NAME_WRAP = 20;
const MIN_GAP = 140;
const ROW = 38;
const RULE_ROW = 14;
const MAX_URL = 72;
const MAX_LINE = 46;
const LINE = 13;
const MAX_RULES = 3;

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 207: 'Multi-Status', 301: 'Moved Permanently', 302: 'Found',
  303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 440: 'Login Timeout', 449: 'Retry With',
  451: 'Redirect', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
};

function statusColour(status: number): string {
  if (status < 300) return '#1a7f37';
  if (status < 400) return '#0969da';
  if (status < 500) return '#bc4c00';
  return '#cf222e';
}

function textWidth(text: string, perChar = CHAR): number {
  return [...text].length * perChar;
}

/** A long participant name on two lines, cut at the space nearest its middle: boxes stay narrow. */
function wrap(name: string): string[] {
  if ([...name].length <= NAME_WRAP) return [name];
  const spaces = [...name.matchAll(/ /g)].map((m) => m.index!);
  if (spaces.length === 0) return [name];
  const at = spaces.reduce((a, b) => (Math.abs(b - name.length / 2) < Math.abs(a - name.length / 2) ? b : a));
  return [name.slice(0, at), name.slice(at + 1)];
}

/** Long text cut in the middle, where URLs carry least: the host and the last segment stay readable. */
function shorten(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const head = Math.ceil((max - 1) * 0.6);
  return chars.slice(0, head).join('') + '…' + chars.slice(chars.length - (max - 1 - head)).join('');
}

/** A URL as an administrator reads it: host and path (no https://), the query shortened. */
export function displayUrl(url: string): string {
  const { host, path } = urlParts(url);
  return shorten(host + path, MAX_URL);
}

function urlParts(url: string): { host: string; path: string } {
  try {
    const u = new URL(url);
    const scheme = u.protocol === 'https:' || u.protocol === 'http:' ? '' : u.protocol + '//';
    const query = u.search.length > 16 ? u.search.slice(0, 12) + '…' : u.search;
    let path = u.pathname === '/' && scheme === '' ? '' : u.pathname;
    // The first segment names the virtual directory (/owa, /ews, /autodiscover), the last what was asked.
    const segments = path.split('/');
    if (path.length + u.host.length > MAX_URL - 8 && segments.length > 4) path = [...segments.slice(0, 2), '…', ...segments.slice(-1)].join('/');
    return { host: `${scheme}${u.username || u.password ? REDACTED + '@' : ''}${u.host}`, path: path + query };
  } catch {
    return { host: url, path: '' }; // not a URL: shown as the trace has it
  }
}

/**
 * A request's label: `#id METHOD host/path → status`, on two lines (host, then path) when one would be
 * long, so that a diagram of several servers still fits a screen. The lines read as one text.
 */
function requestLabel(h: DrawnHop): string[] {
  const { host, path } = urlParts(h.url);
  const status = h.status !== undefined && !h.failure ? ` → ${h.status}` : '';
  const one = `#${h.id} ${h.method} ${host}${path}${status}`;
  if ([...one].length <= MAX_LINE) return [one];
  return [shorten(`#${h.id} ${h.method} ${host}`, MAX_URL), shorten(path, MAX_URL - status.length) + status].filter((l) => l.length > 0);
}

interface Row {
  kind: 'request' | 'return' | 'lost';
  hop: DrawnHop;
  from: number;
  to: number;
  label: string[];
  rules: Hop['decisions'];
  y: number;
}

/**
 * The hops as an SVG sequence diagram: participants in order of first appearance, requests in the order
 * they were made, and each answer after every request its server made to produce it.
 */
export function sequenceDiagram(trace: { readonly hops: readonly DrawnHop[] }, options: SequenceDiagramOptions = {}): string {
  const hops = redactHops(trace.hops, options.secrets ?? []);
  const participants: string[] = [];
  const index = (name: string) => {
    let i = participants.indexOf(name);
    if (i < 0) i = participants.push(name) - 1;
    return i;
  };
  for (const h of hops) {
    index(h.from);
    index(h.to);
  }

  // Requests a server made while handling one are drawn inside it: before its answer.
  const ids = new Set(hops.map((h) => h.id));
  const children = new Map<number | undefined, DrawnHop[]>();
  for (const h of hops) {
    const parent = h.parent !== undefined && ids.has(h.parent) ? h.parent : undefined;
    children.set(parent, [...(children.get(parent) ?? []), h]);
  }
  const rows: Row[] = [];
  const walk = (parent: number | undefined) => {
    for (const h of children.get(parent) ?? []) {
      const from = index(h.from);
      const to = index(h.to);
      const request = requestLabel(h);
      if (h.failure) {
        rows.push({ kind: 'lost', hop: h, from, to, label: [...request, ` ✗ ${shorten(h.failure, MAX_URL)}`], rules: h.decisions, y: 0 });
        walk(h.id);
        continue;
      }
      const answered = h.status !== undefined;
      // The status on the request too: with a server's own requests in between, its answer can be far below.
      rows.push({ kind: 'request', hop: h, from, to, label: request, rules: answered ? [] : h.decisions, y: 0 });
      walk(h.id);
      if (answered) {
        const status = h.status!;
        rows.push({ kind: 'return', hop: h, from: to, to: from, label: [`${status}${STATUS_TEXT[status] ? ' ' + STATUS_TEXT[status] : ''}`], rules: h.decisions, y: 0 });
      }
    }
  };
  walk(undefined);

  // Gaps between lifelines wide enough for the labels of the arrows that span them.
  const names = participants.map((p) => wrap(shorten(p, 48)));
  const head = 16 + NAME_LINE * Math.max(1, ...names.map((n) => n.length));
  const boxes = names.map((n) => Math.max(100, ...n.map((l) => textWidth(l, NAME_CHAR) + 20)));
  const gaps = participants.slice(1).map((_, i) => Math.max(MIN_GAP, (boxes[i] + boxes[i + 1]) / 2 + 16));
  const ruleText = (r: Hop['decisions'][number]) => `[${r.rule}]`;
  const widest = (row: Row) => Math.max(...row.label.map((l) => textWidth(l)), ...row.rules.slice(0, MAX_RULES).map((r) => textWidth(ruleText(r))));
  let selfWidth = 0;
  const spans = rows
    .filter((r) => r.from !== r.to)
    .map((r) => ({ lo: Math.min(r.from, r.to), hi: Math.max(r.from, r.to), need: widest(r) + 28 }))
    .sort((a, b) => a.hi - a.lo - (b.hi - b.lo));
  for (const s of spans) {
    const have = gaps.slice(s.lo, s.hi).reduce((a, b) => a + b, 0);
    if (have < s.need) for (let g = s.lo; g < s.hi; g++) gaps[g] += (s.need - have) / (s.hi - s.lo);
  }
  for (const r of rows) if (r.from === r.to) selfWidth = Math.max(selfWidth, widest(r) + 40);
  const firstHalf = (boxes[0] ?? 100) / 2;
  const x: number[] = [];
  participants.forEach((_, i) => x.push(i === 0 ? MARGIN + firstHalf : x[i - 1] + gaps[i - 1]));
  const lastHalf = (boxes[boxes.length - 1] ?? 100) / 2;
  const width = Math.ceil((x[x.length - 1] ?? MARGIN) + Math.max(lastHalf, selfWidth) + MARGIN);

  let y = MARGIN + head + 16;
  for (const r of rows) {
    const rules = Math.min(r.rules.length, MAX_RULES) + (r.rules.length > MAX_RULES ? 1 : 0);
    y += 16 + (r.label.length - 1) * LINE; // the label above the arrow
    r.y = y;
    y += (r.from === r.to ? 18 : 0) + rules * RULE_ROW + ROW - 16;
  }
  const bottom = y;
  const height = Math.ceil(bottom + head + MARGIN);

  const out: string[] = [];
  const title = options.title ? redact(options.title, options.secrets ?? []) : `Sequence of ${hops.length} requests`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="sequence-diagram" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${xml(title)}" data-participants="${participants.length}" data-requests="${hops.length}" font-family="ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace" font-size="${FONT}">`,
    `<title>${xml(title)}</title>`,
    STYLE,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  );
  // Lifelines with the participant's name at the top and again at the bottom, for long diagrams.
  participants.forEach((p, i) => {
    const w = boxes[i];
    const first = (head - NAME_LINE * names[i].length) / 2 + NAME_LINE - 3;
    const box = (top: number) =>
      `<rect x="${(x[i] - w / 2).toFixed(1)}" y="${top}" width="${w.toFixed(1)}" height="${head}" rx="4" fill="#f6f8fa" stroke="#57606a"/>` +
      `<text text-anchor="middle" font-family="system-ui, 'DejaVu Sans', sans-serif" font-size="${NAME_FONT}" font-weight="600" fill="#1f2328">` +
      names[i].map((l, j) => `<tspan x="${x[i].toFixed(1)}" y="${top + first + j * NAME_LINE}">${xml(l)}</tspan>`).join('') +
      `</text>`;
    out.push(
      `<g class="participant" data-name="${xml(p)}"><title>${xml(p)}</title>` +
        `<line x1="${x[i].toFixed(1)}" y1="${MARGIN + head}" x2="${x[i].toFixed(1)}" y2="${bottom}" stroke="#8c959f" stroke-dasharray="4 4"/>` +
        box(MARGIN) +
        box(bottom) +
        `</g>`,
    );
  });

  for (const r of rows) out.push(arrow(r, x));
  out.push('</svg>');
  return out.join('\n');
}

function arrowHead(tipX: number, y: number, direction: number, colour: string, open: boolean): string {
  const back = tipX - direction * 9;
  return open
    ? `<polyline points="${back.toFixed(1)},${y - 5} ${tipX.toFixed(1)},${y} ${back.toFixed(1)},${y + 5}" fill="none" stroke="${colour}" stroke-width="1.3"/>`
    : `<polygon points="${back.toFixed(1)},${y - 4.5} ${tipX.toFixed(1)},${y} ${back.toFixed(1)},${y + 4.5}" fill="${colour}"/>`;
}

/**
 * What every diagram's text shares, said once per diagram rather than on each label: white behind the
 * letters, so that a label stays readable where it crosses another lifeline. Scoped to the diagram's class:
 * an inline SVG's style sheet applies to the whole page it sits in.
 */
const STYLE =
  '<style>.sequence-diagram .label, .sequence-diagram .decision text { paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }' +
  ' .sequence-diagram .decision text { fill: #6639ba; font-style: italic; }</style>';

function label(r: Row, x: number, anchor: 'start' | 'middle', colour: string): string {
  const top = r.y - 5 - (r.label.length - 1) * LINE;
  const lines = r.label.map((l, i) => `<tspan x="${x.toFixed(1)}" y="${top + i * LINE}">${xml(l)}</tspan>`).join('');
  return `<text class="label" text-anchor="${anchor}" fill="${colour}">${lines}</text>`;
}

function arrow(r: Row, x: number[]): string {
  const h = r.hop;
  const status = r.kind === 'return' ? h.status! : undefined;
  const colour = r.kind === 'lost' ? '#cf222e' : status !== undefined ? statusColour(status) : '#1f2328';
  const dash = r.kind === 'return' ? ' stroke-dasharray="6 4"' : '';
  const datagram = h.url.startsWith('httpu:'); // UDP: nothing answers, an asynchronous message
  const attrs =
    // A return goes from the server that answered back to the one that asked.
    `class="arrow ${r.kind}" data-hop="${h.id}" data-from="${xml(r.kind === 'return' ? h.to : h.from)}" data-to="${xml(r.kind === 'return' ? h.from : h.to)}" data-method="${xml(h.method)}"` +
    (h.status !== undefined ? ` data-status="${h.status}"` : '') +
    (h.failure ? ` data-failure="${xml(h.failure)}"` : '') +
    (h.decisions.length ? ` data-rules="${xml(h.decisions.map((d) => d.rule).join(' '))}"` : '');
  const tooltip = [
    `#${h.id} ${h.from} → ${h.to}`,
    `${h.method} ${h.url}`,
    h.failure ? `✗ ${h.failure}` : h.status !== undefined ? `→ ${h.status}` : datagram ? '(a datagram: no answer)' : '(no answer)',
    ...h.notes.map((n) => `· ${n}`),
  ].join('\n');
  const parts: string[] = [`<g ${attrs}>`, `<title>${xml(r.kind === 'return' ? `#${h.id} answered ${h.status} by ${h.to}` : tooltip)}</title>`];
  const x1 = x[r.from];
  const x2 = x[r.to];
  const labelColour = r.kind === 'lost' ? '#cf222e' : r.kind === 'return' ? colour : '#1f2328';
  let ruleX: number;
  let ruleY: number;
  let anchor: 'start' | 'middle';
  if (r.from === r.to) {
    // A server asking itself: a loop out to the right of its lifeline.
    const loop = 28;
    parts.push(
      label(r, x1 + loop + 6, 'start', labelColour),
      `<path d="M ${x1.toFixed(1)} ${r.y} h ${loop} v 16 h ${-loop + 2}" fill="none" stroke="${colour}" stroke-width="1.3"${dash}/>`,
      arrowHead(x1 + 1, r.y + 16, -1, colour, r.kind === 'return' || datagram),
    );
    ruleX = x1 + loop + 6;
    ruleY = r.y + 30;
    anchor = 'start';
  } else {
    const direction = x2 > x1 ? 1 : -1;
    // A lost message (UML): the request never reached a server; it ends in a filled circle short of the lifeline.
    const end = r.kind === 'lost' ? x1 + (x2 - x1) * 0.75 : x2 - direction * 1;
    const mid = (x1 + x2) / 2; // labels sit over the whole span, which was made wide enough for them
    parts.push(
      label(r, mid, 'middle', labelColour),
      `<line x1="${x1.toFixed(1)}" y1="${r.y}" x2="${end.toFixed(1)}" y2="${r.y}" stroke="${colour}" stroke-width="1.3"${dash}/>`,
    );
    if (r.kind === 'lost') parts.push(arrowHead(end, r.y, direction, colour, false), `<circle cx="${(end + direction * 5).toFixed(1)}" cy="${r.y}" r="5" fill="${colour}"/>`);
    else parts.push(arrowHead(end, r.y, direction, colour, r.kind === 'return' || datagram));
    ruleX = mid;
    ruleY = r.y + 13;
    anchor = 'middle';
  }
  r.rules.slice(0, MAX_RULES).forEach((d, i) => {
    parts.push(
      `<g class="decision" data-rule="${xml(d.rule)}" data-rule-set="${xml(d.ruleSet)}"><title>${xml(`${d.ruleSet} [${d.rule}]: ${d.reason}`)}</title>` +
        `<text x="${ruleX.toFixed(1)}" y="${ruleY + i * RULE_ROW}" text-anchor="${anchor}">${xml(`[${d.rule}]`)}</text></g>`,
    );
  });
  if (r.rules.length > MAX_RULES) {
    const rest = r.rules.slice(MAX_RULES);
    parts.push(
      `<g class="decision more"><title>${xml(rest.map((d) => `${d.ruleSet} [${d.rule}]: ${d.reason}`).join('\n'))}</title>` +
        `<text x="${ruleX.toFixed(1)}" y="${ruleY + MAX_RULES * RULE_ROW}" text-anchor="${anchor}">${xml(`+${rest.length} more`)}</text></g>`,
    );
  }
  parts.push('</g>');
  return parts.join('');
}
