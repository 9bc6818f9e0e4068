import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readConfigFile, readEnvironment } from '../../src/config/config-file';
import { ConfigError } from '../../src/config/errors';
import { parseOxdArgs } from '../../src/daemon/args';
import { tempDir } from '../helpers/oxd-process';

function conf(text: string): string {
  const file = path.join(tempDir('oxd-conf-'), 'oxd.conf');
  fs.writeFileSync(file, text);
  return file;
}

test('every setting can be given in the file, in its natural TOML type', (t) => {
  const file = conf(`
# a comment
collect = "*:4514"
control = "127.0.0.1:4513"
forward = "log-master"
log_path = "/srv/blueox"
rotate_hours = 3
stream_range = [36000, 36100]
max_event_size = 2048
flush_interval_ms = 100
idle_close_ms = 5000
handshake_timeout_ms = 3000
drain_timeout_ms = 500
forward_spool_bytes = 1048576
admin_socket = ""
verbosity = 1
`);
  t.deepEqual(readConfigFile(file, true), {
    collect: { host: '0.0.0.0', port: 4514 },
    control: { host: '127.0.0.1', port: 4513 },
    forward: [{ host: 'log-master', port: 3514 }],
    logPath: '/srv/blueox',
    rotateHours: 3,
    streamRange: [36000, 36100],
    maxEventSize: 2048,
    flushIntervalMs: 100,
    idleCloseMs: 5000,
    handshakeTimeoutMs: 3000,
    drainTimeoutMs: 500,
    forwardSpoolBytes: 1048576,
    adminSocket: null,
    verbosity: 1,
  });
});

test('an unknown key stops start-up naming the file, the key and the known keys', (t) => {
  const file = conf('colect = "*"\n');
  const err = t.throws(() => readConfigFile(file, true), { instanceOf: ConfigError });
  t.true(err!.message.startsWith(`${file}: colect = "*" is not allowed; colect must be one of the known keys (collect, control,`));
});

test('a bad value names the file, the key and what is allowed', (t) => {
  for (const [text, re] of [
    ['rotate_hours = 24', /rotate_hours = 24 is not allowed; rotate_hours must be an integer from 0 \(daily files\) to 12/],
    ['stream_range = [5]', /stream_range must be two port numbers MIN MAX/],
    ['collect = 3514', /collect = 3514 is not allowed; collect must be host, host:port/],
    ['admin_socket = "relative.sock"', /admin_socket must be empty \(no administrative socket\) or an absolute path/],
  ] as const) {
    const file = conf(`${text}\n`);
    const err = t.throws(() => readConfigFile(file, true), { instanceOf: ConfigError });
    t.true(err!.message.startsWith(`${file}: `), err!.message);
    t.regex(err!.message, re);
  }
});

test('a TOML syntax error names the file, line and column', (t) => {
  const file = conf('collect = "*"\nlog_path = \n');
  const err = t.throws(() => readConfigFile(file, true));
  t.regex(err!.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: not valid TOML`));
});

test('a missing file is fine unless it was named', (t) => {
  t.deepEqual(readConfigFile('/nonexistent/oxd.conf', false), {});
  t.throws(() => readConfigFile('/nonexistent/oxd.conf', true), { message: /cannot read the configuration file \/nonexistent\/oxd.conf/ });
});

test('precedence: defaults < file < environment < flags', (t) => {
  const file = conf('log_path = "/from/file"\nrotate_hours = 3\nverbosity = 2\ncollect = "10.0.0.1"\n');
  const fileOnly = parseOxdArgs(['--config', file], {}).settings;
  t.is(fileOnly.logPath, '/from/file');
  t.is(fileOnly.verbosity, 2);
  t.is(fileOnly.drainTimeoutMs, 2000, 'untouched settings keep their defaults');
  const env = { OXD_LOG_PATH: '/from/env', BLUEOX_HOST: '10.0.0.2' };
  const withEnv = parseOxdArgs(['--config', file], env).settings;
  t.is(withEnv.logPath, '/from/env');
  t.deepEqual(withEnv.collect, { host: '10.0.0.2', port: 3514 });
  t.is(withEnv.rotateHours, 3);
  const withFlags = parseOxdArgs(['--config', file, '-l', '/from/flag', '--rotate-hours', '6'], env).settings;
  t.is(withFlags.logPath, '/from/flag');
  t.is(withFlags.rotateHours, 6);
  t.is(parseOxdArgs(['--config', file, '-v'], env).settings.verbosity, 1, '-v wins over the file');
  t.is(parseOxdArgs([], { OXD_CONFIG: file }).configFile, file);
});

test('environment values are checked and named by their variable', (t) => {
  t.throws(() => readEnvironment({ OXD_ROTATE_HOURS: 'often' }), { message: /^environment OXD_ROTATE_HOURS: rotate_hours = "often"/ });
});

test('the disk spool settings: file, environment and flags, and what each allows', (t) => {
  const file = conf('spool_path = "/var/lib/blueox/spool"\nspool_max_bytes = 2097152\nspool_when_full = "drop-oldest"\nspool_fsync_ms = 250\n');
  t.deepEqual(readConfigFile(file, true), { spoolPath: '/var/lib/blueox/spool', spoolMaxBytes: 2097152, spoolWhenFull: 'drop-oldest', spoolFsyncMs: 250 });
  const env = { OXD_SPOOL_PATH: '/srv/spool', OXD_SPOOL_WHEN_FULL: 'drop-newest' };
  const s = parseOxdArgs(['--spool-max-bytes', '1048576', '--spool-fsync', '10'], env).settings;
  t.like(s, { spoolPath: '/srv/spool', spoolWhenFull: 'drop-newest', spoolMaxBytes: 1048576, spoolFsyncMs: 10 });
  t.is(parseOxdArgs([], {}).settings.spoolPath, null, 'off unless asked for');
  for (const [text, re] of [
    ['spool_path = "relative/spool"', /spool_path must be empty \(events to forward wait in memory/],
    ['spool_when_full = "wait"', /spool_when_full must be block, drop-oldest, drop-newest/],
    ['spool_max_bytes = 1000', /spool_max_bytes must be a number of bytes from 1048576/],
    ['spool_fsync_ms = 0', /spool_fsync_ms must be milliseconds from 10 to 60000/],
  ] as const) {
    const err = t.throws(() => readConfigFile(conf(`${text}\n`), true), { instanceOf: ConfigError });
    t.regex(err!.message, re);
  }
});
