/**
 * console → BlueOx through a real oxd and its files: bridged console calls
 * still print exactly as before and become `.log` children of the request
 * that made them (top-level `log` events outside any context); levels,
 * exceptions, minLevel, bridging twice, console calls made from inspect
 * hooks, unbridge, concurrent requests, and the example app.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as util from 'node:util';
import * as blueox from '../../src/client';
import { bridgeConsole } from '../../src/client/log/console';
import { Oxd, REPO, startOxd } from '../helpers/oxd-process';
import { eventsOfType, waitDelivered, writtenByType } from '../helpers/oxd-events';

let oxd: Oxd;
test.before(async () => {
  oxd = await startOxd();
});
test.after.always(async () => {
  await blueox.shutdown();
  await oxd?.stop();
});

/** Bound to this file's oxd (see test/helpers/oxd-events.ts). */
const eventsOf = (type: string): any[] => eventsOfType(oxd, type);
const written = (): Promise<Record<string, number>> => writtenByType(oxd);
const delivered = (before: Record<string, number>, delta: Record<string, number>): Promise<void> => waitDelivered(oxd, before, delta);




const fields = (e: any): string[] => [e.body.name, e.body.level, e.body.msg];
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const METHODS = ['log', 'info', 'debug', 'warn', 'error'] as const;

/** Captures what is written to stdout and stderr (console writes through them) until restored. */
function capture(): { out: string[]; err: string[]; restore: () => void } {
  const out: string[] = [];
  const err: string[] = [];
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  process.stdout.write = ((chunk: unknown) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  return {
    out,
    err,
    restore: () => {
      process.stdout.write = stdoutWrite;
      process.stderr.write = stderrWrite;
    },
  };
}

test.serial('bridged console prints as before and sends request.log and log events; unbridge restores console', async (t) => {
  const before = await written();
  blueox.configure({ host: oxd.collect });
  const originals = METHODS.map((m) => console[m]);
  const err = new Error('bridge: card declined');
  let id = '';
  let unbridge: (() => void) | null = null;
  const cap = capture();
  try {
    unbridge = bridgeConsole();
    console.log('bridge: outside');
    await blueox.context('request', async (ctx) => {
      id = ctx.id;
      console.log('bridge: log %d', 1);
      console.info('bridge: info', { a: 1 });
      console.debug('bridge: debug');
      await tick();
      console.warn('bridge: warn');
      console.error('bridge: error', err);
    });
    t.true(METHODS.every((m, i) => console[m] !== originals[i]), 'every method was wrapped');
    unbridge();
    console.log('bridge: after unbridge');
    blueox.context('log', () => blueox.set('msg', 'bridge: sentinel'));
  } finally {
    cap.restore();
    unbridge?.();
  }
  t.true(METHODS.every((m, i) => console[m] === originals[i]), 'unbridge put the original methods back');
  t.is(cap.out.join(''), 'bridge: outside\nbridge: log 1\nbridge: info { a: 1 }\nbridge: debug\nbridge: after unbridge\n');
  t.is(cap.err.join(''), `bridge: warn\nbridge: error ${err.stack}\n`);
  await blueox.shutdown();
  await delivered(before, { log: 2, 'request.log': 5, request: 1 });

  t.deepEqual(eventsOf('request.log').filter((e) => e.id === id).map(fields), [
    ['console', 'INFO', 'bridge: log 1'],
    ['console', 'INFO', 'bridge: info { a: 1 }'],
    ['console', 'DEBUG', 'bridge: debug'],
    ['console', 'WARNING', 'bridge: warn'],
    ['console', 'ERROR', `bridge: error ${err.stack}`],
  ]);
  const logs = eventsOf('request.log').filter((e) => e.id === id);
  t.is(logs[4].body.exception, err.stack);
  t.is(logs.filter((e) => 'exception' in e.body).length, 1);
  const top = eventsOf('log').filter((e) => String(e.body.msg).startsWith('bridge:'));
  t.deepEqual(top.map((e) => e.body), [{ name: 'console', level: 'INFO', msg: 'bridge: outside' }, { msg: 'bridge: sentinel' }]);
  t.not(top[0].id, id);
});

test.serial('bridging twice wraps once; minLevel and name; console calls from inspect hooks print once; unconfigured only prints', async (t) => {
  const before = await written();
  blueox.configure({ host: oxd.collect });
  const originalWarn = console.warn;
  const noisy = {
    [util.inspect.custom]: () => {
      console.warn('reentry: from an inspect hook');
      return 'Noisy';
    },
  };
  let id = '';
  const cap = capture();
  const first = bridgeConsole({ minLevel: 'warn' });
  try {
    const wrapped = console.warn;
    const second = bridgeConsole({ minLevel: 'warn', name: 'legacy' });
    t.is(second, first, 'the same unbridge');
    t.is(console.warn, wrapped, 'not wrapped twice');
    await blueox.context('request', async (ctx) => {
      id = ctx.id;
      console.info('reentry: info below minLevel');
      console.warn('reentry: warn', noisy);
      await tick();
      console.error('reentry: error');
    });
  } finally {
    cap.restore();
    first();
  }
  t.is(console.warn, originalWarn);
  t.is(cap.out.join(''), 'reentry: info below minLevel\n');
  t.is(cap.err.join(''), 'reentry: from an inspect hook\nreentry: warn Noisy\nreentry: error\n', 'each line printed once');
  await blueox.shutdown();
  await delivered(before, { 'request.log': 3, request: 1 });
  t.deepEqual(eventsOf('request.log').filter((e) => e.id === id).map(fields), [
    ['legacy', 'WARNING', 'reentry: from an inspect hook'],
    ['legacy', 'WARNING', 'reentry: warn Noisy'],
    ['legacy', 'ERROR', 'reentry: error'],
  ]);

  // Unconfigured (after shutdown): a bridged call prints and nothing else happens.
  const quiet = capture();
  const unbridge = bridgeConsole();
  try {
    t.notThrows(() => blueox.context('request', () => console.log('unconfigured: printed')));
  } finally {
    quiet.restore();
    unbridge();
  }
  t.deepEqual(quiet.out, ['unconfigured: printed\n']);
  t.false(blueox.stats().configured);
});

test.serial('concurrent requests: each console record carries the id of the request that made it', async (t) => {
  const before = await written();
  blueox.configure({ host: oxd.collect });
  const N = 6;
  let started = 0;
  let go!: () => void;
  const allStarted = new Promise<void>((resolve) => (go = resolve));
  const ids = new Map<number, string>();
  const cap = capture();
  const unbridge = bridgeConsole({ name: 'concurrent' });
  try {
    await Promise.all(
      Array.from({ length: N }, (_, n) =>
        blueox.context('request', async (ctx) => {
          ids.set(n, ctx.id);
          blueox.set('test', 'concurrent');
          blueox.set('n', n);
          console.log(`concurrent: first ${n}`);
          if (++started === N) go();
          await allStarted;
          console.warn(`concurrent: second ${n}`);
          await tick();
          console.error(`concurrent: third ${n}`);
        }),
      ),
    );
  } finally {
    unbridge();
    cap.restore();
  }
  t.is(cap.out.length + cap.err.length, 3 * N);
  await blueox.shutdown();
  await delivered(before, { 'request.log': 3 * N, request: N });
  const requests = eventsOf('request').filter((e) => e.body.test === 'concurrent');
  t.is(requests.length, N);
  t.is(new Set(requests.map((e) => e.id)).size, N);
  const logs = eventsOf('request.log').filter((e) => e.body.name === 'concurrent');
  t.deepEqual(logs.slice(0, N).map((e) => e.body.msg.split(' ')[1]), Array(N).fill('first'), 'the requests ran interleaved');
  for (const req of requests) {
    const n = req.body.n as number;
    t.is(req.id, ids.get(n));
    t.deepEqual(
      logs.filter((e) => e.id === req.id).map((e) => e.body.msg),
      [`concurrent: first ${n}`, `concurrent: second ${n}`, `concurrent: third ${n}`],
    );
  }
});

test.serial('examples/console-app.js prints as before and its records arrive under their requests', async (t) => {
  const before = await written();
  const child = spawn(process.execPath, [path.join(REPO, 'build', 'examples', 'console-app.js')], {
    env: { ...process.env, BLUEOX_HOST: oxd.collect },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  t.is(code, 0, stderr);
  t.is(stdout, 'starting\nprinted, but below minLevel: not sent\nhandling order 1\nhandling order 2\ndone (printed only: console is no longer bridged)\n');
  t.regex(stderr, /^order 1 is slow\norder 2 is slow\norder 2 failed: Error: card declined\n/);
  await delivered(before, { log: 1, 'request.log': 5, request: 2 });

  const mine = (type: string): any[] => eventsOf(type).filter((e) => e.pid === child.pid);
  t.deepEqual(mine('log').map(fields), [['console', 'INFO', 'starting']]);
  const requests = mine('request');
  t.deepEqual(requests.map((e) => e.body.path).sort(), ['/orders/1', '/orders/2']);
  for (const req of requests) {
    const n = req.body.path.split('/').pop();
    const logs = mine('request.log').filter((e) => e.id === req.id);
    t.deepEqual(logs.slice(0, 2).map(fields), [
      ['console', 'INFO', `handling order ${n}`],
      ['console', 'WARNING', `order ${n} is slow`],
    ]);
    t.is(logs.length, n === '2' ? 3 : 2);
    if (n === '2') {
      t.is(logs[2].body.level, 'ERROR');
      t.regex(logs[2].body.msg, /^order 2 failed: Error: card declined\n/);
      t.regex(logs[2].body.exception, /^Error: card declined\n\s+at .*console-app\.js/);
    }
  }
});
