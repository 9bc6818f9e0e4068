/**
 * Z85 (ZeroMQ RFC 32): four bytes as five printable characters. CURVE keys
 * are written this way (40 characters for 32 bytes) in key files, in
 * socket options and in the link's announcement; the ZAP handler receives
 * a client's key as 32 raw bytes and compares it in this form. Pure: no I/O.
 */

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** Character code -> digit value, -1 for characters outside the alphabet. */
const DIGITS: Int8Array = (() => {
  const d = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) d[ALPHABET.charCodeAt(i)] = i;
  return d;
})();

/** The Z85 text of `bytes`, whose length must be a multiple of 4. */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new RangeError(`Z85 encodes whole groups of 4 bytes, not ${bytes.length}`);
  let out = '';
  for (let at = 0; at < bytes.length; at += 4) {
    // Unsigned 32-bit big-endian value of the group (>>> 0 keeps it positive).
    let value = ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
    const chars: string[] = new Array(5);
    for (let i = 4; i >= 0; i--) {
      chars[i] = ALPHABET[value % 85];
      value = Math.floor(value / 85);
    }
    out += chars.join('');
  }
  return out;
}

/** The bytes of Z85 `text`, or null when it is not Z85 (a length not a multiple of 5, a foreign character, a group past 2^32). */
export function z85Decode(text: string): Buffer | null {
  if (text.length % 5 !== 0) return null;
  const out = Buffer.alloc((text.length / 5) * 4);
  for (let at = 0, o = 0; at < text.length; at += 5, o += 4) {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const code = text.charCodeAt(at + i);
      const digit = code < 128 ? DIGITS[code] : -1;
      if (digit < 0) return null;
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) return null;
    out.writeUInt32BE(value, o);
  }
  return out;
}

/** True for the 40-character Z85 text of a 32-byte CURVE key. */
export function isZ85Key(text: string): boolean {
  return text.length === 40 && z85Decode(text) !== null;
}
