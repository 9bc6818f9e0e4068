/**
 * What the Node client sends, read by the Python side of the world: a libzmq
 * PULL socket unpacking frames as the original collector did, and a Python 2
 * style reader of the files oxd writes from them.
 */
import test from 'ava';
import * as path from 'node:path';
import * as blueox from '../../src/client';
import { listFiles } from '../helpers/events';
import { startOxd } from '../helpers/oxd-process';
import { describe, lastJson, startPy } from './support/processes';
import { parseOne, tagsOf, unreadableByPython2 } from './support/msgpack-walk';
import { RawPacker } from '../../src/protocol/compat-pack';

test.serial('a libzmq PULL (pyzmq) receives our events: meta by struct "!Bd64p64p", body with msgpack raw=True', async (t) => {
  const receiver = startPy('pull_receiver.py', ['3']);
  t.teardown(() => receiver.stop());
  await receiver.waitFor(/^bound \d+/m);
  const port = Number(/^bound (\d+)/m.exec(receiver.stdout)![1]);
  blueox.configure({ host: `127.0.0.1:${port}`, hostname: 'node-app', onWarning: () => undefined });
  let id = '';
  blueox.context('request', () => {
    id = blueox.current()!.id;
    blueox.set('text', 'café ☃');
    blueox.set('response.status', 200);
    blueox.set('forty', 'x'.repeat(40));
    blueox.context('.db', () => blueox.set('rows', [1, 2.5, null, true]));
  });
  blueox.context('other', () => blueox.set('bytes', Buffer.from([0x61, 0x62])));
  await blueox.shutdown();
  const done = await receiver.finished;
  t.is(done.code, 0, describe(done));
  const events = done.stdout.trim().split('\n').slice(1).map((l) => JSON.parse(l));
  t.deepEqual(events.map((e) => e.meta_type), ['request.db', 'request', 'other']);
  for (const e of events) {
    t.is(e.frames, 2);
    t.is(e.version, 3);
    t.is(e.meta_host, 'node-app');
    t.is(e.meta_end, e.event.end, 'the meta frame carries the body\'s end time');
    t.deepEqual(e.body_keys, ['body', 'end', 'host', 'id', 'pid', 'start', 'type']);
  }
  t.is(events[1].event.id, id);
  t.is(events[0].event.id, id);
  t.deepEqual(events[1].event.body, { text: 'café ☃', response: { status: 200 }, forty: 'x'.repeat(40) });
  t.deepEqual(events[0].event.body, { rows: [1, 2.5, null, true] });
  t.is(events[2].event.body.bytes, 'ab');
});

test.serial('event bodies use only msgpack types Python 2 readers know; files read back with raw=True', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  blueox.configure({ host: oxd.collect, onWarning: () => undefined });
  for (let i = 0; i < 50; i++) {
    blueox.context('request', () => {
      blueox.set('long', 'y'.repeat(100 + i));
      blueox.set('map', new Map([['k', i]]));
      blueox.set('when', new Date());
      blueox.set('big', 2n ** 60n);
    });
  }
  await blueox.shutdown();
  await oxd.waitForStatus((s) => s.totals.written === 50);
  const files = listFiles(oxd.logPath!).map((f) => path.join(oxd.logPath!, f));
  const summary = startPy('py2_reader_check.py', files);
  const done = await summary.finished;
  t.is(done.code, 0, describe(done));
  t.deepEqual(lastJson(done.stdout), { events: 50, not_utf8: 0, types: ['request'] });

  // The same body, packed by the encoder the client uses, has no str8/bin tags.
  const packer = new RawPacker();
  packer.value({ long: 'y'.repeat(200), nested: { s: 'z'.repeat(40) } });
  t.deepEqual(unreadableByPython2(tagsOf(parseOne(packer.view()))), []);
});
