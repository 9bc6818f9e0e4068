/**
 * Running the real oxingest bundle (dist/oxingest.js) against a real oxd,
 * for the oxingest integration tests and the ingest benchmark: the process
 * with its stderr, a writer that appends numbered lines the way a logging
 * application does, and reading back what oxd wrote.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { listFiles, readEvents } from '../helpers/events';
import type { Oxd } from '../helpers/oxd-process';
import { Output } from '../helpers/output';
import { toolPath } from '../helpers/tool';

export interface IngestExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** One oxingest process. Register `stop` with t.teardown. */
export class Ingest {
  private readonly err: Output;
  private readonly exit: Promise<IngestExit>;

  constructor(readonly child: ChildProcess) {
    running.add(child);
    this.err = new Output(child.stderr!, 'oxingest');
    this.exit = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        running.delete(child);
        resolve({ code, signal, stderr: this.err.text });
      }),
    );
  }

  /** Starts oxingest; `input` is written to its stdin and closed, `pipe` leaves stdin open to write to. */
  static start(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string | Buffer; pipe?: boolean } = {}): Ingest {
    const piped = options.input !== undefined || options.pipe === true;
    const child = spawn(process.execPath, [toolPath('oxingest'), ...args], {
      env: { ...process.env, BLUEOX_HOST: '', STATE_DIRECTORY: '', XDG_STATE_HOME: '', ...options.env },
      stdio: [piped ? 'pipe' : 'ignore', 'ignore', 'pipe'],
    });
    if (piped) child.stdin!.on('error', () => undefined);
    if (options.input !== undefined) child.stdin!.end(options.input);
    return new Ingest(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** What oxingest has written to stderr so far. */
  get stderr(): string {
    return this.err.text;
  }

  /** Resolves when stderr has matched `re` `count` times; rejects once stderr closes without, or after `timeoutMs`. */
  async waitFor(re: RegExp, count = 1, timeoutMs = 20_000): Promise<string> {
    return (await this.err.waitFor(re, timeoutMs, count))[0];
  }

  /** Sends SIGUSR1 and returns the report's lines, once the report for every followed file is there. */
  async report(files: number): Promise<string[]> {
    const n = (this.stderr.match(/oxingest: status: oxd /g) ?? []).length;
    this.child.kill('SIGUSR1');
    await this.waitFor(/oxingest: status: oxd [^\n]*\n/, n + 1);
    if (files > 0) await this.waitFor(/oxingest: status: file [^\n]*\n/, files * (n + 1));
    const text = this.stderr.slice(this.stderr.lastIndexOf('oxingest: status: oxd '));
    return text.split('\n').slice(0, files + 1);
  }

  /** Asks for reports (SIGUSR1) until `pred` holds for one; rejects after `timeoutMs`. */
  async waitForReport(files: number, pred: (lines: string[]) => boolean, timeoutMs = 20_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lines = await this.report(files);
      if (pred(lines)) return lines;
      if (Date.now() > deadline) throw new Error(`timed out waiting for an oxingest report; last:\n${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  exited(): Promise<IngestExit> {
    return this.exit;
  }

  /** Sends `signal` (SIGTERM) unless it has exited, and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<IngestExit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exit;
  }
}

/** Parses one "key=value ..." report line. */
export function reportFields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of line.matchAll(/(\S+)=(\S+)/g)) out[m[1]] = m[2];
  return out;
}

/** A port nothing listens on (it was free a moment ago). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Every event of `type` that oxd wrote, over every day folder, in file order. */
export function eventsOf(oxd: Oxd, type: string): any[] {
  const files = listFiles(oxd.logPath!).filter((f) => path.basename(f).startsWith(`${type}-`));
  return files.flatMap((f) => readEvents(path.join(oxd.logPath!, f)));
}

/** The `data` of every event of `type` oxd wrote. */
export function dataOf(oxd: Oxd, type: string): string[] {
  return eventsOf(oxd, type).map((e) => e.body.data);
}

/** Waits until oxd has written `count` events of `type`. */
export function waitForWritten(oxd: Oxd, type: string, count: number, timeoutMs = 30_000): Promise<any> {
  return oxd.waitForStatus((s) => (s.events?.[type]?.written ?? 0) >= count, timeoutMs);
}

/** The numbered line `i`: "line 000042 " followed by padding up to `width` bytes (no newline). */
export function numbered(i: number, width = 40): string {
  const head = `line ${String(i).padStart(6, '0')} `;
  return head + 'x'.repeat(Math.max(0, width - head.length));
}

/** The numbers of numbered lines, in the order given. */
export function numbersOf(data: string[]): number[] {
  return data.map((d) => Number(/^line (\d+)/.exec(d)?.[1] ?? NaN));
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, k) => from + k);

/**
 * Appends lines as a logging application does: through a descriptor kept
 * open (O_APPEND), so after a rename it writes to the old file until it
 * notices a new file at the path and reopens (checked before every write);
 * after copytruncate its writes land at the new end of the same file.
 */
export class AppWriter {
  private fd: number;
  private ino: number;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a');
    this.ino = fs.fstatSync(this.fd).ino;
  }

  write(text: string): void {
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(this.file);
    } catch {
      st = null; // moved away and not created again yet: keep writing to the old file
    }
    if (st !== null && st.ino !== this.ino) {
      fs.closeSync(this.fd);
      this.fd = fs.openSync(this.file, 'a');
      this.ino = fs.fstatSync(this.fd).ino;
    }
    fs.writeSync(this.fd, text);
  }

  lines(from: number, to: number, width?: number): void {
    let text = '';
    for (let i = from; i < to; i++) text += numbered(i, width) + '\n';
    this.write(text);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/**
 * Writes lines [from, to) in batches, giving the event loop a turn (a 1 ms
 * timer: the pace of a busy application, not a synchronisation) between
 * batches; runs `rotate` just before line `at` (if it is in the range).
 */
export async function writeWhileRotating(
  writer: AppWriter,
  from: number,
  to: number,
  at: number,
  rotate: () => void | Promise<void>,
  batch = 10,
): Promise<void> {
  for (let i = from; i < to; i += batch) {
    const end = Math.min(i + batch, to);
    if (i <= at && at < end) {
      writer.lines(i, at);
      await rotate();
      writer.lines(at, end);
    } else {
      writer.lines(i, end);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}
