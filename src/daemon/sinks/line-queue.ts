/**
 * The Graphite sink's queue of lines waiting for carbon: first in, first
 * out, the oldest dropped first, taken in chunks of whole lines. Lines are
 * numbered in the order they were pushed, so that flush() can wait for
 * "everything pushed so far" without holding on to the lines themselves.
 */
export class LineQueue {
  private items: string[] = [];
  private head = 0;
  /** Lines ever pushed: the number the next line gets. */
  pushed = 0;
  /**
   * The number of the oldest line held. After lines were put back in front
   * of a gap left by dropped lines it can run behind the true number, never
   * ahead of it: a flush then waits a little longer, never too little.
   */
  firstSeq = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(line: string): void {
    if (this.length === 0) this.firstSeq = this.pushed;
    this.items.push(line);
    this.pushed++;
  }

  /** Whole lines from the front, about `maxBytes` of them with their newlines (at least one line). */
  take(maxBytes: number): string[] {
    let end = this.head;
    let bytes = 0;
    // UTF-16 length as the size: exact for the ASCII of metric lines, and only a chunk's size otherwise.
    while (end < this.items.length && (end === this.head || bytes + this.items[end].length + 1 <= maxBytes)) {
      bytes += this.items[end].length + 1;
      end++;
    }
    const out = this.items.slice(this.head, end);
    this.advance(end - this.head);
    return out;
  }

  dropOldest(n: number): void {
    this.advance(Math.min(n, this.length));
  }

  /** Puts lines taken earlier (numbered from `firstSeq`) back at the front. */
  unshift(lines: string[], firstSeq: number): void {
    if (lines.length === 0) return;
    this.items = lines.concat(this.items.slice(this.head));
    this.head = 0;
    this.firstSeq = firstSeq;
  }

  private advance(n: number): void {
    this.head += n;
    this.firstSeq += n;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
      this.firstSeq = this.pushed;
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      // Compact once the consumed front is most of the array, so a long outage does not keep it.
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
