/**
 * The store lock in-process: taking and releasing it, respecting a live
 * holder, taking over from a dead one (or from a reused pid), and the
 * leftovers of a run that died while creating or taking over the lock.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { holderState, LOCK_NAME, processStartTime, StoreLock } from '../../src/archive/lock';
import { tempDir } from '../helpers/oxd-process';

const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;
const holder = (over: object): string =>
  JSON.stringify({ pid: process.pid, host: os.hostname(), command: 'oxstore zip', since: '2026-01-01T00:00:00Z', procStart: processStartTime(process.pid), ...over }) + '\n';

test('the lock file holds our pid; a second attempt sees us; release removes it', (t) => {
  const root = tempDir();
  const a = StoreLock.tryAcquire(root, 'oxstore zip');
  if (!a.held) return t.fail('not held');
  const content = JSON.parse(fs.readFileSync(path.join(root, LOCK_NAME), 'utf8'));
  t.is(content.pid, process.pid);
  t.is(content.host, os.hostname());
  t.is(content.command, 'oxstore zip');
  t.is(content.procStart, processStartTime(process.pid));
  const b = StoreLock.tryAcquire(root, 'oxstore prune');
  t.false(b.held);
  if (!b.held) {
    t.is(b.holder?.pid, process.pid);
    t.is(b.why, 'running');
  }
  t.true(a.lock.stillHeld());
  a.lock.release();
  t.false(fs.existsSync(path.join(root, LOCK_NAME)));
  t.true(StoreLock.tryAcquire(root, 'oxstore prune').held);
});

test('release leaves a lock that is no longer ours', (t) => {
  const root = tempDir();
  const a = StoreLock.tryAcquire(root, 'oxstore zip');
  if (!a.held) return t.fail('not held');
  fs.writeFileSync(path.join(root, LOCK_NAME), holder({ command: 'someone else' }));
  t.false(a.lock.stillHeld());
  a.lock.release();
  t.true(fs.existsSync(path.join(root, LOCK_NAME)));
});

test('a dead holder, or a live pid started at another time (reused), is stale and taken over', (t) => {
  const root = tempDir();
  const file = path.join(root, LOCK_NAME);
  fs.writeFileSync(file, holder({ pid: deadPid() }));
  t.is(holderState(JSON.parse(fs.readFileSync(file, 'utf8'))), 'gone');
  const a = StoreLock.tryAcquire(root, 'oxstore zip');
  t.true(a.held);
  if (a.held) a.lock.release();
  fs.writeFileSync(file, holder({ procStart: '1' }));
  const b = StoreLock.tryAcquire(root, 'oxstore zip');
  t.true(b.held, 'the pid runs, but is not the process that took the lock');
  t.is(JSON.parse(fs.readFileSync(file, 'utf8')).procStart, processStartTime(process.pid));
});

test('a holder on another host is respected; so is a lock still being written, until it is old', (t) => {
  const root = tempDir();
  const file = path.join(root, LOCK_NAME);
  fs.writeFileSync(file, holder({ pid: deadPid(), host: 'elsewhere' }));
  const a = StoreLock.tryAcquire(root, 'oxstore zip');
  t.false(a.held);
  if (!a.held) t.is(a.why, 'on another host');
  fs.writeFileSync(file, '');
  const b = StoreLock.tryAcquire(root, 'oxstore zip');
  t.false(b.held);
  if (!b.held) t.is(b.why, 'the lock is being created');
  const old = (Date.now() - 60_000) / 1000;
  fs.utimesSync(file, old, old);
  t.true(StoreLock.tryAcquire(root, 'oxstore zip').held, 'an empty lock a minute old was left by a run that died creating it');
});

test('a takeover guard left by a dead run is cleared; a fresh one means someone else is taking over', (t) => {
  const root = tempDir();
  const file = path.join(root, LOCK_NAME);
  const guard = `${file}.takeover`;
  fs.writeFileSync(file, holder({ pid: deadPid() }));
  fs.writeFileSync(guard, '1');
  const a = StoreLock.tryAcquire(root, 'oxstore zip');
  t.false(a.held);
  if (!a.held) t.is(a.why, 'another oxstore is taking over its stale lock');
  const old = (Date.now() - 60_000) / 1000;
  fs.utimesSync(guard, old, old);
  const b = StoreLock.tryAcquire(root, 'oxstore zip');
  t.true(b.held);
  t.false(fs.existsSync(guard));
});

test('acquire waits for the holder to let go, or gives up after the time allowed', async (t) => {
  const root = tempDir();
  const file = path.join(root, LOCK_NAME);
  fs.writeFileSync(file, holder({}));
  const started = Date.now();
  const gaveUp = await StoreLock.acquire(root, 'oxstore zip', 200, 20);
  t.false(gaveUp.held);
  t.true(Date.now() - started >= 200);
  const waiting = StoreLock.acquire(root, 'oxstore zip', Infinity, 20); // its first attempt has run: busy
  fs.unlinkSync(file);
  const got = await waiting;
  t.true(got.held);
  if (got.held) got.lock.release();
});
