/**
 * What CURVE the link uses (doc/link.md), from the settings link_key,
 * link_server_key, link_clients and link: the link socket's side (its key
 * pair and the allowed forwarding oxds) and the forwarding side (its key
 * pair and the upstream's public key). Settings that cannot work together
 * stop start-up (and --check-config) with ELINKKEY and what to set.
 */
import { BlueOxError } from '../../errors';
import type { LinkSettings } from '../../config/link-settings';
import { LinkKeyPair, readLinkClients, readLinkKeyPair, readLinkPublicKey } from './link-keys';

export interface LinkCurveServer extends LinkKeyPair {
  /** The link_clients folder. */
  clientsDir: string;
  /** Allowed public keys -> the .pub file that allowed each. */
  clients: Map<string, string>;
}

export interface LinkCurveClient extends LinkKeyPair {
  /** The upstream's public key (link_server_key). */
  serverKey: string;
}

export interface LinkCurve {
  /** The link socket requires CURVE; null: it takes links in clear (or there is none). */
  server: LinkCurveServer | null;
  /** This oxd's link to its upstream uses CURVE; null: in clear. */
  client: LinkCurveClient | null;
  /** Things to log at start: a combination that works but may surprise. */
  notes: string[];
}

export const NO_CURVE: LinkCurve = { server: null, client: null, notes: [] };

type CurveSettings = Pick<LinkSettings, 'link' | 'linkKey' | 'linkServerKey' | 'linkClients'> & { spoolPath: string | null };

/** Reads the key files that are set; throws ELINKKEY for a bad file or settings that do not go together. */
export function linkCurve(s: CurveSettings): LinkCurve {
  if (s.linkKey === null) {
    if (s.linkServerKey !== null) {
      throw curveError(
        `link_server_key is set (${s.linkServerKey}) but link_key is empty: a link with CURVE needs this oxd's own key pair too; ` +
          'make one with oxd --make-link-key PATH, set link_key = PATH, and copy PATH.pub into the upstream\'s link_clients folder',
      );
    }
    if (s.linkClients !== null) {
      throw curveError(`link_clients is set (${s.linkClients}) but link_key is empty: the link socket needs a key pair to require CURVE; make one with oxd --make-link-key PATH and set link_key = PATH`);
    }
    return NO_CURVE;
  }
  const pair = readLinkKeyPair(s.linkKey);
  const notes: string[] = [];
  let server: LinkCurveServer | null = null;
  if (s.link !== null && s.linkClients !== null) {
    server = { ...pair, clientsDir: s.linkClients, clients: readLinkClients(s.linkClients) };
    if (server.clients.size === 0) notes.push(`link_clients ${s.linkClients} holds no .pub file: no forwarding oxd can connect to this oxd's link`);
  } else if (s.link !== null && s.linkServerKey !== null) {
    notes.push('the link socket takes links without CURVE (link_clients is empty); set link_clients to require CURVE there, or link = "" when no oxd forwards to this one');
  } else if (s.link !== null) {
    throw curveError(
      `link_key is set (${s.linkKey}) but link_clients is empty: set link_clients to a folder of the .pub files of the forwarding oxds allowed on this oxd's link ` +
        '(or link_server_key, when link_key is for this oxd\'s own link to its upstream)',
    );
  } else if (s.linkServerKey === null) {
    throw curveError(`link_key is set (${s.linkKey}) but this oxd takes no links (link is empty) and link_server_key is empty: set link_server_key to the upstream's .pub file, or empty link_key`);
  }
  if (s.linkServerKey !== null && s.spoolPath === null) {
    throw curveError('link_server_key is set but spool_path is empty: only a forwarding oxd with a disk spool uses the link (without one it PUSHes events in clear); set spool_path');
  }
  const client = s.linkServerKey !== null ? { ...pair, serverKey: readLinkPublicKey(s.linkServerKey) } : null;
  return { server, client, notes };
}

function curveError(message: string): BlueOxError {
  return new BlueOxError('ELINKKEY', message);
}

/** Why a forwarding oxd with `curve` does not send to the upstream the probe found; null when it may. */
export function curveRefusal(curve: LinkCurveClient | null, found: { curveKey: string | null } | null): string | null {
  const announced = found?.curveKey ?? null;
  if (curve === null) {
    return announced === null ? null : `the upstream's link requires CURVE: set link_key and link_server_key (its public key is ${announced})`;
  }
  if (found === null) return 'link_server_key is set, but the upstream does not speak the link (an original oxd?): events are not sent to it in clear; empty link_key and link_server_key to forward there';
  if (announced === null) return "link_server_key is set, but the upstream's link does not require CURVE: events are not sent in clear; set link_key and link_clients on the upstream, or empty link_server_key here";
  if (announced !== curve.serverKey) return `the upstream's link announces the public key ${announced}, not link_server_key's ${curve.serverKey}: set link_server_key to the upstream's .pub file`;
  return null;
}
