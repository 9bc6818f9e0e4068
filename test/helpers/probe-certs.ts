/**
 * Certificates for the HTTPS probe's tests, made with openssl in a test's
 * folder (EC P-256 keys, quick to make): a CA; signed by it, a server
 * certificate for `localhost` and 127.0.0.1 valid for 30 days, another one
 * for the same names expiring in 2 days, and a client certificate; and a
 * self-signed server certificate that no CA vouches for.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from './command';

export interface ProbeCerts {
  ca: string;
  /** Signed by the CA, valid 30 days. */
  serverCert: string;
  serverKey: string;
  /** Signed by the CA, valid 2 days. */
  nearCert: string;
  nearKey: string;
  /** Its own issuer. */
  selfSignedCert: string;
  selfSignedKey: string;
  /** Signed by the CA, for client authentication, CN=oxpoke-client. */
  clientCert: string;
  clientKey: string;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const SERVER_EXT = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n';
const CLIENT_EXT = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n';

async function openssl(args: string[], cwd: string): Promise<void> {
  const r = await runCommand('openssl', args, { cwd, timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} exited with ${r.code ?? r.signal}: ${r.stderr}`);
}

/** `name`.pem and `name`.key in `dir`, signed by ca.pem for `days` days. */
async function signed(dir: string, name: string, cn: string, extensions: string, days: number, serial: number): Promise<void> {
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  await openssl(['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(serial), '-days', String(days), '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
}

/** Makes them all in `dir` (which must exist). */
export async function makeProbeCerts(dir: string): Promise<ProbeCerts> {
  await openssl(['req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=oxpoke test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  await Promise.all([
    signed(dir, 'server', 'localhost', SERVER_EXT, 30, 2),
    signed(dir, 'near', 'localhost', SERVER_EXT, 2, 3),
    signed(dir, 'client', 'oxpoke-client', CLIENT_EXT, 30, 4),
    openssl(['req', '-x509', ...EC_KEY, '-keyout', 'self.key', '-out', 'self.pem', '-days', '30', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], dir),
  ]);
  const at = (f: string): string => path.join(dir, f);
  return {
    ca: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    nearCert: at('near.pem'),
    nearKey: at('near.key'),
    selfSignedCert: at('self.pem'),
    selfSignedKey: at('self.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
  };
}

/**
 * The certificates, made once for the test file that calls this (ava's
 * before hook) and removed after its last test; filled in before any test runs.
 */
export function probeCertsForFile(): ProbeCerts {
  const certs = {} as ProbeCerts;
  let dir = '';
  test.before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxpoke-certs-'));
    Object.assign(certs, await makeProbeCerts(dir));
  });
  test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));
  return certs;
}
