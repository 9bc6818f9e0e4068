/**
 * One TCP connection of the syslog source (plain, or TLS once its handshake
 * is done), from its bytes to its messages: its first bytes are looked at
 * for a TLS handshake on the plain port, then what it reads is framed, by
 * the syslog thread while that runs, else here on the main thread (before
 * the thread was there for it, or after it failed).
 */
import * as buffer from 'node:buffer';
import { SyslogFramer } from '../../../protocol/syslog/tcp-framing';
import { tlsStart, TLS_SNIFF_BYTES } from '../../../protocol/syslog/tls-hello';
import type { SyslogWorker } from './syslog-worker';

/** Node 18.15 and later; before, every message is checked for UTF-8 on its own. */
const isAscii: (b: Buffer) => boolean = (buffer as { isAscii?: (b: Buffer) => boolean }).isAscii ?? (() => false);

/** A message framed on the main thread: `buf[start, end)`, valid only during the call; `flags` of FRAME_* (tcp-framing.ts). */
export type InlineMessage = (c: SyslogConnection, buf: Buffer, start: number, end: number, arrival: number, flags: number, knownUtf8: boolean) => void;

export class SyslogConnection {
  readonly label: string;
  /** Its end was read (or it was closed): it only waits for the thread's last batch of it. */
  closed = false;
  /** The first bytes of a plain connection, looked at before any is framed (a TLS socket is already decrypted). */
  private head: Buffer | null;
  private framer: SyslogFramer | null = null;
  /** The chunk framed here, when it was read, and whether it is all ASCII (then so is every message in it). */
  private arrival = 0;
  private chunk: Buffer | null = null;
  private chunkAscii = false;

  constructor(
    readonly id: number,
    readonly peer: string,
    encrypted: boolean,
    private readonly maxMessage: number,
    private readonly thread: SyslogWorker | null,
    private readonly message: InlineMessage,
  ) {
    this.label = `syslog ${peer}`;
    this.head = encrypted ? null : Buffer.alloc(0);
    if (thread?.running) thread.open(id, peer);
  }

  /**
   * Bytes read at `arrival`; they are the framer's from now on. False when
   * they begin a TLS handshake on the plain port (the caller closes it).
   */
  read(data: Buffer, arrival: number): boolean {
    if (this.head !== null) {
      const start = Buffer.concat([this.head, data.subarray(0, TLS_SNIFF_BYTES)]);
      const kind = tlsStart(start);
      if (kind === 'more') {
        this.head = start;
        return true;
      }
      if (kind === 'tls') {
        this.head = null;
        return false;
      }
      this.pushHead(arrival);
    }
    this.push(data, arrival);
    return true;
  }

  /**
   * The connection ended at `arrival`: `clean`, the sender closed its side;
   * otherwise (a reset, oxd closing it) a message it ends inside of is
   * flagged incomplete. `last`: it is closed, nothing more comes.
   */
  end(arrival: number, clean: boolean, last: boolean): void {
    // One or two bytes that could still have begun a TLS handshake are a message like any other.
    this.pushHead(arrival);
    if (last) this.closed = true;
    if (this.thread?.running && this.framer === null) this.thread.end(this.id, arrival, clean, last);
    else {
      this.arrival = arrival;
      this.inline().end(clean);
    }
  }

  /** Bytes held here of an unfinished message (what the thread holds it counts itself). */
  get held(): number {
    return (this.framer?.buffered ?? 0) + (this.head?.length ?? 0);
  }

  private pushHead(arrival: number): void {
    const head = this.head;
    this.head = null;
    if (head !== null && head.length > 0) this.push(head, arrival);
  }

  private push(data: Buffer, arrival: number): void {
    // Once framed here, always here: the thread's framer for it is gone.
    if (this.thread?.running && this.framer === null) return this.thread.data(this.id, data, arrival);
    const framer = this.inline();
    this.arrival = arrival;
    this.chunk = data;
    this.chunkAscii = isAscii(data);
    framer.push(data);
    this.chunk = null;
  }

  private inline(): SyslogFramer {
    this.framer ??= new SyslogFramer(
      this.maxMessage,
      (buf, start, end, flags) => this.message(this, buf, start, end, this.arrival, flags, this.chunkAscii && buf === this.chunk),
      true,
    );
    return this.framer;
  }
}
