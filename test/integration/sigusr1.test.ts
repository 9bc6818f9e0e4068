import test from 'ava';
import { spawn } from 'node:child_process';
import { startOxd } from '../helpers/oxd-process';
import { toolPath } from '../helpers/tool';
import { waitUntil } from '../helpers/proc';

/** Node opens its inspector (a debugger anyone local can attach to) on SIGUSR1 unless the program takes the signal. */
test('SIGUSR1 never opens the inspector: oxd logs its counters instead', async (t) => {
  const oxd = await startOxd({ logPath: null });
  t.teardown(() => oxd.stop());
  oxd.child.kill('SIGUSR1');
  await waitUntil(() => /oxd: received 0, written 0/.test(oxd.stderr), 'oxd answered SIGUSR1');
  t.notRegex(oxd.stderr, /Debugger listening/);
  t.is((await oxd.control.request({ cmd: 'STATUS' })).totals.received, 0, 'still serving');
});

for (const [tool, args] of [['oxview', ['-H', '127.0.0.1:1']], ['oxstash', ['-H', '127.0.0.1:1', '-e', '127.0.0.1:1']]] as const) {
  test(`SIGUSR1 never opens the inspector in ${tool}`, async (t) => {
    const child = spawn(process.execPath, [toolPath(tool), ...args, '-v'], { stdio: ['ignore', 'ignore', 'pipe'] });
    t.teardown(() => child.kill('SIGKILL'));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitUntil(() => /waiting for oxd|oxstash/.test(stderr), `${tool} started`);
    child.kill('SIGUSR1');
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('close', resolve)); // stderr read to its end
    t.notRegex(stderr, /Debugger listening/);
  });
}
