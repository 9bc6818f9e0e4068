/**
 * `make fuzz`: fuzzing oxd at scale, port by port, against the same oracles
 * as the hostile tests: the collect model (every counter, every file), the
 * control model (every reply, the request counters) and the subscription
 * model (subscriptions held, messages ignored, events streamed); then the
 * syslog port, on an oxd of its own (its events would be in the collect
 * model's totals and files), against the framing and problem counts
 * predicted for what was sent (test/fuzz/syslog-phase.ts). At least
 * FUZZ_FRAMES (default 1,000,000) fuzzed frames or messages per port, from
 * FUZZ_SEED (printed first: the same seed replays the same traffic). A
 * watchdog asks STATUS every second during each phase; an answer slower than
 * 5 s is a hang. At the end oxd must be alive, answer STATUS in time, match
 * every expected count exactly, have written files that Python's strict
 * msgpack reader reads to the end, and stop cleanly on SIGTERM.
 * Exits 1 on any mismatch, hang or crash; oxd is stopped on every path.
 *
 *   FUZZ_SEED=<n> FUZZ_FRAMES=<n> [FUZZ_PHASES=collect,control,stream,syslog] node build/test/fuzz/run.js
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CollectModel, isInterleaving } from '../helpers/collect-oracle';
import { listFiles } from '../helpers/events';
import { Oxd, startOxd, tempDir } from '../helpers/oxd-process';
import { unreadableFiles } from '../helpers/strict-msgpack';
import { collectPhase } from './collect-phase';
import type { FuzzContext, PhaseResult } from './context';
import { controlPhase } from './control-phase';
import { streamPhase } from './stream-phase';
import { SYSLOG_FUZZ_ARGS, syslogAfterStop, syslogTraffic } from './syslog-phase';
import { STATUS_BOUND_MS, watched, Watchdog } from './watchdog';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 0x7fffffff);
const FRAMES = Number(process.env.FUZZ_FRAMES ?? 1_000_000);
const PHASES = (process.env.FUZZ_PHASES ?? 'collect,control,stream,syslog').split(',');
const MAX_EVENT_SIZE = 1024;
/** oxd's default: garbage handshakes must be judged by what they send, not by how slowly a busy machine sends it. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** No phase may take longer than this, whatever the machine. */
const PHASE_LIMIT_MS = 12 * 60_000;

const startedAt = Date.now();
const log = (text: string): void => {
  process.stderr.write(`[fuzz ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)}s] ${text}\n`);
};

/** Files per type, checked against the collect model; Python reads each to the end. */
async function checkFiles(logPath: string, model: CollectModel): Promise<{ files: number; bytes: number; mismatches: string[] }> {
  const mismatches: string[] = [];
  const files = listFiles(logPath);
  const byType = new Map<string, Buffer[]>();
  let bytes = 0;
  for (const f of files) {
    if (!/^\d{8}\/.+-\d{8}\.log$/.test(f)) mismatches.push(`unexpected file ${f}`);
    const type = path.basename(f).replace(/-\d{8}\.log$/, '');
    const content = fs.readFileSync(path.join(logPath, f));
    bytes += content.length;
    byType.set(type, [...(byType.get(type) ?? []), content]);
  }
  const expectedTypes = [...model.bodies.keys()].sort();
  const writtenTypes = [...byType.keys()].sort();
  if (JSON.stringify(expectedTypes) !== JSON.stringify(writtenTypes)) {
    mismatches.push(`files for types ${JSON.stringify(writtenTypes)}, expected ${JSON.stringify(expectedTypes)}`);
  }
  for (const [type, byConn] of model.bodies) {
    if (!isInterleaving(Buffer.concat(byType.get(type) ?? []), byConn)) {
      mismatches.push(`${JSON.stringify(type)}: the file is not the accepted bodies of each connection, in order`);
    }
  }
  mismatches.push(...(await unreadableFiles(files.map((f) => path.join(logPath, f)))).map((m) => `Python cannot read ${m}`));
  return { files: files.length, bytes, mismatches };
}

function formatReport(results: PhaseResult[], final: Record<string, number | string>): string {
  const out: string[] = ['', `fuzz report: seed ${SEED} (FUZZ_SEED=${SEED} to replay), ${FRAMES.toLocaleString('en-US')} frames per port`];
  out.push(`${'port'.padEnd(8)} ${'frames'.padStart(10)} ${'seconds'.padStart(8)} ${'frames/s'.padStart(9)} ${'slowest STATUS'.padStart(15)}  mismatches`);
  for (const r of results) {
    const slowest = r.slowestStatusMs === undefined ? '-' : `${r.slowestStatusMs} ms`;
    out.push(
      `${r.port.padEnd(8)} ${r.frames.toLocaleString('en-US').padStart(10)} ${r.seconds.toFixed(1).padStart(8)} ${Math.round(r.frames / r.seconds).toLocaleString('en-US').padStart(9)} ${slowest.padStart(15)}  ${r.mismatches.length}`,
    );
  }
  for (const r of results) {
    out.push('', `${r.port}:`);
    for (const [k, v] of Object.entries(r.totals)) out.push(`  ${k.padEnd(36)} ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`);
    for (const m of r.mismatches.slice(0, 20)) out.push(`  MISMATCH ${m}`);
  }
  out.push('', 'end:');
  for (const [k, v] of Object.entries(final)) out.push(`  ${k.padEnd(36)} ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`);
  return out.join('\n') + '\n';
}

/** SIGTERM, and SIGKILL if oxd has not exited 10 s later (a hung event loop never runs its SIGTERM handler). */
async function stopOxd(oxd: Oxd): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const killer = setTimeout(() => oxd.child.kill('SIGKILL'), 10_000);
  try {
    return await oxd.stop();
  } finally {
    clearTimeout(killer);
  }
}

/**
 * The syslog phase on its own oxd, under the watchdog; then that oxd is
 * stopped and what it wrote checked. Returns the mismatches found after the stop.
 */
async function runSyslogPhase(root: string, results: PhaseResult[]): Promise<string[]> {
  log('syslog phase');
  const oxd = await startOxd({ logPath: path.join(root, 'syslog-log'), args: SYSLOG_FUZZ_ARGS });
  try {
    const port = Number((await oxd.waitForStderr(/ syslog=127\.0\.0\.1:(\d+)/))[1]);
    log(`oxd ${oxd.pid}: syslog ${port}, control ${oxd.controlAddr}`);
    const { result, dog } = await watched(oxd, 'syslog', PHASE_LIMIT_MS, () => syslogTraffic({ oxd, port, seed: SEED, frames: FRAMES, log }));
    result.result.slowestStatusMs = dog.slowestMs;
    log(`syslog: ${result.result.frames.toLocaleString('en-US')} in ${result.result.seconds.toFixed(1)} s, ${result.result.mismatches.length} mismatches; stopping its oxd`);
    results.push(result.result);
    const alive = oxd.child.exitCode === null && oxd.child.signalCode === null;
    const after = await syslogAfterStop(oxd, await stopOxd(oxd), result.expectation);
    return [...(alive ? [] : ['the syslog oxd was not running at the end of its phase']), ...after.map((m) => `syslog: ${m}`)];
  } finally {
    if (oxd.child.exitCode === null && oxd.child.signalCode === null) await stopOxd(oxd);
  }
}

async function main(): Promise<number> {
  log(`seed ${SEED} (FUZZ_SEED=${SEED} to replay), ${FRAMES.toLocaleString('en-US')} frames per port`);
  const root = tempDir('blueox-fuzz-');
  const logPath = path.join(root, 'log');
  let oxd: Oxd | null = null;
  const stopOnSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping oxd`);
    oxd?.child.kill('SIGKILL');
    process.exit(130);
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    oxd = await startOxd({ logPath, args: ['--max-event-size', String(MAX_EVENT_SIZE), '--handshake-timeout', String(HANDSHAKE_TIMEOUT_MS)] });
    log(`oxd ${oxd.pid}: collect ${oxd.collect}, control ${oxd.controlAddr}, stream ${oxd.stream}`);
    const ctx: FuzzContext = {
      oxd,
      seed: SEED,
      frames: FRAMES,
      maxEventSize: MAX_EVENT_SIZE,
      collect: new CollectModel(MAX_EVENT_SIZE),
      control: oxd.control,
      log,
    };
    const results: PhaseResult[] = [];
    const phases: Array<[string, (c: FuzzContext, dog: Watchdog, before: any) => Promise<PhaseResult>]> = [
      ['collect', collectPhase],
      ['control', controlPhase],
      ['stream', streamPhase],
    ];
    for (const [name, phase] of phases.filter(([n]) => PHASES.includes(n))) {
      log(`${name} phase`);
      const before = await oxd.control.request({ cmd: 'STATUS' }, STATUS_BOUND_MS);
      const { result, dog } = await watched(oxd, name, PHASE_LIMIT_MS, (d) => phase(ctx, d, before));
      result.slowestStatusMs = Math.max(result.slowestStatusMs ?? 0, dog.slowestMs);
      log(`${name}: ${result.frames.toLocaleString('en-US')} in ${result.seconds.toFixed(1)} s, ${result.mismatches.length} mismatches`);
      results.push(result);
    }

    const syslogMismatches = PHASES.includes('syslog') ? await runSyslogPhase(root, results) : [];

    log('end check');
    const asked = Date.now();
    await oxd.control.request({ cmd: 'STATUS' }, STATUS_BOUND_MS);
    const statusMs = Date.now() - asked;
    await ctx.collect.judgeBodies();
    // The last events may still be on their way to the files.
    const expected = ctx.collect.received;
    const status = await oxd.waitForStatus((st) => st.totals.received >= expected && st.totals.written >= st.totals.received, 30_000);
    const endMismatches = [...syslogMismatches, ...ctx.collect.compare(status)];
    if (status.totals.written !== status.totals.received) endMismatches.push(`written ${status.totals.written} != received ${status.totals.received}`);
    if (status.sinks.stream.subscriptions !== 0) endMismatches.push(`${status.sinks.stream.subscriptions} stream subscriptions left`);
    const files = await checkFiles(logPath, ctx.collect);
    endMismatches.push(...files.mismatches);
    const alive = oxd.child.exitCode === null && oxd.child.signalCode === null;
    if (!alive) endMismatches.push('oxd is not running');
    const exit = await stopOxd(oxd);
    if (exit.code !== 0) endMismatches.push(`oxd exited with ${exit.code ?? exit.signal} on SIGTERM`);
    if (/uncaught|unhandled|FATAL|RangeError|TypeError/i.test(exit.stderr)) endMismatches.push(`oxd's log shows an error:\n${exit.stderr.slice(-2000)}`);

    const final = {
      'oxd alive before SIGTERM': alive ? 'yes' : 'NO',
      'STATUS answered in ms': statusMs,
      'events received (all phases)': status.totals.received,
      'events written': status.totals.written,
      'messages invalid': status.totals.invalid,
      'protocol errors': status.collect.protocol_errors,
      'handshake timeouts': status.collect.handshake_timeouts,
      'control requests': status.control.requests,
      'control requests invalid': status.control.invalid,
      'files written': files.files,
      'bytes in files': files.bytes,
      'files Python read to the end': files.files - files.mismatches.filter((m) => m.startsWith('Python')).length,
      'exit on SIGTERM': exit.code ?? String(exit.signal),
      'total seconds': Math.round((Date.now() - startedAt) / 1000),
      mismatches: results.reduce((n, r) => n + r.mismatches.length, 0) + endMismatches.length,
    };
    process.stdout.write(formatReport(results, final));
    for (const m of endMismatches.slice(0, 20)) process.stdout.write(`  MISMATCH ${m}\n`);
    const failed = final.mismatches > 0;
    process.stdout.write(failed ? `\nFAILED: seed ${SEED} (FUZZ_SEED=${SEED} to replay)\n` : '\nfuzz passed: 0 crashes, 0 hangs, every bad frame counted\n');
    return failed ? 1 : 0;
  } catch (err) {
    process.stdout.write(`\nFAILED: seed ${SEED} (FUZZ_SEED=${SEED} to replay): ${(err as Error).stack ?? err}\n`);
    if (oxd) {
      const st = await oxd.control.request({ cmd: 'STATUS' }, STATUS_BOUND_MS).catch((e: Error) => ({ error: e.message }));
      process.stdout.write(`oxd's STATUS: ${JSON.stringify({ totals: st.totals, collect: st.collect, control: st.control, sinks: st.sinks, error: st.error })}\n`);
      // What oxd logged last (stop it first, so everything it wrote has been read).
      await stopOxd(oxd);
      process.stdout.write(`oxd's log (end):\n${oxd.stderr.slice(-3000)}\n`);
    }
    return 1;
  } finally {
    // Stops oxd if it still runs; the temp folders go at exit (test/helpers/oxd-process.ts).
    if (oxd && oxd.child.exitCode === null && oxd.child.signalCode === null) await stopOxd(oxd);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
