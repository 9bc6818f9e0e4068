/**
 * oxingest's signals, taken over as the process starts: Node.js answers
 * SIGUSR1 by opening its inspector (a debugger port) unless a listener is
 * installed, and SIGTERM/SIGINT kill at once by default. A stop requested
 * before the work has begun is remembered and honoured when it begins.
 */

let reporter: (() => string) | null = null;
let stopper: ((signal: string) => void) | null = null;
let requested: string | null = null;
let installed = false;

export function installSignals(): void {
  if (installed) return;
  installed = true;
  const stop = (signal: string): void => {
    if (requested !== null) return; // once; the linger time bounds the wait
    requested = signal;
    stopper?.(signal);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGUSR1', () => {
    if (reporter !== null) process.stderr.write(reporter());
  });
}

/** What SIGUSR1 prints from now on. */
export function onReport(report: () => string): void {
  reporter = report;
}

/** Calls `stop` on the first SIGTERM or SIGINT (at once if one came already). */
export function onStop(stop: (signal: string) => void): void {
  stopper = stop;
  if (requested !== null) stop(requested);
}
