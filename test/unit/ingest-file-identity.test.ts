import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOldStream, fingerprintAt, fingerprintOf, identityOf, RecentBytes } from '../../src/ingest/file-identity';

function tmp(t: any): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingest-id-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const lines = (from: number, to: number): string => Array.from({ length: to - from }, (_, k) => `line ${from + k}\n`).join('');

test('a fingerprint covers the 256 bytes before an offset; kept bytes give the same one', (t) => {
  const dir = tmp(t);
  const file = path.join(dir, 'a.log');
  const text = lines(0, 100);
  fs.writeFileSync(file, text);
  const fd = fs.openSync(file, 'r');
  t.teardown(() => fs.closeSync(fd));
  const recent = new RecentBytes();
  for (let i = 0; i < text.length; i += 37) recent.add(Buffer.from(text.slice(i, i + 37)));
  t.is(recent.fingerprint() as string | null, fingerprintAt(fd, text.length));
  t.is(fingerprintAt(fd, 10), fingerprintOf(Buffer.from(text.slice(0, 10))));
  t.is(fingerprintAt(fd, text.length + 1), null);
  recent.reload(fd, 300);
  t.is(recent.fingerprint() as string | null, fingerprintAt(fd, 300));
  t.deepEqual(identityOf(file), { ino: String(fs.statSync(file).ino), size: text.length });
  t.is(identityOf(path.join(dir, 'missing')), null);
});

test('the rest of a stream is found by inode (renamed) or as an uncompressed copy (copytruncate), checked by fingerprint', (t) => {
  const dir = tmp(t);
  const file = path.join(dir, 'app.log');
  fs.writeFileSync(file, lines(0, 50));
  const ino = String(fs.statSync(file).ino);
  const offset = Buffer.byteLength(lines(0, 30));
  const fd = fs.openSync(file, 'r');
  const fp = fingerprintAt(fd, offset)!;
  fs.closeSync(fd);
  fs.renameSync(file, `${file}.1`);
  fs.writeFileSync(file, 'new\n');
  const live = String(fs.statSync(file).ino);
  const byInode = findOldStream(file, ino, offset, fp, live)!;
  t.is(byInode.path, `${file}.1`);
  fs.closeSync(byInode.fd);

  // A copy with other bytes at that place, an older copy, a compressed copy: only the match counts.
  fs.renameSync(`${file}.1`, `${file}-20250101`);
  fs.writeFileSync(`${file}.2`, lines(1000, 1050));
  fs.writeFileSync(`${file}.1.gz`, lines(0, 50));
  fs.writeFileSync(path.join(dir, 'other.log'), lines(0, 50));
  const copy = findOldStream(file, null, offset, fp, live)!;
  t.is(copy.path, `${file}-20250101`);
  fs.closeSync(copy.fd);
  t.is(findOldStream(file, null, offset, 'f'.repeat(40), live), null);
  t.is(findOldStream(file, null, 10_000, fp, live), null);
});
