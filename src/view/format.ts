/**
 * The parts of oxview's --pretty output that are not the event's JSON: the
 * original's header line (`=== type (short id@host:pid)  (duration)`) and
 * the colours used on a terminal. The JSON itself is written by src/json/
 * (printer.ts).
 */
import type { EventFields } from '../store/event-fields';

export interface Palette {
  header: (s: string) => string;
  dim: (s: string) => string;
  /** Written before and after each key of the body. */
  keyBefore: string;
  keyAfter: string;
}

const plain: Palette = { header: (s) => s, dim: (s) => s, keyBefore: '', keyAfter: '' };
const ansi: Palette = {
  header: (s) => `\x1b[1;36m${s}\x1b[0m`,
  dim: (s) => `\x1b[2m${s}\x1b[0m`,
  keyBefore: '\x1b[33m',
  keyAfter: '\x1b[0m',
};

/** Colours when writing to a terminal, unless NO_COLOR is set; `force` overrides both. */
export function palette(isTty: boolean, force?: boolean, env: NodeJS.ProcessEnv = process.env): Palette {
  const on = force ?? (isTty && !('NO_COLOR' in env) && env.TERM !== 'dumb');
  return on ? ansi : plain;
}

/** "123 ms" under two seconds, "12.3 s" above, as the original printed durations. */
export function formatDuration(seconds: number): string {
  return seconds < 2 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(1)} s`;
}

export function prettyHeader(event: EventFields, p: Palette = plain): string {
  const type = String(event.type ?? '?');
  const id = String(event.id ?? '');
  const { start, end, host, pid } = event;
  if (typeof start === 'number' && typeof end === 'number' && host !== undefined && pid !== undefined) {
    return `\n${p.header(`=== ${type}`)} ${p.dim(`(${id.slice(0, 12)}@${String(host)}:${String(pid)})`)}  (${formatDuration(end - start)})\n`;
  }
  return `\n${p.header(`=== ${type}`)} ${p.dim(`(${id})`)}\n`;
}
