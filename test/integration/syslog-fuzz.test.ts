/**
 * The syslog phase of `make fuzz` (test/fuzz/syslog-phase.ts), short: 20,000
 * fuzzed messages over TCP and UDP to a real oxd with the hostile cases
 * around them (half-open connections, a flood beyond the cap, resets, TLS
 * clients on the plain port); every message and every problem counted
 * exactly, the final message intact, and after SIGTERM every message an
 * event in files Python reads to the end.
 *
 * Reproduce a failure with HOSTILE_SEED=<seed printed in the message>.
 */
import test from 'ava';
import { startOxd } from '../helpers/oxd-process';
import { SEED } from '../helpers/random';
import { SYSLOG_FUZZ_ARGS, syslogAfterStop, syslogTraffic } from '../fuzz/syslog-phase';

const FRAMES = Number(process.env.SYSLOG_FUZZ_FRAMES ?? 20_000);

test('fuzzed syslog over TCP and UDP with hostile connections around it: all counted, nothing lost', async (t) => {
  const oxd = await startOxd({ args: SYSLOG_FUZZ_ARGS });
  t.teardown(() => oxd.stop());
  const port = Number((await oxd.waitForStderr(/ syslog=127\.0\.0\.1:(\d+)/))[1]);
  const note = `seed ${SEED} (HOSTILE_SEED=${SEED} to reproduce)`;
  const { result, expectation } = await syslogTraffic({ oxd, port, seed: SEED, frames: FRAMES, log: (text) => t.log(text) });
  t.log(`${note}: ${result.frames} messages in ${result.seconds.toFixed(1)} s; ${JSON.stringify(result.totals)}`);
  t.deepEqual(result.mismatches, [], note);
  const after = await syslogAfterStop(oxd, await oxd.stop(), expectation);
  t.deepEqual(after, [], note);
});
