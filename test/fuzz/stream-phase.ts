/**
 * The stream port: fuzzed subscription messages from several XSUB peers
 * (subscribes, unsubscribes, and messages that are neither). oxd must hold
 * exactly the prefixes the subscription model predicts, count every other
 * message as ignored, stream exactly the events those prefixes match, let go
 * of everything when the peers leave, and still serve a plain subscriber.
 */
import * as zmq from 'zeromq';
import { mulberry32 } from '../helpers/random';
import { SubscriptionModel } from '../helpers/stream-oracle';
import type { FuzzContext, PhaseResult } from './context';
import { subSeed } from './context';
import { sendCleanEvents } from './clean-events';

const PEERS = 4;
const ALPHABET = [0x66, 0x7a, 0x2e, 0x61, 0x00, 0x01, 0xff]; // f z . a NUL 0x01 0xff
/** Event types sent once the subscriptions have settled; some match the short prefixes above. */
const TYPES = ['fz', 'fz.a', 'f', 'a', 'z.', 'za', 'zz.fa', 'b', 'ff.a.z', 'stream-check'];

function subscriptionMessage(rand: () => number): Buffer {
  const kind = rand();
  if (kind < 0.02) return Buffer.alloc(0);
  const first = kind < 0.47 ? 1 : kind < 0.82 ? 0 : 2 + Math.floor(rand() * 254);
  const long = rand() < 0.01;
  const length = long ? Math.floor(rand() * 300) : Math.floor(rand() * 4);
  const msg = Buffer.allocUnsafe(1 + length);
  msg[0] = first;
  for (let i = 1; i <= length; i++) msg[i] = long ? Math.floor(rand() * 256) : ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return msg;
}

async function openPeer(address: string): Promise<zmq.XSubscriber> {
  // XSUB drops what does not fit under its send high-water mark instead of waiting: no limit here,
  // or the count of what oxd sees would depend on timing.
  const xsub = new zmq.XSubscriber({ linger: 0, sendHighWaterMark: 0 });
  const connected = new Promise((resolve) => xsub.events.on('handshake', resolve));
  xsub.connect(`tcp://${address}`);
  await connected;
  return xsub;
}

export async function streamPhase(ctx: FuzzContext, _dog: unknown, before: any): Promise<PhaseResult> {
  const model = new SubscriptionModel();
  const ignoredBefore: number = before.sinks.stream.ignored;
  const streamedBefore: number = before.totals.streamed;
  const mismatches: string[] = [];
  const peers: zmq.XSubscriber[] = [];
  let sent = 0;
  const started = Date.now();
  const progress = setInterval(() => ctx.log(`stream: ${sent.toLocaleString('en-US')} subscription messages sent`), 10_000);
  try {
    for (let p = 0; p < PEERS; p++) peers.push(await openPeer(ctx.oxd.stream));
    const perPeer = Math.ceil(ctx.frames / PEERS);
    await Promise.all(
      peers.map(async (xsub, p) => {
        const rand = mulberry32(subSeed(ctx.seed, 300 + p));
        for (let i = 0; i < perPeer; i++) {
          const msg = subscriptionMessage(rand);
          model.send(p, msg);
          sent++;
          await xsub.send(msg);
          // Sends that complete at once never return to the event loop: let it through now and then.
          if (i % 256 === 255) await new Promise<void>((resolve) => setImmediate(resolve));
        }
        // Last, an empty message: once oxd has counted it, it has seen everything this peer sent.
        model.send(p, Buffer.alloc(0));
        await xsub.send(Buffer.alloc(0));
      }),
    );
    let lastIgnored = 0;
    const settled = await ctx.oxd
      .waitForStatus((st) => (lastIgnored = st.sinks.stream.ignored - ignoredBefore) >= model.ignored, 120_000)
      .catch((err: Error) => {
        throw new Error(`oxd counted ${lastIgnored} ignored stream messages, expected ${model.ignored}: ${err.message}`);
      });
    const seconds = (Date.now() - started) / 1000;
    const ignored = settled.sinks.stream.ignored - ignoredBefore;
    if (ignored !== model.ignored) mismatches.push(`stream ignored grew by ${ignored}, expected ${model.ignored}`);
    const prefixes = model.prefixes();
    if (settled.sinks.stream.subscriptions !== prefixes.size) {
      mismatches.push(`stream subscriptions: oxd ${settled.sinks.stream.subscriptions}, expected ${prefixes.size}`);
    }

    // Events stream exactly where a held prefix matches their type.
    const written: number = settled.totals.written;
    await sendCleanEvents(ctx, TYPES);
    const flowed = await ctx.oxd.waitForStatus((st) => st.totals.written >= written + TYPES.length, 30_000);
    const matching = TYPES.filter((t) => model.matches(t)).length;
    if (flowed.totals.streamed - streamedBefore !== matching) {
      mismatches.push(`streamed ${flowed.totals.streamed - streamedBefore} events, expected ${matching} (prefixes held: ${prefixes.size})`);
    }

    // The peers leave: every subscription goes with them.
    for (const [p, xsub] of peers.entries()) {
      xsub.close();
      model.close(p);
    }
    peers.length = 0;
    await ctx.oxd.waitForStatus((st) => st.sinks.stream.subscriptions === 0, 30_000);

    // A plain subscriber still gets its events.
    const sub = new zmq.Subscriber({ linger: 0, receiveTimeout: 10_000 });
    try {
      sub.connect(`tcp://${ctx.oxd.stream}`);
      sub.subscribe('fuzz.after');
      await ctx.oxd.waitForStatus((st) => st.sinks.stream.subscriptions === 1, 30_000);
      const [body] = await sendCleanEvents(ctx, ['fuzz.after']);
      const [type, got] = await sub.receive();
      if (type.toString() !== 'fuzz.after' || !got.equals(body)) mismatches.push('a plain subscriber did not get its event unchanged');
    } finally {
      sub.close();
    }
    return {
      port: 'stream',
      frames: sent,
      seconds,
      totals: {
        'messages sent': sent,
        '  subscribes': model.subscribes,
        '  unsubscribes': model.unsubscribes,
        '  ignored (neither)': model.ignored,
        'prefixes held at the end': prefixes.size,
        'events streamed to them': matching,
      },
      mismatches,
    };
  } finally {
    clearInterval(progress);
    for (const xsub of peers) xsub.close();
  }
}
