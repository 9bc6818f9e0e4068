/**
 * The syslog benchmark (figures, not pass/fail): oxd's syslog source beside
 * Debian's rsyslog, in one run, fed by the same generator.
 *
 * TCP: four connections, one node process each (syslog-tcp-sender.ts),
 * send the same numbered message set (~200 bytes, RFC 5424 and RFC 3164),
 * octet-counted and then LF-framed, as fast as the receiver takes it:
 * rsyslog (imtcp to a file) and oxd (`--syslog` to its files), each fresh
 * for every trial, the order alternating over the rounds; and the same
 * generator into a reader that discards, to show it is not the limit.
 * Messages a second from the first byte sent to the last message stored,
 * the receiver's CPU per message, and loss counted by sequence number in
 * what each stored.
 *
 * UDP: rising rates (syslog_udp_generator.c) against each, with the same
 * receive buffer asked for (4 MiB, what oxd asks), until its socket drops
 * datagrams by the kernel's count.
 *
 * After the TCP trials, oxd's syslog path timed stage by stage in this process
 * (syslog-stages.ts): where the CPU of a message goes.
 *
 * Prints tables; writes JSON to bench-results/syslog.json.
 *
 *   node build/test/bench/syslog-run.js [--messages N] [--rounds R] [--framings octet,lf]
 *        [--receivers rsyslog,oxd] [--rsyslog-workers W] [--udp-seconds S] [--no-udp] [--no-tcp] [--no-stages]
 *        [--cpu-prof DIR] [--oxd-before BUNDLE]
 *
 * --oxd-before: another build of oxd (say, dist/oxd.js built from an older
 * commit) as one more receiver, `oxd-before`, in the same rounds: before and
 * after in one run, as ratios.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OXD_BUNDLE, REPO } from '../helpers/oxd-process';
import { killLiveChildren, stopChildrenOnSignal } from './line-child';
import { busyProcesses, clkTck } from './proc-stats';
import { formatBySource } from './profile-by-source';
import { formatTop } from './profile-summary';
import { RSYSLOGD } from './rsyslog-process';
import { Framing, stampsFor, syslogMessage } from './syslog-messages';
import { RECEIVE_BUFFER, startOxdReceiver, startRsyslogReceiver, SyslogReceiver, SyslogReceiverName } from './syslog-receivers';
import { formatGoals } from './report-table';
import { formatSteps, formatTrials, goals } from './syslog-report';
import { formatStages, StageTime, syslogStages } from './syslog-stages';
import { discardTrial, TcpTrial, tcpTrial } from './syslog-tcp-trial';
import { buildUdpGenerator, udpLadder, udpStep, UdpStep } from './syslog-udp-ladder';

const log = (text: string): boolean => process.stderr.write(`[syslog-bench] ${text}\n`);

/** Datagrams a second, rising by about 1.4 each step. */
const UDP_RATES = [5_000, 10_000, 20_000, 35_000, 50_000, 70_000, 100_000, 140_000, 200_000, 280_000, 400_000];
/** Distinct messages the UDP generator cycles through. */
const UDP_MESSAGES = 10_000;
const CONNECTIONS = 4;

/** The receivers running now, for Ctrl-C. */
const running = new Set<SyslogReceiver>();

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function withReceiver<T>(name: SyslogReceiverName, tempDir: string, workers: number, cpuProfDir: string | null, body: (r: SyslogReceiver) => Promise<T>): Promise<T> {
  const before = arg('--oxd-before');
  if (name === 'oxd-before' && before === undefined) throw new Error('oxd-before is the bundle given with --oxd-before');
  const rcv =
    name === 'rsyslog'
      ? await startRsyslogReceiver(workers)
      : await startOxdReceiver(tempDir, name === 'oxd-before' ? { cpuProfDir, bundle: path.resolve(before!) } : { cpuProfDir });
  running.add(rcv);
  try {
    return await body(rcv);
  } finally {
    running.delete(rcv);
    await rcv.stop();
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(OXD_BUNDLE)) throw new Error(`${OXD_BUNDLE} is missing: run make build first`);
  if (!fs.existsSync(RSYSLOGD)) throw new Error(`${RSYSLOGD} is missing: run make setup (Debian's rsyslog)`);
  const messages = Number(arg('--messages') ?? 1_000_000);
  const rounds = Number(arg('--rounds') ?? 3);
  const framings = (arg('--framings') ?? 'octet,lf').split(',').filter((s) => s !== '') as Framing[];
  const receivers = (arg('--receivers') ?? (arg('--oxd-before') ? 'rsyslog,oxd,oxd-before' : 'rsyslog,oxd')).split(',').filter((s) => s !== '') as SyslogReceiverName[];
  const workers = Number(arg('--rsyslog-workers') ?? 2);
  const udpSeconds = Number(arg('--udp-seconds') ?? 3);
  const cpuProfDir = arg('--cpu-prof') ? path.resolve(arg('--cpu-prof')!) : null;
  if (cpuProfDir) fs.mkdirSync(cpuProfDir, { recursive: true });
  stopChildrenOnSignal(log, () => {
    for (const r of running) process.kill(r.pid, 'SIGKILL');
  });

  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'blueox-bench-syslog-'));
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, kernel: os.release(), clkTck: clkTck(), loadavgBefore: os.loadavg() };
  const busy = await busyProcesses();
  process.stdout.write(
    `syslog benchmark: ${machine.cpus} x ${machine.cpuModel}, node ${machine.node}, load average before ${machine.loadavgBefore.map((x) => x.toFixed(2)).join(' ')}\n` +
      `TCP: ${messages.toLocaleString('en-US')} messages (~200 bytes, RFC 5424 and 3164) over ${CONNECTIONS} connections, ${rounds} rounds; ` +
      `rsyslog 8 imtcp -> omfile (RSYSLOG_FileFormat), main queue ${workers} workers; oxd --syslog -> files\n` +
      busy.map((b) => `WARNING: busy before the start, not ours: pid ${b.pid} at ${Math.round(b.share * 100)}% of a core: ${b.command}\n`).join('') +
      '\n',
  );

  const stampMs = Date.now();
  const trials: TcpTrial[] = [];
  try {
    if (!process.argv.includes('--no-tcp')) {
      for (const framing of framings) {
        const o = { framing, messages, connections: CONNECTIONS, stampMs };
        for (let round = 1; round <= rounds; round++) {
          const order = round % 2 === 1 ? receivers : [...receivers].reverse();
          const d = await discardTrial(o);
          log(`${framing} round ${round}: generator into a discarding reader: ${Math.round(d.messagesPerSec).toLocaleString('en-US')} messages/s`);
          trials.push(d);
          for (const name of order) {
            const t = await withReceiver(name, tempDir, workers, cpuProfDir, (rcv) => tcpTrial(rcv, o));
            log(
              `${framing} round ${round}: ${name} ${Math.round(t.messagesPerSec).toLocaleString('en-US')} messages/s, ${t.cpuMicrosPerMessage.toFixed(2)} µs CPU/message, ` +
                `lost ${t.missing}, duplicated ${t.duplicates}; ${t.check.detail}`,
            );
            if (t.profile) log(`\n${formatTop(t.profile, 25)}\n\n${formatBySource(t.profile)}\n`);
            trials.push(t);
          }
        }
      }
      process.stdout.write(formatTrials(trials) + '\n');
      process.stdout.write(
        'messages/s: from the first byte sent to the last message in the receiver\'s files; CPU: the receiver\'s utime + stime, every thread,\n' +
          'over the same time; lost/dup: sequence numbers missing from or repeated in its files.\n\n',
      );
    }

    let stages: StageTime[] = [];
    if (!process.argv.includes('--no-stages')) {
      log('timing the stages of the syslog path in this process');
      stages = syslogStages(100_000, 3);
      process.stdout.write(
        `oxd's syslog path in one process, no sockets or files (fastest of 3 rounds of 100,000 messages, octet-counted, 64 KiB chunks):\n${formatStages(stages)}\n` +
          'each stage runs with the ones above it in its way (framing under both); "route" and "source" end in a router without sinks\n' +
          '(meta frame, body check, counters); what the TCP trial costs beyond "source" is socket reads, file writes and their GC.\n\n',
      );
    }

    const steps: UdpStep[] = [];
    const receiveBuffers: Record<string, number | null> = {};
    if (!process.argv.includes('--no-udp')) {
      buildUdpGenerator();
      const messagesFile = path.join(tempDir, 'udp-messages.txt');
      const stamps = stampsFor(stampMs);
      fs.writeFileSync(messagesFile, Array.from({ length: UDP_MESSAGES }, (_, i) => syslogMessage(i, stamps)).join('\n') + '\n');
      for (const name of receivers) {
        await withReceiver(name, tempDir, workers, null, async (rcv) => {
          receiveBuffers[name] = rcv.receiveBuffer();
          log(`${name} on UDP ${rcv.port} (receive buffer ${receiveBuffers[name]} bytes); warming up at ${UDP_RATES[0]}/s`);
          await udpStep(rcv, messagesFile, UDP_RATES[0], 2);
          steps.push(...(await udpLadder(rcv, messagesFile, UDP_RATES, udpSeconds, log)));
        });
      }
      process.stdout.write(formatSteps(steps) + '\n');
      process.stdout.write(
        `receive buffers (ss rb; both asked for ${RECEIVE_BUFFER} bytes, the kernel doubles it): ${Object.entries(receiveBuffers).map(([k, v]) => `${k} ${v}`).join(', ')} bytes\n` +
          'socket drops: the drops column of the receiver\'s socket in /proc/net/udp; RcvbufErrors: /proc/net/snmp, every UDP socket of the machine.\n' +
          'A receiver not scheduled for longer than its buffer lasts loses datagrams at any CPU load: on a shared machine the first loss measures stalls too.\n\n',
      );
    }

    const gs = goals(trials, framings, steps);
    process.stdout.write(formatGoals(gs) + '\n\n');
    const loadAfter = os.loadavg();
    process.stdout.write(`load average after ${loadAfter.map((x) => x.toFixed(2)).join(' ')}: the machine is shared, figures are indicative; compare ratios within one run.\n`);
    const out = path.join(REPO, 'bench-results', 'syslog.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify({ benchmark: 'syslog', date: new Date().toISOString(), machine, loadAfter, busyBefore: busy, messages, rounds, rsyslogWorkers: workers, trials, stages, receiveBuffers, steps, goals: gs }, null, 2) + '\n');
    log(`figures written to ${path.relative(REPO, out)}`);
  } finally {
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`syslog bench failed: ${(err as Error)?.stack ?? err}\n`);
    killLiveChildren();
    for (const r of running) process.kill(r.pid, 'SIGKILL');
    process.exit(1);
  },
);
