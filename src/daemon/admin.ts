/**
 * The administrative endpoint: a local socket (ipc) for the requests that
 * change oxd (SHUTDOWN, FORWARD, REOPEN), usable only by oxd's own user and
 * root through file permissions. The TCP control port stays as open as the
 * original's, for status and stream discovery.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { BlueOxError, describeError } from '../errors';

/** True when something accepts connections on the unix socket at `file`. */
function inUse(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(file);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Makes `file` ready to bind: its folder exists (0750), and a socket file
 * left by an oxd that is gone is removed. Refuses to take over a socket
 * another running oxd answers on.
 */
export async function prepareAdminSocket(file: string): Promise<void> {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
  } catch (err) {
    throw new BlueOxError('EADMIN_SOCKET', `cannot create the folder of the admin socket ${file}: ${describeError(err)}`);
  }
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return;
  }
  if (!st.isSocket()) {
    throw new BlueOxError('EADMIN_SOCKET', `${file} exists and is not a socket: remove it or choose another --admin-socket`);
  }
  if (await inUse(file)) {
    throw new BlueOxError('EADMIN_SOCKET', `another oxd answers on the admin socket ${file}: stop it or choose another --admin-socket`);
  }
  fs.unlinkSync(file);
}
