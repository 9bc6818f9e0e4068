/**
 * Debian's syslog-ng (3.38), a second syslog forwarder in front of oxd,
 * started by a test in a folder of its own with the destination the test
 * names.
 *
 * syslog-ng-core cannot be installed beside rsyslog (both provide
 * system-log-daemon), so `make setup` unpacks it, with the libraries this
 * machine lacks, into build/peers/syslog-ng (test/interop/support/
 * fetch-syslog-ng.sh); `paths` there holds the LD_LIBRARY_PATH and module
 * folder it runs with.
 *
 * Messages enter through two unix datagram sockets in the folder, where
 * `logger -u` writes: `socket` reads the local RFC 3164 form, `socket5424`
 * RFC 5424 (flags(syslog-protocol)), so structured data and msgid survive.
 *
 * The command line, flag by flag:
 * - `-F`: stay in the foreground, so the test holds its pid and its exit.
 * - `-e`: its own messages to stderr (where the helper reads "starting up"
 *   and errors) rather than to an internal() source, which the
 *   configuration does not read: they never reach oxd.
 * - `-f`, `--persist-file`, `--pidfile`, `--control`: the configuration,
 *   its persistent state, pid file and control socket in the test's folder,
 *   not under /etc, /var/lib and /run where a system syslog-ng keeps them.
 * - `--module-path`: the unpacked modules (its built-in path is
 *   /usr/lib/syslog-ng/3.38, which is not there).
 * - `--no-caps`: as root, syslog-ng would keep a set of capabilities
 *   (binding low ports, reading the kernel log), which fails in containers
 *   that do not grant them; nothing here needs them.
 *
 * Ready: syslog-ng logs "syslog-ng starting up" once its configuration is
 * initialised (sources bound, destinations set up); the helper waits for that
 * line and the two sockets, with a deadline, and fails at once with its
 * stderr when it exits instead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './oxd-process';
import { PeerDaemon, peerFolder, Teardown } from './peer-daemon';

export const SYSLOG_NG_DIR = path.join(REPO, 'build', 'peers', 'syslog-ng');
const SYSLOG_NG = path.join(SYSLOG_NG_DIR, 'root', 'usr', 'sbin', 'syslog-ng');

export interface SyslogNgOptions {
  /** The destination driver oxd is, e.g. `network("127.0.0.1" port(5514) transport("tcp"))`. */
  destination: string;
  /** Its environment (e.g. TZ), on top of the test's. */
  env?: NodeJS.ProcessEnv;
}

/** LD_LIBRARY_PATH and the module folder the fetch wrote, or an error saying how to get them. */
function unpacked(): { libraries: string; modules: string } {
  const file = path.join(SYSLOG_NG_DIR, 'paths');
  if (!fs.existsSync(path.join(SYSLOG_NG_DIR, '.complete')) || !fs.existsSync(file)) {
    throw new Error(`syslog-ng is not unpacked in ${SYSLOG_NG_DIR}: run make setup (or make peers)`);
  }
  const vars = Object.fromEntries(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { libraries: vars.LD_LIBRARY_PATH, modules: vars.MODULE_PATH };
}

/** syslog-ng; its `output` is its stderr, its own messages. */
export class SyslogNg extends PeerDaemon {
  /** The unix datagram socket for local RFC 3164 messages: `logger -u` this. */
  get socket(): string {
    return path.join(this.dir, 'log.sock');
  }

  /** The unix datagram socket for RFC 5424 messages: `logger -u` this `--rfc5424`. */
  get socket5424(): string {
    return path.join(this.dir, 'log5424.sock');
  }

  /** Starts syslog-ng forwarding both sockets to `destination`; resolves once it is ready; stopped at teardown. */
  static async start(t: Teardown, options: SyslogNgOptions): Promise<SyslogNg> {
    const { libraries, modules } = unpacked();
    const dir = peerFolder('blueox-syslog-ng-');
    const config = path.join(dir, 'syslog-ng.conf');
    fs.writeFileSync(config, syslogNgConf(dir, options.destination));
    const args = ['-F', '-e', '-f', config, `--persist-file=${dir}/syslog-ng.persist`, `--pidfile=${dir}/syslog-ng.pid`, `--control=${dir}/syslog-ng.ctl`, `--module-path=${modules}`, '--no-caps'];
    const ng = new SyslogNg(t, { name: 'syslog-ng', command: SYSLOG_NG, args, dir, env: { ...options.env, LD_LIBRARY_PATH: libraries }, output: 'stderr' });
    await ng.waitReady(
      () => /syslog-ng starting up/.test(ng.output.text) && fs.existsSync(ng.socket) && fs.existsSync(ng.socket5424),
      () => ({ configuration: fs.readFileSync(config, 'utf8') }),
    );
    return ng;
  }
}

/** Starts syslog-ng (see SyslogNg.start). */
export function startSyslogNg(t: Teardown, options: SyslogNgOptions): Promise<SyslogNg> {
  return SyslogNg.start(t, options);
}

function syslogNgConf(dir: string, destination: string): string {
  return `@version: 3.38
# Written by the test: everything in ${dir}, nothing of the system's.
# No periodic statistics messages.
options { stats_freq(0); };
source s_local {
  unix-dgram("${dir}/log.sock");
  unix-dgram("${dir}/log5424.sock" flags(syslog-protocol));
};
destination d_oxd { ${destination}; };
log { source(s_local); destination(d_oxd); };
`;
}
