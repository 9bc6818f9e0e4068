/**
 * The forwarder: sends every event, unchanged, to the next oxd up the
 * hierarchy. A queue in front absorbs the time the next oxd is away: memory,
 * where a full queue drops new events (counted) and a restart loses what it
 * holds, or the disk spool (forward-queue.ts).
 *
 * From the disk spool, events go over the link (doc/link.md) when the next
 * oxd is ours: batches it acknowledges once written, sent again after a
 * fault, each delivered once. Otherwise (an original Python oxd, or a
 * memory queue) each event's two frames are PUSHed to its collect port
 * (zeromq.js, which reconnects on its own), and an event libzmq took counts
 * as delivered.
 *
 * A link with CURVE (link_server_key) goes only to an upstream that
 * announces that very key: an upstream that requires CURVE when this oxd
 * has no key for it, one with another key, or one in clear is not sent to
 * (the reason is in STATUS as probe_failure); events wait in the spool and
 * the probe is tried again.
 *
 * With several upstreams (upstreams.ts), the forwarder moves to the next
 * after forward_failover_ms without a connection, and back to the first
 * when it answers a probe again; over the link, what is in flight is
 * acknowledged before such a return, so that nothing is sent twice.
 */
import type { LinkSettings } from '../../config/link-settings';
import type { Packable } from '../../protocol/compat-pack';
import { Endpoint, formatEndpoint, zmqEndpoint } from '../../protocol/endpoint';
import { LinkClient } from '../link/link-client';
import { curveRefusal, LinkCurveClient } from '../link/link-curve';
import { LinkAnnouncement, probeLink } from '../link/link-probe';
import type { Logger } from '../log';
import type { RateLimitedLog } from '../rate-limit';
import type { EventView, Sink } from '../sink';
import { DiskForwardQueue } from '../spool/disk-forward-queue';
import type { Stats, TypeEntry } from '../stats';
import type { ForwardQueue } from './forward-queue';
import { PushSender } from './push-sender';
import { FailoverWatch } from './failover-watch';
import { Upstreams } from './upstreams';

const PROBE_TIMEOUT_MS = 5000;
const PROBE_RETRY_MS = 1000;
/** A CURVE mismatch needs a change of settings on one side: asked again less often. */
const CURVE_RETRY_MS = 5000;

export class Forwarder implements Sink {
  readonly name = 'forward';
  onDrain: (() => void) | null = null;
  private push: PushSender | null = null;
  private link: LinkClient | null = null;
  /** How events leave: found out by a probe for a disk queue. */
  private mode: 'probing' | 'link' | 'push' = 'probing';
  private choosing: Promise<void> | null = null;
  private dropped = 0;
  private forwarded = 0;
  private sendErrors = 0;
  private closing = false;
  private retargets = 0;
  private linkLosses = 0;
  private probeFailure: string | null = null;
  private handshakeFailures = 0;
  private handshakeError: string | null = null;
  private upstreams: Upstreams;
  private readonly watch: FailoverWatch;
  private linkTarget: Endpoint | null = null;
  /** How far the links to one upstream sent: what another upstream is sent of it again may be written twice. */
  private lastSent: { target: Endpoint; upTo: number } | null = null;
  private resentElsewhere = 0;
  /** Ends the chooser's wait before it asks an upstream again: another upstream is to be used. */
  private wakeChooser: (() => void) | null = null;

  constructor(
    targets: Endpoint[],
    private readonly spool: ForwardQueue,
    private readonly stats: Stats,
    private readonly log: Logger,
    private readonly warn: RateLimitedLog,
    private readonly linkSettings: Pick<LinkSettings, 'linkCompression' | 'linkAckTimeoutMs' | 'linkWindow'> & { forwardFailoverMs: number },
    private readonly curve: LinkCurveClient | null = null,
  ) {
    this.upstreams = new Upstreams(targets, linkSettings.forwardFailoverMs, Date.now());
    this.watch = new FailoverWatch(
      {
        upstreams: () => this.upstreams,
        // Over a disk queue, only an upstream this oxd may send to (its CURVE key) is gone back to.
        mayUse: (found) => !(this.spool instanceof DiskForwardQueue) || curveRefusal(this.curve, found) === null,
        moved: (kind, from, why) => {
          this.log.notice(`forwarding moves ${kind === 'return' ? 'back ' : ''}from ${formatEndpoint(from)} to ${formatEndpoint(this.target)}: ${why}`);
          // A return is planned: what the one in use has in flight is acknowledged first, so nothing goes twice.
          if (kind === 'return') this.leave(this.linkSettings.linkAckTimeoutMs, true);
          else this.leave(0, false);
        },
      },
      linkSettings.forwardFailoverMs,
    );
    let wasCongested = false;
    spool.onReady = () => {
      if (wasCongested && !spool.congested) this.onDrain?.();
      wasCongested = spool.congested;
      this.push?.poke();
      this.link?.poke();
    };
    this.choose(this.target);
  }

  /** The upstream in use. */
  private get target(): Endpoint {
    return this.upstreams.current;
  }

  /** True while the queue holds the senders back (a full disk spool that blocks). */
  get congested(): boolean {
    return this.spool.congested;
  }

  /** Every upstream, in order of preference. */
  get endpoints(): readonly Endpoint[] {
    return this.upstreams.list;
  }

  accept(ev: EventView): void {
    if (!this.spool.push(ev)) {
      ev.type.dropped++;
      this.stats.totals.dropped++;
      this.dropped++;
      this.warn.log('warning', 'forward-full', `forward spool full (${this.spool.bytes} bytes): dropping events for ${formatEndpoint(this.target)}`);
    }
  }

  /** Writes what the disk spool took to the page cache now (what the link's acknowledgements promise). */
  commitSpool(): void {
    if (this.spool instanceof DiskForwardQueue) this.spool.spool.commit();
  }

  /**
   * Points the forwarder at other oxds without a restart. Over PUSH, what
   * libzmq already queued for the old target still goes there (the old
   * socket lingers up to `lingerMs`); everything not yet sent, or over the
   * link not yet acknowledged, goes to the new one.
   */
  retarget(targets: Endpoint[], lingerMs: number): void {
    this.upstreams = new Upstreams(targets, this.upstreams.failoverMs, Date.now());
    this.retargets++;
    this.leave(lingerMs, false);
  }

  /** Stops sending to the upstream in use and starts with the current one; `settle`: acknowledged first. */
  private leave(lingerMs: number, settle: boolean): void {
    const old = this.push;
    this.push = null;
    this.choose(this.target, settle, old?.close(lingerMs));
  }

  async flush(): Promise<void> {
    await this.push?.flush();
  }

  reopen(): void {
    // zeromq reconnects by itself; nothing to reopen.
  }

  /** Hands what is queued to the next oxd for up to `lingerMs`, then closes; a disk queue keeps the rest. */
  async closeWithin(lingerMs: number): Promise<void> {
    const deadline = Date.now() + lingerMs;
    await this.push?.drainUntil(deadline);
    this.closing = true;
    await this.watch.close();
    await this.link?.close();
    await this.push?.close(Math.max(0, deadline - Date.now()));
    let lost = 0;
    this.spool.close((item) => {
      if (item.type !== null) item.type.dropped++;
      lost++;
    });
    if (lost > 0) {
      this.stats.totals.dropped += lost;
      this.dropped += lost;
      this.log.error(`lost ${lost} events that could not be forwarded to ${formatEndpoint(this.target)} before shutdown`);
    }
  }

  close(): Promise<void> {
    return this.closeWithin(0);
  }

  status(): { [key: string]: Packable } {
    return {
      target: formatEndpoint(this.target),
      ...this.upstreams.status(Date.now()),
      mode: this.mode,
      spooled: this.spool.length,
      spooled_bytes: this.spool.bytes,
      forwarded: this.forwarded,
      dropped: this.dropped,
      send_errors: this.sendErrors,
      retargets: this.retargets,
      link_losses: this.linkLosses,
      resent_elsewhere: this.resentElsewhere,
      spool: this.spool.status(),
      ...(this.link ? { link: this.link.status() } : {}),
      ...(this.probeFailure ? { probe_failure: this.probeFailure } : {}),
      handshake_failures: this.handshakeFailures,
      ...(this.handshakeError ? { handshake_error: this.handshakeError } : {}),
    };
  }

  /**
   * A disk queue asks the next oxd whether it speaks the link; a memory
   * queue PUSHes. `settle`: what the old link has in flight is acknowledged
   * (up to link_ack_timeout_ms) before the new upstream is sent anything.
   */
  private choose(target: Endpoint, settle = false, oldPush: Promise<void> = Promise.resolve()): void {
    const previous = this.choosing;
    this.wakeChooser?.();
    this.upstreams.disconnected(Date.now());
    this.choosing = (async () => {
      await previous;
      await oldPush;
      const oldLink = this.link;
      this.link = null;
      if (settle) await oldLink?.settle(this.linkSettings.linkAckTimeoutMs);
      await oldLink?.close();
      if (oldLink && this.linkTarget !== null) {
        const upTo = Math.max(oldLink.sentThrough, this.lastSent?.target === this.linkTarget ? this.lastSent.upTo : 0);
        this.lastSent = { target: this.linkTarget, upTo };
      }
      if (!(this.spool instanceof DiskForwardQueue)) return this.usePush(target);
      this.mode = 'probing';
      const queue = this.spool;
      while (!this.closing && this.target === target) {
        let found: LinkAnnouncement | null;
        try {
          found = await probeLink(target, PROBE_TIMEOUT_MS);
        } catch (err) {
          this.probeFailure = (err as Error).message;
          if (this.target === target) this.upstreams.disconnected(Date.now());
          await this.pause(PROBE_RETRY_MS);
          continue;
        }
        if (this.closing || this.target !== target) return;
        const refusal = curveRefusal(this.curve, found);
        if (refusal !== null) {
          this.probeFailure = refusal;
          this.warn.log('warning', 'link-curve', `forwarding to ${formatEndpoint(target)}: ${refusal}; events wait in the spool`);
          await this.pause(CURVE_RETRY_MS);
          continue;
        }
        this.probeFailure = null;
        if (found === null) return this.usePush(target);
        return this.useLink(target, found, queue);
      }
    })();
  }

  /** Waits `ms` before the chooser asks again, or less when another upstream is chosen meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.wakeChooser === done) self.wakeChooser = null;
        resolve();
      }
      this.wakeChooser = done;
    });
  }

  private useLink(target: Endpoint, found: LinkAnnouncement, queue: DiskForwardQueue): void {
    if (this.lastSent !== null && this.lastSent.target !== target) {
      // Sent to another upstream, not acknowledged by it: it may have written them too.
      this.resentElsewhere += Math.max(0, this.lastSent.upTo - queue.spool.state.acked);
      this.lastSent = null;
    }
    this.mode = 'link';
    const address = zmqEndpoint({ host: target.host, port: found.port });
    this.log.info(`forwarding to ${formatEndpoint(target)} over the link (${address}${this.curve ? ', CURVE' : ''})`);
    const s = this.linkSettings;
    const link = new LinkClient(
      address,
      queue,
      this.stats,
      { compression: s.linkCompression, upstreamCodecs: found.codecs, window: s.linkWindow, ackTimeoutMs: s.linkAckTimeoutMs, curve: this.curve },
      (type, n) => this.countForwarded(type, n),
      (why) => {
        if (this.link !== link || this.closing) return;
        this.linkLosses++;
        this.upstreams.disconnected(Date.now());
        this.warn.log('warning', 'link-lost', `link to ${formatEndpoint(target)}: ${why}; sending again what it has not acknowledged`);
        this.choose(target);
      },
      (why) => {
        // Counted here, across the clients of successive tries.
        this.handshakeFailures++;
        this.handshakeError = why;
        this.warn.log('warning', 'link-handshake', `link to ${formatEndpoint(target)}: ${why}`);
      },
      () => {
        if (this.link === link) this.upstreams.connected();
      },
    );
    this.link = link;
    this.linkTarget = target;
  }

  private usePush(target: Endpoint): void {
    if (this.closing || this.target !== target) return;
    this.mode = 'push';
    const onlyWhenConnected = this.spool.durable || this.upstreams.list.length > 1;
    const push: PushSender = new PushSender(target, this.spool, onlyWhenConnected, {
      taken: (type, n) => this.countForwarded(type, n),
      connected: () => {
        if (this.push === push) this.upstreams.connected();
      },
      disconnected: () => {
        if (this.push === push) this.upstreams.disconnected(Date.now());
      },
      sendFailed: (why) => {
        this.sendErrors++;
        this.warn.log('warning', 'forward-send', `forwarding failed: ${why}`);
      },
    });
    this.push = push;
    this.log.info(`forwarding to ${formatEndpoint(target)}`);
  }

  private countForwarded(type: TypeEntry | null, n: number): void {
    if (type !== null) type.forwarded += n;
    this.stats.totals.forwarded += n;
    this.forwarded += n;
  }
}
