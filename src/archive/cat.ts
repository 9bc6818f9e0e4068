/**
 * `oxstore cat`: the events of a type (or a `name*` prefix) in a date range,
 * from the files that may hold them, oldest first, decompressed. By default
 * the output is the events' msgpack bytes exactly as stored (so it can be
 * piped into oxview, as the original's was); `--json` prints one JSON object
 * per line instead, written from the bytes by src/json/ as oxview writes
 * it. Damaged or cut-off regions are skipped and reported.
 *
 * A period present both uncompressed and archived (a zip interrupted after
 * its rename, or racing with this read) is read once, from the uncompressed
 * file.
 */
import * as fs from 'node:fs';
import type { Writable } from 'node:stream';
import { JsonWriter } from '../json/json-writer';
import { findLogFiles, LogFile } from '../store/find-logs';
import { describeProblems, readLogFile } from '../store/read-log';
import { groupKey } from './zip-plan';

/** Writes bytes or text with backpressure; a reader that goes away (EPIPE) ends the output quietly. */
export class ByteOutput {
  closed = false;
  private waiting: Promise<void> | null = null;
  private readonly gone: Promise<void>;

  constructor(private readonly stream: Writable) {
    this.gone = new Promise((resolve) => {
      const close = (): void => {
        this.closed = true;
        resolve();
      };
      // Other errors are the owner's to handle (the tool reports them and exits 1).
      stream.on('error', close);
      stream.once('close', close);
    });
  }

  write(data: Buffer | string): void {
    if (this.closed || data.length === 0) return;
    if (!this.stream.write(data) && this.waiting === null) {
      this.waiting = Promise.race([new Promise<void>((r) => this.stream.once('drain', r)), this.gone]).then(() => {
        this.waiting = null;
      });
    }
  }

  ready(): Promise<void> {
    return this.waiting ?? Promise.resolve();
  }

  /** Resolves once everything written has been handed on (or the reader is gone). */
  end(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return Promise.race([new Promise<void>((r) => this.stream.write(Buffer.alloc(0), () => r())), this.gone]);
  }
}

const RANK = { none: 0, gz: 1, bz2: 2 } as const;
const JSON_FLUSH_AT = 64 * 1024;

/** One file per type, host and period: the uncompressed one, else .gz, else .bz2. */
export function onePerPeriod(files: LogFile[]): LogFile[] {
  const best = new Map<string, LogFile>();
  for (const f of files) {
    const k = `${groupKey(f)}\0${f.stamp}`;
    const seen = best.get(k);
    if (!seen || RANK[f.compression ?? 'none'] < RANK[seen.compression ?? 'none']) best.set(k, f);
  }
  return files.filter((f) => best.get(`${groupKey(f)}\0${f.stamp}`) === f);
}

export interface CatOptions {
  root: string;
  type: string;
  start: number;
  end: number;
  json: boolean;
  out: ByteOutput;
  problem: (line: string) => void;
}

export interface CatResult {
  files: number;
  events: number;
  /** Some input was damaged, cut off or unreadable, and skipped. */
  skipped: boolean;
}

class ReaderGone extends Error {}

export async function runCat(opts: CatOptions): Promise<CatResult> {
  const { out } = opts;
  const files = onePerPeriod(findLogFiles(opts.root, opts.type, opts.start, opts.end));
  const result: CatResult = { files: files.length, events: 0, skipped: false };
  // Raw: the events' bytes, gathered per input chunk. JSON: lines gathered in a writer.
  let pending: Buffer[] = [];
  const json = new JsonWriter({}, 2 * JSON_FLUSH_AT);
  const flush = (): void => {
    if (pending.length) out.write(pending.length === 1 ? Buffer.from(pending[0]) : Buffer.concat(pending));
    pending = [];
    if (json.length) out.write(json.take());
  };
  const onEvent = opts.json
    ? (raw: Buffer): void => {
        json.whole(raw);
        json.byte(0x0a);
        if (json.length >= JSON_FLUSH_AT) out.write(json.take());
      }
    : (raw: Buffer): void => void pending.push(raw);
  for (const file of files) {
    if (out.closed) break;
    // A zip may have finished this file since the listing: read its archive then.
    const source = fs.existsSync(file.path) || !fs.existsSync(`${file.path}.gz`) ? file.path : `${file.path}.gz`;
    const r = await readLogFile(source, onEvent, async () => {
      flush();
      await out.ready();
      if (out.closed) throw new ReaderGone();
    });
    flush();
    if (out.closed) break;
    result.events += r.events;
    const problems = describeProblems({ ...r, source: file.relative });
    if (problems) {
      opts.problem(problems);
      result.skipped = true;
    }
  }
  return result;
}
