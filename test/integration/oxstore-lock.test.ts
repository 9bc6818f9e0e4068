/**
 * The store lock between oxstore runs: a zip frozen (SIGSTOP) in the middle
 * of its work holds <log-path>/.oxstore.lock; a second zip or prune says who
 * holds it and exits 1, `--wait N` gives up after N seconds, `--wait` waits
 * until the holder is done. A lock left by a dead process is taken over; one
 * held by a live process is respected.
 */
import test from 'ava';
import { encode } from '@msgpack/msgpack';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { utcDay } from '../helpers/events';
import { tempDir } from '../helpers/oxd-process';
import { waitUntil } from '../helpers/proc';
import { runTool, toolPath } from '../helpers/tool';

const DAY = 86_400_000;
const dayAgo = (n: number): string => utcDay(Date.now() - n * DAY);

/** A log path where zip has a file of about `mb` MB (three days old) to compress and a small newer one to keep. */
function setup(mb = 1): { root: string; file: string } {
  const root = tempDir();
  const [d3, d2] = [dayAgo(3), dayAgo(2)];
  const file = path.join(root, d3, `request-${d3}.log`);
  const pad = randomBytes(mb * 512 * 1024).toString('hex');
  const parts: Buffer[] = [];
  for (let i = 0, at = 0; at < pad.length; i++, at += 4000) parts.push(Buffer.from(encode({ id: String(i), type: 'request', body: { pad: pad.slice(at, at + 4000) } })));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.concat(parts));
  fs.mkdirSync(path.join(root, d2));
  fs.writeFileSync(path.join(root, d2, `request-${d2}.log`), encode({ id: 'x', type: 'request', body: {} }));
  return { root, file };
}

function lockFile(root: string, holder: object): void {
  fs.writeFileSync(path.join(root, '.oxstore.lock'), JSON.stringify(holder) + '\n');
}

// Serial: the poll that catches the first zip in the middle must not wait behind other tests' work.
test.serial('while a zip holds the lock, another zip or prune names the holder and exits 1; --wait N gives up, --wait waits', async (t) => {
  const { root, file } = setup(32);
  const holder = spawn(process.execPath, [toolPath('oxstore'), 'zip', '-p', root], { stdio: 'ignore' });
  t.teardown(() => holder.kill('SIGKILL'));
  const holderExit = new Promise<number | null>((resolve) => holder.once('exit', (code) => resolve(code)));
  await waitUntil(() => fs.existsSync(`${file}.gz.tmp`), 'the first zip is compressing', 30_000);
  holder.kill('SIGSTOP');

  for (const args of [['zip'], ['prune'], ['zip', '--dry-run']]) {
    const r = await runTool('oxstore', [...args, '-p', root]);
    t.is(r.code, 1, args.join(' '));
    t.regex(r.stderr, new RegExp(`is locked by "oxstore zip" \\(pid ${holder.pid} on ${os.hostname()}, since .*\\): running; try again later, or use --wait`));
    t.is(r.stdout, '');
  }
  const started = Date.now();
  const gaveUp = await runTool('oxstore', ['prune', '--wait', '1', '-p', root]);
  t.is(gaveUp.code, 1);
  t.true(Date.now() - started >= 1000, 'it waited its second');
  t.regex(gaveUp.stderr, /is locked by "oxstore zip"/);

  // Started while the holder is frozen with the lock: without waiting it would exit 1 at once.
  const waiter = runTool('oxstore', ['zip', '--wait', '-p', root]);
  holder.kill('SIGCONT');
  const r = await waiter;
  t.is(await holderExit, 0);
  t.is(r.code, 0, r.stderr);
  t.true(r.stderr.includes(`is locked by "oxstore zip" (pid ${holder.pid} on ${os.hostname()}, since `), r.stderr);
  t.regex(r.stderr, /; waiting\n$/);
  t.regex(r.stdout, /^zip: 0 zipped; 0 finished, 1 kept/m, 'the holder had done the work');
  t.true(fs.existsSync(`${file}.gz`));
  t.false(fs.existsSync(path.join(root, '.oxstore.lock')));
});

test('a lock whose process is gone is taken over; one held by a live process is respected, whatever the command', async (t) => {
  const { root, file } = setup();
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  lockFile(root, { pid: dead, host: os.hostname(), command: 'oxstore zip', since: '2026-01-01T00:00:00Z', procStart: null });
  const r = await runTool('oxstore', ['zip', '-p', root]);
  t.is(r.code, 0, r.stderr);
  t.true(fs.existsSync(`${file}.gz`));
  t.false(fs.existsSync(path.join(root, '.oxstore.lock')));

  lockFile(root, { pid: process.pid, host: os.hostname(), command: 'oxstore prune', since: '2026-01-01T00:00:00Z', procStart: null });
  const held = await runTool('oxstore', ['prune', '-p', root]);
  t.is(held.code, 1);
  t.true(held.stderr.includes(`is locked by "oxstore prune" (pid ${process.pid} on ${os.hostname()}, since 2026-01-01T00:00:00Z): running`), held.stderr);
  t.true(fs.existsSync(path.join(root, '.oxstore.lock')), 'a live holder keeps its lock');

  lockFile(root, { pid: dead, host: 'another-host', command: 'oxstore zip', since: '2026-01-01T00:00:00Z', procStart: null });
  const remote = await runTool('oxstore', ['zip', '-p', root]);
  t.is(remote.code, 1, 'a holder on another host cannot be checked, so it is respected');
  t.regex(remote.stderr, /pid \d+ on another-host.*: on another host/);
});

test('list and cat need no lock; a missing log path is a runtime failure (exit 1)', async (t) => {
  const { root } = setup();
  lockFile(root, { pid: process.pid, host: os.hostname(), command: 'oxstore zip', since: '2026-01-01T00:00:00Z', procStart: null });
  const list = await runTool('oxstore', ['list', '-p', root]);
  t.is(list.code, 0, list.stderr);
  t.is(list.stdout.trim().split('\n').length, 2);
  const cat = await runTool('oxstore', ['cat', 'request', '-s', dayAgo(2), '-p', root]);
  t.is(cat.code, 0, cat.stderr);
  for (const cmd of [['zip'], ['prune'], ['list'], ['cat', 'request']]) {
    const r = await runTool('oxstore', [...cmd, '-p', path.join(root, 'missing')]);
    t.is(r.code, 1, cmd.join(' '));
    t.regex(r.stderr, /^oxstore: .*missing/);
  }
});
