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
 */
import * as zmq from 'zeromq';
import type { LinkSettings } from '../../config/link-settings';
import type { Packable } from '../../protocol/compat-pack';
import { Endpoint, formatEndpoint, zmqEndpoint } from '../../protocol/endpoint';
import { LinkClient } from '../link/link-client';
import type { LinkCurveClient } from '../link/link-curve';
import { LinkAnnouncement, probeLink } from '../link/link-probe';
import type { Logger } from '../log';
import type { RateLimitedLog } from '../rate-limit';
import type { EventView, Sink } from '../sink';
import { DiskForwardQueue } from '../spool/disk-forward-queue';
import type { Stats, TypeEntry } from '../stats';
import type { ForwardQueue } from './forward-queue';

const PROBE_TIMEOUT_MS = 5000;
const PROBE_RETRY_MS = 1000;
/** A CURVE mismatch needs a change of settings on one side: asked again less often. */
const CURVE_RETRY_MS = 5000;

export class Forwarder implements Sink {
  readonly name = 'forward';
  onDrain: (() => void) | null = null;
  private sock: zmq.Push | null = null;
  private link: LinkClient | null = null;
  /** How events leave: found out by a probe for a disk queue. */
  private mode: 'probing' | 'link' | 'push' = 'probing';
  private choosing: Promise<void> | null = null;
  private pumping: Promise<void> | null = null;
  private dropped = 0;
  private forwarded = 0;
  private sendErrors = 0;
  private closing = false;
  private retargets = 0;
  private linkLosses = 0;
  private probeFailure: string | null = null;
  private handshakeFailures = 0;
  private handshakeError: string | null = null;

  constructor(
    private target: Endpoint,
    private readonly spool: ForwardQueue,
    private readonly stats: Stats,
    private readonly log: Logger,
    private readonly warn: RateLimitedLog,
    private readonly linkSettings: Pick<LinkSettings, 'linkCompression' | 'linkAckTimeoutMs' | 'linkWindow'>,
    private readonly curve: LinkCurveClient | null = null,
  ) {
    let wasCongested = false;
    spool.onReady = () => {
      if (wasCongested && !spool.congested) this.onDrain?.();
      wasCongested = spool.congested;
      if (this.mode === 'push') this.startPump();
      else this.link?.poke();
    };
    this.choose(target);
  }

  /** True while the queue holds the senders back (a full disk spool that blocks). */
  get congested(): boolean {
    return this.spool.congested;
  }

  get endpoint(): Endpoint {
    return this.target;
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
   * Points the forwarder at another oxd without a restart. Over PUSH, what
   * libzmq already queued for the old target still goes there (the old
   * socket lingers up to `lingerMs`); everything not yet sent, or over the
   * link not yet acknowledged, goes to the new one.
   */
  retarget(target: Endpoint, lingerMs: number): void {
    this.target = target;
    this.retargets++;
    const old = this.sock;
    this.sock = null;
    if (old !== null) {
      old.linger = lingerMs;
      old.close();
    }
    this.choose(target);
  }

  async flush(): Promise<void> {
    await this.pumping;
  }

  reopen(): void {
    // zeromq reconnects by itself; nothing to reopen.
  }

  /** Hands what is queued to the next oxd for up to `lingerMs`, then closes; a disk queue keeps the rest. */
  async closeWithin(lingerMs: number): Promise<void> {
    const deadline = Date.now() + lingerMs;
    while (this.mode === 'push' && this.spool.length > 0 && this.pumping !== null && Date.now() < deadline) {
      await Promise.race([this.pumping, new Promise((r) => setTimeout(r, Math.max(1, deadline - Date.now())))]);
    }
    this.closing = true;
    await this.link?.close();
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
    if (this.sock !== null) {
      this.sock.linger = Math.max(0, deadline - Date.now());
      this.sock.close();
    }
  }

  close(): Promise<void> {
    return this.closeWithin(0);
  }

  status(): { [key: string]: Packable } {
    return {
      target: formatEndpoint(this.target),
      mode: this.mode,
      spooled: this.spool.length,
      spooled_bytes: this.spool.bytes,
      forwarded: this.forwarded,
      dropped: this.dropped,
      send_errors: this.sendErrors,
      retargets: this.retargets,
      link_losses: this.linkLosses,
      spool: this.spool.status(),
      ...(this.link ? { link: this.link.status() } : {}),
      ...(this.probeFailure ? { probe_failure: this.probeFailure } : {}),
      handshake_failures: this.handshakeFailures,
      ...(this.handshakeError ? { handshake_error: this.handshakeError } : {}),
    };
  }

  /** A disk queue asks the next oxd whether it speaks the link; a memory queue PUSHes. */
  private choose(target: Endpoint): void {
    const previous = this.choosing;
    this.choosing = (async () => {
      await previous;
      const oldLink = this.link;
      this.link = null;
      await oldLink?.close();
      if (!(this.spool instanceof DiskForwardQueue)) return this.usePush(target);
      this.mode = 'probing';
      const queue = this.spool;
      while (!this.closing && this.target === target) {
        let found: LinkAnnouncement | null;
        try {
          found = await probeLink(target, PROBE_TIMEOUT_MS);
        } catch (err) {
          this.probeFailure = (err as Error).message;
          await new Promise((r) => setTimeout(r, PROBE_RETRY_MS));
          continue;
        }
        if (this.closing || this.target !== target) return;
        const refusal = this.curveRefusal(found);
        if (refusal !== null) {
          this.probeFailure = refusal;
          this.warn.log('warning', 'link-curve', `forwarding to ${formatEndpoint(target)}: ${refusal}; events wait in the spool`);
          await new Promise((r) => setTimeout(r, CURVE_RETRY_MS));
          continue;
        }
        this.probeFailure = null;
        if (found === null) return this.usePush(target);
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
            this.warn.log('warning', 'link-lost', `link to ${formatEndpoint(target)}: ${why}; sending again what it has not acknowledged`);
            this.choose(target);
          },
          (why) => {
            // Counted here, across the clients of successive tries.
            this.handshakeFailures++;
            this.handshakeError = why;
            this.warn.log('warning', 'link-handshake', `link to ${formatEndpoint(target)}: ${why}`);
          },
        );
        this.link = link;
        return;
      }
    })();
  }

  /** Why this oxd does not send to what the probe found, given its CURVE settings; null when it may. */
  private curveRefusal(found: LinkAnnouncement | null): string | null {
    const announced = found?.curveKey ?? null;
    if (this.curve === null) {
      return announced === null ? null : `the upstream's link requires CURVE: set link_key and link_server_key (its public key is ${announced})`;
    }
    if (found === null) return 'link_server_key is set, but the upstream does not speak the link (an original oxd?): events are not sent to it in clear; empty link_key and link_server_key to forward there';
    if (announced === null) return "link_server_key is set, but the upstream's link does not require CURVE: events are not sent in clear; set link_key and link_clients on the upstream, or empty link_server_key here";
    if (announced !== this.curve.serverKey) return `the upstream's link announces the public key ${announced}, not link_server_key's ${this.curve.serverKey}: set link_server_key to the upstream's .pub file`;
    return null;
  }

  private usePush(target: Endpoint): void {
    this.mode = 'push';
    // With a durable queue, events wait there while the upstream is away, and few sit in libzmq's queue.
    const sock = this.spool.durable
      ? new zmq.Push({ sendHighWaterMark: 1000, linger: 0, immediate: true })
      : new zmq.Push({ sendHighWaterMark: 10_000, linger: 0 });
    sock.connect(zmqEndpoint(target));
    this.log.info(`forwarding to ${formatEndpoint(target)}`);
    this.sock = sock;
    this.startPump();
  }

  private countForwarded(type: TypeEntry | null, n: number): void {
    if (type !== null) type.forwarded += n;
    this.stats.totals.forwarded += n;
    this.forwarded += n;
  }

  private startPump(): void {
    if (this.pumping === null && !this.closing) this.pumping = this.pump().finally(() => (this.pumping = null));
  }

  private async pump(): Promise<void> {
    for (;;) {
      const sock = this.sock;
      if (sock === null || this.closing) return;
      const item = this.spool.peek();
      if (item === null) return;
      try {
        await sock.send([item.meta, item.body]);
      } catch (err) {
        // A closed socket rejects (shutdown, or a retarget): the item stays for the next socket.
        if (this.closing || this.sock === null) return;
        if (sock === this.sock) {
          this.sendErrors++;
          this.warn.log('warning', 'forward-send', `forwarding failed: ${(err as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        continue;
      }
      this.spool.taken();
      this.countForwarded(item.type, 1);
    }
  }
}
