/**
 * The syslog thread's batches (syslog-batch.ts), in-process: for several
 * connections read interleaved, in chunks of any size, the events the
 * batches carry are exactly those the main thread's framer and encoder make
 * of the same reads (body and meta frame byte for byte, flags, format,
 * arrival, connection, in order); the bytes and operations the batches
 * account for add up to what was given; the bytes held are what the framers
 * hold; a connection is forgotten in the batch of its last event. A batch
 * owns its memory: moved to another thread (as postMessage moves it), the
 * encoder goes on in a new slab and no batch changes; few events never hold
 * a large buffer.
 */
import test from 'ava';
import { encodeMeta, META_SIZE } from '../../src/protocol/meta';
import { MetaFrames } from '../../src/protocol/syslog/meta-frames';
import { BatchEvent, readEvent, SyslogBatch, SyslogBatchWriter } from '../../src/protocol/syslog/syslog-batch';
import { EventIdWriter, SyslogBodyEncoder } from '../../src/protocol/syslog/syslog-body-encoder';
import { SYSLOG_EVENT_TYPE } from '../../src/protocol/syslog/syslog-event';
import { SyslogFramer } from '../../src/protocol/syslog/tcp-framing';
import { mulberry32, SEED } from '../helpers/random';
import { framedMessages, unfinishedMessage } from '../helpers/syslog-fuzz';

const MAX = 2048;
const PID = 4242;

/** Ids 0, 1, 2, … as 32 digits: the same sequence for both ways. */
function countingIds(): EventIdWriter {
  let n = 0;
  return (buf, at) => {
    const text = String(n++).padStart(32, '0');
    for (let i = 0; i < 32; i++) buf[at + i] = text.charCodeAt(i);
  };
}

interface Made {
  connection: number;
  meta: string;
  body: string;
  flags: number;
  format: string;
  arrival: number;
}

type Op = { op: 'open'; id: number; peer: string } | { op: 'data'; id: number; bytes: Buffer; arrival: number } | { op: 'end'; id: number; arrival: number; clean: boolean; forget: boolean };

/** What the main thread makes of `ops`: a framer per connection, one encoder. */
function inline(ops: Op[]): Made[] {
  const enc = new SyslogBodyEncoder(countingIds(), PID);
  const framers = new Map<number, { framer: SyslogFramer; arrival: number }>();
  const out: Made[] = [];
  for (const o of ops) {
    if (o.op === 'open') {
      const c = {
        arrival: 0,
        framer: new SyslogFramer(
          MAX,
          (buf, start, end, flags) => {
            enc.encode(buf, start, end, o.peer, c.arrival, (flags & 1) !== 0, (flags & 2) !== 0);
            out.push({
              connection: o.id,
              meta: enc.meta.toString('hex'),
              body: enc.out.subarray(enc.bodyStart, enc.bodyEnd).toString('hex'),
              flags,
              format: enc.format,
              arrival: c.arrival,
            });
          },
          true,
        ),
      };
      framers.set(o.id, c);
    } else {
      const c = framers.get(o.id)!;
      c.arrival = o.arrival;
      if (o.op === 'data') c.framer.push(o.bytes);
      else c.framer.end(o.clean);
    }
  }
  return out;
}

/** The batches the writer makes of `ops`, each moved as postMessage moves it; `flushEvery`: ops between flushes. */
function batched(ops: Op[], flushEvery: number): SyslogBatch[] {
  const batches: SyslogBatch[] = [];
  const w = new SyslogBatchWriter(MAX, countingIds(), PID, (b) => batches.push(structuredClone(b, { transfer: [b.bytes.buffer as ArrayBuffer, b.records.buffer as ArrayBuffer] })));
  ops.forEach((o, i) => {
    if (o.op === 'open') w.open(o.id, o.peer);
    else if (o.op === 'data') w.data(o.id, o.bytes, o.arrival);
    else w.end(o.id, o.arrival, o.clean, o.forget);
    if ((i + 1) % flushEvery === 0) w.flush();
  });
  w.flush();
  return batches;
}

function eventsOf(batches: SyslogBatch[]): Made[] {
  const frames = new MetaFrames(SYSLOG_EVENT_TYPE);
  const e: BatchEvent = { connection: 0, flags: 0, format: 'unparsed', hostStart: 0, hostEnd: 0, bodyStart: 0, bodyEnd: 0, arrival: 0, endTime: 0 };
  const out: Made[] = [];
  for (const b of batches) {
    const bytes = Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
    for (let i = 0; i < b.events; i++) {
      readEvent(b, i, e);
      const meta = frames.frame(bytes, e.hostStart, e.hostEnd, e.endTime);
      out.push({ connection: e.connection, meta: meta.subarray(0, META_SIZE).toString('hex'), body: bytes.subarray(e.bodyStart, e.bodyEnd).toString('hex'), flags: e.flags, format: e.format, arrival: e.arrival });
    }
  }
  return out;
}

/** `connections` streams of fuzzed messages (some ending inside one), read interleaved in random chunks, then ended. */
function interleaved(rand: () => number, connections: number, messages: number): Op[] {
  const ops: Op[] = [];
  const left = new Map<number, Buffer>();
  const peers = ['192.0.2.7', '2001:db8::1', '198.51.100.23', '192.0.2.200'];
  for (let id = 0; id < connections; id++) {
    ops.push({ op: 'open', id, peer: peers[id % peers.length] });
    left.set(id, Buffer.concat([framedMessages(rand, messages, MAX).wire, unfinishedMessage(rand, MAX).wire]));
  }
  let now = 1_796_000_000_000;
  while (left.size > 0) {
    const ids = [...left.keys()];
    const id = ids[Math.floor(rand() * ids.length)];
    const rest = left.get(id)!;
    const n = 1 + Math.floor(rand() * (rand() < 0.1 ? 16 : 20_000));
    // A copy, as each socket read is a buffer of its own.
    ops.push({ op: 'data', id, bytes: Buffer.from(rest.subarray(0, n)), arrival: (now += 3) });
    if (n >= rest.length) {
      left.delete(id);
      const clean = rand() < 0.5;
      ops.push({ op: 'end', id, arrival: (now += 1), clean, forget: false });
      ops.push({ op: 'end', id, arrival: (now += 1), clean: false, forget: true });
    } else left.set(id, rest.subarray(n));
  }
  return ops;
}

test('the events of the batches are the main thread\'s, byte for byte, in order, whatever the chunking and the flushes', (t) => {
  const rand = mulberry32(SEED);
  const ops = interleaved(rand, 4, 1500);
  const expected = inline(ops);
  t.true(expected.length > 6000, `${expected.length} events (seed ${SEED})`);
  t.true(new Set(expected.map((e) => e.format)).size === 3, 'every format');
  t.true(expected.some((e) => e.flags !== 0), 'flagged events');
  for (const flushEvery of [1, 7, 1_000_000]) {
    const batches = batched(ops, flushEvery);
    const got = eventsOf(batches);
    t.is(got.length, expected.length, `flush every ${flushEvery} (seed ${SEED})`);
    const first = got.findIndex((e, i) => JSON.stringify(e) !== JSON.stringify(expected[i]));
    t.is(first, -1, `flush every ${flushEvery}: event ${first} differs (seed ${SEED})`);
    t.is(
      batches.reduce((n, b) => n + b.consumed, 0),
      ops.reduce((n, o) => n + (o.op === 'data' ? o.bytes.length : 0), 0),
      'every byte read is accounted for',
    );
    t.is(
      batches.reduce((n, b) => n + b.ops, 0),
      ops.length,
      'every operation is accounted for',
    );
    t.is(batches[batches.length - 1].held, 0, 'nothing held once every connection ended');
    t.deepEqual(batches.flatMap((b) => b.forgotten).sort(), [0, 1, 2, 3]);
    if (flushEvery === 1_000_000) t.true(batches.length > 3, `${batches.length} batches: the full ones went as they filled`);
  }
});

test('a connection is forgotten in the batch of its last event; the bytes held are those of unfinished messages', (t) => {
  const batches: SyslogBatch[] = [];
  const w = new SyslogBatchWriter(MAX, countingIds(), PID, (b) => batches.push(b));
  w.open(1, '192.0.2.7');
  w.open(2, '192.0.2.8');
  const half = '<13>Dec  4 16:02:44 host app: half';
  const counted = '<13>1 2026-12-04T16:02:44Z h a - - - x';
  w.data(1, Buffer.from(`<13>Dec  4 16:02:44 host app: whole\n${half}`), 1000);
  w.data(2, Buffer.from(`40 ${counted}`), 1001);
  w.flush();
  t.like(batches[0], { events: 1, held: half.length + counted.length, ops: 4, forgotten: [] });
  w.end(1, 1002, false, false);
  w.end(1, 1003, false, true);
  w.flush();
  const e: BatchEvent = { connection: 0, flags: 0, format: 'unparsed', hostStart: 0, hostEnd: 0, bodyStart: 0, bodyEnd: 0, arrival: 0, endTime: 0 };
  t.like(batches[1], { events: 1, held: counted.length, ops: 2, consumed: 0, forgotten: [1] });
  readEvent(batches[1], 0, e);
  t.like(e, { connection: 1, flags: 2, format: 'rfc3164', arrival: 1002 });
  t.is(Buffer.from(batches[1].bytes).subarray(e.hostStart, e.hostEnd).toString(), 'host');
  // Data for a connection forgotten (or never opened) is counted and dropped, as the thread is told nothing else of it.
  w.data(1, Buffer.from('late\n'), 1004);
  w.flush();
  t.like(batches[2], { events: 0, consumed: 5, ops: 1, held: counted.length });
});

test('a batch owns its memory: a full slab moves to the reader and the encoder goes on in a new one; a few events are copied out', (t) => {
  const moved: SyslogBatch[] = [];
  const w = new SyslogBatchWriter(MAX, countingIds(), PID, (b) => moved.push(structuredClone(b, { transfer: [b.bytes.buffer as ArrayBuffer, b.records.buffer as ArrayBuffer] })));
  w.open(0, '192.0.2.7');
  const line = (i: number): string => `<13>Dec  4 16:02:44 host app[${i}]: message ${i} ${'x'.repeat(100)}\n`;
  let text = '';
  for (let i = 0; i < 5000; i++) text += line(i);
  w.data(0, Buffer.from(text), 1000);
  w.flush();
  t.true(moved.length >= 3, `${moved.length} batches`);
  const full = moved.filter((b) => b.bytes.buffer.byteLength === 256 * 1024);
  t.true(full.length >= 2, 'full batches carry the slab itself');
  // Every batch's events read back after all were made: none was written over.
  const messages = eventsOf(moved).map((e) => /message (\d+)/.exec(Buffer.from(e.body, 'hex').toString('latin1'))![1]);
  t.deepEqual(messages, Array.from({ length: 5000 }, (_, i) => String(i)));

  const few: SyslogBatch[] = [];
  const quiet = new SyslogBatchWriter(MAX, countingIds(), PID, (b) => few.push(b));
  quiet.open(0, '192.0.2.7');
  for (let i = 0; i < 3; i++) {
    quiet.data(0, Buffer.from(line(i)), 1000 + i);
    quiet.flush();
  }
  t.is(few.length, 3);
  for (const b of few) t.is(b.bytes.buffer.byteLength, b.bytes.byteLength, 'a batch of one event holds only its bytes');
});

test('a body larger than a slab is written whole; the meta frame of a long host is found in the body', (t) => {
  const batches: SyslogBatch[] = [];
  const big = 600 * 1024;
  const w = new SyslogBatchWriter(big, countingIds(), PID, (b) => batches.push(b));
  w.open(0, '192.0.2.7');
  const host = 'h'.repeat(40);
  w.data(0, Buffer.from(`<13>Dec  4 16:02:44 ${host} app: small\n<13>Dec  4 16:02:44 ${host} app: ${'y'.repeat(big - 100)}\n<13>Dec  4 16:02:44 ${host} app: small again\n`), 1000);
  w.flush();
  const events = eventsOf(batches);
  t.is(events.length, 3);
  for (const e of events) t.is(e.meta, encodeMeta({ end: Buffer.from(e.meta, 'hex').readDoubleBE(1), host, type: SYSLOG_EVENT_TYPE }).toString('hex'));
  t.true(Buffer.from(events[1].body, 'hex').includes('y'.repeat(big - 100)));
});
