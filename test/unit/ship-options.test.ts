import test from 'ava';
import { UsageExit } from '../../src/config/command-line';
import { OxstashUsageError, parseOxstashArgs } from '../../src/ship/options';

const env = { BLUEOX_CLIENT_HOST: '' };
const parse = (args: string[], tty = false, e: NodeJS.ProcessEnv = env) => parseOxstashArgs(args, tty, e);

test('defaults: the original\'s (blueox-YYYY.MM.DD, batches of 500, 10 s, localhost:9200)', (t) => {
  const o = parse([]);
  t.deepEqual(o.input, { kind: 'stdin' });
  t.deepEqual(o.index, { base: 'blueox', fixed: null });
  t.is(o.batchSize, 500);
  t.is(o.requestTimeoutMs, 10_000);
  t.deepEqual(o.nodes.map((n) => n.label), ['http://localhost:9200']);
  t.is(o.typeName, null);
  t.is(o.progress, 'auto');
  t.is(o.auth, null);
});

test('where events come from: files, -l, -H, or a terminal on stdin meaning live from the default host', (t) => {
  t.deepEqual(parse(['a.log', 'b.log.bz2']).input, { kind: 'files', files: ['a.log', 'b.log.bz2'], logPath: null });
  t.deepEqual(parse(['-l', '/var/log/blueox']).input, { kind: 'files', files: [], logPath: '/var/log/blueox' });
  t.deepEqual(parse(['-H', 'logs:4000']).input, { kind: 'live', control: { host: 'logs', port: 4000 } });
  t.deepEqual(parse(['--host', 'logs']).input, { kind: 'live', control: { host: 'logs', port: 3513 } });
  t.deepEqual(parse([], true).input, { kind: 'live', control: { host: '127.0.0.1', port: 3513 } });
  t.deepEqual(parse([], true, { BLUEOX_CLIENT_HOST: 'central:3600' }).input, { kind: 'live', control: { host: 'central', port: 3600 } });
  t.deepEqual(parse(['x.log'], true).input.kind, 'files', 'files win over a terminal');
});

test('the original\'s underscore spellings are aliases; the last one given wins', (t) => {
  t.deepEqual(parse(['-p', 'app']).index, { base: 'app', fixed: null });
  t.deepEqual(parse(['--index_base', 'app']).index, { base: 'app', fixed: null });
  t.deepEqual(parse(['-i', 'all']).index, { base: 'blueox', fixed: 'all' });
  t.deepEqual(parse(['--index_name', 'all']).index, { base: 'blueox', fixed: 'all' });
  t.is(parse(['--chunk_size', '7']).batchSize, 7);
  t.is(parse(['--chunk_size', '7', '--batch-size', '9']).batchSize, 9);
  t.is(parse(['--batch-size', '9', '--chunk_size=7']).batchSize, 7);
  t.is(parse(['--request_timeout', '2.5']).requestTimeoutMs, 2500);
  t.is(parse(['--request-timeout', '3']).requestTimeoutMs, 3000);
});

test('nodes, type names, retries, credentials', (t) => {
  const o = parse(['-e', 'a:1', '--elasticsearch', 'https://b:2,c', '-n', 'request*', '--max-retries', '0', '--initial-backoff', '0.01', '--max-backoff', '0.1', '--flush-interval', '0.2'], false, { OXSTASH_PASSWORD: 'pw' });
  t.deepEqual(o.nodes.map((n) => n.label), ['http://a:1', 'https://b:2', 'http://c:9200']);
  t.is(o.typeName, 'request*');
  t.is(o.maxRetries, 0);
  t.is(o.initialBackoffMs, 10);
  t.is(o.maxBackoffMs, 100);
  t.is(o.flushIntervalMs, 200);
  t.is(parse(['-n', '*']).typeName, null, 'the original\'s -n "*" means every type');
  t.is(parse(['--user', 'elastic'], false, { OXSTASH_PASSWORD: 'pw' }).auth, 'elastic:pw');
  t.is(parse(['--progress']).progress, 'on');
  t.is(parse(['-q']).progress, 'off');
  t.true(parse(['--quiet']).quiet);
});

test('flags that cannot be used are usage errors that say why', (t) => {
  const bad: [string[], RegExp][] = [
    [['--batch-size', '0'], /--batch-size "0"/],
    [['--batch-size', '1.5'], /whole number/],
    [['--chunk_size', 'many'], /--batch-size "many"/],
    [['--request-timeout', '0'], /--request-timeout/],
    [['--max-retries', '-1'], /--max-retries/],
    [['-H', 'x:1', 'a.log'], /cannot be combined/],
    [['-H', 'x:1', '-l', '/tmp'], /cannot be combined/],
    [['-H', 'x:99999'], /port/],
    [['-i', 'all', '-p', 'app'], /exclude each other/],
    [['-i', 'All'], /lowercase/],
    [['-p', '_app'], /start with/],
    [['-e', 'ftp://x'], /http/],
    [['--user', 'elastic'], /OXSTASH_PASSWORD/],
    [['--ca-cert', '/nonexistent/ca.pem'], /ca\.pem/],
    [['--quiet', '--progress'], /exclude each other/],
  ];
  for (const [args, message] of bad) t.throws(() => parse(args), { instanceOf: OxstashUsageError, message }, args.join(' '));
});

test('unknown flags and missing values are commander usage errors (exit 2); --help exits 0', (t) => {
  const stderr = process.stderr.write;
  const stdout = process.stdout.write;
  process.stderr.write = (() => true) as never;
  process.stdout.write = (() => true) as never;
  try {
    t.is(t.throws(() => parse(['--bogus']), { instanceOf: UsageExit })!.exitCode, 2);
    t.is(t.throws(() => parse(['-e']), { instanceOf: UsageExit })!.exitCode, 2);
    t.is(t.throws(() => parse(['--help']), { instanceOf: UsageExit })!.exitCode, 0);
  } finally {
    process.stderr.write = stderr;
    process.stdout.write = stdout;
  }
});
