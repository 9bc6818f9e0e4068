/**
 * What oxd's body check (src/protocol/event-body.ts) costs per event, in one
 * process: a loop over pre-built bodies lying back to back in one buffer (as
 * in a receive chunk) doing the router's per-event work, timed with and
 * without the check. The difference is the check's cost; goal: under 0.1 µs
 * per event at 200-byte bodies. Times are this process's CPU time (on a shared
 * machine, wall time also counts the time other processes ran); rounds are
 * interleaved, medians and the fastest round reported. For scale, a third
 * loop does one chained table lookup per msgpack value of each body: about
 * the least any value-by-value walk of these bodies can cost.
 * Writes JSON to bench-results/body-check.json.
 *
 *   node build/test/bench/body-check-run.js [--events N] [--rounds R]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decode } from '@msgpack/msgpack';
import { checkEventBody } from '../../src/protocol/event-body';
import { originalBodies } from '../helpers/body-cases';
import { REPO } from '../helpers/oxd-process';
import { BODY_SIZE, eventBody, TYPES } from './payload';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const EVENTS = flag('events', 5_000_000);
const ROUNDS = flag('rounds', 7);
const GOAL_US = 0.1;

interface Bodies {
  label: string;
  buf: Buffer;
  starts: Int32Array;
  ends: Int32Array;
  /** msgpack values in each body (the map, its keys and values, and theirs). */
  values: Int32Array;
  averageBytes: number;
}

function countValues(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + countValues(x), 1);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) return Object.values(v).reduce((n: number, x) => n + 1 + countValues(x), 1);
  return 1;
}

function layOut(label: string, bodies: Buffer[]): Bodies {
  const buf = Buffer.concat(bodies);
  const starts = new Int32Array(bodies.length);
  const ends = new Int32Array(bodies.length);
  const values = new Int32Array(bodies.length);
  let at = 0;
  bodies.forEach((b, i) => {
    starts[i] = at;
    at += b.length;
    ends[i] = at;
    values[i] = countValues(decode(b));
  });
  return { label, buf, starts, ends, values, averageBytes: buf.length / bodies.length };
}

/** The router's per-event work on the body: its size added to the counters. */
function baseline(b: Bodies, events: number): number {
  const { starts, ends } = b;
  const k = starts.length;
  let bytes = 0;
  for (let i = 0, j = 0; i < events; i++) {
    bytes += ends[j] - starts[j];
    if (++j === k) j = 0;
  }
  return bytes;
}

/** The same, and the body check; a refused body is counted instead. */
function withCheck(b: Bodies, events: number): number {
  const { buf, starts, ends } = b;
  const k = starts.length;
  let bytes = 0;
  let refused = 0;
  for (let i = 0, j = 0; i < events; i++) {
    if (checkEventBody(buf, starts[j], ends[j]) === null) bytes += ends[j] - starts[j];
    else refused++;
    if (++j === k) j = 0;
  }
  if (refused > 0) throw new Error(`${refused} good bodies were refused`);
  return bytes;
}

const STEP = new Uint8Array(256).fill(1);

/** One table lookup per value, each depending on the one before, as in any walk; no checks. */
function chainedLookups(b: Bodies, events: number): number {
  const { buf, starts, values } = b;
  const k = starts.length;
  let sum = 0;
  for (let i = 0, j = 0; i < events; i++) {
    let p = starts[j];
    for (let v = values[j]; v > 0; v--) p += STEP[buf[p]];
    sum += p;
    if (++j === k) j = 0;
  }
  return sum;
}

function time(fn: (b: Bodies, n: number) => number, b: Bodies): { us: number; sink: number } {
  const before = process.cpuUsage();
  const sink = fn(b, EVENTS);
  const used = process.cpuUsage(before);
  return { us: (used.user + used.system) / EVENTS, sink };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Measured {
  baselineUs: number;
  checkUs: number;
  costUs: number;
  /** The fastest round of each loop, and their difference. */
  minBaselineUs: number;
  minCheckUs: number;
  minCostUs: number;
  /** The chained lookups, median. */
  chainUs: number;
  rounds: Array<[number, number]>;
}

function measure(b: Bodies): Measured {
  // Warm-up: both loops optimised before timing.
  baseline(b, 200_000);
  withCheck(b, 200_000);
  chainedLookups(b, 200_000);
  const rounds: Array<[number, number]> = [];
  const chain: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    chain.push(time(chainedLookups, b).us);
    const first = r % 2 === 0;
    const a = first ? time(baseline, b) : time(withCheck, b);
    const c = first ? time(withCheck, b) : time(baseline, b);
    const [base, check] = first ? [a, c] : [c, a];
    if (base.sink !== check.sink) throw new Error('the loops did different work');
    rounds.push([base.us, check.us]);
  }
  const baselineUs = median(rounds.map(([x]) => x));
  const checkUs = median(rounds.map(([, y]) => y));
  const minBaselineUs = Math.min(...rounds.map(([x]) => x));
  const minCheckUs = Math.min(...rounds.map(([, y]) => y));
  return { baselineUs, checkUs, costUs: median(rounds.map(([x, y]) => y - x)), minBaselineUs, minCheckUs, minCostUs: minCheckUs - minBaselineUs, chainUs: median(chain), rounds };
}

function main(): void {
  const end = Date.now() / 1000;
  const bench = Array.from({ length: 1024 }, (_, i) => eventBody(TYPES[i % TYPES.length], `host-${i % 7}`, end + i, BODY_SIZE));
  const sets = [layOut(`${BODY_SIZE}-byte bodies (bench payload)`, bench), layOut('bodies of the original client (fixture)', originalBodies())];
  const results = sets.map((b) => ({ label: b.label, averageBytes: b.averageBytes, values: b.values.reduce((x, y) => x + y, 0) / b.values.length, ...measure(b) }));

  const us = (x: number): string => x.toFixed(4);
  const out: string[] = [];
  const load = os.loadavg()[0].toFixed(1);
  out.push(`\nbody check: CPU µs per event, ${EVENTS.toLocaleString('en-US')} events per loop, ${ROUNDS} interleaved rounds (${os.cpus().length} CPUs, load ${load}, Node ${process.version})`);
  out.push(
    `${'bodies'.padEnd(42)} ${'bytes'.padStart(5)} ${'values'.padStart(6)}   ${'without check'.padStart(13)}   ${'with check'.padStart(10)}   ${'check cost'.padStart(10)}   ${'fastest: without/with/cost'.padEnd(26)}   chained lookups`,
  );
  for (const r of results) {
    const fastest = `${us(r.minBaselineUs)} / ${us(r.minCheckUs)} / ${us(r.minCostUs)}`;
    out.push(
      `${r.label.padEnd(42)} ${r.averageBytes.toFixed(0).padStart(5)} ${r.values.toFixed(0).padStart(6)}   ${us(r.baselineUs).padStart(13)}   ${us(r.checkUs).padStart(10)}   ${us(r.costUs).padStart(10)}   ${fastest.padEnd(26)}   ${us(r.chainUs).padStart(15)}`,
    );
  }
  const main200 = results[0];
  const met = main200.costUs < GOAL_US;
  out.push(`target: the check under ${GOAL_US} µs per event at ${BODY_SIZE}-byte bodies (median): ${us(main200.costUs)} µs, ${met ? 'met' : 'NOT met'}`);
  process.stdout.write(out.join('\n') + '\n\n');

  const file = path.join(REPO, 'bench-results', 'body-check.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() };
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, events: EVENTS, goalUs: GOAL_US, met, results }, null, 2) + '\n');
  process.stderr.write(`[bench] figures written to ${path.relative(REPO, file)}\n`);
}

main();
