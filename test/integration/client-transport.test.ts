import test from 'ava';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import * as blueox from '../../src/client';
import { listFiles, readEvents, utcDay } from '../helpers/events';
import { REPO, startOxd } from '../helpers/oxd-process';

const quiet = { onWarning: () => undefined };

/** A port nothing listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function eventsOf(logPath: string, type: string): any[] {
  const day = utcDay();
  return readEvents(path.join(logPath, day, `${type}-${day}.log`));
}

test.serial('events arrive in oxd\'s files with their names, shared ids, host, pid and times', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  blueox.configure({ host: oxd.collect, hostname: 'web-1', ...quiet });
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    blueox.context('request', () => {
      ids.push(blueox.current()!.id);
      blueox.set('i', i);
      blueox.context('.db', () => blueox.set('query', `select ${i}`));
    });
  }
  await blueox.shutdown();
  await oxd.waitForStatus((s) => s.totals.written === 40);
  const requests = eventsOf(oxd.logPath!, 'request');
  const dbs = eventsOf(oxd.logPath!, 'request.db');
  t.deepEqual(requests.map((e) => e.id), ids);
  t.deepEqual(dbs.map((e) => e.id), ids);
  t.deepEqual(requests.map((e) => e.body.i), [...Array(20).keys()]);
  t.is(dbs[3].body.query, 'select 3');
  for (const e of requests) {
    t.is(e.host, 'web-1');
    t.is(e.pid, process.pid);
    t.is(e.type, 'request');
    t.true(e.end >= e.start && e.start > 1.7e9);
  }
  const status = await oxd.control.request({ cmd: 'STATUS' });
  t.deepEqual(Object.keys(status.hosts), ['web-1']);
});

test.serial('oxd away: a bounded queue, drops counted, no crash; oxd back: the queued events arrive', async (t) => {
  const port = await freePort();
  blueox.configure({ host: `127.0.0.1:${port}`, queueLimit: 100, ...quiet });
  const heapBefore = process.memoryUsage().heapUsed;
  for (let i = 0; i < 5000; i++) blueox.context('request', () => blueox.set('payload', 'x'.repeat(500)));
  let s = blueox.stats();
  t.is(s.queued, 100);
  t.is(s.dropped, 4900);
  t.false(s.connected);
  t.true(process.memoryUsage().heapUsed - heapBefore < 32 * 1024 * 1024, 'memory stays bounded');

  const oxd = await startOxd({ args: ['-c', `127.0.0.1:${port}`] });
  t.teardown(() => oxd.stop());
  await oxd.waitForStatus((st) => st.totals.written === 100);
  s = blueox.stats();
  t.is(s.sent, 100);
  t.is(s.queued, 0);
  t.true(s.connected);
  t.true((s.warnings['queue-full'] ?? 0) >= 1);

  // And it keeps working after the reconnect.
  blueox.context('request', () => blueox.set('after', true));
  await blueox.shutdown();
  await oxd.waitForStatus((st) => st.totals.written === 101);
  t.is(eventsOf(oxd.logPath!, 'request').filter((e) => e.body.after).length, 1);
});

test.serial('names too long for the meta frame, or that oxd would refuse, are counted and not sent', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  blueox.configure({ host: oxd.collect, ...quiet });
  blueox.context('x'.repeat(64), () => undefined);
  blueox.context('a/b', () => undefined);
  blueox.context('ok', () => undefined);
  const s = blueox.stats();
  t.is(s.refused, 2);
  await blueox.shutdown();
  const status = await oxd.waitForStatus((st) => st.totals.written === 1);
  t.is(status.totals.invalid, 0);
  t.deepEqual(listFiles(oxd.logPath!).map((f) => path.basename(f)), [`ok-${utcDay()}.log`]);

  blueox.configure({ host: oxd.collect, hostname: 'h'.repeat(64), ...quiet });
  blueox.context('ok', () => undefined);
  t.is(blueox.stats().refused, 1);
  await blueox.shutdown();
});

test.serial('a body that cannot be read is sent without it and counted; the application never sees an error', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  blueox.configure({ host: oxd.collect, ...quiet });
  const hostile = {
    get boom(): never {
      throw new Error('getter');
    },
  };
  t.notThrows(() => blueox.context('request', () => blueox.set('thing', hostile)));
  t.is(blueox.stats().bodyErrors, 1);
  await blueox.shutdown();
  await oxd.waitForStatus((st) => st.totals.written === 1);
  const [e] = eventsOf(oxd.logPath!, 'request');
  t.is(e.body, null);
  t.is(e.type, 'request');
});

for (const how of ['ends on its own', 'calls process.exit()'] as const) {
  test.serial(`events queued when the application ${how} are flushed within the linger time`, async (t) => {
    const oxd = await startOxd();
    t.teardown(() => oxd.stop());
    const script = `
      const blueox = require(${JSON.stringify(path.join(REPO, 'build/src/client/index.js'))});
      blueox.configure({ host: process.argv[1] });
      for (let i = 0; i < 500; i++) blueox.context('request', () => blueox.set('i', i));
      ${how === 'calls process.exit()' ? 'setTimeout(() => process.exit(3), 0);' : ''}
    `;
    const child = spawn(process.execPath, ['-e', script, oxd.collect], { stdio: 'inherit' });
    t.teardown(() => child.kill('SIGKILL'));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    t.is(code, how === 'calls process.exit()' ? 3 : 0);
    const status = await oxd.waitForStatus((st) => st.totals.written === 500);
    t.is(status.totals.received, 500);
  });
}
