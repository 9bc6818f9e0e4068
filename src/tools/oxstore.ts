/**
 * oxstore: manages the dated log files under a log path: lists them,
 * compresses the ones oxd no longer writes (gzip), deletes old archives, and
 * reads events back out of them.
 */
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import { ByteOutput, runCat } from '../archive/cat';
import { catRange, formatJson, formatTable, formatTsv, listed, listRange } from '../archive/listing';
import { describeHolder, StoreLock } from '../archive/lock';
import { formatBytes, Progress } from '../archive/progress';
import { runPrune } from '../archive/prune';
import { temporaryInProgress } from '../archive/gzip-file';
import { Reporter, runZip } from '../archive/zip';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseCommandLine, UsageExit } from '../config/command-line';
import { BlueOxError, describeError } from '../errors';
import { findLogFiles } from '../store/find-logs';
import { VERSION } from '../version';
import { guardInspectorSignal } from '../config/process-guards';

/** cat: some input was damaged, cut off or unreadable and was skipped. */
const EXIT_SKIPPED = 3;
const DEFAULT_LOG_PATH = '/var/log/blueox';

interface Flags {
  logPath: string;
  start?: string;
  end?: string;
  json?: boolean;
  dryRun?: boolean;
  wait?: string | boolean;
  progress?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  retainDays: string;
}

type Chosen = { name: 'list' | 'zip' | 'prune' | 'cat'; flags: Flags; type?: string };

const EXIT_HELP = `
Exit status: 0 done; 1 a runtime failure (log path unreadable, lock held, a file could not be
archived or removed); 2 usage error; 3 (cat) some input was damaged or cut off and was skipped.`;

function program(choose: (c: Chosen) => void): Command {
  const root = new Command('oxstore')
    .description('Manage BlueOx log files under a log path: list, zip (gzip what oxd no longer writes), prune old archives, cat events back out.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_HELP);
  const logPath = (): Option => new Option('-p, --log-path <dir>', 'the log path oxd writes').default(DEFAULT_LOG_PATH);
  const range = (c: Command, startDefault: string, endDefault: string): Command =>
    c.option('-s, --start <date>', `from YYYYMMDD or "YYYYMMDD HH:MM", UTC (default: ${startDefault})`)
      .option('-e, --end <date>', `to the end of day YYYYMMDD, or to "YYYYMMDD HH:MM" (default: ${endDefault})`);
  const locking = (c: Command): Command =>
    c.option('-n, --dry-run', 'show what would be done; change nothing')
      .option('--wait [seconds]', 'if another zip or prune holds the log path, wait for it (for ever, or this long)')
      .option('-v, --verbose', 'also say which files are kept, and why')
      .option('-q, --quiet', 'say only what went wrong');

  range(root.command('list').summary('list the log files').description('List the log files: type, date, host, size, compression.')
    .argument('[type]', 'only this type; "request*" for every type starting with "request"')
    .addOption(logPath()), 'the first file', 'the last file')
    .option('--json', 'a JSON array instead of a table (terminal) or tab-separated lines (otherwise)')
    .addHelpText('after', '\nTab-separated columns: type, date stamp, host (- for none), size in bytes, compression (gz, bz2 or -), file.')
    .action((type: string | undefined, flags: Flags) => choose({ name: 'list', type, flags }));

  locking(root.command('zip').summary('gzip the files oxd no longer writes').description(
    'Gzip every log file oxd no longer writes: all but the newest of each type (and host), only after its UTC day is over ' +
    '(plus 15 minutes), never while any process has it open for writing. Each file is compressed to NAME.gz.tmp, synced, ' +
    'renamed to NAME.gz, checked against the original, and only then the original is removed.')
    .addOption(logPath()))
    .option('--progress', 'show progress on standard error even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .action((flags: Flags) => choose({ name: 'zip', flags }));

  locking(root.command('prune').summary('delete archives older than --retain-days').description(
    'Delete archives (.gz, .bz2) dated more than --retain-days days before today (UTC), and the day folders that leaves empty. ' +
    'Uncompressed files are never deleted.')
    .addOption(logPath()))
    .option('-d, --retain-days <days>', 'keep archives of this many days before today', '7')
    .action((flags: Flags) => choose({ name: 'prune', flags }));

  range(root.command('cat').summary('write the events of a type and date range to standard output').description(
    'Write the events of a type in a date range to standard output, oldest file first, decompressed: as the stored msgpack ' +
    'bytes (pipe them into oxview), or with --json one JSON object per line.')
    .argument('<type>', 'the type; "request*" for every type starting with "request"')
    .addOption(logPath()), 'today', 'one day after the start')
    .option('--json', 'one JSON object per event instead of msgpack bytes')
    .addHelpText('after', '\nWhole files are read: every file that may hold events of the range. Damaged or cut-off input is skipped and reported (exit 3).')
    .action((type: string, flags: Flags) => choose({ name: 'cat', type, flags }));
  return root;
}

function reporter(flags: Flags): Reporter {
  return {
    action: (l) => void (flags.quiet || process.stdout.write(`${l}\n`)),
    detail: (l) => void ((flags.verbose || flags.dryRun) && !flags.quiet && process.stdout.write(`${l}\n`)),
    problem: (l) => void process.stderr.write(`oxstore: ${l}\n`),
  };
}

function waitMs(flags: Flags): number {
  if (flags.wait === undefined || flags.wait === false) return 0;
  if (flags.wait === true) return Infinity;
  const s = Number(flags.wait);
  if (!Number.isFinite(s) || s < 0) throw new BlueOxError('EUSAGE', `--wait "${flags.wait}" is not a number of seconds`);
  return s * 1000;
}

/** zip and prune: under the lock, which signals and errors release too. */
async function locked(c: Chosen, work: () => Promise<boolean>): Promise<number> {
  const wait = waitMs(c.flags);
  if (c.name === 'prune' && !/^\d+$/.test(c.flags.retainDays)) throw new BlueOxError('EUSAGE', `--retain-days "${c.flags.retainDays}" is not a whole number of days`);
  fs.readdirSync(c.flags.logPath); // a missing log path is a runtime failure before any lock
  const attempt = await StoreLock.acquire(c.flags.logPath, `oxstore ${c.name}`, wait, 200, (busy) => {
    if (!busy.held && !c.flags.quiet) process.stderr.write(`oxstore: ${c.flags.logPath} is locked by ${describeHolder(busy.holder)}; waiting\n`);
  });
  if (!attempt.held) {
    process.stderr.write(`oxstore: ${c.flags.logPath} is locked by ${describeHolder(attempt.holder)}: ${attempt.why}; try again later, or use --wait\n`);
    return EXIT_FAILURE;
  }
  const { lock } = attempt;
  const onSignal = (signal: NodeJS.Signals, code: number): void => {
    const tmp = temporaryInProgress();
    if (tmp) fs.rmSync(tmp, { force: true });
    lock.release();
    process.stderr.write(`\noxstore: ${signal}: stopped; every file is either as it was or completely archived\n`);
    process.exit(code);
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  process.once('SIGHUP', () => onSignal('SIGHUP', 129));
  try {
    return (await work()) ? EXIT_OK : EXIT_FAILURE;
  } finally {
    lock.release();
  }
}

async function run(c: Chosen): Promise<number> {
  const { flags } = c;
  const report = reporter(flags);
  switch (c.name) {
    case 'list': {
      const [start, end] = listRange(flags.start, flags.end);
      const files = listed(findLogFiles(flags.logPath, c.type, start, end));
      const text = flags.json ? formatJson(files) : process.stdout.isTTY ? formatTable(files) : formatTsv(files);
      const out = new ByteOutput(process.stdout);
      out.write(text);
      await out.end();
      return EXIT_OK;
    }
    case 'zip':
      return locked(c, async () => {
        const showProgress = flags.progress ?? Boolean(process.stderr.isTTY);
        const s = await runZip({
          root: flags.logPath,
          dryRun: Boolean(flags.dryRun),
          report,
          progress: (files, bytes) => (showProgress && !flags.dryRun && files > 0 ? new Progress(files, bytes, process.stderr) : null),
        });
        const sizes = s.zipped ? ` (${formatBytes(s.bytesIn)} → ${formatBytes(s.bytesOut)})` : '';
        const what = flags.dryRun ? 'zip --dry-run: nothing changed' : `zip: ${s.zipped} zipped${sizes}`;
        report.action(`${what}; ${s.finished} finished, ${s.kept} kept, ${s.failed} failed, ${s.temporaries} left-over temporary file(s)`);
        return s.failed === 0;
      });
    case 'prune':
      return locked(c, async () => {
        const s = runPrune(flags.logPath, Number(flags.retainDays), Boolean(flags.dryRun), report);
        report.action(`prune${flags.dryRun ? ' --dry-run' : ''}: ${s.removed} archive(s) (${formatBytes(s.bytes)}) and ${s.folders} folder(s) ${flags.dryRun ? 'would be ' : ''}removed, ${s.kept} uncompressed kept, ${s.failed} failed`);
        return s.failed === 0;
      });
    case 'cat': {
      const [start, end] = catRange(flags.start, flags.end);
      if (!flags.json && process.stdout.isTTY) {
        throw new BlueOxError('EUSAGE', 'not writing msgpack bytes to a terminal: pipe them (oxstore cat TYPE | oxview), or use --json');
      }
      const out = new ByteOutput(process.stdout);
      const r = await runCat({ root: flags.logPath, type: c.type!, start, end, json: Boolean(flags.json), out, problem: report.problem });
      await out.end();
      if (r.files === 0) report.problem(`no ${c.type} files between ${new Date(start).toISOString()} and ${new Date(end).toISOString()} under ${flags.logPath}`);
      return r.skipped && !out.closed ? EXIT_SKIPPED : EXIT_OK;
    }
  }
}

async function main(argv: string[]): Promise<number> {
  guardInspectorSignal();
  // A reader that went away (oxstore ... | head) is not an error: what is still to print is dropped.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    process.stderr.write(`oxstore: cannot write to standard output: ${describeError(err)}\n`);
    process.exit(EXIT_FAILURE);
  });
  let chosen: Chosen | undefined;
  const cmd = program((c) => (chosen = c));
  try {
    parseCommandLine(cmd, argv);
  } catch (err) {
    if (!(err instanceof UsageExit)) throw err;
    // Without a subcommand commander prints the help as for --help: that is a usage error.
    const askedForHelp = argv.some((a) => ['-h', '--help', '-V', '--version', 'help'].includes(a));
    return err.exitCode === EXIT_OK && !askedForHelp ? EXIT_USAGE : err.exitCode;
  }
  if (!chosen) return EXIT_USAGE;
  try {
    return await run(chosen);
  } catch (err) {
    const usage = err instanceof BlueOxError && (err.code === 'EUSAGE' || err.code === 'EDATE');
    process.stderr.write(`oxstore: ${usage ? (err as Error).message : describeError(err)}\n${usage ? '(run with --help for usage)\n' : ''}`);
    return usage ? EXIT_USAGE : EXIT_FAILURE;
  }
}

// Nothing left to wait for before main finished: a promise that can never settle. Say so rather than exit 0.
process.once('beforeExit', () => {
  process.stderr.write('oxstore: internal error: stopped before finishing (nothing left to wait for)\n');
  process.exit(70);
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`oxstore: internal error: ${(err as Error)?.stack ?? err}\n`);
    process.exit(70);
  },
);
