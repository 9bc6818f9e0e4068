/**
 * Several upstreams: how `forward` lists them (flag, environment, file) and
 * the rules by which the forwarder moves between them, with the time given.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readConfigFile } from '../../src/config/config-file';
import { ConfigError } from '../../src/config/errors';
import { parseOxdArgs } from '../../src/daemon/args';
import { formatUpstreams, Upstreams } from '../../src/daemon/sinks/upstreams';
import { tempDir } from '../helpers/oxd-process';

const A = { host: 'central-a', port: 3514 };
const B = { host: 'central-b', port: 4000 };
const C = { host: '::1', port: 3514 };

test('forward lists upstreams by commas or spaces, in a flag, the environment or a TOML array', (t) => {
  t.deepEqual(parseOxdArgs(['--forward', 'central-a, central-b:4000,[::1]'], {}).settings.forward, [A, B, C]);
  t.deepEqual(parseOxdArgs([], { OXD_FORWARD: 'central-a central-b:4000' }).settings.forward, [A, B]);
  const file = path.join(tempDir('oxd-conf-'), 'oxd.conf');
  fs.writeFileSync(file, 'forward = ["central-a", "central-b:4000"]\nforward_failover_ms = 5000\n');
  t.deepEqual(readConfigFile(file, true), { forward: [A, B], forwardFailoverMs: 5000 });
  fs.writeFileSync(file, 'forward = "central-a,central-b:4000"\n');
  t.deepEqual(readConfigFile(file, true), { forward: [A, B] });
  t.is(parseOxdArgs(['--forward', ''], {}).settings.forward, null, 'empty: no forwarding');
  t.is(parseOxdArgs(['--forward-failover', '250'], {}).settings.forwardFailoverMs, 250);
  t.is(parseOxdArgs([], {}).settings.forwardFailoverMs, 30_000);
  t.is(formatUpstreams([A, B, C]), 'central-a:3514,central-b:4000,[::1]:3514');
});

test('a bad upstream in the list, or a bad failover time, names the key and what is allowed', (t) => {
  const file = path.join(tempDir('oxd-conf-'), 'oxd.conf');
  for (const [text, re] of [
    ['forward = "central-a,central-b:99999"', /forward must be empty \(no forwarding\), or the host\[:port\]/],
    ['forward = ["central-a", 5]', /forward must be empty/],
    ['forward = []', /forward must be empty/],
    ['forward_failover_ms = 10', /forward_failover_ms must be milliseconds from 100 to 3600000/],
  ] as const) {
    fs.writeFileSync(file, `${text}\n`);
    const err = t.throws(() => readConfigFile(file, true), { instanceOf: ConfigError });
    t.regex(err!.message, re);
    t.true(err!.message.includes(file), 'names the file');
  }
});

test('the next upstream is due only after failover_ms without a connection, counted from the first moment without it', (t) => {
  const u = new Upstreams([A, B, C], 1000, 0);
  t.is(u.failoverDue(999), null, 'not connected since start, but not long enough');
  t.is(u.failoverDue(1000), 1);
  u.connected();
  t.is(u.failoverDue(5000), null, 'connected: never due');
  u.disconnected(6000);
  u.disconnected(6500);
  t.is(u.failoverDue(6999), null);
  t.is(u.failoverDue(7000), 1, 'counted from the first disconnection, not the last');
  u.moveTo(1, 7000, 'no connection for 1 s', 'failover');
  t.deepEqual(u.current, B);
  t.false(u.onPreferred);
  t.is(u.failoverDue(7999), null, 'the new upstream gets its own failover_ms to connect');
  t.is(u.failoverDue(8000), 2);
  u.moveTo(2, 8000, 'no connection for 1 s', 'failover');
  t.is(u.failoverDue(9000), 0, 'after the last, the first again');
  u.moveTo(0, 9000, 'no connection for 1 s', 'failover');
  u.moveTo(1, 9000, 'no connection for 1 s', 'failover');
  u.moveTo(0, 9000, 'it answers again', 'return');
  t.like(u.status(9500), {
    upstreams: 'central-a:3514,central-b:4000,[::1]:3514',
    upstream_index: 0,
    failovers: 4,
    returns: 1,
    disconnected_ms: 500,
    last_move: 'central-b:4000 to central-a:3514: it answers again',
  });
});

test('one upstream never fails over; the first is asked again at most every 5 s, and not more often than failover_ms', (t) => {
  const one = new Upstreams([A], 100, 0);
  t.is(one.failoverDue(1e9), null);
  t.is(new Upstreams([A, B], 30_000, 0).returnProbeMs, 5000);
  t.is(new Upstreams([A, B], 1000, 0).returnProbeMs, 1000);
  t.is(new Upstreams([A, B], 100, 0).returnProbeMs, 100);
});
