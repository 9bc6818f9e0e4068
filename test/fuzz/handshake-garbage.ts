/**
 * Connections to the collect port that go wrong before or at the ZMTP
 * handshake, each built so that what oxd must do is known (RFC 37, ZMTP 2.0):
 * refuse it as a protocol error, accept a sound handshake and see the peer
 * leave, or close it as a handshake timeout when the greeting stops halfway.
 * The bytes around the fault are random.
 */
import { encodeCommand, encodeReady } from '../../src/protocol/zmtp/frame';

export type HandshakeOutcome = 'protocol-error' | 'clean' | 'timeout';

export interface HandshakeCase {
  kind: string;
  bytes: Buffer;
  outcome: HandshakeOutcome;
}

type Rand = () => number;

const PEER_TYPES_NOT_PUSH = ['PUB', 'SUB', 'REQ', 'REP', 'DEALER', 'ROUTER', 'PULL', 'PAIR', 'XPUB', 'XSUB', 'push', '', 'PUSH\0'];

function random(rand: Rand, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** Signature (0xFF, 8 padding bytes of any value, a byte with bit 0 set) and the major version. */
function signature(rand: Rand, major: number): Buffer {
  const b = random(rand, 11);
  b[0] = 0xff;
  b[9] |= 0x01;
  b[10] = major;
  return b;
}

/** The rest of a ZMTP 3 greeting: minor version, mechanism, as-server, filler (any bytes). */
function greetingRest(rand: Rand, mechanism: Buffer): Buffer {
  const b = random(rand, 53);
  b.fill(0, 1, 21);
  mechanism.copy(b, 1, 0, 20);
  return b;
}

const NULL_MECHANISM = Buffer.from('NULL');
const int = (rand: Rand, n: number): number => Math.floor(rand() * n);

/** A mechanism name that is not NULL once trailing NUL bytes are dropped. */
function otherMechanism(rand: Rand): Buffer {
  const names = ['PLAIN', 'CURVE', 'GSSAPI', 'NUL', 'NULLX', 'null', ''];
  const pick = names[int(rand, names.length)];
  if (rand() < 0.5) return Buffer.from(pick);
  const b = random(rand, 1 + int(rand, 20));
  if (b.toString('latin1').replace(/\0+$/, '') === 'NULL') b[0] = 0x41;
  return b;
}

const v3 = (rand: Rand): Buffer => Buffer.concat([signature(rand, 3 + int(rand, 253)), greetingRest(rand, NULL_MECHANISM)]);

const CASES: Array<(rand: Rand) => HandshakeCase> = [
  (rand) => {
    const b = random(rand, 1 + int(rand, 200));
    if (b[0] === 0xff) b[0] = int(rand, 255);
    return { kind: 'no signature', bytes: b, outcome: 'protocol-error' };
  },
  (rand) => {
    const b = signature(rand, int(rand, 256));
    b[9] &= 0xfe;
    return { kind: 'signature without its last bit (ZMTP 1.0)', bytes: Buffer.concat([b, random(rand, int(rand, 100))]), outcome: 'protocol-error' };
  },
  (rand) => ({ kind: 'major version 0', bytes: Buffer.concat([signature(rand, 0), random(rand, int(rand, 100))]), outcome: 'protocol-error' }),
  (rand) => ({
    kind: 'a mechanism other than NULL',
    bytes: Buffer.concat([signature(rand, 3), greetingRest(rand, otherMechanism(rand)), random(rand, int(rand, 50))]),
    outcome: 'protocol-error',
  }),
  (rand) => {
    const frame = random(rand, 2 + int(rand, 50));
    frame[0] &= ~0x04; // no command flag
    return { kind: 'a message frame instead of READY', bytes: Buffer.concat([v3(rand), frame]), outcome: 'protocol-error' };
  },
  (rand) => {
    const type = PEER_TYPES_NOT_PUSH[int(rand, PEER_TYPES_NOT_PUSH.length)];
    return { kind: 'READY from a peer that is not PUSH', bytes: Buffer.concat([v3(rand), encodeReady(type)]), outcome: 'protocol-error' };
  },
  (rand) => ({
    kind: 'a command other than READY',
    bytes: Buffer.concat([v3(rand), encodeCommand(['PING', 'SUBSCRIBE', 'HELLO', 'ERROR', 'X'][int(rand, 5)], random(rand, int(rand, 20)))]),
    outcome: 'protocol-error',
  }),
  (rand) => {
    // A command frame declaring more than 64 KiB.
    const head = Buffer.alloc(9);
    head[0] = 0x06;
    head.writeUInt32BE(1 + int(rand, 1000), 1);
    head.writeUInt32BE(int(rand, 0xffffffff), 5);
    return { kind: 'an oversized READY', bytes: Buffer.concat([v3(rand), head]), outcome: 'protocol-error' };
  },
  (rand) => {
    // READY whose properties run past the frame.
    const body = Buffer.concat([Buffer.from([5]), Buffer.from('READY'), Buffer.from([11]), Buffer.from('Socket-Type'), Buffer.from([0, 0, 1, 0]), Buffer.from('PUSH')]);
    return { kind: 'a READY property running past the frame', bytes: Buffer.concat([v3(rand), Buffer.from([0x04, body.length]), body]), outcome: 'protocol-error' };
  },
  (rand) => {
    let code = int(rand, 256);
    if (code === 8) code = 7;
    return { kind: 'ZMTP 2.0 from a peer that is not PUSH', bytes: Buffer.concat([signature(rand, 1 + int(rand, 2)), Buffer.from([code])]), outcome: 'protocol-error' };
  },
  (rand) => ({
    kind: 'ZMTP 2.0 identity with bad flags',
    bytes: Buffer.concat([signature(rand, 1 + int(rand, 2)), Buffer.from([8, 0x04 | (int(rand, 32) << 3), 0])]),
    outcome: 'protocol-error',
  }),
  (rand) => {
    const head = Buffer.alloc(9);
    head[0] = 0x02;
    head.writeUInt32BE(int(rand, 16), 1);
    head.writeUInt32BE(256 + int(rand, 100_000), 5);
    return { kind: 'ZMTP 2.0 identity over 255 bytes', bytes: Buffer.concat([signature(rand, 1 + int(rand, 2)), Buffer.from([8]), head]), outcome: 'protocol-error' };
  },
  (rand) => ({ kind: 'a sound ZMTP 3 handshake, then goodbye', bytes: Buffer.concat([v3(rand), encodeReady('PUSH')]), outcome: 'clean' }),
  (rand) => ({ kind: 'a sound ZMTP 2.0 handshake, then goodbye', bytes: Buffer.concat([signature(rand, 1 + int(rand, 2)), Buffer.from([8, 0, 0])]), outcome: 'clean' }),
];

/** One connection's bytes and what oxd must make of them. */
export function handshakeCase(rand: Rand): HandshakeCase {
  return CASES[int(rand, CASES.length)](rand);
}

/** A greeting cut short and then silence: oxd must give up at its handshake timeout. */
export function stalledHandshake(rand: Rand): HandshakeCase {
  const whole = Buffer.concat([v3(rand), encodeReady('PUSH')]);
  return { kind: 'a greeting cut short', bytes: whole.subarray(0, 1 + int(rand, whole.length - 1)), outcome: 'timeout' };
}
