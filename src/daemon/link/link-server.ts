/**
 * The upstream end of the link (doc/link.md): a ZeroMQ ROUTER socket that
 * takes batches of spooled events from forwarding oxds, routes each event
 * as the collect port would, drops what a link already delivered, and
 * acknowledges once the events are written (files flushed, own spool
 * committed). Its port is announced through the collect port's handshake.
 * With link_key and link_clients it requires CURVE, and admits the listed
 * forwarding oxds only (zap-handler.ts).
 */
import * as zmq from 'zeromq';
import type { Packable } from '../../protocol/compat-pack';
import { Endpoint, formatEndpoint, zmqEndpoint } from '../../protocol/endpoint';
import { decodeLinkHeader, encodeLinkHeader, KIND_ACK, KIND_RESUME, LinkHeader } from '../../protocol/link/link-header';
import { readRecord, SpoolRecord } from '../../protocol/spool/spool-record';
import type { RateLimitedLog } from '../rate-limit';
import type { Router } from '../router';
import { decompressBatch } from './link-codec';
import type { LinkCurveServer } from './link-curve';
import { LinkMemory } from './link-memory';
import { LINK_ZAP_DOMAIN, ZapHandler } from './zap-handler';

interface PendingAck {
  peer: Buffer;
  link: string;
}

export class LinkServer {
  private sock: zmq.Router | null = null;
  private bound: Endpoint | null = null;
  private readonly counts = { batches: 0, events: 0, duplicates: 0, possible_duplicates: 0, bad_batches: 0, out_of_order: 0, taken_elsewhere: 0, acks: 0 };
  /** Batches routed since the last acknowledgement round began, by peer and link. */
  private pending = new Map<string, PendingAck>();
  private acking: Promise<void> | null = null;
  private stopping = false;
  private receiving: Promise<void> | null = null;
  private readonly record: SpoolRecord = { seq: 0, spooledAt: 0, start: 0, metaStart: 0, metaEnd: 0, end: 0 };
  private readonly zap: ZapHandler | null;

  constructor(
    private readonly listenOn: Endpoint,
    private readonly router: Router,
    /** Makes every event routed so far durable: the sinks' flush. */
    private readonly flushSinks: () => Promise<void>,
    private readonly memory: LinkMemory,
    private readonly warn: RateLimitedLog,
    private readonly curve: LinkCurveServer | null = null,
  ) {
    this.zap = curve ? new ZapHandler(curve.clients, curve.clientsDir, warn) : null;
  }

  /** The public key (Z85) forwarding oxds must use, or null when the link is in clear. */
  get curvePublicKey(): string | null {
    return this.curve?.publicKey ?? null;
  }

  /** link_clients read again: later connections are judged by these keys. */
  allowClients(clients: Map<string, string>): void {
    this.zap?.allow(clients);
  }

  get endpoint(): Endpoint | null {
    return this.bound;
  }

  async start(): Promise<Endpoint> {
    // The handler first: a CURVE socket without one would admit every client.
    await this.zap?.start();
    const curve = this.curve ? { curveServer: true, curveSecretKey: this.curve.secretKey, zapDomain: LINK_ZAP_DOMAIN } : {};
    const sock = new zmq.Router({ linger: 0, receiveHighWaterMark: 64, ...curve });
    try {
      await sock.bind(zmqEndpoint(this.listenOn));
    } catch (err) {
      sock.close();
      await this.zap?.stop();
      throw err;
    }
    const m = /:(\d+)$/.exec(sock.lastEndpoint ?? '');
    this.bound = { host: this.listenOn.host, port: m ? Number(m[1]) : this.listenOn.port };
    this.sock = sock;
    this.receiving = this.receive(sock);
    return this.bound;
  }

  private async receive(sock: zmq.Router): Promise<void> {
    try {
      for await (const frames of sock) {
        this.message(frames);
        // A sink behind: stop taking batches; the senders' windows fill and they wait.
        if (this.router.congested) await new Promise<void>((resume) => this.router.whenDrained(resume));
      }
    } catch (err) {
      if (this.sock !== null) this.warn.log('error', 'link-receive', `link socket: ${(err as Error).message}`);
    }
  }

  private message(frames: Buffer[]): void {
    // Stopping: not taken, not acknowledged; the sender sends it to this oxd's successor.
    if (this.stopping) return;
    const [peer, headerFrame, payload] = frames;
    const header = frames.length === 3 ? decodeLinkHeader(headerFrame) : `a link message is two frames, not ${frames.length - 1}`;
    if (typeof header === 'string' || header.kind === KIND_ACK) {
      return this.bad(typeof header === 'string' ? header : 'an ACK sent to the upstream');
    }
    let raw: Buffer;
    try {
      raw = decompressBatch(header.compression, payload, header.rawBytes);
    } catch (err) {
      return this.bad(`a payload that does not decompress: ${(err as Error).message}`);
    }
    if (raw.length !== header.rawBytes) return this.bad(`a payload of ${raw.length} bytes where the header says ${header.rawBytes}`);
    const problem = this.checkRecords(raw, header);
    if (problem !== null) return this.bad(problem);
    // Batches cover back-to-back ranges: one that starts beyond what this link delivered follows a batch
    // that was lost. Not acknowledged, so the sender times out and sends again from its acknowledged position.
    // But the first batch of a connection (RESUME) starts after what some upstream acknowledged: the
    // events between went to another upstream while this one was away.
    const beyond = this.memory.knows(header.link) ? header.first - this.memory.highest(header.link) - 1 : 0;
    if (beyond > 0 && header.kind !== KIND_RESUME) {
      this.counts.out_of_order++;
      return;
    }
    if (beyond > 0) this.counts.taken_elsewhere += beyond;
    this.counts.batches++;
    const label = `link ${header.link.slice(0, 8)}`;
    const now = Date.now();
    const r = this.record;
    let highest = this.memory.highest(header.link);
    if (header.last > highest) this.memory.routing(header.link, header.last);
    for (let at = 0; at < raw.length; at = r.end) {
      readRecord(raw, at, raw.length, r);
      if (r.seq <= highest) {
        this.counts.duplicates++;
        continue;
      }
      highest = r.seq;
      this.counts.events++;
      if (this.memory.maybeWritten(header.link, r.seq)) this.counts.possible_duplicates++;
      this.router.route(raw, r.metaStart, r.metaEnd, raw, r.metaEnd, r.end, now, label);
    }
    this.memory.took(header.link, highest);
    this.pending.set(`${peer.toString('hex')}/${header.link}`, { peer, link: header.link });
    this.acking ??= this.ackRounds();
  }

  /** Every record whole, checksummed, numbered inside the header's range and rising: else why not. */
  private checkRecords(raw: Buffer, h: LinkHeader): string | null {
    const r = this.record;
    let count = 0;
    let previous = 0;
    for (let at = 0; at < raw.length; at = r.end) {
      if (readRecord(raw, at, raw.length, r) < 0) return `record ${count + 1} of the batch is damaged`;
      if (r.seq < h.first || r.seq > h.last || r.seq <= previous) return `record ${count + 1} has sequence number ${r.seq}, outside ${h.first}..${h.last} or not rising`;
      previous = r.seq;
      count++;
    }
    return count === h.count ? null : `${count} records where the header says ${h.count}`;
  }

  /** Acknowledges, round after round while batches come, what each round's flush made durable. */
  private async ackRounds(): Promise<void> {
    while (this.pending.size > 0 && this.sock !== null) {
      const round = this.pending;
      this.pending = new Map();
      // What is routed now is what this flush writes: batches routed during it wait for the next round.
      const routed = this.memory.snapshot();
      await this.flushSinks();
      await this.memory.commit(routed);
      for (const { peer, link } of round.values()) {
        const ack = encodeLinkHeader({ kind: KIND_ACK, compression: 0, link, first: this.memory.written(link), last: 0, count: 0, rawBytes: 0 });
        try {
          await this.sock?.send([peer, ack]);
          this.counts.acks++;
        } catch {
          // The peer is gone (or oxd stops): its next connection sends again what is unacknowledged.
        }
      }
    }
    this.acking = null;
  }

  private bad(why: string): void {
    this.counts.bad_batches++;
    this.warn.log('warning', 'link-bad-batch', `link: dropped a message: ${why}; the sender sends it again after its acknowledgement timeout`);
  }

  status(): { [key: string]: Packable } {
    return { endpoint: this.bound ? formatEndpoint(this.bound) : null, ...this.counts, links: this.memory.size, curve: this.zap?.status() ?? null };
  }

  /** Acknowledges what was routed (after the sinks' last flush, by the caller), then closes. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.acking;
    const sock = this.sock;
    this.sock = null;
    sock?.close();
    await this.receiving;
    await this.zap?.stop();
  }
}
