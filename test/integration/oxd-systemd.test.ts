/**
 * oxd as systemd runs it, with the parts of systemd that work without a
 * booted systemd: a notification socket (a stand-in datagram socket, as
 * sd_notify(3) describes it) and socket activation by systemd-socket-activate.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { eventFrames } from '../helpers/events';
import { OXD_BUNDLE, tempDir } from '../helpers/oxd-process';
import { listeningPorts } from '../helpers/proc';
import { Output } from '../helpers/output';
import { ControlClient } from '../helpers/control-client';
import { ZmtpPeer } from '../helpers/zmtp-peer';
import { freePorts, notifyListener } from '../helpers/systemd-stand-ins';

test('READY after the ports are open, STATUS with counters, WATCHDOG at half the interval, STOPPING on SIGTERM', async (t) => {
  const dir = tempDir('oxd-notify-');
  const socket = path.join(dir, 'notify');
  const got = await notifyListener(t, socket);
  const oxd = spawn(process.execPath, [OXD_BUNDLE, '--config', '/dev/null', '-c', '127.0.0.1:0', '-t', '127.0.0.1:0', '--admin-socket', '', '-l', path.join(dir, 'log')], {
    env: { ...process.env, NOTIFY_SOCKET: socket, WATCHDOG_USEC: '400000' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  t.teardown(() => oxd.kill('SIGKILL'));
  const stderr = new Output(oxd.stderr!, 'oxd');
  const closed = new Promise((resolve) => oxd.once('close', resolve));
  await got.waitFor(/READY=1/);
  // Which ports are open when READY has arrived (oxd names them on stderr, a channel of its own).
  const listening = listeningPorts(oxd.pid!);
  const [, collect, control] = await stderr.waitFor(/ready collect=\S+:(\d+) control=\S+:(\d+)/);
  t.true(listening.includes(Number(collect)) && listening.includes(Number(control)), `READY is sent once the ports are open: ${listening.join(' ')}`);
  t.regex(got.text, /STATUS=received 0, written 0, forwarded 0, dropped 0, invalid 0/);
  await got.waitFor(/WATCHDOG=1/, 30_000, 3);
  oxd.kill('SIGTERM');
  t.is(await closed, 0);
  await got.waitFor(/STATUS=stopping: received 0.*\nSTOPPING=1/s);
});

test('socket activation: oxd adopts the collect and control sockets systemd passes, by name', async (t) => {
  const [collectPort, controlPort] = await freePorts(2);
  const dir = tempDir('oxd-activate-');
  const activate = spawn(
    'systemd-socket-activate',
    ['-l', `127.0.0.1:${collectPort}`, '-l', `127.0.0.1:${controlPort}`, '--fdname=collect:control',
      process.execPath, OXD_BUNDLE, '--config', '/dev/null', '--admin-socket', '', '-l', path.join(dir, 'log')],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  t.teardown(() => activate.kill('SIGKILL'));
  const stderr = new Output(activate.stderr!, 'systemd-socket-activate');
  await stderr.waitFor(/Listening on/);
  // The first connection starts oxd, which takes over the listening sockets.
  const peer = await ZmtpPeer.connect(`127.0.0.1:${collectPort}`);
  t.teardown(() => peer.destroy());
  await peer.send(eventFrames({ type: 'request' }));
  const control = new ControlClient(`127.0.0.1:${controlPort}`);
  t.teardown(() => control.close());
  let status: any = await control.request({ cmd: 'STATUS' });
  const deadline = Date.now() + 15_000;
  while (status.totals.written !== 1 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    status = await control.request({ cmd: 'STATUS' });
  }
  t.is(status.totals.written, 1);
  t.is(status.collect.endpoint, `127.0.0.1:${collectPort}`);
  await stderr.waitFor(new RegExp(`ready collect=127\\.0\\.0\\.1:${collectPort} control=127\\.0\\.0\\.1:${controlPort}`));
  const closed = new Promise((resolve) => activate.once('close', resolve));
  activate.kill('SIGTERM');
  t.is(await closed, 0);
});
