/**
 * When each event handed to the link and not yet acknowledged was spooled,
 * in order: the age of the oldest unacknowledged event, for STATUS, without
 * reading the spool again. Two numbers per event in flight, in a ring that
 * grows with the link's window.
 */
export class UnackedAges {
  private seqs = new Float64Array(1024);
  private times = new Float64Array(1024);
  private head = 0;
  private count = 0;

  add(seq: number, spooledAt: number): void {
    if (this.count === this.seqs.length) this.grow();
    const at = (this.head + this.count) % this.seqs.length;
    this.seqs[at] = seq;
    this.times[at] = spooledAt;
    this.count++;
  }

  /** Events up to `seq` are acknowledged. */
  ackUpTo(seq: number): void {
    while (this.count > 0 && this.seqs[this.head] <= seq) {
      this.head = (this.head + 1) % this.seqs.length;
      this.count--;
    }
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  /** When the oldest event still here was spooled, or null when none is. */
  oldest(): number | null {
    return this.count === 0 ? null : this.times[this.head];
  }

  private grow(): void {
    const n = this.seqs.length;
    const seqs = new Float64Array(2 * n);
    const times = new Float64Array(2 * n);
    for (let i = 0; i < this.count; i++) {
      seqs[i] = this.seqs[(this.head + i) % n];
      times[i] = this.times[(this.head + i) % n];
    }
    this.seqs = seqs;
    this.times = times;
    this.head = 0;
  }
}
