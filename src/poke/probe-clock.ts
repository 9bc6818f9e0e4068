/**
 * The milestones of one connection, taken from its socket's events with
 * performance.now() (monotonic, sub-millisecond), and turned into the
 * Timings of probe-result.ts. Also where a probe stands, for the message of
 * a failure or a timeout ("still connecting", "had not answered").
 */
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { PartialTimings, Timings } from './probe-result';

/** Where a connection stands: what it is doing now. */
export type Phase = 'dns' | 'connect' | 'tls' | 'answer' | 'body';

export class ProbeClock {
  readonly start = performance.now();
  private dns: number | null = null;
  private connect: number | null = null;
  private tls: number | null = null;
  private firstByte: number | null = null;

  /**
   * @param lookup whether the host is a name to resolve (an address is not looked up: no 'lookup' event comes)
   * @param handshake whether a TLS handshake follows the connect
   */
  constructor(
    private readonly lookup: boolean,
    private readonly handshake: boolean,
  ) {}

  /** A clock for a connection to `host`, with or without TLS. */
  static forHost(host: string, handshake: boolean): ProbeClock {
    return new ProbeClock(net.isIP(host) === 0, handshake);
  }

  /** Takes the milestones from the socket's events (the first of each: with several addresses, each may report its own lookup). */
  watch(socket: net.Socket): void {
    socket.once('lookup', (err: Error | null) => {
      if (!err) this.dns ??= this.now();
    });
    socket.once('connect', () => {
      this.connect ??= this.now();
      // A lookup whose event went unseen (it cannot have taken longer than the connect).
      if (this.lookup) this.dns ??= this.connect;
    });
    if (this.handshake) socket.once('secureConnect', () => (this.tls ??= this.now()));
  }

  /** A kept-alive connection taken again (probe-agents.ts): the lookup, connect and handshake it needs no more took no time. */
  reuse(): void {
    const now = this.now();
    if (this.lookup) this.dns ??= now;
    this.connect ??= now;
    this.tls ??= now;
  }

  markFirstByte(): void {
    this.firstByte ??= this.now();
  }

  get phase(): Phase {
    if (this.lookup && this.dns === null && this.connect === null) return 'dns';
    if (this.connect === null) return 'connect';
    if (this.handshake && this.tls === null) return 'tls';
    return this.firstByte === null ? 'answer' : 'body';
  }

  /** The timings of a connection that went to the end, now. A milestone not reached (no lookup, no TLS, no byte read) equals the one before it. */
  complete(): Timings {
    const totalMs = this.now();
    const dnsMs = this.dns ?? 0;
    const connectMs = this.connect ?? dnsMs;
    const tlsMs = this.tls ?? connectMs;
    return { dnsMs, connectMs, tlsMs, firstByteMs: this.firstByte ?? totalMs, totalMs };
  }

  /** The milestones reached by now, for a failure; those never reached are null. */
  partial(): PartialTimings {
    const dnsMs = this.lookup ? this.dns : 0;
    const tlsMs = this.handshake ? this.tls : this.connect;
    return { dnsMs, connectMs: this.connect, tlsMs, firstByteMs: this.firstByte, totalMs: this.now() };
  }

  private now(): number {
    return performance.now() - this.start;
  }
}

/** Milestones from several connections made one after the other (redirects): each summed over them; totalMs is the whole time since `start`. */
export function sumTimings(earlier: Timings[], last: Timings, start: number): Timings;
export function sumTimings(earlier: Timings[], last: PartialTimings, start: number): PartialTimings;
export function sumTimings(earlier: Timings[], last: PartialTimings, start: number): PartialTimings {
  const sum = (key: keyof Timings): number | null => {
    const value = last[key];
    return value === null ? null : earlier.reduce((acc, t) => acc + t[key], value);
  };
  return { dnsMs: sum('dnsMs'), connectMs: sum('connectMs'), tlsMs: sum('tlsMs'), firstByteMs: sum('firstByteMs'), totalMs: performance.now() - start };
}
