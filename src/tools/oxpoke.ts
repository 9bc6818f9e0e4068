/**
 * oxpoke: active checks written like QA tests (src/poke/). `oxpoke run
 * FILE…` runs the checks of the files once and exits as a Nagios plugin
 * does; `oxpoke load FILE` runs one of them under load and judges the
 * figures by thresholds; `oxpoke serve` is the service that runs the checks
 * of a folder on their schedules; `oxpoke --help` documents the flags.
 */
import { Command, Option } from 'commander';
import { parseCommandLine, UsageExit } from '../config/command-line';
import { BlueOxError } from '../errors';
import { DEFAULT_COLLECT_PORT, Endpoint, parseEndpoint } from '../protocol/endpoint';
import { addThreshold, loadCommand, LoadCommandOptions, parseConcurrency, parseLoadDuration, parseRate } from '../poke/load-command';
import type { Threshold } from '../poke/load-thresholds';
import { EXIT_CODES } from '../poke/nagios';
import { RunOptions, runCommand } from '../poke/run-command';
import { DEFAULT_CHECK_FOLDER } from '../poke/check-folder';
import { DEFAULT_MAX_CONCURRENT, parseMaxConcurrent, ServeOptions, serveCommand } from '../poke/serve-command';
import { VERSION } from '../version';

const DEFAULT_STATSD_PORT = 8125;

function address(defaultPort: number) {
  return (value: string): Endpoint => {
    try {
      return parseEndpoint(value, defaultPort);
    } catch (err) {
      throw new BlueOxError('EUSAGE', (err as Error).message);
    }
  };
}

type Chosen = { run: RunOptions } | { load: LoadCommandOptions } | { serve: ServeOptions };

async function main(argv: string[]): Promise<number> {
  let chosen: Chosen | null = null;
  const program = new Command('oxpoke')
    .description('Active checks written like QA tests: HTTP, HTTPS and TCP requests with assertions, results as BlueOx events and statsd metrics.')
    .version(VERSION);
  program
    .command('run')
    .description('run every check of the files once; print a Nagios status line; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN')
    .argument('<file...>', 'check files (TOML; the format: oxpoke(1))')
    .option('--events <host[:port]>', "oxd's collect port for the results (default: $BLUEOX_HOST or 127.0.0.1:3514)")
    .option('--no-events', 'send no events')
    .option('--statsd <host[:port]>', "the statsd port for the metrics (default: 127.0.0.1:8125)")
    .option('--no-metrics', 'send no metrics')
    .action((files: string[], o: { events: string | boolean; statsd?: string; metrics: boolean }) => {
      const events = o.events === false ? null : address(DEFAULT_COLLECT_PORT)(typeof o.events === 'string' ? o.events : process.env.BLUEOX_HOST || '127.0.0.1');
      const statsd = o.metrics === false ? null : address(DEFAULT_STATSD_PORT)(o.statsd ?? '127.0.0.1');
      chosen = { run: { files, events, statsd } };
    });
  program
    .command('load')
    .description(
      'run one check or scenario of the file again and again for a duration, with a concurrency or at a rate; print its runs/s, latency ' +
        'percentiles and errors; exit 0 when every threshold holds, 2 CRITICAL when one fails, 3 UNKNOWN for bad input',
    )
    .argument('<file>', 'a check file (TOML; the format: oxpoke(1))')
    .option('--check <name>', 'the check or scenario to run (needed when the file has several)')
    .addOption(new Option('-c, --concurrency <n>', 'closed loop: n runs in flight, each starting the next as it ends').argParser(parseConcurrency).conflicts('rate'))
    .addOption(new Option('-r, --rate <runs/s>', 'open loop: runs started on schedule, such as 500/s or 30/m, whatever the answers').argParser(parseRate))
    .requiredOption('-d, --duration <duration>', 'how long to start runs, such as 30s or 2m', parseLoadDuration)
    .option('-t, --threshold <threshold>', "what the figures must be, given once for each: 'p95 < 200ms', 'p99 <= 1s', 'errors < 1%', 'rps > 500'; errors < 1% applies unless one is about errors", addThreshold)
    .option('--no-keep-alive', 'a new connection for every request, as oxpoke run makes (default: connections kept open from one run to the next)')
    .action((file: string, o: { check?: string; concurrency?: number; rate?: number; duration: number; threshold?: Threshold[]; keepAlive: boolean }) => {
      if (o.concurrency === undefined && o.rate === undefined) throw new BlueOxError('EUSAGE', 'oxpoke load needs --concurrency N (a closed loop) or --rate R/s (an open loop)');
      const mode = o.concurrency !== undefined ? { kind: 'closed' as const, concurrency: o.concurrency } : { kind: 'open' as const, rate: o.rate as number };
      chosen = { load: { file, check: o.check ?? null, mode, durationMs: o.duration, thresholds: o.threshold ?? [], keepAlive: o.keepAlive } };
    });
  program
    .command('serve')
    .description(
      'the service: run every check of the folder\'s *.toml files on its schedule until stopped; a journal line and a poke_state event for each ' +
        'change of state; SIGHUP reloads the folder, SIGTERM stops after the runs under way',
    )
    .option('--dir <folder>', `the folder of the check files, *.toml (the format and the service: oxpoke(1); default: $OXPOKE_DIR or ${DEFAULT_CHECK_FOLDER})`)
    .option('--max-concurrent <n>', `runs under way at once, at most (default: $OXPOKE_MAX_CONCURRENT or ${DEFAULT_MAX_CONCURRENT})`)
    .option('--events <host[:port]>', "oxd's collect port for the results (default: $OXPOKE_EVENTS, $BLUEOX_HOST or 127.0.0.1:3514)")
    .option('--no-events', 'send no events')
    .option('--statsd <host[:port]>', 'the statsd port for the metrics (default: $OXPOKE_STATSD or 127.0.0.1:8125)')
    .option('--no-metrics', 'send no metrics')
    .action((o: { dir?: string; maxConcurrent?: string; events: string | boolean; statsd?: string; metrics: boolean }) => {
      const env = process.env;
      const maxConcurrent =
        o.maxConcurrent !== undefined
          ? parseMaxConcurrent(o.maxConcurrent)
          : env.OXPOKE_MAX_CONCURRENT
            ? parseMaxConcurrent(env.OXPOKE_MAX_CONCURRENT, 'OXPOKE_MAX_CONCURRENT')
            : DEFAULT_MAX_CONCURRENT;
      const events = o.events === false ? null : address(DEFAULT_COLLECT_PORT)(typeof o.events === 'string' ? o.events : env.OXPOKE_EVENTS || env.BLUEOX_HOST || '127.0.0.1');
      const statsd = o.metrics === false ? null : address(DEFAULT_STATSD_PORT)(o.statsd ?? (env.OXPOKE_STATSD || '127.0.0.1'));
      chosen = { serve: { dir: o.dir ?? (env.OXPOKE_DIR || DEFAULT_CHECK_FOLDER), maxConcurrent, events, statsd } };
    });
  if (argv.length === 0) {
    process.stderr.write(program.helpInformation());
    return EXIT_CODES.UNKNOWN;
  }
  try {
    parseCommandLine(program, argv);
  } catch (err) {
    // A Nagios plugin that cannot even start says UNKNOWN; help and version still exit 0.
    if (err instanceof UsageExit) return err.exitCode === 0 ? 0 : EXIT_CODES.UNKNOWN;
    if (err instanceof BlueOxError && err.code === 'EUSAGE') {
      process.stderr.write(`oxpoke: ${err.message}\n(run with --help for usage)\n`);
      return EXIT_CODES.UNKNOWN;
    }
    throw err;
  }
  if (chosen === null) {
    process.stderr.write(program.helpInformation());
    return EXIT_CODES.UNKNOWN;
  }
  const out = (t: string): boolean => process.stdout.write(t);
  const err = (t: string): boolean => process.stderr.write(t);
  // Set by a subcommand's action, which TypeScript does not see run.
  const picked = chosen as Chosen;
  if ('run' in picked) return runCommand(picked.run, out, err);
  if ('serve' in picked) return serveCommand(picked.serve);
  // Ctrl-C ends a load run early with its report; a second one stops at once.
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  return loadCommand(picked.load, out, err, stop.signal);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`oxpoke: internal error: ${(err as Error)?.stack ?? err}\n`);
    process.exit(EXIT_CODES.UNKNOWN);
  },
);
