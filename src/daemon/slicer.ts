/**
 * Long periodic work (writing a 100,000-name statsd interval) done in slices,
 * so the event loop keeps answering the control port and reading the
 * sources meanwhile. The work is a generator that yields now and then; it is
 * resumed until it has run for `budgetMs`, then the loop gets a turn.
 */

export const SLICE_MS = 5;

export async function runSliced(work: Iterator<unknown>, budgetMs = SLICE_MS): Promise<void> {
  for (;;) {
    const until = performance.now() + budgetMs;
    for (;;) {
      if (work.next().done) return;
      if (performance.now() >= until) break;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
