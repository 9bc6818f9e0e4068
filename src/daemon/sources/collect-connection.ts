/**
 * One sender's TCP connection to the collect port, spoken to as a ZeroMQ
 * PULL socket: ZMTP handshake, then frames assembled into two-frame events
 * and handed to the router.
 */
import type * as net from 'node:net';
import { ZmtpProtocolError, pingContext } from '../../protocol/zmtp/command';
import { ZmtpDecoder, FrameHandler } from '../../protocol/zmtp/decoder';
import { encodePong } from '../../protocol/zmtp/frame';
import { ZmtpHandshake } from '../../protocol/zmtp/handshake';
import type { Router } from '../router';
import type { ConnectionHandover } from './collect-handover';
import { ReadTurns } from './read-turns';

const EMPTY: Buffer = Buffer.alloc(0);
/** How much one connection may read before it lets the event loop serve others. */
const TURN_BYTES = 256 * 1024;
/** Bytes of PONGs a peer may leave unread before we stop answering its PINGs. */
const MAX_UNREAD_PONGS = 64 * 1024;

export interface ConnectionCounters {
  protocolErrors: number;
  handshakeTimeouts: number;
  pings: number;
  pongsSkipped: number;
  /** Times a connection stopped reading because a sink was behind. */
  backpressurePauses: number;
}

export interface ConnectionOptions {
  maxEventSize: number;
  handshakeTimeoutMs: number;
  counters: ConnectionCounters;
  /** Properties our READY adds (the link port, announced to forwarding oxds). */
  ready: Record<string, string>;
  onProtocolError(peer: string, reason: string): void;
  /** A connection the previous oxd handed over (through systemd's fd store): no handshake, go on where it was. */
  resume?: ConnectionHandover;
}

export class CollectConnection implements FrameHandler {
  readonly peer: string;
  private handshake: ZmtpHandshake | null;
  private decoder: ZmtpDecoder | null = null;
  private handshakeTimer: NodeJS.Timeout | null;
  private arrival = 0;
  private readonly turns: ReadTurns;
  private frameIndex = 0;
  private oversized = false;
  private metaBuf = EMPTY;
  private metaStart = 0;
  private metaEnd = 0;
  private bodyBuf = EMPTY;
  private bodyStart = 0;
  private bodyEnd = 0;
  private commands = true;

  constructor(
    readonly socket: net.Socket,
    private readonly router: Router,
    private readonly options: ConnectionOptions,
  ) {
    this.peer = `${socket.remoteAddress}:${socket.remotePort}`;
    this.turns = new ReadTurns(socket, router, () => this.options.counters.backpressurePauses++, TURN_BYTES);
    const resume = options.resume;
    if (resume !== undefined) {
      this.handshake = null;
      this.handshakeTimer = null;
      this.goOnFrom(resume);
    } else {
      this.handshake = new ZmtpHandshake('PULL', (bytes) => socket.write(bytes), false, options.ready);
      this.handshakeTimer = setTimeout(() => this.handshakeExpired(), options.handshakeTimeoutMs);
    }
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.once('close', () => this.clearTimer());
    this.handshake?.begin();
  }

  /**
   * Stops reading for a handover to the next oxd: what Node already read is
   * handled first, and the rest stays in the kernel for the next one. Then
   * where this connection is in the stream; null while still in its
   * handshake (such a peer has sent no event, and is simply closed).
   */
  freeze(): ConnectionHandover | null {
    if (this.decoder === null) return null;
    this.turns.stop();
    // Bytes Node read but has not emitted yet go through onData now.
    while (this.socket.read() !== null);
    this.socket.removeAllListeners('data');
    const partial = this.decoder.partial;
    return {
      peer: this.peer,
      commands: this.commands,
      frameIndex: this.frameIndex,
      oversized: this.oversized,
      meta: this.frameIndex >= 1 ? Buffer.from(this.metaBuf.subarray(this.metaStart, this.metaEnd)) : null,
      body: this.frameIndex >= 2 ? Buffer.from(this.bodyBuf.subarray(this.bodyStart, this.bodyEnd)) : null,
      pending: partial.raw,
      skip: partial.skip,
    };
  }

  /** Reads again after `freeze` (the handover could not be made). */
  thaw(): void {
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.turns.restart();
  }

  private goOnFrom(h: ConnectionHandover): void {
    this.commands = h.commands;
    this.decoder = new ZmtpDecoder(this, this.options.maxEventSize, h.commands);
    this.frameIndex = h.frameIndex;
    this.oversized = h.oversized;
    if (h.meta !== null) [this.metaBuf, this.metaStart, this.metaEnd] = [h.meta, 0, h.meta.length];
    if (h.body !== null) [this.bodyBuf, this.bodyStart, this.bodyEnd] = [h.body, 0, h.body.length];
    this.decoder.resume({ raw: h.pending, skip: h.skip });
  }

  get handshakeDone(): boolean {
    return this.decoder !== null;
  }

  private onData(chunk: Buffer): void {
    this.arrival = Date.now();
    try {
      if (this.decoder !== null) this.decoder.push(chunk);
      else this.continueHandshake(chunk);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.turns.read(chunk.length);
  }

  /**
   * Shutdown: half-close (FIN) and keep reading, even if a sink wanted a
   * pause, until the peer closes. A peer still in its handshake has sent no
   * event yet and is simply closed.
   */
  sayGoodbye(): void {
    if (this.decoder === null) {
      this.socket.destroy();
      return;
    }
    this.socket.end();
    this.turns.ignoreSinks();
  }

  private continueHandshake(chunk: Buffer): void {
    const done = this.handshake!.push(chunk);
    if (done === null) return;
    this.clearTimer();
    this.handshake = null;
    this.commands = done.major === 3;
    this.decoder = new ZmtpDecoder(this, this.options.maxEventSize, this.commands);
    if (done.leftover.length > 0) this.decoder.push(done.leftover);
  }

  private fail(err: unknown): void {
    this.clearTimer();
    const reason = err instanceof ZmtpProtocolError ? err.reason : String(err);
    this.options.counters.protocolErrors++;
    this.options.onProtocolError(this.peer, reason);
    const goodbye = this.handshake?.errorFrame(reason);
    this.socket.removeAllListeners('data');
    this.socket.on('data', () => undefined);
    if (goodbye) {
      // Let the peer read why, but do not wait on it for long.
      this.socket.end(goodbye);
      setTimeout(() => this.socket.destroy(), 1000).unref();
    } else {
      this.socket.destroy();
    }
  }

  private handshakeExpired(): void {
    this.handshakeTimer = null;
    if (this.decoder !== null) return;
    this.options.counters.handshakeTimeouts++;
    this.options.onProtocolError(this.peer, `no ZMTP handshake within ${this.options.handshakeTimeoutMs} ms`);
    this.socket.destroy();
  }

  private clearTimer(): void {
    if (this.handshakeTimer !== null) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
  }

  frame(buf: Buffer, start: number, end: number, more: boolean): void {
    const index = this.frameIndex++;
    if (index === 0) {
      this.metaBuf = buf;
      this.metaStart = start;
      this.metaEnd = end;
    } else if (index === 1) {
      this.bodyBuf = buf;
      this.bodyStart = start;
      this.bodyEnd = end;
    }
    if (!more) this.endMessage();
  }

  skipped(_size: number, more: boolean): void {
    this.frameIndex++;
    this.oversized = true;
    if (!more) this.endMessage();
  }

  command(name: string, data: Buffer): void {
    if (name === 'PING') {
      const context = pingContext(data);
      this.options.counters.pings++;
      // A peer that sends PINGs but never reads would have its PONGs pile up in our memory.
      if (this.socket.writableLength < MAX_UNREAD_PONGS) this.socket.write(encodePong(context));
      else this.options.counters.pongsSkipped++;
    } else if (name === 'ERROR') {
      throw new ZmtpProtocolError('peer sent ERROR');
    }
    // Other commands (SUBSCRIBE, CANCEL, PONG) mean nothing to a PULL socket.
  }

  private endMessage(): void {
    if (this.oversized) this.router.invalid('oversized', this.peer);
    else if (this.frameIndex !== 2) this.router.invalid('frame-count', this.peer);
    else {
      this.router.route(
        this.metaBuf,
        this.metaStart,
        this.metaEnd,
        this.bodyBuf,
        this.bodyStart,
        this.bodyEnd,
        this.arrival,
        this.peer,
      );
    }
    this.frameIndex = 0;
    this.oversized = false;
    this.metaBuf = this.bodyBuf = EMPTY;
  }
}
