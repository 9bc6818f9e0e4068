import test from 'ava';
import { parseSyslog } from '../../src/protocol/syslog/parse-syslog';
import { syslogEvent } from '../../src/protocol/syslog/syslog-event';

const NOW = new Date(2026, 11, 4, 16, 5, 0); // this machine's time zone, as a receiver reads BSD timestamps

test('RFC 5424 examples (section 6.5): header fields, NIL values, a BOM before the message', (t) => {
  const m = parseSyslog("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed for lonvick on /dev/pts/8");
  t.like(m, {
    format: 'rfc5424',
    facility: 4,
    severity: 2,
    facility_name: 'auth',
    severity_name: 'crit',
    timestamp: '2003-10-11T22:14:15.003Z',
    hostname: 'mymachine.example.com',
    app_name: 'su',
    procid: null,
    msgid: 'ID47',
    structured_data: null,
    message: "'su root' failed for lonvick on /dev/pts/8",
  });
  t.is(m.time, Date.UTC(2003, 9, 11, 22, 14, 15) / 1000 + 0.003);
  const n = parseSyslog("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.");
  t.like(n, { facility: 20, severity: 5, facility_name: 'local4', hostname: '192.0.2.1', app_name: 'myproc', procid: '8710', msgid: null, message: "%% It's time to make the do-nuts." });
  t.is(n.time, Date.UTC(2003, 7, 24, 12, 14, 15) / 1000 + 0.000003);
});

test('RFC 5424 structured data: several elements, escapes, repeated parameters, no message', (t) => {
  const m = parseSyslog('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]');
  t.deepEqual(m.structured_data, { 'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' }, 'examplePriority@32473': { class: 'high' } });
  t.is(m.message, '');
  const e = parseSyslog('<13>1 - - - - - [x@1 q="say \\"hi\\"" b="a\\\\b" c="[1\\]" d="keep \\n as is" ip="10.0.0.1" ip="10.0.0.2"][origin] after');
  t.deepEqual(e.structured_data, { 'x@1': { q: 'say "hi"', b: 'a\\b', c: '[1]', d: 'keep \\n as is', ip: ['10.0.0.1', '10.0.0.2'] }, origin: {} });
  t.like(e, { timestamp: null, time: null, hostname: null, app_name: null, message: 'after' });
});

test('structured data named like what every object inherits stays data: no prototype or built-in is touched', (t) => {
  const m = parseSyslog('<13>1 - - - - - [constructor keys="x"][toString a="1"][x@1 constructor="c" hasOwnProperty="h" toString="1" toString="2"] hi');
  t.is(typeof Object.keys, 'function', 'Object untouched');
  t.deepEqual(JSON.parse(JSON.stringify(m.structured_data)), {
    constructor: { keys: 'x' },
    toString: { a: '1' },
    'x@1': { constructor: 'c', hasOwnProperty: 'h', toString: ['1', '2'] },
  });
  t.is(Object.getPrototypeOf(m.structured_data!['x@1']), Object.prototype);
  t.is(m.message, 'hi');
});

test('not quite RFC 5424 falls back to RFC 3164 or is kept whole, never lost', (t) => {
  // A bad date, an unterminated element, a version 0: none of them is RFC 5424.
  t.is(parseSyslog('<13>1 2003-02-30T00:00:00Z h a - - - x').format, 'rfc3164');
  t.is(parseSyslog('<13>1 2003-10-11T22:14:15Z h a - - [x a="1" x').format, 'rfc3164');
  t.is(parseSyslog('<13>0 2003-10-11T22:14:15Z h a - - - x').format, 'rfc3164');
  const raw = parseSyslog('just some text\n');
  t.like(raw, { format: 'unparsed', facility: 1, severity: 5, message: 'just some text', raw: 'just some text\n', time: null });
});

test('RFC 3164 as rsyslog, logger and devices write it', (t) => {
  const at = (mo: number, d: number, h: number, mi: number, s: number, y = 2026): number => new Date(y, mo, d, h, mi, s).getTime() / 1000;
  const cases: Array<[string, Record<string, unknown>]> = [
    ["<34>Oct 11 22:14:08 mymachine su: 'su root' failed for lonvick on /dev/pts/8", { facility: 4, severity: 2, hostname: 'mymachine', app_name: 'su', procid: null, message: "'su root' failed for lonvick on /dev/pts/8", time: at(9, 11, 22, 14, 8) }],
    ['<13>Dec  4 16:02:44 host app[123]: message text', { hostname: 'host', app_name: 'app', procid: '123', message: 'message text', time: at(11, 4, 16, 2, 44) }],
    ['<13>Dec  4 16:02:44 app[123]: from /dev/log, no hostname', { hostname: null, app_name: 'app', procid: '123', message: 'from /dev/log, no hostname' }],
    ['<13>2026-12-04T16:02:44.123456+00:00 host app[123]: forward format', { hostname: 'host', app_name: 'app', timestamp: '2026-12-04T16:02:44.123456+00:00', time: Date.UTC(2026, 11, 4, 16, 2, 44) / 1000 + 0.123456 }],
    ['Dec  4 16:02:44 host app: no PRI', { facility: 1, severity: 5, hostname: 'host', app_name: 'app', message: 'no PRI' }],
    ['<13>Dec 4 2026 16:02:44 host app: a year before the time', { hostname: 'host', time: at(11, 4, 16, 2, 44) }],
    ['<13>Dec 04 16:02:44 2025 host app: a year after the time', { hostname: 'host', time: at(11, 4, 16, 2, 44, 2025) }],
    ['<13>hello', { hostname: null, app_name: null, timestamp: null, time: null, message: 'hello' }],
    ['<191>Dec  4 16:02:44 host kernel: [ 0.000000] Linux version', { facility: 23, severity: 7, facility_name: 'local7', severity_name: 'debug', app_name: 'kernel', message: '[ 0.000000] Linux version' }],
  ];
  for (const [text, want] of cases) t.like(parseSyslog(text, NOW), { format: 'rfc3164', ...want }, text);
});

test('after a hostname, a tag ended by a space: RFC 5424 messages as rsyslog and syslog-ng forward them traditionally', (t) => {
  // The bytes rsyslog 8.2302 writes with RSYSLOG_TraditionalForwardFormat for messages logger sent as RFC 5424;
  // rsyslog and syslog-ng 3.38 both read them back as program shop (pid 77), message "with procid".
  t.like(parseSyslog('<156>Dec  7 15:19:30 vm shop[77] with procid', NOW), { hostname: 'vm', app_name: 'shop', procid: '77', message: 'with procid' });
  t.like(parseSyslog('<156>Dec  7 15:19:30 vm shop without procid', NOW), { hostname: 'vm', app_name: 'shop', procid: null, message: 'without procid' });
  t.like(parseSyslog('<156>Dec  7 15:19:30 vm shop: with colon', NOW), { hostname: 'vm', app_name: 'shop', procid: null, message: 'with colon' });
  // Without a hostname (a local socket's form), a tag still needs its colon.
  t.like(parseSyslog('<13>Dec  4 16:02:44 app[123]: no hostname', NOW), { hostname: null, app_name: 'app', procid: '123', message: 'no hostname' });
  t.like(parseSyslog('<13>hello world', NOW), { hostname: null, app_name: null, message: 'hello world' });
});

test('a timestamp without a year is put in the year nearest to now', (t) => {
  const jan2 = new Date(2027, 0, 2, 0, 0, 0);
  t.is(parseSyslog('<13>Dec 31 23:59:00 h a: late', jan2).time, new Date(2026, 11, 31, 23, 59, 0).getTime() / 1000);
  const dec31 = new Date(2026, 11, 31, 23, 59, 0);
  t.is(parseSyslog('<13>Jan  1 00:00:30 h a: early', dec31).time, new Date(2027, 0, 1, 0, 0, 30).getTime() / 1000);
});

test('line ends, NUL and CRLF are not part of the message; PRI outside 0..191 is not a PRI', (t) => {
  t.is(parseSyslog('<13>Dec  4 16:02:44 h a: x\r\n', NOW).message, 'x');
  t.is(parseSyslog('<13>Dec  4 16:02:44 h a: x\0', NOW).message, 'x');
  t.is(parseSyslog('<192>Dec  4 16:02:44 h a: x', NOW).facility, 1, 'no valid PRI: user.notice');
  t.is(parseSyslog('<013>x', NOW).format, 'unparsed', 'a PRI has no leading zeros');
});

test('any text gives a message that keeps it: 200,000 seeded mutations of real messages', (t) => {
  let seed = 20261207;
  const random = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const seeds = [
    '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"] \ufeffAn entry',
    '<13>Dec  4 16:02:44 host app[123]: message text',
    '<13>2026-12-04T16:02:44.123456+00:00 host app[123]: forward format',
  ];
  const alphabet = '<>[]"\\= -:0123456789TZ.\ufeff\0\n\ré@';
  const problems: string[] = [];
  for (let i = 0; i < 200_000; i++) {
    const chars = [...seeds[random(seeds.length)]];
    for (let k = random(4) + 1; k > 0; k--) {
      const at = random(chars.length + 1);
      if (random(2) === 0) chars.splice(at, 1);
      else chars.splice(at, 0, alphabet[random(alphabet.length)]);
    }
    const text = chars.join('');
    let m;
    try {
      m = parseSyslog(text, NOW);
    } catch (err) {
      problems.push(`${JSON.stringify(text)} threw ${(err as Error).message}`);
      continue;
    }
    // Whatever the format, the message text is in the result: never lost.
    const kept = m.format === 'unparsed' ? m.raw === text : text.includes(m.message);
    if (!kept || m.facility > 23 || m.severity > 7 || (m.time !== null && !Number.isFinite(m.time))) problems.push(`${JSON.stringify(text)} → ${JSON.stringify(m)}`);
  }
  t.deepEqual(problems.slice(0, 5), [], 'seed 20261207');
});

test('as an event: the message hostname as host, else the peer; its time, else arrival; RFC 5424 names in the body', (t) => {
  const e = syslogEvent(parseSyslog('<165>1 2003-10-11T22:14:15.003Z web1 evntslog 42 ID47 [a@1 k="v"] hi'), '10.0.0.9', 1_700_000_000_000);
  t.deepEqual(e, {
    type: 'syslog',
    host: 'web1',
    end: Date.UTC(2003, 9, 11, 22, 14, 15) / 1000 + 0.003,
    body: { facility: 20, severity: 5, facility_name: 'local4', severity_name: 'notice', timestamp: '2003-10-11T22:14:15.003Z', hostname: 'web1', app_name: 'evntslog', procid: '42', msgid: 'ID47', structured_data: { 'a@1': { k: 'v' } }, message: 'hi', format: 'rfc5424', peer: '10.0.0.9' },
  });
  const raw = syslogEvent(parseSyslog('no syslog here'), '10.0.0.9', 1_700_000_000_000, true);
  t.like(raw, { host: '10.0.0.9', end: 1_700_000_000, body: { format: 'unparsed', raw: 'no syslog here', truncated: true, message: 'no syslog here' } });
  t.is(syslogEvent(parseSyslog(`<13>Dec  4 16:02:44 ${'h'.repeat(64)} app: x`, NOW), 'peer', 0).host, 'peer', 'a hostname longer than the meta frame holds');
});

test('structured data names that are Object.prototype names are plain keys; __proto__ is not structured data', (t) => {
  const m = parseSyslog('<13>1 - - - - - [x@1 constructor="c" toString="t" toString="u"][hasOwnProperty] msg');
  t.deepEqual(m.structured_data, { 'x@1': { constructor: 'c', toString: ['t', 'u'] }, hasOwnProperty: {} });
  for (const text of ['<13>1 - - - - - [__proto__ polluted="yes"] msg', '<13>1 - - - - - [x@1 __proto__="yes"] msg']) {
    const p = parseSyslog(text, NOW);
    t.like(p, { format: 'rfc3164', structured_data: null }, 'kept, as the text after the PRI');
    t.true(p.message.endsWith('="yes"] msg'));
    t.is(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
  }
});
