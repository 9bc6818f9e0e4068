import test from 'ava';
import type { ExecutionContext } from 'ava';
import { once } from 'node:events';
import * as net from 'node:net';
import { Logger } from '../../src/daemon/log';
import { RateLimitedLog } from '../../src/daemon/rate-limit';
import { CARBON_MAX_LINE_BYTES, GraphiteSink } from '../../src/daemon/sinks/graphite';
import { Carbon, Point, startCarbon, valueAt } from '../helpers/carbon';
import { waitUntil } from '../helpers/proc';

// One-second points for an hour: every whole-second timestamp has a slot of its own, so what
// whisper holds can be compared exactly with what was sent.
const SCHEMAS = '[tests]\npattern = .*\nretentions = 1s:1h\n';

function makeSink(t: ExecutionContext, carbon: Carbon, maxQueuedLines = 100_000): { sink: GraphiteSink; logs: string[] } {
  const logs: string[] = [];
  const log = new Logger(1, false, { write: (line) => logs.push(line) });
  const sink = new GraphiteSink(
    { endpoint: { host: '127.0.0.1', port: carbon.port }, maxQueuedLines, backoffMinMs: 50, backoffMaxMs: 400 },
    log,
    new RateLimitedLog(log),
  );
  t.teardown(() => sink.close());
  return { sink, logs };
}

/** A whole second some minutes back: inside the hour whisper keeps, never in its future. */
function baseTime(): number {
  return Math.floor(Date.now() / 1000) - 1800;
}

/** `n` points of `name`, one a second from `from`, value `value(i)`. */
function series(name: string, from: number, n: number, value: (i: number) => number): string[] {
  return Array.from({ length: n }, (_, i) => `${name} ${value(i)} ${from + i}`);
}

function nonNull(points: Point[]): Point[] {
  return points.filter(([, v]) => v !== null);
}

function hasAll(from: number, n: number, value: (i: number) => number): (points: Point[]) => boolean {
  return (points) => Array.from({ length: n }, (_, i) => valueAt(points, from + i) === value(i)).every(Boolean);
}

test('lines sent through the sink are in whisper with their exact values and timestamps', async (t) => {
  const carbon = await startCarbon(t, { schemas: SCHEMAS });
  const { sink } = makeSink(t, carbon);
  sink.start();
  await waitUntil(() => sink.status().connected === true, 'the sink has connected');
  const t0 = baseTime();
  const odd = [0.125, -3, 1e6, 42.5, 0];
  // First interval: a few names, one of them tagged, with values that are not integers.
  sink.send([
    ...odd.map((v, i) => `web.requests.count ${v} ${t0 + i}`),
    `web.latency.p99 12.75 ${t0}`,
    `api.calls;host=web-7;dc=ams 9 ${t0}`,
  ]);
  await sink.flush();
  t.like(sink.status(), { lines_sent: 7, lines_queued: 0, last_flush_lines: 7 });
  // Second interval: one series of 3,000 points (more than one write chunk), sent by close().
  const big = 3000;
  const bigFrom = Math.floor(Date.now() / 1000) - 3300;
  sink.send(series('web.big.series', bigFrom, big, (i) => i * 0.5));
  await sink.close();

  const st = sink.status();
  t.is(st.lines_sent, 7 + big);
  t.is(st.lines_queued, 0);
  t.is(st.lines_dropped, 0);
  t.is(st.last_flush_lines, big);
  t.true((st.last_flush as number) >= t0);
  t.is(st.endpoint, `127.0.0.1:${carbon.port}`);

  const count = await carbon.waitForValue('web.requests.count', hasAll(t0, odd.length, (i) => odd[i]));
  t.deepEqual(nonNull(count), odd.map((v, i): Point => [t0 + i, v]));
  t.deepEqual(nonNull(await carbon.waitForValue('web.latency.p99', (p) => valueAt(p, t0) !== null)), [[t0, 12.75]]);
  // Carbon sorts the tags of a tagged name and stores it under _tagged/ by the hash of that form.
  t.regex(carbon.whisperFile('api.calls;host=web-7;dc=ams'), /\/_tagged\/[0-9a-f]{3}\/[0-9a-f]{3}\/[0-9a-f]{64}\.wsp$/);
  t.is(carbon.whisperFile('api.calls;host=web-7;dc=ams'), carbon.whisperFile('api.calls;dc=ams;host=web-7'));
  t.deepEqual(nonNull(await carbon.waitForValue('api.calls;dc=ams;host=web-7', (p) => valueAt(p, t0) !== null)), [[t0, 9]]);
  const points = await carbon.waitForValue('web.big.series', hasAll(bigFrom, big, (i) => i * 0.5));
  t.is(nonNull(points).length, big);
});

test('while carbon is not running lines queue, and all of them arrive once it starts', async (t) => {
  const carbon = await Carbon.prepare(t, { schemas: SCHEMAS });
  const { sink, logs } = makeSink(t, carbon);
  sink.start();
  await waitUntil(() => sink.status().last_error !== null, 'the sink has failed to connect');
  t.regex(sink.status().last_error as string, /ECONNREFUSED/);
  t.regex(logs.join(''), /graphite: carbon at 127\.0\.0\.1:\d+: .*ECONNREFUSED/);

  const t0 = baseTime();
  for (let interval = 0; interval < 3; interval++) {
    sink.send(series('queued.series', t0 + interval * 10, 10, (i) => interval * 100 + i));
    // Nothing to hand over while carbon is down: flush resolves at once and the lines stay.
    await sink.flush();
  }
  t.like(sink.status(), { connected: false, lines_queued: 30, lines_sent: 0, lines_dropped: 0, reconnects: 0 });

  await carbon.start();
  await waitUntil(() => sink.status().lines_sent === 30, 'the sink has sent the queued lines after carbon started');
  t.like(sink.status(), { connected: true, lines_queued: 0, lines_dropped: 0, reconnects: 1 });
  const points = await carbon.waitForValue('queued.series', (p) => nonNull(p).length === 30);
  const expected: Point[] = [];
  for (let interval = 0; interval < 3; interval++) for (let i = 0; i < 10; i++) expected.push([t0 + interval * 10 + i, interval * 100 + i]);
  t.deepEqual(nonNull(points), expected);
});

test('past maxQueuedLines the oldest lines are dropped and counted; the newest arrive', async (t) => {
  const carbon = await Carbon.prepare(t, { schemas: SCHEMAS });
  const { sink, logs } = makeSink(t, carbon, 100);
  sink.start();
  const t0 = baseTime();
  // Three intervals of 60 lines while carbon is down: 180 lines for a queue of 100.
  for (let interval = 0; interval < 3; interval++) sink.send(series('bounded.series', t0 + interval * 60, 60, (i) => interval * 60 + i));
  t.like(sink.status(), { lines_queued: 100, lines_dropped: 80, lines_sent: 0 });
  t.regex(logs.join(''), /graphite: dropped 20 lines: queue full \(100 lines\)/);
  t.regex(logs.join(''), /graphite: dropped 60 lines: queue full \(100 lines\)/);

  await carbon.start();
  await waitUntil(() => sink.status().lines_sent === 100, 'the sink has sent the 100 lines it kept');
  const points = await carbon.waitForValue('bounded.series', hasAll(t0 + 80, 100, (i) => 80 + i));
  // Nothing else was ever sent: the 80 oldest seconds are empty.
  t.deepEqual(nonNull(points), Array.from({ length: 100 }, (_, i): Point => [t0 + 80 + i, 80 + i]));
  t.like(sink.status(), { lines_queued: 0, lines_dropped: 80 });
});

test('carbon killed and started again: the sink reconnects and lines sent after it is back arrive', async (t) => {
  const carbon = await startCarbon(t, { schemas: SCHEMAS });
  const { sink, logs } = makeSink(t, carbon);
  sink.start();
  const t0 = baseTime();
  sink.send(series('restart.series', t0, 10, (i) => i));
  await carbon.waitForValue('restart.series', (p) => nonNull(p).length === 10);
  t.like(sink.status(), { connected: true, reconnects: 0, lines_sent: 10 });

  await carbon.kill('SIGKILL');
  await waitUntil(() => sink.status().connected === false, 'the sink has seen the connection end');
  t.regex(logs.join(''), /graphite: lost the connection to carbon at 127\.0\.0\.1:\d+/);
  // Sent while carbon is away: queued, then written once it is back.
  sink.send(series('restart.series', t0 + 10, 10, (i) => 10 + i));
  t.is(sink.status().lines_queued, 10);

  await carbon.start();
  await waitUntil(() => sink.status().connected === true, 'the sink has reconnected');
  sink.send(series('restart.series', t0 + 20, 10, (i) => 20 + i));
  await sink.flush();
  t.like(sink.status(), { reconnects: 1, lines_sent: 30, lines_queued: 0, lines_dropped: 0 });
  const points = await carbon.waitForValue('restart.series', hasAll(t0 + 10, 20, (i) => 10 + i));
  // The first ten were written before the kill; whisper keeps them across carbon's restart.
  t.deepEqual(nonNull(points), Array.from({ length: 30 }, (_, i): Point => [t0 + i, i]));
});

test('a stalled carbon: the socket takes what the kernel holds, the rest waits in the bounded queue', async (t) => {
  const carbon = await startCarbon(t, { schemas: SCHEMAS });
  const { sink } = makeSink(t, carbon, 20_000);
  sink.start();
  await waitUntil(() => sink.status().connected === true, 'the sink has connected');
  // Stopped, carbon reads nothing: the kernel's buffers fill (a few MB on loopback) and stay full.
  carbon.signal('SIGSTOP');
  const t0 = Math.floor(Date.now() / 1000) - 3000;
  const names = Array.from({ length: 40 }, (_, k) => `stalled.${'x'.repeat(60)}.m${k}`);
  const total = 120_000;
  // 12 MB of lines in intervals of 40 names x 250 seconds.
  for (let sent = 0; sent < total; sent += names.length * 250) {
    const lines: string[] = [];
    for (let s = 0; s < 250; s++) for (const name of names) lines.push(`${name} ${sent + s} ${t0 + (sent / names.length) + s}`);
    sink.send(lines);
    // Write callbacks of what the kernel took come on the next turns of the event loop.
    await new Promise((r) => setImmediate(r));
    const st = sink.status();
    t.is((st.lines_sent as number) + (st.lines_queued as number) + (st.lines_dropped as number), sent + lines.length);
  }
  const stalled = sink.status();
  // Had the sink written everything into the socket, nothing would have been dropped.
  t.true((stalled.lines_dropped as number) > 0, JSON.stringify(stalled));
  t.true((stalled.lines_sent as number) > 0, JSON.stringify(stalled));
  // Beyond the bound, at most one chunk sits in Node's socket buffer: 64 KiB of lines at least this long.
  const shortest = `${names[0]} 0 ${t0}\n`.length;
  t.true((stalled.lines_queued as number) <= 20_000 + Math.ceil((64 * 1024) / shortest), JSON.stringify(stalled));

  carbon.signal('SIGCONT');
  await waitUntil(() => sink.status().lines_queued === 0, 'the sink has written its queue once carbon reads again', 30_000);
  const st = sink.status();
  t.is((st.lines_sent as number) + (st.lines_dropped as number), total);
  // The newest lines were kept: the last 250 seconds of the last name are all in whisper.
  const lastFrom = t0 + total / names.length - 250;
  await carbon.waitForValue(names[names.length - 1], hasAll(lastFrom, 250, (i) => total - 250 * names.length + i), 30_000);
});

test("carbon drops a connection's unterminated last line, so a chunk cut by a lost connection is resent whole", async (t) => {
  const carbon = await startCarbon(t, { schemas: SCHEMAS });
  const t0 = baseTime();
  const first = net.connect(carbon.port, '127.0.0.1');
  await once(first, 'connect');
  const local = first.localPort;
  // The tail of a write that a dying connection cut short: no newline.
  first.end(`partial.series 5 ${t0}\npartial.series 6 ${t0 + 1}`);
  await once(first, 'close');
  // Carbon has seen that connection end before the next one begins.
  await carbon.output!.waitFor(new RegExp(`connection with 127\\.0\\.0\\.1:${local} closed cleanly`));
  const second = net.connect(carbon.port, '127.0.0.1');
  second.end(`partial.series 7 ${t0 + 2}\n`);
  await once(second, 'close');
  const points = await carbon.waitForValue('partial.series', (p) => valueAt(p, t0 + 2) === 7);
  t.deepEqual(nonNull(points), [[t0, 5], [t0 + 2, 7]]);
});

test('a line longer than carbon takes would cut every connection: the sink drops and counts it', async (t) => {
  const carbon = await startCarbon(t, { schemas: SCHEMAS });
  // What carbon does with it: closes the connection (LineOnlyReceiver's 16 KiB limit).
  const raw = net.connect(carbon.port, '127.0.0.1');
  raw.on('error', () => {});
  raw.write(`long.${'x'.repeat(CARBON_MAX_LINE_BYTES)} 1 ${baseTime()}\n`);
  await once(raw, 'close');

  const { sink, logs } = makeSink(t, carbon);
  sink.start();
  await waitUntil(() => sink.status().connected === true, 'the sink has connected');
  const t0 = baseTime();
  sink.send([`kept.series 1 ${t0}`, `long.${'x'.repeat(CARBON_MAX_LINE_BYTES)} 2 ${t0}`, `kept.series 3 ${t0 + 1}`]);
  await sink.flush();
  t.like(sink.status(), { lines_sent: 2, lines_dropped: 1, lines_queued: 0, reconnects: 0, connected: true });
  t.regex(logs.join(''), /graphite: dropped 1 lines: lines longer than carbon's limit of 16384 bytes/);
  t.deepEqual(nonNull(await carbon.waitForValue('kept.series', (p) => nonNull(p).length === 2)), [[t0, 1], [t0 + 1, 3]]);
  t.true(sink.status().connected as boolean);
});

test('lines not confirmed when carbon dies go to the next carbon whole; lines the kernel took are lost with it', async (t) => {
  const carbon = await startCarbon(t, { schemas: SCHEMAS });
  const { sink } = makeSink(t, carbon);
  sink.start();
  await waitUntil(() => sink.status().connected === true, 'the sink has connected');
  carbon.signal('SIGSTOP');
  const t0 = Math.floor(Date.now() / 1000) - 3000;
  const names = Array.from({ length: 40 }, (_, k) => `unconfirmed.${'x'.repeat(60)}.m${k}`);
  const seconds = 1500;
  const lines: string[] = [];
  for (let s = 0; s < seconds; s++) for (const name of names) lines.push(`${name} ${s} ${t0 + s}`);
  // About 5.7 MB: more than the kernel takes from a carbon that reads nothing.
  sink.send(lines);

  // Killed while stopped: what its kernel buffers held is gone, and the sink's connection with it.
  await carbon.kill('SIGKILL');
  await waitUntil(() => sink.status().connected === false, 'the sink has seen the connection end');
  // Confirmed means taken by the kernel: those lines died with carbon, the others wait again.
  const confirmed = sink.status().lines_sent as number;
  t.true(confirmed > 0 && confirmed < lines.length, JSON.stringify(sink.status()));
  t.like(sink.status(), { lines_queued: lines.length - confirmed, lines_dropped: 0 });

  await carbon.start();
  await waitUntil(() => sink.status().lines_queued === 0, 'the sink has sent the unconfirmed lines again');
  t.like(sink.status(), { lines_sent: lines.length, lines_dropped: 0, reconnects: 1 });
  // Exactly the lines from the first unconfirmed one on are in whisper, each once, none cut.
  for (const k of [0, names.length - 1]) {
    const expected: Point[] = [];
    for (let s = 0; s < seconds; s++) if (s * names.length + k >= confirmed) expected.push([t0 + s, s]);
    const points = await carbon.waitForValue(names[k], (p) => nonNull(p).length === expected.length, 30_000);
    t.deepEqual(nonNull(points), expected);
  }
});
