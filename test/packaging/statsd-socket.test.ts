/**
 * The packaged oxd with what oxd-statsd.socket passes it, in the /proc that
 * oxd.service gives it: both sockets of the unit (datagram first, then
 * stream, under one FileDescriptorName=), and /proc mounted as ProcSubset=pid
 * and ProtectProc=invisible mount it, where only the process's own entries
 * (/proc/self/...) are visible. Datagrams and TCP lines must both be taken,
 * and the kernel's drop counters read. Needs root (unshare, mount).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from '../helpers/oxd-process';
import { Output } from '../helpers/output';
import { cleanEnv, extractedRoot, parseUnit, runExtracted, unitText } from './packages';

test('packaged oxd takes datagrams and TCP lines on both sockets of oxd-statsd.socket, inside the /proc of oxd.service', async (t) => {
  const unit = parseUnit(unitText('oxd-statsd.socket')).get('Socket')!;
  t.deepEqual([...unit.keys()].filter((k) => k.startsWith('Listen')), ['ListenDatagram', 'ListenStream'], 'the order in which systemd passes them');
  const service = parseUnit(unitText('oxd.service')).get('Service')!;
  t.deepEqual(service.get('ProcSubset'), ['pid']);
  t.deepEqual(service.get('ProtectProc'), ['invisible']);

  const root = extractedRoot();
  const mountProc = 'mount -t proc -o subset=pid,hidepid=invisible proc /proc && exec "$@"';
  const child = spawn(
    'unshare',
    ['--mount', '--pid', '--fork', '--kill-child', 'sh', '-c', mountProc, 'sh',
      '/usr/bin/python3', path.join(REPO, 'test/helpers/listen_fds.py'), unit.get('FileDescriptorName')![0],
      path.join(root, 'usr/sbin/oxd'), '--config', '/dev/null', '-c', '127.0.0.1:0', '-t', '127.0.0.1:0', '--admin-socket', ''],
    { cwd: os.tmpdir(), env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // --kill-child: oxd (pid 1 of the new namespace) dies with unshare.
  t.teardown(() => child.kill('SIGKILL'));
  const stderr = new Output(child.stderr!, 'unshare, listen_fds.py and oxd');
  const port = Number((await stderr.waitFor(/^port (\d+)$/m))[1]);
  const [, control, statsd] = await stderr.waitFor(/ready collect=\S+ control=(\S+) .* statsd=(\S+) /);
  t.is(statsd, `127.0.0.1:${port}`);

  const udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => udp.send('packaged.udp:1|c', port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  udp.close();
  await new Promise<void>((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => c.end('packaged.tcp:2|c\n'));
    c.once('error', reject);
    c.once('close', () => resolve());
  });
  let status: any = null;
  const deadline = Date.now() + 20_000;
  while (status?.packets_received !== 2 && Date.now() < deadline) {
    const r = await runExtracted('usr/bin/oxctl', ['-H', control, '--raw']);
    t.is(r.code, 0, r.stderr);
    status = JSON.parse(r.stdout).statsd;
  }
  t.like(status, { endpoint: `127.0.0.1:${port}`, packets_received: 2, metrics_received: 2, bad_lines_seen: 0 });
  t.true(status.receive_buffer > 0, `receive_buffer ${status.receive_buffer}`);
  t.is(typeof status.udp_drops, 'number', 'the drops of the datagram socket are read');
  t.is(typeof status.udp_rcvbuf_errors, 'number', "the machine's RcvbufErrors are read");
});
