/**
 * The library's own complaints (queue full, oxd unreachable, a value that
 * could not be encoded). They go straight to stderr, never through
 * `console`, so an application that bridges console or its logger into
 * BlueOx cannot make BlueOx log about itself in a loop; and at most one line
 * per kind every 10 seconds, with a count of what was held back.
 */

export type WarningSink = (message: string) => void;

const WINDOW_MS = 10_000;
const windows = new Map<string, { until: number; held: number }>();
let sink: WarningSink = (message) => {
  process.stderr.write(`blueox: ${message}\n`);
};
/** Every warning ever raised, by kind, including those not printed. */
export const warningCounts = new Map<string, number>();

export function setWarningSink(next: WarningSink | null): void {
  sink = next ?? ((message) => process.stderr.write(`blueox: ${message}\n`));
}

export function warn(kind: string, message: string, now = Date.now()): void {
  warningCounts.set(kind, (warningCounts.get(kind) ?? 0) + 1);
  const w = windows.get(kind);
  if (w !== undefined && now < w.until) {
    w.held++;
    return;
  }
  const held = w?.held ?? 0;
  windows.set(kind, { until: now + WINDOW_MS, held: 0 });
  try {
    sink(held > 0 ? `${message} (${held} more like this were not shown)` : message);
  } catch {
    // A broken warning sink must not break the application either.
  }
}

/** Forgets the rate-limit windows (tests). */
export function resetWarnings(): void {
  windows.clear();
  warningCounts.clear();
}
