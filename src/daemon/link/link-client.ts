/**
 * The forwarding end of the link (doc/link.md): a ZeroMQ DEALER socket to
 * the upstream's link port that sends the disk spool's events in batches,
 * keeps a window of them in flight, and marks them acknowledged in the
 * spool when the upstream says they are written. A lost connection or a
 * silent upstream ends the client (`onLost`): the forwarder asks the
 * upstream for its link port again (a restarted upstream may have another)
 * and a new client sends everything after the acknowledged position again,
 * in order; the upstream drops what it has.
 */
import * as zmq from 'zeromq';
import type { LinkCompression } from '../../config/link-settings';
import { decodeLinkHeader, encodeLinkHeader, KIND_ACK, KIND_BATCH, KIND_RESUME } from '../../protocol/link/link-header';
import { META_TYPE_OFFSET } from '../../protocol/meta';
import type { DiskForwardQueue } from '../spool/disk-forward-queue';
import { chooseLinkCodec, CodecChoice, codecByte, compressBatch, LOCAL_CODECS } from './link-codec';
import type { LinkCurveClient } from './link-curve';
import type { Stats, TypeEntry } from '../stats';

export interface LinkClientOptions {
  /** The compression link_compression asks for. */
  compression: LinkCompression;
  /** What the upstream announced it decodes (null: it did not say, zlib). */
  upstreamCodecs: readonly string[] | null;
  /** Events in flight (sent, not acknowledged) at most. */
  window: number;
  /** No acknowledgement for this long while batches are in flight: send everything again. */
  ackTimeoutMs: number;
  /** The link uses CURVE with these keys; null: in clear. */
  curve: LinkCurveClient | null;
}

const BATCH_EVENTS = 1000;
const HEARTBEAT_MS = 1000;
const HEARTBEAT_TIMEOUT_MS = 5000;
const BATCH_BYTES = 512 * 1024;
/** libzmq does not connect again after a failed handshake (a refused CURVE key): the forwarder probes again after this long. */
const HANDSHAKE_RETRY_MS = 5000;

interface InFlight {
  last: number;
  count: number;
  types: Map<TypeEntry | null, number>;
}

export class LinkClient {
  readonly counts = { batches: 0, events: 0, resends: 0, acks: 0, raw_bytes: 0, wire_bytes: 0, compress_ms: 0 };
  private sock: zmq.Dealer | null = null;
  private inFlight: InFlight[] = [];
  private inFlightEvents = 0;
  /** The last sequence number this connection's batches cover. */
  private sentUpTo = 0;
  private lastProgress = Date.now();
  private wake: (() => void) | null = null;
  private running = true;
  private readonly timer: NodeJS.Timeout;
  private sending: Promise<void> | null = null;
  private handshakeFailures = 0;
  private lastHandshakeError: string | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** The next batch is the first of this connection: sent as RESUME. */
  private resuming = true;
  /** settle(): no more batches; `settled` is called at each acknowledgement. */
  private holding = false;
  private settled: (() => void) | null = null;
  /** The codec of this connection's batches, and why. */
  private readonly codec: CodecChoice;
  private readonly compression: number;

  constructor(
    private readonly address: string,
    private readonly queue: DiskForwardQueue,
    private readonly stats: Stats,
    private readonly options: LinkClientOptions,
    private readonly onForwarded: (type: TypeEntry | null, n: number) => void,
    private readonly onLost: (why: string) => void,
    /** The upstream refused this oxd (a CURVE key it does not know), or the handshake failed: it keeps trying. */
    private readonly onHandshakeFailed: (why: string) => void = () => undefined,
    /** A handshake with the upstream's link completed. */
    private readonly onConnected: () => void = () => undefined,
  ) {
    this.codec = chooseLinkCodec(options.compression, LOCAL_CODECS, options.upstreamCodecs);
    this.compression = codecByte(this.codec.codec);
    this.timer = setInterval(() => this.checkTimeout(), Math.max(100, Math.floor(options.ackTimeoutMs / 4)));
    this.timer.unref();
    this.connect();
  }

  private get spool(): DiskForwardQueue['spool'] {
    return this.queue.spool;
  }

  /** The last sequence number this client sent. */
  get sentThrough(): number {
    return this.sentUpTo;
  }

  /** New events are in the spool, or room in the window: the sender looks again. */
  poke(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  status(): { [key: string]: number | string } {
    const ratio = this.counts.wire_bytes > 0 ? this.counts.raw_bytes / this.counts.wire_bytes : 1;
    return {
      address: this.address,
      in_flight: this.inFlightEvents,
      ...this.counts,
      compression_ratio: Math.round(ratio * 100) / 100,
      codec: this.codec.codec,
      codec_asked: this.options.compression,
      codec_reason: this.codec.reason,
      curve: this.options.curve !== null ? 1 : 0,
      handshake_failures: this.handshakeFailures,
      ...(this.lastHandshakeError !== null ? { handshake_error: this.lastHandshakeError } : {}),
    };
  }

  /**
   * Sends no more batches and waits, up to `ms`, for the acknowledgement of
   * those in flight: what the next client (another upstream) sends again
   * is then only what this upstream may not have.
   */
  async settle(ms: number): Promise<void> {
    this.holding = true;
    const deadline = Date.now() + ms;
    while (this.running && this.inFlight.length > 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.settled = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.settled = null;
  }

  async close(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    const sock = this.sock;
    this.sock = null;
    sock?.close();
    this.poke();
    await this.sending;
  }

  /** A new socket, sending from the acknowledged position. */
  private connect(): void {
    this.sock?.close();
    // ZMTP heartbeats find a path that stopped passing bytes without closing (a dead peer, a lost NAT entry).
    const c = this.options.curve;
    const curve = c ? { curveServerKey: c.serverKey, curvePublicKey: c.publicKey, curveSecretKey: c.secretKey } : {};
    const sock = new zmq.Dealer({
      ...curve,
      linger: 0,
      immediate: true,
      sendHighWaterMark: 16,
      reconnectInterval: 200,
      reconnectMaxInterval: 2000,
      heartbeatInterval: HEARTBEAT_MS,
      heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    });
    // Watched before it connects: libzmq's events before the monitor is set up are not reported.
    const events = sock.events;
    sock.connect(this.address);
    this.sock = sock;
    this.spool.rewind();
    this.inFlight = [];
    this.inFlightEvents = 0;
    this.sentUpTo = this.spool.state.acked;
    this.resuming = true;
    this.lastProgress = Date.now();
    void this.receive(sock);
    let handshook = false;
    // No completed handshake in a while, whatever libzmq reported: the forwarder asks the upstream again.
    this.retryTimer ??= setTimeout(() => {
      if (!handshook) this.lost(`no handshake with the upstream's link within ${HANDSHAKE_RETRY_MS / 1000} s`);
    }, HANDSHAKE_RETRY_MS);
    void (async () => {
      for await (const ev of events) {
        if (ev.type === 'handshake') {
          handshook = true;
          if (this.sock === sock) this.onConnected();
          if (this.retryTimer !== null) clearTimeout(this.retryTimer);
          this.retryTimer = null;
        }
        // A connection that never completed its handshake (refused, or cut during it) carried nothing
        // (ZMQ_IMMEDIATE queues only for completed ones): libzmq tries again, or a handshake error says why.
        if (ev.type === 'disconnect' && !handshook) {
          // Whatever libzmq reports of it or not, the forwarder asks the upstream again in a while.
          this.retryTimer ??= setTimeout(() => this.lost('the upstream closed the connection during the handshake'), HANDSHAKE_RETRY_MS);
          continue;
        }
        if (ev.type === 'disconnect' && this.sock === sock && this.running) {
          // What was in libzmq's queue for the old connection may be gone: everything again, in order.
          this.lost('the connection was lost');
          return;
        }
        if (ev.type.startsWith('handshake:error') && this.sock === sock) this.handshakeFailed(ev);
      }
    })().catch(() => undefined);
    // A sender loop of the old socket waiting for work ends now.
    this.poke();
    const previous = this.sending;
    this.sending = (async () => {
      await previous;
      await this.send(sock);
    })();
  }

  private async send(sock: zmq.Dealer): Promise<void> {
    while (this.running && this.sock === sock) {
      if (this.holding || this.inFlightEvents >= this.options.window) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      const batch = this.nextBatch();
      if (batch === null) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      try {
        await sock.send(batch.frames);
      } catch {
        return; // closed: a new socket sends from the acknowledged position
      }
      if (this.sock !== sock) return;
      this.inFlight.push(batch.flight);
      this.inFlightEvents += batch.flight.count;
      this.counts.batches++;
      this.counts.events += batch.flight.count;
    }
  }

  /** Up to BATCH_EVENTS events (BATCH_BYTES) of the spool as one BATCH message, or null when none waits. */
  private nextBatch(): { frames: Buffer[]; flight: InFlight } | null {
    const parts: Buffer[] = [];
    const types = new Map<TypeEntry | null, number>();
    let bytes = 0;
    let last = 0;
    while (parts.length < BATCH_EVENTS && bytes < BATCH_BYTES) {
      const scanner = this.spool.next();
      if (scanner === null) break;
      const r = scanner.record;
      parts.push(scanner.buf.subarray(r.start, r.end));
      bytes += r.end - r.start;
      last = r.seq;
      const typeAt = r.metaStart + META_TYPE_OFFSET;
      const found = r.metaEnd > typeAt ? this.stats.typeFor(scanner.buf, typeAt + 1, typeAt + 1 + scanner.buf[typeAt]) : null;
      const type = typeof found === 'string' ? null : found;
      types.set(type, (types.get(type) ?? 0) + 1);
    }
    if (parts.length === 0) return null;
    const raw = Buffer.concat(parts, bytes);
    const started = performance.now();
    const payload = compressBatch(this.codec.codec, raw);
    this.counts.compress_ms += performance.now() - started;
    this.counts.raw_bytes += raw.length;
    this.counts.wire_bytes += payload.length;
    const first = this.sentUpTo + 1;
    this.sentUpTo = last;
    const resuming = this.resuming;
    this.resuming = false;
    const header = encodeLinkHeader({
      kind: resuming ? KIND_RESUME : KIND_BATCH,
      compression: this.compression,
      link: this.spool.link,
      first,
      last,
      count: parts.length,
      rawBytes: raw.length,
    });
    return { frames: [header, payload], flight: { last, count: parts.length, types } };
  }

  private async receive(sock: zmq.Dealer): Promise<void> {
    try {
      for await (const [frame] of sock) {
        const ack = decodeLinkHeader(frame);
        if (typeof ack === 'string' || ack.kind !== KIND_ACK || ack.link !== this.spool.link) continue;
        this.acked(ack.first);
      }
    } catch {
      // Closed.
    }
  }

  /** The upstream has every event up to `seq`. */
  private acked(seq: number): void {
    this.counts.acks++;
    this.lastProgress = Date.now();
    while (this.inFlight.length > 0 && this.inFlight[0].last <= seq) {
      const done = this.inFlight.shift()!;
      this.inFlightEvents -= done.count;
      for (const [type, n] of done.types) this.onForwarded(type, n);
    }
    this.queue.ackUpTo(Math.min(seq, this.sentUpTo));
    this.settled?.();
    this.poke();
  }

  /** Counted and shown; the spool keeps the events, and the forwarder probes the upstream again in a while. */
  private handshakeFailed(ev: { type: string; error?: Error }): void {
    this.handshakeFailures++;
    const why =
      ev.type === 'handshake:error:auth'
        ? 'the upstream refused this oxd (its public key is not among the upstream\'s link_clients)'
        : `the handshake failed (${ev.type.slice('handshake:error:'.length)}${ev.error ? `: ${ev.error.message}` : ''}): link_server_key may not be the upstream's key`;
    this.lastHandshakeError = why;
    this.onHandshakeFailed(`${why}; events wait in the spool, trying again in ${HANDSHAKE_RETRY_MS / 1000} s`);
    this.retryTimer ??= setTimeout(() => this.lost(why), HANDSHAKE_RETRY_MS);
  }

  private checkTimeout(): void {
    if (!this.running || this.inFlight.length === 0) return;
    if (Date.now() - this.lastProgress < this.options.ackTimeoutMs) return;
    this.lost(`no acknowledgement for ${this.options.ackTimeoutMs} ms`);
  }

  private lost(why: string): void {
    if (!this.running) return;
    this.running = false;
    this.settled?.();
    clearInterval(this.timer);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.onLost(why);
  }
}
