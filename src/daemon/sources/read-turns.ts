/**
 * Turns on a busy TCP connection of a source (collect, syslog): libuv reads
 * a socket with data waiting up to 32 times in one turn of the event loop,
 * so fast senders on a few connections could hold the loop, and the control
 * port with it, for seconds. After its turn's bytes a connection pauses
 * until the next turn. While a sink is behind (the router is congested) it
 * stops reading until the sinks drain: TCP then slows the sender, and oxd's
 * memory stays bounded.
 */
import type * as net from 'node:net';

/** What says when to stop reading and when to read again: the router (a sink is behind), or more. */
export interface Congestion {
  readonly congested: boolean;
  /** Calls `resume` once no longer congested (at once if it is not). */
  whenDrained(resume: () => void): void;
}

/**
 * How much a text connection (syslog) may read before it lets the event loop
 * serve others: one read of libuv's. Each byte of text costs far more than a
 * byte of a ZMTP frame, so its turn is shorter than the collect source's.
 */
export const TEXT_TURN_BYTES = 64 * 1024;

export class ReadTurns {
  private turnBytes = 0;
  private yielding = false;
  private waitingForSinks = false;
  /** The connection goes to the next oxd: never read again here. */
  private stopped = false;
  /** Shutdown: read the sender to its end whatever the sinks say (what they cannot take now is written at close). */
  private draining = false;

  /**
   * `router`: the router, or what stands for it (the syslog source's router
   * and thread); `onBackpressure`: counts each pause for a sink that is behind.
   */
  constructor(
    private readonly socket: net.Socket,
    private readonly router: Congestion,
    private readonly onBackpressure: () => void,
    private readonly turnBytesMax = TEXT_TURN_BYTES,
  ) {}

  /** After handling a chunk of `bytes` read from the socket. */
  read(bytes: number): void {
    if (this.router.congested && !this.waitingForSinks && !this.draining) {
      this.waitingForSinks = true;
      this.onBackpressure();
      this.socket.pause();
      this.router.whenDrained(() => {
        this.waitingForSinks = false;
        this.resumeIfFree();
      });
    }
    this.turnBytes += bytes;
    if (this.turnBytes >= this.turnBytesMax && !this.yielding) {
      this.yielding = true;
      this.socket.pause();
      setImmediate(() => {
        this.yielding = false;
        this.turnBytes = 0;
        this.resumeIfFree();
      });
    }
  }

  /** Reads on whatever the sinks say (shutdown drains every sender to its end). */
  ignoreSinks(): void {
    this.draining = true;
    this.waitingForSinks = false;
    this.resumeIfFree();
  }

  /** No more reading, whatever comes later (a handover: the rest is the next oxd's). */
  stop(): void {
    this.stopped = true;
    this.socket.pause();
  }

  /** Reads again (the handover failed: this oxd says goodbye after all). */
  restart(): void {
    this.stopped = false;
    this.resumeIfFree();
  }

  private resumeIfFree(): void {
    if (!this.stopped && !this.waitingForSinks && !this.yielding && !this.socket.destroyed) this.socket.resume();
  }
}
