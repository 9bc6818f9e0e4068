/**
 * Where the syslog path's time goes, timed in this process over the
 * benchmark's message set, octet-counted, in 64 KiB chunks as a socket
 * delivers them. Two ways from the framer on, each row running with the
 * rows before it in its way, so the difference between two rows is what the
 * later one costs:
 *
 *   framing   SyslogFramer cutting messages out of the chunks (in place)
 *
 *   the parseSyslog way (oxd's until the direct encoder; still the way of
 *   messages the encoder does not read itself):
 *   text      + the bytes read as text (isUtf8, toString)
 *   parse     + parseSyslog (RFC 5424, else RFC 3164)
 *   event     + syslogEvent (the body object)
 *   pack      + the body msgpack-encoded with its envelope (compatPack, a new event id)
 *   route     + meta frame and routing (routeLocalEvent) to a router without sinks
 *
 *   the direct way (oxd's syslog source now):
 *   encode    + SyslogBodyEncoder: both frames written from the message's bytes
 *   source    the syslog source's own message handling (SyslogSource, no sockets)
 *             to a router without sinks: body check, counters; everything
 *             oxd does on its event loop but the socket reads and the file writes,
 *             for datagrams (and TCP should the syslog thread fail); TCP is
 *             framed and encoded on the syslog thread, whose batches the event
 *             loop routes (test/unit/syslog-batch.test.ts holds them to this way)
 *
 * Each stage is run `rounds` times; the fastest round counts (the others
 * lost time to other processes). Usable on its own:
 *   node build/test/bench/syslog-stages.js [MESSAGES] [ROUNDS]
 */
import { isUtf8 } from 'node:buffer';
import { newEventId, writeEventId } from '../../src/client/event-id';
import { Logger } from '../../src/daemon/log';
import { routeLocalEvent } from '../../src/daemon/local-event';
import { RateLimitedLog } from '../../src/daemon/rate-limit';
import { Router } from '../../src/daemon/router';
import { SyslogSource } from '../../src/daemon/sources/syslog/syslog-source';
import { Stats } from '../../src/daemon/stats';
import { compatPack, Float64, Packable } from '../../src/protocol/compat-pack';
import { parseSyslog } from '../../src/protocol/syslog/parse-syslog';
import { SyslogBodyEncoder } from '../../src/protocol/syslog/syslog-body-encoder';
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

/** One message, `buf[start, end)`, valid only during the call. */
type Sink = (buf: Buffer, start: number, end: number) => void;

/** Where each stage leaves its result, so that the compiler cannot drop the work. */
let kept: unknown = null;

function text(buf: Buffer, start: number, end: number): string {
  const bytes = buf.subarray(start, end);
  return bytes.toString(isUtf8(bytes) ? 'utf8' : 'latin1');
}

function quietRouter(): { router: Router; warn: RateLimitedLog } {
  const warn = new RateLimitedLog(new Logger(0, false));
  return { router: new Router(new Stats(), [], warn), warn };
}

/** The parseSyslog way up to the envelope packed. */
function packed(buf: Buffer, start: number, end: number, now: number): { e: ReturnType<typeof syslogEvent>; frame: Buffer } {
  const e = syslogEvent(parseSyslog(text(buf, start, end), new Date(now)), PEER, now, false);
  const frame = compatPack({ id: newEventId(now), type: e.type, host: e.host, pid: process.pid, start: new Float64(e.end), end: new Float64(e.end), body: e.body as { [key: string]: Packable } });
  return { e, frame };
}

/** The stages, each a function of one message's bytes; `after`: the row it adds to. */
function stages(): Array<{ stage: string; after: string | null; make: () => Sink }> {
  return [
    { stage: 'framing', after: null, make: () => (_b, s, e) => (kept = e - s) },
    { stage: 'text', after: 'framing', make: () => (b, s, e) => (kept = text(b, s, e)) },
    { stage: 'parse', after: 'text', make: () => (b, s, e) => (kept = parseSyslog(text(b, s, e), new Date())) },
    {
      stage: 'event',
      after: 'parse',
      make: () => (b, s, e) => {
        const now = Date.now();
        kept = syslogEvent(parseSyslog(text(b, s, e), new Date(now)), PEER, now, false);
      },
    },
    { stage: 'pack', after: 'event', make: () => (b, s, e) => (kept = packed(b, s, e, Date.now()).frame) },
    {
      stage: 'route',
      after: 'pack',
      make: () => {
        const { router } = quietRouter();
        return (b, s, e) => {
          const now = Date.now();
          const ev = syslogEvent(parseSyslog(text(b, s, e), new Date(now)), PEER, now, false);
          routeLocalEvent(router, { type: ev.type, host: ev.host, start: ev.end, end: ev.end, body: ev.body as { [key: string]: Packable } }, `syslog ${PEER}`, false);
          kept = router;
        };
      },
    },
    {
      stage: 'encode',
      after: 'framing',
      make: () => {
        const enc = new SyslogBodyEncoder(writeEventId, process.pid);
        return (b, s, e) => {
          enc.encode(b, s, e, PEER, Date.now());
          kept = enc.bodyEnd;
        };
      },
    },
    {
      stage: 'source',
      after: 'encode',
      make: () => {
        const { router, warn } = quietRouter();
        const source = new SyslogSource({ endpoint: { host: '127.0.0.1', port: 0 } }, router, { maxMessage: MAX_MESSAGE, maxConnections: 10, receiveBuffer: 0 }, warn);
        // The source's per-message handling, without its sockets.
        type Message = (buf: Buffer, start: number, end: number, peer: string, label: string, arrival: number, truncated: boolean, incomplete: boolean) => void;
        const message = (source as unknown as { message: Message }).message.bind(source);
        const label = `syslog ${PEER}`;
        return (b, s, e) => message(b, s, e, PEER, label, Date.now(), false, false);
      },
    },
  ];
}

function timeStage(chunks: Buffer[], messages: number, sink: Sink): number {
  const framer = new SyslogFramer(MAX_MESSAGE, (buf, start, end) => sink(buf, start, end), true);
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
  for (const { stage, after, make } of stages()) {
    const sink = make();
    let best = Infinity;
    for (let r = 0; r < rounds; r++) best = Math.min(best, timeStage(chunks, messages, sink));
    const base = out.find((o) => o.stage === after)?.micros ?? 0;
    out.push({ stage, micros: best, addedMicros: best - base });
  }
  if (kept === null) throw new Error('no stage kept a result');
  return out;
}

export function formatStages(times: StageTime[]): string {
  const lines = ['stage      µs/message  added by the stage'];
  for (const t of times) {
    if (t.stage === 'text') lines.push('the parseSyslog way:');
    if (t.stage === 'encode') lines.push('the direct way (SyslogBodyEncoder):');
    lines.push(`${t.stage.padEnd(9)}  ${t.micros.toFixed(2).padStart(10)}  ${t.addedMicros.toFixed(2).padStart(18)}`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  const times = syslogStages(Number(process.argv[2] ?? 200_000), Number(process.argv[3] ?? 5));
  process.stdout.write(formatStages(times) + '\n');
}
