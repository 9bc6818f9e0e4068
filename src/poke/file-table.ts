/**
 * One table of a check file, read strictly: each value is taken with the
 * type and range it must have, and anything else throws a PokeFileError
 * naming the file, the line, the dotted key and what is allowed. The check
 * file reader is written against this, so every key gets the same kind of
 * message.
 */
import * as path from 'node:path';
import { parseDuration } from './durations';
import { PokeFileError } from './poke-file-error';
import { parseSize } from './sizes';
import { KeyLines, KeyPath } from './toml-lines';

/** The file a table comes from: its name for messages, and the line of each key. */
export interface FileSource {
  file: string;
  lines: KeyLines;
}

/** `check[2].expect.json."$.result"`: arrays counted from 1, parts quoted when not bare. */
export function keyName(keyPath: KeyPath): string {
  let name = '';
  for (const part of keyPath) {
    if (typeof part === 'number') name += `[${part + 1}]`;
    else name += (name === '' ? '' : '.') + (/^[A-Za-z0-9_-]+$/.test(part) ? part : JSON.stringify(part));
  }
  return name;
}

/** A value as the message shows it: TOML-like, cut short. */
export function showValue(value: unknown): string {
  const text = value instanceof Date ? String(value) : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export class FileTable {
  constructor(
    readonly source: FileSource,
    readonly path: KeyPath,
    readonly values: Record<string, unknown>,
  ) {}

  /** The table's own line (its header), or a key's. */
  line(key?: string | number): number {
    return this.source.lines.lineOf(key === undefined ? this.path : [...this.path, key]);
  }

  name(key?: string | number): string {
    return keyName(key === undefined ? this.path : [...this.path, key]);
  }

  keys(): string[] {
    return Object.keys(this.values);
  }

  has(key: string): boolean {
    return this.values[key] !== undefined;
  }

  get(key: string): unknown {
    return this.values[key];
  }

  /** Throws for the first key that is not one of `known`; `elsewhere` explains keys that belong to another kind of table. */
  only(known: readonly string[], holder: string, elsewhere: Record<string, string> = {}): void {
    for (const key of this.keys()) {
      if (known.includes(key)) continue;
      const reason = elsewhere[key];
      if (reason !== undefined) throw this.error(key, `${this.name(key)} is not allowed here`, reason);
      throw this.error(key, `${this.name(key)} is not a known key`, `the keys of ${holder} are ${known.join(', ')}`);
    }
  }

  /** An error about `key` (or the table itself) with a problem and an allowed text of the caller's. */
  error(key: string | number | undefined, problem: string, allowed: string): PokeFileError {
    return new PokeFileError(this.source.file, this.line(key), this.name(key), problem, allowed);
  }

  /** `key = value is not allowed; key must be allowed`. */
  bad(key: string | number, allowed: string, value: unknown = this.values[key]): PokeFileError {
    const name = this.name(key);
    return this.error(key, `${name} = ${showValue(value)} is not allowed`, `${name} must be ${allowed}`);
  }

  string(key: string, allowed: string, valid: (text: string) => boolean = (text) => text.length > 0): string | undefined {
    const value = this.values[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !valid(value)) throw this.bad(key, allowed);
    return value;
  }

  integer(key: string, min: number, max: number, allowed = `an integer from ${min} to ${max}`): number | undefined {
    const value = this.values[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw this.bad(key, allowed);
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.values[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw this.bad(key, 'true or false');
    return value;
  }

  duration(key: string, minMs: number, maxMs: number, allowed: string): number | undefined {
    const value = this.values[key];
    if (value === undefined) return undefined;
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined || ms < minMs || ms > maxMs) throw this.bad(key, allowed);
    return ms;
  }

  size(key: string, min: number, max: number, allowed: string): number | undefined {
    const value = this.values[key];
    if (value === undefined) return undefined;
    const bytes = parseSize(value);
    if (bytes === undefined || bytes < min || bytes > max) throw this.bad(key, allowed);
    return bytes;
  }

  /** A regular expression, compiled now so a bad one is found when the file is read. */
  regex(key: string | number, text: unknown = this.values[key]): RegExp {
    if (typeof text !== 'string') throw this.bad(key, 'a regular expression (JavaScript syntax) in a text', text);
    try {
      return new RegExp(text);
    } catch (err) {
      // "Invalid regular expression: /(/: Unterminated group": the reason is the last part.
      const message = (err as Error).message;
      const reason = /^Invalid regular expression: \/.*\/[a-z]*: (.*)$/s.exec(message)?.[1] ?? message;
      throw this.bad(key, `a valid regular expression (JavaScript syntax); this one fails with: ${reason}`, text);
    }
  }

  /** A file path; relative ones are taken from the check file's folder. */
  filePath(key: string): string | undefined {
    const value = this.string(key, 'the path of a PEM file');
    return value === undefined ? undefined : path.resolve(path.dirname(this.source.file), value);
  }

  table(key: string, allowed: string): FileTable | undefined {
    const value = this.values[key];
    if (value === undefined) return undefined;
    if (!isTable(value)) throw this.bad(key, allowed);
    return new FileTable(this.source, [...this.path, key], value);
  }

  /** `[[key]]` tables (an array of tables). */
  tables(key: string, allowed: string): FileTable[] {
    const value = this.values[key];
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every(isTable)) throw this.bad(key, allowed);
    return value.map((entry, i) => new FileTable(this.source, [...this.path, key, i], entry as Record<string, unknown>));
  }
}
