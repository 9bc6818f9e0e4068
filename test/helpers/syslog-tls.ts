/**
 * Syslog over TLS (RFC 5425) from rsyslog: certificates made with openssl
 * in a test's folder, and the rsyslog configuration that forwards with
 * rsyslog-gnutls (the gtls network stream driver) to a TLS syslog port.
 *
 * makeTlsFiles writes a CA and, signed by it, a server certificate for
 * `localhost` and 127.0.0.1 (what a TLS syslog port presents) and a client
 * certificate (what rsyslog presents, for a port that asks for one); and a
 * client certificate from another CA, which such a port must refuse. EC
 * P-256 keys: quick to make, and GnuTLS and Node both take them.
 *
 * rsyslogTls returns the `globals` and `rules` for startRsyslog
 * (test/helpers/rsyslog.ts): the gtls driver with the CA and the client's
 * certificate and key as rsyslog's defaults (global parameters, which every
 * rsyslog 8 reads; per-action files came later), and an omfwd action with
 * StreamDriverMode 1 (TLS only) and the authentication mode asked for:
 * - `x509/name`: the server's certificate must chain to the CA and name one
 *   of `permittedPeers` (in its subjectAltName DNS names or its CN);
 * - `x509/certvalid`: it must chain to the CA, whatever its name;
 * - `anon`: no check at all (encryption only).
 * RFC 5425 frames with octet counting, so that and RSYSLOG_SyslogProtocol23Format
 * are the defaults.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCommand } from './command';

export interface TlsFiles {
  dir: string;
  ca: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by another CA, that a port trusting `ca` must refuse. */
  strangerCert: string;
  strangerKey: string;
}

export type TlsAuthMode = 'x509/name' | 'x509/certvalid' | 'anon';

export interface RsyslogTlsOptions {
  /** The TLS syslog port. */
  port: number | string;
  host?: string;
  /** Default x509/name. */
  authMode?: TlsAuthMode;
  /** Names the server's certificate may carry under x509/name; default `localhost`. */
  permittedPeers?: string[];
  /** Default octet-counted, as RFC 5425 requires. */
  framing?: 'octet-counted' | 'traditional';
  /** Default RSYSLOG_SyslogProtocol23Format (RFC 5424). */
  template?: string;
  /** Send the client certificate (default true). */
  clientCertificate?: boolean;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const r = await runCommand('openssl', args, { cwd, timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} exited with ${r.code ?? r.signal}: ${r.stderr}`);
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
/** A day either side of now: valid whatever small skew the machine's clock has between the steps. */
const DAYS = '2';

/** A key and a certificate for `name` signed by the CA `ca` (ca.pem and ca.key) in `dir`, with the extensions given. */
async function signed(dir: string, name: string, cn: string, extensions: string, serial: number, ca = 'ca'): Promise<void> {
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  await openssl(['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-set_serial', String(serial), '-days', DAYS, '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
}

async function selfSignedCa(dir: string, name: string, cn: string): Promise<void> {
  await openssl(['req', '-x509', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', DAYS, '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
}

/** Makes the CA, the server's and the client's certificates in `dir` (which must exist). */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  await selfSignedCa(dir, 'ca', 'BlueOx test CA');
  await selfSignedCa(dir, 'stranger-ca', 'Another CA');
  await signed(dir, 'server', 'localhost', 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n', 2);
  const clientExt = (name: string) => `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=DNS:${name}\n`;
  await signed(dir, 'client', 'rsyslog-client', clientExt('rsyslog-client'), 3);
  await signed(dir, 'stranger', 'stranger', clientExt('stranger'), 4, 'stranger-ca');
  const at = (f: string): string => path.join(dir, f);
  return { dir, ca: at('ca.pem'), caKey: at('ca.key'), serverCert: at('server.pem'), serverKey: at('server.key'), clientCert: at('client.pem'), clientKey: at('client.key'), strangerCert: at('stranger.pem'), strangerKey: at('stranger.key') };
}

/** startRsyslog's `globals` and `rules` for forwarding every message over TLS to `o.port`. */
export function rsyslogTls(files: TlsFiles, o: RsyslogTlsOptions): { globals: string; rules: string } {
  const client = o.clientCertificate === false ? '' : ` DefaultNetstreamDriverCertFile="${files.clientCert}" DefaultNetstreamDriverKeyFile="${files.clientKey}"`;
  const globals = `global(DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="${files.ca}"${client})`;
  const authMode = o.authMode ?? 'x509/name';
  const peers = authMode === 'x509/name' ? ` StreamDriverPermittedPeers="${(o.permittedPeers ?? ['localhost']).join(',')}"` : '';
  const framing = o.framing ?? 'octet-counted';
  const rules = `*.* action(type="omfwd" target="${o.host ?? '127.0.0.1'}" port="${o.port}" protocol="tcp" StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="${authMode}"${peers} TCP_Framing="${framing}" template="${o.template ?? 'RSYSLOG_SyslogProtocol23Format'}")`;
  return { globals, rules };
}
