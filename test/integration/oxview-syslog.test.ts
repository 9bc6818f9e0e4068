/**
 * `oxview --syslog` and `--rfc5424` on what a real oxd stored from util-linux
 * `logger` (RFC 3164 and RFC 5424, with and without a pid, structured data
 * with escapes, a message of two lines, non-ASCII text) and from a plain
 * socket (no hostname, no syslog at all): from the dated files and live from
 * oxd's stream. Every expected line is made from what was sent (logger
 * prints the line it sends with -s), in one time zone with a half-hour
 * offset shared by logger, oxd, oxview and this test.
 */
const ZONE = 'America/St_Johns';
process.env.TZ = ZONE;

import { spawn } from 'node:child_process';
import * as net from 'node:net';
import test from 'ava';
import { runCommand } from '../helpers/command';
import { eventFrames } from '../helpers/events';
import { eventsOfType } from '../helpers/oxd-events';
import { startOxd } from '../helpers/oxd-process';
import { waitUntil } from '../helpers/proc';
import { runTool, toolPath } from '../helpers/tool';
import { ZmtpPeer } from '../helpers/zmtp-peer';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const env = { ...process.env, TZ: ZONE };

/** What one message should look like in each form. */
interface Expected {
  classic: string;
  rfc5424: string;
}

/** `Mmm dd hh:mm:ss` of an instant, in this process's zone (the one oxview runs in). */
function localStamp(ms: number): string {
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** The instant a BSD stamp written in this zone stands for, in the year nearest to now. */
function bsdInstant(stamp: string): number {
  const now = Date.now();
  const year = new Date(now).getFullYear();
  const candidates = [year - 1, year, year + 1].map((y) => new Date(`${stamp.slice(0, 6)} ${y} ${stamp.slice(7)}`).getTime());
  return candidates.reduce((best, c) => (Math.abs(c - now) < Math.abs(best - now) ? c : best));
}

/** Sends with logger -s, which prints the very line it sent; returns that line. */
async function logger(port: string, args: string[]): Promise<string> {
  const r = await runCommand('logger', ['-s', '-n', '127.0.0.1', '-P', port, '--tcp', ...args], { env });
  if (r.code !== 0) throw new Error(`logger failed: ${r.stderr}`);
  // With --octet-count the length comes first; the line ends with the newline logger adds.
  return r.stderr.replace(/^\d+ (?=<)/, '').replace(/\n$/, '');
}

/** An RFC 3164 line as logger sent it: `<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MESSAGE`. */
function from3164(sent: string, app: string, pid: string | null, message: string): Expected {
  const m = /^<(\d+)>(.{15}) (\S+) /.exec(sent)!;
  const iso = new Date(bsdInstant(m[2])).toISOString();
  return { classic: sent.slice(m[1].length + 2), rfc5424: `<${m[1]}>1 ${iso} ${m[3]} ${app} ${pid ?? '-'} - - ${message}` };
}

/** An RFC 5424 line as logger sent it: its own time written in this zone, so the classic time is its wall clock. */
function from5424(sent: string, app: string, pid: string | null, message: string): Expected {
  const [, stamp, host] = sent.split(' ');
  const wall = `${MONTHS[Number(stamp.slice(5, 7)) - 1]} ${String(Number(stamp.slice(8, 10))).padStart(2, ' ')} ${stamp.slice(11, 19)}`;
  const escaped = (s: string): string => s.replace(/\n/g, '#012');
  return { classic: `${wall} ${host} ${app}${pid === null ? '' : `[${pid}]`}: ${escaped(message)}`, rfc5424: escaped(sent) };
}

function sendRaw(port: string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(port), '127.0.0.1', () => s.end(text));
    s.on('error', reject);
    s.on('close', () => resolve());
  });
}

function spawnOxview(args: string[]) {
  const child = spawn(process.execPath, [toolPath('oxview'), ...args], { env: { ...env, BLUEOX_CLIENT_HOST: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, out, exited };
}

/** The complete lines so far (a pipe may hand over the last one in pieces). */
const lines = (stdout: string): string[] => stdout.slice(0, stdout.lastIndexOf('\n') + 1).split('\n').slice(0, -1);
const yyyymmdd = (ms: number): string => new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');

test('logger\'s messages as classic and RFC 5424 lines, from the files and live; other events stay JSON', async (t) => {
  const oxd = await startOxd({ args: ['--syslog', '127.0.0.1:0'], env: { TZ: ZONE } });
  t.teardown(() => oxd.stop());
  const port = (await oxd.waitForStderr(/ syslog=127\.0\.0\.1:(\d+)/))[1];
  const classicLive = spawnOxview(['-H', oxd.controlAddr, '--syslog']);
  t.teardown(() => classicLive.child.kill('SIGKILL'));
  const rfc5424Live = spawnOxview(['-H', oxd.controlAddr, '-n', 'syslog', '--rfc5424']);
  t.teardown(() => rfc5424Live.child.kill('SIGKILL'));
  await oxd.waitForStatus((s) => s.sinks.stream.subscriptions === 2);

  const expected: Expected[] = [];
  // One at a time, each stored before the next is sent: the files and the stream keep this order.
  const stored = (): Promise<unknown> => oxd.waitForStatus((s) => s.events.syslog?.written === expected.length);
  const send = async (form: '3164' | '5424', args: string[], app: string, pid: string | null, message: string): Promise<void> => {
    const sent = await logger(port, [...args, '-t', app, ...(pid === null ? [] : [`--id=${pid}`]), message]);
    expected.push(form === '3164' ? from3164(sent, app, pid, message) : from5424(sent, app, pid, message));
    await stored();
  };
  await send('3164', ['--rfc3164', '-p', 'cron.info'], 'cron', '4242', 'job done');
  await send('3164', ['--rfc3164', '-p', 'daemon.err'], 'backup', null, 'disk full');
  await send('3164', ['--rfc3164'], 'web', '7', 'grüße ✓ 日本');
  await send('5424', ['--rfc5424', '-p', 'local3.warning', '--msgid', 'ORD', '--sd-id', 'order@32473', '--sd-param', 'id="42"', '--sd-param', 'note="say \\"hi\\" [x\\] back\\\\slash"'], 'shop', '77', 'order placed');
  await send('5424', ['--rfc5424=notq'], 'app', null, 'no pid, no structured data');
  await send('5424', ['--rfc5424=notq', '--octet-count'], 'ml', '9', 'line one\nline two');

  // A local sender's line without a hostname: the sender's address stands in.
  const now = Math.floor(Date.now() / 1000) * 1000;
  await sendRaw(port, `<13>${localStamp(now)} app[7]: no hostname here\n`);
  expected.push({ classic: `${localStamp(now)} 127.0.0.1 app[7]: no hostname here`, rfc5424: `<13>1 ${new Date(now).toISOString()} 127.0.0.1 app 7 - - no hostname here` });
  await stored();
  // Not syslog at all: kept whole, shown at its arrival.
  await sendRaw(port, 'not syslog at all\n');
  expected.push({ classic: '', rfc5424: '' });
  await stored();
  const arrival = eventsOfType(oxd, 'syslog').at(-1).end * 1000;
  expected[expected.length - 1] = { classic: `${localStamp(arrival)} 127.0.0.1 not syslog at all`, rfc5424: `<13>1 ${new Date(Math.round(arrival)).toISOString()} 127.0.0.1 - - - - not syslog at all` };

  // Another type: printed as JSON where no type filter hides it.
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  await peer.send(eventFrames({ type: 'request', body: { path: '/' } }));
  await oxd.waitForStatus((s) => s.events.request?.written === 1);

  const classic = expected.map((e) => e.classic);
  const rfc5424 = expected.map((e) => e.rfc5424);
  // At least as many lines as expected, then compared: a view with a line too many or a wrong one fails on the comparison, showing it.
  await waitUntil(() => lines(classicLive.out.stdout).length >= classic.length + 1, 'the classic live view had every event').catch((err: Error) => {
    throw new Error(`${err.message}; it printed:\n${classicLive.out.stdout}\nand on stderr:\n${classicLive.out.stderr}`);
  });
  await waitUntil(() => lines(rfc5424Live.out.stdout).length >= rfc5424.length, 'the RFC 5424 live view had every syslog event').catch((err: Error) => {
    throw new Error(`${err.message}; it printed:\n${rfc5424Live.out.stdout}\nand on stderr:\n${rfc5424Live.out.stderr}`);
  });
  const live = lines(classicLive.out.stdout);
  t.deepEqual(live.slice(0, -1), classic);
  t.like(JSON.parse(live.at(-1)!), { type: 'request', body: { path: '/' } });
  t.deepEqual(lines(rfc5424Live.out.stdout), rfc5424);

  // The dated files, from yesterday to tomorrow (UTC) so that no midnight moves them out of the range.
  const range = ['--start-date', yyyymmdd(Date.now() - 86_400_000), '--end-date', yyyymmdd(Date.now() + 86_400_000)];
  const all = await runTool('oxview', ['-l', oxd.logPath!, ...range, '--syslog'], { env: { TZ: ZONE } });
  t.is(all.code, 0, all.stderr);
  const [json, text] = [lines(all.stdout).filter((l) => l.startsWith('{')), lines(all.stdout).filter((l) => !l.startsWith('{'))];
  t.deepEqual(text, classic);
  t.is(json.length, 1);
  t.like(JSON.parse(json[0]), { type: 'request' });
  const only = await runTool('oxview', ['-l', oxd.logPath!, ...range, '-n', 'syslog', '--rfc5424'], { env: { TZ: ZONE } });
  t.is(only.code, 0, only.stderr);
  t.deepEqual(lines(only.stdout), rfc5424);

  // Another zone moves every classic time by the difference, and nothing else.
  const utc = await runTool('oxview', ['-l', oxd.logPath!, ...range, '-n', 'syslog', '--syslog'], { env: { TZ: 'UTC' } });
  t.is(utc.code, 0, utc.stderr);
  const syslogEvents = eventsOfType(oxd, 'syslog');
  t.deepEqual(
    lines(utc.stdout).map((l) => l.slice(16)),
    classic.map((l) => l.slice(16)),
  );
  t.deepEqual(
    lines(utc.stdout).map((l) => l.slice(0, 15)),
    syslogEvents.map((e) => new Date(Math.floor(e.end) * 1000).toUTCString().replace(/^\w+, (\d\d) (\w+) \d+ ([\d:]+) GMT$/, (_, d, m, hms) => `${m} ${d.replace(/^0/, ' ')} ${hms}`)),
  );

  classicLive.child.kill('SIGINT');
  rfc5424Live.child.kill('SIGTERM');
  t.is(await classicLive.exited, 0);
  t.is(await rfc5424Live.exited, 0);
});

test('--syslog and --rfc5424 together, or with --group, are usage errors', async (t) => {
  const both = await runTool('oxview', ['--syslog', '--rfc5424', '-']);
  t.is(both.code, 2);
  t.regex(both.stderr, /give --syslog or --rfc5424, not both/);
  const grouped = await runTool('oxview', ['--rfc5424', '--group', '-']);
  t.is(grouped.code, 2);
  t.regex(grouped.stderr, /--rfc5424 prints one line per event: it does not go with --group/);
});
