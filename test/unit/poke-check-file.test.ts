import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Check, Expectations, noExpectations, Step } from '../../src/poke/check';
import { parseChecks, readCheckFile } from '../../src/poke/check-file';
import { PokeFileError } from '../../src/poke/poke-file-error';
import { tempDir } from '../helpers/oxd-process';

const FILE = '/etc/blueox/poke.d/test.toml';
const EXAMPLE = path.resolve(__dirname, '../../../examples/poke/example.toml');

/** A file's text from its lines, so each test can count them. */
const lines = (...rows: string[]): string => `${rows.join('\n')}\n`;

const NO_EXPECT: Expectations = noExpectations();
const TLS_DEFAULT = { verify: true, ca: null, cert: null, key: null };
const SCHEDULE_DEFAULT = { intervalMs: 60_000, jitterMs: 0, retries: 0, failures: 1, window: 1 };

function httpStep(url: string, more: Partial<Step> = {}): Step {
  return {
    request: { kind: 'http', method: 'GET', url, headers: [], body: null, redirects: 0, tls: TLS_DEFAULT },
    expect: NO_EXPECT,
    capture: [],
    timeoutMs: 10_000,
    maxBodyBytes: 1024 * 1024,
    ...more,
  };
}

test("the issue's example reads as written: one check, status 200, $.result equal to 4", (t) => {
  const file = path.join(tempDir('poke-file-'), 'add.toml');
  fs.writeFileSync(
    file,
    lines('[[check]]', 'name = "add"', 'url = "http://127.0.0.1:8080/add?a=2&b=2"', 'expect.status = [200]', 'expect.json."$.result" = 4'),
  );
  const expected: Check[] = [
    {
      name: 'add',
      file,
      line: 1,
      steps: [
        httpStep('http://127.0.0.1:8080/add?a=2&b=2', {
          expect: { ...NO_EXPECT, status: [200], json: [{ path: '$.result', expect: { op: 'equal', value: 4 } }] },
        }),
      ],
      schedule: SCHEDULE_DEFAULT,
    },
  ];
  t.deepEqual(readCheckFile(file), expected);
});

test('a check with every key reads back into the exact check', (t) => {
  const text = lines(
    '# every key a url check has',
    '[[check]]',
    'name = "orders.update-1"',
    'url = "https://api.example.internal:8443/v1/orders?x=1"',
    'method = "PUT"',
    'headers = { Authorization = "Bearer abc", "X-Trace" = "1" }',
    'json = { item = "ox", n = [1, 2.5], ok = true, sub = { a = "b" } }',
    'timeout = "1.5s"',
    'redirects = 5',
    'tls.verify = false',
    'tls.ca = "certs/ca.pem"',
    'tls.cert = "/etc/ssl/client.pem"',
    'tls.key = "/etc/ssl/client.key"',
    'max_body = "64KiB"',
    'interval = "1m30s"',
    'jitter = "10s"',
    'retries = 2',
    'threshold = "3 of 5"',
    'expect.status = [200, "201-204", 301]',
    'expect.headers."Content-Type" = "^application/json"',
    'expect.headers.ETag = "\\\\w+"',
    'expect.body = "\\"ok\\""',
    'expect.json."$.result" = 4',
    'expect.json."$.items[0].name" = { equal = "ox" }',
    'expect.json."$.count" = { greater = 0, less = 10 }',
    'expect.json."$.tags" = { contains = "new" }',
    'expect.json."$.error" = { exists = false }',
    'expect.json."$.obj" = { equal = { a = 1, b = [true] } }',
    'expect.time.warning = "250ms"',
    'expect.time.critical = "2s"',
    'expect.cert.warning_days = 30',
    'expect.cert.critical_days = 7',
  );
  const expected: Check[] = [
    {
      name: 'orders.update-1',
      file: FILE,
      line: 2,
      steps: [
        {
          request: {
            kind: 'http',
            method: 'PUT',
            url: 'https://api.example.internal:8443/v1/orders?x=1',
            headers: [
              ['Authorization', 'Bearer abc'],
              ['X-Trace', '1'],
              ['content-type', 'application/json'],
            ],
            body: '{"item":"ox","n":[1,2.5],"ok":true,"sub":{"a":"b"}}',
            redirects: 5,
            tls: { verify: false, ca: '/etc/blueox/poke.d/certs/ca.pem', cert: '/etc/ssl/client.pem', key: '/etc/ssl/client.key' },
          },
          expect: {
            status: [200, [201, 204], 301],
            headers: [
              { name: 'content-type', pattern: /^application\/json/ },
              { name: 'etag', pattern: /\w+/ },
            ],
            body: /"ok"/,
            json: [
              { path: '$.result', expect: { op: 'equal', value: 4 } },
              { path: '$.items[0].name', expect: { op: 'equal', value: 'ox' } },
              { path: '$.count', expect: { op: 'greater', value: 0 } },
              { path: '$.count', expect: { op: 'less', value: 10 } },
              { path: '$.tags', expect: { op: 'contains', value: 'new' } },
              { path: '$.error', expect: { op: 'exists', value: false } },
              { path: '$.obj', expect: { op: 'equal', value: { a: 1, b: [true] } } },
            ],
            warningMs: 250,
            criticalMs: 2000,
            certWarningDays: 30,
            certCriticalDays: 7,
          },
          capture: [],
          timeoutMs: 1500,
          maxBodyBytes: 65_536,
        },
      ],
      schedule: { intervalMs: 90_000, jitterMs: 10_000, retries: 2, failures: 3, window: 5 },
    },
  ];
  const checks = parseChecks(text, FILE);
  t.deepEqual(checks, expected);
  // A compared value is plain JSON, as the answers it is compared with are.
  t.is(Object.getPrototypeOf(checks[0].steps[0].expect.json[6].expect.value), Object.prototype);
});

test('a tcp check: host and port, what to send, what to read; IPv6 in brackets', (t) => {
  const text = lines(
    '[[check]]',
    'name = "redis"',
    'tcp = "redis.internal:6379"',
    'send = "PING\\r\\n"',
    'expect.body = "^\\\\+PONG"',
    'expect.time.critical = "100ms"',
    'timeout = "2s"',
    'max_body = 512',
    '[[check]]',
    'name = "smtp"',
    'tcp = "[::1]:25"',
  );
  const [redis, smtp] = parseChecks(text, FILE);
  t.deepEqual(redis.steps, [
    {
      request: { kind: 'tcp', host: 'redis.internal', port: 6379, send: 'PING\r\n' },
      expect: { ...NO_EXPECT, body: /^\+PONG/, criticalMs: 100 },
      capture: [],
      timeoutMs: 2000,
      maxBodyBytes: 512,
    },
  ]);
  t.deepEqual(smtp.steps[0].request, { kind: 'tcp', host: '::1', port: 25, send: null });
  t.is(smtp.line, 9);
});

test('a scenario: steps in order, captures by JSON path, header and regex, used as ${NAME} later', (t) => {
  const text = lines(
    '[[check]]',
    'name = "up"',
    'url = "http://127.0.0.1:8080/"',
    '',
    '[[scenario]]',
    'name = "login-flow"',
    'interval = "5m"',
    'timeout = "3s"',
    'headers = { Accept = "application/json" }',
    '',
    '[[scenario.step]]',
    'name = "login"',
    'url = "http://127.0.0.1:8080/login"',
    'method = "POST"',
    'json = { user = "u", password = "p" }',
    'capture.token = { json = "$.token" }',
    'capture.session = { header = "X-Session" }',
    '',
    '[[scenario.step]]',
    'url = "http://127.0.0.1:8080/me?session=${session}"',
    'headers = { Authorization = "Bearer ${token}" }',
    'timeout = "1s"',
    'capture.id = { regex = "id=(\\\\d+)" }',
    '',
    '[[scenario.step]]',
    'name = "orders"',
    'url = "http://127.0.0.1:8080/users/${id}/orders"',
    'body = "token=${token}&literal=$${kept}"',
    'expect.json."$.orders[-1].id" = { exists = true }',
  );
  const [up, flow] = parseChecks(text, FILE);
  t.is(up.name, 'up');
  t.is(flow.name, 'login-flow');
  t.is(flow.line, 5);
  t.deepEqual(flow.schedule, { ...SCHEDULE_DEFAULT, intervalMs: 300_000 });
  const accept: [string, string] = ['Accept', 'application/json'];
  t.deepEqual(flow.steps, [
    {
      name: 'login',
      ...httpStep('http://127.0.0.1:8080/login', {
        capture: [
          { name: 'token', from: { json: '$.token' } },
          { name: 'session', from: { header: 'x-session' } },
        ],
        timeoutMs: 3000,
      }),
      request: {
        kind: 'http',
        method: 'POST',
        url: 'http://127.0.0.1:8080/login',
        headers: [accept, ['content-type', 'application/json']],
        body: '{"user":"u","password":"p"}',
        redirects: 0,
        tls: TLS_DEFAULT,
      },
    },
    httpStep('http://127.0.0.1:8080/me?session=${session}', {
      request: {
        ...httpStep('http://127.0.0.1:8080/me?session=${session}').request,
        headers: [accept, ['Authorization', 'Bearer ${token}']],
      } as Step['request'],
      capture: [{ name: 'id', from: { regex: /id=(\d+)/ } }],
      timeoutMs: 1000,
    }),
    {
      name: 'orders',
      ...httpStep('http://127.0.0.1:8080/users/${id}/orders', {
        expect: { ...NO_EXPECT, json: [{ path: '$.orders[-1].id', expect: { op: 'exists', value: true } }] },
        timeoutMs: 3000,
      }),
      request: {
        kind: 'http',
        method: 'GET',
        url: 'http://127.0.0.1:8080/users/${id}/orders',
        headers: [accept],
        body: 'token=${token}&literal=$${kept}',
        redirects: 0,
        tls: TLS_DEFAULT,
      },
    },
  ]);
});

test('[defaults] apply to every check and scenario; a check or scenario setting wins; headers merge by name', (t) => {
  const text = lines(
    '[[check]]',
    'name = "a"',
    'url = "https://a.example/"',
    'headers = { accept = "text/html" }',
    '',
    '[defaults]',
    'interval = "10s"',
    'jitter = "2s"',
    'timeout = "4s"',
    'retries = 3',
    'threshold = "2 of 4"',
    'redirects = 2',
    'max_body = 2048',
    'tls.verify = false',
    'headers = { User-Agent = "oxpoke", Accept = "*/*" }',
    '',
    '[[check]]',
    'name = "b"',
    'url = "http://b.example/"',
    'interval = "1m"',
    'timeout = "1s"',
    'tls.verify = true',
    'threshold = "1 of 1"',
    '',
    '[[check]]',
    'name = "c"',
    'tcp = "[::1]:25"',
    '',
    '[[scenario]]',
    'name = "d"',
    'retries = 0',
    'redirects = 0',
    '[[scenario.step]]',
    'url = "http://d.example/"',
    '[[scenario.step]]',
    'url = "http://d.example/2"',
    'redirects = 1',
  );
  const [a, b, c, d] = parseChecks(text, FILE);
  const fromDefaults = { intervalMs: 10_000, jitterMs: 2000, retries: 3, failures: 2, window: 4 };
  const tls = { ...TLS_DEFAULT, verify: false };
  t.deepEqual(a.schedule, fromDefaults);
  t.deepEqual(a.steps[0], {
    ...httpStep('https://a.example/', { timeoutMs: 4000, maxBodyBytes: 2048 }),
    request: {
      kind: 'http',
      method: 'GET',
      url: 'https://a.example/',
      headers: [
        ['User-Agent', 'oxpoke'],
        ['accept', 'text/html'],
      ],
      body: null,
      redirects: 2,
      tls,
    },
  });
  t.deepEqual(b.schedule, { ...fromDefaults, intervalMs: 60_000, failures: 1, window: 1 });
  t.is(b.steps[0].timeoutMs, 1000);
  t.deepEqual(b.steps[0].request, {
    kind: 'http',
    method: 'GET',
    url: 'http://b.example/',
    headers: [
      ['User-Agent', 'oxpoke'],
      ['Accept', '*/*'],
    ],
    body: null,
    redirects: 2,
    tls: TLS_DEFAULT,
  });
  t.deepEqual(c.steps[0], {
    request: { kind: 'tcp', host: '::1', port: 25, send: null },
    expect: NO_EXPECT,
    capture: [],
    timeoutMs: 4000,
    maxBodyBytes: 2048,
  });
  t.deepEqual(d.schedule, { ...fromDefaults, retries: 0 });
  t.deepEqual(
    d.steps.map((step) => step.request.kind === 'http' && step.request.redirects),
    [0, 1],
  );
});

test('a tcp step sends a value an earlier step captured, and $${ as a literal', (t) => {
  const [s] = parseChecks(
    lines('[[scenario]]', 'name = "s"', '[[scenario.step]]', 'url = "http://x/"', 'capture.user = { json = "$.user" }', '[[scenario.step]]', 'tcp = "x:25"', 'send = "HELO ${user} $${x}"'),
    FILE,
  );
  t.deepEqual(s.steps[1].request, { kind: 'tcp', host: 'x', port: 25, send: 'HELO ${user} $${x}' });
});

test('a file with neither checks nor scenarios holds none', (t) => {
  t.deepEqual(parseChecks('# nothing yet\n', FILE), []);
  t.deepEqual(parseChecks(lines('[defaults]', 'interval = "1m"'), FILE), []);
});

test('the example file shipped with the package reads', (t) => {
  const checks = readCheckFile(EXAMPLE);
  t.deepEqual(
    checks.map((check) => [check.name, check.steps.length]),
    [
      ['home', 1],
      ['add', 1],
      ['orders.create', 1],
      ['api.tls', 1],
      ['redis', 1],
      ['login-flow', 3],
    ],
  );
  const add = checks.find((check) => check.name === 'add')!;
  t.deepEqual(add.steps[0].expect.status, [200]);
  t.deepEqual(add.steps[0].expect.json, [{ path: '$.result', expect: { op: 'equal', value: 4 } }]);
});

const CHECK = ['[[check]]', 'name = "a"', 'url = "http://x.example/"'];
const STEP_ONE = 'a step makes one request: url (an http:// or https:// URL) or tcp ("host:port")';
const URL_CHECK_KEYS = 'name, url, method, headers, body, json, redirects, tls, expect, timeout, max_body, interval, jitter, retries, threshold';

/** Each file is refused with this exact message: file:line, the key, what is allowed. */
const REFUSED: Array<[string, string, string]> = [
  ['an unknown key at the top', lines('[[chekc]]', 'name = "a"'), `${FILE}:1: chekc is not a known key; the keys of a check file are check, scenario, defaults`],
  ['an unknown key in a check', lines(...CHECK, 'expct.status = [200]'), `${FILE}:4: check[1].expct is not a known key; the keys of a url check are ${URL_CHECK_KEYS}`],
  [
    'an unknown key in expect, in the second check',
    lines(...CHECK, '[[check]]', 'name = "b"', 'url = "http://y.example/"', 'expect.stauts = [200]'),
    `${FILE}:7: check[2].expect.stauts is not a known key; the keys of check[2].expect are status, headers, body, json, time`,
  ],
  [
    'an unknown key three tables deep',
    lines(...CHECK, 'expect.time.warnin = "1s"'),
    `${FILE}:4: check[1].expect.time.warnin is not a known key; the keys of check[1].expect.time are warning, critical`,
  ],
  [
    'an unknown key in a [check.expect] table',
    lines(...CHECK, '', '[check.expect]', 'status = [200]', 'boddy = "x"'),
    `${FILE}:7: check[1].expect.boddy is not a known key; the keys of check[1].expect are status, headers, body, json, time`,
  ],
  [
    'an unknown key in [defaults]',
    lines('[defaults]', 'intervall = "1m"'),
    `${FILE}:2: defaults.intervall is not a known key; the keys of [defaults] are timeout, redirects, max_body, tls, headers, interval, jitter, retries, threshold`,
  ],
  [
    'an unknown key in a capture of a second step',
    lines('[[scenario]]', 'name = "s"', '[[scenario.step]]', 'url = "http://x/"', '[[scenario.step]]', 'url = "http://x/2"', 'capture.x = { jsn = "$.a" }'),
    `${FILE}:7: scenario[1].step[2].capture.x.jsn is not a known key; the keys of scenario[1].step[2].capture.x are json, header, regex`,
  ],
  [
    'an unknown comparison',
    lines(...CHECK, 'expect.json."$.a" = { equals = 1 }'),
    `${FILE}:4: check[1].expect.json."$.a".equals is not a known key; the keys of check[1].expect.json."$.a" (to compare with a table, write { equal = { ... } }) are equal, less, greater, contains, exists`,
  ],
  [
    'a schedule key in a scenario step',
    lines('[[scenario]]', 'name = "s"', '[[scenario.step]]', 'url = "http://x/"', 'interval = "1m"'),
    `${FILE}:5: scenario[1].step[1].interval is not allowed here; interval is set for the whole scenario, in [[scenario]] (or in [defaults])`,
  ],
  [
    'a capture in a check',
    lines(...CHECK, 'capture.t = { json = "$.t" }'),
    `${FILE}:4: check[1].capture is not allowed here; capture is for the steps of a [[scenario]]; a check has no later step to use the value`,
  ],
  ['a method in a tcp check', lines('[[check]]', 'name = "a"', 'tcp = "x:1"', 'method = "GET"'), `${FILE}:4: check[1].method is not allowed here; method is for url checks, and this one has tcp`],
  ['send in a url check', lines(...CHECK, 'send = "x"'), `${FILE}:4: check[1].send is not allowed here; send is for tcp checks, and this one has url`],
  ['expect.cert for http://', lines(...CHECK, 'expect.cert.warning_days = 30'), `${FILE}:4: check[1].expect.cert is not allowed here; check[1].expect.cert is for https:// URLs only`],
  ['[check] instead of [[check]]', lines('[check]', 'name = "a"'), `${FILE}:1: check = {"name":"a"} is not allowed; check must be written as [[check]] tables, one for each check`],
  // Wrong types.
  ['a number for a duration', lines(...CHECK, 'timeout = 5'), `${FILE}:4: check[1].timeout = 5 is not allowed; check[1].timeout must be a duration from 1ms to 10m, such as "250ms" or "5s"`],
  ['a text for an integer', lines(...CHECK, 'redirects = "3"'), `${FILE}:4: check[1].redirects = "3" is not allowed; check[1].redirects must be an integer from 0 (redirects are not followed) to 20`],
  ['a text for a boolean', lines(...CHECK, 'tls.verify = "no"'), `${FILE}:4: check[1].tls.verify = "no" is not allowed; check[1].tls.verify must be true or false`],
  ['a text for headers', lines(...CHECK, 'headers = "x"'), `${FILE}:4: check[1].headers = "x" is not allowed; check[1].headers must be a table of header names and values, such as { Accept = "application/json" }`],
  [
    'a header given twice, in two cases',
    lines(...CHECK, 'headers = { Accept = "text/html", accept = "*/*" }'),
    `${FILE}:4: check[1].headers.accept is given twice; header names are compared without regard to case; give each once`,
  ],
  ['a number for a name', lines('[[check]]', 'name = 5'), `${FILE}:2: check[1].name = 5 is not allowed; check[1].name must be 1 to 64 letters, digits, "_", "." or "-" (it becomes a metric name)`],
  [
    'a word for statuses',
    lines(...CHECK, 'expect.status = "ok"'),
    `${FILE}:4: check[1].expect.status = "ok" is not allowed; check[1].expect.status must be a list of statuses from 100 to 599 and ranges "A-B" of them, such as [200, "300-399"]`,
  ],
  [
    'a date in a JSON body',
    lines(...CHECK, 'json = { at = 1979-05-27 }'),
    `${FILE}:4: check[1].json = {"at":"1979-05-27"} is not allowed; check[1].json must be any TOML value but a date, inf or nan (it is sent as JSON)`,
  ],
  // Bad values.
  ['a duration without a unit we know', lines(...CHECK, 'timeout = "5 seconds"'), `${FILE}:4: check[1].timeout = "5 seconds" is not allowed; check[1].timeout must be a duration from 1ms to 10m, such as "250ms" or "5s"`],
  ['an interval below 100ms', lines(...CHECK, 'interval = "50ms"'), `${FILE}:4: check[1].interval = "50ms" is not allowed; check[1].interval must be a duration from 100ms to 24h, such as "30s" or "5m"`],
  [
    'a warning time not below the critical one',
    lines(...CHECK, 'expect.time.warning = "2s"', 'expect.time.critical = "1s"'),
    `${FILE}:4: check[1].expect.time.warning = "2s" is not allowed; check[1].expect.time.warning must be shorter than check[1].expect.time.critical (1s), or it is never reached`,
  ],
  [
    'a status range upside down, in a list over several lines',
    lines(...CHECK, 'expect.status = [', '  200,', '  "299-200",', ']'),
    `${FILE}:6: check[1].expect.status[2] = "299-200" is not allowed; check[1].expect.status[2] must be a status from 100 to 599 or a range "A-B" of them, such as "200-299"`,
  ],
  ['url and tcp both', lines(...CHECK, 'tcp = "x:1"'), `${FILE}:4: check[1] has both url and tcp; ${STEP_ONE}`],
  ['neither url nor tcp', lines('# a check', '[[check]]', 'name = "a"', 'method = "GET"'), `${FILE}:2: check[1] has neither url nor tcp; ${STEP_ONE}`],
  ['body and json both', lines(...CHECK, 'body = "x"', 'json = 1'), `${FILE}:5: check[1] has both body and json; a request has one body: body (a text) or json (any TOML value, sent as JSON)`],
  ['a url that is not http', lines('[[check]]', 'name = "a"', 'url = "ftp://x/"'), `${FILE}:3: check[1].url = "ftp://x/" is not allowed; check[1].url must be an http:// or https:// URL, such as "http://127.0.0.1:8080/health"`],
  [
    'a tcp address without a port',
    lines('[[check]]', 'name = "a"', 'tcp = "localhost"'),
    `${FILE}:3: check[1].tcp = "localhost" is not allowed; check[1].tcp must be "host:port": a host name or address (an IPv6 address in brackets) and a port from 1 to 65535`,
  ],
  [
    'a body regular expression that does not compile',
    lines(...CHECK, 'expect.body = "("'),
    `${FILE}:4: check[1].expect.body = "(" is not allowed; check[1].expect.body must be a valid regular expression (JavaScript syntax); this one fails with: Unterminated group`,
  ],
  [
    'a header regular expression that does not compile, in an inline table',
    lines(...CHECK, 'expect.headers = { Server = "nginx", "Content-Type" = "[a-" }'),
    `${FILE}:4: check[1].expect.headers.Content-Type = "[a-" is not allowed; check[1].expect.headers.Content-Type must be a valid regular expression (JavaScript syntax); this one fails with: Unterminated character class`,
  ],
  [
    'a capture regular expression without a group',
    lines('[[scenario]]', 'name = "s"', '[[scenario.step]]', 'url = "http://x/"', 'capture.id = { regex = "id=\\\\d+" }'),
    `${FILE}:5: scenario[1].step[1].capture.id.regex = "id=\\\\d+" is not allowed; scenario[1].step[1].capture.id.regex must be a regular expression with a group in parentheses (the value captured)`,
  ],
  [
    'a JSON path that does not start with $',
    lines(...CHECK, 'expect.json."result" = 4'),
    `${FILE}:4: check[1].expect.json.result is not a JSON path; a JSON path such as "$.items[0].id": $, then .name, ["name"] or [index] any number of times`,
  ],
  [
    'a name used twice',
    lines('[[check]]', 'name = "add"', 'url = "http://x/"', '[[scenario]]', 'name = "add"', '[[scenario.step]]', 'url = "http://x/"'),
    `${FILE}:5: scenario[1].name = "add" is not allowed; each check and scenario of a file needs a name of its own, and check[1] (line 1) is also named so`,
  ],
  ['no name', lines('[[check]]', 'url = "http://x/"'), `${FILE}:1: check[1] has no name; name is required: 1 to 64 letters, digits, "_", "." or "-" (it becomes a metric name)`],
  [
    'a threshold of 6 of 5',
    lines(...CHECK, 'threshold = "6 of 5"'),
    `${FILE}:4: check[1].threshold = "6 of 5" is not allowed; check[1].threshold must be "N of M" with 1 <= N <= M <= 100, such as "3 of 5" (the check is failing when N of its last M runs failed)`,
  ],
  [
    'a body cap over 1GiB',
    lines(...CHECK, 'max_body = "2GiB"'),
    `${FILE}:4: check[1].max_body = "2GiB" is not allowed; check[1].max_body must be a size from 1 byte to 1GiB: a number of bytes, or a text such as "64KiB" or "1MiB"`,
  ],
  ['a client certificate without its key', lines(...CHECK, 'tls.cert = "c.pem"'), `${FILE}:4: check[1].tls.cert is set without tls.key; a client certificate needs both tls.cert and tls.key`],
  [
    'a jitter from [defaults] longer than the interval of a check: the check is named',
    lines('[defaults]', 'jitter = "30s"', ...CHECK, 'interval = "10s"'),
    `${FILE}:6: check[1].interval = "10s" is not allowed; check[1].interval must be at least as long as the jitter (30s, defaults.jitter at line 2)`,
  ],
  ['a jitter longer than the interval', lines(...CHECK, 'interval = "1m"', 'jitter = "2m"'), `${FILE}:5: check[1].jitter = "2m" is not allowed; check[1].jitter must be no longer than the interval (1m)`],
  [
    'a scenario without steps',
    lines('[[scenario]]', 'name = "s"', 'interval = "1m"'),
    `${FILE}:1: scenario[1] (s) has no steps; a scenario runs one or more [[scenario.step]] tables, written after its [[scenario]], in order`,
  ],
  [
    'a value used in a check: only scenarios capture',
    lines('[[check]]', 'name = "a"', 'url = "http://x/${token}"'),
    `${FILE}:3: check[1].url uses \${token}, which no earlier step captures; only the steps of a [[scenario]] capture values for \${NAME}; write $\${ for a literal \${`,
  ],
  [
    'a value a tcp check sends: only scenarios capture',
    lines('[[check]]', 'name = "a"', 'tcp = "127.0.0.1:6379"', 'send = "AUTH ${password}\\r\\n"'),
    `${FILE}:4: check[1].send uses \${password}, which no earlier step captures; only the steps of a [[scenario]] capture values for \${NAME}; write $\${ for a literal \${`,
  ],
  [
    'a value a tcp step sends before it is captured',
    lines('[[scenario]]', 'name = "s"', '[[scenario.step]]', 'url = "http://x/"', 'capture.a = { json = "$.a" }', '[[scenario.step]]', 'tcp = "x:25"', 'send = "HELO ${a} ${b}"'),
    `${FILE}:8: scenario[1].step[2].send uses \${b}, which no earlier step captures; \${NAME} is a value an earlier step of the scenario captures (so far: a); write $\${ for a literal \${`,
  ],
  [
    'a value a step uses before it is captured',
    lines('[[scenario]]', 'name = "s"', '[[scenario.step]]', 'url = "http://x/"', 'capture.a = { json = "$.a" }', '[[scenario.step]]', 'url = "http://x/${a}"', 'headers = { X-B = "${b}" }', 'capture.b = { json = "$.b" }'),
    `${FILE}:8: scenario[1].step[2].headers.X-B uses \${b}, which no earlier step captures; \${NAME} is a value an earlier step of the scenario captures (so far: a); write $\${ for a literal \${`,
  ],
  [
    'a bad key after a multi-line string that looks like TOML',
    lines(...CHECK, 'body = """', '[[check]]', 'name = "fake" # not a table', '"""', "method = 'get'"),
    `${FILE}:8: check[1].method = "get" is not allowed; check[1].method must be an HTTP method in capitals, such as GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS`,
  ],
  [
    'checks written as an array of inline tables',
    lines('check = [', '  { name = "a", url = "http://x/" },', '  { name = "b", url = "ftp://y/" },', ']'),
    `${FILE}:3: check[2].url = "ftp://y/" is not allowed; check[2].url must be an http:// or https:// URL, such as "http://127.0.0.1:8080/health"`,
  ],
];

for (const [what, text, message] of REFUSED) {
  test(`refused, naming file, line, key and what is allowed: ${what}`, (t) => {
    const err = t.throws(() => parseChecks(text, FILE), { instanceOf: PokeFileError });
    t.is(err!.message, message);
    t.is(err!.code, 'EPOKEFILE');
    t.true(message.startsWith(`${err!.file}:${err!.line}: `));
    t.true(message.endsWith(err!.allowed));
  });
}

test('a TOML syntax error names the file, line and column', (t) => {
  const err = t.throws(() => parseChecks(lines(...CHECK, 'timeout = '), FILE), { instanceOf: PokeFileError });
  t.is(err!.line, 4);
  t.regex(err!.message, /^\/etc\/blueox\/poke\.d\/test\.toml:4: not valid TOML \(column \d+\): .+; a check file is TOML \(https:\/\/toml\.io\)$/);
});

test('a file that cannot be read is named', (t) => {
  t.throws(() => readCheckFile('/nonexistent/poke.toml'), { message: /^cannot read the check file \/nonexistent\/poke\.toml: ENOENT/ });
});
