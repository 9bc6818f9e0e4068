/**
 * Hang detection for a fuzz phase: STATUS is asked on a client of its own
 * every second while the phase runs, and must be answered within the bound.
 * A missed answer, or oxd exiting, fails the phase at once (`failed` rejects),
 * so a hang never turns into a fuzz run that waits forever.
 */
import { ControlClient } from '../helpers/control-client';
import type { Oxd } from '../helpers/oxd-process';

export const STATUS_BOUND_MS = 5000;
const PROBE_EVERY_MS = 1000;

export class Watchdog {
  /** STATUS requests sent (oxd counts them as control requests). */
  probes = 0;
  slowestMs = 0;
  readonly failed: Promise<never>;
  private fail!: (err: Error) => void;
  private running = true;
  private readonly loop: Promise<void>;
  private readonly client: ControlClient;
  private wake: (() => void) | null = null;

  constructor(
    private readonly oxd: Oxd,
    private readonly phase: string,
  ) {
    this.failed = new Promise<never>((_, reject) => (this.fail = reject));
    this.failed.catch(() => undefined); // observed by whoever races it
    this.client = new ControlClient(oxd.controlAddr);
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const onExit = (code: number | null, signal: string | null): void =>
      this.fail(new Error(`oxd exited (${code ?? signal}) during the ${this.phase} phase`));
    this.oxd.child.once('exit', onExit);
    try {
      while (this.running) {
        const started = Date.now();
        this.probes++;
        try {
          const s = await this.client.request({ cmd: 'STATUS' }, STATUS_BOUND_MS);
          if (typeof s?.totals?.received !== 'number') throw new Error(`not a STATUS reply: ${JSON.stringify(s)}`);
        } catch (err) {
          this.fail(new Error(`hang: STATUS not answered within ${STATUS_BOUND_MS} ms during the ${this.phase} phase (${(err as Error).message})`));
          return;
        }
        this.slowestMs = Math.max(this.slowestMs, Date.now() - started);
        // The cadence of the probes, not a wait for anything.
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, PROBE_EVERY_MS).unref();
        });
      }
    } finally {
      this.oxd.child.off('exit', onExit);
    }
  }

  /** Stops probing; resolves when the last probe has been answered. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.client.close();
  }
}

/** Runs `work` under a watchdog; rejects on a hang, on oxd exiting, or after `limitMs`. */
export async function watched<T>(oxd: Oxd, phase: string, limitMs: number, work: (dog: Watchdog) => Promise<T>): Promise<{ result: T; dog: Watchdog }> {
  const dog = new Watchdog(oxd, phase);
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the ${phase} phase did not finish within ${limitMs / 1000} s`)), limitMs);
  });
  try {
    const result = await Promise.race([work(dog), dog.failed, limit]);
    await Promise.race([dog.stop(), dog.failed]);
    return { result, dog };
  } finally {
    clearTimeout(timer);
  }
}
