/**
 * The service's folder of check files: ids `file/name`, the files taken
 * (*.toml, not hidden, in name order), one bad file stopping the whole
 * folder with its file:line: key message, and the fingerprints that tell a
 * reload which checks changed.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkFingerprint, loadCheckFolder } from '../../src/poke/check-folder';
import { parseChecks } from '../../src/poke/check-file';
import { tempDir } from '../helpers/oxd-process';

const check = (name: string, extra = ''): string => `[[check]]\nname = "${name}"\nurl = "http://127.0.0.1:8080/${name}"\n${extra}`;

test('every *.toml file in name order, hidden ones and other files passed over; ids are file/name', (t) => {
  const dir = tempDir('poke-folder-');
  fs.writeFileSync(path.join(dir, 'web.toml'), check('home') + check('login'));
  fs.writeFileSync(path.join(dir, 'api.toml'), check('home'));
  fs.writeFileSync(path.join(dir, '.#web.toml'), 'not = [toml');
  fs.writeFileSync(path.join(dir, 'web.toml~'), 'not = [toml');
  fs.writeFileSync(path.join(dir, 'README'), 'checks go in *.toml files');
  fs.mkdirSync(path.join(dir, 'sub.toml'));
  const folder = loadCheckFolder(dir);
  t.deepEqual(folder.files, [path.join(dir, 'api.toml'), path.join(dir, 'web.toml')]);
  t.deepEqual(folder.checks.map((c) => c.id), ['api/home', 'web/home', 'web/login']);
  t.is(folder.checks[1].check.file, path.join(dir, 'web.toml'));
  // Two checks named home: each has its own id and state, but their metrics share a name.
  t.deepEqual(folder.notes, ['the checks api/home, web/home share the name home, so their metrics poke.home.* add up; rename one for metrics of its own']);
});

test('one bad file stops the whole folder with its file:line: key message; a folder that cannot be read says so', (t) => {
  const dir = tempDir('poke-folder-');
  fs.writeFileSync(path.join(dir, 'a.toml'), check('fine'));
  fs.writeFileSync(path.join(dir, 'b.toml'), check('typo', 'expect.stauts = [200]\n'));
  const err = t.throws(() => loadCheckFolder(dir));
  t.is((err as { code?: string }).code, 'EPOKEFILE');
  t.regex(err!.message, new RegExp(`^${path.join(dir, 'b.toml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4: check\\[1\\]\\.expect\\.stauts is not a known key`));
  const missing = t.throws(() => loadCheckFolder(path.join(dir, 'nowhere')));
  t.is((missing as { code?: string }).code, 'EPOKEDIR');
  t.regex(missing!.message, /^cannot read the check folder .*nowhere: ENOENT.*; give the folder of the check files with --dir \(or OXPOKE_DIR\)$/);
  const empty = tempDir('poke-folder-');
  t.deepEqual(loadCheckFolder(empty), { dir: empty, files: [], checks: [], notes: [] });
});

test('fingerprints: equal when only the line moved, different for any change of what the check does (regular expressions included)', (t) => {
  const FILE = '/etc/blueox/poke.d/web.toml';
  const print = (text: string): string => checkFingerprint(parseChecks(text, FILE)[0]);
  const base = print(check('home', 'expect.body = "^ok"\n'));
  t.is(print(`\n\n# moved down\n${check('home', 'expect.body = "^ok"\n')}`), base);
  t.not(print(check('home', 'expect.body = "^OK"\n')), base);
  t.not(print(check('home', 'expect.body = "^ok"\ninterval = "30s"\n')), base);
  t.not(print(check('home', 'expect.body = "^ok"\ntimeout = "2s"\n')), base);
  t.regex(base, /"\/\^ok\/"/);
});
