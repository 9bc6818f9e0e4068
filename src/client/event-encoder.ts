/**
 * A closed context as the two frames oxd expects, packed like the original
 * Python client: the 137-byte meta frame and a msgpack body in the raw
 * string family, with the keys in the order the original wrote them.
 */
import * as os from 'node:os';
import { META_HOST_OFFSET, META_TYPE_OFFSET, META_VERSION, PASCAL_FIELD, PASCAL_MAX } from '../protocol/meta';
import { RawPacker } from '../protocol/compat-pack';
import { checkTypeBytes, TYPE_NAME_RULES } from '../protocol/type-name';
import type { Context } from './context';

/** A Pascal-string field of the meta frame, or why the name cannot travel. */
function pascalField(text: string, what: string): Buffer | string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > PASCAL_MAX) return `${what} ${JSON.stringify(text)} is ${bytes.length} bytes; at most ${PASCAL_MAX} fit in the meta frame`;
  const field = Buffer.alloc(PASCAL_FIELD);
  field[0] = bytes.length;
  bytes.copy(field, 1);
  return field;
}

export class EventEncoder {
  readonly hostname: string;
  private readonly hostField: Buffer | string;
  private readonly typeFields = new Map<string, Buffer | string>();
  private readonly packer = new RawPacker(16 * 1024);
  private readonly pid = process.pid;
  /** Events sent with their body dropped because it could not be read. */
  bodyErrors = 0;

  constructor(hostname: string = os.hostname()) {
    this.hostname = hostname;
    this.hostField = pascalField(hostname, 'host name');
  }

  /**
   * The meta-frame field for `type`, or the reason it is refused (too long
   * for the frame, or a name oxd would drop). Decided once per name.
   */
  typeField(type: string): Buffer | string {
    let field = this.typeFields.get(type);
    if (field === undefined) {
      field = pascalField(type, 'type name');
      if (typeof field !== 'string') {
        const problem = checkTypeBytes(field, 1, 1 + field[0]);
        if (problem !== null) field = `type name ${JSON.stringify(type)} would be refused by oxd: ${TYPE_NAME_RULES[problem]}`;
      }
      if (this.typeFields.size < 10_000) this.typeFields.set(type, field);
    }
    return field;
  }

  /** Why this process's events cannot be sent at all, or null. */
  get hostProblem(): string | null {
    return typeof this.hostField === 'string' ? this.hostField : null;
  }

  /** Writes the meta frame into `target` at `offset` (META_SIZE bytes). */
  writeMeta(target: Buffer, offset: number, end: number, typeField: Buffer): void {
    target[offset] = META_VERSION;
    target.writeDoubleBE(end, offset + 1);
    (this.hostField as Buffer).copy(target, offset + META_HOST_OFFSET);
    typeField.copy(target, offset + META_TYPE_OFFSET);
  }

  /**
   * Packs the body; the view is valid until the next call. A body that
   * cannot be read (a getter or toJSON that throws) is sent as nil, counted.
   */
  body(ctx: Context): Buffer {
    try {
      this.packEvent(ctx, true);
    } catch {
      this.bodyErrors++;
      this.packEvent(ctx, false);
    }
    return this.packer.view();
  }

  private packEvent(ctx: Context, withBody: boolean): void {
    const p = this.packer;
    p.reset();
    p.mapHeader(7);
    p.string('body');
    if (withBody) p.value(ctx.data);
    else p.nil();
    p.string('end');
    p.float(ctx.end);
    p.string('pid');
    p.int(this.pid);
    p.string('start');
    p.float(ctx.start);
    p.string('host');
    p.string(this.hostname);
    p.string('type');
    p.string(ctx.name);
    p.string('id');
    p.string(ctx.id);
  }
}
