/**
 * oxd's own log: one line per message on stderr.
 *
 * Under systemd (stderr connected to the journal, which systemd announces in
 * JOURNAL_STREAM) each line starts with a syslog priority prefix such as
 * `<4>`, which journald turns into the entry's priority (`journalctl -p`).
 * On a terminal or in a file the line carries a UTC timestamp and the level
 * name instead.
 */
import { isJournalStream, PRIORITY } from '../systemd/journal-stream';

export type Level = keyof typeof PRIORITY;

/** verbosity 0 shows notices and worse, 1 adds info, 2 adds debug. */
const THRESHOLD = [PRIORITY.notice, PRIORITY.info, PRIORITY.debug];

export interface LogSink {
  write(line: string): void;
}

/** True when fd 2 is the stream systemd said it connected to the journal. */
export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  return isJournalStream(2, env);
}

export class Logger {
  private threshold: number;

  constructor(
    verbosity: number,
    private readonly journal = stderrIsJournal(),
    private readonly sink: LogSink = { write: (line) => process.stderr.write(line) },
  ) {
    this.threshold = THRESHOLD[Math.max(0, Math.min(verbosity, THRESHOLD.length - 1))];
  }

  setVerbosity(verbosity: number): void {
    this.threshold = THRESHOLD[Math.max(0, Math.min(verbosity, THRESHOLD.length - 1))];
  }

  enabled(level: Level): boolean {
    return PRIORITY[level] <= this.threshold;
  }

  log(level: Level, message: string): void {
    if (!this.enabled(level)) return;
    // One entry per line: a message with newlines would split into several journal entries.
    const text = message.replace(/[\r\n]+/g, ' | ');
    if (this.journal) this.sink.write(`<${PRIORITY[level]}>${text}\n`);
    else this.sink.write(`${new Date().toISOString()} ${level}: ${text}\n`);
  }

  error(message: string): void {
    this.log('error', message);
  }
  warning(message: string): void {
    this.log('warning', message);
  }
  notice(message: string): void {
    this.log('notice', message);
  }
  info(message: string): void {
    this.log('info', message);
  }
  debug(message: string): void {
    this.log('debug', message);
  }
}
