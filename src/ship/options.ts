/**
 * oxstash's command line: the original's flags (`-n`, `-H`, `-l`, `-e`,
 * `-i/--index_name`, `-p/--index_base`, `--chunk_size`, `--request_timeout`,
 * `-v`; the underscore spellings are aliases of the dashed ones) and what
 * this version adds (retries, backoff, flush interval, credentials, CA
 * certificate, progress).
 *
 * Where events come from, as in the original: files (or `-l DIR`) when
 * given; else live from oxd when `-H` is given or standard input is a
 * terminal; else standard input.
 */
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import { increase, parseCommandLine } from '../config/command-line';
import { BlueOxError } from '../errors';
import { Endpoint } from '../protocol/endpoint';
import { controlEndpoint } from '../remote/control-request';
import { VERSION } from '../version';
import { IndexChoice, indexDay, indexNameProblem } from './document';
import { NodeSpec, parseNodes } from './nodes';

export type Input = { kind: 'live'; control: Endpoint } | { kind: 'files'; files: string[]; logPath: string | null } | { kind: 'stdin' };

export interface OxstashOptions {
  input: Input;
  typeName: string | null;
  nodes: NodeSpec[];
  index: IndexChoice;
  batchSize: number;
  requestTimeoutMs: number;
  maxRetries: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  flushIntervalMs: number;
  auth: string | null;
  ca: Buffer | undefined;
  progress: 'auto' | 'on' | 'off';
  quiet: boolean;
  verbose: number;
}

export const PASSWORD_ENV = 'OXSTASH_PASSWORD';

/** A flag that cannot be used; oxstash exits 2. */
export class OxstashUsageError extends BlueOxError {
  constructor(message: string) {
    super('EUSAGE', message);
  }
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** The original's underscore spellings, hidden from --help, setting the dashed option. */
const ALIASES: [string, string][] = [
  ['--index_name <name>', 'indexName'],
  ['--index_base <name>', 'indexBase'],
  ['--chunk_size <n>', 'batchSize'],
  ['--request_timeout <seconds>', 'requestTimeout'],
];

function program(): Command {
  const cmd = new Command('oxstash')
    .description('Ship BlueOx events to Elasticsearch with the bulk API: from log files (any compression), ' +
      'standard input, or live from oxd.')
    .usage('[options] [file...]')
    .argument('[file...]', 'log files to ship (.log, .gz, .bz2; "-" for standard input)')
    .version(VERSION, '-V, --version')
    .option('-H, --host <host[:port]>', 'ship live events from the oxd whose control port this is (default when standard input is a terminal: $BLUEOX_CLIENT_HOST or 127.0.0.1:3513)')
    .option('-n, --type-name <name>', 'only events of this type; "name*" for every type starting with "name"')
    .option('-l, --log-path <dir>', 'ship the stored files under DIR (DIR/YYYYMMDD/TYPE-*.log*), of the types -n selects')
    .option('-e, --elasticsearch <node>', 'Elasticsearch node host[:port] or http(s)://host[:port][/prefix]; repeat (or separate with commas) for several, used in turn (default: localhost:9200)', collect)
    .option('-p, --index-base <name>', 'index events in NAME-YYYY.MM.DD, by their end time in UTC (default: blueox; also --index_base)')
    .option('-i, --index-name <name>', 'index every event in this one index instead (also --index_name)')
    .option('--batch-size <n>', 'events per bulk request (default: 500; also --chunk_size)')
    .option('--request-timeout <seconds>', 'give up on a request not answered within this time, and retry it (default: 10; also --request_timeout)')
    .option('--max-retries <n>', 'send a batch again at most this many times (429, 5xx, no answer; default: 5)')
    .option('--initial-backoff <seconds>', 'wait before the first retry, doubled for each further one (default: 1)')
    .option('--max-backoff <seconds>', 'longest wait between retries (default: 60)')
    .option('--flush-interval <seconds>', 'send a batch that is not full after this long: live and piped input (default: 1)')
    .option('--user <name>', `HTTP basic authentication user; the password is read from $${PASSWORD_ENV}`)
    .option('--ca-cert <file>', 'trust this PEM certificate authority for https:// nodes')
    .option('--progress', 'show the progress line even when standard error is not a terminal')
    .option('-q, --quiet', 'no progress line, and no summary when everything was indexed')
    .addOption(new Option('-v, --verbose', 'say more: every retry, the stream connection').argParser(increase).default(0))
    .addHelpText('after', `
Documents: the event as it is, plus "@timestamp" (its end, ISO 8601 UTC) and "duration"
(end - start, seconds). Bytes that are not UTF-8 become the text \\xNN. The _id is derived from
the event's bytes, so retried requests and files shipped twice do not duplicate documents.

Signals:
  SIGTERM, SIGINT  stop reading, send what was read, print the summary, exit; a second one stops at once

Environment:
  BLUEOX_CLIENT_HOST  default for --host
  ${PASSWORD_ENV}    password for --user

Exit status: 0 when every event was indexed, 1 when some were rejected or could not be
delivered (or input could not be read, was damaged, or shipping files was interrupted), 2 for a
usage error.`);
  for (const [flags, target] of ALIASES) {
    const alias = new Option(flags).hideHelp();
    cmd.addOption(alias);
    cmd.on(`option:${alias.name()}`, (value: string) => cmd.setOptionValueWithSource(target, value, 'cli'));
  }
  return cmd;
}

function number(text: string, flag: string, min: number, integer: boolean): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new OxstashUsageError(`${flag} "${text}": expected ${integer ? 'a whole number' : 'a number'} of at least ${min}`);
  }
  return n;
}

function indexChoice(given: string | undefined, fixed: string | undefined): IndexChoice {
  const base = given ?? 'blueox';
  if (fixed !== undefined && given !== undefined) throw new OxstashUsageError('--index-name and --index-base exclude each other: one fixed index, or one per day');
  const check = (name: string, flag: string, shown = name): void => {
    const problem = indexNameProblem(name);
    if (problem) throw new OxstashUsageError(`${flag} "${shown}" cannot name an Elasticsearch index: ${problem}`);
  };
  if (fixed !== undefined) check(fixed, '--index-name');
  else check(`${base}-${indexDay(0)}`, '--index-base', base);
  return { base, fixed: fixed ?? null };
}

/** Parses argv (without node and script). Throws UsageExit (help, version, commander errors) or OxstashUsageError. */
export function parseOxstashArgs(argv: string[], stdinIsTTY: boolean, env: NodeJS.ProcessEnv = process.env): OxstashOptions {
  const cmd = program();
  parseCommandLine(cmd, argv);
  const o = cmd.opts();
  const files = cmd.args;
  const fromFiles = files.length > 0 || o.logPath !== undefined;
  if (o.host !== undefined && fromFiles) throw new OxstashUsageError('-H/--host ships live events from oxd; it cannot be combined with files or --log-path');
  if (o.quiet && o.progress) throw new OxstashUsageError('--quiet and --progress exclude each other');
  let input: Input;
  if (fromFiles) input = { kind: 'files', files, logPath: o.logPath ?? null };
  else if (o.host !== undefined || stdinIsTTY) input = { kind: 'live', control: parseOrUsage(() => controlEndpoint(o.host, env)) };
  else input = { kind: 'stdin' };
  // `-n "*"` (the original's default) and an empty name select everything.
  const typeName = o.typeName ?? null;
  let auth: string | null = null;
  if (o.user !== undefined) {
    const password = env[PASSWORD_ENV];
    if (password === undefined) throw new OxstashUsageError(`--user ${o.user}: set the password in $${PASSWORD_ENV}`);
    auth = `${o.user}:${password}`;
  }
  let ca: Buffer | undefined;
  if (o.caCert !== undefined) {
    try {
      ca = fs.readFileSync(o.caCert);
    } catch (err) {
      throw new OxstashUsageError(`--ca-cert ${o.caCert}: ${(err as Error).message}`);
    }
  }
  return {
    input,
    typeName: typeName === '' || typeName === '*' ? null : typeName,
    nodes: parseOrUsage(() => parseNodes(o.elasticsearch ?? [])),
    index: indexChoice(o.indexBase, o.indexName),
    batchSize: number(o.batchSize ?? '500', '--batch-size', 1, true),
    requestTimeoutMs: number(o.requestTimeout ?? '10', '--request-timeout', 0.001, false) * 1000,
    maxRetries: number(o.maxRetries ?? '5', '--max-retries', 0, true),
    initialBackoffMs: number(o.initialBackoff ?? '1', '--initial-backoff', 0, false) * 1000,
    maxBackoffMs: number(o.maxBackoff ?? '60', '--max-backoff', 0, false) * 1000,
    flushIntervalMs: number(o.flushInterval ?? '1', '--flush-interval', 0.001, false) * 1000,
    auth,
    ca,
    progress: o.quiet ? 'off' : o.progress ? 'on' : 'auto',
    quiet: Boolean(o.quiet),
    verbose: o.verbose as number,
  };
}

function parseOrUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof BlueOxError) throw new OxstashUsageError(err.message);
    throw err;
  }
}
