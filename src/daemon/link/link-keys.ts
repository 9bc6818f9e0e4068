/**
 * The link's CURVE key files (doc/link.md): a key pair file, secret, made
 * by `oxd --make-link-key PATH` beside PATH.pub, its public key, which the
 * other side of the link is given. Text, read strictly: a file that is not
 * exactly what oxd writes stops start-up with its path and what to do.
 *
 *   # BlueOx link key pair: keep it secret
 *   public-key = "<40 Z85 characters>"
 *   secret-key = "<40 Z85 characters>"
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zmq from 'zeromq';
import { BlueOxError } from '../../errors';
import { isZ85Key, z85Decode, z85Encode } from '../../protocol/z85';

export interface LinkKeyPair {
  publicKey: string;
  secretKey: string;
}

const PAIR_HEADER = '# BlueOx link key pair: keep it secret';
const PUBLIC_HEADER = '# BlueOx link public key';
/** The group oxd's service runs as: it must read the pair file. */
const SERVICE_GROUP = '_blueox';
/** DER prefix of an X25519 private key in PKCS#8, before its 32 bytes. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** Writes a new key pair to `file` (0640) and its public key to `file`.pub (0644); never overwrites. */
export function makeLinkKey(file: string): { pair: string; pub: string } {
  const pub = `${file}.pub`;
  for (const f of [file, pub]) {
    if (fs.existsSync(f)) throw new BlueOxError('ELINKKEY', `${f} exists: oxd does not overwrite a key file; remove it first (the other side of the link must then be given the new public key) or choose another path`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const { publicKey, secretKey } = zmq.curveKeyPair();
  writeNew(file, `${PAIR_HEADER}\npublic-key = "${publicKey}"\nsecret-key = "${secretKey}"\n`, 0o640);
  const gid = serviceGroup();
  if (gid !== null) fs.chownSync(file, -1, gid);
  writeNew(pub, `${PUBLIC_HEADER}\npublic-key = "${publicKey}"\n`, 0o644);
  return { pair: file, pub };
}

function writeNew(file: string, text: string, mode: number): void {
  const fd = fs.openSync(file, 'wx', mode);
  try {
    fs.writeFileSync(fd, text);
    // The umask may have taken bits away (or left more): the mode is exactly this one.
    fs.fchmodSync(fd, mode);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The gid of _blueox when oxd runs as root and the group exists (the package made it), else null. */
function serviceGroup(): number | null {
  if (process.getuid?.() !== 0) return null;
  const r = spawnSync('getent', ['group', SERVICE_GROUP], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const gid = Number(r.stdout.split(':')[2]);
  return Number.isInteger(gid) ? gid : null;
}

/** A key pair file as `makeLinkKey` writes it. */
export function readLinkKeyPair(file: string): LinkKeyPair {
  const fields = readKeyFile(file, ['public-key', 'secret-key'], 'a key pair file made by oxd --make-link-key');
  const derived = publicKeyOf(fields['secret-key']);
  if (derived !== fields['public-key']) {
    throw keyError(file, 'its public-key does not belong to its secret-key: the file was edited; make a new pair with oxd --make-link-key');
  }
  return { publicKey: fields['public-key'], secretKey: fields['secret-key'] };
}

/** A public key file (.pub) as `makeLinkKey` writes it. */
export function readLinkPublicKey(file: string): string {
  return readKeyFile(file, ['public-key'], 'a .pub file made by oxd --make-link-key')['public-key'];
}

/** The public keys of every *.pub file in `dir` (the forwarding oxds allowed on this oxd's link). */
export function readLinkClients(dir: string): Map<string, string> {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.pub')).sort();
  } catch (err) {
    throw keyError(dir, `cannot read the folder (${(err as Error).message}): create it and put there the .pub file of each forwarding oxd allowed on this link`);
  }
  // Public key -> the file that allowed it, for messages.
  const keys = new Map<string, string>();
  for (const name of names) keys.set(readLinkPublicKey(path.join(dir, name)), name);
  return keys;
}

/** `name = "value"` lines with exactly `names`, once each; comments and blank lines allowed. */
function readKeyFile(file: string, names: string[], what: string): Record<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw keyError(file, `cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): make it with oxd --make-link-key, or give oxd's user read access`);
  }
  const fields: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-z-]+)\s*=\s*"([^"]*)"$/.exec(line);
    const where = `line ${i + 1}`;
    if (!m) throw keyError(file, `${where} is not name = "value": it should be ${what}`);
    const [, name, value] = m;
    if (!names.includes(name)) throw keyError(file, `${where}: unknown name ${name} (expected ${names.join(' and ')}): it should be ${what}`);
    if (name in fields) throw keyError(file, `${where}: ${name} is given twice: it should be ${what}`);
    if (!isZ85Key(value)) throw keyError(file, `${where}: ${name} is not a key (40 Z85 characters): it should be ${what}`);
    fields[name] = value;
  }
  const missing = names.filter((n) => !(n in fields));
  if (missing.length > 0) throw keyError(file, `no ${missing.join(' and no ')}: it should be ${what}`);
  return fields;
}

/** The CURVE (X25519) public key of a secret key, both Z85. */
function publicKeyOf(secretKey: string): string {
  const secret = crypto.createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, z85Decode(secretKey)!]), format: 'der', type: 'pkcs8' });
  const spki = crypto.createPublicKey(secret).export({ format: 'der', type: 'spki' });
  return z85Encode(spki.subarray(spki.length - 32));
}

function keyError(file: string, what: string): BlueOxError {
  return new BlueOxError('ELINKKEY', `${file}: ${what}`);
}
