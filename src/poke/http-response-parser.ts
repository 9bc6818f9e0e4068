/**
 * A strict HTTP/1.x response parser for `oxpoke load`'s own connections
 * (load-connection.ts): bytes in, as they come off the socket, one answer out.
 * Pure: no sockets, no clocks. It accepts what Node's parser accepts and
 * refuses what it refuses (the HTTP probe reads answers through Node), so a
 * check judges the same answer the same way under load as in `oxpoke run`:
 *
 * - the status line `HTTP/D.D NNN` with or without a reason, after any empty
 *   lines; lines end in CRLF (a bare LF is refused);
 * - header names are tokens, values have no control characters but tab, and
 *   the head (status line and headers) is at most MAX_HEAD_BYTES; headers are
 *   gathered as response-headers.ts says;
 * - interim answers (1xx) are skipped; after 101 the connection speaks
 *   something else and no answer comes;
 * - the body: none for a HEAD request, 204 and 304; chunks when the last
 *   transfer coding is chunked (extensions ignored, trailers read and
 *   dropped); else content-length bytes (one only, never with a
 *   transfer-encoding); else everything until the peer closes;
 * - a body over the limit stops the parse at once: a declared content-length
 *   before any of it is read, else the bytes read so far;
 * - whether the connection can carry the next request: HTTP/1.1 unless it
 *   says `Connection: close`, HTTP/1.0 only if it says keep-alive, never
 *   after a body that ends with the connection or bytes beyond the answer.
 *
 * What it keeps of the bytes (a line cut in two, the body) is copied, so
 * the caller may read every chunk into the same buffer.
 */
import { HEX, headerName, latin1, LOWER, quote, sameText, TOKEN, VALUE_NAMES, VALUES } from './http-bytes';
import { addHeader, emptyHeaders, hasToken, HeaderRecord, lastCodingIsChunked } from './response-headers';

/** What execute() and end() say. */
export const MORE = 0;
export const DONE = 1;
/** Not HTTP: `error` says why. */
export const INVALID = 2;
/** The body is over the limit: `tooLarge` says how that is known. */
export const TOO_LARGE = 3;
export type ParseResult = typeof MORE | typeof DONE | typeof INVALID | typeof TOO_LARGE;

/** Node refuses a head longer than this (its --max-http-header-size). */
export const MAX_HEAD_BYTES = 16 * 1024;

const STATUS = 0;
const HEADERS = 1;
const BODY_LENGTH = 2;
const BODY_UNTIL_CLOSE = 3;
const CHUNK_SIZE = 4;
const CHUNK_DATA = 5;
const CHUNK_END = 6;
const TRAILERS = 7;
const FINISHED = 8;
const SWITCHED = 9;

const CR = 13;
const LF = 10;
const EMPTY = Buffer.alloc(0);

const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;

export class ResponseParser {
  status = 0;
  headers: HeaderRecord = emptyHeaders();
  /** The head has been read (the first byte of the answer in Node's sense: its 'response' event). */
  headDone = false;
  /** Body bytes read so far (decoded from chunks). */
  bodyBytes = 0;
  /** Set when DONE: whether the connection can carry another request. */
  reusable = false;
  /** Why the bytes are not HTTP (INVALID). */
  error = '';
  /** How the body is known to be too large (TOO_LARGE): `content-length N` or `N bytes read before giving up`. */
  tooLarge = '';

  private state = STATUS;
  private http10 = false;
  private headRequest = false;
  private maxBodyBytes = 0;
  /** Bytes of an unfinished line carried over to the next chunk. */
  private partial: Buffer | null = null;
  private headBytes = 0;
  /** Body bytes still to come: of the content-length, or of the current chunk (CHUNK_END: of its CRLF). */
  private remaining = 0;
  private chunks: Buffer[] = [];
  /**
   * The slots (of NAMES) of the headers read into `headers`, marked with `generation`: a name whose slot is not
   * marked is not in the record yet, and is added without looking it up (a lookup by ever-changing names is slow).
   */
  private readonly seen = new Int32Array(512);
  private generation = 0;

  /** Ready for the answer to a new request. */
  start(headRequest: boolean, maxBodyBytes: number): void {
    this.status = 0;
    this.headers = emptyHeaders();
    this.generation++;
    this.headDone = false;
    this.bodyBytes = 0;
    this.reusable = false;
    this.error = '';
    this.tooLarge = '';
    this.state = STATUS;
    this.headRequest = headRequest;
    this.maxBodyBytes = maxBodyBytes;
    this.partial = null;
    this.headBytes = 0;
    this.chunks = [];
  }

  /** The body read, in one buffer. */
  body(): Buffer {
    const n = this.chunks.length;
    return n === 0 ? EMPTY : n === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.bodyBytes);
  }

  /** Whether the answer has begun to come (something of it was read). */
  get started(): boolean {
    return this.headDone || this.headBytes > 0 || this.partial !== null;
  }

  /** The peer closed its side: the end of a body read until then, else an answer cut short (MORE: the caller says how). */
  end(): ParseResult {
    if (this.state === BODY_UNTIL_CLOSE) return this.finish(false);
    return this.state === FINISHED ? DONE : MORE;
  }

  /** Parses data[0, length): a chunk read off the connection (by default all of `data`). */
  execute(data: Buffer, length = data.length): ParseResult {
    let pos = 0;
    while (pos < length) {
      switch (this.state) {
        case STATUS:
        case HEADERS:
        case CHUNK_SIZE:
        case TRAILERS: {
          let lf = data.indexOf(LF, pos);
          if (lf >= length) lf = -1;
          if (lf < 0) {
            this.partial = this.partial === null ? copy(data, pos, length) : Buffer.concat([this.partial, data.subarray(pos, length)]);
            if (this.state !== CHUNK_SIZE && this.headBytes + this.partial.length > MAX_HEAD_BYTES) return this.invalid('the head of the answer is longer than 16 KiB');
            if (this.state === CHUNK_SIZE && this.partial.length > 1024) return this.invalid('a chunk size line is too long');
            return MORE;
          }
          let line = data;
          let from = pos;
          let to = lf;
          if (this.partial !== null) {
            line = Buffer.concat([this.partial, data.subarray(pos, lf)]);
            from = 0;
            to = line.length;
            this.partial = null;
          }
          pos = lf + 1;
          if (to === from || line[to - 1] !== CR) return this.invalid('a line ends in LF without CR');
          const r = this.line(line, from, to - 1);
          if (r !== MORE) return r === DONE && pos < length ? this.trailing() : r;
          break;
        }
        case BODY_LENGTH: {
          const n = Math.min(this.remaining, length - pos);
          this.chunks.push(copy(data, pos, pos + n));
          this.bodyBytes += n;
          this.remaining -= n;
          pos += n;
          if (this.remaining === 0) return pos < length ? this.trailing() : this.finish(this.reusable);
          break;
        }
        case BODY_UNTIL_CLOSE: {
          this.chunks.push(copy(data, pos, length));
          this.bodyBytes += length - pos;
          if (this.bodyBytes > this.maxBodyBytes) return this.overLimit(`${this.bodyBytes} bytes read before giving up`);
          return MORE;
        }
        case CHUNK_DATA: {
          const n = Math.min(this.remaining, length - pos);
          this.chunks.push(copy(data, pos, pos + n));
          this.bodyBytes += n;
          this.remaining -= n;
          pos += n;
          if (this.bodyBytes > this.maxBodyBytes) return this.overLimit(`${this.bodyBytes} bytes read before giving up`);
          if (this.remaining === 0) {
            this.state = CHUNK_END;
            this.remaining = 2;
          }
          break;
        }
        case CHUNK_END: {
          // The CRLF after a chunk's data, perhaps split over two reads.
          if (data[pos] !== (this.remaining === 2 ? CR : LF)) return this.invalid('a chunk is not followed by CRLF');
          pos++;
          if (--this.remaining === 0) this.state = CHUNK_SIZE;
          break;
        }
        case FINISHED:
          return this.trailing();
        case SWITCHED:
          return MORE;
      }
    }
    return this.state === FINISHED ? DONE : MORE;
  }

  /** One line without its CRLF: line[from, to). */
  private line(line: Buffer, from: number, to: number): ParseResult {
    switch (this.state) {
      case STATUS:
        // Empty lines before the status line are skipped, as Node skips them.
        if (from === to) return MORE;
        this.headBytes += to - from + 2;
        return this.statusLine(line, from, to);
      case HEADERS:
        this.headBytes += to - from + 2;
        if (this.headBytes > MAX_HEAD_BYTES) return this.invalid('the head of the answer is longer than 16 KiB');
        if (from === to) return this.endOfHead();
        return this.headerLine(line, from, to, true);
      case CHUNK_SIZE:
        return this.chunkSize(line, from, to);
      default:
        // TRAILERS: read like headers, and dropped (Node keeps them apart from the headers).
        if (from === to) return this.finish(this.reusable);
        this.headBytes += to - from + 2;
        if (this.headBytes > MAX_HEAD_BYTES) return this.invalid('the trailers of the answer are longer than 16 KiB');
        return this.headerLine(line, from, to, false);
    }
  }

  private statusLine(b: Buffer, from: number, to: number): ParseResult {
    const n = to - from;
    const ok =
      n >= 12 && b[from] === 0x48 && b[from + 1] === 0x54 && b[from + 2] === 0x54 && b[from + 3] === 0x50 && b[from + 4] === 0x2f &&
      isDigit(b[from + 5]) && b[from + 6] === 0x2e && isDigit(b[from + 7]) && b[from + 8] === 0x20 &&
      isDigit(b[from + 9]) && isDigit(b[from + 10]) && isDigit(b[from + 11]) && (n === 12 || b[from + 12] === 0x20);
    if (!ok) return this.invalid(`the status line is not "HTTP/1.1 NNN reason": ${quote(b, from, to)}`);
    this.http10 = b[from + 5] === 0x31 && b[from + 7] === 0x30;
    this.status = (b[from + 9] - 0x30) * 100 + (b[from + 10] - 0x30) * 10 + (b[from + 11] - 0x30);
    this.state = HEADERS;
    return MORE;
  }

  private headerLine(b: Buffer, from: number, to: number, keep: boolean): ParseResult {
    let colon = from;
    let hash = 0;
    for (let c = b[colon]; colon < to && TOKEN[c] === 1; c = b[++colon]) hash = (Math.imul(hash, 31) + LOWER[c]) | 0;
    if (colon === from || colon === to || b[colon] !== 0x3a) return this.invalid(`a header line is not "name: value": ${quote(b, from, to)}`);
    let start = colon + 1;
    let end = to;
    while (start < end && (b[start] === 0x20 || b[start] === 0x09)) start++;
    while (end > start && (b[end - 1] === 0x20 || b[end - 1] === 0x09)) end--;
    const slot = hash & 511;
    const name = keep ? headerName(b, from, colon, slot) : '';
    // A value like the last one read for this name was found free of control characters then.
    let value = keep && VALUE_NAMES[slot] === name ? sameText(VALUES[slot]!, b, start, end) : undefined;
    if (value === undefined) {
      for (let i = start; i < end; i++) {
        const c = b[i];
        if ((c < 0x20 && c !== 0x09) || c === 0x7f) return this.invalid(`the value of a header has a control character: ${quote(b, from, to)}`);
      }
      if (!keep) return MORE;
      value = latin1(b, start, end);
      VALUES[slot] = value;
      VALUE_NAMES[slot] = name;
    }
    if (this.seen[slot] !== this.generation) {
      this.seen[slot] = this.generation;
      this.headers[name] = value;
      return MORE;
    }
    if (name === 'content-length' && this.headers['content-length'] !== undefined) return this.invalid('the answer has two Content-Length headers');
    addHeader(this.headers, name, value);
    return MORE;
  }

  private endOfHead(): ParseResult {
    const status = this.status;
    if (status >= 100 && status < 200) {
      if (status === 101) {
        // The connection switched protocols: no HTTP answer will come on it.
        this.state = SWITCHED;
        return MORE;
      }
      // An interim answer (100 Continue, 103 Early Hints): the answer follows.
      this.status = 0;
      this.headers = emptyHeaders();
      this.generation++;
      this.headBytes = 0;
      this.state = STATUS;
      return MORE;
    }
    this.headDone = true;
    const h = this.headers;
    const connection = h.connection;
    this.reusable = this.http10 ? hasToken(connection, 'keep-alive') : !hasToken(connection, 'close');
    if (this.headRequest || status === 204 || status === 304) return this.finish(this.reusable);
    const te = h['transfer-encoding'];
    const cl = h['content-length'];
    if (te !== undefined) {
      if (cl !== undefined) return this.invalid('the answer has both Transfer-Encoding and Content-Length');
      if (lastCodingIsChunked(te)) {
        this.state = CHUNK_SIZE;
        return MORE;
      }
      return this.untilClose();
    }
    if (cl !== undefined) {
      if (!/^\d+$/.test(cl)) return this.invalid(`the Content-Length is not a number: "${cl}"`);
      const declared = Number(cl);
      if (declared > this.maxBodyBytes) return this.overLimit(`content-length ${declared}`);
      if (declared === 0) return this.finish(this.reusable);
      this.remaining = declared;
      this.state = BODY_LENGTH;
      return MORE;
    }
    return this.untilClose();
  }

  private untilClose(): ParseResult {
    this.reusable = false;
    this.state = BODY_UNTIL_CLOSE;
    return MORE;
  }

  private chunkSize(b: Buffer, from: number, to: number): ParseResult {
    let size = 0;
    let i = from;
    for (; i < to && HEX[b[i]] >= 0; i++) {
      if (i - from >= 12) return this.invalid('a chunk size is too large');
      size = size * 16 + HEX[b[i]];
    }
    if (i === from || (i < to && b[i] !== 0x3b)) return this.invalid(`a chunk size is not hexadecimal: ${quote(b, from, to)}`);
    if (size === 0) {
      this.state = TRAILERS;
      return MORE;
    }
    this.remaining = size;
    this.state = CHUNK_DATA;
    return MORE;
  }

  private finish(reusable: boolean): ParseResult {
    this.reusable = reusable;
    this.state = FINISHED;
    return DONE;
  }

  /** Bytes after the answer: it is complete, and the connection cannot be trusted with another request. */
  private trailing(): ParseResult {
    this.finish(false);
    return DONE;
  }

  private invalid(why: string): ParseResult {
    this.error = why;
    this.state = FINISHED;
    return INVALID;
  }

  private overLimit(how: string): ParseResult {
    this.tooLarge = how;
    this.state = FINISHED;
    return TOO_LARGE;
  }
}

/** data[from, to) in a buffer of its own. */
function copy(data: Buffer, from: number, to: number): Buffer {
  const out = Buffer.allocUnsafe(to - from);
  data.copy(out, 0, from, to);
  return out;
}
