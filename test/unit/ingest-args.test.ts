import test from 'ava';
import { parseIngestArgs } from '../../src/ingest/args';

const env = { HOME: '/home/u' };

test('standard input mode: the type, the host from -H or BLUEOX_HOST, defaults', (t) => {
  const o = parseIngestArgs(['notices'], env);
  t.like(o, { type: 'notices', files: [], endpoint: { host: '127.0.0.1', port: 3514 }, maxLineBytes: 65536, truncateLongLines: false, lingerMs: 5000 });
  t.deepEqual(parseIngestArgs(['notices'], { BLUEOX_HOST: 'log-master' }).endpoint, { host: 'log-master', port: 3514 });
  t.deepEqual(parseIngestArgs(['-H', 'h:99', 'notices'], { BLUEOX_HOST: 'log-master' }).endpoint, { host: 'h', port: 99 });
});

test('follow mode: files with their types, options', (t) => {
  const o = parseIngestArgs(['-F', '/var/log/syslog', '-F', 'nginx_access:/var/log/nginx/access.log', '--from-beginning', '--state-file', '/s.json', '--max-line-bytes', '100', '--truncate-long-lines', '--flush-partial', '--rotate-wait', '0'], env);
  t.is(o.type, null);
  t.deepEqual(o.files, [
    { type: 'syslog', path: '/var/log/syslog', inferred: true },
    { type: 'nginx_access', path: '/var/log/nginx/access.log', inferred: false },
  ]);
  t.like(o, { fromBeginning: true, stateFile: '/s.json', maxLineBytes: 100, truncateLongLines: true, flushPartial: true, rotateWaitMs: 0 });
  t.is(parseIngestArgs(['-F', '/x'], { STATE_DIRECTORY: '/var/lib/oxingest' }).stateFile, '/var/lib/oxingest/oxingest.json');
});

test('what does not make sense is a usage error (EUSAGE) naming the problem', (t) => {
  const bad: Array<[string[], RegExp]> = [
    [['t', '-F', '/x'], /a type name and -F do not go together/],
    [[], /a type name \(for standard input\) or -F FILE is required/],
    [['-F', '/x', '--max-line-bytes', '8'], /from 16 to 1000000/],
    [['-F', '/x', '--rotate-wait', '1.5'], /--rotate-wait must be a whole number/],
    [['t', '--flush-partial'], /--flush-partial only applies/],
    [['t', '--rotate-wait', '5'], /--rotate-wait only applies/],
    [['-F', '/x', '-F', 'y:/x'], /already followed/],
    [['-F', '/x', '--state-file', ''], /--state-file must not be empty/],
    [['t'], /BLUEOX_HOST: "a b"/],
  ];
  for (const [args, message] of bad) {
    const e = args.length === 1 ? { BLUEOX_HOST: 'a b' } : env;
    t.throws(() => parseIngestArgs(args, e), { code: 'EUSAGE', message }, args.join(' '));
  }
});
