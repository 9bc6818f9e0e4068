/**
 * The link between a forwarding oxd (with its disk spool) and a central
 * oxd, under faults, with real daemons: what the forwarding oxd took is in
 * the central's files exactly once, counted from the files themselves.
 */
import test, { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { decode } from '@msgpack/msgpack';
import { readRecord, SpoolRecord } from '../../src/protocol/spool/spool-record';
import { eventFrames, tallyNumbered } from '../helpers/events';
import { Oxd, startOxd } from '../helpers/oxd-process';
import { runTool } from '../helpers/tool';
import { ZmtpPeer } from '../helpers/zmtp-peer';

function tempDir(t: ExecutionContext, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `oxd-link-${name}-`));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Sends events `{i}` from `from` while `more(i)`; returns how many were sent. Yields to the event loop
 * every 200 events: a write the kernel takes at once calls back before any I/O, so an endless loop of
 * them would starve this process (the other tests' daemons' handshakes and status requests).
 */
async function sendEvents(peer: ZmtpPeer, from: number, more: (i: number) => boolean): Promise<number> {
  let i = from;
  for (; more(i); i++) {
    await peer.send(eventFrames({ type: 'request', body: { i } }));
    if (i % 200 === 199) await new Promise((r) => setImmediate(r));
  }
  return i;
}

/**
 * None lost; and none twice, but for those the central counted as possible duplicates (events it
 * routed before a kill and took again, not knowing whether its files had them): `counted`.
 */
function compare(t: ExecutionContext, seen: Map<number, number>, sent: number, counted = 0): number {
  const missing = [...Array(sent).keys()].filter((i) => !seen.has(i));
  const twice = [...seen].filter(([, n]) => n > 1).map(([i]) => i);
  t.deepEqual(missing.slice(0, 20), [], `${missing.length} of ${sent} lost`);
  if (counted === 0) t.deepEqual(twice.slice(0, 20), [], `${twice.length} written twice`);
  else t.true(twice.length <= counted, `${twice.length} written twice, ${counted} counted as possible duplicates`);
  return twice.length;
}

interface Pair {
  local: Oxd;
  central: Oxd;
  peer: ZmtpPeer;
  centralArgs: string[];
  localArgs: string[];
  localSpool: string;
  logPath: string;
}

async function startPair(t: ExecutionContext): Promise<Pair> {
  const logPath = path.join(tempDir(t, 'central'), 'log');
  // The central keeps what each link delivered in its own spool folder (as the package's oxd.conf sets).
  const centralArgs = ['--spool-path', path.join(tempDir(t, 'central-spool'), 'spool')];
  const central = await startOxd({ logPath, args: centralArgs });
  const localSpool = path.join(tempDir(t, 'local'), 'spool');
  const localArgs = ['--forward', central.collect, '--spool-path', localSpool];
  const local = await startOxd({ logPath: null, args: localArgs });
  const peer = await ZmtpPeer.connect(local.collect);
  const pair = { local, central, peer, centralArgs: [...centralArgs, '-c', central.collect], localArgs, localSpool, logPath };
  t.teardown(async () => {
    // What the daemons said, when the test failed: a crash or a warning says why.
    if (!t.passed) for (const [name, oxd] of [['local', pair.local], ['central', pair.central]] as const) t.log(`${name} oxd stderr:\n${oxd.stderr.slice(-3000)}`);
    pair.peer.destroy();
    await pair.local.stop();
    await pair.central.stop();
  });
  return pair;
}

test('the events go over the link, acknowledged, none lost or doubled', async (t) => {
  const p = await startPair(t);
  await sendEvents(p.peer, 0, (i) => i < 5000);
  const local = await p.local.waitForStatus((s) => s.sinks.forward.forwarded === 5000);
  t.is(local.sinks.forward.mode, 'link');
  t.is(local.sinks.forward.spool.unacked, 0);
  t.is(local.sinks.forward.link.events, 5000);
  t.like(local.sinks.forward.link, { codec: 'zlib', codec_asked: 'zlib', codec_reason: 'link_compression = zlib' });
  const central = await p.central.waitForStatus((s) => s.totals.written === 5000);
  t.like(central.link, { events: 5000, duplicates: 0, bad_batches: 0, out_of_order: 0, links: 1 });
  compare(t, tallyNumbered(p.logPath), 5000);
  const localText = await runTool('oxctl', ['-H', p.local.controlAddr]);
  t.regex(localText.stdout, /^Link out: tcp:\/\/127\.0\.0\.1:\d+, \d+ batches, 5000 events sent, 0 in flight, \d+ acknowledgements, sent again 0 times; .* on the wire \(zlib, ratio [\d.]+,/m);
  t.notRegex(localText.stdout, /^Link codec:/m, 'the codec asked for (zlib by default) is the one used');
  const centralText = await runTool('oxctl', ['-H', p.central.controlAddr]);
  t.regex(centralText.stdout, /^Link in: 127\.0\.0\.1:\d+, 1 links, \d+ batches, 5000 events, 0 duplicates dropped, 0 possibly written twice \(taken again after a restart\), 0 out of order, 0 bad, \d+ acknowledgements$/m);
});

test('the central killed (kill -9) mid-stream and started again: every event once', async (t) => {
  const p = await startPair(t);
  const total = 40_000;
  const sending = sendEvents(p.peer, 0, (i) => i < total);
  await p.central.waitForStatus((s) => s.totals.written >= 5000);
  const killed = await p.central.stop('SIGKILL');
  t.is(killed.signal, 'SIGKILL');
  await sending;
  p.central = await startOxd({ logPath: p.logPath, args: p.centralArgs });
  await p.local.waitForStatus((s) => s.sinks.forward.spool.appended === total && s.sinks.forward.spool.unacked === 0, 60_000);
  const local = await p.local.waitForStatus(() => true);
  t.true(local.sinks.forward.link_losses >= 1, 'the link saw the central go');
  const central = await p.central.waitForStatus(() => true);
  const twice = compare(t, tallyNumbered(p.logPath), total, central.link.possible_duplicates);
  t.log(`duplicates in the files: ${twice}; counted as possible by the central: ${central.link.possible_duplicates}`);
});

test('the central stopped and started again while events flow: every event once', async (t) => {
  const p = await startPair(t);
  const total = 30_000;
  const sending = sendEvents(p.peer, 0, (i) => i < total);
  await p.central.waitForStatus((s) => s.totals.written >= 3000);
  t.is((await p.central.stop()).code, 0);
  p.central = await startOxd({ logPath: p.logPath, args: p.centralArgs });
  await sending;
  await p.local.waitForStatus((s) => s.sinks.forward.spool.appended === total && s.sinks.forward.spool.unacked === 0, 60_000);
  compare(t, tallyNumbered(p.logPath), total);
});

/** The `i` of every event in the spool segments under `dir` (what a killed oxd had taken and not delivered). */
function spooled(dir: string): number[] {
  const out: number[] = [];
  const r: SpoolRecord = { seq: 0, spooledAt: 0, start: 0, metaStart: 0, metaEnd: 0, end: 0 };
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.seg'))) {
    const buf = fs.readFileSync(path.join(dir, name));
    for (let at = 0; readRecord(buf, at, buf.length, r) > 0; at = r.end) out.push((decode(buf.subarray(r.metaEnd, r.end)) as { body: { i: number } }).body.i);
  }
  return out;
}

test('the forwarding oxd killed (kill -9) mid-stream and started again: what it had taken reaches the central once', async (t) => {
  const p = await startPair(t);
  const localSpool = p.localSpool;
  let stop = false;
  // The sender writes into a connection whose reader is about to be killed: its write errors are expected.
  const writeErrors: Error[] = [];
  p.peer.socket.on('error', (err) => writeErrors.push(err));
  const sending = sendEvents(p.peer, 0, () => !stop).catch(() => undefined);
  await p.central.waitForStatus((s) => s.totals.written >= 5000);
  const killed = await p.local.stop('SIGKILL');
  t.is(killed.signal, 'SIGKILL');
  stop = true;
  p.peer.destroy();
  await sending;
  // What the killed oxd had taken: delivered to the central already, or in its spool.
  await p.central.waitForStatus((s) => s.link.acks >= 1);
  const taken = new Set([...tallyNumbered(p.logPath).keys(), ...spooled(localSpool)]);
  t.true(taken.size >= 5000);
  p.local = await startOxd({ logPath: null, args: p.localArgs });
  await p.local.waitForStatus((s) => s.sinks.forward.spool.unacked === 0 && s.sinks.forward.mode === 'link', 60_000);
  const seen = tallyNumbered(p.logPath);
  const missing = [...taken].filter((i) => !seen.has(i));
  const twice = [...seen].filter(([, n]) => n > 1).map(([i]) => i);
  t.deepEqual(missing.slice(0, 20), [], `${missing.length} of ${taken.size} taken events lost`);
  t.deepEqual(twice.slice(0, 20), [], `${twice.length} written twice`);
});

/**
 * A TCP proxy on another loopback address (127.0.0.2) with the central's port numbers, so the
 * link port the central announces through the proxied collect port is proxied too. `stall()`
 * stops passing bytes on the connections open now, without closing them.
 */
async function stallingProxy(t: ExecutionContext, ports: number[]): Promise<{ stall(): void }> {
  const open = new Set<net.Socket>();
  const servers = await Promise.all(
    ports.map(
      (port) =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer((client) => {
            const upstream = net.connect(port, '127.0.0.1');
            for (const s of [client, upstream]) {
              open.add(s);
              s.on('error', () => undefined);
              s.on('close', () => {
                open.delete(s);
                client.destroy();
                upstream.destroy();
              });
            }
            client.pipe(upstream);
            upstream.pipe(client);
          });
          server.once('error', reject);
          server.listen(port, '127.0.0.2', () => resolve(server));
        }),
    ),
  );
  t.teardown(() => {
    for (const s of open) s.destroy();
    for (const server of servers) server.close();
  });
  return {
    stall() {
      // Bytes stop in both directions; the connections stay open, as behind a dead router.
      for (const s of open) {
        s.unpipe();
        s.pause();
      }
    },
  };
}

test('a path that stops passing bytes without closing: the link finds it, and every event arrives once', async (t) => {
  const logPath = path.join(tempDir(t, 'central'), 'log');
  const central = await startOxd({ logPath, args: ['--spool-path', path.join(tempDir(t, 'central-spool'), 'spool')] });
  t.teardown(() => central.stop());
  const { link: centralLink } = await central.waitForStatus((s) => s.link !== undefined);
  const linkPort = Number(centralLink.endpoint.split(':')[1]);
  const proxy = await stallingProxy(t, [central.collectPort, linkPort]);
  const local = await startOxd({ logPath: null, args: ['--forward', `127.0.0.2:${central.collectPort}`, '--spool-path', path.join(tempDir(t, 'local'), 'spool')] });
  t.teardown(() => local.stop());
  const peer = await ZmtpPeer.connect(local.collect);
  t.teardown(() => peer.destroy());
  const total = 20_000;
  await sendEvents(peer, 0, (i) => i < 5000);
  await central.waitForStatus((s) => s.totals.written === 5000);
  proxy.stall();
  await sendEvents(peer, 5000, (i) => i < total);
  const local1 = await local.waitForStatus((s) => s.sinks.forward.spool.appended === total && s.sinks.forward.spool.unacked === 0, 60_000);
  t.true(local1.sinks.forward.link_losses >= 1, 'the stalled connection was given up');
  t.is(local1.sinks.forward.mode, 'link');
  await central.waitForStatus((s) => s.totals.written >= total);
  compare(t, tallyNumbered(logPath), total);
});
