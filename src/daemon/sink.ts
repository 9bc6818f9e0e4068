/**
 * What the router hands to sinks, and what a sink promises in return.
 */
import type { Packable } from '../protocol/compat-pack';
import type { HostEntry, TypeEntry } from './stats';

/**
 * One event as received: views into the receive buffers, valid only during
 * `Sink.accept`. A sink that keeps the bytes must copy them (or keep a
 * subarray of the body, which holds the whole received chunk alive; the
 * syslog source writes a host's next event into the same meta frame).
 */
export interface EventView {
  metaBuf: Buffer;
  metaStart: number;
  metaEnd: number;
  bodyBuf: Buffer;
  bodyStart: number;
  bodyEnd: number;
  type: TypeEntry;
  host: HostEntry;
  /** Arrival time, milliseconds. */
  arrival: number;
}

export interface Sink {
  readonly name: string;
  /** Takes the event or counts it dropped; never throws for one event. */
  accept(event: EventView): void;
  /** True while the sink holds more than it should: sources stop reading. */
  readonly congested: boolean;
  /** Called by the sink when it stops being congested. */
  onDrain: (() => void) | null;
  /** Writes out whatever is batched; resolves when it is durable or has failed and been counted. */
  flush(): Promise<void>;
  /** SIGHUP: reopen files, reconnect. */
  reopen(): void;
  /** Flushes what it holds, then releases its resources. */
  close(): Promise<void>;
  /** The sink's own part of STATUS. */
  status(): { [key: string]: Packable };
}
