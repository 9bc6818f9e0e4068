/**
 * Events that oxd itself makes from what its other sources receive (DogStatsD
 * events and checks, closed statsd intervals, syslog messages): the same two frames an
 * application's event has, so files, streams, forwarding and the tools take
 * them like any other, routed as if they had arrived on the collect port.
 */
import { newEventId } from '../client/event-id';
import { compatPack, Float64, Packable } from '../protocol/compat-pack';
import { encodeMeta, META_SIZE, PASCAL_MAX } from '../protocol/meta';
import type { Router } from './router';

export interface LocalEvent {
  type: string;
  host: string;
  /** Seconds since the epoch. */
  start: number;
  end: number;
  body: { [key: string]: Packable };
}

/**
 * `fromStatsd`: an event oxd made itself from statsd lines (counted apart, as
 * from_statsd); a syslog message is an event its sender sent, in another
 * form.
 */
export function routeLocalEvent(router: Router, event: LocalEvent, peer: string, fromStatsd = true): void {
  const now = Date.now();
  const meta = encodeMeta({ end: event.end, host: event.host, type: event.type });
  const frame = compatPack({
    id: newEventId(now),
    type: event.type,
    host: event.host,
    pid: process.pid,
    start: new Float64(event.start),
    end: new Float64(event.end),
    body: event.body,
  });
  router.route(meta, 0, META_SIZE, frame, 0, frame.length, now, peer);
  if (fromStatsd) router.stats.fromStatsd++;
}

/** `name` cut to what the meta frame holds (63 bytes), on a character boundary. */
export function fitHost(name: string): string {
  let out = name;
  while (Buffer.byteLength(out) > PASCAL_MAX) out = out.slice(0, -1);
  return out;
}
