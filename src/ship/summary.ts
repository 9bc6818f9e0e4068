/**
 * The line oxstash ends with, and its exit status. Every event read is
 * accounted for once: left out by the type filter, indexed, rejected (by
 * Elasticsearch, or unusable as a document) or not delivered.
 */
import { EXIT_FAILURE, EXIT_OK } from '../config/command-line';
import type { ShipStats } from './shipper';

export interface RunOutcome {
  read: number;
  filtered: number;
  stats: ShipStats;
  seconds: number;
  /** A file could not be read, or not all of it. */
  readFailed: boolean;
  /** Shipping files or standard input stopped before the end of the input. */
  cutShort: boolean;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function summaryLine(o: RunOutcome): string {
  const s = o.stats;
  const parts = [plural(o.read, 'event') + ' read'];
  if (o.filtered) parts.push(`${o.filtered} left out by --type-name`);
  parts.push(`${s.sent} sent`, `${s.indexed} indexed${s.replaced ? ` (${s.replaced} replaced the same event shipped before)` : ''}`);
  const by = [...s.rejectedBy].map(([type, n]) => `${type} ${n}`).join(', ');
  parts.push(`${s.rejected} rejected${by ? ` (${by})` : ''}`);
  parts.push(`${s.undelivered} not delivered`, plural(s.retries, 'retry', 'retries'));
  const rate = o.seconds > 0 ? Math.round(s.indexed / o.seconds) : 0;
  return `oxstash: ${parts.join(', ')} in ${o.seconds.toFixed(1)} s (${rate} indexed/s)`;
}

export function exitStatus(o: RunOutcome): number {
  return o.stats.rejected || o.stats.undelivered || o.readFailed || o.cutShort ? EXIT_FAILURE : EXIT_OK;
}
