/**
 * The compression of the link's batches (doc/link.md): which codec a
 * forwarding oxd uses, given what link_compression asks for, what this
 * Node can do and what the upstream announces it decodes; and each codec's
 * compress and decompress. Node has zstd in node:zlib only from 22.15 (and
 * 23.8): elsewhere zstd is neither sent nor announced, and a batch in zstd
 * is refused as one that does not decompress.
 */
import * as zlib from 'node:zlib';
import type { LinkCompression } from '../../config/link-settings';
import { COMPRESS_NONE, COMPRESS_ZLIB, COMPRESS_ZSTD } from '../../protocol/link/link-header';

export type LinkCodec = LinkCompression;

export interface CodecChoice {
  codec: LinkCodec;
  /** Why this codec: shown in STATUS beside the one asked for. */
  reason: string;
}

/** What this runtime can do, passed in so that the choice stays a pure function. */
export interface LocalCodecs {
  zstd: boolean;
  /** process.version, named in the reason when zstd is missing. */
  node: string;
}

/** The Node versions whose node:zlib has zstd. */
export const ZSTD_NEEDS = 'Node >= 22.15 (or >= 23.8)';

/** The zstd functions of node:zlib, absent from older Nodes and from the type declarations this project builds with. */
interface ZstdFunctions {
  zstdCompressSync?: (buf: Buffer, options: { params: Record<number, number> }) => Buffer;
  zstdDecompressSync?: (buf: Buffer, options: { maxOutputLength: number }) => Buffer;
}

const zstd = zlib as unknown as ZstdFunctions;
/** ZSTD_c_compressionLevel in zstd.h, should node:zlib not name it. */
const ZSTD_LEVEL_PARAM = (zlib.constants as unknown as Record<string, number | undefined>).ZSTD_c_compressionLevel ?? 100;
/** The fastest level, as zlib's level 1: the forwarding oxd spends one core on the collect path too. */
const ZSTD_PARAMS = { [ZSTD_LEVEL_PARAM]: 1 };

export const LOCAL_CODECS: LocalCodecs = {
  zstd: typeof zstd.zstdCompressSync === 'function' && typeof zstd.zstdDecompressSync === 'function',
  node: process.version,
};

/** The codecs this oxd's link decodes, for its collect port's READY (`none` goes without saying). */
export function decodableCodecs(local: LocalCodecs = LOCAL_CODECS): LinkCodec[] {
  return local.zstd ? ['zlib', 'zstd'] : ['zlib'];
}

/** The codecs in an announcement's text; null when there was none (an oxd from before zstd: it decodes zlib). */
export function parseAnnouncedCodecs(text: string | undefined): string[] | null {
  return text === undefined ? null : text.toLowerCase().split(/[\s,]+/).filter((c) => c !== '');
}

/** What happens to link_compression = zstd on a Node without it, or null when nothing does: warned about at start-up. */
export function zstdMissing(asked: LinkCodec, local: LocalCodecs = LOCAL_CODECS): string | null {
  if (asked !== 'zstd' || local.zstd) return null;
  return `link_compression = zstd, but this Node (${local.node}) has no zstd (it needs ${ZSTD_NEEDS}): batches sent over a link are zlib-compressed instead`;
}

/**
 * The codec a forwarding oxd uses: the one asked for when both sides have
 * it, else zlib (every oxd of ours decodes it), else none.
 */
export function chooseLinkCodec(asked: LinkCodec, local: LocalCodecs, announced: readonly string[] | null): CodecChoice {
  const upstream = announced ?? ['zlib'];
  const fallback = (why: string): CodecChoice =>
    upstream.includes('zlib') ? { codec: 'zlib', reason: `${why}: zlib instead` } : { codec: 'none', reason: `${why}, nor zlib: uncompressed` };
  if (asked === 'none') return { codec: 'none', reason: 'link_compression = none' };
  if (asked === 'zstd' && !local.zstd) return fallback(`link_compression = zstd, but this Node (${local.node}) has no zstd (it needs ${ZSTD_NEEDS})`);
  if (!upstream.includes(asked)) {
    if (announced === null) return fallback(`link_compression = ${asked}, but the upstream does not announce the codecs it decodes (an oxd from before zstd)`);
    return fallback(`link_compression = ${asked}, but the upstream decodes only ${announced.length > 0 ? announced.join(' ') : 'none'}${asked === 'zstd' ? ` (its Node has no zstd; it needs ${ZSTD_NEEDS})` : ''}`);
  }
  return { codec: asked, reason: asked === 'zstd' ? 'link_compression = zstd, which the upstream decodes' : `link_compression = ${asked}` };
}

/** The header's compression byte for a codec. */
export function codecByte(codec: LinkCodec): number {
  return codec === 'zlib' ? COMPRESS_ZLIB : codec === 'zstd' ? COMPRESS_ZSTD : COMPRESS_NONE;
}

/** A batch's payload as `codec` sends it. */
export function compressBatch(codec: LinkCodec, raw: Buffer): Buffer {
  if (codec === 'zlib') return zlib.deflateSync(raw, { level: 1 });
  if (codec === 'none') return raw;
  if (zstd.zstdCompressSync === undefined) throw new Error(`this Node (${process.version}) has no zstd (it needs ${ZSTD_NEEDS})`);
  return zstd.zstdCompressSync(raw, { params: ZSTD_PARAMS });
}

/**
 * A batch's payload decompressed from the header's compression byte, at
 * most `rawBytes` + 1 bytes (one more shows a payload longer than stated).
 * Throws with what is wrong, the caller counts the batch as bad.
 */
export function decompressBatch(compression: number, payload: Buffer, rawBytes: number): Buffer {
  if (compression === COMPRESS_ZLIB) return zlib.inflateSync(payload, { maxOutputLength: rawBytes + 1 });
  if (compression === COMPRESS_NONE) return payload;
  if (compression !== COMPRESS_ZSTD) throw new Error(`unknown compression ${compression}`);
  if (zstd.zstdDecompressSync === undefined) throw new Error(`it is zstd, and this Node (${process.version}) has no zstd (it needs ${ZSTD_NEEDS}); this oxd does not announce it`);
  return zstd.zstdDecompressSync(payload, { maxOutputLength: rawBytes + 1 });
}
