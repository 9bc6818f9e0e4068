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
 * "<0>"), and where the rest begins; null when there is none.
 */
export function readPri(text: string): { pri: number; rest: number } | null {
  if (text.charCodeAt(0) !== 0x3c) return null;
  const close = text.indexOf('>', 1);
  if (close < 2 || close > 4) return null;
  const digits = text.slice(1, close);
  if (!/^(0|[1-9]\d{0,2})$/.test(digits)) return null;
  const pri = Number(digits);
  return pri <= 191 ? { pri, rest: close + 1 } : null;
}
