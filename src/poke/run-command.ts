/**
 * `oxpoke run FILE…`: every check of the files once, in order, as a
 * Nagios/Icinga plugin does its one check: the status line and long
 * output on standard output, the exit status of the worst outcome (0 OK,
 * 1 WARNING, 2 CRITICAL, 3 UNKNOWN). Each run is also an event to oxd's
 * collect port and metrics to its statsd port, unless turned off, so the
 * same files serve CI, a monitoring system and the BlueOx files.
 */
import { configure, shutdown, start, stats } from '../client';
import { BlueOxError } from '../errors';
import { Endpoint, formatEndpoint } from '../protocol/endpoint';
import type { Check } from './check';
import { readCheckFile } from './check-file';
import { EXIT_CODES, pluginOutput } from './nagios';
import { POKE_EVENT_TYPE, pokeEventBody } from './poke-event';
import { pokeMetricLines, sendMetricLines } from './poke-metrics';
import { CheckResult, runCheck } from './run-check';

export interface RunOptions {
  files: string[];
  /** oxd's collect port for the events; null: none sent. */
  events: Endpoint | null;
  /** The statsd port for the metrics; null: none sent. */
  statsd: Endpoint | null;
}

export async function runCommand(opts: RunOptions, out: (text: string) => void, err: (text: string) => void): Promise<number> {
  let checks: Check[];
  try {
    checks = opts.files.flatMap((f) => readCheckFile(f));
  } catch (e) {
    // A check file that cannot be read: UNKNOWN, as a plugin says it could not check.
    err(`oxpoke: ${e instanceof BlueOxError ? e.message : String(e)}\n`);
    out(`POKE UNKNOWN - ${e instanceof BlueOxError ? e.message : String(e)}\n`);
    return EXIT_CODES.UNKNOWN;
  }
  if (checks.length === 0) {
    out(`POKE UNKNOWN - no checks in ${opts.files.join(', ')}\n`);
    return EXIT_CODES.UNKNOWN;
  }
  if (opts.events !== null) configure({ host: formatEndpoint(opts.events), onWarning: (m) => err(`oxpoke: ${m}\n`) });
  const runs: CheckResult[] = [];
  for (const check of checks) {
    const run = await runCheck(check);
    runs.push(run);
    if (opts.events !== null) {
      const ctx = start(POKE_EVENT_TYPE);
      for (const [key, value] of Object.entries(pokeEventBody(run))) ctx.set(key, value);
      ctx.done();
    }
    if (opts.statsd !== null) await sendMetricLines(opts.statsd, pokeMetricLines(run));
  }
  if (opts.events !== null) {
    await shutdown();
    const s = stats();
    if (s.dropped > 0) err(`oxpoke: ${s.dropped} events could not be sent to oxd at ${formatEndpoint(opts.events)}\n`);
  }
  const output = pluginOutput(runs);
  out(output.text);
  return output.exitCode;
}
