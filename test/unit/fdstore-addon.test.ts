/**
 * blueox-fdstore (native/fdstore), the addon through which oxd stores descriptors with systemd
 * (FDSTORE=1), with real descriptors passed by the kernel: test/helpers/notify-receiver.py stands
 * in for systemd's notification socket, receives the message with recvmsg (SCM_RIGHTS) and says
 * on one JSON line what each received descriptor is.
 *
 * A net.Socket's descriptor is `(socket as any)._handle.fd`: Node has no public API for it, and
 * this is what oxd hands over too (libuv's TCP handle on Linux exposes its fd).
 */
import test from 'ava';
import { notifyWithFds, memfdCreate } from 'blueox-fdstore';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { tempDir } from '../helpers/oxd-process';
import { fdstoreReceiver } from '../helpers/systemd-stand-ins';

/** `fn` with NOTIFY_SOCKET set to `socket` (or unset), as libsystemd reads it; the variable is restored before any other test runs. */
function withNotifySocket<T>(socket: string | undefined, fn: () => T): T {
  const before = process.env.NOTIFY_SOCKET;
  if (socket === undefined) delete process.env.NOTIFY_SOCKET;
  else process.env.NOTIFY_SOCKET = socket;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env.NOTIFY_SOCKET;
    else process.env.NOTIFY_SOCKET = before;
  }
}

/** A memfd holding `content`, its offset left at the end (the receiver reads it from 0). */
function memfdWith(t: { teardown(fn: () => void): void }, name: string, content: string): number {
  const fd = memfdCreate(name);
  t.teardown(() => fs.closeSync(fd));
  fs.writeSync(fd, content);
  return fd;
}

/** A loopback TCP connection through a net.Server: the server's side (whose descriptor is passed) and the client. */
async function connection(t: { teardown(fn: () => void): void }): Promise<{ accepted: net.Socket; client: net.Socket }> {
  const server = net.createServer();
  t.teardown(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  t.teardown(() => client.destroy());
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  const socket = await accepted;
  t.teardown(() => socket.destroy());
  return { accepted: socket, client };
}

test('notifyWithFds passes a memfd and a TCP connection with the message: the receiver reads the state back and writes through the same connection', async (t) => {
  const got = await fdstoreReceiver(t);
  const state = JSON.stringify({ connections: ['collect-conn'], written: 12345 });
  const memfd = memfdWith(t, 'blueox-state', state);
  const { accepted, client } = await connection(t);
  const fromReceiver = new Promise<string>((resolve) => client.once('data', (d: Buffer) => resolve(d.toString())));
  const message = 'FDSTORE=1\nFDNAME=collect-conn\n';
  t.true(withNotifySocket(got.socket, () => notifyWithFds(message, [memfd, (accepted as any)._handle.fd])));
  const received = await got.received(1);
  t.is(received.text, message);
  t.false(received.truncated);
  t.is(received.fds.length, 2);
  t.deepEqual(received.fds[0], { kind: 'file', name: '/memfd:blueox-state (deleted)', content: state });
  // The receiver's duplicate is this process's accepted socket: its peer is the client, and what
  // the receiver writes through it arrives at the client.
  t.deepEqual(received.fds[1], { kind: 'socket', peer: ['127.0.0.1', client.localPort!], sent: 'through the passed descriptor\n' });
  t.is(await fromReceiver, 'through the passed descriptor\n');
  // Passing duplicates: the connection is still this process's, open both ways.
  const back = new Promise<string>((resolve) => accepted.once('data', (d: Buffer) => resolve(d.toString())));
  client.write('still here\n');
  t.is(await back, 'still here\n');
});

test('notifyWithFds sends nothing and returns false when NOTIFY_SOCKET is unset (a bad descriptor still throws)', (t) => {
  const memfd = memfdWith(t, 'blueox-unset', 'x');
  t.false(withNotifySocket(undefined, () => notifyWithFds('FDSTORE=1\nFDNAME=collect-conn\n', [memfd])));
  t.false(withNotifySocket(undefined, () => notifyWithFds('READY=1', [])));
  // The descriptors are checked all the same: a bug shows outside systemd too.
  t.throws(() => withNotifySocket(undefined, () => notifyWithFds('FDSTORE=1\nFDNAME=bad\n', [-1])), { code: 'EBADF' });
});

// A just-closed number is the one libsystemd's own socket would take: without the addon's check it
// would be sent as that socket. Serial: no other test's socket or file may take the number meanwhile.
test.serial('a descriptor that is not open (-1, or just closed) throws EBADF and nothing is sent', async (t) => {
  const got = await fdstoreReceiver(t);
  const closed = memfdCreate('blueox-closed');
  fs.closeSync(closed);
  for (const fd of [-1, closed]) {
    const error = t.throws(() => withNotifySocket(got.socket, () => notifyWithFds('FDSTORE=1\nFDNAME=bad\n', [fd])));
    t.is(error?.message, `notifyWithFds: fd ${fd} is not an open file descriptor: Bad file descriptor (EBADF)`);
    t.is((error as NodeJS.ErrnoException | undefined)?.code, 'EBADF');
  }
  // The first message the receiver gets is the next one.
  t.true(withNotifySocket(got.socket, () => notifyWithFds('STATUS=after the bad ones', [])));
  t.deepEqual(await got.received(1), { text: 'STATUS=after the bad ones', truncated: false, fds: [] });
});

test('notifyWithFds names the errno when nothing listens at NOTIFY_SOCKET, and refuses arguments of the wrong type', (t) => {
  const absent = path.join(tempDir('blueox-fdstore-'), 'nobody');
  t.throws(() => withNotifySocket(absent, () => notifyWithFds('READY=1', [])), {
    message: 'notifyWithFds: sd_pid_notify_with_fds failed: No such file or directory (ENOENT)',
    code: 'ENOENT',
  });
  const call = notifyWithFds as (...args: unknown[]) => boolean;
  t.throws(() => call('READY=1'), { instanceOf: TypeError, message: /fds must be an array/ });
  t.throws(() => call('READY=1', [3.5]), { instanceOf: TypeError, message: /every fd must be an integer/ });
  t.throws(() => call('READY=1', ['3']), { instanceOf: TypeError, message: /every fd must be an integer/ });
  t.throws(() => call(1, []), { instanceOf: TypeError, message: /state must be a string/ });
  t.throws(() => call('READY=1', new Array(254).fill(0)), { instanceOf: RangeError, message: /at most 253/ });
});

test('memfdCreate makes a close-on-exec memfd that reads back what was written, and names the errno when refused', (t) => {
  const fd = memfdWith(t, 'blueox-check', 'known bytes');
  t.is(fs.readlinkSync(`/proc/self/fd/${fd}`), '/memfd:blueox-check (deleted)');
  const flags = parseInt(/^flags:\s+([0-7]+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1], 8);
  t.truthy(flags & 0o2000000, 'O_CLOEXEC');
  const back = Buffer.alloc(32);
  t.is(back.subarray(0, fs.readSync(fd, back, 0, back.length, 0)).toString(), 'known bytes');
  // memfd_create(2): a name longer than 249 bytes is EINVAL.
  t.throws(() => memfdCreate('x'.repeat(250)), { message: 'memfdCreate: memfd_create failed: Invalid argument (EINVAL)', code: 'EINVAL' });
  t.throws(() => (memfdCreate as (...args: unknown[]) => number)(), { instanceOf: TypeError, message: /name must be a string/ });
});
