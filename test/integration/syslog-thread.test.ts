/**
 * oxd's syslog thread with a real oxd: TCP connections are framed and
 * encoded on it, and what a sink cannot take yet still stops the senders
 * (a forwarding oxd whose central is down, its disk spool full, holds them
 * back; the central up, everything arrives, each connection in order, none
 * dropped). A thread that fails (made to, through the test's environment
 * variable) is logged as an error with the bytes it lost, counted in STATUS
 * and oxctl, and syslog goes on without it: everything sent afterwards is
 * stored, on old connections and new.
 */
import * as net from 'node:net';
import test from 'ava';
import { eventsOfType } from '../helpers/oxd-events';
import { Oxd, startOxd } from '../helpers/oxd-process';
import { spoolOf, startForwarding } from '../helpers/spool-forwarding';
import { connectTcp, write } from '../helpers/syslog-senders';
import { runTool } from '../helpers/tool';

async function connect(t: any, port: number): Promise<net.Socket> {
  const s = await connectTcp(port);
  t.teardown(() => s.destroy());
  return s;
}

const syslogPort = async (oxd: Oxd): Promise<number> => Number((await oxd.waitForStderr(/ syslog=127\.0\.0\.1:(\d+)/))[1]);
const line = (c: number, i: number, pad = ''): string => `<13>Dec  4 16:02:44 host conn${c}: n=${i}${pad}\n`;

/** The numbers of connection `c`'s messages among `events`, in the order stored. */
const numbers = (events: any[], c: number): number[] => events.filter((e) => e.body.app_name === `conn${c}`).map((e) => Number(/n=(\d+)/.exec(e.body.message)![1]));

test('a sink that is behind stops the connections through the thread, and they go on once it takes events: none lost, each in order', async (t) => {
  const f = await startForwarding(t, ['--spool-max-bytes', String(1024 * 1024), '--syslog', '127.0.0.1:0']);
  const port = await syslogPort(f.local);
  const connections = 4;
  const per = 10_000;
  const pad = ` ${'p'.repeat(450)}`;
  const sockets = await Promise.all(Array.from({ length: connections }, () => connect(t, port)));
  // 20 MB in all, far more than the spool, the thread's backlog and the sockets' buffers hold.
  const sending = Promise.all(
    sockets.map(async (s, c) => {
      for (let i = 0; i < per; i += 100) await write(s, Array.from({ length: 100 }, (_, k) => line(c, i + k, pad)).join(''));
      s.end();
    }),
  );
  const held = await f.local.waitForStatus((s) => spoolOf(s).full && s.syslog.backpressure_pauses > 0, 60_000);
  t.true(held.syslog.messages < connections * per, `${held.syslog.messages} read while the spool is full: the senders are held back`);
  t.is(held.totals.dropped, 0);

  const central = await f.startCentral();
  await sending;
  await central.waitForStatus((s) => s.events?.syslog?.written === connections * per, 120_000);
  const local = await f.local.waitForStatus((s) => s.syslog.messages === connections * per && s.syslog.tcp_connections === 0);
  t.like(local.syslog, { tcp_held_bytes: 0, thread: { state: 'running', backlog_bytes: 0, lost_bytes: 0 } });
  t.is(local.totals.dropped, 0);
  const events = eventsOfType(central, 'syslog');
  for (let c = 0; c < connections; c++) t.deepEqual(numbers(events, c), Array.from({ length: per }, (_, i) => i), `connection ${c}`);
});

test('a thread that fails: an error with the bytes lost, STATUS and oxctl say so, and what is sent afterwards is all stored', async (t) => {
  const oxd = await startOxd({ args: ['--syslog', '127.0.0.1:0'], env: { BLUEOX_TEST_SYSLOG_THREAD_FAIL: 'fail the syslog thread' } });
  t.teardown(() => oxd.stop());
  const port = await syslogPort(oxd);
  const a = await connect(t, port);
  for (let i = 0; i < 100; i++) await write(a, line(0, i));
  let st = await oxd.waitForStatus((s) => s.events?.syslog?.written === 100);
  t.like(st.syslog.thread, { state: 'running', lost_bytes: 0 });

  const fatal = '<13>Dec  4 16:02:44 host conn0: fail the syslog thread\n';
  await write(a, fatal);
  st = await oxd.waitForStatus((s) => s.syslog.thread.state === 'failed');
  t.like(st.syslog.thread, { lost_bytes: fatal.length });
  await oxd.waitForStderr(
    new RegExp(`error: syslog: the syslog thread failed \\(failed as BLUEOX_TEST_SYSLOG_THREAD_FAIL asks\\): ${fatal.length} bytes read from TCP senders and not yet stored are lost; syslog goes on, framed on the main thread`),
  );
  const r = await runTool('oxctl', ['-H', oxd.controlAddr]);
  t.regex(r.stdout, new RegExp(`\\nSyslog thread: failed, ${fatal.length} bytes lost; TCP framed on the main thread\\n`));

  const b = await connect(t, port);
  for (let i = 100; i < 200; i++) await write(a, line(0, i));
  for (let i = 0; i < 100; i++) await write(b, line(1, i));
  a.end();
  b.end();
  st = await oxd.waitForStatus((s) => s.events?.syslog?.written === 300 && s.syslog.tcp_connections === 0);
  t.like(st.syslog, { messages: 300, tcp_messages: 300, tcp_held_bytes: 0, thread: { state: 'failed', lost_bytes: fatal.length } });
  const events = eventsOfType(oxd, 'syslog');
  t.deepEqual(numbers(events, 0), Array.from({ length: 200 }, (_, i) => i));
  t.deepEqual(numbers(events, 1), Array.from({ length: 100 }, (_, i) => i));

  const exit = await oxd.stop();
  t.is(exit.code, 0, exit.stderr);
  t.regex(exit.stderr, /stopped received=300 written=300 /);
});
