/**
 * Integers of every msgpack width keep all their digits; floats (float32 and
 * float64) always read back as floats, in Python's repr(); non-finite
 * floats as tokens, or null when asked.
 */
import test from 'ava';
import { floatText } from '../../src/json/json-number';
import { msgpackToJson } from '../../src/json/json-writer';
import { f32, f64, f64bits, hex, int, uint } from '../helpers/msgpack-samples';

const json = (b: Buffer): string => msgpackToJson(b);

test('positive and negative fixint, uint8/16/32/64 and int8/16/32/64 at their limits', (t) => {
  const cases: Array<[Buffer, string]> = [
    [uint('fix', 0n), '0'],
    [uint('fix', 9n), '9'],
    [uint('fix', 10n), '10'],
    [uint('fix', 127n), '127'],
    [int('fix', -1n), '-1'],
    [int('fix', -32n), '-32'],
    [uint(8, 0n), '0'],
    [uint(8, 255n), '255'],
    [uint(16, 65535n), '65535'],
    [uint(32, 4294967295n), '4294967295'],
    [uint(64, 0n), '0'],
    [uint(64, 2n ** 53n - 1n), '9007199254740991'],
    [uint(64, 2n ** 53n), '9007199254740992'],
    [uint(64, 2n ** 53n + 1n), '9007199254740993'],
    [uint(64, 9223372036854775813n), '9223372036854775813'],
    [uint(64, 2n ** 64n - 1n), '18446744073709551615'],
    [int(8, -128n), '-128'],
    [int(8, 127n), '127'],
    [int(16, -32768n), '-32768'],
    [int(16, 32767n), '32767'],
    [int(32, -2147483648n), '-2147483648'],
    [int(32, 2147483647n), '2147483647'],
    [int(64, -1n), '-1'],
    [int(64, 0n), '0'],
    [int(64, -(2n ** 53n) + 1n), '-9007199254740991'],
    [int(64, -(2n ** 53n)), '-9007199254740992'],
    [int(64, -(2n ** 53n) - 1n), '-9007199254740993'],
    [int(64, 2n ** 53n + 1n), '9007199254740993'],
    [int(64, -(2n ** 63n)), '-9223372036854775808'],
    [int(64, 2n ** 63n - 1n), '9223372036854775807'],
  ];
  for (const [bytes, expected] of cases) t.is(json(bytes), expected, bytes.toString('hex'));
});

test('every 64-bit integer around 2^53, 2^63 and the 32-bit halves is exact', (t) => {
  for (const base of [2n ** 32n, 2n ** 53n, 2n ** 63n - 100n, 2n ** 64n - 100n]) {
    for (let d = -50n; d < 50n; d++) {
      const n = base + d;
      if (n >= 0n && n < 2n ** 64n) t.is(json(uint(64, n)), n.toString());
      const s = -(base + d);
      if (s >= -(2n ** 63n) && s < 2n ** 63n) t.is(json(int(64, s)), s.toString());
    }
  }
});

test('whole floats keep a ".0"; float32 shows the float64 it widens to', (t) => {
  const cases: Array<[Buffer, string]> = [
    [f64(2), '2.0'],
    [f64(0), '0.0'],
    [f64(-0), '-0.0'],
    [f64(-2), '-2.0'],
    [f64(1.5), '1.5'],
    [f64(0.1), '0.1'],
    [f64(123456.789), '123456.789'],
    [f64(1795248413.1547112), '1795248413.1547112'],
    [f64(2 ** 53), '9007199254740992.0'],
    [f64(1e15), '1000000000000000.0'],
    [f64(9999999999999998), '9999999999999998.0'],
    [f64(1e16), '1e+16'],
    [f64(1.2345678901234568e17), '1.2345678901234568e+17'],
    [f64(1e21), '1e+21'],
    [f64(1e300), '1e+300'],
    [f64(-1e300), '-1e+300'],
    [f64(1.7976931348623157e308), '1.7976931348623157e+308'],
    [f64(0.0001), '0.0001'],
    [f64(0.00012), '0.00012'],
    [f64(0.00001), '1e-05'],
    [f64(1.5e-7), '1.5e-07'],
    [f64(5e-324), '5e-324'],
    [f64(2.2250738585072014e-308), '2.2250738585072014e-308'],
    [f32(1), '1.0'],
    [f32(0), '0.0'],
    [f32(-0), '-0.0'],
    [f32(0.5), '0.5'],
    [f32(0.1), '0.10000000149011612'],
    [f32(16777216), '16777216.0'],
    [f32(3.4028234663852886e38), '3.4028234663852886e+38'],
    [f32(1.401298464324817e-45), '1.401298464324817e-45'],
  ];
  for (const [bytes, expected] of cases) {
    t.is(json(bytes), expected, bytes.toString('hex'));
    t.is(Number(JSON.parse(expected)), bytes[0] === 0xca ? bytes.readFloatBE(1) : bytes.readDoubleBE(1), 'reads back as the same value');
  }
});

test('NaN and the infinities: Python json\'s tokens by default, null when asked; float32 alike', (t) => {
  const nonFinite: Array<[Buffer, string]> = [
    [f64(Number.NaN), 'NaN'],
    [f64bits(0x7ff0000000000001n), 'NaN'],
    [f64bits(0xfff8000000000000n), 'NaN'],
    [f64(Infinity), 'Infinity'],
    [f64(-Infinity), '-Infinity'],
    [hex('ca 7fc00000'), 'NaN'],
    [hex('ca 7f800000'), 'Infinity'],
    [hex('ca ff800000'), '-Infinity'],
  ];
  for (const [bytes, token] of nonFinite) {
    t.is(json(bytes), token);
    t.is(msgpackToJson(bytes, { nonFinite: 'null' }), 'null');
  }
  t.is(msgpackToJson(f64(2), { nonFinite: 'null' }), '2.0', 'finite floats are not affected');
});

test('float text always parses as the same float64 and always says float', (t) => {
  // Every power of ten and its neighbours, where plain and exponent notation meet.
  for (let e = -325; e <= 308; e++) {
    for (const x of [10 ** e, 10 ** e * (1 + Number.EPSILON), 10 ** e * (1 - Number.EPSILON / 2), 7 * 10 ** e, -(10 ** e)]) {
      if (!Number.isFinite(x)) continue;
      const s = floatText(x, 'token');
      t.regex(s, /^-?\d+(\.\d+)?(e[+-]\d{2,3})?$/);
      t.true(/[.e]/.test(s), s);
      t.is(Number(s), x, s);
    }
  }
});
