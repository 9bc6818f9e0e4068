/**
 * Whether a standard stream goes to the journal. systemd connects a
 * service's stdout and stderr to journald and says so in JOURNAL_STREAM
 * (`device:inode` of that stream); a line written there may then start with
 * a syslog priority prefix such as `<4>`, which journald takes as the
 * entry's priority (`journalctl -p`) and strips. Anywhere else (a terminal,
 * a pipe, a file) the prefix would only be noise, so writers ask first.
 */
import * as fs from 'node:fs';

/** Syslog priorities, as journald reads them from a `<N>` prefix. */
export const PRIORITY = { error: 3, warning: 4, notice: 5, info: 6, debug: 7 } as const;

/** True when file descriptor `fd` is the stream systemd said it connected to the journal. */
export function isJournalStream(fd: number, env: NodeJS.ProcessEnv = process.env): boolean {
  const stream = env.JOURNAL_STREAM;
  if (!stream) return false;
  try {
    const st = fs.fstatSync(fd);
    return stream === `${st.dev}:${st.ino}`;
  } catch {
    return false;
  }
}
