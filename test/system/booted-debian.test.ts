/**
 * The booted-Debian system test: Debian bookworm with systemd under qemu, the
 * project's .debs installed with apt-get and used as an operator would
 * (test/system/guest/stages/*.sh). The guest only acts and records; every
 * judgement is here, on what came back (see results.ts). The guest run itself
 * takes a few minutes (software emulation): the first test to ask for the
 * results starts it (or make system-test has already run it).
 */
import test, { ExecutionContext } from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listFiles, readEvents } from '../helpers/events';
import { Results, ROOT, results } from './results';

const WAIT_MS = 30 * 60 * 1000;

async function get(t: ExecutionContext): Promise<Results> {
  t.timeout(WAIT_MS, 'the booted-Debian run did not finish');
  return results();
}

/** Events of exactly `type` that oxd wrote, from the copy of /var/log/blueox taken before purge. */
function events(r: Results, type: string): any[] {
  const root = path.join(r.dir, 'logs');
  const name = new RegExp(`^\\d{8}/${type.replace(/\./g, '\\.')}-\\d{8,10}\\.log$`);
  return listFiles(root)
    .filter((f) => name.test(f))
    .flatMap((f) => readEvents(path.join(root, f)));
}

function expectedStages(): string[] {
  const only = process.env.BLUEOX_SYSTEM_STAGES?.split(/\s+/).filter(Boolean);
  return fs
    .readdirSync(path.join(ROOT, 'test/system/guest/stages'))
    .filter((f) => /^\d\d-.*\.sh$/.test(f))
    .map((f) => f.replace(/\.sh$/, ''))
    .filter((s) => !only || only.some((o) => s.startsWith(o)));
}

test('the guest booted Debian with systemd and ran every stage to its end', async (t) => {
  const r = await get(t);
  const h = r.host.timing_s;
  t.log(`timing (s): ${Object.entries(h).map(([k, v]) => `${k} ${v}`).join(', ')}; image ${r.host.image_cached ? 'cached' : 'built'}`);
  t.log(`guest stages (s): ${r.stages.map((s) => `${s.name} ${(s.ms / 1000).toFixed(1)}`).join(', ')}`);
  t.is(r.get('guest.pid1'), 'systemd', 'PID 1 in the guest is not systemd');
  t.regex(r.get('guest.node'), /^v18\./, "the guest's node is not Debian bookworm's nodejs 18");
  t.is(r.get('guest.network').trim(), 'lo', 'the guest must have no network (only lo)');
  for (const name of expectedStages()) {
    const s = r.stages.find((x) => x.name === name);
    t.truthy(s, `guest stage ${name} did not run (see run.log)`);
    if (!s) continue;
    const skipped = r.obs.get(`skipped.${name}`);
    t.is(s.exit, 0, `guest stage ${name} exited ${s.exit}${skipped ? `: skipped because ${skipped}` : ''} (see run.log)`);
  }
});

test('apt-get install of both .debs works offline, creates _blueox, /var/log/blueox and the commands', async (t) => {
  const r = await get(t);
  t.log(`packages: ${r.host.debs.join(' ')}`);
  t.is(r.get('install-apt.txt.rc'), '0', `apt-get install failed${r.tail('install-apt.txt')}`);
  for (const p of ['blueox-oxd', 'blueox-tools']) {
    t.regex(r.get(`install.status.${p}`), /^install ok installed /, `${p} is not installed`);
  }
  const user = r.get('install.user').split(':');
  t.is(user[0], '_blueox', 'no _blueox user');
  t.true(Number(user[2]) < 1000, `_blueox is not a system user (uid ${user[2]})`);
  t.regex(user[6] ?? '', /nologin|false/, `_blueox has a login shell: ${user[6]}`);
  t.regex(r.get('install.logdir'), /^_blueox:_blueox /, `/var/log/blueox is not owned by _blueox: ${r.get('install.logdir')}`);
  t.true(r.get('install.conffiles').split(' ').includes('/etc/blueox/oxd.conf'), '/etc/blueox/oxd.conf is not a conffile');
  t.notRegex(r.get('install.tools'), /missing:/, `commands missing from PATH: ${r.get('install.tools')}`);
  t.is(r.get('install-check-config.txt.rc'), '0', `oxd --check-config fails on the shipped file${r.tail('install-check-config.txt')}`);
});

test('man oxview and man 8 oxd render in the guest', async (t) => {
  const r = await get(t);
  t.is(r.get('man-oxview.txt.rc'), '0', `man oxview failed${r.tail('man-oxview.txt')}`);
  t.true(Number(r.get('man.oxview_lines')) > 20, 'man oxview printed almost nothing');
  t.regex(r.text('man-oxview.txt'), /oxview/i);
  t.is(r.get('man-oxd.txt.rc'), '0', `man 8 oxd failed${r.tail('man-oxd.txt')}`);
});

test('socket activation: oxd does not run until the first connection, which starts it as _blueox', async (t) => {
  const r = await get(t);
  t.is(r.get('activation-enable.txt.rc'), '0', `systemctl enable --now oxd.socket failed${r.tail('activation-enable.txt')}`);
  t.is(r.get('activation.socket'), 'active', 'oxd.socket is not active');
  const listening = r.get('activation.listening').split(' ');
  t.true(listening.includes('127.0.0.1:3514'), `nothing listens on 127.0.0.1:3514: ${listening.join(' ')}`);
  t.true(listening.includes('127.0.0.1:3513'), `nothing listens on 127.0.0.1:3513: ${listening.join(' ')}`);
  t.is(r.get('activation.service_before'), 'inactive', 'oxd.service was already running before any connection');
  t.is(r.get('activation.processes_before'), '0', 'a _blueox process ran before any connection');
  t.true(r.waited('activation.started'), `oxd.service did not become active after a connection (${r.get('activation.started')}, state ${r.get('activation.service_after')}); journal:\n${r.journalLines(/oxd\[|oxd\.service/).slice(0, 12).join('\n')}`);
  t.log(`first connection to active (READY=1): ${r.get('activation.start_ms')} ms`);
  t.is(r.get('activation.user'), '_blueox', 'oxd does not run as _blueox');
  t.regex(r.get('activation.triggered_by'), /oxd\.socket/, 'oxd.service is not triggered by oxd.socket');
  t.regex(r.get('activation.ready_line'), /ready collect=127\.0\.0\.1:3514 control=127\.0\.0\.1:3513 /, 'oxd did not log that it adopted the ports');
});

test('a Node application using the blueox npm package sends events that land in the files', async (t) => {
  const r = await get(t);
  t.is(r.get('send-node.txt.rc'), '0', `the Node application failed${r.tail('send-node.txt')}`);
  const n = Number(r.get('send.node_n'));
  const top = events(r, 'systest_node');
  const db = events(r, 'systest_node.db');
  t.is(top.length, n, `systest_node events in the files: ${top.length}, sent ${n}`);
  t.is(db.length, n, `systest_node.db events in the files: ${db.length}, sent ${n}`);
  t.deepEqual(top.map((e) => e.body.i).sort((a, b) => a - b), [...Array(n).keys()], 'systest_node bodies do not carry i = 0..n-1');
  t.true(top.every((e) => e.body.response?.status === 200 && /^v18\./.test(e.body.runtime?.node)), 'a systest_node body lacks response.status or runtime.node v18');
  const ids = new Set(top.map((e) => e.id));
  t.true(db.every((e) => ids.has(e.id)), 'a .db child event does not share its parent\'s id');
  t.true(top.every((e) => e.host === 'vmtest' && e.type === 'systest_node'), 'host/type wrong in a systest_node event');
});

test('a Python sender packing as the original Python 2 client sends events that land in the files', async (t) => {
  const r = await get(t);
  t.is(r.get('send-py.txt.rc'), '0', `the Python sender failed${r.tail('send-py.txt')}`);
  const n = Number(r.get('send.py_n'));
  const evs = events(r, 'systest_py');
  t.is(evs.length, n, `systest_py events in the files: ${evs.length}, sent ${n}`);
  t.deepEqual(evs.map((e) => e.body.i), [...Array(n).keys()], 'systest_py events are not all there in order');
  t.true(evs.every((e) => e.body.text === 'Grüße ☃'), 'a non-ASCII string did not survive');
});

test('event files are <YYYYMMDD>/<TYPE>-<YYYYMMDD>.log, owned by _blueox', async (t) => {
  const r = await get(t);
  const lines = r.text('send-files.txt').split('\n').filter((l) => / f \d{8}\/systest_/.test(l));
  t.true(lines.length >= 3, `expected the systest files under /var/log/blueox, found:${r.tail('send-files.txt')}`);
  for (const l of lines) {
    t.regex(l, /^_blueox:_blueox \d+ f \d{8}\/systest_[a-z_.]+-\d{8}\.log$/, `file not owned by _blueox or misnamed: ${l}`);
  }
  const days = r.text('send-files.txt').split('\n').filter((l) => / d \d{8}$/.test(l));
  t.true(days.length > 0 && days.every((l) => l.startsWith('_blueox:_blueox ')), `day folders not owned by _blueox:${r.tail('send-files.txt')}`);
});

test('oxview reads the files and oxctl shows the counters', async (t) => {
  const r = await get(t);
  t.is(r.get('oxview-node.jsonl.rc'), '0', `oxview -l failed${r.tail('oxview-node.jsonl')}`);
  const node = r.text('oxview-node.jsonl').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const n = Number(r.get('send.node_n'));
  t.is(node.filter((e) => e.type === 'systest_node').length, n, 'oxview -n systest_node* did not show every systest_node event');
  t.is(node.filter((e) => e.type === 'systest_node.db').length, n, 'oxview -n systest_node* did not show every systest_node.db event');
  t.is(r.get('oxview-py.jsonl.rc'), '0', `oxview FILE failed${r.tail('oxview-py.jsonl')}`);
  t.is(r.text('oxview-py.jsonl').split('\n').filter(Boolean).length, Number(r.get('send.py_n')));
  t.regex(r.text('oxview-pretty.txt'), /=== systest_py \(/, 'oxview --pretty did not print the original header');
  t.is(r.get('oxctl.txt.rc'), '0', `oxctl failed${r.tail('oxctl.txt')}`);
  t.regex(r.text('oxctl.txt'), /systest_py\s.*\s40\s+40\s/, `oxctl does not show systest_py received/written 40${r.tail('oxctl.txt', 30)}`);
  const raw = r.json('oxctl-raw.json');
  t.is(raw?.events?.systest_node?.written, n, 'oxctl --raw: systest_node written');
  t.is(raw?.events?.systest_py?.written, Number(r.get('send.py_n')), 'oxctl --raw: systest_py written');
});

test('a statsd datagram to 127.0.0.1:8125 starts oxd through oxd-statsd.socket and shows in oxctl status', async (t) => {
  const r = await get(t);
  t.is(r.get('statsd.socket'), 'active', `oxd-statsd.socket is not active${r.tail('statsd-enable.txt')}`);
  t.regex(r.get('statsd.listening_udp'), /127\.0\.0\.1:8125/, 'nothing listens on UDP 127.0.0.1:8125');
  t.regex(r.get('statsd.listening_tcp'), /127\.0\.0\.1:8125/, 'nothing listens on TCP 127.0.0.1:8125');
  t.is(r.get('statsd.service_stopped'), 'inactive', 'oxd.service did not stop');
  t.true(r.waited('statsd.started'), `a datagram did not start oxd.service (${r.get('statsd.started')})`);
  t.regex(r.get('statsd.triggered_by'), /oxd-statsd\.socket/, 'oxd.service is not triggered by oxd-statsd.socket');
  t.regex(r.get('statsd.ready_line'), / statsd=127\.0\.0\.1:8125 /, 'oxd did not adopt the statsd sockets');
  t.true(r.waited('statsd.counted'), `oxctl status never counted the datagram's two lines${r.tail('statsd-oxctl.txt', 20)}`);
  const raw = r.json('statsd-oxctl.json');
  t.is(raw?.statsd?.packets_received, 1, 'the datagram that started oxd was read, once');
  t.is(raw?.statsd?.bad_lines_seen, 0);
  t.regex(r.text('statsd-oxctl.txt'), /Statsd: 127\.0\.0\.1:8125, interval 10 s/, `oxctl does not show the statsd source${r.tail('statsd-oxctl.txt', 20)}`);
});

test('a central log host: oxd-syslog.socket, off until enabled, gives oxd port 514; the guest\'s rsyslog forwards and `logger` shows in oxview', async (t) => {
  const r = await get(t);
  t.is(r.get('syslog.enabled_before'), 'disabled', 'the package must not enable the syslog socket by itself');
  t.is(r.get('syslog.listening_before').trim(), '', `port 514 was open before the administrator enabled it: ${r.get('syslog.listening_before')}`);
  t.is(r.get('syslog-start.txt.rc'), '0', `systemctl start oxd-syslog.socket oxd.service failed${r.tail('syslog-start.txt')}${r.tail('syslog-journal.txt')}`);
  t.is(r.get('syslog.socket'), 'active', `oxd-syslog.socket is not active${r.tail('syslog-journal.txt')}`);
  t.regex(r.get('syslog.listening_udp'), /(^|\s)(\*|\[::\]|0\.0\.0\.0):514\b/, 'nothing listens on UDP port 514 on every address');
  t.regex(r.get('syslog.listening_tcp'), /(^|\s)(\*|\[::\]|0\.0\.0\.0):514\b/, 'nothing listens on TCP port 514 on every address');
  t.true(r.waited('syslog.oxd_up'), 'oxd did not come back after the restart');
  t.regex(r.get('syslog.ready_line'), / syslog=\S+:514 /, `oxd did not adopt the syslog sockets: ${r.get('syslog.ready_line')}`);
  t.is(r.get('syslog.rsyslog'), 'active', `the guest's rsyslog did not restart${r.tail('syslog-rsyslog-restart.txt')}`);
  t.is(r.get('syslog.logger'), 'ok');
  t.true(r.waited('syslog.arrived'), `logger's message never showed in oxview -n syslog (${r.get('syslog.arrived')})`);
  const token = r.get('syslog.token');
  const shown = r.text('syslog-oxview.txt').split('\n').filter((l) => l.includes(token));
  t.is(shown.length, 1, `the message should show once:${r.tail('syslog-oxview.txt')}`);
  const e = JSON.parse(shown[0]);
  t.is(e.type, 'syslog');
  t.is(e.host, r.get('syslog.hostname'), "the event's host is the guest's hostname, from the message");
  t.like(e.body, { facility_name: 'local3', severity_name: 'warning', app_name: 'systest-app', message: token, hostname: r.get('syslog.hostname'), peer: '127.0.0.1' });
  const line = r.text('syslog-oxview-line.txt').trim();
  t.regex(line, new RegExp(`^[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d ${r.get('syslog.hostname')} systest-app(\\[\\d+\\])?: ${token}$`), 'oxview --syslog: a classic syslog line');
  const raw = r.json('syslog-oxctl.json');
  t.true(raw?.syslog?.tcp_accepted >= 1, 'oxctl --raw: the rsyslog connection');
  t.regex(r.text('syslog-oxctl.txt'), /Syslog: \S+:514, \d+ messages/, `oxctl does not show the syslog source${r.tail('syslog-oxctl.txt', 20)}`);
});

test('active checks as a service: oxpoke.service, off until enabled, checks a service in the guest; its runs and changes of state show in oxview and the journal; reload takes a new file', async (t) => {
  const r = await get(t);
  const journal = r.tail('poke-journal.txt', 30);
  t.is(r.get('poke.enabled_before'), 'disabled', 'the package must not enable oxpoke.service by itself');
  t.is(r.get('poke.active_before'), 'inactive', 'the package must not start oxpoke.service by itself');
  t.true(r.waited('poke.target_up'), `the guest's HTTP service did not start${r.tail('poke-target.txt')}`);
  t.is(r.get('poke-enable.txt.rc'), '0', `systemctl enable --now oxpoke failed${r.tail('poke-enable.txt')}${journal}`);
  t.is(r.get('poke.active'), 'active', `oxpoke.service is not active${journal}`);
  t.is(r.get('poke.main_user').trim(), '_blueox', 'oxpoke runs as _blueox');
  t.true(r.waited('poke.ok_event'), `no poke event with outcome OK in oxview -n poke${journal}`);
  const ok = JSON.parse(r.text('poke-oxview-ok.txt').trim().split('\n').pop()!);
  t.like(ok, { type: 'poke' });
  t.like(ok.body, { check: 'add', outcome: 'OK' });
  t.true(r.waited('poke.critical_line'), `no journal line "systest/add: OK -> CRITICAL" once the service answered 500${journal}`);
  t.true(r.waited('poke.back_line'), `no journal line "systest/add: CRITICAL -> OK" once the service answered 200 again${journal}`);
  t.true(r.waited('poke.state_events'), `fewer than 2 poke_state events for systest/add${r.tail('poke-oxview-state.txt')}`);
  const states = r
    .text('poke-oxview-state.txt')
    .split('\n')
    .filter((l) => l.includes('systest/add'))
    .map((l) => JSON.parse(l).body);
  t.deepEqual(states.slice(0, 2).map((b) => [b.from, b.to]), [['OK', 'CRITICAL'], ['CRITICAL', 'OK']]);
  t.is(r.get('poke-reload.txt.rc'), '0', `systemctl reload oxpoke failed${r.tail('poke-reload.txt')}${journal}`);
  t.true(r.waited('poke.again_event'), `the check of the file added before the reload never ran${journal}`);
  t.is(r.get('poke.same_pid'), 'yes', 'a reload must not restart oxpoke');
  t.is(r.get('poke-stop.txt.rc'), '0', `systemctl disable --now oxpoke failed${r.tail('poke-stop.txt')}`);
  t.is(r.get('poke.result'), 'success', `oxpoke did not stop cleanly${journal}`);
});

test('systemctl status oxd shows the STATUS line with live counters (sd_notify)', async (t) => {
  const r = await get(t);
  t.true(r.waited('send.status_counted'), `StatusText never counted the events sent: "${r.get('send.status_text')}"`);
  t.regex(r.get('send.status_text'), /received \d+, written \d+/);
  t.regex(r.text('status-oxd.txt'), /Status: "received \d+, written \d+/, `systemctl status shows no STATUS line${r.tail('status-oxd.txt', 20)}`);
});

test('systemctl reload applies an edited oxd.conf and refuses a broken one while oxd keeps running', async (t) => {
  const r = await get(t);
  const pid = r.get('reload.pid_before');
  t.is(r.get('reload-verbosity.txt.rc'), '0', `systemctl reload oxd failed${r.tail('reload-verbosity.txt')}`);
  t.is(r.get('reload.pid_after'), pid, 'reload replaced the process (a restart, not a reload)');
  t.is(r.get('reload.debug_lines_before'), '0', 'debug lines were logged before verbosity was raised');
  t.true(r.waited('reload.debug_logged'), `verbosity = 2 was not applied: no "control request STATUS" debug line${r.tail('reload-journal.txt')}`);
  t.not(r.get('reload-broken.txt.rc'), '0', 'systemctl reload accepted a file with an unknown key');
  t.is(r.get('reload.broken_active'), 'active', 'oxd is not active after a refused reload');
  t.is(r.get('reload.broken_pid'), pid, 'oxd was replaced after a refused reload');
  t.regex(r.text('reload-broken-journal.txt'), /no_such_setting/, `the journal does not say which key was wrong${r.tail('reload-broken-journal.txt')}`);
  t.true(r.waited('reload.broken_still_debug'), 'after the refused reload oxd no longer runs with its previous settings');
  t.is(r.get('reload-restore.txt.rc'), '0', `reload of the restored file failed${r.tail('reload-restore.txt')}`);
});

test('the watchdog: oxd pings within WatchdogSec= and a frozen oxd is killed and comes back', async (t) => {
  const r = await get(t);
  t.notRegex(r.get('watchdog.shipped_usec'), /^(0|infinity|)$/, 'oxd.service as shipped sets no WatchdogSec=');
  t.is(r.get('watchdog.test_usec'), '3s');
  t.true(Number(r.get('watchdog.pings')) >= 5, `only ${r.get('watchdog.pings')} watchdog pings seen in ${r.get('watchdog.observed_ms')} ms`);
  t.true(Number(r.get('watchdog.observed_ms')) >= 9000, 'observed for less than three intervals');
  t.is(r.get('watchdog.pid_after'), r.get('watchdog.pid'), 'oxd was restarted while it should have been pinging');
  t.is(r.get('watchdog.active_after'), 'active');
  t.is(r.get('watchdog.nrestarts_delta'), '0');
  t.true(r.waited('watchdog.enforced'), `systemd did not log a watchdog timeout for a stopped (SIGSTOP) oxd${r.tail('watchdog-journal.txt')}`);
  t.true(r.waited('watchdog.killed'), 'the frozen oxd was not killed');
  t.true(r.waited('watchdog.back'), `oxd did not come back after the watchdog kill${r.tail('watchdog-journal.txt')}`);
  t.is(r.get('restart.watchdog_usec'), r.get('watchdog.shipped_usec'), 'the shipped WatchdogSec= did not apply again once the test drop-in was removed');
  t.log(`${r.get('watchdog.pings')} pings in ${r.get('watchdog.observed_ms')} ms at WatchdogSec=3; frozen oxd: "${r.get('watchdog.timeout_line')}", restart policy ${r.get('watchdog.restart_policy')}`);
});

test('systemctl restart, several times in a row under a steady 1,000 events/s: the connections are handed over, nothing lost', async (t) => {
  const r = await get(t);
  const sender = r.json('restart-sender.json');
  const count = r.json('restart-count.json');
  t.truthy(sender, `the load sender wrote no summary${r.tail('restart-sender.txt')}`);
  t.truthy(count, `the files could not be counted${r.tail('restart-count.json')}`);
  if (!sender || !count) return;
  const restarts = Number(r.get('restart.count'));
  t.true(restarts >= 3, 'the guest stage ran fewer than 3 restarts');
  for (let k = 1; k <= restarts; k++) {
    t.is(r.get(`restart-systemctl-${k}.txt.rc`), '0', `systemctl restart oxd #${k} failed${r.tail(`restart-systemctl-${k}.txt`)}`);
    t.not(r.get(`restart.${k}.new_pid`), r.get(`restart.${k}.old_pid`), `systemctl restart #${k} did not replace the process`);
  }
  t.true(r.waited('restart.settled'), 'oxd never settled (connections 0, written == received) after the sender finished');
  const sent: number = sender.sent;
  const inFiles: number = count.distinct;
  const lost = sent - inFiles;
  // Each stopped oxd's "stopped received=N"; the first one also counts what it had before the test.
  const stopped = r.text('restart-stopped-lines.txt').split('\n').filter((l) => /received=\d+/.test(l));
  // From senders: what oxd made itself from statsd lines (from_statsd=) is left out.
  const fromSenders = (l: string): number => Number(/received=(\d+)/.exec(l)![1]) - Number(/from_statsd=(\d+)/.exec(l)?.[1] ?? 0);
  const oldReceived = stopped.reduce((sum, l) => sum + fromSenders(l), 0) - Number(r.get('restart.old_baseline'));
  const newReceived = Number(r.get('restart.new_received'));
  const begin = Number(r.get('restart.begin'));
  const sentAt = (seq: number): string => {
    const mark = (sender.timeline as [number, number][]).find(([, n]) => n > seq);
    return mark ? `+${(mark[0] - begin).toFixed(2)} s` : '?';
  };
  const ranges = (count.missing_ranges as [number, number][]).map(([a, b]) => `${a}..${b} sent ${sentAt(a)}..${sentAt(b)}`);
  const took = Array.from({ length: restarts }, (_, k) => `${r.get(`restart.${k + 1}.ms`)} ms`).join(', ');
  t.log(
    `${restarts} restarts under load: sent ${sent} at ${sender.rate}/s, in files ${inFiles}, lost ${lost}, duplicates ${count.duplicates}; ` +
      `stopped oxds received ${oldReceived}, the last one ${newReceived}; each systemctl restart took ${took}; ` +
      `the sender blocked up to ${sender.max_send_block_s} s; missing ${ranges.join(', ') || 'none'}`,
  );
  t.is(stopped.length, restarts, `expected one "stopped received=" line per restart${r.tail('restart-journal.txt')}`);
  t.is(count.duplicates, 0, 'some events were written twice');
  // The sender's connection goes from each oxd to the next through systemd's fd store.
  const takeovers = r.text('restart-takeover-lines.txt').split('\n').filter((l) => l !== '');
  t.is(takeovers.length, restarts, `one "took over" line per restart${r.tail('restart-journal.txt')}`);
  t.true(takeovers.every((l) => /^took over [1-9]\d* collect connections$/.test(l)), `each new oxd took over the sender's connection: ${takeovers.join('; ')}`);
  const restartWindows = Array.from({ length: restarts }, (_, k) => {
    const from = Number(r.get(`restart.${k + 1}.begin`));
    return [from, from + Number(r.get(`restart.${k + 1}.ms`)) / 1000];
  });
  const sentBetween = (seq: number): [number, number] => {
    const marks = sender.timeline as [number, number][];
    const after = marks.find(([, n]) => n > seq);
    const before = [...marks].reverse().find(([, n]) => n <= seq);
    return [before?.[0] ?? begin, after?.[0] ?? Infinity];
  };
  const outside = (count.missing_ranges as [number, number][]).flatMap(([a, b]) => [a, b]).filter((seq) => {
    const [lo, hi] = sentBetween(seq);
    return !restartWindows.some(([from, to]) => hi >= from - 0.5 && lo <= to + 0.5);
  });
  t.deepEqual(outside, [], 'events sent outside any restart are missing from the files');
  t.is(lost, 0, `${lost} events lost across ${restarts} restarts`);
  t.is(count.max_seq, sent - 1, 'the last events sent are missing');
  t.is(oldReceived + newReceived, inFiles, 'oxd lost events it had received (received by the processes != in the files)');
});

test('a forwarding oxd with the package\'s disk spool: events sent while its central is stopped survive systemctl restart oxd and all reach the central over the link', async (t) => {
  const r = await get(t);
  t.is(r.get('fwd-restart-1.txt.rc'), '0', `systemctl restart oxd with forward set failed${r.tail('fwd-restart-1.txt')}`);
  t.is(r.get('fwd.sender_rc'), '0', `the load sender failed${r.tail('fwd-sender.txt')}`);
  const sent = Number(r.get('fwd.sent'));
  t.true(sent >= 2000, `only ${sent} events sent`);
  t.true(r.waited('fwd.spooled'), `the spool never held every event sent${r.tail('fwd-before-restart.json')}`);
  t.is(r.get('fwd-restart-2.txt.rc'), '0', `systemctl restart oxd failed${r.tail('fwd-restart-2.txt')}`);
  t.is(r.get('fwd-spool-check.txt.rc'), '0', `oxd --check-spool found damage or failed${r.tail('fwd-spool-check.txt')}`);
  t.regex(r.text('fwd-spool-check.txt'), new RegExp(`^spool /var/lib/blueox/spool: link [0-9a-f]{32}, acknowledged up to \\d+$`, 'm'));
  t.true(r.waited('fwd.delivered'), `the central never had every event${r.tail('fwd-count.json')}${r.tail('fwd-central.txt')}`);
  const count = r.json('fwd-count.json');
  t.is(count?.distinct, sent, 'every event sent is in the central\'s files');
  t.is(count?.duplicates, 0, 'none twice');
  t.deepEqual(count?.missing_ranges, []);
  t.is(r.get('fwd.mode'), 'link', 'the forwarding oxd used the link to its central');
  t.true(r.waited('fwd.acknowledged'), 'the forwarding oxd\'s spool was never all acknowledged');
  t.is(r.get('fwd-restart-3.txt.rc'), '0');
});

test('an oxingest@NAME instance follows the file in /etc/blueox/ingest.d/NAME.conf', async (t) => {
  const r = await get(t);
  t.is(r.get('ingest-start.txt.rc'), '0', `systemctl start oxingest@systest failed${r.tail('ingest-start.txt')}`);
  t.true(r.waited('ingest.active'), 'oxingest@systest did not become active');
  t.true(r.waited('ingest.following'), `oxingest never opened the followed file${r.tail('ingest-journal.txt')}${r.tail('ingest-fds.txt')}`);
  t.true(r.waited('ingest.second_batch'), `appended lines did not arrive as events (${r.get('ingest.count')} of 20)${r.tail('ingest-journal.txt')}`);
  const evs = events(r, 'systest_ingest');
  t.deepEqual(
    evs.map((e) => e.body?.data),
    Array.from({ length: 20 }, (_, i) => `ingest line ${i + 1}`),
    'the events are not the appended lines, in order (a line that was there before oxingest started must not be sent)',
  );
});

test('upgrading to a rebuilt package keeps an edited conffile and oxd keeps working', async (t) => {
  const r = await get(t);
  t.is(r.get('upgrade-apt.txt.rc'), '0', `apt-get install of the +systest1 packages failed${r.tail('upgrade-apt.txt')}`);
  t.regex(r.get('upgrade.status.blueox-oxd'), /^install ok installed .*\+systest1$/);
  t.is(r.get('upgrade.conf_sum_after'), r.get('upgrade.conf_sum_before'), 'the edited /etc/blueox/oxd.conf was changed by the upgrade');
  t.is(r.get('upgrade.conf_leftovers').trim(), '', `dpkg left ${r.get('upgrade.conf_leftovers')}`);
  t.is(r.get('upgrade.socket'), 'active', 'oxd.socket is not active after the upgrade');
  t.is(r.get('upgrade.syslog_socket'), 'enabled active', 'the syslog socket the administrator enabled must stay enabled and listening');
  t.true(r.waited('upgrade.delivered'), 'events sent after the upgrade did not arrive');
});

test('apt-get remove stops every unit and process of the packages', async (t) => {
  const r = await get(t);
  t.is(r.get('remove-apt.txt.rc'), '0', `apt-get remove failed${r.tail('remove-apt.txt')}`);
  const units = ['oxd.socket', 'oxd-control.socket', 'oxd-statsd.socket', 'oxd-syslog.socket', 'oxd.service', 'oxingest@systest.service'];
  t.deepEqual(
    Object.fromEntries(units.map((u) => [u, r.get(`remove.active.${u}`)])),
    Object.fromEntries(units.map((u) => [u, 'inactive'])),
    `units not cleanly stopped by apt-get remove; journal of the removal:${r.tail('remove-journal.txt', 25)}`,
  );
  t.is(r.get('remove.listening').trim(), '', `ports still listening after remove: ${r.get('remove.listening')}`);
  t.is(r.get('remove.processes'), '0', `_blueox processes survived apt-get remove:${r.tail('remove-processes.txt')}`);
  t.is(r.get('remove.conf_kept'), 'yes', 'remove (not purge) deleted the conffile');
});

test('apt-get purge removes what the packages created, keeping the system user and the administrator\'s files', async (t) => {
  const r = await get(t);
  t.is(r.get('purge-apt.txt.rc'), '0', `apt-get purge failed${r.tail('purge-apt.txt')}`);
  for (const p of ['blueox-oxd', 'blueox-tools']) {
    t.regex(r.get(`purge.status.${p}`), /not-installed|no packages found/, `${p} is still known to dpkg: ${r.get(`purge.status.${p}`)}`);
  }
  t.is(r.get('purge.conf'), 'absent', '/etc/blueox/oxd.conf survived purge');
  t.is(r.get('purge.units').trim(), '', `unit files left: ${r.get('purge.units')}`);
  t.is(r.get('purge.logdir'), 'absent', '/var/log/blueox survived purge (the package says purge removes it)');
  // What may stay: the system user (Debian keeps them), and the administrator's own files in /etc/blueox.
  const leftovers = r.text('purge-leftovers.txt').split('\n').filter(Boolean);
  const allowed = /^\/etc\/blueox(\/ingest\.d(\/systest\.conf)?)?$/;
  t.deepEqual(leftovers.filter((f) => !allowed.test(f)), [], 'files of the packages left after purge');
  t.log(`kept after purge: user "${r.get('purge.user')}"; ${r.get('purge.etc_blueox')}(the administrator's ingest.d file)`);
});
