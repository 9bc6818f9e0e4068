/**
 * Debian's rsyslogd (8.2302), started by a test in a folder of its own with
 * a configuration the test writes, as the syslog forwarder in front of oxd.
 *
 * It shares nothing with a system rsyslog: no /etc/rsyslog.conf, no
 * /dev/log (imuxsock's system socket is off), no kernel log (imklog is not
 * loaded), its work folder, pid file and sockets in the test's folder.
 * Messages enter through imuxsock on a private unix socket (`socket`), where
 * `logger -u` writes them; the test's rules say where they go.
 *
 * The command line, flag by flag:
 * - `-n`: stay in the foreground, so the test holds its pid and its exit.
 * - `-f CONFIG`: the test's configuration instead of /etc/rsyslog.conf.
 * - `-i PIDFILE`: not /run/rsyslogd.pid, which a system rsyslog would own;
 *   rsyslogd writes it once its configuration is active (see below).
 * - no `-C`: it only keeps rsyslogd from changing to `/`, and every path
 *   here is absolute; there is no chroot to avoid (rsyslogd has none).
 * - no `-d`: debug output is verbose and slows every message; rsyslogd's
 *   own messages go to a file in the folder instead (below).
 *
 * rsyslogd's own messages (start, errors, connection losses) would by
 * default be sent to the system log socket (processInternalMessages off);
 * here it processes them itself, and the first rule writes them to
 * `rsyslogd.log` and stops them, so they never reach the rules under test
 * (an error would otherwise be forwarded to oxd like any message) and a
 * test counts only the messages it sent.
 *
 * Ready: rsyslogd logs "[origin software="rsyslogd" ...] start" right after
 * activating its configuration (inputs bound, actions ready) and then writes
 * its pid file; the helper waits for both, with a deadline, and fails at once
 * with rsyslogd's stderr when it exits instead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PeerDaemon, peerFolder, Teardown } from './peer-daemon';

export const RSYSLOGD = '/usr/sbin/rsyslogd';

export interface RsyslogOptions {
  /** The rules under test, after the input and the rule for rsyslogd's own messages. */
  rules: string;
  /** Lines before the input (modules and global settings a test needs, e.g. TLS's). */
  globals?: string;
  /** The name rsyslogd gives messages that carry none (global localHostname). */
  hostname?: string;
  /** Its environment (e.g. TZ), on top of the test's. */
  env?: NodeJS.ProcessEnv;
}

/** rsyslogd; its `output` is what it wrote to stdout and stderr (config errors before its own log is open). */
export class Rsyslog extends PeerDaemon {
  /** The unix datagram socket its imuxsock input reads: `logger -u` this. */
  get socket(): string {
    return path.join(this.dir, 'log.sock');
  }

  /** rsyslogd's own messages so far (start, errors, lost connections). */
  internalLog(): string {
    const file = path.join(this.dir, 'rsyslogd.log');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  }

  /** Starts rsyslogd with the test's rules and resolves once it is ready; stopped at teardown. */
  static async start(t: Teardown, options: RsyslogOptions): Promise<Rsyslog> {
    const dir = peerFolder('blueox-rsyslog-');
    fs.mkdirSync(path.join(dir, 'work'));
    const config = path.join(dir, 'rsyslog.conf');
    const pidFile = path.join(dir, 'rsyslogd.pid');
    fs.writeFileSync(config, rsyslogConf(dir, options));
    const rsyslog = new Rsyslog(t, { name: 'rsyslogd', command: RSYSLOGD, args: ['-n', '-f', config, '-i', pidFile], dir, env: options.env, output: 'stdout+stderr' });
    const readPid = (): string => (fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : '');
    await rsyslog.waitReady(
      () => / start$/m.test(rsyslog.internalLog()) && readPid() === String(rsyslog.pid) && fs.existsSync(rsyslog.socket),
      () => ({ 'its own log': rsyslog.internalLog(), configuration: fs.readFileSync(config, 'utf8') }),
    );
    return rsyslog;
  }
}

/** Starts rsyslogd (see Rsyslog.start). */
export function startRsyslog(t: Teardown, options: RsyslogOptions): Promise<Rsyslog> {
  return Rsyslog.start(t, options);
}

function rsyslogConf(dir: string, o: RsyslogOptions): string {
  const hostname = o.hostname === undefined ? '' : ` localHostname="${o.hostname}"`;
  return `# Written by the test: everything in ${dir}, nothing of the system's.
global(workDirectory="${dir}/work" processInternalMessages="on"${hostname})
${o.globals ?? ''}
# The local socket without the system's: imuxsock's special parser reads only the local
# RFC 3164 form; off, messages go through the parser chain (RFC 5424, then RFC 3164) as
# network input does, so logger --rfc5424 keeps its structured data and msgid.
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="${dir}/log.sock" UseSpecialParser="off")

# rsyslogd's own messages to a file of its own, and no further. They come from the input
# "rsyslogd"; their tag is "rsyslogd:" for the start and stop, but "rsyslogd-<error number>:"
# for errors, so $programname would let errors through to the rules under test.
if $inputname == "rsyslogd" then {
  action(type="omfile" file="${dir}/rsyslogd.log")
  stop
}

${o.rules}
`;
}
