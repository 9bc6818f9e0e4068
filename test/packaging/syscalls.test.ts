/**
 * The sandboxes of the packaged units let their programs do what they do.
 * Without a booted systemd the filters cannot be applied here, so each
 * packaged program runs its normal work under strace instead, and every
 * system call it makes must be allowed by its unit's SystemCallFilter= lines
 * (expanded with systemd-analyze syscall-filter), every socket it creates of
 * a family in RestrictAddressFamilies=. (libzmq, for one, sets its threads'
 * scheduling policy and reads the network interfaces when it binds, and
 * aborts if either is refused.) test/system boots the units for real.
 */
import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listFiles } from '../helpers/events';
import { startOxd, tempDir } from '../helpers/oxd-process';
import { Output } from '../helpers/output';
import { notifyListener } from '../helpers/systemd-stand-ins';
import { cleanEnv, extractedRoot, parseUnit, runExtracted, unitText } from './packages';

const groupCache = new Map<string, string[]>();

/** The members of a system call group, as `systemd-analyze syscall-filter @group` lists them. */
function groupMembers(group: string): string[] {
  let members = groupCache.get(group);
  if (members === undefined) {
    const out = execFileSync('systemd-analyze', ['syscall-filter', group], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    // (group names have dashes: @basic-io)
    members = out.split('\n').filter((l) => /^\s+[@a-z0-9_-]+$/.test(l)).map((l) => l.trim());
    if (members.length === 0) throw new Error(`systemd-analyze knows no system call group ${group}`);
    groupCache.set(group, members);
  }
  return members;
}

function expand(names: string[]): Set<string> {
  const out = new Set<string>();
  const add = (n: string): void => {
    if (n.startsWith('@')) groupMembers(n).forEach(add);
    else out.add(n);
  };
  names.forEach(add);
  return out;
}

interface Sandbox {
  syscalls: Set<string>;
  families: Set<string>;
}

/** What a unit's SystemCallFilter= lines (in order: the first an allow list) and RestrictAddressFamilies= allow. */
function sandboxOf(unit: string): Sandbox {
  const service = parseUnit(unitText(unit)).get('Service')!;
  const lines = service.get('SystemCallFilter') ?? [];
  if (lines.length === 0 || lines[0].startsWith('~')) throw new Error(`${unit}: expected an allow list first`);
  // In an allow list, systemd always permits @default too.
  const allowed = expand(['@default']);
  for (const line of lines) {
    const deny = line.startsWith('~');
    for (const name of expand(line.replace(/^~/, '').trim().split(/\s+/))) {
      if (deny) allowed.delete(name);
      else allowed.add(name);
    }
  }
  const families = new Set((service.get('RestrictAddressFamilies') ?? []).flatMap((l) => l.split(/\s+/)));
  return { syscalls: allowed, families };
}

interface Traced {
  syscalls: Set<string>;
  families: Set<string>;
}

/** The system calls and socket families in an `strace -f -o` file. */
function readTrace(file: string): Traced {
  const syscalls = new Set<string>();
  const families = new Set<string>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^\d+\s+(?:<\.\.\. ([a-z0-9_]+) resumed>|([a-z0-9_]+)\()/.exec(line);
    if (!m) continue;
    syscalls.add(m[1] ?? m[2]);
    const socket = /^\d+\s+socket\((AF_[A-Z0-9]+)/.exec(line);
    if (socket) families.add(socket[1]);
  }
  return { syscalls, families };
}

const groups = new Set<number>();
/** Kills process group `pgid` (strace and what it traces), if any of it is left. */
function killGroup(pgid: number): void {
  groups.delete(pgid);
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // all gone already
  }
}
// Should the worker end before the teardowns ran, nothing traced outlives it either.
process.once('exit', () => [...groups].forEach(killGroup));

/**
 * Runs an extracted program under strace (signals for the program go to its own pid, not
 * strace's). strace and the program are a process group of their own, killed whole at teardown:
 * killing strace alone would leave the program running, detached.
 */
function straced(t: any, file: string, program: string, args: string[], env: NodeJS.ProcessEnv = {}, user?: string) {
  const child = spawn('strace', ['-f', '-qq', '-o', file, ...(user ? ['-u', user] : []), path.join(extractedRoot(), program), ...args], {
    cwd: os.tmpdir(),
    env: cleanEnv(env),
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  groups.add(child.pid!);
  t.teardown(() => killGroup(child.pid!));
  return child;
}

/** The pid of the program strace (pid `stracePid`) started: its only child. */
function tracedPid(stracePid: number): number {
  const children = fs.readFileSync(`/proc/${stracePid}/task/${stracePid}/children`, 'utf8').trim().split(/\s+/);
  if (children.length !== 1) throw new Error(`strace ${stracePid} has children ${children.join(' ')}`);
  return Number(children[0]);
}

function within(t: any, what: string, traced: Traced, sandbox: Sandbox): void {
  t.deepEqual([...traced.syscalls].filter((s) => !sandbox.syscalls.has(s)).sort(), [], `${what}: system calls outside the filter`);
  t.deepEqual([...traced.families].filter((f) => !sandbox.families.has(f)).sort(), [], `${what}: socket families outside RestrictAddressFamilies=`);
  t.log(`${what}: ${traced.syscalls.size} different system calls, sockets ${[...traced.families].sort().join(' ')}`);
}

function exited(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

test('oxd.service: oxd --check-config and oxd at work (notify, events, status, SIGHUP, stop) stay within its filters', async (t) => {
  const root = extractedRoot();
  const sandbox = sandboxOf('oxd.service');
  const dir = tempDir('blueox-strace-');
  const conf = path.join(root, 'etc/blueox/oxd.conf');

  const check = straced(t, path.join(dir, 'check.trace'), 'usr/sbin/oxd', ['--check-config', '--config', conf]);
  check.stdin!.end();
  t.is(await exited(check), 0);
  within(t, 'oxd --check-config', readTrace(path.join(dir, 'check.trace')), sandbox);

  const notify = path.join(dir, 'notify');
  const notes = await notifyListener(t, notify);
  const oxd = straced(t, path.join(dir, 'oxd.trace'), 'usr/sbin/oxd',
    ['--config', conf, '-c', '127.0.0.1:0', '-t', '127.0.0.1:0', '--statsd', '127.0.0.1:0', '-l', path.join(dir, 'log'), '--admin-socket', path.join(dir, 'admin.sock')],
    { NOTIFY_SOCKET: notify, WATCHDOG_USEC: '400000' });
  oxd.stdin!.end();
  const stderr = new Output(oxd.stderr!, 'oxd under strace');
  const done = exited(oxd);
  await notes.waitFor(/READY=1/, 60_000);
  const [, collect, control, pid] = await stderr.waitFor(/ready collect=(\S+) control=(\S+) .* pid=(\d+)/);
  const sent = await runExtracted('usr/bin/oxingest', ['-H', collect, 'traced'], { input: 'a\nb\n' });
  t.is(sent.code, 0, sent.stderr);
  let written = 0;
  const deadline = Date.now() + 20_000;
  while (written !== 2 && Date.now() < deadline) {
    const status = await runExtracted('usr/bin/oxctl', ['-H', control, '--raw']);
    // By type: the packaged oxd.conf has statsd on, whose intervals are written beside these.
    written = JSON.parse(status.stdout).events?.traced?.written ?? 0;
  }
  t.is(written, 2);
  const reopen = await runExtracted('usr/bin/oxctl', ['--admin-socket', path.join(dir, 'admin.sock'), 'reopen']);
  t.is(reopen.code, 0, reopen.stderr);
  process.kill(Number(pid), 'SIGHUP');
  await stderr.waitFor(/configuration reloaded/);
  await notes.waitFor(/WATCHDOG=1/);
  process.kill(Number(pid), 'SIGTERM');
  t.is(await done, 0, stderr.text);
  within(t, 'oxd', readTrace(path.join(dir, 'oxd.trace')), sandbox);
});

test('oxingest@.service: oxingest following a file through a rename stays within its filters', async (t) => {
  const sandbox = sandboxOf('oxingest@.service');
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const dir = tempDir('blueox-strace-');
  const file = path.join(dir, 'app.log');
  fs.writeFileSync(file, 'first\n');
  const ingest = straced(t, path.join(dir, 'ingest.trace'), 'usr/bin/oxingest',
    ['-H', oxd.collect, '--state-file', path.join(dir, 'state.json'), '--from-beginning', '--rotate-wait', '200', '-F', `app:${file}`]);
  ingest.stdin!.end();
  const done = exited(ingest);
  await oxd.waitForStatus((s) => s.totals.written === 1, 30_000);
  const ingestPid = tracedPid(ingest.pid!);
  fs.appendFileSync(file, 'second\n');
  fs.renameSync(file, `${file}.1`);
  fs.writeFileSync(file, 'third\n');
  await oxd.waitForStatus((s) => s.totals.written === 3, 30_000);
  process.kill(ingestPid, 'SIGTERM');
  t.is(await done, 0);
  t.true(fs.existsSync(path.join(dir, 'state.json')));
  within(t, 'oxingest -F', readTrace(path.join(dir, 'ingest.trace')), sandbox);
});

test('oxstore-archive.service: oxstore zip and prune stay within its filters', async (t) => {
  const sandbox = sandboxOf('oxstore-archive.service');
  const dir = tempDir('blueox-strace-');
  // As the service runs it: not as root (root's oxstore also gives archives their owner back).
  fs.chmodSync(dir, 0o755);
  const day = path.join(dir, 'log', '20200101');
  fs.mkdirSync(day, { recursive: true });
  fs.writeFileSync(path.join(day, 'a-20200101.log'), Buffer.from([0x80]));
  fs.mkdirSync(path.join(dir, 'log', '20200102'));
  fs.writeFileSync(path.join(dir, 'log', '20200102', 'a-20200102.log'), Buffer.from([0x80]));
  execFileSync('chown', ['-R', 'nobody:nogroup', path.join(dir, 'log')]);
  fs.writeFileSync(path.join(dir, 'zip.trace'), '');
  fs.writeFileSync(path.join(dir, 'prune.trace'), '');
  for (const [name, args] of [
    ['zip', ['zip', '--quiet', '--no-progress', '--wait', '10', '--log-path', path.join(dir, 'log')]],
    ['prune', ['prune', '--quiet', '--wait', '10', '--retain-days', '7', '--log-path', path.join(dir, 'log')]],
  ] as const) {
    const trace = path.join(dir, `${name}.trace`);
    const run = straced(t, trace, 'usr/bin/oxstore', [...args], {}, 'nobody');
    run.stdin!.end();
    let err = '';
    run.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    t.is(await exited(run), 0, err);
    within(t, `oxstore ${name}`, readTrace(trace), sandbox);
  }
  // The older file was gzipped, then pruned (older than 7 days); the newest of its type is never zipped.
  t.deepEqual(listFiles(path.join(dir, 'log')), ['20200102/a-20200102.log']);
});
