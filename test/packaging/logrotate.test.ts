/**
 * The logrotate configuration blueox-oxd ships (etc/logrotate/blueox-oxd, as
 * /etc/logrotate.d/blueox-oxd), run by the real logrotate on the files of a
 * real oxd: with -f while oxd writes under load, nothing is lost, every file
 * (compressed ones too) reads with oxview, and oxd keeps running; without -f
 * only finished files are touched.
 *
 * The only changes to the shipped file: its paths point to the test's log
 * folder, `su` names the user running the test (there is no _blueox here),
 * and the SIGHUP goes to the test's oxd by pid instead of through systemctl.
 */
import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { decodeMulti } from '@msgpack/msgpack';
import { eventFrames, listFiles, utcDay } from '../helpers/events';
import { Oxd, REPO, startOxd, tempDir } from '../helpers/oxd-process';
import { openFiles, waitUntil } from '../helpers/proc';
import { runTool } from '../helpers/tool';
import { ZmtpPeer } from '../helpers/zmtp-peer';

const SHIPPED = path.join(REPO, 'etc', 'logrotate', 'blueox-oxd');
const HUP_LINE = '[ ! -d /run/systemd/system ] || systemctl kill --kill-whom=main --signal=HUP oxd.service >/dev/null 2>&1 || true';

/** The shipped configuration, pointed at `oxd`'s log folder. */
function configFor(oxd: Oxd, dir: string): string {
  const text = fs.readFileSync(SHIPPED, 'utf8');
  const user = os.userInfo().username;
  const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
  for (const expected of ['/var/log/blueox/*/*.log {', 'su _blueox _blueox', HUP_LINE]) {
    if (!text.includes(expected)) throw new Error(`the shipped logrotate file no longer has: ${expected}`);
  }
  const conf = path.join(dir, 'logrotate.conf');
  fs.writeFileSync(
    conf,
    text
      .replace('/var/log/blueox/*/*.log {', `${oxd.logPath}/*/*.log {`)
      .replace('su _blueox _blueox', `su ${user} ${group}`)
      .replace(HUP_LINE, `kill -HUP ${oxd.pid}`),
    { mode: 0o644 },
  );
  return conf;
}

interface Rotation {
  code: number | null;
  output: string;
}

function logrotate(conf: string, state: string, force: boolean): Promise<Rotation> {
  const child = spawn('logrotate', [...(force ? ['-f'] : []), '-v', '-s', state, conf], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, killSignal: 'SIGKILL' });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

/** Every event in a log file, compressed or not, with the project's msgpack reader. */
function eventsIn(file: string): any[] {
  const bytes = fs.readFileSync(file);
  return [...decodeMulti(file.endsWith('.gz') ? zlib.gunzipSync(bytes) : bytes)];
}

/** Senders that keep several connections busy until stopped, numbering each event per type. */
class Load {
  readonly sent = new Map<string, number>();
  private running = true;
  private readonly loops: Promise<void>[] = [];

  constructor(peers: ZmtpPeer[], types: string[]) {
    peers.forEach((peer, p) => {
      const type = types[p % types.length];
      this.loops.push(this.loop(peer, type, p));
    });
  }

  private async loop(peer: ZmtpPeer, type: string, sender: number): Promise<void> {
    let i = 0;
    while (this.running) {
      // Completed socket writes call back through process.nextTick: let timers and I/O run too.
      await new Promise((resolve) => setImmediate(resolve));
      let last: Promise<void> = Promise.resolve();
      for (let k = 0; k < 100; k++, i++) last = peer.send(eventFrames({ type, body: { sender, i } }));
      await last;
      this.sent.set(type, (this.sent.get(type) ?? 0) + 100);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  get total(): number {
    return [...this.sent.values()].reduce((a, b) => a + b, 0);
  }
}

test('logrotate -f under load: no event lost, compressed and renamed files read by oxview, oxd not restarted', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const dir = tempDir('blueox-logrotate-');
  const conf = configFor(oxd, dir);
  const state = path.join(dir, 'state');
  const day = utcDay();

  // A quiet type: its file stays open in oxd, idle, while the busy ones are rotated.
  const quiet = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => quiet.destroy());
  for (let i = 0; i < 10; i++) await quiet.send(eventFrames({ type: 'quiet', body: { i } }));
  await oxd.waitForStatus((s) => s.events.quiet?.written === 10);
  const quietFile = path.join(oxd.logPath!, day, `quiet-${day}.log`);
  t.true(openFiles(oxd.pid).includes(quietFile), 'oxd holds the quiet file open');

  const peers = await Promise.all([0, 1, 2, 3].map(() => ZmtpPeer.connect(oxd.collect)));
  t.teardown(() => peers.forEach((p) => p.destroy()));
  const load = new Load(peers, ['request', 'request.db', 'worker']);
  t.teardown(() => load.stop());
  await oxd.waitForStatus((s) => s.totals.written >= 30_000);

  const first = await logrotate(conf, state, true);
  t.is(first.code, 0, first.output);
  const firstSecond = Math.floor(Date.now() / 1000);
  await oxd.waitForStatus((s) => s.totals.written >= 100_000);
  // Rotated names carry the time to the second: a second run needs a new second.
  await waitUntil(() => Math.floor(Date.now() / 1000) > firstSecond, 'the clock reaches the next second');
  const second = await logrotate(conf, state, true);
  t.is(second.code, 0, second.output);
  await oxd.waitForStatus((s) => s.totals.written >= 150_000);

  await load.stop();
  for (let i = 10; i < 20; i++) await quiet.send(eventFrames({ type: 'quiet', body: { i } }));
  const expected = Object.fromEntries([...load.sent, ['quiet', 20]]);
  const total = load.total + 20;
  const status = await oxd.waitForStatus((s) => s.totals.written === total, 30_000);
  t.is(status.totals.dropped, 0);

  // The same oxd all along. It notices a rename before its next write (STATUS "reopened"), and
  // lets go of every file on the SIGHUP the configuration sends when the renamed file is still
  // open (always for the quiet file, which oxd holds without writing).
  t.is(oxd.child.exitCode, null);
  t.is(oxd.child.signalCode, null);
  await oxd.waitForStderr(/reopening log files/);
  t.log(`oxd noticed ${status.sinks.file.reopened} renames by itself; SIGHUPs: ${(oxd.stderr.match(/reopening log files/g) ?? []).length}`);

  const all = listFiles(oxd.logPath!);
  const compressed = all.filter((f) => /-rotated\d{14}\.log\.gz$/.test(f));
  t.true(compressed.length >= 4, `compressed rotated files: ${all.join(' ')}`);
  t.true(compressed.some((f) => f.startsWith(`${day}/quiet-${day}-rotated`)), 'the idle file oxd held was rotated too');
  t.deepEqual(all.filter((f) => !/\.log(\.gz)?$/.test(f)), [], 'nothing but log files and archives');

  // Every event sent is in exactly one file, in order per sender.
  const byType = new Map<string, any[]>();
  for (const f of all) {
    const events = eventsIn(path.join(oxd.logPath!, f));
    const type = events[0]?.type;
    t.true(events.every((e) => e.type === type), f);
    byType.set(type, [...(byType.get(type) ?? []), ...events]);
  }
  t.deepEqual(Object.fromEntries([...byType].map(([type, events]) => [type, events.length])), expected);
  t.log(`${total} events in ${all.length} files (${compressed.length} rotated and compressed): ${JSON.stringify(expected)}`);
  for (const [type, events] of byType) {
    const seen = new Set(events.map((e) => `${e.body.sender}:${e.body.i}`));
    t.is(seen.size, events.length, `${type}: no event twice`);
  }

  // oxview reads every file, and finds every event by type and date under the log path.
  for (const f of all) {
    const r = await runTool('oxview', [path.join(oxd.logPath!, f)]);
    t.is(r.code, 0, `${f}: ${r.stderr}`);
    t.is(r.stdout.trim().split('\n').length, eventsIn(path.join(oxd.logPath!, f)).length, f);
  }
  for (const [type, n] of Object.entries(expected)) {
    const r = await runTool('oxview', ['-l', oxd.logPath!, '-n', type, '--start-date', day]);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout.trim().split('\n').length, n, `oxview -l -n ${type}`);
  }
});

test('a daily (not forced) run compresses only finished files: a past day\'s, not the one oxd writes', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const dir = tempDir('blueox-logrotate-');
  const conf = configFor(oxd, dir);
  const day = utcDay();
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  for (let i = 0; i < 50; i++) await peer.send(eventFrames({ type: 'request', body: { i } }));
  await oxd.waitForStatus((s) => s.totals.written === 50);
  const current = path.join(oxd.logPath!, day, `request-${day}.log`);
  const currentIno = fs.statSync(current).ino;

  // A finished file from an earlier day, untouched for three days: its events' bodies, one after another.
  const oldDir = path.join(oxd.logPath!, '20200101');
  fs.mkdirSync(oldDir);
  const old = path.join(oldDir, 'request-20200101.log');
  const noon = Date.UTC(2020, 0, 1, 12) / 1000;
  fs.writeFileSync(old, Buffer.concat(Array.from({ length: 50 }, (_, i) => eventFrames({ type: 'request', end: noon + i, body: { i } })[1])));
  const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
  fs.utimesSync(old, threeDaysAgo, threeDaysAgo);
  // Both files known to logrotate since long ago, as on a system where it runs every day.
  const state = path.join(dir, 'state');
  fs.writeFileSync(state, `logrotate state -- version 2\n"${old}" 2020-1-1-0:0:0\n"${current}" 2020-1-1-0:0:0\n`, { mode: 0o600 });

  const run = await logrotate(conf, state, false);
  t.is(run.code, 0, run.output);
  t.deepEqual(fs.readdirSync(oldDir).map((f) => f.replace(/rotated\d{14}/, 'rotatedSTAMP')), ['request-20200101-rotatedSTAMP.log.gz']);
  const archive = path.join(oldDir, fs.readdirSync(oldDir)[0]);
  t.is(eventsIn(archive).length, 50);
  const r = await runTool('oxview', ['-l', oxd.logPath!, '-n', 'request', '--start-date', '20200101']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim().split('\n').length, 50, r.stderr);
  // The file oxd writes is left alone.
  t.is(fs.statSync(current).ino, currentIno);
  t.deepEqual(fs.readdirSync(path.join(oxd.logPath!, day)), [`request-${day}.log`]);
  for (let i = 50; i < 60; i++) await peer.send(eventFrames({ type: 'request', body: { i } }));
  await oxd.waitForStatus((s) => s.totals.written === 60);
  t.is(eventsIn(current).length, 60);
  t.is((await oxd.control.request({ cmd: 'STATUS' })).sinks.file.reopened, 0);
});
