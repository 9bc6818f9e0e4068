/**
 * Checking an archive against its original before the original is removed:
 * the archive is decompressed (gzip checks its CRC and length on the way)
 * and compared byte for byte with the original.
 */
import * as fs from 'node:fs';
import { describeError } from '../errors';
import { openLog } from '../store/open-log';

export interface Comparison {
  /**
   * equal: the archive holds exactly the original's bytes;
   * prefix: it holds the start of them (the original grew, or the archive is cut off);
   * differ: anything else.
   */
  verdict: 'equal' | 'prefix' | 'differ';
  /** Decompressed bytes that matched the original. */
  matched: number;
  originalBytes: number;
  /** Why decompression stopped early, if it did. */
  error: string | null;
}

/** Compares the decompressed `archive` (.gz or .bz2) with the first `originalBytes` (default: all) of `original`. */
export async function compareArchive(archive: string, original: string, originalBytes?: number): Promise<Comparison> {
  const fh = await fs.promises.open(original, 'r');
  try {
    const size = originalBytes ?? (await fh.stat()).size;
    let matched = 0;
    let differ = false;
    let error: string | null = null;
    let scratch = Buffer.alloc(256 * 1024);
    const stream = openLog(archive);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (matched + chunk.length > size) {
          differ = true;
          break;
        }
        if (scratch.length < chunk.length) scratch = Buffer.alloc(chunk.length);
        const { bytesRead } = await fh.read(scratch, 0, chunk.length, matched);
        if (bytesRead !== chunk.length || scratch.compare(chunk, 0, chunk.length, 0, chunk.length) !== 0) {
          differ = true;
          break;
        }
        matched += chunk.length;
      }
    } catch (err) {
      error = describeError(err);
    } finally {
      stream.destroy();
    }
    const verdict = differ ? 'differ' : matched === size && error === null ? 'equal' : 'prefix';
    return { verdict, matched, originalBytes: size, error };
  } finally {
    await fh.close();
  }
}
