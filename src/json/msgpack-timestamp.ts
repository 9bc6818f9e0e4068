/**
 * The msgpack timestamp extension (type -1) as ISO 8601 text.
 *
 * The three layouts: 4 bytes (unsigned seconds), 8 bytes (30 bits of
 * nanoseconds, 34 bits of seconds), 12 bytes (unsigned 32-bit nanoseconds,
 * signed 64-bit seconds). The text is UTC with a `Z`, and as many fraction
 * digits as the value needs, in groups of three: `.000` for whole seconds,
 * `.500`, `.500001`, `.500000001`. Exact for the years 0000 to 9999;
 * outside them, or with nanoseconds past 999,999,999, there is no such text
 * and the caller writes the extension as it writes any other.
 */

/** Seconds of 0000-01-01T00:00:00Z and of 10000-01-01T00:00:00Z. */
const FIRST_SECOND = -62_167_219_200;
const PAST_LAST_SECOND = 253_402_300_800;

/** The ISO text of the timestamp in `data[at, at + n)`, or null when there is none. */
export function timestampText(data: Buffer, at: number, n: number): string | null {
  let seconds: number;
  let nanos: number;
  if (n === 4) {
    seconds = data.readUInt32BE(at);
    nanos = 0;
  } else if (n === 8) {
    const hi = data.readUInt32BE(at);
    nanos = hi >>> 2;
    seconds = (hi & 3) * 2 ** 32 + data.readUInt32BE(at + 4);
  } else if (n === 12) {
    nanos = data.readUInt32BE(at);
    const hi = data.readInt32BE(at + 4);
    // Beyond 2^21 high bits the seconds are far outside the years 0000-9999 anyway.
    if (hi < -(2 ** 21) || hi >= 2 ** 21) return null;
    seconds = hi * 2 ** 32 + data.readUInt32BE(at + 8);
  } else {
    return null;
  }
  if (nanos > 999_999_999 || seconds < FIRST_SECOND || seconds >= PAST_LAST_SECOND) return null;
  const whole = new Date(seconds * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  let fraction = String(nanos).padStart(9, '0');
  if (nanos % 1_000_000 === 0) fraction = fraction.slice(0, 3);
  else if (nanos % 1000 === 0) fraction = fraction.slice(0, 6);
  return `${whole.slice(0, 20)}${fraction}Z`;
}
