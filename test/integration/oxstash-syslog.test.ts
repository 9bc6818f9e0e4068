/**
 * oxstash shipping what a real oxd stored from syslog senders to the fake
 * Elasticsearch (test/helpers/fake-elasticsearch.ts; no real Elasticsearch
 * can run here): one document per message, @timestamp the message's own
 * time (days before the arrival for a message that says so), message and
 * log.syslog beside the event, the body with RFC 5424's names kept whole.
 */
import * as net from 'node:net';
import test from 'ava';
import { runCommand } from '../helpers/command';
import { eventsOfType } from '../helpers/oxd-events';
import { FakeElasticsearch } from '../helpers/fake-elasticsearch';
import { startOxd } from '../helpers/oxd-process';
import { runTool } from '../helpers/tool';

/** Milliseconds of an RFC 3339 time, its fraction rounded to the millisecond as oxstash rounds the end. */
function millis(stamp: string): number {
  const frac = /\.(\d+)/.exec(stamp)?.[1] ?? '0';
  return Date.parse(stamp.replace(/\.\d+/, '')) + Math.round(Number(`0.${frac}`) * 1000);
}

test('syslog events from the files: @timestamp is the message time, message and log.syslog added, daily index by it', async (t) => {
  const es = await FakeElasticsearch.start();
  t.teardown(() => es.close());
  const oxd = await startOxd({ args: ['--syslog', '127.0.0.1:0'] });
  t.teardown(() => oxd.stop());
  const port = (await oxd.waitForStderr(/ syslog=127\.0\.0\.1:(\d+)/))[1];

  const r = await runCommand('logger', ['-s', '-n', '127.0.0.1', '-P', port, '--tcp', '--rfc5424', '-p', 'local3.warning', '-t', 'shop', '--id=77', '--msgid', 'ORD', '--sd-id', 'order@32473', '--sd-param', 'id="42"', 'order placed']);
  t.is(r.code, 0, r.stderr);
  const sent = r.stderr.trim();
  // A sender whose clock says the message is from days ago: that is its time, not the arrival.
  const old = '2024-12-04T23:59:58.250-02:00';
  await new Promise<void>((resolve, reject) => {
    const s = net.connect(Number(port), '127.0.0.1', () => s.end(`<30>1 ${old} web1 cron 4242 - - job done\n`));
    s.on('error', reject);
    s.on('close', () => resolve());
  });
  await oxd.waitForStatus((s) => s.events.syslog?.written === 2);

  const ship = await runTool('oxstash', ['-e', es.address, '-l', oxd.logPath!, '-n', 'syslog']);
  t.is(ship.code, 0, ship.stderr);
  t.is(es.count, 2);
  const stored = eventsOfType(oxd, 'syslog');
  const byApp = (app: string) => es.documents().find((d) => (d.source as any).body.app_name === app)!;

  const stamp = sent.split(' ')[1];
  const shop = byApp('shop');
  t.is((shop.source as any)['@timestamp'], new Date(millis(stamp)).toISOString(), 'the time logger wrote in the message');
  t.like(shop.source, {
    type: 'syslog',
    message: 'order placed',
    log: { syslog: { priority: 156, facility: { code: 19, name: 'local3' }, severity: { code: 4, name: 'warning' }, hostname: sent.split(' ')[2], appname: 'shop', procid: '77', msgid: 'ORD', version: '1' } },
  });
  t.deepEqual((shop.source as any).body, stored.find((e) => e.body.app_name === 'shop').body, 'the body as oxd stored it');
  t.like((shop.source as any).body.structured_data, { 'order@32473': { id: '42' } });

  const cron = byApp('cron');
  t.is((cron.source as any)['@timestamp'], '2024-12-05T01:59:58.250Z');
  t.is(cron.index, 'blueox-2024.12.05', 'the index of the message\'s day, not of the arrival');
  t.like(cron.source, { host: 'web1', message: 'job done', log: { syslog: { priority: 30, hostname: 'web1', appname: 'cron', procid: '4242' } } });
  t.is((cron.source as any).log.syslog.msgid, undefined, 'a NIL field is left out');
});
