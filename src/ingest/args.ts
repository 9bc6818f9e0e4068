/**
 * oxingest's command line: the original's (`TYPE` for standard input,
 * `-F [TYPE:]PATH` to follow files, `-H host:port`) and what following
 * files for real needs (positions kept across restarts, long lines,
 * partial lines, rotation).
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { parseCommandLine } from '../config/command-line';
import { BlueOxError } from '../errors';
import { DEFAULT_COLLECT_PORT, Endpoint, parseEndpoint } from '../protocol/endpoint';
import { VERSION } from '../version';
import { FileSpec, parseFileSpec, typeNameProblem } from './file-spec';
import { QUEUE_LIMIT } from './sender';
import { defaultStatePath } from './state-file';

export interface IngestOptions {
  endpoint: Endpoint;
  /** Standard input mode: the event type of its lines. */
  type: string | null;
  /** Follow mode: the files. */
  files: FileSpec[];
  fromBeginning: boolean;
  stateFile: string;
  maxLineBytes: number;
  truncateLongLines: boolean;
  flushPartial: boolean;
  rotateWaitMs: number;
  lingerMs: number;
}

interface Flags {
  host?: string;
  file?: string[];
  fromBeginning?: boolean;
  stateFile?: string;
  maxLineBytes?: string;
  truncateLongLines?: boolean;
  flushPartial?: boolean;
  rotateWait?: string;
  linger?: string;
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;
export const DEFAULT_ROTATE_WAIT_MS = 5000;
export const DEFAULT_LINGER_MS = 5000;
/** oxd drops events over its --max-event-size (1 MiB by default); keep room for the rest of the event. */
const MAX_LINE_BYTES_LIMIT = 1_000_000;

const HELP_AFTER = `
Standard input: each line becomes one event of type TYPE, its body {"data": line} (the line without
its trailing newline and whitespace, as the original oxingest). A last line without a newline is sent
too. oxingest exits when its input ends and everything was delivered.

Following files (-F), like tail -n 0 -F:
  - a file seen for the first time is read from its end (only new lines), or from its start with
    --from-beginning; a file that does not exist yet is waited for and read from its start;
  - the position in each file (path, inode, byte offset) is kept in the state file, written
    atomically (temporary file + rename) every second while it changes and on exit, and only ever
    past lines oxd has been sent: a restart resumes exactly there. A file replaced while oxingest
    was stopped (another inode at the path) is read from its start, after the rest of the old one
    if that is still next to it (renamed, or a copytruncate copy);
  - rotation: a file renamed away (logrotate "create") is read to its end, and kept open for
    --rotate-wait after it stops growing for writers that reopen late, before the new file at the
    path is read from its start; a file truncated in place ("copytruncate") is read again from its
    start, after the lines not yet read are taken from the copy when it is next to it (<name>.1,
    <name>-DATE, ...; not compressed yet: use delaycompress);
  - a line longer than --max-line-bytes is sent in pieces of at most that many bytes (cut between
    UTF-8 characters), or cut short with --truncate-long-lines; both are counted (SIGUSR1);
  - a last line without a newline is held until it is completed; at exit it is kept for the next
    run (the saved position stays before it), or sent with --flush-partial.
  The type of "-F PATH" comes from the file name: the base name without a trailing ".log"
  (/var/log/nginx/access.log -> access, /var/log/syslog -> syslog, /var/log/mail.err -> mail.err);
  control characters, whitespace, "\\" and a leading "^" become "_", empty dot-separated parts are
  dropped (.hidden.log -> hidden), the name is cut to 63 bytes, and an empty result is "oxingest".
  "-F TYPE:PATH" names the type; a path with ":" and no "/" before it needs "./".

Delivery: lines wait in memory (up to ${QUEUE_LIMIT}) while oxd is unreachable or slow; when that is full,
oxingest stops reading until it drains, so no line is dropped. At exit it waits up to --linger for
them to reach oxd.

Signals:
  SIGTERM, SIGINT  stop reading, send what was read (up to --linger), write the state file, exit
  SIGUSR1          print each followed file's path, type, inode, offset, size, lines sent and lines
                   split or truncated, and the connection's counters, to stderr

Environment:
  BLUEOX_HOST      default for --host
  STATE_DIRECTORY, XDG_STATE_HOME  where the state file goes by default (see --state-file)

Exit status: 0 standard input ended and every line was delivered, or stopped by SIGTERM/SIGINT
(with -F, lines not delivered by then are not lost: the state file still points before them);
1 a runtime failure (lines of standard input not delivered within --linger, a state file that
cannot be written); 2 usage error.

Examples:
  echo "backup done" | oxingest notices
  oxingest -F /var/log/syslog -F nginx_access:/var/log/nginx/access.log`;

function program(): Command {
  return new Command('oxingest')
    .description('Send lines to oxd as BlueOx events: from standard input as events of TYPE, or from files followed like tail -F.')
    .version(VERSION, '-V, --version')
    .argument('[type]', 'event type for the lines of standard input (not with -F)')
    .option('-H, --host <host[:port]>', `oxd's collect port (default: $BLUEOX_HOST or 127.0.0.1:${DEFAULT_COLLECT_PORT})`)
    .option('-F, --file <[type:]path>', 'follow a file (repeat for more); the type comes from the file name unless given', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--from-beginning', 'with -F: read files seen for the first time from their start, not their end')
    .option('--state-file <path>', 'with -F: where positions are kept (default: $STATE_DIRECTORY/oxingest.json, else $XDG_STATE_HOME/blueox/oxingest.json, else ~/.local/state/blueox/oxingest.json)')
    .option('--max-line-bytes <n>', `longest line sent as one event; longer lines are split (default: ${DEFAULT_MAX_LINE_BYTES})`)
    .option('--truncate-long-lines', 'send only the first --max-line-bytes of a longer line instead of splitting it')
    .option('--flush-partial', 'with -F: at exit, send a last line that has no newline yet (default: keep it for the next run)')
    .option('--rotate-wait <ms>', `with -F: keep reading a file renamed away until it has not grown for this long (default: ${DEFAULT_ROTATE_WAIT_MS})`)
    .option('--linger <ms>', `at exit, wait at most this long for waiting lines to reach oxd (default: ${DEFAULT_LINGER_MS})`)
    .addHelpText('after', HELP_AFTER);
}

function usage(message: string): BlueOxError {
  return new BlueOxError('EUSAGE', message);
}

function integer(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw usage(`${flag} must be a whole number from ${min} to ${max}, not "${text}"`);
  }
  return Number(text);
}

/** Parses argv (without node and script); throws UsageExit (help, version, commander errors) or EUSAGE. */
export function parseIngestArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): IngestOptions {
  const cmd = program();
  parseCommandLine(cmd, argv);
  const flags = cmd.opts<Flags>();
  const fileArgs = flags.file ?? [];
  const type = (cmd.processedArgs[0] as string | undefined) ?? null;
  if (type !== null && fileArgs.length > 0) {
    throw usage(`a type name and -F do not go together: give each file's type as -F TYPE:PATH`);
  }
  if (type === null && fileArgs.length === 0) throw usage('a type name (for standard input) or -F FILE is required');
  if (type !== null) {
    const problem = typeNameProblem(type);
    if (problem !== null) throw usage(`type ${JSON.stringify(type)}: ${problem}`);
    for (const [set, flag] of [
      [flags.fromBeginning, '--from-beginning'],
      [flags.stateFile, '--state-file'],
      [flags.flushPartial, '--flush-partial'],
      [flags.rotateWait, '--rotate-wait'],
    ] as const) {
      if (set) throw usage(`${flag} only applies to files followed with -F`);
    }
  }
  let endpoint: Endpoint;
  try {
    endpoint = parseEndpoint(flags.host ?? env.BLUEOX_HOST ?? '', DEFAULT_COLLECT_PORT);
  } catch (err) {
    throw usage(`${flags.host !== undefined ? '--host' : 'BLUEOX_HOST'}: ${(err as Error).message}`);
  }
  const files: FileSpec[] = [];
  const seen = new Set<string>();
  for (const spec of fileArgs) {
    let f: FileSpec;
    try {
      f = parseFileSpec(spec);
    } catch (err) {
      throw usage((err as Error).message);
    }
    const key = path.resolve(f.path);
    if (seen.has(key)) throw usage(`-F ${JSON.stringify(spec)}: ${key} is already followed`);
    seen.add(key);
    files.push(f);
  }
  if (flags.stateFile === '') throw usage('--state-file must not be empty');
  return {
    endpoint,
    type,
    files,
    fromBeginning: flags.fromBeginning === true,
    stateFile: flags.stateFile ?? defaultStatePath(env),
    maxLineBytes: integer('--max-line-bytes', flags.maxLineBytes ?? String(DEFAULT_MAX_LINE_BYTES), 16, MAX_LINE_BYTES_LIMIT),
    truncateLongLines: flags.truncateLongLines === true,
    flushPartial: flags.flushPartial === true,
    rotateWaitMs: integer('--rotate-wait', flags.rotateWait ?? String(DEFAULT_ROTATE_WAIT_MS), 0, 3_600_000),
    lingerMs: integer('--linger', flags.linger ?? String(DEFAULT_LINGER_MS), 0, 600_000),
  };
}
