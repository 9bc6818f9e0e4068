/**
 * Judging answers: every assertion kind and operator, its text when it fails,
 * the worst-severity rule, and the example ($.result = 4).
 */
import test from 'ava';
import { Expectations, JsonExpectation, noExpectations } from '../../src/poke/check';
import { type Answer, type AssertionResult, deepEqual, describeResult, judge, judgeFailure } from '../../src/poke/assertions';

function expectations(over: Partial<Expectations> = {}): Expectations {
  return { ...noExpectations(), ...over };
}

function answer(over: Partial<Omit<Answer, 'body'>> & { body?: string | Buffer } = {}): Answer {
  const { body, ...rest } = over;
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    totalMs: 12,
    certDaysLeft: null,
    ...rest,
    body: Buffer.isBuffer(body) ? body : Buffer.from(body ?? '{"result": 4}'),
  };
}

/** The one result named `name`. */
function named(results: AssertionResult[], name: string): AssertionResult {
  const found = results.filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`${found.length} results named ${name}: ${JSON.stringify(results)}`);
  return found[0];
}

function json(path: string, expect: JsonExpectation, body: string): AssertionResult {
  const { results } = judge(expectations({ json: [{ path, expect }] }), answer({ body }));
  return named(results, `json ${path} ${expect.op}`);
}

test("the issue's example: $.result = 4 passes against {\"result\": 4}", (t) => {
  const expect = expectations({ status: [200], json: [{ path: '$.result', expect: { op: 'equal', value: 4 } }] });
  const j = judge(expect, answer({ body: '{"result": 4}' }));
  t.is(j.outcome, 'OK');
  t.deepEqual(j.results, [
    { name: 'status', ok: true, severity: 'CRITICAL', expected: '200', got: '200' },
    { name: 'json $.result equal', ok: true, severity: 'CRITICAL', expected: '4', got: '4' },
  ]);
});

test("the issue's example: against {\"result\": 5} it fails with expected 4, got 5", (t) => {
  const expect = expectations({ status: [200], json: [{ path: '$.result', expect: { op: 'equal', value: 4 } }] });
  const j = judge(expect, answer({ body: '{"result": 5}' }));
  t.is(j.outcome, 'CRITICAL');
  const r = named(j.results, 'json $.result equal');
  t.like(r, { ok: false, severity: 'CRITICAL', expected: '4', got: '5' });
  t.is(describeResult(r), 'json $.result equal: expected 4, got 5');
});

test('status: null expects anything below 400; a 4xx is WARNING and a 5xx CRITICAL, as check_http judges them', (t) => {
  for (const status of [200, 204, 301, 399]) {
    t.like(named(judge(expectations(), answer({ status })).results, 'status'), { ok: true, expected: 'below 400' });
  }
  for (const [status, outcome] of [[400, 'WARNING'], [404, 'WARNING'], [499, 'WARNING'], [500, 'CRITICAL'], [503, 'CRITICAL']] as const) {
    const j = judge(expectations(), answer({ status }));
    t.is(j.outcome, outcome, String(status));
    t.is(describeResult(named(j.results, 'status')), `status: expected below 400, got ${status}`);
  }
});

test('status: single values and inclusive ranges', (t) => {
  const status: Expectations['status'] = [200, [300, 304], 418];
  for (const s of [200, 300, 302, 304, 418]) t.true(named(judge(expectations({ status }), answer({ status: s })).results, 'status').ok, String(s));
  for (const s of [201, 299, 305, 500]) {
    const r = named(judge(expectations({ status }), answer({ status: s })).results, 'status');
    t.false(r.ok, String(s));
    t.is(describeResult(r), `status: expected one of 200, 300-304, 418, got ${s}`);
  }
  t.is(named(judge(expectations({ status: [404] }), answer({ status: 404 })).results, 'status').ok, true, 'a 4xx can be expected');
});

test('status: not judged for TCP unless expected', (t) => {
  const j = judge(expectations(), answer({ status: null, headers: {} }));
  t.deepEqual(j, { outcome: 'OK', results: [] });
  const r = named(judge(expectations({ status: [200] }), answer({ status: null })).results, 'status');
  t.is(describeResult(r), 'status: expected 200, got no status');
});

test('headers: the value matches the pattern; absent fails', (t) => {
  const headers = [
    { name: 'content-type', pattern: /^application\/json/ },
    { name: 'x-served-by', pattern: /web-\d+/ },
  ];
  const ok = judge(expectations({ headers }), answer({ headers: { 'content-type': 'application/json; charset=utf-8', 'x-served-by': 'web-3' } }));
  t.is(ok.outcome, 'OK');
  t.true(named(ok.results, 'header content-type').ok);
  const bad = judge(expectations({ headers }), answer({ headers: { 'content-type': 'text/html' } }));
  t.is(bad.outcome, 'CRITICAL');
  t.is(describeResult(named(bad.results, 'header content-type')), 'header content-type: expected /^application\\/json/, got "text/html"');
  t.is(describeResult(named(bad.results, 'header x-served-by')), 'header x-served-by: expected /web-\\d+/, got no such header');
});

test('a global or sticky pattern gives the same verdict every time', (t) => {
  const expect = expectations({ body: /ok/g, headers: [{ name: 'x', pattern: /y/y }] });
  const a = answer({ body: 'it is ok', headers: { x: 'y' } });
  for (let i = 0; i < 3; i++) t.is(judge(expect, a).outcome, 'OK');
});

test('body: a regular expression over the body as UTF-8', (t) => {
  t.is(judge(expectations({ body: /grüße \d+/ }), answer({ body: Buffer.from('viele grüße 42', 'utf8') })).outcome, 'OK');
  const r = named(judge(expectations({ body: /healthy/ }), answer({ body: 'down for maintenance' })).results, 'body');
  t.false(r.ok);
  t.is(describeResult(r), 'body: expected /healthy/, got "down for maintenance" (20 bytes)');
});

test('a long value is cut in the text', (t) => {
  const r = named(judge(expectations({ body: /x/ }), answer({ body: 'a'.repeat(5000) })).results, 'body');
  t.is(r.got, `"${'a'.repeat(199)}… (5000 bytes)`);
});

test('json: a body that is not JSON fails every json assertion with "not JSON: ..."', (t) => {
  const expect = expectations({
    json: [
      { path: '$.result', expect: { op: 'equal', value: 4 } },
      { path: '$.x', expect: { op: 'exists', value: false } },
    ],
  });
  const j = judge(expect, answer({ body: '<html>oops</html>' }));
  t.is(j.outcome, 'CRITICAL');
  for (const r of j.results.filter((x) => x.name.startsWith('json '))) {
    t.false(r.ok);
    t.regex(r.got, /^not JSON: ./);
  }
  t.regex(describeResult(j.results[1]), /^json \$\.result equal: expected 4, got not JSON: /);
  t.regex(json('$', { op: 'exists', value: true }, '').got, /^not JSON: /, 'an empty body is not JSON');
});

test('json: a byte order mark before the JSON is ignored', (t) => {
  t.true(json('$.result', { op: 'equal', value: 4 }, '\ufeff{"result": 4}').ok);
});

test('json equal: deep, numbers by value, key order free, types strict', (t) => {
  t.true(json('$.a', { op: 'equal', value: { x: [1, { y: null }], z: 'q' } }, '{"a": {"z": "q", "x": [1, {"y": null}]}}').ok);
  t.true(json('$.n', { op: 'equal', value: 4 }, '{"n": 4.0}').ok, '4.0 is 4');
  t.true(json('$.n', { op: 'equal', value: 4n }, '{"n": 4}').ok, 'an integer read as bigint');
  t.true(json('$.n', { op: 'equal', value: 0.5 }, '{"n": 5e-1}').ok);
  t.true(json('$.s', { op: 'equal', value: 'ok' }, '{"s": "ok"}').ok);
  t.true(json('$.b', { op: 'equal', value: false }, '{"b": false}').ok);
  t.true(json('$.z', { op: 'equal', value: null }, '{"z": null}').ok);
  const cases: Array<[unknown, string, string]> = [
    [4, '{"n": "4"}', '"4"'],
    ['4', '{"n": 4}', '4'],
    [true, '{"n": 1}', '1'],
    [null, '{"n": 0}', '0'],
    [[1, 2], '{"n": [2, 1]}', '[2,1]'],
    [[1, 2], '{"n": [1, 2, 3]}', '[1,2,3]'],
    [{ a: 1 }, '{"n": {"a": 1, "b": 2}}', '{"a":1,"b":2}'],
    [{ a: 1, b: 2 }, '{"n": {"a": 1}}', '{"a":1}'],
    [[], '{"n": {}}', '{}'],
  ];
  for (const [value, body, got] of cases) {
    const r = json('$.n', { op: 'equal', value }, body);
    t.false(r.ok, body);
    t.is(r.got, got);
    t.is(r.expected, JSON.stringify(value));
  }
  const missing = json('$.result', { op: 'equal', value: 4 }, '{"other": 4}');
  t.is(describeResult(missing), 'json $.result equal: expected 4, got nothing');
});

test('deepEqual compares big integers by value', (t) => {
  t.true(deepEqual(9007199254740993n, 9007199254740993n));
  t.true(deepEqual(3n, 3));
  t.false(deepEqual(3n, 3.5));
  t.false(deepEqual(3n, '3'));
});

test('json contains: substring, array element (deep), object key', (t) => {
  t.true(json('$.s', { op: 'contains', value: 'ell' }, '{"s": "hello"}').ok);
  t.true(json('$.a', { op: 'contains', value: 3 }, '{"a": [1, 2, 3]}').ok);
  t.true(json('$.a', { op: 'contains', value: { id: 2 } }, '{"a": [{"id": 1}, {"id": 2}]}').ok);
  t.true(json('$.a', { op: 'contains', value: [1] }, '{"a": [[1], [2]]}').ok);
  t.true(json('$.o', { op: 'contains', value: 'token' }, '{"o": {"token": "abc"}}').ok);
  t.true(json('$.a[*].id', { op: 'contains', value: 2 }, '{"a": [{"id": 1}, {"id": 2}]}').ok, 'over a [*] list');

  const fails: Array<[string, unknown, string, string]> = [
    ['$.s', 'xyz', '{"s": "hello"}', 'json $.s contains: expected containing "xyz", got "hello"'],
    ['$.s', 3, '{"s": "a3"}', 'json $.s contains: expected containing 3, got "a3"'],
    ['$.a', 4, '{"a": [1, 2, 3]}', 'json $.a contains: expected containing 4, got [1,2,3]'],
    ['$.a', '1', '{"a": [1]}', 'json $.a contains: expected containing "1", got [1]'],
    ['$.a', { id: 3 }, '{"a": [{"id": 3, "x": 1}]}', 'json $.a contains: expected containing {"id":3}, got [{"id":3,"x":1}]'],
    ['$.o', 'token', '{"o": {"tok": 1}}', 'json $.o contains: expected containing "token", got {"tok":1}'],
    ['$.o', 'toString', '{"o": {}}', 'json $.o contains: expected containing "toString", got {}'],
    ['$.n', 1, '{"n": 1}', 'json $.n contains: expected containing 1, got 1'],
    ['$.n', 'x', '{}', 'json $.n contains: expected containing "x", got nothing'],
  ];
  for (const [path, value, body, text] of fails) {
    const r = json(path, { op: 'contains', value }, body);
    t.false(r.ok, text);
    t.is(describeResult(r), text);
  }
});

test('json less and greater: strict, numbers only', (t) => {
  t.true(json('$.n', { op: 'less', value: 10 }, '{"n": 9.5}').ok);
  t.true(json('$.n', { op: 'greater', value: 0 }, '{"n": 1}').ok);
  t.true(json('$.n', { op: 'less', value: 0 }, '{"n": -1}').ok);
  t.is(describeResult(json('$.n', { op: 'less', value: 10 }, '{"n": 10}')), 'json $.n less: expected less than 10, got 10');
  t.is(describeResult(json('$.n', { op: 'less', value: 10 }, '{"n": 12}')), 'json $.n less: expected less than 10, got 12');
  t.is(describeResult(json('$.n', { op: 'greater', value: 5 }, '{"n": 5}')), 'json $.n greater: expected greater than 5, got 5');
  t.is(describeResult(json('$.n', { op: 'greater', value: 5 }, '{"n": "9"}')), 'json $.n greater: expected greater than 5, got "9" (not a number)');
  t.is(describeResult(json('$.n', { op: 'less', value: 5 }, '{"n": null}')), 'json $.n less: expected less than 5, got null (not a number)');
  t.is(describeResult(json('$.n', { op: 'less', value: 5 }, '{}')), 'json $.n less: expected less than 5, got nothing');
});

test('json exists: true wants a value (null counts), false wants none', (t) => {
  t.true(json('$.a', { op: 'exists', value: true }, '{"a": 0}').ok);
  t.true(json('$.a', { op: 'exists', value: true }, '{"a": null}').ok);
  t.true(json('$.a', { op: 'exists', value: false }, '{"b": 1}').ok);
  t.is(describeResult(json('$.a', { op: 'exists', value: true }, '{"b": 1}')), 'json $.a exists: expected present, got absent');
  t.is(describeResult(json('$.error', { op: 'exists', value: false }, '{"error": "boom"}')), 'json $.error exists: expected absent, got present ("boom")');
  t.true(json('$.items[0]', { op: 'exists', value: true }, '{"items": [1]}').ok);
  t.false(json('$.items[0]', { op: 'exists', value: true }, '{"items": []}').ok);
});

test('json: several paths over one body, each judged', (t) => {
  const expect = expectations({
    json: [
      { path: '$.result', expect: { op: 'equal', value: 4 } },
      { path: "$['op']", expect: { op: 'equal', value: 'add' } },
      { path: '$.ms', expect: { op: 'less', value: 5 } },
    ],
  });
  const j = judge(expect, answer({ body: '{"result": 4, "op": "sub", "ms": 2}' }));
  t.deepEqual(j.results.map((r) => [r.name, r.ok]), [
    ['status', true],
    ['json $.result equal', true],
    ["json $['op'] equal", false],
    ['json $.ms less', true],
  ]);
});

test('time: WARNING over warningMs, CRITICAL over criticalMs, equal passes', (t) => {
  const expect = expectations({ warningMs: 200, criticalMs: 1000 });
  const at = (totalMs: number) => judge(expect, answer({ totalMs }));
  t.is(at(12).outcome, 'OK');
  t.like(named(at(12).results, 'time'), { ok: true, expected: 'at most 200 ms', got: '12 ms' });
  t.is(at(200).outcome, 'OK');
  t.is(at(200.4).outcome, 'WARNING');
  const w = named(at(350).results, 'time');
  t.like(w, { ok: false, severity: 'WARNING' });
  t.is(describeResult(w), 'time: expected at most 200 ms, got 350 ms');
  t.is(at(1000).outcome, 'WARNING');
  const c = named(at(1500).results, 'time');
  t.like(c, { ok: false, severity: 'CRITICAL' });
  t.is(describeResult(c), 'time: expected at most 1000 ms, got 1500 ms');
  t.is(at(1500).outcome, 'CRITICAL');
});

test('time: either limit alone; none means not judged', (t) => {
  t.is(judge(expectations({ criticalMs: 100 }), answer({ totalMs: 150 })).outcome, 'CRITICAL');
  t.is(judge(expectations({ criticalMs: 100 }), answer({ totalMs: 50 })).outcome, 'OK');
  t.is(judge(expectations({ warningMs: 100 }), answer({ totalMs: 5000 })).outcome, 'WARNING');
  t.false(judge(expectations(), answer({ totalMs: 99999 })).results.some((r) => r.name === 'time'));
  t.is(named(judge(expectations({ warningMs: 5 }), answer({ totalMs: 0.43 })).results, 'time').got, '0.4 ms');
});

test('cert: WARNING at certWarningDays whole days left or fewer, CRITICAL at certCriticalDays or fewer (as check_http -C)', (t) => {
  const expect = expectations({ certWarningDays: 30, certCriticalDays: 7 });
  const at = (certDaysLeft: number | null) => judge(expect, answer({ certDaysLeft }));
  t.is(at(90).outcome, 'OK');
  t.like(named(at(90).results, 'cert'), { ok: true, expected: 'more than 30 days left', got: '90 days left' });
  t.is(at(31).outcome, 'OK');
  t.is(at(30.9).outcome, 'WARNING', '30 whole days: the warning limit reached');
  t.is(describeResult(named(at(20.5).results, 'cert')), 'cert: expected more than 30 days left, got 20 days left');
  t.is(at(8).outcome, 'WARNING');
  t.is(at(7.9).outcome, 'CRITICAL', '7 whole days: the critical limit reached');
  t.is(describeResult(named(at(1.5).results, 'cert')), 'cert: expected more than 7 days left, got 1 day left');
  t.is(at(1.5).outcome, 'CRITICAL');
  t.is(describeResult(named(at(-3.2).results, 'cert')), 'cert: expected more than 7 days left, got expired 3 days ago');
  t.is(describeResult(named(at(null).results, 'cert')), 'cert: expected more than 7 days left, got no certificate');
  t.is(at(null).outcome, 'CRITICAL');
});

test('cert: an expired certificate is CRITICAL even with only a warning limit', (t) => {
  t.is(judge(expectations({ certWarningDays: 30 }), answer({ certDaysLeft: -1 })).outcome, 'CRITICAL');
  t.is(judge(expectations({ certWarningDays: 30 }), answer({ certDaysLeft: 3 })).outcome, 'WARNING');
  t.false(judge(expectations(), answer({ certDaysLeft: -1 })).results.some((r) => r.name === 'cert'), 'not judged without limits');
});

test('the outcome is the worst severity among failed assertions; passing ones do not count', (t) => {
  const expect = expectations({ status: [200], warningMs: 100, criticalMs: 1000, certWarningDays: 30, certCriticalDays: 7 });
  t.is(judge(expect, answer({ totalMs: 500, certDaysLeft: 20 })).outcome, 'WARNING', 'two warnings');
  t.is(judge(expect, answer({ totalMs: 500, certDaysLeft: 3 })).outcome, 'CRITICAL', 'a warning and a critical');
  t.is(judge(expect, answer({ status: 500, totalMs: 500 })).outcome, 'CRITICAL', 'a failed status and a warning');
  t.is(judge(expect, answer({ totalMs: 5, certDaysLeft: 300 })).outcome, 'OK');
  const order = judge(
    expectations({ status: [200], headers: [{ name: 'a', pattern: /x/ }], body: /x/, json: [{ path: '$', expect: { op: 'exists', value: true } }], warningMs: 1, certWarningDays: 1 }),
    answer({ certDaysLeft: 5, body: '"x"', headers: { a: 'x' } }),
  );
  t.deepEqual(order.results.map((r) => r.name), ['status', 'header a', 'body', 'json $ exists', 'time', 'cert']);
});

test('judgeFailure: CRITICAL, the reason names the failed assertion', (t) => {
  for (const reason of ['refused', 'dns', 'tls', 'timeout', 'reset', 'body_too_large']) {
    const j = judgeFailure(reason, `the ${reason} message`);
    t.is(j.outcome, 'CRITICAL');
    t.deepEqual(j.results, [{ name: reason, ok: false, severity: 'CRITICAL', expected: '', got: `the ${reason} message` }]);
    t.is(describeResult(j.results[0]), `${reason}: the ${reason} message`);
  }
});

test('the same expectations judge each body afresh: a body like the last gets the same results, another its own', (t) => {
  const expect = expectations({ status: [200], body: /"result": \d/, json: [{ path: '$.result', expect: { op: 'equal', value: 4 } }] });
  const bodies = ['{"result": 4}', '{"result": 5}', '{"result": 4}', 'not json', '{"result": 4}', `{"result": 4, "pad": "${'x'.repeat(2000)}"}`, '{"result": 5}'];
  const judged = bodies.map((body) => judge(expect, answer({ body: Buffer.from(body) })));
  const fresh = bodies.map((body) => judge(expectations({ ...expect, json: [...expect.json] }), answer({ body })));
  t.deepEqual(judged, fresh);
  t.deepEqual(judged.map((j) => j.outcome), ['OK', 'CRITICAL', 'OK', 'CRITICAL', 'OK', 'OK', 'CRITICAL']);
  t.is(describeResult(named(judged[6].results, 'json $.result equal')), 'json $.result equal: expected 4, got 5');
});
