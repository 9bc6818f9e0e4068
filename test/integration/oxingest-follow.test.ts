/**
 * oxingest -F: following files, type names, order, files that appear
 * later, long and partial lines, SIGUSR1 and SIGTERM, against a real oxd.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Oxd, startOxd, tempDir } from '../helpers/oxd-process';
import { AppWriter, dataOf, Ingest, numbered, numbersOf, range, reportFields, waitForWritten } from '../bench/ingest-harness';

const FOLLOWING = /following as type \S+ from byte \d+/;

/** oxd, and oxingest following `files` (created empty first unless `create` is false) in a new folder. */
async function setup(t: any, files: string[], extra: string[] = [], create = true): Promise<{ oxd: Oxd; ingest: Ingest; dir: string; state: string }> {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const dir = tempDir('oxingest-');
  const state = path.join(dir, 'state.json');
  const args = ['-H', oxd.collect, '--state-file', state, ...extra];
  for (const f of files) {
    if (create) fs.writeFileSync(path.join(dir, f), '');
    args.push('-F', path.join(dir, f));
  }
  const ingest = Ingest.start(args);
  t.teardown(() => ingest.stop());
  return { oxd, ingest, dir, state };
}

test('-F with inferred and explicit types: only lines appended after start, each file its own type', async (t) => {
  const names = ['access.log', 'syslog', 'mail.err', 'nginx_error:error.log'];
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const dir = tempDir('oxingest-');
  for (const n of ['access.log', 'syslog', 'mail.err', 'error.log']) fs.writeFileSync(path.join(dir, n), 'written before oxingest started\n');
  const args = ['-H', oxd.collect, '--state-file', path.join(dir, 'state.json')];
  for (const n of names) args.push('-F', n.includes(':') ? n.replace(':', `:${dir}/`) : path.join(dir, n));
  const ingest = Ingest.start(args);
  t.teardown(() => ingest.stop());
  await ingest.waitFor(FOLLOWING, 4);
  for (const [type, n] of [['access', 'access.log'], ['syslog', 'syslog'], ['mail.err', 'mail.err'], ['nginx_error', 'error.log']]) {
    t.regex(ingest.stderr, new RegExp(`${path.join(dir, n)}: following as type ${type.replace('.', '\\.')} from byte 32 `));
    fs.appendFileSync(path.join(dir, n), `first ${type}\nsecond ${type}\n`);
  }
  for (const type of ['access', 'syslog', 'mail.err', 'nginx_error']) {
    await waitForWritten(oxd, type, 2);
    t.deepEqual(dataOf(oxd, type), [`first ${type}`, `second ${type}`]);
  }
  const r = await ingest.stop();
  t.is(r.code, 0, r.stderr);
});

test('appended lines arrive exactly once and in order, written in many small appends', async (t) => {
  const { oxd, ingest, dir } = await setup(t, ['app.log']);
  await ingest.waitFor(/app\.log: following as type app from byte 0/);
  const writer = new AppWriter(path.join(dir, 'app.log'));
  t.teardown(() => writer.close());
  for (let i = 0; i < 3000; i += 7) {
    writer.lines(i, Math.min(i + 7, 3000), 150);
    if (i % 70 === 0) await new Promise((r) => setImmediate(r));
  }
  await waitForWritten(oxd, 'app', 3000);
  t.deepEqual(numbersOf(dataOf(oxd, 'app')), range(0, 3000));
});

test('a file that does not exist yet is waited for, then read from its start', async (t) => {
  const { oxd, ingest, dir } = await setup(t, ['later.log'], [], false);
  await ingest.waitFor(/later\.log: not there yet; waiting for it/);
  fs.writeFileSync(path.join(dir, 'later.log'), 'one\ntwo\n');
  await ingest.waitFor(/later\.log: following as type later from byte 0/);
  fs.appendFileSync(path.join(dir, 'later.log'), 'three\n');
  await waitForWritten(oxd, 'later', 3);
  t.deepEqual(dataOf(oxd, 'later'), ['one', 'two', 'three']);
});

test('--from-beginning reads what a new file already holds', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const dir = tempDir('oxingest-');
  fs.writeFileSync(path.join(dir, 'old.log'), 'a\nb\n');
  const ingest = Ingest.start(['-H', oxd.collect, '--state-file', path.join(dir, 's.json'), '--from-beginning', '-F', path.join(dir, 'old.log')]);
  t.teardown(() => ingest.stop());
  await waitForWritten(oxd, 'old', 2);
  t.deepEqual(dataOf(oxd, 'old'), ['a', 'b']);
});

test('long lines are split at --max-line-bytes between UTF-8 characters, counted, and shown by SIGUSR1', async (t) => {
  const { oxd, ingest, dir } = await setup(t, ['long.log'], ['--max-line-bytes', '100']);
  await ingest.waitFor(/long\.log: following/);
  const wide = 'x' + 'é'.repeat(60); // 121 bytes: the cut at 100 would fall inside an "é"
  fs.appendFileSync(path.join(dir, 'long.log'), `${'a'.repeat(250)}\n${wide}\nshort\n${'b'.repeat(100)}\n`);
  await waitForWritten(oxd, 'long', 7);
  t.deepEqual(dataOf(oxd, 'long'), ['a'.repeat(100), 'a'.repeat(100), 'a'.repeat(50), 'x' + 'é'.repeat(49), 'é'.repeat(11), 'short', 'b'.repeat(100)]);
  const [conn, file] = await ingest.report(1);
  t.regex(conn, /^oxingest: status: oxd 127\.0\.0\.1:\d+ connected: lines handed=7 sent=7 waiting=0 dropped=0 refused=0$/);
  const st = fs.statSync(path.join(dir, 'long.log'));
  const f = reportFields(file);
  t.true(file.startsWith(`oxingest: status: file ${path.join(dir, 'long.log')} `));
  t.like(f, { type: 'long', state: 'following', inode: String(st.ino), offset: String(st.size), size: String(st.size), lines: '7', split: '2', truncated: '0' });
});

test('--truncate-long-lines keeps the head of a long line, even one written in several pieces', async (t) => {
  const { oxd, ingest, dir } = await setup(t, ['cut.log'], ['--max-line-bytes', '64', '--truncate-long-lines']);
  const file = path.join(dir, 'cut.log');
  await ingest.waitFor(/cut\.log: following/);
  fs.appendFileSync(file, 'c'.repeat(50));
  fs.appendFileSync(file, 'c'.repeat(5000));
  fs.appendFileSync(file, 'c'.repeat(50) + '\nafter\n');
  await waitForWritten(oxd, 'cut', 2);
  t.deepEqual(dataOf(oxd, 'cut'), ['c'.repeat(64), 'after']);
  t.like(reportFields((await ingest.report(1))[1]), { lines: '2', split: '0', truncated: '1' });
});

test('SIGTERM: what was read is delivered, the state file written, exit 0; a partial line waits for the next run', async (t) => {
  const { oxd, ingest, dir, state } = await setup(t, ['term.log']);
  const file = path.join(dir, 'term.log');
  await ingest.waitFor(/term\.log: following/);
  const lines = range(0, 2000).map((i) => numbered(i, 100));
  fs.appendFileSync(file, lines.join('\n') + '\nunfinished');
  // Every line handed to the client library (not yet necessarily at oxd), then SIGTERM at once.
  await ingest.waitForReport(1, (r) => reportFields(r[1]).lines === '2000');
  const r = await ingest.stop();
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /stopped \(SIGTERM\): 2000 lines sent/);
  await waitForWritten(oxd, 'term', 2000);
  t.deepEqual(dataOf(oxd, 'term'), lines);
  const saved = JSON.parse(fs.readFileSync(state, 'utf8')).files[file];
  t.is(saved.offset, fs.statSync(file).size - 'unfinished'.length);
  t.is(saved.inode, String(fs.statSync(file).ino));

  // The next run takes the partial line once it is complete; with --flush-partial a partial line is sent at exit.
  fs.appendFileSync(file, ' now\nlast without newline');
  const again = Ingest.start(['-H', oxd.collect, '--state-file', state, '--flush-partial', '-F', file]);
  t.teardown(() => again.stop());
  await waitForWritten(oxd, 'term', 2001);
  const r2 = await again.stop();
  t.is(r2.code, 0, r2.stderr);
  await waitForWritten(oxd, 'term', 2002);
  t.deepEqual(dataOf(oxd, 'term').slice(2000), ['unfinished now', 'last without newline']);
  t.is(JSON.parse(fs.readFileSync(state, 'utf8')).files[file].offset, fs.statSync(file).size);
});

test('SIGINT stops cleanly too; the state file is replaced atomically (no temporary file left)', async (t) => {
  const { ingest, dir, state } = await setup(t, ['int.log']);
  await ingest.waitFor(/int\.log: following/);
  fs.writeFileSync(path.join(dir, 'int.log'), 'x\n');
  await ingest.waitForReport(1, (r) => reportFields(r[1]).offset === '2');
  const r = await ingest.stop('SIGINT');
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /stopped \(SIGINT\)/);
  t.deepEqual(fs.readdirSync(dir).sort(), ['int.log', 'state.json']);
  t.is(JSON.parse(fs.readFileSync(state, 'utf8')).files[path.join(dir, 'int.log')].offset, 2);
});
