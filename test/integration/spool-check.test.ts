/**
 * `oxd --check-spool` on real spool folders: what they hold, their damage,
 * and that reading them changes nothing.
 */
import test, { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskSpool } from '../../src/daemon/spool/disk-spool';
import { listSegments } from '../../src/daemon/spool/segments';
import { runTool } from '../helpers/tool';

const META = Buffer.alloc(137, 0x6d);

function spoolWith(t: ExecutionContext, events: number, acked: number): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oxd-spool-check-')), 'spool');
  t.teardown(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));
  const spool = new DiskSpool({ dir, maxBytes: 64 * 1024 * 1024, whenFull: 'block', segmentBytes: 64 * 1024 });
  for (let n = 0; n < events; n++) {
    const body = Buffer.from(`event ${n}`.padEnd(200, '.'));
    spool.append(META, 0, META.length, body, 0, body.length, Date.now());
  }
  spool.commit();
  while (spool.next() !== null);
  spool.ack(acked);
  spool.close();
  return dir;
}

/** Every file's bytes and modification time, to show a check changed nothing. */
function snapshot(dir: string): string {
  return fs
    .readdirSync(dir)
    .sort()
    .map((n) => `${n}:${fs.statSync(path.join(dir, n)).mtimeMs}:${fs.readFileSync(path.join(dir, n)).toString('base64')}`)
    .join('\n');
}

test('a sound spool: its segments, what is not yet acknowledged, exit 0, nothing changed', async (t) => {
  const dir = spoolWith(t, 1000, 300);
  const before = snapshot(dir);
  const r = await runTool('oxd', ['--config', '/dev/null', '--spool-path', dir, '--check-spool']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, new RegExp(`^spool ${dir}: link [0-9a-f]{32}, acknowledged up to 300$`, 'm'));
  t.regex(r.stdout, /^ {2}[0-9a-f]{16}\.seg: \d+ bytes, \d+ records, \d+\.\.1000$/m);
  t.regex(r.stdout, /^700 events not yet acknowledged, the oldest spooled [\d.]+ s ago; no damage$/m);
  t.is(snapshot(dir), before);
});

test('bytes overwritten in a segment: the damage and the events it cost, exit 1', async (t) => {
  const dir = spoolWith(t, 1000, 0);
  const seg = listSegments(dir)[1];
  const fd = fs.openSync(seg.path, 'r+');
  fs.writeSync(fd, Buffer.alloc(30, 0x41), 0, 30, 1000);
  fs.closeSync(fd);
  const r = await runTool('oxd', ['--config', '/dev/null', '--spool-path', dir, '--check-spool']);
  t.is(r.code, 1);
  t.regex(r.stdout, new RegExp(`^ {2}${path.basename(seg.path)}: \\d+ bytes, \\d+ records, \\d+\\.\\.\\d+, damaged 1 \\(\\d+ bytes, [12] events known lost\\)$`, 'm'));
  t.regex(r.stdout, /; 1 damaged stretches \(a running oxd steps over them and counts them\)$/m);
});

test('no spool_path, or a folder that is not there: said plainly', async (t) => {
  const none = await runTool('oxd', ['--config', '/dev/null', '--check-spool']);
  t.is(none.code, 1);
  t.regex(none.stderr, /--check-spool: spool_path is empty .*give --spool-path DIR/);
  const missing = await runTool('oxd', ['--config', '/dev/null', '--spool-path', '/nonexistent/spool', '--check-spool']);
  t.is(missing.code, 0);
  t.is(missing.stdout, 'spool /nonexistent/spool: no such folder (nothing spooled)\n');
});
