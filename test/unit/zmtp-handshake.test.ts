import test from 'ava';
import { ZmtpHandshake, HandshakeResult } from '../../src/protocol/zmtp/handshake';
import { encodeReady } from '../../src/protocol/zmtp/frame';
import { ZmtpProtocolError } from '../../src/protocol/zmtp/command';

/** Runs two handshakes against each other in memory, delivering `chunk` bytes at a time. */
function pair(a: ZmtpHandshake, aOut: Buffer[], b: ZmtpHandshake, bOut: Buffer[], chunk = Infinity) {
  let ra: HandshakeResult | null = null;
  let rb: HandshakeResult | null = null;
  a.begin();
  b.begin();
  for (let round = 0; round < 1000 && (!ra || !rb); round++) {
    const toB = Buffer.concat(aOut.splice(0));
    const toA = Buffer.concat(bOut.splice(0));
    for (let i = 0; i < toB.length; i += Math.min(chunk, toB.length)) rb = b.push(toB.subarray(i, i + chunk)) ?? rb;
    for (let i = 0; i < toA.length; i += Math.min(chunk, toA.length)) ra = a.push(toA.subarray(i, i + chunk)) ?? ra;
  }
  return { ra, rb };
}

test('PUSH and PULL complete a ZMTP 3.1 NULL handshake, whatever the chunking', (t) => {
  for (const chunk of [1, 2, 7, 64, Infinity]) {
    const aOut: Buffer[] = [];
    const bOut: Buffer[] = [];
    const push = new ZmtpHandshake('PUSH', (x) => aOut.push(x));
    const pull = new ZmtpHandshake('PULL', (x) => bOut.push(x));
    const { ra, rb } = pair(push, aOut, pull, bOut, chunk);
    t.is(ra?.peerType, 'PULL', `chunk ${chunk}`);
    t.is(rb?.peerType, 'PUSH', `chunk ${chunk}`);
    t.is(rb?.major, 3);
    t.is(rb?.minor, 1);
  }
});

test('the greeting starts with the 10-byte signature and major version 3, then the NULL mechanism', (t) => {
  const out: Buffer[] = [];
  const hs = new ZmtpHandshake('PULL', (x) => out.push(x));
  hs.begin();
  t.deepEqual([...out[0]], [0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3]);
  // The rest of the greeting waits for the peer's major version.
  t.is(out.length, 1);
  const peer = Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3]);
  hs.push(peer);
  const rest = Buffer.concat(out.slice(1));
  t.is(rest[0], 1, 'minor version 1');
  t.is(rest.toString('latin1', 1, 5), 'NULL');
  t.is(rest.subarray(0, 53).length, 53);
  t.is(rest.toString('latin1', 53 + 3, 53 + 8), 'READY');
});

test('extra bytes after the peer READY are handed back as leftover traffic', (t) => {
  const out: Buffer[] = [];
  const hs = new ZmtpHandshake('PULL', (x) => out.push(x));
  hs.begin();
  const greeting = Buffer.alloc(64);
  greeting[0] = 0xff;
  greeting[9] = 0x7f;
  greeting[10] = 3;
  greeting.write('NULL', 12, 'latin1');
  const traffic = Buffer.from([0x00, 0x02, 0x68, 0x69]);
  const r = hs.push(Buffer.concat([greeting, encodeReady('PUSH', { Identity: '' }), traffic]));
  t.truthy(r);
  t.deepEqual([...r!.leftover], [...traffic]);
  t.deepEqual(r!.properties.get('identity'), Buffer.alloc(0));
});

test('a ZMTP 2.0 peer gets the 2.0 greeting: socket type and an empty identity', (t) => {
  const out: Buffer[] = [];
  const hs = new ZmtpHandshake('PULL', (x) => out.push(x));
  hs.begin();
  // ZMTP 2.0: signature, revision 1, socket type PUSH (8), identity frame (final, 0 bytes).
  const r = hs.push(Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0x01, 0x08, 0x00, 0x00, 0x00, 0x01, 0x41]));
  t.is(r?.major, 2);
  t.is(r?.peerType, 'PUSH');
  t.deepEqual([...r!.leftover], [0x00, 0x01, 0x41]);
  t.deepEqual([...Buffer.concat(out.slice(1))], [0x07, 0x00, 0x00]);
});

function refuses(t: any, bytes: number[] | Buffer, pattern: RegExp) {
  const hs = new ZmtpHandshake('PULL', () => undefined);
  hs.begin();
  const err = t.throws(() => hs.push(Buffer.from(bytes)), { instanceOf: ZmtpProtocolError });
  t.regex(err.message, pattern);
}

test('refuses what is not ZMTP 2.0 or 3.x', (t) => {
  refuses(t, [0x47, 0x45, 0x54], /no ZMTP signature/); // "GET"
  refuses(t, [0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7e, 3], /no ZMTP signature/);
  refuses(t, [0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0], /unsupported ZMTP revision/);
});

test('refuses a mechanism other than NULL and a peer that is not a PUSH socket', (t) => {
  const greeting = (mech: string): Buffer => {
    const g = Buffer.alloc(64);
    g[0] = 0xff;
    g[9] = 0x7f;
    g[10] = 3;
    g.write(mech, 12, 'latin1');
    return g;
  };
  refuses(t, greeting('CURVE'), /unsupported security mechanism "CURVE"/);
  refuses(t, Buffer.concat([greeting('NULL'), encodeReady('PUB')]), /PULL socket cannot talk to a PUB peer/);
  refuses(t, Buffer.concat([greeting('NULL'), Buffer.from([0x00, 0x01, 0x41])]), /expected READY/);
  refuses(t, [0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0x01, 0x01], /cannot talk to a PUB peer/);
});

test('the ERROR frame to send on failure is only offered once the peer speaks ZMTP 3', (t) => {
  const hs = new ZmtpHandshake('PULL', () => undefined);
  t.is(hs.errorFrame('x'), null);
  hs.begin();
  hs.push(Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3]));
  const frame = hs.errorFrame('bad')!;
  t.deepEqual([...frame.subarray(0, 2)], [0x04, 10]);
  t.is(frame.toString('latin1', 3, 8), 'ERROR');
});
