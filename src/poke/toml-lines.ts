/**
 * The line each key of a TOML text is written on. smol-toml reports lines
 * for syntax errors only; a check file's semantic errors (a bad duration, an
 * unknown key) must name the line too, so this scans the text again, after
 * smol-toml has accepted it, and records where every key path starts:
 * table headers, dotted keys, keys of inline tables and elements of arrays.
 *
 * Paths are the ones the parsed document has: `[[check]]` tables are indexed
 * from 0 (`["check", 1, "expect", "status", 0]`). The scan trusts the text to
 * be valid TOML; if it is not, the lines found so far are kept and the others
 * fall back to the nearest enclosing key.
 */

export type KeyPath = ReadonlyArray<string | number>;

const encode = (path: KeyPath): string => JSON.stringify(path);

export class KeyLines {
  private readonly lines = new Map<string, number>();

  /** Keeps the first line a path was seen on (a table's header, a dotted key's first use). */
  set(path: KeyPath, line: number): void {
    const key = encode(path);
    if (!this.lines.has(key)) this.lines.set(key, line);
  }

  /** The line of `path`, or of its nearest enclosing path that was found; 1 when none was. */
  lineOf(path: KeyPath): number {
    for (let n = path.length; n > 0; n--) {
      const line = this.lines.get(encode(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return 1;
  }
}

export function locateKeys(text: string): KeyLines {
  const scanner = new Scanner(text);
  try {
    scanner.document();
  } catch {
    // Not valid TOML after all: what was found is still right.
  }
  return scanner.found;
}

const BARE_KEY = /[A-Za-z0-9_-]/;
const SCALAR_END = /[\s,\]}#]/;
const ESCAPES: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', e: '\x1b', '"': '"', '\\': '\\' };

class Scanner {
  readonly found = new KeyLines();
  private pos = 0;
  private readonly lineStarts = [0];
  /** How many tables each array of tables has so far, by its path. */
  private readonly arrays = new Map<string, number>();

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
    if (text.startsWith('\uFEFF')) this.pos = 1;
  }

  document(): void {
    let table: KeyPath = [];
    while (this.pos < this.text.length) {
      this.skipBlanks();
      const c = this.text[this.pos];
      if (c === '\n' || c === '\r') {
        this.pos++;
      } else if (c === '#') {
        this.skipComment();
      } else if (c === '[') {
        const line = this.lineAt(this.pos);
        const isArray = this.text[this.pos + 1] === '[';
        this.pos += isArray ? 2 : 1;
        const parts = this.key();
        this.pos += isArray ? 2 : 1;
        table = isArray ? this.appendArrayTable(parts) : this.resolve(parts);
        for (let n = 1; n <= table.length; n++) this.found.set(table.slice(0, n), line);
        this.endOfLine();
      } else {
        this.keyValue(table);
        this.endOfLine();
      }
    }
  }

  private keyValue(table: KeyPath): void {
    const line = this.lineAt(this.pos);
    const parts = this.key();
    for (let n = 1; n <= parts.length; n++) this.found.set([...table, ...parts.slice(0, n)], line);
    this.expect('=');
    this.skipBlanks();
    this.value([...table, ...parts]);
  }

  private value(path: KeyPath): void {
    const c = this.text[this.pos];
    if (c === '{') {
      this.pos++;
      for (;;) {
        this.skipSpace();
        if (this.text[this.pos] === '}') return void this.pos++;
        if (this.text[this.pos] === ',') {
          this.pos++;
          continue;
        }
        this.keyValue(path);
      }
    } else if (c === '[') {
      this.pos++;
      for (let index = 0; ; ) {
        this.skipSpace();
        if (this.text[this.pos] === ']') return void this.pos++;
        if (this.text[this.pos] === ',') {
          this.pos++;
          continue;
        }
        this.found.set([...path, index], this.lineAt(this.pos));
        this.value([...path, index++]);
      }
    } else if (c === '"' || c === "'") {
      this.string();
    } else {
      const start = this.pos;
      this.skipScalar();
      // A date and a time may be separated by a space: 1979-05-27 07:32:00.
      if (/^\d{4}-\d{2}-\d{2}$/.test(this.text.slice(start, this.pos)) && /^ \d{2}:/.test(this.text.slice(this.pos, this.pos + 4))) {
        this.pos++;
        this.skipScalar();
      }
      if (this.pos === start) throw new Error('no value');
    }
  }

  /** A key's parts: bare or quoted, separated by dots. */
  private key(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skipBlanks();
      const c = this.text[this.pos];
      if (c === '"' || c === "'") {
        parts.push(this.string());
      } else {
        const start = this.pos;
        while (this.pos < this.text.length && BARE_KEY.test(this.text[this.pos])) this.pos++;
        if (this.pos === start) throw new Error('no key');
        parts.push(this.text.slice(start, this.pos));
      }
      this.skipBlanks();
      if (this.text[this.pos] !== '.') return parts;
      this.pos++;
    }
  }

  /** Reads a string of any of TOML's four kinds; returns its value (used for keys). */
  private string(): string {
    const quote = this.text[this.pos];
    if (this.text.startsWith(quote.repeat(3), this.pos)) {
      // Multi-line: ends at the last quote of the first run of three or more (up to two belong to the text).
      this.pos += 3;
      for (;;) {
        if (this.pos >= this.text.length) throw new Error('unterminated string');
        if (quote === '"' && this.text[this.pos] === '\\') {
          this.pos += 2;
          continue;
        }
        if (this.text.startsWith(quote.repeat(3), this.pos)) {
          let end = this.pos + 3;
          while (end < this.pos + 5 && this.text[end] === quote) end++;
          this.pos = end;
          return '';
        }
        this.pos++;
      }
    }
    this.pos++;
    let value = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined || c === '\n') throw new Error('unterminated string');
      this.pos++;
      if (c === quote) return value;
      if (quote === '"' && c === '\\') {
        value += this.escape();
      } else {
        value += c;
      }
    }
  }

  private escape(): string {
    const c = this.text[this.pos++];
    const hex = c === 'u' ? 4 : c === 'U' ? 8 : c === 'x' ? 2 : 0;
    if (hex === 0) return ESCAPES[c] ?? c;
    const code = parseInt(this.text.slice(this.pos, this.pos + hex), 16);
    this.pos += hex;
    return String.fromCodePoint(code);
  }

  /** The path of `[a.b]`: each part that names an array of tables means its last table. */
  private resolve(parts: readonly string[]): KeyPath {
    const path: Array<string | number> = [];
    for (const part of parts) {
      path.push(part);
      const count = this.arrays.get(encode(path));
      if (count !== undefined) path.push(count - 1);
    }
    return path;
  }

  /** The path of `[[a.b]]`: a new table at the end of the array a.b. */
  private appendArrayTable(parts: readonly string[]): KeyPath {
    const array = [...this.resolve(parts.slice(0, -1)), parts[parts.length - 1]];
    const count = (this.arrays.get(encode(array)) ?? 0) + 1;
    this.arrays.set(encode(array), count);
    return [...array, count - 1];
  }

  private lineAt(pos: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  private expect(c: string): void {
    this.skipBlanks();
    if (this.text[this.pos] !== c) throw new Error(`expected ${c}`);
    this.pos++;
  }

  private skipScalar(): void {
    while (this.pos < this.text.length && !SCALAR_END.test(this.text[this.pos])) this.pos++;
  }

  private skipBlanks(): void {
    while (this.text[this.pos] === ' ' || this.text[this.pos] === '\t') this.pos++;
  }

  private skipComment(): void {
    while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos++;
  }

  /** Blanks, line breaks and comments: what may come between the parts of an array or inline table. */
  private skipSpace(): void {
    for (;;) {
      this.skipBlanks();
      const c = this.text[this.pos];
      if (c === '#') this.skipComment();
      else if (c === '\n' || c === '\r') this.pos++;
      else return;
    }
  }

  private endOfLine(): void {
    this.skipBlanks();
    if (this.text[this.pos] === '#') this.skipComment();
  }
}
