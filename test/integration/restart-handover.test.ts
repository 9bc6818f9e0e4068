/**
 * Restarts that lose nothing: oxd hands its senders' connections to the
 * next oxd through the file descriptor store. The service manager here is a
 * MOCK (test/helpers/mock-systemd-fdstore.py: socket activation, the
 * notification socket with descriptors, the store), since no systemd runs as
 * PID 1 on this machine; the booted-Debian test does the same under the real
 * one. The senders are libzmq's (zeromq.js), which drop the message they are
 * writing when a connection closes: every event they took must be in the
 * files once.
 */
import test, { ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zmq from 'zeromq';
import { eventFrames, tallyNumbered } from '../helpers/events';
import { OXD_BUNDLE, REPO } from '../helpers/oxd-process';
import { Output } from '../helpers/output';

const SENDERS = 3;
const RESTARTS = 3;

interface Managed {
  /** The mock's JSON lines. */
  events: Output;
  /** oxd's stderr, every instance's. */
  stderr: Output;
  port: number;
  command(line: string): void;
}

async function underMock(t: ExecutionContext, logPath: string, storeMax: number): Promise<Managed> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'oxd-handover-'));
  const oxd = [process.execPath, OXD_BUNDLE, '-t', '127.0.0.1:0', '-l', logPath, '--config', '/dev/null', '--admin-socket', path.join(folder, 'admin.sock')];
  const child = spawn('/usr/bin/python3', [path.join(REPO, 'test/helpers/mock-systemd-fdstore.py'), String(storeMax), '--', ...oxd], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, BLUEOX_HOST: '', BLUEOX_CLIENT_HOST: '', JOURNAL_STREAM: '' },
  });
  const events = new Output(child.stdout!, 'the mock service manager');
  const stderr = new Output(child.stderr!, 'oxd');
  t.teardown(async () => {
    if (!t.passed) t.log(`mock:\n${events.text}\noxd:\n${stderr.text.slice(-4000)}`);
    if (child.exitCode === null) {
      child.stdin!.end();
      await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 10_000).unref())]);
    }
    child.kill('SIGKILL');
    fs.rmSync(folder, { recursive: true, force: true });
  });
  const port = Number((await events.waitFor(/"event": "listening", "port": (\d+)/))[1]);
  await events.waitFor(/"event": "ready"/);
  return { events, stderr, port, command: (line) => child.stdin!.write(`${line}\n`) };
}

/** Sends numbered events from `SENDERS` libzmq sockets until `stop()`; the count each took. */
function steadySenders(port: number): { stop(): Promise<number[]> } {
  let running = true;
  const counts: number[] = [];
  const loops = Array.from({ length: SENDERS }, async (_, s) => {
    const sock = new zmq.Push({ linger: 10_000, sendHighWaterMark: 1000 });
    sock.connect(`tcp://127.0.0.1:${port}`);
    let n = 0;
    while (running) {
      await sock.send(eventFrames({ type: 'request', body: { i: s * 1e9 + n } }));
      n++;
      // About 2,000 events a second each: a steady load, with the event loop free for the rest.
      if (n % 20 === 0) await new Promise((r) => setTimeout(r, 10));
    }
    counts[s] = n;
    // What libzmq took is delivered before the socket goes (linger).
    sock.close();
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return counts;
    },
  };
}

test(`${RESTARTS} restarts under a steady load from ${SENDERS} libzmq senders: the connections are handed over, no event lost or doubled`, async (t) => {
  const logPath = fs.mkdtempSync(path.join(os.tmpdir(), 'oxd-handover-log-'));
  t.teardown(() => fs.rmSync(logPath, { recursive: true, force: true }));
  const m = await underMock(t, logPath, 64);
  const senders = steadySenders(m.port);
  for (let k = 1; k <= RESTARTS; k++) {
    // Restarted once the senders' connections are there and busy: oxd has written their events.
    await m.stderr.waitFor(/notice: ready /, 30_000, k);
    await waitForFiles(logPath, (seen) => seen.size >= k * 3000);
    m.command('restart');
    const stored = await m.events.waitFor(/"event": "stored", "name": "oxd-handover", "count": (\d+), "refused": 0/, 30_000, k);
    t.is(Number(stored[1]), SENDERS + 1, 'every sender connection and the state');
    await m.events.waitFor(/"event": "removed", "name": "oxd-handover", "count": (\d+)/, 30_000, k);
  }
  await m.stderr.waitFor(/notice: ready /, 30_000, RESTARTS + 1);
  const counts = await senders.stop();
  const sent = counts.reduce((a, b) => a + b, 0);
  const seen = await waitForFiles(logPath, (s) => s.size >= sent);
  const missing: number[] = [];
  for (let s = 0; s < SENDERS; s++) for (let n = 0; n < counts[s]; n++) if (!seen.has(s * 1e9 + n)) missing.push(s * 1e9 + n);
  t.deepEqual(missing.slice(0, 20), [], `${missing.length} of ${sent} lost`);
  t.is([...seen.values()].filter((c) => c > 1).length, 0, 'none twice');
  t.is(seen.size, sent);
  const tookOver = [...m.stderr.text.matchAll(/took over (\d+) collect connections from the previous oxd/g)].map((x) => Number(x[1]));
  t.deepEqual(tookOver, Array(RESTARTS).fill(SENDERS), 'each new oxd read on from where the old one stopped');
  t.log(`${sent} events over ${RESTARTS} restarts`);
});

test('a plain stop (no restart job) says goodbye to the senders and stores nothing', async (t) => {
  const logPath = fs.mkdtempSync(path.join(os.tmpdir(), 'oxd-handover-log-'));
  t.teardown(() => fs.rmSync(logPath, { recursive: true, force: true }));
  const m = await underMock(t, logPath, 64);
  const sock = new zmq.Push({ linger: 0 });
  t.teardown(() => sock.close());
  sock.connect(`tcp://127.0.0.1:${m.port}`);
  for (let i = 0; i < 100; i++) await sock.send(eventFrames({ type: 'request', body: { i } }));
  await waitForFiles(logPath, (seen) => seen.size === 100);
  m.command('stop');
  const closed = await m.events.waitFor(/"event": "store_closed", "count": (\d+)/);
  t.is(Number(closed[1]), 0);
  t.notRegex(m.events.text, /"event": "stored"/);
});

/** Reads the files until `done` holds for what they hold (or 60 s), and returns the tally. */
async function waitForFiles(logPath: string, done: (seen: Map<number, number>) => boolean): Promise<Map<number, number>> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const seen = tallyNumbered(logPath);
    if (done(seen) || Date.now() > deadline) return seen;
    await new Promise((r) => setTimeout(r, 100));
  }
}
