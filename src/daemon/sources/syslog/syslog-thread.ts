/**
 * The syslog source's thread: frames and encodes what its TCP connections
 * read (syslog-batch.ts), so that oxd uses a second core for syslog while
 * the main thread reads the sockets and routes the events.
 *
 * It is this module's own file run as a worker (syslog-worker.ts starts it):
 * in dist/oxd.js that is the whole bundle, whose main() runs only on the
 * main thread (main.ts), so a thread does none of oxd's start-up (settings,
 * signals, systemd). It serves when started as the syslog thread, and
 * otherwise does nothing.
 *
 * Operations come in the order the connections read them, a few at a time;
 * each turn of the thread's event loop ends with one batch for all it did
 * (more when full).
 */
import { isMainThread, MessagePort, parentPort, workerData } from 'node:worker_threads';
import { writeEventId } from '../../../client/event-id';
import { SyslogBatch, SyslogBatchWriter } from '../../../protocol/syslog/syslog-batch';

/** What a worker started as the syslog thread is given (its workerData). */
export interface SyslogThreadData {
  kind: typeof SYSLOG_THREAD;
  maxMessage: number;
  pid: number;
  /** For tests of a failing thread: it throws on a chunk that holds this text. */
  failOn: string | null;
}

export const SYSLOG_THREAD = 'blueox-syslog-thread';
/** The file a worker runs to be the syslog thread. */
export const SYSLOG_THREAD_FILE = __filename;

export const OP_OPEN = 0;
export const OP_DATA = 1;
export const OP_END = 2;

/** What the source asks of the thread: a new connection, bytes it read, its end (see SyslogBatchWriter). */
export type SyslogThreadOp =
  | [op: typeof OP_OPEN, id: number, peer: string]
  | [op: typeof OP_DATA, id: number, arrival: number, bytes: Uint8Array]
  | [op: typeof OP_END, id: number, arrival: number, clean: boolean, forget: boolean];

function serve(port: MessagePort, data: SyslogThreadData): void {
  const send = (b: SyslogBatch): void => port.postMessage(b, [b.bytes.buffer as ArrayBuffer, b.records.buffer as ArrayBuffer]);
  const writer = new SyslogBatchWriter(data.maxMessage, writeEventId, data.pid, send);
  const failOn = data.failOn ? Buffer.from(data.failOn) : null;
  let flushing = false;
  const flush = (): void => {
    flushing = false;
    writer.flush();
  };
  const take = (op: SyslogThreadOp): void => {
    switch (op[0]) {
      case OP_OPEN:
        writer.open(op[1], op[2]);
        break;
      case OP_DATA: {
        const bytes = Buffer.from(op[3].buffer, op[3].byteOffset, op[3].byteLength);
        if (failOn !== null && bytes.includes(failOn)) throw new Error('failed as BLUEOX_TEST_SYSLOG_THREAD_FAIL asks');
        writer.data(op[1], bytes, op[2]);
        break;
      }
      case OP_END:
        writer.end(op[1], op[2], op[3], op[4]);
        break;
    }
  };
  port.on('message', (ops: SyslogThreadOp[]) => {
    for (const op of ops) take(op);
    if (!flushing) {
      flushing = true;
      setImmediate(flush);
    }
  });
}

if (!isMainThread && parentPort !== null && (workerData as Partial<SyslogThreadData> | null)?.kind === SYSLOG_THREAD) {
  serve(parentPort, workerData as SyslogThreadData);
}
