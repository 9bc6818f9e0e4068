/**
 * winston → BlueOx through a real oxd and its files: BlueOxTransport turns
 * records into `.log` children of the request that logged them, top-level
 * `log` events outside any context; levels, labels, exceptions, minLevel
 * and winston's own level, blueox-named loggers, typeName, concurrent
 * requests while another transport holds winston's pipeline back, and the
 * example app.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import winston from 'winston';
import TransportStream = require('winston-transport');
import * as blueox from '../../src/client';
import { BlueOxTransport } from '../../src/client/log/winston';
import { Oxd, REPO, startOxd } from '../helpers/oxd-process';
import { eventsOfType, waitDelivered, writtenByType } from '../helpers/oxd-events';

const { combine, label, splat, colorize } = winston.format;

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

test.serial('records logged in a request are request.log events with its id: levels, label, exceptions; outside, log events', async (t) => {
  const before = await written();
  blueox.configure({ host: oxd.collect });
  const transport = new BlueOxTransport();
  const logged: string[] = [];
  transport.on('logged', (info) => logged.push(info.message));
  const logger = winston.createLogger({ level: 'silly', format: combine(label({ label: 'billing' }), splat(), colorize()), transports: [transport] });
  const err = new Error('levels: card declined');
  const bare = new Error('levels: bare error');
  logger.info('levels: outside');
  let id = '';
  await blueox.context('request', async (ctx) => {
    id = ctx.id;
    blueox.set('test', 'levels');
    logger.silly('levels: silly');
    logger.debug('levels: debug');
    logger.verbose('levels: verbose');
    logger.http('levels: http');
    await tick();
    logger.info('levels: info %d', 7);
    logger.warn('levels: warn');
    logger.error('levels: error', err);
    logger.error(bare);
  });
  await blueox.shutdown();
  await delivered(before, { log: 1, 'request.log': 8, request: 1 });

  t.is(eventsOf('request').filter((e) => e.body.test === 'levels' && e.id === id).length, 1);
  const logs = eventsOf('request.log').filter((e) => e.id === id);
  t.deepEqual(logs.map(fields), [
    ['billing', 'SILLY', 'levels: silly'],
    ['billing', 'DEBUG', 'levels: debug'],
    ['billing', 'VERBOSE', 'levels: verbose'],
    ['billing', 'HTTP', 'levels: http'],
    ['billing', 'INFO', 'levels: info 7'],
    ['billing', 'WARNING', 'levels: warn'],
    ['billing', 'ERROR', 'levels: error levels: card declined'],
    ['billing', 'ERROR', 'levels: bare error'],
  ]);
  t.is(logs[6].body.exception, err.stack, 'an Error in the meta gives its stack');
  t.is(logs[7].body.exception, bare.stack, 'an Error logged as the message gives its stack');
  t.is(logs.filter((e) => 'exception' in e.body).length, 2);
  const outside = eventsOf('log').filter((e) => e.body.msg === 'levels: outside');
  t.is(outside.length, 1);
  t.deepEqual(outside[0].body, { name: 'billing', level: 'INFO', msg: 'levels: outside' });
  t.is(logged.length, 9, "the transport emitted 'logged' for every record");
});

test.serial("minLevel, winston's level option, blueox-named loggers, the name option and typeName", async (t) => {
  const before = await written();
  blueox.configure({ host: oxd.collect });
  const filtered = winston.createLogger({ level: 'debug', transports: [new BlueOxTransport({ minLevel: 'warn', name: 'filtered' })] });
  const winstonLevel = winston.createLogger({ level: 'debug', transports: [new BlueOxTransport({ level: 'error', name: 'winston-level' })] });
  const own = winston.createLogger({ format: label({ label: 'blueox.client' }), transports: [new BlueOxTransport()] });
  const applog = winston.createLogger({ transports: [new BlueOxTransport({ typeName: '.applog' })] });
  let id = '';
  await blueox.context('request', async (ctx) => {
    id = ctx.id;
    filtered.debug('filters: debug');
    filtered.info('filters: info');
    own.error('filters: from a blueox logger');
    winstonLevel.warn('filters: warn below the transport level');
    filtered.warn('filters: warn');
    await tick();
    winstonLevel.error('filters: error at the transport level');
    filtered.error('filters: error');
    applog.info('filters: into applog');
  });
  await blueox.shutdown();
  await delivered(before, { 'request.log': 3, 'request.applog': 1, request: 1 });

  t.deepEqual(eventsOf('request.log').filter((e) => e.id === id).map(fields), [
    ['filtered', 'WARNING', 'filters: warn'],
    ['winston-level', 'ERROR', 'filters: error at the transport level'],
    ['filtered', 'ERROR', 'filters: error'],
  ]);
  const applogs = eventsOf('request.applog').filter((e) => e.id === id);
  t.deepEqual(applogs.map(fields), [['winston', 'INFO', 'filters: into applog']]);
  t.throws(() => new BlueOxTransport({ minLevel: 'loudest' }), { code: 'EBLUEOX_OPTION' });
  t.throws(() => new BlueOxTransport({ typeName: '..log' }), { code: 'EBLUEOX_NAME' });
});

test.serial('concurrent requests keep their ids while a slow transport holds winston back and records arrive late', async (t) => {
  const before = await written();
  blueox.configure({ host: oxd.collect });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  // Holds every record until the gate opens: winston buffers and delivers them later, outside their contexts.
  const slow = new TransportStream({ log: (_info: unknown, next: () => void) => void gate.then(next) });
  // A transport format that copies the record, as many formats do.
  const copy = winston.format((info) => ({ ...info }))();
  const transport = new BlueOxTransport({ format: copy });
  const N = 6;
  let logged = 0;
  let allLogged!: () => void;
  const done = new Promise<void>((resolve) => (allLogged = resolve));
  transport.on('logged', () => ++logged === 3 * N && allLogged());
  const root = winston.createLogger({ transports: [slow, transport] });
  const logger = root.child({ label: 'concurrent' });
  let started = 0;
  let go!: () => void;
  const allStarted = new Promise<void>((resolve) => (go = resolve));
  const ids = new Map<number, string>();
  await Promise.all(
    Array.from({ length: N }, (_, n) =>
      blueox.context('request', async (ctx) => {
        ids.set(n, ctx.id);
        blueox.set('test', 'concurrent');
        blueox.set('n', n);
        logger.info(`concurrent: first ${n}`);
        if (++started === N) go();
        await allStarted;
        logger.warn(`concurrent: second ${n}`);
        await tick();
        logger.error(`concurrent: third ${n}`);
      }),
    ),
  );
  const beforeRelease = logged;
  release();
  await done;
  t.true(beforeRelease < 3 * N, `winston held records back (${beforeRelease} of ${3 * N} reached BlueOx before the gate opened)`);
  await blueox.shutdown();
  await delivered(before, { 'request.log': 3 * N, request: N });

  const requests = eventsOf('request').filter((e) => e.body.test === 'concurrent');
  t.is(requests.length, N);
  t.is(new Set(requests.map((e) => e.id)).size, N);
  const logs = eventsOf('request.log').filter((e) => e.body.name === 'concurrent');
  t.is(logs.length, 3 * N);
  for (const req of requests) {
    const n = req.body.n as number;
    t.is(req.id, ids.get(n));
    t.deepEqual(
      logs.filter((e) => e.id === req.id).map((e) => e.body.msg),
      [`concurrent: first ${n}`, `concurrent: second ${n}`, `concurrent: third ${n}`],
    );
  }
});

test.serial('examples/winston-app.js prints its lines and its records arrive under their requests', async (t) => {
  const before = await written();
  const child = spawn(process.execPath, [path.join(REPO, 'build', 'examples', 'winston-app.js')], {
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
  const printed = (stdout + stderr).trim().split('\n').filter((l) => /^(info|warn|error|debug):/.test(l));
  t.is(printed.length, 8, `winston's Console transport printed every record:\n${stdout}${stderr}`);
  await delivered(before, { log: 2, 'request.log': 5, request: 2 });

  const mine = (type: string): any[] => eventsOf(type).filter((e) => e.pid === child.pid);
  t.deepEqual(mine('log').map(fields), [
    ['winston-app', 'INFO', 'starting'],
    ['winston-app', 'INFO', 'done'],
  ]);
  const requests = mine('request');
  t.deepEqual(requests.map((e) => e.body.path).sort(), ['/orders/1', '/orders/2']);
  for (const req of requests) {
    const n = req.body.path.split('/').pop();
    const logs = mine('request.log').filter((e) => e.id === req.id);
    const expected = [
      ['winston-app', 'INFO', `handling order ${n}`],
      ['winston-app', 'WARNING', `order ${n} is slow`],
    ];
    if (n === '2') expected.push(['winston-app', 'ERROR', 'order 2 failed card declined']);
    t.deepEqual(logs.map(fields), expected);
    if (n === '2') t.regex(logs[2].body.exception, /^Error: card declined\n\s+at .*winston-app\.js/);
  }
});
