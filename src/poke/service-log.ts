/**
 * What `oxpoke serve` writes for people: state changes and notices on
 * standard output, warnings and errors on standard error, one line each.
 * Under systemd, where each stream is the journal (JOURNAL_STREAM), a line
 * starts with its syslog priority (`<3>` … `<5>`), which journald keeps as
 * the entry's priority and strips, so `journalctl -u oxpoke -p warning`
 * shows the checks that went wrong; elsewhere it starts with the UTC time.
 */
import type { Transition } from './check-state';
import { describeTransition } from './check-state';
import { isJournalStream, PRIORITY } from '../systemd/journal-stream';

type Level = keyof typeof PRIORITY;

export interface LogStreams {
  out(text: string): void;
  err(text: string): void;
}

export class ServiceLog {
  private readonly outJournal: boolean;
  private readonly errJournal: boolean;

  constructor(
    private readonly streams: LogStreams = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.outJournal = isJournalStream(1, env);
    this.errJournal = isJournalStream(2, env);
  }

  notice(message: string): void {
    this.streams.out(this.line(this.outJournal, 'notice', message, false));
  }

  warning(message: string): void {
    this.streams.err(this.line(this.errJournal, 'warning', message, true));
  }

  error(message: string): void {
    this.streams.err(this.line(this.errJournal, 'error', message, true));
  }

  /** A check's change, as a line of its own: `shop/add: OK -> CRITICAL: …`. */
  transition(t: Transition): void {
    this.streams.out(this.line(this.outJournal, transitionLevel(t), describeTransition(t), false));
  }

  private line(journal: boolean, level: Level, message: string, named: boolean): string {
    // One entry per line: a message with newlines would split into several journal entries.
    const text = message.replace(/[\r\n]+/g, ' | ');
    if (journal) return `<${PRIORITY[level]}>${text}\n`;
    return `${new Date().toISOString()} ${named ? `${level}: ` : ''}${text}\n`;
  }
}

/** A check going CRITICAL is an error in the journal, one going WARNING or UNKNOWN (or flapping) a warning, one recovering a notice. */
function transitionLevel(t: Transition): Level {
  if (t.kind === 'flapping') return t.to === 'flapping' ? 'warning' : 'notice';
  if (t.to === 'CRITICAL') return 'error';
  return t.to === 'OK' ? 'notice' : 'warning';
}
