/**
 * Reading back what a test oxd wrote, by event type, and waiting for a
 * known number of new events per type.
 */
import * as path from 'node:path';
import { listFiles, readEvents } from './events';
import type { Oxd } from './oxd-process';

/** Every event of exactly `type` in the files `oxd` wrote (daily or hourly names). */
export function eventsOfType(oxd: Oxd, type: string): any[] {
  const name = new RegExp(`^\\d{8}/${type.replace(/\./g, '\\.')}-\\d{8,10}\\.log$`);
  return listFiles(oxd.logPath!)
    .filter((f) => name.test(f))
    .flatMap((f) => readEvents(path.join(oxd.logPath!, f)));
}

/** Events written so far, by type. */
export async function writtenByType(oxd: Oxd): Promise<Record<string, number>> {
  const s = await oxd.control.request({ cmd: 'STATUS' });
  return Object.fromEntries(Object.entries(s.events as Record<string, any>).map(([k, v]) => [k, v.written as number]));
}

/** Waits until exactly `delta` more events of each type than in `before` have been written. */
export async function waitDelivered(oxd: Oxd, before: Record<string, number>, delta: Record<string, number>): Promise<void> {
  await oxd.waitForStatus((s) => Object.entries(delta).every(([type, n]) => (s.events[type]?.written ?? 0) === (before[type] ?? 0) + n));
}
