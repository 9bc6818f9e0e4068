import test from 'ava';
import { passedSockets } from '../../src/daemon/socket-activation';

test('named sockets from systemd map to descriptors from 3 up', (t) => {
  const env = { LISTEN_PID: '42', LISTEN_FDS: '2', LISTEN_FDNAMES: 'control:collect' };
  t.deepEqual(passedSockets(env, 42), { control: 3, collect: 4 });
});

test('variables meant for another process, or absent, pass nothing', (t) => {
  t.deepEqual(passedSockets({ LISTEN_PID: '41', LISTEN_FDS: '1', LISTEN_FDNAMES: 'collect' }, 42), {});
  t.deepEqual(passedSockets({}, 42), {});
});

test('an unnamed or unknown socket is an error that says how to fix the unit', (t) => {
  t.throws(() => passedSockets({ LISTEN_PID: '42', LISTEN_FDS: '1' }, 42), { message: /FileDescriptorName=/ });
  t.throws(() => passedSockets({ LISTEN_PID: '42', LISTEN_FDS: '1', LISTEN_FDNAMES: 'stream' }, 42), {
    message: /named "stream"/,
  });
});
