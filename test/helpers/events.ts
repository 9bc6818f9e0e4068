/**
 * Building events as the original client did, and reading log files back.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeMulti } from '@msgpack/msgpack';
import { compatPack, Float64, Packable } from '../../src/protocol/compat-pack';
import { encodeMeta } from '../../src/protocol/meta';

export interface EventSpec {
  type: string;
  host?: string;
  end?: number;
  pid?: number;
  id?: string;
  body?: { [key: string]: Packable };
}

/** The two frames of one event: meta, and a body packed in the raw string family like Python 2. */
export function eventFrames(spec: EventSpec): [Buffer, Buffer] {
  const end = spec.end ?? Date.now() / 1000;
  const host = spec.host ?? 'testhost';
  const meta = encodeMeta({ end, host, type: spec.type });
  const body = compatPack({
    id: spec.id ?? '0'.repeat(32),
    type: spec.type,
    host,
    pid: spec.pid ?? process.pid,
    start: new Float64(end - 0.001),
    end: new Float64(end),
    body: spec.body ?? {},
  });
  return [meta, body];
}

/** Every msgpack object in a file, decoded. */
export function readEvents(file: string): any[] {
  return [...decodeMulti(fs.readFileSync(file))];
}

/** Every file under `root`, relative, sorted. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

/** YYYYMMDD (UTC) of `ms`. */
export function utcDay(ms = Date.now()): string {
  return new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
}

/** How many times each body `i` is in the files under `root` (events sent numbered `{i}`), to find what was lost or doubled. */
export function tallyNumbered(root: string): Map<number, number> {
  const seen = new Map<number, number>();
  for (const file of listFiles(root)) {
    for (const ev of decodeMulti(fs.readFileSync(path.join(root, file))) as Iterable<{ body?: { i?: unknown } }>) {
      const i = ev.body?.i;
      if (typeof i === 'number') seen.set(i, (seen.get(i) ?? 0) + 1);
    }
  }
  return seen;
}
