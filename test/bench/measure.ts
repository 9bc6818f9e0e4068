/**
 * One configuration: a receiver, S senders, a warm-up, then the timed window
 * from the first sender's first write until the receiver has all the events
 * (oxd: written to disk). Progress is polled every `pollMs`; for oxd each poll
 * is a STATUS request, so the polls are also the control-port latency samples.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from '../helpers/oxd-process';
import { LineChild } from './line-child';
import { buildPayload } from './payload';
import { cpuSeconds, statusBytes, totalCpuSeconds } from './proc-stats';
import { Progress, Receiver, ReceiverKey, ReceiverOptions, startReceiver } from './receivers';

export type SenderKind = 'node' | 'pyzmq';

export interface RunConfig {
  receiver: ReceiverKey;
  sender: SenderKind;
  senders: number;
  /** Events per sender in the timed window, and in the warm-up. */
  perSender: number;
  warmupPerSender: number;
  batch: number;
  pollMs: number;
  /** Give up on a window (and report what got through) after this long. */
  maxSeconds: number;
  tempDir: string;
  receiverOptions?: Omit<ReceiverOptions, 'tempDir'>;
}

export interface RunResult {
  receiver: ReceiverKey;
  sender: SenderKind;
  senders: number;
  /** Events sent in the timed window, and how many of them got through (all, unless cut off). */
  planned: number;
  events: number;
  bodySize: number;
  seconds: number;
  eventsPerSec: number;
  /** Until the receiver had read every event (for oxd: before the last flush). */
  receivedPerSec: number;
  receiverCpuSec: number;
  cpuUsPerEvent: number;
  /** The event loop's thread alone; the rest is libuv's pool (file writes) and libzmq's threads. */
  mainThreadUsPerEvent: number;
  peakRssBytes: number | null;
  sendersCpuSec: number;
  benchCpuSec: number;
  /** Round trips of the progress polls issued while the load was on (STATUS for oxd). */
  pollLatencyMs: { count: number; p50: number; p99: number; max: number; timeouts: number };
  /** False when the window hit maxSeconds: the figures cover what got through until then. */
  complete: boolean;
  verified: boolean;
  verifyDetail: string;
  /** The oxd CPU profile of the timed window, with --cpu-prof. */
  profile?: string | null;
}

const wallMs = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function startSender(cfg: RunConfig, addr: string, i: number): LineChild {
  const host = `bench-s${i}`;
  if (cfg.sender === 'node') {
    const script = path.join(__dirname, 'sender.js');
    return new LineChild(`sender ${i}`, process.execPath, [script, '--addr', addr, '--batch', String(cfg.batch), '--host', host]);
  }
  const file = path.join(cfg.tempDir, `payload-${i}.bin`);
  fs.writeFileSync(file, buildPayload(cfg.batch, host).bytes);
  const script = path.join(REPO, 'test', 'bench', 'pyzmq_sender.py');
  return new LineChild(`pyzmq sender ${i}`, '/usr/bin/python3', [script, addr, file]);
}

const COUNT_TIMEOUT_MS = 10_000;

/**
 * Polls until `onPoll` says done, or until `deadline` (wall-clock ms): returns
 * false then. A poll that fails (STATUS timed out) is reported with p = null.
 */
async function pollUntil(
  receiver: Receiver,
  pollMs: number,
  deadline: number,
  onPoll: (p: Progress | null, sentAt: number, gotAt: number) => boolean,
): Promise<boolean> {
  for (;;) {
    const sentAt = wallMs();
    let p: Progress | null = null;
    try {
      p = await receiver.count(COUNT_TIMEOUT_MS);
    } catch (err) {
      if (receiver.key !== 'oxd') throw err;
    }
    const gotAt = wallMs();
    if (onPoll(p, sentAt, gotAt)) return true;
    if (gotAt >= deadline) return false;
    const wait = pollMs - (wallMs() - sentAt);
    if (wait > 0) await sleep(wait);
  }
}

export async function runConfig(cfg: RunConfig): Promise<RunResult> {
  const receiver = await startReceiver(cfg.receiver, { ...cfg.receiverOptions, tempDir: cfg.tempDir });
  const senders: LineChild[] = [];
  try {
    for (let i = 0; i < cfg.senders; i++) senders.push(startSender(cfg, receiver.collect, i));
    const ready = await Promise.all(senders.map((s) => s.next('ready', 30_000)));
    const bodySize: number = ready[0].bodySize;

    // Warm-up: connections established, JIT warm, files open.
    let base = 0;
    if (cfg.warmupPerSender > 0) {
      const warm = cfg.warmupPerSender * cfg.senders;
      for (const s of senders) s.send({ cmd: 'send', n: cfg.warmupPerSender });
      await Promise.all(senders.map((s) => s.next('sent')));
      const warmed = await pollUntil(receiver, cfg.pollMs, wallMs() + cfg.maxSeconds * 1000, (p) => p !== null && p.done >= warm);
      if (!warmed) throw new Error(`${cfg.receiver} did not take the ${warm} warm-up events within ${cfg.maxSeconds} s`);
      base = warm;
    }

    const target = base + cfg.perSender * cfg.senders;
    const cpu0 = cpuSeconds(receiver.pid)!;
    const main0 = cpuSeconds(receiver.pid, receiver.pid)!;
    const send0 = totalCpuSeconds(senders.map((s) => s.pid));
    const bench0 = process.cpuUsage();
    receiver.profileStart?.();
    const started = Promise.all(senders.map((s) => s.next('started')));
    for (const s of senders) s.send({ cmd: 'send', n: cfg.perSender });

    const latencies: number[] = [];
    let timeouts = 0;
    let loaded = true;
    let receivedAt = 0;
    let doneAt = 0;
    let done = base;
    const complete = await pollUntil(receiver, cfg.pollMs, wallMs() + cfg.maxSeconds * 1000, (p, sentAt, gotAt) => {
      if (loaded) latencies.push(gotAt - sentAt);
      if (p === null) {
        timeouts++;
        return false;
      }
      if (loaded && p.received >= target) {
        loaded = false;
        receivedAt = gotAt;
      }
      if (p.done > done) {
        done = p.done;
        doneAt = gotAt;
      }
      return p.done >= target;
    });
    const cpu1 = cpuSeconds(receiver.pid)!;
    const main1 = cpuSeconds(receiver.pid, receiver.pid)!;
    const send1 = totalCpuSeconds(senders.map((s) => s.pid));
    const bench1 = process.cpuUsage(bench0);
    const profile = (await receiver.profileStop?.()) ?? null;
    const startAt = Math.min(...(await started).map((r) => r.t));
    const events = done - base;
    const seconds = doneAt > 0 ? (doneAt - startAt) / 1000 : NaN;
    const receiverCpuSec = cpu1 - cpu0;
    latencies.sort((a, b) => a - b);
    const check = complete
      ? await receiver.verify(target * bodySize)
      : { ok: false, detail: `only ${events} of ${target - base} events through after ${cfg.maxSeconds} s` };
    return {
      receiver: cfg.receiver,
      sender: cfg.sender,
      senders: cfg.senders,
      planned: target - base,
      events,
      bodySize,
      seconds,
      eventsPerSec: events / seconds,
      receivedPerSec: receivedAt ? events / ((receivedAt - startAt) / 1000) : NaN,
      receiverCpuSec,
      cpuUsPerEvent: (receiverCpuSec * 1e6) / events,
      mainThreadUsPerEvent: ((main1 - main0) * 1e6) / events,
      peakRssBytes: statusBytes(receiver.pid, 'VmHWM'),
      sendersCpuSec: send1 - send0,
      benchCpuSec: (bench1.user + bench1.system) / 1e6,
      pollLatencyMs: {
        count: latencies.length,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies[latencies.length - 1] ?? NaN,
        timeouts,
      },
      complete,
      verified: check.ok,
      verifyDetail: check.detail,
      profile,
    };
  } finally {
    for (const s of senders) s.send({ cmd: 'exit' });
    await Promise.all(senders.map((s) => s.stop()));
    await receiver.stop();
  }
}
