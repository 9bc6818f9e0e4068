/**
 * The receivers of the syslog benchmark behind one face: rsyslog (imtcp and
 * imudp to a file, rsyslog-process.ts) and oxd (the real bundle,
 * `--syslog`, writing its files into a temp log path). What each has stored
 * is read from its files as they grow (syslog-stored.ts); what each has
 * taken off a UDP socket from its own count (rsyslog: lines in its file;
 * oxd: STATUS syslog.udp_messages); what the kernel dropped before either
 * read it from the drops column of its socket's line in /proc/net/udp.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EventReader } from '../../src/store/event-reader';
import { Oxd, startOxd } from '../helpers/oxd-process';
import { track } from './line-child';
import { startRsyslog } from './rsyslog-process';
import { StoredTally } from './syslog-stored';
import { kernelDrops, socketReceiveBuffer } from './udp-socket';

/** `oxd-before`: another build of oxd (--oxd-before), to compare with this one in the same run. */
export type SyslogReceiverName = 'rsyslog' | 'oxd' | 'oxd-before';

/** What oxd asks for its syslog UDP socket (syslog-source.ts), asked of rsyslog's imudp too. */
export const RECEIVE_BUFFER = 4 * 1024 * 1024;

export interface SyslogReceiver {
  name: SyslogReceiverName;
  port: number;
  pid: number;
  /** What it has written to its files so far, for `expected` messages. */
  stored(expected: number): StoredTally;
  /** Datagrams it has taken off its UDP socket so far, by its own count. */
  udpTaken(): Promise<number>;
  /** Datagrams the kernel dropped at its UDP socket since it was bound. */
  udpDrops(): number;
  /** Its UDP socket's receive buffer as the kernel has it (ss's rb), bytes. */
  receiveBuffer(): number | null;
  /** After a run: its own counts and a check of its files, as text; `ok` false when they disagree. */
  check(tally: StoredTally): Promise<{ ok: boolean; detail: string }>;
  stop(): Promise<void>;
  /** oxd: one STATUS round trip on its control port, ms (sampled during a trial: is control answered while syslog is saturated?). */
  statusRoundTrip?(): Promise<number>;
  /** oxd with --cpu-prof: SIGUSR2 starts and stops V8's sampler (cpu-profile-preload.ts). */
  profileStart?(): void;
  profileStop?(): Promise<string | null>;
}



export async function startRsyslogReceiver(queueWorkers: number): Promise<SyslogReceiver> {
  const r = await startRsyslog({ receiveBuffer: RECEIVE_BUFFER, queueWorkers });
  let udpLines: StoredTally | null = null;
  return {
    name: 'rsyslog',
    port: r.port,
    pid: r.pid,
    stored: (expected) => new StoredTally(r.output, expected),
    udpTaken: async () => {
      udpLines ??= new StoredTally(r.output, 0);
      udpLines.poll();
      return udpLines.lines;
    },
    udpDrops: () => kernelDrops(r.port),
    receiveBuffer: () => socketReceiveBuffer(r.port),
    check: async (tally) => ({ ok: tally.lines === tally.tally.found + tally.tally.duplicates, detail: `${tally.lines} lines in its file` }),
    stop: () => r.stop(),
  };
}

export interface OxdReceiverOptions {
  /** Profile oxd with V8's sampler between profileStart and profileStop, writing into this folder. */
  cpuProfDir?: string | null;
  /** Another build of oxd than dist/oxd.js, named `oxd-before`. */
  bundle?: string;
}

export async function startOxdReceiver(tempDir: string, opts: OxdReceiverOptions = {}): Promise<SyslogReceiver> {
  const preload = path.join(__dirname, 'cpu-profile-preload.js');
  const env = opts.cpuProfDir ? { NODE_OPTIONS: `--require "${preload}"`, BENCH_PROFILE_DIR: opts.cpuProfDir } : {};
  const logPath = fs.mkdtempSync(path.join(tempDir, 'oxd-log-'));
  const oxd: Oxd = await startOxd({ env, logPath, args: ['--syslog', '127.0.0.1:0'], bundle: opts.bundle });
  track(oxd.child);
  const port = Number((await oxd.waitForStderr(/ syslog=127\.0\.0\.1:(\d+)/))[1]);
  const status = async (): Promise<any> => oxd.control.request({ cmd: 'STATUS' }, 30_000);
  const profileFile = (): string => path.join(opts.cpuProfDir!, `oxd-${oxd.pid}-1.cpuprofile`);
  return {
    name: opts.bundle ? 'oxd-before' : 'oxd',
    port,
    pid: oxd.pid,
    stored: (expected) => new StoredTally(logPath, expected, (name) => name.endsWith('.log')),
    udpTaken: async () => (await status()).syslog.udp_messages,
    statusRoundTrip: async () => {
      const t0 = performance.now();
      await status();
      return performance.now() - t0;
    },
    udpDrops: () => kernelDrops(port),
    receiveBuffer: () => socketReceiveBuffer(port),
    check: async (tally) => {
      const s = await status();
      let events = 0;
      for (const file of tally.fileNames) {
        const reader = new EventReader(() => events++);
        reader.push(fs.readFileSync(file));
        reader.end();
      }
      const t = s.totals;
      const ok = events === s.syslog.messages && t.written === s.syslog.messages && t.dropped === 0 && events === tally.tally.found + tally.tally.duplicates;
      return { ok, detail: `STATUS syslog.messages ${s.syslog.messages}, written ${t.written}, dropped ${t.dropped}; ${events} events in ${tally.fileNames.length} files` };
    },
    stop: async () => {
      const timer = setTimeout(() => oxd.child.kill('SIGKILL'), 15_000);
      const r = await oxd.stop();
      clearTimeout(timer);
      fs.rmSync(logPath, { recursive: true, force: true });
      if (r.code !== 0 && r.signal !== 'SIGKILL') process.stderr.write(`oxd exited with ${r.signal ?? r.code}:\n${r.stderr}\n`);
    },
    ...(opts.cpuProfDir
      ? {
          profileStart: () => process.kill(oxd.pid, 'SIGUSR2'),
          profileStop: async () => {
            process.kill(oxd.pid, 'SIGUSR2');
            for (let i = 0; i < 300 && !fs.existsSync(profileFile()); i++) await new Promise((r) => setTimeout(r, 100));
            return fs.existsSync(profileFile()) ? profileFile() : null;
          },
        }
      : {}),
  };
}
