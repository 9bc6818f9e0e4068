import test from 'ava';
import { decodeMeta, encodeMeta, META_SIZE } from '../../src/protocol/meta';
import { BlueOxError } from '../../src/errors';

// struct.pack('!Bd64p64p', 3, 1795248413.238541, b'vm', b'request.db'), from Python 3's struct module.
const GOLDEN =
  '0341dac054474f444102766d' + '00'.repeat(61) + '0a726571756573742e6462' + '00'.repeat(53);

test('encodeMeta matches Python struct "!Bd64p64p" byte for byte', (t) => {
  const meta = encodeMeta({ end: 1795248413.238541, host: 'vm', type: 'request.db' });
  t.is(meta.length, META_SIZE);
  t.is(meta.toString('hex'), GOLDEN);
});

test('decodeMeta reads the golden frame, also at an offset inside a larger buffer', (t) => {
  const framed = Buffer.concat([Buffer.from('xyz'), Buffer.from(GOLDEN, 'hex'), Buffer.from('tail')]);
  t.deepEqual(decodeMeta(framed, 3, META_SIZE), { version: 3, end: 1795248413.238541, host: 'vm', type: 'request.db' });
});

test('decodeMeta refuses other versions and sizes', (t) => {
  const meta = Buffer.from(GOLDEN, 'hex');
  t.is(decodeMeta(meta.subarray(0, 136)), null);
  t.is(decodeMeta(Buffer.concat([meta, Buffer.from([0])])), null);
  for (const version of [0, 2, 4, 255]) {
    const bad = Buffer.from(meta);
    bad[0] = version;
    t.is(decodeMeta(bad), null, `version ${version}`);
  }
});

test('decodeMeta clamps a length byte over 63 as Python does', (t) => {
  const meta = Buffer.from(GOLDEN, 'hex');
  meta[9] = 200;
  t.is(decodeMeta(meta)!.host.length, 63);
});

test('host and type of 63 bytes fit; 64 bytes are refused, not truncated', (t) => {
  const ok = encodeMeta({ end: 1, host: 'h'.repeat(63), type: 't'.repeat(63) });
  t.is(decodeMeta(ok)!.type, 't'.repeat(63));
  const err = t.throws(() => encodeMeta({ end: 1, host: 'h', type: 't'.repeat(64) }), { instanceOf: BlueOxError });
  t.is(err!.code, 'EMETA_FIELD_TOO_LONG');
  // Multi-byte characters count as bytes: 32 x "é" is 64 bytes.
  t.throws(() => encodeMeta({ end: 1, host: 'é'.repeat(32), type: 't' }));
});
