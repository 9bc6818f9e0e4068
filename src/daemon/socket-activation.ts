/**
 * Listening sockets passed by systemd (sd_listen_fds(3)): LISTEN_PID names
 * this process, LISTEN_FDS counts descriptors from 3 up, LISTEN_FDNAMES gives
 * each its FileDescriptorName= (`collect`, `control`; `statsd` and `syslog`
 * for both the datagram and the stream socket of their units; `syslog-tls`). Descriptors without
 * a known name are reported so the unit file can be fixed. `oxd-handover`
 * names what the previous oxd stored in systemd's fd store (fd-store.ts).
 */
import { BlueOxError } from '../errors';
import type { PassedSockets } from './daemon';
import { HANDOVER_FDNAME } from './fd-store';

const SD_LISTEN_FDS_START = 3;
const KNOWN = ['collect', 'control', 'statsd', 'syslog', 'syslog-tls', HANDOVER_FDNAME] as const;

export function passedSockets(env: NodeJS.ProcessEnv = process.env, pid = process.pid): PassedSockets {
  if (!env.LISTEN_FDS || Number(env.LISTEN_PID) !== pid) return {};
  const count = Number(env.LISTEN_FDS);
  if (!Number.isInteger(count) || count < 0) return {};
  const names = (env.LISTEN_FDNAMES ?? '').split(':');
  const passed: PassedSockets = {};
  for (let i = 0; i < count; i++) {
    const name = names[i] ?? '';
    if (!(KNOWN as readonly string[]).includes(name)) {
      throw new BlueOxError(
        'ELISTEN_FDS',
        `systemd passed socket #${i} named "${name}": give each socket unit of oxd a FileDescriptorName= of ${KNOWN.join(', ')}`,
      );
    }
    if (name === 'statsd' || name === 'syslog') (passed[name] ??= []).push(SD_LISTEN_FDS_START + i);
    else if (name === HANDOVER_FDNAME) (passed.handover ??= []).push(SD_LISTEN_FDS_START + i);
    else if (name === 'syslog-tls') passed.syslogTls = SD_LISTEN_FDS_START + i;
    else passed[name as 'collect' | 'control'] = SD_LISTEN_FDS_START + i;
  }
  return passed;
}

/** The variables must not leak into processes oxd might start. */
export function forgetPassedSockets(env: NodeJS.ProcessEnv = process.env): void {
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
}
