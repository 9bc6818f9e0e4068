/**
 * The library's process-wide state: where closed contexts go (nothing until
 * configured, which is what makes every call a cheap no-op), the random
 * source for sampling, and the scope of open contexts.
 */
import type { Context } from './context';
import { Scope } from './scope';

export type Recorder = (ctx: Context) => void;

export const state = {
  /** null: not configured, nothing is tracked or sent. */
  recorder: null as Recorder | null,
  random: Math.random as () => number,
  scope: new Scope<Context>(),
};
