/**
 * The STATUS reply. The original's keys come first and keep their meaning
 * (`last`: when the newest event arrived; `lag`: how far behind its end time
 * that was; `events`/`hosts`: per name, the end time of the newest event),
 * so old readers work; the counters are added beside them.
 */
import { Float64, Packable } from '../protocol/compat-pack';
import { VERSION } from '../version';
import type { Counters, Stats } from './stats';

type PackMap = { [key: string]: Packable };

export interface StatusParts {
  stats: Stats;
  collect: PackMap;
  control: PackMap;
  sinks: Record<string, PackMap>;
  /** The statsd source's part, null when there is none. */
  statsd: PackMap | null;
  /** The syslog source's part, null when there is none. */
  syslog: PackMap | null;
  /** The link socket's part (batches from forwarding oxds), null when there is none. */
  link?: PackMap | null;
}

function counters(c: Counters): PackMap {
  return {
    received: c.received,
    written: c.written,
    forwarded: c.forwarded,
    streamed: c.streamed,
    dropped: c.dropped,
    invalid: c.invalid,
    bytes: c.bytes,
  };
}

export function buildStatus({ stats, collect, control, sinks, statsd, syslog, link }: StatusParts): PackMap {
  const arrived = stats.lastArrival / 1000;
  const events = new Map<string, Packable>();
  // As in the original, a name appears once an event of it was accepted: old readers
  // format `last` as a date. Events refused under a valid name still count in totals/invalid.
  for (const t of stats.types.values()) {
    if (t.received > 0) events.set(t.name, { last: new Float64(t.last), ...counters(t) });
  }
  // Host names that are not UTF-8 can decode to the same text: merge them rather than lose one.
  const hostsByName = new Map<string, { last: number; received: number }>();
  const allHosts = stats.otherHosts ? [...stats.hosts.values(), stats.otherHosts] : stats.hosts.values();
  for (const h of allHosts) {
    const seen = hostsByName.get(h.name);
    if (seen) {
      seen.last = Math.max(seen.last, h.last);
      seen.received += h.received;
    } else {
      hostsByName.set(h.name, { last: h.last, received: h.received });
    }
  }
  const hosts = new Map<string, Packable>();
  for (const [name, h] of hostsByName) hosts.set(hostKey(name), { last: new Float64(h.last), received: h.received });
  return {
    last: stats.lastArrival ? new Float64(arrived) : null,
    lag: stats.lastArrival ? new Float64(arrived - stats.newest.last) : null,
    events,
    hosts,
    totals: counters(stats.totals),
    invalid: Object.fromEntries(stats.invalidReasons),
    collect,
    control,
    ...(statsd ? { statsd } : {}),
    ...(syslog ? { syslog } : {}),
    ...(link ? { link } : {}),
    sinks,
    pid: process.pid,
    uptime: new Float64(Date.now() / 1000 - stats.startedAt),
    version: VERSION,
  };
}

/** Hosts are not validated like types; this one name would break JavaScript readers of STATUS. */
function hostKey(name: string): string {
  return name === '__proto__' ? '(__proto__)' : name;
}
