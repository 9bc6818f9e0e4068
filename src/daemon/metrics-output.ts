/**
 * Where a closed statsd interval goes: as Graphite lines to carbon (the
 * `graphite` setting), with statsd's own figures beside the metrics. The
 * statsd timestamp_lag gauge is set here, as statsd sets it at each flush.
 */
import type { Packable } from '../protocol/compat-pack';
import type { OxdSettings } from '../config/oxd-settings';
import { graphiteLines, GraphiteNaming } from '../protocol/statsd/graphite-names';
import type { Logger } from './log';
import type { RateLimitedLog } from './rate-limit';
import { GraphiteSink } from './sinks/graphite';
import type { ClosedInterval } from './sources/statsd/statsd-source';

export class MetricsOutput {
  private readonly graphite: GraphiteSink | null;
  private readonly naming: GraphiteNaming;

  constructor(
    private readonly settings: OxdSettings,
    log: Logger,
    warn: RateLimitedLog,
  ) {
    this.graphite = settings.graphite ? new GraphiteSink({ endpoint: settings.graphite, maxQueuedLines: settings.graphiteQueueLines }, log, warn) : null;
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

  start(): void {
    this.graphite?.start();
  }

  write(interval: ClosedInterval): void {
    if (this.graphite === null) return;
    interval.data.gauges.set(`${this.settings.statsdPrefixStats}.timestamp_lag`, interval.timestampLag);
    const status = this.graphite.status();
    const lines = graphiteLines(interval.data, this.naming, {
      intervalMs: interval.intervalMs,
      timestamp: Math.round(interval.windowEnd / 1000),
      percentThresholds: this.settings.statsdPercentThresholds,
      histogram: this.settings.statsdHistogram,
      processingMs: interval.processingMs,
      // statsd's last_flush and flush_time; its flush_length (payload bytes) and last_exception are not kept here.
      writer: [
        ['last_flush', numberOr0(status.last_flush)],
        ['flush_time', numberOr0(status.last_flush_ms)],
      ],
    });
    this.graphite.send(lines);
  }

  status(): Record<string, { [key: string]: Packable }> {
    return this.graphite ? { graphite: this.graphite.status() } : {};
  }

  async close(): Promise<void> {
    await this.graphite?.close();
  }
}

function numberOr0(v: Packable | undefined): number {
  return typeof v === 'number' ? v : 0;
}
