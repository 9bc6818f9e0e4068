/**
 * pino → BlueOx through a real oxd and its files: records become `.log`
 * children of the request that logged them (pino writes to its destination
 * synchronously, in the caller's async context), top-level `log` events
 * outside any context; levels, exceptions, minLevel, blueox-named loggers,
 * malformed lines, concurrent requests, and the example app.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import pino from 'pino';
import * as blueox from '../../src/client';
import { blueoxDestination } from '../../src/client/log/pino';
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

test.serial('records logged in a request are request.log events with its id; outside any context, top-level log events', async (t) => {
  const before = await written();
  blueox.configure({ host: oxd.collect });
  const logger = pino({ name: 'shop', level: 'trace' }, blueoxDestination());
  const err = new Error('levels: card declined');
  logger.info('levels: outside');
  let req = { id: '', start: 0, end: 0 };
  await blueox.context('request', async (ctx) => {
    blueox.set('test', 'levels');
    logger.trace('levels: trace');
    logger.debug('levels: debug');
    await new Promise((resolve) => setImmediate(resolve));
    logger.info({ order: 7 }, 'levels: info %d', 7);
    logger.warn('levels: warn');
    logger.error({ err }, 'levels: error');
    logger.fatal('levels: fatal');
    req = ctx;
  });
  await blueox.shutdown();
  await delivered(before, { log: 1, 'request.log': 6, request: 1 });

  const requests = eventsOf('request').filter((e) => e.body.test === 'levels');
  t.is(requests.length, 1);
  t.is(requests[0].id, req.id);
  const logs = eventsOf('request.log').filter((e) => e.id === req.id);
  t.deepEqual(logs.map(fields), [
    ['shop', 'TRACE', 'levels: trace'],
    ['shop', 'DEBUG', 'levels: debug'],
    ['shop', 'INFO', 'levels: info 7'],
    ['shop', 'WARNING', 'levels: warn'],
    ['shop', 'ERROR', 'levels: error'],
    ['shop', 'FATAL', 'levels: fatal'],
  ]);
  t.is(logs[4].body.exception, err.stack, 'the exception is the error stack');
  t.true(logs[4].body.exception.includes('client-loggers-pino.test'), 'the stack names this file');
  t.deepEqual(logs.filter((e) => 'exception' in e.body).length, 1);
  for (const e of logs) {
    t.is(e.type, 'request.log');
    t.is(e.pid, process.pid);
    t.true(e.start >= req.start && e.end <= req.end && e.start <= e.end, 'opened and closed inside the request');
  }
  const outside = eventsOf('log').filter((e) => e.body.msg === 'levels: outside');
  t.is(outside.length, 1);
  t.deepEqual(outside[0].body, { name: 'shop', level: 'INFO', msg: 'levels: outside' });
  t.not(outside[0].id, req.id);
});

test.serial('multistream keeps printing; minLevel, custom levels, blueox-named loggers and malformed lines', async (t) => {
  const before = await written();
  const warnings: string[] = [];
  blueox.configure({ host: oxd.collect, onWarning: (m) => warnings.push(m) });
  const printed: string[] = [];
  const screen = { write: (line: string) => void printed.push(line) };
  const dest = blueoxDestination({ minLevel: 'warn' });
  const logger = pino({ name: 'filtered', level: 'debug' }, pino.multistream([{ stream: screen, level: 'debug' }, { stream: dest, level: 'debug' }]));
  const own = pino({ name: 'blueox.internal' }, blueoxDestination());
  const audited = pino({ name: 'audited', customLevels: { audit: 45 }, level: 'info' }, blueoxDestination({ levels: { audit: 45 }, minLevel: 'audit' }));
  let id = '';
  await blueox.context('request', async (ctx) => {
    id = ctx.id;
    blueox.set('test', 'filters');
    logger.debug('filters: debug');
    logger.info('filters: info');
    own.error('filters: from a blueox logger');
    logger.warn('filters: warn');
    await new Promise((resolve) => setImmediate(resolve));
    logger.error('filters: error');
    audited.info('filters: info below audit');
    audited.audit('filters: audit');
    t.notThrows(() => dest.write('this is not json\n'));
    t.notThrows(() => dest.write('{"level":50,"msg":"filters: after garbage"}\n{"level":50\n'));
  });
  await blueox.shutdown();
  await delivered(before, { 'request.log': 4, request: 1 });

  t.deepEqual(
    printed.map((line) => JSON.parse(line).msg),
    ['filters: debug', 'filters: info', 'filters: warn', 'filters: error'],
    'the other stream of the multistream still gets every line',
  );
  t.deepEqual(eventsOf('request.log').filter((e) => e.id === id).map(fields), [
    ['filtered', 'WARNING', 'filters: warn'],
    ['filtered', 'ERROR', 'filters: error'],
    ['audited', 'AUDIT', 'filters: audit'],
    ['pino', 'ERROR', 'filters: after garbage'],
  ]);
  t.true(warnings.some((m) => m.includes("not pino's JSON")), `warnings: ${warnings.join(' | ')}`);
});

test.serial('concurrent requests: each record carries the id of the request that logged it', async (t) => {
  const before = await written();
  blueox.configure({ host: oxd.collect });
  const logger = pino({ name: 'concurrent' }, blueoxDestination());
  const N = 6;
  let started = 0;
  let release!: () => void;
  const allStarted = new Promise<void>((resolve) => (release = resolve));
  const ids = new Map<number, string>();
  await Promise.all(
    Array.from({ length: N }, (_, n) =>
      blueox.context('request', async (ctx) => {
        ids.set(n, ctx.id);
        blueox.set('test', 'concurrent');
        blueox.set('n', n);
        logger.info(`concurrent: first ${n}`);
        if (++started === N) release();
        await allStarted; // every request has logged once before any logs again
        logger.warn(`concurrent: second ${n}`);
        await new Promise((resolve) => setImmediate(resolve));
        logger.error(`concurrent: third ${n}`);
      }),
    ),
  );
  await blueox.shutdown();
  await delivered(before, { 'request.log': 3 * N, request: N });

  const requests = eventsOf('request').filter((e) => e.body.test === 'concurrent');
  t.is(requests.length, N);
  t.is(new Set(requests.map((e) => e.id)).size, N, 'every request has its own id');
  const logs = eventsOf('request.log').filter((e) => e.body.name === 'concurrent');
  t.is(logs.length, 3 * N);
  const order = logs.map((e) => e.body.msg.split(' ')[1]);
  t.deepEqual(order.slice(0, N), Array(N).fill('first'), 'the requests ran interleaved');
  for (const req of requests) {
    const n = req.body.n as number;
    t.is(req.id, ids.get(n));
    const own = logs.filter((e) => e.id === req.id);
    t.deepEqual(own.map((e) => e.body.msg), [`concurrent: first ${n}`, `concurrent: second ${n}`, `concurrent: third ${n}`]);
  }
});

test.serial('examples/pino-app.js prints its lines and its records arrive under their requests', async (t) => {
  const before = await written();
  const child = spawn(process.execPath, [path.join(REPO, 'build', 'examples', 'pino-app.js')], {
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
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  t.is(lines.length, 8, 'pino printed every record, the debug one included');
  t.true(lines.every((l) => l.name === 'pino-app'));
  await delivered(before, { log: 2, 'request.log': 5, request: 2 });

  const mine = (type: string): any[] => eventsOf(type).filter((e) => e.pid === child.pid);
  t.deepEqual(mine('log').map(fields), [
    ['pino-app', 'INFO', 'starting'],
    ['pino-app', 'INFO', 'done'],
  ]);
  const requests = mine('request');
  t.deepEqual(requests.map((e) => e.body.path).sort(), ['/orders/1', '/orders/2']);
  for (const req of requests) {
    const n = req.body.path.split('/').pop();
    const logs = mine('request.log').filter((e) => e.id === req.id);
    const expected = [
      ['pino-app', 'INFO', `handling order ${n}`],
      ['pino-app', 'WARNING', `order ${n} is slow`],
    ];
    if (n === '2') expected.push(['pino-app', 'ERROR', 'order 2 failed']);
    t.deepEqual(logs.map(fields), expected);
    if (n === '2') t.regex(logs[2].body.exception, /^Error: order 2 failed\n\s+at .*pino-app\.js/);
  }
});
