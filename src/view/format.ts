/**
 * How oxview shows an event: one JSON object per line (for jq and
 * friends), or --pretty: the original's header line
 * (`=== type (short id@host:pid)  (duration)`) and the indented body,
 * coloured on a terminal.
 */
import type { Event } from '../store/event-reader';

export interface Palette {
  header: (s: string) => string;
  key: (s: string) => string;
  dim: (s: string) => string;
}

const plain: Palette = { header: (s) => s, key: (s) => s, dim: (s) => s };
const ansi: Palette = {
  header: (s) => `\x1b[1;36m${s}\x1b[0m`,
  key: (s) => `\x1b[33m${s}\x1b[0m`,
  dim: (s) => `\x1b[2m${s}\x1b[0m`,
};

/** Colours when writing to a terminal, unless NO_COLOR is set; `force` overrides both. */
export function palette(isTty: boolean, force?: boolean, env: NodeJS.ProcessEnv = process.env): Palette {
  const on = force ?? (isTty && !('NO_COLOR' in env) && env.TERM !== 'dumb');
  return on ? ansi : plain;
}

/**
 * Byte strings (msgpack bin) as text rather than {"0":…}. It looks at the
 * original value (`this[key]`): a Buffer's toJSON has already run by the
 * time a replacer sees `value`.
 */
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (original instanceof Uint8Array) return Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('utf8');
  return typeof value === 'bigint' ? value.toString() : value;
}

/**
 * One JSON line. `binary` says the value holds byte strings (the reader
 * knows from the msgpack tags): only then is the slower converting path
 * taken, since JSON.stringify would show them as {"0":…}.
 */
export function jsonLine(value: unknown, binary = false): string {
  return (binary ? JSON.stringify(value, replacer) : JSON.stringify(value)) + '\n';
}

/** "123 ms" under two seconds, "12.3 s" above, as the original printed durations. */
export function formatDuration(seconds: number): string {
  return seconds < 2 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(1)} s`;
}

export function prettyHeader(event: Event, p: Palette = plain): string {
  const type = String(event.type ?? '?');
  const id = String(event.id ?? '');
  const { start, end, host, pid } = event;
  if (typeof start === 'number' && typeof end === 'number' && host !== undefined && pid !== undefined) {
    return `\n${p.header(`=== ${type}`)} ${p.dim(`(${id.slice(0, 12)}@${String(host)}:${String(pid)})`)}  (${formatDuration(end - start)})\n`;
  }
  return `\n${p.header(`=== ${type}`)} ${p.dim(`(${id})`)}\n`;
}

export function prettyEvent(event: Event, p: Palette = plain): string {
  const body = JSON.stringify(event.body ?? null, replacer, 2);
  const colored = p === plain ? body : body.replace(/^(\s*)("(?:[^"\\]|\\.)*")(:)/gm, (_m, sp: string, k: string, c: string) => `${sp}${p.key(k)}${c}`);
  return prettyHeader(event, p) + colored + '\n';
}
