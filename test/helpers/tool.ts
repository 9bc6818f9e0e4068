/**
 * Runs a tool's real bundle (dist/<tool>.js) as a process, the way users
 * and scripts run it, and collects its output and exit status.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { REPO } from './oxd-process';

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ToolOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Run as this user and group (the test must run as root). */
  uid?: number;
  gid?: number;
}

export function toolPath(tool: string): string {
  return path.join(REPO, 'dist', `${tool}.js`);
}

export function runTool(tool: string, args: string[], options: ToolOptions = {}): Promise<ToolResult> {
  // Nothing from the developer's own environment: no state directories, no oxd addresses.
  const env: NodeJS.ProcessEnv = { ...process.env, BLUEOX_HOST: '', BLUEOX_CLIENT_HOST: '', NO_COLOR: '1', ...options.env };
  for (const name of ['STATE_DIRECTORY', 'XDG_STATE_HOME', 'BLUEOX_ADMIN_SOCKET', 'OXD_CONFIG']) {
    if (!options.env || !(name in options.env)) delete env[name];
  }
  const child = spawn(process.execPath, [toolPath(tool), ...args], {
    cwd: options.cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    uid: options.uid,
    gid: options.gid,
    timeout: options.timeoutMs ?? 60_000,
    killSignal: 'SIGKILL',
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.on('error', () => undefined);
  child.stdin.end(options.input ?? '');
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}
