import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { decodeMulti } from '@msgpack/msgpack';
import { tempDir } from '../helpers/oxd-process';
import { runTool, toolPath } from '../helpers/tool';

const ORIGINAL = path.resolve(__dirname, '../../../test/fixtures/original');
const daily = (type: string): string => path.join(ORIGINAL, 'daily', `${type}-20261121.log`);
const decoded = (file: string): unknown[] => [...decodeMulti(fs.readFileSync(file))];
const lines = (stdout: string): unknown[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** A log path laid out as oxd writes it, holding the original's files (daily and 3-hourly). */
function logPath(): string {
  const root = path.join(tempDir('oxview-'), 'log');
  fs.mkdirSync(path.join(root, '20261121'), { recursive: true });
  for (const f of fs.readdirSync(path.join(ORIGINAL, 'daily'))) fs.copyFileSync(path.join(ORIGINAL, 'daily', f), path.join(root, '20261121', f));
  return root;
}

test('stdin: one JSON object per line, every event of a file written by the original', async (t) => {
  const r = await runTool('oxview', [], { input: fs.readFileSync(daily('request')) });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(lines(r.stdout), decoded(daily('request')));
  t.is(r.stderr, '');
});

test('files as arguments, .log, .gz and .bz2 alike, in the order given', async (t) => {
  const dir = tempDir('oxview-');
  const gz = path.join(dir, 'request.cache-20261121.log.gz');
  fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(daily('request.cache'))));
  const bz2 = path.join(ORIGINAL, 'archived', 'request.db-20261121.log.bz2');
  const r = await runTool('oxview', [daily('request.log'), gz, bz2]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(lines(r.stdout), [...decoded(daily('request.log')), ...decoded(daily('request.cache')), ...decoded(daily('request.db'))]);
});

test('--log-path with --type-name (exact or prefix*) and a date range finds and orders the files', async (t) => {
  const root = logPath();
  const exact = await runTool('oxview', ['-l', root, '-n', 'request', '--start-date', '20261121']);
  t.is(exact.code, 0, exact.stderr);
  t.deepEqual(lines(exact.stdout), decoded(daily('request')));
  const prefix = await runTool('oxview', ['-l', root, '-n', 'request.*', '--start-date', '20261121', '--end-date', '20261121']);
  t.deepEqual(
    (lines(prefix.stdout) as { type: string }[]).map((e) => e.type).sort(),
    [...decoded(daily('request.cache')), ...decoded(daily('request.db')), ...decoded(daily('request.log'))].map((e) => (e as { type: string }).type).sort(),
  );
  const otherDay = await runTool('oxview', ['-l', root, '-n', 'request', '--start-date', '20261122']);
  t.is(otherDay.stdout, '');
  // The events were written at 08:06 UTC: an hour range selects by each event's end time.
  const inside = await runTool('oxview', ['-l', root, '-n', 'request', '--start-date', '20261121 08:00', '--end-date', '20261121 09:00']);
  t.is(lines(inside.stdout).length, 50);
  const outside = await runTool('oxview', ['-l', root, '-n', 'request', '--start-date', '20261121 07:00', '--end-date', '20261121 08:00']);
  t.is(lines(outside.stdout).length, 0);
});

test('--log-path finds hourly files (--rotate-hours) as well', async (t) => {
  const root = path.join(tempDir('oxview-'), 'log');
  fs.mkdirSync(path.join(root, '20261121'), { recursive: true });
  for (const f of fs.readdirSync(path.join(ORIGINAL, 'hourly'))) fs.copyFileSync(path.join(ORIGINAL, 'hourly', f), path.join(root, '20261121', f));
  const r = await runTool('oxview', ['-l', root, '-n', 'request.db', '--start-date', '20261121 07:00', '--end-date', '20261121 09:00']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(lines(r.stdout), decoded(path.join(ORIGINAL, 'hourly', 'request.db-2026112106.log')));
});

test('--pretty prints the original header and the indented body; --group joins sub-events by id', async (t) => {
  const pretty = await runTool('oxview', ['-p', daily('request')]);
  const first = decoded(daily('request'))[0] as Record<string, any>;
  const ms = Math.round((first.end - first.start) * 1000);
  t.true(pretty.stdout.startsWith(`\n=== request (${first.id.slice(0, 12)}@vm:${first.pid})  (${ms} ms)\n{\n  "user_agent"`), pretty.stdout.slice(0, 120));
  t.false(pretty.stdout.includes('\x1b['), 'no colour when not on a terminal');
  const grouped = await runTool('oxview', ['--group', daily('request.db'), daily('request.log'), daily('request')]);
  const groups = lines(grouped.stdout) as Array<Array<{ id: string; type: string }>>;
  t.is(groups.length, 50);
  for (const g of groups) {
    t.is(g[g.length - 1].type, 'request', 'the parent closes the group');
    t.true(g.every((e) => e.id === g[0].id));
  }
  t.is(groups.reduce((n, g) => n + g.length, 0), 110);
});

test('damaged and truncated input: everything decodable is shown, what was skipped reported, exit 3', async (t) => {
  const original = fs.readFileSync(daily('request.db'));
  const damaged = Buffer.from(original);
  damaged.fill(0xc1, 1000, 1040); // 0xc1 is never valid msgpack
  const r = await runTool('oxview', [], { input: Buffer.concat([damaged, original.subarray(0, 100)]) });
  t.is(r.code, 3);
  const events = lines(r.stdout) as Array<{ type: string }>;
  t.true(events.length >= 46 && events.length < 50, `${events.length} events`);
  t.true(events.every((e) => e.type === 'request.db'));
  t.regex(r.stderr, /skipped \d+ damaged bytes in 1 place\(s\), first at offset \d+/);
  t.regex(r.stderr, /the last 100 bytes are an incomplete event/);
});

test('a file that does not exist: the others are still read, exit 1', async (t) => {
  const r = await runTool('oxview', ['/nonexistent/request-20261121.log', daily('request.log')]);
  t.is(r.code, 1);
  t.is(lines(r.stdout).length, 10);
  t.regex(r.stderr, /nonexistent.*ENOENT/);
});

test('output to a closed pipe ends quietly', (t) => {
  const big = path.join(tempDir('oxview-'), 'big.log');
  fs.writeFileSync(big, Buffer.concat(Array.from({ length: 400 }, () => fs.readFileSync(daily('request')))));
  const r = spawnSync('bash', ['-c', `node ${toolPath('oxview')} ${big} | head -n 1; echo "status=\${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
  t.is(lines(r.stdout).length, 1);
  t.regex(r.stderr, /status=0/);
  t.notRegex(r.stderr, /EPIPE|Error/);
});

test('usage errors exit 2 with the reason', async (t) => {
  for (const args of [['--start-date', '20261121'], ['-l', '/tmp', '--start-date', '2026-11-21'], ['--bogus'], ['-H', 'x', 'file']]) {
    const r = await runTool('oxview', args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, /--help/);
  }
  t.regex(execFileSync(process.execPath, [toolPath('oxview'), '--help'], { encoding: 'utf8' }), /Exit status: 0 ok/);
});

test('--pretty is coloured on a terminal (and with --color), never with --no-color or NO_COLOR', async (t) => {
  const file = daily('request.log');
  const forced = await runTool('oxview', ['-p', '--color', file]);
  t.true(forced.stdout.includes('\x1b[1;36m=== request.log\x1b[0m'));
  // A real terminal: util-linux's script(1) runs oxview on a pseudo-terminal.
  const tty = spawnSync('script', ['-qec', `${process.execPath} ${toolPath('oxview')} -p ${file}`, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: undefined, TERM: 'xterm' },
  });
  t.is(tty.status, 0, tty.stderr);
  t.true(tty.stdout.includes('\x1b[1;36m=== request.log'), 'coloured on a terminal');
  const off = spawnSync('script', ['-qec', `${process.execPath} ${toolPath('oxview')} -p --no-color ${file}`, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, TERM: 'xterm' },
  });
  t.false(off.stdout.includes('\x1b[1;36m'), '--no-color wins on a terminal');
});

test('standard input compressed with gzip or bzip2 is recognised by its first bytes', async (t) => {
  const raw = fs.readFileSync(daily('request.log'));
  const gz = await runTool('oxview', [], { input: zlib.gzipSync(raw) });
  t.is(gz.code, 0, gz.stderr);
  t.deepEqual(lines(gz.stdout), decoded(daily('request.log')));
  const bz = await runTool('oxview', [], { input: execFileSync('bzip2', ['-c'], { input: raw }) });
  t.is(bz.code, 0, bz.stderr);
  t.deepEqual(lines(bz.stdout), decoded(daily('request.log')));
});

test('byte strings (msgpack bin) are shown as text, not as {"0": …}', async (t) => {
  const { encode } = await import('@msgpack/msgpack');
  const event = encode({ type: 'request', id: 'x', body: { blob: new Uint8Array([104, 105]) } });
  const r = await runTool('oxview', [], { input: Buffer.from(event) });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(lines(r.stdout), [{ type: 'request', id: 'x', body: { blob: 'hi' } }]);
});

test('reading a .bz2 into a pipe that closes early does not leave oxview (or bzip2) running', (t) => {
  const dir = tempDir('oxview-');
  const big = path.join(dir, 'big.log');
  fs.writeFileSync(big, Buffer.concat(Array.from({ length: 200 }, () => fs.readFileSync(daily('request')))));
  execFileSync('bzip2', [big]);
  const r = spawnSync('bash', ['-c', `node ${toolPath('oxview')} ${big}.bz2 | head -n 1; echo "status=\${PIPESTATUS[0]}" >&2`], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  t.is(r.signal, null, 'finished on its own');
  t.is(lines(r.stdout).length, 1);
  t.regex(r.stderr, /status=0/);
});
