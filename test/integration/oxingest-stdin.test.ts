/**
 * oxingest reading standard input (the original's `echo done | oxingest
 * notices`), its command line, usage errors and help, against a real oxd.
 */
import test from 'ava';
import * as os from 'node:os';
import { startOxd } from '../helpers/oxd-process';
import { runTool } from '../helpers/tool';
import { dataOf, eventsOf, freePort, numbered, waitForWritten } from '../bench/ingest-harness';

test('each line of standard input is one event of the type, body {data: line} without trailing whitespace', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const input = 'done\n  leading kept, trailing gone  \t\nwindows line\r\n\ncafé ünïcode ✓\nno newline at the end';
  const r = await runTool('oxingest', ['-H', oxd.collect, 'notices'], { input });
  t.is(r.code, 0, r.stderr);
  t.is(r.stderr, '');
  await waitForWritten(oxd, 'notices', 6);
  const events = eventsOf(oxd, 'notices');
  t.deepEqual(
    events.map((e) => e.body),
    ['done', '  leading kept, trailing gone', 'windows line', '', 'café ünïcode ✓', 'no newline at the end'].map((data) => ({ data })),
  );
  for (const e of events) {
    t.is(e.type, 'notices');
    t.is(e.host, os.hostname());
    t.regex(e.id, /^[0-9a-f]{32}$/);
  }
  const status = await oxd.control.request({ cmd: 'STATUS' });
  t.deepEqual(Object.keys(status.events), ['notices']);
  t.is(status.totals.received, 6);
});

test('BLUEOX_HOST is the default host; more lines than the queue holds all arrive, in order', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const count = 20_000;
  const lines = Array.from({ length: count }, (_, i) => numbered(i, 120));
  const r = await runTool('oxingest', ['bulk.lines'], { input: lines.join('\n') + '\n', env: { BLUEOX_HOST: oxd.collect } });
  t.is(r.code, 0, r.stderr);
  await waitForWritten(oxd, 'bulk.lines', count);
  t.deepEqual(dataOf(oxd, 'bulk.lines'), lines);
  t.is((await oxd.control.request({ cmd: 'STATUS' })).totals.dropped, 0);
});

test('lines that cannot reach oxd within --linger are counted on stderr, exit 1', async (t) => {
  const port = await freePort();
  // Not timed: on a busy machine starting node alone can take seconds. A linger that is not
  // honoured keeps oxingest waiting until runTool kills it (exit status null, not 1).
  const r = await runTool('oxingest', ['-H', `127.0.0.1:${port}`, '--linger', '300', 'notices'], { input: 'a\nb\nc\n' });
  t.is(r.code, 1);
  t.regex(r.stderr, /oxingest: 3 of 3 lines could not be delivered to oxd at 127\.0\.0\.1:\d+ within --linger 300 ms/);
});

test('long lines of standard input are split at --max-line-bytes, or cut with --truncate-long-lines', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const long = 'a'.repeat(250);
  const split = await runTool('oxingest', ['-H', oxd.collect, '--max-line-bytes', '100', 'split'], { input: `${long}\nshort\n` });
  t.is(split.code, 0, split.stderr);
  const cut = await runTool('oxingest', ['-H', oxd.collect, '--max-line-bytes', '100', '--truncate-long-lines', 'cut'], { input: `${long}\nshort\n` });
  t.is(cut.code, 0, cut.stderr);
  await waitForWritten(oxd, 'split', 4);
  await waitForWritten(oxd, 'cut', 2);
  t.deepEqual(dataOf(oxd, 'split'), ['a'.repeat(100), 'a'.repeat(100), 'a'.repeat(50), 'short']);
  t.deepEqual(dataOf(oxd, 'cut'), ['a'.repeat(100), 'short']);
});

const usageCases: Array<[string, string[], RegExp]> = [
  ['no type and no -F', [], /a type name \(for standard input\) or -F FILE is required/],
  ['a type and -F together (as the original)', ['notices', '-F', '/tmp/x.log'], /a type name and -F do not go together/],
  ['a type oxd would refuse', ['.hidden'], /type "\.hidden": the type name starts with "\."/],
  ['a type with an empty part', ['a..b'], /empty part/],
  ['-F with a bad explicit type', ['-F', 'bad\\type:/tmp/x.log'], /the type name contains "\/" or "\\"/],
  ['-F twice for one file', ['-F', '/tmp/x.log', '-F', 'other:/tmp/x.log'], /\/tmp\/x\.log is already followed/],
  ['a bad --max-line-bytes', ['-F', '/tmp/x.log', '--max-line-bytes', 'lots'], /--max-line-bytes must be a whole number from 16 to 1000000, not "lots"/],
  ['a bad --linger', ['notices', '--linger', '-5'], /--linger/],
  ['a bad --host', ['notices', '-H', 'host:99999'], /--host: "host:99999": the port must be a number/],
  ['--from-beginning without -F', ['notices', '--from-beginning'], /--from-beginning only applies to files followed with -F/],
  ['--state-file without -F', ['notices', '--state-file', '/tmp/s.json'], /--state-file only applies/],
  ['an unknown flag', ['--tail-everything'], /unknown option '--tail-everything'/],
];

for (const [what, args, message] of usageCases) {
  test(`usage error, exit 2: ${what}`, async (t) => {
    const r = await runTool('oxingest', args);
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, message);
    t.regex(r.stderr, /\(run with --help for usage\)/);
  });
}

test('--help documents modes, the type rule, the state file, signals and exit status; exit 0', async (t) => {
  const r = await runTool('oxingest', ['--help']);
  t.is(r.code, 0);
  for (const needle of [
    '-F, --file <[type:]path>',
    '--state-file',
    '--from-beginning',
    '--max-line-bytes',
    '--truncate-long-lines',
    '--flush-partial',
    '--rotate-wait',
    'copytruncate',
    '/var/log/nginx/access.log -> access',
    'SIGUSR1',
    'SIGTERM, SIGINT',
    'Exit status: 0',
    '2 usage error',
    'STATE_DIRECTORY',
  ]) {
    t.true(r.stdout.includes(needle), needle);
  }
});
