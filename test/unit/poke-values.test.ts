import test from 'ava';
import { formatDuration, parseDuration } from '../../src/poke/durations';
import { fillPlaceholders, placeholderNames } from '../../src/poke/placeholders';
import { parseSize } from '../../src/poke/sizes';
import { locateKeys } from '../../src/poke/toml-lines';

test('durations: a number and a unit, or several; whole milliseconds only', (t) => {
  for (const [text, ms] of [
    ['250ms', 250],
    ['5s', 5000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['0s', 0],
  ] as const) {
    t.is(parseDuration(text), ms, text);
    t.is(parseDuration(formatDuration(ms)), ms, formatDuration(ms));
  }
  for (const text of ['', '5', '5 s', 's', '0.5ms', '1s1s', '-1s', '1.s', '5sec']) t.is(parseDuration(text), undefined, text);
  t.is(formatDuration(90_500), '1m30s500ms');
});

test('sizes: bytes as an integer, or a text with a binary or decimal unit', (t) => {
  for (const [value, bytes] of [
    [65536, 65536],
    ['512B', 512],
    ['64KiB', 65536],
    ['1MiB', 1048576],
    ['1GiB', 1073741824],
    ['10kB', 10_000],
    ['1.5MB', 1_500_000],
    ['2 MiB', 2097152],
  ] as const) {
    t.is(parseSize(value), bytes, String(value));
  }
  for (const value of [-1, 1.5, '1', '1mb', '1KB', 'MiB', true]) t.is(parseSize(value), undefined, String(value));
});

test('placeholders: ${NAME} is a captured value, $${ a literal ${', (t) => {
  t.deepEqual(placeholderNames('a ${x} b $${y} ${z_1}'), ['x', 'z_1']);
  const values = new Map([
    ['token', 'abc'],
    ['id', '7'],
  ]);
  t.is(fillPlaceholders('/users/${id}?t=${token}&lit=$${id}', values), '/users/7?t=abc&lit=${id}');
  t.throws(() => fillPlaceholders('${other}', values), { message: /no value captured for \$\{other\}/ });
});

test('key lines: headers, dotted keys, inline tables, arrays, nested arrays of tables, strings that look like keys', (t) => {
  const text = [
    '# comment [[check]]', // 1
    '[defaults]', // 2
    "timeout = '5s' # [x]", // 3
    '[[scenario]]', // 4
    'name = "a"', // 5
    '[[scenario.step]]', // 6
    'url = """', // 7
    'name = "not a key"', // 8
    '"""', // 9
    'expect.json."$.a" = { equal = [1,', // 10
    '  2, { b = 3 }] }', // 11
    '[[scenario]]', // 12
    'name = "b"', // 13
    '[[scenario.step]]', // 14
    '[[scenario.step]]', // 15
    '[scenario.step.expect]', // 16
    '"quoted \\u0041" = 1979-05-27 07:32:00', // 17
    'status = 1', // 18
  ].join('\r\n');
  const lines = locateKeys(text);
  t.is(lines.lineOf(['defaults', 'timeout']), 3);
  t.is(lines.lineOf(['scenario', 0]), 4);
  t.is(lines.lineOf(['scenario', 0, 'name']), 5);
  t.is(lines.lineOf(['scenario', 0, 'step', 0, 'url']), 7);
  t.is(lines.lineOf(['scenario', 0, 'step', 0, 'expect', 'json', '$.a', 'equal', 2, 'b']), 11);
  t.is(lines.lineOf(['scenario', 0, 'step', 0, 'expect', 'json', '$.a', 'equal', 1]), 11);
  t.is(lines.lineOf(['scenario', 0, 'step', 0, 'name']), 6, 'not found: its table');
  t.is(lines.lineOf(['scenario', 1, 'step', 1]), 15);
  t.is(lines.lineOf(['scenario', 1, 'step', 1, 'expect', 'quoted A']), 17);
  t.is(lines.lineOf(['scenario', 1, 'step', 1, 'expect', 'status']), 18);
  t.is(lines.lineOf(['nothing']), 1);
});
