/**
 * oxd's command line: the original's flags (`-c`, `-t`, `-r`, `-l`,
 * `--rotate-hours`, `--stream-range`, `-v`) plus the limits this oxd adds,
 * `--config` and `--check-config`. Settings are resolved defaults < config
 * file < environment < flags, each checked through the settings table, so a
 * bad value names where it came from, the key and what is allowed.
 */
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import { increase, parseCommandLine } from '../config/command-line';
import { DEFAULT_CONFIG_FILE, readConfigFile, readEnvironment } from '../config/config-file';
import { DEFAULTS, OxdSettings, parseSetting } from '../config/oxd-settings';
import { formatEndpoint } from '../protocol/endpoint';
import { DEFAULT_CARBON_PORT, DEFAULT_STATSD_PORT } from '../config/statsd-settings';
import { DEFAULT_SYSLOG_PORT, DEFAULT_SYSLOG_TLS_PORT } from '../config/syslog-settings';
import { VERSION } from '../version';

export interface OxdInvocation {
  settings: OxdSettings;
  /** The configuration file that was read, or null when there was none. */
  configFile: string | null;
  /** --check-config: validate, print the result, exit. */
  checkConfig: boolean;
  /** --check-spool: report what the disk spool (spool_path) holds, exit. */
  checkSpool: boolean;
  /** --make-link-key PATH: write a key pair there, exit; null otherwise. */
  makeLinkKey: string | null;
  /** The flags as given, to resolve the settings again on SIGHUP. */
  flags: Record<string, unknown>;
}

/** Flags that set a setting: option name (as commander stores it) -> setting and flag text. */
const SETTING_FLAGS: Array<[string, keyof OxdSettings, string]> = [
  ['collect', 'collect', '--collect'],
  ['control', 'control', '--control'],
  ['forward', 'forward', '--forward'],
  ['forwardFailover', 'forwardFailoverMs', '--forward-failover'],
  ['logPath', 'logPath', '--log-path'],
  ['rotateHours', 'rotateHours', '--rotate-hours'],
  ['streamRange', 'streamRange', '--stream-range'],
  ['maxEventSize', 'maxEventSize', '--max-event-size'],
  ['flushInterval', 'flushIntervalMs', '--flush-interval'],
  ['idleClose', 'idleCloseMs', '--idle-close'],
  ['handshakeTimeout', 'handshakeTimeoutMs', '--handshake-timeout'],
  ['drainTimeout', 'drainTimeoutMs', '--drain-timeout'],
  ['forwardSpool', 'forwardSpoolBytes', '--forward-spool'],
  ['spoolPath', 'spoolPath', '--spool-path'],
  ['spoolMaxBytes', 'spoolMaxBytes', '--spool-max-bytes'],
  ['spoolWhenFull', 'spoolWhenFull', '--spool-when-full'],
  ['spoolFsync', 'spoolFsyncMs', '--spool-fsync'],
  ['link', 'link', '--link'],
  ['linkCompression', 'linkCompression', '--link-compression'],
  ['linkAckTimeout', 'linkAckTimeoutMs', '--link-ack-timeout'],
  ['linkWindow', 'linkWindow', '--link-window'],
  ['linkKey', 'linkKey', '--link-key'],
  ['linkServerKey', 'linkServerKey', '--link-server-key'],
  ['linkClients', 'linkClients', '--link-clients'],
  ['adminSocket', 'adminSocket', '--admin-socket'],
  ['statsd', 'statsd', '--statsd'],
  ['statsdFlush', 'statsdFlushMs', '--statsd-flush'],
  ['statsdPercentThresholds', 'statsdPercentThresholds', '--statsd-percent-thresholds'],
  ['statsdDeleteIdle', 'statsdDeleteIdle', '--statsd-delete-idle'],
  ['statsdMaxNames', 'statsdMaxNames', '--statsd-max-names'],
  ['statsdMaxTimerSamples', 'statsdMaxTimerSamples', '--statsd-max-timer-samples'],
  ['statsdReceiveBuffer', 'statsdReceiveBuffer', '--statsd-receive-buffer'],
  ['statsdHistogram', 'statsdHistogram', '--statsd-histogram'],
  ['statsdPrefixStats', 'statsdPrefixStats', '--statsd-prefix-stats'],
  ['statsdMergeDelay', 'statsdMergeDelayMs', '--statsd-merge-delay'],
  ['statsdPerHost', 'statsdPerHost', '--statsd-per-host'],
  ['graphite', 'graphite', '--graphite'],
  ['graphiteLegacyNamespace', 'graphiteLegacyNamespace', '--graphite-legacy-namespace'],
  ['graphiteGlobalPrefix', 'graphiteGlobalPrefix', '--graphite-global-prefix'],
  ['graphitePrefixCounter', 'graphitePrefixCounter', '--graphite-prefix-counter'],
  ['graphitePrefixTimer', 'graphitePrefixTimer', '--graphite-prefix-timer'],
  ['graphitePrefixGauge', 'graphitePrefixGauge', '--graphite-prefix-gauge'],
  ['graphitePrefixSet', 'graphitePrefixSet', '--graphite-prefix-set'],
  ['graphiteGlobalSuffix', 'graphiteGlobalSuffix', '--graphite-global-suffix'],
  ['graphiteFlushCounts', 'graphiteFlushCounts', '--graphite-flush-counts'],
  ['graphiteQueueLines', 'graphiteQueueLines', '--graphite-queue-lines'],
  ['graphiteSchemas', 'graphiteSchemas', '--graphite-schemas'],
  ['syslog', 'syslog', '--syslog'],
  ['syslogMaxMessage', 'syslogMaxMessage', '--syslog-max-message'],
  ['syslogMaxConnections', 'syslogMaxConnections', '--syslog-max-connections'],
  ['syslogTls', 'syslogTls', '--syslog-tls'],
  ['syslogTlsCert', 'syslogTlsCert', '--syslog-tls-cert'],
  ['syslogTlsKey', 'syslogTlsKey', '--syslog-tls-key'],
  ['syslogTlsCa', 'syslogTlsCa', '--syslog-tls-ca'],
  ['syslogTlsClientCert', 'syslogTlsClientCert', '--syslog-tls-client-cert'],
];

function program(): Command {
  const d = DEFAULTS;
  return new Command('oxd')
    .description(
      'BlueOx collector daemon: receives events from applications and other oxd instances, ' +
        'writes them to dated log files, streams them live and forwards them upstream.',
    )
    .version(VERSION, '-V, --version')
    .option('--config <file>', `read settings from this TOML file (default $OXD_CONFIG or ${DEFAULT_CONFIG_FILE}, if it exists)`)
    .option('--check-spool', 'report what the disk spool (spool_path) holds without changing it: segments, records, damage, events not yet acknowledged; exit 0, or 1 when it is damaged')
    .option('--check-config', 'check the configuration (file, environment, flags), print the settings as oxd.conf lines; exit 0, or 1 for a bad file or environment value (2 for a bad flag)')
    .option('-c, --collect <host[:port]>', `address to receive events on (ZeroMQ PULL); "*" for every interface (default: ${formatEndpoint(d.collect)})`)
    .option('-t, --control <host[:port]>', `address of the control port (ZeroMQ REP) for oxctl and oxview; the stream port binds on the same host (default: ${formatEndpoint(d.control)})`)
    .option('-r, --forward <host[:port],...>', 'forward every event, unchanged, to the collect port of another oxd; with several, the first that answers, in order')
    .option('--forward-failover <ms>', `without a connection to the upstream in use for this long, forward to the next one (default: ${d.forwardFailoverMs})`)
    .option('-l, --log-path <dir>', 'write events to <dir>/YYYYMMDD/TYPE-YYYYMMDD.log (no files without it)')
    .option('--rotate-hours <n>', `start a new file every N hours (1-12): TYPE-YYYYMMDDHH.log; 0 means daily (default: ${d.rotateHours})`)
    .option('--stream-range <port...>', `two ports MIN MAX: the stream port is picked at random between them (default: ${d.streamRange.join(' ')})`)
    .option('--max-event-size <bytes>', `drop (and count) events with a frame larger than this (default: ${d.maxEventSize})`)
    .option('--flush-interval <ms>', `write batched events to disk at least this often (default: ${d.flushIntervalMs})`)
    .option('--idle-close <ms>', `close a log file after this long without events (default: ${d.idleCloseMs})`)
    .option('--handshake-timeout <ms>', `close collect connections that do not complete the ZMTP handshake in time (default: ${d.handshakeTimeoutMs})`)
    .option('--drain-timeout <ms>', `on SIGTERM, keep reading connected senders for up to this long before exiting (default: ${d.drainTimeoutMs})`)
    .option('--forward-spool <bytes>', `memory for events waiting to be forwarded; beyond it they are dropped and counted (default: ${d.forwardSpoolBytes})`)
    .option('--spool-path <dir>', 'keep events to forward in a disk spool in this folder until the upstream has them; "" to keep them in memory (default: none)')
    .option('--spool-max-bytes <bytes>', `bytes the disk spool may hold (default: ${d.spoolMaxBytes})`)
    .option('--spool-when-full <what>', `block, drop-oldest or drop-newest when the disk spool is full (default: ${d.spoolWhenFull})`)
    .option('--spool-fsync <ms>', `fsync the disk spool this often (default: ${d.spoolFsyncMs})`)
    .option('--link <host[:port]>', `take acknowledged links from forwarding oxds here; "auto": the collect host, a free port, announced through the collect port; "" for none (default: auto)`)
    .option('--link-compression <how>', `zlib, zstd or none: compression of the batches this oxd sends over a link; zstd where both oxds' Node has it (>= 22.15), zlib otherwise (default: ${d.linkCompression})`)
    .option('--link-ack-timeout <ms>', `send unacknowledged events again after this long without an acknowledgement (default: ${d.linkAckTimeoutMs})`)
    .option('--link-window <events>', `events sent over a link before waiting for acknowledgements (default: ${d.linkWindow})`)
    .option('--link-key <file>', 'this oxd\'s CURVE key pair (made by --make-link-key): the link socket requires CURVE, and a forwarding oxd uses it on its link; "" for none (default: none)')
    .option('--link-server-key <file>', "the upstream's public key (.pub): this oxd's link uses CURVE (needs --link-key) (default: none)")
    .option('--link-clients <dir>', 'folder of the .pub files of the forwarding oxds allowed on this link (needed with --link-key on an oxd that takes links) (default: none)')
    .option('--make-link-key <path>', 'write a new CURVE key pair to PATH (mode 0640) and its public key to PATH.pub (0644), never overwriting; exit')
    .option('--admin-socket <path>', `local socket for oxctl shutdown/forward/reopen, usable by oxd's user and root only; "" for none (default: ${d.adminSocket})`)
    .option('--statsd <host[:port]>', `receive statsd lines on this address, UDP and TCP (port ${DEFAULT_STATSD_PORT} unless given); "" for none (default: none)`)
    .option('--statsd-flush <ms>', `close a statsd interval at every multiple of this many ms of the clock (default: ${d.statsdFlushMs})`)
    .option('--statsd-percent-thresholds <pct>', `percentiles written for timers, comma-separated (default: ${d.statsdPercentThresholds.join(',')})`)
    .option('--statsd-delete-idle <kinds>', 'forget names without data in an interval: none, all, or counters,timers,sets,gauges (default: none)')
    .option('--statsd-max-names <n>', `most metric names tracked; new ones beyond it are dropped and counted (default: ${d.statsdMaxNames})`)
    .option('--statsd-max-timer-samples <n>', `samples kept per timer per interval before a quantile sketch takes over (default: ${d.statsdMaxTimerSamples})`)
    .option('--statsd-receive-buffer <bytes>', `UDP receive buffer asked for, capped by net.core.rmem_max (default: ${d.statsdReceiveBuffer})`)
    .option('--statsd-histogram <rules>', 'histogram bins for timers: "NAME:BOUND,BOUND,inf;NAME:..." (default: none)')
    .option('--statsd-prefix-stats <name>', `namespace of statsd's own figures (default: ${d.statsdPrefixStats})`)
    .option('--statsd-merge-delay <ms>', `with --graphite: wait this long after a window ends for the intervals of the oxds below (default: ${d.statsdMergeDelayMs})`)
    .option('--statsd-per-host <bool>', `with --graphite: also write each host's own series, tagged host=NAME (default: ${d.statsdPerHost})`)
    .option('--graphite <host[:port]>', `write statsd intervals to carbon's plaintext port (${DEFAULT_CARBON_PORT} unless given); "" for none (default: none)`)
    .option('--graphite-legacy-namespace <bool>', `statsd's legacy names stats.NAME, stats_counts.NAME, stats.timers.NAME (default: ${d.graphiteLegacyNamespace})`)
    .option('--graphite-global-prefix <name>', `first name part in the newer namespace (default: ${d.graphiteGlobalPrefix})`)
    .option('--graphite-prefix-counter <name>', `counters' part in the newer namespace (default: ${d.graphitePrefixCounter})`)
    .option('--graphite-prefix-timer <name>', `timers' part in the newer namespace (default: ${d.graphitePrefixTimer})`)
    .option('--graphite-prefix-gauge <name>', `gauges' part in the newer namespace (default: ${d.graphitePrefixGauge})`)
    .option('--graphite-prefix-set <name>', `sets' part in the newer namespace (default: ${d.graphitePrefixSet})`)
    .option('--graphite-global-suffix <name>', 'appended to every name (default: none)')
    .option('--graphite-flush-counts <bool>', `also write each counter's count beside its rate (default: ${d.graphiteFlushCounts})`)
    .option('--graphite-queue-lines <n>', `lines kept while carbon is away; beyond, the oldest are dropped and counted (default: ${d.graphiteQueueLines})`)
    .option('--graphite-schemas <file>', `carbon's storage-schemas.conf, checked against --statsd-flush; "" for no check (default: ${d.graphiteSchemas})`)
    .option('--syslog <host[:port]>', `receive syslog on this address, TCP and UDP (port ${DEFAULT_SYSLOG_PORT} unless given); "" for none (default: none)`)
    .option('--syslog-max-message <bytes>', `cut a longer syslog message there and flag it truncated (default: ${d.syslogMaxMessage})`)
    .option('--syslog-max-connections <n>', `refuse (and count) syslog TCP connections beyond this many (default: ${d.syslogMaxConnections})`)
    .option('--syslog-tls <host[:port]>', `receive syslog over TLS (RFC 5425) on this address (port ${DEFAULT_SYSLOG_TLS_PORT} unless given); "" for none (default: none)`)
    .option('--syslog-tls-cert <file>', "the TLS server's certificate, PEM (chain after it)")
    .option('--syslog-tls-key <file>', "the TLS server's private key, PEM")
    .option('--syslog-tls-ca <file>', "CA certificates (PEM) for clients' certificates (default: the system's)")
    .option('--syslog-tls-client-cert <mode>', `none, request or require a client certificate (default: ${d.syslogTlsClientCert})`)
    .addOption(new Option('-v, --verbose', 'log more: -v for info, -vv for debug').argParser(increase))
    .addHelpText(
      'after',
      `
Settings come from, in increasing precedence: built-in defaults, the configuration file
(see oxd.conf(5)), the environment (OXD_<KEY>, e.g. OXD_LOG_PATH; BLUEOX_HOST for --collect and
BLUEOX_CLIENT_HOST for --control, as in the original), and these flags.

Signals:
  SIGTERM, SIGINT  drain connected senders, write everything received, exit 0
  SIGHUP           reopen every log file, and reload the configuration file
  SIGUSR1          log one line of counters (it never opens Node's debugger)

Exit status: 0 after a clean stop (or a valid --check-config), 1 when oxd cannot start or the
configuration is invalid, 2 for a usage error.`,
    );
}

/**
 * Parses argv (without node and script); throws UsageExit for usage errors,
 * ConfigError/BlueOxError for unusable settings.
 */
export function parseOxdArgs(argv: string[], env: NodeJS.ProcessEnv = process.env, defaultConfig = DEFAULT_CONFIG_FILE): OxdInvocation {
  const cmd = program();
  parseCommandLine(cmd, argv);
  const flags = cmd.opts<Record<string, unknown>>();
  // Making a key needs no settings: a configuration still to be written (naming that key) does not stop it.
  if (typeof flags.makeLinkKey === 'string') {
    return { settings: DEFAULTS, configFile: null, checkConfig: false, checkSpool: false, makeLinkKey: flags.makeLinkKey, flags };
  }
  return {
    ...resolveSettings(flags, env, defaultConfig),
    checkConfig: flags.checkConfig === true,
    checkSpool: flags.checkSpool === true,
    makeLinkKey: null,
    flags,
  };
}

/** Defaults < file < environment < flags. Also used by SIGHUP to reload with the same flags. */
export function resolveSettings(
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  defaultConfig = DEFAULT_CONFIG_FILE,
): { settings: OxdSettings; configFile: string | null } {
  const named = (flags.config as string | undefined) ?? env.OXD_CONFIG;
  const file = named ?? defaultConfig;
  const fromFile = readConfigFile(file, named !== undefined);
  const settings: OxdSettings = { ...DEFAULTS, ...fromFile, ...readEnvironment(env) };
  for (const [option, field, flag] of SETTING_FLAGS) {
    if (flags[option] !== undefined) (settings as unknown as Record<string, unknown>)[field] = parseSetting(field, flags[option], `option ${flag}`);
  }
  if (typeof flags.verbose === 'number') settings.verbosity = Math.min(flags.verbose, 2);
  const exists = named !== undefined || Object.keys(fromFile).length > 0 || fileExists(file);
  return { settings, configFile: exists ? file : null };
}

function fileExists(file: string): boolean {
  try {
    fs.accessSync(file);
    return true;
  } catch {
    return false;
  }
}
