import test from 'ava';
import { EventEmitter, once } from 'node:events';
import * as blueox from '../../src/client';
import type { Context } from '../../src/client';
import { mulberry32 } from '../helpers/random';

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

test.serial('the current context follows the code across await, timers, promises and emitters', async (t) => {
  const got: Context[] = [];
  blueox.configure({ recorder: (c) => got.push(c) });
  const emitter = new EventEmitter();
  await blueox.context('request', async () => {
    await tick();
    blueox.set('after_await', true);
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        blueox.set('in_timer', true);
        resolve();
      }, 1),
    );
    await Promise.resolve().then(() => blueox.set('in_then', true));
    const fired = once(emitter, 'go');
    setImmediate(() => emitter.emit('go'));
    await fired;
    blueox.set('after_emitter', true);
    queueMicrotask(() => blueox.set('in_microtask', true));
    await tick();
  });
  t.deepEqual(got[0].data, { after_await: true, in_timer: true, in_then: true, after_emitter: true, in_microtask: true });
});

test.serial('hundreds of concurrent requests never see each other\'s context', async (t) => {
  const got: Context[] = [];
  blueox.configure({ recorder: (c) => got.push(c) });
  const rand = mulberry32(3);
  const delays = Array.from({ length: 300 }, () => Math.floor(rand() * 4));
  await Promise.all(
    delays.map((d, i) =>
      blueox.context('request', async () => {
        blueox.set('i', i);
        await tick(d);
        await blueox.context('.db', async () => {
          await tick(d);
          blueox.set('i', i);
        });
        await tick(3 - d);
        blueox.append('seen', blueox.current()?.data.i);
      }),
    ),
  );
  const requests = got.filter((c) => c.name === 'request');
  const dbs = got.filter((c) => c.name === 'request.db');
  t.is(requests.length, 300);
  t.is(dbs.length, 300);
  const idOf = new Map(requests.map((c) => [c.data.i as number, c.id]));
  t.is(new Set(idOf.values()).size, 300, 'every request has its own id');
  for (const r of requests) t.deepEqual(r.data.seen, [r.data.i]);
  for (const db of dbs) t.is(db.id, idOf.get(db.data.i as number) ?? 'no such request', `db ${db.data.i} belongs to its own request`);
});

test.serial('a timer that fires after its context closed does not write into it', async (t) => {
  const got: Context[] = [];
  const warnings: string[] = [];
  blueox.configure({ recorder: (c) => got.push(c), onWarning: (m) => warnings.push(m) });
  let late: Promise<void> = Promise.resolve();
  blueox.context('request', () => {
    late = tick(5).then(() => {
      t.is(blueox.current(), null);
      blueox.set('late', true);
    });
  });
  await late;
  t.deepEqual(got[0].data, {});
});
