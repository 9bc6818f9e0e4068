/**
 * node-tail, used for what it does well: watching one file (inotify through
 * fs.watch) and reading what is appended to it, from the size the file had
 * when the watch started. Chunks come as latin1 text (one character per
 * byte), turned back into the exact bytes, each with the file offset it
 * starts at.
 *
 * What node-tail does not do is left to the caller, which checks every
 * chunk against its own descriptor: node-tail reads by path (after a
 * rotation that is another file), moves its cursor to the new size when a
 * file shrinks, and after a rename re-watches the path a second later.
 * `healthy` turns false when node-tail noticed either (it stopped watching,
 * or its cursor went backwards); the caller then stops it and reads for
 * itself.
 */
import { Tail } from 'tail';

export type ChunkHandler = (chunk: Buffer, at: number) => void;

export class TailWatch {
  private tail: Tail | null;
  /** The file offset of the next byte node-tail will emit. */
  private next: number;
  private highestCursor: number;
  private healthyFlag = true;
  /** Where node-tail started: the file's size when the watch began. */
  readonly startedAt: number;

  /** Starts watching `file` at its current size; throws when it cannot (ENOENT, inotify limits). */
  constructor(file: string, onChunk: ChunkHandler) {
    const tail = new Tail(file, { separator: null, encoding: 'latin1', fromBeginning: false, follow: false });
    this.tail = tail;
    this.next = tail.currentCursorPos;
    this.highestCursor = tail.currentCursorPos;
    this.startedAt = tail.currentCursorPos;
    // node-tail reports trouble as 'error' events: without a listener they would throw.
    tail.on('error', () => {
      this.healthyFlag = false;
    });
    tail.watcher?.on('error', () => {
      this.healthyFlag = false;
    });
    tail.on('line', (text: string) => {
      if (this.tail !== tail) return; // a read that was under way when we stopped
      const chunk = Buffer.from(text, 'latin1');
      const at = this.next;
      this.next += chunk.length;
      onChunk(chunk, at);
    });
  }

  /** False once node-tail stopped watching or rewound its cursor (rename, truncation). */
  get healthy(): boolean {
    const tail = this.tail;
    if (tail === null || !this.healthyFlag || !tail.isWatching) return false;
    if (tail.currentCursorPos < this.highestCursor) return false;
    this.highestCursor = tail.currentCursorPos;
    return true;
  }

  stop(): void {
    const tail = this.tail;
    if (tail === null) return;
    this.tail = null;
    tail.removeAllListeners('line');
    try {
      tail.unwatch();
    } catch {
      // already unwatched
    }
  }
}
