/**
 * What systemd would provide, for tests that run oxd without a booted
 * systemd: a notification socket (test/helpers/notify_listener.py, a unix
 * datagram socket as sd_notify(3) describes it), one that also receives
 * descriptors as the file descriptor store does (test/helpers/notify-receiver.py),
 * and free ports to hand to systemd-socket-activate.
 */
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { REPO, tempDir } from './oxd-process';
import { Output } from './output';

/**
 * Starts the stand-in at `file` and resolves once it is bound; its output has one line per
 * notification (wait for the one a test asserts on with `waitFor`). Stopped at teardown; its own
 * alarm (10 minutes) only bounds a run whose teardown never came.
 */
export async function notifyListener(t: { teardown(fn: () => void): void }, file: string): Promise<Output> {
  const child = spawn('/usr/bin/python3', [path.join(REPO, 'test/helpers/notify_listener.py'), file, '600'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  const got = new Output(child.stdout!, 'the notification socket stand-in');
  await got.waitFor(/^bound$/m);
  return got;
}

/** One message as test/helpers/notify-receiver.py saw it, with what each passed descriptor is. */
export interface ReceivedNotification {
  text: string;
  /** The kernel cut the descriptors short (MSG_CTRUNC). */
  truncated: boolean;
  fds: Array<{ kind: 'file'; name: string; content: string } | { kind: 'socket'; peer: [string, number]; sent: string }>;
}

/**
 * A notification socket that takes descriptors (FDSTORE=1) at a new path, bound when this resolves;
 * `received(n)` resolves with the n-th message. Stopped at teardown.
 */
export async function fdstoreReceiver(t: { teardown(fn: () => void): void }): Promise<{ socket: string; received(n: number): Promise<ReceivedNotification> }> {
  const socket = path.join(tempDir('blueox-fdstore-'), 'notify');
  const child = spawn('/usr/bin/python3', [path.join(REPO, 'test/helpers/notify-receiver.py'), socket, '600'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  const out = new Output(child.stdout!, 'the file descriptor store stand-in');
  await out.waitFor(/^bound$/m);
  return { socket, received: async (n) => JSON.parse((await out.waitFor(/^\{.*\}$/m, 30_000, n))[0]) };
}

/** `n` loopback ports that were free a moment ago. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve) => {
          const s = net.createServer();
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
