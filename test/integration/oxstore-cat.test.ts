/**
 * oxstore cat over the original's files, placed at dates relative to today:
 * daily and hourly, uncompressed, .gz and the original's .bz2. The output is
 * the concatenated original bytes of the files that cover the range; --json
 * prints the same events as JSON; damaged input is skipped and reported
 * (exit 3); a reader that goes away ends the output quietly.
 */
import test from 'ava';
import { decodeMulti } from '@msgpack/msgpack';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { utcDay } from '../helpers/events';
import { REPO, tempDir } from '../helpers/oxd-process';
import { toolPath } from '../helpers/tool';

const DAY = 86_400_000;
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'original');
const dayAgo = (n: number): string => utcDay(Date.now() - n * DAY);
const [d4, d3, d2, d1, today] = [4, 3, 2, 1, 0].map(dayAgo);
const daily = (type: string): Buffer => fs.readFileSync(path.join(FIXTURES, 'daily', `${type}-20261121.log`));
const hourly = (type: string): Buffer => fs.readFileSync(path.join(FIXTURES, 'hourly', `${type}-2026112106.log`));
const TYPES = ['request', 'request.cache', 'request.db', 'request.log'];

interface Raw {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs oxstore keeping standard output as bytes. */
function oxstore(args: string[]): Promise<Raw> {
  const child = spawn(process.execPath, [toolPath('oxstore'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000, killSignal: 'SIGKILL' });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr })));
}

function put(root: string, rel: string, bytes: Buffer): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), bytes);
}

/** d4: hourly 06 (plain) and 09 (.gz); d3: daily, plain; d2: daily, request .gz and request.db the original's .bz2; d1: request both plain and .gz. */
function build(): string {
  const root = tempDir();
  put(root, `${d4}/request-${d4}06.log`, hourly('request'));
  put(root, `${d4}/request-${d4}09.log.gz`, zlib.gzipSync(daily('request.db')));
  for (const ty of TYPES) put(root, `${d3}/${ty}-${d3}.log`, daily(ty));
  put(root, `${d2}/request-${d2}.log.gz`, zlib.gzipSync(daily('request')));
  put(root, `${d2}/request.db-${d2}.log.bz2`, fs.readFileSync(path.join(FIXTURES, 'archived', 'request.db-20261121.log.bz2')));
  put(root, `${d1}/request-${d1}.log`, daily('request.log'));
  put(root, `${d1}/request-${d1}.log.gz`, zlib.gzipSync(daily('request.log')));
  put(root, `${today}/request-${today}.log`, daily('request.cache'));
  return root;
}

test('cat over days, compressed or not, writes the concatenated original bytes, oldest first', async (t) => {
  const root = build();
  const r = await oxstore(['cat', 'request', '-p', root, '-s', d3, '-e', d2]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stderr, '');
  t.deepEqual(r.stdout, Buffer.concat([daily('request'), daily('request')]));
  const bz = await oxstore(['cat', 'request.db', '-p', root, '--start', d2]);
  t.is(bz.code, 0, bz.stderr);
  t.deepEqual(bz.stdout, daily('request.db'), "the original's .bz2 archive");
  const all = await oxstore(['cat', 'request', '-p', root, '-s', d4, '-e', today]);
  t.deepEqual(all.stdout, Buffer.concat([hourly('request'), daily('request.db'), daily('request'), daily('request'), daily('request.log'), daily('request.cache')]));
});

test('a period both uncompressed and archived (an interrupted zip) is read once; the default range is today', async (t) => {
  const root = build();
  const once = await oxstore(['cat', 'request', '-p', root, '-s', d1]);
  t.is(once.code, 0, once.stderr);
  t.deepEqual(once.stdout, daily('request.log'));
  const todays = await oxstore(['cat', 'request', '-p', root]);
  t.is(todays.code, 0, todays.stderr);
  t.deepEqual(todays.stdout, daily('request.cache'));
});

test('hourly files: a time range reads the files that cover it', async (t) => {
  const root = build();
  const both = await oxstore(['cat', 'request', '-p', root, '-s', `${d4} 07:00`, '-e', `${d4} 10:00`]);
  t.deepEqual(both.stdout, Buffer.concat([hourly('request'), daily('request.db')]));
  const late = await oxstore(['cat', 'request', '-p', root, '-s', `${d4} 09:30`, '-e', `${d4} 10:00`]);
  t.deepEqual(late.stdout, daily('request.db'));
  const early = await oxstore(['cat', 'request', '-p', root, '-s', `${d4} 06:00`, '-e', `${d4} 09:00`]);
  t.deepEqual(early.stdout, hourly('request'));
  const none = await oxstore(['cat', 'request', '-p', root, '-s', `${d4} 00:00`, '-e', `${d4} 06:00`]);
  t.is(none.code, 0);
  t.is(none.stdout.length, 0);
  t.regex(none.stderr, /no request files between/);
});

test('a "name*" prefix reads every type under it; --json prints the same events as JSON lines', async (t) => {
  const root = build();
  const r = await oxstore(['cat', 'request*', '-p', root, '-s', d3, '-e', d3]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout, Buffer.concat(TYPES.map(daily)));
  const json = await oxstore(['cat', 'request*', '--json', '-p', root, '-s', d3, '-e', d3]);
  t.is(json.code, 0, json.stderr);
  const lines = json.stdout.toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
  t.is(lines.length, 160);
  t.deepEqual(lines, [...decodeMulti(Buffer.concat(TYPES.map(daily)))]);
  t.true(lines.some((e) => e.body.unicode?.startsWith('café ☃')));
});

test('damaged, cut-off and half-archived input is skipped and reported: exit 3, every whole event written', async (t) => {
  const root = tempDir();
  const events = [...decodeMulti(daily('request'))].length;
  const good = daily('request');
  const cut = good.length - 100;
  put(root, `${d3}/request-${d3}.log`, Buffer.concat([good.subarray(0, 5000), Buffer.from('garbage, not msgpack'), good.subarray(5000, cut)]));
  put(root, `${d2}/request-${d2}.log.gz`, zlib.gzipSync(good).subarray(0, 1500));
  const r = await oxstore(['cat', 'request', '-p', root, '-s', d3, '-e', d2]);
  t.is(r.code, 3);
  t.regex(r.stderr, new RegExp(`oxstore: ${d3}/request-${d3}\\.log: skipped \\d+ damaged bytes.*incomplete event`));
  t.regex(r.stderr, new RegExp(`oxstore: ${d2}/request-${d2}\\.log\\.gz: .*stopped: .*unexpected end of file`));
  const out = [...decodeMulti(r.stdout)];
  t.true(out.length > events - 3 && out.length < 2 * events, `${out.length} events`);
  const first = [...decodeMulti(good)];
  t.deepEqual(out.slice(0, 5), first.slice(0, 5), 'the output holds whole events only');
});

test('output into a pipe the reader closes ends quietly with exit 0', async (t) => {
  const root = tempDir();
  put(root, `${d2}/request-${d2}.log`, Buffer.concat(Array.from({ length: 800 }, () => daily('request'))));
  const child = spawn(process.execPath, [toolPath('oxstore'), 'cat', 'request', '-p', root, '-s', d2], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  await new Promise((resolve) => child.stdout.once('data', resolve));
  child.stdout.destroy();
  t.is(await closed, 0);
  t.is(stderr, '');
});

test('cat usage errors exit 2: no type, a bad date, an end before the start', async (t) => {
  const root = build();
  for (const args of [['cat'], ['cat', 'request', '-s', '2026-11-01'], ['cat', 'request', '-s', d2, '-e', `${d3} 10:00`], ['cat', 'request', '--bogus']]) {
    const r = await oxstore([...args, '-p', root]);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, /run with --help for usage/);
  }
});
