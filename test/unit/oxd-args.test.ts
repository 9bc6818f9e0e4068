import test from 'ava';
import { parseOxdArgs as parseInvocation } from '../../src/daemon/args';

/** The settings only, with no configuration file on this machine getting in the way. */
const parseOxdArgs = (argv: string[], env: NodeJS.ProcessEnv) => parseInvocation(argv, env, '/nonexistent/oxd.conf').settings;
import { ConfigError } from '../../src/config/errors';
import { UsageExit } from '../../src/config/command-line';
import { DEFAULTS } from '../../src/config/oxd-settings';

function quiet<T>(fn: () => T): T {
  const write = process.stderr.write;
  const out = process.stdout.write;
  process.stderr.write = (() => true) as typeof write;
  process.stdout.write = (() => true) as typeof write;
  try {
    return fn();
  } finally {
    process.stderr.write = write;
    process.stdout.write = out;
  }
}

test('no flags: the original defaults', (t) => {
  const s = parseOxdArgs([], {});
  t.deepEqual(s, DEFAULTS);
  t.deepEqual(s.collect, { host: '127.0.0.1', port: 3514 });
  t.deepEqual(s.control, { host: '127.0.0.1', port: 3513 });
  t.deepEqual(s.streamRange, [35000, 35999]);
  t.is(s.logPath, null);
});

test("the original's short and long flags", (t) => {
  const s = parseOxdArgs(
    ['-c', '*', '-t', '10.0.0.1:4000', '-r', 'log-master', '-l', '/var/log/blueox', '--rotate-hours', '3', '--stream-range', '36000', '36010', '-vv'],
    {},
  );
  t.deepEqual(s.collect, { host: '0.0.0.0', port: 3514 });
  t.deepEqual(s.control, { host: '10.0.0.1', port: 4000 });
  t.deepEqual(s.forward, [{ host: 'log-master', port: 3514 }]);
  t.is(s.logPath, '/var/log/blueox');
  t.is(s.rotateHours, 3);
  t.deepEqual(s.streamRange, [36000, 36010]);
  t.is(s.verbosity, 2);
  t.is(parseOxdArgs(['--collect=:5000', '--log-path=x'], {}).collect.port, 5000);
});

test('BLUEOX_HOST and BLUEOX_CLIENT_HOST give the defaults; flags win over them', (t) => {
  const env = { BLUEOX_HOST: '10.1.1.1', BLUEOX_CLIENT_HOST: '10.2.2.2:99' };
  const s = parseOxdArgs([], env);
  t.deepEqual(s.collect, { host: '10.1.1.1', port: 3514 });
  t.deepEqual(s.control, { host: '10.2.2.2', port: 99 });
  t.deepEqual(parseOxdArgs(['-c', '127.0.0.1:1'], env).collect, { host: '127.0.0.1', port: 1 });
});

test('a bad value names the option, the key and what is allowed', (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['--rotate-hours', '13'], /option --rotate-hours: rotate_hours = "13" is not allowed; rotate_hours must be an integer from 0 \(daily files\) to 12/],
    [['--stream-range', '5'], /stream_range must be two port numbers MIN MAX/],
    [['--stream-range', '9', '5'], /stream_range/],
    [['-c', 'host:70000'], /option --collect: collect = "host:70000"/],
    [['--max-event-size', '10'], /max_event_size must be a number of bytes from 1024/],
  ];
  for (const [argv, message] of cases) {
    const err = t.throws(() => parseOxdArgs(argv, {}), { instanceOf: ConfigError });
    t.regex(err!.message, message);
    t.is(err!.code, 'ECONFIG');
  }
  const envErr = t.throws(() => parseOxdArgs([], { BLUEOX_HOST: 'x:y' }), { instanceOf: ConfigError });
  t.regex(envErr!.message, /^environment BLUEOX_HOST: /);
});

test('unknown flags are usage errors (exit 2); --help and --version exit 0', (t) => {
  t.is(quiet(() => t.throws(() => parseOxdArgs(['--bogus'], {}), { instanceOf: UsageExit }))!.exitCode, 2);
  t.is(quiet(() => t.throws(() => parseOxdArgs(['--help'], {}), { instanceOf: UsageExit }))!.exitCode, 0);
  t.is(quiet(() => t.throws(() => parseOxdArgs(['--version'], {}), { instanceOf: UsageExit }))!.exitCode, 0);
  t.is(quiet(() => t.throws(() => parseOxdArgs(['extra'], {}), { instanceOf: UsageExit }))!.exitCode, 2);
});
