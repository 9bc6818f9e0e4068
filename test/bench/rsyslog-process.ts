/**
 * Debian's rsyslogd as the syslog benchmark's reference, started in the
 * foreground (-n) with a configuration, work folder and pid file of its own
 * in a temp folder, never the system service: imtcp and imudp on one free
 * loopback port, every message from them through the main queue to one file
 * (omfile, RSYSLOG_FileFormat, as Debian's rsyslog.conf writes
 * /var/log/syslog). Settings are those of a busy central log host: a
 * LinkedList main queue with large batches, a 256 KiB write buffer flushed
 * at the end of each batch (no fsync), imudp with the receive buffer asked
 * of oxd. rsyslog's own messages go to a second file, shown if it fails.
 * Stopped by its PID.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { boundUdpPorts, listeningPorts, waitUntil } from '../helpers/proc';
import { freePorts } from '../helpers/systemd-stand-ins';
import { track } from './line-child';

export const RSYSLOGD = '/usr/sbin/rsyslogd';

export interface RsyslogOptions {
  /** Asked for imudp's socket (rcvbufSize), bytes; the kernel doubles it as for oxd's. */
  receiveBuffer: number;
  /** Worker threads of the main queue (parse, template, write). */
  queueWorkers: number;
}

export interface Rsyslog {
  pid: number;
  port: number;
  /** The file every received message is written to, one line each. */
  output: string;
  config: string;
  stop(): Promise<void>;
}

export function rsyslogConfig(port: number, dir: string, o: RsyslogOptions): string {
  return `# the syslog benchmark's rsyslog: ${dir}
global(workDirectory="${dir}/work" maxMessageSize="8k" processInternalMessages="on")
main_queue(queue.type="LinkedList" queue.size="200000" queue.dequeueBatchSize="1024" queue.workerThreads="${o.queueWorkers}")
module(load="imtcp" maxSessions="1000")
module(load="imudp")
input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="bench")
input(type="imudp" address="127.0.0.1" port="${port}" ruleset="bench" rcvbufSize="${o.receiveBuffer}")
ruleset(name="bench") {
  action(type="omfile" file="${dir}/messages.log" template="RSYSLOG_FileFormat" ioBufferSize="256k" asyncWriting="off" flushOnTXEnd="on")
}
*.* action(type="omfile" file="${dir}/rsyslog-internal.log")
`;
}

export async function startRsyslog(o: RsyslogOptions): Promise<Rsyslog> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueox-bench-rsyslog-'));
  fs.mkdirSync(path.join(dir, 'work'));
  const [port] = await freePorts(1);
  const config = path.join(dir, 'rsyslog.conf');
  fs.writeFileSync(config, rsyslogConfig(port, dir, o));
  const child: ChildProcess = spawn(RSYSLOGD, ['-n', '-f', config, '-i', path.join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
  track(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const internal = (): string => {
    try {
      return fs.readFileSync(path.join(dir, 'rsyslog-internal.log'), 'utf8').slice(-4000);
    } catch {
      return '';
    }
  };
  try {
    await waitUntil(
      () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`rsyslogd exited with ${child.exitCode ?? child.signalCode}`);
        return listeningPorts(child.pid!).includes(port) && boundUdpPorts(child.pid!).includes(port);
      },
      `rsyslogd listens on TCP and UDP ${port}`,
      15_000,
    );
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${stderr}\n${internal()}`);
  }
  return {
    pid: child.pid!,
    port,
    output: path.join(dir, 'messages.log'),
    config,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
