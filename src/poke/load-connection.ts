/**
 * One kept-alive HTTP/1.1 connection of `oxpoke load` on a plain net.Socket:
 * a request's bytes written, its answer read by http-response-parser.ts, and
 * the outcome reported as the HTTP probe reports it (probe-result.ts): the
 * same timings (probe-clock.ts: a new connection's lookup and connect, a
 * reused one's none), the same failure reasons and messages
 * (probe-failure.ts), the same limits (the whole timeout, the body cap).
 *
 * One request at a time, no pipelining. After an answer the connection goes
 * back to its pool (load-pool.ts) if the answer allows it; after a failure it
 * is destroyed, as the probe destroys its connection.
 *
 * The time limit costs one timer per connection, not one per request: the
 * timer is armed for a request's deadline and, when it fires for a request
 * that has ended since, re-armed for the one under way; a request with an
 * earlier deadline than the timer's (another step's shorter timeout) brings
 * it forward.
 */
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { DONE, INVALID, MORE, ResponseParser, TOO_LARGE } from './http-response-parser';
import { type Phase, ProbeClock } from './probe-clock';
import { connectionFailure, endpoint, Failure, Peer, timeoutFailure } from './probe-failure';
import type { ProbeResult } from './probe-result';

/** Where every load connection reads; 64 KiB, as Node reads. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** One request under way on a connection. */
export interface LoadExchange {
  bytes: Buffer;
  head: boolean;
  /** The URL the answer is reported for. */
  href: string;
  clock: ProbeClock;
  /** performance.now() after which the request fails (reason timeout). */
  deadline: number;
  timeoutMs: number;
  maxBodyBytes: number;
  /** Called once, with the result and whether the connection can carry another request. */
  done(result: ProbeResult, reusable: boolean): void;
}

export class LoadConnection {
  readonly socket: net.Socket;
  /** Requests answered on it so far: the first one met the connect. */
  answered = 0;
  /** Destroyed, or closed by the peer: never used again. */
  closed = false;
  private readonly parser = new ResponseParser();
  private exchange: LoadExchange | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** When the timer fires (performance.now()). */
  private timerDue = 0;
  private readonly onTimer = (): void => this.checkDeadline();

  /** @param onClose told once when the connection can no longer be used, whether busy or idle. */
  constructor(
    readonly peer: Peer,
    private readonly onClose: (connection: LoadConnection) => void,
  ) {
    // Every connection reads into one buffer, without the stream's 'data' events: each read is parsed at once, and
    // the parser copies what it keeps.
    const onread = { buffer: READ_BUFFER, callback: (n: number): boolean => (this.onData(n), true) };
    this.socket = net.connect({ host: peer.host, port: peer.port, onread });
    this.socket.setNoDelay(true);
    this.socket.on('error', (err: Error) => this.onError(err));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('close', () => this.onEnd());
  }

  /** Sends `exchange`'s request; its `done` is called once with the outcome. */
  send(exchange: LoadExchange): void {
    this.exchange = exchange;
    this.parser.start(exchange.head, exchange.maxBodyBytes);
    if (this.answered === 0) exchange.clock.watch(this.socket);
    else exchange.clock.reuse();
    // Requests of several steps may share the connection, with different time limits.
    if (this.timer === null || this.timerDue > exchange.deadline) this.arm(exchange.deadline);
    this.socket.write(exchange.bytes);
  }

  destroy(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.socket.destroy();
  }

  private phase(): Phase {
    return this.exchange === null ? 'answer' : this.exchange.clock.phase;
  }

  private arm(deadline: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerDue = deadline;
    this.timer = setTimeout(this.onTimer, Math.max(0, deadline - performance.now()));
  }

  private checkDeadline(): void {
    this.timer = null;
    const x = this.exchange;
    if (x === null) return;
    if (x.deadline > performance.now()) this.arm(x.deadline);
    else this.fail(timeoutFailure(x.timeoutMs, this.peer, x.clock.phase, this.parser.bodyBytes));
  }

  private onError(err: Error): void {
    // Node reports a connection broken in the middle of the head as hung up, whatever broke it.
    const error = this.parser.started && !this.parser.headDone ? hangUp() : err;
    if (this.exchange !== null) this.fail(connectionFailure(error, this.peer, this.phase(), this.parser.bodyBytes));
    else this.close();
  }

  /** `n` bytes were read into READ_BUFFER. */
  private onData(n: number): void {
    const x = this.exchange;
    if (x === null) {
      // Nothing was asked: a peer that talks out of turn cannot be trusted with the next request.
      this.close();
      return;
    }
    const wasHead = this.parser.headDone;
    const r = this.parser.execute(READ_BUFFER, n);
    // When Node would have emitted 'response': the head is read.
    if (!wasHead && this.parser.headDone) x.clock.markFirstByte();
    if (r === MORE) return;
    if (r === DONE) return this.answer(this.parser.reusable);
    const who = endpoint(this.peer.host, this.peer.port);
    if (r === INVALID) this.fail({ reason: 'protocol', message: `${who} did not answer in HTTP: ${this.parser.error}` });
    else if (r === TOO_LARGE) {
      this.fail({ reason: 'body_too_large', message: `the body from ${who} is larger than the limit of ${x.maxBodyBytes} bytes (${this.parser.tooLarge})` });
    }
  }

  /** The peer closed its side (or the socket closed): the end of a body read until then, else an answer cut short. */
  private onEnd(): void {
    if (this.exchange !== null && this.parser.end() === DONE) return this.answer(false);
    // Node says "socket hang up" for a connection closed before the answer, "aborted" for one closed in its middle.
    const error = this.parser.headDone ? Object.assign(new Error('aborted'), { code: 'ECONNRESET' }) : hangUp();
    if (this.exchange !== null) this.fail(connectionFailure(error, this.peer, this.phase(), this.parser.bodyBytes));
    else this.close();
  }

  private answer(reusable: boolean): void {
    const x = this.exchange!;
    this.exchange = null;
    this.answered++;
    const result: ProbeResult = {
      ok: true,
      status: this.parser.status,
      headers: this.parser.headers,
      body: this.parser.body(),
      timings: x.clock.complete(),
      cert: null,
      url: x.href,
    };
    if (!reusable) this.close();
    x.done(result, reusable);
  }

  private fail(failure: Failure): void {
    const x = this.exchange;
    this.exchange = null;
    this.close();
    if (x !== null) x.done({ ok: false, ...failure, timings: x.clock.partial() }, false);
  }

  private close(): void {
    if (this.closed) return;
    this.destroy();
    this.onClose(this);
  }
}

function hangUp(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}
