/**
 * The ZMTP connection handshake as a pure state machine: greeting, version
 * negotiation, NULL mechanism, READY with the peer's socket type checked.
 *
 * Version negotiation follows ZMTP 3.1 (RFC 37): each side first sends the
 * 10-octet signature and its major version; the rest of the greeting depends
 * on what the peer announced. A ZMTP 3.x peer gets the 3.1 greeting and a
 * READY command; a peer announcing revision 1 or 2 (ZMTP 2.0, libzmq 3.x) gets
 * the 2.0 socket-type octet and an empty identity frame, and is then spoken to
 * in 2.0 framing. ZMTP 1.0 (no signature) is refused.
 */
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, encodeError, encodeReady } from './frame';
import { ZmtpProtocolError, decodeCommand, decodeProperties, errorReason } from './command';

export type SocketType = 'PAIR' | 'PUB' | 'SUB' | 'REQ' | 'REP' | 'DEALER' | 'ROUTER' | 'PULL' | 'PUSH' | 'XPUB' | 'XSUB';

/** ZMTP 2.0 names socket types by number. */
const ZMTP2_CODES: Record<string, number> = { PAIR: 0, PUB: 1, SUB: 2, REQ: 3, REP: 4, DEALER: 5, ROUTER: 6, PULL: 7, PUSH: 8 };

/** Which peer types each socket type may talk to (RFC 37, "Socket Type" table). */
export const COMPATIBLE_PEERS: Record<SocketType, SocketType[]> = {
  PAIR: ['PAIR'],
  PUB: ['SUB', 'XSUB'],
  XPUB: ['SUB', 'XSUB'],
  SUB: ['PUB', 'XPUB'],
  XSUB: ['PUB', 'XPUB'],
  REQ: ['REP', 'ROUTER'],
  REP: ['REQ', 'DEALER'],
  DEALER: ['REP', 'DEALER', 'ROUTER'],
  ROUTER: ['REQ', 'DEALER', 'ROUTER'],
  PULL: ['PUSH'],
  PUSH: ['PULL'],
};

export const SIGNATURE_LENGTH = 10;
export const GREETING_LENGTH = 64;
const MECHANISM_LENGTH = 20;

export interface HandshakeResult {
  /** 3 for ZMTP 3.x, 2 for ZMTP 2.0 (no commands after the handshake). */
  major: 2 | 3;
  minor: number;
  peerType: string;
  properties: Map<string, Buffer>;
  /** Bytes that arrived after the handshake: the first traffic frames. */
  leftover: Buffer;
}

type Stage = 'signature' | 'greeting3' | 'ready' | 'zmtp2-type' | 'zmtp2-identity' | 'done';

function signatureAndMajor(): Buffer {
  const b = Buffer.alloc(SIGNATURE_LENGTH + 1);
  b[0] = 0xff;
  b[8] = 0x01; // padding: libzmq writes identity length + 1 here, for ZMTP 1.0 peers
  b[9] = 0x7f;
  b[10] = 3;
  return b;
}

function greetingRest(asServer: boolean): Buffer {
  const b = Buffer.alloc(GREETING_LENGTH - SIGNATURE_LENGTH - 1);
  b[0] = 1; // minor: 3.1
  b.write('NULL', 1, 'latin1');
  b[1 + MECHANISM_LENGTH] = asServer ? 1 : 0;
  return b;
}

/**
 * A whole ZMTP 3.1 NULL greeting and READY in one piece, for a peer that
 * writes without waiting for the other side (a last-moment delivery at
 * process exit): a ZMTP 3 receiver reads it exactly as the negotiated form.
 */
export function pipelinedGreeting(own: SocketType): Buffer {
  return Buffer.concat([signatureAndMajor(), greetingRest(false), encodeReady(own)]);
}

export class ZmtpHandshake {
  private stage: Stage = 'signature';
  private buffered: Buffer = Buffer.alloc(0);
  private major: 2 | 3 = 3;
  private minor = 0;
  private peerType = '';
  private properties = new Map<string, Buffer>();

  /** `ready`: properties added to our READY (ZMTP 3), such as the link port our collect port announces. */
  constructor(
    private readonly own: SocketType,
    private readonly send: (bytes: Buffer) => void,
    private readonly asServer = false,
    private readonly ready: Record<string, string> = {},
  ) {}

  /** Sends the opening bytes; call once when the connection is up. */
  begin(): void {
    this.send(signatureAndMajor());
  }

  /** Feeds received bytes; returns the result once the handshake is complete. */
  push(chunk: Buffer): HandshakeResult | null {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    for (;;) {
      const progressed = this.step();
      if (this.stage === 'done') {
        return {
          major: this.major,
          minor: this.minor,
          peerType: this.peerType,
          properties: this.properties,
          leftover: this.buffered,
        };
      }
      if (!progressed) return null;
    }
  }

  /** The ERROR command to send before closing on a failed handshake (ZMTP 3 only). */
  errorFrame(reason: string): Buffer | null {
    return this.major === 3 && this.stage !== 'signature' ? encodeError(reason) : null;
  }

  private consume(n: number): Buffer {
    const head = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return head;
  }

  private checkPeerType(peerType: string): void {
    this.peerType = peerType;
    if (!(COMPATIBLE_PEERS[this.own] as string[]).includes(peerType)) {
      throw new ZmtpProtocolError(`a ${this.own} socket cannot talk to a ${peerType || 'untyped'} peer`);
    }
  }

  private step(): boolean {
    const b = this.buffered;
    switch (this.stage) {
      case 'signature': {
        if (b.length >= 1 && b[0] !== 0xff) throw new ZmtpProtocolError('no ZMTP signature (ZMTP 1.0 or not ZeroMQ)');
        if (b.length < SIGNATURE_LENGTH + 1) return false;
        if ((b[9] & 0x01) === 0) throw new ZmtpProtocolError('no ZMTP signature (ZMTP 1.0 or not ZeroMQ)');
        const major = b[10];
        this.consume(SIGNATURE_LENGTH + 1);
        if (major >= 3) {
          this.major = 3;
          this.send(Buffer.concat([greetingRest(this.asServer), encodeReady(this.own, this.ready)]));
          this.stage = 'greeting3';
        } else if (major >= 1) {
          this.major = 2;
          this.send(Buffer.from([ZMTP2_CODES[this.own] ?? 0, 0x00, 0x00]));
          this.stage = 'zmtp2-type';
        } else {
          throw new ZmtpProtocolError(`unsupported ZMTP revision ${major}`);
        }
        return true;
      }
      case 'greeting3': {
        if (b.length < GREETING_LENGTH - SIGNATURE_LENGTH - 1) return false;
        const rest = this.consume(GREETING_LENGTH - SIGNATURE_LENGTH - 1);
        this.minor = rest[0];
        const mechanism = rest.toString('latin1', 1, 1 + MECHANISM_LENGTH).replace(/\0+$/, '');
        if (mechanism !== 'NULL') throw new ZmtpProtocolError(`unsupported security mechanism ${JSON.stringify(mechanism)}`);
        this.stage = 'ready';
        return true;
      }
      case 'ready': {
        if (b.length < 2) return false;
        const flags = b[0];
        if ((flags & FLAG_COMMAND) === 0) throw new ZmtpProtocolError('expected READY, got a message frame');
        const long = (flags & FLAG_LONG) !== 0;
        if (long && b.length < 9) return false;
        const size = long ? b.readUInt32BE(1) * 0x100000000 + b.readUInt32BE(5) : b[1];
        const header = long ? 9 : 2;
        if (size > 65536) throw new ZmtpProtocolError('READY command too large');
        if (b.length < header + size) return false;
        const frame = this.consume(header + size);
        const cmd = decodeCommand(frame.subarray(header));
        if (cmd.name === 'ERROR') throw new ZmtpProtocolError(`peer refused: ${errorReason(cmd.data)}`);
        if (cmd.name !== 'READY') throw new ZmtpProtocolError(`expected READY, got ${cmd.name}`);
        this.properties = decodeProperties(cmd.data);
        this.checkPeerType((this.properties.get('socket-type') ?? Buffer.alloc(0)).toString('latin1'));
        this.stage = 'done';
        return true;
      }
      case 'zmtp2-type': {
        if (b.length < 1) return false;
        const code = this.consume(1)[0];
        const name = Object.keys(ZMTP2_CODES).find((k) => ZMTP2_CODES[k] === code) ?? `type ${code}`;
        this.checkPeerType(name);
        this.stage = 'zmtp2-identity';
        return true;
      }
      case 'zmtp2-identity': {
        if (b.length < 2) return false;
        const flags = b[0];
        if (flags & ~(FLAG_MORE | FLAG_LONG)) throw new ZmtpProtocolError('bad ZMTP 2.0 identity frame flags');
        const long = (flags & FLAG_LONG) !== 0;
        if (long && b.length < 9) return false;
        const size = long ? b.readUInt32BE(1) * 0x100000000 + b.readUInt32BE(5) : b[1];
        if (size > 255) throw new ZmtpProtocolError('ZMTP 2.0 identity longer than 255 bytes');
        const header = long ? 9 : 2;
        if (b.length < header + size) return false;
        this.consume(header + size);
        this.stage = 'done';
        return true;
      }
      case 'done':
        return false;
    }
  }
}
