/**
 * Where oxstash's events come from, turned into bulk entries for the
 * shipper: log files of any compression and standard input (through the
 * store's tolerant reader, damaged regions reported), or live from oxd's
 * stream port (through the reconnecting subscriber). Reading waits while
 * the shipper has a full batch waiting, and stops when asked to.
 */
import type { Readable } from 'node:stream';
import { describeError } from '../errors';
import type { Endpoint } from '../protocol/endpoint';
import { subscribeStream } from '../remote/stream-subscriber';
import { eventFields, isEventBytes } from '../store/event-fields';
import { findLogFiles, typeMatcher } from '../store/find-logs';
import { openLog } from '../store/open-log';
import { describeProblems, readEvents, readLogFile } from '../store/read-log';
import { buildEntry, EventProblem, IndexChoice } from './document';
import type { Report, Shipper } from './shipper';

export class EventFeed {
  /** Events taken from the input, and those of them the type filter left out. */
  read = 0;
  filtered = 0;
  /** A file could not be read, or not all of it (damaged or cut-off bytes were skipped). */
  readFailed = false;
  /** Reading stopped before the input's end (a signal, or the shipper gave up). */
  cutShort = false;
  private stopRequested = false;
  private readonly live = new AbortController();
  private readonly match: (type: string) => boolean;
  private current: Readable | null = null;

  constructor(
    private readonly shipper: Shipper,
    private readonly index: IndexChoice,
    private readonly typeName: string | null,
    private readonly report: Report,
  ) {
    this.match = typeMatcher(typeName);
  }

  /** Stop reading (a signal): what was read is still shipped. */
  stop(): void {
    this.stopRequested = true;
    this.live.abort();
    this.current?.destroy();
  }

  private get stopping(): boolean {
    return this.stopRequested || this.shipper.stopped !== null;
  }

  /** Takes one event: filtered out, rejected as unusable, or handed to the shipper. `type`: the stream's, when live. */
  accept(raw: Buffer, type?: string): void {
    this.read++;
    const event = eventFields(raw);
    const name = type ?? (typeof event.type === 'string' ? event.type : '');
    if (!this.match(name)) {
      this.filtered++;
      return;
    }
    try {
      this.shipper.add(buildEntry(event, raw, this.index));
    } catch (err) {
      if (!(err instanceof EventProblem)) throw err;
      const id = typeof event.id === 'string' ? ` ${event.id}` : '';
      this.shipper.reject(`${name || 'event'}${id}`, 'invalid_event', err.message);
    }
  }

  /** The files of a log path (of the selected types), in time order. */
  logPathFiles(root: string): string[] {
    return findLogFiles(root, this.typeName, -Infinity, Infinity).map((f) => f.path);
  }

  /** Ships files one after another (`-` is standard input). */
  async files(files: string[]): Promise<void> {
    for (const file of files) {
      if (this.stopping) {
        this.cutShort = true;
        return;
      }
      let stream: Readable;
      try {
        stream = openLog(file);
      } catch (err) {
        this.report.warn(`${file}: ${describeError(err)}`);
        this.readFailed = true;
        continue;
      }
      await this.stream(stream, file === '-' ? 'standard input' : file);
    }
  }

  private async stream(stream: Readable, source: string): Promise<void> {
    this.current = stream;
    const result = await readEvents(stream, source, (raw) => this.accept(raw), async () => {
      await this.shipper.ready();
      if (this.stopping) stream.destroy();
    });
    this.current = null;
    if (this.stopping && result.error) {
      // We stopped it ourselves, before its end: neither an error nor a cut-off event.
      this.cutShort = true;
      result.error = null;
      result.skipped = result.skipped.filter((s) => s.reason !== 'truncated');
    }
    const problems = describeProblems(result);
    if (problems) this.report.warn(problems);
    // Bytes that could not be read as events were not shipped either: the exit status says so.
    if (result.error || result.skipped.length) this.readFailed = true;
  }

  /** Live events until stopped; oxd going away and coming back is waited out. */
  async liveEvents(control: Endpoint): Promise<void> {
    const stream = subscribeStream(control, {
      filter: this.typeName,
      signal: this.live.signal,
      // Waiting for oxd and losing the stream are worth knowing; connecting is chatter.
      onStatus: (message) => (message.startsWith('subscribed') ? this.report.verbose(message) : this.report.warn(message)),
    });
    for await (const { type, body } of stream) {
      if (!isEventBytes(body)) {
        this.read++;
        this.shipper.reject(`${type} event`, 'invalid_event', 'the stream message is not a msgpack map');
        continue;
      }
      this.accept(body, type);
      await this.shipper.ready();
      if (this.stopRequested) break;
    }
  }

  /** Events in the files (for the progress line's total), or null when one is standard input. */
  static async count(files: string[]): Promise<number | null> {
    if (files.includes('-')) return null;
    let total = 0;
    for (const file of files) total += (await readLogFile(file, () => undefined)).events;
    return total;
  }
}
