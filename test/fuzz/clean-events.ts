/**
 * Sound events sent between and after the fuzz phases (to see events still
 * flow, stream and land in files), recorded in the collect model like the
 * fuzzed ones so the final check accounts for them too.
 */
import { eventFrames } from '../helpers/events';
import { ZmtpPeer } from '../helpers/zmtp-peer';
import type { FuzzContext } from './context';

/** Sends one event per type on a new connection; resolves once oxd has read them all. */
export async function sendCleanEvents(ctx: FuzzContext, types: string[]): Promise<Buffer[]> {
  const peer = await ZmtpPeer.connect(ctx.oxd.collect);
  const conn = ctx.collect.connection();
  const bodies: Buffer[] = [];
  try {
    for (const [i, type] of types.entries()) {
      const frames = eventFrames({ type, body: { clean: i } });
      ctx.collect.message(frames, conn);
      bodies.push(frames[1]);
      await peer.send(frames);
    }
    await peer.end();
  } finally {
    peer.destroy();
  }
  return bodies;
}
