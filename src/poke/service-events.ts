/**
 * The events `oxpoke serve` sends, besides what `oxpoke run` sends:
 *
 * - each try of a run is a `poke` event, as `oxpoke run` makes it
 *   (poke-event.ts), plus `id` (the check's id in the service, `file/name`),
 *   `attempt` (1, then 2 for the first retry, …), `counted` (whether its
 *   outcome counted towards the state: false for a try that was retried)
 *   and, when counted, `state` (the check's state after it);
 * - each change of a check's state or flapping is a `poke_state` event:
 *   `id`, `check`, `file`, `kind` (`state` or `flapping`), `from`, `to`,
 *   `reason` (the journal line's), `at` (seconds since the epoch), and the
 *   check as it then is: `state`, `flapping`, `percent_state_change`.
 *
 * A state change is so one event of its own type, which oxview and the
 * files find without reading every run.
 */
import type { Check } from './check';
import type { CheckState, Transition } from './check-state';
import type { TryReport } from './check-scheduler';
import { POKE_EVENT_TYPE, pokeEventBody } from './poke-event';

export const SERVICE_RUN_EVENT_TYPE = POKE_EVENT_TYPE;
export const POKE_STATE_EVENT_TYPE = 'poke_state';

export function serviceRunEventBody(report: TryReport): Record<string, unknown> {
  return {
    ...pokeEventBody(report.run),
    id: report.id,
    attempt: report.attempt,
    counted: report.counted,
    ...(report.state !== null ? { state: report.state } : {}),
  };
}

export function pokeStateEventBody(t: Transition, check: Check, state: CheckState): Record<string, unknown> {
  return {
    id: t.check,
    check: check.name,
    file: check.file,
    kind: t.kind,
    from: t.from,
    to: t.to,
    reason: t.reason,
    at: t.at / 1000,
    state: state.state,
    flapping: state.flapping,
    percent_state_change: Math.round(state.percentStateChange * 10) / 10,
  };
}
