/**
 * What the upstream remembers of each link: the highest sequence number it
 * took, so that a batch sent again after a lost acknowledgement is dropped.
 * Two figures per link: the highest routed (to drop duplicates at once), and
 * the highest written, as of the last flush: only that one is acknowledged,
 * and kept in the file `links` of the upstream's own spool folder when it
 * has one (replaced atomically before the acknowledgements go out), so an
 * acknowledged batch is known across restarts and an unwritten one is taken
 * again. Without a spool folder it is kept in memory only. At most
 * MAX_LINKS links; the least recently heard from is forgotten first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { syncFolderAsync } from '../spool/spool-state';
import { ROUTED_FILE, RoutedLog } from './routed-log';

export const LINKS_FILE = 'links';
const MAX_LINKS = 10_000;

export class LinkMemory {
  /** Highest routed, per link, in the order links were last heard from. */
  private readonly links = new Map<string, number>();
  /** Highest written (as of the last flush), per link. */
  private readonly durable = new Map<string, number>();
  /** Per link, what an earlier run may have written without acknowledging it (routed-log.ts). */
  private readonly uncertain: Map<string, number>;
  private readonly routed: RoutedLog | null;
  private dirty = false;
  /** Why the file could not be read or written, if it could not. */
  problem: string | null = null;

  constructor(private readonly dir: string | null) {
    this.routed = dir === null ? null : new RoutedLog(dir);
    this.uncertain = dir === null ? new Map() : RoutedLog.read(dir);
    if (dir === null) return;
    try {
      const saved = JSON.parse(fs.readFileSync(path.join(dir, LINKS_FILE), 'utf8')) as { links?: Record<string, unknown> };
      for (const [link, seq] of Object.entries(saved.links ?? {})) {
        if (/^[0-9a-f]{32}$/.test(link) && Number.isSafeInteger(seq)) {
          this.links.set(link, seq as number);
          this.durable.set(link, seq as number);
        }
      }
    } catch (err) {
      // None yet, or damaged: batches sent again once are then taken again, which is all it costs.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.problem = `${LINKS_FILE}: ${(err as Error).message}`;
    }
  }

  get size(): number {
    return this.links.size;
  }

  knows(link: string): boolean {
    return this.links.has(link);
  }

  /** Whether an event of `link` numbered `seq`, not yet acknowledged, may be in the files already (an earlier run routed it). */
  maybeWritten(link: string, seq: number): boolean {
    return seq <= (this.uncertain.get(link) ?? 0);
  }

  /** Events of `link` up to `seq` are about to be routed: noted first (routed-log.ts). */
  routing(link: string, seq: number): void {
    try {
      this.routed?.note(link, seq);
    } catch (err) {
      this.problem = `${ROUTED_FILE}: ${(err as Error).message}`;
    }
  }

  /** The highest sequence number routed from `link` (0: none). */
  highest(link: string): number {
    return this.links.get(link) ?? 0;
  }

  /** The highest sequence number of `link` written as of the last `commit`: what may be acknowledged. */
  written(link: string): number {
    return this.durable.get(link) ?? 0;
  }

  took(link: string, seq: number): void {
    // Re-inserted, so the map's order is the order links were last heard from.
    this.links.delete(link);
    this.links.set(link, seq);
    if (this.links.size > MAX_LINKS) {
      const oldest = this.links.keys().next().value as string;
      this.links.delete(oldest);
      this.durable.delete(oldest);
    }
  }

  /** The highest routed per link now, before a flush; `commit` it once the flush is done. */
  snapshot(): Map<string, number> {
    const changed = new Map<string, number>();
    for (const [link, seq] of this.links) if (this.durable.get(link) !== seq) changed.set(link, seq);
    return changed;
  }

  /** What `snapshot` took is written: it may be acknowledged, and is kept in the file (on libuv's thread pool). */
  async commit(snapshot: Map<string, number>): Promise<void> {
    for (const [link, seq] of snapshot) if (this.links.has(link)) this.durable.set(link, seq);
    if (snapshot.size > 0) this.dirty = true;
    await this.save();
  }

  /** Writes the file when something changed; a failure is kept in `problem` and tried again next time. */
  private async save(): Promise<void> {
    if (this.dir === null || !this.dirty) return;
    const file = path.join(this.dir, LINKS_FILE);
    this.dirty = false;
    try {
      await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o750 });
      await fs.promises.writeFile(`${file}.new`, `${JSON.stringify({ version: 1, links: Object.fromEntries(this.durable) })}\n`, { mode: 0o640 });
      await fs.promises.rename(`${file}.new`, file);
      await syncFolderAsync(this.dir);
      this.problem = null;
      // Only what is routed and not yet written need stay in the note.
      this.routed?.compact(new Map([...this.links].filter(([link, seq]) => seq > (this.durable.get(link) ?? 0))));
    } catch (err) {
      this.dirty = true;
      this.problem = `${LINKS_FILE}: ${(err as Error).message}`;
    }
  }
}
