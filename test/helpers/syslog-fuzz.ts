/**
 * Seeded hostile syslog input: messages as real senders write them (rsyslog's
 * traditional and forwarding formats, RFC 5424 with structured data, escapes
 * and a BOM, logger, Python's SysLogHandler, the kernel, devices without a
 * hostname, no PRI), mutated as bytes; and TCP streams of them, each message
 * octet-counted or ended by LF, CRLF or NUL, with the frames oxd must cut
 * out of the stream predicted exactly (bytes and flags).
 *
 * Used by the in-process fuzz (test/unit/syslog-fuzz.test.ts), the socket
 * one (test/integration/syslog-fuzz.test.ts) and `make fuzz`.
 */
import { isUtf8 } from 'node:buffer';
import type { SyslogFrame } from '../../src/protocol/syslog/tcp-framing';

export type Rand = () => number;

export const SYSLOG_CORPUS: readonly string[] = [
  // rsyslog, traditional file and forward formats (RFC 3164), local and remote.
  '<13>Dec  4 16:02:44 host app[123]: message text',
  '<30>Dec  4 16:02:44 web1 systemd[1]: Started Session 7 of User root.',
  '<38>Dec 14 06:25:01 web1 CRON[4121]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)',
  '<86>Dec  4 16:02:44 web1 sshd[991]: Accepted publickey for deploy from 10.0.0.5 port 51234 ssh2: ED25519 SHA256:abc',
  '<6>Dec  4 16:02:44 web1 kernel: [ 1234.567890] EXT4-fs (sda1): mounted filesystem with ordered data mode',
  '<13>2026-12-04T16:02:44.123456+00:00 host app[123]: forward format',
  '<13>2026-12-04T16:02:44+01:00 host app: forward format without fraction',
  // RFC 5424 (section 6.5 examples, rsyslog's RSYSLOG_SyslogProtocol23Format, logger --rfc5424).
  "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed for lonvick on /dev/pts/8",
  "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
  '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \ufeffAn application event log entry...',
  '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
  '<13>1 2026-12-04T16:02:44.123456+00:00 host app 123 - - rsyslog protocol 23',
  '<13>1 2026-12-04T16:02:44.123456+01:00 host root - - [timeQuality tzKnown="1" isSynced="1" syncAccuracy="403500"] logger message',
  '<13>1 - - - - - [x@1 q="say \\"hi\\"" b="a\\\\b" c="[1\\]" d="keep \\n as is" ip="10.0.0.1" ip="10.0.0.2"][origin] after',
  '<190>1 2026-12-04T16:02:44Z host.example.com app - ORD [order@32473 id="42" note="ünïcödé"] \ufeffcommande passée',
  // Senders that do their own thing.
  '<14>app: Python SysLogHandler\u0000',
  '<14>Python SysLogHandler without a tag\u0000',
  '<189>123: *Mar  1 00:00:00.000: %SYS-5-CONFIG_I: Configured from console by console',
  '<13>Dec 4 2026 16:02:44 host app: a year before the time',
  '<13>Dec 04 16:02:44 2025 host app: a year after the time',
  '<11>Dec 04 16:02:44 host java: Exception in thread "main" java.lang.NullPointerException\tat Main.main(Main.java:1)',
  'Dec  4 16:02:44 host app: no PRI',
  '<13>hello',
  '<0>1 2026-12-04T16:02:44Z h a p m - emergency',
  '<191>Dec 31 23:59:60 h a: a leap second',
  'GET / HTTP/1.1',
  '{"level":"info","msg":"JSON line"}',
  'just some text',
];

const SPECIAL = ['<', '>', '[', ']', '"', '\\', '=', ' ', '  ', '-', ':', '@', '1', '9', '0', 'T', 'Z', '.', '\ufeff', '\r', '\t', '<13>', '<999>', '<01>'].map((s) => Buffer.from(s));
const BAD_UTF8 = [[0xff], [0xc3], [0xe2, 0x82], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0x80, 0x80]].map((b) => Buffer.from(b));
/** Names that are Object.prototype's: as SD-IDs and parameter names they must stay plain keys (or be refused). */
const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'].map((s) => Buffer.from(s));
/** Runs that regexes and loops have been known to choke on. */
const RUNS = ['[', '"', '\\', ' ', '\n', '\r\n', '\0', '<', '[a b="', ' b=""', '\\"', '9'];

const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)];
const int = (rand: Rand, n: number): number => Math.floor(rand() * n);
const CORPUS_BYTES = SYSLOG_CORPUS.map((m) => Buffer.from(m));

/** A corpus message with up to a few byte-level mutations; now and then a long one. */
export function fuzzMessage(rand: Rand, longUpTo = 0): Buffer {
  let b: Buffer = pick(rand, CORPUS_BYTES);
  const r = rand();
  if (longUpTo > 0 && r < 0.004) {
    // Longer than syslog_max_message, sometimes much longer.
    const n = 1 + int(rand, longUpTo);
    return Buffer.concat([b, Buffer.alloc(Math.max(0, n - b.length), 0x61 + int(rand, 26))]);
  }
  if (r < 0.01) return Buffer.concat([b.subarray(0, int(rand, b.length)), Buffer.from(pick(rand, RUNS).repeat(1 + int(rand, 400)))]);
  if (r < 0.15) return b;
  for (let k = 1 + int(rand, 4); k > 0; k--) b = mutate(rand, b);
  return b;
}

function mutate(rand: Rand, b: Buffer): Buffer {
  const at = int(rand, b.length + 1);
  switch (int(rand, 9)) {
    case 0: {
      const c = Buffer.from(b);
      if (c.length > 0) c[Math.min(at, c.length - 1)] ^= 1 << int(rand, 8);
      return c;
    }
    case 1:
    case 2:
      return Buffer.concat([b.subarray(0, at), pick(rand, SPECIAL), b.subarray(at)]);
    case 3:
      return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(rand, 8)))]);
    case 4: {
      const n = 1 + int(rand, 16);
      return Buffer.concat([b.subarray(0, at + n), b.subarray(at, at + n), b.subarray(at + n)]);
    }
    case 5:
      return Buffer.concat([b.subarray(0, at), pick(rand, BAD_UTF8), b.subarray(at)]);
    case 6:
      return b.subarray(0, at);
    case 7: {
      // A word (a name, an SD-ID, a parameter name) replaced by one of Object.prototype's.
      let end = at;
      while (end < b.length && /[A-Za-z0-9@_]/.test(String.fromCharCode(b[end]))) end++;
      return Buffer.concat([b.subarray(0, at), pick(rand, PROTO_NAMES), b.subarray(end)]);
    }
    default:
      // The head of one message, the tail of another.
      return Buffer.concat([b.subarray(0, at), pick(rand, CORPUS_BYTES).subarray(at)]);
  }
}

/** What oxd's framer must cut out of a stream: the message bytes and its flags. */
export type ExpectedFrame = Pick<SyslogFrame, 'truncated' | 'incomplete' | 'badOctetCount'> & { bytes: Buffer };

export interface FramedStream {
  wire: Buffer;
  frames: ExpectedFrame[];
}

const LF = 0x0a;
const NUL = 0x00;

function isCountStart(c: number | undefined): boolean {
  return c !== undefined && c >= 0x31 && c <= 0x39;
}

/** A message as a non-transparently framed line may carry it: no LF or NUL inside, not read as a count. */
function asLine(b: Buffer): Buffer {
  const line = Buffer.from(b.map((c) => (c === LF || c === NUL ? 0x20 : c)));
  return line.length === 0 || isCountStart(line[0]) ? Buffer.concat([Buffer.from('<'), line]) : line;
}

function cut(bytes: Buffer, maxBytes: number, flags: Partial<ExpectedFrame> = {}): ExpectedFrame {
  const truncated = bytes.length > maxBytes;
  return { bytes: truncated ? bytes.subarray(0, maxBytes) : bytes, truncated, incomplete: false, badOctetCount: false, ...flags };
}

/**
 * `count` messages framed as senders frame them, mixed on one stream: octet
 * counting (any bytes inside), lines ended by LF, CRLF or NUL, blank lines
 * between, and now and then a count of 11 digits (read as a line).
 */
export function framedMessages(rand: Rand, count: number, maxBytes: number): FramedStream {
  const wire: Buffer[] = [];
  const frames: ExpectedFrame[] = [];
  for (let i = 0; i < count; i++) {
    const body = fuzzMessage(rand, maxBytes * 3);
    const r = rand();
    if (rand() < 0.02) wire.push(Buffer.from(pick(rand, ['\n', '\0', '\n\n'])));
    if (r < 0.5 && body.length > 0) {
      wire.push(Buffer.from(`${body.length} `), body);
      frames.push(cut(body, maxBytes));
    } else if (r < 0.51) {
      const line = Buffer.concat([Buffer.from(`${10_000_000_000 + int(rand, 1e9)} `), asLine(body)]);
      wire.push(line, Buffer.from('\n'));
      frames.push(cut(line, maxBytes, { badOctetCount: true }));
    } else {
      const line = asLine(body);
      const end = pick(rand, ['\n', '\n', '\r\n', '\0']);
      wire.push(line, Buffer.from(end));
      frames.push(cut(end === '\r\n' ? Buffer.concat([line, Buffer.from('\r')]) : line, maxBytes));
    }
  }
  return { wire: Buffer.concat(wire), frames };
}

/**
 * The last bytes of a connection that stops inside a message: a counted one
 * short of its count (incomplete, whatever the close), or a line without its
 * end (a whole message on a clean close).
 */
export function unfinishedMessage(rand: Rand, maxBytes: number): FramedStream {
  const body = asLine(fuzzMessage(rand)).subarray(0, maxBytes);
  if (rand() < 0.5) {
    const sent = body.subarray(0, int(rand, body.length));
    return { wire: Buffer.concat([Buffer.from(`${body.length + 1} `), sent]), frames: [cut(sent, maxBytes, { incomplete: true })] };
  }
  return { wire: body, frames: [cut(body, maxBytes)] };
}

/** A UDP datagram: one message, any bytes, at most `maxBytes` long. */
export function fuzzDatagram(rand: Rand, maxBytes: number): Buffer {
  return fuzzMessage(rand).subarray(0, maxBytes);
}

/** Text as oxd decodes a message: UTF-8 when it is, else Latin-1 (every byte kept). */
export function messageText(bytes: Buffer): string {
  return bytes.toString(isUtf8(bytes) ? 'utf8' : 'latin1');
}
