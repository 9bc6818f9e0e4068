/**
 * Log lines about remote input are rate limited per kind, so a sender
 * spraying garbage cannot flood the journal: at most `burst` lines per kind
 * in each `windowMs`, and the first line after a quiet spell says how many
 * were held back. The counters in STATUS stay exact; only the log is thinned.
 */
import type { Level, Logger } from './log';

interface Window {
  start: number;
  shown: number;
  suppressed: number;
}

export class RateLimitedLog {
  private windows = new Map<string, Window>();

  constructor(
    private readonly logger: Logger,
    private readonly burst = 5,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs `message` unless `kind` has used up its lines in this window. */
  log(level: Level, kind: string, message: string): void {
    if (!this.logger.enabled(level)) return;
    const t = this.now();
    let w = this.windows.get(kind);
    if (!w || t - w.start >= this.windowMs) {
      const held = w?.suppressed ?? 0;
      w = { start: t, shown: 0, suppressed: 0 };
      this.windows.set(kind, w);
      if (held > 0) message += ` (${held} more like this were not logged)`;
    }
    if (w.shown < this.burst) {
      w.shown++;
      this.logger.log(level, message);
    } else {
      w.suppressed++;
    }
  }
}
