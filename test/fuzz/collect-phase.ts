/**
 * The collect port: fuzzed frames on several connections at once (ZMTP 3
 * with commands between frames, and one ZMTP 2.0 peer), each connection
 * ending cleanly, inside a frame, or with a frame that breaks the protocol;
 * and, beside them, connections with garbage handshakes. The collect model
 * predicts every counter; oxd must match it exactly.
 */
import { mulberry32 } from '../helpers/random';
import { encodeFrames, feed, frame, generate, WireFrame, writeInPieces } from '../helpers/collect-fuzz';
import { ZmtpPeer } from '../helpers/zmtp-peer';
import { encodeError } from '../../src/protocol/zmtp/frame';
import type { FuzzContext, PhaseResult } from './context';
import { subSeed } from './context';
import { handshakeCase, HandshakeCase, stalledHandshake } from './handshake-garbage';

const CONNECTIONS = 8;
/** The connection that speaks ZMTP 2.0 (no commands there). */
const ZMTP2_CONNECTION = 6;
/** Frames generated at a time: small, so this process keeps answering its sockets promptly. */
const BATCH = 250;
const GARBAGE_AT_ONCE = 8;
const STALLED = 8;

/** ZMTP 2.0 greeting of a PUSH peer: signature, revision 1, socket type 8, empty identity. */
const ZMTP2_GREETING = Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7f, 0x01, 0x08, 0x00, 0x00]);

type Ending = 'clean' | 'inside-a-frame' | 'protocol-error';

interface Tally {
  frames: number;
  bytes: number;
  endings: Record<Ending, number>;
  handshakes: Record<string, number>;
  /** The longest this process took to see a garbage connection open (oxd's handshake timer runs meanwhile). */
  slowestConnectMs: number;
}

/**
 * Connects (ZMTP 3, or 2.0 for one of them) before any traffic is generated:
 * generating is busy work in this process, and a handshake it delayed past
 * oxd's handshake timeout would be closed by oxd, rightly.
 */
async function connect(ctx: FuzzContext, conn: number): Promise<ZmtpPeer> {
  if (conn !== ZMTP2_CONNECTION) return ZmtpPeer.connect(ctx.oxd.collect);
  const peer = await ZmtpPeer.raw(ctx.oxd.collect);
  await peer.writeRaw(ZMTP2_GREETING);
  return peer;
}

async function fuzzConnection(ctx: FuzzContext, conn: number, peer: ZmtpPeer, count: number, tally: Tally): Promise<void> {
  const rand = mulberry32(subSeed(ctx.seed, 100 + conn));
  const model = ctx.collect;
  const id = model.connection();
  const zmtp2 = conn === ZMTP2_CONNECTION;
  let written = 0;
  try {
    let open: Buffer[] = [];
    for (let done = 0; done < count; done += BATCH) {
      const frames = generate(rand, conn, Math.min(BATCH, count - done), { oversizeAbove: ctx.maxEventSize, commands: !zmtp2 });
      open = feed(model, frames, id, open);
      tally.frames += frames.length;
      const bytes = encodeFrames(frames);
      tally.bytes += bytes.length;
      await writeInPieces(peer, bytes, rand).catch((err: Error) => {
        throw new Error(`collect connection ${conn}${zmtp2 ? ' (ZMTP 2.0)' : ''} lost after ${written} bytes: ${err.message}`);
      });
      written += bytes.length;
    }
    const endings: Ending[] = ['clean', 'inside-a-frame', 'protocol-error'];
    const ending = endings[Math.floor(rand() * endings.length)];
    tally.endings[ending]++;
    let tail: Buffer;
    if (ending === 'clean') {
      const last: WireFrame[] = [frame(Buffer.alloc(0))]; // ends a message left open
      feed(model, last, id, open);
      tail = encodeFrames(last);
    } else if (ending === 'inside-a-frame') {
      // A message left open, then half a frame: neither is ever counted.
      const last: WireFrame[] = [frame(Buffer.alloc(137, 3), true)];
      feed(model, last, id, open);
      tail = Buffer.concat([encodeFrames(last), Buffer.from([0x00, 200]), Buffer.alloc(100, 0x61)]);
    } else {
      // Reserved flag bits, or (ZMTP 3) an ERROR command: oxd closes the connection as a protocol error.
      model.protocolErrors++;
      tail = !zmtp2 && rand() < 0.5 ? encodeError('fuzz') : Buffer.from([0x08 << Math.floor(rand() * 5), 0x00]);
    }
    await peer.writeRaw(tail).catch(() => undefined);
    await peer.end();
  } finally {
    peer.destroy();
  }
}

async function garbageConnection(ctx: FuzzContext, c: HandshakeCase, tally: Tally): Promise<void> {
  const asked = Date.now();
  const peer = await ZmtpPeer.raw(ctx.oxd.collect);
  const opened = Date.now();
  tally.slowestConnectMs = Math.max(tally.slowestConnectMs, opened - asked);
  try {
    tally.handshakes[c.kind] = (tally.handshakes[c.kind] ?? 0) + 1;
    // oxd may close before reading everything: a reset is an answer too.
    await peer.writeRaw(c.bytes).catch(() => undefined);
    if (c.outcome === 'timeout') await peer.closed;
    else await peer.end();
  } finally {
    peer.destroy();
  }
}

export async function collectPhase(ctx: FuzzContext): Promise<PhaseResult> {
  const model = ctx.collect;
  const tally: Tally = { frames: 0, bytes: 0, endings: { clean: 0, 'inside-a-frame': 0, 'protocol-error': 0 }, handshakes: {}, slowestConnectMs: 0 };
  const rand = mulberry32(subSeed(ctx.seed, 1));
  const garbage = Array.from({ length: Math.max(100, Math.round(ctx.frames / 500)) }, () => handshakeCase(rand));
  const stalled = Array.from({ length: STALLED }, () => stalledHandshake(rand));
  for (const c of [...garbage, ...stalled]) {
    if (c.outcome === 'protocol-error') model.protocolErrors++;
    if (c.outcome === 'timeout') model.handshakeTimeouts++;
  }
  model.connections += garbage.length + stalled.length;
  const perConnection = Math.ceil(ctx.frames / CONNECTIONS);
  const started = Date.now();

  const progress = setInterval(() => ctx.log(`collect: ${tally.frames.toLocaleString('en-US')} frames sent`), 10_000);
  try {
    const queue = [...garbage];
    const peers = await Promise.all(Array.from({ length: CONNECTIONS }, (_, conn) => connect(ctx, conn)));
    await Promise.all([
      ...peers.map((peer, conn) => fuzzConnection(ctx, conn, peer, perConnection, tally)),
      ...stalled.map((c) => garbageConnection(ctx, c, tally)),
      ...Array.from({ length: GARBAGE_AT_ONCE }, async () => {
        for (let c = queue.shift(); c !== undefined; c = queue.shift()) await garbageConnection(ctx, c, tally);
      }),
    ]);
  } finally {
    clearInterval(progress);
  }
  ctx.log(`collect: all sent; judging ${model.received === 0 ? 'the' : 'more'} bodies with Python`);
  await model.judgeBodies();
  // Wait until oxd has counted as much as the model expects; if it never does, compare what it has.
  const s = await ctx.oxd
    .waitForStatus(
      (st) =>
        st.totals.received + st.totals.invalid >= model.received + model.invalidTotal &&
        st.totals.written >= st.totals.received &&
        st.collect.protocol_errors + st.collect.handshake_timeouts >= model.protocolErrors + model.handshakeTimeouts &&
        st.collect.pings >= model.pings,
      120_000,
    )
    .catch(async () => ctx.oxd.control.request({ cmd: 'STATUS' }, 5000));
  const seconds = (Date.now() - started) / 1000;
  const mismatches = model.compare(s);
  if (s.totals.written !== s.totals.received) mismatches.push(`totals.written ${s.totals.written} != received ${s.totals.received}`);
  return {
    port: 'collect',
    frames: tally.frames,
    seconds,
    totals: {
      'frames sent': tally.frames,
      'MB sent': Math.round(tally.bytes / 1e5) / 10,
      'events received': model.received,
      'messages invalid': model.invalidTotal,
      ...Object.fromEntries(Object.entries(model.invalid).map(([k, v]) => [`  ${k}`, v])),
      '  type-*': model.typeInvalid,
      pings: model.pings,
      'garbage handshakes': garbage.length,
      'stalled handshakes': stalled.length,
      ...Object.fromEntries(Object.entries(tally.handshakes).map(([k, v]) => [`  ${k}`, v])),
      'protocol errors': model.protocolErrors,
      'handshake timeouts': model.handshakeTimeouts,
      'connections ended inside a frame': tally.endings['inside-a-frame'],
      'slowest garbage connect, ms': tally.slowestConnectMs,
    },
    mismatches,
  };
}
