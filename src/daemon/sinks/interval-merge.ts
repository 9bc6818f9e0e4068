/**
 * The sink that hands `statsd.interval` events from oxds below to the
 * metrics output for merging (present only where oxd writes to carbon).
 * Every other event passes by untouched; a part that cannot be read is
 * counted by reason and dropped, the event itself still stored and
 * forwarded by the other sinks.
 */
import { decode } from '@msgpack/msgpack';
import type { Packable } from '../../protocol/compat-pack';
import { INTERVAL_EVENT_TYPE, IntervalBodyError, readIntervalBody } from '../../protocol/statsd/interval-event';
import type { MetricsOutput } from '../metrics-output';
import type { RateLimitedLog } from '../rate-limit';
import type { EventView, Sink } from '../sink';

const TYPE_LENGTH = Buffer.byteLength(INTERVAL_EVENT_TYPE);

export class IntervalMergeSink implements Sink {
  readonly name = 'statsd_merge';
  readonly congested = false;
  onDrain: (() => void) | null = null;
  private taken = 0;
  private readonly invalid = new Map<string, number>();

  constructor(
    private readonly output: MetricsOutput,
    private readonly warn: RateLimitedLog,
  ) {}

  accept(event: EventView): void {
    const type = event.type;
    if (type.raw.length !== TYPE_LENGTH || type.name !== INTERVAL_EVENT_TYPE) return;
    try {
      const record = decode(event.bodyBuf.subarray(event.bodyStart, event.bodyEnd)) as { body?: unknown } | null;
      const part = readIntervalBody(record?.body);
      this.taken++;
      this.output.remote(part);
    } catch (err) {
      const why = err instanceof IntervalBodyError ? err.message : `not decodable: ${(err as Error).message}`;
      const reason = err instanceof IntervalBodyError ? 'body' : 'msgpack';
      this.invalid.set(reason, (this.invalid.get(reason) ?? 0) + 1);
      this.warn.log('warning', 'statsd-interval', `a ${INTERVAL_EVENT_TYPE} event from ${event.host.name} was not merged: ${why}`);
    }
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  reopen(): void {}

  close(): Promise<void> {
    return Promise.resolve();
  }

  status(): { [key: string]: Packable } {
    return { parts_taken: this.taken, invalid: Object.fromEntries(this.invalid) };
  }
}
