/**
 * Hostile syslog input in-process: seeded mutations of real senders'
 * messages (test/helpers/syslog-fuzz.ts) through the parser, the event made
 * of each, and the TCP framer. Nothing may throw, and each result is judged
 * against what the code promises:
 *
 * - parseSyslog: a format of the three; facility 0..23 and severity 0..7 with
 *   their names; `unparsed` keeps the input byte for byte in `raw` and as the
 *   message (less the line end); a parsed message is the end of the input
 *   (less the line end), and what comes before it is made of the fields
 *   read: `<PRI>` (when there was one), RFC 5424's header fields in their
 *   places, an SD-ID for each element, RFC 3164's hostname, tag and `[pid]`
 *   in order; a time exactly when there is a timestamp, and finite.
 * - Object.prototype and Array.prototype are the same afterwards.
 * - syslogEvent: type `syslog` (a valid type name), a host of 1 to 63 bytes
 *   (the message's hostname or the peer), a finite end time, and a body that
 *   @msgpack/msgpack (which refuses `__proto__` keys) decodes back to itself
 *   (to itself exactly when the text came from bytes, as oxd makes it).
 * - The framer cuts a stream of octet-counted, LF, CRLF and NUL framed
 *   messages into exactly the predicted frames whatever the chunking.
 * - Time is linear in the size: pathological 64 KiB inputs take a bounded
 *   multiple of a plain one of the same size.
 *
 * Reproduce a failure with HOSTILE_SEED=<seed printed in the message>.
 */
import test from 'ava';
import { decode } from '@msgpack/msgpack';
import { compatPack, Packable } from '../../src/protocol/compat-pack';
import { FACILITIES, SEVERITIES } from '../../src/protocol/syslog/names';
import { parseSyslog, withoutLineEnd } from '../../src/protocol/syslog/parse-syslog';
import { syslogEvent } from '../../src/protocol/syslog/syslog-event';
import type { SyslogMessage } from '../../src/protocol/syslog/syslog-message';
import { SyslogFrame, SyslogFramer } from '../../src/protocol/syslog/tcp-framing';
import { checkTypeName } from '../../src/protocol/type-name';
import { mulberry32, SEED } from '../helpers/random';
import { ExpectedFrame, framedMessages, fuzzMessage, messageText, unfinishedMessage } from '../helpers/syslog-fuzz';

const MESSAGES = Number(process.env.SYSLOG_FUZZ_MESSAGES ?? 100_000);
const NOW = new Date(2026, 11, 4, 16, 5, 0);
const PEER = '192.0.2.7';
const seedNote = `seed ${SEED} (HOSTILE_SEED=${SEED} to reproduce)`;

/** Random UTF-16 code units, lone surrogates included: any string, not only what oxd decodes. */
function anyString(rand: () => number): string {
  const n = Math.floor(rand() * 200);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rand() < 0.7 ? 32 + Math.floor(rand() * 95) : Math.floor(rand() * 0x10000));
  return s;
}

/** `parts` found in `text` in this order; the index after the last, or -1. */
function inOrder(text: string, parts: string[]): number {
  let at = 0;
  for (const p of parts) {
    const i = text.indexOf(p, at);
    if (i < 0) return -1;
    at = i + p.length;
  }
  return at;
}

/** What is wrong with `m` as the reading of `text`; empty when nothing. */
function problems(text: string, m: SyslogMessage): string[] {
  const out: string[] = [];
  const line = withoutLineEnd(text);
  if (!['rfc5424', 'rfc3164', 'unparsed'].includes(m.format)) out.push(`format ${m.format}`);
  if (!(m.facility >= 0 && m.facility <= 23 && FACILITIES[m.facility] === m.facility_name)) out.push(`facility ${m.facility} ${m.facility_name}`);
  if (!(m.severity >= 0 && m.severity <= 7 && SEVERITIES[m.severity] === m.severity_name)) out.push(`severity ${m.severity} ${m.severity_name}`);
  if ((m.time === null) !== (m.timestamp === null) || (m.time !== null && !Number.isFinite(m.time))) out.push(`time ${m.time} for timestamp ${m.timestamp}`);
  if (m.format === 'unparsed') {
    if (m.raw !== text || m.message !== line) out.push('unparsed, but not kept whole');
    return out;
  }
  if (m.raw !== undefined) out.push('raw on a parsed message');
  if (!line.endsWith(m.message)) return [...out, 'the message is not the end of the input'];
  const prefix = line.slice(0, line.length - m.message.length);
  const pri = `<${m.facility * 8 + m.severity}>`;
  if (m.format === 'rfc5424') {
    const head = /^<\d{1,3}>[1-9]\d? /.exec(prefix);
    const fields = [m.timestamp, m.hostname, m.app_name, m.procid, m.msgid].map((f) => f ?? '-').join(' ') + ' ';
    if (!prefix.startsWith(pri) || head === null || !prefix.startsWith(fields, head[0].length)) out.push('RFC 5424 header fields not where they were read');
    const sd = prefix.slice((head?.[0].length ?? 0) + fields.length);
    if (m.structured_data === null ? !/^-( ?\ufeff?)$|^-$/.test(sd) : inOrder(sd, Object.keys(m.structured_data).map((id) => `[${id}`)) < 0) out.push(`structured data ${JSON.stringify(m.structured_data)} not read from ${JSON.stringify(sd)}`);
    for (const params of Object.values(m.structured_data ?? {})) {
      for (const v of Object.values(params)) if (!(typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')))) out.push('a parameter value that is not text');
    }
  } else {
    if (prefix.startsWith('<') && /^<(0|[1-9]\d{0,2})>/.test(prefix) && !prefix.startsWith(pri)) out.push(`PRI ${pri} not the one sent`);
    const parts = [m.hostname, m.app_name, m.procid === null ? null : `[${m.procid}]`].filter((p): p is string => p !== null);
    if (inOrder(prefix, parts) < 0) out.push(`hostname, tag, pid ${JSON.stringify(parts)} not in ${JSON.stringify(prefix)}`);
    if (m.timestamp !== null && m.timestamp.includes('T') && /^\d{4}-/.test(m.timestamp) && !prefix.includes(m.timestamp) && !/^<?\d*>?[A-Z]/.test(prefix)) out.push('an RFC 3339 timestamp not from the input');
  }
  return out;
}

/** `exact`: the text came from bytes as oxd decodes them (no lone surrogates), so the body must decode to itself. */
function eventProblems(m: SyslogMessage, exact: boolean): string[] {
  const out: string[] = [];
  const e = syslogEvent(m, PEER, NOW.getTime(), false);
  if (e.type !== 'syslog' || checkTypeName(e.type) !== null) out.push(`type ${e.type}`);
  const hostBytes = Buffer.byteLength(e.host);
  if (hostBytes < 1 || hostBytes > 63 || (e.host !== m.hostname && e.host !== PEER)) out.push(`host ${JSON.stringify(e.host)}`);
  if (!Number.isFinite(e.end)) out.push(`end ${e.end}`);
  let back: unknown;
  try {
    back = decode(compatPack(e.body as { [key: string]: Packable }));
  } catch (err) {
    return [...out, `the body does not decode: ${(err as Error).message}`];
  }
  if (exact && JSON.stringify(back) !== JSON.stringify(e.body)) out.push('the body does not decode to itself');
  return out;
}

test('parser and event: any input gives a message that keeps it, and an event every reader takes', (t) => {
  const rand = mulberry32(SEED);
  const protoBefore = [Object.getOwnPropertyNames(Object.prototype), Object.getOwnPropertyNames(Array.prototype)].join();
  const found: string[] = [];
  const formats: Record<string, number> = {};
  for (let i = 0; i < MESSAGES && found.length < 5; i++) {
    const fromBytes = rand() >= 0.1;
    const text = fromBytes ? messageText(fuzzMessage(rand, 4096)) : anyString(rand);
    let m: SyslogMessage;
    try {
      m = parseSyslog(text, NOW);
    } catch (err) {
      found.push(`${JSON.stringify(text)} threw ${(err as Error).stack}`);
      continue;
    }
    formats[m.format] = (formats[m.format] ?? 0) + 1;
    const wrong = [...problems(text, m), ...eventProblems(m, fromBytes)];
    if (wrong.length > 0) found.push(`${JSON.stringify(text)} → ${JSON.stringify(m)}: ${wrong.join('; ')}`);
  }
  t.log(`${seedNote}: ${MESSAGES} messages, ${JSON.stringify(formats)}`);
  t.deepEqual(found, [], seedNote);
  t.is([Object.getOwnPropertyNames(Object.prototype), Object.getOwnPropertyNames(Array.prototype)].join(), protoBefore, 'prototypes untouched');
  t.true(Object.values(formats).every((n) => n > MESSAGES / 50), `every format is exercised: ${JSON.stringify(formats)}`);
});

test('framer: mixed framings cut into exactly the predicted frames, whatever the chunking', (t) => {
  const rand = mulberry32(SEED ^ 0x51);
  const maxBytes = 480 + Math.floor(rand() * 600);
  const same = (got: SyslogFrame[], want: ExpectedFrame[]): boolean =>
    got.length === want.length &&
    got.every((g, i) => g.bytes.equals(want[i].bytes) && g.truncated === want[i].truncated && g.incomplete === want[i].incomplete && g.badOctetCount === want[i].badOctetCount);
  let frames = 0;
  for (let stream = 0; stream < 300; stream++) {
    const body = framedMessages(rand, 1 + Math.floor(rand() * 60), maxBytes);
    const tail = rand() < 0.5 ? unfinishedMessage(rand, maxBytes) : { wire: Buffer.alloc(0), frames: [] };
    const wire = Buffer.concat([body.wire, tail.wire]);
    const want = [...body.frames, ...tail.frames];
    const got: SyslogFrame[] = [];
    const f = new SyslogFramer(maxBytes, (fr) => got.push(fr));
    for (let at = 0; at < wire.length; ) {
      const n = 1 + Math.floor(rand() * (rand() < 0.2 ? 8 : 3000));
      f.push(wire.subarray(at, at + n));
      at += n;
      if (f.reserved > Math.max(maxBytes, 9)) t.fail(`${seedNote}: ${f.reserved} bytes reserved, the limit is ${maxBytes}`);
    }
    // A counted message short of its count is incomplete either way; a line is whole on a clean close.
    const clean = tail.frames.length === 0 || tail.frames[0].incomplete || rand() < 0.5;
    f.end(clean);
    if (!clean) want[want.length - 1] = { ...want[want.length - 1], incomplete: true };
    if (!same(got, want)) {
      t.fail(`${seedNote}: stream ${stream} (max ${maxBytes}) gave ${got.length} frames, expected ${want.length}`);
      return;
    }
    frames += want.length;
  }
  t.log(`${seedNote}: ${frames} frames`);
  t.true(frames > 1000);
});

test('time is linear: pathological 64 KiB inputs take a bounded multiple of a plain one of the same size', (t) => {
  const size = 64 * 1024;
  const time = (text: string): number => {
    let best = Infinity;
    for (let round = 0; round < 3; round++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 5; i++) parseSyslog(text, NOW);
      best = Math.min(best, Number(process.hrtime.bigint() - started));
    }
    return best;
  };
  const fill = (head: string, run: string, tail = ''): string => head + run.repeat(Math.ceil((size - head.length - tail.length) / run.length)) + tail;
  // The per-character path every byte of a structured-data value takes.
  const baseline = fill('<13>1 - h a - - [a b="', 'x', '"] m');
  const cases = [
    fill('', '['), fill('', '"'), fill('', '\\'), fill('', ' '), fill('', '\n', 'x'), fill('', '\r\n', 'x'), fill('', '\0', 'x'), fill('', '<'), fill('<13>', ' '),
    fill('<13>1 - - - - - [a b="', '\\"'), fill('<13>1 - - - - - [a b="', '\\'), fill('<13>1 - - - - - [a', ' b=""', ']'), fill('<13>1 - - - - - ', '[a]'),
    fill('<13>1 - - - - - ', '[a b="x"]'), fill('<13>1 ', '1 '), fill('<13>Dec  4 16:02:44 ', 'a['), fill('<13>Dec  4 16:02:44 h ', 'a:'), fill('<', '1'),
  ];
  time(baseline);
  const base = time(baseline);
  const ratios: string[] = [];
  for (const text of cases) {
    time(text);
    const ratio = time(text) / base;
    ratios.push(`${JSON.stringify(text.slice(0, 24))}… ${ratio.toFixed(2)}`);
    // Quadratic work on 64 KiB would be thousands of times the baseline; linear work is a small multiple.
    t.true(ratio < 50, `${JSON.stringify(text.slice(0, 30))}…: ${ratio.toFixed(1)} times a plain message of the same size`);
  }
  t.log(`baseline ${(base / 5e6).toFixed(3)} ms per parse; ratios: ${ratios.join(', ')}`);
});
