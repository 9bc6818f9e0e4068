/**
 * oxd collect -> disk throughput, beside two baselines fed the same way:
 *   oxd  the real bundle (dist/oxd.js) writing files into a temp log path
 *   B1   oxd's CollectSource + Router with no sinks (collect-discard.ts)
 *   B2   a bare zeromq.js Pull socket that discards (zmq-pull-discard.ts)
 * Senders are separate processes writing pre-serialised events (sender.ts,
 * or pyzmq_sender.py with --sender pyzmq). Prints a table; writes JSON to
 * bench-results/collect.json. `node build/test/bench/run.js --help`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OXD_BUNDLE, REPO } from '../helpers/oxd-process';
import { runBenchmark, stopChildrenOnSignal } from './line-child';
import { runConfig, RunResult } from './measure';
import { BenchOptions, parseOptions } from './options';
import { busyProcesses, clkTck } from './proc-stats';
import { prewarmPageCache } from './page-cache';
import { formatTop } from './profile-summary';
import { formatSection, Section, summarise } from './report';
import { RECEIVER_LABELS } from './receivers';

const log = (text: string): boolean => process.stderr.write(`[bench] ${text}\n`);

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    node: process.version,
    kernel: os.release(),
    clkTck: clkTck(),
    loadavgBefore: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

async function run(opts: BenchOptions, tempDir: string): Promise<Section[]> {
  const sections: Section[] = [];
  const perSender = Math.ceil(opts.events / opts.senders);
  const warmupPerSender = Math.ceil(opts.warmup / opts.senders);
  for (const sender of opts.senderKinds) {
    const runs: RunResult[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      for (const receiver of opts.receivers) {
        log(`${RECEIVER_LABELS[receiver]}: ${opts.senders} ${sender} senders x ${perSender} events (round ${round}/${opts.rounds})`);
        const profDir = receiver === 'oxd' && opts.cpuProfDir ? path.resolve(opts.cpuProfDir) : null;
        if (profDir) fs.mkdirSync(profDir, { recursive: true });
        const result = await runConfig({
          receiver,
          sender,
          senders: opts.senders,
          perSender,
          warmupPerSender,
          batch: opts.batch,
          pollMs: opts.pollMs,
          maxSeconds: opts.maxSeconds,
          tempDir,
          receiverOptions: { cpuProfDir: profDir },
        });
        log(`  ${Math.round(result.eventsPerSec).toLocaleString('en-US')} events/s, ${result.cpuUsPerEvent.toFixed(2)} us CPU/event`);
        runs.push(result);
        if (result.profile) log(`\n${formatTop(result.profile, 20)}\n`);
        else if (profDir) log(`no CPU profile came back from oxd`);
      }
    }
    const section = summarise(sender, runs);
    sections.push(section);
    process.stdout.write(formatSection(section, opts.rounds, os.cpus().length) + '\n\n');
  }
  return sections;
}

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    const e = err as Error & { usage?: boolean };
    process.stderr.write(`${e.message}\n`);
    return e.usage ? 0 : 2;
  }
  if (opts.receivers.includes('oxd') && !fs.existsSync(OXD_BUNDLE)) {
    process.stderr.write(`${OXD_BUNDLE} is missing: run make build first\n`);
    return 1;
  }
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueox-bench-'));
  stopChildrenOnSignal(log, () => fs.rmSync(tempDir, { recursive: true, force: true }));

  const prewarm = prewarmPageCache(tempDir, opts.prewarmMb);
  const info = machine();
  const busy = await busyProcesses();
  info.busyBefore = busy;
  process.stdout.write(
    `oxd collect benchmark: ${info.cpus} x ${info.cpuModel}, node ${info.node}, ` +
      `load average before ${(info.loadavgBefore as number[]).join(' ')}` +
      `${opts.cpuProfDir ? ' (the timed oxd windows are CPU-profiled: its figures include profiling overhead)' : ''}\n` +
      `window: first sender write -> receiver has every event (oxd: totals.written in STATUS, polled every ${opts.pollMs} ms); ` +
      `${opts.warmup.toLocaleString('en-US')} warm-up events first\n` +
      (prewarm
        ? `page cache pre-warmed: ${opts.prewarmMb} MiB written and deleted in ${prewarm.seconds.toFixed(1)} s ` +
          `(${prewarm.mbPerSec.toFixed(0)} MB/s; this VM is slow the first time it touches a page, a long-running server is not)\n`
        : '') +
      busy.map((b) => `WARNING: busy before the start, not ours: pid ${b.pid} at ${Math.round(b.share * 100)}% of a core: ${b.command}\n`).join('') +
      '\n',
  );
  try {
    const sections = await run(opts, tempDir);
    const jsonPath = path.resolve(REPO, opts.jsonPath);
    fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
    const doc = { benchmark: 'collect', generatedAt: new Date().toISOString(), machine: info, options: opts, sections };
    fs.writeFileSync(jsonPath, JSON.stringify(doc, null, 2) + '\n');
    process.stdout.write(`figures written to ${path.relative(process.cwd(), jsonPath) || jsonPath}\n`);
    return 0;
  } finally {
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

runBenchmark('bench', main);
