/**
 * Telling systemd how a service is doing (sd_notify(3)) through the
 * sd-notify addon: READY once it serves (oxd: its ports open; oxpoke serve:
 * its checks loaded), a STATUS line with live counters, WATCHDOG pings when
 * the unit sets WatchdogSec=, RELOADING around a reload, STOPPING on
 * shutdown. Outside systemd (no NOTIFY_SOCKET) nothing is sent; if the addon
 * cannot be loaded the service still runs, and says so once. Shared by the
 * daemon and the tools that run as services, which may not import daemon/.
 */

/** Where the one warning goes (oxd's Logger, or a tool's own log). */
export interface NotifyLog {
  warning(message: string): void;
}

interface SdNotify {
  ready(): void;
  sendStatus(text: string): void;
  sendState(state: string): void;
  watchdog(): void;
  watchdogInterval(): number;
}

function load(log: NotifyLog): SdNotify | null {
  if (!process.env.NOTIFY_SOCKET) return null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('sd-notify') as SdNotify;
  } catch (err) {
    log.warning(`systemd notification unavailable (the sd-notify addon did not load: ${(err as Error).message})`);
    return null;
  }
}

export class SystemdNotifier {
  private readonly sd: SdNotify | null;
  private watchdogTimer: NodeJS.Timeout | null = null;
  private statusTimer: NodeJS.Timeout | null = null;

  constructor(log: NotifyLog) {
    this.sd = load(log);
  }

  get active(): boolean {
    return this.sd !== null;
  }

  /** READY=1, then STATUS every `statusEveryMs`, and WATCHDOG=1 at half the unit's interval. */
  ready(status: () => string, statusEveryMs = 5000): void {
    const sd = this.sd;
    if (sd === null) return;
    sd.sendStatus(status());
    sd.ready();
    this.statusTimer = setInterval(() => sd.sendStatus(status()), statusEveryMs);
    this.statusTimer.unref();
    const interval = sd.watchdogInterval();
    if (interval > 0) {
      this.watchdogTimer = setInterval(() => sd.watchdog(), Math.max(100, Math.floor(interval / 2)));
      this.watchdogTimer.unref();
    }
  }

  reloading(): void {
    this.sd?.sendState('RELOADING=1');
  }

  reloaded(): void {
    this.sd?.sendState('READY=1');
  }

  stopping(status: string): void {
    if (this.sd === null) return;
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.sd.sendStatus(status);
    this.sd.sendState('STOPPING=1');
  }

  /** The watchdog keeps pinging while the service drains, until it exits. */
  close(): void {
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    if (this.statusTimer) clearInterval(this.statusTimer);
  }
}
