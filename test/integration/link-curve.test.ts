/**
 * The link with CURVE (doc/link.md), real daemons and real libzmq: keys
 * made by oxd --make-link-key; a forwarding oxd whose public key the
 * central lists delivers every event once; one the central does not list
 * is refused (counted there, its events kept in its spool) until its .pub
 * is added and the central reloaded; one without CURVE settings does not
 * connect and says why.
 */
import test, { ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { eventFrames, tallyNumbered } from '../helpers/events';
import { Oxd, OXD_BUNDLE, startOxd } from '../helpers/oxd-process';
import { runTool } from '../helpers/tool';
import { ZmtpPeer } from '../helpers/zmtp-peer';

const EVENTS = 3000;

function tempDir(t: ExecutionContext, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `oxd-curve-${name}-`));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** `oxd --make-link-key file`, without this machine's oxd.conf or environment. */
function makeKey(file: string): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('OXD_')) delete env[name];
  const r = spawnSync(process.execPath, [OXD_BUNDLE, '--make-link-key', file], { encoding: 'utf8', env, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Setup {
  central: Oxd;
  local: Oxd;
  logPath: string;
  centralKey: string;
}

/** A central requiring CURVE, which allows `allowed`'s .pub, and a local (disk spool) forwarding to it with `localArgs`. */
async function start(t: ExecutionContext, keys: string, allowed: string, localArgs: (central: string) => string[]): Promise<Setup> {
  const clients = path.join(keys, 'clients');
  fs.mkdirSync(clients);
  fs.copyFileSync(`${allowed}.pub`, path.join(clients, 'allowed.pub'));
  const logPath = path.join(tempDir(t, 'central'), 'log');
  const central = await startOxd({ logPath, args: ['--link-key', path.join(keys, 'central'), '--link-clients', clients] });
  const started: Oxd[] = [central];
  t.teardown(async () => {
    if (!t.passed) for (const oxd of started) t.log(`oxd ${oxd.pid} stderr:\n${oxd.stderr.slice(-3000)}`);
    for (const oxd of started.reverse()) await oxd.stop();
  });
  const spool = path.join(tempDir(t, 'local'), 'spool');
  const local = await startOxd({ logPath: null, args: ['--forward', central.collect, '--spool-path', spool, ...localArgs(central.collect)] });
  started.push(local);
  const peer = await ZmtpPeer.connect(local.collect);
  t.teardown(() => peer.destroy());
  for (let i = 0; i < EVENTS; i++) {
    await peer.send(eventFrames({ type: 'request', body: { i } }));
    if (i % 200 === 199) await new Promise((r) => setImmediate(r));
  }
  await local.waitForStatus((s) => s.sinks.forward.spool.unacked + s.sinks.forward.forwarded === EVENTS);
  const centralKey = /public-key = "(.{40})"/.exec(fs.readFileSync(path.join(keys, 'central.pub'), 'utf8'))![1];
  return { central, local, logPath, centralKey };
}

function makeKeys(t: ExecutionContext, ...names: string[]): string {
  const keys = tempDir(t, 'keys');
  for (const name of names) t.is(makeKey(path.join(keys, name)).status, 0);
  return keys;
}

test('oxd --make-link-key writes the pair (0640) and its .pub (0644), and never overwrites', (t) => {
  const dir = tempDir(t, 'make');
  const file = path.join(dir, 'etc', 'link', 'central');
  const made = makeKey(file);
  t.is(made.status, 0, made.stderr);
  t.true(made.stdout.includes(file) && made.stdout.includes(`${file}.pub`), made.stdout);
  t.is(fs.statSync(file).mode & 0o777, 0o640);
  t.is(fs.statSync(`${file}.pub`).mode & 0o777, 0o644);
  t.is(fs.statSync(path.dirname(file)).mode & 0o777, 0o755);
  const pair = fs.readFileSync(file, 'utf8');
  t.regex(pair, /^# BlueOx link key pair: keep it secret\npublic-key = "[^"]{40}"\nsecret-key = "[^"]{40}"\n$/);
  t.is(fs.readFileSync(`${file}.pub`, 'utf8'), `# BlueOx link public key\n${pair.split('\n')[1]}\n`);
  const again = makeKey(file);
  t.is(again.status, 1);
  t.regex(again.stderr, /ELINKKEY: .*central exists: oxd does not overwrite a key file/);
  t.is(fs.readFileSync(file, 'utf8'), pair, 'the pair is unchanged');
});

test('a listed forwarding oxd: every event once over the link with CURVE', async (t) => {
  const keys = makeKeys(t, 'central', 'local');
  const s = await start(t, keys, path.join(keys, 'local'), () => ['--link-key', path.join(keys, 'local'), '--link-server-key', path.join(keys, 'central.pub')]);
  const local = await s.local.waitForStatus((st) => st.sinks.forward.forwarded === EVENTS);
  t.is(local.sinks.forward.mode, 'link');
  t.is(local.sinks.forward.spool.unacked, 0);
  t.is(local.sinks.forward.link.curve, 1);
  const central = await s.central.waitForStatus((st) => st.totals.written === EVENTS);
  t.true(central.link.curve.accepted >= 1);
  t.is(central.link.curve.refused, 0);
  const text = await runTool('oxctl', ['-H', s.central.controlAddr]);
  t.regex(text.stdout, /^Link CURVE: 1 forwarding oxds allowed, [1-9]\d* connections admitted, 0 refused$/m);
  const seen = tallyNumbered(s.logPath);
  t.is(seen.size, EVENTS);
  t.deepEqual([...seen.values()].filter((n) => n !== 1), [], 'every event once');
});

test('a forwarding oxd whose key the central does not list is refused; its events stay in its spool', async (t) => {
  const keys = makeKeys(t, 'central', 'local', 'stranger');
  const s = await start(t, keys, path.join(keys, 'local'), () => ['--link-key', path.join(keys, 'stranger'), '--link-server-key', path.join(keys, 'central.pub')]);
  const central = await s.central.waitForStatus((st) => st.link.curve.refused >= 1);
  t.is(central.link.curve.accepted, 0);
  t.is(central.link.curve.last_refused, '127.0.0.1');
  t.is(central.link.curve.last_refused_key, /public-key = "(.{40})"/.exec(fs.readFileSync(path.join(keys, 'stranger.pub'), 'utf8'))![1]);
  t.is(central.totals.received, 0);
  t.is(central.link.batches, 0);
  const local = await s.local.waitForStatus((st) => st.sinks.forward.handshake_failures >= 1).catch(async (err: Error) => {
    // Where it stuck: the forwarder's figures and what the forwarding oxd said.
    t.log(JSON.stringify((await s.local.control.request({ cmd: 'STATUS' })).sinks.forward), s.local.stderr);
    throw err;
  });
  t.regex(local.sinks.forward.handshake_error, /the upstream refused this oxd/);
  t.is(local.sinks.forward.forwarded, 0);
  t.is(local.sinks.forward.spool.unacked, EVENTS);
  t.is(tallyNumbered(s.logPath).size, 0);
  // Its .pub added to link_clients and the central reloaded: the forwarding oxd's next try is admitted.
  fs.copyFileSync(path.join(keys, 'stranger.pub'), path.join(keys, 'clients', 'stranger.pub'));
  s.central.child.kill('SIGHUP');
  await s.central.waitForStderr(/link_clients .*: 2 forwarding oxds allowed on the link/);
  await s.local.waitForStatus((st) => st.sinks.forward.forwarded === EVENTS, 30_000).catch(async (err: Error) => {
    t.log(JSON.stringify((await s.local.control.request({ cmd: 'STATUS' })).sinks.forward), s.local.stderr, s.central.stderr);
    throw err;
  });
  const after = await s.central.waitForStatus((st) => st.totals.written === EVENTS);
  t.true(after.link.curve.accepted >= 1);
  t.is(tallyNumbered(s.logPath).size, EVENTS);
});

test('a forwarding oxd without CURVE settings does not connect and says that the link requires CURVE', async (t) => {
  const keys = makeKeys(t, 'central', 'local');
  const s = await start(t, keys, path.join(keys, 'local'), () => []);
  const local = await s.local.waitForStatus((st) => /requires CURVE/.test(st.sinks.forward.probe_failure ?? ''));
  t.is(local.sinks.forward.probe_failure, `the upstream's link requires CURVE: set link_key and link_server_key (its public key is ${s.centralKey})`);
  t.is(local.sinks.forward.mode, 'probing');
  t.is(local.sinks.forward.spool.unacked, EVENTS);
  await s.local.waitForStderr(/forwarding to .*: the upstream's link requires CURVE: .*; events wait in the spool/);
  const central = await s.central.control.request({ cmd: 'STATUS' });
  t.is(central.totals.received, 0);
  t.like(central.link.curve, { accepted: 0, refused: 0 });
  t.is(tallyNumbered(s.logPath).size, 0);
});

test('--check-config reads the key files that are set, and refuses settings that do not go together', (t) => {
  const keys = makeKeys(t, 'central', 'local');
  const check = (...args: string[]): { status: number | null; stderr: string } => {
    const r = spawnSync(process.execPath, [OXD_BUNDLE, '--config', '/dev/null', '--check-config', ...args], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stderr: r.stderr };
  };
  const central = path.join(keys, 'central');
  t.like(check('--link-key', central, '--link-clients', keys), { status: 0 });
  t.like(check('--link-key', path.join(keys, 'local'), '--link-server-key', `${central}.pub`, '--spool-path', path.join(keys, 'spool'), '--link', ''), { status: 0 });
  fs.writeFileSync(path.join(keys, 'broken'), 'public-key = "nope"\n');
  const broken = check('--link-key', path.join(keys, 'broken'), '--link-clients', keys);
  t.is(broken.status, 1);
  t.true(broken.stderr.includes(`ELINKKEY: ${path.join(keys, 'broken')}: line 1: public-key is not a key`), broken.stderr);
  const alone = check('--link-server-key', `${central}.pub`);
  t.is(alone.status, 1);
  t.regex(alone.stderr, /ELINKKEY: link_server_key is set .* but link_key is empty/);
  const noClients = check('--link-key', central);
  t.is(noClients.status, 1);
  t.regex(noClients.stderr, /ELINKKEY: link_key is set .* but link_clients is empty: set link_clients/);
});
