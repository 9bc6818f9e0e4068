/**
 * The logger integrations' pure parts: level labels and severities, option
 * checks, reading pino lines and winston records, and emitLogRecord's rules
 * (placement, filters, re-entrancy, never throwing) against a recorder.
 */
import test from 'ava';
import * as blueox from '../../src/client';
import type { Context } from '../../src/client';
import {
  CapturedScope,
  captureScope,
  emitLogRecord,
  errorStack,
  isBlueOxLogger,
  levelLabel,
  levelSeverity,
  LogRecord,
  resolveLogOptions,
} from '../../src/client/log/record';
import { pinoLineToRecord } from '../../src/client/log/pino';
import { winstonInfoToRecord } from '../../src/client/log/winston';

const rec = (msg: string, extra: Partial<LogRecord> = {}): LogRecord => ({ name: 'app', level: 'INFO', severity: 30, msg, ...extra });

/** Configures with a recorder for the test; returns what it recorded. */
function recording(t: { teardown(fn: () => unknown): void }): Context[] {
  const seen: Context[] = [];
  blueox.configure({ recorder: (ctx) => seen.push(ctx), onWarning: () => undefined });
  t.teardown(() => blueox.shutdown());
  return seen;
}

test('level labels are upper case, warn spelled WARNING as Python did', (t) => {
  t.deepEqual(['trace', 'debug', 'info', 'warn', 'error', 'fatal'].map(levelLabel), ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'FATAL']);
  t.is(levelLabel('warning'), 'WARNING');
  t.is(levelLabel('http'), 'HTTP');
});

test('severities follow pino numbers; winston and syslog names fit between; unknown names count as info', (t) => {
  t.is(levelSeverity('trace'), 10);
  t.is(levelSeverity('WARN'), 40);
  t.is(levelSeverity('fatal'), 60);
  t.true(levelSeverity('debug') < levelSeverity('verbose') && levelSeverity('verbose') < levelSeverity('http'));
  t.true(levelSeverity('http') < levelSeverity('info'));
  t.is(levelSeverity('made-up'), 30);
  t.is(levelSeverity('audit', { audit: 45 }), 45);
});

test('options: defaults, level names and numbers, and errors for bad names and levels', (t) => {
  t.deepEqual(resolveLogOptions(), { typeName: '.log', minSeverity: -Infinity });
  t.deepEqual(resolveLogOptions({ typeName: 'app.log', minLevel: 'Warn' }), { typeName: 'app.log', minSeverity: 40 });
  t.is(resolveLogOptions({ minLevel: 35 }).minSeverity, 35);
  t.is(resolveLogOptions({ minLevel: 'audit' }, { audit: 45 }).minSeverity, 45);
  for (const typeName of ['..log', '^log', 'a..b', '', '.']) {
    t.throws(() => resolveLogOptions({ typeName }), { code: 'EBLUEOX_NAME' }, typeName);
  }
  t.throws(() => resolveLogOptions({ minLevel: 'loud' }), { code: 'EBLUEOX_OPTION' });
  t.throws(() => resolveLogOptions({ minLevel: NaN }), { code: 'EBLUEOX_OPTION' });
});

test('errorStack: a stack, a serialised error, a string, nothing; never throws', (t) => {
  const err = new TypeError('bad');
  t.is(errorStack(err), err.stack);
  t.is(errorStack({ type: 'RangeError', message: 'far', stack: 'RangeError: far\n    at x' }), 'RangeError: far\n    at x');
  t.is(errorStack({ type: 'RangeError', message: 'far' }), 'RangeError: far');
  t.is(errorStack('already text'), 'already text');
  t.is(errorStack(undefined), undefined);
  t.is(errorStack(null), undefined);
  const hostile = new Proxy({}, { get: () => { throw new Error('no'); } });
  t.is(typeof errorStack(hostile), 'string');
  t.true(isBlueOxLogger('blueox.client') && isBlueOxLogger('blueox') && !isBlueOxLogger('app.blueox'));
});

test('pino lines: default and custom levels, name, msg, err stack, other keys', (t) => {
  t.deepEqual(pinoLineToRecord('{"level":40,"time":1,"name":"shop","msg":"slow"}\n'), { name: 'shop', level: 'WARNING', severity: 40, msg: 'slow' });
  t.deepEqual(pinoLineToRecord('{"level":30,"msg":"x"}', { name: 'fallback' }), { name: 'fallback', level: 'INFO', severity: 30, msg: 'x' });
  t.is(pinoLineToRecord('{"level":30}')?.name, 'pino');
  t.is(pinoLineToRecord('{"level":30}')?.msg, '');
  t.deepEqual(pinoLineToRecord('{"level":35,"msg":"m"}', { levels: { audit: 35 } }), { name: 'pino', level: 'AUDIT', severity: 35, msg: 'm' });
  t.is(pinoLineToRecord('{"level":35,"msg":"m"}')?.level, 'LEVEL35');
  t.deepEqual(pinoLineToRecord('{"level":"warn","msg":"m"}'), { name: 'pino', level: 'WARNING', severity: 40, msg: 'm' });
  const withErr = pinoLineToRecord(JSON.stringify({ level: 50, msg: 'boom', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (a.js:1:1)' } }));
  t.is(withErr?.exception, 'Error: boom\n    at f (a.js:1:1)');
  t.is(withErr?.level, 'ERROR');
  const keys = pinoLineToRecord('{"level":60,"message":"custom key","error":"text error"}', { messageKey: 'message', errorKey: 'error' });
  t.deepEqual(keys, { name: 'pino', level: 'FATAL', severity: 60, msg: 'custom key', exception: 'text error' });
  t.is(pinoLineToRecord('{"level":30,"msg":{"a":1}}')?.msg, '{"a":1}');
});

test('pino lines that are not JSON objects are refused without throwing', (t) => {
  for (const line of ['', 'not json', '{"level":30', '[1,2]', '"text"', 'null', '42']) t.is(pinoLineToRecord(line), null, line);
});

test('winston records: uncoloured level, label, message, stack from info, from an Error info, from meta or splat', (t) => {
  const LEVEL = Symbol.for('level');
  const SPLAT = Symbol.for('splat');
  t.deepEqual(winstonInfoToRecord({ level: '\u001b[33mwarn\u001b[39m', [LEVEL]: 'warn', message: 'slow', label: 'db' }), { name: 'db', level: 'WARNING', severity: 40, msg: 'slow' });
  t.deepEqual(winstonInfoToRecord({ level: '\u001b[32minfo\u001b[39m', message: 'no symbol' }, 'api'), { name: 'api', level: 'INFO', severity: 30, msg: 'no symbol' });
  t.is(winstonInfoToRecord({ level: 'http', message: 'GET /' }).level, 'HTTP');
  t.is(winstonInfoToRecord({ level: 'error', message: 'm', stack: 'Error: m\n    at x' }).exception, 'Error: m\n    at x');
  const bare = Object.assign(new Error('bare'), { level: 'error' });
  t.is(winstonInfoToRecord(bare as never).exception, bare.stack);
  t.is(winstonInfoToRecord(bare as never).msg, 'bare');
  const meta = new Error('in meta');
  t.is(winstonInfoToRecord({ level: 'warn', message: 'x', error: meta }).exception, meta.stack);
  const splat = new Error('in splat');
  t.is(winstonInfoToRecord({ level: 'warn', message: 'x', [SPLAT]: ['a', splat] }).exception, splat.stack);
  t.is(winstonInfoToRecord({ level: 'info', message: { a: 1 } }).msg, '{ a: 1 }');
  t.is(winstonInfoToRecord({ level: 'info' }).msg, '');
  t.is(winstonInfoToRecord({ level: 'info', message: 'x' }).exception, undefined);
});

test.serial('emitLogRecord: a child of the current context sharing its id; with none open, a top-level "log"', (t) => {
  const seen = recording(t);
  const options = resolveLogOptions();
  t.true(emitLogRecord(options, () => rec('outside')));
  blueox.context('request', (req) => {
    t.true(emitLogRecord(options, () => rec('inside', { level: 'ERROR', severity: 50, exception: 'Error: x' })));
    t.is(seen.length, 2, 'the log event is sent at once, before its parent closes');
    t.is(seen[1].id, req.id);
  });
  t.deepEqual(seen.map((c) => [c.name, c.data]), [
    ['log', { name: 'app', level: 'INFO', msg: 'outside' }],
    ['request.log', { name: 'app', level: 'ERROR', msg: 'inside', exception: 'Error: x' }],
    ['request', {}],
  ]);
  t.not(seen[0].id, seen[2].id);
  t.true(seen[1].start <= seen[1].end && seen[1].end > 0);
});

test.serial('emitLogRecord: typeName, minLevel, blueox loggers, null records', (t) => {
  const seen = recording(t);
  blueox.context('request', () => {
    blueox.context('.db', () => emitLogRecord(resolveLogOptions({ typeName: '.applog' }), () => rec('a')));
    emitLogRecord(resolveLogOptions({ typeName: '^.audit' }), () => rec('b'));
    blueox.context('.db', () => emitLogRecord(resolveLogOptions({ typeName: 'request.app.log' }), () => rec('c')));
    const warnOnly = resolveLogOptions({ minLevel: 'warn' });
    t.false(emitLogRecord(warnOnly, () => rec('too low')));
    t.true(emitLogRecord(warnOnly, () => rec('high enough', { level: 'WARNING', severity: 40 })));
    t.false(emitLogRecord(resolveLogOptions(), () => rec('own', { name: 'blueox.transport' })));
    t.false(emitLogRecord(resolveLogOptions(), () => null));
  });
  t.deepEqual(seen.map((c) => `${c.name}:${String(c.data.msg ?? '')}`), [
    'request.db.applog:a',
    'request.db:',
    'request.audit:b',
    'request.app.log:c',
    'request.db:',
    'request.log:high enough',
    'request:',
  ]);
});

test.serial('emitLogRecord: re-entrant records are skipped, failures never throw, unconfigured does nothing', async (t) => {
  const warnings: string[] = [];
  const seen: Context[] = [];
  const options = resolveLogOptions();
  let inner: boolean | null = null;
  // A recorder that logs while the log event is being sent: that record is skipped.
  blueox.configure({
    recorder: (ctx) => {
      seen.push(ctx);
      inner = emitLogRecord(options, () => rec('from the recorder'));
    },
    onWarning: (m) => warnings.push(m),
  });
  t.teardown(() => blueox.shutdown());
  t.true(emitLogRecord(options, () => rec('outer')));
  t.false(inner);
  // A record whose formatting logs (a getter, an inspect hook) is sent once; the inner record is not.
  t.true(emitLogRecord(options, () => rec(String(emitLogRecord(options, () => rec('nested'))))));
  t.deepEqual(seen.map((c) => c.data.msg), ['outer', 'false']);
  t.false(emitLogRecord(options, () => { throw new Error('formatting failed'); }));
  t.true(warnings.some((m) => m.includes('formatting failed')), warnings.join('\n'));
  t.true(emitLogRecord(options, () => rec('works again after a failure')));

  await blueox.shutdown();
  let called = false;
  t.false(emitLogRecord(options, () => { called = true; return rec('unconfigured'); }));
  t.false(called, 'build is not called while BlueOx is unconfigured');
});

test.serial('emitLogRecord with a captured scope: the name and id of where it was logged, even after that closed', (t) => {
  const seen = recording(t);
  const options = resolveLogOptions();
  let inDb: CapturedScope | null = null;
  let inRequest: CapturedScope | null = null;
  let req: Context | null = null;
  blueox.context('request', (r) => {
    req = r;
    blueox.context('.db', () => (inDb = captureScope()));
    inRequest = captureScope();
    t.true(emitLogRecord(options, () => rec('open request'), inRequest), 'all open: an ordinary child');
    t.true(emitLogRecord(options, () => rec('late db'), inDb), '.db has closed');
  });
  t.true(emitLogRecord(options, () => rec('late request'), inRequest), 'the request has closed');
  t.true(emitLogRecord(options, () => rec('current'), null));
  const logs = seen.filter((c) => c.data.msg !== undefined);
  t.deepEqual(logs.map((c) => [c.name, c.data.msg, c.id === req!.id]), [
    ['request.log', 'open request', true],
    ['request.db.log', 'late db', true],
    ['request.log', 'late request', true],
    ['log', 'current', false],
  ]);
  // A record logged under a sampled-out context stays unsent when it arrives late.
  let sampledOut: CapturedScope | null = null;
  blueox.context('request', () => void (sampledOut = captureScope()), { sample: ['.', 0] });
  t.false(emitLogRecord(options, () => rec('late, sampled out'), sampledOut));
  t.is(captureScope()?.contexts.length, 0);
});
