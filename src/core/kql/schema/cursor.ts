// A small reader over the text of one management command: names, Kusto string literals, balanced (…) and {…}
// segments, with positions kept so a problem can say the file, line and column it is at.

/** A problem in a schema file, at a 1-based line and column. */
export class SchemaSyntaxError extends Error {
  constructor(readonly file: string, readonly line: number, readonly column: number, readonly detail: string) {
    super(`${file}:${line}:${column}: ${detail}`);
    this.name = 'SchemaSyntaxError';
  }
}

export interface StringLiteral {
  value: string;
  /** Offset in the cursor's text of each character of `value` (to place problems found inside, e.g. in JSON). */
  offsets: number[];
}

const NAME_START = /[A-Za-z_$]/;
const NAME_PART = /[\w$]/;

export class Cursor {
  pos = 0;

  /** `firstLine` is the 1-based line of the text's first character in `file`. */
  constructor(readonly text: string, readonly file: string, readonly firstLine: number) {}

  get atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  /** 1-based line and column of an offset, in the file. */
  locate(offset: number): { line: number; column: number } {
    let line = this.firstLine;
    let lineStart = 0;
    for (let i = 0; i < offset && i < this.text.length; i++) {
      if (this.text.charCodeAt(i) === 10) { line++; lineStart = i + 1; }
    }
    return { line, column: offset - lineStart + 1 };
  }

  fail(detail: string, at = this.pos): never {
    const { line, column } = this.locate(at);
    throw new SchemaSyntaxError(this.file, line, column, detail);
  }

  /** The position of the next token (white space and comments skipped). */
  here(): number {
    this.skipSpace();
    return this.pos;
  }

  /** Skips white space and `//` comments. */
  skipSpace(): void {
    const t = this.text;
    for (;;) {
      while (this.pos < t.length && /\s/.test(t[this.pos])) this.pos++;
      if (t.startsWith('//', this.pos)) {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
        continue;
      }
      return;
    }
  }

  /** A keyword such as `create-merge` or `materialized-view` (letters, digits, `_`, `-`), lower-cased; not consumed. */
  peekKeyword(): string | undefined {
    this.skipSpace();
    const m = /^[A-Za-z_][\w-]*/.exec(this.text.slice(this.pos, this.pos + 64));
    return m ? m[0].toLowerCase() : undefined;
  }

  keyword(): string | undefined {
    const k = this.peekKeyword();
    if (k) this.pos += k.length;
    return k;
  }

  /** Consumes `word` (case-insensitive) if it comes next. */
  accept(word: string): boolean {
    if (this.peekKeyword() !== word.toLowerCase()) return false;
    this.pos += word.length;
    return true;
  }

  expectKeyword(word: string, what: string): void {
    if (!this.accept(word)) this.fail(`Expected ${what}.`);
  }

  /** Consumes one punctuation character if it comes next. */
  acceptChar(c: string): boolean {
    this.skipSpace();
    if (this.text[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  expectChar(c: string, what: string): void {
    if (!this.acceptChar(c)) this.fail(`Expected ${what}.`);
  }

  peekChar(): string | undefined {
    this.skipSpace();
    return this.text[this.pos];
  }

  /** An entity name: `Name`, `['a name']` or `["a name"]`. */
  name(what: string): string {
    this.skipSpace();
    const t = this.text;
    const start = this.pos;
    if (t[this.pos] === '[') {
      this.pos++;
      const s = this.stringLiteral(`${what} in [' ']`);
      this.expectChar(']', `']' to close the name ${what}`);
      if (!s.value) this.fail(`The name of ${what} is empty.`, start);
      return s.value;
    }
    if (!NAME_START.test(t[this.pos] ?? '')) this.fail(`Expected ${what} (a name such as MyTable, or ['my name']).`);
    while (this.pos < t.length && NAME_PART.test(t[this.pos])) this.pos++;
    return t.slice(start, this.pos);
  }

  /** Whether a string literal starts here. */
  atString(): boolean {
    this.skipSpace();
    const t = this.text;
    const c = t[this.pos];
    if (c === "'" || c === '"') return true;
    if (t.startsWith('```', this.pos)) return true;
    return (c === '@' || c === 'h' || c === 'H') && (t[this.pos + 1] === "'" || t[this.pos + 1] === '"' || (c !== '@' && t[this.pos + 1] === '@'));
  }

  /** A Kusto string literal: '…', "…" (backslash escapes), @'…', @"…" (doubled quotes), ```…```, with an optional h/H prefix. */
  stringLiteral(what: string): StringLiteral {
    this.skipSpace();
    const t = this.text;
    const start = this.pos;
    if (t[this.pos] === 'h' || t[this.pos] === 'H') this.pos++;
    if (t.startsWith('```', this.pos)) {
      const end = t.indexOf('```', this.pos + 3);
      if (end < 0) this.fail(`The string ${what} starts with \`\`\` here but never ends.`, start);
      const from = this.pos + 3;
      this.pos = end + 3;
      return { value: t.slice(from, end), offsets: Array.from({ length: end - from }, (_, i) => from + i) };
    }
    const verbatim = t[this.pos] === '@';
    if (verbatim) this.pos++;
    const q = t[this.pos];
    if (q !== "'" && q !== '"') this.fail(`Expected ${what} as a string literal ('…', "…", @'…' or \`\`\`…\`\`\`).`, start);
    this.pos++;
    let value = '';
    const offsets: number[] = [];
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === q) {
        if (verbatim && t[this.pos + 1] === q) { value += q; offsets.push(this.pos); this.pos += 2; continue; }
        this.pos++;
        return { value, offsets };
      }
      if (!verbatim && c === '\\') {
        const n = t[this.pos + 1];
        const at = this.pos;
        if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(t.slice(this.pos + 2, this.pos + 6))) {
          value += String.fromCharCode(parseInt(t.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else {
          value += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : (n ?? '');
          this.pos += 2;
        }
        offsets.push(at);
        continue;
      }
      if (!verbatim && c === '\n') this.fail(`The string ${what} is not closed on its line (use @'…' or \`\`\`…\`\`\` for text over several lines).`, start);
      value += c;
      offsets.push(this.pos);
      this.pos++;
    }
    return this.fail(`The string ${what} is never closed.`, start);
  }

  /**
   * The text from an opening `open` here to its matching `close` (both included), skipping strings and comments.
   * Used for parameter lists, function bodies and `with (…)` blocks.
   */
  balanced(open: string, close: string, what: string): { text: string; start: number; end: number } {
    this.skipSpace();
    const t = this.text;
    const start = this.pos;
    if (t[start] !== open) this.fail(`Expected '${open}' to start ${what}.`);
    let depth = 0;
    let i = start;
    while (i < t.length) {
      const c = t[i];
      if (t.startsWith('//', i)) { while (i < t.length && t[i] !== '\n') i++; continue; }
      if (c === "'" || c === '"' || t.startsWith('```', i) || (c === '@' && (t[i + 1] === "'" || t[i + 1] === '"'))) {
        this.pos = i;
        this.stringLiteral(`inside ${what}`);
        i = this.pos;
        continue;
      }
      if (c === '(' || c === '{' || c === '[') depth++;
      else if (c === ')' || c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          if (c !== close) this.fail(`'${c}' closes ${what}, which opened with '${open}' here.`, start);
          this.pos = i + 1;
          return { text: t.slice(start, i + 1), start, end: i + 1 };
        }
        if (depth < 0) break;
      }
      i++;
    }
    return this.fail(`${what[0].toUpperCase()}${what.slice(1)} opens with '${open}' here but is never closed with '${close}'. (A blank line ends a block: keep a command's lines together.)`, start);
  }

  /** Everything not read yet. */
  rest(): string {
    return this.text.slice(this.pos);
  }
}

/** One `with (…)` property as written: the key's spelling, and whether the value was a string literal. */
export interface WithProperty { key: string; value: string; quoted: boolean }

/** `with (key = value, …)` properties by lower-cased key: string values decoded, others kept as written (`true`, `6h`). */
export function readWithProperties(c: Cursor): Map<string, WithProperty> {
  const props = new Map<string, WithProperty>();
  c.expectChar('(', "'(' after with");
  if (c.acceptChar(')')) return props;
  for (;;) {
    const keyAt = c.here();
    const key = c.name('a property name');
    c.expectChar('=', `'=' after ${key}`);
    let value: string;
    const quoted = c.atString();
    if (quoted) value = c.stringLiteral(`the value of ${key}`).value;
    else {
      c.skipSpace();
      const from = c.pos;
      let depth = 0;
      while (c.pos < c.text.length) {
        const ch = c.text[c.pos];
        if (ch === '(') depth++;
        else if (ch === ')') { if (depth === 0) break; depth--; }
        else if (ch === ',' && depth === 0) break;
        c.pos++;
      }
      value = c.text.slice(from, c.pos).trim();
      if (!value) c.fail(`The property ${key} has no value.`);
    }
    if (props.has(key.toLowerCase())) c.fail(`The property ${key} is given twice.`, keyAt);
    props.set(key.toLowerCase(), { key, value, quoted });
    if (c.acceptChar(')')) return props;
    c.expectChar(',', "',' or ')' in the with (…) properties");
  }
}
