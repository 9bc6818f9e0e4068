/**
 * A forwarding oxd with a disk spool whose central is down until a test
 * starts it, for the spool's fault tests with real daemons: numbered events
 * sent to it, the spool's figures in STATUS, the records in its segment
 * files (to damage some), and the central's files compared with what was sent.
 */
import type { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import { decode } from '@msgpack/msgpack';
import { readRecord, SpoolRecord } from '../../src/protocol/spool/spool-record';
import { eventFrames } from './events';
import { Oxd, startOxd } from './oxd-process';
import { ZmtpPeer } from './zmtp-peer';

export function tempDir(t: ExecutionContext, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `oxd-spool-${name}-`));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Sends events `{i}` (with `pad` beside `i`, to make them larger) from `from` while `more(i)`; returns
 * how many were sent. Yields to the event loop every 200 events: a write the kernel takes at once
 * calls back before any I/O, so an endless loop of them would starve this process.
 */
export async function sendEvents(peer: ZmtpPeer, from: number, more: (i: number) => boolean, pad = ''): Promise<number> {
  let i = from;
  for (; more(i); i++) {
    await peer.send(eventFrames({ type: 'request', body: pad ? { i, pad } : { i } }));
    if (i % 200 === 199) await new Promise((r) => setImmediate(r));
  }
  return i;
}

/** Every event `0..sent-1` but those in `lost` in the central's files, each once. */
export function compare(t: ExecutionContext, seen: Map<number, number>, sent: number, lost: ReadonlySet<number> = new Set()): void {
  const missing = [...Array(sent).keys()].filter((i) => !lost.has(i) && !seen.has(i));
  const twice = [...seen].filter(([, n]) => n > 1).map(([i]) => i);
  const unexpected = [...lost].filter((i) => seen.has(i));
  t.deepEqual(missing.slice(0, 20), [], `${missing.length} of ${sent} lost`);
  t.deepEqual(twice.slice(0, 20), [], `${twice.length} written twice`);
  t.deepEqual(unexpected, [], 'events of damaged records in the files');
  t.is(seen.size, sent - lost.size);
}

/** A forwarding oxd whose central is down: `startCentral` brings it up at the address the forwarding oxd was given. */
export interface Forwarding {
  local: Oxd;
  central: Oxd | null;
  peer: ZmtpPeer;
  localArgs: string[];
  localSpool: string;
  logPath: string;
  startCentral(): Promise<Oxd>;
}

/**
 * A central that is down: the test holds its collect port (so no other process of the suite takes
 * it meanwhile) and closes every connection at once, as a host with nothing on the port would.
 * `release` frees the port for the central, which binds it right after.
 */
export async function downCentral(): Promise<{ port: number; release(): Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    release: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function startForwarding(t: ExecutionContext, extraLocalArgs: string[] = []): Promise<Forwarding> {
  // Until the central starts, the forwarding oxd spools.
  const down = await downCentral();
  t.teardown(() => down.release().catch(() => undefined));
  const port = down.port;
  const logPath = path.join(tempDir(t, 'central'), 'log');
  const centralArgs = ['-c', `127.0.0.1:${port}`, '--spool-path', path.join(tempDir(t, 'central-spool'), 'spool')];
  const localSpool = path.join(tempDir(t, 'local'), 'spool');
  const localArgs = ['--forward', `127.0.0.1:${port}`, '--spool-path', localSpool, ...extraLocalArgs];
  const local = await startOxd({ logPath: null, args: localArgs });
  const f: Forwarding = {
    local,
    central: null,
    peer: await ZmtpPeer.connect(local.collect),
    localArgs,
    localSpool,
    logPath,
    startCentral: async () => {
      await down.release();
      return (f.central = await startOxd({ logPath, args: centralArgs }));
    },
  };
  t.teardown(async () => {
    // What the daemons said, when the test failed: a crash or a warning says why.
    if (!t.passed) for (const [name, oxd] of [['forwarding', f.local], ['central', f.central]] as const) if (oxd) t.log(`${name} oxd stderr:\n${oxd.stderr.slice(-3000)}`);
    f.peer.destroy();
    await f.local.stop();
    await f.central?.stop();
  });
  return f;
}

export interface SpoolStatus {
  bytes: number;
  full: boolean;
  segments: number;
  unacked: number;
  appended: number;
  damaged: number;
  damaged_bytes: number;
  lost_in_damage: number;
  folder_removed: number;
  oldest_unacked_ms: number | null;
}

export function spoolOf(s: any): SpoolStatus {
  return s.sinks.forward.spool as SpoolStatus;
}

/** A record found in a segment file: where it is, and the event `i` it holds. */
export interface Found {
  file: string;
  seq: number;
  start: number;
  metaEnd: number;
  end: number;
  i: number;
}

/** Every record in the spool's segment files, oldest segment first. */
export function spooledRecords(dir: string): Found[][] {
  const r: SpoolRecord = { seq: 0, spooledAt: 0, start: 0, metaStart: 0, metaEnd: 0, end: 0 };
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.seg'))
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      const buf = fs.readFileSync(file);
      const out: Found[] = [];
      for (let at = 0; readRecord(buf, at, buf.length, r) > 0; at = r.end) {
        const { i } = (decode(buf.subarray(r.metaEnd, r.end)) as { body: { i: number } }).body;
        out.push({ file, seq: r.seq, start: r.start, metaEnd: r.metaEnd, end: r.end, i });
      }
      return out;
    });
}

/** Polls the segment files until they hold `n` whole records (what oxd wrote to the page cache), with a deadline. */
export async function waitForSpooled(dir: string, n: number, timeoutMs = 20_000): Promise<Found[][]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const segments = spooledRecords(dir);
    const count = segments.reduce((sum, s) => sum + s.length, 0);
    if (count === n) return segments;
    if (Date.now() > deadline) throw new Error(`the spool's segments hold ${count} records, not ${n}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Inverts 8 bytes inside the body frame of each record (its header, and its neighbours, untouched),
 * as a disk error would; returns the events they held. CRC-32 finds every change of up to 32
 * consecutive bits, so each of these records fails its check.
 */
export function damage(records: Found[]): Set<number> {
  for (const rec of records) {
    const at = rec.metaEnd + Math.floor((rec.end - rec.metaEnd) / 2) - 4;
    const fd = fs.openSync(rec.file, 'r+');
    try {
      const bytes = Buffer.alloc(8);
      fs.readSync(fd, bytes, 0, 8, at);
      for (let k = 0; k < 8; k++) bytes[k] ^= 0xff;
      fs.writeSync(fd, bytes, 0, 8, at);
    } finally {
      fs.closeSync(fd);
    }
  }
  return new Set(records.map((r) => r.i));
}
