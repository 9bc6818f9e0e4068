/**
 * oxview: shows BlueOx events from files, standard input, a log path and
 * date range, or live from oxd.
 */
import { Command, Option } from 'commander';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, increase, parseCommandLine, UsageExit } from '../config/command-line';
import { BlueOxError, describeError } from '../errors';
import { controlEndpoint } from '../remote/control-request';
import { subscribeStream } from '../remote/stream-subscriber';
import { eventFields, isEventBytes } from '../store/event-fields';
import { findLogFiles, parseDateArg, typeMatcher } from '../store/find-logs';
import { describeProblems, readLogFile, ReadResult } from '../store/read-log';
import { palette } from '../view/format';
import { Grouper } from '../view/grouper';
import { Output } from '../view/output';
import { EventPrinter } from '../view/printer';
import { VERSION } from '../version';
import { guardInspectorSignal } from '../config/process-guards';

/** Exit status when some input could not be decoded and was skipped. */
const EXIT_SKIPPED = 3;
const DAY_MS = 86_400_000;

interface Flags {
  typeName?: string;
  host?: string;
  logPath?: string;
  startDate?: string;
  endDate?: string;
  pretty?: boolean;
  group?: boolean;
  color?: boolean;
  syslog?: boolean;
  rfc5424?: boolean;
  verbose: number;
}

function program(): Command {
  return new Command('oxview')
    .description('Show BlueOx events: from files, standard input, a log path and date range, or live from oxd.')
    .version(VERSION, '-V, --version')
    .argument('[files...]', 'log files to read (.log, .gz or .bz2); "-" is standard input')
    .option('-n, --type-name <type>', 'only events of this type; "request*" means every type starting with "request"')
    .option('-H, --host <host[:port]>', 'read live from oxd at this control port (default $BLUEOX_CLIENT_HOST or 127.0.0.1:3513)')
    .option('-l, --log-path <dir>', 'read the dated files under <dir> (with --type-name, --start-date, --end-date)')
    .option('--start-date <date>', 'with --log-path: from YYYYMMDD or "YYYYMMDD HH:MM" UTC (default: today)')
    .option('--end-date <date>', 'with --log-path: up to the end of YYYYMMDD, or to "YYYYMMDD HH:MM" (default: the start day)')
    .option('-p, --pretty', 'a header per event (type, short id, host:pid, duration) and the indented body')
    .option('--group', 'join each event with its sub-events (same id) and show them together')
    .option('--syslog', 'syslog events as classic syslog lines: "Dec  4 16:02:44 host app[123]: message" (local time)')
    .option('--rfc5424', 'syslog events as RFC 5424 lines: "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MESSAGE"')
    .option('--color', 'colour --pretty output even when not writing to a terminal')
    .option('--no-color', 'never colour (also when NO_COLOR is set)')
    .addOption(new Option('-v, --verbose', 'say where events come from and about reconnections').argParser(increase).default(0))
    .addHelpText(
      'after',
      `
Without files, --log-path or --host: reads standard input, or oxd live when standard input is a terminal.
Output is one JSON object per line unless --pretty. Output to a closed pipe (oxview ... | head)
ends quietly. With --syslog or --rfc5424, events of type "syslog" are one syslog line each (control
characters as #ooo: #012 for a newline) and other events print as they would without them (add
-n syslog for syslog lines only); the SYSLOG LINES section of man oxview has the details.

Live mode (--host) waits for oxd while it is away and follows it across restarts; it ends on SIGINT
or SIGTERM, or when its output is closed.

Exit status: 0 ok, 1 a file could not be read, 2 usage error, 3 some input was damaged or cut off
and skipped (reported on stderr; everything decodable was shown).`,
    );
}

/** [start, end) in milliseconds from the date flags. */
function dateRange(flags: Flags): [number, number] {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const start = flags.startDate ? parseDateArg(flags.startDate, '--start-date') : today;
  if (!flags.endDate) return [start, Math.floor(start / DAY_MS) * DAY_MS + DAY_MS];
  const end = parseDateArg(flags.endDate, '--end-date');
  // A bare day is inclusive: up to the end of it.
  return [start, /\d{2}:\d{2}/.test(flags.endDate) ? end : end + DAY_MS];
}

async function main(argv: string[]): Promise<number> {
  guardInspectorSignal();
  const cmd = program();
  try {
    parseCommandLine(cmd, argv);
  } catch (err) {
    if (err instanceof UsageExit) return err.exitCode;
    throw err;
  }
  const flags = cmd.opts<Flags>();
  const files = cmd.args;
  const say = (message: string): void => {
    if (flags.verbose > 0) process.stderr.write(`oxview: ${message}\n`);
  };
  const usage = (message: string): number => {
    process.stderr.write(`oxview: ${message}\n(run with --help for usage)\n`);
    return EXIT_USAGE;
  };
  if ((flags.startDate || flags.endDate) && !flags.logPath) return usage('--start-date and --end-date go with --log-path');
  if (flags.syslog && flags.rfc5424) return usage('give --syslog or --rfc5424, not both');
  const syslogForm = flags.syslog ? 'classic' : flags.rfc5424 ? 'rfc5424' : null;
  if (syslogForm && flags.group) return usage(`--${flags.syslog ? 'syslog' : 'rfc5424'} prints one line per event: it does not go with --group`);
  if ([files.length > 0, Boolean(flags.logPath), Boolean(flags.host)].filter(Boolean).length > 1) {
    return usage('give files, --log-path or --host, not several');
  }

  let range: [number, number] | null = null;
  if (flags.logPath) {
    try {
      range = dateRange(flags);
    } catch (err) {
      return usage((err as Error).message);
    }
  }

  const out = new Output();
  const colors = palette(Boolean(process.stdout.isTTY), flags.color === undefined ? undefined : flags.color);
  const printer = new EventPrinter(out, Boolean(flags.pretty), colors, syslogForm);
  const matches = typeMatcher(flags.typeName);
  let window: [number, number] | null = null;
  const grouper = flags.group ? new Grouper((group) => printer.group(group)) : null;
  // Plain JSON lines of every event need nothing from inside the event: the common case stays a copy.
  const needFields = Boolean(flags.pretty || flags.group || flags.typeName || flags.logPath || syslogForm);
  const show = (raw: Buffer): void => {
    if (!needFields) return printer.event(raw, null);
    const fields = eventFields(raw);
    if (!matches(String(fields.type))) return;
    const end = fields.end;
    if (window && typeof end === 'number' && (end * 1000 < window[0] || end * 1000 >= window[1])) return;
    if (grouper) grouper.push({ raw, fields });
    else printer.event(raw, fields);
  };

  let failed = false;
  let skipped = false;
  const report = (r: ReadResult): void => {
    const problems = describeProblems(r);
    if (problems) process.stderr.write(`oxview: ${problems}\n`);
    if (r.error) failed = true;
    else if (r.skipped.length) skipped = true;
  };

  try {
    if (flags.host || (files.length === 0 && !flags.logPath && process.stdin.isTTY)) {
      const abort = new AbortController();
      const stop = (): void => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      void out.gone.then(stop);
      const control = controlEndpoint(flags.host);
      for await (const { body } of subscribeStream(control, { filter: flags.typeName, onStatus: say, signal: abort.signal })) {
        if (!isEventBytes(body)) {
          process.stderr.write('oxview: skipped a streamed event that is not a msgpack map\n');
          continue;
        }
        show(body);
        printer.flush();
        await out.ready();
      }
    } else {
      let sources = files.length ? files : ['-'];
      if (flags.logPath && range) {
        window = range;
        const found = findLogFiles(flags.logPath, flags.typeName, window[0], window[1]);
        say(`${found.length} files under ${flags.logPath}`);
        sources = found.map((f) => f.path);
      }
      for (const source of sources) {
        say(`reading ${source}`);
        report(await readLogFile(source, show, () => out.ready()));
        if (out.closed) break;
      }
    }
  } catch (err) {
    if (!(err instanceof BlueOxError) && !(err as NodeJS.ErrnoException).code) throw err;
    process.stderr.write(`oxview: ${describeError(err)}\n`);
    failed = true;
  }
  grouper?.end();
  printer.flush();
  await out.ready();
  return failed ? EXIT_FAILURE : skipped ? EXIT_SKIPPED : EXIT_OK;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`oxview: internal error: ${(err as Error)?.stack ?? err}\n`);
    process.exitCode = 70;
  },
);
