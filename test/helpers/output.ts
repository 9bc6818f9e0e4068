/**
 * What a child process writes to one of its pipes, as text, and waiting
 * for a given line in it. A test waits on the very channel it then asserts
 * on: a "ready" line that has been written is not yet in the test's hands
 * when another channel (the notification socket, STATUS, a file, the
 * process's exit) already says it happened, least of all on a busy machine.
 */
import type { Readable } from 'node:stream';

export class Output {
  text = '';
  /** True once the pipe is closed: everything the process wrote is in `text`. */
  ended = false;
  private readonly listeners = new Set<() => void>();

  constructor(stream: Readable, readonly what = 'the process') {
    stream.on('data', (d: Buffer) => {
      this.text += d.toString();
      this.notify();
    });
    stream.once('close', () => {
      this.ended = true;
      this.notify();
    });
  }

  /**
   * Resolves with the `count`-th match of `re` (its groups included) once the text has it;
   * rejects when the pipe closes without it, or after `timeoutMs` with what was read.
   */
  waitFor(re: RegExp, timeoutMs = 30_000, count = 1): Promise<RegExpExecArray> {
    const global = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const matches = [...this.text.matchAll(global)];
        if (matches.length >= count) {
          done();
          resolve(matches[count - 1] as RegExpExecArray);
        } else if (this.ended) {
          done();
          reject(new Error(`${this.what} closed its output without ${re}:\n${this.text}`));
        }
      };
      // A timer that fires late (the test's own process was busy) runs before pending reads:
      // give them one turn of the event loop before calling it a timeout.
      const timer = setTimeout(() => setImmediate(() => {
        if (!this.listeners.has(check)) return;
        check();
        if (!this.listeners.has(check)) return;
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re} from ${this.what}:\n${this.text}`));
      }), timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  /** Resolves once the pipe is closed, with everything written to it. */
  all(): Promise<string> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (!this.ended) return;
        this.listeners.delete(check);
        resolve(this.text);
      };
      this.listeners.add(check);
      check();
    });
  }

  private notify(): void {
    for (const l of [...this.listeners]) l();
  }
}
