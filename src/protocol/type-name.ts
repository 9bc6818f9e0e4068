/**
 * Which event type names oxd accepts.
 *
 * The type becomes part of a file name (`<TYPE>-<DATE>.log`), and it comes
 * from the network: the original took it unchecked, so `a/../../x` wrote
 * outside the log folder. A name is refused when it could name anything but a
 * plain file in the day's folder, or would be awkward for the tools that read
 * the folder (hidden dot-files, control characters in listings).
 */
import { isUtf8 } from 'node:buffer';
import { PASCAL_MAX } from './meta';

export type TypeNameProblem = 'empty' | 'too-long' | 'separator' | 'control' | 'leading-dot' | 'encoding' | 'reserved';

const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const DOT = 0x2e;
const DEL = 0x7f;

/** What each problem means, for log lines and error messages. */
export const TYPE_NAME_RULES: Record<TypeNameProblem, string> = {
  empty: 'the type name is empty',
  'too-long': `the type name is longer than ${PASCAL_MAX} bytes`,
  separator: 'the type name contains "/" or "\\"',
  control: 'the type name contains NUL or another control character',
  'leading-dot': 'the type name starts with "." (".", ".." and hidden names are refused)',
  encoding: 'the type name is not valid UTF-8',
  reserved: 'the type name "__proto__" is refused: JavaScript readers of STATUS cannot take it as a key',
};

const RESERVED = Buffer.from('__proto__');

/** Checks the raw bytes `buf[start, end)`; null when the name is acceptable. */
export function checkTypeBytes(buf: Uint8Array, start: number, end: number): TypeNameProblem | null {
  const length = end - start;
  if (length <= 0) return 'empty';
  if (length > PASCAL_MAX) return 'too-long';
  if (buf[start] === DOT) return 'leading-dot';
  if (length === RESERVED.length && RESERVED.compare(buf, start, end) === 0) return 'reserved';
  let ascii = true;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c < 0x20 || c === DEL) return 'control';
    if (c === SLASH || c === BACKSLASH) return 'separator';
    if (c > DEL) ascii = false;
  }
  if (!ascii) {
    if (!isUtf8(buf.subarray(start, end))) return 'encoding';
    // C1 controls (U+0080..U+009F) are control characters too.
    for (let i = start; i + 1 < end; i++) if (buf[i] === 0xc2 && buf[i + 1] < 0xa0) return 'control';
  }
  return null;
}

export function checkTypeName(name: string): TypeNameProblem | null {
  const bytes = Buffer.from(name, 'utf8');
  return checkTypeBytes(bytes, 0, bytes.length);
}
