/**
 * Cuts bytes into lines, keeping exact byte offsets so that a position in a
 * file can be saved and resumed.
 *
 * A line is what precedes "\n"; its text is decoded as UTF-8 with trailing
 * whitespace (spaces, tabs, "\r", "\v", "\f") removed, as the original
 * oxingest stripped it. A line longer than `maxLineBytes` is split into
 * pieces of at most that many bytes, cut at a UTF-8 character boundary (or,
 * with `truncate`, only its first piece is kept and the rest skipped up to
 * the newline). Bytes after the last newline are held until the line is
 * completed, or until `flush()`.
 *
 * `feed` hands each line to `emit` with the offset just past its bytes;
 * when `emit` returns false the splitter stops and the caller is expected
 * to `reset()` and feed again from the last accepted offset later.
 */

const NL = 0x0a;

export interface SplitCounts {
  /** Long lines cut into pieces. */
  split: number;
  /** Long lines cut short. */
  truncated: number;
}

/** Returns false to stop (no room); `end` is the offset just past the line's bytes. */
export type LineSink = (text: string, end: number) => boolean;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c || c === NL;
}

/** `buf[start, end)` as text, without trailing whitespace. */
export function lineText(buf: Buffer, start: number, end: number): string {
  while (end > start && isSpace(buf[end - 1])) end--;
  return end > start ? buf.toString('utf8', start, end) : '';
}

/** The largest cut ≤ `start + max` that does not split a UTF-8 sequence. */
function utf8Cut(buf: Buffer, start: number, max: number): number {
  let cut = start + max;
  // Back up over at most 3 continuation bytes (10xxxxxx) to the start of a character.
  for (let k = 0; k < 3 && cut > start && (buf[cut] & 0xc0) === 0x80; k++) cut--;
  return cut > start ? cut : start + max;
}

export class LineSplitter {
  /** Bytes of the line in progress (not yet ended by a newline). */
  private held: Buffer = Buffer.alloc(0);
  /** File offset where `held` starts. */
  private heldAt = 0;
  /** Truncating: the rest of the current line is being skipped (its head is `held`). */
  private skipping = false;
  /** Splitting: `held` continues a line whose first piece was already emitted. */
  private continuing = false;
  /** File offset just past the last byte fed. */
  private fedEnd = 0;

  constructor(
    readonly maxLineBytes: number,
    readonly truncate: boolean,
    /** Counters to add to (shared by the readers of one followed path). */
    readonly counts: SplitCounts = { split: 0, truncated: 0 },
  ) {}

  /** Bytes held back (an incomplete last line). */
  get pending(): number {
    return this.held.length;
  }

  /** Forgets the line in progress (the caller will feed its bytes again). */
  reset(): void {
    this.held = Buffer.alloc(0);
    this.skipping = false;
    this.continuing = false;
  }

  /**
   * Feeds `chunk`, whose first byte is at file offset `at`. Returns false
   * when `emit` refused a line (the splitter's state is then undefined
   * until `reset()`).
   */
  feed(chunk: Buffer, at: number, emit: LineSink): boolean {
    this.fedEnd = at + chunk.length;
    let buf = chunk;
    let base = at;
    if (this.held.length > 0) {
      if (this.skipping) {
        // Only the newline matters; the head of the line is kept in `held`.
        const nl = chunk.indexOf(NL);
        if (nl < 0) return true;
        this.skipping = false;
        const head = this.held;
        this.held = Buffer.alloc(0);
        this.counts.truncated++;
        if (!emit(lineText(head, 0, head.length), at + nl + 1)) return false;
        buf = chunk.subarray(nl + 1);
        base = at + nl + 1;
      } else {
        buf = Buffer.concat([this.held, chunk]);
        base = this.heldAt;
        this.held = Buffer.alloc(0);
      }
    }
    return this.scan(buf, base, emit);
  }

  private scan(buf: Buffer, base: number, emit: LineSink): boolean {
    const max = this.maxLineBytes;
    let start = 0;
    let piece = this.continuing; // the bytes at `start` continue a line that was split
    this.continuing = false;
    while (start < buf.length) {
      const nl = buf.indexOf(NL, start);
      const lineEnd = nl < 0 ? buf.length : nl;
      if (lineEnd - start > max) {
        if (this.truncate) {
          const cut = utf8Cut(buf, start, max);
          if (nl < 0) {
            this.held = Buffer.from(buf.subarray(start, cut));
            this.heldAt = base + start;
            this.skipping = true;
            return true;
          }
          this.counts.truncated++;
          if (!emit(lineText(buf, start, cut), base + nl + 1)) return false;
          start = nl + 1;
          continue;
        }
        const cut = utf8Cut(buf, start, max);
        if (!piece) this.counts.split++;
        // A piece in the middle keeps its bytes as they are.
        if (!emit(buf.toString('utf8', start, cut), base + cut)) return false;
        start = cut;
        piece = true;
        continue;
      }
      if (nl < 0) {
        this.held = Buffer.from(buf.subarray(start));
        this.heldAt = base + start;
        this.continuing = piece;
        return true;
      }
      const text = lineText(buf, start, nl);
      // The last piece of a split line: nothing but whitespace left is not an event of its own.
      if (!(piece && text === '') && !emit(text, base + nl + 1)) return false;
      start = nl + 1;
      piece = false;
    }
    return true;
  }

  /**
   * Emits the line in progress as if it were complete (end of input, or a
   * file that will not grow any more). Returns false if `emit` refused it.
   */
  flush(emit: LineSink): boolean {
    if (this.held.length === 0) return true;
    const head = this.held;
    const end = this.fedEnd;
    const piece = this.continuing;
    if (this.skipping) this.counts.truncated++;
    this.reset();
    const text = lineText(head, 0, head.length);
    if (piece && text === '') return true;
    return emit(text, end);
  }
}
