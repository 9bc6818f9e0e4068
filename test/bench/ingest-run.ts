/**
 * The oxingest benchmark (figures, not pass/fail): lines per second from a
 * growing file, and oxingest's CPU per line.
 *
 *   follow  a writer process appends N lines of ~150 bytes as fast as it can
 *           (256 lines per write) while `oxingest -F` follows the file; timed
 *           from the writer's start until oxd has written all N events;
 *   stdin   the baseline in the same run: the same N lines piped into
 *           `oxingest TYPE` (no file, no watching), timed the same way.
 *
 * Each scenario runs `--rounds` times (alternating); the median round is
 * shown. oxingest's CPU is utime+stime from /proc over the timed interval.
 * Every event is checked (count and order) in oxd's file. Prints a table;
 * writes JSON to bench-results/ingest.json.
 *
 *   node build/test/bench/ingest-run.js [--lines N] [--rounds R]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Oxd, REPO, startOxd } from '../helpers/oxd-process';
import { dataOf, Ingest, numbered, numbersOf, waitForWritten } from './ingest-harness';
import { cpuSeconds, statusBytes } from './proc-stats';

const WIDTH = 150;
const log = (text: string): boolean => process.stderr.write(`[ingest-bench] ${text}\n`);

interface Round {
  scenario: 'follow' | 'stdin';
  lines: number;
  seconds: number;
  linesPerSec: number;
  cpuSeconds: number;
  cpuMicrosPerLine: number;
  writerSeconds: number | null;
  peakRssBytes: number | null;
  inOrder: boolean;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** A child process appending `n` numbered lines to `file` as fast as it can. */
const WRITER = `
const fs = require('fs');
const [file, n, width] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const fd = fs.openSync(file, 'a');
const pad = 'x'.repeat(width - 12);
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i += 256) {
  let text = '';
  for (let k = i; k < Math.min(i + 256, n); k++) text += 'line ' + String(k).padStart(6, '0') + ' ' + pad + '\\n';
  fs.writeSync(fd, text);
}
process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e9));
`;

function fresh(oxd: Oxd, type: string): void {
  // Each round writes its own type; its file is removed afterwards to keep the disk small.
  for (const day of fs.readdirSync(oxd.logPath!)) fs.rmSync(path.join(oxd.logPath!, day, `${type}-${day}.log`), { force: true });
}

async function finish(oxd: Oxd, ingest: Ingest, type: string, n: number, t0: number, cpu0: number, scenario: Round['scenario'], writerSeconds: number | null): Promise<Round> {
  await waitForWritten(oxd, type, n, 600_000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = (cpuSeconds(ingest.pid) ?? NaN) - cpu0;
  const peak = statusBytes(ingest.pid, 'VmHWM');
  const numbers = numbersOf(dataOf(oxd, type));
  const inOrder = numbers.length === n && numbers.every((v, i) => v === i);
  fresh(oxd, type);
  return {
    scenario,
    lines: n,
    seconds,
    linesPerSec: n / seconds,
    cpuSeconds: cpu,
    cpuMicrosPerLine: (cpu / n) * 1e6,
    writerSeconds,
    peakRssBytes: peak,
    inOrder,
  };
}

async function followRound(oxd: Oxd, dir: string, n: number, k: number): Promise<Round> {
  const type = `follow${k}`;
  const file = path.join(dir, `${type}.log`);
  fs.writeFileSync(file, '');
  const ingest = Ingest.start(['-H', oxd.collect, '--state-file', path.join(dir, `${type}.json`), '-F', file]);
  await ingest.waitFor(/following as type/);
  const cpu0 = cpuSeconds(ingest.pid)!;
  const t0 = performance.now();
  const writer = spawn(process.execPath, ['-e', WRITER, file, String(n), String(WIDTH)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  writer.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const written = new Promise<number>((resolve) => writer.once('close', () => resolve(Number(out))));
  const round = await finish(oxd, ingest, type, n, t0, cpu0, 'follow', null);
  round.writerSeconds = await written;
  const exit = await ingest.stop();
  if (exit.code !== 0) log(`oxingest exited ${exit.code}: ${exit.stderr}`);
  fs.rmSync(file);
  return round;
}

async function stdinRound(oxd: Oxd, n: number, k: number): Promise<Round> {
  const type = `stdin${k}`;
  const ingest = Ingest.start(['-H', oxd.collect, type], { pipe: true });
  const stdin = ingest.child.stdin!;
  let text = '';
  for (let j = 0; j < n; j++) text += numbered(j, WIDTH) + '\n';
  const input = Buffer.from(text);
  const cpu0 = cpuSeconds(ingest.pid)!;
  const t0 = performance.now();
  for (let at = 0; at < input.length; at += 65536) {
    if (!stdin.write(input.subarray(at, at + 65536))) await new Promise((r) => stdin.once('drain', r));
  }
  const writerSeconds = (performance.now() - t0) / 1000;
  // Measured before stdin ends: the CPU of reading and sending, not of exiting.
  const round = await finish(oxd, ingest, type, n, t0, cpu0, 'stdin', writerSeconds);
  stdin.end();
  const exit = await ingest.exited();
  if (exit.code !== 0) log(`oxingest (stdin) exited ${exit.code}: ${exit.stderr}`);
  return round;
}

function median(rounds: Round[]): Round {
  const sorted = [...rounds].sort((a, b) => a.linesPerSec - b.linesPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

function table(rows: Round[]): string {
  const head = ['scenario', 'lines', 'seconds', 'lines/s', 'CPU µs/line', 'writer s', 'peak RSS', 'all, in order'];
  const body = rows.map((r) => [
    r.scenario,
    r.lines.toLocaleString('en-US'),
    r.seconds.toFixed(2),
    Math.round(r.linesPerSec).toLocaleString('en-US'),
    r.cpuMicrosPerLine.toFixed(2),
    r.writerSeconds === null ? '-' : r.writerSeconds.toFixed(2),
    r.peakRssBytes === null ? '-' : `${(r.peakRssBytes / 1048576).toFixed(0)} MB`,
    r.inOrder ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((cells) => cells.map((c, i) => c.padStart(widths[i])).join('  ')).join('\n');
}

async function main(): Promise<void> {
  const n = arg('--lines', 200_000);
  const rounds = arg('--rounds', 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-bench-'));
  const oxd = await startOxd({ logPath: path.join(dir, 'log') });
  fs.mkdirSync(oxd.logPath!, { recursive: true });
  const all: Round[] = [];
  try {
    for (let k = 0; k < rounds; k++) {
      for (const scenario of ['follow', 'stdin'] as const) {
        const r = scenario === 'follow' ? await followRound(oxd, dir, n, k) : await stdinRound(oxd, n, k);
        log(`${scenario} round ${k + 1}: ${Math.round(r.linesPerSec)} lines/s, ${r.cpuMicrosPerLine.toFixed(2)} µs CPU/line`);
        all.push(r);
      }
    }
  } finally {
    await oxd.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const follow = median(all.filter((r) => r.scenario === 'follow'));
  const stdin = median(all.filter((r) => r.scenario === 'stdin'));
  process.stdout.write(`\noxingest: ${n.toLocaleString('en-US')} lines of ${WIDTH} bytes, median of ${rounds} rounds (${os.cpus().length} CPUs, Node ${process.version})\n`);
  process.stdout.write(table([follow, stdin]) + '\n');
  const ratio = follow.linesPerSec / stdin.linesPerSec;
  process.stdout.write(`follow / stdin: throughput ${ratio.toFixed(2)}, CPU per line ${(follow.cpuMicrosPerLine / stdin.cpuMicrosPerLine).toFixed(2)}\n\n`);
  const out = path.join(REPO, 'bench-results', 'ingest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() };
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), machine, lines: n, width: WIDTH, follow, stdin, ratio, rounds: all }, null, 2) + '\n');
  log(`figures written to ${path.relative(REPO, out)}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
