/**
 * oxingest -F across restarts (the state file) and with oxd away: nothing
 * lost, nothing twice.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Oxd, startOxd, tempDir } from '../helpers/oxd-process';
import { AppWriter, dataOf, freePort, Ingest, numbersOf, range, reportFields, waitForWritten } from '../bench/ingest-harness';

interface Run {
  oxd: Oxd;
  dir: string;
  file: string;
  state: string;
  start: (extra?: string[]) => Ingest;
}

async function setup(t: any): Promise<Run> {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const dir = tempDir('oxingest-restart-');
  const file = path.join(dir, 'app.log');
  const state = path.join(dir, 'state.json');
  const start = (extra: string[] = []): Ingest => {
    const ingest = Ingest.start(['-H', oxd.collect, '--state-file', state, '--rotate-wait', '500', '-F', file, ...extra]);
    t.teardown(() => ingest.stop());
    return ingest;
  };
  return { oxd, dir, file, state, start };
}

/** Writes lines [from, to) with a writer of its own (open, append, close). */
function append(file: string, from: number, to: number): void {
  const w = new AppWriter(file);
  w.lines(from, to);
  w.close();
}

async function firstRun(t: any, r: Run, count: number): Promise<void> {
  const a = r.start();
  await a.waitFor(/app\.log: following as type app from byte \d+/);
  append(r.file, 0, count);
  await waitForWritten(r.oxd, 'app', count);
  const exit = await a.stop();
  t.is(exit.code, 0, exit.stderr);
}

test('a restart resumes exactly where the last run stopped: lines written meanwhile once, nothing twice', async (t) => {
  const r = await setup(t);
  fs.writeFileSync(r.file, 'written before the first run\n');
  await firstRun(t, r, 500);
  const saved = JSON.parse(fs.readFileSync(r.state, 'utf8')).files[r.file];
  t.like(saved, { type: 'app', inode: String(fs.statSync(r.file).ino), offset: fs.statSync(r.file).size });
  append(r.file, 500, 1000); // while oxingest is stopped
  const b = r.start();
  await b.waitFor(new RegExp(`app\\.log: following as type app from byte ${saved.offset} `));
  append(r.file, 1000, 1500);
  await waitForWritten(r.oxd, 'app', 1500);
  t.deepEqual(numbersOf(dataOf(r.oxd, 'app')), range(0, 1500));
});

test('a file replaced while oxingest was stopped: the rest of the old one (renamed), then the new one from its start', async (t) => {
  const r = await setup(t);
  fs.writeFileSync(r.file, '');
  await firstRun(t, r, 100);
  append(r.file, 100, 150);
  fs.renameSync(r.file, `${r.file}.1`);
  append(r.file, 150, 200);
  const b = r.start();
  await waitForWritten(r.oxd, 'app', 200);
  t.deepEqual(numbersOf(dataOf(r.oxd, 'app')), range(0, 200));
  // What oxingest said, waited for on its stderr: the lines in oxd do not mean it has been read.
  await b.waitFor(/app\.log: replaced since the last run \(inode \d+ -> \d+\); reading it from the start/);
  await b.waitFor(/reading the rest of .*app\.log\.1 \(inode \d+\) from byte \d+ first/);
});

test('a file removed and created again while oxingest was stopped is read from its start', async (t) => {
  const r = await setup(t);
  fs.writeFileSync(r.file, '');
  await firstRun(t, r, 100);
  fs.unlinkSync(r.file);
  append(r.file, 100, 130); // may well get the old inode number back: the fingerprint tells them apart
  const b = r.start();
  await waitForWritten(r.oxd, 'app', 130);
  t.deepEqual(numbersOf(dataOf(r.oxd, 'app')), range(0, 130));
  await b.waitFor(/app\.log: (replaced|shorter or rewritten) since the last run/);
});

test('a file copied and truncated while oxingest was stopped: the rest from the copy, then the file from its start', async (t) => {
  const r = await setup(t);
  fs.writeFileSync(r.file, '');
  await firstRun(t, r, 100);
  append(r.file, 100, 150);
  fs.copyFileSync(r.file, `${r.file}.1`);
  fs.truncateSync(r.file, 0);
  append(r.file, 150, 170);
  const b = r.start();
  await waitForWritten(r.oxd, 'app', 170);
  t.deepEqual(numbersOf(dataOf(r.oxd, 'app')), range(0, 170));
  await b.waitFor(/shorter or rewritten since the last run/);
});

test('oxd away at first: lines wait (reading pauses at the queue limit, nothing dropped); oxd up: all arrive in order', async (t) => {
  const port = await freePort();
  const dir = tempDir('oxingest-away-');
  const file = path.join(dir, 'app.log');
  fs.writeFileSync(file, '');
  const ingest = Ingest.start(['-H', `127.0.0.1:${port}`, '--state-file', path.join(dir, 'state.json'), '-F', file]);
  t.teardown(() => ingest.stop());
  await ingest.waitFor(/app\.log: following/);
  const count = 10_000; // more than the 4096 lines the client library may hold
  append(file, 0, count);
  const [conn, f] = await ingest.waitForReport(1, (l) => reportFields(l[1]).state === 'paused');
  t.regex(conn, /not connected: lines handed=4096 sent=0 waiting=4096 dropped=0/);
  t.is(reportFields(f).lines, '4096');
  // Nothing was delivered, so the state file claims nothing past the start.
  t.is(JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).files[file]?.offset ?? 0, 0);
  const oxd = await startOxd({ args: ['-c', `127.0.0.1:${port}`] });
  t.teardown(() => oxd.stop());
  await waitForWritten(oxd, 'app', count, 60_000);
  t.deepEqual(numbersOf(dataOf(oxd, 'app')), range(0, count));
  const [after] = await ingest.report(1);
  t.regex(after, new RegExp(`connected: lines handed=${count} sent=${count} waiting=0 dropped=0`));
  const exit = await ingest.stop();
  t.is(exit.code, 0, exit.stderr);
  t.is(JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).files[file].offset, fs.statSync(file).size);
});

test('SIGTERM while oxd is away: exit 0, the state file stays before the undelivered lines, the next run sends them once', async (t) => {
  const port = await freePort();
  const dir = tempDir('oxingest-away-');
  const file = path.join(dir, 'app.log');
  const state = path.join(dir, 'state.json');
  fs.writeFileSync(file, '');
  const a = Ingest.start(['-H', `127.0.0.1:${port}`, '--state-file', state, '--linger', '200', '-F', file]);
  t.teardown(() => a.stop());
  await a.waitFor(/app\.log: following/);
  append(file, 0, 300);
  await a.waitForReport(1, (l) => reportFields(l[1]).lines === '300');
  const exit = await a.stop();
  t.is(exit.code, 0, exit.stderr);
  t.regex(exit.stderr, /stopped \(SIGTERM\): 0 lines sent to oxd at 127\.0\.0\.1:\d+, 300 not delivered within --linger 200 ms \(the state file points before them/);
  t.is(JSON.parse(fs.readFileSync(state, 'utf8')).files[file].offset, 0);

  const oxd = await startOxd({ args: ['-c', `127.0.0.1:${port}`] });
  t.teardown(() => oxd.stop());
  append(file, 300, 350);
  const b = Ingest.start(['-H', oxd.collect, '--state-file', state, '-F', file]);
  t.teardown(() => b.stop());
  await waitForWritten(oxd, 'app', 350);
  t.deepEqual(numbersOf(dataOf(oxd, 'app')), range(0, 350));
});
