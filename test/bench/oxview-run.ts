/**
 * oxview decoding a log file of 1,000,000 events to JSON lines, against a
 * baseline in the same run: a bare loop decoding the same file with
 * @msgpack/msgpack's decodeMulti and JSON.stringify. Both run as their own
 * processes writing to /dev/null, three rounds interleaved, medians reported.
 * Target: oxview at or above the baseline's events/s (oxview writes its JSON
 * from the msgpack bytes, exact, without building objects).
 *
 *   node build/test/bench/oxview-run.js [--events N] [--rounds R]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Float64, RawPacker } from '../../src/protocol/compat-pack';
import { REPO } from '../helpers/oxd-process';
import { toolPath } from '../helpers/tool';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const EVENTS = flag('events', 1_000_000);
const ROUNDS = flag('rounds', 3);

/** A file shaped like oxd's: events packed as the original client packs them, ~200-byte bodies. */
function writeLogFile(file: string, events: number): number {
  const fd = fs.openSync(file, 'w');
  const packer = new RawPacker(1 << 20);
  const base = Date.now() / 1000;
  let bytes = 0;
  for (let i = 0; i < events; i += 1000) {
    packer.reset();
    for (let k = i; k < Math.min(events, i + 1000); k++) {
      packer.value({
        body: { user_agent: 'Mozilla/5.0 (X11; Linux x86_64)', request: { path: `/items/${k}` }, response: { status: 200, size: k % 5000 }, tags: ['a', 'b'], retries: k % 3 },
        end: new Float64(base + k / 1000),
        pid: 4242,
        start: new Float64(base + k / 1000 - 0.003),
        host: 'web-1',
        type: 'request',
        id: (k * 2654435761).toString(16).padStart(32, '0').slice(-32),
      });
    }
    fs.writeSync(fd, packer.view());
    bytes += packer.length;
  }
  fs.closeSync(fd);
  return bytes;
}

const BASELINE = `
const fs = require('fs');
const { decodeMulti } = require(${JSON.stringify(path.join(REPO, 'node_modules', '@msgpack', 'msgpack'))});
const data = fs.readFileSync(process.argv[1]);
let out = '';
let n = 0;
for (const ev of decodeMulti(data)) {
  out += JSON.stringify(ev) + '\\n';
  n++;
  if (out.length > 65536) { fs.writeSync(1, out); out = ''; }
}
fs.writeSync(1, out);
process.stderr.write(String(n));
`;

function timed(args: string[]): Promise<{ seconds: number; stderr: string; code: number | null }> {
  const devnull = fs.openSync('/dev/null', 'w');
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { stdio: ['ignore', devnull, 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.once('close', (code) => {
      fs.closeSync(devnull);
      resolve({ seconds: Number(process.hrtime.bigint() - started) / 1e9, stderr, code });
    }),
  );
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueox-oxview-bench-'));
  try {
    const file = path.join(dir, `request-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}.log`);
    const bytes = writeLogFile(file, EVENTS);
    process.stdout.write(`oxview benchmark: ${EVENTS.toLocaleString('en-US')} events, ${(bytes / 1e6).toFixed(1)} MB, ${os.cpus().length} x ${os.cpus()[0]?.model}, node ${process.version}\n`);
    const oxview: number[] = [];
    const baseline: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const b = await timed(['-e', BASELINE, file]);
      if (b.code !== 0 || Number(b.stderr) !== EVENTS) throw new Error(`baseline failed: ${b.stderr}`);
      baseline.push(EVENTS / b.seconds);
      const o = await timed([toolPath('oxview'), file]);
      if (o.code !== 0) throw new Error(`oxview failed (${o.code}): ${o.stderr}`);
      oxview.push(EVENTS / o.seconds);
      process.stderr.write(`[oxview-bench] round ${round}: baseline ${Math.round(EVENTS / b.seconds)} ev/s, oxview ${Math.round(EVENTS / o.seconds)} ev/s\n`);
    }
    const o = median(oxview);
    const b = median(baseline);
    const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(12);
    process.stdout.write(
      `\nreceiver                                      events/s (median of ${ROUNDS})\n` +
        `baseline: decodeMulti + JSON.stringify  ${fmt(b)}\n` +
        `oxview file > /dev/null                 ${fmt(o)}\n` +
        `ratio oxview/baseline: ${((o / b) * 100).toFixed(0)}%   target >= 100%: ${o / b >= 1 ? 'ok' : 'MISS'}\n`,
    );
    fs.mkdirSync(path.join(REPO, 'bench-results'), { recursive: true });
    fs.writeFileSync(
      path.join(REPO, 'bench-results', 'oxview.json'),
      JSON.stringify({ events: EVENTS, bytes, rounds: { oxview, baseline }, median: { oxview: o, baseline: b }, ratio: o / b }, null, 2) + '\n',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`oxview bench failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
