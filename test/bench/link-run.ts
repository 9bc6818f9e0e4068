/**
 * The forwarding benchmark (figures, not pass/fail): a local oxd started
 * with --forward sends every event to a central oxd, six ways
 * (link-ways.ts): A a memory queue and plain ZeroMQ PUSH, as before the
 * link; B the disk spool and the acknowledged link, zlib; C the same
 * uncompressed; D as B with the spool fsynced every 10 ms instead of every
 * second; E and F as B and C with CURVE on the link. One sender process writes ~200-byte events into the local as fast
 * as it takes them; each trial has its own pair of daemons, and the rounds
 * run the ways in alternating order, so the machine's noise spreads over
 * all of them. Per trial (link-trial.ts): events/s from the first write to
 * the central's STATUS saying all are written, the CPU of the local and of
 * the central per event, bytes on the wire, the link's compression, and
 * events lost or written twice. Prints tables; writes JSON to
 * bench-results/link.json.
 *
 *   node build/test/bench/link-run.js [--events N] [--rounds R] [--warmup W] [--ways A,B,C,D,E,F]
 *        [--poll-ms MS] [--max-seconds S] [--prewarm-mb M]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OXD_BUNDLE, REPO } from '../helpers/oxd-process';
import { runBenchmark, stopChildrenOnSignal } from './line-child';
import { formatSummaries, formatTrials, goals, summarise } from './link-report';
import { LinkTrial, linkTrial } from './link-trial';
import { Way, WAY_LABELS, WAYS } from './link-ways';
import { prewarmPageCache } from './page-cache';
import { busyProcesses, clkTck } from './proc-stats';
import { formatGoals, int } from './report-table';

const USAGE = `usage: node build/test/bench/link-run.js [options]
  --events N        events in each timed window                          (500000)
  --rounds R        trials of every way, in alternating order            (3)
  --warmup W        events sent and written before each window           (20000)
  --ways LIST       ways to run, from A..F                               (A,B,C,D,E,F)
  --poll-ms MS      STATUS poll period during a window                   (50)
  --max-seconds S   cut a window off after S s, or S/6 s without progress (60)
  --prewarm-mb M    write and delete M MiB first (0 = off)               (1024)`;

interface LinkOptions {
  events: number;
  rounds: number;
  warmup: number;
  ways: Way[];
  pollMs: number;
  maxSeconds: number;
  prewarmMb: number;
}

function parseOptions(argv: string[]): LinkOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-h' || argv[i] === '--help') throw Object.assign(new Error(USAGE), { usage: true });
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) throw new Error(`unexpected argument ${JSON.stringify(argv[i])}\n${USAGE}`);
    flags.set(argv[i].slice(2), argv[++i]);
  }
  for (const k of flags.keys()) if (!['events', 'rounds', 'warmup', 'ways', 'poll-ms', 'max-seconds', 'prewarm-mb'].includes(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  const integer = (name: string, fallback: number, min: number): number => {
    const text = flags.get(name);
    if (text === undefined) return fallback;
    const n = Number(text.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, not ${JSON.stringify(text)}`);
    return n;
  };
  const ways = (flags.get('ways') ?? WAYS.join(',')).split(',').map((w) => w.trim().toUpperCase()).filter((w) => w !== '');
  for (const w of ways) if (!WAYS.includes(w as Way)) throw new Error(`--ways takes ${WAYS.join(', ')}; not ${JSON.stringify(w)}`);
  return {
    events: integer('events', 500_000, 1),
    rounds: integer('rounds', 3, 1),
    warmup: integer('warmup', 20_000, 0),
    ways: ways as Way[],
    pollMs: integer('poll-ms', 50, 1),
    maxSeconds: integer('max-seconds', 60, 6),
    prewarmMb: integer('prewarm-mb', 1024, 0),
  };
}

const log = (text: string): boolean => process.stderr.write(`[link-bench] ${text}\n`);

async function main(): Promise<number> {
  let opts: LinkOptions;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    const e = err as Error & { usage?: boolean };
    process.stderr.write(`${e.message}\n`);
    return e.usage ? 0 : 2;
  }
  if (!fs.existsSync(OXD_BUNDLE)) throw new Error(`${OXD_BUNDLE} is missing: run make build first`);
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueox-bench-link-'));
  stopChildrenOnSignal(log, () => fs.rmSync(tempDir, { recursive: true, force: true }));

  try {
    const prewarm = prewarmPageCache(tempDir, opts.prewarmMb);
    const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, kernel: os.release(), clkTck: clkTck(), loadavgBefore: os.loadavg() };
    const busy = await busyProcesses();
    process.stdout.write(
      `link benchmark: ${machine.cpus} x ${machine.cpuModel}, node ${machine.node}, load average before ${machine.loadavgBefore.map((x) => x.toFixed(2)).join(' ')}\n` +
        `a local oxd forwards to a central oxd (files); one sender process, ${int(opts.events)} events (~200-byte bodies) a window after ${int(opts.warmup)} warm-up events, ` +
        `${opts.rounds} rounds of ${opts.ways.join(', ')} in alternating order, a fresh pair of oxds each trial\n` +
        (prewarm ? `page cache pre-warmed: ${opts.prewarmMb} MiB written and deleted in ${prewarm.seconds.toFixed(1)} s\n` : '') +
        busy.map((b) => `WARNING: busy before the start, not ours: pid ${b.pid} at ${Math.round(b.share * 100)}% of a core: ${b.command}\n`).join('') +
        '\n',
    );

    const trials: LinkTrial[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      const order = round % 2 === 1 ? opts.ways : [...opts.ways].reverse();
      for (const way of order) {
        const t = await linkTrial({ way, round, events: opts.events, warmup: opts.warmup, pollMs: opts.pollMs, maxSeconds: opts.maxSeconds, stallSeconds: opts.maxSeconds / 6, tempDir });
        log(
          `round ${round}: ${WAY_LABELS[t.way]}: ${int(t.eventsPerSec)} events/s, local ${t.localCpuUsPerEvent.toFixed(2)} us/event, central ${t.centralCpuUsPerEvent.toFixed(2)} us/event` +
            (t.link && Number.isFinite(t.link.ratio) ? `, compression ${t.link.ratio.toFixed(2)}` : '') +
            `; ${t.check.ok ? 'ok' : `FAILED: ${t.check.detail}`}`,
        );
        trials.push(t);
      }
    }

    const summaries = summarise(trials);
    const gs = goals(summaries);
    process.stdout.write(
      `every trial:\n${formatTrials(trials)}\n\n` +
        `medians over ${opts.rounds} rounds (lost, twice, dup dropped, maybe dup: sums):\n${formatSummaries(summaries)}\n\n` +
        'events/s: from the sender\'s first write to the central\'s STATUS saying all are written (totals.written, polled every ' +
        `${opts.pollMs} ms); local took/s: until the local had\nreceived them all. us/ev: CPU (utime + stime, every thread) of each oxd over the same window; local RSS: its peak (VmHWM). ` +
        'TCP B/ev: bytes the kernel sent local -> central (ss bytes_sent), per event;\nlink raw/wire B/ev: the link\'s spool records before and after compression ' +
        "(the sender's bodies are padded with one repeated letter, so zlib does better on them than on real events); compress ms: zlib time in the local.\n" +
        'fsyncs: of the local\'s spool in the window. lost: not written by the central (or dropped by the local); twice: written beyond N; dup dropped /\n' +
        'maybe dup: the central\'s link.duplicates / link.possible_duplicates. check: N written, and the central\'s files hold every event once (by size).\n\n' +
        `${formatGoals(gs)}\n\n`,
    );
    const loadAfter = os.loadavg();
    process.stdout.write(`load average after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}: the machine is shared, figures are indicative; compare ratios within one run.\n`);
    const out = path.join(REPO, 'bench-results', 'link.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify({ benchmark: 'link', date: new Date().toISOString(), machine, loadAfter, busyBefore: busy, options: opts, trials, summaries, goals: gs }, null, 2) + '\n');
    log(`figures written to ${path.relative(REPO, out)}`);
    return 0;
  } finally {
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

runBenchmark('link bench', main);
