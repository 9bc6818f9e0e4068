/**
 * The syslog port: fuzzed messages (test/helpers/syslog-fuzz.ts) over TCP on
 * several connections at once, octet-counted and LF, CRLF or NUL framed, so
 * every frame oxd must cut is known with its flags, and over UDP, one
 * message per datagram, where sent = received + what the kernel counted as
 * dropped (paced: at most a window of datagrams ahead of what oxd has
 * counted, so few are). Around them the hostile cases: connections that send part of a
 * message and go silent (half-open) until oxd stops, a flood beyond
 * syslog_max_connections, resets inside a message, TLS clients on the plain
 * port. oxd must count every one of them, by reason, exactly; then a final
 * message must arrive intact. `syslogAfterStop` checks what oxd wrote once
 * stopped: every message an event, the unfinished ones flagged, files that
 * Python's strict reader reads to the end.
 */
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as net from 'node:net';
import { decodeMulti } from '@msgpack/msgpack';
import { parseSyslog } from '../../src/protocol/syslog/parse-syslog';
import { listFiles } from '../helpers/events';
import type { Oxd } from '../helpers/oxd-process';
import { mulberry32 } from '../helpers/random';
import { unreadableFiles } from '../helpers/strict-msgpack';
import { ExpectedFrame, framedMessages, fuzzDatagram, messageText, unfinishedMessage } from '../helpers/syslog-fuzz';
import { closed, connectTcp, sendDatagrams, tlsAttempt, write, writeInPieces } from '../helpers/syslog-senders';
import type { PhaseResult } from './context';
import { subSeed } from './context';

export const SYSLOG_MAX_MESSAGE = 1024;
export const SYSLOG_MAX_CONNECTIONS = 32;
/** The oxd arguments this phase expects. */
export const SYSLOG_FUZZ_ARGS = ['--syslog', '127.0.0.1:0', '--syslog-max-message', String(SYSLOG_MAX_MESSAGE), '--syslog-max-connections', String(SYSLOG_MAX_CONNECTIONS)];

const CONNECTIONS = 8;
const HOLDERS = 16;
const FLOOD = 64;
const RESETS = 20;
const TLS_CLIENTS = 20;
const UDP_SHARE = 0.2;
const BATCH = 500;
/** Datagrams sent that oxd has neither read nor seen dropped, at most: UDP is paced by what oxd counts. */
const UDP_WINDOW = 1000;

export interface SyslogFuzzOptions {
  oxd: Oxd;
  port: number;
  seed: number;
  /** Messages to send, TCP and UDP together. */
  frames: number;
  log(text: string): void;
}

/** What the files must hold once oxd has stopped. */
export interface SyslogExpectation {
  /** Every message oxd counted before stopping, and those it was holding (stored as it stops). */
  events: number;
  truncated: number;
  incomplete: number;
  final: Record<string, unknown>;
}

class Model {
  tcp = 0;
  truncated = 0;
  incomplete = 0;
  badOctetCount = 0;
  formats: Record<string, number> = {};
  frame(f: ExpectedFrame): void {
    this.tcp++;
    if (f.truncated) this.truncated++;
    if (f.incomplete) this.incomplete++;
    if (f.badOctetCount) this.badOctetCount++;
    this.format(f.bytes);
  }
  format(bytes: Buffer): void {
    const format = parseSyslog(messageText(bytes)).format;
    this.formats[format] = (this.formats[format] ?? 0) + 1;
  }
}

async function fuzzConnection(o: SyslogFuzzOptions, conn: number, s: net.Socket, count: number, model: Model): Promise<void> {
  const rand = mulberry32(subSeed(o.seed, 300 + conn));
  for (let done = 0; done < count; done += BATCH) {
    const stream = framedMessages(rand, Math.min(BATCH, count - done), SYSLOG_MAX_MESSAGE);
    stream.frames.forEach((f) => model.frame(f));
    await writeInPieces(s, stream.wire, rand);
  }
  // Half the connections end inside a message, closing their side: a line is whole, a counted one incomplete.
  if (rand() < 0.5) {
    const tail = unfinishedMessage(rand, SYSLOG_MAX_MESSAGE);
    tail.frames.forEach((f) => model.frame(f));
    await write(s, tail.wire);
  }
  s.end();
  await closed(s);
}

export async function syslogTraffic(o: SyslogFuzzOptions): Promise<{ result: PhaseResult; expectation: SyslogExpectation }> {
  const { oxd, port } = o;
  const model = new Model();
  const rand = mulberry32(subSeed(o.seed, 299));
  const started = Date.now();
  let accepted = 0;

  // Half-open: part of a message, then silence until oxd stops.
  const held = Array.from({ length: HOLDERS }, () => unfinishedMessage(rand, SYSLOG_MAX_MESSAGE));
  const holders = await Promise.all(held.map(() => connectTcp(port)));
  await Promise.all(holders.map((s, i) => write(s, held[i].wire)));
  const heldBytes = held.reduce((n, h) => n + h.frames[0].bytes.length, 0);
  const peers = await Promise.all(Array.from({ length: CONNECTIONS }, () => connectTcp(port)));
  accepted += HOLDERS + CONNECTIONS;
  await oxd.waitForStatus((s) => s.syslog.tcp_connections === HOLDERS + CONNECTIONS && s.syslog.tcp_held_bytes === heldBytes);

  // A flood with every slot taken: all refused; the fillers then make room again.
  const fillers = await Promise.all(Array.from({ length: SYSLOG_MAX_CONNECTIONS - HOLDERS - CONNECTIONS }, () => connectTcp(port)));
  accepted += fillers.length;
  await oxd.waitForStatus((s) => s.syslog.tcp_connections === SYSLOG_MAX_CONNECTIONS);
  const flood = await Promise.all(Array.from({ length: FLOOD }, () => connectTcp(port).catch(() => null)));
  await Promise.all(flood.map((s) => (s ? closed(s) : undefined)));
  for (const s of fillers) s.end();
  await oxd.waitForStatus((s) => s.syslog.tcp_refused === FLOOD && s.syslog.tcp_connections === HOLDERS + CONNECTIONS);

  // Resets inside a message, once oxd holds what was sent (a reset that comes with the bytes looks like a close).
  for (let i = 0; i < RESETS; i++) {
    let part = unfinishedMessage(rand, SYSLOG_MAX_MESSAGE);
    // Some bytes held, so that oxd is seen to have read them before the reset.
    while (part.frames[0].bytes.length === 0) part = unfinishedMessage(rand, SYSLOG_MAX_MESSAGE);
    const s = await connectTcp(port);
    accepted++;
    await write(s, part.wire);
    const bytes = part.frames[0].bytes.length;
    await oxd.waitForStatus((st) => st.syslog.tcp_connections === HOLDERS + CONNECTIONS + 1 && st.syslog.tcp_held_bytes === heldBytes + bytes);
    s.resetAndDestroy();
    model.frame({ ...part.frames[0], incomplete: true });
    await oxd.waitForStatus((st) => st.syslog.tcp_connections === HOLDERS + CONNECTIONS);
  }

  const udpCount = Math.round(o.frames * UDP_SHARE);
  const tcpCount = o.frames - udpCount;
  const udp = dgram.createSocket('udp4');
  let udpSent = 0;
  const tlsSeen = { secure: 0, tried: 0 };
  const progress = setInterval(() => o.log(`syslog: ${model.tcp.toLocaleString('en-US')} TCP messages, ${udpSent.toLocaleString('en-US')} datagrams sent`), 10_000);
  try {
    await Promise.all([
      ...peers.map((s, conn) => fuzzConnection(o, conn, s, Math.floor(tcpCount / CONNECTIONS) + (conn < tcpCount % CONNECTIONS ? 1 : 0), model)),
      (async () => {
        const r = mulberry32(subSeed(o.seed, 298));
        for (let done = 0; done < udpCount; done += BATCH) {
          const datagrams = Array.from({ length: Math.min(BATCH, udpCount - done) }, () => fuzzDatagram(r, SYSLOG_MAX_MESSAGE));
          udpSent += await sendDatagrams(udp, port, '127.0.0.1', datagrams);
          const ahead = udpSent - UDP_WINDOW + BATCH;
          await oxd.waitForStatus((st) => st.syslog.udp_messages + (st.syslog.udp_drops ?? 0) >= ahead, 120_000);
        }
      })(),
      (async () => {
        for (let i = 0; i < TLS_CLIENTS; i++) {
          const t = await tlsAttempt(port);
          tlsSeen.tried++;
          if (t.secure) tlsSeen.secure++;
        }
      })(),
    ]);
  } finally {
    clearInterval(progress);
    udp.close();
  }
  accepted += TLS_CLIENTS;
  const sentTcp = model.tcp;
  o.log(`syslog: all sent (${sentTcp.toLocaleString('en-US')} TCP, ${udpSent.toLocaleString('en-US')} UDP); waiting for oxd to count them`);
  const counted = (st: any): boolean => st.syslog.tcp_messages >= sentTcp && st.syslog.udp_messages + (st.syslog.udp_drops ?? 0) >= udpSent;
  await oxd.waitForStatus(counted, 300_000).catch(() => undefined);

  // The final message, whole and known.
  const final = {
    format: 'rfc5424',
    hostname: 'fuzz-final',
    app_name: 'syslog-fuzz',
    procid: String(o.seed),
    msgid: 'FINAL',
    structured_data: { 'fuzz@32473': { frames: String(o.frames), quote: 'a "b" [c\\]' } },
    message: `the final message after ${o.frames} \u00fcber`,
  };
  const finalText = `<14>1 2026-12-04T16:02:44.5Z fuzz-final ${final.app_name} ${final.procid} ${final.msgid} [fuzz@32473 frames="${o.frames}" quote="a \\"b\\" [c\\\\\\]"] \ufeff${final.message}`;
  const last = await connectTcp(port);
  accepted++;
  await write(last, `${Buffer.byteLength(finalText)} ${finalText}`);
  last.end();
  await closed(last);
  model.frame({ bytes: Buffer.from(finalText), truncated: false, incomplete: false, badOctetCount: false });
  const st = await oxd.waitForStatus((x) => x.syslog.tcp_messages >= model.tcp, 60_000).catch(() => oxd.control.request({ cmd: 'STATUS' }));
  const seconds = (Date.now() - started) / 1000;

  const y = st.syslog;
  const drops = y.udp_drops ?? 0;
  const mismatches: string[] = [];
  const expect = (what: string, actual: unknown, expected: unknown): void => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push(`${what}: oxd ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };
  expect('syslog.tcp_messages', y.tcp_messages, model.tcp);
  expect('syslog.udp_messages + udp_drops', y.udp_messages + drops, udpSent);
  expect('syslog.messages', y.messages, y.tcp_messages + y.udp_messages);
  expect('syslog.truncated', y.truncated, model.truncated);
  expect('syslog.tcp_accepted', y.tcp_accepted, accepted);
  expect('syslog.tcp_refused', y.tcp_refused, FLOOD);
  expect('syslog.tcp_connections (half-open ones)', y.tcp_connections, HOLDERS);
  expect('syslog.tcp_held_bytes', y.tcp_held_bytes, heldBytes);
  expect('syslog.problems', y.problems, {
    truncated: model.truncated,
    unparsed: y.formats.unparsed ?? 0,
    refused: FLOOD,
    incomplete: model.incomplete,
    bad_octet_count: model.badOctetCount,
    tls_on_plain: TLS_CLIENTS,
    reset: RESETS,
  });
  expect('TLS handshakes completed on the plain port', tlsSeen.secure, 0);
  const formatSum = Object.values<number>(y.formats).reduce((a, b) => a + b, 0);
  expect('sum of syslog.formats', formatSum, y.messages);
  // Which datagrams the kernel dropped is unknown: per format only TCP's are exact then.
  if (drops === 0) {
    const udpFormats = new Model();
    const r = mulberry32(subSeed(o.seed, 298));
    for (let i = 0; i < udpCount; i++) udpFormats.format(fuzzDatagram(r, SYSLOG_MAX_MESSAGE));
    const want: Record<string, number> = { ...model.formats };
    for (const [k, v] of Object.entries(udpFormats.formats)) want[k] = (want[k] ?? 0) + v;
    for (const k of new Set([...Object.keys(want), ...Object.keys(y.formats)])) expect(`syslog.formats.${k}`, y.formats[k] ?? 0, want[k] ?? 0);
  }
  return {
    result: {
      port: 'syslog',
      frames: model.tcp + udpSent,
      seconds,
      totals: {
        'TCP messages': model.tcp,
        'UDP datagrams sent': udpSent,
        'UDP dropped by the kernel': drops,
        truncated: model.truncated,
        'incomplete (closed or reset inside)': model.incomplete,
        'counts of 10+ digits': model.badOctetCount,
        ...Object.fromEntries(Object.entries<number>(y.formats).map(([k, v]) => [`  ${k}`, v])),
        'TLS clients on the plain port': TLS_CLIENTS,
        resets: RESETS,
        'connections refused (flood)': FLOOD,
        'half-open connections held': HOLDERS,
      },
      mismatches,
    },
    expectation: { events: y.messages + HOLDERS, truncated: y.truncated, incomplete: model.incomplete + HOLDERS, final },
  };
}

/** After SIGTERM: every message counted (and every one held) is an event in files Python reads to the end. */
export async function syslogAfterStop(oxd: Oxd, exit: { code: number | null; signal: string | null; stderr: string }, e: SyslogExpectation): Promise<string[]> {
  const out: string[] = [];
  if (exit.code !== 0) out.push(`oxd exited with ${exit.code ?? exit.signal} on SIGTERM`);
  if (/uncaught|unhandled|FATAL|RangeError|TypeError/i.test(exit.stderr)) out.push(`oxd's log shows an error:\n${exit.stderr.slice(-2000)}`);
  if (!new RegExp(`stopped received=${e.events} written=${e.events} `).test(exit.stderr)) out.push(`oxd's last line is not "stopped received=${e.events} written=${e.events}": ${exit.stderr.slice(-300)}`);
  const files = listFiles(oxd.logPath!).map((f) => path.join(oxd.logPath!, f));
  let events = 0;
  let truncated = 0;
  let incomplete = 0;
  let final: any = null;
  for (const file of files) {
    for (const ev of decodeMulti(fs.readFileSync(file)) as Iterable<any>) {
      events++;
      if (ev.type !== 'syslog' || typeof ev.host !== 'string' || ev.host.length === 0) out.push(`not a syslog event with a host: ${JSON.stringify(ev).slice(0, 200)}`);
      if (ev.body?.truncated === true) truncated++;
      if (ev.body?.incomplete === true) incomplete++;
      if (ev.body?.msgid === 'FINAL' && ev.host === 'fuzz-final') final = ev.body;
    }
  }
  const expect = (what: string, actual: unknown, expected: unknown): void => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) out.push(`${what}: ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };
  expect('syslog events in the files', events, e.events);
  expect('events flagged truncated', truncated, e.truncated);
  expect('events flagged incomplete', incomplete, e.incomplete);
  expect('the final message', final && Object.fromEntries(Object.keys(e.final).map((k) => [k, final[k]])), e.final);
  out.push(...(await unreadableFiles(files)).map((m) => `Python cannot read ${m}`));
  return out.slice(0, 50);
}
