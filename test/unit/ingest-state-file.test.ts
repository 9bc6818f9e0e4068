import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultStatePath, loadState, StateFile, toPosition } from '../../src/ingest/state-file';

function tmp(t: any): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-state-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('default path: systemd StateDirectory, then XDG_STATE_HOME, then ~/.local/state', (t) => {
  t.is(defaultStatePath({ STATE_DIRECTORY: '/var/lib/oxingest', XDG_STATE_HOME: '/x' }, '/home/u'), '/var/lib/oxingest/oxingest.json');
  t.is(defaultStatePath({ STATE_DIRECTORY: '/var/lib/a:/var/lib/b' }, '/home/u'), '/var/lib/a/oxingest.json');
  t.is(defaultStatePath({ XDG_STATE_HOME: '/home/u/st' }, '/home/u'), '/home/u/st/blueox/oxingest.json');
  t.is(defaultStatePath({ XDG_STATE_HOME: 'relative' }, '/home/u'), '/home/u/.local/state/blueox/oxingest.json');
  t.is(defaultStatePath({ STATE_DIRECTORY: '' }, '/home/u'), '/home/u/.local/state/blueox/oxingest.json');
});

test('saved, loaded back; the folder is created; no temporary file is left; unchanged state is not rewritten', (t) => {
  const dir = tmp(t);
  const file = path.join(dir, 'deep', 'er', 'state.json');
  const s = new StateFile(file, new Map());
  s.set('/var/log/a.log', 'a', { ino: '18446744073709551615', offset: 42, fingerprint: 'ab' });
  s.set('/var/log/b.log', 'b', null); // nothing known: nothing recorded
  t.true(s.save());
  t.deepEqual(fs.readdirSync(path.dirname(file)), ['state.json']);
  const loaded = loadState(file);
  t.is(loaded.problem, null);
  t.deepEqual([...loaded.entries.keys()], ['/var/log/a.log']);
  t.deepEqual(toPosition(loaded.entries.get('/var/log/a.log')), { ino: '18446744073709551615', offset: 42, fingerprint: 'ab' });
  const mtime = fs.statSync(file).mtimeMs;
  s.set('/var/log/a.log', 'a', { ino: '18446744073709551615', offset: 42, fingerprint: 'ab' });
  t.false(s.save());
  t.is(fs.statSync(file).mtimeMs, mtime);
});

test('entries of other files are kept, also when another process writes them; a missing file is an empty state', (t) => {
  const dir = tmp(t);
  const file = path.join(dir, 'state.json');
  t.deepEqual(loadState(file), { entries: new Map(), problem: null });
  const first = new StateFile(file, new Map());
  first.set('/other.log', 'other', { ino: '1', offset: 5, fingerprint: null });
  first.save();
  const second = new StateFile(file, loadState(file).entries);
  second.set('/mine.log', 'mine', { ino: '2', offset: 7, fingerprint: 'f' });
  second.save();
  t.deepEqual([...loadState(file).entries.keys()], ['/mine.log', '/other.log']);
  // Two processes sharing the file: each changes only its own entries, neither undoes the other.
  first.set('/other.log', 'other', { ino: '1', offset: 9, fingerprint: null });
  first.save();
  second.set('/mine.log', 'mine', { ino: '2', offset: 11, fingerprint: 'g' });
  second.save();
  const both = loadState(file).entries;
  t.is(both.get('/other.log')!.offset, 9);
  t.is(both.get('/mine.log')!.offset, 11);
});

test('a damaged or foreign state file is reported and ignored; bad entries are skipped', (t) => {
  const dir = tmp(t);
  const file = path.join(dir, 'state.json');
  fs.writeFileSync(file, '{"version": 1, "files": {"/a": {"inode": "1", "offset'); // cut off
  const damaged = loadState(file);
  t.is(damaged.entries.size, 0);
  t.regex(damaged.problem!, /^ignoring .*state\.json: /);
  fs.writeFileSync(file, JSON.stringify({ version: 7, files: {} }));
  t.regex(loadState(file).problem!, /not an oxingest state file/);
  fs.writeFileSync(file, JSON.stringify({ version: 1, files: { '/ok': { inode: '3', offset: 1, fingerprint: null }, '/bad': { inode: 3, offset: -1 } } }));
  t.deepEqual([...loadState(file).entries.keys()], ['/ok']);
});

test('a state file that cannot be written throws (oxingest reports it and exits 1)', (t) => {
  const dir = tmp(t);
  fs.writeFileSync(path.join(dir, 'file'), '');
  const s = new StateFile(path.join(dir, 'file', 'state.json'), new Map());
  t.throws(() => s.save(true), { code: 'EEXIST' });
});
