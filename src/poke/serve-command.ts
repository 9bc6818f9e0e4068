/**
 * `oxpoke serve`: the service. Runs every check of the folder's files on its
 * schedule (check-scheduler.ts) until stopped, reporting every run and every
 * change of state (service-report.ts), and tells systemd how it is doing
 * (Type=notify: READY, RELOADING, STOPPING, STATUS, the watchdog).
 *
 * - SIGHUP reads the folder again. A file that cannot be loaded leaves the
 *   checks running as they were, and the error names the file, the line and
 *   the key; otherwise unchanged checks keep their state and schedule,
 *   removed ones stop, new ones start.
 * - SIGTERM and SIGINT stop starting runs, wait for the runs under way
 *   (each bounded by its timeouts), send what is queued, and exit 0.
 * - A folder that cannot be read or loaded at start-up exits 1 with the
 *   message; an empty folder is fine: the service runs nothing until a
 *   reload brings checks.
 */
import { BlueOxError } from '../errors';
import { Endpoint, formatEndpoint } from '../protocol/endpoint';
import { guardInspectorSignal } from '../config/process-guards';
import { SystemdNotifier } from '../systemd/systemd-notify';
import { CheckFolder, loadCheckFolder } from './check-folder';
import { ApplySummary, CheckScheduler } from './check-scheduler';
import { ServiceLog } from './service-log';
import { ServiceReport } from './service-report';

export interface ServeOptions {
  dir: string;
  maxConcurrent: number;
  /** oxd's collect port for the events; null: none sent. */
  events: Endpoint | null;
  /** The statsd port for the metrics; null: none sent. */
  statsd: Endpoint | null;
}

export const DEFAULT_MAX_CONCURRENT = 16;
export const MAX_CONCURRENT_LIMIT = 10_000;

/** `--max-concurrent N` (or OXPOKE_MAX_CONCURRENT): runs under way at once, 1 to MAX_CONCURRENT_LIMIT. */
export function parseMaxConcurrent(text: string, from = '--max-concurrent'): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  const given = from.startsWith('--') ? `${from} ${text}` : `${from}=${text}`;
  if (!(n >= 1 && n <= MAX_CONCURRENT_LIMIT)) throw new BlueOxError('EUSAGE', `${given} is not allowed: a whole number of runs under way at once, from 1 to ${MAX_CONCURRENT_LIMIT}`);
  return n;
}

const EXIT_OK = 0;
/** Could not start (or, a bug, could not stop cleanly). */
const EXIT_CANNOT_START = 1;

export async function serveCommand(opts: ServeOptions, log: ServiceLog = new ServiceLog()): Promise<number> {
  let folder: CheckFolder;
  try {
    folder = loadCheckFolder(opts.dir);
  } catch (err) {
    log.error(`cannot start: ${message(err)}`);
    return EXIT_CANNOT_START;
  }
  guardInspectorSignal();
  const report = new ServiceReport({ events: opts.events, statsd: opts.statsd }, log);
  const scheduler = new CheckScheduler({ maxConcurrent: opts.maxConcurrent, hooks: report });
  const notifier = new SystemdNotifier(log);
  // With no check there is no timer: this keeps the service waiting for a reload or a stop.
  const alive = setInterval(() => undefined, 2 ** 31 - 1);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (why: string): void => {
      if (stopping) return;
      stopping = true;
      log.notice(`stopping (${why}): no new runs; waiting for the ${count(scheduler.running, 'run')} under way`);
      notifier.stopping(`stopping: ${statusLine(scheduler)}`);
      void scheduler
        .stop()
        .then(() => report.close())
        .then(
          () => {
            clearInterval(alive);
            notifier.close();
            log.notice('stopped');
            resolve(EXIT_OK);
          },
          (err) => {
            log.error(`failed while stopping: ${message(err)}`);
            resolve(EXIT_CANNOT_START);
          },
        );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      if (stopping) return;
      notifier.reloading();
      try {
        const next = loadCheckFolder(opts.dir);
        describeLoad(log, next, scheduler.apply(next.checks), 'reloaded');
      } catch (err) {
        log.error(`not reloaded; the ${count(scheduler.checks, 'check')} loaded before keep running: ${message(err)}`);
      }
      notifier.reloaded();
    });
    // Only now, with the signals handled, is the service ready: systemd (or a test) may signal it at once.
    describeLoad(log, folder, scheduler.apply(folder.checks), 'loaded');
    scheduler.start();
    notifier.ready(() => statusLine(scheduler));
    log.notice(
      `serving ${count(scheduler.checks, 'check')} of ${opts.dir}, at most ${opts.maxConcurrent} runs at once, ` +
        `events to ${opts.events === null ? '-' : formatEndpoint(opts.events)}, metrics to ${opts.statsd === null ? '-' : formatEndpoint(opts.statsd)}, pid ${process.pid}`,
    );
  });
}

/** `loaded 3 checks from 2 files in /etc/blueox/poke.d: added shop/add, …`. */
function describeLoad(log: ServiceLog, folder: CheckFolder, s: ApplySummary, verb: string): void {
  const n = folder.checks.length;
  const from = `from ${count(folder.files.length, 'file')} in ${folder.dir}`;
  if (n === 0) {
    log.notice(`${verb} no checks ${from}${folder.files.length === 0 ? ' (no *.toml files)' : ''}: nothing runs until a reload (SIGHUP) brings some`);
  } else {
    const parts = ([['added', s.added], ['changed', s.changed], ['removed', s.removed]] as const).filter(([, ids]) => ids.length > 0).map(([w, ids]) => `${w} ${ids.join(', ')}`);
    if (s.kept.length > 0) parts.push(`${s.kept.length} unchanged`);
    log.notice(`${verb} ${count(n, 'check')} ${from}${parts.length > 0 ? `: ${parts.join('; ')}` : ''}`);
  }
  if (n === 0 && s.removed.length > 0) log.notice(`removed ${s.removed.join(', ')}`);
  for (const note of folder.notes) log.warning(note);
}

/** One line for systemd's STATUS= (systemctl status). */
function statusLine(s: CheckScheduler): string {
  return `${count(s.checks, 'check')}, ${s.failing} failing, ${s.flapping} flapping, ${s.running} running`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** A check file's message already names the file, the line and the key. */
function message(err: unknown): string {
  return err instanceof BlueOxError ? err.message : err instanceof Error ? err.message : String(err);
}
