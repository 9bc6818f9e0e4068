/**
 * Rising UDP rates against one syslog receiver: at each rate the generator
 * (syslog_udp_generator.c, its own process, built here with cc) sends a message of the set a
 * datagram for a few seconds, then the step waits until the receiver has
 * taken or the kernel has dropped every datagram, by the receiver's own
 * count and the drops of its socket in /proc/net/udp. The ladder stops at
 * the first step with drops: the rate at which this receiver first loses
 * datagrams; or when the generator could not reach the rate asked of it.
 * RcvbufErrors (/proc/net/snmp) is machine-wide, every UDP socket of the
 * namespace, and is shown beside the socket's own count.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readUdpDrops } from '../../src/daemon/sources/udp-drops';
import { REPO } from '../helpers/oxd-process';
import { LineChild } from './line-child';
import { cpuSeconds } from './proc-stats';
import { SyslogReceiver } from './syslog-receivers';

export interface UdpStep {
  receiver: string;
  /** Datagrams a second asked for, and reached. */
  targetRate: number;
  sentRate: number;
  datagrams: number;
  bytesPerDatagram: number;
  seconds: number;
  taken: number;
  kernelDrops: number;
  /** Machine-wide RcvbufErrors over the step. */
  rcvbufErrors: number | null;
  lossless: boolean;
  takenPerSec: number;
  /** Receiver CPU (utime + stime, all threads) from the first datagram until all were taken or dropped. */
  cpuSeconds: number;
  cpuMicrosPerMessage: number;
  drainSeconds: number;
  /** The generator fell short of the rate (< 90 %): a limit of the generator, not the receiver. */
  generatorLimited: boolean;
  /** Taken and dropped did not add up to what was sent within the wait. */
  unsettled: boolean;
}

const GENERATOR_SOURCE = path.join(REPO, 'test', 'bench', 'syslog_udp_generator.c');
const GENERATOR = path.join(REPO, 'build', 'test', 'bench', 'syslog_udp_generator');
const SETTLE_MS = 20_000;

/** Compiles the generator unless it is newer than its source; returns its path. */
export function buildUdpGenerator(): string {
  const built = fs.existsSync(GENERATOR) && fs.statSync(GENERATOR).mtimeMs >= fs.statSync(GENERATOR_SOURCE).mtimeMs;
  if (!built) {
    fs.mkdirSync(path.dirname(GENERATOR), { recursive: true });
    execFileSync('cc', ['-O2', '-Wall', '-o', GENERATOR, GENERATOR_SOURCE], { stdio: 'inherit' });
  }
  return GENERATOR;
}

export async function udpStep(rcv: SyslogReceiver, messagesFile: string, rate: number, seconds: number): Promise<UdpStep> {
  const before = await rcv.udpTaken();
  const drops0 = rcv.udpDrops();
  const rcvbuf0 = readUdpDrops(rcv.port).rcvbufErrors;
  const cpu0 = cpuSeconds(rcv.pid)!;
  const gen = new LineChild('syslog UDP generator', buildUdpGenerator(), [String(rcv.port), String(rate), String(seconds), messagesFile]);
  let done;
  try {
    done = await gen.next('done', seconds * 1000 + 60_000);
  } finally {
    await gen.stop();
  }
  const stoppedAt = performance.now();
  let taken = 0;
  let drops = 0;
  let settled = false;
  while (performance.now() - stoppedAt < SETTLE_MS) {
    taken = (await rcv.udpTaken()) - before;
    drops = rcv.udpDrops() - drops0;
    if (taken + drops >= done.datagrams) {
      settled = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const drainSeconds = (performance.now() - stoppedAt) / 1000;
  const cpu = cpuSeconds(rcv.pid)! - cpu0;
  const rcvbuf1 = readUdpDrops(rcv.port).rcvbufErrors;
  return {
    receiver: rcv.name,
    targetRate: rate,
    sentRate: done.rate,
    datagrams: done.datagrams,
    bytesPerDatagram: done.bytes,
    seconds: done.seconds,
    taken,
    kernelDrops: drops,
    rcvbufErrors: rcvbuf0 !== null && rcvbuf1 !== null ? rcvbuf1 - rcvbuf0 : null,
    lossless: settled && drops === 0 && taken === done.datagrams,
    takenPerSec: taken / done.seconds,
    cpuSeconds: cpu,
    cpuMicrosPerMessage: (cpu * 1e6) / Math.max(1, taken),
    drainSeconds,
    generatorLimited: done.rate < 0.9 * rate,
    unsettled: !settled,
  };
}

/** Runs `rates` upwards until a step loses datagrams or the generator falls short. */
export async function udpLadder(rcv: SyslogReceiver, messagesFile: string, rates: number[], seconds: number, log: (s: string) => void): Promise<UdpStep[]> {
  const steps: UdpStep[] = [];
  for (const rate of rates) {
    const s = await udpStep(rcv, messagesFile, rate, seconds);
    steps.push(s);
    log(
      `${rcv.name} UDP ${rate}/s: sent ${Math.round(s.sentRate)}/s, taken ${s.taken}/${s.datagrams}, socket drops ${s.kernelDrops}, RcvbufErrors ${s.rcvbufErrors ?? '-'}, ` +
        `${s.cpuMicrosPerMessage.toFixed(2)} µs CPU/message${s.generatorLimited ? ' (generator limited)' : ''}${s.unsettled ? ' (unsettled)' : ''}`,
    );
    if (!s.lossless || s.generatorLimited) break;
  }
  return steps;
}

/** The highest lossless step, and the first that lost datagrams (null when none did). */
export function udpSummary(steps: UdpStep[]): { lossless: UdpStep | null; firstLoss: UdpStep | null; openEnded: boolean } {
  const ok = steps.filter((s) => s.lossless);
  const firstLoss = steps.find((s) => !s.lossless) ?? null;
  const last = steps[steps.length - 1];
  return { lossless: ok.length > 0 ? ok[ok.length - 1] : null, firstLoss, openEnded: last !== undefined && last.lossless && last.generatorLimited };
}
