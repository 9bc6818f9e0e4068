/**
 * Sends events to oxd's collect port as a ZeroMQ PUSH socket would, speaking
 * ZMTP itself over `net` (the project's codec, src/protocol/zmtp): no native
 * addon to install, and the events of one turn of the event loop leave in a
 * single socket write instead of a libzmq call each.
 *
 * It never blocks and never grows without bound: events wait in a bounded
 * queue while oxd is away or slow, the ones that do not fit are dropped and
 * counted, and the connection is retried with backoff. The socket does not
 * keep the process alive; what is queued when the application ends is
 * written within the linger time.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { Endpoint, formatEndpoint } from '../protocol/endpoint';
import { pingContext } from '../protocol/zmtp/command';
import { ZmtpDecoder } from '../protocol/zmtp/decoder';
import { encodePong } from '../protocol/zmtp/frame';
import { pipelinedGreeting, ZmtpHandshake } from '../protocol/zmtp/handshake';
import type { Context } from './context';
import type { EventEncoder } from './event-encoder';
import { SendQueue } from './send-queue';
import { warn } from './warn';

export interface TransportOptions {
  queueLimit: number;
  lingerMs: number;
}

/** Counters readable through `stats()`. */
export interface TransportStats {
  /** Events handed to the connection to oxd. */
  sent: number;
  /** Events waiting in the queue. */
  queued: number;
  /** Events dropped because the queue was full. */
  dropped: number;
  /** Events refused: type or host name too long for the meta frame, or a type oxd would refuse. */
  refused: number;
  /** Events sent with their body dropped because it could not be encoded. */
  bodyErrors: number;
  connected: boolean;
  /** Completed connections (handshakes) so far. */
  connects: number;
  lastError: string | null;
}

/** Above this many unsent bytes in the socket, wait for 'drain' before writing more. */
const SOCKET_HIGH_WATER = 1024 * 1024;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Run by `flushSync` in a child process: writes its stdin (greeting, READY, frames) to host:port. */
const DELIVER_SCRIPT = `
const net = require('net');
const parts = [];
process.stdin.on('data', (d) => parts.push(d)).on('end', () => {
  const s = net.connect(Number(process.argv[2]), process.argv[1], () => s.end(Buffer.concat(parts)));
  s.on('data', () => {});
  s.on('error', () => process.exit(1));
  s.on('close', () => process.exit(0));
});`;

export class Transport {
  private socket: net.Socket | null = null;
  private ready = false;
  private readonly queue: SendQueue;
  private flushScheduled = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private backoff = RECONNECT_MIN_MS;
  private closed = false;
  private readonly counters = { sent: 0, dropped: 0, refused: 0, connects: 0 };
  private lastError: string | null = null;

  constructor(
    readonly endpoint: Endpoint,
    private readonly encoder: EventEncoder,
    private readonly options: TransportOptions,
  ) {
    this.queue = new SendQueue(options.queueLimit);
    this.connect();
  }

  /** Frames a closed context and queues it; never throws, never blocks. */
  send(ctx: Context): void {
    if (this.closed) return;
    const hostProblem = this.encoder.hostProblem;
    const typeField = hostProblem ?? this.encoder.typeField(ctx.name);
    if (typeof typeField === 'string') {
      this.counters.refused++;
      warn('refused', `event not sent: ${typeField}`);
      return;
    }
    const body = this.encoder.body(ctx);
    if (!this.queue.push(this.encoder, ctx.end, typeField, body)) {
      this.counters.dropped++;
      warn('queue-full', `${this.queue.limit} events are waiting for oxd at ${formatEndpoint(this.endpoint)}: dropping events`);
      return;
    }
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || !this.ready) return;
    this.flushScheduled = true;
    // Everything queued during this turn of the event loop goes out in one write.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const socket = this.socket;
    if (!this.ready || socket === null || this.queue.length === 0) return;
    if (socket.writableLength > SOCKET_HIGH_WATER) return; // 'drain' calls again
    const events = this.queue.length;
    const chunks = this.queue.take();
    socket.cork();
    for (const chunk of chunks) socket.write(chunk);
    socket.uncork();
    this.counters.sent += events;
  }

  private connect(): void {
    this.reconnectTimer = null;
    if (this.closed) return;
    const socket = net.connect({ host: this.endpoint.host, port: this.endpoint.port });
    socket.unref();
    socket.setNoDelay(true);
    this.socket = socket;
    this.ready = false;
    const handshake = new ZmtpHandshake('PUSH', (bytes) => socket.write(bytes));
    let decoder: ZmtpDecoder | null = null;
    const timer = setTimeout(() => {
      if (!this.ready) socket.destroy(new Error('no ZMTP handshake from the peer: is this a BlueOx collect port?'));
    }, HANDSHAKE_TIMEOUT_MS).unref();

    socket.on('connect', () => handshake.begin());
    socket.on('data', (chunk: Buffer) => {
      try {
        if (decoder !== null) return decoder.push(chunk);
        const done = handshake.push(chunk);
        if (done === null) return;
        clearTimeout(timer);
        decoder = new ZmtpDecoder(
          {
            frame: () => undefined, // a PULL socket sends no messages
            skipped: () => undefined,
            command: (name, data) => {
              if (name === 'PING') socket.write(encodePong(pingContext(data)));
            },
          },
          64 * 1024,
          done.major === 3,
        );
        this.ready = true;
        this.backoff = RECONNECT_MIN_MS;
        this.counters.connects++;
        if (done.leftover.length) decoder.push(done.leftover);
        this.flush();
      } catch (err) {
        socket.destroy(err as Error);
      }
    });
    socket.on('drain', () => this.flush());
    // oxd half-closes when it stops: from here on nothing more is written on this connection
    // (Node sends what was already written, then closes its side); the queue waits for the next one.
    socket.on('end', () => {
      if (this.socket === socket) this.ready = false;
    });
    socket.on('error', (err) => {
      this.lastError = err.message;
      warn('connection', `oxd at ${formatEndpoint(this.endpoint)}: ${err.message}; ${this.queue.length} events waiting`);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (this.socket === socket) {
        this.socket = null;
        this.ready = false;
      }
      if (!this.closed) this.scheduleReconnect();
    });
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer !== null) return;
    this.reconnectTimer = setTimeout(() => this.connect(), this.backoff);
    this.reconnectTimer.unref();
    this.backoff = Math.min(this.backoff * 2, RECONNECT_MAX_MS);
  }

  /** True while events are queued or not yet handed to the kernel. */
  get pending(): boolean {
    return this.queue.length > 0 || (this.socket?.writableLength ?? 0) > 0;
  }

  /**
   * Resolves once everything queued has been written, or after `lingerMs`;
   * keeps the process alive meanwhile.
   */
  drain(lingerMs = this.options.lingerMs): Promise<boolean> {
    const deadline = Date.now() + lingerMs;
    return new Promise((resolve) => {
      const check = (): void => {
        this.flush();
        if (!this.pending) resolve(true);
        else if (Date.now() >= deadline) resolve(false);
        else setTimeout(check, 5);
      };
      check();
    });
  }

  /**
   * At process.exit() nothing asynchronous runs any more. When the
   * connection is up, what is queued is written straight to its descriptor;
   * otherwise (not connected yet, or bytes still buffered ahead of ours) a
   * short-lived child process delivers it over a connection of its own.
   * Either way for at most the linger time, as the original's ZeroMQ linger.
   */
  flushSync(): void {
    if (this.queue.length === 0 || this.closed) return;
    const events = this.queue.length;
    const chunks = this.queue.take();
    const fd = (this.socket as unknown as { _handle?: { fd?: number } } | null)?._handle?.fd;
    const deadline = Date.now() + this.options.lingerMs;
    if (this.ready && typeof fd === 'number' && fd >= 0 && this.socket?.writableLength === 0) {
      for (let chunk of chunks) {
        while (chunk.length > 0) {
          try {
            chunk = chunk.subarray(fs.writeSync(fd, chunk));
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || Date.now() > deadline) return;
          }
        }
      }
      this.counters.sent += events;
      return;
    }
    const result = spawnSync(process.execPath, ['-e', DELIVER_SCRIPT, this.endpoint.host, String(this.endpoint.port)], {
      input: Buffer.concat([pipelinedGreeting('PUSH'), ...chunks]),
      timeout: this.options.lingerMs,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    if (result.status === 0) this.counters.sent += events;
    else this.counters.dropped += events;
  }

  /** Stops sending: writes what is queued (within the linger time), then closes. */
  async close(lingerMs = this.options.lingerMs): Promise<void> {
    if (this.closed) return;
    await this.drain(lingerMs);
    this.closed = true;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    if (socket !== null) {
      // Someone awaits this: keep the process alive until the socket is closed (or the linger ends).
      socket.ref();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => socket.destroy(), Math.max(lingerMs, 10));
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.end();
      });
    }
    const lost = this.queue.length;
    if (lost > 0) {
      this.counters.dropped += lost;
      this.queue.take();
      warn('shutdown', `${lost} events could not be delivered to oxd at ${formatEndpoint(this.endpoint)} before shutdown`);
    }
  }

  stats(): TransportStats {
    return {
      sent: this.counters.sent,
      queued: this.queue.length,
      dropped: this.counters.dropped,
      refused: this.counters.refused,
      bodyErrors: this.encoder.bodyErrors,
      connected: this.ready,
      connects: this.counters.connects,
      lastError: this.lastError,
    };
  }
}
