/**
 * How far a followed path's lines have been delivered, so that the state
 * file never gets ahead of oxd: every time lines are handed to the sender,
 * the reader's position is noted with the sender's running count; a
 * position becomes the saved one once the sender has delivered that many
 * events (they go out in the order they were handed).
 */
import { fingerprintAt } from './file-identity';
import type { FileReader } from './file-reader';

/** A position worth saving: reading resumes there after a restart. */
export interface Position {
  ino: string;
  offset: number;
  /** Fingerprint of the bytes before `offset` (file-identity.ts); null when unknown. */
  fingerprint: string | null;
}

interface Checkpoint {
  seq: number;
  reader: FileReader;
  offset: number;
}

export class Progress {
  private checkpoints: Checkpoint[] = [];
  private saved: Checkpoint | null = null;

  /** `initial`: where the previous run stopped, kept until this run has a position of its own. */
  constructor(private readonly initial: Position | null) {}

  /** `reader` is at `reader.committed` once the first `seq` events handed are delivered. */
  note(seq: number, reader: FileReader): void {
    const last = this.checkpoints.length > 0 ? this.checkpoints[this.checkpoints.length - 1] : this.saved;
    if (last !== null && last.reader === reader && last.offset === reader.committed) return;
    this.checkpoints.push({ seq, reader, offset: reader.committed });
  }

  /** The furthest position whose lines are all delivered, `delivered` events having been. */
  position(delivered: number): Position | null {
    while (this.checkpoints.length > 0 && this.checkpoints[0].seq <= delivered) this.saved = this.checkpoints.shift()!;
    const s = this.saved;
    if (s === null) return this.initial;
    // A reader already closed cannot be fingerprinted (its descriptor number may be reused).
    return { ino: s.reader.ino, offset: s.offset, fingerprint: s.reader.isOpen ? fingerprintAt(s.reader.fd, s.offset) : null };
  }
}
