/**
 * A child process of the benchmark that speaks JSON lines: commands on its
 * stdin, reports on its stdout (one JSON object per line, with a `kind`).
 * Stopped by its own PID only, with SIGKILL if SIGTERM is not enough.
 */
import { ChildProcess, spawn } from 'node:child_process';

export type Report = { kind: string; [key: string]: any };

/** Every child the benchmark has started and not yet seen exit, for cleanup on Ctrl-C. */
export const liveChildren = new Set<ChildProcess>();

export function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

export class LineChild {
  readonly proc: ChildProcess;
  private queue: Report[] = [];
  private waiters: Array<{ kind: string; resolve(r: Report): void; reject(e: Error): void }> = [];
  private stderrText = '';
  private exitInfo: string | null = null;
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    track(this.proc);
    let partial = '';
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (text: string) => {
      partial += text;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl).trim();
        partial = partial.slice(nl + 1);
        if (line) this.deliver(line);
      }
    });
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderrText = (this.stderrText + d.toString()).slice(-4000)));
    this.proc.stdin!.on('error', () => undefined);
    this.exited = new Promise((resolve) =>
      this.proc.once('exit', (code, signal) => {
        this.exitInfo = `exited with ${signal ?? code}`;
        for (const w of this.waiters.splice(0)) w.reject(this.failure(`${this.exitInfo} while waiting for "${w.kind}"`));
        resolve();
      }),
    );
  }

  get pid(): number {
    return this.proc.pid!;
  }

  private failure(what: string): Error {
    return new Error(`${this.name} (pid ${this.pid}) ${what}\n${this.stderrText}`);
  }

  private deliver(line: string): void {
    let report: Report;
    try {
      report = JSON.parse(line);
    } catch {
      return; // not ours: ignore stray output
    }
    const i = this.waiters.findIndex((w) => w.kind === report.kind);
    if (i >= 0) this.waiters.splice(i, 1)[0].resolve(report);
    else this.queue.push(report);
  }

  send(command: object): void {
    this.proc.stdin!.write(JSON.stringify(command) + '\n');
  }

  /** The next report of `kind` (queued or to come). */
  next(kind: string, timeoutMs = 120_000): Promise<Report> {
    const i = this.queue.findIndex((r) => r.kind === kind);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]);
    if (this.exitInfo) return Promise.reject(this.failure(this.exitInfo));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(this.failure(`sent no "${kind}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        kind,
        resolve: (r: Report) => (clearTimeout(timer), resolve(r)),
        reject: (e: Error) => (clearTimeout(timer), reject(e)),
      };
      this.waiters.push(waiter);
    });
  }

  /** Sends a command and waits for the report it answers with. */
  async ask(command: object, kind: string, timeoutMs?: number): Promise<Report> {
    const reply = this.next(kind, timeoutMs);
    this.send(command);
    return reply;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** SIGKILL to every child still running (a benchmark's last step, or its way out). */
export function killLiveChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}

/**
 * On Ctrl-C or SIGTERM: every live child killed, `cleanUp` run (temporary
 * folders, processes started otherwise), exit 130.
 */
export function stopChildrenOnSignal(log: (line: string) => void, cleanUp: () => void = () => undefined): void {
  const stopAll = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping ${liveChildren.size} child processes`);
    killLiveChildren();
    cleanUp();
    process.exit(130);
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
}

/** Runs a benchmark's `main`: exits with its status, or on a failure prints it, kills the children and exits 1. */
export function runBenchmark(name: string, main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (err) => {
      process.stderr.write(`${name} failed: ${(err as Error)?.stack ?? err}\n`);
      killLiveChildren();
      process.exit(1);
    },
  );
}
