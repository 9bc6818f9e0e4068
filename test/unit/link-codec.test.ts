import test from 'ava';
import * as zlib from 'node:zlib';
import {
  chooseLinkCodec,
  codecByte,
  compressBatch,
  decodableCodecs,
  decompressBatch,
  LinkCodec,
  LOCAL_CODECS,
  LocalCodecs,
  parseAnnouncedCodecs,
  zstdMissing,
} from '../../src/daemon/link/link-codec';
import { COMPRESS_NONE, COMPRESS_ZLIB, COMPRESS_ZSTD } from '../../src/protocol/link/link-header';

const WITH_ZSTD: LocalCodecs = { zstd: true, node: 'v22.15.0' };
const WITHOUT_ZSTD: LocalCodecs = { zstd: false, node: 'v20.20.2' };
/** What this test's own Node has, asserted in both cases rather than skipped. */
const RUNTIME_ZSTD = typeof (zlib as unknown as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

/** Spool-record-like bytes: repetitive, as batches of events are. */
const RAW = Buffer.from(Array.from({ length: 2000 }, (_, i) => `{"type":"request","i":${i},"host":"web-1"}`).join(''));

test('the codec used, for every codec asked, local support and announcement', (t) => {
  const cases: Array<[LinkCodec, LocalCodecs, string[] | null, LinkCodec, RegExp]> = [
    ['none', WITH_ZSTD, ['zlib', 'zstd'], 'none', /^link_compression = none$/],
    ['none', WITHOUT_ZSTD, null, 'none', /^link_compression = none$/],
    ['zlib', WITH_ZSTD, null, 'zlib', /^link_compression = zlib$/],
    ['zlib', WITHOUT_ZSTD, ['zlib'], 'zlib', /^link_compression = zlib$/],
    ['zlib', WITH_ZSTD, ['zlib', 'zstd'], 'zlib', /^link_compression = zlib$/],
    // Both sides have it.
    ['zstd', WITH_ZSTD, ['zlib', 'zstd'], 'zstd', /^link_compression = zstd, which the upstream decodes$/],
    ['zstd', WITH_ZSTD, ['zstd'], 'zstd', /which the upstream decodes/],
    // This Node has none: whatever the upstream says.
    ['zstd', WITHOUT_ZSTD, ['zlib', 'zstd'], 'zlib', /^link_compression = zstd, but this Node \(v20\.20\.2\) has no zstd \(it needs Node >= 22\.15 \(or >= 23\.8\)\): zlib instead$/],
    ['zstd', WITHOUT_ZSTD, null, 'zlib', /this Node \(v20\.20\.2\) has no zstd/],
    // The upstream's Node has none, or it is an oxd from before zstd.
    ['zstd', WITH_ZSTD, ['zlib'], 'zlib', /^link_compression = zstd, but the upstream decodes only zlib \(its Node has no zstd; it needs Node >= 22\.15 \(or >= 23\.8\)\): zlib instead$/],
    ['zstd', WITH_ZSTD, null, 'zlib', /^link_compression = zstd, but the upstream does not announce the codecs it decodes \(an oxd from before zstd\): zlib instead$/],
    // An upstream that decodes neither (none is always understood).
    ['zlib', WITH_ZSTD, [], 'none', /the upstream decodes only none, nor zlib: uncompressed$/],
    ['zstd', WITHOUT_ZSTD, ['zstd'], 'none', /has no zstd .*, nor zlib: uncompressed$/],
  ];
  for (const [asked, local, announced, used, reason] of cases) {
    const choice = chooseLinkCodec(asked, local, announced);
    const label = `${asked}, local zstd ${local.zstd}, announced ${JSON.stringify(announced)}`;
    t.is(choice.codec, used, label);
    t.regex(choice.reason, reason, label);
  }
});

test('what an oxd announces, and how a forwarding oxd reads it', (t) => {
  t.deepEqual(decodableCodecs(WITH_ZSTD), ['zlib', 'zstd']);
  t.deepEqual(decodableCodecs(WITHOUT_ZSTD), ['zlib']);
  t.is(parseAnnouncedCodecs(undefined), null, 'no property: an older oxd');
  t.deepEqual(parseAnnouncedCodecs('zlib zstd'), ['zlib', 'zstd']);
  t.deepEqual(parseAnnouncedCodecs(' ZLIB,zstd  lz4 '), ['zlib', 'zstd', 'lz4']);
  t.deepEqual(parseAnnouncedCodecs(''), []);
  // Two oxds on this very Node.
  t.is(chooseLinkCodec('zstd', LOCAL_CODECS, decodableCodecs()).codec, RUNTIME_ZSTD ? 'zstd' : 'zlib');
  t.is(LOCAL_CODECS.zstd, RUNTIME_ZSTD);
});

test('the start-up warning: only for zstd asked on a Node without it', (t) => {
  t.is(zstdMissing('zstd', WITH_ZSTD), null);
  t.is(zstdMissing('zlib', WITHOUT_ZSTD), null);
  t.is(zstdMissing('none', WITHOUT_ZSTD), null);
  t.is(zstdMissing('zstd', WITHOUT_ZSTD), 'link_compression = zstd, but this Node (v20.20.2) has no zstd (it needs Node >= 22.15 (or >= 23.8)): batches sent over a link are zlib-compressed instead');
  if (RUNTIME_ZSTD) t.is(zstdMissing('zstd'), null);
  else t.regex(zstdMissing('zstd') ?? '', new RegExp(`this Node \\(${process.version}\\) has no zstd`));
});

test('none and zlib: compressed and back, with the header byte of each', (t) => {
  t.deepEqual([codecByte('none'), codecByte('zlib'), codecByte('zstd')], [COMPRESS_NONE, COMPRESS_ZLIB, COMPRESS_ZSTD]);
  t.is(compressBatch('none', RAW), RAW);
  t.is(decompressBatch(COMPRESS_NONE, RAW, RAW.length), RAW);
  const deflated = compressBatch('zlib', RAW);
  t.deepEqual(deflated, zlib.deflateSync(RAW, { level: 1 }), 'as the link always sent it');
  t.true(deflated.length < RAW.length / 4);
  t.deepEqual(decompressBatch(COMPRESS_ZLIB, deflated, RAW.length), RAW);
});

test('a payload that does not decompress to what the header says throws, with what is wrong', (t) => {
  const deflated = compressBatch('zlib', RAW);
  t.throws(() => decompressBatch(COMPRESS_ZLIB, deflated, RAW.length - 100), undefined, 'longer than stated');
  t.throws(() => decompressBatch(COMPRESS_ZLIB, Buffer.from('not deflate at all'), 100));
  t.throws(() => decompressBatch(7, deflated, RAW.length), { message: 'unknown compression 7' });
});

test('zstd: compressed and back where this Node has it; a clear refusal where it has not', (t) => {
  if (RUNTIME_ZSTD) {
    const packed = compressBatch('zstd', RAW);
    t.is(packed.readUInt32LE(0), 0xfd2fb528, 'a zstd frame');
    t.true(packed.length < RAW.length / 4);
    t.deepEqual(decompressBatch(COMPRESS_ZSTD, packed, RAW.length), RAW);
    t.throws(() => decompressBatch(COMPRESS_ZSTD, packed, RAW.length - 100), undefined, 'longer than stated');
    t.throws(() => decompressBatch(COMPRESS_ZSTD, compressBatch('zlib', RAW), RAW.length), undefined, 'not zstd');
  } else {
    t.throws(() => compressBatch('zstd', RAW), { message: `this Node (${process.version}) has no zstd (it needs Node >= 22.15 (or >= 23.8))` });
    const frame = Buffer.from('28b52ffd2000', 'hex');
    t.throws(() => decompressBatch(COMPRESS_ZSTD, frame, 0), { message: /^it is zstd, and this Node \(v[\d.]+\) has no zstd .*; this oxd does not announce it$/ });
  }
});
