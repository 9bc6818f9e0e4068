/**
 * The least a Node load generator can do, as a reference row of the oxpoke
 * load benchmark (poke-run.ts, tool `node (bare)`): N raw keep-alive sockets
 * in a closed loop, each writing the same request bytes again as soon as the
 * answer to the last one is complete, nothing judged. It shows what any
 * generator written for Node reaches on this machine, so that oxpoke's figures
 * can be read against it rather than against wrk's C alone.
 *
 * An answer is complete when its head (up to the empty line) and then
 * Content-Length bytes of body have been read: a read may hold part of an
 * answer or more than one, so reads are not answers. Answers without a
 * Content-Length (chunked, until close) are not supported: the benchmark's
 * URLs answer with one. A status other than 2xx or 3xx is counted as an
 * error. A connection the server closes (nginx closes one after 1000
 * requests) is replaced, and the request in flight is sent again on the new
 * one.
 *
 *   node build/test/bench/bare-http-client.js URL --connections N --seconds S
 *
 * Prints, as parseBare (poke-tools.ts) reads it:
 *
 *     requests   123456 in 10.00 s: 12345.6 req/s
 *     latency    p50 0.52 ms, p90 0.81 ms, p99 1.40 ms
 *     errors     0
 */
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { LatencyRecorder } from '../../src/poke/latency-stats';

const CR = 13;
const LF = 10;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const url = new URL(process.argv[2] ?? '');
const connections = Number(arg('--connections', '8'));
const seconds = Number(arg('--seconds', '10'));
const request = Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`, 'latin1');
const port = Number(url.port || 80);

const latency = new LatencyRecorder();
let answers = 0;
let errors = 0;
let open = 0;
const start = performance.now();
const end = start + seconds * 1000;
let last = start;

/** The head b[from, to) in lower case: its Content-Length (-1 without one), and whether the server closes after it. */
function framing(b: Buffer, from: number, to: number): { length: number; close: boolean } {
  const head = b.toString('latin1', from, to).toLowerCase();
  const m = /\r\ncontent-length:[ \t]*(\d+)/.exec(head);
  return { length: m === null ? -1 : Number(m[1]), close: /\r\nconnection:[ \t]*close/.test(head) };
}

function connection(): void {
  open++;
  const socket = net.connect({ host: url.hostname, port });
  socket.setNoDelay(true);
  let sentAt = 0;
  /** Bytes of an unfinished head carried over from the last read. */
  let head: Buffer | null = null;
  /** Body bytes still to read of the answer under way; -1: reading its head. */
  let body = -1;
  let status = 0;
  /** The answer under way says Connection: close: the next request goes on a new connection. */
  let closing = false;
  const send = (): void => {
    sentAt = performance.now();
    socket.write(request);
  };
  const answered = (): void => {
    const now = performance.now();
    answers++;
    if (status < 200 || status >= 400) errors++;
    latency.record(now - sentAt);
    last = now;
    body = -1;
    if (now < end && !closing) send();
    else socket.end();
  };
  socket.on('connect', send);
  socket.on('data', (chunk: Buffer) => {
    let data = chunk;
    let pos = 0;
    if (head !== null) {
      data = Buffer.concat([head, chunk]);
      head = null;
    }
    while (pos < data.length) {
      if (body < 0) {
        // The head ends at the first CRLF CRLF.
        let i = data.indexOf(LF, pos);
        while (i >= 0 && !(data[i - 1] === CR && data[i - 2] === LF && data[i - 3] === CR)) i = data.indexOf(LF, i + 1);
        if (i < 0) {
          head = data.subarray(pos);
          return;
        }
        status = Number(data.toString('latin1', pos + 9, pos + 12));
        const f = framing(data, pos, i + 1);
        body = f.length;
        closing = f.close;
        if (body < 0) throw new Error(`an answer without Content-Length from ${url.host}: the bare client cannot frame it`);
        pos = i + 1;
        if (body === 0) answered();
      } else {
        const n = Math.min(body, data.length - pos);
        body -= n;
        pos += n;
        if (body === 0) answered();
      }
    }
  });
  socket.on('error', () => {
    if (!closing) errors++;
  });
  socket.on('close', () => {
    open--;
    // Closed by the server between answers (or in the middle of one, whose request is sent again on the next).
    if (performance.now() < end) connection();
    else if (open === 0) report();
  });
}

function report(): void {
  const s = latency.summary();
  const elapsed = (last - start) / 1000;
  const ms = (p: number): string => s.percentile(p).toFixed(2);
  process.stdout.write(
    `requests   ${answers} in ${elapsed.toFixed(2)} s: ${(answers / elapsed).toFixed(1)} req/s\n` +
      `latency    p50 ${ms(50)} ms, p90 ${ms(90)} ms, p99 ${ms(99)} ms\n` +
      `errors     ${errors}\n`,
  );
}

for (let i = 0; i < connections; i++) connection();
