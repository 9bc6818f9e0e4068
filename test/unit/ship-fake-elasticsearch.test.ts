/**
 * The fake Elasticsearch that oxstash's tests run against behaves as
 * Elasticsearch 8's bulk API does for what oxstash uses (the answers below
 * are the shapes Elasticsearch gives).
 */
import test from 'ava';
import * as http from 'node:http';
import { FakeElasticsearch } from '../helpers/fake-elasticsearch';

async function post(es: FakeElasticsearch, body: string, headers: http.OutgoingHttpHeaders = {}, path = '/_bulk'): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: es.port, path, method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const ndjson = (...lines: unknown[]): string => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

async function fake(t: any, options = {}): Promise<FakeElasticsearch> {
  const es = await FakeElasticsearch.start(options);
  t.teardown(() => es.close());
  return es;
}

test('index actions create (201), then replace (200) by _id; the answer lists every item', async (t) => {
  const es = await fake(t);
  const r1 = await post(es, ndjson({ index: { _index: 'a', _id: '1' } }, { x: 1 }, { index: { _index: 'b' } }, { y: 'z' }));
  t.is(r1.status, 200);
  t.false(r1.json.errors);
  t.like(r1.json.items[0], { index: { _index: 'a', _id: '1', status: 201, result: 'created' } });
  t.like(r1.json.items[1], { index: { _index: 'b', status: 201, result: 'created' } });
  const r2 = await post(es, ndjson({ index: { _index: 'a', _id: '1' } }, { x: 2 }, { create: { _index: 'a', _id: '1' } }, { x: 3 }));
  t.like(r2.json.items[0], { index: { status: 200, result: 'updated' } });
  t.like(r2.json.items[1], { create: { status: 409, error: { type: 'version_conflict_engine_exception' } } });
  t.true(r2.json.errors);
  t.deepEqual(es.indices.get('a')!.get('1'), { x: 2 });
  t.is(es.count, 2);
});

test('malformed bodies fail the whole request with 400, as Elasticsearch answers', async (t) => {
  const es = await fake(t);
  const cases: [string, string, RegExp][] = [
    ['{"index":{"_index":"a"}}\n{"x":1}', 'illegal_argument_exception', /terminated by a newline/],
    ['{"index":{"_index":"a","_type":"doc"}}\n{"x":1}\n', 'illegal_argument_exception', /unknown parameter \[_type\]/],
    ['{"bogus":{}}\n{"x":1}\n', 'illegal_argument_exception', /Malformed action\/metadata line \[1\]/],
    ['"index"\n', 'illegal_argument_exception', /Malformed action/],
    ['not json\n', 'x_content_parse_exception', /action\/metadata line \[1\]/],
    ['{"index":{}}\n{"x":1}\n', 'action_request_validation_exception', /index is missing/],
    ['{"index":{"_index":"a"}}\n', 'action_request_validation_exception', /source is missing/],
    ['', 'parse_exception', /body is required/],
  ];
  for (const [body, type, reason] of cases) {
    const r = await post(es, body);
    t.is(r.status, 400, body);
    t.is(r.json.status, 400);
    t.is(r.json.error.type, type, body);
    t.regex(r.json.error.reason, reason);
    t.is(r.json.error.root_cause[0].type, type);
  }
  t.is(es.count, 0);
});

test('content type, path and authentication are checked', async (t) => {
  const es = await fake(t, { auth: { user: 'elastic', password: 'pw' }, prefix: '/es' });
  const body = ndjson({ index: { _index: 'a' } }, { x: 1 });
  const auth = { authorization: `Basic ${Buffer.from('elastic:pw').toString('base64')}` };
  t.like(await post(es, body, {}, '/es/_bulk'), { status: 401, json: { error: { type: 'security_exception' } } });
  t.like(await post(es, body, { authorization: 'Basic eDp5' }, '/es/_bulk'), { status: 401 });
  t.like(await post(es, body, { ...auth, 'content-type': 'text/plain' }, '/es/_bulk'), { status: 406 });
  t.like(await post(es, body, auth, '/_bulk'), { status: 400 });
  t.like(await post(es, body, auth, '/es/_bulk'), { status: 200, json: { errors: false } });
  t.like(await post(es, ndjson({ index: {} }, { x: 1 }), auth, '/es/dflt/_bulk?refresh=true'), { status: 200 });
  t.is(es.indices.get('dflt')!.size, 1, 'the index in the path is the default');
});

test('items fail on their own: index names, bad sources, mapping conflicts', async (t) => {
  const es = await fake(t);
  const r = await post(
    es,
    ndjson({ index: { _index: 'Caps' } }, { x: 1 }, { index: { _index: 'm' } }, { n: 1, o: { p: 'q' } }, { index: { _index: 'm' } }, { n: 'abc' }, { index: { _index: 'm' } }, { o: 'flat' }, { index: { _index: 'm' } }, { n: '42' }) +
      '{"index":{"_index":"m"}}\n{broken\n',
  );
  const items = r.json.items.map((i: any) => i.index);
  t.like(items[0], { status: 400, error: { type: 'invalid_index_name_exception' } });
  t.like(items[1], { status: 201 });
  t.like(items[2], { status: 400, error: { type: 'mapper_parsing_exception' } });
  t.regex(items[2].error.reason, /failed to parse field \[n\] of type \[long\]/);
  t.regex(items[3].error.reason, /object mapping for \[o\]/);
  t.like(items[4], { status: 201 }, 'a numeric string is fine in a number field');
  t.like(items[5], { status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse' } });
  t.true(r.json.errors);
});

test('faults to order: whole-request statuses, item failures, drops and held answers', async (t) => {
  const es = await fake(t);
  const body = ndjson({ index: { _index: 'a', _id: '1' } }, { x: 1 }, { index: { _index: 'a', _id: '2' } }, { x: 2 });
  es.failRequests(1, { kind: 'status', status: 429 });
  es.failRequests(1, { kind: 'status', status: 503 });
  t.like(await post(es, body), { status: 429, json: { error: { type: 'es_rejected_execution_exception' }, status: 429 } });
  t.like(await post(es, body), { status: 503, json: { status: 503 } });
  t.is(es.count, 0);
  es.failItems((doc) => doc.x === 1, { status: 429 }, 1);
  es.failItems((doc) => doc.x === 2, { status: 400 });
  const r = await post(es, body);
  t.like(r.json.items[0], { index: { status: 429, error: { type: 'es_rejected_execution_exception' } } });
  t.like(r.json.items[1], { index: { status: 400, error: { type: 'mapper_parsing_exception' } } });
  t.like((await post(es, body)).json.items[0], { index: { status: 201 } }, 'the 429 rule was for one time');
  es.failRequests(1, { kind: 'drop', index: true });
  await t.throwsAsync(post(es, body), { message: /socket hang up|ECONNRESET/ });
  let release!: () => void;
  es.failRequests(1, { kind: 'hold', until: new Promise<void>((r2) => (release = r2)) });
  const held = post(es, body);
  await new Promise((r2) => es.once('held', r2));
  release();
  t.is((await held).status, 200);
  t.deepEqual(es.requests.map((q) => q.status), [429, 503, 200, 200, 'dropped', 200]);
});
