/**
 * The settings of the disk spool in front of the forward link: rows of the
 * one settings table (oxd-settings.ts), kept together here.
 */
import { integer } from './setting-values';

/** What a full spool does: hold the senders back, or drop (counted) the oldest segment or the newest events. */
export const WHEN_FULL = ['block', 'drop-oldest', 'drop-newest'] as const;
export type SpoolWhenFull = (typeof WHEN_FULL)[number];

export interface SpoolSettings {
  /** The folder of the disk spool; null: forward from memory (forward_spool_bytes), lost on restart. */
  spoolPath: string | null;
  spoolMaxBytes: number;
  spoolWhenFull: SpoolWhenFull;
  /** fsync of the spool this often; written events are in the page cache at once either way. */
  spoolFsyncMs: number;
}

export const SPOOL_DEFAULTS: SpoolSettings = {
  spoolPath: null,
  spoolMaxBytes: 1024 * 1024 * 1024,
  spoolWhenFull: 'block',
  spoolFsyncMs: 1000,
};

interface Row<K extends keyof SpoolSettings> {
  key: string;
  field: K;
  allowed: string;
  parse(value: unknown): SpoolSettings[K] | undefined;
}

export const SPOOL_ROWS: { [K in keyof SpoolSettings]: Row<K> } = {
  spoolPath: {
    key: 'spool_path',
    field: 'spoolPath',
    allowed: 'empty (events to forward wait in memory and are lost on restart) or the absolute path of a folder for the disk spool',
    parse: (v) => (typeof v !== 'string' ? undefined : v === '' ? null : v.startsWith('/') && !v.includes('\0') ? v : undefined),
  },
  spoolMaxBytes: {
    key: 'spool_max_bytes',
    field: 'spoolMaxBytes',
    allowed: 'a number of bytes from 1048576 to 1099511627776 that the disk spool may hold',
    parse: integer(1024 * 1024, 1024 * 1024 * 1024 * 1024),
  },
  spoolWhenFull: {
    key: 'spool_when_full',
    field: 'spoolWhenFull',
    allowed: `${WHEN_FULL.join(', ')}: when the disk spool is full, stop reading from senders until the upstream takes events, or drop the oldest or the newest events (counted)`,
    parse: (v) => ((WHEN_FULL as readonly unknown[]).includes(v) ? (v as SpoolWhenFull) : undefined),
  },
  spoolFsyncMs: {
    key: 'spool_fsync_ms',
    field: 'spoolFsyncMs',
    allowed: 'milliseconds from 10 to 60000 between fsyncs of the disk spool (events reach the page cache at once; a slow disk gives fewer)',
    parse: integer(10, 60_000),
  },
};
