/**
 * An independent model of what oxd does with the messages of the collect
 * port (PROTOCOL.md and the STATUS reasons), written apart from src/: per
 * message, the invalid reason it is dropped for, or the type it is received
 * under. Bodies are judged by Python's strict msgpack reader, the reader oxd
 * protects. The hostile collect fuzz test and `make fuzz` both check oxd
 * against it, counter by counter.
 */
import { msgpackExtent } from '../../src/protocol/msgpack-extent';
import { strictVerdicts } from './strict-msgpack';

/** oxd's default --max-event-size. */
export const DEFAULT_MAX_EVENT_SIZE = 1024 * 1024;

/** The reasons the model predicts one by one (type names are summed: see typeInvalid). */
export const MESSAGE_REASONS = ['frame-count', 'oversized', 'meta-size', 'meta-version', 'meta-field', 'empty-body', 'body-malformed'];

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The type-name rules: the accepted name, or null. */
export function acceptedType(b: Buffer): string | null {
  if (b.length === 0 || b[0] === 0x2e) return null;
  let s: string;
  try {
    s = UTF8.decode(b);
  } catch {
    return null;
  }
  if (s === '__proto__') return null;
  return /[\p{Cc}/\\]/u.test(s) ? null : s;
}

interface Pending {
  type: string;
  conn: number;
  body: Buffer;
}

export class CollectModel {
  invalid: Record<string, number> = {};
  /** Messages refused for their type name (STATUS: the type-* reasons together). */
  typeInvalid = 0;
  received = 0;
  bytes = 0;
  perType = new Map<string, number>();
  /** Per type, messages dropped after the type was known (empty-body, body-malformed). */
  perTypeInvalid = new Map<string, number>();
  /** Accepted bodies by type, then by connection, in sending order. */
  bodies = new Map<string, Buffer[][]>();
  /** Connections oxd should close as protocol errors, and as handshake timeouts. */
  protocolErrors = 0;
  handshakeTimeouts = 0;
  pings = 0;
  connections = 0;
  /** Messages that passed every other rule, waiting for the verdict on their body. */
  private pending: Pending[] = [];
  private nextConnection = 0;

  constructor(readonly maxEventSize = DEFAULT_MAX_EVENT_SIZE) {}

  /** A new connection that carries messages: counted, and its number for `message`. */
  connection(): number {
    this.connections++;
    return this.nextConnection++;
  }

  private drop(reason: string, type?: string): void {
    this.invalid[reason] = (this.invalid[reason] ?? 0) + 1;
    if (type !== undefined) this.perTypeInvalid.set(type, (this.perTypeInvalid.get(type) ?? 0) + 1);
  }

  get invalidTotal(): number {
    return Object.values(this.invalid).reduce((a, b) => a + b, 0) + this.typeInvalid;
  }

  /** One complete message (its frames in order) from connection `conn`. */
  message(frames: Buffer[], conn: number): void {
    if (frames.some((f) => f.length > this.maxEventSize)) return this.drop('oversized');
    if (frames.length !== 2) return this.drop('frame-count');
    const [meta, body] = frames;
    if (meta.length !== 137) return this.drop('meta-size');
    if (meta[0] !== 3) return this.drop('meta-version');
    if (meta[9] > 63 || meta[73] > 63) return this.drop('meta-field');
    const type = acceptedType(meta.subarray(74, 74 + meta[73]));
    if (type === null) {
      this.typeInvalid++;
      return;
    }
    if (body.length === 0) return this.drop('empty-body', type);
    this.pending.push({ type, conn, body });
  }

  /** A body is written when Python's strict reader decodes it to exactly one map. */
  async judgeBodies(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    const verdicts = await strictVerdicts(pending.map((m) => m.body));
    pending.forEach(({ type, conn, body }, i) => {
      if (!verdicts[i]) return this.drop('body-malformed', type);
      this.received++;
      this.bytes += body.length;
      this.perType.set(type, (this.perType.get(type) ?? 0) + 1);
      if (!this.bodies.has(type)) this.bodies.set(type, []);
      const byConn = this.bodies.get(type)!;
      while (byConn.length <= conn) byConn.push([]);
      byConn[conn].push(body);
    });
  }

  /**
   * Where oxd's STATUS differs from the model, as messages (empty when it
   * matches). `before` is a STATUS taken before this model's traffic began, or
   * null when oxd started with it.
   */
  compare(s: any, before: any = null): string[] {
    const out: string[] = [];
    const was = (f: (x: any) => number): number => (before ? f(before) : 0);
    const expect = (what: string, actual: number, expected: number): void => {
      if (actual !== expected) out.push(`${what}: oxd ${actual}, expected ${expected}`);
    };
    expect('totals.received', s.totals.received - was((x) => x.totals.received), this.received);
    expect('totals.bytes', s.totals.bytes - was((x) => x.totals.bytes), this.bytes);
    expect('totals.invalid', s.totals.invalid - was((x) => x.totals.invalid), this.invalidTotal);
    for (const reason of MESSAGE_REASONS) {
      expect(`invalid.${reason}`, (s.invalid[reason] ?? 0) - was((x) => x.invalid[reason] ?? 0), this.invalid[reason] ?? 0);
    }
    const typeSum = (x: any): number => Object.entries<number>(x.invalid).reduce((n, [k, v]) => n + (k.startsWith('type-') ? v : 0), 0);
    expect('invalid.type-*', typeSum(s) - was(typeSum), this.typeInvalid);
    // STATUS lists a type once it has received an event; its invalid count is known from then on.
    for (const type of new Set([...this.perType.keys(), ...this.perTypeInvalid.keys()])) {
      const e = s.events[type];
      const b = before?.events[type];
      expect(`events[${JSON.stringify(type)}].received`, (e?.received ?? 0) - (b?.received ?? 0), this.perType.get(type) ?? 0);
      if (e !== undefined) expect(`events[${JSON.stringify(type)}].invalid`, e.invalid - (b?.invalid ?? 0), this.perTypeInvalid.get(type) ?? 0);
    }
    expect('collect.protocol_errors', s.collect.protocol_errors - was((x) => x.collect.protocol_errors), this.protocolErrors);
    expect('collect.handshake_timeouts', s.collect.handshake_timeouts - was((x) => x.collect.handshake_timeouts), this.handshakeTimeouts);
    expect('collect.pings', s.collect.pings - was((x) => x.collect.pings), this.pings);
    expect('collect.accepted', s.collect.accepted - was((x) => x.collect.accepted), this.connections);
    return out;
  }
}

/**
 * True when `file` is the sequences of `seqs` interleaved, each kept whole and
 * in order. Every accepted body is exactly one msgpack value, so the file is
 * split into values first; identical bodies from several connections are
 * tried each way (iteratively, without recursion, for files of any length).
 */
export function isInterleaving(file: Buffer, seqs: Buffer[][]): boolean {
  const values: Buffer[] = [];
  for (let p = 0; p < file.length; ) {
    const e = msgpackExtent(file, p);
    if (e < 0) return false;
    values.push(file.subarray(p, e));
    p = e;
  }
  if (values.length !== seqs.reduce((n, s) => n + s.length, 0)) return false;
  const next = seqs.map(() => 0);
  const candidates = (i: number): number[] => {
    const out: number[] = [];
    for (let c = 0; c < seqs.length; c++) if (next[c] < seqs[c].length && seqs[c][next[c]].equals(values[i])) out.push(c);
    return out;
  };
  /** Which connection each value was given to. */
  const taken = new Int32Array(values.length);
  /** Where several connections could take the value: the ones not tried yet, and the state's key. */
  const choices: Array<{ at: number; rest: number[]; key: string }> = [];
  /** States (value index and progress of every connection) known to lead nowhere. */
  const failed = new Set<string>();
  let at = 0;
  for (;;) {
    if (at === values.length) return true;
    let options = candidates(at);
    if (options.length > 1) {
      const key = `${at}:${next.join(',')}`;
      if (failed.has(key)) options = [];
      else choices.push({ at, rest: options.slice(1), key });
    }
    if (options.length > 0) {
      taken[at] = options[0];
      next[options[0]]++;
      at++;
      continue;
    }
    // A dead end: back to the latest choice with a connection not tried yet.
    for (;;) {
      const last = choices[choices.length - 1];
      if (last === undefined) return false;
      while (at > last.at) next[taken[--at]]--;
      const c = last.rest.shift();
      if (c !== undefined) {
        taken[at] = c;
        next[c]++;
        at++;
        break;
      }
      failed.add(last.key);
      choices.pop();
    }
  }
}
