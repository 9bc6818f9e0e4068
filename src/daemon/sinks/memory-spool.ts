/**
 * A bounded FIFO in memory, in front of a sink that can fall behind (the
 * forwarder while the next oxd is away). Bounded by bytes, not entries, since
 * that is what runs a host out of memory. Items live in fixed-size blocks so
 * that neither push nor shift ever moves the whole queue.
 */

const BLOCK = 4096;

export class MemorySpool<T> {
  private blocks: T[][] = [[]];
  private head = 0;
  private count = 0;
  private size = 0;

  constructor(readonly maxBytes: number) {}

  get length(): number {
    return this.count;
  }

  get bytes(): number {
    return this.size;
  }

  /** Adds `item`; false (and nothing kept) when it would exceed the limit. */
  push(item: T, bytes: number): boolean {
    if (this.size + bytes > this.maxBytes) return false;
    let tail = this.blocks[this.blocks.length - 1];
    if (tail.length === BLOCK) {
      tail = [];
      this.blocks.push(tail);
    }
    tail.push(item);
    this.count++;
    this.size += bytes;
    return true;
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.blocks[0][this.head];
  }

  /** Removes the oldest item; `bytes` must be what was given to push. */
  shift(bytes: number): T | undefined {
    if (this.count === 0) return undefined;
    const block = this.blocks[0];
    const item = block[this.head];
    (block as (T | undefined)[])[this.head] = undefined;
    this.head++;
    this.count--;
    this.size -= bytes;
    if (this.head === block.length && (this.blocks.length > 1 || this.head === BLOCK)) {
      this.blocks.shift();
      if (this.blocks.length === 0) this.blocks.push([]);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.blocks = [[]];
    this.head = 0;
    this.count = 0;
    this.size = 0;
  }
}
