/**
 * Reusable batch buffers for the file store.
 *
 * At hundreds of megabytes a second, allocating a fresh chunk for every
 * batch means fresh pages to fault in on first write, and garbage for the
 * collector to find before the memory comes back: both show up as CPU per
 * event and as resident memory. Chunks of the standard size are returned here
 * once written and handed out again; the pool keeps at most `maxPooled`.
 */

export class ChunkPool {
  private free: Buffer[] = [];
  allocated = 0;
  reused = 0;

  constructor(
    readonly chunkSize: number,
    private readonly maxPooled: number,
  ) {}

  /** A buffer of at least `size` bytes; standard-size requests may be reused ones. */
  take(size: number): Buffer {
    if (size === this.chunkSize) {
      const buf = this.free.pop();
      if (buf !== undefined) {
        this.reused++;
        return buf;
      }
    }
    this.allocated++;
    // Not from Node's shared pool: these live long and are handed back whole.
    return Buffer.allocUnsafeSlow(size);
  }

  /** Hands a buffer back once nothing refers to its bytes any more. */
  give(buf: Buffer): void {
    if (buf.length === this.chunkSize && this.free.length < this.maxPooled) this.free.push(buf);
  }

  get pooled(): number {
    return this.free.length;
  }
}
