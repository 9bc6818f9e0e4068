/**
 * Writing `<name>.gz` next to `<name>` so that a crash at any moment leaves
 * either the original alone or the original and a complete archive:
 *
 *   1. compress into `<name>.gz.tmp` (created with O_EXCL), with the
 *      original's mode, owner (when root) and times;
 *   2. fsync it, rename it to `<name>.gz`, fsync the folder.
 *
 * The caller then compares the archive with the original and only then
 * removes the original (see zip.ts). A `.gz.tmp` is never relied on: the next
 * run (holding the lock) removes any it finds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';

export const TMP_SUFFIX = '.gz.tmp';

/** The temporary file being written right now, for signal handlers to remove. */
let inProgress: string | null = null;

export function temporaryInProgress(): string | null {
  return inProgress;
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.promises.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface GzipResult {
  archive: string;
  /** The original as it was when compression started. */
  original: fs.BigIntStats;
  archiveBytes: number;
}

/**
 * Compresses `file` (the first `size` bytes it had when opened) into
 * `file.gz`, atomically. `onBytes` is told of every chunk read.
 */
export async function gzipFile(file: string, onBytes: (n: number) => void = () => undefined, level = 6): Promise<GzipResult> {
  const archive = `${file}.gz`;
  const tmp = `${file}${TMP_SUFFIX}`;
  const input = await fs.promises.open(file, 'r');
  try {
    const st = await input.stat({ bigint: true });
    const output = await fs.promises.open(tmp, 'wx', Number(st.mode & 0o777n));
    inProgress = tmp;
    try {
      const size = Number(st.size);
      // Streams over the numeric descriptors: a FileHandle's own streams keep it from closing.
      const source: Readable = size > 0
        ? fs.createReadStream('', { fd: input.fd, start: 0, end: size - 1, autoClose: false, highWaterMark: 256 * 1024 })
        : Readable.from([]);
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          onBytes(chunk.length);
          done(null, chunk);
        },
      });
      await pipeline(source, count, zlib.createGzip({ level, chunkSize: 256 * 1024 }), fs.createWriteStream('', { fd: output.fd, autoClose: false }));
      await output.chmod(Number(st.mode & 0o7777n));
      if (process.getuid?.() === 0) await output.chown(Number(st.uid), Number(st.gid)).catch(() => undefined);
      await output.utimes(Number(st.atimeNs) / 1e9, Number(st.mtimeNs) / 1e9);
      await output.sync();
      const archiveBytes = (await output.stat()).size;
      await output.close();
      await fs.promises.rename(tmp, archive);
      inProgress = null;
      await fsyncDir(path.dirname(file));
      return { archive, original: st, archiveBytes };
    } catch (err) {
      await output.close().catch(() => undefined);
      await fs.promises.rm(tmp, { force: true });
      inProgress = null;
      throw err;
    }
  } finally {
    await input.close();
  }
}
