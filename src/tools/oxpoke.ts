/**
 * oxpoke: active checks written like QA tests (src/poke/). `oxpoke run
 * FILE…` runs the checks of the files once and exits as a Nagios plugin
 * does; `oxpoke --help` documents the flags.
 */
import { Command } from 'commander';
import { parseCommandLine, UsageExit } from '../config/command-line';
import { BlueOxError } from '../errors';
import { DEFAULT_COLLECT_PORT, Endpoint, parseEndpoint } from '../protocol/endpoint';
import { EXIT_CODES } from '../poke/nagios';
import { RunOptions, runCommand } from '../poke/run-command';
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

async function main(argv: string[]): Promise<number> {
  let chosen: RunOptions | null = null;
  const program = new Command('oxpoke')
    .description('Active checks written like QA tests: HTTP, HTTPS and TCP requests with assertions, results as BlueOx events and statsd metrics.')
    .version(VERSION);
  program
    .command('run')
    .description('run every check of the files once; print a Nagios status line; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN')
    .argument('<file...>', 'check files (TOML; the format: doc/poke.md)')
    .option('--events <host[:port]>', "oxd's collect port for the results (default: $BLUEOX_HOST or 127.0.0.1:3514)")
    .option('--no-events', 'send no events')
    .option('--statsd <host[:port]>', "the statsd port for the metrics (default: 127.0.0.1:8125)")
    .option('--no-metrics', 'send no metrics')
    .action((files: string[], o: { events: string | boolean; statsd?: string; metrics: boolean }) => {
      const events = o.events === false ? null : address(DEFAULT_COLLECT_PORT)(typeof o.events === 'string' ? o.events : process.env.BLUEOX_HOST || '127.0.0.1');
      const statsd = o.metrics === false ? null : address(DEFAULT_STATSD_PORT)(o.statsd ?? '127.0.0.1');
      chosen = { files, events, statsd };
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
  return runCommand(chosen, (t) => process.stdout.write(t), (t) => process.stderr.write(t));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`oxpoke: internal error: ${(err as Error)?.stack ?? err}\n`);
    process.exit(EXIT_CODES.UNKNOWN);
  },
);
