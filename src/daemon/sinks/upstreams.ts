/**
 * Which of a forwarding oxd's upstreams (`forward`, in order of preference)
 * is in use. The forwarder says when the one in use is connected and when
 * it is not; after `forward_failover_ms` without a connection the next one
 * in the list is due, and while another is in use the first is asked again
 * now and then, so that events go back to it when it returns. Pure: the
 * time is passed in, so the rules are tested without waiting.
 */
import { Endpoint, formatEndpoint } from '../../protocol/endpoint';

export class Upstreams {
  private index = 0;
  /** When the upstream in use was last seen without a connection, while it still has none; null: connected. */
  private downSince: number | null;
  private failovers = 0;
  private returns = 0;
  private lastMove: string | null = null;

  constructor(
    readonly list: readonly Endpoint[],
    readonly failoverMs: number,
    now: number,
  ) {
    if (list.length === 0) throw new Error('Upstreams needs at least one address');
    this.downSince = now;
  }

  get current(): Endpoint {
    return this.list[this.index];
  }

  /** The first in the list is in use (or it is the only one). */
  get onPreferred(): boolean {
    return this.index === 0;
  }

  /** How often the first upstream is asked whether it is back, while another is in use. */
  get returnProbeMs(): number {
    return Math.max(100, Math.min(5000, this.failoverMs));
  }

  connected(): void {
    this.downSince = null;
  }

  /** Not connected from `now` on (an earlier time, when it was already away, is kept). */
  disconnected(now: number): void {
    this.downSince ??= now;
  }

  /** The index of the upstream to use next when the one in use has been away for failover_ms; null otherwise. */
  failoverDue(now: number): number | null {
    if (this.list.length < 2 || this.downSince === null || now - this.downSince < this.failoverMs) return null;
    return (this.index + 1) % this.list.length;
  }

  /** Uses upstream `index` from `now` on: away until it connects. A return is to the first, because it answers again. */
  moveTo(index: number, now: number, why: string, kind: 'failover' | 'return'): void {
    if (kind === 'return') this.returns++;
    else this.failovers++;
    this.lastMove = `${formatEndpoint(this.current)} to ${formatEndpoint(this.list[index])}: ${why}`;
    this.index = index;
    this.downSince = now;
  }

  status(now: number): { [key: string]: number | string } {
    return {
      upstreams: formatUpstreams(this.list),
      upstream_index: this.index,
      failover_ms: this.failoverMs,
      failovers: this.failovers,
      returns: this.returns,
      disconnected_ms: this.downSince === null ? 0 : now - this.downSince,
      ...(this.lastMove !== null ? { last_move: this.lastMove } : {}),
    };
  }
}

/** The list as `forward` is written: comma-separated host:port. */
export function formatUpstreams(list: readonly Endpoint[]): string {
  return list.map(formatEndpoint).join(',');
}
