/**
 * Where the service's results go, as the scheduler hands them over: each
 * try as a `poke` event to oxd's collect port and as statsd metrics, as
 * `oxpoke run` sends them (run-command.ts); each change of a check's state
 * or flapping as a journal line and a `poke_state` event (service-events.ts).
 * Events wait in the client library's queue while oxd is away (dropped past
 * its limit, and counted); metrics to a port where nothing listens are lost,
 * as with any statsd client.
 */
import { configure, shutdown, start, stats } from '../client';
import { Endpoint, formatEndpoint } from '../protocol/endpoint';
import type { Check } from './check';
import type { CheckState, Transition } from './check-state';
import type { SchedulerHooks, TryReport } from './check-scheduler';
import { pokeMetricLines, sendMetricLines } from './poke-metrics';
import { POKE_STATE_EVENT_TYPE, pokeStateEventBody, SERVICE_RUN_EVENT_TYPE, serviceRunEventBody } from './service-events';
import type { ServiceLog } from './service-log';

export interface ReportOptions {
  /** oxd's collect port for the events; null: none sent. */
  events: Endpoint | null;
  /** The statsd port for the metrics; null: none sent. */
  statsd: Endpoint | null;
}

export class ServiceReport implements SchedulerHooks {
  constructor(
    private readonly opts: ReportOptions,
    private readonly log: ServiceLog,
  ) {
    if (opts.events !== null) configure({ host: formatEndpoint(opts.events), onWarning: (m) => log.warning(m) });
  }

  async onTry(report: TryReport): Promise<void> {
    this.send(SERVICE_RUN_EVENT_TYPE, serviceRunEventBody(report));
    if (this.opts.statsd !== null) await sendMetricLines(this.opts.statsd, pokeMetricLines(report.run));
  }

  onTransition(t: Transition, check: Check, state: CheckState): void {
    this.log.transition(t);
    this.send(POKE_STATE_EVENT_TYPE, pokeStateEventBody(t, check, state));
  }

  onError(id: string, err: unknown): void {
    this.log.error(`${id}: the run failed unexpectedly (a bug; it runs again on schedule): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }

  /** Sends what is queued (waiting at most the client's linger time), and says what could not be sent. */
  async close(): Promise<void> {
    if (this.opts.events === null) return;
    await shutdown();
    const dropped = stats().dropped;
    if (dropped > 0) this.log.warning(`${dropped} events could not be sent to oxd at ${formatEndpoint(this.opts.events)}`);
  }

  private send(type: string, body: Record<string, unknown>): void {
    if (this.opts.events === null) return;
    const ctx = start(type);
    for (const [key, value] of Object.entries(body)) ctx.set(key, value);
    ctx.done();
  }
}
