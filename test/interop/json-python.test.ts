/**
 * Our msgpack-to-JSON writer against Python: the same rules written with
 * Debian's python3-msgpack and Python's json (test/interop/py/msgpack_json.py)
 * must give the same text byte for byte, and Python's json must read our
 * text back as the values python3-msgpack decodes, type for type (an int
 * stays an int of every digit, a float a float, NaN and the infinities
 * floats). Over every msgpack type and width, random floats, integers and
 * byte strings, and every file the original BlueOx wrote in the fixtures.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { msgpackToJson } from '../../src/json/json-writer';
import { msgpackExtent } from '../../src/protocol/msgpack-extent';
import * as mp from '../helpers/msgpack-samples';
import { REPO, tempDir } from '../helpers/oxd-process';
import { mulberry32, SEED } from '../helpers/random';
import { PY_DIR, PYTHON } from './support/processes';

const ORIGINAL = path.join(REPO, 'test', 'fixtures', 'original');

/** Our JSON, one line per msgpack value in `data`. */
function ourLines(data: Buffer): Buffer {
  const lines: string[] = [];
  for (let at = 0; at < data.length; ) {
    const end = msgpackExtent(data, at) as number;
    lines.push(msgpackToJson(data.subarray(at, end)));
    at = end;
  }
  return Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
}

function python(args: string[]): { code: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(PYTHON, [path.join(PY_DIR, 'msgpack_json.py'), ...args], { timeout: 120_000, maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** Compares our lines for the values in `data` with Python's, and has Python read them back. */
function agree(t: import('ava').ExecutionContext, data: Buffer, what: string): void {
  const dir = tempDir('json-python-');
  const values = path.join(dir, 'values.msgpack');
  const ours = path.join(dir, 'ours.json');
  fs.writeFileSync(values, data);
  const mine = ourLines(data);
  fs.writeFileSync(ours, mine);
  const dump = python(['dump', values]);
  t.is(dump.code, 0, dump.stderr);
  const theirs = dump.stdout.toString('utf8').split('\n');
  const ourText = mine.toString('utf8').split('\n');
  t.is(ourText.length, theirs.length, `${what}: as many lines`);
  const differ = ourText.findIndex((line, i) => line !== theirs[i]);
  t.is(differ, -1, `${what}: line ${differ}\n ours:   ${ourText[differ]}\n python: ${theirs[differ]}`);
  const check = python(['check', values, ours]);
  t.is(check.code, 0, `${what}: ${check.stdout.toString()}${check.stderr}`);
  t.regex(check.stdout.toString(), /^ok \d+/);
}

/** One value of every msgpack type and width, with the awkward cases of each. */
function everyType(): Buffer[] {
  const { hex } = mp;
  const ints = [0n, 1n, 127n, 128n, 255n, 256n, 65535n, 65536n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n];
  const values: Buffer[] = [mp.nil(), mp.bool(true), mp.bool(false), mp.uint('fix', 0n), mp.uint('fix', 127n), mp.int('fix', -1n), mp.int('fix', -32n)];
  for (const n of ints) {
    if (n < 256n) values.push(mp.uint(8, n));
    if (n < 65536n) values.push(mp.uint(16, n));
    if (n < 2n ** 32n) values.push(mp.uint(32, n));
    values.push(mp.uint(64, n));
    for (const s of [n, -n, -n - 1n]) {
      if (s >= -128n && s < 128n) values.push(mp.int(8, s));
      if (s >= -32768n && s < 32768n) values.push(mp.int(16, s));
      if (s >= -(2n ** 31n) && s < 2n ** 31n) values.push(mp.int(32, s));
      if (s >= -(2n ** 63n) && s < 2n ** 63n) values.push(mp.int(64, s));
    }
  }
  for (const x of [0, -0, 1, 2, -2, 0.5, 0.1, 1e15, 1e16, 1e-4, 1e-5, 1e21, 1e300, 5e-324, 1.7976931348623157e308, NaN, Infinity, -Infinity, 1795248413.1547112]) {
    values.push(mp.f64(x), mp.f32(x));
  }
  const strings = [Buffer.from(''), Buffer.from('plain'), Buffer.from('café ☃ 𝄞'), hex('c3 28'), hex('61 c3 28 62'), hex('61 62 c3 28'), hex('c0 80'), hex('e0 80 af'), hex('ed a0 80'), hex('f4 90 80 80'), hex('e2 82 41'), hex('ff fe'), Buffer.from('\\xff'), Buffer.from('C:\\xampp'), hex('00 1f 22 5c 7f'), Buffer.from('a\u2028b')];
  for (const s of strings) {
    const long = Buffer.concat([s, Buffer.from('x'.repeat(300)), s, Buffer.from('y'.repeat(300)), s]);
    if (s.length < 32) values.push(mp.str(s, 'fix'));
    values.push(mp.str(s, 8), mp.str(s, 16), mp.str(s, 32), mp.bin(s, 8), mp.bin(s, 16), mp.bin(s, 32), mp.str(long, 16), mp.str(long, 32), mp.bin(long, 16));
  }
  const items = [mp.uint('fix', 1n), mp.str('two'), mp.f64(3), mp.nil()];
  for (const w of ['fix', 16, 32] as const) {
    values.push(mp.array(items, w), mp.array([], w));
    values.push(mp.map([[mp.str('a'), mp.array(items)], [mp.str('a'), mp.map([])]], w), mp.map([], w));
  }
  values.push(
    mp.map([
      [mp.uint('fix', 1n), mp.str('int key')],
      [mp.int(64, -(2n ** 63n)), mp.nil()],
      [mp.nil(), mp.str('nil key')],
      [mp.bool(true), mp.str('bool key')],
      [mp.f64(1.5), mp.str('float key')],
      [mp.f64(2), mp.str('whole float key')],
      [mp.f64(Infinity), mp.str('infinite key')],
      [mp.array([mp.uint('fix', 1n), mp.str('a"b\\x')]), mp.str('array key')],
      [mp.map([[mp.str('k'), mp.f64(-0)]]), mp.str('map key')],
      [mp.bin(hex('c3 28')), mp.str('bin key')],
      [mp.str('k', 16), mp.str('str16 key')],
    ]),
  );
  for (const data of [hex('2a'), hex('2a2b'), hex('01020304'), Buffer.from('01234567'), Buffer.from('0123456789abcdef')]) values.push(mp.ext(5, data), mp.ext(-128, data));
  for (const w of [8, 16, 32] as const) values.push(mp.ext(3, Buffer.alloc(0), w), mp.ext(127, Buffer.from('hello'), w));
  values.push(
    mp.timestamp32(0),
    mp.timestamp32(2 ** 32 - 1),
    mp.timestamp64(1_600_000_000, 500_000_000),
    mp.timestamp64(1_600_000_000, 500_001_000),
    mp.timestamp64(2 ** 34 - 1, 999_999_999),
    mp.timestamp96(-1n, 1),
    mp.timestamp96(-62_135_596_800n, 0), // 0001-01-01, the first day Python's datetime has
    mp.timestamp96(253_402_300_799n, 999_999_999),
  );
  let deep = mp.nil();
  for (let i = 0; i < 500; i++) deep = i % 2 ? mp.array([deep]) : mp.map([[mp.str('d'), deep]]);
  values.push(deep);
  return values;
}

test('every msgpack type and width: the same text as Python writes, read back by Python as the same values', (t) => {
  agree(t, Buffer.concat(everyType()), 'every type');
});

test(`random floats, integers and byte strings (seed ${SEED})`, (t) => {
  const rand = mulberry32(SEED);
  const u32 = (): number => Math.floor(rand() * 2 ** 32);
  const values: Buffer[] = [];
  for (let i = 0; i < 3000; i++) {
    const bits = (BigInt(u32()) << 32n) | BigInt(u32());
    values.push(mp.f64bits(bits));
    const f = Buffer.alloc(5);
    f[0] = 0xca;
    f.writeUInt32BE(u32(), 1);
    values.push(f);
    // Shorter mantissas too: the numbers people write (0.25, 1e-7, 123.5).
    values.push(mp.f64(Number((rand() * 10 ** Math.floor(rand() * 40 - 20)).toPrecision(1 + Math.floor(rand() * 17)))));
    values.push(mp.uint(64, bits), mp.int(64, BigInt.asIntN(64, bits)));
  }
  const pieces = [mp.hex('c3 28'), mp.hex('e2 82 ac'), mp.hex('f0 9f 98 80'), mp.hex('ed a0 80'), mp.hex('5c 78'), Buffer.from('ab"\n')];
  for (let i = 0; i < 1000; i++) {
    const parts: Buffer[] = [];
    const n = Math.floor(rand() * 100);
    for (let k = 0; k < n; k++) parts.push(rand() < 0.4 ? Buffer.from([Math.floor(rand() * 256)]) : pieces[Math.floor(rand() * pieces.length)]);
    values.push(mp.str(Buffer.concat(parts), 16));
  }
  agree(t, Buffer.concat(values), `random, seed ${SEED}`);
});

test('every file the original BlueOx wrote: the same text as Python writes, read back as the same values', (t) => {
  for (const dir of ['daily', 'hourly']) {
    for (const f of fs.readdirSync(path.join(ORIGINAL, dir))) agree(t, fs.readFileSync(path.join(ORIGINAL, dir, f)), `${dir}/${f}`);
  }
  const bz2 = spawnSync('bzip2', ['-dc', path.join(ORIGINAL, 'archived', 'request.db-20261121.log.bz2')]);
  t.is(bz2.status, 0);
  agree(t, bz2.stdout, 'archived/request.db-20261121.log.bz2');
});
