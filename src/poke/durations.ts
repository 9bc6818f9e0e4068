/**
 * Durations as check files write them: a number and a unit, or several
 * ("250ms", "5s", "1.5s", "2m", "1h30m"), read as whole milliseconds. A bare
 * number is not a duration: "timeout = 5" could mean seconds or
 * milliseconds, so the unit is always written.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/** Milliseconds, or undefined when `text` is not a duration or not a whole number of milliseconds. */
export function parseDuration(text: string): number | undefined {
  if (text.length === 0) return undefined;
  const seen = new Set<string>();
  let ms = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (match === null || seen.has(match[2])) return undefined;
    seen.add(match[2]);
    ms += Number(match[1]) * UNIT_MS[match[2]];
  }
  // 1.5s is 1500 ms; 0.1ms is no whole number of milliseconds.
  const whole = Math.round(ms);
  return Math.abs(ms - whole) < 1e-6 ? whole : undefined;
}

/** The shortest way to write `ms` that parseDuration reads back ("1m30s", "250ms"), for messages. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms']) {
    const n = Math.floor(rest / UNIT_MS[unit]);
    if (n > 0) text += `${n}${unit}`;
    rest -= n * UNIT_MS[unit];
  }
  return text;
}
