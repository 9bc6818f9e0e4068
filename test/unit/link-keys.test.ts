import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeLinkKey, readLinkClients, readLinkKeyPair, readLinkPublicKey } from '../../src/daemon/link/link-keys';

function folder(t: { teardown(f: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'link-keys-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a key pair written is read back: the pair, its .pub, and a folder of .pub files', (t) => {
  const dir = folder(t);
  const made = makeLinkKey(path.join(dir, 'new', 'central'));
  t.deepEqual(made, { pair: path.join(dir, 'new', 'central'), pub: path.join(dir, 'new', 'central.pub') });
  const pair = readLinkKeyPair(made.pair);
  t.is(pair.publicKey.length, 40);
  t.is(pair.secretKey.length, 40);
  t.not(pair.publicKey, pair.secretKey);
  t.is(readLinkPublicKey(made.pub), pair.publicKey);
  t.regex(fs.readFileSync(made.pair, 'utf8'), /^# BlueOx link key pair: keep it secret\npublic-key = "[^"]{40}"\nsecret-key = "[^"]{40}"\n$/);
  t.regex(fs.readFileSync(made.pub, 'utf8'), /^# BlueOx link public key\npublic-key = "[^"]{40}"\n$/);
  t.is(fs.statSync(made.pair).mode & 0o777, 0o640);
  t.is(fs.statSync(made.pub).mode & 0o777, 0o644);
  const other = makeLinkKey(path.join(dir, 'new', 'local'));
  t.deepEqual(readLinkClients(path.join(dir, 'new')), new Map([[pair.publicKey, 'central.pub'], [readLinkPublicKey(other.pub), 'local.pub']]));
});

test('an existing file is never overwritten', (t) => {
  const dir = folder(t);
  const made = makeLinkKey(path.join(dir, 'k'));
  const before = fs.readFileSync(made.pair, 'utf8');
  t.throws(() => makeLinkKey(made.pair), { code: 'ELINKKEY', message: /k exists: oxd does not overwrite a key file; remove it first/ });
  t.is(fs.readFileSync(made.pair, 'utf8'), before);
  fs.rmSync(made.pair);
  t.throws(() => makeLinkKey(made.pair), { code: 'ELINKKEY', message: /k\.pub exists/ });
  t.false(fs.existsSync(made.pair), 'nothing written when the .pub is in the way');
});

test('a bad key file is refused, its path and what is wrong in the message', (t) => {
  const dir = folder(t);
  const good = fs.readFileSync(makeLinkKey(path.join(dir, 'good')).pair, 'utf8');
  const other = fs.readFileSync(makeLinkKey(path.join(dir, 'other')).pair, 'utf8');
  const cases: Array<[string, string, RegExp]> = [
    ['garbage', 'hello\n', /line 1 is not name = "value"/],
    ['unknown', `${good}colour = "blue"\n`, /line 4: unknown name colour/],
    ['twice', `${good}${good.split('\n')[1]}\n`, /line 4: public-key is given twice/],
    ['short', good.replace(/secret-key = "[^"]{5}/, 'secret-key = "'), /line 3: secret-key is not a key/],
    ['missing', good.split('\n').slice(0, 2).join('\n'), /no secret-key/],
    ['mixed', `${good.split('\n')[1]}\n${other.split('\n')[2]}\n`, /its public-key does not belong to its secret-key/],
  ];
  for (const [name, text, message] of cases) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    const err = t.throws(() => readLinkKeyPair(file), { code: 'ELINKKEY', message }, name);
    t.true(err!.message.startsWith(`${file}: `), err!.message);
  }
  t.throws(() => readLinkKeyPair(path.join(dir, 'absent')), { code: 'ELINKKEY', message: /absent: cannot read it \(ENOENT\): make it with oxd --make-link-key/ });
  t.throws(() => readLinkPublicKey(path.join(dir, 'good')), { code: 'ELINKKEY', message: /good: line 3: unknown name secret-key/ }, 'a pair is not a .pub');
  fs.writeFileSync(path.join(dir, 'bad.pub'), 'public-key = "x"\n');
  t.throws(() => readLinkClients(dir), { code: 'ELINKKEY', message: /bad\.pub: line 1: public-key is not a key/ });
  t.throws(() => readLinkClients(path.join(dir, 'nope')), { code: 'ELINKKEY', message: /nope: cannot read the folder/ });
});
