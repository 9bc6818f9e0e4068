/**
 * The router takes two-frame events from the sources, checks the meta frame,
 * counts, and hands the unchanged body to every sink. It never decodes the
 * body. Anything malformed is counted by reason and dropped; nothing a sender
 * does makes it throw.
 */
import {
  META_HOST_OFFSET,
  META_SIZE,
  META_TYPE_OFFSET,
  META_VERSION,
  PASCAL_MAX,
} from '../protocol/meta';
import { BODY_RULES, checkEventBody } from '../protocol/event-body';
import { TYPE_NAME_RULES, TypeNameProblem } from '../protocol/type-name';
import type { RateLimitedLog } from './rate-limit';
import type { EventView, Sink } from './sink';
import { Stats, TypeEntry } from './stats';

/** Why a message was dropped: the keys of STATUS `invalid`. */
export type InvalidReason =
  | 'frame-count'
  | 'oversized'
  | 'meta-size'
  | 'meta-version'
  | 'meta-field'
  | 'empty-body'
  | 'body-malformed'
  | `type-${TypeNameProblem}`;

const REASON_TEXT: Record<string, string> = {
  'frame-count': 'an event is exactly two frames (meta, body)',
  oversized: 'a frame is larger than max_event_size',
  'meta-size': `the meta frame must be ${META_SIZE} bytes`,
  'meta-version': `the meta frame version must be ${META_VERSION}`,
  'meta-field': `a host or type length byte is over ${PASCAL_MAX}`,
  'empty-body': 'the body frame is empty',
  'body-malformed': 'the body frame must be exactly one complete msgpack map that strict readers can decode',
};

export function describeInvalid(reason: string): string {
  if (reason.startsWith('type-')) return TYPE_NAME_RULES[reason.slice(5) as TypeNameProblem] ?? reason;
  return REASON_TEXT[reason] ?? reason;
}

export class Router {
  private readonly view: EventView;
  private readonly sinks: Sink[];
  private pausedSources = new Set<() => void>();

  constructor(
    readonly stats: Stats,
    sinks: Sink[],
    private readonly warn: RateLimitedLog,
  ) {
    this.sinks = sinks;
    this.view = {
      metaBuf: Buffer.alloc(0),
      metaStart: 0,
      metaEnd: 0,
      bodyBuf: Buffer.alloc(0),
      bodyStart: 0,
      bodyEnd: 0,
      type: null as unknown as TypeEntry,
      host: null as unknown as EventView['host'],
      arrival: 0,
    };
    for (const sink of sinks) sink.onDrain = () => this.maybeResume();
  }

  get sinkList(): readonly Sink[] {
    return this.sinks;
  }

  /** Adds a sink while running (forwarding switched on by an administrator). */
  addSink(sink: Sink): void {
    sink.onDrain = () => this.maybeResume();
    this.sinks.push(sink);
  }

  /**
   * Routes one event. `arrival` is the receive time in milliseconds, taken
   * once per received chunk by the source rather than once per event.
   * `ownBody`: oxd wrote the body itself (the syslog source's encoder, whose
   * bodies its tests hold to what the body check accepts), so it is not
   * checked again.
   */
  route(
    metaBuf: Buffer,
    metaStart: number,
    metaEnd: number,
    bodyBuf: Buffer,
    bodyStart: number,
    bodyEnd: number,
    arrival: number,
    peer: string,
    ownBody = false,
  ): void {
    if (metaEnd - metaStart !== META_SIZE) return this.invalid('meta-size', peer);
    if (metaBuf[metaStart] !== META_VERSION) return this.invalid('meta-version', peer);
    const typeAt = metaStart + META_TYPE_OFFSET;
    const hostAt = metaStart + META_HOST_OFFSET;
    const typeLength = metaBuf[typeAt];
    const hostLength = metaBuf[hostAt];
    if (typeLength > PASCAL_MAX || hostLength > PASCAL_MAX) return this.invalid('meta-field', peer);
    const stats = this.stats;
    const type = stats.typeFor(metaBuf, typeAt + 1, typeAt + 1 + typeLength);
    if (typeof type === 'string') return this.invalid(`type-${type}`, peer);
    if (bodyEnd <= bodyStart) return this.invalid('empty-body', peer, type);
    // Checked here, before any sink: files, subscribers and the next oxd all get only sound bodies.
    const bodyProblem = ownBody ? null : checkEventBody(bodyBuf, bodyStart, bodyEnd);
    if (bodyProblem !== null) return this.invalid('body-malformed', peer, type, BODY_RULES[bodyProblem]);
    const host = stats.hostFor(metaBuf, hostAt + 1, hostAt + 1 + hostLength);
    const size = bodyEnd - bodyStart;

    type.received++;
    type.bytes += size;
    type.metaBuf = metaBuf;
    type.metaStart = metaStart;
    host.received++;
    host.metaBuf = metaBuf;
    host.metaStart = metaStart;
    const totals = stats.totals;
    totals.received++;
    totals.bytes += size;
    stats.lastArrival = arrival;
    stats.newest.metaBuf = metaBuf;
    stats.newest.metaStart = metaStart;

    const v = this.view;
    v.metaBuf = metaBuf;
    v.metaStart = metaStart;
    v.metaEnd = metaEnd;
    v.bodyBuf = bodyBuf;
    v.bodyStart = bodyStart;
    v.bodyEnd = bodyEnd;
    v.type = type;
    v.host = host;
    v.arrival = arrival;
    const sinks = this.sinks;
    for (let i = 0; i < sinks.length; i++) sinks[i].accept(v);
  }

  /** Counts a dropped message and logs it, rate limited; `detail` says more than the reason. */
  invalid(reason: InvalidReason, peer: string, type: TypeEntry | null = null, detail?: string): void {
    this.stats.countInvalid(reason, type);
    const why = detail === undefined ? describeInvalid(reason) : `${describeInvalid(reason)} (${detail})`;
    this.warn.log('warning', `invalid:${reason}`, `dropped a message from ${peer}: ${why}`);
  }

  /** True when some sink wants the sources to stop reading for a while. */
  get congested(): boolean {
    for (const sink of this.sinks) if (sink.congested) return true;
    return false;
  }

  /** A source that paused itself registers how to resume. */
  whenDrained(resume: () => void): void {
    this.pausedSources.add(resume);
    this.maybeResume();
  }

  private maybeResume(): void {
    if (this.pausedSources.size === 0 || this.congested) return;
    const resumes = [...this.pausedSources];
    this.pausedSources.clear();
    for (const resume of resumes) resume();
  }
}
