import test from 'ava';
import * as blueox from '../../src/client';
import type { Context } from '../../src/client';
import { mulberry32 } from '../helpers/random';

/** Every closed context, as the recorder option hands them over. */
function recording(random?: () => number): Context[] {
  const got: Context[] = [];
  blueox.configure({ recorder: (ctx) => got.push(ctx), random, onWarning: () => undefined });
  return got;
}

test.serial('set, append, add and dotted keys build the body', (t) => {
  const got = recording();
  blueox.context('request', () => {
    blueox.set('user_agent', 'curl');
    blueox.set('response.status', 200);
    blueox.set('response.size', 10);
    blueox.append('tags', 'a');
    blueox.append('tags', 'b');
    blueox.add('retries', 1);
    blueox.add('retries', 2);
  });
  t.is(got.length, 1);
  t.deepEqual(got[0].data, { user_agent: 'curl', response: { status: 200, size: 10 }, tags: ['a', 'b'], retries: 3 });
  t.is(got[0].name, 'request');
  t.regex(got[0].id, /^[0-9a-f]{32}$/);
  t.true(got[0].end >= got[0].start);
});

test.serial('children share the parent id; separate trees get new ids; events are sent child first', (t) => {
  const got = recording();
  blueox.context('request', () => {
    blueox.context('.db', () => blueox.set('q', 1));
    blueox.context('^.cache', () => undefined);
  });
  blueox.context('request', () => undefined);
  t.deepEqual(got.map((c) => c.name), ['request.db', 'request.cache', 'request', 'request']);
  t.is(got[0].id, got[2].id);
  t.is(got[1].id, got[2].id);
  t.not(got[3].id, got[2].id);
  const idTime = parseInt(got[2].id.slice(0, 8), 16);
  t.true(Math.abs(idTime - got[2].start) < 2, 'the id starts with the unix time');
});

test.serial('timeit records elapsed seconds, sync and async, and returns the result', async (t) => {
  const got = recording();
  const r = await blueox.context('request', async () => {
    const a = blueox.timeit('sync_time', () => 41 + 1);
    const b = await blueox.timeit('async_time', () => new Promise<number>((res) => setImmediate(() => res(a))));
    const timer = blueox.timer('manual');
    t.is(typeof timer.stop(), 'number');
    return b;
  });
  t.is(r, 42);
  for (const key of ['sync_time', 'async_time', 'manual']) {
    t.is(typeof got[0].data[key], 'number', key);
    t.true((got[0].data[key] as number) >= 0);
  }
});

test.serial('a context is sent once even when done() is called again, and writes after done() are ignored', (t) => {
  const got = recording();
  const ctx = blueox.start('job');
  blueox.set('a', 1);
  ctx.done();
  ctx.done();
  ctx.set('late', true);
  blueox.set('also_late', true);
  t.is(got.length, 1);
  t.deepEqual(got[0].data, { a: 1 });
  t.is(blueox.current(), null);
});

test.serial('start/done makes the context current and restores the parent', (t) => {
  const got = recording();
  blueox.context('request', () => {
    const child = blueox.start('.step');
    t.is(blueox.current()?.name, 'request.step');
    blueox.set('x', 1);
    child.done();
    t.is(blueox.current()?.name, 'request');
  });
  t.deepEqual(got.map((c) => [c.name, c.data]), [['request.step', { x: 1 }], ['request', {}]]);
});

test.serial('wrap runs every call in its own context and passes this and arguments through', (t) => {
  const got = recording();
  const obj = {
    factor: 3,
    times: blueox.wrap('calc', function (this: { factor: number }, n: number) {
      blueox.set('n', n);
      return n * this.factor;
    }),
  };
  t.is(obj.times(2), 6);
  t.is(obj.times(5), 15);
  t.deepEqual(got.map((c) => c.data.n), [2, 5]);
});

test.serial('an exception inside a context still sends it, then propagates', async (t) => {
  const got = recording();
  t.throws(() => blueox.context('request', () => { throw new Error('boom'); }), { message: 'boom' });
  await t.throwsAsync(blueox.context('request', async () => { throw new Error('later'); }), { message: 'later' });
  t.is(got.length, 2);
});

test.serial('a duplicate name does not become current; the outer context keeps receiving set()', (t) => {
  const warnings: string[] = [];
  const got: Context[] = [];
  blueox.configure({ recorder: (c) => got.push(c), onWarning: (m) => warnings.push(m) });
  blueox.context('request', () => {
    blueox.context('request', () => blueox.set('inner', 1));
  });
  t.deepEqual(got.map((c) => [c.name, c.data]), [['request', {}], ['request', { inner: 1 }]]);
  t.is(got[0].id, got[1].id);
  t.true(warnings.some((w) => /already open/.test(w)));
});

test.serial('invalid names throw EBLUEOX_NAME, configured or not', (t) => {
  recording();
  t.throws(() => blueox.context('..x', () => 1), { code: 'EBLUEOX_NAME' } as never);
  void blueox.shutdown();
  t.throws(() => blueox.context('^x', () => 1), { code: 'EBLUEOX_NAME' } as never);
  t.throws(() => blueox.start(''), { code: 'EBLUEOX_NAME' } as never);
});

test.serial('unconfigured: every call is a no-op that still runs the code', async (t) => {
  await blueox.shutdown();
  let ran = 0;
  t.is(blueox.context('request', (ctx) => { ran++; ctx.set('a', 1); blueox.set('b', 2); return 7; }), 7);
  t.is(await blueox.context('request', async () => { ran++; return 8; }), 8);
  t.is(blueox.timeit('t', () => 9), 9);
  t.is(blueox.current(), null);
  t.is(blueox.start('x').isOpen, false);
  t.is(ran, 2);
  t.false(blueox.stats().configured);
});

test.serial('sampling "." keeps a share of contexts, decided per context (seeded)', (t) => {
  const got = recording(mulberry32(7));
  for (let i = 0; i < 10_000; i++) blueox.context('request', () => undefined, { sample: ['.', 0.25] });
  const share = got.length / 10_000;
  t.true(share > 0.23 && share < 0.27, `kept ${share}`);
});

test.serial('sampling "..": decided once per parent and child name; a sampled-out parent drops all such children', (t) => {
  const got = recording(mulberry32(11));
  let parentsKeeping = 0;
  for (let i = 0; i < 2000; i++) {
    blueox.context('request', () => {
      const before = got.length;
      for (let k = 0; k < 5; k++) blueox.context('.memcache', () => undefined, { sample: ['..', 0.25] });
      const kept = got.length - before;
      t.true(kept === 0 || kept === 5, `children of one parent are kept or dropped together (${kept})`);
      if (kept === 5) parentsKeeping++;
    });
  }
  const share = parentsKeeping / 2000;
  t.true(share > 0.21 && share < 0.29, `share of parents keeping children: ${share}`);
  t.is(got.filter((c) => c.name === 'request').length, 2000, 'the parents themselves are not sampled');
});

test.serial('a disabled parent disables its children; "^" and named sampling decide on that context', (t) => {
  const got = recording(() => 0.99);
  blueox.context('request', () => {
    blueox.context('.a', () => blueox.context('.b', () => undefined), { sample: ['.', 0.5] });
    blueox.context('.c', () => undefined, { sample: ['^', 0.5] });
    blueox.context('.d', () => undefined, { sample: ['request', 0.5] });
    blueox.context('.e', () => undefined, { sample: ['request', 1.0] });
  });
  t.deepEqual(got.map((c) => c.name), ['request.e', 'request']);
});
