/**
 * Follows one path, like `tail -F`: the file there now, the next file
 * that appears there after a rotation, and the file that appears there
 * later if there is none yet.
 *
 *   reading    our descriptor is read from our position to the end, in
 *              chunks, while the sender has room (the backlog at start-up,
 *              after a pause, after a rotation);
 *   following  at the end of the file, node-tail watches it and hands over
 *              what is appended; each chunk is checked against our own
 *              descriptor (same inode at the path, file not shorter)
 *              before its lines are taken;
 *   paused     the client library's queue is full: nothing is read (not
 *              even buffered) until it drains, then reading resumes from
 *              the first line not handed on;
 *   waiting    nothing at the path yet: checked every tick.
 *
 * Rotation by rename (logrotate `create`) or removal: the old file, still
 * open, is read to its end before the new file, and kept open for
 * `rotateWaitMs` after it stops growing, for writers that reopen late.
 * Truncation in place (`copytruncate`): what had not been read yet is
 * looked for in the copy (file-identity.ts), then the file is read again
 * from its start.
 */
import * as path from 'node:path';
import type { FileSpec } from './file-spec';
import { findOldStream, fingerprintAt, identityOf, OldStream } from './file-identity';
import { FileCounts, FileReader, LineOptions } from './file-reader';
import { Position, Progress } from './progress';
import { planResume } from './resume';
import type { Sender } from './sender';
import { TailWatch } from './tail-watch';

export type { Position } from './progress';

export interface FollowOptions extends LineOptions {
  fromBeginning: boolean;
  rotateWaitMs: number;
}

export type Phase = 'waiting' | 'reading' | 'following' | 'paused' | 'stopped';

interface Retired {
  reader: FileReader;
  /** Close once it has not grown for this long (a copy: at once). */
  waitMs: number;
}

export class Follower {
  readonly path: string;
  readonly type: string;
  readonly counts: FileCounts = { lines: 0, split: 0, truncated: 0 };
  phase: Phase = 'waiting';
  private current: FileReader | null = null;
  private readonly retired: Retired[] = [];
  private tail: TailWatch | null = null;
  private readonly progress: Progress;
  private stallAt = -1;
  private lastTrouble = '';
  private readonly resume = (): void => {
    if (this.phase !== 'paused') return;
    this.phase = 'reading';
    this.pump();
  };

  constructor(
    spec: FileSpec,
    private readonly sender: Sender,
    private readonly options: FollowOptions,
    private readonly log: (message: string) => void,
    /** Where a previous run stopped in this path, from the state file. */
    private restored: Position | null,
  ) {
    this.path = path.resolve(spec.path);
    this.type = spec.type;
    this.progress = new Progress(restored);
  }

  /** Opens the file (or starts waiting for it) and reads what is due. */
  start(): void {
    try {
      this.open(false);
    } catch (err) {
      this.trouble(err);
    }
    this.pump();
  }

  private open(appeared: boolean): void {
    const id = identityOf(this.path);
    if (id === null) {
      if (!appeared) this.log(`${this.path}: not there yet; waiting for it`);
      return;
    }
    const r = this.restored;
    this.restored = null;
    let start: number | 'end' = appeared || this.options.fromBeginning ? 0 : 'end';
    if (r !== null) {
      const plan = planResume(this.path, id.ino, r);
      if (plan.note !== null) this.log(`${this.path}: ${plan.note}`);
      if (plan.old !== null) this.adopt(plan.old, r.offset, this.options.rotateWaitMs);
      start = plan.start;
    }
    this.current = this.openReader(this.path, start);
    if (this.current === null) return;
    this.progress.note(this.sender.handed, this.current);
    this.log(`${this.path}: following as type ${this.type} from byte ${this.current.readPos} (inode ${this.current.ino})`);
  }

  private openReader(file: string, start: number | 'end'): FileReader | null {
    return FileReader.openPath(file, start, this.type, this.sender, this.options, this.counts);
  }

  /** Reads the rest of a file that left the path (renamed, or a copytruncate copy) before the path's file. */
  private adopt(old: OldStream, from: number, waitMs: number): void {
    const reader = new FileReader(old.fd, old.ino, old.path, from, this.type, this.sender, this.options, this.counts);
    this.retired.push({ reader, waitMs });
    this.log(`${this.path}: reading the rest of ${old.path} (inode ${old.ino}) from byte ${from} first`);
  }

  /** Reads whatever is due, then lets node-tail watch; see the phases above. */
  pump(): void {
    if (this.phase === 'stopped' || this.phase === 'paused') return;
    this.stopTail();
    this.phase = 'reading';
    try {
      for (let guard = 0; guard < 8; guard++) {
        if (!this.drainRetired()) return this.pause();
        const cur = this.current;
        if (cur === null) {
          this.phase = 'waiting';
          return;
        }
        if (this.switched(cur)) continue;
        if (cur.readAvailable() === 'blocked') return this.pause();
        if (this.startTail(cur)) return;
      }
    } catch (err) {
      this.trouble(err);
    } finally {
      this.mark();
    }
  }

  /** Notices a rotation or truncation of the current file and moves on; true when it did. */
  private switched(cur: FileReader): boolean {
    const id = identityOf(this.path);
    if (id !== null && id.ino === cur.ino) {
      // Still the bytes we read before our position: nothing happened.
      if (cur.size() >= cur.readPos && fingerprintAt(cur.fd, cur.readPos) === cur.recent.fingerprint()) return false;
      // Truncated (and perhaps rewritten) in place, copytruncate: what we had not read yet may be in the copy.
      const copy = cur.readPos > 0 ? findOldStream(this.path, null, cur.readPos, cur.recent.fingerprint(), cur.ino) : null;
      if (copy !== null) this.adopt(copy, cur.committed, 0);
      else cur.flushPartial();
      this.log(`${this.path}: truncated (was read to byte ${cur.readPos}); reading it again from the start`);
      cur.close();
      this.current = this.openReader(this.path, 0);
    } else {
      cur.lastGrowth = Date.now(); // the writer may not have reopened yet: give it rotateWaitMs from now
      this.retired.push({ reader: cur, waitMs: this.options.rotateWaitMs });
      this.log(`${this.path}: ${id === null ? 'moved away or removed' : 'replaced'}; finishing the old file (inode ${cur.ino}) first`);
      this.current = id === null ? null : this.openReader(this.path, 0);
    }
    if (this.current !== null) {
      this.progress.note(this.sender.handed, this.current);
      this.log(`${this.path}: following the new file (inode ${this.current.ino}) from byte 0`);
    }
    return true;
  }

  /** Reads the files that left the path, oldest first; false when the sender is full. */
  private drainRetired(): boolean {
    for (let i = 0; i < this.retired.length; i++) {
      const { reader, waitMs } = this.retired[i];
      if (reader.readAvailable() === 'blocked') return false;
      if (Date.now() - reader.lastGrowth >= waitMs) {
        if (!reader.flushPartial()) return false;
        reader.close();
        this.retired.splice(i--, 1);
      }
    }
    return true;
  }

  private startTail(cur: FileReader): boolean {
    let tail: TailWatch;
    try {
      tail = new TailWatch(this.path, (chunk, at) => this.onChunk(tail, chunk, at));
    } catch (err) {
      // Without inotify (limits, odd file systems) the ticks still read the file, just later.
      this.trouble(err);
      return true;
    }
    this.tail = tail;
    const id = identityOf(this.path);
    if (id === null || id.ino !== cur.ino || tail.startedAt < cur.readPos) {
      this.stopTail();
      return false;
    }
    // Appended between our last read and node-tail's start: read it ourselves.
    if (cur.readAvailable(tail.startedAt) === 'blocked') {
      this.pause();
      return true;
    }
    this.phase = 'following';
    return true;
  }

  private onChunk(tail: TailWatch, chunk: Buffer, at: number): void {
    if (tail !== this.tail) return;
    const cur = this.current!;
    try {
      const id = identityOf(this.path);
      const appended =
        at === cur.readPos && tail.healthy && id !== null && id.ino === cur.ino && cur.size() >= at + chunk.length &&
        fingerprintAt(cur.fd, at) === cur.recent.fingerprint();
      if (!appended) return this.pump(); // not a plain append to the file we read: read it ourselves
      if (this.retired.length > 0 && !this.drainRetired()) return this.pause();
      if (!cur.consume(chunk, at)) return this.pause();
      this.mark();
    } catch (err) {
      this.trouble(err);
      this.pump();
    }
  }

  /** Every tick (250 ms): files appearing, rotations node-tail did not report, old files to close. */
  tick(): void {
    if (this.phase === 'stopped' || this.phase === 'paused') return;
    try {
      if (this.current === null) {
        if (this.retired.length > 0 && !this.drainRetired()) return this.pause();
        this.open(true);
        if (this.current !== null) this.pump();
        return this.mark();
      }
      const tail = this.tail;
      if (tail === null) return this.pump();
      const cur = this.current;
      const id = identityOf(this.path);
      const size = cur.size();
      // A watch that stopped, a rotation, a truncation, or bytes not delivered for a whole tick.
      const stalled = size > cur.readPos && this.stallAt === cur.readPos;
      this.stallAt = size > cur.readPos ? cur.readPos : -1;
      const rewritten = size < cur.readPos || fingerprintAt(cur.fd, cur.readPos) !== cur.recent.fingerprint();
      if (!tail.healthy || id === null || id.ino !== cur.ino || rewritten || stalled) return this.pump();
      if (this.retired.length > 0) {
        if (!this.drainRetired()) return this.pause();
        this.mark();
      }
    } catch (err) {
      this.trouble(err);
    }
  }

  private pause(): void {
    this.stopTail();
    this.current?.rewind();
    this.phase = 'paused';
    this.mark();
    this.sender.whenRoom(this.resume);
  }

  private stopTail(): void {
    this.tail?.stop();
    this.tail = null;
  }

  private trouble(err: unknown): void {
    const message = `${this.path}: ${(err as Error)?.message ?? err}`;
    if (message !== this.lastTrouble) this.log(`${message}; trying again`);
    this.lastTrouble = message;
  }

  /** Notes how far lines were handed on, to be saved once the sender has delivered them. */
  private mark(): void {
    if (this.current !== null) this.progress.note(this.sender.handed, this.current);
  }

  /** The furthest position whose lines have all been delivered (`delivered` events so far). */
  position(delivered: number): Position | null {
    return this.progress.position(delivered);
  }

  /** Stops reading; with `flushPartial`, hands on a last line that has no newline yet. */
  stop(flushPartial: boolean): void {
    if (this.phase === 'stopped') return;
    this.stopTail();
    if (flushPartial && this.current !== null) {
      for (const r of this.retired) r.reader.flushPartial();
      this.current.flushPartial();
      this.mark();
    }
    this.phase = 'stopped';
  }

  /** For SIGUSR1: what is being read, and how far. */
  describe(): { inode: string | null; offset: number; size: number | null; retired: number } {
    const cur = this.current;
    let size: number | null = null;
    try {
      size = cur?.size() ?? null;
    } catch {
      // the descriptor failed: no size to show
    }
    return { inode: cur?.ino ?? null, offset: cur?.committed ?? 0, size, retired: this.retired.length };
  }
}
