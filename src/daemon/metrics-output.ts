/**
 * Where closed statsd intervals go. Every interval of this oxd's statsd
 * source becomes `statsd.interval` events on the router (into the dated
 * files, and up the hierarchy when forwarding). An oxd that writes to carbon
 * (`graphite`) also merges, per window, its own interval with the parts that
 * oxds below it sent, waits `statsd_merge_delay_ms` after the window's end
 * for those to arrive, and writes one set of Graphite lines for all hosts.
 * A part that comes after its window was written goes into the window then
 * open (counted as late), so counts still add up in Graphite.
 */
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import type { OxdSettings } from '../config/oxd-settings';
import type { Packable } from '../protocol/compat-pack';
import { graphiteLineChunks, GraphiteNaming } from '../protocol/statsd/graphite-names';
import { INTERVAL_EVENT_TYPE, intervalParts, IntervalPart } from '../protocol/statsd/interval-event';
import { MergedWindow, NameMemory } from '../protocol/statsd/interval-merge';
import { fitHost, routeLocalEvent } from './local-event';
import type { Logger } from './log';
import type { RateLimitedLog } from './rate-limit';
import { runSliced } from './slicer';
import type { Router } from './router';
import { GraphiteSink } from './sinks/graphite';
import { FlushClock, nextBoundary } from './sources/statsd/flush-clock';
import type { ClosedInterval } from './sources/statsd/statsd-source';

export class MetricsOutput {
  /** Identifies this oxd process in the intervals it sends. */
  readonly origin = randomBytes(8).toString('hex');
  readonly host = fitHost(os.hostname()) || 'localhost';
  private readonly graphite: GraphiteSink | null;
  private readonly naming: GraphiteNaming;
  private readonly windows = new Map<number, { window: MergedWindow; timer: NodeJS.Timeout; local: ClosedInterval | null }>();
  private readonly memory: NameMemory;
  private router: Router | null = null;
  private consumed: () => boolean = () => false;
  private readonly clock: FlushClock;
  private lastWritten = 0;
  /** The windows being written and the intervals being sent, each in order. */
  private writing: Promise<void> = Promise.resolve();
  private sending: Promise<void> = Promise.resolve();
  private counts = { intervals_sent: 0, events_sent: 0, parts_merged: 0, parts_late: 0, parts_own: 0, windows_written: 0, names_dropped: 0, overflows: 0 };

  constructor(
    private readonly settings: OxdSettings,
    log: Logger,
    private readonly warn: RateLimitedLog,
  ) {
    this.graphite = settings.graphite ? new GraphiteSink({ endpoint: settings.graphite, maxQueuedLines: settings.graphiteQueueLines }, log, warn) : null;
    this.clock = new FlushClock(settings.statsdFlushMs, (end) => this.window(end));
    this.memory = new NameMemory(new Set(settings.statsdDeleteIdle), settings.statsdMaxNames);
    this.naming = {
      legacyNamespace: settings.graphiteLegacyNamespace,
      globalPrefix: settings.graphiteGlobalPrefix,
      prefixCounter: settings.graphitePrefixCounter,
      prefixTimer: settings.graphitePrefixTimer,
      prefixGauge: settings.graphitePrefixGauge,
      prefixSet: settings.graphitePrefixSet,
      globalSuffix: settings.graphiteGlobalSuffix,
      prefixStats: settings.statsdPrefixStats,
      flushCounts: settings.graphiteFlushCounts,
    };
  }

  /** statsd_merge_delay_ms, at most half the interval so that a window is written before the next one closes. */
  get mergeDelayMs(): number {
    return Math.min(this.settings.statsdMergeDelayMs, this.settings.statsdFlushMs / 2);
  }

  /** True when this oxd merges intervals and writes them to carbon. */
  get writesGraphite(): boolean {
    return this.graphite !== null;
  }

  /** `consumed` tells whether anything takes events (files, forwarding): intervals are sent only then. */
  attach(router: Router, consumed: () => boolean): void {
    this.router = router;
    this.consumed = consumed;
  }

  start(): void {
    if (this.graphite === null) return;
    this.graphite.start();
    // Every interval is written, as statsd writes every flush, whether or not anything arrived.
    this.clock.start();
  }

  /** This oxd's own interval, closed by its statsd source. */
  local(interval: ClosedInterval): void {
    this.send(interval);
    if (this.graphite === null) return;
    const w = this.window(interval.windowEnd);
    w.local = interval;
    w.window.addLocal(interval.data, this.host);
  }

  /** A part of another oxd's interval, from a `statsd.interval` event. */
  remote(part: IntervalPart): void {
    if (part.origin === this.origin) {
      this.counts.parts_own++;
      return;
    }
    if (this.graphite === null) return;
    let end = nextBoundary(part.windowEnd - 1, this.settings.statsdFlushMs);
    if (end <= this.lastWritten) {
      this.counts.parts_late++;
      this.warn.log('info', 'statsd-late', `statsd: an interval from ${part.host} ending ${new Date(part.windowEnd).toISOString()} came after its window was written; merged into the next one`);
      end = Math.max(nextBoundary(Date.now(), this.settings.statsdFlushMs), nextBoundary(this.lastWritten, this.settings.statsdFlushMs));
    }
    this.counts.parts_merged++;
    this.window(end).window.addPart(part);
  }

  private window(end: number): { window: MergedWindow; timer: NodeJS.Timeout; local: ClosedInterval | null } {
    let w = this.windows.get(end);
    if (w === undefined) {
      const wait = Math.max(0, end + this.mergeDelayMs - Date.now());
      const timer = setTimeout(() => this.write(end), wait);
      w = { window: new MergedWindow(end, this.settings.statsdMaxNames, this.settings.statsdMaxTimerSamples, this.settings.statsdPerHost), timer, local: null };
      this.windows.set(end, w);
    }
    return w;
  }

  /** Closes a window for merging and queues it to be written; windows are written one at a time, in order. */
  private write(end: number): Promise<void> {
    const w = this.windows.get(end);
    if (w === undefined || this.graphite === null) return this.writing;
    this.windows.delete(end);
    clearTimeout(w.timer);
    this.lastWritten = Math.max(this.lastWritten, end);
    this.writing = this.writing.then(() => this.writeWindow(end, w.window, w.local));
    return this.writing;
  }

  /** Sliced: a window of 100,000 names takes many turns of the event loop, none of them long. */
  private async writeWindow(end: number, window: MergedWindow, local: ClosedInterval | null): Promise<void> {
    const graphite = this.graphite!;
    this.counts.windows_written++;
    // This oxd's own interval is merged only once it has been sent as events, which read it too.
    await this.sending;
    await runSliced(window.merge());
    this.counts.overflows += window.overflows;
    this.counts.names_dropped += window.namesDropped;
    const data = window.data;
    // statsd's own gauge: this oxd's lag, never one sent up from below.
    if (local !== null) data.gauges.set(`${this.settings.statsdPrefixStats}.timestamp_lag`, local.timestampLag);
    await runSliced(this.memory.carry(data));
    const status = graphite.status();
    const chunks = graphiteLineChunks(data, this.naming, {
      intervalMs: this.settings.statsdFlushMs,
      timestamp: Math.round(end / 1000),
      percentThresholds: this.settings.statsdPercentThresholds,
      histogram: this.settings.statsdHistogram,
      processingMs: local?.processingMs ?? 0,
      // statsd's last_flush and flush_time; its flush_length (payload bytes) and last_exception are not kept here.
      writer: [
        ['last_flush', numberOr0(status.last_flush)],
        ['flush_time', numberOr0(status.last_flush_ms)],
      ],
    });
    await runSliced(sending(chunks, (lines) => graphite.send(lines)));
  }

  /** The interval as events, on the router like any received event: one event per turn of the loop. */
  private send(interval: ClosedInterval): void {
    const router = this.router;
    // 100,000 names make megabytes of events: not made when no file or upstream takes them.
    if (router === null || !this.consumed()) return;
    const parts = intervalParts({ origin: this.origin, host: this.host, windowEnd: interval.windowEnd, intervalMs: interval.intervalMs }, interval.data);
    const end = interval.windowEnd / 1000;
    this.counts.intervals_sent++;
    this.sending = this.sending.then(() =>
      runSliced(
        sending(parts, (body) => {
          routeLocalEvent(router, { type: INTERVAL_EVENT_TYPE, host: this.host, start: end - interval.intervalMs / 1000, end, body }, 'statsd');
          this.counts.events_sent++;
        }),
        0,
      ),
    );
  }

  status(): { [key: string]: Packable } {
    return { origin: this.origin, ...this.counts, windows_open: this.windows.size };
  }

  graphiteStatus(): Record<string, { [key: string]: Packable }> {
    return this.graphite ? { graphite: this.graphite.status() } : {};
  }

  /** Sends what is being sent, writes every window still open (the source has closed its last interval), then closes carbon's connection. */
  async close(): Promise<void> {
    this.clock.stop();
    await this.sending;
    for (const end of [...this.windows.keys()].sort((a, b) => a - b)) void this.write(end);
    await this.writing;
    await this.graphite?.close();
  }
}

/** Hands each item of `items` to `take`, yielding after each so runSliced can pause between them. */
function* sending<T>(items: Iterable<T>, take: (item: T) => void): Generator<void, void, void> {
  for (const item of items) {
    take(item);
    yield;
  }
}

function numberOr0(v: Packable | undefined): number {
  return typeof v === 'number' ? v : 0;
}
