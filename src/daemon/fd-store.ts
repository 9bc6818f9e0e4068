/**
 * systemd's file descriptor store (https://systemd.io/FILE_DESCRIPTOR_STORE/),
 * which lets `systemctl restart oxd` lose nothing a sender wrote: the
 * stopping oxd stores its open collect connections there, with a memfd
 * saying where each one is in its stream (collect-handover.ts), instead of
 * closing them; systemd passes them to the next oxd like its listening
 * sockets (LISTEN_FDS, named `oxd-handover`), and that one reads on. A
 * closed connection would make the sender's libzmq drop the message it was
 * writing, and whatever the kernel still held for oxd.
 *
 * Only for a restart: on a plain stop nothing takes the connections, and
 * systemd would close them with unread bytes in them, so oxd says goodbye
 * as before. Whether a restart job is running is asked of systemd
 * (systemctl list-jobs); when that cannot be told, goodbye too.
 *
 * Used when the unit enables the store: FDSTORE in the environment (set by
 * systemd 254 and later to FileDescriptorStoreMax=, and by oxd.service for
 * older ones), NOTIFY_SOCKET, and the blueox-fdstore addon that sends
 * descriptors (SCM_RIGHTS), which Node cannot do.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import type { Logger } from './log';

export const HANDOVER_FDNAME = 'oxd-handover';

interface FdStoreAddon {
  notifyWithFds(state: string, fds: number[]): boolean;
  memfdCreate(name: string): number;
}

export class FdStore {
  private constructor(
    private readonly addon: FdStoreAddon,
    /** How many descriptors the unit lets oxd store. */
    readonly max: number,
  ) {}

  /** The store, when the unit enables it and the addon loads; null otherwise (said once when the addon is missing). */
  static open(log: Logger, env: NodeJS.ProcessEnv = process.env): FdStore | null {
    const max = Number(env.FDSTORE ?? 0);
    if (!env.NOTIFY_SOCKET || !Number.isInteger(max) || max < 2) return null;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return new FdStore(require('blueox-fdstore') as FdStoreAddon, max);
    } catch (err) {
      log.warning(`systemd's file descriptor store unavailable (the blueox-fdstore addon did not load: ${(err as Error).message}); a restart closes the senders' connections`);
      return null;
    }
  }

  /** Stores the connections' sockets and their state for the next oxd; throws when systemd could not be told. */
  store(sockets: number[], state: Buffer): void {
    const memfd = this.addon.memfdCreate('oxd-handover');
    try {
      fs.writeSync(memfd, state, 0, state.length, 0);
      if (!this.addon.notifyWithFds(`FDSTORE=1\nFDNAME=${HANDOVER_FDNAME}\n`, [...sockets, memfd])) {
        throw new Error('NOTIFY_SOCKET is not set');
      }
    } finally {
      fs.closeSync(memfd);
    }
  }

  /** Takes the stored descriptors out of systemd's store: from now on closing one closes the connection. */
  forget(): void {
    this.addon.notifyWithFds(`FDSTOREREMOVE=1\nFDNAME=${HANDOVER_FDNAME}\n`, []);
  }
}

/**
 * Takes what the previous oxd stored out of systemd's store, so that closing
 * a connection later really closes it; through the addon, or sd-notify
 * where the store is not enabled any more (FDSTOREREMOVE is plain text).
 */
export function forgetHandover(store: FdStore | null): void {
  if (store !== null) return store.forget();
  if (!process.env.NOTIFY_SOCKET) return;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('sd-notify') as { sendState(s: string): void }).sendState(`FDSTOREREMOVE=1\nFDNAME=${HANDOVER_FDNAME}\n`);
  } catch {
    // Without sd-notify there is no systemd to tell.
  }
}

/** The descriptors the previous oxd handed over: its connections' sockets and the memfd with their state. */
export function readHandover(fds: number[]): { sockets: number[]; state: Buffer | null } {
  const sockets: number[] = [];
  let state: Buffer | null = null;
  for (const fd of fds) {
    const st = fs.fstatSync(fd);
    if (st.isSocket()) {
      sockets.push(fd);
    } else if (st.isFile()) {
      const bytes = Buffer.alloc(st.size);
      let at = 0;
      while (at < bytes.length) at += fs.readSync(fd, bytes, at, bytes.length - at, at);
      fs.closeSync(fd);
      state = bytes;
    } else {
      fs.closeSync(fd);
    }
  }
  return { sockets, state };
}

/**
 * This process's unit: from its cgroup (`0::/system.slice/oxd.service`), or
 * BLUEOX_SYSTEMD_UNIT where the cgroup does not name it (a container).
 */
function ownUnit(env: NodeJS.ProcessEnv): string | null {
  try {
    const line = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => l.startsWith('0::'));
    const unit = line?.split('/').pop() ?? '';
    if (unit.endsWith('.service')) return unit;
  } catch {
    // No cgroup file: not Linux, or no /proc.
  }
  return env.BLUEOX_SYSTEMD_UNIT?.endsWith('.service') ? env.BLUEOX_SYSTEMD_UNIT : null;
}

/** Whether systemd is restarting this unit now (a job of type restart); false when it cannot be told. */
export function restartJobRunning(env: NodeJS.ProcessEnv = process.env, timeoutMs = 2000): Promise<boolean> {
  const unit = ownUnit(env);
  if (unit === null) return Promise.resolve(false);
  return new Promise((resolve) => {
    execFile('systemctl', ['list-jobs', '--no-legend', '--plain', '--no-pager', unit], { timeout: timeoutMs }, (err, stdout) => {
      if (err) return resolve(false);
      // A try-restart (a package upgrade) of a running unit is a restart job by then.
      resolve(stdout.split('\n').some((line) => ['restart', 'try-restart'].includes(line.trim().split(/\s+/)[2])));
    });
  });
}
