import test from 'ava';
import {
  COMPRESS_NONE,
  COMPRESS_ZLIB,
  COMPRESS_ZSTD,
  decodeLinkHeader,
  encodeLinkHeader,
  KIND_ACK,
  KIND_BATCH,
  KIND_RESUME,
  LINK_HEADER_SIZE,
  LinkHeader,
  MAX_BATCH_BYTES,
} from '../../src/protocol/link/link-header';

const BATCH: LinkHeader = { kind: KIND_BATCH, compression: COMPRESS_ZLIB, link: '0123456789abcdef0123456789abcdef', first: 2 ** 40 + 7, last: 2 ** 40 + 1006, count: 1000, rawBytes: 370_000 };

test('a BATCH and an ACK header read back as written', (t) => {
  const frame = encodeLinkHeader(BATCH);
  t.is(frame.length, LINK_HEADER_SIZE);
  t.is(frame.toString('latin1', 0, 4), 'BXL1');
  t.deepEqual(decodeLinkHeader(frame), BATCH);
  const ack: LinkHeader = { kind: KIND_ACK, compression: 0, link: BATCH.link, first: 12345, last: 0, count: 0, rawBytes: 0 };
  t.deepEqual(decodeLinkHeader(encodeLinkHeader(ack)), ack);
  const resume: LinkHeader = { ...BATCH, kind: KIND_RESUME };
  t.deepEqual(decodeLinkHeader(encodeLinkHeader(resume)), resume, 'a RESUME is a BATCH that starts a connection');
});

test('the compression byte: 0 none, 1 zlib, 2 zstd read back, whatever this Node can decode', (t) => {
  t.deepEqual([COMPRESS_NONE, COMPRESS_ZLIB, COMPRESS_ZSTD], [0, 1, 2]);
  for (const compression of [COMPRESS_NONE, COMPRESS_ZLIB, COMPRESS_ZSTD]) {
    const frame = encodeLinkHeader({ ...BATCH, compression });
    t.is(frame[5], compression);
    t.deepEqual(decodeLinkHeader(frame), { ...BATCH, compression });
  }
});

test('every malformed header is refused with what is wrong', (t) => {
  const good = encodeLinkHeader(BATCH);
  const with_ = (at: number, bytes: number[]): Buffer => {
    const b = Buffer.from(good);
    Buffer.from(bytes).copy(b, at);
    return b;
  };
  const cases: Array<[Buffer, RegExp]> = [
    [good.subarray(0, 45), /is 46 bytes, not 45/],
    [Buffer.concat([good, Buffer.from([0])]), /not 47/],
    [with_(0, [0x42, 0x58, 0x4c, 0x32]), /no BXL1 magic/],
    [with_(4, [4]), /unknown link message kind 4/],
    [with_(4, [0]), /unknown link message kind 0/],
    [with_(5, [9]), /unknown compression 9/],
    [with_(5, [3]), /unknown compression 3/],
    [with_(22, [0x00, 0x20, 0, 0]), /over 2\^53/],
    [with_(38, [0, 0, 0, 0]), /a batch of 0 events/],
    [with_(38, [0, 0, 0x10, 0]), /a batch of 4096 events cannot run from/],
    [with_(30, [0, 0, 0, 0, 0, 0, 0, 1]), /cannot run from .* to 1$/],
    [with_(42, [0xff, 0xff, 0xff, 0xff]), new RegExp(`over ${MAX_BATCH_BYTES}`)],
  ];
  for (const [frame, re] of cases) {
    const r = decodeLinkHeader(frame);
    t.is(typeof r, 'string', frame.toString('hex'));
    t.regex(r as string, re);
  }
});
