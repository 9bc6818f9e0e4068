/**
 * The manual pages in man/: each formats without a single groff warning,
 * renders with man(1), has a NAME section that lexgrog (man-db, which builds
 * the whatis database from it) recognises, and documents every long option
 * its command's real --help prints (the bundles in dist/, subcommands
 * included). oxd.conf(5) documents every configuration key, and oxd(8) the
 * OXD_<KEY> variable of each.
 *
 * Needs the Debian packages groff-base (groff) and man-db (man, lexgrog);
 * without them every test here fails, saying what to install.
 */
import test from 'ava';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { settingKeys } from '../../src/config/oxd-settings';

const REPO = path.resolve(__dirname, '..', '..', '..');
const MAN_DIR = path.join(REPO, 'man');

/** Every page we ship, and the commands (with subcommands found from their help) it documents. */
const PAGES: Record<string, string[]> = {
  'oxd.8': ['oxd'],
  'oxd.conf.5': [],
  'oxview.1': ['oxview'],
  'oxctl.1': ['oxctl'],
  'oxingest.1': ['oxingest'],
  'oxstash.1': ['oxstash'],
  'oxstore.1': ['oxstore'],
  'oxpoke.1': ['oxpoke'],
  'blueox.7': [],
};

const PACKAGE_OF: Record<string, string> = { groff: 'groff-base', man: 'man-db', lexgrog: 'man-db' };
const INSTALL_HINT =
  'install the Debian packages groff-base and man-db (apt-get install groff-base man-db); ' +
  "the Makefile's APT_PACKAGES must list them";

/** Runs an installed program; a missing one fails the test with what to install. */
function program(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8', ...env },
    timeout: 60_000,
  });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(`${cmd} (Debian package ${PACKAGE_OF[cmd] ?? '?'}) is not installed: ${INSTALL_HINT}`);
  }
  if (r.error) throw r.error;
  return r;
}

/** `node dist/<tool>.js ...args --help`, without the developer's BlueOx environment. */
function help(tool: string, args: string[]): string {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', COLUMNS: '100' };
  for (const name of Object.keys(env)) if (/^(BLUEOX_|OXD_|OXSTASH_)/.test(name)) delete env[name];
  const bundle = path.join(REPO, 'dist', `${tool}.js`);
  if (!fs.existsSync(bundle)) throw new Error(`${bundle} is missing: run make build first`);
  const r = spawnSync(process.execPath, [bundle, ...args, '--help'], { encoding: 'utf8', env, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${tool} ${[...args, '--help'].join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** The subcommands listed under "Commands:" in a help text (not "help" itself). */
function subcommands(text: string): string[] {
  const at = text.search(/^Commands:$/m);
  if (at < 0) return [];
  const names: string[] = [];
  for (const line of text.slice(at).split('\n').slice(1)) {
    if (line.trim() === '') break;
    const m = /^ {2}([a-z][a-z-]*)\b/.exec(line);
    if (m && m[1] !== 'help') names.push(m[1]);
  }
  return names;
}

/** Every long option a help text mentions, e.g. --log-path (also in prose, e.g. "also --chunk_size"). */
function longOptions(text: string): string[] {
  const found = text.match(/--[a-z][a-z0-9_-]*/g) ?? [];
  return [...new Set(found.map((o) => o.replace(/[-_]+$/, '')))].sort();
}

/** Each help text a page must cover: the command's, and each subcommand's. */
function helpTexts(tool: string): { invocation: string; text: string }[] {
  const top = help(tool, []);
  return [
    { invocation: tool, text: top },
    ...subcommands(top).map((sub) => ({ invocation: `${tool} ${sub}`, text: help(tool, [sub]) })),
  ];
}

function source(page: string): string {
  return fs.readFileSync(path.join(MAN_DIR, page), 'utf8');
}

/** The page's text without comments and with roff's escapes for hyphens and fonts undone. */
function plainSource(page: string): string {
  return source(page)
    .split('\n')
    .filter((line) => !/^\.\s*\\"/.test(line))
    .join('\n')
    .replace(/\\f[BIRP]/g, '')
    .replace(/\\[&%]/g, '')
    .replace(/\\-/g, '-');
}

/** The names before "\-" in the NAME section, e.g. ["oxd"]. */
function pageNames(page: string): string[] {
  const m = /^\.SH NAME\n(.*?) \\- /m.exec(source(page));
  if (!m) throw new Error(`${page}: no "name \\- description" line after .SH NAME`);
  return m[1].split(/,\s*/).map((n) => n.replace(/\\/g, ''));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('groff, man and lexgrog are installed', (t) => {
  for (const cmd of ['groff', 'man', 'lexgrog']) {
    const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
    t.not((r.error as NodeJS.ErrnoException | undefined)?.code, 'ENOENT', `${cmd} (Debian package ${PACKAGE_OF[cmd]}) is not installed: ${INSTALL_HINT}`);
  }
});

test('man/ holds exactly the pages this test knows', (t) => {
  const present = fs.readdirSync(MAN_DIR).filter((f) => /\.[1-8]$/.test(f)).sort();
  t.deepEqual(present, Object.keys(PAGES).sort());
});

for (const page of Object.keys(PAGES)) {
  test(`${page}: groff -man -ww formats it without a warning`, (t) => {
    const r = program('groff', ['-man', '-Tutf8', '-ww', '-z', path.join(MAN_DIR, page)]);
    t.is(r.stderr, '');
    t.is(r.status, 0);
  });

  test(`${page}: man -l renders it`, (t) => {
    const r = program('man', ['-l', path.join(MAN_DIR, page)], { MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' });
    t.is(r.status, 0, r.stderr);
    // Without a terminal man-db leaves out bold and underlining; strip any that remain.
    const text = r.stdout.replace(/.\x08/g, '').replace(/\x1b\[[0-9;]*m/g, '');
    const [name] = pageNames(page);
    t.true(name === path.basename(page).replace(/\.[1-8]$/, ''), `NAME says ${name}`);
    t.regex(text, new RegExp(`^NAME\\n\\s+${escapeRegExp(name)}\\b`, 'm'));
    t.regex(text, /^SEE ALSO$/m);
  });

  test(`${page}: man --warnings finds nothing (as lintian checks it)`, (t) => {
    const r = program('man', ['--warnings', '-E', 'UTF-8', '-l', '-Tutf8', '-Z', path.join(MAN_DIR, page)], {
      MANWIDTH: '80',
      MANROFFSEQ: '',
    });
    t.is(r.stderr, '');
    t.is(r.status, 0);
  });

  test(`${page}: lexgrog recognises the NAME section`, (t) => {
    const r = program('lexgrog', [path.join(MAN_DIR, page)]);
    t.is(r.status, 0, r.stdout + r.stderr);
    const [name] = pageNames(page);
    t.regex(r.stdout, new RegExp(`: "${escapeRegExp(name)} - \\S.*"$`, 'm'));
  });

  test(`${page}: hyphens of options are written \\-`, (t) => {
    const text = source(page)
      .split('\n')
      .filter((line) => !/^\.\s*\\"/.test(line))
      .join('\n')
      .replace(/\\f[BIRP]/g, '')
      .replace(/\\-/g, '');
    const bare = text.match(/(?<=^|[\s(["'{|,=])--?[A-Za-z][\w-]*/gm) ?? [];
    t.deepEqual(bare, [], 'write option names with \\- in roff');
  });

  for (const tool of PAGES[page]) {
    test(`${page}: documents every long option of ${tool} --help`, (t) => {
      const text = plainSource(page);
      for (const { invocation, text: helpText } of helpTexts(tool)) {
        const options = longOptions(helpText);
        t.true(options.length > 0, `${invocation} --help prints no long options`);
        const missing = options.filter((o) => !new RegExp(`(?<![\\w-])${escapeRegExp(o)}(?![\\w-])`).test(text));
        t.deepEqual(missing, [], `${page} does not mention these options of ${invocation} --help`);
      }
    });
  }
}

test('oxd.conf.5 documents every configuration key, and oxd.8 its OXD_ variable', (t) => {
  const conf = source('oxd.conf.5');
  const oxd = plainSource('oxd.8');
  const keys = settingKeys();
  t.true(keys.length > 0);
  for (const key of keys) {
    t.regex(conf, new RegExp(`^\\.TP\\n\\.B ${escapeRegExp(key)}\\n`, 'm'), `oxd.conf.5 has no ".TP / .B ${key}" entry`);
    t.regex(oxd, new RegExp(`\\bOXD_${key.toUpperCase()}\\b`), `oxd.8 does not mention OXD_${key.toUpperCase()}`);
  }
});
