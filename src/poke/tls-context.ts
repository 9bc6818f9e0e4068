/**
 * The TLS settings of a check as Node's connection options. The files (CA,
 * client certificate and key) are read at every probe, so a renewed
 * certificate is used without a restart; the secure context made from them
 * is kept for as long as they do not change, because making one is costly:
 * trusting an extra CA means a store of Node's bundled roots plus it, about
 * 25 ms of CPU to build, which would otherwise count in every probe's
 * timings (and bound `oxpoke load`).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as tls from 'node:tls';
import type { TlsOptions } from './check';

/** Secure contexts by the digest of the files they were made from. */
const contexts = new Map<string, tls.SecureContext>();
/** More than the distinct settings of any set of checks; past it the oldest go (certificates replaced long ago). */
const MAX_CONTEXTS = 64;

async function read(what: string, file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    throw new Error(`cannot read the ${what} file ${file}: ${(err as Error).message}`);
  }
}

/**
 * Node's options for `settings`: `verify` is rejectUnauthorized (off, the
 * certificate is still read and reported), `ca` is trusted besides Node's
 * bundled roots, `cert` and `key` are the client certificate. A file that
 * cannot be read gives the message saying which, instead of options.
 */
export async function tlsConnectionOptions(settings: TlsOptions): Promise<tls.ConnectionOptions | string> {
  const options: tls.ConnectionOptions = { rejectUnauthorized: settings.verify };
  if (settings.ca === null && settings.cert === null && settings.key === null) return options;
  let ca: Buffer | null, cert: Buffer | null, key: Buffer | null;
  try {
    [ca, cert, key] = await Promise.all([
      settings.ca === null ? null : read('CA', settings.ca),
      settings.cert === null ? null : read('client certificate', settings.cert),
      settings.key === null ? null : read('client key', settings.key),
    ]);
  } catch (err) {
    return (err as Error).message;
  }
  const digest = createHash('sha256');
  for (const part of [ca, cert, key]) digest.update(part === null ? '-' : `${part.length}:`).update(part ?? '');
  const id = digest.digest('hex');
  let context = contexts.get(id);
  if (!context) {
    try {
      // Node's `ca` replaces the trusted roots; the check's CA is meant to be trusted as well as them.
      context = tls.createSecureContext({
        ca: ca === null ? undefined : [...tls.rootCertificates, ca.toString()],
        cert: cert ?? undefined,
        key: key ?? undefined,
      });
    } catch (err) {
      return `the TLS files ${[settings.ca, settings.cert, settings.key].filter((f) => f !== null).join(', ')} cannot be used: ${(err as Error).message}`;
    }
    if (contexts.size >= MAX_CONTEXTS) contexts.delete(contexts.keys().next().value as string);
    contexts.set(id, context);
  }
  options.secureContext = context;
  return options;
}
