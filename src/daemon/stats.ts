/**
 * The counters behind STATUS: per event type, per sending host and in total.
 *
 * Types and hosts are looked up by their raw meta-frame bytes (as a latin1
 * string, which maps bytes one to one), so the hot path neither decodes UTF-8
 * nor validates a name it has already seen.
 */
import { checkTypeBytes, TypeNameProblem } from '../protocol/type-name';

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

export class TypeEntry implements Counters {
  received = 0;
  written = 0;
  forwarded = 0;
  streamed = 0;
  dropped = 0;
  invalid = 0;
  bytes = 0;
  /** End time (from the meta frame) of the newest event of this type. */
  last = 0;
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
    this.raw = raw;
  }
}

export class HostEntry {
  received = 0;
  last = 0;
  constructor(readonly name: string) {}
}

/** Bounded so that a sender cycling through names cannot grow oxd without limit. */
export const MAX_TRACKED_HOSTS = 10_000;

export class Stats {
  readonly totals: Counters = zeroCounters();
  readonly invalidReasons = new Map<string, number>();
  readonly types = new Map<string, TypeEntry>();
  readonly hosts = new Map<string, HostEntry>();
  /** When the newest event arrived (milliseconds, 0 before the first) and its end time (seconds). */
  lastArrival = 0;
  lastEnd = 0;
  readonly startedAt = Date.now() / 1000;
  private otherHosts: HostEntry | null = null;

  /**
   * The entry for the type in `buf[start, end)`, or the reason the name is
   * refused. Refused names are not remembered, so garbage cannot fill the map.
   */
  typeFor(buf: Buffer, start: number, end: number): TypeEntry | TypeNameProblem {
    const key = buf.toString('latin1', start, end);
    const found = this.types.get(key);
    if (found !== undefined) return found;
    const problem = checkTypeBytes(buf, start, end);
    if (problem !== null) return problem;
    const entry = new TypeEntry(buf.toString('utf8', start, end), Buffer.from(buf.subarray(start, end)));
    this.types.set(key, entry);
    return entry;
  }

  hostFor(buf: Buffer, start: number, end: number): HostEntry {
    const key = buf.toString('latin1', start, end);
    const found = this.hosts.get(key);
    if (found !== undefined) return found;
    if (this.hosts.size >= MAX_TRACKED_HOSTS) {
      return (this.otherHosts ??= new HostEntry('(other hosts)'));
    }
    const entry = new HostEntry(buf.toString('utf8', start, end));
    this.hosts.set(key, entry);
    return entry;
  }

  countInvalid(reason: string, type: TypeEntry | null = null): void {
    this.totals.invalid++;
    if (type) type.invalid++;
    this.invalidReasons.set(reason, (this.invalidReasons.get(reason) ?? 0) + 1);
  }
}

