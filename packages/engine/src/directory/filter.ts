// LDAP search filters (RFC 4515), built only from escaped values: no filter in this project is made by
// concatenating input. Non-ASCII characters are left as UTF-8, which RFC 4515 allows (UTFMB); only the
// characters the RFC requires are hex-escaped. That also sidesteps ldapts 8, which re-encodes escaped
// multi-byte sequences (\c3\a9) as two Latin-1 characters.

/** A filter that has been built safely; only this module constructs one. */
export class Filter {
  private constructor(readonly text: string) {}
  /** @internal */
  static of(text: string): Filter {
    return new Filter(text);
  }
  toString(): string {
    return this.text;
  }
}

/** Escapes an assertion value per RFC 4515 section 3: NUL, `(`, `)`, `*` and `\`. */
export function escapeFilterValue(value: string): string {
  let out = '';
  for (const ch of value) {
    switch (ch) {
      case '\0': out += '\\00'; break;
      case '(': out += '\\28'; break;
      case ')': out += '\\29'; break;
      case '*': out += '\\2a'; break;
      case '\\': out += '\\5c'; break;
      default: out += ch;
    }
  }
  return out;
}

function checkAttribute(attribute: string): string {
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(attribute)) {
    throw new Error(`"${attribute}" is not an LDAP attribute name`);
  }
  return attribute;
}

/** `(attribute=value)` */
export function eq(attribute: string, value: string): Filter {
  return Filter.of(`(${checkAttribute(attribute)}=${escapeFilterValue(value)})`);
}

/** `(attribute=*)` */
export function present(attribute: string): Filter {
  return Filter.of(`(${checkAttribute(attribute)}=*)`);
}

/** `(attribute=prefix*)` */
export function startsWith(attribute: string, prefix: string): Filter {
  return Filter.of(`(${checkAttribute(attribute)}=${escapeFilterValue(prefix)}*)`);
}

/** The parts of an RFC 4515 substring assertion: `initial*any1*any2*final`. */
export interface SubstringParts {
  initial?: string;
  any?: readonly string[];
  final?: string;
}

/**
 * `(attribute=initial*any*…*final)`, every part escaped. Empty parts are dropped, since the RFC's
 * substring grammar has no empty piece; with no part left the assertion would be a presence test,
 * which is present()'s job, so that is refused.
 */
export function substrings(attribute: string, parts: SubstringParts): Filter {
  const initial = parts.initial ?? '';
  const any = (parts.any ?? []).filter((s) => s !== '');
  const final = parts.final ?? '';
  if (initial === '' && any.length === 0 && final === '') {
    throw new Error('a substring filter needs at least one non-empty part; use present() to test presence');
  }
  const middle = any.map((s) => `${escapeFilterValue(s)}*`).join('');
  return Filter.of(`(${checkAttribute(attribute)}=${escapeFilterValue(initial)}*${middle}${escapeFilterValue(final)})`);
}

/** Active Directory's LDAP_MATCHING_RULE_BIT_AND: every bit of `mask` is set. */
export function bitAnd(attribute: string, mask: number): Filter {
  if (!Number.isInteger(mask) || mask < 0) throw new Error(`bit mask ${mask} is not a non-negative integer`);
  return Filter.of(`(${checkAttribute(attribute)}:1.2.840.113556.1.4.803:=${mask})`);
}

export function and(...filters: Filter[]): Filter {
  if (filters.length === 1) return filters[0];
  return Filter.of(`(&${filters.map((f) => f.text).join('')})`);
}

export function or(...filters: Filter[]): Filter {
  if (filters.length === 1) return filters[0];
  return Filter.of(`(|${filters.map((f) => f.text).join('')})`);
}

export function not(filter: Filter): Filter {
  return Filter.of(`(!${filter.text})`);
}

/** Reverses RFC 4515 escaping (`\2a` → `*`), decoding the bytes as UTF-8. */
export function unescapeFilterValue(escaped: string): string {
  if (!escaped.includes('\\')) return escaped;
  const bytes: number[] = [];
  for (let i = 0; i < escaped.length; i++) {
    const ch = escaped[i];
    if (ch === '\\' && /^[0-9a-fA-F]{2}$/.test(escaped.slice(i + 1, i + 3))) {
      bytes.push(parseInt(escaped.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const cp = String.fromCodePoint(escaped.codePointAt(i)!);
      bytes.push(...Buffer.from(cp, 'utf8'));
      i += cp.length - 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
