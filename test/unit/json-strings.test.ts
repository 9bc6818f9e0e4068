/**
 * Byte strings (str and bin of every width) as JSON strings: valid UTF-8 as
 * it is, every other byte as `\xNN`, the same at every length, no
 * neighbour lost; a literal backslash-x told apart; the exact bytes can be
 * had back from the text.
 */
import test from 'ava';
import { bytesText } from '../../src/json/json-string';
import { msgpackToJson } from '../../src/json/json-writer';
import { bin, hex, str } from '../helpers/msgpack-samples';
import { mulberry32, SEED } from '../helpers/random';

/** The text the JSON string for `bytes` holds, for each str and bin width. */
function texts(bytes: Buffer): string[] {
  const n = bytes.length;
  const widths = [
    ...(n < 32 ? [str(bytes, 'fix')] : []),
    ...(n < 256 ? [str(bytes, 8), bin(bytes, 8)] : []),
    ...(n < 65536 ? [str(bytes, 16), bin(bytes, 16)] : []),
    str(bytes, 32),
    bin(bytes, 32),
  ];
  return widths.map((b) => JSON.parse(msgpackToJson(b)) as string);
}

/** The bytes a text stands for: each `\xNN` is that byte, the rest UTF-8 (the documented way back). */
function bytesOf(text: string): Buffer {
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of text.matchAll(/\\x([0-9a-f]{2})/g)) {
    parts.push(Buffer.from(text.slice(last, m.index), 'utf8'), Buffer.from([parseInt(m[1], 16)]));
    last = m.index! + m[0].length;
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

function check(t: import('ava').ExecutionContext, bytes: Buffer, expected: string, what: string): void {
  for (const text of texts(bytes)) t.is(text, expected, what);
  t.is(bytesText(bytes), expected, `${what} (header text)`);
  t.deepEqual(bytesOf(expected), bytes, `${what}: the bytes come back`);
}

test('valid UTF-8 of every length is kept as it is', (t) => {
  check(t, Buffer.from(''), '', 'empty');
  check(t, Buffer.from('café ☃ 𝄞'), 'café ☃ 𝄞', 'two-, three- and four-byte sequences');
  check(t, Buffer.from('\u0080\u07ff\u0800\uffff\u{10000}\u{10ffff}'), '\u0080\u07ff\u0800\uffff\u{10000}\u{10ffff}', 'the edges of each length');
  check(t, Buffer.from('é'.repeat(40_000)), 'é'.repeat(40_000), 'str32 / bin32 size');
});

test('c3 28 becomes \\xc3( at the start, middle and end, in short and long strings alike', (t) => {
  for (const pad of [0, 5, 120, 300, 70_000]) {
    const a = 'a'.repeat(pad);
    check(t, Buffer.concat([hex('c3 28'), Buffer.from(a)]), `\\xc3(${a}`, `start, ${pad}`);
    check(t, Buffer.concat([Buffer.from(a), hex('c3 28'), Buffer.from(a)]), `${a}\\xc3(${a}`, `middle, ${pad}`);
    check(t, Buffer.concat([Buffer.from(a), hex('c3 28')]), `${a}\\xc3(`, `end, ${pad}`);
    check(t, Buffer.concat([Buffer.from(a), hex('c3')]), `${a}\\xc3`, `a lead byte last, ${pad}`);
  }
});

test('overlong forms, surrogates, code points past U+10FFFF and stray bytes are \\xNN each', (t) => {
  check(t, hex('c0 80'), '\\xc0\\x80', 'overlong NUL');
  check(t, hex('c1 bf'), '\\xc1\\xbf', 'overlong two-byte');
  check(t, hex('e0 80 af'), '\\xe0\\x80\\xaf', 'overlong three-byte');
  check(t, hex('f0 80 80 af'), '\\xf0\\x80\\x80\\xaf', 'overlong four-byte');
  check(t, hex('ed a0 80'), '\\xed\\xa0\\x80', 'high surrogate');
  check(t, hex('ed bf bf'), '\\xed\\xbf\\xbf', 'low surrogate');
  check(t, hex('ed 9f bf'), '\ud7ff', 'the last code point before the surrogates is valid');
  check(t, hex('f4 90 80 80'), '\\xf4\\x90\\x80\\x80', 'past U+10FFFF');
  check(t, hex('f5 80 80 80'), '\\xf5\\x80\\x80\\x80', 'no such lead byte');
  check(t, hex('ff fe'), '\\xff\\xfe', 'never in UTF-8');
  check(t, hex('80 41'), '\\x80A', 'a continuation byte alone');
  check(t, hex('e2 82'), '\\xe2\\x82', 'cut off at the end');
  check(t, hex('e2 82 41'), '\\xe2\\x82A', 'cut off before an ASCII byte');
  check(t, hex('e2 41 82 ac'), '\\xe2A\\x82\\xac', 'the ASCII byte is kept');
  check(t, hex('f0 9d 84'), '\\xf0\\x9d\\x84', 'a four-byte sequence cut short');
  check(t, hex('e2 82 e2 82 ac'), '\\xe2\\x82€', 'a good sequence after a bad one');
});

test('a literal backslash-x is \\x5c followed by x; other backslashes, quotes and control characters are JSON escapes', (t) => {
  check(t, Buffer.from('\\xff'), '\\x5cxff', 'four characters, not the byte ff');
  check(t, Buffer.from('C:\\xampp\\new'), 'C:\\x5cxampp\\new', 'a Windows path');
  check(t, Buffer.concat([Buffer.from('\\'), hex('ff')]), '\\\\xff', 'a backslash before a bad byte');
  check(t, Buffer.from('\\\\x'), '\\\\x5cx', 'two backslashes and x');
  t.is(msgpackToJson(str(hex('00 01 08 09 0a 0c 0d 1f 22 5c 7f'))), '"\\u0000\\u0001\\b\\t\\n\\f\\r\\u001f\\"\\\\\x7f"');
  t.is(msgpackToJson(str('a\u2028b')), '"a\u2028b"', 'as JSON.stringify and Python write it');
  t.is(msgpackToJson(str('\\x')), '"\\\\x5cx"');
});

test('random bytes: the text is the same for str and bin of every width, and gives the bytes back', (t) => {
  const rand = mulberry32(SEED);
  const pieces = [hex('c3 28'), hex('e2 82 ac'), hex('f0 9f 98 80'), hex('ed a0 80'), hex('ff'), hex('5c 78'), hex('5c'), hex('22'), hex('0a'), Buffer.from('ab')];
  for (let i = 0; i < 300; i++) {
    const parts: Buffer[] = [];
    const n = Math.floor(rand() * 120);
    for (let k = 0; k < n; k++) parts.push(rand() < 0.3 ? Buffer.from([Math.floor(rand() * 256)]) : pieces[Math.floor(rand() * pieces.length)]);
    const bytes = Buffer.concat(parts);
    const all = texts(bytes);
    t.true(all.every((x) => x === all[0]), `seed ${SEED}: ${bytes.toString('hex')}`);
    t.deepEqual(bytesOf(all[0]), bytes, `seed ${SEED}: ${bytes.toString('hex')}`);
    t.is(bytesText(bytes), all[0]);
  }
});
