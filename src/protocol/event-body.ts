/**
 * Which body frames oxd accepts: exactly one complete msgpack map that a
 * strict reader decodes, nothing before or after it.
 *
 * A log file is body frames back to back, so one body that is anything else
 * (garbage, a cut-off map, two values, trailing bytes, a value Python's
 * `msgpack.Unpacker` raises on) stops every strict reader of the file at that
 * point, the original's oxview among them. The original client always sends
 * a map (`msgpack.packb(context.to_dict())`). The check walks the value's
 * structure without decoding it or allocating, since it runs for every event.
 */
import { INCOMPLETE, INVALID, isMapTag, strictExtent, UNREADABLE } from './msgpack-extent';

export type BodyProblem = 'not-map' | 'incomplete' | 'trailing-bytes' | 'invalid' | 'unreadable';

/** What each problem means, for log lines. */
export const BODY_RULES: Record<BodyProblem, string> = {
  'not-map': 'the body is not a msgpack map',
  incomplete: 'the body map is cut off',
  'trailing-bytes': 'bytes follow the body map',
  invalid: 'the body holds the never-used msgpack tag 0xc1, or containers nested over 512 deep',
  unreadable: 'the body holds a map or array as a map key, or a reserved or malformed extension type',
};

/** Checks the body frame `buf[start, end)`; null when oxd may write it. */
export function checkEventBody(buf: Uint8Array, start: number, end: number): BodyProblem | null {
  if (start >= end) return 'incomplete';
  if (!isMapTag(buf[start])) return 'not-map';
  const extent = strictExtent(buf, start, end);
  if (extent === end) return null;
  if (extent === INCOMPLETE) return 'incomplete';
  if (extent === INVALID) return 'invalid';
  if (extent === UNREADABLE) return 'unreadable';
  return 'trailing-bytes';
}
