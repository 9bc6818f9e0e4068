/** The parts of node-tail 2.2 (npm `tail`, plain JavaScript) that oxingest uses. */
declare module 'tail' {
  import { EventEmitter } from 'node:events';
  import type { FSWatcher } from 'node:fs';

  export interface TailOptions {
    /** null: emit each chunk read as it is, without splitting lines. */
    separator?: string | RegExp | null;
    fromBeginning?: boolean;
    follow?: boolean;
    encoding?: BufferEncoding;
    useWatchFile?: boolean;
    flushAtEOF?: boolean;
    nLines?: number;
    fsWatchOptions?: Record<string, unknown>;
  }

  export class Tail extends EventEmitter {
    constructor(filename: string, options?: TailOptions);
    /** The end of what has been queued for reading (the size when it started, without fromBeginning). */
    currentCursorPos: number;
    isWatching: boolean;
    watcher?: FSWatcher;
    unwatch(): void;
  }
}
