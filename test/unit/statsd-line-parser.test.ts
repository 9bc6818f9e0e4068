import test from 'ava';
import { parseStatsdText, StatsdTarget } from '../../src/protocol/statsd/line-parser';
import { parseStatsdNumber } from '../../src/protocol/statsd/number';

/** Every call the parser makes, in order, as text. */
function parse(text: string): { calls: string[]; lines: number } {
  const calls: string[] = [];
  const target: StatsdTarget = {
    counter: (n, v, r) => calls.push(`c ${n} ${v} @${r}`),
    gauge: (n, v, d) => calls.push(`g ${n} ${v}${d ? ' delta' : ''}`),
    timer: (n, v, r) => calls.push(`ms ${n} ${v} @${r}`),
    set: (n, m) => calls.push(`s ${n} ${JSON.stringify(m)}`),
    event: (e) => calls.push(`event ${JSON.stringify(e)}`),
    check: (c) => calls.push(`check ${JSON.stringify(c)}`),
    bad: (reason, line) => calls.push(`bad ${reason} ${JSON.stringify(line)}`),
  };
  const lines = parseStatsdText(text, target);
  return { calls, lines };
}

test('each type as statsd reads it, with sample rates and gauge deltas', (t) => {
  t.deepEqual(parse('frozone.statsd.test:1|c').calls, ['c frozone.statsd.test 1 @1']);
  t.deepEqual(parse('hits:3|c|@0.1').calls, ['c hits 3 @0.1']);
  t.deepEqual(parse('load:-12.5|c').calls, ['c load -12.5 @1']);
  t.deepEqual(parse('temp:21.5|g').calls, ['g temp 21.5']);
  t.deepEqual(parse('temp:+2|g\ntemp:-3|g').calls, ['g temp 2 delta', 'g temp -3 delta']);
  t.deepEqual(parse('api:320|ms|@0.5').calls, ['ms api 320 @0.5']);
  t.deepEqual(parse('size:12|h\nlat:0.25|d').calls, ['ms size 12 @1', 'ms lat 0.25 @1'], 'h and d are timers');
  t.deepEqual(parse('users:alice|s\nusers:|s').calls, ['s users "alice"', 's users "0"'], 'an empty member is "0", as in statsd');
  t.deepEqual(parse('x:1| c ').calls, ['c x 1 @1'], 'blanks around the type are ignored, as statsd trims it');
});

test('several lines per datagram, several parts per name, DogStatsD value packing', (t) => {
  const r = parse('a:1|c\n\nb:2|ms:3|ms:4|c\nc:1:2:3|ms|@0.5\n');
  t.is(r.lines, 3, 'empty lines are not counted');
  t.deepEqual(r.calls, ['c a 1 @1', 'ms b 2 @1', 'ms b 3 @1', 'c b 4 @1', 'ms c 1 @0.5', 'ms c 2 @0.5', 'ms c 3 @0.5']);
  t.deepEqual(parse('p:1:2|c:5|ms').calls, ['c p 1 @1', 'c p 2 @1', 'ms p 5 @1'], 'a packed value takes the type of the next typed part');
  t.deepEqual(parse('q:1|c:7').calls, ['c q 1 @1', 'bad no-type "q:1|c:7"'], 'a trailing value with no type is a bad line');
});

test('DogStatsD tags become Graphite tags, as statsd writes them', (t) => {
  t.deepEqual(parse('req:1|c|#env:prod,canary').calls, ['c req;env=prod;canary 1 @1']);
  t.deepEqual(parse('req:1|c|@0.5|#a:b:c,x;y').calls, ['c req;a=bc;x_y 1 @0.5'], 'only the first ":" becomes "=", the rest is sanitised away');
  t.deepEqual(parse('req:1|c|#').calls, ['c req 1 @1'], 'an empty tag list adds nothing');
  t.deepEqual(parse(':1|c|#env:prod\n!!:1|c|#env:prod').calls, ['bad name ":1|c|#env:prod"', 'bad name "!!:1|c|#env:prod"'], 'tags without a name are no name');
});

test("statsd's key sanitising: blanks to _, / to -, other characters removed", (t) => {
  t.deepEqual(parse('my key/path:1|c').calls, ['c my_key-path 1 @1']);
  t.deepEqual(parse('a  \t b:1|c').calls, ['c a_b 1 @1']);
  t.deepEqual(parse('wé!rd$(name):1|c').calls, ['c wrdname 1 @1']);
  t.deepEqual(parse('x\u0000y:1|c').calls, ['c xy 1 @1']);
});

test('bad lines are counted by reason and never stop the good lines around them', (t) => {
  const r = parse(['nocolon', 'a:1', 'b:x|c', 'c:1|c|@x', 'd:1|c|@-1', 'e:1|c|@0', 'f:1|zz', 'g:-1|ms', ':1|c', '!!:1|c', 'ok:1|c', 'h:1e309|c', 'i:0x10|c', 'j:NaN|g', 'k:Infinity|ms', 'l:1|c|T123'].join('\n'));
  t.is(r.lines, 16);
  t.deepEqual(r.calls, [
    'bad no-type "nocolon"',
    'bad no-type "a:1"',
    'bad value "x|c"',
    'bad rate "1|c|@x"',
    'bad rate "1|c|@-1"',
    'bad rate "1|c|@0"',
    'bad type "1|zz"',
    'bad value "-1|ms"',
    'bad name ":1|c"',
    'bad name "!!:1|c"',
    'c ok 1 @1',
    'bad value "1e309|c"',
    'bad value "0x10|c"',
    'bad value "NaN|g"',
    'bad value "Infinity|ms"',
    'bad rate "1|c|T123"',
  ]);
  t.deepEqual(parse(`${'n'.repeat(513)}:1|c`).calls, [`bad name ${JSON.stringify(`${'n'.repeat(513)}:1|c`)}`]);
  t.deepEqual(parse(`${'n'.repeat(512)}:1|c`).calls, [`c ${'n'.repeat(512)} 1 @1`]);
});

test('DogStatsD events and service checks are read whole, not counted as bad lines', (t) => {
  const events: unknown[] = [];
  const checks: unknown[] = [];
  const bad: string[] = [];
  const target: StatsdTarget = {
    counter: () => bad.push('counter'),
    gauge: () => bad.push('gauge'),
    timer: () => bad.push('timer'),
    set: () => bad.push('set'),
    event: (e) => events.push(e),
    check: (c) => checks.push(c),
    bad: (reason, line) => bad.push(`${reason} ${line}`),
  };
  parseStatsdText('_e{6,12}:Deploy|api v2\\nlive|d:1700000000|h:web1|p:low|t:success|k:dep|s:ci|#env:prod,canary', target);
  parseStatsdText('_e{2,2}:Ü|ab', target);
  parseStatsdText('_sc|db.up|2|d:1700000000|h:db1|#role:primary|m:replica lag 30s | paging', target);
  t.deepEqual(events, [
    { title: 'Deploy', text: 'api v2\nlive', timestamp: 1700000000, hostname: 'web1', priority: 'low', alert_type: 'success', aggregation_key: 'dep', source_type_name: 'ci', tags: ['env:prod', 'canary'] },
    { title: 'Ü', text: 'ab', tags: [] },
  ]);
  t.deepEqual(checks, [
    { name: 'db.up', status: 2, status_name: 'critical', timestamp: 1700000000, hostname: 'db1', message: 'replica lag 30s | paging', tags: ['role:primary'] },
  ]);
  t.deepEqual(bad, []);
  t.deepEqual(parse('_e{2,3}:Ün|abc\n_sc|x|7\n_e{9,1}:short|x\n_sc||0').calls, [
    'bad event "_e{2,3}:Ün|abc"',
    'bad event "_sc|x|7"',
    'bad event "_e{9,1}:short|x"',
    'bad event "_sc||0"',
  ], 'lengths count UTF-8 bytes ("Ü" is 2), a status is 0 to 3, a check has a name');
});

test('numbers are plain decimals', (t) => {
  for (const [text, value] of [['0', 0], ['42', 42], ['-7', -7], ['+3', 3], ['1.5', 1.5], ['.5', 0.5], ['5.', 5], ['1e3', 1000], ['2.5E-2', 0.025], ['123456789012345678', 123456789012345678]] as const) {
    t.is(parseStatsdNumber(text, 0, text.length), value, text);
  }
  for (const text of ['', '-', '+', '.', 'e5', '1e', '0x10', ' 1', '1 ', 'Infinity', 'NaN', '1,5', '--1', '1e+']) {
    t.true(Number.isNaN(parseStatsdNumber(text, 0, text.length)), JSON.stringify(text));
  }
});

test('decimals read without Number() give exactly the double Number() gives', (t) => {
  let seed = 12345;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const mismatches: string[] = [];
  for (let i = 0; i < 200_000; i++) {
    const text = `${random() < 0.3 ? '-' : ''}${(random() * 10 ** Math.floor(random() * 14)).toFixed(Math.floor(random() * 9))}`;
    if (!Object.is(parseStatsdNumber(text, 0, text.length), Number(text))) mismatches.push(text);
  }
  t.deepEqual(mismatches.slice(0, 5), []);
});
