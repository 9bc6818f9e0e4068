/**
 * The link's codecs on one core (figures, not pass/fail): batches as the
 * forwarding oxd makes them (1000 spool records of ~200-byte events, each
 * with its own id and time) compressed and decompressed by each codec of
 * link-codec.ts, and by the direct zlib call the link made before it had
 * codecs, as the baseline of the same run. Rounds alternate the order, so
 * the machine's noise spreads over all. zstd is measured where this Node
 * has it (>= 22.15), and said to be absent elsewhere.
 *
 *   node build/test/bench/link-codec-run.js [--batches N] [--rounds R]
 */
import * as zlib from 'node:zlib';
import { compressBatch, codecByte, decompressBatch, LinkCodec, LOCAL_CODECS } from '../../src/daemon/link/link-codec';
import { encodeMeta } from '../../src/protocol/meta';
import { recordSize, writeRecord } from '../../src/protocol/spool/spool-record';
import { eventBody, TYPES } from './payload';
import { table } from './report-table';

const EVENTS_PER_BATCH = 1000;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

/** One batch's payload before compression: spool records back to back, as the link client concatenates them. */
function makeBatch(first: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < EVENTS_PER_BATCH; i++) {
    const end = Date.now() / 1000 + i / 1000;
    const type = TYPES[i % TYPES.length];
    const meta = encodeMeta({ end, host: 'web-17.example.net', type });
    const body = eventBody(type, 'web-17.example.net', end, 200);
    const r = Buffer.alloc(recordSize(meta.length, body.length));
    writeRecord(r, 0, first + i, Date.now(), meta, 0, meta.length, body, 0, body.length);
    parts.push(r);
  }
  return Buffer.concat(parts);
}

interface Way {
  name: string;
  compress(raw: Buffer): Buffer;
  decompress(payload: Buffer, rawBytes: number): Buffer;
}

const WAYS: Way[] = [
  {
    name: 'zlib, the call the link made before codecs',
    compress: (raw) => zlib.deflateSync(raw, { level: 1 }),
    decompress: (payload, rawBytes) => zlib.inflateSync(payload, { maxOutputLength: rawBytes + 1 }),
  },
  ...(['zlib', 'zstd', 'none'] as LinkCodec[])
    .filter((codec) => codec !== 'zstd' || LOCAL_CODECS.zstd)
    .map((codec) => ({
      name: `${codec}, link-codec.ts`,
      compress: (raw: Buffer) => compressBatch(codec, raw),
      decompress: (payload: Buffer, rawBytes: number) => decompressBatch(codecByte(codec), payload, rawBytes),
    })),
];

interface Tally {
  rawBytes: number;
  wireBytes: number;
  compressMs: number;
  decompressMs: number;
}

function main(): void {
  const batches = Array.from({ length: option('--batches', 40) }, (_, i) => makeBatch(i * EVENTS_PER_BATCH + 1));
  const rounds = option('--rounds', 5);
  const tallies = new Map<string, Tally>(WAYS.map((w) => [w.name, { rawBytes: 0, wireBytes: 0, compressMs: 0, decompressMs: 0 }]));
  // One round unmeasured: the first calls of each pay for warming up.
  for (let round = -1; round < rounds; round++) {
    const order = round % 2 === 0 ? WAYS : [...WAYS].reverse();
    for (const way of order) {
      const tally = tallies.get(way.name)!;
      for (const raw of batches) {
        const started = performance.now();
        const payload = way.compress(raw);
        const compressed = performance.now();
        const back = way.decompress(payload, raw.length);
        const done = performance.now();
        if (back.length !== raw.length) throw new Error(`${way.name}: ${back.length} bytes back of ${raw.length}`);
        if (round < 0) continue;
        tally.rawBytes += raw.length;
        tally.wireBytes += payload.length;
        tally.compressMs += compressed - started;
        tally.decompressMs += done - compressed;
      }
    }
  }
  const baseline = tallies.get(WAYS[0].name)!;
  const rows = WAYS.map((w) => {
    const t = tallies.get(w.name)!;
    const mbs = (ms: number): string => (ms > 0 ? ((t.rawBytes / 1e6) / (ms / 1000)).toFixed(0) : '-');
    return [
      w.name,
      (t.rawBytes / t.wireBytes).toFixed(2),
      mbs(t.compressMs),
      mbs(t.decompressMs),
      ((t.compressMs * 1000) / (t.rawBytes / batches[0].length) / EVENTS_PER_BATCH).toFixed(3),
      (t.compressMs / baseline.compressMs).toFixed(2),
    ];
  });
  process.stdout.write(
    `Link codecs, Node ${process.version}: ${batches.length} batches of ${EVENTS_PER_BATCH} events (${(batches[0].length / 1024).toFixed(0)} KiB each), ${rounds} rounds` +
      `${LOCAL_CODECS.zstd ? '' : '; this Node has no zstd (it needs >= 22.15): not measured'}\n`,
  );
  process.stdout.write(table(['way', 'ratio', 'compress MB/s', 'decompress MB/s', 'compress µs/event', 'compress time / baseline'], rows) + '\n');
}

main();
