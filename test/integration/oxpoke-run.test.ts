/**
 * `oxpoke run` as a user runs it: the example file against a real
 * HTTP server answering {"result": 4}, its status line and exit status as a
 * Nagios plugin's, the run as a `poke` event in a real oxd's files and as
 * statsd metrics through oxd's statsd port; a wrong answer, a refused
 * connection and a bad file, each with its exit status and reason.
 */
import test, { ExecutionContext } from 'ava';
import * as http from 'node:http';
import * as net from 'node:net';
import { closedPort } from '../helpers/closed-port';
import { eventsOfType } from '../helpers/oxd-events';
import { startOxd } from '../helpers/oxd-process';
import { checkFile, oxdWithStatsd, waitFor } from '../helpers/poke-runs';
import { runTool } from '../helpers/tool';

/** A server answering GET /add with {"result": <answer>}. */
async function adder(t: ExecutionContext, answer: number): Promise<number> {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ result: req.url?.startsWith('/add') ? answer : null }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

/** The example, as written, pointed at `port`. */
const example = (port: number): string => `[[check]]
name = "add"
url = "http://127.0.0.1:${port}/add?a=2&b=2"
expect.status = [200]
expect.json."$.result" = 4
`;

test('the issue\'s example: OK, exit 0, a poke event in oxd\'s files and the metrics through its statsd port', async (t) => {
  const port = await adder(t, 4);
  const { oxd, statsd } = await oxdWithStatsd(t);
  const r = await runTool('oxpoke', ['run', checkFile(t, example(port)), '--events', oxd.collect, '--statsd', `127.0.0.1:${statsd}`]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^POKE OK - add: 200 in \d+ ms \| 'add_time'=\d+\.\d{6}s;;;0; 'add_size'=12B;;;0;\n$/);
  // Waited for in the files themselves: oxd also writes statsd.interval events of its own.
  const event = await waitFor(() => eventsOfType(oxd, 'poke')[0]);
  t.like(event.body, { check: 'add', outcome: 'OK' });
  t.deepEqual(
    event.body.assertions.map((a: { name: string; ok: boolean }) => [a.name, a.ok]),
    [
      ['status', true],
      ['json $.result equal', true],
    ],
  );
  const [step] = event.body.steps;
  t.is(step.status, 200);
  t.is(step.request, `GET http://127.0.0.1:${port}/add?a=2&b=2`);
  const times = step.timings;
  t.true(times.dns_ms <= times.connect_ms && times.connect_ms <= times.first_byte_ms && times.first_byte_ms <= times.total_ms, JSON.stringify(times));
  // The interval that took the metrics: one success, one timing of the run.
  const interval = await waitFor(() => eventsOfType(oxd, 'statsd.interval').find((e) => e.body.counters['poke.add.ok'] === 1));
  t.is(interval.body.timers['poke.add.time'].count, 1);
});

test('a wrong answer is CRITICAL (exit 2), with the assertion, what was expected and what came, in the line and the event', async (t) => {
  const port = await adder(t, 5);
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const r = await runTool('oxpoke', ['run', checkFile(t, example(port)), '--events', oxd.collect, '--no-metrics']);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stdout, /^POKE CRITICAL - add: json \$\.result equal: expected 4, got 5 \|/);
  const event = await waitFor(() => eventsOfType(oxd, 'poke')[0]);
  t.is(event.body.outcome, 'CRITICAL');
  t.like(event.body.assertions[1], { name: 'json $.result equal', ok: false, expected: '4', got: '5' });
  t.is(event.body.steps[0].body_head, '{"result":5}', 'the body of a failed step is kept');
});

test('nothing listening: CRITICAL with the reason; a file that is not there or not valid: UNKNOWN (exit 3) naming it', async (t) => {
  const port = await closedPort(t);
  const refused = await runTool('oxpoke', ['run', checkFile(t, example(port)), '--no-events', '--no-metrics']);
  t.is(refused.code, 2);
  t.regex(refused.stdout, new RegExp(`^POKE CRITICAL - add: refused: connection refused by 127\\.0\\.0\\.1:${port}\\n$`));
  const missing = await runTool('oxpoke', ['run', '/nonexistent/checks.toml', '--no-events', '--no-metrics']);
  t.is(missing.code, 3);
  t.regex(missing.stdout, /^POKE UNKNOWN - cannot read the check file \/nonexistent\/checks\.toml/);
  const bad = checkFile(t, '[[check]]\nname = "add"\nurl = "http://127.0.0.1:1/"\nexpect.stauts = [200]\n');
  const unknownKey = await runTool('oxpoke', ['run', bad, '--no-events', '--no-metrics']);
  t.is(unknownKey.code, 3);
  t.regex(unknownKey.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4: .*stauts`));
});

test('usage: no command or a bad flag prints usage and exits 3 (UNKNOWN, as a plugin that could not check); --help exits 0', async (t) => {
  const bad = await runTool('oxpoke', ['run', '--bogus', 'x.toml']);
  t.is(bad.code, 3);
  t.regex(bad.stderr, /unknown option '--bogus'/);
  const none = await runTool('oxpoke', []);
  t.is(none.code, 3);
  t.regex(none.stderr, /Usage: oxpoke/);
  const help = await runTool('oxpoke', ['run', '--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /exit 0 OK, 1\s+WARNING, 2 CRITICAL, 3 UNKNOWN/);
});
