// Reads a Gherkin data table whose columns are named in Exchange's vocabulary. Unknown columns, missing
// required columns and bad values are InputErrors naming the row and column; nothing is written until
// every row has been read.

import type { DataTable } from '@cucumber/cucumber';
import { InputError } from '@exchange-scenarios/engine';

export interface ColumnSpec {
  /** Required columns must be present and non-empty in every row. */
  required?: boolean;
  /** Other names administrators use for the same column. */
  aliases?: string[];
}

export class Table {
  private readonly header: string[];
  private readonly rows: string[][];
  private readonly canonical = new Map<string, string>(); // lower header → canonical column

  constructor(table: DataTable, columns: Record<string, ColumnSpec>) {
    const raw = table.raw();
    if (raw.length < 2) throw new InputError('the table needs a header row and at least one row under it');
    this.header = raw[0].map((h) => h.trim());
    this.rows = raw.slice(1);
    const names = new Map<string, string>();
    for (const [name, spec] of Object.entries(columns)) {
      names.set(name.toLowerCase(), name);
      for (const a of spec.aliases ?? []) names.set(a.toLowerCase(), name);
    }
    this.header.forEach((h) => {
      const c = names.get(h.toLowerCase());
      if (!c) {
        throw new InputError(`the column "${h}" is not one this table takes; accepted: ${Object.keys(columns).join(', ')}`, { field: h, value: h, accepted: Object.keys(columns) });
      }
      if ([...this.canonical.values()].includes(c)) throw new InputError(`the column ${c} appears twice`, { field: h });
      this.canonical.set(h.toLowerCase(), c);
    });
    for (const [name, spec] of Object.entries(columns)) {
      if (spec.required && ![...this.canonical.values()].includes(name)) {
        throw new InputError(`the table has no ${name} column; it needs: ${Object.entries(columns).filter(([, s]) => s.required).map(([n]) => n).join(', ')}`, { field: name });
      }
    }
  }

  has(column: string): boolean {
    return [...this.canonical.values()].includes(column);
  }

  /** Maps every row through `read`; an InputError thrown for a row is placed at that row. */
  map<T>(read: (row: Row) => T): T[] {
    return this.rows.map((cells, i) => {
      const values = new Map<string, string>();
      this.header.forEach((h, j) => values.set(this.canonical.get(h.toLowerCase())!, (cells[j] ?? '').trim()));
      const row = new Row(values);
      try {
        return read(row);
      } catch (e) {
        throw e instanceof InputError ? e.at(i) : e;
      }
    });
  }
}

export class Row {
  constructor(private readonly values: Map<string, string>) {}

  /** The cell, or undefined when the column is absent or the cell empty. */
  get(column: string): string | undefined {
    const v = this.values.get(column);
    return v === undefined || v === '' ? undefined : v;
  }

  required(column: string): string {
    const v = this.get(column);
    if (v === undefined) throw new InputError(`${column} is empty; every row needs one`, { field: column });
    return v;
  }

  /** A URL cell: `$null` clears the property, empty leaves it as it is. */
  nullable(column: string): string | null | undefined {
    const v = this.get(column);
    if (v === undefined) return undefined;
    return v.toLowerCase() === '$null' ? null : v;
  }

  /** A value from a fixed list, matched case-insensitively, returned in its canonical spelling. */
  oneOf<T extends string>(column: string, accepted: readonly T[]): T | undefined {
    const v = this.get(column);
    if (v === undefined) return undefined;
    const hit = accepted.find((a) => a.toLowerCase() === v.toLowerCase());
    if (!hit) throw new InputError(`"${v}" is not a ${column} value; accepted: ${accepted.join(', ')}`, { field: column, value: v, accepted });
    return hit;
  }

  /** `$true`/`$false` (also true/false, yes/no). */
  boolean(column: string): boolean | undefined {
    const v = this.get(column);
    if (v === undefined) return undefined;
    const t = v.toLowerCase().replace(/^\$/, '');
    if (t === 'true' || t === 'yes') return true;
    if (t === 'false' || t === 'no') return false;
    throw new InputError(`"${v}" is not a boolean; accepted: $true, $false`, { field: column, value: v, accepted: ['$true', '$false'] });
  }

  /** A comma-separated list, as Exchange prints multi-valued properties ({Basic, Fba}). */
  list<T extends string>(column: string, accepted: readonly T[]): T[] | undefined {
    const v = this.get(column);
    if (v === undefined) return undefined;
    const items = v.replace(/^\{|\}$/g, '').split(/\s*,\s*|\s+and\s+/).filter((s) => s.length > 0);
    return items.map((item) => {
      const hit = accepted.find((a) => a.toLowerCase() === item.toLowerCase());
      if (!hit) throw new InputError(`"${item}" is not a ${column} value; accepted: ${accepted.join(', ')}`, { field: column, value: item, accepted });
      return hit;
    });
  }
}
