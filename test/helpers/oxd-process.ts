/**
 * Starts the real oxd bundle (dist/oxd.js) as a child process on ephemeral
 * loopback ports, waits for its "ready" line, and stops it by PID. Every test
 * that starts one registers `stop` with `t.teardown`, so nothing outlives it.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControlClient } from './control-client';
import { Output } from './output';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const OXD_BUNDLE = path.join(REPO, 'dist', 'oxd.js');

export interface OxdOptions {
  /** Extra arguments; --collect/--control default to 127.0.0.1:0. */
  args?: string[];
  /** Write files here (default: a new temp folder); null for no --log-path. */
  logPath?: string | null;
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  /** Another build of oxd to run (a benchmark's before-and-after); default dist/oxd.js. */
  bundle?: string;
}

export interface ExitResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

export class Oxd {
  readonly control: ControlClient;
  /** The admin socket's path (null when oxd runs without one). */
  adminSocket: string | null = null;

  constructor(
    readonly child: ChildProcess,
    readonly collect: string,
    readonly controlAddr: string,
    readonly stream: string,
    readonly logPath: string | null,
    private readonly errors: Output,
    private readonly exitPromise: Promise<ExitResult>,
  ) {
    this.control = new ControlClient(controlAddr);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** What oxd wrote to stderr so far; wait with `waitForStderr` for a line before asserting on it. */
  get stderr(): string {
    return this.errors.text;
  }

  /** Resolves with the match once oxd has written `re` to stderr (`count` times); rejects if it exits first. */
  waitForStderr(re: RegExp, count = 1, timeoutMs = 30_000): Promise<RegExpExecArray> {
    return this.errors.waitFor(re, timeoutMs, count);
  }

  get collectPort(): number {
    return Number(this.collect.split(':').pop());
  }

  /** Resolves when the process has exited and its stderr is read to the end (for tests that expect it to). */
  exited(): Promise<ExitResult> {
    return this.exitPromise;
  }

  /** Polls STATUS until `pred` holds; fails with the last status after `timeoutMs`. */
  async waitForStatus(pred: (s: any) => boolean, timeoutMs = 20_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    // Always judged on a STATUS asked for after the deadline, never on one from before a pause.
    for (;;) {
      const last = await this.control.request({ cmd: 'STATUS' });
      if (pred(last)) return last;
      if (Date.now() > deadline) throw new Error(`timed out waiting for oxd status; last: ${JSON.stringify(last?.totals ?? last)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Sends `signal` and waits for the exit. Safe to call twice. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitResult> {
    this.control.close();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exitPromise;
  }
}

const tempDirs: string[] = [];
const running = new Set<ChildProcess>();
// When the test worker exits (even after a timeout, before teardowns ran), no oxd it started
// may outlive it; temp folders go last, so a test can still read files after stopping oxd.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix = 'blueox-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

const READY = /ready collect=(\S+) control=(\S+) stream=(\S+) .* admin=(\S+)/;

export async function startOxd(opts: OxdOptions = {}): Promise<Oxd> {
  const ownTemp = tempDir();
  const logPath = opts.logPath === undefined ? path.join(ownTemp, 'log') : opts.logPath;
  // Each oxd gets its own admin socket: the default one is shared by every oxd on the machine.
  const admin = (opts.args ?? []).includes('--admin-socket') ? [] : ['--admin-socket', path.join(ownTemp, 'admin.sock')];
  // Not this machine's /etc/blueox/oxd.conf: tests say everything on the command line.
  if (!(opts.args ?? []).includes('--config')) admin.push('--config', '/dev/null');
  const args = [opts.bundle ?? OXD_BUNDLE, '-c', '127.0.0.1:0', '-t', '127.0.0.1:0', ...admin, ...(logPath ? ['-l', logPath] : []), ...(opts.args ?? [])];
  const env = { ...process.env, BLUEOX_HOST: '', BLUEOX_CLIENT_HOST: '', JOURNAL_STREAM: '', ...opts.env };
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const errors = new Output(child.stderr!, 'oxd');
  // 'close', not 'exit': by then stderr is read to its end (the "stopped" line included).
  const exit = new Promise<ExitResult>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stderr: errors.text })),
  );
  let ready: RegExpExecArray;
  try {
    ready = await errors.waitFor(READY, opts.readyTimeoutMs ?? 15_000);
  } catch {
    child.kill('SIGKILL');
    const { code } = await exit;
    throw new Error(code === null ? `oxd did not become ready:\n${errors.text}` : `oxd exited with ${code} before it was ready:\n${errors.text}`);
  }
  const oxd = new Oxd(child, ready[1], ready[2], ready[3], logPath, errors, exit);
  oxd.adminSocket = ready[4] === '-' ? null : ready[4];
  return oxd;
}
