/**
 * The three receivers compared, behind one interface: oxd itself (the real
 * bundle, writing files), B1 (oxd's collect reader with no sinks) and B2 (a
 * bare zeromq.js PULL). `count()` is how the benchmark sees progress: for oxd
 * a STATUS request on the control port (totals.written), for the baselines a
 * line on their stdin.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Oxd, startOxd } from '../helpers/oxd-process';
import { listFiles } from '../helpers/events';
import { LineChild, track } from './line-child';

export type ReceiverKey = 'oxd' | 'b1' | 'b2';

export const RECEIVER_LABELS: Record<ReceiverKey, string> = {
  oxd: 'oxd collect -> disk',
  b1: 'B1 CollectSource+Router, no sinks',
  b2: 'B2 zeromq.js Pull, discard',
};

export interface Progress {
  /** Events through: written to disk (oxd) or counted (baselines). */
  done: number;
  received: number;
  dropped?: number;
  invalid?: number;
}

export interface Receiver {
  readonly key: ReceiverKey;
  readonly pid: number;
  /** host:port of the collect (PULL) socket. */
  readonly collect: string;
  /** Fails when no answer comes within `timeoutMs`. */
  count(timeoutMs?: number): Promise<Progress>;
  /** Checks after the run: bytes on disk for oxd. */
  verify(expectedBytes: number): Promise<{ ok: boolean; detail: string }>;
  stop(): Promise<void>;
  /** With --cpu-prof (oxd only): profile from start to stop; stop returns the profile file. */
  profileStart?(): void;
  profileStop?(): Promise<string | null>;
}

class OxdReceiver implements Receiver {
  readonly key = 'oxd';
  constructor(
    private readonly oxd: Oxd,
    private readonly profileDir: string | null,
  ) {}
  profileStart(): void {
    if (this.profileDir) process.kill(this.pid, 'SIGUSR2');
  }
  async profileStop(): Promise<string | null> {
    if (!this.profileDir) return null;
    const file = path.join(this.profileDir, `oxd-${this.pid}-1.cpuprofile`);
    process.kill(this.pid, 'SIGUSR2');
    for (let i = 0; i < 300 && !fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
    return fs.existsSync(file) ? file : null;
  }
  get pid(): number {
    return this.oxd.pid;
  }
  get collect(): string {
    return this.oxd.collect;
  }
  async count(timeoutMs = 10_000): Promise<Progress> {
    const s = await this.oxd.control.request({ cmd: 'STATUS' }, timeoutMs);
    const t = s.totals;
    return { done: t.written, received: t.received, dropped: t.dropped, invalid: t.invalid };
  }
  async verify(expectedBytes: number): Promise<{ ok: boolean; detail: string }> {
    const root = this.oxd.logPath!;
    const files = listFiles(root);
    const bytes = files.reduce((sum, f) => sum + fs.statSync(path.join(root, f)).size, 0);
    const p = await this.count();
    const ok = bytes === expectedBytes && p.dropped === 0 && p.invalid === 0;
    return { ok, detail: `${files.length} files, ${bytes} bytes on disk (expected ${expectedBytes}), dropped ${p.dropped}, invalid ${p.invalid}` };
  }
  /** SIGTERM (oxd drains and flushes), SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.oxd.child;
    const timer = setTimeout(() => {
      process.stderr.write(`oxd (pid ${child.pid}) did not exit within ${graceMs} ms of SIGTERM: SIGKILL\n`);
      child.kill('SIGKILL');
    }, graceMs);
    const r = await this.oxd.stop();
    clearTimeout(timer);
    fs.rmSync(this.oxd.logPath!, { recursive: true, force: true });
    if (r.code !== 0 && r.signal !== 'SIGKILL') process.stderr.write(`oxd exited with ${r.signal ?? r.code}:\n${r.stderr}\n`);
  }
}

class BaselineReceiver implements Receiver {
  constructor(
    readonly key: ReceiverKey,
    private readonly child: LineChild,
    readonly collect: string,
  ) {}
  get pid(): number {
    return this.child.pid;
  }
  async count(timeoutMs = 10_000): Promise<Progress> {
    const r = await this.child.ask({ cmd: 'count' }, 'count', timeoutMs);
    return { done: r.done, received: r.received, invalid: r.invalid };
  }
  async verify(): Promise<{ ok: boolean; detail: string }> {
    const p = await this.count();
    return { ok: !p.invalid, detail: `counted ${p.received}, invalid ${p.invalid ?? 0}` };
  }
  async stop(): Promise<void> {
    await this.child.stop();
  }
}

export interface ReceiverOptions {
  /** oxd's log path is made under here, and removed when oxd stops. */
  tempDir: string;
  /** Profile oxd's timed window with V8's sampler, writing the .cpuprofile into this folder. */
  cpuProfDir?: string | null;
}

export async function startReceiver(key: ReceiverKey, opts: ReceiverOptions): Promise<Receiver> {
  if (key === 'oxd') {
    const preload = path.join(__dirname, 'cpu-profile-preload.js');
    const env = opts.cpuProfDir ? { NODE_OPTIONS: `--require "${preload}"`, BENCH_PROFILE_DIR: opts.cpuProfDir } : {};
    const logPath = fs.mkdtempSync(path.join(opts.tempDir, 'oxd-log-'));
    const oxd = await startOxd({ env, logPath });
    track(oxd.child);
    return new OxdReceiver(oxd, opts.cpuProfDir ?? null);
  }
  const script = path.join(__dirname, key === 'b1' ? 'collect-discard.js' : 'zmq-pull-discard.js');
  const child = new LineChild(key, process.execPath, [script]);
  try {
    const ready = await child.next('ready', 15_000);
    return new BaselineReceiver(key, child, `127.0.0.1:${ready.port}`);
  } catch (err) {
    await child.stop();
    throw err;
  }
}
