/**
 * What systemd would provide, for tests that run oxd without a booted
 * systemd: a notification socket (test/helpers/notify_listener.py, a unix
 * datagram socket as sd_notify(3) describes it) and free ports to hand to
 * systemd-socket-activate.
 */
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { REPO } from './oxd-process';

/** Starts the stand-in at `file`; `text` collects one line per notification. Stopped at teardown. */
export function notifyListener(t: { teardown(fn: () => void): void }, file: string): { text: string } {
  const child = spawn('/usr/bin/python3', [path.join(REPO, 'test/helpers/notify_listener.py'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  const got = { text: '' };
  child.stdout!.on('data', (d: Buffer) => (got.text += d.toString()));
  return got;
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
