/**
 * What every BlueOx command does with its command line: commander parses,
 * `--help` and `--version` exit 0, and a bad flag prints the error and the
 * usage on stderr and exits 2, so scripts can tell a usage error (2) from a
 * runtime failure (1).
 */
import { Command, CommanderError } from 'commander';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Thrown by `parseCommandLine` instead of exiting, so callers (and tests) decide. */
export class UsageExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/** Help or output piped into `head` that closes early: end quietly, not with an EPIPE stack. */
function quietOnClosedStdout(): void {
  if (process.stdout.listenerCount('error') > 0) return;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

export function parseCommandLine(program: Command, argv: string[]): void {
  quietOnClosedStdout();
  // Subcommands made before this call do not inherit these settings: set them on every one.
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) c.exitOverride().showHelpAfterError('(run with --help for usage)');
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
      throw new UsageExit(ok ? EXIT_OK : EXIT_USAGE);
    }
    throw err;
  }
}

/** For options that may be given several times, e.g. -vv. */
export function increase(_value: string, previous: number | undefined): number {
  return (previous ?? 0) + 1;
}
