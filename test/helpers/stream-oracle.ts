/**
 * A model of what reaches oxd's stream port (XPUB) from XSUB peers sending
 * single-frame messages, and so of what oxd should count. libzmq's XSUB passes
 * every subscribe (first byte 1) on, an unsubscribe (first byte 0) only when
 * its own count for that prefix drops to zero, and anything else (empty, or
 * another first byte) as it is; XPUB tells oxd of a prefix when the first peer
 * takes it and when the last one lets go. So oxd should hold the prefixes some
 * peer still counts above zero, and count every other message as ignored.
 */
export class SubscriptionModel {
  /** Per peer, its subscribe count per prefix (latin1). */
  private readonly counts: Array<Map<string, number>> = [];
  /** Messages that are neither a subscribe nor an unsubscribe. */
  ignored = 0;
  subscribes = 0;
  unsubscribes = 0;

  /** Records one message sent by peer `peer`. */
  send(peer: number, msg: Buffer): void {
    while (this.counts.length <= peer) this.counts.push(new Map());
    const counts = this.counts[peer];
    if (msg.length === 0 || msg[0] > 1) {
      this.ignored++;
      return;
    }
    const key = msg.toString('latin1', 1);
    if (msg[0] === 1) {
      this.subscribes++;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    } else {
      this.unsubscribes++;
      const n = counts.get(key);
      if (n === 1) counts.delete(key);
      else if (n !== undefined) counts.set(key, n - 1);
    }
  }

  /** A peer disconnected: its subscriptions are gone. */
  close(peer: number): void {
    this.counts[peer]?.clear();
  }

  /** The prefixes oxd should hold. */
  prefixes(): Set<string> {
    const out = new Set<string>();
    for (const counts of this.counts) for (const key of counts.keys()) out.add(key);
    return out;
  }

  /** Whether an event of type `type` (bytes as latin1) matches a held prefix. */
  matches(type: string): boolean {
    for (const p of this.prefixes()) if (type.startsWith(p)) return true;
    return false;
  }
}
