/**
 * oxstash shipping live events from a real oxd's stream port (fed through
 * the collect port with ZmtpPeer) to the fake Elasticsearch
 * (test/helpers/fake-elasticsearch.ts); and what a terminal changes: a
 * terminal on stdin means live from the default host, a terminal on stderr
 * shows the progress line (both through a pseudo-terminal from script(1)).
 */
import test from 'ava';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decode } from '@msgpack/msgpack';
import { documentId } from '../../src/ship/document';
import { eventFrames } from '../helpers/events';
import { FakeElasticsearch } from '../helpers/fake-elasticsearch';
import { Oxd, REPO, startOxd } from '../helpers/oxd-process';
import { waitUntil } from '../helpers/proc';
import { toolPath } from '../helpers/tool';
import { ZmtpPeer } from '../helpers/zmtp-peer';

const REQUESTS = path.join(REPO, 'test', 'fixtures', 'original', 'daily', 'request-20261121.log');

interface Running { child: ChildProcess; output: () => string; exited: Promise<number | null> }

function start(t: any, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, BLUEOX_HOST: '', BLUEOX_CLIENT_HOST: '', ...env } });
  t.teardown(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  // 'close': the output is read to its end, summary included.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The command line run under a pseudo-terminal (stdin, stdout and stderr), as from an interactive shell. */
function underTerminal(t: any, args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const line = [process.execPath, toolPath('oxstash'), ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return start(t, 'script', ['-qfec', line, '/dev/null'], { SHELL: '/bin/sh', ...env });
}

/** The pid of the descendant of `pid` that runs node with `script` (not the shell that started it). */
function descendant(pid: number, script: string): number | null {
  const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  for (const c of children) {
    const argv = fs.readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0');
    if (argv[0] === process.execPath && argv[1] === script) return c;
    const deeper = descendant(c, script);
    if (deeper) return deeper;
  }
  return null;
}

async function setup(t: any): Promise<{ oxd: Oxd; es: FakeElasticsearch; peer: ZmtpPeer }> {
  const oxd = await startOxd({ logPath: null });
  t.teardown(() => oxd.stop());
  const es = await FakeElasticsearch.start();
  t.teardown(() => es.close());
  const peer = await ZmtpPeer.connect(oxd.collect);
  t.teardown(() => peer.destroy());
  return { oxd, es, peer };
}

/** Sends `count` events of each type; returns the body frames by type. */
async function feed(peer: ZmtpPeer, types: string[], count: number): Promise<Map<string, Buffer[]>> {
  const sent = new Map<string, Buffer[]>(types.map((ty) => [ty, []]));
  for (let i = 0; i < count; i++) {
    for (const type of types) {
      const [meta, body] = eventFrames({ type, body: { i, path: `/p/${i}` } });
      sent.get(type)!.push(body);
      await peer.send([meta, body]);
    }
  }
  return sent;
}

function assertDocs(t: any, es: FakeElasticsearch, bodies: Buffer[]): void {
  t.is(es.count, bodies.length);
  for (const body of bodies) {
    const event = decode(body) as Record<string, any>;
    const index = `blueox-${new Date(Math.round(event.end * 1000)).toISOString().slice(0, 10).replace(/-/g, '.')}`;
    t.deepEqual(es.indices.get(index)?.get(documentId(body)), {
      ...event,
      '@timestamp': new Date(Math.round(event.end * 1000)).toISOString(),
      duration: event.end - event.start,
    });
  }
}

const summary = (text: string): string => text.split(/\r?\n/).find((l) => /^oxstash: \d+ events? read/.test(l)) ?? '';

test('-H host:port with -n "request*": live events of the types starting with "request" are shipped; SIGTERM sends the rest and exits 0', async (t) => {
  const { oxd, es, peer } = await setup(t);
  const run = start(t, process.execPath, [toolPath('oxstash'), '-H', oxd.controlAddr, '-n', 'request*', '-e', es.address, '--flush-interval', '0.05', '--batch-size', '25']);
  await oxd.waitForStatus((s) => s.sinks.stream.subscriptions === 1);
  const sent = await feed(peer, ['request', 'request.db', 'other', 'requestx'], 20);
  const wanted = [...sent.get('request')!, ...sent.get('request.db')!, ...sent.get('requestx')!];
  await es.waitUntil((e) => e.count === wanted.length);
  run.child.kill('SIGTERM');
  t.is(await run.exited, 0, run.output());
  assertDocs(t, es, wanted);
  t.regex(summary(run.output()), /^oxstash: 60 events read, 60 sent, 60 indexed, 0 rejected, 0 not delivered, 0 retries/);
});

test('--type-name with a bare name ships only that type; at SIGTERM what was received is sent, not lost', async (t) => {
  const { oxd, es, peer } = await setup(t);
  // Full batches of 5 go at once; a part batch would wait ten minutes, unless oxstash is stopped.
  const run = start(t, process.execPath, [toolPath('oxstash'), '--host', oxd.controlAddr, '--type-name', 'request', '-e', es.address, '--batch-size', '5', '--flush-interval', '600']);
  await oxd.waitForStatus((s) => s.sinks.stream.subscriptions === 1);
  const sent = await feed(peer, ['request.db', 'request', 'requestx'], 12);
  await es.waitUntil((e) => e.count >= 10);
  run.child.kill('SIGTERM');
  t.is(await run.exited, 0, run.output());
  // However many had arrived when the signal came (10 to 12), every one of them was indexed.
  const m = /^oxstash: (\d+) events read, (\d+) sent, (\d+) indexed, 0 rejected, 0 not delivered/.exec(summary(run.output()));
  t.truthy(m, run.output());
  const read = Number(m![1]);
  t.true(read >= 10 && read <= 12);
  t.deepEqual([Number(m![2]), Number(m![3]), es.count], [read, read, read]);
  // The stream is ordered, so these are the first `read` request events; no other type got through.
  assertDocs(t, es, sent.get('request')!.slice(0, read));
});

test('a terminal on stdin and no files: live from the default host ($BLUEOX_CLIENT_HOST), as the original', async (t) => {
  const { oxd, es, peer } = await setup(t);
  const run = underTerminal(t, ['-e', es.address, '--flush-interval', '0.05'], { BLUEOX_CLIENT_HOST: oxd.controlAddr });
  await oxd.waitForStatus((s) => s.sinks.stream.subscriptions === 1);
  const sent = await feed(peer, ['request'], 3);
  await es.waitUntil((e) => e.count === 3);
  let pid: number | null = null;
  await waitUntil(() => (pid = descendant(run.child.pid!, toolPath('oxstash'))) !== null, 'oxstash runs under script');
  process.kill(pid!, 'SIGTERM');
  t.is(await run.exited, 0, run.output());
  assertDocs(t, es, sent.get('request')!);
  t.regex(summary(run.output()), /^oxstash: 3 events read, 3 sent, 3 indexed/);
  t.false(run.output().includes('events/s'), 'no progress line for live events');
});

test('a terminal on stderr shows the progress line when shipping files; --quiet hides it', async (t) => {
  const es = await FakeElasticsearch.start();
  t.teardown(() => es.close());
  const run = underTerminal(t, ['-e', es.address, REQUESTS]);
  t.is(await run.exited, 0, run.output());
  t.regex(run.output(), /\roxstash: 50\/50 events \(100\.0%\), \d+ events\/s\x1b\[K\r?\n/);
  t.regex(summary(run.output()), /^oxstash: 50 events read/);
  const quiet = underTerminal(t, ['-e', es.address, '--quiet', REQUESTS]);
  t.is(await quiet.exited, 0, quiet.output());
  t.is(quiet.output(), '');
});
