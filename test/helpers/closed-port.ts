/**
 * A loopback port with nothing listening, held so by closed_port.py (bound,
 * never listening) for as long as the test runs: a connection to it is
 * refused every time, where a port found free and let go may meanwhile be
 * taken by any other process of the suite.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { REPO } from './oxd-process';
import { Output } from './output';
import type { Teardown } from './peer-daemon';

const HOLDER = path.join(REPO, 'test', 'helpers', 'closed_port.py');

/** The port; released at the teardown of `t` (or when this process exits: the holder's stdin closes). */
export async function closedPort(t: Teardown): Promise<number> {
  const child = spawn('/usr/bin/python3', [HOLDER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  t.teardown(async () => {
    child.stdin!.end();
    await exited;
  });
  const output = new Output(child.stdout!, 'closed_port.py');
  return Number((await output.waitFor(/^port (\d+)$/m, 20_000))[1]);
}
