import test from 'ava';
import { SyslogFrame, SyslogFramer } from '../../src/protocol/syslog/tcp-framing';

function frames(chunks: Buffer[], maxBytes = 1024, end = true): Array<[string, boolean]> {
  const out: SyslogFrame[] = [];
  const f = new SyslogFramer(maxBytes, (fr) => out.push(fr));
  for (const c of chunks) f.push(c);
  if (end) f.end();
  return out.map((fr) => [fr.bytes.toString('utf8'), fr.truncated]);
}

/** Every way of cutting `stream` in two, and byte by byte, give the same frames as one push. */
function sameWhateverTheChunking(t: any, stream: Buffer, maxBytes = 1024): Array<[string, boolean]> {
  const whole = frames([stream], maxBytes);
  for (let cut = 1; cut < stream.length; cut++) t.deepEqual(frames([stream.subarray(0, cut), stream.subarray(cut)], maxBytes), whole, `cut at ${cut}`);
  t.deepEqual(frames([...stream].map((b) => Buffer.from([b])), maxBytes), whole, 'byte by byte');
  return whole;
}

test('octet counting and LF framing, told apart per message, whatever the chunking', (t) => {
  const stream = Buffer.from('11 <13>hello\nx<13>second line\n15 <13>über café\n<13>NUL ended\0<13>CRLF ended\r\n\n\n2026-12-04 starts with digits\n');
  t.deepEqual(sameWhateverTheChunking(t, stream), [
    ['<13>hello\nx', false],
    ['<13>second line', false],
    ['<13>über café', false],
    ['<13>NUL ended', false],
    ['<13>CRLF ended\r', false],
    ['2026-12-04 starts with digits', false],
  ]);
});

test('a message over the limit is cut, flagged, the rest skipped; the next one is whole', (t) => {
  const stream = Buffer.from(`30 <13>${'a'.repeat(26)}<13>${'b'.repeat(40)}\n<13>ok\n`);
  t.deepEqual(sameWhateverTheChunking(t, stream, 10), [
    [`<13>${'a'.repeat(6)}`, true],
    [`<13>${'b'.repeat(6)}`, true],
    ['<13>ok', false],
  ]);
});

test('an endless line holds at most the limit; the end of the connection ends the last message', (t) => {
  const out: SyslogFrame[] = [];
  const f = new SyslogFramer(64, (fr) => out.push(fr));
  for (let i = 0; i < 1000; i++) f.push(Buffer.alloc(1000, 0x78));
  t.is(out.length, 1);
  t.true(out[0].truncated);
  t.is(out[0].bytes.length, 64);
  t.is(f.buffered, 0, 'the rest of the line is skipped, not held');
  f.push(Buffer.from('\n<13>last without LF'));
  f.end();
  t.deepEqual(out.slice(1).map((fr) => fr.bytes.toString()), ['<13>last without LF']);
  t.deepEqual(frames([Buffer.from('12')]), [['12', false]], 'digits alone at the end are a message, not a count');
});

test("the caller's buffer may be reused after push", (t) => {
  const out: SyslogFrame[] = [];
  const f = new SyslogFramer(1024, (fr) => out.push(fr));
  const buf = Buffer.from('<13>abc');
  f.push(buf);
  buf.fill(0x7a);
  f.push(Buffer.from('\n'));
  t.is(out[0].bytes.toString(), '<13>abc');
  // The same buffer refilled: where its NUL was before says nothing now.
  const lines: string[] = [];
  const g = new SyslogFramer(1024, (fr) => lines.push(fr.bytes.toString()));
  const refilled = Buffer.from('aa\0bb\ncc\n');
  g.push(refilled);
  Buffer.from('dddddddd\n').copy(refilled);
  g.push(refilled);
  t.deepEqual(lines, ['aa', 'bb', 'cc', 'dddddddd']);
});

type Flags = Pick<SyslogFrame, 'truncated' | 'incomplete' | 'badOctetCount'>;

function flagged(chunks: Buffer[], clean: boolean, maxBytes = 1024): Array<[string, Flags]> {
  const out: SyslogFrame[] = [];
  const f = new SyslogFramer(maxBytes, (fr) => out.push(fr));
  for (const c of chunks) f.push(c);
  f.end(clean);
  return out.map((fr) => [fr.bytes.toString('utf8'), { truncated: fr.truncated, incomplete: fr.incomplete, badOctetCount: fr.badOctetCount }]);
}

/** The same frames whatever the chunking (in two at every point, and byte by byte). */
function flaggedWhateverTheChunking(t: any, stream: Buffer, clean: boolean, maxBytes = 1024): Array<[string, Flags]> {
  const whole = flagged([stream], clean, maxBytes);
  for (let cut = 1; cut < stream.length; cut++) t.deepEqual(flagged([stream.subarray(0, cut), stream.subarray(cut)], clean, maxBytes), whole, `cut at ${cut}`);
  t.deepEqual(flagged([...stream].map((b) => Buffer.from([b])), clean, maxBytes), whole, 'byte by byte');
  return whole;
}

const whole: Flags = { truncated: false, incomplete: false, badOctetCount: false };

test('a connection ending inside a message: what arrived is kept, flagged incomplete unless a clean close ends a line', (t) => {
  t.deepEqual(flaggedWhateverTheChunking(t, Buffer.from('<13>a\n20 <13>only part'), true), [['<13>a', whole], ['<13>only part', { ...whole, incomplete: true }]]);
  t.deepEqual(flaggedWhateverTheChunking(t, Buffer.from('<13>a\n<13>last line'), true), [['<13>a', whole], ['<13>last line', whole]]);
  t.deepEqual(flaggedWhateverTheChunking(t, Buffer.from('<13>a\n<13>last line'), false), [['<13>a', whole], ['<13>last line', { ...whole, incomplete: true }]]);
  t.deepEqual(flagged([Buffer.from('12')], false), [['12', { ...whole, incomplete: true }]]);
  t.deepEqual(flagged([Buffer.from('12 ')], true), [['', { ...whole, incomplete: true }]], 'a count and nothing after it');
  t.deepEqual(flagged([Buffer.from('<13>a\n')], false), [['<13>a', whole]], 'nothing pending: nothing more');
});

test('a count of 10 digits or more is read as a line and flagged; a huge count holds at most the limit', (t) => {
  t.deepEqual(flaggedWhateverTheChunking(t, Buffer.from('99999999999 <13>x\n<13>y\n'), true), [['99999999999 <13>x', { ...whole, badOctetCount: true }], ['<13>y', whole]]);
  t.deepEqual(flagged([Buffer.from('999999999 <13>x\n')], true), [['<13>x\n', { ...whole, incomplete: true }]], '9 digits are a count, the message short of it');
  const out: SyslogFrame[] = [];
  const f = new SyslogFramer(480, (fr) => out.push(fr));
  f.push(Buffer.from('999999999 '));
  for (let i = 0; i < 100; i++) f.push(Buffer.alloc(100, 0x61));
  t.is(out.length, 1, 'cut at the limit and out at once');
  t.like(out[0], { truncated: true, incomplete: false });
  t.is(out[0].bytes.length, 480);
  t.is(f.reserved, 0, 'the rest of the count is skipped, not held');
});

test('a message trickling in byte by byte reserves at most the limit', (t) => {
  const out: SyslogFrame[] = [];
  const f = new SyslogFramer(65536, (fr) => out.push(fr));
  let most = 0;
  for (let i = 0; i < 70000; i++) {
    f.push(Buffer.from([0x62]));
    most = Math.max(most, f.reserved);
  }
  t.is(most, 65536);
  t.is(out.length, 1);
  t.is(f.reserved, 0);
  f.push(Buffer.from('\n<13>after\n'));
  t.deepEqual(out.slice(1).map((fr) => fr.bytes.toString()), ['<13>after']);
});
