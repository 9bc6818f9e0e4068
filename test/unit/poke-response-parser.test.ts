/**
 * `oxpoke load`'s HTTP/1.x response parser, in-process: every answer is fed
 * whole, cut in two at every byte, and one byte at a time, and must come out
 * the same each way (status, headers, body, whether the connection can be
 * used again, or the same refusal). Content-length and chunked bodies (with
 * extensions and trailers), no body for 204, 304 and HEAD, interim answers,
 * Connection: close and HTTP/1.0, bodies that end with the connection, the
 * body cap, and malformed answers refused as not HTTP.
 */
import test from 'ava';
import { DONE, INVALID, MAX_HEAD_BYTES, MORE, ParseResult, ResponseParser, TOO_LARGE } from '../../src/poke/http-response-parser';

const MAX_BODY = 1000;

interface Outcome {
  result: 'more' | 'done' | 'invalid' | 'too large';
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  reusable?: boolean;
  error?: string;
  tooLarge?: string;
}

const NAMES: Record<ParseResult, Outcome['result']> = { [MORE]: 'more', [DONE]: 'done', [INVALID]: 'invalid', [TOO_LARGE]: 'too large' };

/** Feeds `pieces` in order, then the end of the connection if `closed`; what the parser made of them. */
function feed(pieces: Buffer[], opts: { head?: boolean; closed?: boolean; maxBody?: number } = {}): Outcome {
  const p = new ResponseParser();
  p.start(opts.head ?? false, opts.maxBody ?? MAX_BODY);
  let r: ParseResult = MORE;
  for (const piece of pieces) {
    r = p.execute(piece);
    if (r !== MORE) break;
  }
  if (r === MORE && opts.closed) r = p.end();
  const out: Outcome = { result: NAMES[r] };
  if (r === DONE) Object.assign(out, { status: p.status, headers: { ...p.headers }, body: p.body().toString('latin1'), reusable: p.reusable });
  if (r === INVALID) out.error = p.error;
  if (r === TOO_LARGE) out.tooLarge = p.tooLarge;
  return out;
}

/** The answer whole, cut at every byte, and byte by byte: one outcome, returned. */
function parseEveryWay(t: import('ava').ExecutionContext, text: string | Buffer, opts: { head?: boolean; closed?: boolean; maxBody?: number } = {}): Outcome {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  const whole = feed([bytes], opts);
  for (let cut = 1; cut < bytes.length; cut++) {
    const two = feed([bytes.subarray(0, cut), bytes.subarray(cut)], opts);
    if (whole.result === 'too large' && two.result === 'too large') continue; // how many bytes were read depends on the cut
    t.deepEqual(two, whole, `cut at byte ${cut}`);
  }
  const single = feed(Array.from(bytes, (b) => Buffer.from([b])), opts);
  t.is(single.result, whole.result, 'byte by byte');
  if (whole.result !== 'too large') t.deepEqual(single, whole, 'byte by byte');
  return whole;
}

test('content-length: status, headers, body; the connection can be used again', (t) => {
  const r = parseEveryWay(t, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-Thing:  spaced value \t\r\n\r\nhello');
  t.deepEqual(r, { result: 'done', status: 200, headers: { 'content-type': 'text/plain', 'content-length': '5', 'x-thing': 'spaced value' }, body: 'hello', reusable: true });
});

test('what the parser keeps is copied, and only the bytes read are parsed: the caller may read every chunk into the same buffer', (t) => {
  const p = new ResponseParser();
  p.start(false, MAX_BODY);
  const buffer = Buffer.from('HTTP/1.1 200 OK\r\nContent-Le');
  t.is(p.execute(buffer), MORE);
  buffer.write('ngth: 5\r\n\r\nhe');
  t.is(p.execute(buffer, 13), MORE);
  buffer.write('llo');
  t.is(p.execute(buffer, 3), DONE);
  buffer.fill('x');
  t.is(p.body().toString(), 'hello');
  t.is(p.headers['content-length'], '5');
});

test('chunked, with chunk extensions and trailers: the body is the chunks, the trailers are not headers', (t) => {
  const r = parseEveryWay(
    t,
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\nA\r\n, world!!!\r\n0;last=1\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n',
  );
  t.deepEqual(r, { result: 'done', status: 200, headers: { 'transfer-encoding': 'chunked' }, body: 'hello, world!!!', reusable: true });
});

test('chunked as the last of several codings; chunked not last is a body until the connection ends', (t) => {
  t.is(parseEveryWay(t, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n').body, 'hi');
  const r = parseEveryWay(t, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n2\r\nhi', { closed: true });
  t.deepEqual(r, { result: 'done', status: 200, headers: { 'transfer-encoding': 'chunked, gzip' }, body: '2\r\nhi', reusable: false });
});

test('no body for 204, 304 and an answer to HEAD, whatever the headers say', (t) => {
  for (const status of ['204 No Content', '304 Not Modified']) {
    const r = parseEveryWay(t, `HTTP/1.1 ${status}\r\nContent-Length: 5\r\n\r\n`);
    t.deepEqual(r, { result: 'done', status: Number(status.slice(0, 3)), headers: { 'content-length': '5' }, body: '', reusable: true });
  }
  t.deepEqual(parseEveryWay(t, 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', { head: true }), {
    result: 'done', status: 200, headers: { 'content-length': '10' }, body: '', reusable: true,
  });
  t.is(parseEveryWay(t, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', { head: true }).body, '');
});

test('Connection: close, HTTP/1.0 and bytes beyond the answer: complete, and the connection is not used again', (t) => {
  t.deepEqual(parseEveryWay(t, 'HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 2\r\n\r\nhi'), {
    result: 'done', status: 200, headers: { connection: 'Keep-Alive, Close', 'content-length': '2' }, body: 'hi', reusable: false,
  });
  t.false(parseEveryWay(t, 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi').reusable);
  t.true(parseEveryWay(t, 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi').reusable);
  t.false(feed([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1')]).reusable);
  t.false(feed([Buffer.from('HTTP/1.1 204 No Content\r\n\r\nx')]).reusable);
});

test('no content-length and no chunks: the body is everything until the connection ends', (t) => {
  t.is(feed([Buffer.from('HTTP/1.1 200 OK\r\n\r\nsome')]).result, 'more');
  t.deepEqual(parseEveryWay(t, 'HTTP/1.0 200 OK\r\n\r\nuntil the end', { closed: true }), {
    result: 'done', status: 200, headers: {}, body: 'until the end', reusable: false,
  });
  // Cut short: the end of the connection does not complete a content-length body.
  t.is(feed([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhi')], { closed: true }).result, 'more');
});

test('interim answers are skipped; after 101 no answer comes', (t) => {
  const r = parseEveryWay(t, 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok');
  t.deepEqual(r, { result: 'done', status: 201, headers: { 'content-length': '2' }, body: 'ok', reusable: true });
  t.is(parseEveryWay(t, 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nHTTP/1.1 200 OK\r\n\r\n').result, 'more');
});

test('status lines Node accepts: no reason, any version D.D, empty lines before it, any three digits', (t) => {
  t.is(parseEveryWay(t, 'HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n').status, 200);
  t.is(parseEveryWay(t, 'HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n').status, 404);
  t.is(parseEveryWay(t, 'HTTP/2.0 500 Oops\x01\r\nContent-Length: 0\r\n\r\n').status, 500);
  t.is(parseEveryWay(t, '\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n').status, 200);
  t.is(parseEveryWay(t, 'HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n').status, 99);
  t.is(parseEveryWay(t, 'HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n').status, 999);
});

test('malformed status lines are not HTTP', (t) => {
  for (const line of ['HTTP/1.1 2000 OK', 'HTTP/1.1 20 OK', 'http/1.1 200 OK', 'HTTP/1.1200 OK', 'HTTP/a.1 200 OK', 'HTTP/1.1 200X', 'HTTP/11 200 OK', 'SSH-2.0-OpenSSH_9.2p1', 'HTTP/1.1  200 OK']) {
    const r = parseEveryWay(t, `${line}\r\nContent-Length: 0\r\n\r\n`);
    t.is(r.result, 'invalid', line);
    t.regex(r.error!, /^the status line is not "HTTP\/1\.1 NNN reason": "/, line);
  }
  t.deepEqual(parseEveryWay(t, 'HTTP/1.1 200 OK\nContent-Length: 0\n\n'), { result: 'invalid', error: 'a line ends in LF without CR' });
});

test('malformed heads and bodies are not HTTP', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 0\r\n\r\n', /^a header line is not "name: value": " two"$/],
    ['HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n', /^a header line is not "name: value"/],
    ['HTTP/1.1 200 OK\r\nX A: 1\r\n\r\n', /^a header line is not "name: value"/],
    ['HTTP/1.1 200 OK\r\nno colon\r\n\r\n', /^a header line is not "name: value"/],
    ['HTTP/1.1 200 OK\r\n: empty name\r\n\r\n', /^a header line is not "name: value"/],
    ['HTTP/1.1 200 OK\r\nX-A: a\x01b\r\n\r\n', /^the value of a header has a control character/],
    ['HTTP/1.1 200 OK\r\nX-A: a\x7fb\r\n\r\n', /^the value of a header has a control character/],
    ['HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n', /^the value of a header has a control character/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi', /^the answer has two Content-Length headers$/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n', /^the answer has both Transfer-Encoding and Content-Length$/],
    ['HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nhi', /^the Content-Length is not a number: "2x"$/],
    ['HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nhi', /^the Content-Length is not a number/],
    ['HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nhi', /^the Content-Length is not a number: ""$/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhi\r\n0\r\n\r\n', /^a chunk size is not hexadecimal: "zz"$/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2 \r\nhi\r\n0\r\n\r\n', /^a chunk size is not hexadecimal/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhi\r\n0\r\n\r\n', /^a chunk size is not hexadecimal/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhiX0\r\n\r\n', /^a chunk is not followed by CRLF$/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\rX0\r\n\r\n', /^a chunk is not followed by CRLF$/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000\r\n', /^a chunk size is too large$/],
    ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n', /^a header line is not "name: value": "bad trailer"$/],
    [`HTTP/1.1 200 OK\r\nX-Long: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`, /^the head of the answer is longer than 16 KiB$/],
  ];
  for (const [text, error] of cases) {
    const r = parseEveryWay(t, text);
    t.is(r.result, 'invalid', JSON.stringify(text.slice(0, 80)));
    t.regex(r.error ?? '', error, JSON.stringify(text.slice(0, 80)));
  }
});

test('headers as Node gathers them: lower-case names, repeats joined, cookies with ;, once-only headers keep the first, Latin-1', (t) => {
  const r = parseEveryWay(
    t,
    Buffer.from(
      'HTTP/1.1 200 OK\r\nX-A: 1\r\nx-a: 2\r\nContent-Type: a\r\nContent-Type: b\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nCookie: c=1\r\nCookie: d=2\r\n' +
        'Server: s1\r\nServer: s2\r\nLocation: l1\r\nLocation: l2\r\nX-Empty:\r\nX-Empty: z\r\nVary: a\r\nVary: b\r\nX-Latin: caf\xc3\xa9 \xe9\r\n' +
        'Constructor: c\r\n__proto__: p\r\nContent-Length: 0\r\n\r\n',
      'latin1',
    ),
  );
  t.deepEqual(r.headers, {
    'x-a': '1, 2', 'content-type': 'a', 'set-cookie': 'a=1, b=2', cookie: 'c=1; d=2', server: 's1', location: 'l1', 'x-empty': ', z',
    vary: 'a, b', 'x-latin': 'cafÃ© é', constructor: 'c', ['__proto__']: 'p', 'content-length': '0',
  });
});

test('the body cap: a content-length over it is refused before the body, a growing body when it passes it', (t) => {
  t.deepEqual(parseEveryWay(t, 'HTTP/1.1 200 OK\r\nContent-Length: 1001\r\n\r\nhi'), { result: 'too large', tooLarge: 'content-length 1001' });
  t.is(parseEveryWay(t, 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n' + 'x'.repeat(1000)).body!.length, 1000);
  const chunked = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${(600).toString(16)}\r\n${'x'.repeat(600)}\r\n${(401).toString(16)}\r\n${'y'.repeat(401)}\r\n0\r\n\r\n`;
  t.is(parseEveryWay(t, chunked).result, 'too large');
  t.deepEqual(feed([Buffer.from(chunked)]), { result: 'too large', tooLarge: '1001 bytes read before giving up' });
  t.deepEqual(feed([Buffer.from(`HTTP/1.1 200 OK\r\n\r\n${'z'.repeat(1001)}`)]), { result: 'too large', tooLarge: '1001 bytes read before giving up' });
});

test('a parser is used again for the next answer on the connection', (t) => {
  const p = new ResponseParser();
  for (const [text, body] of [['HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na', 'a'], ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n', 'b']]) {
    p.start(false, MAX_BODY);
    t.false(p.started);
    t.is(p.execute(Buffer.from(text)), DONE);
    t.is(p.body().toString(), body);
    t.deepEqual(Object.keys(p.headers).length, 1);
  }
});

test('header names are the same whatever was read before: many names, names that differ in case, digits and _', (t) => {
  const names = Array.from({ length: 900 }, (_, i) => `X-Name_${i}`);
  const text = `HTTP/1.1 200 OK\r\n${names.map((n, i) => `${i % 2 === 0 ? n : n.toUpperCase()}: ${i}\r\n`).join('')}X-NAME_0: again\r\nContent-Length: 0\r\n\r\n`;
  for (let round = 0; round < 2; round++) {
    const r = feed([Buffer.from(text)]);
    t.is(r.result, 'done');
    t.deepEqual(Object.keys(r.headers!), [...names.map((n) => n.toLowerCase()), 'content-length']);
    t.is(r.headers!['x-name_0'], '0, again');
    t.is(r.headers!['x-name_899'], '899');
  }
});

test('a header value like the last one read for its name is the same text, and one that differs is read afresh', (t) => {
  const answerWith = (server: string, date: string): string =>
    `HTTP/1.1 200 OK\r\nServer: ${server}\r\nDate: ${date}\r\nX-Date: ${date}\r\nContent-Length: 0\r\n\r\n`;
  const seen = [
    ['nginx/1.22.1', 'Tue, 08 Dec 2026 01:40:12 GMT'],
    ['nginx/1.22.1', 'Tue, 08 Dec 2026 01:40:12 GMT'],
    ['nginx/1.22.2', 'Tue, 08 Dec 2026 01:40:13 GMT'],
    ['nginx/1.22.2', 'Tue, 08 Dec 2026 01:40:13 GMT'],
    ['nginx', 'Tue, 08 Dec 2026 01:40:1\u00e9 GMT'],
  ].map(([server, date]) => parseEveryWay(t, answerWith(server, date)).headers);
  t.deepEqual(seen.map((h) => [h?.server, h?.['x-date'] === h?.date ? h?.date : 'x-date differs']), [
    ['nginx/1.22.1', 'Tue, 08 Dec 2026 01:40:12 GMT'],
    ['nginx/1.22.1', 'Tue, 08 Dec 2026 01:40:12 GMT'],
    ['nginx/1.22.2', 'Tue, 08 Dec 2026 01:40:13 GMT'],
    ['nginx/1.22.2', 'Tue, 08 Dec 2026 01:40:13 GMT'],
    ['nginx', 'Tue, 08 Dec 2026 01:40:1\u00e9 GMT'],
  ]);
});

test("a header of an interim answer or of the last answer is not taken for a repeat in the next one's head", (t) => {
  const interim = parseEveryWay(t, 'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nLink: </b.css>\r\nLink: </c.css>\r\nContent-Length: 0\r\n\r\n');
  t.is(interim.headers?.link, '</b.css>, </c.css>');
  const p = new ResponseParser();
  for (const value of ['1', '2']) {
    p.start(false, MAX_BODY);
    t.is(p.execute(Buffer.from(`HTTP/1.1 200 OK\r\nX-Count: ${value}\r\nContent-Length: 0\r\n\r\n`, 'latin1')), DONE);
    t.is(p.headers['x-count'], value);
  }
});
