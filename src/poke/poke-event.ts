/**
 * The BlueOx event of one check run (type `poke`): the check, the outcome,
 * every assertion with what was expected and got, each step's request and
 * timing breakdown, and for a step that did not pass its status, headers
 * and the first KiB of its body, so the failure can be read in oxview
 * without running the check again.
 */
import type { CheckResult } from './run-check';

export const POKE_EVENT_TYPE = 'poke';
/** Of a failed step's body, this much goes into the event. */
const BODY_HEAD_BYTES = 1024;

export function pokeEventBody(run: CheckResult): Record<string, unknown> {
  return {
    check: run.name,
    file: run.check.file,
    outcome: run.judgement.outcome,
    started_at: run.startedAt / 1000,
    total_ms: round(run.totalMs),
    assertions: run.judgement.results.map((r) => ({ name: r.name, ok: r.ok, severity: r.severity, expected: r.expected, got: r.got })),
    steps: run.steps.map((s) => {
      const t = s.result.timings;
      const step: Record<string, unknown> = {
        ...(s.name !== null ? { name: s.name } : {}),
        request: s.request,
        outcome: s.judgement.outcome,
        timings: { dns_ms: round(t.dnsMs), connect_ms: round(t.connectMs), tls_ms: round(t.tlsMs), first_byte_ms: round(t.firstByteMs), total_ms: round(t.totalMs) },
      };
      if (!s.result.ok) {
        step.reason = s.result.reason;
        step.message = s.result.message;
      } else {
        if (s.request.startsWith('tcp ')) step.read = s.result.body.subarray(0, BODY_HEAD_BYTES).toString('utf8');
        else step.status = s.result.status;
        if (s.judgement.outcome !== 'OK') {
          step.headers = s.result.headers;
          step.body_head = s.result.body.subarray(0, BODY_HEAD_BYTES).toString('utf8');
        }
      }
      return step;
    }),
  };
}

/** Milliseconds to the microsecond: enough, and short in the files. */
function round(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms * 1000) / 1000;
}
