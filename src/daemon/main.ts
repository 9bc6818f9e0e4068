/**
 * oxd's entry point: command line, start, signals, exit status.
 *
 *   SIGTERM / SIGINT  drain, flush, close, exit 0
 *   SIGHUP            reopen log files
 * Exit 1 when oxd cannot start (the message says why), 2 for usage errors.
 */
import { isMainThread } from 'node:worker_threads';
import { ConfigError } from '../config/errors';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageExit } from '../config/command-line';
import { BlueOxError, describeError } from '../errors';
import { keyOf, OxdSettings } from '../config/oxd-settings';
import { formatEndpoint } from '../protocol/endpoint';
import { guardInspectorSignal } from '../config/process-guards';
import { OxdInvocation, parseOxdArgs, resolveSettings } from './args';
import { SystemdNotifier } from '../systemd/systemd-notify';
import { Daemon } from './daemon';
import { formatUpstreams } from './sinks/upstreams';
import { Logger } from './log';
import { retentionProblems } from './retention-check';
import { forgetPassedSockets, passedSockets } from './socket-activation';
import { checkSpool, describeSpool } from './spool/spool-check';
import { readTlsFiles } from './sources/syslog/syslog-tls';
import { zstdMissing } from './link/link-codec';
import { linkCurve } from './link/link-curve';
import { makeLinkKey } from './link/link-keys';

async function main(argv: string[]): Promise<number> {
  let daemonForSignal: Daemon | null = null;
  guardInspectorSignal(() => {
    if (daemonForSignal) process.stderr.write(`oxd: ${statusLine(daemonForSignal)}\n`);
  });
  let invocation: OxdInvocation;
  try {
    invocation = parseOxdArgs(argv);
  } catch (err) {
    if (err instanceof UsageExit) return err.exitCode;
    if (err instanceof ConfigError && err.source.startsWith('option ')) {
      process.stderr.write(`oxd: ${err.message}\n(run with --help for usage)\n`);
      return EXIT_USAGE;
    }
    if (err instanceof BlueOxError) {
      process.stderr.write(`oxd: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    throw err;
  }
  const { settings, configFile } = invocation;
  if (invocation.makeLinkKey !== null) {
    try {
      const made = makeLinkKey(invocation.makeLinkKey);
      process.stdout.write(`key pair (secret): ${made.pair}\npublic key: ${made.pub}\n`);
      return EXIT_OK;
    } catch (err) {
      process.stderr.write(`oxd: ${describeError(err)}\n`);
      return EXIT_FAILURE;
    }
  }
  if (invocation.checkSpool) {
    if (settings.spoolPath === null) {
      process.stderr.write(`oxd: --check-spool: spool_path is empty in ${configFile ?? 'the settings'}: events to forward are kept in memory; give --spool-path DIR\n`);
      return EXIT_FAILURE;
    }
    const report = checkSpool(settings.spoolPath);
    process.stdout.write(describeSpool(report));
    return report.damaged === 0 ? EXIT_OK : EXIT_FAILURE;
  }
  if (invocation.checkConfig) {
    if (settings.syslogTls || settings.syslogTlsCert || settings.syslogTlsKey) {
      try {
        readTlsFiles(settings);
      } catch (err) {
        process.stderr.write(`oxd: ${configFile ?? 'settings'}: ${(err as Error).message}\n`);
        return EXIT_FAILURE;
      }
    }
    try {
      for (const note of linkCurve(settings).notes) process.stderr.write(`oxd: note: ${note}\n`);
    } catch (err) {
      process.stderr.write(`oxd: ${configFile ?? 'settings'}: ${describeError(err)}\n`);
      return EXIT_FAILURE;
    }
    for (const problem of retentionProblems(settings)) process.stderr.write(`oxd: warning: ${problem}\n`);
    const codec = zstdMissing(settings.linkCompression);
    if (codec !== null) process.stderr.write(`oxd: warning: ${codec}\n`);
    process.stdout.write(`configuration ok (${configFile ?? 'no configuration file; defaults'})\n${describeSettings(settings)}`);
    return EXIT_OK;
  }
  const log = new Logger(settings.verbosity);
  for (const problem of retentionProblems(settings)) log.warning(problem);
  const notifier = new SystemdNotifier(log);
  let daemon: Daemon;
  try {
    const passed = passedSockets();
    forgetPassedSockets();
    daemon = new Daemon(settings, log, passed);
    const ep = await daemon.start();
    daemonForSignal = daemon;
    notifier.ready(() => statusLine(daemon));
    log.notice(
      `ready collect=${formatEndpoint(ep.collect)} control=${formatEndpoint(ep.control)} stream=${formatEndpoint(ep.stream)}` +
        ` log-path=${settings.logPath ?? '-'} forward=${settings.forward ? formatUpstreams(settings.forward) : '-'}` +
        ` admin=${ep.admin ?? '-'}${ep.statsd ? ` statsd=${formatEndpoint(ep.statsd)}` : ''}${ep.syslog ? ` syslog=${formatEndpoint(ep.syslog)}` : ''}` +
        `${ep.syslogTls ? ` syslog-tls=${formatEndpoint(ep.syslogTls)}` : ''}` +
        `${settings.graphite ? ` graphite=${formatEndpoint(settings.graphite)}` : ''} pid=${process.pid}`,
    );
  } catch (err) {
    log.error(`cannot start: ${describeError(err)}`);
    return EXIT_FAILURE;
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (why: string): void => {
      if (stopping) return;
      stopping = true;
      log.notice(`stopping (${why}): draining senders, writing what was received`);
      notifier.stopping(`stopping: ${statusLine(daemon)}`);
      daemon.stop().then(
        () => {
          const t = daemon.stats.totals;
          log.notice(
            `stopped received=${t.received} written=${t.written} forwarded=${t.forwarded} ` +
              `dropped=${t.dropped} invalid=${t.invalid} from_statsd=${daemon.stats.fromStatsd}`,
          );
          notifier.close();
          resolve(EXIT_OK);
        },
        (err) => {
          log.error(`failed while stopping: ${describeError(err)}`);
          resolve(EXIT_FAILURE);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      notifier.reloading();
      daemon.reopen();
      try {
        const next = resolveSettings(invocation.flags, process.env).settings;
        const restart = daemon.applySettings(next);
        log.notice(
          `configuration reloaded${restart.length ? `; restart oxd to apply: ${restart.map((k) => keyOf(k as keyof OxdSettings)).join(', ')}` : ''}`,
        );
      } catch (err) {
        log.error(`configuration not reloaded, the running settings stay: ${describeError(err)}`);
      }
      notifier.reloaded();
    });
    daemon.onShutdownRequest = () => stop('SHUTDOWN request');
  });
}

/** One line of live counters for systemd's STATUS= (shown by systemctl status). */
function statusLine(daemon: Daemon): string {
  const t = daemon.stats.totals;
  return `received ${t.received}, written ${t.written}, forwarded ${t.forwarded}, dropped ${t.dropped}, invalid ${t.invalid}`;
}

function describeSettings(s: OxdSettings): string {
  const text = (v: unknown): string =>
    v === null ? '""' : typeof v === 'object' && v !== null && 'host' in v ? `"${formatEndpoint(v as never)}"` : JSON.stringify(v);
  // Histogram rules are written in oxd.conf as text, "NAME:BOUND,...;NAME:...".
  const histogram = s.statsdHistogram.map((r) => `${r.metric}:${r.bins.join(',')}`).join(';');
  return (Object.keys(s) as (keyof OxdSettings)[])
    .map((k) => `${keyOf(k)} = ${k === 'statsdHistogram' ? JSON.stringify(histogram) : text(s[k])}\n`)
    .join('');
}

// The bundle is also the file of oxd's syslog thread (sources/syslog/syslog-thread.ts), which is no daemon.
if (isMainThread) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`oxd: internal error: ${(err as Error)?.stack ?? err}\n`);
      process.exit(70);
    },
  );
}
