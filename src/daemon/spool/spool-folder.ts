/**
 * The disk spool's folder kept usable and durable: the state file written
 * again when the acknowledged position changed, the names of new segment
 * files fsynced in the background, and the folder made again when it was
 * removed while oxd runs (the open segments still hold their events; new
 * ones go in the folder made again, and at close the removed ones too).
 *
 * This is what the spool does to the folder itself, apart from the order in
 * which events are written and read: the spool only says when the state
 * changed and when to make it durable.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SpoolRecord } from '../../protocol/spool/spool-record';
import { RecordScanner } from './record-scanner';
import { segmentName } from './segments';
import { SpoolState, syncFolder, syncFolderAsync, writeState, writeStateAsync } from './spool-state';
import { SpoolSegment } from './spool-segment';

/** Where the folder's counters and write errors go: the spool's, for STATUS. */
export interface FolderReport {
  readonly counts: { folder_removed: number; write_errors: number };
  lastWriteError: string | null;
}

export class SpoolFolder {
  /** The state changed since it was last written. */
  stateDirty = false;

  constructor(
    private readonly dir: string,
    private readonly state: SpoolState,
    private readonly report: FolderReport,
  ) {}

  /** The folder is there; true when it was gone and is made again, so the segment being written is in the old one. */
  ensure(): boolean {
    if (fs.existsSync(this.dir)) return false;
    this.report.counts.folder_removed++;
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o750 });
    this.stateDirty = true;
    return true;
  }

  newSegment(first: number): SpoolSegment {
    this.ensure();
    const seg = SpoolSegment.create(path.join(this.dir, segmentName(first)), first);
    // The new name made durable in the background; until then a crash of the machine may lose the segment.
    syncFolderAsync(this.dir).catch((err: Error) => (this.report.lastWriteError = err.message));
    return seg;
  }

  /**
   * At close: segments removed with the folder (held open, their events were
   * still sent) written again in it, else they would go with oxd. The
   * unacknowledged events of one that cannot be written are handed to
   * `lost`; returns how many.
   */
  restoreRemoved(segments: readonly SpoolSegment[], acked: number, lost: (buf: Buffer, record: SpoolRecord) => void): number {
    let dropped = 0;
    let restored = false;
    for (const seg of segments) {
      try {
        restored = seg.restore() || restored;
      } catch (err) {
        this.report.counts.write_errors++;
        this.report.lastWriteError = (err as Error).message;
        const scanner = new RecordScanner(seg.fd, 0);
        while (scanner.next(seg.bytes, true)) {
          if (scanner.record.seq <= acked) continue;
          lost(scanner.buf, scanner.record);
          dropped++;
        }
      }
    }
    if (restored) {
      try {
        syncFolder(this.dir);
      } catch (err) {
        this.report.lastWriteError = (err as Error).message;
      }
    }
    return dropped;
  }

  /** Writes the state if it changed; the event loop waits (start-up, close). */
  saveState(): void {
    if (!this.stateDirty) return;
    try {
      writeState(this.dir, this.state);
      this.stateDirty = false;
    } catch (err) {
      this.report.lastWriteError = (err as Error).message;
    }
  }

  /** As saveState, on libuv's thread pool, for the fsync interval. */
  async saveStateAsync(): Promise<void> {
    if (!this.stateDirty) return;
    this.stateDirty = false;
    try {
      await writeStateAsync(this.dir, { ...this.state });
    } catch (err) {
      this.stateDirty = true;
      this.report.lastWriteError = (err as Error).message;
    }
  }
}
