/**
 * One trial of the link benchmark: a fresh central and local oxd for one
 * way of forwarding (link-ways.ts), one sender process (sender.ts) writing
 * ~200-byte events into the local's collect port as fast as it takes them,
 * a warm-up, then a window from the sender's first write of N events until
 * the central's STATUS says all N are written (polled every `pollMs`), or
 * until the local's drops and the central's writes account for them all.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFiles } from '../helpers/events';
import { LineChild } from './line-child';
import { cpuSeconds, statusBytes } from './proc-stats';
import { OxdPair, startPair, Way } from './link-ways';
import { bytesSentTo } from './tcp-bytes';

export interface LinkTrialOptions {
  way: Way;
  round: number;
  events: number;
  warmup: number;
  pollMs: number;
  /** Give up on a window after this long, or after this long without progress at the central. */
  maxSeconds: number;
  stallSeconds: number;
  tempDir: string;
}

export interface LinkTrial {
  way: Way;
  round: number;
  /** Events sent in the window, and how many of them the central wrote. */
  events: number;
  written: number;
  bodySize: number;
  seconds: number;
  eventsPerSec: number;
  /** Until the local had taken all N from the sender (what it holds back shows here). */
  localTookPerSec: number;
  localCpuSec: number;
  centralCpuSec: number;
  senderCpuSec: number;
  localCpuUsPerEvent: number;
  centralCpuUsPerEvent: number;
  localPeakRss: number | null;
  /** How the local sent: link or push (from its STATUS). */
  mode: string;
  /** TCP payload bytes local -> central in the window (the kernel's count), on how many connections. */
  tcpBytes: number | null;
  tcpConnections: number;
  /** The link's own counts in the window (null over PUSH). */
  link: { rawBytes: number; wireBytes: number; ratio: number; compressMs: number; batches: number; resends: number } | null;
  linkLosses: number;
  spoolFsyncs: number | null;
  /** Dropped by the local (a full memory queue), never sent. */
  localDropped: number;
  lost: number;
  /** Written beyond N: duplicates that reached the central's files. */
  writtenTwice: number;
  duplicatesDropped: number;
  possibleDuplicates: number;
  badBatches: number;
  outOfOrder: number;
  statusTimeouts: number;
  complete: boolean;
  check: { ok: boolean; detail: string };
}

const wallMs = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const STATUS_TIMEOUT_MS = 10_000;

/** A field path of a STATUS reply as a number (0 when absent: a counter that has not started). */
function num(status: any, ...keys: string[]): number {
  let v = status;
  for (const k of keys) v = v?.[k];
  return typeof v === 'number' ? v : 0;
}

interface Sample {
  central: any;
  local: any;
  at: number;
}

async function sample(pair: OxdPair): Promise<Sample | null> {
  try {
    const [central, local] = await Promise.all([
      pair.central.control.request({ cmd: 'STATUS' }, STATUS_TIMEOUT_MS),
      pair.local.control.request({ cmd: 'STATUS' }, STATUS_TIMEOUT_MS),
    ]);
    return { central, local, at: wallMs() };
  } catch {
    return null; // timed out under load: counted, and asked again
  }
}

/**
 * Polls both daemons every `pollMs` until `done` holds for a sample (reached), or for `maxSeconds`,
 * or `stallSeconds` without a new event written at the central; `last` is the last sample answered.
 */
async function pollUntil(
  pair: OxdPair,
  o: LinkTrialOptions,
  done: (s: Sample) => boolean,
  onTimeout: () => void,
): Promise<{ reached: boolean; last: Sample | null }> {
  const deadline = wallMs() + o.maxSeconds * 1000;
  let written = -1;
  let progressAt = wallMs();
  let last: Sample | null = null;
  for (;;) {
    const asked = wallMs();
    const s = await sample(pair);
    if (s === null) onTimeout();
    else {
      last = s;
      if (done(s)) return { reached: true, last };
      if (num(s.central, 'totals', 'written') !== written) {
        written = num(s.central, 'totals', 'written');
        progressAt = s.at;
      }
    }
    const now = wallMs();
    if (now > deadline || now - progressAt > o.stallSeconds * 1000) return { reached: false, last };
    const wait = o.pollMs - (now - asked);
    if (wait > 0) await sleep(wait);
  }
}

/** Bytes in the central's files; each event is its body there. */
function fileBytes(root: string): number {
  return listFiles(root).reduce((sum, f) => sum + fs.statSync(path.join(root, f)).size, 0);
}

/** The port the local sends to: the central's link port, or its collect port over PUSH. */
function targetPort(local: any, pair: OxdPair): number {
  const address = local?.sinks?.forward?.link?.address;
  return typeof address === 'string' ? Number(/:(\d+)$/.exec(address)![1]) : pair.central.collectPort;
}

export async function linkTrial(o: LinkTrialOptions): Promise<LinkTrial> {
  const pair = await startPair(o.way, o.tempDir);
  let sender: LineChild | null = null;
  try {
    sender = new LineChild(`sender (way ${o.way})`, process.execPath, [path.join(__dirname, 'sender.js'), '--addr', pair.local.collect, '--batch', '1024', '--host', 'bench-link']);
    const { bodySize } = await sender.next('ready', 30_000);
    let timeouts = 0;
    const countTimeout = (): void => void timeouts++;

    // Warm-up: the local has found its way to the central (probe, link), connections up, JIT warm, files open.
    if (o.warmup > 0) {
      sender.send({ cmd: 'send', n: o.warmup });
      const warm = await pollUntil(pair, o, (s) => num(s.central, 'totals', 'written') + num(s.local, 'totals', 'dropped') >= o.warmup, countTimeout);
      if (!warm.reached) throw new Error(`way ${o.way}: the central did not write the ${o.warmup} warm-up events within ${o.maxSeconds} s`);
      await sender.next('sent');
    }
    timeouts = 0;
    const before = await sample(pair);
    if (before === null) throw new Error(`way ${o.way}: no STATUS before the window`);
    const port = targetPort(before.local, pair);
    const tcp0 = bytesSentTo(port);
    const base = { written: num(before.central, 'totals', 'written'), dropped: num(before.local, 'totals', 'dropped'), received: num(before.local, 'totals', 'received') };
    // NaN for a process that is gone (a daemon that crashed in the window).
    const cpu = (pid: number): number => cpuSeconds(pid) ?? NaN;
    const local0 = cpu(pair.local.pid);
    const central0 = cpu(pair.central.pid);
    const sender0 = cpu(sender.pid);

    const started = sender.next('started');
    sender.send({ cmd: 'send', n: o.events });
    let localTookAt = 0;
    const after = await pollUntil(
      pair,
      o,
      (s) => {
        if (localTookAt === 0 && num(s.local, 'totals', 'received') - base.received >= o.events) localTookAt = s.at;
        const accounted = num(s.central, 'totals', 'written') - base.written + num(s.local, 'totals', 'dropped') - base.dropped;
        return accounted >= o.events;
      },
      countTimeout,
    );
    const local1 = cpu(pair.local.pid);
    const central1 = cpu(pair.central.pid);
    const sender1 = cpu(sender.pid);
    const startAt = (await started).t as number;
    // Cut off: the figures cover what got through by the last answer.
    const last = after.last ?? before;
    const tcp1 = bytesSentTo(port);
    const c = last.central;
    const l = last.local;
    const d = (status: any, b: any, ...keys: string[]): number => num(status, ...keys) - num(b, ...keys);

    const written = d(c, before.central, 'totals', 'written');
    const localDropped = d(l, before.local, 'totals', 'dropped');
    const seconds = (last.at - startAt) / 1000;
    const hasLink = l?.sinks?.forward?.link !== undefined;
    const linkOf = (...keys: string[]): number => d(l, before.local, 'sinks', 'forward', 'link', ...keys);
    const link = hasLink
      ? { rawBytes: linkOf('raw_bytes'), wireBytes: linkOf('wire_bytes'), ratio: linkOf('raw_bytes') / linkOf('wire_bytes'), compressMs: linkOf('compress_ms'), batches: linkOf('batches'), resends: linkOf('resends') }
      : null;
    const spool = l?.sinks?.forward?.spool;
    // Every event of the warm-up and the window once, as the central's files hold them.
    const expected = (o.warmup + o.events) * bodySize;
    const onDisk = fileBytes(pair.logPath);
    const writtenTwice = Math.max(0, written - o.events);
    const lost = Math.max(0, o.events - written - localDropped);
    const complete = after.reached;
    const badBatches = d(c, before.central, 'link', 'bad_batches');
    const ok = complete && written === o.events && localDropped === 0 && onDisk === expected && badBatches === 0;
    return {
      way: o.way,
      round: o.round,
      events: o.events,
      written,
      bodySize,
      seconds,
      eventsPerSec: written / seconds,
      localTookPerSec: localTookAt > 0 ? o.events / ((localTookAt - startAt) / 1000) : NaN,
      localCpuSec: local1 - local0,
      centralCpuSec: central1 - central0,
      senderCpuSec: sender1 - sender0,
      localCpuUsPerEvent: ((local1 - local0) * 1e6) / o.events,
      centralCpuUsPerEvent: ((central1 - central0) * 1e6) / Math.max(1, written),
      localPeakRss: statusBytes(pair.local.pid, 'VmHWM'),
      mode: String(l?.sinks?.forward?.mode ?? '?'),
      // A connection made again in the window (a lost link) starts its count anew: no figure then.
      tcpBytes: tcp1.connections > 0 && tcp0.connections === tcp1.connections && tcp1.bytes >= tcp0.bytes ? tcp1.bytes - tcp0.bytes : null,
      tcpConnections: tcp1.connections,
      link,
      linkLosses: d(l, before.local, 'sinks', 'forward', 'link_losses'),
      spoolFsyncs: spool?.fsyncs === undefined ? null : d(l, before.local, 'sinks', 'forward', 'spool', 'fsyncs'),
      localDropped,
      lost,
      writtenTwice,
      duplicatesDropped: d(c, before.central, 'link', 'duplicates'),
      possibleDuplicates: d(c, before.central, 'link', 'possible_duplicates'),
      badBatches,
      outOfOrder: d(c, before.central, 'link', 'out_of_order'),
      statusTimeouts: timeouts,
      complete,
      check: {
        ok,
        detail:
          `${written} of ${o.events} written in the window, ${localDropped} dropped by the local; ` +
          `${onDisk} bytes in the central's files, ${expected} if every event of the warm-up and the window is there once`,
      },
    };
  } finally {
    if (sender !== null) {
      sender.send({ cmd: 'exit' });
      await sender.stop();
    }
    await pair.stop();
  }
}
