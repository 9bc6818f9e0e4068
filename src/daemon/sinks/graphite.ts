/**
 * The Graphite sink: each interval's metric lines, in carbon's plaintext
 * protocol (`name value timestamp\n`), over one persistent TCP connection to
 * carbon's line receiver.
 *
 * Lines wait in a bounded queue while carbon is away (past the bound the
 * oldest go first, counted); the connection comes back by itself with
 * exponential backoff and jitter. Writes are large chunks of whole lines, a
 * few per turn of the event loop; the first write the socket has to buffer
 * stops them until 'drain', so a slow carbon holds lines here, under the
 * bound, rather than in Node's socket buffer without one.
 *
 * A line is never split across connections. Carbon's line receiver (Twisted's
 * LineOnlyReceiver) keeps the unterminated tail of a connection in a buffer of
 * that connection and drops it when the connection ends, so a half-written
 * line in a dead connection is simply lost there, never glued to the next
 * bytes. Every chunk whose write was not confirmed when the connection died
 * goes back to the front of the queue whole and is sent again on the next
 * connection: the lines of it that did reach carbon arrive twice, which is
 * harmless, since whisper keeps one value per timestamp slot and the second
 * write stores the same value in the same slot (at-least-once, no corruption;
 * only a carbon-aggregator that sums points would count such a line twice).
 * Lines confirmed by the kernel (the write callback) count as sent: what the
 * kernel still held when carbon died is lost without a trace, as with any
 * plaintext carbon client.
 */
import * as net from 'node:net';
import type { Packable } from '../../protocol/compat-pack';
import { Endpoint, formatEndpoint } from '../../protocol/endpoint';
import type { Logger } from '../log';
import type { RateLimitedLog } from '../rate-limit';
import { LineQueue } from './line-queue';

export interface GraphiteOptions {
  endpoint: Endpoint;
  /**
   * Lines held while carbon is away or slow; past it the oldest are dropped. It bounds every
   * interval too, so it should hold several intervals' worth of lines: an interval with more
   * lines than this loses its oldest even while carbon keeps up.
   */
  maxQueuedLines: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
}

/** Bytes per write: large enough that a 100,000-key interval is a few dozen writes. */
const CHUNK_BYTES = 64 * 1024;
/** Writes per turn of the event loop: about 2 ms of work here. */
const CHUNKS_PER_TURN = 4;
/**
 * Carbon drops the connection on a line longer than this (LineOnlyReceiver.MAX_LENGTH):
 * sent again after each reconnect, such a line would cut every connection, so it is dropped here.
 */
export const CARBON_MAX_LINE_BYTES = 16_384;
/** A connection attempt that neither succeeds nor fails in this time is abandoned and retried. */
const CONNECT_TIMEOUT_MS = 10_000;
/** What close() gives carbon to take the queued lines. */
const CLOSE_WAIT_MS = 2_000;

interface Chunk {
  lines: string[];
  /** Sequence number of its first line (lines are numbered in the order they were queued). */
  first: number;
}

interface FlushWaiter {
  /** Resolved once every line numbered below this is sent or dropped. */
  until: number;
  resolve: () => void;
}

export class GraphiteSink {
  readonly name = 'graphite';
  private readonly queue = new LineQueue();
  /** Chunks handed to the socket whose write callback has not come yet, oldest first. */
  private inFlight: Chunk[] = [];
  private socket: net.Socket | null = null;
  private connected = false;
  private lostSinceConnect = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  private waitingForDrain = false;
  private pumpLater: NodeJS.Immediate | null = null;
  private waiters: FlushWaiter[] = [];
  private readonly backoffMinMs: number;
  private readonly backoffMaxMs: number;

  private linesSent = 0;
  private linesDropped = 0;
  private reconnects = 0;
  private lastError: string | null = null;
  private flushStart = 0;
  private flushLines = 0;
  private lastFlush = 0;
  private lastFlushMs = 0;
  private lastFlushLines = 0;

  constructor(
    private readonly options: GraphiteOptions,
    private readonly log: Logger,
    private readonly warn: RateLimitedLog,
  ) {
    this.backoffMinMs = options.backoffMinMs ?? 500;
    this.backoffMaxMs = Math.max(this.backoffMinMs, options.backoffMaxMs ?? 30_000);
  }

  private get target(): string {
    return formatEndpoint(this.options.endpoint);
  }

  /** Connects in the background; carbon being down only shows in status() and the log. */
  start(): void {
    if (this.socket === null && this.timer === null && !this.closing) this.connect();
  }

  /** Queues one interval's lines (without newlines), in order. */
  send(lines: string[]): void {
    if (this.closing) {
      this.drop(lines.length, 'oxd is shutting down');
      return;
    }
    let tooLong = 0;
    for (const line of lines) {
      // Checking the UTF-16 length first keeps the byte count off the path of ordinary lines.
      if (line.length * 3 > CARBON_MAX_LINE_BYTES && Buffer.byteLength(line) > CARBON_MAX_LINE_BYTES) tooLong++;
      else this.queue.push(line);
    }
    if (tooLong > 0) this.drop(tooLong, `lines longer than carbon's limit of ${CARBON_MAX_LINE_BYTES} bytes`);
    this.enforceBound();
    this.pump();
  }

  private enforceBound(): void {
    const excess = this.queue.length - this.options.maxQueuedLines;
    if (excess <= 0) return;
    this.queue.dropOldest(excess);
    const state = this.connected ? 'slow' : 'away';
    this.drop(excess, `queue full (${this.options.maxQueuedLines} lines) while carbon at ${this.target} is ${state}; oldest lines dropped`);
  }

  private drop(n: number, why: string): void {
    this.linesDropped += n;
    this.warn.log('warning', 'graphite-drop', `graphite: dropped ${n} lines: ${why}`);
    this.settleWaiters();
  }

  /** Resolves once every line queued so far is with the kernel, or at once while carbon is down. */
  flush(): Promise<void> {
    if (!this.connected || this.oldestUnsent() >= this.queue.pushed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ until: this.queue.pushed, resolve }));
  }

  /** Sequence number of the oldest line not yet confirmed sent (queue.pushed when none). */
  private oldestUnsent(): number {
    return this.inFlight.length > 0 ? this.inFlight[0].first : this.queue.firstSeq;
  }

  private settleWaiters(all = false): void {
    if (this.waiters.length === 0) return;
    const oldest = this.oldestUnsent();
    const still: FlushWaiter[] = [];
    for (const w of this.waiters) {
      if (all || w.until <= oldest) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private connect(): void {
    this.timer = null;
    const sock = net.connect({ host: this.options.endpoint.host, port: this.options.endpoint.port });
    this.socket = sock;
    sock.setNoDelay(true);
    sock.setTimeout(CONNECT_TIMEOUT_MS, () => {
      if (!this.connected) sock.destroy(new Error(`no answer from ${this.target} within ${CONNECT_TIMEOUT_MS} ms`));
    });
    sock.once('connect', () => {
      sock.setTimeout(0);
      // Notices a carbon host that vanished without closing while oxd has nothing to send.
      sock.setKeepAlive(true, 30_000);
      this.connected = true;
      this.attempt = 0;
      if (this.lostSinceConnect) this.reconnects++;
      this.lostSinceConnect = false;
      this.log.info(`graphite: connected to carbon at ${this.target}`);
      this.pump();
    });
    sock.on('drain', () => {
      this.waitingForDrain = false;
      this.pump();
    });
    // Carbon sends nothing; read and discard so a stray byte cannot stall the socket.
    sock.on('data', () => {});
    sock.on('error', (err) => {
      this.lastError = err.message;
      this.warn.log('warning', 'graphite-connection', `graphite: carbon at ${this.target}: ${err.message}`);
    });
    sock.once('close', () => this.onClose(sock));
  }

  private onClose(sock: net.Socket): void {
    if (this.socket !== sock) return;
    const wasConnected = this.connected;
    this.socket = null;
    this.connected = false;
    this.waitingForDrain = false;
    this.lostSinceConnect = true;
    if (this.inFlight.length > 0) {
      // Unconfirmed chunks go back whole, in order, ahead of everything queued after them.
      const back: string[] = [];
      for (const c of this.inFlight) back.push(...c.lines);
      this.queue.unshift(back, this.inFlight[0].first);
      this.inFlight = [];
    }
    this.enforceBound();
    this.flushStart = 0;
    this.settleWaiters(true);
    if (wasConnected && !this.closing) this.log.warning(`graphite: lost the connection to carbon at ${this.target}; ${this.queue.length} lines queued`);
    if (this.closing) return;
    const delay = backoffDelay(this.attempt++, this.backoffMinMs, this.backoffMaxMs);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** Writes whole-line chunks while the socket takes them without buffering. */
  private pump(): void {
    const sock = this.socket;
    if (!this.connected || sock === null || this.waitingForDrain || this.pumpLater !== null) return;
    for (let chunks = 0; this.queue.length > 0; chunks++) {
      if (chunks === CHUNKS_PER_TURN) {
        // A large interval is written over several turns of the event loop, so control and
        // the sources are served in between.
        this.pumpLater = setImmediate(() => {
          this.pumpLater = null;
          this.pump();
        });
        return;
      }
      if (this.flushStart === 0) {
        this.flushStart = Date.now();
        this.flushLines = 0;
      }
      const first = this.queue.firstSeq;
      const lines = this.queue.take(CHUNK_BYTES);
      const chunk: Chunk = { lines, first };
      this.inFlight.push(chunk);
      const more = sock.write(lines.join('\n') + '\n', (err) => this.written(sock, chunk, err));
      if (!more) {
        this.waitingForDrain = true;
        return;
      }
    }
  }

  private written(sock: net.Socket, chunk: Chunk, err: Error | null | undefined): void {
    // A chunk of a connection that is gone was already put back by onClose.
    if (err || sock !== this.socket || this.inFlight[0] !== chunk) return;
    this.inFlight.shift();
    this.linesSent += chunk.lines.length;
    this.flushLines += chunk.lines.length;
    if (this.inFlight.length === 0 && this.queue.length === 0 && this.flushStart !== 0) {
      const now = Date.now();
      this.lastFlush = Math.floor(now / 1000);
      this.lastFlushMs = now - this.flushStart;
      this.lastFlushLines = this.flushLines;
      this.flushStart = 0;
    }
    this.settleWaiters();
  }

  /**
   * Hands carbon what is queued, then closes the connection. Carbon gets 2 s to take the lines,
   * including a connection still being set up; what is left after that is counted dropped.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const deadline = Date.now() + CLOSE_WAIT_MS;
    const sock = this.socket;
    if (sock !== null && !this.connected) {
      await within(new Promise((r) => (sock.once('connect', r), sock.once('close', r))), deadline);
    }
    if (sock !== null && this.socket === sock && this.connected) {
      const flushed = new Promise<void>((resolve) => this.waiters.push({ until: this.queue.pushed, resolve }));
      this.settleWaiters();
      await within(flushed, deadline);
    }
    if (sock !== null && this.socket === sock) {
      if (this.connected) {
        // end() sends FIN after what the kernel holds, so carbon reads every line before the close.
        const closed = new Promise((r) => sock.once('close', r));
        sock.end();
        if (!(await within(closed, Date.now() + CLOSE_WAIT_MS))) sock.destroy();
      } else {
        sock.destroy();
      }
      this.socket = null;
      this.connected = false;
    }
    const lost = this.queue.length + this.inFlight.reduce((n, c) => n + c.lines.length, 0);
    if (lost > 0) {
      this.linesDropped += lost;
      this.log.error(`graphite: lost ${lost} lines that could not be written to carbon at ${this.target} before shutdown`);
    }
    this.queue.dropOldest(this.queue.length);
    this.inFlight = [];
    if (this.pumpLater !== null) clearImmediate(this.pumpLater);
    this.pumpLater = null;
    this.settleWaiters(true);
  }

  /**
   * lines_sent: taken by the kernel (write callback); lines_queued: not yet, including chunks
   * handed to the socket; reconnects: connections made after a failed attempt or a lost one;
   * last_flush (unix seconds, 0 never), last_flush_ms and last_flush_lines: the last time the
   * queue was written out empty, how long that took from its first write, and how many lines;
   * last_error: the last connection error, kept after carbon comes back.
   */
  status(): { [key: string]: Packable } {
    return {
      endpoint: this.target,
      connected: this.connected,
      lines_sent: this.linesSent,
      lines_queued: this.queue.length + this.inFlight.reduce((n, c) => n + c.lines.length, 0),
      lines_dropped: this.linesDropped,
      reconnects: this.reconnects,
      last_flush: this.lastFlush,
      last_flush_ms: this.lastFlushMs,
      last_flush_lines: this.lastFlushLines,
      last_error: this.lastError,
    };
  }
}

/**
 * The wait before connection attempt `attempt + 1` (0 after the first failure): doubling from
 * `minMs` up to `maxMs`, then a random point in the upper half of that, so senders that lost
 * carbon together do not all come back at the same moment.
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + random() * (ceiling / 2);
}

/** Waits for `promise` until `deadline` (ms since the epoch); true if it settled in time. */
async function within(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
