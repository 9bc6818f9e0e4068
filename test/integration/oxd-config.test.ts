import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCommand } from '../helpers/command';
import { OXD_BUNDLE, startOxd, tempDir } from '../helpers/oxd-process';

function conf(text: string): string {
  const file = path.join(tempDir('oxd-conf-'), 'oxd.conf');
  fs.writeFileSync(file, text);
  return file;
}

// Run asynchronously: the SIGHUP test's oxd keeps being read meanwhile.
const oxdRun = (args: string[], env: NodeJS.ProcessEnv = {}) => runCommand(process.execPath, [OXD_BUNDLE, ...args], { env: { ...process.env, ...env } });
const check = (args: string[], env: NodeJS.ProcessEnv = {}) => oxdRun(['--check-config', ...args], env);

test('--check-config: 0 and the effective settings for a good file, 1 and the reason for a bad one', async (t) => {
  const good = await check(['--config', conf('log_path = "/srv/blueox"\nrotate_hours = 3\n'), '--rotate-hours', '6']);
  t.is(good.code, 0, good.stderr);
  t.regex(good.stdout, /^configuration ok \(.*oxd\.conf\)\n/);
  t.regex(good.stdout, /^log_path = "\/srv\/blueox"$/m);
  t.regex(good.stdout, /^rotate_hours = 6$/m);
  t.regex(good.stdout, /^collect = "127\.0\.0\.1:3514"$/m);

  const badFile = conf('log_path = "/srv/blueox"\nverbose = 3\n');
  const bad = await check(['--config', badFile]);
  t.is(bad.code, 1);
  t.is(bad.stdout, '');
  t.regex(bad.stderr, new RegExp(`^oxd: ${badFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: verbose = 3 is not allowed; verbose must be one of the known keys`));

  const env = await check(['--config', '/dev/null'], { OXD_DRAIN_TIMEOUT_MS: '-5' });
  t.is(env.code, 1);
  t.regex(env.stderr, /environment OXD_DRAIN_TIMEOUT_MS: drain_timeout_ms = "-5"/);
  t.is((await check(['--config', '/nonexistent/oxd.conf'])).code, 1);
});

test('a bad configuration file stops start-up; a bad flag is a usage error', async (t) => {
  const started = await oxdRun(['--config', conf('rotate_hours = "x"\n')]);
  t.is(started.code, 1);
  t.regex(started.stderr, /rotate_hours = "x" is not allowed; rotate_hours must be an integer from 0 \(daily files\) to 12/);
  const flag = await oxdRun(['--config', '/dev/null', '--rotate-hours', 'x']);
  t.is(flag.code, 2);
  t.regex(flag.stderr, /option --rotate-hours/);
});

test('SIGHUP reloads the file: what can change applies at once, the rest is named; a broken file changes nothing', async (t) => {
  const file = conf('verbosity = 0\n');
  const oxd = await startOxd({ args: ['--config', file] });
  t.teardown(() => oxd.stop());
  const central = await startOxd();
  t.teardown(() => central.stop());

  fs.writeFileSync(file, `verbosity = 1\nforward = "${central.collect}"\nrotate_hours = 2\n`);
  oxd.child.kill('SIGHUP');
  await oxd.waitForStderr(/configuration reloaded; restart oxd to apply: rotate_hours/);
  // (logged before the reload's own line)
  t.regex(oxd.stderr, /forwarding started to /);
  const status = await oxd.control.request({ cmd: 'STATUS' });
  t.is(status.sinks.forward.target, central.collect);

  fs.writeFileSync(file, 'verbosity = [\n');
  oxd.child.kill('SIGHUP');
  await oxd.waitForStderr(/configuration not reloaded, the running settings stay: .*not valid TOML/);
  t.is((await oxd.control.request({ cmd: 'STATUS' })).sinks.forward.target, central.collect);
});
