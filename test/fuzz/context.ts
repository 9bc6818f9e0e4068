/**
 * What the fuzz phases share: the oxd under test, the seed, the size of the
 * run, the collect model every phase adds its events to, and the figures each
 * phase reports.
 */
import type { CollectModel } from '../helpers/collect-oracle';
import type { ControlClient } from '../helpers/control-client';
import type { Oxd } from '../helpers/oxd-process';

export interface FuzzContext {
  oxd: Oxd;
  seed: number;
  /** Fuzzed frames (or messages) per port. */
  frames: number;
  maxEventSize: number;
  /** The events sent to the collect port in every phase, and what oxd should make of them. */
  collect: CollectModel;
  /** For the checks between phases (the watchdog has its own client). */
  control: ControlClient;
  log(text: string): void;
}

export interface PhaseResult {
  port: string;
  /** Fuzzed frames or messages sent, and how long until oxd had dealt with all of them. */
  frames: number;
  seconds: number;
  /** Counts worth reporting, by name. */
  totals: Record<string, number>;
  /** Where oxd differs from the oracle (empty when it does not). */
  mismatches: string[];
  /** The slowest STATUS answer seen by the watchdog, milliseconds. */
  slowestStatusMs?: number;
}

/** A seeded stream per purpose, so each phase's traffic reproduces on its own. */
export function subSeed(seed: number, purpose: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 31) + purpose * 0x9e3779b1) >>> 0;
}
