/**
 * `oxpoke serve` as systemd runs it: a folder of check files, a real HTTP
 * server whose answers the test switches, a real oxd taking the events and
 * metrics. The journal lines are read from the service's stdout as it
 * writes them, the `poke` and `poke_state` events from oxd's files;
 * retries and an N-of-M threshold end to end; SIGHUP adding, removing and
 * refusing files; the cap on runs under way counted by the server;
 * SIGTERM waiting for the runs under way and exiting 0.
 */
import test, { ExecutionContext } from 'ava';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { eventsOfType } from '../helpers/oxd-events';
import { Oxd, startOxd, tempDir } from '../helpers/oxd-process';
import { Output } from '../helpers/output';
import { waitUntil } from '../helpers/proc';
import { notifyListener } from '../helpers/systemd-stand-ins';
import { runTool, toolPath } from '../helpers/tool';

/** What the server answers for a path: a status, after a delay. */
type Answer = { status: number; delayMs?: number };

/** An HTTP server whose answers the test sets per path, counting requests, those under way at once, and those the client gave up. */
class Switchboard {
  port = 0;
  readonly answers = new Map<string, Answer | (() => Answer)>();
  readonly requests = new Map<string, number>();
  inFlight = 0;
  maxInFlight = 0;
  aborted = 0;
  private readonly server = http.createServer((req, res) => {
    const p = req.url ?? '/';
    this.requests.set(p, this.count(p) + 1);
    const set = this.answers.get(p) ?? { status: 404 };
    const answer = typeof set === 'function' ? set() : set;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    // Under way until the answer is handed to the kernel, before the client can have it; a close before that is the client giving up.
    let settled = false;
    const settle = (aborted: boolean): void => {
      if (settled) return;
      settled = true;
      this.inFlight--;
      if (aborted) this.aborted++;
    };
    res.once('finish', () => settle(false));
    res.once('close', () => settle(true));
    // The delay is what the checked service takes to answer, not a wait of the test's.
    setTimeout(() => {
      res.statusCode = answer.status;
      res.end(`status ${answer.status}\n`);
    }, answer.delayMs ?? 0);
  });

  count(p: string): number {
    return this.requests.get(p) ?? 0;
  }

  static async start(t: ExecutionContext): Promise<Switchboard> {
    const board = new Switchboard();
    await new Promise<void>((resolve) => board.server.listen(0, '127.0.0.1', resolve));
    board.port = (board.server.address() as net.AddressInfo).port;
    t.teardown(() => {
      board.server.closeAllConnections();
      return new Promise<void>((resolve) => board.server.close(() => resolve()));
    });
    return board;
  }
}

interface Serve {
  child: ChildProcess;
  out: Output;
  err: Output;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const SERVE_ENV_CLEARED = { BLUEOX_HOST: '', JOURNAL_STREAM: '', NOTIFY_SOCKET: '', OXPOKE_DIR: '', OXPOKE_MAX_CONCURRENT: '', OXPOKE_EVENTS: '', OXPOKE_STATSD: '' };

function startServe(t: ExecutionContext, dir: string, args: string[], env: NodeJS.ProcessEnv = {}, stdout: 'pipe' | number = 'pipe'): Serve {
  const child = spawn(process.execPath, [toolPath('oxpoke'), 'serve', '--dir', dir, ...args], {
    env: { ...process.env, ...SERVE_ENV_CLEARED, ...env },
    stdio: ['ignore', stdout, 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  // stdout given as a file (the journal stand-in) is read from the file.
  const out = new Output(child.stdout ?? new PassThrough().end(), 'oxpoke serve (stdout)');
  const err = new Output(child.stderr!, 'oxpoke serve (stderr)');
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return { child, out, err, exit };
}

function checkDir(): string {
  return tempDir('oxpoke-serve-');
}

/** A check of `path` on the board, every 200 ms, expecting 200. */
function checkText(board: Switchboard, name: string, urlPath: string, extra: string[] = []): string {
  return [`[[check]]`, `name = "${name}"`, `url = "http://127.0.0.1:${board.port}${urlPath}"`, 'interval = "200ms"', 'expect.status = [200]', ...extra, ''].join('\n');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A line of the service's stdout, after its time stamp. */
function line(text: string): RegExp {
  return new RegExp(`^\\S+ ${escape(text)}$`, 'm');
}

async function oxdWithStatsd(t: ExecutionContext): Promise<{ oxd: Oxd; statsd: number }> {
  const oxd = await startOxd({ args: ['--statsd', '127.0.0.1:0', '--statsd-flush', '1000'] });
  t.teardown(() => oxd.stop());
  const statsd = Number((await oxd.waitForStderr(/ statsd=127\.0\.0\.1:(\d+)/))[1]);
  return { oxd, statsd };
}

async function waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  let found: T | undefined;
  await waitUntil(() => (found = find()) !== undefined, what, timeoutMs);
  return found as T;
}

test('200 -> 500 -> 200: a journal line for each change, poke_state events and each run\'s poke event in oxd\'s files, metrics through its statsd port; SIGTERM exits 0', async (t) => {
  const board = await Switchboard.start(t);
  board.answers.set('/add', { status: 200 });
  const { oxd, statsd } = await oxdWithStatsd(t);
  const dir = checkDir();
  const file = path.join(dir, 'shop.toml');
  fs.writeFileSync(file, checkText(board, 'add', '/add'));
  const serve = startServe(t, dir, ['--events', oxd.collect, '--statsd', `127.0.0.1:${statsd}`]);
  await serve.out.waitFor(line(`loaded 1 check from 1 file in ${dir}: added shop/add`));
  await waitUntil(() => board.count('/add') >= 1, 'the first run');
  board.answers.set('/add', { status: 500 });
  await serve.out.waitFor(line('shop/add: OK -> CRITICAL: the last run failed (threshold 1 of 1); last run: status: expected 200, got 500'));
  board.answers.set('/add', { status: 200 });
  await serve.out.waitFor(line('shop/add: CRITICAL -> OK: the last run passed'));

  const changes = await waitFor(() => {
    const events = eventsOfType(oxd, 'poke_state');
    return events.length >= 2 ? events : undefined;
  }, 'two poke_state events in the files');
  t.is(changes.length, 2);
  t.like(changes[0].body, {
    id: 'shop/add',
    check: 'add',
    file,
    kind: 'state',
    from: 'OK',
    to: 'CRITICAL',
    reason: 'the last run failed (threshold 1 of 1); last run: status: expected 200, got 500',
    state: 'CRITICAL',
    flapping: false,
  });
  t.like(changes[1].body, { id: 'shop/add', kind: 'state', from: 'CRITICAL', to: 'OK', reason: 'the last run passed', state: 'OK' });
  t.true(changes[1].body.at >= changes[0].body.at && changes[0].body.at > Date.now() / 1000 - 600);

  const runs = eventsOfType(oxd, 'poke').map((e) => e.body);
  const failed = runs.find((r) => r.outcome === 'CRITICAL');
  t.like(failed, { id: 'shop/add', check: 'add', attempt: 1, counted: true, state: 'CRITICAL' });
  t.like(failed.steps[0], { status: 500, body_head: 'status 500\n' });
  t.true(runs.every((r) => r.id === 'shop/add' && r.attempt === 1 && r.counted === true));
  // The metrics of oxpoke run: a counter of each outcome and a timer, in oxd's statsd intervals.
  await waitFor(() => eventsOfType(oxd, 'statsd.interval').find((e) => e.body.counters['poke.add.critical'] >= 1), 'the critical counter');
  const ok = await waitFor(() => eventsOfType(oxd, 'statsd.interval').find((e) => e.body.counters['poke.add.ok'] >= 1), 'the ok counter');
  t.true(ok.body.timers['poke.add.time'].count >= 1);

  serve.child.kill('SIGTERM');
  t.deepEqual(await serve.exit, { code: 0, signal: null });
  t.regex(serve.out.text, line('stopped'));
  t.is(serve.err.text, '');
});

test('retries and "2 of 3": a run passing on its retry counts as passed; two failed runs make it CRITICAL, two passes OK again', async (t) => {
  const board = await Switchboard.start(t);
  // Failing and passing in turn: every run's first try fails and its retry passes.
  let next = 500;
  const alternate = (): Answer => {
    const status = next;
    next = next === 500 ? 200 : 500;
    return { status };
  };
  board.answers.set('/flaky', alternate);
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const dir = checkDir();
  fs.writeFileSync(path.join(dir, 'app.toml'), checkText(board, 'flaky', '/flaky', ['retries = 1', 'threshold = "2 of 3"']));
  const serve = startServe(t, dir, ['--events', oxd.collect, '--no-metrics']);
  const counted = (): any[] => eventsOfType(oxd, 'poke').map((e) => e.body).filter((b) => b.counted);
  await waitUntil(() => counted().filter((b) => b.outcome === 'OK' && b.attempt === 2).length >= 2, 'two runs that passed on their retry');
  board.answers.set('/flaky', { status: 500 });
  await serve.out.waitFor(line('app/flaky: OK -> CRITICAL: 2 of the last 3 runs failed (threshold 2 of 3); last run: status: expected 200, got 500'));
  board.answers.set('/flaky', { status: 200 });
  await serve.out.waitFor(line('app/flaky: CRITICAL -> OK: the last 2 runs passed'));

  const changes = await waitFor(() => {
    const events = eventsOfType(oxd, 'poke_state');
    return events.length >= 2 ? events.map((e) => e.body) : undefined;
  }, 'two poke_state events');
  // No change while the retries hid the failures: the first change is the one to CRITICAL.
  t.deepEqual(changes.map((c) => [c.from, c.to]), [['OK', 'CRITICAL'], ['CRITICAL', 'OK']]);
  const tries = eventsOfType(oxd, 'poke').map((e) => e.body);
  // Every try that was retried failed, was not counted, and its retry followed it.
  tries.forEach((b, i) => {
    if (b.counted || i === tries.length - 1) return;
    t.like(b, { attempt: 1, outcome: 'CRITICAL' });
    t.false('state' in b);
    t.like(tries[i + 1], { attempt: 2 });
  });
  // The counted runs around the changes: OK until two failed, CRITICAL until two passed.
  const outcomes = tries.filter((b) => b.counted).map((b) => `${b.outcome}>${b.state}`);
  const toCritical = outcomes.indexOf('CRITICAL>CRITICAL');
  t.true(toCritical >= 3, outcomes.join(' '));
  t.deepEqual(outcomes.slice(toCritical - 2, toCritical + 1), ['OK>OK', 'CRITICAL>OK', 'CRITICAL>CRITICAL']);
  const back = outcomes.indexOf('OK>OK', toCritical);
  t.deepEqual(outcomes.slice(back - 2, back + 1), ['CRITICAL>CRITICAL', 'OK>CRITICAL', 'OK>OK']);
  serve.child.kill('SIGTERM');
  t.is((await serve.exit).code, 0);
});

test('SIGHUP: a new file\'s check starts and the others keep their state, a removed file\'s stops, a changed one starts afresh, a bad file keeps the running set; RELOADING and READY to systemd', async (t) => {
  const board = await Switchboard.start(t);
  board.answers.set('/one', { status: 500 });
  board.answers.set('/two', { status: 200 });
  const dir = checkDir();
  const socket = path.join(tempDir('oxpoke-notify-'), 'notify');
  const notify = await notifyListener(t, socket);
  fs.writeFileSync(path.join(dir, 'one.toml'), checkText(board, 'one', '/one'));
  const serve = startServe(t, dir, ['--no-events', '--no-metrics'], { NOTIFY_SOCKET: socket });
  await notify.waitFor(/^READY=1$/m);
  t.regex(notify.text, /^STATUS=1 check, 0 failing, 0 flapping, \d running$/m);
  await serve.out.waitFor(line('one/one: OK -> CRITICAL: the last run failed (threshold 1 of 1); last run: status: expected 200, got 500'));

  // A new file: its check starts; one/one stays CRITICAL (no new change) and its recovery is a change from CRITICAL.
  fs.writeFileSync(path.join(dir, 'two.toml'), checkText(board, 'two', '/two'));
  serve.child.kill('SIGHUP');
  await serve.out.waitFor(line(`reloaded 2 checks from 2 files in ${dir}: added two/two; 1 unchanged`));
  await notify.waitFor(/^RELOADING=1\nREADY=1$/m);
  await waitUntil(() => board.count('/two') >= 1, 'two/two runs');
  board.answers.set('/one', { status: 200 });
  await serve.out.waitFor(line('one/one: CRITICAL -> OK: the last run passed'));
  t.is([...serve.out.text.matchAll(/one\/one: OK -> CRITICAL/g)].length, 1);

  // A removed file: its check runs no more (a run under way at the reload may still end).
  fs.rmSync(path.join(dir, 'one.toml'));
  serve.child.kill('SIGHUP');
  await serve.out.waitFor(line(`reloaded 1 check from 1 file in ${dir}: removed one/one; 1 unchanged`));
  const oneAtRemoval = board.count('/one');
  const twoAtRemoval = board.count('/two');
  await waitUntil(() => board.count('/two') >= twoAtRemoval + 4, 'four more runs of two/two');
  t.true(board.count('/one') <= oneAtRemoval + 1, `one/one ran ${board.count('/one') - oneAtRemoval} times after its removal`);

  // The same check written lower in its file is unchanged; a changed one starts afresh (state OK, due at once).
  const twoText = checkText(board, 'two', '/two');
  fs.writeFileSync(path.join(dir, 'two.toml'), `# moved down\n\n${twoText}`);
  serve.child.kill('SIGHUP');
  await serve.out.waitFor(line(`reloaded 1 check from 1 file in ${dir}: 1 unchanged`));
  fs.writeFileSync(path.join(dir, 'two.toml'), twoText.replace('expect.status = [200]', 'expect.status = [201]'));
  serve.child.kill('SIGHUP');
  await serve.out.waitFor(line(`reloaded 1 check from 1 file in ${dir}: changed two/two`));
  await serve.out.waitFor(line('two/two: OK -> CRITICAL: the last run failed (threshold 1 of 1); last run: status: expected 201, got 200'));

  // A bad file: nothing changes, the error names the file, the line and the key.
  const bad = path.join(dir, 'three.toml');
  fs.writeFileSync(bad, checkText(board, 'three', '/three').replace('expect.status', 'expect.stauts'));
  serve.child.kill('SIGHUP');
  await serve.err.waitFor(new RegExp(`^\\S+ error: not reloaded; the 1 check loaded before keep running: ${escape(bad)}:5: check\\[1\\]\\.expect\\.stauts is not a known key`, 'm'));
  await notify.waitFor(/^READY=1$/m, 30_000, 6);
  const twoAtError = board.count('/two');
  await waitUntil(() => board.count('/two') >= twoAtError + 3, 'two/two still runs');
  t.is(board.count('/three'), 0);

  serve.child.kill('SIGTERM');
  t.is((await serve.exit).code, 0);
  await notify.waitFor(/^STOPPING=1$/m);
});

test('the cap: five slow checks, --max-concurrent 2: the server never has more than 2 under way; SIGTERM waits for them', async (t) => {
  const board = await Switchboard.start(t);
  const dir = checkDir();
  for (let i = 1; i <= 5; i++) {
    board.answers.set(`/slow${i}`, { status: 200, delayMs: 150 });
    fs.writeFileSync(path.join(dir, `slow${i}.toml`), checkText(board, `slow${i}`, `/slow${i}`).replace('200ms', '100ms'));
  }
  const serve = startServe(t, dir, ['--no-events', '--no-metrics', '--max-concurrent', '2']);
  await serve.out.waitFor(line(`serving 5 checks of ${dir}, at most 2 runs at once, events to -, metrics to -, pid ${serve.child.pid}`));
  // Every check has its turn, in the order they fell due.
  await waitUntil(() => [1, 2, 3, 4, 5].every((i) => board.count(`/slow${i}`) >= 3), 'three runs of every check', 60_000);
  t.is(board.maxInFlight, 2);
  await waitUntil(() => board.inFlight === 2, 'two runs under way');
  serve.child.kill('SIGTERM');
  t.deepEqual(await serve.exit, { code: 0, signal: null });
  t.regex(serve.out.text, /stopping \(SIGTERM\): no new runs; waiting for the 2 runs under way\n.*stopped\n$/);
  // The runs under way got their answers: none was cut off by the exit.
  await waitUntil(() => board.inFlight === 0, 'the server done');
  t.is(board.aborted, 0);
  t.is(board.maxInFlight, 2);
});

test('start-up: a bad file or a folder that cannot be read exits 1 with the message; an empty folder runs nothing until a reload; bad options exit 3', async (t) => {
  const dir = checkDir();
  const bad = path.join(dir, 'bad.toml');
  fs.writeFileSync(bad, '[[check]]\nname = "x"\nurl = "http://127.0.0.1:1/"\ntimeout = 5\n');
  const badRun = await runTool('oxpoke', ['serve', '--dir', dir, '--no-events', '--no-metrics'], { env: SERVE_ENV_CLEARED });
  t.is(badRun.code, 1);
  t.regex(badRun.stderr, new RegExp(`error: cannot start: ${escape(bad)}:4: check\\[1\\]\\.timeout = 5 is not allowed`));
  const missing = await runTool('oxpoke', ['serve', '--dir', path.join(dir, 'nowhere'), '--no-events'], { env: SERVE_ENV_CLEARED });
  t.is(missing.code, 1);
  t.regex(missing.stderr, /cannot start: cannot read the check folder .*nowhere: ENOENT/);
  // OXPOKE_DIR gives the folder when --dir does not.
  const fromEnv = await runTool('oxpoke', ['serve', '--no-events'], { env: { ...SERVE_ENV_CLEARED, OXPOKE_DIR: path.join(dir, 'elsewhere') } });
  t.regex(fromEnv.stderr, /cannot read the check folder .*elsewhere/);

  const empty = checkDir();
  fs.writeFileSync(path.join(empty, '.hidden.toml'), 'not = [valid');
  fs.writeFileSync(path.join(empty, 'notes.txt'), 'not a check file');
  const serve = startServe(t, empty, ['--no-events', '--no-metrics']);
  await serve.out.waitFor(line(`loaded no checks from 0 files in ${empty} (no *.toml files): nothing runs until a reload (SIGHUP) brings some`));
  await serve.out.waitFor(/serving 0 checks of/);
  serve.child.kill('SIGINT');
  t.deepEqual(await serve.exit, { code: 0, signal: null }, serve.out.text + serve.err.text);

  for (const [args, env, message] of [
    [['--max-concurrent', '0'], {}, /--max-concurrent 0 is not allowed: a whole number of runs under way at once, from 1 to 10000/],
    [[], { OXPOKE_MAX_CONCURRENT: 'many' }, /OXPOKE_MAX_CONCURRENT=many is not allowed/],
    [['--bogus'], {}, /unknown option '--bogus'/],
  ] as const) {
    const r = await runTool('oxpoke', ['serve', '--dir', empty, ...args], { env: { ...SERVE_ENV_CLEARED, ...env } });
    t.is(r.code, 3, r.stderr);
    t.regex(r.stderr, message);
  }
});

test('under systemd (stdout is the journal stream) each change carries its priority: CRITICAL an error, OK again a notice', async (t) => {
  const board = await Switchboard.start(t);
  board.answers.set('/down', { status: 503 });
  const dir = checkDir();
  fs.writeFileSync(path.join(dir, 'j.toml'), checkText(board, 'down', '/down'));
  const journal = path.join(tempDir('oxpoke-journal-'), 'stdout');
  const fd = fs.openSync(journal, 'w');
  const st = fs.fstatSync(fd);
  const serve = startServe(t, dir, ['--no-events', '--no-metrics'], { JOURNAL_STREAM: `${st.dev}:${st.ino}` }, fd);
  fs.closeSync(fd);
  const read = (): string => fs.readFileSync(journal, 'utf8');
  await waitUntil(() => read().includes('<3>j/down: OK -> CRITICAL'), 'the change to CRITICAL');
  board.answers.set('/down', { status: 200 });
  await waitUntil(() => read().includes('<5>j/down: CRITICAL -> OK'), 'the change to OK');
  t.regex(read(), /^<5>loaded 1 check from 1 file in .*: added j\/down\n<5>serving 1 check of /);
  t.regex(read(), /^<3>j\/down: OK -> CRITICAL: the last run failed \(threshold 1 of 1\); last run: status: expected 200, got 503$/m);
  serve.child.kill('SIGTERM');
  t.is((await serve.exit).code, 0);
});
