/**
 * oxstash shipping files and standard input to the fake Elasticsearch
 * (test/helpers/fake-elasticsearch.ts; no real Elasticsearch can run here):
 * the original's files, its .bz2 archive, .gz, files written by a real oxd,
 * every index flag, batch sizes, the progress line, problems and usage errors.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { decode } from '@msgpack/msgpack';
import { compatPack, Float64 } from '../../src/protocol/compat-pack';
import { documentId } from '../../src/ship/document';
import { readLogFile } from '../../src/store/read-log';
import { eventFrames } from '../helpers/events';
import { FakeElasticsearch } from '../helpers/fake-elasticsearch';
import { REPO, startOxd, tempDir } from '../helpers/oxd-process';
import { runTool } from '../helpers/tool';
import { ZmtpPeer } from '../helpers/zmtp-peer';

const ORIGINAL = path.join(REPO, 'test', 'fixtures', 'original');
const DAILY = fs.readdirSync(path.join(ORIGINAL, 'daily')).sort().map((f) => path.join(ORIGINAL, 'daily', f));
const REQUESTS = path.join(ORIGINAL, 'daily', 'request-20261121.log');
const ARCHIVE = path.join(ORIGINAL, 'archived', 'request.db-20261121.log.bz2');

async function fake(t: any): Promise<FakeElasticsearch> {
  const es = await FakeElasticsearch.start();
  t.teardown(() => es.close());
  return es;
}

interface Stored { event: Record<string, any>; raw: Buffer }
async function eventsOf(...files: string[]): Promise<Stored[]> {
  const out: Stored[] = [];
  for (const f of files) await readLogFile(f, (raw) => out.push({ event: decode(raw) as Record<string, any>, raw: Buffer.from(raw) }));
  return out;
}

/** The document oxstash must make of an event: the event, @timestamp from end, duration. */
function expectedDoc(event: Record<string, any>): Record<string, any> {
  return { ...event, '@timestamp': new Date(Math.round(event.end * 1000)).toISOString(), duration: event.end - event.start };
}

/** Every event is stored once, under its _id, in `index(event)`, exactly as specified. */
function assertShipped(t: any, es: FakeElasticsearch, events: Stored[], index: (e: Record<string, any>) => string, fix = (d: Record<string, any>) => d): void {
  const ids = new Set(events.map((e) => documentId(e.raw)));
  t.is(es.count, ids.size, 'one document per event, no duplicates');
  for (const { event, raw } of events) {
    const doc = es.indices.get(index(event))?.get(documentId(raw));
    t.deepEqual(doc, fix(expectedDoc(event)), `${event.type} ${event.id}`);
  }
}

const summary = (stderr: string): string => stderr.split('\n').find((l) => /^oxstash: \d+ events? read/.test(l))!;
const docs = (es: FakeElasticsearch): Record<string, any>[] => es.documents().map((d) => d.source as Record<string, any>);

test('the original\'s daily files become one document per event, exactly as specified, in blueox-YYYY.MM.DD', async (t) => {
  const es = await fake(t);
  const r = await runTool('oxstash', ['-e', es.address, ...DAILY]);
  t.is(r.code, 0, r.stderr);
  const events = await eventsOf(...DAILY);
  t.is(events.length, 160);
  assertShipped(t, es, events, () => 'blueox-2026.11.21');
  const [one] = docs(es).filter((d) => d.type === 'request');
  t.regex(one['@timestamp'], /^2026-11-21T\d\d:\d\d:\d\d\.\d{3}Z$/);
  t.regex(one.body.unicode, /^café ☃/);
  t.regex(summary(r.stderr), /^oxstash: 160 events read, 160 sent, 160 indexed, 0 rejected, 0 not delivered, 0 retries in /);
  t.is(r.stdout, '');
  t.false(r.stderr.includes('\r'), 'no progress line when stderr is not a terminal');
});

test('the .bz2 archive, a .gz file and hourly files; shipping the same events again duplicates nothing', async (t) => {
  const es = await fake(t);
  const dir = tempDir();
  const gz = path.join(dir, 'request.cache-20261121.log.gz');
  fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(path.join(ORIGINAL, 'daily', 'request.cache-20261121.log'))));
  const hourly = path.join(ORIGINAL, 'hourly', 'request.log-2026112106.log');
  const r = await runTool('oxstash', ['--elasticsearch', es.address, ARCHIVE, gz, hourly]);
  t.is(r.code, 0, r.stderr);
  const events = await eventsOf(ARCHIVE, gz, hourly);
  t.is(events.length, 110);
  assertShipped(t, es, events, () => 'blueox-2026.11.21');
  const again = await runTool('oxstash', ['-e', es.address, ...DAILY]);
  t.is(again.code, 0, again.stderr);
  // The hourly fixture is another run of the same traffic: other events.
  t.is(es.count, 170, 'the 100 already there were replaced, not added');
  t.regex(summary(again.stderr), /160 indexed \(100 replaced the same event shipped before\)/);
});

test('standard input, as `oxstash < requests.log`, and "-" among files', async (t) => {
  const es = await fake(t);
  const r = await runTool('oxstash', ['-e', es.address], { input: fs.readFileSync(REQUESTS) });
  t.is(r.code, 0, r.stderr);
  assertShipped(t, es, await eventsOf(REQUESTS), () => 'blueox-2026.11.21');
  const es2 = await fake(t);
  const archive = path.join(ORIGINAL, 'daily', 'request.db-20261121.log');
  const r2 = await runTool('oxstash', ['-e', es2.address, archive, '-'], { input: fs.readFileSync(REQUESTS) });
  t.is(r2.code, 0, r2.stderr);
  t.is(es2.count, 100);
});

test('files written by oxd: indexes per day of the end time across midnight UTC, -l, -n, -p, -i and their aliases', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  const midnight = Date.UTC(2026, 2, 2) / 1000;
  const ends = [midnight - 0.5, midnight - 0.001, midnight, midnight + 0.25, midnight + 86400.1];
  let sent = 0;
  for (const type of ['request', 'request.db', 'requestx', 'other']) {
    for (const end of ends) {
      await peer.send(eventFrames({ type, end, body: { n: sent, bytes: Buffer.from([0x6f, 0x6b, 0xff, 0xfe]), text: 'naïve' } }));
      sent++;
    }
  }
  await oxd.waitForStatus((s) => s.totals.written === sent);
  await oxd.stop();
  const logPath = oxd.logPath!;
  const day = (e: Record<string, any>): string => new Date(Math.round(e.end * 1000)).toISOString().slice(0, 10).replace(/-/g, '.');

  const all = await fake(t);
  const r = await runTool('oxstash', ['-e', all.address, '-l', logPath]);
  t.is(r.code, 0, r.stderr);
  const files = fs.readdirSync(logPath).flatMap((d) => fs.readdirSync(path.join(logPath, d)).map((f) => path.join(logPath, d, f)));
  const events = await eventsOf(...files);
  t.is(events.length, sent);
  // The test's msgpack decoder reads the bytes 0xff 0xfe as "ÿþ"; oxstash writes them as \xNN.
  assertShipped(t, all, events, (e) => `blueox-${day(e)}`, (d) => ({ ...d, body: { ...d.body, bytes: 'ok\\xff\\xfe' } }));
  t.deepEqual([...all.indices.keys()].sort(), ['blueox-2026.03.01', 'blueox-2026.03.02', 'blueox-2026.03.03']);
  t.is(all.indices.get('blueox-2026.03.01')!.size, 8);
  t.is(all.indices.get('blueox-2026.03.03')!.size, 4, 'the next day');
  t.is(docs(all)[0].body.bytes, 'ok\\xff\\xfe', 'bytes that are not UTF-8 become \\xNN text');
  t.is(docs(all)[0].body.text, 'naïve');

  const prefix = await fake(t);
  const rp = await runTool('oxstash', ['-e', prefix.address, '-l', logPath, '-n', 'request*', '-p', 'app']);
  t.is(rp.code, 0, rp.stderr);
  t.deepEqual(new Set(docs(prefix).map((d) => d.type)), new Set(['request', 'request.db', 'requestx']));
  t.deepEqual([...prefix.indices.keys()].sort(), ['app-2026.03.01', 'app-2026.03.02', 'app-2026.03.03']);

  const exact = await fake(t);
  const re = await runTool('oxstash', ['-e', exact.address, '--type-name', 'request', '--index_base', 'web', ...files]);
  t.is(re.code, 0, re.stderr);
  t.deepEqual(new Set(docs(exact).map((d) => d.type)), new Set(['request']));
  t.is(exact.count, 5);
  t.true([...exact.indices.keys()].every((k) => k.startsWith('web-2026.03.0')));
  t.regex(summary(re.stderr), /20 events read, 15 left out by --type-name, 5 sent, 5 indexed/);

  const dashed = await fake(t);
  const rd = await runTool('oxstash', ['-e', dashed.address, '--index-base', 'logs', '-l', logPath]);
  t.is(rd.code, 0, rd.stderr);
  t.deepEqual([...dashed.indices.keys()].sort(), ['logs-2026.03.01', 'logs-2026.03.02', 'logs-2026.03.03']);

  for (const flag of ['-i', '--index-name', '--index_name']) {
    const fixed = await fake(t);
    const rf = await runTool('oxstash', ['-e', fixed.address, flag, 'all-events', '-l', logPath]);
    t.is(rf.code, 0, rf.stderr);
    t.deepEqual([...fixed.indices.keys()], ['all-events'], flag);
    t.is(fixed.count, sent);
  }
});

test('--batch-size and --chunk_size set the documents per request; --quiet says nothing when all went well', async (t) => {
  for (const flag of ['--batch-size', '--chunk_size']) {
    const es = await fake(t);
    const r = await runTool('oxstash', ['-e', es.address, flag, '7', '--quiet', REQUESTS]);
    t.is(r.code, 0, r.stderr);
    t.is(r.stderr, '', '--quiet');
    t.deepEqual(es.requests.map((q) => q.documents), [7, 7, 7, 7, 7, 7, 7, 1], flag);
    t.true(es.requests.every((q) => q.method === 'POST' && q.path === '/_bulk' && q.status === 200));
    t.is(es.count, 50);
  }
});

test('--progress draws done/total, percent and rate on stderr even when it is not a terminal', async (t) => {
  const es = await fake(t);
  const r = await runTool('oxstash', ['-e', es.address, '--progress', ...DAILY, ARCHIVE]);
  t.is(r.code, 0, r.stderr);
  const frames = r.stderr.split('\n')[0].split('\r').filter((f) => f !== '').map((f) => f.replace('\x1b[K', ''));
  t.true(frames.length >= 1);
  for (const f of frames) t.regex(f, /^oxstash: \d+\/(\d+|\?) events( \(\d+\.\d%\))?, \d+ events\/s$/);
  t.regex(frames[frames.length - 1], /^oxstash: 210\/210 events \(100\.0%\), \d+ events\/s$/);
  t.regex(r.stderr.split('\n')[1], /^oxstash: 210 events read/, 'the summary starts on its own line');
});

test('unreadable and damaged input is reported; events that cannot be documents are rejected; exit 1 when something was lost', async (t) => {
  const dir = tempDir();
  const damaged = path.join(dir, 'damaged.log');
  const good = fs.readFileSync(REQUESTS);
  const events = await eventsOf(REQUESTS);
  const cut = events.slice(0, 20).reduce((n, e) => n + e.raw.length, 0);
  fs.writeFileSync(damaged, Buffer.concat([good.subarray(0, cut), Buffer.from('garbage that is no event'), good.subarray(cut)]));
  const es = await fake(t);
  const r = await runTool('oxstash', ['-e', es.address, damaged]);
  t.is(r.code, 1, 'the damaged bytes were not shipped');
  t.regex(r.stderr, /damaged\.log: skipped 24 damaged bytes in 1 place\(s\), first at offset \d+ \(50 events read\)/);
  t.is(es.count, 50, 'every event around the damage was');
  t.regex(summary(r.stderr), /50 events read, 50 sent, 50 indexed, 0 rejected, 0 not delivered/);

  const invalid = path.join(dir, 'invalid.log');
  fs.writeFileSync(invalid, Buffer.concat([compatPack({ id: 'x1', type: 'request', start: new Float64(1), end: 'later' }), good.subarray(0, events[0].raw.length)]));
  const es2 = await fake(t);
  const r2 = await runTool('oxstash', ['-e', es2.address, path.join(dir, 'missing.log'), invalid]);
  t.is(r2.code, 1);
  t.regex(r2.stderr, /missing\.log: .*ENOENT/);
  t.regex(r2.stderr, /rejected request x1: invalid_event: the event has no numeric "end" time/);
  t.regex(summary(r2.stderr), /2 events read, 1 sent, 1 indexed, 1 rejected \(invalid_event 1\), 0 not delivered/);
  t.is(es2.count, 1);
});

test('usage errors exit 2 before anything is sent; --help exits 0 and names the original\'s spellings', async (t) => {
  const es = await fake(t);
  const bad = [
    ['--batch-size', '0'],
    ['--chunk_size', 'x'],
    ['--request_timeout', '-1'],
    ['-H', '127.0.0.1:1', REQUESTS],
    ['-i', 'a', '-p', 'b', REQUESTS],
    ['-i', 'UPPER', REQUESTS],
    ['-e', 'ftp://x', REQUESTS],
    ['--user', 'elastic', REQUESTS],
    ['--no-such-flag'],
  ];
  for (const args of bad) {
    const r = await runTool('oxstash', ['-e', es.address, ...args]);
    t.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, /--help/);
  }
  t.is(es.requests.length, 0);
  const version = await runTool('oxstash', ['--version']);
  t.is(version.code, 0);
  t.regex(version.stdout, /^\d+\.\d+\.\d+/);
  const help = await runTool('oxstash', ['--help']);
  t.is(help.code, 0);
  for (const s of ['--index-base', '--index_base', '--chunk_size', '--request_timeout', '--type-name', 'Exit status']) t.true(help.stdout.includes(s), s);
});
