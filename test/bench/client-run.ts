/**
 * The client library benchmark: what blueox costs the application's thread
 * per event, beside pino writing the same three fields as one line, the
 * unconfigured no-op calls, and zeromq.js sending pre-encoded frames.
 * Every scenario runs in a child process of its own (client-child.ts), one
 * after another; blueox and zeromq.js send to a real oxd started for the run
 * (writing files into a temp log path), whose STATUS confirms the count.
 * Prints a table; writes JSON to bench-results/client.json.
 * `node build/test/bench/client-run.js --help`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Oxd, OXD_BUNDLE, REPO, startOxd } from '../helpers/oxd-process';
import { ClientBenchOptions, parseClientOptions, ScenarioKey } from './client-options';
import { Delivery, formatSummary, LABELS, ScenarioRun, summarise } from './client-report';
import type { ScenarioOptions } from './client-scenarios';
import { LineChild, killLiveChildren, stopChildrenOnSignal, track } from './line-child';
import { busyProcesses, clkTck, cpuSeconds } from './proc-stats';
import { formatTop, topFunctions } from './profile-summary';

const log = (text: string): boolean => process.stderr.write(`[client-bench] ${text}\n`);
const wallMs = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const CHILD = path.join(__dirname, 'client-child.js');

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    node: process.version,
    kernel: os.release(),
    clkTck: clkTck(),
    schedstat: fs.existsSync(`/proc/${process.pid}/task/${process.pid}/schedstat`),
    loadavgBefore: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

async function stopOxd(oxd: Oxd, graceMs = 15_000): Promise<void> {
  const timer = setTimeout(() => {
    log(`oxd (pid ${oxd.pid}) did not exit within ${graceMs} ms of SIGTERM: SIGKILL`);
    oxd.child.kill('SIGKILL');
  }, graceMs);
  const r = await oxd.stop();
  clearTimeout(timer);
  if (oxd.logPath) fs.rmSync(oxd.logPath, { recursive: true, force: true });
  if (r.code !== 0 && r.signal !== 'SIGKILL') log(`oxd exited with ${r.signal ?? r.code}:\n${r.stderr}`);
}

const received = async (oxd: Oxd): Promise<any> => (await oxd.control.request({ cmd: 'STATUS' }, 10_000)).totals;

/** STATUS every 2 ms until oxd has received `target` events (or `timeoutMs` passed). */
async function awaitReceived(oxd: Oxd, target: number, timeoutMs: number): Promise<{ totals: any; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const totals = await received(oxd);
    const at = wallMs();
    if (totals.received >= target || Date.now() > deadline) return { totals, at };
    await sleep(2);
  }
}

export async function runScenario(
  scenario: ScenarioKey,
  round: number,
  opts: ClientBenchOptions,
  tempDir: string,
  nodeFlags: string[] = [],
): Promise<ScenarioRun> {
  const needsOxd = scenario === 'blueox' || scenario === 'zmq';
  const oxd = needsOxd ? await startOxd({ logPath: fs.mkdtempSync(path.join(tempDir, 'oxd-log-')) }) : null;
  if (oxd) track(oxd.child);
  const o: ScenarioOptions = {
    events: opts.events,
    batch: opts.batch,
    warmup: opts.warmup,
    iterations: opts.iterations,
    collect: oxd?.collect ?? null,
    tempDir,
  };
  const child = new LineChild(scenario, process.execPath, [...nodeFlags, CHILD, scenario, JSON.stringify(o)]);
  try {
    await child.next('ready', 120_000);
    let base = 0;
    if (oxd) {
      base = (await awaitReceived(oxd, opts.warmup, 30_000)).totals.received;
      if (base !== opts.warmup) throw new Error(`oxd received ${base} warm-up events, not ${opts.warmup}`);
    }
    const oxdCpu0 = oxd ? cpuSeconds(oxd.pid) : null;
    const done = await child.ask({ cmd: 'go' }, 'done', 300_000);
    let delivery: Delivery | null = null;
    let check = done.check ?? { ok: true, detail: '' };
    if (oxd) {
      const { totals, at } = await awaitReceived(oxd, base + opts.events, 60_000);
      const oxdCpu1 = cpuSeconds(oxd.pid);
      await sleep(50); // anything beyond the count would show up now
      const after = await received(oxd);
      delivery = {
        received: after.received - base,
        invalid: after.invalid,
        dropped: after.dropped,
        seconds: (at - done.timing.startWallMs) / 1000,
        oxdCpuSec: oxdCpu0 !== null && oxdCpu1 !== null ? oxdCpu1 - oxdCpu0 : null,
      };
      const ok = delivery.received === opts.events && totals.received === base + opts.events && after.invalid === 0 && after.dropped === 0;
      const detail = `oxd STATUS: totals.received ${after.received} = ${base} warm-up + ${delivery.received} (of ${opts.events}), invalid ${after.invalid}, dropped ${after.dropped}`;
      check = { ok: check.ok && ok, detail: `${check.detail}; ${detail}` };
    }
    child.send({ cmd: 'exit' });
    await Promise.race([child.exited, sleep(30_000)]);
    return { scenario, round, pid: child.pid, timing: done.timing ?? null, noop: done.noop ?? null, check, delivery, ok: check.ok };
  } finally {
    await child.stop();
    if (oxd) await stopOxd(oxd);
  }
}

function describe(r: ScenarioRun): string {
  if (r.noop) return `set ${r.noop.netNs.set.toFixed(1)} ns, context ${r.noop.netNs.context.toFixed(1)} ns net`;
  const t = r.timing!;
  const us = (s: number | null): string => (s === null ? '-' : ((s * 1e6) / t.events).toFixed(2));
  return `wall ${us(t.wallSec)} us/ev, main CPU ${us(t.mainCpuSec)} (schedstat ${us(t.mainSchedSec)}), all threads ${us(t.processCpuSec)}; ${r.ok ? 'ok' : 'FAILED'}: ${r.check.detail}`;
}

/** One more blueox run under node --cpu-prof; the top functions by self time. */
async function profileRun(opts: ClientBenchOptions, tempDir: string): Promise<{ file: string; run: ScenarioRun } | null> {
  const dir = path.resolve(opts.cpuProfDir!);
  fs.mkdirSync(dir, { recursive: true });
  log(`${LABELS.blueox}: profiled run (node --cpu-prof, not in the medians)`);
  const run = await runScenario('blueox', 0, opts, tempDir, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '100']);
  log(`  ${describe(run)}`);
  const name = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && f.includes(`.${run.pid}.`));
  return name ? { file: path.join(dir, name), run } : null;
}

async function main(): Promise<number> {
  let opts: ClientBenchOptions;
  try {
    opts = parseClientOptions(process.argv.slice(2));
  } catch (err) {
    const e = err as Error & { usage?: boolean };
    process.stderr.write(`${e.message}\n`);
    return e.usage ? 0 : 2;
  }
  if ((opts.scenarios.includes('blueox') || opts.scenarios.includes('zmq')) && !fs.existsSync(OXD_BUNDLE)) {
    process.stderr.write(`${OXD_BUNDLE} is missing: run make build first\n`);
    return 1;
  }
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueox-client-bench-'));
  stopChildrenOnSignal(log, () => fs.rmSync(tempDir, { recursive: true, force: true }));

  const info = machine();
  const busy = await busyProcesses();
  info.busyBefore = busy;
  process.stdout.write(
    `blueox client benchmark: ${info.cpus} x ${info.cpuModel}, node ${info.node}, load average before ${(info.loadavgBefore as number[]).join(' ')}\n` +
      `each run: a child process of its own, ${opts.warmup.toLocaleString('en-US')} warm-up events, then ${opts.events.toLocaleString('en-US')} in batches of ${opts.batch} ` +
      `with await setImmediate between; timed until settled (blueox: stats() all sent, queue empty; pino: destination flushed)\n` +
      `main CPU = the event loop thread only (/proc/self/task/<pid>/stat ticks at ${info.clkTck} Hz; schedstat ns beside); ` +
      `all thr. = process.cpuUsage(); to oxd = first event -> oxd STATUS shows the last received\n` +
      busy.map((b) => `WARNING: busy before the start, not ours: pid ${b.pid} at ${Math.round(b.share * 100)}% of a core: ${b.command}\n`).join('') +
      '\n',
  );
  try {
    const runs: ScenarioRun[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      for (const scenario of opts.scenarios) {
        log(`${LABELS[scenario]} (round ${round}/${opts.rounds})`);
        const run = await runScenario(scenario, round, opts, tempDir);
        log(`  ${describe(run)}`);
        runs.push(run);
      }
    }
    const summary = summarise(runs);
    process.stdout.write(formatSummary(summary, runs, opts.events, opts.rounds) + '\n\n');

    let profile: Record<string, unknown> | null = null;
    if (opts.cpuProfDir) {
      const p = await profileRun(opts, tempDir);
      if (p) {
        runs.push(p.run);
        process.stdout.write(`profiled blueox run (not in the medians): ${describe(p.run)}\n${formatTop(p.file, 20)}\n\n`);
        profile = { file: p.file, ...topFunctions(p.file, 30) };
      } else log('no CPU profile came back from the child');
    }

    const jsonPath = path.resolve(REPO, opts.jsonPath);
    fs.mkdirSync(path.dirname(jsonPath), { recursive: true });
    const doc = { benchmark: 'client', generatedAt: new Date().toISOString(), machine: info, options: opts, summary, runs, profile };
    fs.writeFileSync(jsonPath, JSON.stringify(doc, null, 2) + '\n');
    process.stdout.write(`figures written to ${path.relative(process.cwd(), jsonPath) || jsonPath}\n`);
    return 0; // figures, not pass/fail: a failed check shows as FAIL in the table
  } finally {
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`client bench failed: ${(err as Error)?.stack ?? err}\n`);
      killLiveChildren();
      process.exit(1);
    },
  );
}
