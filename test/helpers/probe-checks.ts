/**
 * What the probe tests check of every result: an answer or the failure
 * expected, and timings in order (dns <= connect <= tls <= first byte <=
 * total, all >= 0, the unreached ones only at the end) and plausible.
 */
import { ExecutionContext } from 'ava';
import type { PartialTimings, ProbeAnswer, ProbeFailure, ProbeResult, Timings } from '../../src/poke/probe-result';

export function answer(t: ExecutionContext, r: ProbeResult): ProbeAnswer {
  if (!r.ok) throw new Error(`expected an answer, got ${r.reason}: ${r.message}`);
  orderedTimings(t, r.timings);
  return r;
}

export function failure(t: ExecutionContext, r: ProbeResult, reason: ProbeFailure['reason']): ProbeFailure {
  if (r.ok) throw new Error(`expected a failure (${reason}), got an answer with status ${r.status}`);
  t.is(r.reason, reason, r.message);
  orderedTimings(t, r.timings);
  return r;
}

/** Every milestone reached is >= 0 and not before the one before it; none is reached after one that was not. */
export function orderedTimings(t: ExecutionContext, timings: Timings | PartialTimings): void {
  const values = [timings.dnsMs, timings.connectMs, timings.tlsMs, timings.firstByteMs];
  const reached = values.filter((v): v is number => v !== null);
  t.deepEqual(values.slice(0, reached.length), reached, `a milestone missing before a later one: ${JSON.stringify(timings)}`);
  let previous = 0;
  for (const v of [...reached, timings.totalMs]) {
    t.true(v >= previous, `timings out of order: ${JSON.stringify(timings)}`);
    previous = v;
  }
  t.true(timings.totalMs < 60_000, `implausible total: ${JSON.stringify(timings)}`);
}
