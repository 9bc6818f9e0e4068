/**
 * oxingest: lines to BlueOx events, from standard input or from files
 * followed like `tail -F` (src/ingest/). `oxingest --help` documents every
 * flag, the type-name rule, the state file, signals and exit status.
 */
import { EXIT_USAGE, UsageExit } from '../config/command-line';
import { BlueOxError } from '../errors';
import { IngestOptions, parseIngestArgs } from '../ingest/args';
import { runFollow, runStdin } from '../ingest/run';
import { installSignals } from '../ingest/signals';

// First of all: before this, SIGUSR1 would open Node's inspector and SIGTERM kill outright.
installSignals();

const log = (message: string): void => {
  process.stderr.write(`oxingest: ${message}\n`);
};

async function main(argv: string[]): Promise<number> {
  let opts: IngestOptions;
  try {
    opts = parseIngestArgs(argv);
  } catch (err) {
    if (err instanceof UsageExit) return err.exitCode;
    if (err instanceof BlueOxError && err.code === 'EUSAGE') {
      process.stderr.write(`oxingest: ${err.message}\n(run with --help for usage)\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  return opts.type !== null ? runStdin(opts, log) : runFollow(opts, log);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`oxingest: internal error: ${(err as Error)?.stack ?? err}\n`);
    process.exit(70);
  },
);
