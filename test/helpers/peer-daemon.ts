/**
 * A peer daemon a test starts (rsyslogd, syslog-ng): in a folder of its own,
 * in the foreground so the test holds its pid and its exit, its output read
 * from its pipes, killed and its folder removed at the test's teardown.
 *
 * A test that times out ends its worker before the teardowns run: the
 * worker's exit still kills every daemon started here and removes their
 * folders, so none outlives the run or leaves its sockets behind.
 *
 * Each daemon's own helper writes its configuration into the folder, names
 * its command line and says when it is ready; this file knows none of that.
 *
 * A daemon that forks workers (nginx's master) runs in a process group of its
 * own, and the group is what gets killed: a worker outlives a master killed
 * alone, holding the daemon's listening sockets.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Output } from './output';
import { waitUntil } from './proc';

/** What a helper needs of ava's ExecutionContext. */
export interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

const running = new Set<ChildProcess>();
/** The process groups of daemons started with `group`, killed even after their leader has exited. */
const groups = new Set<number>();
const folders = new Set<string>();
process.once('exit', () => {
  for (const group of groups) killGroup(group);
  for (const child of running) child.kill('SIGKILL');
  for (const dir of folders) fs.rmSync(dir, { recursive: true, force: true });
});

/** A new folder under the system's temporary one, removed with its daemon (or when the worker exits). */
export function peerFolder(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  folders.add(dir);
  return dir;
}

export interface PeerCommand {
  /** The daemon's name in messages, e.g. `rsyslogd`. */
  name: string;
  command: string;
  args: string[];
  /** Its folder (from peerFolder), also its working directory. */
  dir: string;
  /** Its environment, on top of the test's. */
  env?: NodeJS.ProcessEnv;
  /** Which pipes `output` reads: stderr only (stdout ignored), or stdout and stderr together. */
  output: 'stderr' | 'stdout+stderr';
  /** Runs in a process group (a session) of its own, killed as a whole at teardown: for a daemon that forks. */
  group?: boolean;
}

/** A started daemon: its folder, its pid, what it wrote, and stopping it. */
export class PeerDaemon {
  readonly dir: string;
  /** What the daemon wrote to the pipes its PeerCommand names. */
  readonly output: Output;
  private readonly name: string;
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  /** Spawns `c`; at the teardown of `t` it is killed (SIGKILL) and its folder removed. */
  protected constructor(t: Teardown, c: PeerCommand) {
    this.dir = c.dir;
    this.name = c.name;
    const child = spawn(c.command, c.args, {
      cwd: c.dir,
      env: { ...process.env, ...c.env },
      stdio: ['ignore', c.output === 'stderr' ? 'ignore' : 'pipe', 'pipe'],
      detached: c.group === true,
    });
    this.child = child;
    running.add(child);
    const group = c.group === true && child.pid !== undefined ? child.pid : null;
    if (group !== null) groups.add(group);
    this.output = new Output(c.output === 'stderr' ? child.stderr! : merged(child), c.name);
    this.exited = new Promise((resolve) =>
      child.once('close', (code) => {
        running.delete(child);
        resolve(code);
      }),
    );
    t.teardown(async () => {
      if (group !== null) killGroup(group);
      else child.kill('SIGKILL');
      await this.exited;
      if (group !== null) groups.delete(group);
      fs.rmSync(c.dir, { recursive: true, force: true });
      folders.delete(c.dir);
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** SIGTERM (the daemon flushes its queues and closes its connections) and its exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }

  /**
   * Resolves once `ready()` holds, with a deadline; fails at once when the
   * daemon exits instead. Either failure carries its output and `context()`
   * (e.g. its configuration), labelled, for the test's report.
   */
  protected async waitReady(ready: () => boolean, context: () => Record<string, string>): Promise<void> {
    const child = this.child;
    try {
      await waitUntil(() => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${this.name} exited (${child.exitCode ?? child.signalCode})`);
        return ready();
      }, `${this.name} is ready`, 20_000);
    } catch (err) {
      // Exited: what it wrote last may still be in its pipes until they close.
      if (child.exitCode !== null || child.signalCode !== null) await this.exited;
      const parts = Object.entries({ [`${this.name} output`]: this.output.text, ...context() });
      throw new Error([(err as Error).message, ...parts.map(([label, text]) => `${label}:\n${text}`)].join('\n'));
    }
  }
}

/** SIGKILL to every process left in `group`; none left is fine. */
function killGroup(group: number): void {
  try {
    process.kill(-group, 'SIGKILL');
  } catch {
    // ESRCH: the whole group has exited
  }
}

/** stdout and stderr as one stream, ended once the process has closed both. */
function merged(child: ChildProcess): Readable {
  const both = new PassThrough();
  child.stdout!.pipe(both, { end: false });
  child.stderr!.pipe(both, { end: false });
  child.once('close', () => both.end());
  return both;
}
