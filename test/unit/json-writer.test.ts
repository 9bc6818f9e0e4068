/**
 * The msgpack-to-JSON writer: nil and booleans, arrays and maps of every
 * width, extensions and timestamps, keys that are not strings, the indented
 * layout, members without some keys (oxstash), and what it refuses.
 */
import test from 'ava';
import { encode } from '@msgpack/msgpack';
import { JsonWriter, MAX_JSON_DEPTH, MsgpackJsonError, msgpackToJson } from '../../src/json/json-writer';
import { array, bin, bool, ext, f64, hex, int, map, nil, str, timestamp32, timestamp64, timestamp96, uint } from '../helpers/msgpack-samples';

const json = (b: Buffer): string => msgpackToJson(b);

test('nil, true and false', (t) => {
  t.is(json(nil()), 'null');
  t.is(json(bool(true)), 'true');
  t.is(json(bool(false)), 'false');
});

test('fixarray, array16 and array32 with the same items write the same array', (t) => {
  const items = [uint('fix', 1n), str('two'), nil(), array([]), f64(2)];
  for (const width of ['fix', 16, 32] as const) {
    t.is(json(array(items, width)), '[1,"two",null,[],2.0]', `array ${width}`);
    t.is(json(array([], width)), '[]');
  }
  const many = Array.from({ length: 70_000 }, (_, i) => uint(i < 128 ? 'fix' : 32, BigInt(i)));
  t.is(json(array(many, 32)), `[${many.map((_, i) => i).join(',')}]`);
});

test('fixmap, map16 and map32 keep order and duplicate keys', (t) => {
  const pairs: Array<[Buffer, Buffer]> = [
    [str('b'), uint('fix', 1n)],
    [str('a'), map([[str('x'), nil()]])],
    [str('b'), str('again')],
  ];
  for (const width of ['fix', 16, 32] as const) {
    t.is(json(map(pairs, width)), '{"b":1,"a":{"x":null},"b":"again"}', `map ${width}`);
    t.is(json(map([], width)), '{}');
  }
});

test('keys in str8/16/32 and bin are strings; other keys are the text of their JSON value', (t) => {
  const v = uint('fix', 0n);
  const keys: Array<[Buffer, string]> = [
    [str('k', 8), '"k"'],
    [str('k', 16), '"k"'],
    [str('k', 32), '"k"'],
    [bin('k', 8), '"k"'],
    [bin('k', 32), '"k"'],
    [str(hex('c3 28')), '"\\\\xc3("'],
    [uint('fix', 1n), '"1"'],
    [int('fix', -5n), '"-5"'],
    [uint(64, 2n ** 64n - 1n), '"18446744073709551615"'],
    [nil(), '"null"'],
    [bool(true), '"true"'],
    [f64(1.5), '"1.5"'],
    [f64(2), '"2.0"'],
    [f64(Infinity), '"Infinity"'],
    [f64(Number.NaN), '"NaN"'],
    [array([uint('fix', 1n), str('a"b')]), '"[1,\\"a\\\\\\"b\\"]"'],
    [map([[str('k'), str('\\x')]]), '"{\\"k\\":\\"\\\\\\\\x5cx\\"}"'],
    [timestamp32(0), '"\\"1970-01-01T00:00:00.000Z\\""'],
  ];
  for (const [key, expected] of keys) {
    const text = json(map([[key, v]]));
    t.is(text, `{${expected}:0}`, key.toString('hex'));
    // The key is the text of the value as the writer writes it on its own.
    if (key[0] < 0xa0 || key[0] > 0xbf) {
      if (![0xc4, 0xc5, 0xc6, 0xd9, 0xda, 0xdb].includes(key[0])) t.is(Object.keys(JSON.parse(text))[0], json(key));
    }
  }
  t.is(msgpackToJson(map([[f64(-Infinity), f64(Infinity)]]), { nonFinite: 'null' }), '{"-Infinity":null}', 'a key is a name: tokens even when values are null');
});

test('timestamps 32, 64 and 96 become ISO 8601 with as many fraction digits as they need', (t) => {
  t.is(json(timestamp32(0)), '"1970-01-01T00:00:00.000Z"');
  t.is(json(timestamp32(1_600_000_000)), '"2020-09-13T12:26:40.000Z"');
  t.is(json(timestamp32(2 ** 32 - 1)), '"2106-02-07T06:28:15.000Z"');
  t.is(json(timestamp64(1_600_000_000, 500_000_000)), '"2020-09-13T12:26:40.500Z"');
  t.is(json(timestamp64(1_600_000_000, 500_001_000)), '"2020-09-13T12:26:40.500001Z"');
  t.is(json(timestamp64(1_600_000_000, 1)), '"2020-09-13T12:26:40.000000001Z"');
  t.is(json(timestamp64(2 ** 34 - 1, 999_999_999)), '"2514-05-30T01:53:03.999999999Z"');
  t.is(json(timestamp96(-1n, 0)), '"1969-12-31T23:59:59.000Z"');
  t.is(json(timestamp96(-62_167_219_200n, 0)), '"0000-01-01T00:00:00.000Z"', 'the first second of year 0000');
  t.is(json(timestamp96(253_402_300_799n, 999_999_999)), '"9999-12-31T23:59:59.999999999Z"');
  t.is(json(timestamp96(1_600_000_000n, 123_456_789)), '"2020-09-13T12:26:40.123456789Z"');
});

test('timestamps without ISO text, and every other extension, are {"ext":type,"base64":data}', (t) => {
  const data16 = Buffer.from('0123456789abcdef');
  t.is(json(ext(5, hex('2a'))), '{"ext":5,"base64":"Kg=="}', 'fixext1');
  t.is(json(ext(-128, hex('2a2b'))), '{"ext":-128,"base64":"Kis="}', 'fixext2');
  t.is(json(ext(127, hex('01020304'))), '{"ext":127,"base64":"AQIDBA=="}', 'fixext4');
  t.is(json(ext(1, data16.subarray(0, 8))), '{"ext":1,"base64":"MDEyMzQ1Njc="}', 'fixext8');
  t.is(json(ext(1, data16)), `{"ext":1,"base64":"${data16.toString('base64')}"}`, 'fixext16');
  for (const width of [8, 16, 32] as const) {
    t.is(json(ext(3, Buffer.alloc(0), width)), '{"ext":3,"base64":""}', `ext${width}, empty`);
    t.is(json(ext(3, Buffer.from('hello'), width)), '{"ext":3,"base64":"aGVsbG8="}', `ext${width}`);
  }
  t.is(json(timestamp96(-62_167_219_201n, 0)), `{"ext":-1,"base64":"${timestamp96(-62_167_219_201n, 0).subarray(3).toString('base64')}"}`, 'before year 0000');
  t.is(json(timestamp96(253_402_300_800n, 0)), `{"ext":-1,"base64":"${timestamp96(253_402_300_800n, 0).subarray(3).toString('base64')}"}`, 'after year 9999');
  t.is(json(timestamp96(2n ** 62n, 0)), `{"ext":-1,"base64":"${timestamp96(2n ** 62n, 0).subarray(3).toString('base64')}"}`);
  t.is(json(timestamp64(0, 1_000_000_000)), `{"ext":-1,"base64":"${timestamp64(0, 1_000_000_000).subarray(2).toString('base64')}"}`, 'nanoseconds past 999,999,999');
  t.is(json(ext(-1, hex('0102'))), '{"ext":-1,"base64":"AQI="}', 'a timestamp of no known length');
});

test('an event written by @msgpack/msgpack reads back as the same value', (t) => {
  const value = { a: [1, -1, -33, 300, 70000, -70000, 1.5, true, false, null, 'x'], b: { c: {}, d: 'é'.repeat(300) }, e: 'ok' };
  t.deepEqual(JSON.parse(json(Buffer.from(encode(value)))), value);
});

test('the indented layout is JSON.stringify\'s; keys may be wrapped (colours); values are the same as compact', (t) => {
  const value = { a: [1, { b: {} }, []], c: 'x', d: { e: [null, true] }, f: [] as unknown[], g: {} };
  const raw = Buffer.from(encode(value));
  t.is(msgpackToJson(raw, { indent: 2 }), JSON.stringify(value, null, 2));
  t.is(msgpackToJson(raw, { indent: 4 }), JSON.stringify(value, null, 4));
  t.is(msgpackToJson(map([[str('k'), f64(2)]]), { indent: 2, keyBefore: '<', keyAfter: '>' }), '{\n  <"k">: 2.0\n}');
  const tricky = map([
    [str('n'), uint(64, 2n ** 64n - 1n)],
    [str('f'), array([f64(0), f64(Number.NaN), f64(-Infinity)])],
    [array([uint('fix', 1n), uint('fix', 2n)]), str('a key with, spaces: and [brackets]', 8)],
    [str(hex('c3 28')), timestamp32(0)],
  ]);
  t.is(minify(msgpackToJson(tricky, { indent: 2 })), msgpackToJson(tricky));
  t.is(
    msgpackToJson(tricky, { indent: 2 }),
    '{\n  "n": 18446744073709551615,\n  "f": [\n    0.0,\n    NaN,\n    -Infinity\n  ],\n  "[1,2]": "a key with, spaces: and [brackets]",\n  "\\\\xc3(": "1970-01-01T00:00:00.000Z"\n}',
  );
});

/** JSON text without the whitespace between tokens. */
function minify(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (!/\s/.test(c)) out += c;
  }
  return out;
}

test('members: a map\'s entries without some keys, for oxstash to add its own', (t) => {
  const raw = map([
    [str('id'), str('x')],
    [str('@timestamp'), str('old')],
    [str('body'), map([[str('duration'), uint('fix', 1n)]])],
    [str('duration', 8), f64(1)],
  ]);
  const w = new JsonWriter();
  t.is(w.members(raw, [Buffer.from('@timestamp'), Buffer.from('duration')]), 2);
  t.is(w.takeString(), '"id":"x","body":{"duration":1}', 'only top-level keys are left out, in any str width');
  t.is(w.members(map([[str('duration'), nil()]]), [Buffer.from('duration')]), 0);
  t.is(w.takeString(), '');
  t.throws(() => w.members(array([]), []), { instanceOf: MsgpackJsonError, message: /not a msgpack map/ });
});

test('cut-short values, the reserved byte 0xc1, trailing bytes and too deep nesting are refused, leaving the output as it was', (t) => {
  const samples = [
    map([[str('a'), array([uint(64, 1n), f64(1.5), str('hello', 16), bin('x', 32), timestamp96(0n, 0), ext(7, hex('0102030405'), 8)])]]),
    array([map([[uint('fix', 1n), str('x')]], 16)], 32),
  ];
  for (const sample of samples) {
    for (let cut = 0; cut < sample.length; cut++) {
      t.throws(() => json(sample.subarray(0, cut)), { instanceOf: MsgpackJsonError, message: /cut short/ }, `cut at ${cut}`);
    }
  }
  t.throws(() => json(hex('c1')), { instanceOf: MsgpackJsonError, message: /0xc1/ });
  t.throws(() => json(hex('92 01 c1')), { instanceOf: MsgpackJsonError });
  t.throws(() => json(hex('01 02')), { instanceOf: MsgpackJsonError, message: /follow/ });
  const w = new JsonWriter();
  w.ascii('kept');
  t.throws(() => w.whole(hex('93 01 02')));
  t.is(w.takeString(), 'kept');

  const nested = (levels: number): Buffer => Buffer.concat([Buffer.alloc(levels, 0x91), hex('c0')]);
  t.is(json(nested(MAX_JSON_DEPTH)), `${'['.repeat(MAX_JSON_DEPTH)}null${']'.repeat(MAX_JSON_DEPTH)}`);
  t.throws(() => json(nested(MAX_JSON_DEPTH + 2)), { instanceOf: MsgpackJsonError, message: /nested/ });
  t.throws(() => json(Buffer.alloc(100_000, 0x81)), { instanceOf: MsgpackJsonError, message: /nested/ });
});

test('the writer grows for large values and hands out its bytes without copying them', (t) => {
  const w = new JsonWriter({}, 16);
  const big = str('x'.repeat(100_000), 32);
  w.whole(big);
  const taken = w.take();
  t.is(taken.length, 100_002);
  t.is(w.length, 0);
  w.whole(str('y'));
  t.is(taken.toString('latin1', 0, 3), '"xx', 'what was taken is not overwritten');
  t.is(w.takeString(), '"y"');
});
