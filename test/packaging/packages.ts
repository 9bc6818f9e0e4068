/**
 * The Debian packages `make deb` leaves in dist/deb, and ways to look inside
 * them: their file lists and control fields (dpkg-deb), an extraction of both
 * into one tree (dpkg -x, as they would be installed), and running commands
 * from that tree with nothing of the repository on the way.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO, tempDir } from '../helpers/oxd-process';

export const VERSION: string = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version;
export const DEB_ARCH = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
export const DEB_DIR = path.join(REPO, 'dist', 'deb');
export const PACKAGES = ['blueox-oxd', 'blueox-tools'] as const;
export type PackageName = (typeof PACKAGES)[number];

export function debFile(pkg: PackageName): string {
  const file = path.join(DEB_DIR, `${pkg}_${VERSION}_${DEB_ARCH}.deb`);
  if (!fs.existsSync(file)) throw new Error(`${path.relative(REPO, file)} is missing: run make deb (make test does)`);
  return file;
}

export interface Entry {
  mode: string;
  path: string;
  /** For symbolic links, the target. */
  target?: string;
}

/** `dpkg-deb -c`: every entry, with its permissions and a path without the leading ".". */
export function contents(pkg: PackageName): Entry[] {
  const out = execFileSync('dpkg-deb', ['-c', debFile(pkg)], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((line) => {
      const m = /^(\S+)\s+\S+\s+\d+\s+\S+\s+\S+\s+\.(\/.*?)(?: -> (.*))?$/.exec(line);
      if (!m) throw new Error(`unexpected dpkg-deb -c line: ${line}`);
      return { mode: m[1], path: m[2].replace(/\/$/, '') || '/', target: m[3] };
    });
}

/** The regular files (and links) only. */
export function files(pkg: PackageName): Entry[] {
  return contents(pkg).filter((e) => !e.mode.startsWith('d'));
}

export function field(pkg: PackageName, name: string): string {
  return execFileSync('dpkg-deb', ['-f', debFile(pkg), name], { encoding: 'utf8' }).trim();
}

/** A control-archive member (postinst, conffiles, ...), or "" when there is none. */
export function controlFile(pkg: PackageName, member: string): string {
  const dir = tempDir('blueox-control-');
  execFileSync('dpkg-deb', ['-e', debFile(pkg), dir]);
  const file = path.join(dir, member);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

let extracted: string | null = null;

/** Both packages unpacked into one new folder (dpkg -x), once per test process. */
export function extractedRoot(): string {
  if (extracted === null) {
    const dir = tempDir('blueox-debs-');
    for (const pkg of PACKAGES) execFileSync('dpkg', ['-x', debFile(pkg), dir]);
    extracted = dir;
  }
  return extracted;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment a packaged command gets here: this machine's, without
 * NODE_PATH or NODE_OPTIONS (nothing may come from the repository) and
 * without BlueOx settings from the developer's shell.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(NODE_PATH|NODE_OPTIONS|OXD_|BLUEOX_|LISTEN_|NOTIFY_SOCKET|WATCHDOG_|STATE_DIRECTORY|XDG_STATE_HOME)/.test(name)) delete env[name];
  }
  return { ...env, ...extra };
}

/** Runs an extracted program (by its own #! line), from a folder outside the repository. */
export function runExtracted(
  program: string,
  args: string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  const child = spawn(path.join(extractedRoot(), program), args, {
    cwd: os.tmpdir(),
    env: cleanEnv(opts.env),
    stdio: ['pipe', 'pipe', 'pipe'],
    timeout: opts.timeoutMs ?? 30_000,
    killSignal: 'SIGKILL',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => undefined);
  child.stdin.end(opts.input ?? '');
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** `[Section]` -> key -> values (in order) of a unit file. */
export function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current === null || eq < 0) throw new Error(`unexpected unit line: ${raw}`);
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}

export function unitText(unit: string): string {
  return fs.readFileSync(path.join(extractedRoot(), 'lib', 'systemd', 'system', unit), 'utf8');
}

/**
 * Debian bookworm's own nodejs (18, the Node.js the packages meet on a
 * bookworm machine), unpacked from the archive with `apt-get download` into
 * build/deb/bookworm-node (once), not installed: this machine keeps its own
 * nodejs. That nodejs loads some of its built-in modules from
 * /usr/share/nodejs, so the returned wrapper overlays the unpacked
 * /usr/share on the real one in a private mount namespace (needs root).
 */
export function bookwormNode(): string {
  const dir = path.join(REPO, 'build', 'deb', 'bookworm-node');
  const wrapper = path.join(dir, 'node');
  if (fs.existsSync(wrapper)) return wrapper;
  const show = execFileSync('apt-cache', ['show', '--no-all-versions', 'libnode108'], { encoding: 'utf8' });
  const version = /^Version: (\S+)$/m.exec(show)?.[1];
  if (!version) throw new Error('apt-cache knows no libnode108: is this Debian bookworm with its apt lists?');
  const debs = path.join(dir, 'debs');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(debs, { recursive: true });
  const wanted = [`nodejs=${version}`, `libnode108=${version}`, 'libc-ares2', 'libuv1', 'libicu72', 'libnghttp2-14', 'libbrotli1',
    'node-cjs-module-lexer', 'node-acorn', 'node-undici', 'node-busboy'];
  execFileSync('apt-get', ['download', '-q', ...wanted], { cwd: debs, stdio: ['ignore', 'ignore', 'pipe'] });
  const root = path.join(dir, 'root');
  for (const deb of fs.readdirSync(debs)) execFileSync('dpkg-deb', ['-x', path.join(debs, deb), root]);
  const multiarch = execFileSync('dpkg-architecture', ['-qDEB_HOST_MULTIARCH'], { encoding: 'utf8' }).trim();
  fs.writeFileSync(
    `${wrapper}.tmp`,
    `#!/bin/sh
# Debian bookworm's nodejs ${version}, unpacked in ${root}.
exec unshare --mount --propagation private sh -c 'mount -t overlay -o lowerdir="$0/usr/share:/usr/share" overlay /usr/share && LD_LIBRARY_PATH="$0/usr/lib/${multiarch}" exec "$0/usr/bin/node" "$@"' '${root}' "$@"
`,
    { mode: 0o755 },
  );
  fs.renameSync(`${wrapper}.tmp`, wrapper);
  return wrapper;
}
