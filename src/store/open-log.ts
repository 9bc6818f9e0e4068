/**
 * A log file's bytes, whatever its compression: `.log` as it is, `.gz`
 * through zlib, `.bz2` (the original archiver's format) through Debian's
 * bzip2. Decompression errors (a truncated archive) end the stream with an
 * error after everything decodable has been delivered.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { BlueOxError } from '../errors';

export type Compression = 'gz' | 'bz2' | null;

export function compressionOf(file: string): Compression {
  if (file.endsWith('.gz')) return 'gz';
  if (file.endsWith('.bz2')) return 'bz2';
  return null;
}

function bunzip2(input: Readable, file: string): Readable {
  const out = new PassThrough();
  const child = spawn('bzip2', ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.on('error', (err: NodeJS.ErrnoException) => {
    out.destroy(
      err.code === 'ENOENT'
        ? new BlueOxError('ENOBZIP2', `cannot read ${file}: the bzip2 program is missing (apt-get install bzip2)`)
        : err,
    );
  });
  input.on('error', (err) => out.destroy(err));
  input.pipe(child.stdin);
  child.stdin.on('error', () => undefined); // bzip2 may stop reading early on a damaged archive
  child.stdout.pipe(out, { end: false });
  // A reader that stops early (oxview ... | head) must not leave bzip2 running.
  out.once('close', () => {
    if (child.exitCode === null) child.kill();
  });
  child.on('close', (code) => {
    if (code === 0) out.end();
    else out.destroy(new BlueOxError('EBZIP2', `${file}: ${stderr.trim().split('\n').pop() || `bzip2 exited with ${code}`}`));
  });
  return out;
}

/**
 * Standard input has no name to go by: its first bytes say whether it is
 * gzip (1f 8b) or bzip2 ("BZh"), as `zcat -f` would tell.
 */
function sniffed(input: Readable): Readable {
  const out = new PassThrough();
  let decided = false;
  input.once('error', (err) => out.destroy(err));
  input.on('readable', function first() {
    if (decided) return;
    const head: Buffer | null = input.read();
    if (head === null) {
      if (input.readableEnded) out.end();
      return;
    }
    decided = true;
    input.off('readable', first);
    input.unshift(head);
    const kind: Compression = head[0] === 0x1f && head[1] === 0x8b ? 'gz' : head.toString('latin1', 0, 3) === 'BZh' ? 'bz2' : null;
    const decoded = kind === 'gz' ? input.pipe(zlib.createGunzip({ chunkSize: 256 * 1024 })) : kind === 'bz2' ? bunzip2(input, 'standard input') : input;
    decoded.on('error', (err) => out.destroy(err));
    decoded.pipe(out);
  });
  input.once('end', () => {
    if (!decided) out.end();
  });
  return out;
}

/** The decompressed bytes of `file` (`-` for standard input, whose compression is recognised by its first bytes). */
export function openLog(file: string): Readable {
  if (file === '-') return sniffed(process.stdin);
  const input: Readable = fs.createReadStream(file, { highWaterMark: 256 * 1024 });
  switch (compressionOf(file)) {
    case 'gz': {
      const gunzip = zlib.createGunzip({ chunkSize: 256 * 1024 });
      input.on('error', (err) => gunzip.destroy(err));
      return input.pipe(gunzip);
    }
    case 'bz2':
      return bunzip2(input, file);
    default:
      return input;
  }
}
