/**
 * The forwarder's watch over its upstreams (the rules are upstreams.ts's):
 * on each tick, a move to the next one once the one in use has been away
 * for forward_failover_ms; while another one is in use, a probe of the
 * first every so often, and a move back when it answers and this oxd may
 * send to it. What a move means for the sending (a new link, settled or
 * not) is the forwarder's.
 */
import { Endpoint, formatEndpoint } from '../../protocol/endpoint';
import { LinkAnnouncement, probeLink } from '../link/link-probe';
import type { Upstreams } from './upstreams';

const PROBE_TIMEOUT_MS = 5000;

export interface FailoverHooks {
  /** The upstreams now (oxctl forward replaces them). */
  upstreams(): Upstreams;
  /** Whether what a probe of the first upstream found may be sent to (the CURVE settings). */
  mayUse(found: LinkAnnouncement | null): boolean;
  /** The upstream in use changed from `from`, for `why`: send to the new one. */
  moved(kind: 'failover' | 'return', from: Endpoint, why: string): void;
}

export class FailoverWatch {
  private readonly timer: NodeJS.Timeout;
  private probing: Promise<void> | null = null;
  private nextProbe = 0;
  private closed = false;

  constructor(
    private readonly hooks: FailoverHooks,
    failoverMs: number,
  ) {
    this.timer = setInterval(() => this.tick(), Math.max(50, Math.min(1000, Math.floor(failoverMs / 4))));
    this.timer.unref();
  }

  /** No more moves; waits for a probe under way. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.probing;
  }

  private tick(): void {
    if (this.closed) return;
    const upstreams = this.hooks.upstreams();
    const now = Date.now();
    const next = upstreams.failoverDue(now);
    if (next !== null) {
      const from = upstreams.current;
      const why = `no connection for ${upstreams.failoverMs / 1000} s`;
      upstreams.moveTo(next, now, why, 'failover');
      this.hooks.moved('failover', from, why);
      return;
    }
    if (upstreams.onPreferred || this.probing !== null || now < this.nextProbe) return;
    this.nextProbe = now + upstreams.returnProbeMs;
    const first = upstreams.list[0];
    this.probing = (async () => {
      try {
        if (!this.hooks.mayUse(await probeLink(first, PROBE_TIMEOUT_MS))) return;
      } catch {
        return;
      }
      // Still the same list, still away from the first, still running.
      if (this.closed || this.hooks.upstreams() !== upstreams || upstreams.onPreferred) return;
      const from = upstreams.current;
      upstreams.moveTo(0, Date.now(), 'it answers again', 'return');
      this.hooks.moved('return', from, `${formatEndpoint(first)} answers again`);
    })().finally(() => (this.probing = null));
  }
}
