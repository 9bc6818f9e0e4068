/**
 * Several upstreams (`forward = A,B`), with real daemons: the forwarding oxd
 * moves to B after forward_failover_ms without A, and back to A when A
 * answers again; every event is in A's or B's files, counted from the files.
 */
import test, { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventFrames, tallyNumbered } from '../helpers/events';
import { Oxd, startOxd } from '../helpers/oxd-process';
import { runTool } from '../helpers/tool';
import { ZmtpPeer } from '../helpers/zmtp-peer';

/** Long enough for a connection to the next upstream on a busy machine (else it fails over again, with nothing lost). */
const FAILOVER_MS = 2000;

function tempDir(t: ExecutionContext, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `oxd-failover-${name}-`));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Sends events `{i}` for i in [from, to); yields every 200 so that this process's other work goes on. */
async function sendEvents(peer: ZmtpPeer, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    await peer.send(eventFrames({ type: 'request', body: { i } }));
    if (i % 200 === 199) await new Promise((r) => setImmediate(r));
  }
}

interface Central {
  oxd: Oxd;
  logPath: string;
  /** To start it again on the same collect port. */
  args: string[];
}

async function startCentral(t: ExecutionContext, name: string): Promise<Central> {
  const logPath = path.join(tempDir(t, name), 'log');
  const args = ['--spool-path', path.join(tempDir(t, `${name}-spool`), 'spool')];
  const oxd = await startOxd({ logPath, args });
  return { oxd, logPath, args: [...args, '-c', oxd.collect] };
}

interface Setup {
  a: Central;
  b: Central;
  local: Oxd;
  peer: ZmtpPeer;
}

async function startSetup(t: ExecutionContext, spool: boolean): Promise<Setup> {
  const a = await startCentral(t, 'a');
  const b = await startCentral(t, 'b');
  const spoolArgs = spool ? ['--spool-path', path.join(tempDir(t, 'local'), 'spool')] : [];
  const local = await startOxd({ logPath: null, args: ['--forward', `${a.oxd.collect},${b.oxd.collect}`, '--forward-failover', String(FAILOVER_MS), ...spoolArgs] });
  const peer = await ZmtpPeer.connect(local.collect);
  const s = { a, b, local, peer };
  t.teardown(async () => {
    if (!t.passed) {
      for (const [name, oxd] of [['local', s.local], ['a', s.a.oxd], ['b', s.b.oxd]] as const) t.log(`${name} oxd stderr:\n${oxd.stderr.slice(-3000)}`);
      t.log(`local forward status: ${JSON.stringify((await s.local.control.request({ cmd: 'STATUS' })).sinks.forward)}`);
    }
    s.peer.destroy();
    await s.local.stop();
    await s.a.oxd.stop();
    await s.b.oxd.stop();
  });
  return s;
}

/** The events i in [from, to) that are not in `seen`. */
function missing(seen: Map<number, number>, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) if (!seen.has(i)) out.push(i);
  return out;
}

for (const spool of [true, false]) {
  const how = spool ? 'the disk spool, over the link' : 'a memory queue, over PUSH';
  test(`${how}: A killed, the events go to B after forward_failover_ms; A back, they go to A again; none lost or doubled`, async (t) => {
    const s = await startSetup(t, spool);
    const written = (n: number) => (st: any) => st.totals.written === n;
    await sendEvents(s.peer, 0, 2000);
    await s.a.oxd.waitForStatus(written(2000));
    const before = await s.local.waitForStatus((st) => st.sinks.forward.forwarded === 2000);
    t.like(before.sinks.forward, { upstream_index: 0, failovers: 0, mode: spool ? 'link' : 'push' });

    t.is((await s.a.oxd.stop('SIGKILL')).signal, 'SIGKILL');
    // Sent once the forwarder has moved to B: over PUSH, an event libzmq took for the dying A is A's.
    await s.local.waitForStatus((st) => st.sinks.forward.failovers >= 1 && st.sinks.forward.upstream_index === 1);
    await sendEvents(s.peer, 2000, 4000);
    await s.b.oxd.waitForStatus(written(2000));
    const away = await s.local.waitForStatus((st) => st.sinks.forward.forwarded === 4000);
    t.like(away.sinks.forward, { upstream_index: 1, returns: 0 });
    t.regex(away.sinks.forward.last_move, /^127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+: no connection for 2 s$/);
    t.regex(s.local.stderr, /forwarding moves from 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+: no connection for 2 s/);

    s.a.oxd = await startOxd({ logPath: s.a.logPath, args: s.a.args });
    await s.local.waitForStatus((st) => st.sinks.forward.returns === 1 && st.sinks.forward.upstream_index === 0);
    await sendEvents(s.peer, 4000, 6000);
    await s.a.oxd.waitForStatus(written(2000));
    const back = await s.local.waitForStatus((st) => st.sinks.forward.forwarded === 6000);
    t.is(back.sinks.forward.resent_elsewhere, 0, 'everything was acknowledged where it went');

    const inA = tallyNumbered(s.a.logPath);
    const inB = tallyNumbered(s.b.logPath);
    t.deepEqual(missing(inA, 0, 2000), [], 'before the kill: in A');
    t.deepEqual(missing(inB, 2000, 4000), [], 'while A was away: in B');
    t.deepEqual(missing(inA, 4000, 6000), [], 'after A came back: in A');
    t.is(inA.size + inB.size, 6000, 'nothing anywhere else, or twice');
    t.true([...inA.values(), ...inB.values()].every((n) => n === 1), 'none twice');

    const text = await runTool('oxctl', ['-H', s.local.controlAddr]);
    t.regex(text.stdout, /^Forward: to 127\.0\.0\.1:\d+ \(1 of 2: 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\), failover after 2 s; \d+ failovers, 1 returns, 0 events sent again elsewhere unacknowledged \(possibly written twice\); the last: from 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+: it answers again$/m);
  });
}

test('a steady sender, A killed (kill -9) mid-stream: every event reaches A or B, and any in both is counted', async (t) => {
  const s = await startSetup(t, true);
  const total = 30_000;
  const sending = sendEvents(s.peer, 0, total);
  await s.a.oxd.waitForStatus((st) => st.totals.written >= 3000);
  t.is((await s.a.oxd.stop('SIGKILL')).signal, 'SIGKILL');
  await sending;
  const done = await s.local.waitForStatus((st) => st.sinks.forward.spool.appended === total && st.sinks.forward.spool.unacked === 0, 60_000);
  t.is(done.sinks.forward.upstream_index, 1);
  t.true(done.sinks.forward.failovers >= 1);
  const inA = tallyNumbered(s.a.logPath);
  const inB = tallyNumbered(s.b.logPath);
  t.deepEqual(missing(new Map([...inA, ...inB]), 0, total), [], 'none lost');
  const both = [...inA.keys()].filter((i) => inB.has(i)).length;
  t.true([...inA.values(), ...inB.values()].every((n) => n === 1), 'none twice in one upstream');
  t.true(both <= done.sinks.forward.resent_elsewhere, `${both} in both A and B; ${done.sinks.forward.resent_elsewhere} counted as sent again elsewhere`);
  t.log(`in both A and B: ${both}; counted by the forwarder: ${done.sinks.forward.resent_elsewhere}`);
});
