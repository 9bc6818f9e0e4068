/**
 * Loaded into oxd with NODE_OPTIONS=--require (node refuses --cpu-prof in
 * NODE_OPTIONS) when the benchmark runs with --cpu-prof: the first SIGUSR2
 * starts V8's sampling profiler, the second stops it and writes
 * `$BENCH_PROFILE_DIR/oxd-<pid>-<n>.cpuprofile`, so the profile covers the
 * timed window only. oxd itself never sees the signal.
 */
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as path from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  let running = false;
  let written = 0;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')),
      );
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (err) {
        process.stderr.write(`cpu-profile-preload: ${err.message}\n`);
        return;
      }
      const file = path.join(dir, `oxd-${process.pid}-${++written}.cpuprofile`);
      fs.writeFileSync(`${file}.tmp`, JSON.stringify(result.profile));
      fs.renameSync(`${file}.tmp`, file);
    });
  });
}
