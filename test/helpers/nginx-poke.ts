/**
 * The web service oxpoke's tests check: Debian's nginx with the fixed
 * configuration in test/fixtures/nginx (poke-http.conf, poke-server.conf).
 *
 *   /                 a small static file (html/index.html), text/html
 *   /add              {"result": 4}, application/json (the example check)
 *   /slow?s=N         headers and body N seconds late (default 1; echo_sleep)
 *   /slow-body?s=N    headers and a first line at once, the last line N seconds later
 *   /flaky            200 "up" or 503 "down", every other connection (odd ones fail)
 *   /reset            closed without an answer (nginx's 444)
 *   /status/NNN       that status, for 200 204 301 302 400 401 403 404 429 500 502 503 504
 *
 * Over TLS when given a certificate and key: the same endpoints on https.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Nginx, startNginx } from './nginx';
import { REPO } from './oxd-process';
import type { Teardown } from './peer-daemon';

export const POKE_FIXTURES = path.join(REPO, 'test', 'fixtures', 'nginx');
/** The static file served at /. */
export const POKE_INDEX = path.join(POKE_FIXTURES, 'html', 'index.html');
/** The statuses /status/NNN answers. */
export const POKE_STATUSES = [200, 204, 301, 302, 400, 401, 403, 404, 429, 500, 502, 503, 504];

export interface PokeNginxOptions {
  tls?: { cert: string; key: string };
  workers?: number;
}

export function startPokeNginx(t: Teardown, options: PokeNginxOptions = {}): Promise<Nginx> {
  const read = (name: string): string => fs.readFileSync(path.join(POKE_FIXTURES, name), 'utf8').replaceAll('@FIXTURES@', POKE_FIXTURES);
  return startNginx(t, {
    http: read('poke-http.conf'),
    server: read('poke-server.conf'),
    modules: ['ngx_http_echo_module'],
    tls: options.tls,
    workers: options.workers,
  });
}
