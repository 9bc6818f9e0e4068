/**
 * Gathers bulk entries into batches and delivers them, one request at a time
 * while the next batch fills:
 * - a batch is sent when it holds `batchSize` entries or 16 MiB, or when its
 *   first entry has waited `flushIntervalMs` (live streams, slow pipes);
 * - no answer (refused, reset, timed out), 429 and 5xx: the batch is sent
 *   again, to the next node, after an exponential backoff (none when another
 *   node is up and this one did not answer), up to `maxRetries` times;
 * - a 200 answer: items marked 429 are sent again the same way; items
 *   rejected for any other reason are reported with Elasticsearch's error and
 *   counted;
 * - a request Elasticsearch refuses as a whole (400, 401, 403, 413...), or
 *   retries exhausted: the batch counts as undelivered and, unless
 *   `keepGoing` (live input), `stopped` is set and nothing more is sent.
 * Every entry ends up counted exactly once: indexed, rejected or undelivered.
 */
import { readBulkAnswer } from './bulk-answer';
import { BulkClient, NoAnswer } from './bulk-request';
import type { BulkEntry } from './document';
import { NodePool, NodeSpec } from './nodes';

export interface ShipperSettings {
  batchSize: number;
  flushIntervalMs: number;
  maxRetries: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** Live input: after giving up on a batch, go on with the next (Elasticsearch may come back). */
  keepGoing: boolean;
}

export interface Report {
  warn(message: string): void;
  verbose(message: string): void;
}

export interface ShipStats {
  sent: number;
  indexed: number;
  /** Of those indexed, how many replaced a document with the same _id (shipped before). */
  replaced: number;
  rejected: number;
  undelivered: number;
  retries: number;
  /** Rejections by Elasticsearch's error type (or "invalid_event" for what could not be converted). */
  rejectedBy: Map<string, number>;
}

const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** Rejections shown one by one; past this they are only counted by type. */
const SHOWN_REJECTIONS = 100;

export class Shipper {
  readonly stats: ShipStats = { sent: 0, indexed: 0, replaced: 0, rejected: 0, undelivered: 0, retries: 0, rejectedBy: new Map() };
  /** Why shipping stopped early (retries exhausted, a refused request, an interruption), or null. */
  stopped: string | null = null;
  private current: BulkEntry[] = [];
  private currentBytes = 0;
  private readonly queue: BulkEntry[][] = [];
  private sending: Promise<void> | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private waiters: (() => void)[] = [];
  private readonly abort = new AbortController();

  constructor(
    private readonly settings: ShipperSettings,
    private readonly nodes: NodePool,
    private readonly client: BulkClient,
    private readonly report: Report,
  ) {}

  add(entry: BulkEntry): void {
    if (this.stopped) {
      this.stats.undelivered++;
      return;
    }
    this.current.push(entry);
    this.currentBytes += entry.text.length;
    if (this.current.length >= this.settings.batchSize || this.currentBytes >= MAX_BATCH_BYTES) this.seal();
    else if (this.flushTimer === null) this.flushTimer = setTimeout(() => this.seal(), this.settings.flushIntervalMs);
  }

  /** An event that could not become a document: counted and reported as a rejection. */
  reject(what: string, errorType: string, reason: string): void {
    this.countRejection(errorType, `${what}: ${errorType}: ${reason}`);
  }

  /** Resolves when the reader may go on: no full batch is waiting behind the one being sent. */
  async ready(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) await new Promise<void>((r) => this.waiters.push(r));
  }

  /** Sends everything added so far; resolves when all of it is accounted for. */
  async finish(): Promise<void> {
    this.seal();
    while (this.sending) await this.sending;
  }

  /** Gives up at once (a second signal): what is not yet answered counts as undelivered. */
  interrupt(why: string): void {
    this.stopped ??= why;
    this.abort.abort();
    this.seal();
  }

  private seal(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.current.length) this.queue.push(this.current);
    this.current = [];
    this.currentBytes = 0;
    if (!this.sending && this.queue.length) this.sending = this.drain();
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.shift()!;
      this.wake();
      if (this.stopped) this.stats.undelivered += batch.length;
      else await this.deliver(batch);
    }
    this.sending = null;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  private async deliver(batch: BulkEntry[]): Promise<void> {
    this.stats.sent += batch.length;
    let pending = batch;
    let retries = 0;
    while (pending.length) {
      const node = this.nodes.pick();
      let failure: string;
      let waitFirst = true;
      try {
        const answer = await this.client.send(node, pending.map((e) => e.text).join(''), this.abort.signal);
        if (this.nodes.answered(node)) this.report.warn(`${node.label} answers again`);
        const verdict = readBulkAnswer(answer, pending.length);
        if (verdict.kind === 'refused') {
          this.giveUp(pending, `${node.label} refused the request: ${verdict.reason}`);
          return;
        }
        if (verdict.kind === 'retry') {
          failure = `${node.label}: ${verdict.reason}`;
          if (verdict.nodeDown) this.nodeFailed(node, failure);
        } else {
          const again: BulkEntry[] = [];
          verdict.items.forEach((item, i) => {
            const entry = pending[i];
            if (item.status >= 200 && item.status < 300) {
              this.stats.indexed++;
              if (item.status === 200) this.stats.replaced++;
            } else if (item.status === 429) again.push(entry);
            else this.countRejection(item.errorType!, `${entry.type || 'event'} ${entry.id} for ${entry.index}: ${item.error}`);
          });
          pending = again;
          if (!pending.length) return;
          failure = `${node.label}: ${pending.length} of the documents were refused with 429 (too many requests)`;
        }
      } catch (err) {
        if (this.abort.signal.aborted) break;
        if (!(err instanceof NoAnswer)) throw err;
        failure = `${node.label}: ${err.message}`;
        // A kept-alive connection the server had closed says nothing about the node.
        if (!err.staleConnection) this.nodeFailed(node, failure);
        waitFirst = !err.staleConnection && !this.nodes.hasOtherUp(node);
      }
      if (retries >= this.settings.maxRetries) {
        this.giveUp(pending, `gave up after ${retries} ${retries === 1 ? 'retry' : 'retries'}: ${failure}`);
        return;
      }
      retries++;
      this.stats.retries++;
      const delay = waitFirst ? Math.min(this.settings.maxBackoffMs, this.settings.initialBackoffMs * 2 ** (retries - 1)) : 0;
      this.report.verbose(`retry ${retries}/${this.settings.maxRetries} of ${pending.length} documents in ${delay / 1000} s: ${failure}`);
      if (delay > 0 && !(await this.sleep(delay))) break;
    }
    if (pending.length) this.stats.undelivered += pending.length;
  }

  private nodeFailed(node: NodeSpec, why: string): void {
    if (this.nodes.size < 2) return;
    const ms = this.nodes.failed(node);
    this.report.warn(`${why}; skipping ${node.label} for ${ms / 1000} s`);
  }

  private giveUp(pending: BulkEntry[], why: string): void {
    this.stats.undelivered += pending.length;
    this.report.warn(`${pending.length} documents not delivered: ${why}`);
    if (!this.settings.keepGoing) this.stopped ??= why;
    this.wake();
  }

  private countRejection(errorType: string, line: string): void {
    this.stats.rejected++;
    this.stats.rejectedBy.set(errorType, (this.stats.rejectedBy.get(errorType) ?? 0) + 1);
    if (this.stats.rejected <= SHOWN_REJECTIONS) this.report.warn(`rejected ${line}`);
    if (this.stats.rejected === SHOWN_REJECTIONS) this.report.warn(`further rejections are counted in the summary, not shown`);
  }

  /** Resolves true after `ms`, or false at once when interrupted. */
  private sleep(ms: number): Promise<boolean> {
    const signal = this.abort.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
