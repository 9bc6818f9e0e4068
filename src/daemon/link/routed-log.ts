/**
 * The upstream's note of what it is about to route, per link: before a
 * batch's events go to the files, the batch's last sequence number is
 * appended to `links.routed` in the spool folder (one write to the page
 * cache, no fsync). The files are written on their own schedule, so after a
 * kill the upstream cannot know whether events past its last acknowledgement
 * reached them; this note bounds those that may have. Events sent again in
 * that range are taken (none is lost) and counted as possible duplicates.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROUTED_FILE = 'links.routed';
const ENTRY = 24; // link id (16 bytes), sequence number (u64)
/** Beyond this size the note is rewritten with only what is still open. */
const COMPACT_BYTES = 1024 * 1024;

export class RoutedLog {
  private fd = -1;
  private bytes = 0;

  constructor(private readonly dir: string) {}

  /** The highest sequence number noted per link, from an earlier run. */
  static read(dir: string): Map<string, number> {
    const out = new Map<string, number>();
    let buf: Buffer;
    try {
      buf = fs.readFileSync(path.join(dir, ROUTED_FILE));
    } catch {
      return out;
    }
    for (let at = 0; at + ENTRY <= buf.length; at += ENTRY) {
      const link = buf.toString('hex', at, at + 16);
      const seq = buf.readUInt32BE(at + 16) * 0x1_0000_0000 + buf.readUInt32BE(at + 20);
      if (seq > (out.get(link) ?? 0)) out.set(link, seq);
    }
    return out;
  }

  /** Events of `link` up to `seq` are about to be routed. */
  note(link: string, seq: number): void {
    if (this.fd < 0) {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o750 });
      this.fd = fs.openSync(path.join(this.dir, ROUTED_FILE), fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o640);
      this.bytes = fs.fstatSync(this.fd).size;
    }
    fs.writeSync(this.fd, entry(link, seq));
    this.bytes += ENTRY;
  }

  /** After an acknowledgement round: when the note is large, it is replaced by the entries still open. */
  compact(open: Map<string, number>): void {
    if (this.bytes < COMPACT_BYTES) return;
    const file = path.join(this.dir, ROUTED_FILE);
    const parts = [...open].map(([link, seq]) => entry(link, seq));
    fs.writeFileSync(`${file}.new`, Buffer.concat(parts), { mode: 0o640 });
    fs.renameSync(`${file}.new`, file);
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

function entry(link: string, seq: number): Buffer {
  const b = Buffer.alloc(ENTRY);
  b.write(link, 0, 16, 'hex');
  b.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), 16);
  b.writeUInt32BE(seq >>> 0, 20);
  return b;
}
