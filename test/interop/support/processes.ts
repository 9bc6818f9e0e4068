/**
 * Child processes for the interop tests: Debian's /usr/bin/python3 (which has
 * python3-zmq and python3-msgpack) running the scripts in test/interop/py/.
 * Every child gets a hard timeout (killed by Node as well as its own alarm),
 * and `stop` kills it by its own PID if it is still running.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from '../../helpers/oxd-process';

export const PYTHON = '/usr/bin/python3';
export const PY_DIR = path.join(REPO, 'test', 'interop', 'py');

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class PyProcess {
  stdout = '';
  stderr = '';
  readonly finished: Promise<Finished>;
  private lineWaiters: { re: RegExp; resolve: () => void }[] = [];

  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString();
      this.lineWaiters = this.lineWaiters.filter((w) => {
        if (!w.re.test(this.stdout)) return true;
        w.resolve();
        return false;
      });
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.finished = new Promise((resolve) =>
      child.once('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr })),
    );
  }

  /** Resolves when stdout matches `re`; rejects if the process ends first. */
  waitFor(re: RegExp): Promise<void> {
    if (re.test(this.stdout)) return Promise.resolve();
    const seen = new Promise<void>((resolve) => this.lineWaiters.push({ re, resolve }));
    const ended = this.finished.then((f) => {
      if (!re.test(f.stdout)) {
        throw new Error(`process ended (${f.code ?? f.signal}) before printing ${re}:\n${f.stdout}\n${f.stderr}`);
      }
    });
    return Promise.race([seen, ended]);
  }

  writeLine(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Kills the process (by its PID) if it is still running, and waits for it. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.finished;
  }
}

/** Starts `script` (a file in test/interop/py) with a hard timeout. */
export function startPy(script: string, args: string[], timeoutMs = 60_000): PyProcess {
  const child = spawn(PYTHON, [path.join(PY_DIR, script), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  return new PyProcess(child);
}

/** A failure message that shows what the process said. */
export function describe(f: Finished): string {
  return `exit ${f.code ?? f.signal}\nstdout: ${f.stdout}\nstderr: ${f.stderr}`;
}

/** The JSON document on the last line of a script's stdout. */
export function lastJson(stdout: string): any {
  return JSON.parse(stdout.trimEnd().split('\n').pop()!);
}

/** The bodies py2_sender.py reports it sent, per type. */
export function readSent(file: string): Record<string, Buffer[]> {
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string[]>;
  return Object.fromEntries(Object.entries(json).map(([type, hex]) => [type, hex.map((h) => Buffer.from(h, 'hex'))]));
}

/**
 * The bytes written for `type`: its `<DAY>/<TYPE>-<DAY>.log` files concatenated
 * in day order. Every file of that type must be in one of `days` (a test that
 * straddles midnight UTC may legitimately see two).
 */
export function typeFileBytes(logPath: string, files: string[], type: string, days: string[]): { bytes: Buffer; names: string[] } {
  const names = files.filter((f) => path.basename(f).startsWith(`${type}-`) && /^\d{8}\.log$/.test(path.basename(f).slice(type.length + 1)));
  for (const name of names) {
    const day = path.basename(name).slice(type.length + 1, type.length + 9);
    if (!days.includes(day) || path.dirname(name) !== day) throw new Error(`unexpected file ${name} (days ${days.join(', ')})`);
  }
  return { bytes: Buffer.concat(names.sort().map((n) => fs.readFileSync(path.join(logPath, n)))), names };
}
