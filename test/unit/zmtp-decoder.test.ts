import test from 'ava';
import { ZmtpDecoder, FrameHandler } from '../../src/protocol/zmtp/decoder';
import { encodeCommand, encodeFrame, encodeMessage, encodePing } from '../../src/protocol/zmtp/frame';
import { ZmtpProtocolError } from '../../src/protocol/zmtp/command';

class Recorder implements FrameHandler {
  events: string[] = [];
  frame(buf: Buffer, start: number, end: number, more: boolean): void {
    this.events.push(`frame:${buf.toString('latin1', start, end)}${more ? '+' : ''}`);
  }
  command(name: string, data: Buffer): void {
    this.events.push(`cmd:${name}:${data.toString('hex')}`);
  }
  skipped(size: number, more: boolean): void {
    this.events.push(`skip:${size}${more ? '+' : ''}`);
  }
}

function feed(bytes: Buffer, chunk: number, maxFrame = 1 << 20, commands = true): string[] {
  const r = new Recorder();
  const d = new ZmtpDecoder(r, maxFrame, commands);
  for (let i = 0; i < bytes.length; i += chunk) d.push(bytes.subarray(i, i + chunk));
  return r.events;
}

const long = 'L'.repeat(300);
const stream = Buffer.concat([
  encodeMessage([Buffer.from('meta'), Buffer.from('body')]),
  encodePing(10, Buffer.from('ctx')),
  encodeMessage([Buffer.from(''), Buffer.from(long)]),
  encodeFrame(Buffer.from('solo'), false),
]);
const expected = ['frame:meta+', 'frame:body', 'cmd:PING:000a637478', 'frame:+', `frame:${long}`, 'frame:solo'];

test('frames and commands come out the same for every way the bytes are split', (t) => {
  for (const chunk of [1, 2, 3, 8, 9, 10, 100, 301, stream.length]) t.deepEqual(feed(stream, chunk), expected, `chunk ${chunk}`);
});

test('a frame over the limit is skipped without buffering, and the stream continues', (t) => {
  const big = encodeMessage([Buffer.from('m'), Buffer.alloc(5000, 1)]);
  const after = encodeMessage([Buffer.from('ok'), Buffer.from('fine')]);
  const bytes = Buffer.concat([big, after]);
  for (const chunk of [1, 7, 1000, bytes.length]) {
    t.deepEqual(feed(bytes, chunk, 1024), ['frame:m+', 'skip:5000', 'frame:ok+', 'frame:fine'], `chunk ${chunk}`);
  }
});

test('long frames use an 8-byte size', (t) => {
  const frame = encodeFrame(Buffer.alloc(256, 0x61), false);
  t.deepEqual([...frame.subarray(0, 9)], [0x02, 0, 0, 0, 0, 0, 0, 1, 0]);
  t.deepEqual(feed(frame, 5), [`frame:${'a'.repeat(256)}`]);
});

test('reserved flag bits, commands in ZMTP 2.0 and absurd sizes are protocol errors', (t) => {
  const d = (commands = true) => new ZmtpDecoder(new Recorder(), 1024, commands);
  t.throws(() => d().push(Buffer.from([0x08, 0x00])), { instanceOf: ZmtpProtocolError, message: /reserved/ });
  t.throws(() => d(false).push(encodeCommand('PING', Buffer.from([0, 1]))), { instanceOf: ZmtpProtocolError });
  t.throws(() => d().push(Buffer.from([0x02, 0x00, 0x20, 0, 0, 0, 0, 0, 0])), { message: /2\^53/ });
  t.throws(() => d().push(Buffer.from([0x04, 0x00])), { message: /empty command/ });
});

test('bytes waiting for the rest of a frame are reported as buffered', (t) => {
  const d = new ZmtpDecoder(new Recorder(), 1024);
  d.push(Buffer.from([0x00, 0x05, 0x61]));
  t.is(d.buffered, 3);
  d.push(Buffer.from([0x62, 0x63, 0x64, 0x65]));
  t.is(d.buffered, 0);
});
