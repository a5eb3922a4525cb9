// OPATH recipient filters, as given to New-ManagementScope -RecipientRestrictionFilter, turned into LDAP
// filters the way Exchange 2010 does before it evaluates a scope against a recipient in Active Directory.
// The result is built only from the builders in directory/filter.ts, so no written text reaches a filter
// unescaped.
//
// What is read, as administrators paste it:
// - the whole filter optionally wrapped in { … } and/or one pair of double quotes (inside those quotes
//   PowerShell's own escapes apply first: "" and `" are a quote);
// - -and, -or, -not (also !) and parentheses, with -not binding tighter than -and, and -and than -or;
// - comparisons Property -eq/-ne/-like/-notlike value; operators are case-insensitive and the dash may be
//   an en or em dash, as blogs print it;
// - values '…' ('' is a quote), "…" ("" and `" are a quote), bare words up to a blank or ')', and
//   $null, $true, $false; typographic quotes read as the ASCII ones.
// In -like every * is a wildcard (OPATH has no escape for it); in -eq a * is literal text.

import { and, eq, not, or, present, startsWith, substrings, type Filter } from '../directory/filter';
import { parseDn } from '../directory/dn';
import { InputError, acceptedList } from '../errors';

export interface OpathProperty {
  name: string;
  attribute: string;
  /** how a value is turned into the assertion value */
  kind: 'string' | 'smtp-primary' | 'smtp-any' | 'recipient-type' | 'dn';
}

// Exchange 2010's mappings of filterable recipient properties to Active Directory attributes (the
// ADRecipientSchema / ADUserSchema property definitions), in the order error messages list them. The
// attribute names are Exchange's; how PrimarySmtpAddress is matched is our choice (see smtpPrimary).
export const OPATH_PROPERTIES: readonly OpathProperty[] = Object.freeze(
  (
    [
      { name: 'Alias', attribute: 'mailNickname', kind: 'string' },
      { name: 'City', attribute: 'l', kind: 'string' },
      { name: 'Company', attribute: 'company', kind: 'string' },
      { name: 'CustomAttribute1', attribute: 'extensionAttribute1', kind: 'string' },
      { name: 'CustomAttribute2', attribute: 'extensionAttribute2', kind: 'string' },
      { name: 'CustomAttribute3', attribute: 'extensionAttribute3', kind: 'string' },
      { name: 'CustomAttribute4', attribute: 'extensionAttribute4', kind: 'string' },
      { name: 'CustomAttribute5', attribute: 'extensionAttribute5', kind: 'string' },
      { name: 'CustomAttribute6', attribute: 'extensionAttribute6', kind: 'string' },
      { name: 'CustomAttribute7', attribute: 'extensionAttribute7', kind: 'string' },
      { name: 'CustomAttribute8', attribute: 'extensionAttribute8', kind: 'string' },
      { name: 'CustomAttribute9', attribute: 'extensionAttribute9', kind: 'string' },
      { name: 'CustomAttribute10', attribute: 'extensionAttribute10', kind: 'string' },
      { name: 'CustomAttribute11', attribute: 'extensionAttribute11', kind: 'string' },
      { name: 'CustomAttribute12', attribute: 'extensionAttribute12', kind: 'string' },
      { name: 'CustomAttribute13', attribute: 'extensionAttribute13', kind: 'string' },
      { name: 'CustomAttribute14', attribute: 'extensionAttribute14', kind: 'string' },
      { name: 'CustomAttribute15', attribute: 'extensionAttribute15', kind: 'string' },
      { name: 'Database', attribute: 'homeMDB', kind: 'dn' },
      { name: 'Department', attribute: 'department', kind: 'string' },
      { name: 'DisplayName', attribute: 'displayName', kind: 'string' },
      { name: 'EmailAddresses', attribute: 'proxyAddresses', kind: 'smtp-any' },
      { name: 'Manager', attribute: 'manager', kind: 'dn' },
      { name: 'Name', attribute: 'name', kind: 'string' },
      { name: 'Office', attribute: 'physicalDeliveryOfficeName', kind: 'string' },
      { name: 'PrimarySmtpAddress', attribute: 'proxyAddresses', kind: 'smtp-primary' },
      { name: 'RecipientTypeDetails', attribute: 'msExchRecipientTypeDetails', kind: 'recipient-type' },
      { name: 'SamAccountName', attribute: 'sAMAccountName', kind: 'string' },
      { name: 'StateOrProvince', attribute: 'st', kind: 'string' },
      { name: 'Title', attribute: 'title', kind: 'string' },
      { name: 'UserPrincipalName', attribute: 'userPrincipalName', kind: 'string' },
      { name: 'WindowsEmailAddress', attribute: 'mail', kind: 'string' },
    ] satisfies OpathProperty[]
  ).map((p): OpathProperty => Object.freeze(p)),
);

/** The AD attribute PrimarySmtpAddress is also checked against (see smtpPrimary). */
const MAIL_ATTRIBUTE = 'mail';

/** msExchRecipientTypeDetails values of the recipient types a scope is likely to name. */
const RECIPIENT_TYPES: Readonly<Record<string, number>> = {
  UserMailbox: 1,
  LinkedMailbox: 2,
  SharedMailbox: 4,
  RoomMailbox: 16,
  EquipmentMailbox: 32,
  MailUser: 128,
};

export interface OpathOptions {
  /** Turns a name written for a DN-valued property (Database, Manager) into its DN; undefined if unknown. */
  resolveDn?: (property: string, value: string) => string | undefined;
}

/** Converts an OPATH recipient filter into the LDAP filter Exchange evaluates against a recipient. */
export function opathToLdap(text: string, options: OpathOptions = {}): Filter {
  const source = new Source(text);
  return toFilter(new Parser(source).parse(), source, options);
}

/** The filter in a normalized form for display, e.g. "Department -eq 'Speakers'" (syntax and properties are checked, values are not resolved). */
export function describeOpath(text: string): string {
  return describe(new Parser(new Source(text)).parse());
}

// ---- syntax tree ----

type Comparator = 'eq' | 'ne' | 'like' | 'notlike';
type Value = { kind: 'text'; text: string } | { kind: 'null' } | { kind: 'bool'; value: boolean };

type Node =
  | { kind: 'and' | 'or'; items: Node[] }
  | { kind: 'not'; item: Node }
  | { kind: 'compare'; property: OpathProperty; comparator: Comparator; value: Value; valueAt: number };

// ---- source text: unwrapping and positions ----

const SINGLE_QUOTES = "'\u2018\u2019\u201A\u201B";
const DOUBLE_QUOTES = '"\u201C\u201D\u201E';
const DASHES = '-\u2013\u2014\u2015';
const ESCAPES: Record<string, string> = { '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

const isSingleQuote = (ch: string | undefined): boolean => ch !== undefined && SINGLE_QUOTES.includes(ch);
const isDoubleQuote = (ch: string | undefined): boolean => ch !== undefined && DOUBLE_QUOTES.includes(ch);
const isSpace = (ch: string | undefined): boolean => ch !== undefined && /^\s$/.test(ch);

/**
 * The filter as characters, each with its index in the text as written (in code points), so errors can
 * point at the column even after the wrapper and its escapes are gone.
 */
class Source {
  readonly written: string;
  private readonly original: string[];
  readonly chars: string[] = [];
  readonly at: number[] = [];
  /** Index (in the text as written) just past the filter proper, for errors at its end. */
  readonly end: number;

  constructor(text: string) {
    this.written = text;
    this.original = Array.from(text.replace(/\r\n?/g, '\n'));
    let lo = 0;
    let hi = this.original.length;
    [lo, hi] = this.trim(lo, hi);
    let braces = false;
    let quotes = false;
    for (;;) {
      if (!braces && this.original[lo] === '{') {
        if (this.original[hi - 1] !== '}') throw this.fail(lo, 'the { opened here is not closed: expected } at the end of the filter');
        braces = true;
        [lo, hi] = this.trim(lo + 1, hi - 1);
      } else if (!quotes && hi - lo >= 2 && this.quoteEnd(lo) === hi - 1) {
        quotes = true;
        [lo, hi] = this.trim(lo + 1, hi - 1);
      } else break;
    }
    this.end = hi;
    if (quotes) this.unescapeDoubleQuoted(lo, hi);
    else for (let i = lo; i < hi; i++) this.push(this.original[i], i);
  }

  private trim(lo: number, hi: number): [number, number] {
    while (lo < hi && isSpace(this.original[lo])) lo++;
    while (hi > lo && isSpace(this.original[hi - 1])) hi--;
    return [lo, hi];
  }

  /** Where a "…" string opened at lo closes, if it does; "" and `x inside do not close it. */
  private quoteEnd(lo: number): number | undefined {
    if (!isDoubleQuote(this.original[lo])) return undefined;
    for (let i = lo + 1; i < this.original.length; i++) {
      const ch = this.original[i];
      if (ch === '`') i++;
      else if (isDoubleQuote(ch)) {
        if (!isDoubleQuote(this.original[i + 1])) return i;
        i++;
      }
    }
    return undefined;
  }

  /** What PowerShell does to the inside of a "…" argument before Exchange reads it. */
  private unescapeDoubleQuoted(lo: number, hi: number): void {
    for (let i = lo; i < hi; i++) {
      const ch = this.original[i];
      if (ch === '`' && i + 1 < hi) {
        const escaped = this.original[i + 1];
        this.push(ESCAPES[escaped] ?? escaped, i);
        i++;
      } else if (isDoubleQuote(ch) && isDoubleQuote(this.original[i + 1]) && i + 1 < hi) {
        this.push('"', i);
        i++;
      } else this.push(ch, i);
    }
  }

  private push(ch: string, index: number): void {
    this.chars.push(ch);
    this.at.push(index);
  }

  /** Index in the text as written of the character at pos (or the end of the filter). */
  index(pos: number): number {
    return pos < this.at.length ? this.at[pos] : this.end;
  }

  /** "column 12", or "line 2, column 5" when the filter spans lines. */
  where(index: number): string {
    let line = 1;
    let start = 0;
    for (let i = 0; i < index && i < this.original.length; i++) {
      if (this.original[i] === '\n') {
        line++;
        start = i + 1;
      }
    }
    const column = `column ${index - start + 1}`;
    return this.original.includes('\n') ? `line ${line}, ${column}` : column;
  }

  fail(index: number, message: string, accepted?: readonly string[]): InputError {
    return new InputError(`${this.where(index)}: ${message}`, {
      field: 'RecipientRestrictionFilter',
      value: this.written,
      ...(accepted ? { accepted } : {}),
    });
  }
}

// ---- tokens ----

const COMPARATORS: readonly Comparator[] = ['eq', 'ne', 'like', 'notlike'];
const OPERATORS = ['-eq', '-ne', '-like', '-notlike', '-and', '-or', '-not'] as const;
/** OPATH operators Exchange knows that this simulation does not model. */
const UNSUPPORTED_OPERATORS = ['-gt', '-ge', '-lt', '-le', '-match', '-notmatch', '-contains', '-notcontains'];
const COMPARATOR_LIST = '-eq, -ne, -like, -notlike';

type Operator = 'eq' | 'ne' | 'like' | 'notlike' | 'and' | 'or' | 'not';

type Token =
  | { kind: 'open' | 'close' | 'end'; pos: number }
  | { kind: 'operator'; operator: Operator; text: string; pos: number }
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'value'; value: Value; text: string; pos: number };

/** How a token reads in a message. */
function shown(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the filter';
    case 'open':
      return '"("';
    case 'close':
      return '")"';
    default:
      return `"${token.text}"`;
  }
}

/** Reads tokens on demand: what follows a comparison operator is read as a value, anything else as syntax. */
class Lexer {
  private pos = 0;
  constructor(private readonly src: Source) {}

  private get chars(): string[] {
    return this.src.chars;
  }

  private skipSpaces(): void {
    while (isSpace(this.chars[this.pos])) this.pos++;
  }

  private fail(pos: number, message: string, accepted?: readonly string[]): InputError {
    return this.src.fail(this.src.index(pos), message, accepted);
  }

  next(): Token {
    this.skipSpaces();
    const pos = this.pos;
    const ch = this.chars[pos];
    if (ch === undefined) return { kind: 'end', pos };
    if (ch === '(' || ch === ')') {
      this.pos++;
      return { kind: ch === '(' ? 'open' : 'close', pos };
    }
    if (ch === '!') {
      this.pos++;
      return { kind: 'operator', operator: 'not', text: '!', pos };
    }
    if (DASHES.includes(ch)) return this.readOperator();
    if (isSingleQuote(ch) || isDoubleQuote(ch) || ch === '$') return this.readValue();
    if (/^[A-Za-z0-9_]$/.test(ch)) {
      while (/^[A-Za-z0-9_]$/.test(this.chars[this.pos] ?? '')) this.pos++;
      return { kind: 'word', text: this.chars.slice(pos, this.pos).join(''), pos };
    }
    if (ch === '{' || ch === '}') throw this.fail(pos, `unexpected "${ch}": braces may only wrap the whole filter`);
    throw this.fail(pos, `"${ch}" is not an OPATH operator; accepted: ${acceptedList(OPERATORS)}`, OPERATORS);
  }

  private readOperator(): Token {
    const pos = this.pos;
    this.pos++;
    while (/^[A-Za-z]$/.test(this.chars[this.pos] ?? '')) this.pos++;
    const text = this.chars.slice(pos, this.pos).join('');
    const normal = `-${text.slice(1).toLowerCase()}`;
    if ((OPERATORS as readonly string[]).includes(normal)) return { kind: 'operator', operator: normal.slice(1) as Operator, text, pos };
    const why = UNSUPPORTED_OPERATORS.includes(normal) ? 'is an OPATH operator this simulation does not support' : 'is not an OPATH operator';
    throw this.fail(pos, `"${text}" ${why}; accepted: ${acceptedList(OPERATORS)}`, OPERATORS);
  }

  /** The value after a comparison operator; a missing one is an error naming the operator. */
  value(after: Token & { kind: 'operator' }): Token & { kind: 'value' } {
    this.skipSpaces();
    const ch = this.chars[this.pos];
    // A bare word is a value, except an operator: `-eq -and …` is a value left out, not the value "-and".
    const operator = /^[-\u2013\u2014\u2015](?:and|or|not|eq|ne|like|notlike)(?![A-Za-z0-9_])/i.exec(this.chars.slice(this.pos, this.pos + 9).join(''));
    if (ch === '{' || ch === '}') throw this.fail(this.pos, `unexpected "${ch}": braces may only wrap the whole filter`);
    if (ch === undefined || ch === ')' || operator) {
      const found = ch === undefined ? 'the end of the filter' : operator ? `"${operator[0]}"` : '")"';
      throw this.fail(this.pos, `${after.text} needs a value after it (text in quotes, or $null), found ${found}`);
    }
    return this.readValue();
  }

  private readValue(): Token & { kind: 'value' } {
    const pos = this.pos;
    const ch = this.chars[pos];
    let value: Value;
    if (isSingleQuote(ch) || isDoubleQuote(ch)) value = { kind: 'text', text: this.readQuoted() };
    else if (ch === '$') value = this.readDollar();
    else {
      // Braces end a bare word too, so a stray } is reported as unbalanced rather than read as text.
      while (this.pos < this.chars.length && !isSpace(this.chars[this.pos]) && !'){}'.includes(this.chars[this.pos])) this.pos++;
      value = { kind: 'text', text: this.chars.slice(pos, this.pos).join('') };
    }
    return { kind: 'value', value, text: this.chars.slice(pos, this.pos).join(''), pos };
  }

  /** '…' has no escapes ('' is a quote); "…" has backtick escapes ("" is a quote). */
  private readQuoted(): string {
    const open = this.pos;
    const double = isDoubleQuote(this.chars[open]);
    const same = double ? isDoubleQuote : isSingleQuote;
    let text = '';
    for (this.pos = open + 1; ; this.pos++) {
      const ch = this.chars[this.pos];
      if (ch === undefined) {
        throw this.fail(open, `unterminated string: the ${this.chars[open]} opened here is not closed; expected a closing ${double ? '"' : "'"}`);
      }
      if (same(ch)) {
        if (!same(this.chars[this.pos + 1])) break;
        text += this.chars[++this.pos];
      } else if (double && ch === '`' && this.pos + 1 < this.chars.length) {
        const escaped = this.chars[++this.pos];
        text += ESCAPES[escaped] ?? escaped;
      } else text += ch;
    }
    this.pos++;
    return text;
  }

  private readDollar(): Value {
    const pos = this.pos;
    const m = /^\$([A-Za-z0-9_]*)/.exec(this.chars.slice(pos, pos + 64).join(''))!;
    this.pos += Array.from(m[0]).length;
    const name = m[1].toLowerCase();
    if (name === 'null') return { kind: 'null' };
    if (name === 'true' || name === 'false') return { kind: 'bool', value: name === 'true' };
    throw this.fail(pos, `${m[0]} is a variable; variables are not supported: write the value (in single quotes if it contains $)`);
  }
}

// ---- parser: or := and (-or and)*; and := unary (-and unary)*; unary := (-not | !) unary | primary ----

class Parser {
  private readonly lexer: Lexer;
  private lookahead: Token | undefined;
  /** The token before the lookahead, for hints in errors. */
  private previous: Token | undefined;

  constructor(private readonly src: Source) {
    this.lexer = new Lexer(src);
  }

  parse(): Node {
    if (this.peek().kind === 'end') {
      throw this.src.fail(this.src.end, "the filter is empty; expected a comparison such as Department -eq 'Sales'");
    }
    const node = this.parseOr();
    const next = this.peek();
    if (next.kind === 'close') throw this.fail(next, 'unexpected ")" with no matching "("');
    if (next.kind !== 'end') throw this.fail(next, `unexpected ${shown(next)}: expected -and, -or or the end of the filter${this.spaceHint()}`);
    return node;
  }

  private peek(): Token {
    this.lookahead ??= this.lexer.next();
    return this.lookahead;
  }

  private take(): Token {
    const token = this.peek();
    this.lookahead = undefined;
    this.previous = token;
    return token;
  }

  private isOperator(operator: Operator): boolean {
    const token = this.peek();
    return token.kind === 'operator' && token.operator === operator;
  }

  private fail(token: Token, message: string, accepted?: readonly string[]): InputError {
    return this.src.fail(this.src.index(token.pos), message, accepted);
  }

  /** After a bare value, a stray word most likely means a value with spaces that needed quotes. */
  private spaceHint(): string {
    const prev = this.previous;
    const bare = prev?.kind === 'value' && prev.value.kind === 'text' && !isSingleQuote(prev.text[0]) && !isDoubleQuote(prev.text[0]);
    return bare ? ' (a value with spaces needs quotes)' : '';
  }

  private parseOr(): Node {
    const items = [this.parseAnd()];
    while (this.isOperator('or')) {
      this.take();
      items.push(this.parseAnd());
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }

  private parseAnd(): Node {
    const items = [this.parseUnary()];
    while (this.isOperator('and')) {
      this.take();
      items.push(this.parseUnary());
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }

  private parseUnary(): Node {
    if (this.isOperator('not')) {
      this.take();
      return { kind: 'not', item: this.parseUnary() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Node {
    const token = this.take();
    if (token.kind === 'open') {
      const inner = this.parseOr();
      const close = this.peek();
      if (close.kind === 'end') throw this.fail(token, 'the ( opened here is not closed: expected )');
      if (close.kind !== 'close') throw this.fail(close, `unexpected ${shown(close)}: expected -and, -or or ")"${this.spaceHint()}`);
      this.take();
      return inner;
    }
    if (token.kind === 'word') return this.parseComparison(token);
    throw this.fail(token, `expected a property name or "(", found ${shown(token)}`);
  }

  private parseComparison(word: Token & { kind: 'word' }): Node {
    const property = findProperty(word, this.src);
    const op = this.take();
    if (op.kind !== 'operator' || !(COMPARATORS as readonly string[]).includes(op.operator)) {
      throw this.fail(op, `expected a comparison operator after ${property.name} (accepted: ${COMPARATOR_LIST}), found ${shown(op)}`);
    }
    const value = this.lexer.value(op);
    this.previous = value;
    return { kind: 'compare', property, comparator: op.operator as Comparator, value: value.value, valueAt: this.src.index(value.pos) };
  }
}

const PROPERTY_NAMES = OPATH_PROPERTIES.map((p) => p.name);

function findProperty(word: Token & { kind: 'word' }, src: Source): OpathProperty {
  const lower = word.text.toLowerCase();
  const found = OPATH_PROPERTIES.find((p) => p.name.toLowerCase() === lower);
  if (found) return found;
  const index = src.index(word.pos);
  if (lower === 'memberofgroup') {
    // Exchange evaluates MemberOfGroup against memberOf, a back-link this simulation's directory does not maintain.
    throw src.fail(
      index,
      `"${word.text}" cannot be used: it is evaluated against memberOf back-links, which this simulation's directory does not maintain; accepted: ${acceptedList(PROPERTY_NAMES)}`,
      PROPERTY_NAMES,
    );
  }
  throw src.fail(index, `"${word.text}" is not a filterable recipient property; accepted: ${acceptedList(PROPERTY_NAMES)}`, PROPERTY_NAMES);
}

// ---- display ----

function describe(node: Node): string {
  switch (node.kind) {
    case 'and':
      return node.items.map((n) => (n.kind === 'or' ? `(${describe(n)})` : describe(n))).join(' -and ');
    case 'or':
      return node.items.map(describe).join(' -or ');
    case 'not':
      return `-not (${describe(node.item)})`;
    case 'compare':
      return `${node.property.name} -${node.comparator} ${describeValue(node.value)}`;
  }
}

function describeValue(value: Value): string {
  if (value.kind === 'null') return '$null';
  if (value.kind === 'bool') return value.value ? '$true' : '$false';
  return `'${value.text.replace(/'/g, "''")}'`;
}

// ---- conversion to LDAP ----

function toFilter(node: Node, src: Source, options: OpathOptions): Filter {
  switch (node.kind) {
    case 'and':
      return and(...node.items.map((n) => toFilter(n, src, options)));
    case 'or':
      return or(...node.items.map((n) => toFilter(n, src, options)));
    case 'not':
      return not(toFilter(node.item, src, options));
    case 'compare':
      return comparison(node, src, options);
  }
}

type Comparison = Extract<Node, { kind: 'compare' }>;

function comparison(node: Comparison, src: Source, options: OpathOptions): Filter {
  const { property, comparator, value } = node;
  const negate = comparator === 'ne' || comparator === 'notlike';
  const like = comparator === 'like' || comparator === 'notlike';
  if (value.kind === 'null') {
    if (like) throw src.fail(node.valueAt, `-${comparator} needs a pattern, not $null; write ${property.name} -${negate ? 'ne' : 'eq'} $null`);
    // -eq $null: the attribute has no value; -ne $null: it has one.
    return negate ? present(property.attribute) : not(present(property.attribute));
  }
  if (value.kind === 'bool') {
    throw src.fail(node.valueAt, `${property.name} holds text, not ${describeValue(value)}; write the value in quotes`);
  }
  const positive = like ? matchLike(node, value.text, src, options) : matchEqual(node, value.text, src, options);
  return negate ? not(positive) : positive;
}

function matchEqual(node: Comparison, text: string, src: Source, options: OpathOptions): Filter {
  const { property } = node;
  switch (property.kind) {
    case 'string':
      return eq(property.attribute, text);
    case 'smtp-any':
      return eq(property.attribute, proxyAddress(text));
    case 'smtp-primary':
      return smtpPrimary(property, stripSmtp(text), (attribute, v) => eq(attribute, v));
    case 'recipient-type':
      return eq(property.attribute, recipientType(node, text, src));
    case 'dn':
      return eq(property.attribute, distinguishedName(node, text, src, options));
  }
}

function matchLike(node: Comparison, pattern: string, src: Source, options: OpathOptions): Filter {
  const { property } = node;
  if (!pattern.includes('*')) return matchEqual(node, pattern, src, options);
  switch (property.kind) {
    case 'string':
      return wildcard(property.attribute, pattern);
    case 'smtp-any':
      return wildcard(property.attribute, pattern.startsWith('*') ? pattern : proxyAddress(pattern));
    case 'smtp-primary':
      return smtpPrimary(property, stripSmtp(pattern), wildcard);
    case 'recipient-type':
    case 'dn':
      if (/^\*+$/.test(pattern)) return present(property.attribute);
      throw src.fail(node.valueAt, `${property.name} cannot be matched with wildcards; write one value with -eq, or '*' alone for "has a value"`);
  }
}

/** An OPATH -like pattern as an LDAP assertion: * alone is presence, abc* a prefix, anything else substrings. */
function wildcard(attribute: string, pattern: string): Filter {
  const parts = pattern.split('*');
  const initial = parts[0];
  const final = parts[parts.length - 1];
  const any = parts.slice(1, -1).filter((p) => p !== '');
  if (parts.length === 1) return eq(attribute, pattern);
  if (initial === '' && any.length === 0 && final === '') return present(attribute);
  if (any.length === 0 && final === '') return startsWith(attribute, initial);
  return substrings(attribute, { initial, any, final });
}

/** An EmailAddresses value: a typed proxy address (smtp:, SMTP:, X500:, …) as given; a bare address is SMTP. */
function proxyAddress(text: string): string {
  return /^[A-Za-z0-9]+:/.test(text) ? text : `smtp:${text}`;
}

/** A PrimarySmtpAddress value is a bare address; a pasted SMTP: prefix is tolerated. */
function stripSmtp(text: string): string {
  return text.replace(/^smtp:/i, '');
}

/**
 * PrimarySmtpAddress is the proxyAddresses value with the upper-case SMTP: prefix. The directory matches
 * proxyAddresses case-insensitively, so SMTP:x would also match a secondary smtp:x; our choice is to AND it
 * with the same test on mail (which Exchange keeps equal to the primary address), so only the primary matches.
 */
function smtpPrimary(property: OpathProperty, address: string, match: (attribute: string, value: string) => Filter): Filter {
  return and(match(property.attribute, `SMTP:${address}`), match(MAIL_ATTRIBUTE, address));
}

function recipientType(node: Comparison, text: string, src: Source): string {
  if (/^[0-9]+$/.test(text)) return text;
  const name = Object.keys(RECIPIENT_TYPES).find((n) => n.toLowerCase() === text.toLowerCase());
  if (name !== undefined) return String(RECIPIENT_TYPES[name]);
  const names = Object.keys(RECIPIENT_TYPES);
  throw src.fail(node.valueAt, `"${text}" is not a RecipientTypeDetails value; accepted: ${acceptedList(names)} (or its number)`, names);
}

/** A DN-valued property: the caller's resolver first (names), else the text must already be a DN. */
function distinguishedName(node: Comparison, text: string, src: Source, options: OpathOptions): string {
  const name = node.property.name;
  const resolved = options.resolveDn?.(name, text);
  if (resolved !== undefined) return resolved;
  if (looksLikeDn(text)) return text;
  const noun = name.toLowerCase();
  throw src.fail(
    node.valueAt,
    `${name} needs the ${noun}'s name or distinguished name; "${text}" is neither a known ${noun} nor a DN such as CN=${text},…`,
  );
}

function looksLikeDn(text: string): boolean {
  if (!/^\s*CN\s*=/i.test(text)) return false;
  try {
    parseDn(text);
    return true;
  } catch {
    return false;
  }
}
