// Exchange Management Shell command lines as administrators paste them into a scenario (Exchange 2010
// runbook lines, often copied from blogs), turned into data the engine executes. Only the PowerShell
// syntax lives here: which cmdlets and parameters exist is the caller's knowledge (bindParameters).
//
// What is read, in PowerShell's argument mode:
// - statements, one per line or separated by ';'; a backtick at the end of a line continues it (trailing
//   blanks after the backtick are tolerated), as do a trailing '|' and a trailing ','; '#' at the start of
//   a token and <# … #> are comments; a pasted prompt ("[PS] C:\Windows\system32>", "PS C:\>", "PS>") at
//   the start of a line is dropped;
// - Verb-Noun cmdlets and the aliases ? and % (so `?{ … }`), joined into pipelines by '|';
// - -Name value, -Name:value, -Switch (true), -Switch:$false; the dash may be an en or em dash as blogs print it;
// - bare words, '…' (no escapes, '' is a quote), "…" (backtick escapes, "" is a quote), the typographic
//   quotes ‘ ’ ‚ ‛ and “ ” „ read as the ASCII ones, adjacent pieces joined (abc'def' is abcdef);
//   $true $false $null; integers; a,b and "a","b" and @("a","b") and ("a","b"); { script blocks } kept raw.
// Variables (also inside "…" and bare words, where PowerShell would expand them), $( ), @{ }, splatting,
// redirection and the call operator are refused with an InputError naming the line and column.

import { InputError, acceptedList, type InputProblem } from '../errors';

export type ShellValue = string | number | boolean | null | ShellValue[];

export interface ShellInvocation {
  /** As written, e.g. "New-OrganizationRelationship" (en and em dashes pasted from a blog read as '-'). */
  cmdlet: string;
  /** Key = parameter name as written without '-', e.g. "DomainNames"; a switch without value is true; -Switch:$false is false. */
  parameters: Map<string, ShellValue>;
  positional: ShellValue[];
  /** 1-based column where the cmdlet starts, on its own line, for errors. */
  column: number;
  /** 1-based line where the cmdlet starts (differs from the statement's after a continued line). */
  line: number;
}

export interface ShellStatement {
  pipeline: ShellInvocation[];
  /** 1-based line number in the text where the statement starts. */
  line: number;
  /** The statement as written, from its cmdlet to its last token (continuation lines included). */
  text: string;
}

const DASHES = '-\u2013\u2014\u2015';
const SINGLE_QUOTES = "'\u2018\u2019\u201A\u201B";
const DOUBLE_QUOTES = '"\u201C\u201D\u201E';
/** Characters that end a bare word in argument mode. */
const WORD_ENDS = '|;,(){}\n';
const ESCAPES: Record<string, string> = { '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
const CMDLET_NAME = /^[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)?$/;
const PROMPT = /(?:\[PS\][ \t]*[A-Za-z]:\\[^>\n]*>|PS(?:[ \t]+[A-Za-z]:\\[^>\n]*)?>)[ \t]*/y;
const NOT_SUPPORTED_VARIABLE = 'variables are not supported: write the value';

const isDash = (ch: string | undefined): boolean => ch !== undefined && ch !== '' && DASHES.includes(ch);
const isSingleQuote = (ch: string | undefined): boolean => ch !== undefined && ch !== '' && SINGLE_QUOTES.includes(ch);
const isDoubleQuote = (ch: string | undefined): boolean => ch !== undefined && ch !== '' && DOUBLE_QUOTES.includes(ch);
const isQuote = (ch: string | undefined): boolean => isSingleQuote(ch) || isDoubleQuote(ch);
const isSpace = (ch: string | undefined): boolean => ch !== undefined && ch !== '\n' && /^\s$/.test(ch);
const isLetter = (ch: string | undefined): boolean => ch !== undefined && /^[A-Za-z_]$/.test(ch);
const isNameChar = (ch: string | undefined): boolean => ch !== undefined && /^[A-Za-z0-9_]$/.test(ch);
/** What may follow '$' for PowerShell to read a variable ($name, ${…}, $_, $$, $?, $^) or a subexpression $( ). */
const startsVariable = (ch: string | undefined): boolean => ch !== undefined && /^[A-Za-z0-9_{(?$^:]$/.test(ch);

/** Parses one or more statements (one per line; a backtick ` at end of line continues it; `#` starts a comment outside quotes; blank lines ignored; `;` separates statements on a line). */
export function parseShell(text: string): ShellStatement[] {
  return new Parser(text).parseAll();
}

/** A value as an error message shows it: "text", 5, $true, $null, a list as a, b. */
export function describeShellValue(v: ShellValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return '$null';
  if (v === true) return '$true';
  if (v === false) return '$false';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  return `@(${v.map(describeShellValue).join(', ')})`;
}

type Context = 'argument' | 'expression';

class Parser {
  private readonly src: string;
  private pos = 0;
  private readonly lineStarts: number[] = [0];
  /** End of the last token consumed, so a statement's text leaves out trailing blanks and comments. */
  private tokenEnd = 0;
  /** The parameter whose value is being read, named in errors. */
  private parameter: string | undefined;

  constructor(text: string) {
    this.src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
    for (let i = 0; i < this.src.length; i++) if (this.src[i] === '\n') this.lineStarts.push(i + 1);
  }

  parseAll(): ShellStatement[] {
    const statements: ShellStatement[] = [];
    for (;;) {
      this.skipBetweenStatements();
      if (this.atEnd()) return statements;
      statements.push(this.parseStatement());
    }
  }

  // ---- positions and errors ----

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  private atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  private lineOf(index: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  private columnOf(index: number): number {
    const start = this.lineStarts[this.lineOf(index) - 1];
    return Array.from(this.src.slice(start, index)).length + 1;
  }

  private fail(index: number, message: string, problem: InputProblem = {}): InputError {
    const field = problem.field ?? this.parameter;
    return new InputError(`line ${this.lineOf(index)}, column ${this.columnOf(index)}: ${message}`, {
      ...problem,
      ...(field !== undefined ? { field } : {}),
    });
  }

  /** How the character at index reads in a message. */
  private found(index: number): string {
    if (index >= this.src.length) return 'the end of the text';
    if (this.src[index] === '\n') return 'the end of the line';
    const ch = this.src[index];
    return isDoubleQuote(ch) ? `'${ch}'` : `"${ch}"`;
  }

  // ---- blanks, comments, continuations ----

  /** A backtick followed only by blanks up to the end of the line (or text): a line continuation. */
  private continuationAt(index: number): number | undefined {
    if (this.src[index] !== '`') return undefined;
    let i = index + 1;
    while (isSpace(this.src[i])) i++;
    if (i >= this.src.length) return i;
    return this.src[i] === '\n' ? i + 1 : undefined;
  }

  /** Skips blanks, comments and line continuations, stopping at a newline. */
  private skipInline(): void {
    for (;;) {
      const ch = this.peek();
      if (isSpace(ch)) {
        this.pos++;
        continue;
      }
      const continued = this.continuationAt(this.pos);
      if (continued !== undefined) {
        this.pos = continued;
        continue;
      }
      if (ch === '<' && this.peek(1) === '#') {
        const close = this.src.indexOf('#>', this.pos + 2);
        if (close < 0) throw this.fail(this.pos, 'the comment <# is not closed: expected #>');
        this.pos = close + 2;
        continue;
      }
      if (ch === '#') {
        const newline = this.src.indexOf('\n', this.pos);
        this.pos = newline < 0 ? this.src.length : newline;
        continue;
      }
      return;
    }
  }

  /** Skips blanks, comments and newlines. */
  private skipLines(): void {
    for (;;) {
      this.skipInline();
      if (this.peek() !== '\n') return;
      this.pos++;
    }
  }

  private skipBetweenStatements(): void {
    for (;;) {
      this.skipLines();
      if (this.peek() === ';') {
        this.pos++;
        continue;
      }
      if (this.atLineStart()) {
        PROMPT.lastIndex = this.pos;
        if (PROMPT.test(this.src)) {
          this.pos = PROMPT.lastIndex;
          continue;
        }
      }
      return;
    }
  }

  private atLineStart(): boolean {
    const start = this.lineStarts[this.lineOf(this.pos) - 1];
    for (let i = start; i < this.pos; i++) if (!isSpace(this.src[i])) return false;
    return true;
  }

  /** Nothing more in this invocation: end of text or line, ';', '|', or a closing bracket. */
  private atInvocationEnd(): boolean {
    const ch = this.peek();
    return ch === undefined || ch === '\n' || ch === ';' || ch === '|' || ch === ')' || ch === '}';
  }

  // ---- statements and invocations ----

  private parseStatement(): ShellStatement {
    const start = this.pos;
    const pipeline = [this.parseInvocation()];
    for (;;) {
      this.skipInline();
      const ch = this.peek();
      if (ch === undefined || ch === '\n' || ch === ';') break;
      if (ch !== '|') throw this.fail(this.pos, `unexpected ${this.found(this.pos)}: expected a parameter, a value, "|" or the end of the statement`);
      const pipe = this.pos;
      this.pos++;
      this.skipLines(); // PowerShell continues a statement after a trailing '|'.
      if (this.atEnd() || this.peek() === ';' || this.peek() === '|') {
        throw this.fail(pipe, `a pipe with nothing after it: expected a cmdlet after "|", found ${this.found(this.pos)}`);
      }
      pipeline.push(this.parseInvocation());
    }
    return { pipeline, line: this.lineOf(start), text: this.src.slice(start, this.tokenEnd) };
  }

  private parseInvocation(): ShellInvocation {
    this.skipInline();
    const start = this.pos;
    const cmdlet = this.readCmdletName();
    const invocation: ShellInvocation = {
      cmdlet,
      parameters: new Map(),
      positional: [],
      column: this.columnOf(start),
      line: this.lineOf(start),
    };
    const seen = new Map<string, string>();
    for (;;) {
      this.skipInline();
      if (this.atEnd()) break;
      const ch = this.peek();
      if (ch === '\n' || ch === ';' || ch === '|') break;
      if (ch === ')' || ch === '}') throw this.fail(this.pos, `unexpected "${ch}": nothing was opened for it to close`);
      if (isDash(ch) && !(ch === '-' && /^[0-9.]$/.test(this.peek(1) ?? ''))) {
        const dash = this.pos;
        const [name, value] = this.parseParameter();
        const previous = seen.get(name.toLowerCase());
        if (previous !== undefined) {
          throw this.fail(dash, `${cmdlet} is given -${previous} twice: give each parameter once`, { field: name });
        }
        seen.set(name.toLowerCase(), name);
        invocation.parameters.set(name, value);
      } else {
        invocation.positional.push(this.parseValue());
      }
      this.tokenEnd = this.pos;
    }
    return invocation;
  }

  private readCmdletName(): string {
    const start = this.pos;
    const ch = this.peek();
    if (ch === '$') throw this.variableError(start);
    if (ch === '&') throw this.fail(start, 'the call operator & is not supported: write the cmdlet name, e.g. Get-FederationTrust');
    let name: string;
    if ((ch === '?' || ch === '%') && !isNameChar(this.peek(1))) {
      name = ch;
      this.pos++;
    } else {
      while (!this.atEnd() && !isSpace(this.peek()) && !WORD_ENDS.includes(this.peek()!) && !isQuote(this.peek())) this.pos++;
      name = this.src.slice(start, this.pos).replace(/[\u2013\u2014\u2015]/g, '-');
      if (!CMDLET_NAME.test(name)) {
        this.pos = start;
        const what = name === '' ? this.found(start) : `"${name}"`;
        const hint = isDash(name[0]) ? ' (does the line before need a ` at its end to continue?)' : '';
        throw this.fail(start, `expected a cmdlet name such as Get-FederationTrust, found ${what}${hint}`, { value: name || undefined });
      }
    }
    this.tokenEnd = this.pos;
    return name;
  }

  /** -Name, -Name value, -Name:value; the dash is at pos. */
  private parseParameter(): [string, ShellValue] {
    const dash = this.pos;
    this.pos++;
    if (!isLetter(this.peek())) {
      throw this.fail(dash, `a parameter without a name: expected -Name after the dash, found ${this.found(this.pos)}`);
    }
    const nameStart = this.pos;
    while (isNameChar(this.peek())) this.pos++;
    const name = this.src.slice(nameStart, this.pos);
    this.parameter = name;
    try {
      const next = this.peek();
      if (next === ':') {
        this.pos++;
        this.skipInline();
        if (this.atInvocationEnd()) throw this.fail(this.pos, `expected a value after -${name}:, found ${this.found(this.pos)}`);
        return [name, this.parseValue()];
      }
      if (!(next === undefined || isSpace(next) || next === '`' || (WORD_ENDS.includes(next) && next !== ','))) {
        throw this.fail(this.pos, `${this.found(this.pos)} cannot follow the parameter name -${name}: write -${name} value or -${name}:value`);
      }
      const afterName = this.pos;
      this.skipInline();
      const ch = this.peek();
      // A switch: nothing follows, or the next parameter does.
      if (this.atInvocationEnd() || (isDash(ch) && !(ch === '-' && /^[0-9.]$/.test(this.peek(1) ?? '')))) {
        this.pos = afterName;
        return [name, true];
      }
      return [name, this.parseValue()];
    } finally {
      this.parameter = undefined;
    }
  }

  // ---- values ----

  /** One value or a comma list: a,b  "a", "b". */
  private parseValue(): ShellValue {
    return this.commaList(() => this.parsePrimary('argument'), () => this.atInvocationEnd() || this.peek() === ',');
  }

  /** Items separated by commas (a value may follow on the next line); one item is returned as itself. */
  private commaList(parseItem: () => ShellValue, missingAfterComma: () => boolean): ShellValue {
    const items: ShellValue[] = [parseItem()];
    for (;;) {
      const before = this.pos;
      this.skipInline();
      if (this.peek() !== ',') {
        this.pos = before;
        break;
      }
      const comma = this.pos;
      this.pos++;
      this.skipLines();
      if (missingAfterComma()) throw this.fail(comma, `expected a value after ",", found ${this.found(this.pos)}`);
      items.push(parseItem());
    }
    return items.length === 1 ? items[0] : items;
  }

  private parsePrimary(context: Context): ShellValue {
    const start = this.pos;
    const ch = this.peek();
    if (ch === ',') throw this.fail(start, 'expected a value before ","');
    if (ch === '$') return this.readDollar(context);
    if (ch === '@') {
      const next = this.peek(1);
      if (next === '(') return this.parseArrayExpression();
      if (next === '{') throw this.fail(start, 'hash tables @{ } are not supported: write the value');
      if (isLetter(next)) throw this.fail(start, 'splatting (@name) is not supported: write the parameters');
    }
    if (ch === '(') return this.parseParenthesised();
    if (ch === '{') return this.readScriptBlock();
    if (ch === '&') throw this.fail(start, 'the call operator & is not supported: write the value');
    if (ch === '>' || ch === '<') throw this.fail(start, 'redirection is not supported: write the value');
    if (context === 'expression' && !isQuote(ch)) return this.readExpressionWord();
    return this.readWord();
  }

  private variableError(start: number): InputError {
    let end = start + 1;
    if (this.src[end] === '{') {
      const close = this.src.indexOf('}', end);
      end = close < 0 ? end + 1 : close + 1;
    } else if (this.src[end] === '(') {
      return this.fail(start, 'subexpressions $( ) are not supported: write the value');
    } else {
      while (end < this.src.length && /^[A-Za-z0-9_:?$^]$/.test(this.src[end])) end++;
    }
    const written = this.src.slice(start, end);
    return this.fail(start, `${written} is a variable; ${NOT_SUPPORTED_VARIABLE} (in single quotes if it contains $)`, { value: written });
  }

  /** $true, $false, $null; any other variable is refused. */
  private readDollar(context: Context): ShellValue {
    const start = this.pos;
    const m = /\$(true|false|null)/iy;
    m.lastIndex = start;
    if (m.test(this.src) && !isNameChar(this.src[m.lastIndex]) && this.src[m.lastIndex] !== ':') {
      const after = this.src[m.lastIndex];
      if (after === undefined || isSpace(after) || WORD_ENDS.includes(after) || after === '`') {
        this.pos = m.lastIndex;
        const word = this.src.slice(start + 1, this.pos).toLowerCase();
        return word === 'true' ? true : word === 'false' ? false : null;
      }
    }
    if (startsVariable(this.peek(1))) throw this.variableError(start);
    // A lone '$' is text in PowerShell.
    return context === 'expression' ? this.readExpressionWord() : this.readWord();
  }

  /** A bare word, quoted strings and their concatenations (abc'def'); an unquoted integer is a number. */
  private readWord(): ShellValue {
    const start = this.pos;
    let text = '';
    let quoted = false;
    for (;;) {
      const ch = this.peek();
      if (ch === undefined || isSpace(ch) || WORD_ENDS.includes(ch)) break;
      if (isQuote(ch)) {
        text += this.readQuoted();
        quoted = true;
        continue;
      }
      if (ch === '`') {
        if (this.continuationAt(this.pos) !== undefined) break;
        const escaped = this.src[this.pos + 1];
        text += ESCAPES[escaped] ?? escaped;
        this.pos += 2;
        continue;
      }
      if (ch === '$' && startsVariable(this.peek(1))) throw this.variableError(this.pos);
      text += ch;
      this.pos++;
    }
    if (this.pos === start) throw this.fail(start, `expected a value, found ${this.found(start)}`);
    this.tokenEnd = this.pos;
    if (!quoted) {
      const n = toInteger(text);
      if (n !== undefined) return n;
    }
    return text;
  }

  /** Inside ( ) and @( ) PowerShell reads expressions: text must be quoted, numbers may be bare. */
  private readExpressionWord(): ShellValue {
    const start = this.pos;
    while (!this.atEnd() && !isSpace(this.peek()) && !WORD_ENDS.includes(this.peek()!)) this.pos++;
    const word = this.src.slice(start, this.pos);
    const n = toInteger(word);
    if (n !== undefined) return n;
    this.pos = start;
    if (word === '') throw this.fail(start, `expected a value, found ${this.found(start)}`);
    if (CMDLET_NAME.test(word) && word.includes('-')) {
      throw this.fail(start, `commands inside ( ) or @( ) are not supported: write the value that ${word} would return`, { value: word });
    }
    throw this.fail(start, `inside ( ) or @( ) PowerShell would run ${word} as a command: put text in quotes, e.g. "${word}"`, { value: word });
  }

  /** A quoted string at pos: '…' has no escapes ('' is a quote); "…" has backtick escapes ("" is a quote). */
  private readQuoted(): string {
    const open = this.pos;
    const quote = this.src[open];
    const double = isDoubleQuote(quote);
    const same = double ? isDoubleQuote : isSingleQuote;
    this.pos++;
    let text = '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined || ch === '\n') {
        throw this.fail(open, `unterminated string: the ${quote} opened here is not closed on its line; expected a closing ${double ? '"' : "'"}`, {
          value: this.src.slice(open, this.pos),
        });
      }
      if (same(ch)) {
        if (same(this.peek(1))) {
          text += this.src[this.pos + 1];
          this.pos += 2;
          continue;
        }
        this.pos++;
        return text;
      }
      if (double && ch === '`') {
        const escaped = this.peek(1);
        if (escaped === undefined || escaped === '\n') {
          this.pos++;
          continue; // reported as unterminated on the next turn
        }
        text += ESCAPES[escaped] ?? escaped;
        this.pos += 2;
        continue;
      }
      if (double && ch === '$' && startsVariable(this.peek(1))) throw this.variableError(this.pos);
      text += ch;
      this.pos++;
    }
  }

  /** @( … ): statements separated by newlines or ';', each a comma list; arrays are enumerated, as PowerShell does. */
  private parseArrayExpression(): ShellValue[] {
    const open = this.pos;
    this.pos += 2;
    const items: ShellValue[] = [];
    for (;;) {
      this.skipLines();
      while (this.peek() === ';') {
        this.pos++;
        this.skipLines();
      }
      if (this.peek() === ')') {
        this.pos++;
        this.tokenEnd = this.pos;
        return items;
      }
      if (this.atEnd()) throw this.fail(open, 'the @( opened here is not closed: expected )');
      const value = this.parseExpressionList(open, '@(');
      if (Array.isArray(value)) items.push(...value);
      else items.push(value);
      this.skipInline();
      const ch = this.peek();
      if (!(ch === '\n' || ch === ';' || ch === ')' || ch === undefined)) {
        throw this.fail(this.pos, `unexpected ${this.found(this.pos)} inside @( ): expected "," or ")"`);
      }
    }
  }

  /** ( … ): one expression, e.g. ("a","b"). */
  private parseParenthesised(): ShellValue {
    const open = this.pos;
    this.pos++;
    this.skipLines();
    if (this.peek() === ')') throw this.fail(open, 'empty ( ): expected a value inside');
    if (this.atEnd()) throw this.fail(open, 'the ( opened here is not closed: expected )');
    const value = this.parseExpressionList(open, '(');
    this.skipLines();
    if (this.peek() !== ')') {
      if (this.atEnd()) throw this.fail(open, 'the ( opened here is not closed: expected )');
      throw this.fail(this.pos, `unexpected ${this.found(this.pos)} inside ( ): expected "," or ")"`);
    }
    this.pos++;
    this.tokenEnd = this.pos;
    return value;
  }

  private parseExpressionList(open: number, opener: string): ShellValue {
    return this.commaList(() => this.parsePrimaryInside(open, opener), () => this.peek() === ')' || this.peek() === ',' || this.atEnd());
  }

  private parsePrimaryInside(open: number, opener: string): ShellValue {
    if (this.atEnd()) throw this.fail(open, `the ${opener} opened here is not closed: expected )`);
    if (isQuote(this.peek())) {
      const text = this.readQuoted();
      this.tokenEnd = this.pos;
      return text;
    }
    return this.parsePrimary('expression');
  }

  /** { … } kept as written, braces included; nested braces, strings and comments inside are skipped over. */
  private readScriptBlock(): string {
    const open = this.pos;
    let depth = 0;
    let i = open;
    while (i < this.src.length) {
      const ch = this.src[i];
      if (ch === '{') depth++;
      else if (ch === '}') {
        depth--;
        if (depth === 0) {
          this.pos = i + 1;
          this.tokenEnd = this.pos;
          return this.src.slice(open, this.pos);
        }
      } else if (ch === '`') i++;
      else if (ch === '<' && this.src[i + 1] === '#') {
        const close = this.src.indexOf('#>', i + 2);
        if (close < 0) break;
        i = close + 1;
      } else if (ch === '#' && (i === 0 || /[\s{;]/.test(this.src[i - 1]))) {
        const newline = this.src.indexOf('\n', i);
        if (newline < 0) break;
        i = newline;
      } else if (isQuote(ch)) {
        const same = isDoubleQuote(ch) ? isDoubleQuote : isSingleQuote;
        let j = i + 1;
        while (j < this.src.length && !same(this.src[j])) j += isDoubleQuote(ch) && this.src[j] === '`' ? 2 : 1;
        if (j >= this.src.length) throw this.fail(i, `unterminated string: the ${ch} opened here inside the script block is not closed`);
        i = j;
      }
      i++;
    }
    throw this.fail(open, 'the script block { opened here is not closed: expected }');
  }
}

function toInteger(word: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(word)) return undefined;
  const n = Number(word);
  return Number.isSafeInteger(n) ? n : undefined;
}

// ---- binding and values ----

export interface BindOptions {
  /** Canonical names that positional values bind to, in order (e.g. ['Identity']). Without it, positional values are left to the caller. */
  positional?: readonly string[];
  /**
   * Parameters that take one of a fixed set of values. A value written as a parameter (-FreeBusyAccessLevel
   * -LimitedDetails, as a blog printed it) is then refused with the fix, not only as an unknown parameter.
   */
  enums?: Readonly<Record<string, readonly string[]>>;
}

/** Checks an invocation against a cmdlet's parameter list, case-insensitively (PowerShell also accepts an unambiguous prefix: -Dom for -DomainNames if unique). Returns parameters keyed by the canonical name. Unknown or ambiguous → InputError naming cmdlet, the parameter and the accepted parameters (problem.field = the parameter as written, problem.accepted = canonical names). */
export function bindParameters(inv: ShellInvocation, accepted: readonly string[], options: BindOptions = {}): Map<string, ShellValue> {
  const bound = new Map<string, ShellValue>();
  const writtenAs = new Map<string, string>();
  const acceptedText = acceptedList(accepted.map((a) => `-${a}`));
  for (const [written, value] of inv.parameters) {
    const lower = written.toLowerCase();
    let canonical = accepted.find((a) => a.toLowerCase() === lower);
    if (canonical === undefined) {
      const candidates = accepted.filter((a) => a.toLowerCase().startsWith(lower));
      if (candidates.length === 0) {
        throw new InputError(`${inv.cmdlet} has no parameter -${written}; accepted: ${acceptedText}${valueWrittenAsParameter(inv, written, options.enums)}`, { field: written, accepted });
      }
      if (candidates.length > 1) {
        throw new InputError(
          `-${written} is ambiguous for ${inv.cmdlet}: it could be ${candidates.map((c) => `-${c}`).join(' or ')}; write more of the name (accepted: ${acceptedText})`,
          { field: written, accepted },
        );
      }
      canonical = candidates[0];
    }
    const earlier = writtenAs.get(canonical);
    if (earlier !== undefined) {
      throw new InputError(`${inv.cmdlet} is given -${canonical} twice (as -${earlier} and -${written}): give each parameter once`, {
        field: written,
        accepted,
      });
    }
    writtenAs.set(canonical, written);
    bound.set(canonical, value);
  }
  if (options.positional !== undefined) {
    const names = options.positional;
    inv.positional.forEach((value, i) => {
      const name = names[i];
      if (name === undefined) {
        const how = names.length === 0 ? 'takes no positional value' : `takes ${names.length} positional value${names.length === 1 ? '' : 's'} (${names.map((n) => `-${n}`).join(', ')})`;
        throw new InputError(`${inv.cmdlet} ${how}; ${describeShellValue(value)} needs a parameter name (accepted: ${acceptedText})`, {
          value: describeShellValue(value),
          accepted,
        });
      }
      if (bound.has(name)) {
        throw new InputError(`${inv.cmdlet} is given -${name} twice (by name and by position as ${describeShellValue(value)}): give each parameter once`, {
          field: name,
          value: describeShellValue(value),
          accepted,
        });
      }
      bound.set(name, value);
    });
  }
  return bound;
}

/** "; -LimitedDetails is a value of -FreeBusyAccessLevel: write -FreeBusyAccessLevel LimitedDetails", when that is what happened. */
function valueWrittenAsParameter(inv: ShellInvocation, written: string, enums: BindOptions['enums']): string {
  for (const [parameter, values] of Object.entries(enums ?? {})) {
    const value = values.find((v) => v.toLowerCase() === written.toLowerCase());
    const given = [...inv.parameters].find(([name]) => parameter.toLowerCase().startsWith(name.toLowerCase()));
    if (value !== undefined && given !== undefined && given[1] === true) return `; -${written} is a value of -${parameter}: write -${parameter} ${value}, without a dash`;
  }
  return '';
}

function valueError(cmdlet: string, parameter: string, expected: string, v: ShellValue | undefined, accepted?: readonly string[]): InputError {
  if (v === undefined) {
    return new InputError(`${cmdlet} needs -${parameter}: expected ${expected}`, { field: parameter, ...(accepted ? { accepted } : {}) });
  }
  const found = v === true ? '$true (or no value after the parameter)' : Array.isArray(v) ? `a list of ${v.length}, ${describeShellValue(v)}` : describeShellValue(v);
  return new InputError(`${cmdlet} -${parameter} expects ${expected}, found ${found}`, {
    field: parameter,
    value: describeShellValue(v),
    ...(accepted ? { accepted } : {}),
  });
}

/** Text; an integer is accepted as its digits. */
export function asString(v: ShellValue | undefined, cmdlet: string, parameter: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw valueError(cmdlet, parameter, 'one text value', v);
}

/** $true/$false (a switch without value is true) or the numbers 1/0; PowerShell does not turn the text "True" into a [bool]. */
export function asBoolean(v: ShellValue | undefined, cmdlet: string, parameter: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  let expected = '$true or $false (or 1 or 0)';
  if (typeof v === 'string') {
    expected = '$true or $false, not text: Boolean parameters accept only $true, $false, 1 or 0';
    if (/^(true|false)$/i.test(v)) expected += ` (write $${v.toLowerCase()})`;
  }
  throw valueError(cmdlet, parameter, expected, v, ['$true', '$false']);
}

/** A single value or a list of text values; $null is the empty list (it clears a multivalued property). */
export function asStringArray(v: ShellValue | undefined, cmdlet: string, parameter: string): string[] {
  if (v === null) return [];
  if (typeof v === 'string' || typeof v === 'number') return [String(v)];
  if (Array.isArray(v)) {
    return v.map((item) => {
      if (typeof item === 'string') return item;
      if (typeof item === 'number') return String(item);
      throw new InputError(`${cmdlet} -${parameter} expects a list of text values, found ${describeShellValue(item)} in ${describeShellValue(v)}`, {
        field: parameter,
        value: describeShellValue(item),
      });
    });
  }
  throw valueError(cmdlet, parameter, 'text or a list of text values such as "a","b"', v);
}

/** One of accepted, case-insensitively; returns the canonical spelling. */
export function asEnum<T extends string>(v: ShellValue | undefined, cmdlet: string, parameter: string, accepted: readonly T[]): T {
  if (typeof v === 'string') {
    const lower = v.toLowerCase();
    const match = accepted.find((a) => a.toLowerCase() === lower);
    if (match !== undefined) return match;
    throw new InputError(`${cmdlet} -${parameter} does not accept "${v}"; accepted: ${acceptedList(accepted)}`, {
      field: parameter,
      value: v,
      accepted,
    });
  }
  throw valueError(cmdlet, parameter, `one of ${acceptedList(accepted)}`, v, accepted);
}

/** A whole number, e.g. -KeySize 2048; text is not read as a number (PowerShell would, but runbooks never quote one). */
export function asInteger(v: ShellValue | undefined, cmdlet: string, parameter: string): number {
  if (typeof v === 'number') return v;
  throw valueError(cmdlet, parameter, 'a whole number', v);
}

// ---- placing errors in a script ----

/**
 * An error of one statement, placed where it is: "Cmdlet -Parameter (line N): message". The parameter is
 * named when the problem is about one of the cmdlet's parameters and the message does not name it already.
 */
export function placedInStatement(e: unknown, cmdlet: string, line: number, parameters: readonly string[] = []): unknown {
  if (!(e instanceof InputError)) return e;
  const field = e.problem.field;
  const parameter = field !== undefined ? parameters.find((p) => p.toLowerCase() === field.toLowerCase()) : undefined;
  const named = parameter !== undefined && !e.message.toLowerCase().includes(`-${parameter.toLowerCase()}`) ? ` -${parameter}` : '';
  return new InputError(`${cmdlet}${named} (line ${line}): ${e.message}`, e.problem);
}

/**
 * A statement that passed every check but failed when it ran: what only running it could reveal (the
 * partner's Autodiscover does not answer, a domain proof is not in DNS yet). As with -ErrorAction Stop, the
 * script stops there and what the statements before it did stays done; `appliedLines` says which those were.
 */
export class ScriptStopped extends InputError {
  constructor(
    message: string,
    problem: InputProblem,
    /** The cmdlet that failed, and the cmdlets of its pipeline. */
    readonly cmdlet: string,
    readonly pipeline: readonly string[],
    readonly line: number,
    /** The first lines of the statements that ran before it, whose changes stay. */
    readonly appliedLines: readonly number[],
  ) {
    super(message, problem);
    this.name = 'ScriptStopped';
  }
}

/** Wraps a run-time failure of a statement as ScriptStopped (other errors, which are faults, pass through). */
export function scriptStopped(e: unknown, cmdlet: string, pipeline: readonly string[], line: number, appliedLines: readonly number[], parameters: readonly string[] = []): unknown {
  const placed = placedInStatement(e, cmdlet, line, parameters);
  if (!(placed instanceof InputError)) return placed;
  const lines = appliedLines.length === 1 ? `line ${appliedLines[0]}` : `lines ${appliedLines.slice(0, -1).join(', ')} and ${appliedLines[appliedLines.length - 1]}`;
  const after = appliedLines.length === 0 ? 'nothing had been applied before it' : `what the statements of ${lines} did stays applied`;
  return new ScriptStopped(`${placed.message} — the script stopped there, as with -ErrorAction Stop: ${after}`, placed.problem, cmdlet, pipeline, line, appliedLines);
}
