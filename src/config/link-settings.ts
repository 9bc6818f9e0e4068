/**
 * The settings of the link (doc/link.md), the acknowledged connection
 * between oxds: rows of the one settings table (oxd-settings.ts).
 */
import type { Endpoint } from '../protocol/endpoint';
import { integer, optionalEndpoint, optionalPath } from './setting-values';

export const DEFAULT_LINK_PORT = 3516;
export const LINK_COMPRESSION = ['zlib', 'zstd', 'none'] as const;
export type LinkCompression = (typeof LINK_COMPRESSION)[number];

export interface LinkSettings {
  /** Where forwarding oxds' links are taken: 'auto' (the collect host, a free port), an address, or null (none). */
  link: Endpoint | 'auto' | null;
  linkCompression: LinkCompression;
  linkAckTimeoutMs: number;
  linkWindow: number;
  /** This oxd's CURVE key pair file: its link socket's (with linkClients), and its own as a forwarding oxd (with linkServerKey). */
  linkKey: string | null;
  /** The upstream's public key file (.pub): a forwarding oxd's link uses CURVE. */
  linkServerKey: string | null;
  /** A folder of the .pub files of the forwarding oxds allowed on this oxd's link. */
  linkClients: string | null;
}

export const LINK_DEFAULTS: LinkSettings = {
  link: 'auto',
  linkCompression: 'zlib',
  linkAckTimeoutMs: 30_000,
  linkWindow: 20_000,
  linkKey: null,
  linkServerKey: null,
  linkClients: null,
};

interface Row<K extends keyof LinkSettings> {
  key: string;
  field: K;
  allowed: string;
  parse(value: unknown): LinkSettings[K] | undefined;
}

const address = optionalEndpoint(DEFAULT_LINK_PORT);

export const LINK_ROWS: { [K in keyof LinkSettings]: Row<K> } = {
  link: {
    key: 'link',
    field: 'link',
    allowed: `auto (on the collect port's host, a port the system picks, announced through the collect port), host[:port] (default port ${DEFAULT_LINK_PORT}) for acknowledged links from forwarding oxds, or empty for none`,
    parse: (v) => (v === 'auto' ? 'auto' : address(v)),
  },
  linkCompression: {
    key: 'link_compression',
    field: 'linkCompression',
    allowed: "zlib, zstd or none: how a forwarding oxd compresses the batches it sends over the link (zstd where both oxds' Node has it, >= 22.15; zlib otherwise)",
    parse: (v) => ((LINK_COMPRESSION as readonly unknown[]).includes(v) ? (v as LinkCompression) : undefined),
  },
  linkAckTimeoutMs: {
    key: 'link_ack_timeout_ms',
    field: 'linkAckTimeoutMs',
    allowed: 'milliseconds from 500 to 600000 without an acknowledgement after which a forwarding oxd sends its unacknowledged events again',
    parse: integer(500, 600_000),
  },
  linkWindow: {
    key: 'link_window',
    field: 'linkWindow',
    allowed: 'events from 1000 to 1000000 that a forwarding oxd sends over the link before it waits for acknowledgements',
    parse: integer(1000, 1_000_000),
  },
  linkKey: {
    key: 'link_key',
    field: 'linkKey',
    allowed: 'empty (no CURVE) or the key pair file made by oxd --make-link-key: the link socket requires CURVE (with link_clients), and a forwarding oxd uses it on its link (with link_server_key)',
    parse: optionalPath,
  },
  linkServerKey: {
    key: 'link_server_key',
    field: 'linkServerKey',
    allowed: "empty or the upstream's public key file (.pub, made by oxd --make-link-key): this oxd's link uses CURVE (needs link_key)",
    parse: optionalPath,
  },
  linkClients: {
    key: 'link_clients',
    field: 'linkClients',
    allowed: 'empty or a folder of the .pub files of the forwarding oxds allowed on this link (needed with link_key on an oxd that takes links)',
    parse: optionalPath,
  },
};
