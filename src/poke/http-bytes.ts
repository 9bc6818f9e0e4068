/**
 * The byte-level pieces of oxpoke load's response parser
 * (http-response-parser.ts): which bytes a header name may hold, hex digits,
 * and header names and values read into strings that are kept from one
 * answer to the next. An answer's head mostly repeats the last one's; making
 * a new string for each name and value of every answer was a third of the
 * parse, so the strings read last time are compared with the bytes first.
 */
/** Bytes allowed in a header name (RFC 9110 token). */
export const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
/** Each byte in lower case (ASCII letters; the others as they are). */
export const LOWER = new Uint8Array(256);
for (let c = 0; c < 256; c++) LOWER[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
/** Hex digit values, -1 for other bytes. */
export const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 16; c++) HEX[c.toString(16).charCodeAt(0)] = c;
for (let c = 10; c < 16; c++) HEX[c.toString(16).toUpperCase().charCodeAt(0)] = c;

/**
 * Header names in lower case, by a hash of their bytes: answers repeat the same few names, and reading each one
 * into a new string, then lower-casing it, cost a third of the parse. A slot holds the last name that fell in it.
 */
export const NAMES: Array<string | undefined> = new Array(512).fill(undefined);

/** The name b[from, to) in lower case; `slot` is of a hash of its lower-cased bytes, as headerLine computes it. */
export function headerName(b: Buffer, from: number, to: number, slot: number): string {
  const known = NAMES[slot];
  if (known !== undefined && known.length === to - from) {
    let i = 0;
    while (i < known.length && known.charCodeAt(i) === LOWER[b[from + i]]) i++;
    if (i === known.length) return known;
  }
  const name = latin1(b, from, to).toLowerCase();
  NAMES[slot] = name;
  return name;
}

/**
 * The last value read for each slot of NAMES, and the name it was read for: an answer's header values are mostly
 * those of the last answer (Server, Content-Type, Content-Length, Connection), and comparing the bytes with the
 * text read last time costs less than making a new string.
 */
export const VALUES: Array<string | undefined> = new Array(512).fill(undefined);
export const VALUE_NAMES: Array<string | undefined> = new Array(512).fill(undefined);

/** `known` when it is b[from, to) read as Latin-1, else undefined. */
export function sameText(known: string, b: Buffer, from: number, to: number): string | undefined {
  if (known.length !== to - from) return undefined;
  for (let i = 0; i < known.length; i++) if (known.charCodeAt(i) !== b[from + i]) return undefined;
  return known;
}

/** Bytes as Latin-1 text, as Node reads header values; latin1Slice is Buffer's own, without toString's argument checks. */
export function latin1(b: Buffer, from: number, to: number): string {
  return (b as Buffer & { latin1Slice(from: number, to: number): string }).latin1Slice(from, to);
}

/** A line for a message: printable, quoted, cut short. */
export function quote(b: Buffer, from: number, to: number): string {
  const text = b.toString('latin1', from, Math.min(to, from + 64)).replace(/[^\x20-\x7e]/g, '.');
  return `"${text}${to - from > 64 ? '...' : ''}"`;
}
