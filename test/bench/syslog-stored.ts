/**
 * What a receiver has stored so far, read from its files as they grow: the
 * sequence numbers of the benchmark's messages (SeqTally) and the line
 * feeds, from the bytes added since the last look only, so polling while a
 * receiver writes costs little. A mark cut by a read is completed by the
 * next: the last bytes that could be the start of one are read again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SEQ_DIGITS, SEQ_MARK, SeqTally } from './syslog-messages';

/** One byte less than a whole mark: a mark starting there was not complete at the last look. */
const CARRY = SEQ_MARK.length + SEQ_DIGITS - 1;
const READ = 4 * 1024 * 1024;

class GrowingFile {
  private offset = 0;
  private carry: Buffer = Buffer.alloc(0);
  lines = 0;

  constructor(readonly file: string) {}

  /** Reads what was added since the last call into `tally`; false when nothing was. */
  readNew(tally: SeqTally): boolean {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return false;
    }
    let grew = false;
    try {
      const buf = Buffer.allocUnsafe(CARRY + READ);
      for (;;) {
        this.carry.copy(buf, 0);
        const n = fs.readSync(fd, buf, this.carry.length, READ, this.offset);
        if (n === 0) break;
        grew = true;
        this.offset += n;
        const end = this.carry.length + n;
        tally.add(buf.subarray(0, end));
        for (let at = buf.indexOf(0x0a, this.carry.length); at >= 0 && at < end; at = buf.indexOf(0x0a, at + 1)) this.lines++;
        this.carry = Buffer.from(buf.subarray(Math.max(0, end - CARRY), end));
      }
    } finally {
      fs.closeSync(fd);
    }
    return grew;
  }
}

/** Every file under `root` (a folder, or one file), as they appear and grow. */
export class StoredTally {
  readonly tally: SeqTally;
  private readonly files = new Map<string, GrowingFile>();

  constructor(
    readonly root: string,
    expected: number,
    /** Which files of a folder hold messages (oxd's `.log` files). */
    private readonly include: (name: string) => boolean = () => true,
  ) {
    this.tally = new SeqTally(expected);
  }

  /** Reads what is new; true when anything was. */
  poll(): boolean {
    for (const file of this.list()) if (!this.files.has(file)) this.files.set(file, new GrowingFile(file));
    let grew = false;
    for (const f of this.files.values()) if (f.readNew(this.tally)) grew = true;
    return grew;
  }

  get lines(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.lines;
    return n;
  }

  get fileNames(): string[] {
    return [...this.files.keys()];
  }

  private list(): string[] {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.root);
    } catch {
      return [];
    }
    if (!stat.isDirectory()) return [this.root];
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (this.include(e.name)) out.push(p);
      }
    };
    walk(this.root);
    return out;
  }
}
