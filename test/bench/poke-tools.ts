/**
 * The load generators of the oxpoke benchmark (poke-run.ts), each run in a
 * process of its own against the same URL with the same concurrency and
 * duration, and what each prints read back into one shape:
 *
 * - wrk (Debian): `wrk -t1 -cN -dSs --latency URL`; requests/s, its latency
 *   distribution (50, 90, 99%), errors = non-2xx/3xx answers + socket errors;
 * - autocannon (npm, devDependency): its CLI with `-c N -d S --json`;
 *   requests / duration, its percentiles (whole milliseconds), errors =
 *   errors + non-2xx + timeouts;
 * - oxpoke: `node dist/oxpoke.js load FILE --check NAME --concurrency N
 *   --duration Ss`; its report's runs/s, p50/p90/p99 and errors (every
 *   answer judged by the check's assertions);
 * - node (bare): test/bench/bare-http-client.ts, N raw keep-alive sockets
 *   writing the same request bytes in a closed loop, answers framed by their
 *   Content-Length and not judged: the least a Node generator does, so what
 *   any generator written for Node can reach here; errors = answers not
 *   2xx/3xx + socket errors;
 * - oxpoke x2: two oxpoke processes with N/2 each at once, summed (latency
 *   the slower of the two): what a second generator thread could add on
 *   this machine, where nginx needs a core too.
 *
 * Each trial also reads, from /proc, the CPU the generator used (sampled
 * every 100 ms until it exits; start-up included) and the CPU nginx's
 * processes used over the same time.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from '../helpers/oxd-process';
import { track } from './line-child';
import { clkTck, cpuTicks } from './proc-stats';

export type ToolName = 'wrk' | 'autocannon' | 'node (bare)' | 'oxpoke' | 'oxpoke x2';
export const TOOLS: readonly ToolName[] = ['wrk', 'autocannon', 'node (bare)', 'oxpoke', 'oxpoke x2'];

export interface TrialSpec {
  /** A label for the URL (static, add). */
  target: string;
  url: string;
  /** The oxpoke check file and the check in it that asks for `url`. */
  checkFile: string;
  check: string;
  concurrency: number;
  seconds: number;
  /** nginx's pids (master and workers), whose CPU is read around the trial. */
  nginxPids: number[];
  /** oxpoke only: write a CPU profile into this folder. */
  cpuProfDir?: string;
}

export interface Trial {
  tool: ToolName;
  target: string;
  concurrency: number;
  requests: number;
  rps: number;
  /** Milliseconds; NaN when the tool gave none. */
  p50: number;
  p90: number;
  p99: number;
  errors: number;
  /** CPU seconds of the generator's processes, and of nginx's, over the trial. */
  toolCpu: number;
  nginxCpu: number;
  wallSeconds: number;
  /** oxpoke with a profile folder: the CPU profile it wrote. */
  profile?: string;
}

const WRK = '/usr/bin/wrk';
const AUTOCANNON = path.join(REPO, 'node_modules', 'autocannon', 'autocannon.js');
export const OXPOKE_BUNDLE = path.join(REPO, 'dist', 'oxpoke.js');
export const BARE_CLIENT = path.join(REPO, 'build', 'test', 'bench', 'bare-http-client.js');

interface Finished {
  stdout: string;
  stderr: string;
  code: number | null;
  cpuTicks: number;
}

/** Runs a command to its end, with its CPU (every thread) sampled every 100 ms while it runs. */
function run(command: string, args: string[]): Promise<Finished> {
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let stdout = '';
  let stderr = '';
  let ticks = 0;
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const sampler = setInterval(() => {
    const t = cpuTicks(child.pid!);
    if (t !== null) ticks = t;
  }, 100);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearInterval(sampler);
      resolve({ stdout, stderr, code, cpuTicks: ticks });
    });
  });
}

/** `215.00us`, `1.83ms`, `1.20s` in milliseconds. */
function wrkTime(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (m === null) throw new Error(`not a wrk time: ${text}`);
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 'ms' ? 1 : 1000);
}

type Figures = Omit<Trial, 'tool' | 'target' | 'concurrency' | 'toolCpu' | 'nginxCpu' | 'wallSeconds' | 'profile'> & { profile?: string };

export function parseWrk(out: string): Figures {
  const rps = /^Requests\/sec:\s+([\d.]+)$/m.exec(out);
  const total = /^\s*(\d+) requests in /m.exec(out);
  if (rps === null || total === null) throw new Error(`wrk's output is not understood:\n${out}`);
  const pct = (p: number): number => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)$`, 'm').exec(out);
    return m === null ? NaN : wrkTime(m[1]);
  };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0);
  return { requests: Number(total[1]), rps: Number(rps[1]), p50: pct(50), p90: pct(90), p99: pct(99), errors: non2xx + socketErrors };
}

export function parseAutocannon(out: string): Figures {
  const r = JSON.parse(out.slice(out.indexOf('{'))) as {
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    requests: { total: number };
    latency: { p50: number; p90: number; p99: number };
  };
  return {
    requests: r.requests.total,
    rps: r.requests.total / r.duration,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx + r.timeouts,
  };
}

export function parseOxpoke(out: string): Figures {
  const runs = /^runs +(\d+) in [\d.]+ s: ([\d.]+) runs\/s$/m.exec(out);
  const errors = /^errors +(\d+) /m.exec(out);
  if (runs === null || errors === null) throw new Error(`oxpoke's report is not understood:\n${out}`);
  const pct = (p: number): number => Number(new RegExp(`[ ,]p${p} ([\\d.]+) ms`).exec(out)?.[1] ?? NaN);
  return { requests: Number(runs[1]), rps: Number(runs[2]), p50: pct(50), p90: pct(90), p99: pct(99), errors: Number(errors[1]) };
}

export function parseBare(out: string): Figures {
  const requests = /^requests +(\d+) in [\d.]+ s: ([\d.]+) req\/s$/m.exec(out);
  const errors = /^errors +(\d+)$/m.exec(out);
  if (requests === null || errors === null) throw new Error(`the bare client's output is not understood:\n${out}`);
  const pct = (p: number): number => Number(new RegExp(`[ ,]p${p} ([\\d.]+) ms`).exec(out)?.[1] ?? NaN);
  return { requests: Number(requests[1]), rps: Number(requests[2]), p50: pct(50), p90: pct(90), p99: pct(99), errors: Number(errors[1]) };
}

function oxpokeArgs(spec: TrialSpec, concurrency: number, profile: boolean): string[] {
  const prof = profile && spec.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${spec.cpuProfDir}`] : [];
  return [...prof, OXPOKE_BUNDLE, 'load', spec.checkFile, '--check', spec.check, '--concurrency', String(concurrency), '--duration', `${spec.seconds}s`];
}

function checked(what: string, f: Finished, allowed: number[] = [0]): Finished {
  if (f.code === null || !allowed.includes(f.code)) throw new Error(`${what} exited with ${f.code}:\n${f.stdout}\n${f.stderr}`);
  return f;
}

/** One trial of `tool` as `spec` says. */
export async function trial(tool: ToolName, spec: TrialSpec): Promise<Trial> {
  const nginxBefore = spec.nginxPids.reduce((sum, pid) => sum + (cpuTicks(pid) ?? 0), 0);
  const start = process.hrtime.bigint();
  let figures: Figures;
  let ticks: number;
  const n = spec.concurrency;
  if (tool === 'wrk') {
    const f = checked('wrk', await run(WRK, ['-t1', `-c${n}`, `-d${spec.seconds}s`, '--latency', spec.url]));
    figures = parseWrk(f.stdout);
    ticks = f.cpuTicks;
  } else if (tool === 'autocannon') {
    const f = checked('autocannon', await run(process.execPath, [AUTOCANNON, '-c', String(n), '-d', String(spec.seconds), '--json', spec.url]));
    figures = parseAutocannon(f.stdout);
    ticks = f.cpuTicks;
  } else if (tool === 'node (bare)') {
    const f = checked('the bare client', await run(process.execPath, [BARE_CLIENT, spec.url, '--connections', String(n), '--seconds', String(spec.seconds)]));
    figures = parseBare(f.stdout);
    ticks = f.cpuTicks;
  } else if (tool === 'oxpoke') {
    const before = new Set(spec.cpuProfDir ? fs.readdirSync(spec.cpuProfDir) : []);
    // Exit 2 is a threshold failing (errors over 1%): the figures are still the figures.
    const f = checked('oxpoke load', await run(process.execPath, oxpokeArgs(spec, n, true)), [0, 2]);
    figures = parseOxpoke(f.stdout);
    ticks = f.cpuTicks;
    const written = spec.cpuProfDir ? fs.readdirSync(spec.cpuProfDir).filter((name) => !before.has(name) && name.endsWith('.cpuprofile')) : [];
    if (written.length > 0) figures = { ...figures, profile: path.join(spec.cpuProfDir!, written[0]) };
  } else {
    const halves = [Math.ceil(n / 2), Math.floor(n / 2)].filter((c) => c > 0);
    const finished = await Promise.all(halves.map((c) => run(process.execPath, oxpokeArgs(spec, c, false))));
    const parts = finished.map((f) => parseOxpoke(checked('oxpoke load', f, [0, 2]).stdout));
    const sum = (k: 'requests' | 'rps' | 'errors'): number => parts.reduce((s, p) => s + p[k], 0);
    const slowest = (k: 'p50' | 'p90' | 'p99'): number => Math.max(...parts.map((p) => p[k]));
    figures = { requests: sum('requests'), rps: sum('rps'), errors: sum('errors'), p50: slowest('p50'), p90: slowest('p90'), p99: slowest('p99') };
    ticks = finished.reduce((s, f) => s + f.cpuTicks, 0);
  }
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const nginxAfter = spec.nginxPids.reduce((sum, pid) => sum + (cpuTicks(pid) ?? 0), 0);
  return { tool, target: spec.target, concurrency: n, ...figures, toolCpu: ticks / clkTck(), nginxCpu: (nginxAfter - nginxBefore) / clkTck(), wallSeconds };
}

/** The children (workers) of `pid` and itself. */
export function withChildren(pid: number): number[] {
  try {
    const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((s) => s !== '').map(Number);
    return [pid, ...children];
  } catch {
    return [pid];
  }
}
