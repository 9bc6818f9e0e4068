/**
 * oxstash against a failing fake Elasticsearch (test/helpers/fake-elasticsearch.ts):
 * 429 and 5xx answers, timeouts and dropped connections lose nothing and
 * duplicate nothing; rejected items are reported and make the exit status 1;
 * several nodes, one down; credentials and https; SIGTERM.
 */
import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { compatPack, Float64 } from '../../src/protocol/compat-pack';
import { documentId } from '../../src/ship/document';
import { readLogFile } from '../../src/store/read-log';
import { FakeElasticsearch, FakeEsOptions } from '../helpers/fake-elasticsearch';
import { REPO, tempDir } from '../helpers/oxd-process';
import { runTool, toolPath } from '../helpers/tool';

const REQUESTS = path.join(REPO, 'test', 'fixtures', 'original', 'daily', 'request-20261121.log');
/** Batches of 10 of the 50 events; retries without waiting long. */
const FAST = ['--batch-size', '10', '--initial-backoff', '0.01', '--max-backoff', '0.05', REQUESTS];

async function fake(t: any, options: FakeEsOptions = {}): Promise<FakeElasticsearch> {
  const es = await FakeElasticsearch.start(options);
  t.teardown(() => es.close());
  return es;
}

let expectedIds: Set<string>;
test.before(async () => {
  const ids: string[] = [];
  await readLogFile(REQUESTS, (raw) => void ids.push(documentId(raw)));
  expectedIds = new Set(ids);
});

/** Each of the 50 events is stored exactly once, under its own _id. */
function assertAllOnce(t: any, es: FakeElasticsearch): void {
  t.is(es.count, 50, 'nothing lost, nothing duplicated');
  t.deepEqual([...es.indices.get('blueox-2026.11.21')!.keys()].sort(), [...expectedIds].sort());
}

const summary = (stderr: string): string => stderr.split('\n').find((l) => /^oxstash: \d+ events? read/.test(l)) ?? '';

test('429 for the whole request, three times: sent again after a backoff, all indexed once', async (t) => {
  const es = await fake(t);
  es.failRequests(3, { kind: 'status', status: 429 });
  const r = await runTool('oxstash', ['-e', es.address, '-v', ...FAST]);
  t.is(r.code, 0, r.stderr);
  assertAllOnce(t, es);
  t.deepEqual(es.requests.map((q) => q.status), [429, 429, 429, 200, 200, 200, 200, 200]);
  t.regex(summary(r.stderr), /50 sent, 50 indexed, 0 rejected, 0 not delivered, 3 retries/);
  t.regex(r.stderr, /retry 1\/5 of 10 documents in 0\.01 s: .*HTTP 429: es_rejected_execution_exception/);
  t.regex(r.stderr, /retry 3\/5 of 10 documents in 0\.04 s/, 'the wait doubles');
});

test('500 and 503 answers are retried', async (t) => {
  const es = await fake(t);
  es.failRequests(1, { kind: 'status', status: 500 });
  es.failRequests(1, { kind: 'status', status: 503 });
  const r = await runTool('oxstash', ['-e', es.address, ...FAST]);
  t.is(r.code, 0, r.stderr);
  assertAllOnce(t, es);
  t.regex(summary(r.stderr), /2 retries/);
});

test('an answer later than --request-timeout, and dropped connections, are retried without duplicates', async (t) => {
  const es = await fake(t);
  es.failRequests(1, { kind: 'hold', until: new Promise(() => undefined) }); // indexed, never answered
  es.failRequests(1, { kind: 'drop', index: true });
  es.failRequests(1, { kind: 'drop', index: false });
  const r = await runTool('oxstash', ['-e', es.address, '--request-timeout', '2', ...FAST]);
  t.is(r.code, 0, r.stderr);
  assertAllOnce(t, es);
  t.deepEqual(es.requests.map((q) => q.status), ['dropped', 'dropped', 'dropped', 200, 200, 200, 200, 200]);
  t.regex(summary(r.stderr), /50 sent, 50 indexed \(10 replaced the same event shipped before\), 0 rejected, 0 not delivered, 3 retries/);
});

test('--request_timeout is the original\'s spelling of the same limit', async (t) => {
  const es = await fake(t);
  es.failRequests(1, { kind: 'delay', ms: 60_000, index: false });
  const r = await runTool('oxstash', ['-e', es.address, '--request_timeout', '0.5', '-v', ...FAST]);
  t.is(r.code, 0, r.stderr);
  assertAllOnce(t, es);
  t.regex(r.stderr, /no answer within 0\.5 s/);
});

test('items refused with 429 are sent again, alone; the others are not resent', async (t) => {
  const es = await fake(t);
  const paths = new Set(['/items/1', '/items/2', '/items/3']);
  es.failItems((doc: any) => paths.has(doc.body?.request?.path), { status: 429 }, 3);
  const r = await runTool('oxstash', ['-e', es.address, ...FAST]);
  t.is(r.code, 0, r.stderr);
  assertAllOnce(t, es);
  t.deepEqual(es.requests.map((q) => q.documents), [10, 3, 10, 10, 10, 10]);
  t.regex(summary(r.stderr), /50 sent, 50 indexed, 0 rejected, 0 not delivered, 1 retry/);
});

test('items rejected for other reasons are reported with Elasticsearch\'s error, counted, and make the exit status 1', async (t) => {
  const es = await fake(t);
  es.failItems((doc: any) => doc.body?.request?.path === '/items/7', { status: 400, type: 'mapper_parsing_exception', reason: 'failed to parse field [body.request.path] of type [long]' });
  const r = await runTool('oxstash', ['-e', es.address, ...FAST]);
  t.is(r.code, 1, r.stderr);
  t.is(es.count, 49);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('oxstash: rejected '));
  t.is(lines.length, 1);
  t.regex(lines[0], /^oxstash: rejected request [\w-]{27} for blueox-2026\.11\.21: mapper_parsing_exception: failed to parse field \[body\.request\.path\] of type \[long\]$/);
  t.regex(summary(r.stderr), /50 events read, 50 sent, 49 indexed, 1 rejected \(mapper_parsing_exception 1\), 0 not delivered, 0 retries/);

  // Real mapping conflicts: body.status is first a number, then text, then an object.
  const file = path.join(tempDir(), 'conflicts.log');
  const event = (n: number, status: unknown): Buffer =>
    compatPack({ id: `c${n}`, type: 'app', host: 'h', pid: 1, start: new Float64(1.8e9), end: new Float64(1.8e9 + n), body: { status: status as never } });
  fs.writeFileSync(file, Buffer.concat([event(1, 200), event(2, 'teapot'), event(3, { code: 418 }), event(4, '404')]));
  const es2 = await fake(t);
  const r2 = await runTool('oxstash', ['-e', es2.address, file]);
  t.is(r2.code, 1);
  t.is(es2.count, 2);
  t.regex(r2.stderr, /rejected app [\w-]{27} for blueox-2027\.01\.15: mapper_parsing_exception: failed to parse field \[body\.status\] of type \[long\] in document\. Preview of field's value: 'teapot'/);
  t.regex(r2.stderr, /rejected app [\w-]{27} for blueox-2027\.01\.15: mapper_parsing_exception: failed to parse field \[body\.status\] of type \[long\]/);
  t.regex(summary(r2.stderr), /4 events read, 4 sent, 2 indexed, 2 rejected \(mapper_parsing_exception 2\)/);
});

test('when the retries run out, what could not be delivered is counted and reported, and nothing more is sent', async (t) => {
  const es = await fake(t);
  es.failRequests(100, { kind: 'status', status: 503 });
  const r = await runTool('oxstash', ['-e', es.address, '--max-retries', '2', ...FAST]);
  t.is(r.code, 1);
  t.is(es.requests.length, 3, 'the first try and two retries');
  t.regex(r.stderr, /10 documents not delivered: gave up after 2 retries: http:\/\/127\.0\.0\.1:\d+: HTTP 503: cluster_block_exception/);
  t.regex(summary(r.stderr), /50 events read, 10 sent, 0 indexed, 0 rejected, 50 not delivered, 2 retries/);
});

test('several nodes: used in turn; one that is down is skipped and nothing is lost', async (t) => {
  const a = await fake(t);
  const b = await fake(t);
  const both = await runTool('oxstash', ['-e', a.address, '-e', b.address, ...FAST]);
  t.is(both.code, 0, both.stderr);
  t.deepEqual([a.requests.length, b.requests.length], [3, 2], 'round robin');
  t.is(a.count + b.count, 50);

  const down = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
  const es = await fake(t);
  const r = await runTool('oxstash', ['-e', `127.0.0.1:${down},http://${es.address}`, ...FAST]);
  t.is(r.code, 0, r.stderr);
  assertAllOnce(t, es);
  t.is(es.requests.length, 5);
  t.regex(r.stderr, new RegExp(`http://127\\.0\\.0\\.1:${down}: connect ECONNREFUSED .*; skipping http://127\\.0\\.0\\.1:${down} for 5 s`));
  t.regex(summary(r.stderr), /50 indexed, 0 rejected, 0 not delivered, 1 retry/);
});

test('basic authentication: --user with $OXSTASH_PASSWORD, or in the URL; refused credentials stop with exit 1', async (t) => {
  const es = await fake(t, { auth: { user: 'elastic', password: 's3cret' } });
  const ok = await runTool('oxstash', ['-e', es.address, '--user', 'elastic', ...FAST], { env: { OXSTASH_PASSWORD: 's3cret' } });
  t.is(ok.code, 0, ok.stderr);
  assertAllOnce(t, es);
  const url = await runTool('oxstash', ['-e', `http://elastic:s3cret@${es.address}`, ...FAST]);
  t.is(url.code, 0, url.stderr);
  const before = es.requests.length;
  const refused = await runTool('oxstash', ['-e', es.address, '--user', 'elastic', ...FAST], { env: { OXSTASH_PASSWORD: 'wrong' } });
  t.is(refused.code, 1);
  t.is(es.requests.length - before, 1, 'not retried, and nothing more sent');
  t.regex(refused.stderr, /refused the request: HTTP 401: security_exception: unable to authenticate user/);
  t.false(refused.stderr.includes('wrong'), 'the password is never shown');
});

test('https:// nodes with a path prefix, trusting --ca-cert; an untrusted certificate is not delivered to', async (t) => {
  const dir = tempDir();
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const es = await fake(t, { tls: { key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, prefix: '/es' });
  const r = await runTool('oxstash', ['-e', `https://${es.address}/es`, '--ca-cert', cert, ...FAST]);
  t.is(r.code, 0, r.stderr);
  assertAllOnce(t, es);
  t.true(es.requests.every((q) => q.path === '/es/_bulk'));
  const untrusted = await runTool('oxstash', ['-e', `https://${es.address}/es`, '--max-retries', '0', ...FAST]);
  t.is(untrusted.code, 1);
  t.regex(untrusted.stderr, /not delivered: gave up after 0 retries: .*(self.signed|certificate)/i);
});

test('SIGTERM: reading stops, what was read is sent, the summary is printed; a second signal gives up at once', async (t) => {
  const es = await fake(t);
  let release!: () => void;
  es.failRequests(1, { kind: 'hold', until: new Promise<void>((r) => (release = r)) });
  const child = spawn(process.execPath, [toolPath('oxstash'), '-e', es.address, '--batch-size', '10'], { stdio: ['pipe', 'ignore', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // 'close': stderr is read to its end, summary included.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stdin.write(fs.readFileSync(REQUESTS).subarray(0, 6000)); // part of the file; stdin stays open
  await new Promise((r) => es.once('held', r));
  child.kill('SIGTERM');
  await new Promise<void>((r) => child.stderr.on('data', () => stderr.includes('SIGTERM: stopping') && r()));
  release();
  t.is(await exited, 1, stderr);
  t.regex(stderr, /interrupted: the input was not shipped to its end/);
  const line = summary(stderr);
  const [, read, indexed] = /(\d+) events read, \d+ sent, (\d+) indexed, 0 rejected, 0 not delivered/.exec(line) ?? [];
  t.truthy(read, line);
  t.is(read, indexed, 'everything read was delivered');
  t.is(es.count, Number(indexed));

  const stuck = await fake(t);
  stuck.failRequests(1, { kind: 'hold', until: new Promise(() => undefined) });
  const child2 = spawn(process.execPath, [toolPath('oxstash'), '-e', stuck.address, REQUESTS], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => child2.kill('SIGKILL'));
  let stderr2 = '';
  child2.stderr.on('data', (d: Buffer) => (stderr2 += d.toString()));
  const exited2 = new Promise<number | null>((resolve) => child2.once('close', (code) => resolve(code)));
  await new Promise((r) => stuck.once('held', r));
  child2.kill('SIGINT');
  await new Promise<void>((r) => child2.stderr.on('data', () => stderr2.includes('SIGINT: stopping') && r()));
  child2.kill('SIGINT');
  t.is(await exited2, 1);
  t.regex(stderr2, /SIGINT: giving up on what is not yet answered/);
  t.regex(summary(stderr2), /50 events read, 50 sent, 0 indexed, 0 rejected, 50 not delivered/);
});
