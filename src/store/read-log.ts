/**
 * Reading whole log files (any compression) or standard input into events,
 * with what could not be decoded reported rather than fatal.
 */
import type { Readable } from 'node:stream';
import { describeError } from '../errors';
import { EventReader, SkippedRegion } from './event-reader';
import { openLog } from './open-log';

export interface ReadResult {
  source: string;
  events: number;
  skipped: SkippedRegion[];
  /** Why reading stopped early (missing file, damaged archive), or null. */
  error: string | null;
}

/** Takes each event's msgpack bytes. */
export type EventSink = (raw: Buffer) => void;

/**
 * Feeds every event of `stream` to `sink`. `sink` may return a promise (an
 * output that pushes back); reading waits for it between chunks.
 */
export async function readEvents(stream: Readable, source: string, sink: EventSink, flow?: () => Promise<void>): Promise<ReadResult> {
  const reader = new EventReader(sink);
  let error: string | null = null;
  try {
    for await (const chunk of stream) {
      reader.push(chunk as Buffer);
      if (flow) await flow();
    }
  } catch (err) {
    error = describeError(err);
  }
  reader.end();
  return { source, events: reader.events, skipped: reader.skipped, error };
}

/** Reads one file (`-` for standard input). */
export function readLogFile(file: string, sink: EventSink, flow?: () => Promise<void>): Promise<ReadResult> {
  let stream: Readable;
  try {
    stream = openLog(file);
  } catch (err) {
    return Promise.resolve({ source: file, events: 0, skipped: [], error: describeError(err) });
  }
  return readEvents(stream, file === '-' ? 'standard input' : file, sink, flow);
}

/** One line for stderr about what a read could not use, or null when it used everything. */
export function describeProblems(r: ReadResult): string | null {
  const parts: string[] = [];
  const by = (reason: SkippedRegion['reason']): number => r.skipped.filter((s) => s.reason === reason).reduce((n, s) => n + s.bytes, 0);
  const corrupt = by('corrupt');
  const truncated = by('truncated');
  if (corrupt) parts.push(`skipped ${corrupt} damaged bytes in ${r.skipped.filter((s) => s.reason === 'corrupt').length} place(s), first at offset ${r.skipped.find((s) => s.reason === 'corrupt')!.offset}`);
  if (truncated) parts.push(`the last ${truncated} bytes are an incomplete event (cut off, or still being written)`);
  if (r.error) parts.push(`stopped: ${r.error}`);
  return parts.length ? `${r.source}: ${parts.join('; ')} (${r.events} events read)` : null;
}
