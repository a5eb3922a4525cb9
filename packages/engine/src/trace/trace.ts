// Every hop of a scenario's requests: who asked whom for what, what came back, which rule decided, and
// which directory lookups the decision needed. A failed scenario prints it; a passed one attaches it.

import type { SearchRecord } from '../directory/client';

export interface Decision {
  /** The rule set that decided: "Exchange 2010 SP1", "Exchange 2007". */
  ruleSet: string;
  /** A stable identifier of the rule, e.g. "2007.proxy-internal-url". */
  rule: string;
  /** Why, in an administrator's words. */
  reason: string;
  /** What was decided, for assertions: the action's kind and where it sends the user. */
  outcome?: { kind: string; url?: string; servers?: string[]; sso?: string };
}

export interface Hop {
  id: number;
  parent?: number;
  from: string;
  to: string;
  method: string;
  url: string;
  status?: number;
  /** Network-level failure: no server answers, or the server is down. */
  failure?: string;
  decisions: Decision[];
  searches: Array<SearchRecord & { cached?: boolean }>;
  notes: string[];
}

export class Trace {
  readonly hops: Hop[] = [];
  private nextId = 1;

  begin(from: string, to: string, method: string, url: string, parent?: number): Hop {
    const hop: Hop = { id: this.nextId++, parent, from, to, method, url, decisions: [], searches: [], notes: [] };
    this.hops.push(hop);
    return hop;
  }


  /** The trace drawn as an indented tree, one hop a line, with its decisions and lookups below it. */
  render(options: { searches?: boolean } = {}): string {
    const lines: string[] = [];
    const children = new Map<number | undefined, Hop[]>();
    for (const h of this.hops) {
      const list = children.get(h.parent) ?? [];
      list.push(h);
      children.set(h.parent, list);
    }
    const draw = (parent: number | undefined, depth: number) => {
      for (const h of children.get(parent) ?? []) {
        const pad = '  '.repeat(depth);
        const outcome = h.failure ? `✗ ${h.failure}` : h.status !== undefined ? `→ ${h.status}` : '→ (no answer)';
        lines.push(`${pad}#${h.id} ${h.from} ⇒ ${h.to}: ${h.method} ${h.url} ${outcome}`);
        if (options.searches !== false) {
          for (const s of h.searches) {
            lines.push(`${pad}     ldap ${s.cached ? '(cache) ' : ''}${s.scope} ${s.base || '(RootDSE)'} ${s.filter} → ${s.results}`);
          }
        }
        for (const n of h.notes) lines.push(`${pad}     · ${n}`);
        for (const d of h.decisions) lines.push(`${pad}     ⚑ ${d.ruleSet} [${d.rule}] ${d.reason}`);
        draw(h.id, depth + 1);
      }
    };
    draw(undefined, 0);
    return lines.join('\n');
  }
}
