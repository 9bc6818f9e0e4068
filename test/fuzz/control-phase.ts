/**
 * The control port: fuzzed and mutated requests from DEALER peers, many in
 * flight at once, with and without the REQ envelope, one frame or several.
 * Every message gets exactly one reply, in order, with the envelope it came
 * with and the kind of answer the control model predicts; oxd's request and
 * invalid-request counters grow by exactly what was sent.
 */
import * as zmq from 'zeromq';
import { compatPack } from '../../src/protocol/compat-pack';
import { decode } from '@msgpack/msgpack';
import { expectedReply, ExpectedReply, replyMismatch, ReplyKind } from '../helpers/control-oracle';
import { mulberry32 } from '../helpers/random';
import type { FuzzContext, PhaseResult } from './context';
import { subSeed } from './context';
import type { Watchdog } from './watchdog';

const PEERS = 4;
/** Requests each peer keeps in flight. */
const WINDOW = 64;

type Rand = () => number;

function random(rand: Rand, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

const pick = <T>(rand: Rand, xs: T[]): T => xs[Math.floor(rand() * xs.length)];
const COMMANDS = ['SOCK_STREAM', 'SOCK_COLLECT', 'SOCK_STREAM', 'SOCK_COLLECT', 'NOPE', 'status', 'REOPEN', 'FORWARD', '', 'SOCK_STREAM\0'];

/** A request frame: a sound or nearly sound map, random bytes, or a mutation of either. */
function requestFrame(rand: Rand): Buffer {
  const kind = rand();
  if (kind < 0.005) return compatPack({ cmd: 'STATUS' });
  if (kind < 0.35) {
    const req: Record<string, unknown> = { cmd: pick(rand, COMMANDS) };
    if (rand() < 0.3) req[pick(rand, ['x', 'cmd2', 'target', ''])] = pick(rand, [1, 'y', null, [1, 2], { a: 1 }, -1.5]);
    return compatPack(req as never);
  }
  if (kind < 0.45) return compatPack(pick(rand, [{ CMD: 'STATUS' }, { cmd: 1 }, { cmd: null }, { cmd: ['SOCK_STREAM'] }, { cmd: Buffer.from('SOCK_STREAM') }, {}, ['cmd', 'STATUS'], 'SOCK_STREAM', 7]) as never);
  if (kind < 0.7) {
    const r = random(rand, Math.floor(rand() * 120));
    if (r.length > 0 && rand() < 0.4) r[0] = 0x80 | (r[0] & 0x0f);
    return r;
  }
  // A sound request with bytes replaced, cut off or added.
  let b = compatPack({ cmd: pick(rand, COMMANDS), ...(rand() < 0.5 ? { extra: random(rand, 8).toString('latin1') } : {}) } as never);
  for (let m = 1 + Math.floor(rand() * 3); m > 0; m--) {
    const which = Math.floor(rand() * 3);
    if (which === 0) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
    else if (which === 1) b = b.subarray(0, Math.floor(rand() * b.length));
    else b = Buffer.concat([b, random(rand, 1 + Math.floor(rand() * 4))]);
  }
  return Buffer.from(b);
}

/** A whole message: mostly the REQ envelope and one request, sometimes none, several frames, or routing frames. */
function message(rand: Rand): Buffer[] {
  const shape = rand();
  const delimiter = Buffer.alloc(0);
  let frames: Buffer[];
  if (shape < 0.85) frames = [delimiter, requestFrame(rand)];
  else if (shape < 0.9) frames = [requestFrame(rand)];
  else if (shape < 0.95) frames = [delimiter, ...Array.from({ length: 2 + Math.floor(rand() * 3) }, () => (rand() < 0.2 ? Buffer.alloc(0) : requestFrame(rand)))];
  else frames = [random(rand, 1 + Math.floor(rand() * 8)), delimiter, requestFrame(rand)];
  // SHUTDOWN would end the run: never sent.
  return expectedReply(frames).kind === 'SHUTDOWN' ? message(rand) : frames;
}

interface PeerTally {
  sent: number;
  kinds: Record<string, number>;
  mismatches: string[];
}

async function fuzzPeer(ctx: FuzzContext, peer: number, count: number, ports: { stream: number; collect: number }, tally: PeerTally): Promise<void> {
  const rand = mulberry32(subSeed(ctx.seed, 200 + peer));
  const dealer = new zmq.Dealer({ linger: 0, receiveTimeout: 30_000 });
  try {
    dealer.connect(`tcp://${ctx.oxd.controlAddr}`);
    const expected: Array<{ frames: Buffer[]; reply: ExpectedReply }> = [];
    let inFlight = 0;
    let received = 0;
    let wake = (): void => undefined;
    const receiving = (async () => {
      while (received < count) {
        const got = await dealer.receive();
        const { frames, reply } = expected.shift()!;
        received++;
        inFlight--;
        wake();
        const n = reply.envelope.length;
        const envelopeOk = got.length === n + 1 && reply.envelope.every((f, i) => f.equals(got[i]));
        let problem = envelopeOk ? null : `envelope: expected ${n} frames before the reply, got ${got.length - 1}`;
        if (problem === null) {
          let value: unknown;
          try {
            value = decode(got[n]);
          } catch {
            value = `undecodable ${got[n].toString('hex')}`;
          }
          problem = replyMismatch(reply.kind, value, ports);
        }
        if (problem !== null && tally.mismatches.length < 20) {
          tally.mismatches.push(`control peer ${peer}, message ${received - 1} [${frames.map((f) => f.toString('hex')).join(', ')}]: ${problem}`);
        }
      }
    })();
    for (let i = 0; i < count; i++) {
      while (inFlight >= WINDOW) await Promise.race([new Promise<void>((resolve) => (wake = resolve)), receiving]);
      const frames = message(rand);
      const reply = expectedReply(frames);
      tally.kinds[reply.kind] = (tally.kinds[reply.kind] ?? 0) + 1;
      expected.push({ frames, reply });
      inFlight++;
      tally.sent++;
      await dealer.send(frames);
    }
    await receiving;
  } finally {
    dealer.close();
  }
}

/** `before` is a STATUS taken before the watchdog started, so every probe falls between it and the last one. */
export async function controlPhase(ctx: FuzzContext, dog: Watchdog, before: any): Promise<PhaseResult> {
  const portOf = (addr: string): number => Number(addr.slice(addr.lastIndexOf(':') + 1));
  const ports = { stream: portOf(ctx.oxd.stream), collect: portOf(ctx.oxd.collect) };
  const tally: PeerTally = { sent: 0, kinds: {}, mismatches: [] };
  const perPeer = Math.ceil(ctx.frames / PEERS);
  const started = Date.now();
  const progress = setInterval(() => ctx.log(`control: ${tally.sent.toLocaleString('en-US')} requests sent`), 10_000);
  try {
    await Promise.all(
      Array.from({ length: PEERS }, (_, p) => fuzzPeer(ctx, p, perPeer, ports, tally)),
    );
  } finally {
    clearInterval(progress);
  }
  const seconds = (Date.now() - started) / 1000;
  // The watchdog's STATUS requests are requests too: stop it to count them exactly.
  await dog.stop();
  const probes = dog.probes;
  const after = await ctx.control.request({ cmd: 'STATUS' }, 5000);
  const mismatches = [...tally.mismatches];
  const kinds = tally.kinds as Record<ReplyKind, number>;
  // `after` counts itself; the watchdog's probes are all valid STATUS requests.
  const requests = after.control.requests - before.control.requests;
  if (requests !== tally.sent + probes + 1) mismatches.push(`control.requests grew by ${requests}, expected ${tally.sent + probes + 1}`);
  const invalid = after.control.invalid - before.control.invalid;
  if (invalid !== (kinds.invalid ?? 0)) mismatches.push(`control.invalid grew by ${invalid}, expected ${kinds.invalid ?? 0}`);
  return {
    port: 'control',
    frames: tally.sent,
    seconds,
    totals: {
      'messages sent': tally.sent,
      ...Object.fromEntries(Object.entries(tally.kinds).map(([k, v]) => [`  answered ${k}`, v])),
      'watchdog STATUS requests': probes,
    },
    mismatches,
    slowestStatusMs: dog.slowestMs,
  };
}
