/**
 * oxview's syslog lines against Debian's rsyslog: the same bytes sent to
 * rsyslogd and to oxd; what rsyslog writes with its traditional file
 * template must be what `oxview --syslog` prints for RFC 3164 messages, and
 * what it writes with its RFC 5424 template (RSYSLOG_SyslogProtocol23Format)
 * what `oxview --rfc5424` prints for RFC 5424 messages. For RFC 5424
 * messages in the classic form the one difference is the colon after the
 * tag, which rsyslog leaves out there and oxview writes (man oxview).
 */
const ZONE = 'America/St_Johns';
process.env.TZ = ZONE;

import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import test from 'ava';
import { startOxd, tempDir } from '../helpers/oxd-process';
import { waitUntil } from '../helpers/proc';
import { toolPath } from '../helpers/tool';

const env = { ...process.env, TZ: ZONE };

/** rsyslogd in the foreground on a free TCP port, writing both templates; stopped by its pid. */
async function startRsyslog(t: any): Promise<{ port: number; traditional: string; rfc5424: string }> {
  const dir = tempDir('blueox-rsyslog-');
  const conf = path.join(dir, 'rsyslog.conf');
  const portFile = path.join(dir, 'port');
  const traditional = path.join(dir, 'traditional.log');
  const rfc5424 = path.join(dir, 'rfc5424.log');
  // No DNS: a message without a hostname shows the sender's address, as in oxd.
  fs.writeFileSync(
    conf,
    `global(workDirectory="${dir}" net.enableDNS="off")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="0" listenPortFileName="${portFile}")
action(type="omfile" file="${traditional}" template="RSYSLOG_TraditionalFileFormat")
action(type="omfile" file="${rfc5424}" template="RSYSLOG_SyslogProtocol23Format")
`,
  );
  const child: ChildProcess = spawn('rsyslogd', ['-n', '-f', conf, '-i', path.join(dir, 'pid')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  t.teardown(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  await waitUntil(() => fs.existsSync(portFile) && /^\d+$/.test(fs.readFileSync(portFile, 'utf8').trim()), `rsyslogd listened (${stderr})`);
  return { port: Number(fs.readFileSync(portFile, 'utf8').trim()), traditional, rfc5424 };
}

function send(port: number, text: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(text));
    s.on('error', reject);
    s.on('close', () => resolve());
  });
}

/** Octet-counted frames (RFC 6587), so a message may hold a newline. */
const framed = (messages: string[]): Buffer => Buffer.concat(messages.map((m) => Buffer.concat([Buffer.from(`${Buffer.byteLength(m)} `), Buffer.from(m)])));
const fileLines = (file: string): string[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(0, -1) : []);
const pipeLines = (stdout: string): string[] => stdout.slice(0, stdout.lastIndexOf('\n') + 1).split('\n').slice(0, -1);

/** Each live view subscribes to its own topic (one to all types), so oxd counts two subscriptions. */
function liveView(t: any, control: string, args: string[]) {
  const child = spawn(process.execPath, [toolPath('oxview'), '-H', control, ...args], { env: { ...env, BLUEOX_CLIENT_HOST: '' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const out = { stdout: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  t.teardown(() => child.kill('SIGKILL'));
  return out;
}

const BSD = 'Dec  4 16:02:44';
const RFC3164 = [
  `<30>${BSD} host1 cron[4242]: job done`,
  `<27>${BSD} host1 backup: disk full`,
  `<13>${BSD} host1 app: tab\there and\x01control`,
  `<13>${BSD} host1 app:no space after the colon`,
  `<13>${BSD} host1 app:   three spaces`,
  `<13>${BSD} host1 web[7]: grüße ✓ 日本`,
  `<13>${BSD} host1 app: two\nlines`,
  `<13>${BSD} app[7]: no hostname`,
];
const STAMP = '2024-12-04T16:02:44.000320-03:30';
const RFC5424 = [
  `<156>1 ${STAMP} host1 shop 77 ORD [timeQuality tzKnown="1" isSynced="0"][order@32473 id="42" note="say \\"hi\\" [x\\] back\\\\slash"] order placed`,
  `<13>1 ${STAMP} host1 app - - - no pid, no structured data`,
  `<13>1 ${STAMP} host1 - 99 - - no app`,
  `<13>1 ${STAMP} host1 ml 9 - - line one\nline two\ttabbed`,
  `<13>1 2024-12-04T16:02:44Z host1 utc - - - written in UTC`,
];

test('rsyslog\'s traditional and RFC 5424 files and oxview --syslog / --rfc5424 agree on the same messages', async (t) => {
  const rsyslog = await startRsyslog(t);
  const oxd = await startOxd({ args: ['--syslog', '127.0.0.1:0'], env: { TZ: ZONE }, logPath: null });
  t.teardown(() => oxd.stop());
  const port = Number((await oxd.waitForStderr(/ syslog=127\.0\.0\.1:(\d+)/))[1]);
  const classic = liveView(t, oxd.controlAddr, ['--syslog']);
  const rfc5424 = liveView(t, oxd.controlAddr, ['-n', 'syslog', '--rfc5424']);
  await oxd.waitForStatus((s) => s.sinks.stream.subscriptions === 2);

  const bytes = framed([...RFC3164, ...RFC5424]);
  await Promise.all([send(rsyslog.port, bytes), send(port, bytes)]);
  const n = RFC3164.length + RFC5424.length;
  await waitUntil(() => fileLines(rsyslog.traditional).length === n && fileLines(rsyslog.rfc5424).length === n, 'rsyslog wrote every message');
  await waitUntil(() => pipeLines(classic.stdout).length === n && pipeLines(rfc5424.stdout).length === n, 'oxview printed every message');

  const [theirClassic, ourClassic] = [fileLines(rsyslog.traditional), pipeLines(classic.stdout)];
  t.deepEqual(ourClassic.slice(0, RFC3164.length), theirClassic.slice(0, RFC3164.length), 'RFC 3164 messages, classic');
  t.deepEqual(pipeLines(rfc5424.stdout).slice(RFC3164.length), fileLines(rsyslog.rfc5424).slice(RFC3164.length), 'RFC 5424 messages, RFC 5424');
  // The messages written in this zone's offset: the same line but the colon after the tag.
  const inZone = RFC5424.length - 1;
  const withColon = theirClassic.slice(RFC3164.length, RFC3164.length + inZone).map((l) => l.replace(/^(.{15} \S+ \S+)/, '$1:'));
  t.deepEqual(ourClassic.slice(RFC3164.length, RFC3164.length + inZone), withColon, 'RFC 5424 messages, classic');
  // rsyslog writes the wall clock as written (16:02:44 in UTC); oxview the same instant in its zone.
  t.is(theirClassic.at(-1), 'Dec  4 16:02:44 host1 utc written in UTC');
  t.is(ourClassic.at(-1), 'Dec  4 12:32:44 host1 utc: written in UTC');
});
