/**
 * Debian's nginx (nginx-light, 1.22), started by a test or a benchmark in a
 * folder of its own with one server block the caller writes, as the web
 * server oxpoke checks and loads.
 *
 * It shares nothing with a system nginx: no /etc/nginx, no /run/nginx.pid,
 * no /var/log/nginx, no /var/lib/nginx. The configuration, pid file, access
 * log and every temporary folder are in the test's folder, and nginx's own
 * messages go to stderr, which the helper reads. Root is not needed. When
 * run as root, the workers stay root (`user root`), since the default user
 * `nobody` could not read a test's 0700 folder.
 *
 * The port: nginx_listen.py binds and listens on 127.0.0.1 port 0, writes
 * the port into the configuration, and execs nginx with the socket on
 * descriptor 3 and NGINX=3; in its environment (nginx's binary-upgrade
 * hand-over). nginx takes that socket for the `listen` line with its
 * address instead of binding one, and says so on stderr ("using inherited
 * sockets from"), which the helper requires. The port is never free
 * between being chosen and being used, so no other process can take it.
 *
 * The command line: `-p DIR/` (relative paths are the folder's), `-c` the
 * folder's nginx.conf, `-e stderr` (messages before the configuration is
 * read); the configuration says `daemon off` (the test holds the master's
 * pid and exit) and `master_process on` with `workers` worker processes.
 * The master and its workers run in a process group of their own, killed as
 * a whole at teardown: a worker outlives a master killed alone.
 *
 * Ready: the helper sends one HTTP request (to /.nginx-ready, answered 204
 * and not logged) and waits for its answer. The socket listens before nginx
 * starts, so the request waits in its backlog until a worker accepts it;
 * if nginx exits instead, the socket closes and the request fails.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { REPO } from './oxd-process';
import { PeerDaemon, peerFolder, Teardown } from './peer-daemon';

export const NGINX = '/usr/sbin/nginx';
const LAUNCHER = path.join(REPO, 'test', 'helpers', 'nginx_listen.py');
const MODULES = '/usr/lib/nginx/modules';
const READY_PATH = '/.nginx-ready';

export interface NginxOptions {
  /** Directives inside the server block, without `listen` (the helper writes it). */
  server: string;
  /** Extra directives at http level, e.g. upstream blocks or a `map`. */
  http?: string;
  /** Worker processes (default 1). */
  workers?: number;
  /** Dynamic modules to load, by file name in /usr/lib/nginx/modules: nginx-light has `ngx_http_echo_module`. */
  modules?: string[];
  /** The server speaks TLS with this certificate and key (PEM files); url() then says https. */
  tls?: { cert: string; key: string };
  /** Requests are logged to access.log in the folder (default true); false for a benchmark. */
  accessLog?: boolean;
  /** worker_connections (default 1024). */
  connections?: number;
}

/** One line of the access log. */
export interface NginxRequest {
  /** The time nginx logged it, in seconds since the epoch (to the millisecond). */
  time: number;
  status: number;
  method: string;
  /** The request's path and query as sent. */
  uri: string;
  bodyBytes: number;
  /** nginx's serial number of the connection (counted across workers from 1) and the request's number on it. */
  connection: number;
  connectionRequest: number;
  /** Seconds from the request's first byte read to the log line. */
  requestTime: number;
}

export interface Nginx {
  /** The port on 127.0.0.1 the server block listens on. */
  port: number;
  /** Its folder: nginx.conf, nginx.pid, access.log, temp/. */
  dir: string;
  /** The master's pid. */
  pid: number;
  /** `http://127.0.0.1:PORT/path` (https with `tls`). */
  url(p: string): string;
  /** What nginx wrote to stderr so far. */
  output(): string;
  /** The access log so far, one entry a request, in the order logged. */
  requests(): NginxRequest[];
  /** Fast shutdown (SIGTERM); resolves once the master and its workers are gone, rejects when the master did not exit 0. */
  stop(): Promise<void>;
}

/**
 * `$msec $status $request_method "$request_uri" $body_bytes_sent $connection $connection_requests $request_time`:
 * a request line holds no space in its URI and nginx writes a `"` in it as \x22, so the fields split on spaces.
 */
const LOG_FORMAT = '$msec $status $request_method "$request_uri" $body_bytes_sent $connection $connection_requests $request_time';

class NginxDaemon extends PeerDaemon {
  static async launch(t: Teardown, o: NginxOptions): Promise<Nginx> {
    const dir = peerFolder('blueox-nginx-');
    const template = path.join(dir, 'nginx.conf.in');
    const config = path.join(dir, 'nginx.conf');
    fs.mkdirSync(path.join(dir, 'temp'));
    fs.writeFileSync(template, nginxConf(dir, o));
    const nginx = new NginxDaemon(t, {
      name: 'nginx',
      command: '/usr/bin/python3',
      args: [LAUNCHER, template, config, NGINX, '-p', `${dir}/`, '-c', config, '-e', 'stderr'],
      dir,
      output: 'stderr',
      group: true,
    });
    const port = Number((await nginx.output.waitFor(/^port (\d+)$/m, 20_000))[1]);
    const scheme = o.tls ? 'https' : 'http';
    const url = (p: string): string => `${scheme}://127.0.0.1:${port}${p}`;
    let answered: number | Error | null = null;
    readyRequest(url(READY_PATH)).then((status) => (answered = status), (err: Error) => (answered = err));
    const pidFile = path.join(dir, 'nginx.pid');
    const context = (): Record<string, string> => ({
      'the request for readiness': answered instanceof Error ? `failed: ${answered.message}` : answered === null ? 'not answered' : `answered ${answered}`,
      configuration: fs.existsSync(config) ? fs.readFileSync(config, 'utf8') : '(not written)',
    });
    // A request that failed: nginx exited (waitReady says so once it sees the exit), or it is
    // running and does not speak what url() says (TLS or not), which the deadline reports.
    await nginx.waitReady(() => typeof answered === 'number', context);
    const inherited = /using inherited sockets from "3;"/.test(nginx.output.text);
    const pid = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : '';
    if (!inherited || pid !== String(nginx.pid)) {
      throw new Error(`nginx answered, but ${!inherited ? 'not on the socket it was handed' : `its pid file says ${pid || 'nothing'}`}:\n${nginx.output.text}`);
    }
    return {
      port,
      dir,
      pid: nginx.pid,
      url,
      output: () => nginx.output.text,
      requests: () => readAccessLog(path.join(dir, 'access.log')),
      stop: async () => {
        const code = await nginx.stop();
        if (code !== 0) throw new Error(`nginx exited with ${code} when stopped:\n${nginx.output.text}`);
      },
    };
  }
}

/** Starts nginx with one server block (see the file's comment) and resolves once it answered; stopped at teardown. */
export function startNginx(t: Teardown, options: NginxOptions): Promise<Nginx> {
  return NginxDaemon.launch(t, options);
}

/** The status of one GET (any status: nginx answered), a certificate not checked. */
function readyRequest(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const answered = (res: http.IncomingMessage): void => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    };
    const req = url.startsWith('https:') ? https.get(url, { agent: false, rejectUnauthorized: false }, answered) : http.get(url, { agent: false }, answered);
    req.once('error', reject);
  });
}

function nginxConf(dir: string, o: NginxOptions): string {
  const temp = (name: string): string => path.join(dir, 'temp', name);
  const modules = (o.modules ?? []).map((m) => `load_module ${MODULES}/${m}.so;\n`).join('');
  // As root, nginx would run its workers as nobody; as another user it ignores `user` with a warning.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  const listen = `listen 127.0.0.1:@LISTEN_PORT@${o.tls ? ' ssl' : ''};`;
  const tls = o.tls ? `    ssl_certificate ${o.tls.cert};\n    ssl_certificate_key ${o.tls.key};\n` : '';
  const accessLog = o.accessLog === false ? 'access_log off;' : `log_format blueox_test '${LOG_FORMAT}';\n  access_log ${dir}/access.log blueox_test;`;
  return `# Written by the test: everything in ${dir}, nothing of the system's.
${modules}${user}daemon off;
master_process on;
worker_processes ${o.workers ?? 1};
pid ${dir}/nginx.pid;
error_log stderr;
events {
  worker_connections ${o.connections ?? 1024};
}
http {
  ${accessLog}
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  default_type application/octet-stream;
${o.http ?? ''}
  server {
    ${listen}
${tls}    location = ${READY_PATH} {
      access_log off;
      return 204;
    }
${o.server}
  }
}
`;
}

function readAccessLog(file: string): NginxRequest[] {
  if (!fs.existsSync(file)) return [];
  const entries: NginxRequest[] = [];
  // After the last newline is a line not yet whole (or nothing): it is read next time.
  const lines = fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);
  for (const line of lines) {
    const m = /^(\S+) (\d+) (\S+) "([^"]*)" (\d+) (\d+) (\d+) (\S+)$/.exec(line);
    if (!m) throw new Error(`${file}: a line not in the helper's format: ${line}`);
    entries.push({
      time: Number(m[1]),
      status: Number(m[2]),
      method: m[3],
      uri: m[4],
      bodyBytes: Number(m[5]),
      connection: Number(m[6]),
      connectionRequest: Number(m[7]),
      requestTime: Number(m[8]),
    });
  }
  return entries;
}
