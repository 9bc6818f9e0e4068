/**
 * oxstore's command line: --help on every subcommand, usage errors (exit 2)
 * for a missing or unknown subcommand and unknown flags, and `list` as
 * tab-separated lines and JSON, filtered by type and date range.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { utcDay } from '../helpers/events';
import { REPO, tempDir } from '../helpers/oxd-process';
import { runTool, toolPath } from '../helpers/tool';

const DAY = 86_400_000;
const FIXTURES = path.join(REPO, 'test', 'fixtures', 'original');
const [d4, d3, d2] = [4, 3, 2].map((n) => utcDay(Date.now() - n * DAY));

test('--help works for the command and every subcommand, on standard output, exit 0', async (t) => {
  const top = await runTool('oxstore', ['--help']);
  t.is(top.code, 0);
  for (const sub of ['list', 'zip', 'prune', 'cat']) t.regex(top.stdout, new RegExp(`^  ${sub} `, 'm'));
  t.regex(top.stdout, /Exit status: 0 done; 1 .*; 2 usage error; 3 \(cat\)/s);
  const expect: Record<string, RegExp[]> = {
    list: [/--log-path <dir>/, /--start <date>/, /--end <date>/, /--json/, /Tab-separated columns/],
    zip: [/--dry-run/, /--wait \[seconds\]/, /--progress/, /NAME\.gz\.tmp/, /default: "\/var\/log\/blueox"/],
    prune: [/--retain-days <days>/, /\(default: "7"\)/, /--dry-run/, /never\s+deleted/],
    cat: [/<type>/, /"request\*"/, /--start <date>/, /default: today/, /--json/, /exit 3/],
  };
  for (const [sub, patterns] of Object.entries(expect)) {
    for (const args of [[sub, '--help'], ['help', sub]]) {
      const r = await runTool('oxstore', args);
      t.is(r.code, 0, args.join(' '));
      t.regex(r.stdout, new RegExp(`^Usage: oxstore ${sub} `));
      for (const p of patterns) t.regex(r.stdout, p, `${sub}: ${p}`);
    }
  }
  t.regex((await runTool('oxstore', ['--version'])).stdout, /^\d+\.\d+\.\d+/);
});

test('no subcommand, an unknown one, an unknown flag or a missing value: usage on stderr, exit 2', async (t) => {
  const cases = [[], ['frobnicate'], ['zip', '--bogus'], ['list', '-x'], ['prune', '--retain-days'], ['cat'], ['zip', 'extra'], ['zip', '--wait', 'soon']];
  for (const args of cases) {
    const r = await runTool('oxstore', args);
    t.is(r.code, 2, `oxstore ${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, /--help|Usage: oxstore/, args.join(' '));
    t.is(r.stdout, '');
  }
});

function build(): string {
  const root = tempDir();
  const put = (rel: string, bytes: Buffer): void => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), bytes);
  };
  const daily = (ty: string): Buffer => fs.readFileSync(path.join(FIXTURES, 'daily', `${ty}-20261121.log`));
  put(`${d4}/request-${d4}06.log`, fs.readFileSync(path.join(FIXTURES, 'hourly', 'request-2026112106.log')));
  for (const ty of ['request', 'request.db']) put(`${d3}/${ty}-${d3}.log`, daily(ty));
  put(`${d2}/request-${d2}-web1.log.gz`, zlib.gzipSync(daily('request')));
  put(`${d2}/request.db-${d2}.log.bz2`, fs.readFileSync(path.join(FIXTURES, 'archived', 'request.db-20261121.log.bz2')));
  put(`${d2}/notes.txt`, Buffer.from('not a log'));
  return root;
}

test('list prints one tab-separated line per file when not on a terminal', async (t) => {
  const root = build();
  const r = await runTool('oxstore', ['list', '-p', root]);
  t.is(r.code, 0, r.stderr);
  const gzSize = fs.statSync(path.join(root, d2, `request-${d2}-web1.log.gz`)).size;
  t.is(
    r.stdout,
    [
      `request\t${d4}06\t-\t12835\t-\t${d4}/request-${d4}06.log`,
      `request\t${d3}\t-\t12835\t-\t${d3}/request-${d3}.log`,
      `request.db\t${d3}\t-\t7850\t-\t${d3}/request.db-${d3}.log`,
      `request\t${d2}\tweb1\t${gzSize}\tgz\t${d2}/request-${d2}-web1.log.gz`,
      `request.db\t${d2}\t-\t1598\tbz2\t${d2}/request.db-${d2}.log.bz2`,
    ].join('\n') + '\n',
  );
});

test('list --json, a type filter and a date range', async (t) => {
  const root = build();
  const json = await runTool('oxstore', ['list', '--json', '-p', root]);
  t.is(json.code, 0, json.stderr);
  const files = JSON.parse(json.stdout);
  t.is(files.length, 5);
  t.deepEqual(files[3], { file: `${d2}/request-${d2}-web1.log.gz`, type: 'request', stamp: d2, host: 'web1', size: files[3].size, compression: 'gz' });
  t.deepEqual(files[0], { file: `${d4}/request-${d4}06.log`, type: 'request', stamp: `${d4}06`, host: null, size: 12835, compression: null });
  const names = async (...args: string[]): Promise<string[]> => {
    const r = await runTool('oxstore', ['list', ...args, '-p', root]);
    t.is(r.code, 0, r.stderr);
    return r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split('\t')[5]);
  };
  t.deepEqual(await names('request.db'), [`${d3}/request.db-${d3}.log`, `${d2}/request.db-${d2}.log.bz2`]);
  t.deepEqual(await names('req*', '-s', d3, '-e', d3), [`${d3}/request-${d3}.log`, `${d3}/request.db-${d3}.log`]);
  t.deepEqual(await names('-s', d2), [`${d2}/request-${d2}-web1.log.gz`, `${d2}/request.db-${d2}.log.bz2`]);
  t.deepEqual(await names('request', '-e', `${d4} 07:00`), [`${d4}/request-${d4}06.log`]);
  t.deepEqual(await names('nothing'), []);
  const bad = await runTool('oxstore', ['list', '-s', 'yesterday', '-p', root]);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--start "yesterday" is not a date/);
});

/** Runs oxstore on a pseudo-terminal (util-linux `script`): output as the terminal shows it, and the exit status. */
function onTerminal(args: string[]): Promise<{ code: number | null; text: string }> {
  const command = [process.execPath, toolPath('oxstore'), ...args].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TERM: 'dumb' }, timeout: 60_000, killSignal: 'SIGKILL' });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, text })));
}

test('on a terminal: list is a table, zip draws its progress in place, cat will not write msgpack', async (t) => {
  const root = build();
  const list = await onTerminal(['list', '-p', root]);
  t.is(list.code, 0, list.text);
  t.regex(list.text, /^TYPE +DATE +HOST +SIZE +COMPRESSED +FILE\r\n/);
  t.regex(list.text, new RegExp(`request\\.db +${d2} +1\\.6 KiB +bz2 +${d2}/request\\.db-${d2}\\.log\\.bz2\\r\\n`));
  t.regex(list.text, /5 file\(s\), /);
  const zip = await onTerminal(['zip', '-p', root]);
  t.is(zip.code, 0, zip.text);
  t.regex(zip.text, /\r\x1b\[Kzip: 0\/2 files, [\d.]+ KiB of 20\.2 KiB, [\d.]+ MB\/s\r\x1b\[Kzipped /, 'cleared before a message');
  t.regex(zip.text, /\r\x1b\[Kzip: 2\/2 files, 20\.2 KiB of 20\.2 KiB, [\d.]+ MB\/s\r\n/);
  const quiet = await onTerminal(['zip', '--no-progress', '-p', build()]);
  t.is(quiet.code, 0);
  t.regex(quiet.text, /zip: 2 zipped/);
  t.false(quiet.text.includes('\x1b[K'));
  const cat = await onTerminal(['cat', 'request', '-s', d3, '-p', root]);
  t.is(cat.code, 2);
  t.regex(cat.text, /not writing msgpack bytes to a terminal: pipe them \(oxstore cat TYPE \| oxview\), or use --json/);
  const json = await onTerminal(['cat', 'request', '--json', '-s', d3, '-p', root]);
  t.is(json.code, 0, json.text);
  t.is(json.text.trim().split('\r\n').length, 50);
});
