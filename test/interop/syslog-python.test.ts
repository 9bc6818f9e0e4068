/**
 * Python's logging.handlers.SysLogHandler (as the Frozone document's
 * applications log) straight to oxd's syslog port, over UDP and over TCP
 * (where it ends each message with a NUL): every record one syslog event,
 * with its severity, tag and pid.
 */
import * as path from 'node:path';
import test from 'ava';
import { runCommand } from '../helpers/command';
import { eventsOfType } from '../helpers/oxd-events';
import { startOxd } from '../helpers/oxd-process';

const SCRIPT = path.join(__dirname, '..', '..', '..', 'test', 'interop', 'py', 'syslog_handler.py');

for (const kind of ['udp', 'tcp']) {
  test(`SysLogHandler over ${kind.toUpperCase()}: three records, three syslog events`, async (t) => {
    const oxd = await startOxd({ args: ['--syslog', '127.0.0.1:0'] });
    t.teardown(() => oxd.stop());
    const port = (await oxd.waitForStderr(/ syslog=127\.0\.0\.1:(\d+)/))[1];
    const r = await runCommand('/usr/bin/python3', [SCRIPT, port, kind]);
    t.is(r.code, 0, r.stderr);
    await oxd.waitForStatus((s) => s.events.syslog?.written === 3);
    const bodies = eventsOfType(oxd, 'syslog').map((e) => e.body);
    t.deepEqual(
      bodies.map((b) => [b.facility_name, b.severity_name, b.app_name, b.message]),
      [
        ['user', 'info', 'frozone', 'INFO order 42 placed'],
        ['user', 'warning', 'frozone', `WARNING Grüße from ${kind}`],
        ['user', 'err', 'frozone', 'ERROR payment failed'],
      ],
    );
    t.true(bodies.every((b) => /^\d+$/.test(b.procid) && b.format === 'rfc3164' && b.peer === '127.0.0.1'));
  });
}
