/**
 * Hostile statsd input against a running oxd over real sockets: lines longer
 * than the TCP limit, tens of thousands of fuzzed datagrams over UDP, fuzzed
 * streams over TCP cut into random pieces, hundreds of connections opened and
 * half-closed, and a flood of 2,000 connections against the limit of 1,024.
 * Afterwards oxd still answers STATUS, its statsd counters are what was sent
 * (UDP packets exactly, or short by exactly the drops the kernel reports),
 * and good lines sent last reach carbon.
 *
 * The lines' outcomes are predicted by counting non-empty lines (metrics) and
 * by the pure aggregator fed the same bytes in-process (bad lines by reason),
 * which test/unit/statsd-fuzz.test.ts judges on its own.
 *
 * Reproduce a failure with HOSTILE_SEED=<seed printed in the message>.
 */
import test, { ExecutionContext } from 'ava';
import * as net from 'node:net';
import { StatsdAggregator } from '../../src/protocol/statsd/aggregator';
import { CarbonCapture } from '../helpers/carbon-capture';
import { Oxd, startOxd } from '../helpers/oxd-process';
import { waitUntil } from '../helpers/proc';
import { mulberry32, SEED } from '../helpers/random';
import { fuzzDatagram, fuzzLine, nonEmptyLines, Rand } from '../helpers/statsd-fuzz';
import { sendDatagrams } from '../helpers/statsd-send';

const UDP_DATAGRAMS = 20_000;
const UDP_BATCH = 2_000;
const TCP_STREAMS = 8;
const LINES_PER_STREAM = 3_000;
const HALF_CLOSED = 300;
const FLOOD = 2_000;
const FLOOD_WAVE = 250;
const MAX_CONNECTIONS = 1024;
const MAX_NAMES = 2_000;
const TCP_LIMIT = 64 * 1024;

/** Connects and resolves once connected. */
function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Writes `data` in pieces of random size, waiting for 'drain' when the socket asks. */
async function writeInPieces(s: net.Socket, data: Buffer, rand: Rand, maxPiece = 4000): Promise<void> {
  for (let at = 0; at < data.length; ) {
    const n = 1 + Math.floor(rand() * maxPiece);
    if (!s.write(data.subarray(at, at + n))) await new Promise((r) => s.once('drain', r));
    at += n;
  }
}

/** Half-closes (FIN) and resolves once oxd has closed its side too. */
function halfCloseAndWait(s: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    s.on('error', () => undefined);
    s.once('close', () => resolve());
    s.end();
  });
}

/** Polls `capture` for a line `name value`; scans only what arrived since the last look. */
async function carbonLine(capture: CarbonCapture, name: string, value: string, timeoutMs = 20_000): Promise<void> {
  let seen = 0;
  let found = false;
  await waitUntil(() => {
    for (; seen < capture.lines.length && !found; seen++) found = capture.lines[seen].name === name && capture.lines[seen].value === value;
    return found;
  }, `carbon received ${name} ${value}`, timeoutMs);
}

async function start(t: ExecutionContext): Promise<{ oxd: Oxd; capture: CarbonCapture; port: number }> {
  const capture = new CarbonCapture();
  t.teardown(() => capture.close());
  const carbonPort = await capture.start();
  const oxd = await startOxd({
    logPath: null,
    args: ['--statsd', '127.0.0.1:0', '--statsd-flush', '1000', '--statsd-merge-delay', '200', '--graphite', `127.0.0.1:${carbonPort}`, '--graphite-schemas', '', '--statsd-delete-idle', 'all', '--statsd-max-names', String(MAX_NAMES)],
  });
  t.teardown(() => oxd.stop());
  const ready = await oxd.waitForStderr(/ statsd=127\.0\.0\.1:(\d+)/);
  return { oxd, capture, port: Number(ready[1]) };
}

test('hostile datagrams, streams and connections are counted, and oxd keeps serving', async (t) => {
  const msg = `seed ${SEED} (HOSTILE_SEED=${SEED} to reproduce)`;
  const { oxd, capture, port } = await start(t);
  const statsd = async (): Promise<any> => (await oxd.control.request({ cmd: 'STATUS' })).statsd;
  // What oxd should have counted: metrics by counting lines, bad lines by the pure aggregator.
  const ref = new StatsdAggregator({ maxNames: MAX_NAMES, maxTimerSamples: 10_000, deleteIdle: new Set(), prefixStats: 'statsd' });
  let metrics = 0;
  let tooLong = 0;
  const sockets: net.Socket[] = [];
  t.teardown(() => sockets.forEach((s) => s.destroy()));

  // Fuzzed datagrams, in batches that oxd is given time to read.
  const rand = mulberry32(SEED);
  let sent = 0;
  while (sent < UDP_DATAGRAMS) {
    const batch = Array.from({ length: UDP_BATCH }, () => fuzzDatagram(rand, { maxBytes: 65_000, hugeBytes: 60_000 }));
    await sendDatagrams(port, batch);
    sent += batch.length;
    for (const d of batch) {
      const text = d.toString('utf8');
      metrics += nonEmptyLines(text);
      ref.packet(text);
    }
    await oxd.waitForStatus((st) => st.statsd.packets_received + (st.statsd.udp_drops ?? 0) >= sent, 30_000);
  }
  const afterUdp = await statsd();
  t.not(afterUdp.udp_drops, null, 'oxd finds its socket in /proc/net/udp');
  const drops: number = afterUdp.udp_drops;
  t.is(afterUdp.packets_received + drops, UDP_DATAGRAMS, `every datagram read or dropped by the kernel (UDP first: TCP reads count as packets too); ${msg}`);
  t.log(`${msg}: ${UDP_DATAGRAMS} datagrams, ${afterUdp.metrics_received} lines, kernel drops ${drops}`);

  // Names are capped per interval: the lines that must reach carbon go in one the fuzz has not filled.
  await oxd.waitForStatus((st) => st.statsd.intervals > afterUdp.intervals);

  // A line that never ends: dropped once it passes the limit, counted once; the next line counts.
  const endless = await connect(port);
  sockets.push(endless);
  await writeInPieces(endless, Buffer.alloc(3 * TCP_LIMIT, 'a'), mulberry32(SEED), 16_384);
  await oxd.waitForStatus((st) => st.statsd.bad_lines['too-long'] === 1);
  await writeInPieces(endless, Buffer.from('aaaa\nhostile.after.toolong:1|c\n'), mulberry32(SEED));
  await halfCloseAndWait(endless);
  tooLong++;
  metrics++;
  // And one that is still unended when its sender hangs up.
  const hangup = await connect(port);
  sockets.push(hangup);
  await writeInPieces(hangup, Buffer.alloc(TCP_LIMIT + 5000, 'b'), mulberry32(SEED + 1), 16_384);
  await halfCloseAndWait(hangup);
  tooLong++;

  // Fuzzed streams in random pieces, each half-closed at the end, some mid-line.
  await Promise.all(
    Array.from({ length: TCP_STREAMS }, async (_, c) => {
      const r = mulberry32(SEED * 7 + c);
      const parts: Buffer[] = [];
      for (let i = 0; i < LINES_PER_STREAM; i++) parts.push(fuzzLine(r, 0), Buffer.from(r() < 0.1 ? '\r\n' : '\n'));
      if (c % 2 === 1) parts.pop();
      const data = Buffer.concat(parts);
      const text = data.toString('utf8');
      metrics += nonEmptyLines(text);
      ref.packet(text);
      const s = await connect(port);
      sockets.push(s);
      await writeInPieces(s, data, r);
      await halfCloseAndWait(s);
    }),
  );

  // Connections opened and half-closed: silent, with a line, with a line that has no newline.
  await Promise.all(
    Array.from({ length: HALF_CLOSED }, async (_, i) => {
      const s = await connect(port);
      sockets.push(s);
      if (i % 3 === 1) s.write(`hostile.half.${i}:1|c\n`);
      if (i % 3 === 2) s.write(`hostile.half.${i}:1|c`);
      if (i % 3 !== 0) metrics++;
      await halfCloseAndWait(s);
    }),
  );

  const mid = (await oxd.waitForStatus((st) => (drops > 0 || st.statsd.metrics_received >= metrics) && st.statsd.tcp_connections === 0)).statsd;
  const wantBad: Record<string, number> = Object.fromEntries(ref.badReasons);
  wantBad['too-long'] = tooLong;
  if (drops === 0) {
    t.is(mid.metrics_received, metrics, `metrics_received is every non-empty line; ${msg}`);
    t.deepEqual(mid.bad_lines, wantBad, `bad lines by reason; ${msg}`);
    t.is(mid.bad_lines_seen, ref.totalBadLines + tooLong, msg);
  } else {
    // The kernel dropped datagrams (counted above): what arrived is at most what was sent.
    t.log(`the kernel dropped ${drops} datagrams: counts are bounded, not exact`);
    t.true(mid.metrics_received <= metrics, msg);
    t.is(mid.bad_lines['too-long'], tooLong, msg);
  }
  t.true(mid.names <= MAX_NAMES, `names ${mid.names} within the cap`);

  // A flood: 2,000 connections in waves; past the limit oxd closes them, and STATUS answers throughout.
  let closedByOxd = 0;
  let ours = false;
  for (let opened = 0; opened < FLOOD; opened += FLOOD_WAVE) {
    await Promise.all(
      Array.from({ length: FLOOD_WAVE }, () =>
        new Promise<void>((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          sockets.push(s);
          s.on('error', () => undefined);
          s.once('close', () => {
            if (!ours) closedByOxd++;
          });
          s.once('connect', () => resolve());
          s.once('close', () => resolve());
        }),
      ),
    );
    await statsd();
  }
  const flooded = await oxd.waitForStatus((st) => st.statsd.tcp_connections + closedByOxd === FLOOD);
  t.is(flooded.statsd.tcp_connections, MAX_CONNECTIONS, `oxd holds ${MAX_CONNECTIONS} connections and closes the rest (${closedByOxd} closed)`);
  t.log(`flood: ${FLOOD} connections, oxd held ${flooded.statsd.tcp_connections} and closed ${closedByOxd}; lines over TCP and UDP ${mid.metrics_received}, bad ${JSON.stringify(mid.bad_lines)}`);
  ours = true;
  // Reset rather than closed: a client's closed connection holds its port in TIME_WAIT for a minute, and oxd's
  // statsd port 0 takes a UDP port and then TCP on the same number, which a TIME_WAIT port would refuse.
  for (const s of sockets) if (!s.destroyed) s.resetAndDestroy();
  await oxd.waitForStatus((st) => st.statsd.tcp_connections === 0);

  // Still serving: good lines over UDP and TCP reach carbon.
  const quiet = await statsd();
  await oxd.waitForStatus((st) => st.statsd.intervals > quiet.intervals);
  await sendDatagrams(port, ['hostile.after.udp:1|c']);
  const last = await connect(port);
  sockets.push(last);
  await halfCloseAndWait((last.write('hostile.after.tcp:2|c\n'), last));
  await carbonLine(capture, 'stats_counts.hostile.after.toolong', '1');
  await carbonLine(capture, 'stats_counts.hostile.after.udp', '1');
  await carbonLine(capture, 'stats_counts.hostile.after.tcp', '2');
  const end = await statsd();
  t.is(end.udp_drops, drops, 'no drops after the fuzz');
  t.is(oxd.child.exitCode, null, 'oxd is running');
  t.deepEqual(capture.malformed.slice(0, 5), [], 'every line written to carbon is name value timestamp');
});
