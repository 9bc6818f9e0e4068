/**
 * Debian's nginx as test/helpers/nginx.ts starts it: on the socket the
 * launcher made (descriptor 3, non-blocking, the one listening on the port),
 * with its workers, its access log and pid file in its folder, and gone,
 * workers and all, once stopped or torn down.
 */
import test from 'ava';
import * as fs from 'node:fs';
import { startNginx } from '../helpers/nginx';
import { listeningPorts } from '../helpers/proc';

const O_NONBLOCK = 0o4000;

/** The pids of the live processes in `group` (nginx's master and its workers), from /proc; a zombie has let go of everything. */
function groupMembers(group: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its closing parenthesis.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === group && fields[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // the process exited between readdir and read
    }
  }
  return pids.sort((a, b) => a - b);
}

test('nginx serves on the inherited socket, with its workers, and logs each request in its folder', async (t) => {
  const nginx = await startNginx(t, { server: 'location / { return 200 "hello\\n"; }', workers: 2 });
  t.regex(nginx.output(), /using inherited sockets from "3;"/);
  t.is(fs.readFileSync(`${nginx.dir}/nginx.pid`, 'utf8').trim(), String(nginx.pid));
  // Descriptor 3 is the socket listening on the port, and non-blocking as nginx's own would be.
  const fd3 = fs.readlinkSync(`/proc/${nginx.pid}/fd/3`);
  t.regex(fd3, /^socket:\[\d+\]$/);
  t.deepEqual(listeningPorts(nginx.pid), [nginx.port]);
  const flags = parseInt(/^flags:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/${nginx.pid}/fdinfo/3`, 'utf8'))![1], 8);
  t.truthy(flags & O_NONBLOCK, 'O_NONBLOCK');
  t.is(groupMembers(nginx.pid).length, 3, 'the master and 2 workers');

  const answers = await Promise.all([1, 2, 3].map(async (i) => {
    const res = await fetch(nginx.url(`/x?i=${i}`));
    return [res.status, await res.text()];
  }));
  t.deepEqual(answers, [[200, 'hello\n'], [200, 'hello\n'], [200, 'hello\n']]);
  // The readiness request is not logged; nginx writes the line as it finishes the request.
  const logged = async (): Promise<string[]> => {
    const deadline = Date.now() + 10_000;
    while (nginx.requests().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return nginx.requests().map((r) => `${r.method} ${r.uri} ${r.status} ${r.bodyBytes}`).sort();
  };
  t.deepEqual(await logged(), ['GET /x?i=1 200 6', 'GET /x?i=2 200 6', 'GET /x?i=3 200 6']);

  await nginx.stop();
  t.deepEqual(groupMembers(nginx.pid), [], 'no worker outlives the master');
});

test('a configuration nginx refuses fails the start with nginx\'s message and the configuration', async (t) => {
  const err = await t.throwsAsync(startNginx(t, { server: 'no_such_directive on;' }));
  t.regex(err!.message, /nginx exited/);
  t.regex(err!.message, /unknown directive "no_such_directive"/);
  t.regex(err!.message, /listen 127\.0\.0\.1:\d+;/);
});

test('torn down without a stop, the master and its workers are killed', async (t) => {
  let group = 0;
  await t.notThrowsAsync(async () => {
    const teardowns: Array<() => void | Promise<void>> = [];
    const nginx = await startNginx({ teardown: (fn) => teardowns.push(fn) }, { server: 'location / { return 204; }', workers: 2 });
    group = nginx.pid;
    t.is(groupMembers(group).length, 3);
    for (const fn of teardowns.reverse()) await fn();
    t.false(fs.existsSync(nginx.dir), 'its folder is removed');
  });
  t.deepEqual(groupMembers(group), []);
});
