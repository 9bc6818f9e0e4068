/**
 * A restart under steady load loses nothing. restart_under_load.py holds the
 * collect port's listening socket the way systemd does (oxd.socket), hands it
 * to one oxd after another through socket activation, and stops each with
 * SIGTERM while two libzmq senders (pyzmq, as the original Python client) and
 * one Node.js application (the blueox client library) send at a steady rate.
 * Every event sent must be in the files exactly once. The booted-Debian test
 * does the same with `systemctl restart oxd`.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OXD_BUNDLE, REPO, tempDir } from '../helpers/oxd-process';
import { describe, lastJson, startPy } from './support/processes';

const RESTARTS = 5;

test(`${RESTARTS} restarts in a row under 3 x 500 events/s: every event in the files once`, async (t) => {
  const work = tempDir('blueox-restart-');
  t.teardown(() => fs.rmSync(work, { recursive: true, force: true }));
  const logPath = path.join(work, 'log');
  const client = `${process.execPath} ${path.join(REPO, 'build/test/interop/support/steady-client.js')}`;
  const py = startPy(
    'restart_under_load.py',
    ['--log-path', logPath, '--restarts', String(RESTARTS), '--rate', '500', '--senders', '2', '--per-instance', '1000', '--client-cmd', client, '--',
      process.execPath, OXD_BUNDLE, '--control', '127.0.0.1:0', '--log-path', logPath, '--admin-socket', path.join(work, 'admin.sock')],
    170_000,
  );
  t.teardown(() => py.stop());
  const done = await py.finished;
  t.is(done.code, 0, describe(done));
  const r = lastJson(done.stdout);
  t.deepEqual(r.errors, [], 'a sender failed');
  t.deepEqual(r.undecodable, [], 'a file oxd wrote is not a clean run of msgpack values');
  t.is(r.instances.length, RESTARTS + 1);
  for (const i of r.instances) t.is(i.exit, 0, `oxd ${i.pid} did not exit 0 on SIGTERM: ${i.stderr_tail.join('\n')}`);
  t.is(r.clients.length, 1);
  t.is(r.clients[0].dropped, 0, 'the blueox client dropped events from its queue');
  t.true(r.sent.every((n: number) => n > 0));
  t.deepEqual(r.missing, {}, `events lost across the restarts (sender: [first, last] seq ranges)`);
  t.is(r.lost, 0);
  t.is(r.duplicates, 0);
  t.is(r.unexpected, 0);
  t.is(r.found, r.total_sent);
  // Each oxd wrote everything it received, and the processes together received each event once.
  let received = 0;
  for (const i of r.instances) {
    const m = /stopped received=(\d+) written=(\d+)/.exec(i.stopped_line ?? '');
    t.truthy(m, `oxd ${i.pid} printed no "stopped" line: ${i.stderr_tail.join('\n')}`);
    if (!m) continue;
    t.is(m[1], m[2], `oxd ${i.pid} received ${m[1]} but wrote ${m[2]}`);
    received += Number(m[1]);
  }
  t.is(received, r.found);
  t.log(`sent ${r.sent.join(' + ')} over ${RESTARTS} restarts, found ${r.found}, stop took ${r.instances.map((i: { stop_ms: number }) => i.stop_ms).join(' ')} ms`);
});
