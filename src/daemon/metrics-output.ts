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
import { graphiteLines, GraphiteNaming } from '../protocol/statsd/graphite-names';
import { INTERVAL_EVENT_TYPE, intervalBodies, IntervalPart } from '../protocol/statsd/interval-event';
import { MergedWindow, NameMemory } from '../protocol/statsd/interval-merge';
import { fitHost, routeLocalEvent } from './local-event';
import type { Logger } from './log';
import type { RateLimitedLog } from './rate-limit';
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
  private readonly clock: FlushClock;
  private lastWritten = 0;
  private counts = { intervals_sent: 0, events_sent: 0, parts_merged: 0, parts_late: 0, parts_own: 0, windows_written: 0, names_dropped: 0 };

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

  /** True when this oxd merges intervals and writes them to carbon. */
  get writesGraphite(): boolean {
    return this.graphite !== null;
  }

  attach(router: Router): void {
    this.router = router;
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
    interval.data.gauges.set(`${this.settings.statsdPrefixStats}.timestamp_lag`, interval.timestampLag);
    const w = this.window(interval.windowEnd);
    w.local = interval;
    w.window.addLocal(interval.data);
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
      const wait = Math.max(0, end + this.settings.statsdMergeDelayMs - Date.now());
      const timer = setTimeout(() => this.write(end), wait);
      w = { window: new MergedWindow(end, this.settings.statsdMaxNames, this.settings.statsdMaxTimerSamples), timer, local: null };
      this.windows.set(end, w);
    }
    return w;
  }

  private write(end: number): void {
    const w = this.windows.get(end);
    if (w === undefined || this.graphite === null) return;
    this.windows.delete(end);
    clearTimeout(w.timer);
    this.lastWritten = Math.max(this.lastWritten, end);
    this.counts.windows_written++;
    this.counts.names_dropped += w.window.namesDropped;
    const data = w.window.data;
    this.memory.carryInto(data);
    const status = this.graphite.status();
    const lines = graphiteLines(data, this.naming, {
      intervalMs: this.settings.statsdFlushMs,
      timestamp: Math.round(end / 1000),
      percentThresholds: this.settings.statsdPercentThresholds,
      histogram: this.settings.statsdHistogram,
      processingMs: w.local?.processingMs ?? 0,
      // statsd's last_flush and flush_time; its flush_length (payload bytes) and last_exception are not kept here.
      writer: [
        ['last_flush', numberOr0(status.last_flush)],
        ['flush_time', numberOr0(status.last_flush_ms)],
      ],
    });
    this.graphite.send(lines);
  }

  /** The interval as events, on the router like any received event. */
  private send(interval: ClosedInterval): void {
    if (this.router === null) return;
    const bodies = intervalBodies({ origin: this.origin, host: this.host, windowEnd: interval.windowEnd, intervalMs: interval.intervalMs }, interval.data);
    const end = interval.windowEnd / 1000;
    for (const body of bodies) {
      routeLocalEvent(this.router, { type: INTERVAL_EVENT_TYPE, host: this.host, start: end - interval.intervalMs / 1000, end, body }, 'statsd');
    }
    this.counts.intervals_sent++;
    this.counts.events_sent += bodies.length;
  }

  status(): { [key: string]: Packable } {
    return { origin: this.origin, ...this.counts, windows_open: this.windows.size };
  }

  graphiteStatus(): Record<string, { [key: string]: Packable }> {
    return this.graphite ? { graphite: this.graphite.status() } : {};
  }

  /** Writes every window still open (the source has closed its last interval), then closes carbon's connection. */
  async close(): Promise<void> {
    this.clock.stop();
    for (const end of [...this.windows.keys()].sort((a, b) => a - b)) this.write(end);
    await this.graphite?.close();
  }
}

function numberOr0(v: Packable | undefined): number {
  return typeof v === 'number' ? v : 0;
}
