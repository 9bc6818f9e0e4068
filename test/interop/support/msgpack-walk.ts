/**
 * A msgpack reader that keeps the wire format: every value with its type tag
 * (first byte) and byte range. The interop tests use it to prove which tags a
 * reply uses (Python 2 msgpack cannot read str8 0xd9 or bin 0xc4-0xc6), to
 * compare the shape of replies, and to split a log file into its body frames.
 * A byte search would not do: float64 payloads may contain any byte.
 */

export type Kind = 'nil' | 'bool' | 'int' | 'float' | 'raw' | 'bin' | 'ext' | 'array' | 'map';

export interface MpNode {
  tag: number;
  kind: Kind;
  start: number;
  end: number;
  /** raw/bin payload. */
  bytes?: Buffer;
  items?: MpNode[];
  entries?: [MpNode, MpNode][];
}

/** The name of a tag's format family: the unit in which shapes are compared. */
export function family(tag: number): string {
  if (tag <= 0x7f) return 'fixint';
  if (tag <= 0x8f) return 'fixmap';
  if (tag <= 0x9f) return 'fixarray';
  if (tag <= 0xbf) return 'fixraw';
  if (tag >= 0xe0) return 'negfixint';
  const names: Record<number, string> = {
    0xc0: 'nil', 0xc2: 'false', 0xc3: 'true', 0xc4: 'bin8', 0xc5: 'bin16', 0xc6: 'bin32',
    0xc7: 'ext8', 0xc8: 'ext16', 0xc9: 'ext32', 0xca: 'float32', 0xcb: 'float64',
    0xcc: 'uint8', 0xcd: 'uint16', 0xce: 'uint32', 0xcf: 'uint64',
    0xd0: 'int8', 0xd1: 'int16', 0xd2: 'int32', 0xd3: 'int64',
    0xd4: 'fixext1', 0xd5: 'fixext2', 0xd6: 'fixext4', 0xd7: 'fixext8', 0xd8: 'fixext16',
    0xd9: 'str8', 0xda: 'raw16', 0xdb: 'raw32', 0xdc: 'array16', 0xdd: 'array32', 0xde: 'map16', 0xdf: 'map32',
  };
  const name = names[tag];
  if (name === undefined) throw new Error(`0x${tag.toString(16)} is not a msgpack type tag`);
  return name;
}

/** Parses the value at `pos`; throws on truncated or invalid input. */
export function parseAt(buf: Buffer, pos: number): MpNode {
  const need = (n: number): void => {
    if (pos + n > buf.length) throw new Error(`msgpack value at ${pos} runs past the end`);
  };
  need(1);
  const start = pos;
  const tag = buf[pos++];
  const node = (kind: Kind, end: number, extra: Partial<MpNode> = {}): MpNode => ({ tag, kind, start, end, ...extra });
  const payload = (kind: 'raw' | 'bin' | 'ext', lenBytes: number, extBytes = 0): MpNode => {
    need(lenBytes);
    const n = lenBytes === 0 ? 0 : buf.readUIntBE(pos, lenBytes);
    pos += lenBytes + extBytes;
    need(n);
    return node(kind, pos + n, { bytes: buf.subarray(pos, pos + n) });
  };
  const containers = (count: number, pairs: boolean): MpNode => {
    const items: MpNode[] = [];
    for (let i = 0; i < count * (pairs ? 2 : 1); i++) {
      const child = parseAt(buf, pos);
      items.push(child);
      pos = child.end;
    }
    if (!pairs) return node('array', pos, { items });
    const entries: [MpNode, MpNode][] = [];
    for (let i = 0; i < items.length; i += 2) entries.push([items[i], items[i + 1]]);
    return node('map', pos, { entries });
  };
  const fixed = (kind: Kind, n: number): MpNode => {
    need(n);
    return node(kind, pos + n);
  };
  if (tag <= 0x7f || tag >= 0xe0) return node('int', pos);
  if (tag <= 0x8f) return containers(tag & 0x0f, true);
  if (tag <= 0x9f) return containers(tag & 0x0f, false);
  if (tag <= 0xbf) {
    const n = tag & 0x1f;
    need(n);
    return node('raw', pos + n, { bytes: buf.subarray(pos, pos + n) });
  }
  switch (tag) {
    case 0xc0: return node('nil', pos);
    case 0xc2: case 0xc3: return node('bool', pos);
    case 0xc4: return payload('bin', 1);
    case 0xc5: return payload('bin', 2);
    case 0xc6: return payload('bin', 4);
    case 0xc7: return payload('ext', 1, 1);
    case 0xc8: return payload('ext', 2, 1);
    case 0xc9: return payload('ext', 4, 1);
    case 0xca: return fixed('float', 4);
    case 0xcb: return fixed('float', 8);
    case 0xcc: case 0xd0: return fixed('int', 1);
    case 0xcd: case 0xd1: return fixed('int', 2);
    case 0xce: case 0xd2: return fixed('int', 4);
    case 0xcf: case 0xd3: return fixed('int', 8);
    case 0xd4: return fixed('ext', 2);
    case 0xd5: return fixed('ext', 3);
    case 0xd6: return fixed('ext', 5);
    case 0xd7: return fixed('ext', 9);
    case 0xd8: return fixed('ext', 17);
    case 0xd9: return payload('raw', 1);
    case 0xda: return payload('raw', 2);
    case 0xdb: return payload('raw', 4);
    case 0xdc: need(2); pos += 2; return containers(buf.readUInt16BE(pos - 2), false);
    case 0xdd: need(4); pos += 4; return containers(buf.readUInt32BE(pos - 4), false);
    case 0xde: need(2); pos += 2; return containers(buf.readUInt16BE(pos - 2), true);
    case 0xdf: need(4); pos += 4; return containers(buf.readUInt32BE(pos - 4), true);
    default: throw new Error(`0x${tag.toString(16)} at ${start} is not a msgpack type tag`);
  }
}

/** Parses exactly one value filling the whole buffer. */
export function parseOne(buf: Buffer): MpNode {
  const n = parseAt(buf, 0);
  if (n.end !== buf.length) throw new Error(`${buf.length - n.end} bytes after the msgpack value`);
  return n;
}

/** Splits a concatenation of msgpack values (a log file) into the bytes of each. */
export function splitValues(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < buf.length; ) {
    const n = parseAt(buf, pos);
    out.push(buf.subarray(pos, n.end));
    pos = n.end;
  }
  return out;
}

/** Every type tag used anywhere in the value (map keys included). */
export function tagsOf(node: MpNode, into = new Set<number>()): Set<number> {
  into.add(node.tag);
  for (const c of node.items ?? []) tagsOf(c, into);
  for (const [k, v] of node.entries ?? []) {
    tagsOf(k, into);
    tagsOf(v, into);
  }
  return into;
}

/** Tags that a Python 2 era msgpack (no str8, no bin) cannot read. */
export function unreadableByPython2(tags: Set<number>): number[] {
  return [...tags].filter((t) => t === 0xd9 || (t >= 0xc4 && t <= 0xc6)).sort();
}

/** The value of a raw-string key in a map node. */
export function field(map: MpNode, key: string): MpNode | undefined {
  if (map.kind !== 'map') throw new Error(`not a map: ${family(map.tag)}`);
  return map.entries!.find(([k]) => k.kind === 'raw' && k.bytes!.toString('utf8') === key)?.[1];
}

export function keysOf(map: MpNode): string[] {
  if (map.kind !== 'map') throw new Error(`not a map: ${family(map.tag)}`);
  return map.entries!.map(([k]) => (k.kind === 'raw' ? k.bytes!.toString('utf8') : `<${family(k.tag)}>`));
}

/** The structure without the values: format families, and map keys with their shapes. */
export function shape(node: MpNode): unknown {
  if (node.kind === 'map') return { [family(node.tag)]: node.entries!.map(([k, v]) => [shape(k), keyText(k), shape(v)]) };
  if (node.kind === 'array') return { [family(node.tag)]: node.items!.map(shape) };
  return family(node.tag);
}

function keyText(k: MpNode): string {
  return k.kind === 'raw' ? k.bytes!.toString('utf8') : '';
}
