/**
 * oxstash: ships BlueOx events to Elasticsearch with the bulk API, from log
 * files, standard input or live from oxd. See `oxstash --help` and
 * src/ship/ for how documents, batches, retries and nodes work.
 *
 *   SIGTERM / SIGINT  stop reading, send what was read, print the summary, exit;
 *                     a second one gives up on what is still unanswered
 * Exit 0 when every event was indexed, 1 when some were rejected or not
 * delivered (or input was unreadable or cut short), 2 for usage errors.
 */
import { EXIT_FAILURE, EXIT_USAGE, UsageExit } from '../config/command-line';
import { describeError } from '../errors';
import { BulkClient } from '../ship/bulk-request';
import { EventFeed } from '../ship/event-feed';
import { NodePool } from '../ship/nodes';
import { OxstashOptions, OxstashUsageError, parseOxstashArgs } from '../ship/options';
import { ProgressLine } from '../ship/progress';
import { Shipper } from '../ship/shipper';
import { exitStatus, summaryLine } from '../ship/summary';
import { guardInspectorSignal } from '../config/process-guards';

async function run(opts: OxstashOptions): Promise<number> {
  const started = Date.now();
  let progress: ProgressLine | null = null;
  const say = (line: string): void => {
    // Messages go above the progress line, which is redrawn after them.
    process.stderr.write(`${progress ? '\r\x1b[K' : ''}oxstash: ${line}\n`);
  };
  const report = { warn: say, verbose: (line: string) => opts.verbose > 0 && say(line) };
  const client = new BulkClient({ timeoutMs: opts.requestTimeoutMs, auth: opts.auth, ca: opts.ca });
  const live = opts.input.kind === 'live';
  const shipper = new Shipper(
    {
      batchSize: opts.batchSize,
      flushIntervalMs: opts.flushIntervalMs,
      maxRetries: opts.maxRetries,
      initialBackoffMs: opts.initialBackoffMs,
      maxBackoffMs: opts.maxBackoffMs,
      keepGoing: live,
    },
    new NodePool(opts.nodes),
    client,
    report,
  );
  const feed = new EventFeed(shipper, opts.index, opts.typeName, report);
  const done = (): number => feed.filtered + shipper.stats.indexed + shipper.stats.rejected + shipper.stats.undelivered;

  let signals = 0;
  const onSignal = (name: string): void => {
    signals++;
    if (signals === 1) {
      if (!live) say(`${name}: stopping; sending what was read (again to give up at once)`);
      feed.stop();
    } else {
      say(`${name}: giving up on what is not yet answered`);
      shipper.interrupt(`interrupted by ${name}`);
    }
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));

  try {
    if (opts.input.kind === 'live') {
      report.verbose(`shipping live events from oxd at ${opts.input.control.host}:${opts.input.control.port}`);
      await feed.liveEvents(opts.input.control);
    } else {
      const files = opts.input.kind === 'stdin' ? ['-'] : [...opts.input.files];
      if (opts.input.kind === 'files' && opts.input.logPath !== null) files.push(...feed.logPathFiles(opts.input.logPath));
      if (opts.progress === 'on' || (opts.progress === 'auto' && process.stderr.isTTY)) {
        progress = new ProgressLine(process.stderr, done);
        const line = progress;
        void EventFeed.count(files).then((total) => total !== null && line.setTotal(total), () => undefined);
        progress.start();
      }
      await feed.files(files);
    }
  } catch (err) {
    say(describeError(err));
    feed.readFailed = true;
  }
  await shipper.finish();
  if (progress) {
    // Read to the end: what was done is the total, whether or not the counting pass has finished.
    if (!feed.cutShort && !feed.readFailed) progress.setTotal(done());
    progress.end();
  }
  progress = null;
  client.close();
  const outcome = {
    read: feed.read,
    filtered: feed.filtered,
    stats: shipper.stats,
    seconds: (Date.now() - started) / 1000,
    readFailed: feed.readFailed,
    cutShort: feed.cutShort && !live,
  };
  const status = exitStatus(outcome);
  if (outcome.cutShort && signals > 0) say('interrupted: the input was not shipped to its end');
  if (!opts.quiet || status !== 0) process.stderr.write(`${summaryLine(outcome)}\n`);
  return status;
}

function main(argv: string[]): Promise<number> {
  guardInspectorSignal();
  let opts: OxstashOptions;
  try {
    opts = parseOxstashArgs(argv, Boolean(process.stdin.isTTY));
  } catch (err) {
    if (err instanceof UsageExit) return Promise.resolve(err.exitCode);
    if (err instanceof OxstashUsageError) {
      process.stderr.write(`oxstash: ${err.message}\n(run with --help for usage)\n`);
      return Promise.resolve(EXIT_USAGE);
    }
    throw err;
  }
  return run(opts);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`oxstash: internal error: ${(err as Error)?.stack ?? err}\n`);
    process.exit(EXIT_FAILURE);
  },
);
