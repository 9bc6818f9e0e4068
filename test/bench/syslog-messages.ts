/**
 * The syslog benchmark's message set: about 200 bytes a message, the mix a
 * central log host sees (RFC 5424 with structured data from an application,
 * RFC 3164 from sshd and nginx, sixteen hosts), each carrying a unique
 * sequence number `seq=NNNNNNNNNN` (ten digits) in its message text, where
 * both receivers keep it, so loss and duplication are counted exactly from
 * what they stored. Pure: the same sequence numbers give the same bytes in
 * every process of one run.
 */

export type Framing = 'octet' | 'lf';

export const SEQ_MARK = 'seq=';
export const SEQ_DIGITS = 10;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const PATHS = ['/api/v1/orders', '/api/v1/basket/items', '/static/app.8c1f3e.js', '/api/v1/search?q=winter+boots', '/healthz'];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', 'curl/7.88.1 (x86_64-pc-linux-gnu)', 'okhttp/4.12.0 (Android 14; Pixel 8)'];

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const seqText = (seq: number): string => `${SEQ_MARK}${pad(seq, SEQ_DIGITS)}`;

/**
 * Where the set's clock starts: message `seq` is stamped `seq` microseconds
 * later, as a sender logging a million messages a second would stamp them
 * (RFC 5424 with microseconds, as rsyslog forwards; RFC 3164 to the second).
 */
export interface Stamps {
  baseMs: number;
}

export function stampsFor(ms: number): Stamps {
  return { baseMs: Math.floor(ms) };
}

function rfc3339(stamps: Stamps, seq: number): string {
  const micros = stamps.baseMs * 1000 + seq;
  const d = new Date(Math.floor(micros / 1000));
  return `${d.toISOString().slice(0, 19)}.${pad(micros % 1_000_000, 6)}+00:00`;
}

function bsd(stamps: Stamps, seq: number): string {
  const d = new Date(stamps.baseMs + Math.floor(seq / 1000));
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}`;
}

/** Message `seq` of the set, without framing. */
export function syslogMessage(seq: number, stamps: Stamps): string {
  const host = `web-${pad(1 + (seq % 16), 2)}`;
  const pid = 1000 + (seq % 7919);
  const ip = `10.${(seq >> 16) & 255}.${(seq >> 8) & 255}.${seq & 255}`;
  switch (seq % 4) {
    case 0:
    case 2:
      return (
        `<165>1 ${rfc3339(stamps, seq)} ${host}.example.net checkout ${pid} ORDER [origin@32473 ip="${ip}" swVersion="4.2.1"][req@32473 id="${pad(seq % 65_536, 5)}-4b1e-9c2f"] ` +
        `order accepted id=${seq % 100_000} items=${1 + (seq % 9)} total=${(seq % 997) + 0.5} EUR payment=card ${seqText(seq)}`
      );
    case 1:
      return `<38>${bsd(stamps, seq)} ${host} sshd[${pid}]: Accepted publickey for deploy from ${ip} port ${20_000 + (seq % 40_000)} ssh2: ED25519 SHA256:Qm4vB8p3Yx1kT0sLw9cX2bN7mK5jH1gF8dS6aP4oI0u ${seqText(seq)}`;
    default:
      return (
        `<190>${bsd(stamps, seq)} ${host} nginx: ${ip} - - "GET ${PATHS[seq % PATHS.length]} HTTP/1.1" ${seq % 50 === 0 ? 404 : 200} ${512 + (seq % 9000)} ` +
        `"https://shop.example.net/" "${AGENTS[seq % AGENTS.length]}" ${seqText(seq)}`
      );
  }
}

/** Messages `first` to `first + count - 1`, framed, in one buffer. */
export function framedMessages(first: number, count: number, framing: Framing, stamps: Stamps): Buffer {
  const parts: Buffer[] = [];
  for (let seq = first; seq < first + count; seq++) {
    const msg = Buffer.from(syslogMessage(seq, stamps));
    if (framing === 'octet') parts.push(Buffer.from(`${msg.length} `), msg);
    else parts.push(msg, LF);
  }
  return Buffer.concat(parts);
}

const LF = Buffer.from('\n');

/**
 * Every `seq=` number in `text` (a receiver's output), counted against
 * 0..expected-1: how many are missing, seen twice, or out of range.
 */
export class SeqTally {
  private readonly seen: Uint8Array;
  found = 0;
  duplicates = 0;
  outOfRange = 0;

  constructor(readonly expected: number) {
    this.seen = new Uint8Array(expected);
  }

  /** Reads every mark in `buf` (whole records only: a mark is never split across calls). */
  add(buf: Buffer, start = 0, end = buf.length): void {
    let at = buf.indexOf(MARK, start);
    while (at >= 0 && at + MARK.length + SEQ_DIGITS <= end) {
      let n = 0;
      const from = at + MARK.length;
      for (let i = from; i < from + SEQ_DIGITS; i++) n = n * 10 + (buf[i] - 0x30);
      if (n >= 0 && n < this.expected) {
        if (this.seen[n] === 1) this.duplicates++;
        else {
          this.seen[n] = 1;
          this.found++;
        }
      } else this.outOfRange++;
      at = buf.indexOf(MARK, from + SEQ_DIGITS);
    }
  }

  get missing(): number {
    return this.expected - this.found;
  }
}

const MARK = Buffer.from(SEQ_MARK);
