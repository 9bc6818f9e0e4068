/**
 * oxview, `oxstore cat --json` and oxstash (against the fake Elasticsearch,
 * test/helpers/fake-elasticsearch.ts) on one file of events holding the
 * values decoding used to change: 64-bit integers, whole floats, -0.0, NaN
 * and the infinities, bytes that are not UTF-8 in short and long strings,
 * bin, extensions and timestamps, keys that are not strings, deep nesting.
 * The three write the same JSON for every event, byte for byte; oxstash
 * differs only where its man page says: NaN and the infinities are null,
 * and @timestamp and duration are added.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { msgpackToJson } from '../../src/json/json-writer';
import { msgpackExtent } from '../../src/protocol/msgpack-extent';
import { documentId } from '../../src/ship/document';
import { utcDay } from '../helpers/events';
import { FakeElasticsearch } from '../helpers/fake-elasticsearch';
import * as mp from '../helpers/msgpack-samples';
import { REPO, tempDir } from '../helpers/oxd-process';
import { runTool, toolPath } from '../helpers/tool';

const ORIGINAL = path.join(REPO, 'test', 'fixtures', 'original', 'daily', 'request-20261121.log');
const END = Date.UTC(2026, 10, 21, 8, 6, 53, 125) / 1000;

function event(n: number, body: Buffer, start: Buffer = mp.f64(END - 2)): Buffer {
  return mp.map([
    [mp.str('id'), mp.str(`${n}`.padStart(32, '0'), 8)],
    [mp.str('type'), mp.str('request')],
    [mp.str('host'), mp.str('web-1')],
    [mp.str('pid'), mp.uint(16, 4242n)],
    [mp.str('start'), start],
    [mp.str('end'), mp.f64(END + n / 1000)],
    [mp.str('body'), body],
  ]);
}

/** Events with every value that decoding used to change, then some of the original's. */
function trickyEvents(): Buffer[] {
  const { hex } = mp;
  const long = (b: Buffer): Buffer => Buffer.concat([Buffer.from('x'.repeat(250)), b, Buffer.from('y'.repeat(250))]);
  let deep = mp.str('bottom');
  for (let i = 0; i < 200; i++) deep = mp.array([deep]);
  const bodies = [
    mp.map([
      [mp.str('id64'), mp.uint(64, 9223372036854775813n)],
      [mp.str('max'), mp.uint(64, 2n ** 64n - 1n)],
      [mp.str('min'), mp.int(64, -(2n ** 63n))],
      [mp.str('above_2_53'), mp.int(64, 2n ** 53n + 1n)],
    ]),
    mp.map([
      [mp.str('ratio'), mp.f64(2)],
      [mp.str('timer'), mp.f64(0)],
      [mp.str('negative_zero'), mp.f64(-0)],
      [mp.str('single'), mp.f32(0.1)],
      [mp.str('big'), mp.f64(1e16)],
      [mp.str('small'), mp.f64(1e-5)],
    ]),
    mp.map([
      [mp.str('nan'), mp.f64(Number.NaN)],
      [mp.str('inf'), mp.f64(Infinity)],
      [mp.str('list'), mp.array([mp.f64(-Infinity), mp.f32(Infinity), mp.uint('fix', 1n)])],
    ]),
    mp.map([
      [mp.str('short_start'), mp.str(hex('c3 28 61'))],
      [mp.str('short_middle'), mp.str(hex('61 c3 28 62'))],
      [mp.str('short_end'), mp.str(hex('61 c3 28'))],
      [mp.str('long_middle'), mp.str(long(hex('c3 28')), 16)],
      [mp.str('long_end'), mp.str(Buffer.concat([Buffer.from('z'.repeat(300)), hex('c3 28')]), 16)],
      [mp.str('surrogate'), mp.str(hex('ed a0 80'))],
      [mp.str('overlong'), mp.str(hex('c0 af'))],
      [mp.str('backslash_x'), mp.str('C:\\xampp')],
      [mp.str('unicode'), mp.str('café ☃ 𝄞')],
      [mp.str('blob'), mp.bin(hex('00 ff 41'))],
    ]),
    mp.map([
      [mp.str('when'), mp.timestamp64(1_600_000_000, 500_000_001)],
      [mp.str('ext'), mp.ext(7, hex('01020304'))],
      [mp.uint('fix', 1n), mp.str('int key')],
      [mp.nil(), mp.str('nil key')],
      [mp.f64(1.5), mp.str('float key')],
      [mp.str(hex('ff')), mp.str('bad key')],
      [mp.str('deep'), deep],
    ]),
  ];
  const events = bodies.map((b, i) => event(i, b));
  events.push(event(bodies.length, mp.map([[mp.str('note'), mp.str('an integer start')]]), mp.uint(32, BigInt(Math.floor(END) - 1))));
  const original = fs.readFileSync(ORIGINAL);
  for (let at = 0, i = 0; i < 5; i++) {
    const end = msgpackExtent(original, at) as number;
    events.push(original.subarray(at, end));
    at = end;
  }
  return events;
}

function oxstoreCat(args: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const child = spawn(process.execPath, [toolPath('oxstore'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr })));
}

const lines = (text: string): string[] => text.split('\n').slice(0, -1);

test('oxview, oxstore cat --json and oxstash write the same JSON for every event, exactly', async (t) => {
  const events = trickyEvents();
  const day = utcDay(END * 1000);
  const root = tempDir('json-output-');
  fs.mkdirSync(path.join(root, day));
  const file = path.join(root, day, `request-${day}.log`);
  fs.writeFileSync(file, Buffer.concat(events));
  const expected = events.map((e) => msgpackToJson(e));

  const view = await runTool('oxview', [file]);
  t.is(view.code, 0, view.stderr);
  const viewed = lines(view.stdout);
  t.deepEqual(viewed, expected, 'oxview: one line per event, by the one conversion');

  const cat = await oxstoreCat(['cat', 'request', '--json', '-p', root, '-s', day]);
  t.is(cat.code, 0, cat.stderr);
  t.deepEqual(lines(cat.stdout.toString('utf8')), viewed, 'oxstore cat --json writes what oxview writes, byte for byte');

  const es = await FakeElasticsearch.start();
  t.teardown(() => es.close());
  const stash = await runTool('oxstash', ['-e', es.address, file]);
  t.is(stash.code, 0, stash.stderr);
  t.is(es.count, events.length);
  events.forEach((raw, i) => {
    const sent = es.sourceText.get(`blueox-2026.11.21/${documentId(raw)}`)!;
    // The documented difference: NaN and the infinities are null, @timestamp and duration added.
    const nulls = viewed[i].replace(/(?<=[:,[])(?:NaN|-?Infinity)(?=[,\]}])/g, 'null');
    const added = sent.slice(nulls.length - 1);
    t.is(sent.slice(0, nulls.length - 1), nulls.slice(0, -1), `event ${i}: the same JSON up to the added fields`);
    t.regex(added, /^,"@timestamp":"2026-11-21T08:06:5\d\.\d{3}Z","duration":\d+\.\d+(e-\d+)?\}$/, `event ${i}`);
  });

  // What each value became, as documented.
  const [ints, floats, nonFinite, bytes, others] = viewed;
  t.regex(ints, /"id64":9223372036854775813,"max":18446744073709551615,"min":-9223372036854775808,"above_2_53":9007199254740993\}/);
  t.regex(floats, /"ratio":2\.0,"timer":0\.0,"negative_zero":-0\.0,"single":0\.10000000149011612,"big":1e\+16,"small":1e-05\}/);
  t.regex(nonFinite, /"nan":NaN,"inf":Infinity,"list":\[-Infinity,Infinity,1\]/);
  t.regex(bytes, /"short_start":"\\\\xc3\(a","short_middle":"a\\\\xc3\(b","short_end":"a\\\\xc3\("/);
  t.regex(bytes, /"long_middle":"x{250}\\\\xc3\(y{250}","long_end":"z{300}\\\\xc3\("/);
  t.regex(bytes, /"surrogate":"\\\\xed\\\\xa0\\\\x80","overlong":"\\\\xc0\\\\xaf","backslash_x":"C:\\\\x5cxampp","unicode":"café ☃ 𝄞","blob":"\\u0000\\\\xffA"/);
  t.regex(others, /"when":"2020-09-13T12:26:40\.500000001Z","ext":\{"ext":7,"base64":"AQIDBA=="\},"1":"int key","null":"nil key","1\.5":"float key","\\\\xff":"bad key"/);
  t.true(viewed[5].includes(`"start":${Math.floor(END) - 1},`), 'an integer stays an integer');
  t.regex(es.sourceText.get(`blueox-2026.11.21/${documentId(events[5])}`)!, /"duration":1\.\d+\}$/, 'duration is a float');
});

test('oxview --pretty and --group show the same exact values', async (t) => {
  const events = trickyEvents().slice(0, 5);
  const file = path.join(tempDir('json-output-'), 'request.log');
  fs.writeFileSync(file, Buffer.concat(events));
  const pretty = await runTool('oxview', ['--pretty', file]);
  t.is(pretty.code, 0, pretty.stderr);
  const bodies = events.map((raw) => {
    const body = raw.indexOf(Buffer.from([0xa4, ...Buffer.from('body')]));
    return raw.subarray(body + 5);
  });
  const shown = pretty.stdout.split(/\n=== request \(0+\d@web-1:4242\) {2}\(2\.0 s\)\n/).slice(1);
  t.is(shown.length, events.length);
  shown.forEach((text, i) => t.is(text, `${msgpackToJson(bodies[i], { indent: 2 })}\n`, `event ${i}`));
  t.true(shown[0].includes('"id64": 9223372036854775813'));
  t.true(shown[1].includes('"ratio": 2.0'));
  t.true(shown[2].includes('"inf": Infinity'));
  t.true(shown[3].includes('"short_middle": "a\\\\xc3(b"'));

  const grouped = await runTool('oxview', ['--group', file]);
  t.is(grouped.code, 0, grouped.stderr);
  t.deepEqual(lines(grouped.stdout), events.map((e) => `[${msgpackToJson(e)}]`), 'each event is its own group (no sub-events)');
});
