/**
 * The syslog thread (syslog-thread.ts) seen from the main thread: the
 * source's connections hand it what they read, in order, and get back
 * batches of events to route.
 *
 * What is posted and not yet back in a batch is bounded: above
 * `backlogBytes` the thread is `congested`, and the source's connections stop
 * reading (as they do while a sink is behind) until it is down to half of
 * that, so a thread slower than the senders slows them by TCP, and nothing
 * is lost.
 *
 * What connections read is handed over at once when it is 64 KiB or more,
 * else after at most HOLD_MS with whatever else came meanwhile: each
 * hand-over wakes the thread, and then the main thread for its batch, which
 * costs more than a few messages do (here, with a message at a time, CPU
 * per message more than doubled).
 *
 * Should the thread fail (an exception, out of memory), what it had not yet
 * sent back is lost: counted in bytes, reported, and the source frames on
 * the main thread from then on. `stop` waits for every batch of what was
 * posted before it ends the thread.
 */
import { Worker } from 'node:worker_threads';
import type { Packable } from '../../../protocol/compat-pack';
import type { SyslogBatch } from '../../../protocol/syslog/syslog-batch';
import { OP_DATA, OP_END, OP_OPEN, SYSLOG_THREAD, SYSLOG_THREAD_FILE, SyslogThreadData, SyslogThreadOp } from './syslog-thread';

/** Bytes read and not yet made into events above which connections stop reading. */
export const THREAD_BACKLOG_BYTES = 4 * 1024 * 1024;
/** How long, at most, what connections read waits for more before it is handed over, unless there is HOLD_BYTES of it. */
const HOLD_MS = 20;
const HOLD_BYTES = 64 * 1024;
/** Tests of a failing thread name a text here; the thread fails on a chunk that holds it. */
const FAIL_ON_ENV = 'BLUEOX_TEST_SYSLOG_THREAD_FAIL';

export class SyslogWorker {
  private worker: Worker | null;
  private state: 'running' | 'failed' | 'stopped' = 'running';
  /** Bytes and operations posted and not yet accounted for by a batch. */
  private backlog = 0;
  private ops = 0;
  /** Bytes of unfinished messages the thread holds, as of its last batch. */
  private heldBytes = 0;
  private batches = 0;
  private lostBytes = 0;
  /** Operations not yet handed over, the memory they move, their bytes, and the timer that hands them over. */
  private queue: SyslogThreadOp[] = [];
  private moving: ArrayBuffer[] = [];
  private queuedBytes = 0;
  private holding: NodeJS.Timeout | null = null;
  private readonly drainWaiters: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];

  /**
   * `onBatch` routes a batch's events; `onFailure` is told why the thread
   * failed and how many bytes of what it was given are lost.
   */
  constructor(
    maxMessage: number,
    private readonly onBatch: (batch: SyslogBatch) => void,
    private readonly onFailure: (err: Error, lostBytes: number) => void,
    private readonly backlogBytes = THREAD_BACKLOG_BYTES,
  ) {
    const data: SyslogThreadData = { kind: SYSLOG_THREAD, maxMessage, pid: process.pid, failOn: process.env[FAIL_ON_ENV] || null };
    const worker = new Worker(SYSLOG_THREAD_FILE, { workerData: data });
    // oxd's lifetime is the main thread's: stop() ends the thread.
    worker.unref();
    let error: Error | null = null;
    worker.on('message', (batch: SyslogBatch) => this.batch(batch));
    worker.on('error', (err) => (error = err));
    worker.on('exit', (code) => this.exited(error ?? new Error(`it exited with status ${code}`)));
    this.worker = worker;
  }

  /** False once the thread failed or was stopped: the caller frames what it reads itself. */
  get running(): boolean {
    return this.state === 'running';
  }

  /** More is waiting for the thread than it should: connections stop reading. */
  get congested(): boolean {
    return this.backlog > this.backlogBytes;
  }

  /** Bytes the thread holds of messages still arriving. */
  get held(): number {
    return this.heldBytes;
  }

  /** Calls `resume` once the thread is down to half its backlog (at once if it is not congested). */
  whenDrained(resume: () => void): void {
    if (this.congested) this.drainWaiters.push(resume);
    else resume();
  }

  open(id: number, peer: string): void {
    this.post([OP_OPEN, id, peer]);
  }

  /** `chunk` is the thread's from now on (its memory may be moved there). */
  data(id: number, chunk: Buffer, arrival: number): void {
    const n = chunk.length;
    // A chunk that is its whole memory (as a socket's reads are) moves without a copy.
    const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
    const bytes = whole ? chunk : new Uint8Array(chunk);
    this.backlog += n;
    this.queuedBytes += n;
    this.post([OP_DATA, id, arrival, bytes], bytes.buffer as ArrayBuffer);
  }

  end(id: number, arrival: number, clean: boolean, forget: boolean): void {
    this.post([OP_END, id, arrival, clean, forget]);
  }

  status(): { [key: string]: Packable } {
    return { state: this.state, batches: this.batches, backlog_bytes: this.backlog, lost_bytes: this.lostBytes };
  }

  /** Waits until every batch of what was posted is routed, then ends the thread. */
  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.handOver();
    if (this.ops > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    const worker = this.worker;
    if (this.state !== 'running' || worker === null) return;
    this.state = 'stopped';
    this.worker = null;
    await worker.terminate();
  }

  private post(op: SyslogThreadOp, moves: ArrayBuffer | null = null): void {
    if (this.worker === null) return;
    this.queue.push(op);
    if (moves !== null) this.moving.push(moves);
    this.ops++;
    if (this.queuedBytes >= HOLD_BYTES) this.handOver();
    else this.holding ??= setTimeout(() => this.handOver(), HOLD_MS);
  }

  private handOver(): void {
    if (this.holding !== null) clearTimeout(this.holding);
    this.holding = null;
    if (this.queue.length === 0 || this.worker === null) return;
    const ops = this.queue;
    const moving = this.moving;
    this.queue = [];
    this.moving = [];
    this.queuedBytes = 0;
    try {
      this.worker.postMessage(ops, moving);
    } catch {
      // Memory Node keeps for itself cannot be moved: copied instead.
      this.worker.postMessage(ops);
    }
  }

  private batch(b: SyslogBatch): void {
    this.batches++;
    this.onBatch(b);
    if (this.state !== 'running') return;
    this.backlog -= b.consumed;
    this.ops -= b.ops;
    this.heldBytes = b.held;
    // Not as soon as it is below the bound: connections would stop again at their next read.
    if (this.backlog <= this.backlogBytes / 2) this.wake(this.drainWaiters);
    if (this.ops === 0) this.wake(this.idleWaiters);
  }

  private exited(err: Error): void {
    if (this.state !== 'running') return;
    this.state = 'failed';
    this.worker = null;
    if (this.holding !== null) clearTimeout(this.holding);
    this.holding = null;
    this.queue = [];
    this.moving = [];
    this.queuedBytes = 0;
    const lost = this.backlog + this.heldBytes;
    this.lostBytes += lost;
    this.backlog = 0;
    this.ops = 0;
    this.heldBytes = 0;
    this.onFailure(err, lost);
    this.wake(this.drainWaiters);
    this.wake(this.idleWaiters);
  }

  private wake(waiters: Array<() => void>): void {
    for (const w of waiters.splice(0)) w();
  }
}
