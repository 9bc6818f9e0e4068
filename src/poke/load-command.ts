/**
 * `oxpoke load FILE [--check NAME] (--concurrency N | --rate R/s) --duration
 * D [--threshold T]…`: one check or scenario of the file under load for the
 * duration (load-run.ts), its figures and thresholds' verdicts printed
 * (load-report.ts); exit 0 when every threshold holds, 2 (CRITICAL) when one
 * fails, 3 (UNKNOWN) when the file, the check or an option cannot be used.
 * Unless a threshold about errors is given, `errors < 1%` is one of them: a
 * load whose runs fail does not exit 0.
 * No events or metrics are sent: one per run would load oxd as much as the
 * service; the figures are the result.
 *
 * The values of its options are read here, strictly, each with a message
 * saying what is allowed (BlueOxError code EUSAGE, which the tool turns into
 * exit 3).
 */
import { BlueOxError } from '../errors';
import type { Check } from './check';
import { readCheckFile } from './check-file';
import { parseDuration } from './durations';
import { type LoadMode, runLoad } from './load-run';
import { loadReport } from './load-report';
import { judgeThresholds, parseThreshold, type Threshold, withDefaultThresholds } from './load-thresholds';
import { EXIT_CODES } from './nagios';

export interface LoadCommandOptions {
  file: string;
  /** The check or scenario to run; null: the file's only one. */
  check: string | null;
  mode: LoadMode;
  durationMs: number;
  thresholds: Threshold[];
  keepAlive: boolean;
}

export const MAX_CONCURRENCY = 10_000;
export const MAX_RATE = 1_000_000;
export const MAX_DURATION_MS = 86_400_000;

function usage(message: string): BlueOxError {
  return new BlueOxError('EUSAGE', message);
}

/** `--concurrency N`: runs in flight, 1 to MAX_CONCURRENCY. */
export function parseConcurrency(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_CONCURRENCY)) throw usage(`--concurrency ${text} is not allowed: a whole number of runs in flight from 1 to ${MAX_CONCURRENCY}`);
  return n;
}

/** `--rate R/s`: runs started a second (`500/s`, `500`), or a minute (`30/m`); more than 0, at most MAX_RATE a second. */
export function parseRate(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(?:\/(s|m))?$/.exec(text);
  const rate = m === null ? NaN : Number(m[1]) / (m[2] === 'm' ? 60 : 1);
  if (!(rate > 0 && rate <= MAX_RATE)) {
    throw usage(`--rate ${text} is not allowed: runs started a second or a minute, such as 500/s or 30/m, more than 0 and at most ${MAX_RATE}/s`);
  }
  return rate;
}

/** `--duration D`: a duration as check files write them (durations.ts), from 1ms to a day. */
export function parseLoadDuration(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1 || ms > MAX_DURATION_MS) throw usage(`--duration ${text} is not allowed: a duration from 1ms to 24h, such as "30s" or "2m"`);
  return ms;
}

/** `--threshold T`, to be given several times: the thresholds so far with this one. */
export function addThreshold(text: string, previous: Threshold[] | undefined): Threshold[] {
  try {
    return [...(previous ?? []), parseThreshold(text)];
  } catch (err) {
    throw usage((err as Error).message);
  }
}

/** The check `name` of the file, or its only one; else the message saying what to choose from. */
function choose(checks: Check[], name: string | null, file: string): Check | string {
  const names = checks.map((c) => c.name).join(', ');
  if (name !== null) return checks.find((c) => c.name === name) ?? `${file} has no check or scenario named ${name}; it has ${names || 'none'}`;
  if (checks.length === 1) return checks[0];
  return checks.length === 0 ? `${file} has no checks` : `${file} has ${checks.length} checks and scenarios (${names}): choose one with --check NAME`;
}

export async function loadCommand(opts: LoadCommandOptions, out: (text: string) => void, err: (text: string) => void, signal?: AbortSignal): Promise<number> {
  let chosen: Check | string;
  try {
    chosen = choose(readCheckFile(opts.file), opts.check, opts.file);
  } catch (e) {
    chosen = e instanceof BlueOxError ? e.message : String(e);
  }
  if (typeof chosen === 'string') {
    err(`oxpoke: ${chosen}\n`);
    out(`POKE UNKNOWN - ${chosen}\n`);
    return EXIT_CODES.UNKNOWN;
  }
  const settings = { mode: opts.mode, durationMs: opts.durationMs, keepAlive: opts.keepAlive };
  const result = await runLoad(chosen, { ...settings, signal });
  const report = loadReport(result, settings, judgeThresholds(withDefaultThresholds(opts.thresholds), result));
  out(report.text);
  return report.exitCode;
}
