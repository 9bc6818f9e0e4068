/**
 * examples/hot-shots-app.ts run as its users would (node, STATSD_HOST and
 * STATSD_PORT): the exact datagrams it sends to a UDP socket the test holds,
 * and what the real etsy statsd makes of them in its Graphite flush.
 */
import test, { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as path from 'node:path';
import { CarbonCapture } from '../helpers/carbon-capture';
import { REPO } from '../helpers/oxd-process';
import { Output } from '../helpers/output';
import { waitUntil } from '../helpers/proc';
import { startOxd } from '../helpers/oxd-process';
import { startStatsd } from '../helpers/statsd-reference';

const EXAMPLE = path.join(REPO, 'build', 'examples', 'hot-shots-app.js');
const EXPECTED = ['shop.orders:1|c|#env:example', 'shop.checkout:42|ms', 'shop.queue:7|g', 'shop.customers:alice|s'];
const MARK = 'test.mark:1|c';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runExample(t: ExecutionContext, env: NodeJS.ProcessEnv): Promise<Run> {
  const child = spawn(process.execPath, [EXAMPLE], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const out = new Output(child.stdout!, 'the hot-shots example');
  const err = new Output(child.stderr!, 'the hot-shots example (stderr)');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout: out.text, stderr: err.text }));
  });
}

/** A UDP socket on an ephemeral loopback port that keeps every datagram it receives, as text. */
async function udpListener(t: ExecutionContext): Promise<{ port: number; received: string[]; socket: dgram.Socket }> {
  const socket = dgram.createSocket('udp4');
  t.teardown(() => socket.close());
  const received: string[] = [];
  socket.on('message', (m) => received.push(m.toString()));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { port: socket.address().port, received, socket };
}

/**
 * Everything sent to the socket before this call has been read once our own mark arrives:
 * one socket's queue on loopback is first in, first out.
 */
async function drained(l: { port: number; received: string[]; socket: dgram.Socket }): Promise<string[]> {
  await new Promise<void>((resolve, reject) => l.socket.send(MARK, l.port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
  await waitUntil(() => l.received.includes(MARK), 'the mark datagram is read back', 10_000);
  return l.received.slice(0, l.received.indexOf(MARK));
}

test('the example sends a counter, a timer, a gauge and a set, one datagram each, to STATSD_HOST:STATSD_PORT', async (t) => {
  const l = await udpListener(t);
  // DD_* variables would turn on hot-shots' Datadog extras: the example keeps them off.
  const run = await runExample(t, { STATSD_HOST: '127.0.0.1', STATSD_PORT: String(l.port), DD_ENV: 'ci', DD_SERVICE: 'shop', DD_AGENT_HOST: '127.0.0.2' });
  t.is(run.code, 0, run.stderr);
  t.is(run.stderr, '');
  t.deepEqual((await drained(l)).sort(), EXPECTED.slice().sort());
});

test('the example refuses a STATSD_PORT that is not a port, and sends nothing', async (t) => {
  const l = await udpListener(t);
  const run = await runExample(t, { STATSD_HOST: '127.0.0.1', STATSD_PORT: `${l.port}x` });
  t.is(run.code, 2);
  t.regex(run.stderr, /STATSD_PORT must be a port number \(1-65535\), not "\d+x"/);
  t.deepEqual(await drained(l), []);
});

test("statsd's Graphite flush of the example's metrics", async (t) => {
  const capture = new CarbonCapture();
  t.teardown(() => capture.close());
  const graphitePort = await capture.start();
  const statsd = await startStatsd({ flushIntervalMs: 2000, graphitePort });
  t.teardown(() => statsd.stop());

  await capture.waitForFlush(() => true, 10_000);
  const next = capture.flushes.length;
  const run = await runExample(t, { STATSD_HOST: '127.0.0.1', STATSD_PORT: String(statsd.udpPort) });
  t.is(run.code, 0, run.stderr);
  const f = await capture.waitForFlush((x) => capture.flushes.indexOf(x) === next, 10_000);
  const v = (name: string): string | undefined => f.get(name)?.value;
  t.is(v('stats_counts.statsd.packets_received'), '4', 'all four in one interval');
  t.is(v('stats_counts.statsd.bad_lines_seen'), '0');
  t.is(v('stats_counts.shop.orders;env=example'), '1');
  t.is(v('stats.shop.orders;env=example'), '0.5');
  t.is(v('stats.timers.shop.checkout.upper'), '42');
  t.is(v('stats.timers.shop.checkout.count'), '1');
  t.is(v('stats.gauges.shop.queue'), '7');
  t.is(v('stats.sets.shop.customers.count'), '1');
});

test("oxd as the example's statsd server: the same Graphite figures as statsd's", async (t) => {
  const capture = new CarbonCapture();
  t.teardown(() => capture.close());
  const graphitePort = await capture.start();
  const oxd = await startOxd({ logPath: null, args: ['--statsd', '127.0.0.1:0', '--statsd-flush', '2000', '--graphite', `127.0.0.1:${graphitePort}`] });
  t.teardown(() => oxd.stop());
  const port = (await oxd.waitForStderr(/ statsd=127\.0\.0\.1:(\d+)/))[1];
  const run = await runExample(t, { STATSD_HOST: '127.0.0.1', STATSD_PORT: port });
  t.is(run.code, 0, run.stderr);
  // The four datagrams may straddle a window boundary: the figures are read from the windows that hold them.
  const got = new Map<string, string>();
  await capture.waitForInterval((i) => {
    for (const [name, value] of i.points) if (name.includes('shop.') && value !== '0' && !got.has(name)) got.set(name, value);
    return ['stats_counts.shop.orders;env=example', 'stats.timers.shop.checkout.upper', 'stats.gauges.shop.queue', 'stats.sets.shop.customers.count'].every((n) => got.has(n));
  }, 15_000);
  t.is(got.get('stats_counts.shop.orders;env=example'), '1');
  t.is(got.get('stats.shop.orders;env=example'), '0.5');
  t.is(got.get('stats.timers.shop.checkout.upper'), '42');
  t.is(got.get('stats.timers.shop.checkout.count'), '1');
  t.is(got.get('stats.gauges.shop.queue'), '7');
  t.is(got.get('stats.sets.shop.customers.count'), '1');
  const s = await oxd.control.request({ cmd: 'STATUS' });
  t.is(s.statsd.packets_received, 4);
  t.is(s.statsd.bad_lines_seen, 0);
});
