/**
 * The ways a local oxd forwards to a central oxd that the link benchmark
 * compares, and the pair of real daemons (dist/oxd.js) for each: the central
 * writes files (and keeps its links' memory in its own spool folder, as the
 * package's oxd.conf sets), the local writes no files and forwards
 * everything to the central's collect port.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Oxd, OXD_BUNDLE, startOxd } from '../helpers/oxd-process';
import { track } from './line-child';

export type Way = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
export const WAYS: Way[] = ['A', 'B', 'C', 'D', 'E', 'F'];

export const WAY_LABELS: Record<Way, string> = {
  A: 'A memory queue, PUSH',
  B: 'B disk spool + link, zlib',
  C: 'C disk spool + link, no compression',
  D: 'D as B, spool fsync every 10 ms',
  E: 'E as B, with CURVE',
  F: 'F as C, with CURVE',
};

/** Ways whose link uses CURVE: the central requires it and allows the local's key. */
const CURVE_WAYS: Way[] = ['E', 'F'];

/** Key pairs made by oxd --make-link-key in `dir`: the central's, and the local's (allowed in clients/). */
function makeKeys(dir: string): { central: string; local: string; clients: string } {
  const clients = path.join(dir, 'clients');
  fs.mkdirSync(clients);
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('OXD_')) delete env[name];
  for (const name of ['central', 'local']) {
    const r = spawnSync(process.execPath, [OXD_BUNDLE, '--make-link-key', path.join(dir, name)], { encoding: 'utf8', env, timeout: 30_000 });
    if (r.status !== 0) throw new Error(`oxd --make-link-key failed: ${r.stderr}`);
  }
  fs.copyFileSync(path.join(dir, 'local.pub'), path.join(clients, 'local.pub'));
  return { central: path.join(dir, 'central'), local: path.join(dir, 'local'), clients };
}

/** The local's flags beyond --forward: without a spool path it keeps a memory queue and PUSHes. */
function localArgs(way: Way, spool: string): string[] {
  switch (way) {
    case 'A':
      return [];
    case 'B':
      return ['--spool-path', spool];
    case 'C':
      return ['--spool-path', spool, '--link-compression', 'none'];
    case 'D':
      return ['--spool-path', spool, '--spool-fsync', '10'];
    case 'E':
      return ['--spool-path', spool];
    case 'F':
      return ['--spool-path', spool, '--link-compression', 'none'];
  }
}

export interface OxdPair {
  central: Oxd;
  local: Oxd;
  /** The central's files. */
  logPath: string;
  /** Stops the local (its queue drains or stays in its spool), then the central; removes their folders. */
  stop(): Promise<void>;
}

/** SIGTERM (oxd drains and flushes), SIGKILL if it has not exited after `graceMs`. */
async function stopOxd(name: string, oxd: Oxd, graceMs = 15_000): Promise<void> {
  const child = oxd.child;
  const timer = setTimeout(() => {
    process.stderr.write(`${name} oxd (pid ${child.pid}) did not exit within ${graceMs} ms of SIGTERM: SIGKILL\n`);
    child.kill('SIGKILL');
  }, graceMs);
  const r = await oxd.stop();
  clearTimeout(timer);
  if (r.code !== 0 && r.signal !== 'SIGKILL') process.stderr.write(`${name} oxd exited with ${r.signal ?? r.code}:\n${r.stderr.slice(-3000)}\n`);
}

/** A central and a local forwarding to it the given way, in a new folder under `tempDir`. */
export async function startPair(way: Way, tempDir: string): Promise<OxdPair> {
  const dir = fs.mkdtempSync(path.join(tempDir, `link-${way}-`));
  const logPath = path.join(dir, 'central-log');
  // The same central for every way: what differs is how the local sends.
  const keys = CURVE_WAYS.includes(way) ? makeKeys(dir) : null;
  const centralCurve = keys ? ['--link-key', keys.central, '--link-clients', keys.clients] : [];
  const localCurve = keys ? ['--link-key', keys.local, '--link-server-key', `${keys.central}.pub`] : [];
  const central = await startOxd({ logPath, args: ['--spool-path', path.join(dir, 'central-spool'), ...centralCurve] });
  track(central.child);
  let local: Oxd;
  try {
    local = await startOxd({ logPath: null, args: ['--forward', central.collect, ...localArgs(way, path.join(dir, 'local-spool')), ...localCurve] });
    track(local.child);
  } catch (err) {
    await stopOxd('central', central);
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    central,
    local,
    logPath,
    async stop() {
      try {
        await stopOxd('local', local);
      } finally {
        await stopOxd('central', central);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
