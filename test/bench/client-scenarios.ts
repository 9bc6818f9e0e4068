/**
 * What each child of the client benchmark runs (client-child.ts times it):
 *   blueox        the library configured against a real oxd: a context with
 *                 three set() calls per event, sent by its own transport
 *   pino          one structured line with the same three fields, to a file
 *                 through pino.destination({ sync: false, minLength: 4096 })
 *   zmq           zeromq.js Push.send([meta, body]) of pre-encoded frames to
 *                 the same kind of oxd, each send awaited
 *   record        the blueox loop with a recorder that only counts (context + sets)
 *   encode        ... with a recorder that packs meta and body (EventEncoder)
 *   frame         ... and frames them into a SendQueue (the transport minus its socket)
 *   unconfigured  ns per call of the no-op API (see unconfiguredFigures)
 */
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import pino from 'pino';
import * as zmq from 'zeromq';
import * as blueox from '../../src/client';
import type { Context } from '../../src/client/context';
import { EventEncoder } from '../../src/client/event-encoder';
import { SendQueue } from '../../src/client/send-queue';
import { META_SIZE } from '../../src/protocol/meta';
import type { ScenarioKey } from './client-options';

export interface ScenarioOptions {
  events: number;
  batch: number;
  warmup: number;
  iterations: number;
  /** oxd's collect address (host:port), for blueox and zmq. */
  collect: string | null;
  /** Where pino writes its file. */
  tempDir: string;
}

export interface Check {
  ok: boolean;
  detail: string;
}

export interface Prepared {
  /** Runs events [from, to) on this thread; zmq's are awaited one by one. */
  runBatch(from: number, to: number): void | Promise<void>;
  /** Resolves once the first `total` events have left this thread's hands (scenario's own notion). */
  settle(total: number): Promise<void>;
  /** After the window: did all `total` events go where they should? */
  check(total: number): Promise<Check>;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The loop under test: the same in every blueox scenario. */
function blueoxEvents(from: number, to: number): void {
  for (let i = from; i < to; i++) {
    blueox.context('request', () => {
      blueox.set('a', i);
      blueox.set('b.c', 'text');
      blueox.set('d', 1.5);
    });
  }
}

function splitCollect(collect: string | null): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(collect ?? '');
  if (!m) throw new Error(`a collect address host:port is needed, not ${JSON.stringify(collect)}`);
  return { host: m[1], port: Number(m[2]) };
}

async function blueoxToOxd(o: ScenarioOptions): Promise<Prepared> {
  blueox.configure(splitCollect(o.collect));
  const deadline = Date.now() + 10_000;
  while (!blueox.stats().connected) {
    if (Date.now() > deadline) throw new Error(`blueox did not connect to ${o.collect}: ${blueox.stats().lastError}`);
    await sleep(5);
  }
  return {
    runBatch: blueoxEvents,
    async settle(total) {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const s = blueox.stats();
        if (s.queued === 0 && s.sent + s.dropped + s.refused >= total) return;
        if (Date.now() > deadline) throw new Error(`blueox still has events queued: ${JSON.stringify(s)}`);
        await sleep(1); // only when the socket pushed back: no spinning on the measured thread
      }
    },
    async check(total) {
      const s = blueox.stats();
      const ok = s.sent === total && s.dropped === 0 && s.refused === 0 && s.bodyErrors === 0 && s.connects === 1;
      return {
        ok,
        detail: `stats(): sent ${s.sent} of ${total}, dropped ${s.dropped}, refused ${s.refused}, bodyErrors ${s.bodyErrors}, connects ${s.connects}`,
      };
    },
    close: () => blueox.shutdown(),
  };
}

async function pinoToFile(o: ScenarioOptions): Promise<Prepared> {
  const file = path.join(o.tempDir, `pino-${process.pid}.log`);
  const dest = pino.destination({ dest: file, sync: false, minLength: 4096 });
  await once(dest, 'ready');
  const logger = pino(dest);
  return {
    runBatch(from, to) {
      for (let i = from; i < to; i++) logger.info({ a: i, b: { c: 'text' }, d: 1.5 }, 'request');
    },
    // flush(cb) writes what minLength holds back and calls back on 'drain' (flushSync would also fsync).
    settle: () => new Promise<void>((resolve, reject) => dest.flush((err) => (err ? reject(err) : resolve()))),
    async check(total) {
      const text = fs.readFileSync(file, 'latin1');
      let lines = 0;
      for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines++;
      const last = text.slice(text.lastIndexOf('\n', text.length - 2) + 1).trim();
      const ok = lines === total && JSON.parse(last).a === total - 1;
      return { ok, detail: `${lines} lines of ${total} in the file (${text.length} bytes)` };
    },
    async close() {
      dest.end();
      fs.rmSync(file, { force: true });
    },
  };
}

/** One event as blueox would frame it: [meta, body]. */
function sampleFrames(): Buffer[] {
  let captured: Context | null = null;
  blueox.configure({ recorder: (ctx) => (captured = ctx) });
  blueoxEvents(0, 1);
  void blueox.shutdown();
  const ctx = captured as Context | null;
  if (ctx === null) throw new Error('the recorder saw no context');
  const encoder = new EventEncoder();
  const meta = Buffer.alloc(META_SIZE);
  encoder.writeMeta(meta, 0, ctx.end, encoder.typeField(ctx.name) as Buffer);
  return [meta, Buffer.from(encoder.body(ctx))];
}

async function zmqToOxd(o: ScenarioOptions): Promise<Prepared> {
  const frames = sampleFrames();
  const sock = new zmq.Push({ linger: 5_000 });
  sock.connect(`tcp://${o.collect}`);
  return {
    async runBatch(from, to) {
      for (let i = from; i < to; i++) await sock.send(frames);
    },
    // libzmq's I/O thread does the writing: the parent waits for oxd's count instead.
    settle: async () => undefined,
    async check() {
      return { ok: true, detail: `frames of ${frames[0].length} + ${frames[1].length} bytes; delivery checked in oxd` };
    },
    async close() {
      sock.close();
    },
  };
}

/** The blueox loop with closed contexts going to `recorder` instead of a transport. */
function recorded(recorder: (ctx: Context) => void, afterBatch: () => void, counted: () => number): Prepared {
  blueox.configure({ recorder });
  return {
    runBatch(from, to) {
      blueoxEvents(from, to);
      afterBatch();
    },
    settle: async () => undefined,
    async check(total) {
      const n = counted();
      return { ok: n === total, detail: `${n} of ${total} contexts recorded` };
    },
    close: () => blueox.shutdown(),
  };
}

function recordOnly(): Prepared {
  let n = 0;
  return recorded(() => n++, () => undefined, () => n);
}

function encodeOnly(withQueue: boolean): Prepared {
  const encoder = new EventEncoder();
  const meta = Buffer.alloc(META_SIZE);
  const queue = new SendQueue(Number.MAX_SAFE_INTEGER);
  let n = 0;
  const recorder = (ctx: Context): void => {
    const typeField = encoder.typeField(ctx.name) as Buffer;
    const body = encoder.body(ctx);
    if (withQueue) queue.push(encoder, ctx.end, typeField, body);
    else encoder.writeMeta(meta, 0, ctx.end, typeField);
    n++;
  };
  // As the transport's flush does once per turn: the chunks are taken (here, dropped).
  const afterBatch = (): void => {
    if (withQueue) queue.take();
  };
  return recorded(recorder, afterBatch, () => n);
}

export async function prepare(key: ScenarioKey, o: ScenarioOptions): Promise<Prepared> {
  switch (key) {
    case 'blueox':
      return blueoxToOxd(o);
    case 'pino':
      return pinoToFile(o);
    case 'zmq':
      return zmqToOxd(o);
    case 'record':
      return recordOnly();
    case 'encode':
      return encodeOnly(false);
    case 'frame':
      return encodeOnly(true);
    default:
      throw new Error(`no timed loop for scenario ${key}`);
  }
}
