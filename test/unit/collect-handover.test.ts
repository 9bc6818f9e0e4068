/**
 * A connection handed from one oxd to the next (collect-handover.ts): the
 * decoder's place in the stream survives the trip through the state's JSON
 * at every byte of a stream, and a state that does not fit is refused with
 * why, never half-used.
 */
import test from 'ava';
import { decodeHandover, encodeHandover, ConnectionHandover, HANDOVER_VERSION } from '../../src/daemon/sources/collect-handover';
import { FrameHandler, ZmtpDecoder } from '../../src/protocol/zmtp/decoder';
import { encodeMessage, encodePing } from '../../src/protocol/zmtp/frame';

class Recorder implements FrameHandler {
  events: string[] = [];
  frame(buf: Buffer, start: number, end: number, more: boolean): void {
    this.events.push(`frame:${buf.toString('latin1', start, end)}${more ? '+' : ''}`);
  }
  command(name: string): void {
    this.events.push(`cmd:${name}`);
  }
  skipped(size: number, more: boolean): void {
    this.events.push(`skip:${size}${more ? '+' : ''}`);
  }
}

const MAX_FRAME = 1000;
const stream = Buffer.concat([
  encodeMessage([Buffer.from('meta'), Buffer.from('body')]),
  encodePing(10, Buffer.from('ctx')),
  encodeMessage([Buffer.from('m2'), Buffer.from('B'.repeat(300))]),
  // Over MAX_FRAME: skipped as it comes, across the handover too.
  encodeMessage([Buffer.from('m3'), Buffer.from('X'.repeat(1500))]),
  encodeMessage([Buffer.from('m4'), Buffer.from('after')]),
]);

function state(partial: { raw: Buffer; skip: number }): ConnectionHandover {
  return { peer: '127.0.0.1:1', commands: true, frameIndex: 0, oversized: false, meta: null, body: null, pending: partial.raw, skip: partial.skip };
}

test('cut at every byte, handed over through the JSON state, the next decoder reads on: the same frames, none twice', (t) => {
  const whole = new Recorder();
  new ZmtpDecoder(whole, MAX_FRAME).push(stream);
  for (let cut = 0; cut <= stream.length; cut++) {
    const r = new Recorder();
    const before = new ZmtpDecoder(r, MAX_FRAME);
    // In chunks of 7, as the kernel hands them out, up to the cut.
    for (let at = 0; at < cut; at += 7) before.push(stream.subarray(at, Math.min(at + 7, cut)));
    const trip = decodeHandover(encodeHandover([state(before.partial)]));
    if (typeof trip === 'string') return t.fail(trip);
    const after = new ZmtpDecoder(r, MAX_FRAME);
    after.resume({ raw: trip[0].pending, skip: trip[0].skip });
    after.push(stream.subarray(cut));
    if (r.events.join('|') !== whole.events.join('|')) return t.is(r.events.join('|'), whole.events.join('|'), `cut at byte ${cut}`);
  }
  t.is(whole.events.filter((e) => e.startsWith('skip')).length, 1);
});

test('the frames of a message begun, and every field, come back as they went', (t) => {
  const h: ConnectionHandover = {
    peer: '[::1]:40000',
    commands: false,
    frameIndex: 2,
    oversized: true,
    meta: Buffer.from([0x93, 1, 2, 3]),
    body: Buffer.from([0xc1, 0xff]),
    pending: Buffer.from([0x01, 0x05, 0x61]),
    skip: 12345,
  };
  t.deepEqual(decodeHandover(encodeHandover([h, { ...h, frameIndex: 0, meta: null, body: null }])), [h, { ...h, frameIndex: 0, meta: null, body: null }]);
});

test('a state that does not fit is refused with why', (t) => {
  const good = JSON.parse(encodeHandover([state({ raw: Buffer.alloc(0), skip: 0 })]).toString());
  const cases: Array<[unknown, RegExp]> = [
    ['not json', /^not JSON/],
    [{ ...good, version: HANDOVER_VERSION + 1 }, /^version 2, this oxd reads 1$/],
    [{ version: HANDOVER_VERSION }, /no list of connections/],
    [{ ...good, connections: [{ ...good.connections[0], skip: -1 }] }, /does not fit/],
    [{ ...good, connections: [{ ...good.connections[0], frameIndex: 1 }] }, /does not fit/],
    [{ ...good, connections: [{ ...good.connections[0], pending: '!!' }] }, /does not fit/],
  ];
  for (const [value, re] of cases) {
    const bytes = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
    t.regex(decodeHandover(bytes) as string, re);
  }
});
