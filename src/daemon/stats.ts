/**
 * The counters behind STATUS: per event type, per sending host and in total.
 *
 * Types and hosts are looked up by their raw meta-frame bytes (as a latin1
 * string, which maps bytes one to one), so the hot path neither decodes UTF-8
 * nor validates a name it has already seen.
 */
import { META_END_OFFSET } from '../protocol/meta';
import { checkTypeBytes, TypeNameProblem } from '../protocol/type-name';

const NO_META: Buffer = Buffer.alloc(0);

/**
 * Where the newest event's meta frame is, so its end time is read only when
 * STATUS asks, not on every event.
 */
export class LastSeen {
  metaBuf: Buffer = NO_META;
  metaStart = 0;

  /** End time of the newest event, seconds; 0 before the first. */
  get last(): number {
    return this.metaBuf === NO_META ? 0 : this.metaBuf.readDoubleBE(this.metaStart + META_END_OFFSET);
  }
}

export interface Counters {
  received: number;
  written: number;
  forwarded: number;
  streamed: number;
  dropped: number;
  invalid: number;
  bytes: number;
}

export function zeroCounters(): Counters {
  return { received: 0, written: 0, forwarded: 0, streamed: 0, dropped: 0, invalid: 0, bytes: 0 };
}

export class TypeEntry extends LastSeen implements Counters {
  received = 0;
  written = 0;
  forwarded = 0;
  streamed = 0;
  dropped = 0;
  invalid = 0;
  bytes = 0;
  /** The type as it travels: frame 1 of the stream port. */
  readonly raw: Buffer;
  /*
   * Per-sink slots, kept here because a field read is cheaper than a map
   * lookup per event: the file the store is writing for this type, and
   * whether the stream publisher's current subscriptions match it.
   */
  fileSlot: unknown = null;
  fileSlotEnd = 0;
  streamVersion = -1;
  streamMatch = false;

  constructor(
    readonly name: string,
    raw: Buffer,
  ) {
    super();
    this.raw = raw;
  }
}

export class HostEntry extends LastSeen {
  received = 0;
  constructor(
    readonly name: string,
    readonly raw: Buffer,
  ) {
    super();
  }
}

const RECENT_TYPES = 8;
/** Slots of the table of hosts found by a hash of their bytes. */
const HOST_SLOTS = 256;

function sameBytes(raw: Buffer, buf: Buffer, start: number, end: number): boolean {
  const n = raw.length;
  if (n !== end - start) return false;
  for (let i = 0; i < n; i++) if (raw[i] !== buf[start + i]) return false;
  return true;
}

/** Moves `entry` to the front of `recent`, keeping at most `max`. */
function remember<T>(recent: T[], entry: T, max: number): void {
  const at = recent.indexOf(entry);
  if (at >= 0) recent.splice(at, 1);
  else if (recent.length >= max) recent.pop();
  recent.unshift(entry);
}

/** Bounded so that a sender cycling through names cannot grow oxd without limit. */
export const MAX_TRACKED_HOSTS = 10_000;

export class Stats {
  readonly totals: Counters = zeroCounters();
  readonly invalidReasons = new Map<string, number>();
  readonly types = new Map<string, TypeEntry>();
  readonly hosts = new Map<string, HostEntry>();
  /** When the newest event arrived (milliseconds, 0 before the first), and that event. */
  lastArrival = 0;
  readonly newest = new LastSeen();
  readonly startedAt = Date.now() / 1000;
  /** Of the events received, those oxd made itself from statsd lines (intervals, DogStatsD events and checks). */
  fromStatsd = 0;
  /** Hosts beyond MAX_TRACKED_HOSTS, counted together. */
  otherHosts: HostEntry | null = null;

  /*
   * A sender usually repeats a handful of types and one host, so the newest
   * few entries are checked first by comparing bytes, which is cheaper than
   * building a string key for the map on every event. Hosts can be many at
   * once (a log host's syslog senders): after the last one, they are looked
   * up in a table by a hash of their bytes.
   */
  private recentTypes: TypeEntry[] = [];
  private lastHost: HostEntry | null = null;
  private readonly hostSlots: Array<HostEntry | undefined> = new Array(HOST_SLOTS);

  /**
   * The entry for the type in `buf[start, end)`, or the reason the name is
   * refused. Refused names are not remembered, so garbage cannot fill the map.
   */
  typeFor(buf: Buffer, start: number, end: number): TypeEntry | TypeNameProblem {
    const recent = this.recentTypes;
    for (let i = 0; i < recent.length; i++) {
      if (sameBytes(recent[i].raw, buf, start, end)) return recent[i];
    }
    const key = buf.toString('latin1', start, end);
    let entry = this.types.get(key);
    if (entry === undefined) {
      const problem = checkTypeBytes(buf, start, end);
      if (problem !== null) return problem;
      entry = new TypeEntry(buf.toString('utf8', start, end), Buffer.from(buf.subarray(start, end)));
      this.types.set(key, entry);
    }
    remember(recent, entry, RECENT_TYPES);
    return entry;
  }

  hostFor(buf: Buffer, start: number, end: number): HostEntry {
    const last = this.lastHost;
    if (last !== null && sameBytes(last.raw, buf, start, end)) return last;
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i], 0x01000193);
    const slot = (hash >>> 0) % HOST_SLOTS;
    const hashed = this.hostSlots[slot];
    if (hashed !== undefined && sameBytes(hashed.raw, buf, start, end)) return (this.lastHost = hashed);
    const key = buf.toString('latin1', start, end);
    let entry = this.hosts.get(key);
    if (entry === undefined) {
      if (this.hosts.size >= MAX_TRACKED_HOSTS) {
        return (this.otherHosts ??= new HostEntry('(other hosts)', Buffer.alloc(0)));
      }
      entry = new HostEntry(buf.toString('utf8', start, end), Buffer.from(buf.subarray(start, end)));
      this.hosts.set(key, entry);
    }
    this.hostSlots[slot] = entry;
    this.lastHost = entry;
    return entry;
  }

  countInvalid(reason: string, type: TypeEntry | null = null): void {
    this.totals.invalid++;
    if (type) type.invalid++;
    this.invalidReasons.set(reason, (this.invalidReasons.get(reason) ?? 0) + 1);
  }
}

