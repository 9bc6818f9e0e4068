/**
 * The carbon listener the statsd conformance tests read flushes from
 * (test/helpers/carbon-capture.ts), fed over real loopback connections:
 * one flush per connection as statsd writes them, intervals by timestamp on
 * one kept connection as oxd writes them, lines cut across writes, values
 * kept as written.
 */
import test, { ExecutionContext } from 'ava';
import * as net from 'node:net';
import { CarbonCapture } from '../helpers/carbon-capture';
import { waitUntil } from '../helpers/proc';

async function capture(t: ExecutionContext): Promise<{ cap: CarbonCapture; port: number }> {
  const cap = new CarbonCapture();
  t.teardown(() => cap.close());
  return { cap, port: await cap.start() };
}

async function connect(t: ExecutionContext, port: number): Promise<net.Socket> {
  const s = net.createConnection(port, '127.0.0.1');
  t.teardown(() => s.destroy());
  await new Promise<void>((resolve, reject) => s.once('connect', resolve).once('error', reject));
  return s;
}

const write = (s: net.Socket, text: string): Promise<void> => new Promise((resolve, reject) => s.write(text, (e) => (e ? reject(e) : resolve())));

test('one flush per connection, complete when it ends; values kept as written', async (t) => {
  const { cap, port } = await capture(t);
  const a = await connect(t, port);
  await write(a, 'stats.a 1 100\nstats.b 0.');
  await write(a, '25 100\nstats.big 1e+21 100\nstats.inf Infinity 1');
  const pending = cap.waitForFlush((f) => f.has('stats.inf'), 10_000);
  a.end('00\n');
  const f = await pending;
  t.deepEqual([...f], [
    ['stats.a', { value: '1', ts: 100 }],
    ['stats.b', { value: '0.25', ts: 100 }],
    ['stats.big', { value: '1e+21', ts: 100 }],
    ['stats.inf', { value: 'Infinity', ts: 100 }],
  ]);

  const b = await connect(t, port);
  b.end('stats.a 2 102\nnot a carbon line\nstats.a 3 102');
  const g = await cap.waitForFlush((x) => x.get('stats.a')?.ts === 102, 10_000);
  t.is(g.get('stats.a')?.value, '3');
  t.deepEqual(cap.malformed, ['not a carbon line']);
  t.deepEqual(cap.duplicates, ['stats.a@102']);
  t.is(cap.flushes.length, 2);
  // a flush already received is found again
  t.is(await cap.waitForFlush((x) => x.has('stats.big'), 1), f);
});

test('a flush that never comes: rejected after the timeout, naming what was seen', async (t) => {
  const { cap, port } = await capture(t);
  (await connect(t, port)).end('stats.seen 5 100\n');
  await cap.waitForFlush(() => true, 10_000);
  const e = await t.throwsAsync(cap.waitForFlush((f) => f.has('stats.missing'), 50));
  t.regex(e!.message, /timed out after 50 ms: no flush of the 1 received .*\n.*stats\.seen=5/);
});

test('intervals by timestamp on one kept connection: offered once a later timestamp or the end settles them', async (t) => {
  const { cap, port } = await capture(t);
  const s = await connect(t, port);
  let settled: number | undefined;
  const first = cap.waitForInterval((i) => i.points.has('stats.a'), 10_000).then((i) => ((settled = i.ts), i));
  await write(s, 'stats.a 1 100\n');
  await write(s, 'stats.b 2 100\n');
  await waitUntil(() => cap.byTimestamp().get(100)?.size === 2, 'both lines of the first interval are read');
  t.is(settled, undefined, 'still open: its sender may write more of it');

  await write(s, 'stats.a 4 110\n');
  const i = await first;
  t.is(i.ts, 100);
  t.deepEqual([...i.points], [['stats.a', '1'], ['stats.b', '2']]);
  t.is(cap.flushes.length, 0, 'the connection is still open');

  const last = cap.waitForInterval((x) => x.ts === 110, 10_000);
  s.end('stats.b 5 110\n');
  t.deepEqual([...(await last).points], [['stats.a', '4'], ['stats.b', '5']]);
  t.deepEqual([...cap.byTimestamp().keys()], [100, 110]);
});
