/**
 * Timing: elapsed wall-clock seconds (a float, as the original recorded
 * them) stored under a key of the context that was current when timing began.
 */
import type { Context } from './context';
import { state } from './state';

export interface Timer {
  /** Records the elapsed seconds (once) and returns them. */
  stop(): number;
}

const IDLE_TIMER: Timer = { stop: () => 0 };

/**
 * Starts a manual timer for `key`.
 *
 * @example
 * ```ts
 * const t = blueox.timer('render_time');
 * render();
 * t.stop();
 * ```
 */
export function timer(key: string): Timer {
  if (state.recorder === null) return IDLE_TIMER;
  const ctx: Context | null = state.scope.current();
  const began = performance.now();
  let elapsed = -1;
  return {
    stop(): number {
      if (elapsed < 0) {
        elapsed = (performance.now() - began) / 1000;
        ctx?.set(key, elapsed);
      }
      return elapsed;
    },
  };
}

/**
 * Runs `fn` and records how long it took (until its promise settles, for an
 * async function) under `key`; returns what `fn` returns.
 *
 * @example
 * ```ts
 * const rows = await blueox.timeit('query_time', () => db.query(sql));
 * ```
 */
export function timeit<R>(key: string, fn: () => R): R {
  if (state.recorder === null) return fn();
  const t = timer(key);
  let result: R;
  try {
    result = fn();
  } catch (err) {
    t.stop();
    throw err;
  }
  if (typeof result === 'object' && result !== null && typeof (result as { then?: unknown }).then === 'function') {
    return (result as unknown as PromiseLike<unknown>).then(
      (v) => {
        t.stop();
        return v;
      },
      (err: unknown) => {
        t.stop();
        throw err;
      },
    ) as R;
  }
  t.stop();
  return result;
}
