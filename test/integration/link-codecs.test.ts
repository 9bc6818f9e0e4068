/**
 * link_compression = zstd with real daemons, on whatever Node runs the
 * tests: zstd where both oxds have it (Node >= 22.15), else zlib, with the
 * reason in STATUS and one warning; every event arrives once either way. An
 * upstream that does not announce zstd (an oxd from before it, or one whose
 * Node lacks it) gets zlib too.
 */
import test, { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { probeLink } from '../../src/daemon/link/link-probe';
import { parseEndpoint } from '../../src/protocol/endpoint';
import { LINK_CODECS_PROPERTY, LINK_PROPERTY } from '../../src/protocol/link/link-header';
import { ZmtpHandshake } from '../../src/protocol/zmtp/handshake';
import { runCommand } from '../helpers/command';
import { eventFrames, tallyNumbered } from '../helpers/events';
import { Oxd, OXD_BUNDLE, startOxd } from '../helpers/oxd-process';
import { runTool } from '../helpers/tool';
import { ZmtpPeer } from '../helpers/zmtp-peer';

/** Whether this Node has zstd: each test asserts what must happen in either case. */
const RUNTIME_ZSTD = typeof (zlib as unknown as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';
const NO_ZSTD_HERE = new RegExp(`this Node \\(${process.version.replace(/\./g, '\\.')}\\) has no zstd \\(it needs Node >= 22\\.15 \\(or >= 23\\.8\\)\\)`);
const TOTAL = 5000;

function tempDir(t: ExecutionContext, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `oxd-codec-${name}-`));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function startCentral(t: ExecutionContext): Promise<{ central: Oxd; logPath: string }> {
  const logPath = path.join(tempDir(t, 'central'), 'log');
  const central = await startOxd({ logPath, args: ['--spool-path', path.join(tempDir(t, 'central-spool'), 'spool')] });
  t.teardown(() => central.stop());
  return { central, logPath };
}

/** A forwarding oxd with a disk spool and link_compression = zstd, sending to `upstream`'s collect port. */
async function startForwarder(t: ExecutionContext, upstream: string): Promise<Oxd> {
  const local = await startOxd({ logPath: null, args: ['--forward', upstream, '--spool-path', path.join(tempDir(t, 'local'), 'spool'), '--link-compression', 'zstd'] });
  t.teardown(async () => {
    if (!t.passed) t.log(`forwarding oxd stderr:\n${local.stderr.slice(-3000)}`);
    await local.stop();
  });
  return local;
}

/** Events `{i}` 0..TOTAL-1 into `local`'s collect port; yields now and then so the daemons' replies are read. */
async function sendEvents(t: ExecutionContext, local: Oxd): Promise<void> {
  const peer = await ZmtpPeer.connect(local.collect);
  t.teardown(() => peer.destroy());
  for (let i = 0; i < TOTAL; i++) {
    await peer.send(eventFrames({ type: 'request', body: { i, path: '/api/items', status: 200 } }));
    if (i % 200 === 199) await new Promise((r) => setImmediate(r));
  }
}

/** Every event in the central's files exactly once. */
async function everyEventOnce(t: ExecutionContext, central: Oxd, logPath: string): Promise<void> {
  await central.waitForStatus((s) => s.totals.written === TOTAL);
  const seen = tallyNumbered(logPath);
  const missing = [...Array(TOTAL).keys()].filter((i) => !seen.has(i));
  const twice = [...seen].filter(([, n]) => n > 1).map(([i]) => i);
  t.deepEqual(missing.slice(0, 20), [], `${missing.length} of ${TOTAL} lost`);
  t.deepEqual(twice.slice(0, 20), [], `${twice.length} written twice`);
}

/** How often the forwarding oxd warned that this Node has no zstd. */
function zstdWarnings(local: Oxd): number {
  return local.stderr.split('\n').filter((line) => NO_ZSTD_HERE.test(line) && /zlib-compressed instead/.test(line)).length;
}

test('link_compression = zstd between two oxds of this Node: every event once; STATUS names the codec used, the one asked for, and why', async (t) => {
  const { central, logPath } = await startCentral(t);
  // The central's collect port announces what its link decodes.
  const announced = await probeLink(parseEndpoint(central.collect, 0), 5000);
  t.deepEqual(announced?.codecs, RUNTIME_ZSTD ? ['zlib', 'zstd'] : ['zlib']);
  const local = await startForwarder(t, central.collect);
  await sendEvents(t, local);
  const s = await local.waitForStatus((x) => x.sinks.forward.forwarded === TOTAL);
  await everyEventOnce(t, central, logPath);
  const link = s.sinks.forward.link;
  t.is(s.sinks.forward.mode, 'link');
  t.is(link.codec_asked, 'zstd');
  t.true(link.wire_bytes < link.raw_bytes / 2, `compressed: ${link.raw_bytes} as ${link.wire_bytes}`);
  t.like((await central.waitForStatus(() => true)).link, { events: TOTAL, bad_batches: 0, duplicates: 0 });
  const text = (await runTool('oxctl', ['-H', local.controlAddr])).stdout;
  if (RUNTIME_ZSTD) {
    t.is(link.codec, 'zstd');
    t.is(link.codec_reason, 'link_compression = zstd, which the upstream decodes');
    t.is(zstdWarnings(local), 0);
    t.regex(text, /^Link out: .* on the wire \(zstd, ratio [\d.]+, \d+ ms compressing\)$/m);
    t.notRegex(text, /^Link codec:/m);
  } else {
    t.is(link.codec, 'zlib');
    t.regex(link.codec_reason, NO_ZSTD_HERE);
    t.regex(link.codec_reason, /: zlib instead$/);
    t.is(zstdWarnings(local), 1, 'one warning, at start-up');
    t.regex(text, /^Link out: .* on the wire \(zlib, ratio [\d.]+, \d+ ms compressing\)$/m);
    t.regex(text, /^Link codec: zlib, not zstd: link_compression = zstd, but this Node .* has no zstd .*: zlib instead$/m);
  }
});

/**
 * The collect port of an upstream that announces its link but not zstd: an
 * oxd from before zstd (`codecs` undefined: no property), or one on a Node
 * without it (`zlib`). Its link is the real central's.
 */
async function upstreamWithoutZstd(t: ExecutionContext, linkPort: number, codecs: string | undefined): Promise<string> {
  const ready: Record<string, string> = { [LINK_PROPERTY]: String(linkPort) };
  if (codecs !== undefined) ready[LINK_CODECS_PROPERTY] = codecs;
  const open = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    open.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => open.delete(socket));
    const handshake = new ZmtpHandshake('PULL', (bytes) => socket.write(bytes), false, ready);
    handshake.begin();
    socket.on('data', (chunk: Buffer) => {
      try {
        handshake.push(chunk);
      } catch {
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of open) socket.destroy();
    server.close();
  });
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

for (const [what, codecs, reason] of [
  ['an oxd from before zstd (no codecs announced)', undefined, /^link_compression = zstd, but the upstream does not announce the codecs it decodes \(an oxd from before zstd\): zlib instead$/],
  ['an oxd whose Node has no zstd (announces zlib)', 'zlib', /^link_compression = zstd, but the upstream decodes only zlib \(its Node has no zstd; .*\): zlib instead$/],
] as const) {
  test(`an upstream that does not decode zstd, ${what}: zlib, and every event once`, async (t) => {
    const { central, logPath } = await startCentral(t);
    const { link: centralLink } = await central.waitForStatus((s) => s.link !== undefined);
    const upstream = await upstreamWithoutZstd(t, Number(centralLink.endpoint.split(':').pop()), codecs);
    const local = await startForwarder(t, upstream);
    await sendEvents(t, local);
    const s = await local.waitForStatus((x) => x.sinks.forward.forwarded === TOTAL);
    await everyEventOnce(t, central, logPath);
    t.like(s.sinks.forward.link, { codec: 'zlib', codec_asked: 'zstd' });
    // This Node's own lack of zstd is the first reason, where it lacks it.
    t.regex(s.sinks.forward.link.codec_reason, RUNTIME_ZSTD ? reason : NO_ZSTD_HERE);
    t.is((await central.waitForStatus(() => true)).link.bad_batches, 0);
  });
}

test('--check-config with link_compression = zstd (flag or OXD_LINK_COMPRESSION): accepted, with a warning where this Node has no zstd', async (t) => {
  for (const [args, env] of [
    [['--link-compression', 'zstd'], {}],
    [[], { OXD_LINK_COMPRESSION: 'zstd' }],
  ] as const) {
    const r = await runCommand(process.execPath, [OXD_BUNDLE, '--check-config', '--config', '/dev/null', ...args], { env: { ...process.env, ...env } });
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, /^link_compression = "zstd"$/m);
    if (RUNTIME_ZSTD) t.notRegex(r.stderr, /zstd/);
    else t.regex(r.stderr, /^oxd: warning: link_compression = zstd, but this Node .* has no zstd .*: batches sent over a link are zlib-compressed instead$/m);
  }
  const bad = await runCommand(process.execPath, [OXD_BUNDLE, '--check-config', '--config', '/dev/null', '--link-compression', 'lz4'], { env: process.env });
  t.not(bad.code, 0);
  t.regex(bad.stderr, /zlib, zstd or none/);
});
