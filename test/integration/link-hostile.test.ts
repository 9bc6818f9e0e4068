/**
 * The link port of a real oxd, fed by hand: well-formed batches are
 * acknowledged and taken once; anything else is counted and not
 * acknowledged, and oxd goes on (a batch in zstd on a Node without it
 * too). And a forwarding oxd whose upstream is
 * libzmq (as the original Python oxd is) falls back to PUSH.
 */
import test, { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as zmq from 'zeromq';
import { COMPRESS_ZSTD, encodeLinkHeader, KIND_ACK, KIND_BATCH, KIND_RESUME, decodeLinkHeader, LinkHeader } from '../../src/protocol/link/link-header';
import { recordSize, writeRecord } from '../../src/protocol/spool/spool-record';
import { eventFrames } from '../helpers/events';
import { startOxd } from '../helpers/oxd-process';
import { waitUntil } from '../helpers/proc';
import { ZmtpPeer } from '../helpers/zmtp-peer';

const LINK = 'feedfacefeedfacefeedfacefeedface';

/** A real oxd with a spool folder, and a DEALER on its link port whose acknowledgements are read into `acks`. */
async function linkDealer(t: ExecutionContext, prefix: string) {
  const spool = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(spool, { recursive: true, force: true }));
  const oxd = await startOxd({ args: ['--spool-path', spool] });
  t.teardown(() => oxd.stop());
  const status = await oxd.waitForStatus((s) => s.link !== undefined);
  const dealer = new zmq.Dealer({ linger: 0 });
  t.teardown(() => dealer.close());
  dealer.connect(`tcp://${status.link.endpoint}`);
  const acks: number[] = [];
  const reading = (async () => {
    for await (const [frame] of dealer) {
      const h = decodeLinkHeader(frame);
      if (typeof h !== 'string' && h.kind === KIND_ACK && h.link === LINK) acks.push(h.first);
    }
  })().catch(() => undefined);
  return { spool, oxd, dealer, acks, reading };
}

/** A BATCH (or a RESUME) of events `first..last` (each `{i: seq}`), covering `from..last`. */
function batch(from: number, first: number, last: number, damage = false, kind: typeof KIND_BATCH | typeof KIND_RESUME = KIND_BATCH): Buffer[] {
  const records: Buffer[] = [];
  for (let seq = first; seq <= last; seq++) {
    const [meta, body] = eventFrames({ type: 'linked', body: { i: seq } });
    const r = Buffer.alloc(recordSize(meta.length, body.length));
    writeRecord(r, 0, seq, Date.now(), meta, 0, meta.length, body, 0, body.length);
    records.push(r);
  }
  const payload = Buffer.concat(records);
  if (damage) payload[payload.length - 3] ^= 0xff;
  const header = encodeLinkHeader({ kind, compression: 0, link: LINK, first: from, last, count: last - first + 1, rawBytes: payload.length });
  return [header, payload];
}

test('batches by hand: taken and acknowledged once written, duplicates dropped, damage and gaps not acknowledged, oxd goes on', async (t) => {
  const { spool, oxd, dealer, acks, reading } = await linkDealer(t, 'oxd-link-hostile-');

  // Each acknowledgement waited for where it is asserted: read by this dealer, not counted by oxd.
  const acknowledged = (n: number): Promise<void> => waitUntil(() => acks.length >= n, `${n} acknowledgements reached the dealer`);
  await dealer.send(batch(1, 1, 100));
  await acknowledged(1);
  t.deepEqual(acks, [100], 'acknowledged up to its last event');
  await dealer.send(batch(51, 51, 150));
  await acknowledged(2);
  t.deepEqual(acks, [100, 150]);
  t.is((await oxd.waitForStatus((s) => s.link.acks === 2)).link.duplicates, 50, 'the 50 it had already are dropped');

  // Not acknowledged: a damaged record, a batch after a gap (a lost batch before it), garbage.
  await dealer.send(batch(151, 151, 200, true));
  await dealer.send(batch(300, 300, 310));
  await dealer.send([Buffer.from('hello')]);
  await dealer.send([Buffer.from('BXL1 but not a header'), Buffer.alloc(0)]);
  const after = await oxd.waitForStatus((s) => s.link.bad_batches === 3 && s.link.out_of_order === 1);
  t.like(after.link, { events: 150, duplicates: 50, acks: 2, links: 1 });
  t.is(after.totals.received, 150);

  // The link goes on from where it was: the sender's next batch, in order.
  await dealer.send(batch(151, 151, 160));
  await acknowledged(3);
  t.deepEqual(acks, [100, 150, 160]);
  t.is(JSON.parse(fs.readFileSync(path.join(spool, 'links'), 'utf8')).links[LINK], 160, 'what the link delivered is kept in the spool folder');

  // A RESUME starts a connection after what some upstream acknowledged: a range past 160 is taken,
  // the numbers between counted as taken elsewhere (another upstream had them).
  await dealer.send(batch(201, 201, 210, false, KIND_RESUME));
  await acknowledged(4);
  t.deepEqual(acks, [100, 150, 160, 210]);
  t.like((await oxd.waitForStatus((s) => s.link.acks === 4)).link, { events: 170, taken_elsewhere: 40, out_of_order: 1 });
  dealer.close();
  await reading;
});

/** `frames` (a batch()) sent as zstd: its payload compressed by `compress`, its header's compression byte 2. */
function asZstd(frames: Buffer[], compress: (raw: Buffer) => Buffer): Buffer[] {
  const h = decodeLinkHeader(frames[0]) as LinkHeader;
  return [encodeLinkHeader({ ...h, compression: COMPRESS_ZSTD }), compress(frames[1])];
}

test('a batch in zstd: taken where this Node has zstd; else counted as bad, not acknowledged, and oxd goes on', async (t) => {
  const zstdCompressSync = (zlib as unknown as { zstdCompressSync?: (b: Buffer) => Buffer }).zstdCompressSync;
  const { oxd, dealer, acks, reading } = await linkDealer(t, 'oxd-link-zstd-');

  // Not zstd at all, whatever this Node has: bad.
  await dealer.send(asZstd(batch(1, 1, 100), (raw) => raw));
  await oxd.waitForStatus((s) => s.link.bad_batches === 1);
  if (typeof zstdCompressSync === 'function') {
    await oxd.waitForStderr(/link: dropped a message: a payload that does not decompress: .*; the sender sends it again/);
    await dealer.send(asZstd(batch(1, 1, 100), (raw) => zstdCompressSync(raw)));
  } else {
    await oxd.waitForStderr(/link: dropped a message: a payload that does not decompress: it is zstd, and this Node \(v[\d.]+\) has no zstd \(it needs Node >= 22\.15 \(or >= 23\.8\)\); this oxd does not announce it/);
    // What a forwarding oxd sends instead, having read the announcement.
    await dealer.send(batch(1, 1, 100));
  }
  await waitUntil(() => acks.length >= 1, 'the batch acknowledged');
  t.deepEqual(acks, [100]);
  t.like((await oxd.waitForStatus((s) => s.link.acks === 1)).link, { events: 100, bad_batches: 1, duplicates: 0 });
  dealer.close();
  await reading;
});

test('an upstream that is libzmq (as the original oxd): the forwarding oxd with a disk spool PUSHes to it', async (t) => {
  const pull = new zmq.Pull({ linger: 0 });
  t.teardown(() => pull.close());
  await pull.bind('tcp://127.0.0.1:*');
  const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'oxd-link-push-'));
  t.teardown(() => fs.rmSync(spool, { recursive: true, force: true }));
  const local = await startOxd({ logPath: null, args: ['--forward', pull.lastEndpoint!.replace('tcp://', ''), '--spool-path', spool] });
  t.teardown(() => local.stop());
  const peer = await ZmtpPeer.connect(local.collect);
  t.teardown(() => peer.destroy());
  for (let i = 0; i < 1000; i++) await peer.send(eventFrames({ type: 'request', body: { i } }));
  let got = 0;
  for await (const frames of pull) {
    t.is(frames.length, 2, 'meta and body, as a sender PUSHes them');
    if (++got === 1000) break;
  }
  const s = await local.waitForStatus((x) => x.sinks.forward.forwarded === 1000);
  t.is(s.sinks.forward.mode, 'push');
  t.is(s.sinks.forward.spool.unacked, 0);
});
