/**
 * oxingest -F through log rotation, by hand and by Debian's logrotate,
 * both styles: rename + create, and copytruncate. A writer appends
 * numbered lines the way a logging application does (a descriptor kept
 * open, reopened once a new file is at the path) while the file is
 * rotated under it; every line must reach oxd exactly once, in order.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Oxd, startOxd, tempDir } from '../helpers/oxd-process';
import { AppWriter, dataOf, Ingest, numbersOf, range, waitForWritten, writeWhileRotating } from '../bench/ingest-harness';

const LINES = 3000;
const ROTATE_AT = 1200;

interface Setup {
  oxd: Oxd;
  ingest: Ingest;
  dir: string;
  file: string;
  writer: AppWriter;
}

async function setup(t: any): Promise<Setup> {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const dir = tempDir('oxingest-rot-');
  const file = path.join(dir, 'app.log');
  fs.writeFileSync(file, '');
  const ingest = Ingest.start(['-H', oxd.collect, '--state-file', path.join(dir, 'state.json'), '--rotate-wait', '3000', '-F', file]);
  t.teardown(() => ingest.stop());
  await ingest.waitFor(/app\.log: following as type app from byte 0/);
  const writer = new AppWriter(file);
  t.teardown(() => writer.close());
  return { oxd, ingest, dir, file, writer };
}

async function everyLineOnce(t: any, s: Setup): Promise<void> {
  await waitForWritten(s.oxd, 'app', LINES);
  t.deepEqual(numbersOf(dataOf(s.oxd, 'app')), range(0, LINES));
  const r = await s.ingest.stop();
  t.is(r.code, 0, r.stderr);
  t.is((await s.oxd.control.request({ cmd: 'STATUS' })).events.app.written, LINES);
}

function logrotateConfig(dir: string, file: string, style: 'create' | 'copytruncate'): string[] {
  const config = path.join(dir, 'logrotate.conf');
  fs.writeFileSync(config, `${file} {\n  ${style}\n  rotate 3\n  missingok\n  nocompress\n}\n`);
  return ['-f', '-s', path.join(dir, 'logrotate.state'), config];
}

test('rename + create by hand: the old file is finished (late writes included), the new one read from its start', async (t) => {
  const s = await setup(t);
  const old = `${s.file}.1`;
  await writeWhileRotating(s.writer, 0, 1400, 1200, () => fs.renameSync(s.file, old));
  // Lines 1200-1399 went to the renamed file: the application has not noticed the rotation yet.
  await s.ingest.waitFor(/app\.log: moved away or removed; finishing the old file/);
  s.writer.lines(1400, 1420); // written after oxingest noticed: read within --rotate-wait
  fs.writeFileSync(s.file, '');
  await writeWhileRotating(s.writer, 1420, LINES, -1, () => undefined);
  await everyLineOnce(t, s);
  // Followed from byte 0 twice: the first file, and the new one once it appeared.
  t.is(s.ingest.stderr.match(/app\.log: following .*from byte 0/g)?.length, 2);
  const inOld = numbersOf(fs.readFileSync(old, 'utf8').trim().split('\n'));
  t.deepEqual(inOld, range(0, 1420));
});

test('logrotate (create) while lines are being written: every line exactly once, in order', async (t) => {
  const s = await setup(t);
  let rotated: Promise<number | null> = Promise.resolve(null);
  await writeWhileRotating(s.writer, 0, LINES, ROTATE_AT, () => {
    // Not awaited: the writer keeps writing while logrotate runs.
    const child = spawn('/usr/sbin/logrotate', logrotateConfig(s.dir, s.file, 'create'), { stdio: 'ignore' });
    rotated = new Promise((resolve) => child.once('close', resolve));
  });
  t.is(await rotated, 0);
  t.true(fs.existsSync(`${s.file}.1`));
  await everyLineOnce(t, s);
  t.regex(s.ingest.stderr, /app\.log: (replaced|moved away or removed); finishing the old file/);
});

test('copytruncate by hand while oxingest is behind: the unread rest comes from the copy, then the file from its start', async (t) => {
  const s = await setup(t);
  await writeWhileRotating(s.writer, 0, LINES, ROTATE_AT, () => {
    // Lines written just before the copy have not been read yet: only the copy still has them.
    fs.copyFileSync(s.file, `${s.file}.1`);
    fs.truncateSync(s.file, 0);
  });
  await everyLineOnce(t, s);
  t.regex(s.ingest.stderr, /app\.log: truncated \(was read to byte \d+\); reading it again from the start/);
});

test('logrotate (copytruncate) while lines are being written: every line exactly once, in order', async (t) => {
  const s = await setup(t);
  await writeWhileRotating(s.writer, 0, LINES, ROTATE_AT, () => {
    // Synchronous: logrotate copies, then truncates; a line written between the two would be in
    // neither file (logrotate(8) documents this window), so the writer waits for it to finish.
    const r = spawnSync('/usr/sbin/logrotate', logrotateConfig(s.dir, s.file, 'copytruncate'), { encoding: 'utf8' });
    t.is(r.status, 0, r.stderr);
  });
  t.true(fs.existsSync(`${s.file}.1`));
  await everyLineOnce(t, s);
  t.regex(s.ingest.stderr, /app\.log: truncated/);
});

test('a file truncated and rewritten beyond the old position before a read is noticed by its fingerprint', async (t) => {
  const s = await setup(t);
  s.writer.lines(0, 100);
  await waitForWritten(s.oxd, 'app', 100);
  const size = fs.statSync(s.file).size;
  // Truncate and write more than there was, in one go: the size never looks smaller to a poller.
  fs.truncateSync(s.file, 0);
  s.writer.lines(100, 250);
  t.true(fs.statSync(s.file).size > size);
  await waitForWritten(s.oxd, 'app', 250);
  t.deepEqual(numbersOf(dataOf(s.oxd, 'app')), range(0, 250));
});
