/**
 * The plugin output of `oxpoke run`: exit codes, the status line for one and
 * several checks, the long output, and performance data in the plugin
 * guidelines' form, labels quoted and escaped.
 */
import test from 'ava';
import { Expectations, noExpectations } from '../../src/poke/check';
import { type Answer, judge, judgeFailure } from '../../src/poke/assertions';
import { type CheckRun, EXIT_CODES, perfLabel, pluginOutput, worstOutcome } from '../../src/poke/nagios';

function expectations(over: Partial<Expectations> = {}): Expectations {
  return { ...noExpectations(), ...over };
}

function answer(over: Partial<Omit<Answer, 'body'>> & { body?: string } = {}): Answer {
  const { body, ...rest } = over;
  return { status: 200, headers: {}, totalMs: 12, certDaysLeft: null, ...rest, body: Buffer.from(body ?? '{"result": 4}') };
}

/** A run as `oxpoke run` makes it: the answer judged against the expectations. */
function run(name: string, expect: Expectations, a: Answer): CheckRun {
  return { name, judgement: judge(expect, a), answer: a, expect };
}

function failedRun(name: string, reason: string, message: string): CheckRun {
  return { name, judgement: judgeFailure(reason, message), answer: null, expect: { warningMs: 200, criticalMs: 1000 } };
}

const add = expectations({ status: [200], json: [{ path: '$.result', expect: { op: 'equal', value: 4 } }], warningMs: 200, criticalMs: 1000 });

test('exit codes follow the plugin conventions', (t) => {
  t.deepEqual(EXIT_CODES, { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 });
});

test('one check that passes: status, time and performance data', (t) => {
  const out = pluginOutput([run('add', add, answer({ totalMs: 12 }))]);
  t.is(out.exitCode, 0);
  t.is(out.text, "POKE OK - add: 200 in 12 ms | 'add_time'=0.012000s;0.200000;1.000000;0; 'add_size'=13B;;;0;\n");
});

test("the issue's example failing: expected 4, got 5", (t) => {
  const out = pluginOutput([run('add', add, answer({ body: '{"result": 5}', totalMs: 8.25 }))]);
  t.is(out.exitCode, 2);
  t.is(out.text, "POKE CRITICAL - add: json $.result equal: expected 4, got 5 | 'add_time'=0.008250s;0.200000;1.000000;0; 'add_size'=13B;;;0;\n");
});

test('a slow answer is a WARNING, exit 1', (t) => {
  const out = pluginOutput([run('add', add, answer({ totalMs: 350 }))]);
  t.is(out.exitCode, 1);
  t.is(out.text, "POKE WARNING - add: time: expected at most 200 ms, got 350 ms | 'add_time'=0.350000s;0.200000;1.000000;0; 'add_size'=13B;;;0;\n");
});

test('no limits leave the thresholds empty; TCP shows "connected"', (t) => {
  const out = pluginOutput([run('port', expectations(), answer({ status: null, body: '', totalMs: 0.75 }))]);
  t.is(out.exitCode, 0);
  t.is(out.text, "POKE OK - port: connected in 0.8 ms | 'port_time'=0.000750s;;;0; 'port_size'=0B;;;0;\n");
});

test('a probe that failed outright: the reason and message, no performance data', (t) => {
  const out = pluginOutput([failedRun('add', 'refused', 'connect ECONNREFUSED 127.0.0.1:8080')]);
  t.is(out.exitCode, 2);
  t.is(out.text, 'POKE CRITICAL - add: refused: connect ECONNREFUSED 127.0.0.1:8080\n');
});

test('several failed assertions: the worst first, "(+N more)", and every one in the long output', (t) => {
  const expect = expectations({
    status: [200],
    json: [
      { path: '$.result', expect: { op: 'equal', value: 4 } },
      { path: '$.ok', expect: { op: 'exists', value: true } },
    ],
    warningMs: 100,
  });
  const out = pluginOutput([run('add', expect, answer({ body: '{"result": 5}', totalMs: 150 }))]);
  t.is(out.exitCode, 2);
  t.deepEqual(out.text.split('\n'), [
    "POKE CRITICAL - add: json $.result equal: expected 4, got 5 (+2 more) | 'add_time'=0.150000s;0.100000;;0; 'add_size'=13B;;;0;",
    '[CRITICAL] add: json $.result equal: expected 4, got 5',
    '[CRITICAL] add: json $.ok exists: expected present, got absent',
    '[WARNING] add: time: expected at most 100 ms, got 150 ms',
    '',
  ]);
});

test('a CRITICAL assertion is shown before an earlier WARNING one', (t) => {
  const expect = expectations({ warningMs: 100, certCriticalDays: 7 });
  const out = pluginOutput([run('tls', expect, answer({ totalMs: 150, certDaysLeft: 2 }))]);
  t.regex(out.text, /^POKE CRITICAL - tls: cert: expected more than 7 days left, got 2 days left \(\+1 more\) \|/);
});

test('several checks all OK: each listed, performance data for all', (t) => {
  const out = pluginOutput([
    run('add', add, answer({ totalMs: 12 })),
    run('sub', expectations(), answer({ status: 204, body: '', totalMs: 9 })),
  ]);
  t.is(out.exitCode, 0);
  t.is(
    out.text,
    "POKE OK - 2 checks OK: add: 200 in 12 ms; sub: 204 in 9 ms | 'add_time'=0.012000s;0.200000;1.000000;0; 'add_size'=13B;;;0; 'sub_time'=0.009000s;;;0; 'sub_size'=0B;;;0;\n",
  );
});

test('several checks: the worst decides the exit code; those not OK are listed worst first', (t) => {
  const out = pluginOutput([
    run('fine', expectations(), answer({ totalMs: 3 })),
    run('slow', add, answer({ totalMs: 350 })),
    failedRun('down', 'timeout', 'no answer within 5000 ms'),
    run('wrong', add, answer({ body: '{"result": 5}' })),
  ]);
  t.is(out.exitCode, 2);
  t.is(
    out.text,
    'POKE CRITICAL - 3 of 4 checks not OK: down: timeout: no answer within 5000 ms; wrong: json $.result equal: expected 4, got 5; ' +
      'slow: time: expected at most 200 ms, got 350 ms | ' +
      "'fine_time'=0.003000s;;;0; 'fine_size'=13B;;;0; 'slow_time'=0.350000s;0.200000;1.000000;0; 'slow_size'=13B;;;0; " +
      "'wrong_time'=0.012000s;0.200000;1.000000;0; 'wrong_size'=13B;;;0;\n",
  );
});

test('worst outcome: CRITICAL, then WARNING, then UNKNOWN, then OK', (t) => {
  t.is(worstOutcome([]), 'OK');
  t.is(worstOutcome(['OK', 'OK']), 'OK');
  t.is(worstOutcome(['OK', 'UNKNOWN']), 'UNKNOWN');
  t.is(worstOutcome(['UNKNOWN', 'WARNING', 'OK']), 'WARNING');
  t.is(worstOutcome(['WARNING', 'CRITICAL', 'UNKNOWN']), 'CRITICAL');
  const unknown: CheckRun = { name: 'odd', judgement: { outcome: 'UNKNOWN', results: [] }, answer: null, expect: add };
  const out = pluginOutput([run('fine', expectations(), answer()), unknown]);
  t.is(out.exitCode, 3);
  t.regex(out.text, /^POKE UNKNOWN - 1 of 2 checks not OK: odd: UNKNOWN \| 'fine_time'/);
  t.is(pluginOutput([unknown, run('slow', add, answer({ totalMs: 300 }))]).exitCode, 1);
});

test('no checks at all is UNKNOWN', (t) => {
  t.deepEqual(pluginOutput([]), { exitCode: 3, text: 'POKE UNKNOWN - no checks were run\n' });
});

test('labels are quoted; a quote is doubled; = and control characters become _', (t) => {
  t.is(perfLabel('add_time'), "'add_time'");
  t.is(perfLabel('my check_time'), "'my check_time'");
  t.is(perfLabel("bob's api_time"), "'bob''s api_time'");
  t.is(perfLabel("''"), "''''''");
  t.is(perfLabel('a=b_time'), "'a_b_time'");
  t.is(perfLabel('line\nbreak\ttab'), "'line_break_tab'");
  t.is(perfLabel('naïve ✓'), "'naïve ✓'");
});

test("a check name with quotes, spaces, = and | keeps the output's shape", (t) => {
  const out = pluginOutput([run("it's a=b|c", expectations({ body: /x|y/ }), answer({ body: 'none', totalMs: 10 }))]);
  t.is(
    out.text,
    "POKE CRITICAL - it's a=b¦c: body: expected /x¦y/, got \"none\" (4 bytes) | 'it''s a_b|c_time'=0.010000s;;;0; 'it''s a_b|c_size'=4B;;;0;\n",
  );
  const [, perf] = out.text.trimEnd().split(' | ');
  // Read back as a monitoring system would: quoted labels, '' for a quote, then =value.
  const parsed = [...perf.matchAll(/'((?:[^']|'')*)'=([-0-9.]+)(s|B)?;([-0-9.]*);([-0-9.]*);([-0-9.]*);([-0-9.]*)(?: |$)/g)];
  t.deepEqual(parsed.map((m) => [m[1].replace(/''/g, "'"), m[2], m[3]]), [
    ["it's a_b|c_time", '0.010000', 's'],
    ["it's a_b|c_size", '4', 'B'],
  ]);
});

test('line breaks in what came back stay out of the status line', (t) => {
  const out = pluginOutput([run('h', expectations({ body: /ok/ }), answer({ body: 'a\nb', totalMs: 1 }))]);
  t.is(out.text.split('\n').length, 2, 'one line and the final newline');
  t.is(out.text, "POKE CRITICAL - h: body: expected /ok/, got \"a\\nb\" (3 bytes) | 'h_time'=0.001000s;;;0; 'h_size'=3B;;;0;\n");
  const raw = pluginOutput([failedRun('h', 'reset', 'socket hang up\r\nagain')]);
  t.is(raw.text, 'POKE CRITICAL - h: reset: socket hang up again\n');
});

test('every performance value is in the class [-0-9.] with its unit', (t) => {
  for (const totalMs of [0, 0.0004, 1, 999.9999, 123456.789]) {
    const out = pluginOutput([run('x', add, answer({ totalMs }))]);
    const m = /'x_time'=([^s;]*)s;/.exec(out.text);
    t.truthy(m, out.text);
    t.regex(m![1], /^[0-9]+\.[0-9]{6}$/);
  }
});
