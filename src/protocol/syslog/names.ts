/**
 * Syslog's numbers and their names (RFC 5424 section 6.2.1, with the names
 * rsyslog and logger use), and the PRI that carries both.
 */

export const FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp',
  'ntp', 'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

/** What a message without a PRI is taken to be: user.notice (RFC 3164 section 4.3.3). */
export const DEFAULT_PRI = 13;

export interface Priority {
  facility: number;
  severity: number;
}

export function priority(pri: number): Priority {
  return { facility: pri >> 3, severity: pri & 7 };
}

/**
 * The PRI at the start of `text` ("<0>" to "<191>", no leading zeros but
 * "<0>"), and where the rest begins; null when there is none. Read a
 * character at a time: every message starts here.
 */
export function readPri(text: string): { pri: number; rest: number } | null {
  if (text.charCodeAt(0) !== 0x3c) return null;
  let pri = 0;
  let p = 1;
  // One to three digits, then '>'.
  for (; p <= 4; p++) {
    const c = text.charCodeAt(p);
    if (c === 0x3e) break;
    if (c < 0x30 || c > 0x39 || p === 4) return null;
    pri = pri * 10 + (c - 0x30);
  }
  if (p === 1 || (p > 2 && text.charCodeAt(1) === 0x30)) return null;
  return pri <= 191 ? { pri, rest: p + 1 } : null;
}
