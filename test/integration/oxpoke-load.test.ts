/**
 * `oxpoke load` as a user runs it (dist/oxpoke.js), against a node http
 * server the test starts and that counts what it receives: every run the
 * report counts is a request the server answered, connections are kept open
 * (at most the concurrency) unless asked not to, thresholds decide the exit
 * status (on a slow endpoint, where the figures are known whatever the
 * machine's load), a server answering 500 to every second request makes
 * half the runs errors counted by reason, `errors < 1%` applies when no
 * threshold about errors is given, an open loop starts exactly its
 * rate, Ctrl-C ends a run early with its report, and bad input exits 3.
 *
 * The runs are short (1 s at a concurrency of 4) and serial, so they do
 * not compete with each other for the cores.
 */
import test, { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { listen } from '../helpers/probe-servers';
import { freePorts } from '../helpers/systemd-stand-ins';
import { runTool, toolPath, ToolResult } from '../helpers/tool';

/** How long /slow takes to answer. */
const SLOW_MS = 300;

interface Service {
  base: string;
  requests: number;
  connections: number;
}

/** /ok answers {"result": 4} at once, /slow after SLOW_MS, /half 500 to every second request it gets. */
async function service(t: ExecutionContext): Promise<Service> {
  const s: Service = { base: '', requests: 0, connections: 0 };
  const timers = new Set<NodeJS.Timeout>();
  t.teardown(() => timers.forEach(clearTimeout));
  let half = 0;
  const server = http.createServer((req, res) => {
    s.requests++;
    const answer = (status: number) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end('{"result": 4}');
    };
    if (req.url === '/slow') {
      const timer = setTimeout(() => (timers.delete(timer), answer(200)), SLOW_MS);
      timers.add(timer);
    } else if (req.url === '/half') {
      answer(++half % 2 === 0 ? 500 : 200);
    } else {
      answer(200);
    }
  });
  server.on('connection', () => s.connections++);
  s.base = `http://127.0.0.1:${await listen(t, server)}`;
  return s;
}

function checkFile(t: ExecutionContext, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxpoke-load-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'load.toml');
  fs.writeFileSync(file, text);
  return file;
}

const check = (name: string, url: string): string => `[[check]]\nname = "${name}"\nurl = "${url}"\nexpect.status = [200]\nexpect.json."$.result" = 4\n`;

/** The figures of a report: runs, errors, and its last line. */
function figures(t: ExecutionContext, r: ToolResult): { runs: number; errors: number; status: string } {
  const runs = /^runs +(\d+) in [\d.]+ s: [\d.]+ runs\/s$/m.exec(r.stdout);
  const errors = /^errors +(\d+) \([\d.]+%\)/m.exec(r.stdout);
  const lines = r.stdout.trimEnd().split('\n');
  if (runs === null || errors === null) throw new Error(`not a report:\n${r.stdout}\n${r.stderr}`);
  t.regex(r.stdout, /^oxpoke load: /);
  return { runs: Number(runs[1]), errors: Number(errors[1]), status: lines[lines.length - 1] };
}

test.serial('concurrency 4 for 1 s: every run counted is a request the server answered, on at most 4 kept-alive connections; thresholds that hold: exit 0', async (t) => {
  const s = await service(t);
  const file = checkFile(t, check('add', `${s.base}/add`));
  const r = await runTool('oxpoke', ['load', file, '--concurrency', '4', '--duration', '1s', '--threshold', 'errors < 1%', '--threshold', 'p99 < 5s']);
  t.is(r.code, 0, r.stdout + r.stderr);
  const f = figures(t, r);
  t.true(f.runs > 10, r.stdout);
  t.is(f.runs, s.requests);
  t.is(f.errors, 0);
  t.true(s.connections >= 1 && s.connections <= 4, `${s.connections} connections`);
  t.regex(r.stdout, /^oxpoke load: add \(GET http:\/\/127\.0\.0\.1:\d+\/add\), 4 workers \(closed loop\) for 1s, connections kept open$/m);
  t.regex(r.stdout, /^latency +min [\d.]+ ms, p50 [\d.]+ ms, p90 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms, mean [\d.]+ ms \(\d+ answered runs\)$/m);
  t.regex(r.stdout, /^threshold  errors < 1%: holds \(0\.00%\)\nthreshold  p99 < 5s: holds \([\d.]+ ms\)\n/m);
  t.regex(f.status, new RegExp(`^POKE OK - add: [\\d.]+ runs/s, p95 [\\d.]+ ms, errors 0\\.00% \\| 'add_runs'=${f.runs};;;0; 'add_rps'=[\\d.]+;;;0; .*'add_p99'=[\\d.]+s;;5\\.000000;0; .*'add_error_rate'=0\\.00%;;1;0;100$`));
});

test.serial('a slow endpoint: a threshold that holds exits 0, one that fails exits 2 (CRITICAL) and is named in the status line', async (t) => {
  const s = await service(t);
  const file = checkFile(t, check('slow', `${s.base}/slow`));
  // Every answer takes at least SLOW_MS, however busy the machine: both verdicts are certain.
  const holds = await runTool('oxpoke', ['load', file, '-c', '4', '-d', '1s', '-t', `p50 >= ${SLOW_MS}ms`]);
  t.is(holds.code, 0, holds.stdout + holds.stderr);
  t.regex(holds.stdout, new RegExp(`^threshold  p50 >= ${SLOW_MS}ms: holds \\(\\d+ ms\\)$`, 'm'));
  const fails = await runTool('oxpoke', ['load', file, '-c', '4', '-d', '1s', '-t', 'errors < 1%', '-t', 'p95 < 100ms']);
  t.is(fails.code, 2, fails.stdout + fails.stderr);
  const f = figures(t, fails);
  t.regex(fails.stdout, /^threshold  errors < 1%: holds \(0\.00%\)\nthreshold  p95 < 100ms: FAILS \(\d+ ms\)$/m);
  const p95 = /^POKE CRITICAL - slow: 1 of 2 thresholds failed: p95 < 100ms \(got \d+ ms\) \| .*'slow_p95'=([\d.]+)s;;0\.100000;0; /.exec(f.status);
  t.true(p95 !== null && Number(p95[1]) >= SLOW_MS / 1000, f.status);
  t.is(s.requests, figures(t, holds).runs + f.runs);
});

test.serial('a server answering 500 to every second request: half the runs are errors, counted as status; errors < 1% fails', async (t) => {
  const s = await service(t);
  const file = checkFile(t, check('half', `${s.base}/half`));
  const r = await runTool('oxpoke', ['load', file, '-c', '4', '-d', '1s', '-t', 'errors < 1%']);
  t.is(r.code, 2, r.stdout + r.stderr);
  const f = figures(t, r);
  t.is(f.runs, s.requests);
  t.is(f.errors, Math.floor(s.requests / 2));
  t.regex(r.stdout, new RegExp(`^errors +${f.errors} \\([\\d.]+%\\): status ${f.errors} \\(status: expected 200, got 500\\)$`, 'm'));
  t.regex(f.status, /^POKE CRITICAL - half: 1 of 1 thresholds failed: errors < 1% \(got (49|50|51)\.\d\d%\) \| /);
  // An answer with status 500 is an answer: those runs are in the latency figures too.
  t.regex(r.stdout, new RegExp(`\\(${f.runs} answered runs\\)`));
});

test.serial('--no-keep-alive: a connection for every request, as oxpoke run makes', async (t) => {
  const s = await service(t);
  const file = checkFile(t, check('add', `${s.base}/add`));
  const r = await runTool('oxpoke', ['load', file, '-c', '2', '-d', '300ms', '--no-keep-alive']);
  t.is(r.code, 0, r.stdout + r.stderr);
  const f = figures(t, r);
  t.is(f.runs, s.requests);
  t.is(s.connections, s.requests);
  t.regex(r.stdout, /, 2 workers \(closed loop\) for 300ms, a new connection per request\n/);
});

test.serial('an open loop at 50/s for 1 s starts exactly 50 runs, whatever the answers take, and reports its late starts', async (t) => {
  const s = await service(t);
  const file = checkFile(t, check('slow', `${s.base}/slow`));
  const r = await runTool('oxpoke', ['load', file, '--rate', '50/s', '--duration', '1s']);
  t.is(r.code, 0, r.stdout + r.stderr);
  const f = figures(t, r);
  t.is(f.runs, 50);
  t.is(s.requests, 50);
  // Answers take SLOW_MS: a closed loop would have had to wait for them, an open loop has about 15 in flight.
  t.true(s.connections > 4, `${s.connections} connections`);
  t.regex(r.stdout, /^starts     50, \d+ late \(more than 5 ms after due; at most [\d.]+ ms\)$/m);
  t.regex(f.status, / 'slow_late'=\d+;;;0;$/);
});

test.serial('Ctrl-C ends a run early: no more runs start, those in flight are counted, and the report is printed', async (t) => {
  const s = await service(t);
  const file = checkFile(t, check('slow', `${s.base}/slow`));
  const child = spawn(process.execPath, [toolPath('oxpoke'), 'load', file, '-c', '2', '-d', '10m'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const deadline = Date.now() + 30_000;
  while (s.requests < 4) {
    if (Date.now() > deadline) throw new Error(`no load after 30 s: ${s.requests} requests`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGINT');
  t.is(await exited, 0);
  const runs = Number(/^runs +(\d+) in/m.exec(stdout)?.[1]);
  t.is(runs, s.requests);
  t.regex(stdout, /\nPOKE OK - slow: /);
});

test.serial('no threshold about errors given: errors < 1% applies, so a load whose every run failed exits 2; an errors threshold given replaces it', async (t) => {
  const [port] = await freePorts(1);
  const refused = checkFile(t, check('down', `http://127.0.0.1:${port}/add`));
  const none = await runTool('oxpoke', ['load', refused, '-c', '2', '-d', '300ms']);
  t.is(none.code, 2, none.stdout + none.stderr);
  const f = figures(t, none);
  t.true(f.runs > 0 && f.errors === f.runs, none.stdout);
  t.regex(none.stdout, /^latency +none: no run got an answer$/m);
  t.regex(none.stdout, /^threshold  errors < 1% \(default\): FAILS \(100\.00%\)$/m);
  t.regex(f.status, /^POKE CRITICAL - down: 1 of 1 thresholds failed: errors < 1% \(got 100\.00%\) \| .*'down_error_rate'=100\.00%;;1;0;100$/);

  // Every run answered with 500: a latency threshold alone holds, the default one on errors does not.
  const s = await service(t);
  const half = checkFile(t, check('half', `${s.base}/half`));
  const latencyOnly = await runTool('oxpoke', ['load', half, '-c', '2', '-d', '300ms', '-t', 'p99 < 10s']);
  t.is(latencyOnly.code, 2, latencyOnly.stdout + latencyOnly.stderr);
  t.regex(latencyOnly.stdout, /^threshold  p99 < 10s: holds \([\d.]+ ms\)\nthreshold  errors < 1% \(default\): FAILS \([\d.]+%\)$/m);
  const allowed = await runTool('oxpoke', ['load', half, '-c', '2', '-d', '300ms', '-t', 'errors <= 100%']);
  t.is(allowed.code, 0, allowed.stdout + allowed.stderr);
  t.notRegex(allowed.stdout, /\(default\)/);
  t.regex(figures(t, allowed).status, /^POKE OK - half: /);
});

test('bad input exits 3 (UNKNOWN) with a message saying what is allowed', async (t) => {
  const file = checkFile(t, `${check('one', 'http://127.0.0.1:1/')}${check('two', 'http://127.0.0.1:1/')}`);
  const cases: Array<[string[], RegExp]> = [
    [['-c', '4', '-d', '1s', '--check', 'one', '-t', 'p95 < 200'], /bad threshold "p95 < 200": p95 needs a unit .*; a threshold is METRIC OP VALUE/],
    [['-c', '4', '-d', '1s', '--check', 'one', '-t', 'latency < 1s'], /latency is not a metric/],
    [['-c', '4', '-r', '10/s', '-d', '1s', '--check', 'one'], /option '-c, --concurrency <n>' cannot be used with option '-r, --rate <runs\/s>'/],
    [['-d', '1s', '--check', 'one'], /needs --concurrency N \(a closed loop\) or --rate R\/s \(an open loop\)/],
    [['-c', '4', '--check', 'one'], /required option '-d, --duration <duration>' not specified/],
    [['-c', '0', '-d', '1s', '--check', 'one'], /--concurrency 0 is not allowed: a whole number of runs in flight from 1 to 10000/],
    [['-r', 'fast', '-d', '1s', '--check', 'one'], /--rate fast is not allowed: runs started a second or a minute, such as 500\/s or 30\/m/],
    [['-c', '4', '-d', '30', '--check', 'one'], /--duration 30 is not allowed: a duration from 1ms to 24h/],
    [['-c', '4', '-d', '1s'], /has 2 checks and scenarios \(one, two\): choose one with --check NAME/],
    [['-c', '4', '-d', '1s', '--check', 'three'], /has no check or scenario named three; it has one, two/],
  ];
  for (const [args, message] of cases) {
    const r = await runTool('oxpoke', ['load', file, ...args]);
    t.is(r.code, 3, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    t.regex(r.stderr, message, args.join(' '));
  }
  const missing = await runTool('oxpoke', ['load', '/nonexistent/load.toml', '-c', '1', '-d', '1s']);
  t.is(missing.code, 3);
  t.regex(missing.stdout, /^POKE UNKNOWN - cannot read the check file \/nonexistent\/load\.toml/);
});
