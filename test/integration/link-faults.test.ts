/**
 * The link between a forwarding oxd (with its disk spool) and a central
 * oxd, under faults, with real daemons: what the forwarding oxd took is in
 * the central's files exactly once, counted from the files themselves.
 */
import test, { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeMulti } from '@msgpack/msgpack';
import { eventFrames } from '../helpers/events';
import { Oxd, startOxd } from '../helpers/oxd-process';
import { runTool } from '../helpers/tool';
import { ZmtpPeer } from '../helpers/zmtp-peer';

function tempDir(t: ExecutionContext, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `oxd-link-${name}-`));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** How many times each `i` is in the files under `logPath`. */
function tally(logPath: string): Map<number, number> {
  const seen = new Map<number, number>();
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else for (const ev of decodeMulti(fs.readFileSync(p)) as Iterable<{ body: { i: number } }>) seen.set(ev.body.i, (seen.get(ev.body.i) ?? 0) + 1);
    }
  };
  walk(logPath);
  return seen;
}

function compare(t: ExecutionContext, seen: Map<number, number>, sent: number): void {
  const missing = [...Array(sent).keys()].filter((i) => !seen.has(i));
  const twice = [...seen].filter(([, n]) => n > 1).map(([i]) => i);
  t.deepEqual(missing.slice(0, 20), [], `${missing.length} of ${sent} lost`);
  t.deepEqual(twice.slice(0, 20), [], `${twice.length} written twice`);
}

interface Pair {
  local: Oxd;
  central: Oxd;
  peer: ZmtpPeer;
  centralArgs: string[];
  logPath: string;
}

async function startPair(t: ExecutionContext): Promise<Pair> {
  const logPath = path.join(tempDir(t, 'central'), 'log');
  // The central keeps what each link delivered in its own spool folder (as the package's oxd.conf sets).
  const centralArgs = ['--spool-path', path.join(tempDir(t, 'central-spool'), 'spool')];
  const central = await startOxd({ logPath, args: centralArgs });
  const local = await startOxd({ logPath: null, args: ['--forward', central.collect, '--spool-path', path.join(tempDir(t, 'local'), 'spool'), '--link-ack-timeout', '2000'] });
  const peer = await ZmtpPeer.connect(local.collect);
  const pair = { local, central, peer, centralArgs: [...centralArgs, '-c', central.collect], logPath };
  t.teardown(async () => {
    pair.peer.destroy();
    await pair.local.stop();
    await pair.central.stop();
  });
  return pair;
}

test('the events go over the link, acknowledged, none lost or doubled', async (t) => {
  const p = await startPair(t);
  for (let i = 0; i < 5000; i++) await p.peer.send(eventFrames({ type: 'request', body: { i } }));
  const local = await p.local.waitForStatus((s) => s.sinks.forward.forwarded === 5000);
  t.is(local.sinks.forward.mode, 'link');
  t.is(local.sinks.forward.spool.unacked, 0);
  t.is(local.sinks.forward.link.events, 5000);
  const central = await p.central.waitForStatus((s) => s.totals.written === 5000);
  t.like(central.link, { events: 5000, duplicates: 0, bad_batches: 0, out_of_order: 0, links: 1 });
  compare(t, tally(p.logPath), 5000);
  const localText = await runTool('oxctl', ['-H', p.local.controlAddr]);
  t.regex(localText.stdout, /^Link out: tcp:\/\/127\.0\.0\.1:\d+, \d+ batches, 5000 events sent, 0 in flight, \d+ acknowledgements, sent again 0 times; .* on the wire \(ratio [\d.]+,/m);
  const centralText = await runTool('oxctl', ['-H', p.central.controlAddr]);
  t.regex(centralText.stdout, /^Link in: 127\.0\.0\.1:\d+, 1 links, \d+ batches, 5000 events, 0 duplicates dropped, 0 out of order, 0 bad, \d+ acknowledgements$/m);
});

test('the central killed (kill -9) mid-stream and started again: every event once', async (t) => {
  const p = await startPair(t);
  const total = 40_000;
  let sent = 0;
  const sending = (async () => {
    for (; sent < total; sent++) await p.peer.send(eventFrames({ type: 'request', body: { i: sent } }));
  })();
  await p.central.waitForStatus((s) => s.totals.written >= 5000);
  const killed = await p.central.stop('SIGKILL');
  t.is(killed.signal, 'SIGKILL');
  await sending;
  p.central = await startOxd({ logPath: p.logPath, args: p.centralArgs });
  await p.local.waitForStatus((s) => s.sinks.forward.spool.appended === total && s.sinks.forward.spool.unacked === 0, 60_000);
  const local = await p.local.waitForStatus(() => true);
  t.true(local.sinks.forward.link_losses >= 1, 'the link saw the central go');
  compare(t, tally(p.logPath), total);
});

test('the central stopped and started again while events flow: every event once', async (t) => {
  const p = await startPair(t);
  const total = 30_000;
  let sent = 0;
  const sending = (async () => {
    for (; sent < total; sent++) await p.peer.send(eventFrames({ type: 'request', body: { i: sent } }));
  })();
  await p.central.waitForStatus((s) => s.totals.written >= 3000);
  t.is((await p.central.stop()).code, 0);
  p.central = await startOxd({ logPath: p.logPath, args: p.centralArgs });
  await sending;
  await p.local.waitForStatus((s) => s.sinks.forward.spool.appended === total && s.sinks.forward.spool.unacked === 0, 60_000);
  compare(t, tally(p.logPath), total);
});
