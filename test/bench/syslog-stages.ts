/**
 * Where the syslog path's time goes, timed in this process over the
 * benchmark's message set, octet-counted, in 64 KiB chunks as a socket
 * delivers them: each stage runs with every stage before it, so the
 * difference between two rows is what the later stage costs.
 *
 *   framing   SyslogFramer cutting messages out of the chunks
 *   text      + the bytes read as text (isUtf8, toString), as the source does
 *   parse     + parseSyslog (RFC 5424, else RFC 3164)
 *   event     + syslogEvent (the body object)
 *   pack      + the body msgpack-encoded with its envelope (compatPack, a new event id)
 *   source    the syslog source's own message handling (SyslogSource, no sockets) to a
 *             router without sinks: meta frame, body check, counters; everything oxd does
 *             on its event loop but the socket reads and the file writes
 *
 * Each stage is run `rounds` times; the fastest round counts (the others
 * lost time to other processes). Usable on its own:
 *   node build/test/bench/syslog-stages.js [MESSAGES] [ROUNDS]
 */
import { isUtf8 } from 'node:buffer';
import { newEventId } from '../../src/client/event-id';
import { Logger } from '../../src/daemon/log';
import { RateLimitedLog } from '../../src/daemon/rate-limit';
import { Router } from '../../src/daemon/router';
import { SyslogSource } from '../../src/daemon/sources/syslog/syslog-source';
import { Stats } from '../../src/daemon/stats';
import { compatPack, Float64, Packable } from '../../src/protocol/compat-pack';
import { parseSyslog } from '../../src/protocol/syslog/parse-syslog';
import { syslogEvent } from '../../src/protocol/syslog/syslog-event';
import { SyslogFramer } from '../../src/protocol/syslog/tcp-framing';
import { framedMessages, stampsFor } from './syslog-messages';

export interface StageTime {
  stage: string;
  /** µs per message, the fastest round. */
  micros: number;
  /** What this stage adds to the one before it. */
  addedMicros: number;
}

const CHUNK = 64 * 1024;
const MAX_MESSAGE = 8192;
const PEER = '127.0.0.1';

type Sink = (bytes: Buffer) => void;

/** Where each stage leaves its result, so that the compiler cannot drop the work. */
let kept: unknown = null;

function text(bytes: Buffer): string {
  return bytes.toString(isUtf8(bytes) ? 'utf8' : 'latin1');
}

/** The stages, each a function of one message's bytes. */
function stages(): Array<{ stage: string; make: () => Sink }> {
  const list: Array<{ stage: string; make: () => Sink }> = [
    { stage: 'framing', make: () => (b) => (kept = b) },
    { stage: 'text', make: () => (b) => (kept = text(b)) },
    { stage: 'parse', make: () => (b) => (kept = parseSyslog(text(b), new Date())) },
    {
      stage: 'event',
      make: () => (b) => {
        const now = Date.now();
        kept = syslogEvent(parseSyslog(text(b), new Date(now)), PEER, now, false);
      },
    },
    {
      stage: 'pack',
      make: () => (b) => {
        const now = Date.now();
        const e = syslogEvent(parseSyslog(text(b), new Date(now)), PEER, now, false);
        kept = compatPack({ id: newEventId(now), type: e.type, host: e.host, pid: process.pid, start: new Float64(e.end), end: new Float64(e.end), body: e.body as { [key: string]: Packable } });
      },
    },
    {
      stage: 'source',
      make: () => {
        const warn = new RateLimitedLog(new Logger(0, false));
        const router = new Router(new Stats(), [], warn);
        const source = new SyslogSource({ endpoint: { host: '127.0.0.1', port: 0 } }, router, { maxMessage: MAX_MESSAGE, maxConnections: 10, receiveBuffer: 0 }, warn);
        // The source's per-message handling, without its sockets.
        const message = (source as unknown as { message(bytes: Buffer, peer: string, truncated: boolean): void }).message.bind(source);
        return (b) => message(b, PEER, false);
      },
    },
  ];
  return list;
}

function timeStage(chunks: Buffer[], messages: number, sink: Sink): number {
  const framer = new SyslogFramer(MAX_MESSAGE, (frame) => sink(frame.bytes));
  const t0 = process.hrtime.bigint();
  for (const c of chunks) framer.push(c);
  framer.end();
  return Number(process.hrtime.bigint() - t0) / 1000 / messages;
}

export function syslogStages(messages = 200_000, rounds = 5): StageTime[] {
  const all = framedMessages(0, messages, 'octet', stampsFor(Date.now()));
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += CHUNK) chunks.push(all.subarray(at, Math.min(at + CHUNK, all.length)));
  const out: StageTime[] = [];
  for (const { stage, make } of stages()) {
    const sink = make();
    let best = Infinity;
    for (let r = 0; r < rounds; r++) best = Math.min(best, timeStage(chunks, messages, sink));
    out.push({ stage, micros: best, addedMicros: best - (out.length > 0 ? out[out.length - 1].micros : 0) });
  }
  if (kept === null) throw new Error('no stage kept a result');
  return out;
}

export function formatStages(times: StageTime[]): string {
  const lines = ['stage      µs/message  added by the stage'];
  for (const t of times) lines.push(`${t.stage.padEnd(9)}  ${t.micros.toFixed(2).padStart(10)}  ${t.addedMicros.toFixed(2).padStart(18)}`);
  return lines.join('\n');
}

if (require.main === module) {
  const times = syslogStages(Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 5));
  process.stdout.write(formatStages(times) + '\n');
}
