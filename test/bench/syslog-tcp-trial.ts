/**
 * One TCP trial of the syslog benchmark: the generator (one node process
 * per connection, syslog-tcp-sender.ts) sends its share of the message set
 * over each of its connections at once, as fast as the receiver takes it;
 * the trial ends when every sequence number is in the receiver's files, or
 * when they have not grown for a while (then the rest is lost). The rate is
 * messages over the time from "go" to the last one stored; CPU is the
 * receiver's utime + stime (every thread) over the same window. Against the
 * discard baseline the trial ends when it has read every byte: the ceiling
 * of this generator here.
 */
import * as path from 'node:path';
import { LineChild } from './line-child';
import { cpuSeconds, statusBytes } from './proc-stats';
import { Framing } from './syslog-messages';
import { SyslogReceiver } from './syslog-receivers';

export interface TcpTrial {
  receiver: string;
  framing: Framing;
  connections: number;
  messages: number;
  bytes: number;
  /** From "go" to the last message stored (or read, for the baseline). */
  seconds: number;
  messagesPerSec: number;
  /** Receiver CPU over `seconds`, all threads. */
  cpuSeconds: number;
  cpuMicrosPerMessage: number;
  stored: number;
  missing: number;
  duplicates: number;
  /** Seconds the generator took to hand its last byte to the kernel (the slowest connection). */
  generatorSeconds: number;
  generatorCpuSeconds: number;
  peakRssBytes: number | null;
  /** The files stopped growing before every message was in them. */
  unsettled: boolean;
  check: { ok: boolean; detail: string };
  /** oxd: STATUS round trips asked every STATUS_EVERY_MS during the trial, ms. */
  statusMs?: { n: number; p50: number; p99: number; max: number };
  profile?: string | null;
}

const SENDER = path.join(__dirname, 'syslog-tcp-sender.js');
const POLL_MS = 50;
const STATUS_EVERY_MS = 100;
/** No growth of the files for this long ends the wait: what is not there is lost. */
const STALL_MS = 15_000;

export interface TrialOptions {
  framing: Framing;
  messages: number;
  connections: number;
  stampMs: number;
}

async function startSenders(port: number, o: TrialOptions): Promise<{ senders: LineChild[]; bytes: number }> {
  const per = Math.ceil(o.messages / o.connections);
  const senders: LineChild[] = [];
  for (let c = 0; c < o.connections; c++) {
    const first = c * per;
    const count = Math.min(per, o.messages - first);
    senders.push(new LineChild(`syslog sender ${c}`, process.execPath, [SENDER, String(port), o.framing, String(first), String(count), String(o.stampMs)]));
  }
  try {
    const ready = await Promise.all(senders.map((s) => s.next('ready', 120_000)));
    return { senders, bytes: ready.reduce((n, r) => n + r.bytes, 0) };
  } catch (err) {
    await Promise.all(senders.map((s) => s.stop()));
    throw err;
  }
}

async function go(senders: LineChild[]): Promise<{ all: Promise<{ seconds: number; cpuSeconds: number }> }> {
  const sent = senders.map((s) => s.next('sent', 600_000));
  for (const s of senders) s.send({ cmd: 'go' });
  return {
    all: Promise.all(sent).then((rs) => ({ seconds: Math.max(...rs.map((r) => r.seconds)), cpuSeconds: rs.reduce((n, r) => n + r.cpuSeconds, 0) })),
  };
}

export async function tcpTrial(rcv: SyslogReceiver, o: TrialOptions): Promise<TcpTrial> {
  const tally = rcv.stored(o.messages);
  const { senders, bytes } = await startSenders(rcv.port, o);
  try {
    const cpu0 = cpuSeconds(rcv.pid)!;
    rcv.profileStart?.();
    const t0 = performance.now();
    const { all } = await go(senders);
    const sampler = rcv.statusRoundTrip ? sampleStatus(rcv.statusRoundTrip) : null;
    let last = t0;
    let unsettled = false;
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const now = performance.now();
      if (tally.poll()) last = now;
      if (tally.tally.found === o.messages) break;
      if (now - last > STALL_MS) {
        unsettled = true;
        break;
      }
    }
    const seconds = (last - t0) / 1000;
    const cpu = cpuSeconds(rcv.pid)! - cpu0;
    const statusMs = sampler ? await sampler.stop() : undefined;
    const profile = rcv.profileStop ? await rcv.profileStop() : undefined;
    const gen = await all;
    const stored = tally.tally.found;
    return {
      receiver: rcv.name,
      framing: o.framing,
      connections: o.connections,
      messages: o.messages,
      bytes,
      seconds,
      messagesPerSec: stored / seconds,
      cpuSeconds: cpu,
      cpuMicrosPerMessage: (cpu * 1e6) / Math.max(1, stored),
      stored,
      missing: tally.tally.missing,
      duplicates: tally.tally.duplicates,
      generatorSeconds: gen.seconds,
      generatorCpuSeconds: gen.cpuSeconds,
      peakRssBytes: statusBytes(rcv.pid, 'VmHWM'),
      unsettled,
      check: await rcv.check(tally),
      ...(statusMs ? { statusMs } : {}),
      ...(profile !== undefined ? { profile } : {}),
    };
  } finally {
    await Promise.all(senders.map((s) => s.stop()));
  }
}

/** Asks `roundTrip` every STATUS_EVERY_MS (after the answer) until stopped; the figures of what came back. */
function sampleStatus(roundTrip: () => Promise<number>): { stop(): Promise<{ n: number; p50: number; p99: number; max: number }> } {
  const times: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      times.push(await roundTrip());
      await new Promise((r) => setTimeout(r, STATUS_EVERY_MS));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      const s = [...times].sort((a, b) => a - b);
      const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))];
      return { n: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1] };
    },
  };
}

/** The same generator against a receiver that reads and discards (syslog-discard.ts). */
export async function discardTrial(o: TrialOptions): Promise<TcpTrial> {
  const sink = new LineChild('syslog discard', process.execPath, [path.join(__dirname, 'syslog-discard.js')]);
  try {
    const { port } = await sink.next('listening', 15_000);
    const { senders, bytes } = await startSenders(port, o);
    try {
      const cpu0 = cpuSeconds(sink.pid)!;
      const t0 = performance.now();
      const closed = sink.next('closed', 600_000);
      const { all } = await go(senders);
      const read = await closed;
      const seconds = (performance.now() - t0) / 1000;
      const cpu = cpuSeconds(sink.pid)! - cpu0;
      const gen = await all;
      const ok = read.bytes === bytes;
      return {
        receiver: 'discard',
        framing: o.framing,
        connections: o.connections,
        messages: o.messages,
        bytes,
        seconds,
        messagesPerSec: o.messages / seconds,
        cpuSeconds: cpu,
        cpuMicrosPerMessage: (cpu * 1e6) / o.messages,
        stored: 0,
        missing: 0,
        duplicates: 0,
        generatorSeconds: gen.seconds,
        generatorCpuSeconds: gen.cpuSeconds,
        peakRssBytes: null,
        unsettled: false,
        check: { ok, detail: `read ${read.bytes} of ${bytes} bytes` },
      };
    } finally {
      await Promise.all(senders.map((s) => s.stop()));
    }
  } finally {
    await sink.stop();
  }
}
