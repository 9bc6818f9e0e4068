/**
 * The statsd line protocol, read as statsd 0.9/0.10 (the npm package) reads
 * it: `name:value|type[|@rate][|#tags]`, several lines per datagram, several
 * `value|type` parts per name (`name:1|c:5|ms`). On top of that, what
 * DogStatsD clients send: tags, value packing (`name:1:2:3|ms`), `h` and `d`
 * as timers, events (`_e{…}`) and service checks (`_sc|…`).
 *
 * Pure: text in, calls on a `StatsdTarget` out. Where it differs from statsd
 * on purpose (strict numbers, unknown types, empty names) is listed in
 * `BAD_LINE_RULES` and the README.
 */
import { parseDogCheck, parseDogEvent, DogCheck, DogEvent } from './dogstatsd';
import { sanitizeKey, MAX_NAME_LENGTH } from './key-name';
import { parseStatsdNumber } from './number';

export type BadLineReason = 'no-type' | 'type' | 'value' | 'rate' | 'name' | 'event' | 'too-long';

/** What each reason means, for STATUS and log lines. */
export const BAD_LINE_RULES: Record<BadLineReason, string> = {
  'no-type': 'a value has no |type (name:value|type)',
  type: 'the type is not one of c, g, ms, h, d, s',
  value: 'the value is not a finite decimal number (or negative for a timer), or would make a total overflow',
  rate: 'the sample rate is not @ followed by a number greater than 0',
  name: `the name is empty after sanitising, longer than ${MAX_NAME_LENGTH} bytes, or "__proto__"`,
  event: 'a DogStatsD event (_e{…}) or service check (_sc|…) is malformed',
  'too-long': 'a line on a TCP connection is longer than the limit (64 KiB) before its newline',
};

/** The metric calls return false to refuse a value (it would overflow a total): it is then a bad line. */
export interface StatsdTarget {
  counter(name: string, value: number, rate: number): boolean | unknown;
  gauge(name: string, value: number, delta: boolean): boolean | unknown;
  timer(name: string, value: number, rate: number): boolean | unknown;
  set(name: string, member: string): void;
  event(event: DogEvent): void;
  check(check: DogCheck): void;
  /** A value part (or a whole line) that was not taken; the rest of the datagram still counts. */
  bad(reason: BadLineReason, line: string): void;
}

const BAR = 0x7c;
const AT = 0x40;

/**
 * Reads every line of `text` (one datagram, or complete lines from a TCP
 * stream) into `target`. Returns the number of non-empty lines: statsd's
 * metrics_received.
 */
export function parseStatsdText(text: string, target: StatsdTarget): number {
  let lines = 0;
  let start = 0;
  const end = text.length;
  while (start < end) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = end;
    if (nl > start) {
      lines++;
      // A line of its own (V8 slices without copying), so searches in it stop at its end.
      const line = start === 0 && nl === end ? text : text.slice(start, nl);
      parseLine(line, 0, line.length, target);
    }
    start = nl + 1;
  }
  return lines;
}

/** One non-empty line `text[start, end)`. */
export function parseLine(text: string, start: number, end: number, target: StatsdTarget): void {
  if (text.charCodeAt(start) === 0x5f /* _ */) {
    if (text.startsWith('_e{', start)) return dogEvent(text.slice(start, end), target);
    if (text.startsWith('_sc|', start)) return dogCheck(text.slice(start, end), target);
  }
  // statsd splits at the first "|#": everything after it is tags.
  let mainEnd = text.indexOf('|#', start);
  if (mainEnd < 0 || mainEnd >= end) mainEnd = end;
  let colon = text.indexOf(':', start);
  if (colon < 0 || colon >= mainEnd) colon = mainEnd;
  const name = sanitizeKey(text, start, colon, mainEnd < end ? tagsOf(text, mainEnd + 2, end) : '');
  if (colon === mainEnd) return target.bad('no-type', text.slice(start, end));
  if (name === null) return target.bad('name', text.slice(start, end));

  // Parts between colons; a part without "|type" takes the type of the next part that has one.
  let pendingFrom = -1;
  let p = colon + 1;
  while (p <= mainEnd) {
    let q = text.indexOf(':', p);
    if (q < 0 || q > mainEnd) q = mainEnd;
    let bar = -1;
    for (let i = p; i < q; i++) {
      if (text.charCodeAt(i) === BAR) {
        bar = i;
        break;
      }
    }
    if (bar >= 0) {
      if (pendingFrom >= 0) {
        // The packed values before this part: `name:1:2:3|ms`.
        let v = pendingFrom;
        while (v < p) {
          const w = text.indexOf(':', v);
          valuePart(text, name, v, w, bar, q, target);
          v = w + 1;
        }
        pendingFrom = -1;
      }
      valuePart(text, name, p, bar, bar, q, target);
    } else if (pendingFrom < 0) {
      pendingFrom = p;
    }
    p = q + 1;
  }
  if (pendingFrom >= 0) {
    // Values with no type anywhere after them.
    let v = pendingFrom;
    while (v <= mainEnd) {
      let w = text.indexOf(':', v);
      if (w < 0 || w > mainEnd) w = mainEnd;
      target.bad('no-type', text.slice(start, end));
      v = w + 1;
    }
  }
}

/**
 * One value `text[vStart, vEnd)` with its fields `text[bar, fEnd)`:
 * `|type[|@rate][|more]`. Fields after the rate are ignored, as statsd does.
 */
function valuePart(text: string, name: string, vStart: number, vEnd: number, bar: number, fEnd: number, target: StatsdTarget): void {
  let typeEnd = text.indexOf('|', bar + 1);
  if (typeEnd < 0 || typeEnd > fEnd) typeEnd = fEnd;
  let rate = 1;
  if (typeEnd < fEnd) {
    let rateEnd = text.indexOf('|', typeEnd + 1);
    if (rateEnd < 0 || rateEnd > fEnd) rateEnd = fEnd;
    if (text.charCodeAt(typeEnd + 1) !== AT) return target.bad('rate', text.slice(vStart, fEnd));
    rate = parseStatsdNumber(text, typeEnd + 2, rateEnd);
    if (!(rate > 0) || rate === Infinity) return target.bad('rate', text.slice(vStart, fEnd));
  }
  const type = metricType(text, bar + 1, typeEnd);
  if (type === 's') {
    // Any text is a member; statsd takes an empty one as "0".
    return target.set(name, vEnd > vStart ? text.slice(vStart, vEnd) : '0');
  }
  if (type === null) return target.bad('type', text.slice(vStart, fEnd));
  const value = parseStatsdNumber(text, vStart, vEnd);
  if (!Number.isFinite(value)) return target.bad('value', text.slice(vStart, fEnd));
  let taken: boolean | unknown;
  switch (type) {
    case 'c':
      taken = target.counter(name, value, rate);
      break;
    case 'g': {
      const first = text.charCodeAt(vStart);
      taken = target.gauge(name, value, first === 0x2b /* + */ || first === 0x2d /* - */);
      break;
    }
    default:
      if (value < 0) return target.bad('value', text.slice(vStart, fEnd));
      taken = target.timer(name, value, rate);
  }
  if (taken === false) target.bad('value', text.slice(vStart, fEnd));
}

/** The tags after the first "|#", up to a second "|#" if any (statsd splits at every one and keeps the first). */
function tagsOf(text: string, start: number, end: number): string {
  const next = text.indexOf('|#', start);
  return text.slice(start, next < 0 || next > end ? end : next);
}

type MetricType = 'c' | 'g' | 's' | 'ms';

/** The type between `start` and `end`, surrounding blanks ignored (statsd trims it). */
function metricType(text: string, start: number, end: number): MetricType | null {
  while (start < end && isBlank(text.charCodeAt(start))) start++;
  while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
  const n = end - start;
  const a = text.charCodeAt(start);
  if (n === 1) {
    if (a === 0x63) return 'c';
    if (a === 0x67) return 'g';
    if (a === 0x73) return 's';
    if (a === 0x68 || a === 0x64) return 'ms'; // h (histogram) and d (distribution) aggregate as timers
    return null;
  }
  if (n === 2 && a === 0x6d && text.charCodeAt(start + 1) === 0x73) return 'ms';
  return null;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c;
}

function dogEvent(line: string, target: StatsdTarget): void {
  const event = parseDogEvent(line);
  if (event === null) target.bad('event', line);
  else target.event(event);
}

function dogCheck(line: string, target: StatsdTarget): void {
  const check = parseDogCheck(line);
  if (check === null) target.bad('event', line);
  else target.check(check);
}

export type { DogCheck, DogEvent };
