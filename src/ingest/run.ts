/**
 * The two ways oxingest runs: standard input to the end, or following
 * files until a signal. Both resolve to the exit status.
 */
import * as path from 'node:path';
import { EXIT_FAILURE, EXIT_OK } from '../config/command-line';
import { describeError } from '../errors';
import { formatEndpoint } from '../protocol/endpoint';
import type { IngestOptions } from './args';
import { Follower } from './follower';
import { formatReport } from './report';
import { onReport, onStop } from './signals';
import { Sender } from './sender';
import { loadState, StateFile, toPosition } from './state-file';
import { StdinSource } from './stdin-source';

export type Log = (message: string) => void;

const TICK_MS = 250;
const SAVE_MS = 1000;

function newSender(opts: IngestOptions, log: Log): Sender {
  return new Sender({ endpoint: opts.endpoint, lingerMs: opts.lingerMs, onWarning: log });
}

export async function runStdin(opts: IngestOptions, log: Log): Promise<number> {
  const sender = newSender(opts, log);
  const source = new StdinSource(opts.type!, sender, opts);
  const where = formatEndpoint(opts.endpoint);
  onReport(() =>
    formatReport(where, sender.handed, sender.stats(), [
      { path: '-', type: opts.type!, phase: 'reading', inode: null, offset: 0, size: null, retired: 0, counts: source.counts },
    ]),
  );
  onStop(() => source.stop());
  let failed = false;
  await source.run((err) => {
    log(`reading standard input: ${describeError(err)}`);
    failed = true;
  });
  const lost = (await sender.shutdown()) + source.unsent;
  if (lost > 0) {
    log(`${lost} of ${source.counts.lines + source.unsent} lines could not be delivered to oxd at ${where} within --linger ${opts.lingerMs} ms`);
    return EXIT_FAILURE;
  }
  return failed ? EXIT_FAILURE : EXIT_OK;
}

export async function runFollow(opts: IngestOptions, log: Log): Promise<number> {
  const loaded = loadState(opts.stateFile);
  if (loaded.problem !== null) log(loaded.problem);
  const state = new StateFile(opts.stateFile, loaded.entries);
  try {
    state.save(true);
  } catch (err) {
    log(`cannot write the state file: ${describeError(err)} (choose another with --state-file)`);
    return EXIT_FAILURE;
  }
  const sender = newSender(opts, log);
  const where = formatEndpoint(opts.endpoint);
  const followers = opts.files.map(
    (spec) => new Follower(spec, sender, opts, log, toPosition(loaded.entries.get(path.resolve(spec.path)))),
  );

  let saveProblem = '';
  const save = (force = false): boolean => {
    try {
      const delivered = sender.delivered();
      for (const f of followers) state.set(f.path, f.type, f.position(delivered));
      state.save(force);
      saveProblem = '';
      return true;
    } catch (err) {
      const message = `cannot write the state file: ${describeError(err)}`;
      if (message !== saveProblem) log(message);
      saveProblem = message;
      return false;
    }
  };

  onReport(() =>
    formatReport(
      where,
      sender.handed,
      sender.stats(),
      followers.map((f) => ({ path: f.path, type: f.type, phase: f.phase, counts: f.counts, ...f.describe() })),
    ),
  );
  const stopped = new Promise<string>((resolve) => onStop(resolve));
  for (const f of followers) f.start();
  const ticker = setInterval(() => {
    for (const f of followers) f.tick();
  }, TICK_MS);
  const saver = setInterval(() => save(), SAVE_MS);

  const signal = await stopped;
  clearInterval(ticker);
  clearInterval(saver);
  for (const f of followers) f.stop(opts.flushPartial);
  const lost = await sender.shutdown();
  const saved = save(true);
  const stats = sender.stats();
  log(`stopped (${signal}): ${stats.sent} lines sent to oxd at ${where}` + (lost > 0 ? `, ${lost} not delivered within --linger ${opts.lingerMs} ms (the state file points before them: they are read again on the next start)` : ''));
  return saved ? EXIT_OK : EXIT_FAILURE;
}
