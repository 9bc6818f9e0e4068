/**
 * The Debian packages blueox-oxd and blueox-tools as `make deb` builds them
 * (make test builds them first): what they contain, their control fields and
 * maintainer scripts, lintian, systemd-analyze on their units, and their
 * programs run from a `dpkg -x` tree with nothing of the repository around.
 * The booted-Debian test (test/system) installs them for real.
 */
import test from 'ava';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULTS, settingKeys } from '../../src/config/oxd-settings';
import { DEFAULT_STATSD_PORT } from '../../src/config/statsd-settings';
import { DEFAULT_SYSLOG_PORT, DEFAULT_SYSLOG_TLS_PORT } from '../../src/config/syslog-settings';
import { DEFAULT_COLLECT_PORT, DEFAULT_CONTROL_PORT } from '../../src/protocol/endpoint';
import { runCommand } from '../helpers/command';
import { REPO, tempDir } from '../helpers/oxd-process';
import { Output } from '../helpers/output';
import { fdstoreReceiver, freePorts, notifyListener } from '../helpers/systemd-stand-ins';
import {
  bookwormNode,
  cleanEnv,
  controlFile,
  DEB_ARCH,
  debFile,
  extractedRoot,
  field,
  files,
  PackageName,
  PACKAGES,
  parseUnit,
  runExtracted,
  unitText,
  VERSION,
} from './packages';

const NODE_ARCH = process.arch;
const TOOLS = ['oxview', 'oxctl', 'oxingest', 'oxstash', 'oxstore', 'oxpoke'];
/** Debian bookworm's nodejs (18): the Node ABI the packages must support besides this machine's. */
const BOOKWORM_ABI = '108';

/** The files each package must hold: every file matches one pattern, every pattern is used (`many`: at least once). */
function expectedFiles(pkg: PackageName): Array<{ re: RegExp; many?: boolean }> {
  const zeromq = (lib: string) => [
    { re: new RegExp(`^${lib}/node_modules/zeromq/package\\.json$`) },
    ...['draft', 'index', 'load-addon', 'native', 'util'].map((f) => ({ re: new RegExp(`^${lib}/node_modules/zeromq/lib/${f}\\.js$`) })),
    { re: new RegExp(`^${lib}/node_modules/zeromq/build/manifest\\.json$`) },
    { re: new RegExp(`^${lib}/node_modules/zeromq/build/linux/${NODE_ARCH}/node/glibc-\\d+-Release/addon\\.node$`) },
    { re: new RegExp(`^${lib}/node_modules/cmake-ts/package\\.json$`) },
    { re: new RegExp(`^${lib}/node_modules/cmake-ts/build/loader\\.js$`) },
  ];
  const man = (page: string) => {
    const section = page.split('.').pop();
    return { re: new RegExp(`^/usr/share/man/man${section}/${page.replace(/\./g, '\\.')}\\.gz$`) };
  };
  const doc = [
    { re: new RegExp(`^/usr/share/doc/${pkg}/copyright$`) },
    { re: new RegExp(`^/usr/share/doc/${pkg}/changelog\\.gz$`) },
    { re: new RegExp(`^/usr/share/doc/${pkg}/README\\.Debian(\\.gz)?$`) },
  ];
  if (pkg === 'blueox-oxd') {
    const lib = '/usr/lib/blueox-oxd';
    return [
      { re: /^\/usr\/sbin\/oxd$/ },
      { re: /^\/usr\/lib\/blueox-oxd\/oxd\.js$/ },
      ...zeromq(lib),
      { re: /^\/usr\/lib\/blueox-oxd\/node_modules\/sd-notify\/(package\.json|index\.js)$/, many: true },
      { re: new RegExp(`^${lib}/node_modules/sd-notify/lib/binding/node-v\\d+-linux-${NODE_ARCH}/notify\\.node$`), many: true },
      { re: /^\/usr\/lib\/blueox-oxd\/node_modules\/bindings\/(package\.json|bindings\.js)$/, many: true },
      { re: /^\/usr\/lib\/blueox-oxd\/node_modules\/file-uri-to-path\/(package\.json|index\.js)$/, many: true },
      // The project's own addon (native/fdstore), one build for every Node (N-API).
      { re: /^\/usr\/lib\/blueox-oxd\/node_modules\/blueox-fdstore\/package\.json$/ },
      { re: /^\/usr\/lib\/blueox-oxd\/node_modules\/blueox-fdstore\/index\.js$/ },
      { re: /^\/usr\/lib\/blueox-oxd\/node_modules\/blueox-fdstore\/build\/Release\/fdstore\.node$/ },
      { re: /^\/lib\/systemd\/system\/oxd\.service$/ },
      { re: /^\/lib\/systemd\/system\/oxd\.socket$/ },
      { re: /^\/lib\/systemd\/system\/oxd-control\.socket$/ },
      { re: /^\/lib\/systemd\/system\/oxd-statsd\.socket$/ },
      { re: /^\/lib\/systemd\/system\/oxd-syslog\.socket$/ },
      { re: /^\/lib\/systemd\/system\/oxd-syslog-tls\.socket$/ },
      { re: /^\/usr\/lib\/sysusers\.d\/blueox-oxd\.conf$/ },
      { re: /^\/etc\/blueox\/oxd\.conf$/ },
      { re: /^\/etc\/logrotate\.d\/blueox-oxd$/ },
      ...['oxd.8', 'oxd.conf.5', 'blueox.7'].map(man),
      { re: /^\/usr\/share\/doc\/blueox-oxd\/examples\/carbon\/storage-schemas\.conf$/ },
      { re: /^\/usr\/share\/doc\/blueox-oxd\/examples\/carbon\/storage-aggregation\.conf$/ },
      // The link's wire format (oxd.conf(5) points to it) and the statsd interval events' format.
      { re: /^\/usr\/share\/doc\/blueox-oxd\/link\.md\.gz$/ },
      { re: /^\/usr\/share\/doc\/blueox-oxd\/statsd-interval\.md(\.gz)?$/ },
      ...doc,
    ];
  }
  const lib = '/usr/lib/blueox-tools';
  return [
    ...TOOLS.map((t) => ({ re: new RegExp(`^/usr/bin/${t}$`) })),
    ...TOOLS.map((t) => ({ re: new RegExp(`^${lib}/${t}\\.js$`) })),
    ...zeromq(lib),
    // oxpoke serve tells systemd READY (oxpoke.service is Type=notify).
    { re: /^\/usr\/lib\/blueox-tools\/node_modules\/sd-notify\/(package\.json|index\.js)$/, many: true },
    { re: new RegExp(`^${lib}/node_modules/sd-notify/lib/binding/node-v\\d+-linux-${NODE_ARCH}/notify\\.node$`), many: true },
    { re: /^\/usr\/lib\/blueox-tools\/node_modules\/bindings\/(package\.json|bindings\.js)$/, many: true },
    { re: /^\/usr\/lib\/blueox-tools\/node_modules\/file-uri-to-path\/(package\.json|index\.js)$/, many: true },
    { re: /^\/lib\/systemd\/system\/oxingest@\.service$/ },
    { re: /^\/lib\/systemd\/system\/oxpoke\.service$/ },
    { re: /^\/lib\/systemd\/system\/oxstore-archive\.service$/ },
    { re: /^\/lib\/systemd\/system\/oxstore-archive\.timer$/ },
    { re: /^\/usr\/share\/doc\/blueox-tools\/examples\/ingest\.d\/example\.conf$/ },
    // The commented check file oxpoke(1) points to (examples are not compressed).
    { re: /^\/usr\/share\/doc\/blueox-tools\/examples\/poke\/example\.toml$/ },
    { re: /^\/usr\/lib\/sysusers\.d\/blueox-tools\.conf$/ },
    ...TOOLS.map((t) => man(`${t}.1`)),
    ...doc,
  ];
}

for (const pkg of PACKAGES) {
  test(`${pkg}: the package holds exactly what runs, for this architecture only`, (t) => {
    const list = files(pkg);
    const patterns = expectedFiles(pkg);
    const used = new Map<RegExp, number>();
    const stray = list.filter((f) => {
      const p = patterns.find((x) => x.re.test(f.path));
      if (p) used.set(p.re, (used.get(p.re) ?? 0) + 1);
      return !p;
    });
    t.deepEqual(stray.map((f) => f.path), [], 'files the package should not have');
    for (const p of patterns) {
      const n = used.get(p.re) ?? 0;
      t.true(p.many ? n >= 1 : n === 1, `${p.re} matched ${n} files`);
    }
    t.is(list.filter((f) => f.path.endsWith('addon.node')).length, 1, 'one zeromq addon');
    for (const f of list) {
      t.false(/(\.map|\.d\.ts|\.md|\.ts|\.gyp|\.cc|\.h)$|\/(test|tests|src|examples?)\//.test(f.path) && !f.path.includes('/usr/share/doc/'), `no source, test or map: ${f.path}`);
      const executable = f.path.startsWith('/usr/bin/') || f.path.startsWith('/usr/sbin/');
      t.is(f.mode, executable ? '-rwxr-xr-x' : '-rw-r--r--', f.path);
    }
  });
}

test('both packages ship sd-notify built for bookworm\'s Node 18 and for this Node (oxd and oxpoke serve are Type=notify); the tools need no blueox-fdstore', (t) => {
  for (const pkg of PACKAGES) {
    const abis = files(pkg)
      .map((f) => /\/node-v(\d+)-linux-/.exec(f.path)?.[1])
      .filter((x): x is string => x !== undefined);
    t.true(abis.includes(BOOKWORM_ABI), `${pkg}: ABIs ${abis.join(', ')}`);
    t.true(abis.includes(process.versions.modules), `${pkg}: ABIs ${abis.join(', ')}`);
  }
  t.false(files('blueox-tools').some((f) => f.path.includes('blueox-fdstore')));
  // The two packages share no file, so either installs alone and both together.
  const oxd = new Set(files('blueox-oxd').map((f) => f.path));
  t.deepEqual(files('blueox-tools').filter((f) => oxd.has(f.path)).map((f) => f.path), []);
});

test('the zeromq manifest names only the addon that is shipped', (t) => {
  const root = extractedRoot();
  for (const lib of ['usr/lib/blueox-oxd', 'usr/lib/blueox-tools']) {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, lib, 'node_modules/zeromq/build/manifest.json'), 'utf8'));
    const entries = Object.entries(manifest) as [string, string][];
    t.is(entries.length, 1);
    const [key, file] = entries[0];
    t.like(JSON.parse(key), { os: 'linux', arch: NODE_ARCH, libc: 'glibc' });
    t.true(fs.existsSync(path.join(root, lib, 'node_modules/zeromq/build', file)));
  }
});

test('control fields: version, architecture, Debian-only dependencies, description', (t) => {
  const allowed = /^(nodejs|bzip2|procps|libc6|libgcc-s1|libstdc\+\+6|libsystemd0|systemd|systemd-standalone-sysusers|systemd-sysusers)$/;
  for (const pkg of PACKAGES) {
    t.is(field(pkg, 'Package'), pkg);
    t.is(field(pkg, 'Version'), VERSION);
    t.is(field(pkg, 'Architecture'), DEB_ARCH);
    t.regex(field(pkg, 'Maintainer'), /^[^<>]+ <[^<>@\s]+@[^<>@\s]+>$/);
    // A synopsis, then an extended description: every line indented, "." for an empty one.
    t.regex(field(pkg, 'Description'), /^\S.{10,78}(\n( \S.*| {2,}\S.*| \.))+$/);
    const depends = field(pkg, 'Depends');
    const names = depends.split(/,\s*|\s*\|\s*/).map((d) => d.replace(/\s*\(.*\)$/, '').replace(/:any$/, ''));
    for (const name of names) t.regex(name, allowed, `${pkg} depends on ${name}`);
    t.regex(depends, /(^|, )nodejs \(>= 18\)/);
  }
  const oxd = field('blueox-oxd', 'Depends');
  // sd-notify's addons exist for Node 18 and this machine's Node, no further.
  const max = Number(/nodejs \(<< (\d+)\)/.exec(oxd)?.[1]);
  t.true(max > Number(process.versions.node.split('.')[0]), oxd);
  t.regex(oxd, /libsystemd0/);
  // ExecReload= runs /bin/kill, which Debian ships in procps (not in minimal installations).
  t.regex(oxd, /(^|, )procps(,|$)/);
  t.regex(oxd, /systemd \| systemd-standalone-sysusers \| systemd-sysusers/);
  t.regex(field('blueox-tools', 'Depends'), /(^|, )bzip2(,|$)/);
  // oxpoke.service's ExecReload= runs /bin/kill too.
  t.regex(field('blueox-tools', 'Depends'), /(^|, )procps(,|$)/);
  // The tools' sd-notify (oxpoke serve) loads in the same Node.js versions as oxd's.
  const nodeRange = (depends: string): string[] => depends.split(/,\s*/).filter((d) => d.startsWith('nodejs '));
  t.deepEqual(nodeRange(field('blueox-tools', 'Depends')), nodeRange(oxd));
  t.is(controlFile('blueox-oxd', 'conffiles').trim().split('\n').sort().join(' '), '/etc/blueox/oxd.conf /etc/logrotate.d/blueox-oxd');
  t.is(controlFile('blueox-tools', 'conffiles'), '');
  // The changelog and package.json agree (make deb checks it too).
  const changelog = execFileSync('dpkg-parsechangelog', ['-SVersion'], { cwd: REPO, encoding: 'utf8' }).trim();
  t.is(changelog, VERSION);
});

test('maintainer scripts: the user before the units, sockets started, oxd only restarted on upgrade, removal in one job, purge', (t) => {
  const postinst = controlFile('blueox-oxd', 'postinst');
  const sysusers = postinst.indexOf('systemd-sysusers ${DPKG_ROOT:+--root="$DPKG_ROOT"} blueox-oxd.conf');
  const chown = postinst.indexOf('chown _blueox:_blueox /var/log/blueox');
  const enable = postinst.indexOf("deb-systemd-helper enable 'oxd.socket'");
  const start = postinst.indexOf("deb-systemd-invoke start 'oxd-control.socket' 'oxd-statsd.socket' 'oxd.socket'");
  t.true(sysusers >= 0 && chown > sysusers, 'the user exists before /var/log/blueox is given to it');
  t.true(enable > sysusers && start > enable, 'the sockets are enabled, then started, after the user exists');
  t.regex(postinst, /deb-systemd-helper enable 'oxd-control\.socket'/);
  t.regex(postinst, /deb-systemd-helper enable 'oxd-statsd\.socket'/);
  // A central log host is a choice: the syslog sockets are not started, and enabled again
  // only where the administrator had enabled them (an upgrade).
  t.notRegex(postinst, /deb-systemd-invoke (start|restart)[^\n]*oxd-syslog/);
  for (const unit of ['oxd-syslog.socket', 'oxd-syslog-tls.socket']) {
    const q = unit.replace(/\./g, '\\.');
    const enables = postinst.split('\n').filter((l) => new RegExp(`deb-systemd-helper enable '${q}'`).test(l));
    t.is(enables.length, 1, unit);
    t.regex(postinst, new RegExp(`if deb-systemd-helper --quiet was-enabled '${q}'; then\\s+# [^\\n]*\\n\\s+deb-systemd-helper enable '${q}'`), unit);
  }
  // oxd.service itself is never started by the package: only restarted on upgrade, if it runs.
  const serviceLines = postinst.split('\n').filter((l) => /deb-systemd-\S+ .*'oxd\.service'/.test(l)).map((l) => l.trim());
  t.deepEqual(serviceLines, ["deb-systemd-invoke try-restart 'oxd.service' >/dev/null || true"]);
  t.regex(postinst, /if \[ -n "\$2" \]; then\s+deb-systemd-invoke try-restart 'oxd\.service'/);
  const prerm = controlFile('blueox-oxd', 'prerm');
  // One job for sockets and service: no sender can start oxd again between the two.
  t.regex(prerm, /\[ "\$1" = remove \][^\n]*\n\s*deb-systemd-invoke stop oxd\.socket oxd-control\.socket oxd-statsd\.socket oxd-syslog\.socket oxd-syslog-tls\.socket oxd\.service/);
  t.regex(prerm, /\[ "\$1" = remove \][^\n]*\n\s*deb-systemd-invoke stop 'oxd-control\.socket' 'oxd-statsd\.socket' 'oxd\.socket'/);
  t.is(controlFile('blueox-oxd', 'preinst'), '', 'nothing is stopped before an upgrade');
  const postrm = controlFile('blueox-oxd', 'postrm');
  t.regex(postrm, /if \[ "\$1" = purge \]; then\s+rm -rf \/var\/log\/blueox/);
  t.regex(postrm, /deb-systemd-helper purge 'oxd-control\.socket' 'oxd-statsd\.socket' 'oxd\.socket'/);
  t.notRegex(postrm, /deluser|userdel/, 'the system user is kept');
  const toolsPostinst = controlFile('blueox-tools', 'postinst');
  // oxingest@ and the archive service run as _blueox: the tools create the user too.
  const toolsUser = toolsPostinst.indexOf('systemd-sysusers ${DPKG_ROOT:+--root="$DPKG_ROOT"} blueox-tools.conf');
  t.true(toolsUser >= 0 && toolsPostinst.indexOf("deb-systemd-helper enable 'oxstore-archive.timer'") > toolsUser);
  t.notRegex(toolsPostinst, /oxstore-archive\.service/);
  t.regex(toolsPostinst, /\[ -n "\$2" \][^\n]*\n\s*deb-systemd-invoke try-restart 'oxingest@\*\.service'/, 'an upgrade restarts running oxingest@ instances');
  t.regex(controlFile('blueox-tools', 'postrm'), /rm -rf \/var\/lib\/blueox\/ingest/);
  // oxpoke.service runs the administrator's checks: not enabled or started by the package (enabled
  // again on upgrade only where it was), restarted on upgrade if it runs, forgotten on purge.
  t.notRegex(toolsPostinst, /deb-systemd-invoke (start|restart) [^\n]*oxpoke/);
  t.regex(toolsPostinst, /if deb-systemd-helper --quiet was-enabled 'oxpoke\.service'; then\s+# [^\n]*\n\s+deb-systemd-helper enable 'oxpoke\.service'/);
  t.is(toolsPostinst.split('\n').filter((l) => /deb-systemd-helper enable 'oxpoke\.service'/.test(l)).length, 1);
  t.regex(toolsPostinst, /if \[ -n "\$2" \]; then\s+deb-systemd-invoke try-restart 'oxpoke\.service'/);
  t.regex(controlFile('blueox-tools', 'postrm'), /deb-systemd-helper purge 'oxpoke\.service'/);
  // Removal stops the oxingest@ instances (debhelper leaves templates alone) and oxpoke.service
  // (installed --no-start, so debhelper would not), then the timer.
  const toolsPrerm = controlFile('blueox-tools', 'prerm');
  const stopInstances = toolsPrerm.indexOf("deb-systemd-invoke stop 'oxingest@*.service' oxstore-archive.service oxpoke.service");
  t.true(stopInstances >= 0 && toolsPrerm.indexOf("deb-systemd-invoke stop 'oxstore-archive.timer'") > stopInstances, toolsPrerm);
  for (const pkg of PACKAGES) {
    for (const script of ['preinst', 'postinst', 'prerm', 'postrm']) {
      const text = controlFile(pkg, script);
      if (text === '') continue;
      const check = spawnSync('sh', ['-n'], { input: text });
      t.is(check.status, 0, `${pkg} ${script}: ${check.stderr}`);
    }
  }
});

// lintian and systemd-analyze run asynchronously: they take minutes on a busy machine, and the
// tests that run oxd in this file meanwhile must go on reading its output.
test('lintian: no errors and no warnings on either package; every override says why', async (t) => {
  const r = await runCommand('lintian', ['--fail-on', 'error,warning', '--display-info', ...PACKAGES.map(debFile)]);
  t.log(`lintian:\n${r.stdout}`);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.deepEqual(r.stdout.split('\n').filter((l) => /^[EW]: /.test(l)), []);
  for (const file of fs.readdirSync(path.join(REPO, 'debian')).filter((f) => f.endsWith('lintian-overrides'))) {
    const lines = fs.readFileSync(path.join(REPO, 'debian', file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '' || line.startsWith('#')) return;
      t.true(i > 0 && lines[i - 1].startsWith('#'), `${file}:${i + 1}: an override without a comment`);
    });
  }
});

/** The extracted packages plus this machine's own units and /bin/kill: a root systemd-analyze can resolve everything in. */
async function verifyRoot(): Promise<string> {
  const root = tempDir('blueox-units-');
  for (const args of [['-a', `${extractedRoot()}/.`, root], ['-an', '/lib/systemd/system/.', path.join(root, 'lib', 'systemd', 'system')]]) {
    const cp = await runCommand('cp', args);
    if (cp.code !== 0) throw new Error(`cp ${args.join(' ')}: ${cp.stderr}`);
  }
  fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
  fs.copyFileSync('/bin/kill', path.join(root, 'bin', 'kill'));
  fs.chmodSync(path.join(root, 'bin', 'kill'), 0o755);
  return root;
}

const UNITS = ['oxd.socket', 'oxd-control.socket', 'oxd-statsd.socket', 'oxd-syslog.socket', 'oxd-syslog-tls.socket', 'oxd.service', 'oxingest@.service', 'oxstore-archive.service', 'oxstore-archive.timer', 'oxpoke.service'];

test('systemd-analyze verify passes for every unit, with nothing to say', async (t) => {
  const root = await verifyRoot();
  const units = [...UNITS.map((u) => path.join(root, 'lib', 'systemd', 'system', u))];
  // --man=no: man(1) would look for the pages on this machine, not in the packages (checked below).
  const r = await runCommand('systemd-analyze', ['verify', '--man=no', `--root=${root}`, ...units, 'oxingest@example.service']);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout + r.stderr, '');
  // And it does check: a unit whose program is missing fails.
  fs.rmSync(path.join(root, 'usr', 'sbin', 'oxd'));
  const missing = await runCommand('systemd-analyze', ['verify', '--man=no', `--root=${root}`, path.join(root, 'lib/systemd/system/oxd.service')]);
  t.not(missing.code, 0);
  t.regex(missing.stderr, /\/usr\/sbin\/oxd is not executable/);
});

test('systemd-analyze security: oxd.service exposure at most 2.0 (and the tools\' services too)', async (t) => {
  const root = await verifyRoot();
  for (const unit of ['oxd.service', 'oxingest@example.service', 'oxstore-archive.service', 'oxpoke.service']) {
    const r = await runCommand('systemd-analyze', ['security', '--offline=yes', `--root=${root}`, unit]);
    const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(r.stdout);
    t.truthy(m, r.stdout + r.stderr);
    t.log(m![0]);
    t.true(Number(m![1]) <= 2.0, m![0]);
  }
});

test('every man page a unit or program points to is in its own package, compressed', (t) => {
  const owners: Record<PackageName, string[]> = {
    'blueox-oxd': ['oxd.socket', 'oxd-control.socket', 'oxd-statsd.socket', 'oxd-syslog.socket', 'oxd-syslog-tls.socket', 'oxd.service', '/usr/sbin/oxd'],
    'blueox-tools': ['oxingest@.service', 'oxstore-archive.service', 'oxstore-archive.timer', 'oxpoke.service', ...TOOLS.map((x) => `/usr/bin/${x}`)],
  };
  for (const pkg of PACKAGES) {
    const pages = new Set(files(pkg).map((f) => f.path).filter((f) => f.startsWith('/usr/share/man/')));
    for (const item of owners[pkg]) {
      if (item.startsWith('/')) {
        const name = path.basename(item);
        t.true([...pages].some((p) => new RegExp(`/man[18]/${name}\\.[18]\\.gz$`).test(p)), `${pkg}: a man page for ${name}`);
        continue;
      }
      for (const doc of parseUnit(unitText(item)).get('Unit')?.get('Documentation')?.join(' ').split(/\s+/) ?? []) {
        const m = /^man:(.+)\((\d)\)$/.exec(doc);
        t.truthy(m, `${item}: ${doc}`);
        t.true(pages.has(`/usr/share/man/man${m![2]}/${m![1]}.${m![2]}.gz`), `${pkg} ${item}: ${doc}`);
      }
    }
  }
});

test('units: socket names as oxd expects them, ports, notify, reload, user, directories, no MemoryDenyWriteExecute', (t) => {
  const collect = parseUnit(unitText('oxd.socket'));
  const control = parseUnit(unitText('oxd-control.socket'));
  const statsd = parseUnit(unitText('oxd-statsd.socket'));
  const service = parseUnit(unitText('oxd.service'));
  t.deepEqual(collect.get('Socket')?.get('ListenStream'), [`127.0.0.1:${DEFAULT_COLLECT_PORT}`]);
  t.deepEqual(collect.get('Socket')?.get('FileDescriptorName'), ['collect']);
  t.deepEqual(control.get('Socket')?.get('ListenStream'), [`127.0.0.1:${DEFAULT_CONTROL_PORT}`]);
  t.deepEqual(control.get('Socket')?.get('FileDescriptorName'), ['control']);
  t.deepEqual(control.get('Socket')?.get('Service'), ['oxd.service']);
  // One unit, two sockets of one name: oxd tells the datagram one from the stream one itself.
  t.deepEqual(statsd.get('Socket')?.get('ListenDatagram'), [`127.0.0.1:${DEFAULT_STATSD_PORT}`]);
  t.deepEqual(statsd.get('Socket')?.get('ListenStream'), [`127.0.0.1:${DEFAULT_STATSD_PORT}`]);
  t.deepEqual(statsd.get('Socket')?.get('FileDescriptorName'), ['statsd']);
  t.deepEqual(statsd.get('Socket')?.get('Service'), ['oxd.service']);
  // systemd sets it as root, beyond net.core.rmem_max: at least oxd's own default.
  t.deepEqual(statsd.get('Socket')?.get('ReceiveBuffer'), ['8M']);
  t.is(8 * 1024 * 1024, DEFAULTS.statsdReceiveBuffer);
  const syslog = parseUnit(unitText('oxd-syslog.socket'));
  const syslogTls = parseUnit(unitText('oxd-syslog-tls.socket'));
  // Every address (a central log host), the ports of the settings' defaults, the names oxd adopts.
  t.deepEqual(syslog.get('Socket')?.get('ListenStream'), [String(DEFAULT_SYSLOG_PORT)]);
  t.deepEqual(syslog.get('Socket')?.get('ListenDatagram'), [String(DEFAULT_SYSLOG_PORT)]);
  t.deepEqual(syslog.get('Socket')?.get('FileDescriptorName'), ['syslog']);
  t.deepEqual(syslogTls.get('Socket')?.get('ListenStream'), [String(DEFAULT_SYSLOG_TLS_PORT)]);
  t.false(syslogTls.get('Socket')!.has('ListenDatagram'));
  t.deepEqual(syslogTls.get('Socket')?.get('FileDescriptorName'), ['syslog-tls']);
  for (const unit of [control, statsd, syslog, syslogTls]) {
    t.deepEqual(unit.get('Socket')?.get('Service'), ['oxd.service']);
    t.deepEqual(unit.get('Unit')?.get('PartOf'), ['oxd.socket']);
    t.deepEqual(unit.get('Install')?.get('WantedBy'), ['sockets.target']);
  }
  // Starting or enabling oxd.socket brings the control and statsd sockets along.
  t.deepEqual(collect.get('Unit')?.get('Wants'), ['oxd-control.socket oxd-statsd.socket']);
  t.deepEqual(collect.get('Install')?.get('Also'), ['oxd-control.socket oxd-statsd.socket']);
  const s = service.get('Service')!;
  t.deepEqual(s.get('Sockets'), ['oxd.socket oxd-control.socket oxd-statsd.socket']);
  // Masking the statsd socket leaves oxd without it rather than unable to start.
  t.deepEqual(service.get('Unit')?.get('Requires'), ['oxd.socket oxd-control.socket']);
  t.deepEqual(s.get('Type'), ['notify']);
  t.deepEqual(s.get('NotifyAccess'), ['main']);
  t.deepEqual(s.get('ExecStartPre'), ['/usr/sbin/oxd --check-config']);
  t.deepEqual(s.get('ExecStart'), ['/usr/sbin/oxd']);
  t.deepEqual(s.get('ExecReload'), ['/usr/sbin/oxd --check-config', '/bin/kill -HUP $MAINPID']);
  t.truthy(s.get('WatchdogSec'));
  t.deepEqual(s.get('User'), ['_blueox']);
  t.deepEqual(s.get('LogsDirectory'), ['blueox']);
  t.deepEqual(s.get('RuntimeDirectory'), ['blueox']);
  t.false(s.has('MemoryDenyWriteExecute'), "Node's JIT needs writable, then executable memory");
  for (const pkg of PACKAGES) {
    const sysusers = fs.readFileSync(path.join(extractedRoot(), `usr/lib/sysusers.d/${pkg}.conf`), 'utf8');
    t.deepEqual(sysusers.split('\n').filter((l) => l !== '' && !l.startsWith('#')), ['u _blueox - "BlueOx collector daemon" /nonexistent /usr/sbin/nologin']);
  }
  // `systemctl enable oxingest@NAME` needs an [Install] section in the template.
  t.deepEqual(parseUnit(unitText('oxingest@.service')).get('Install')?.get('WantedBy'), ['multi-user.target']);
  const ingest = parseUnit(unitText('oxingest@.service')).get('Service')!;
  t.deepEqual(ingest.get('EnvironmentFile'), ['/etc/blueox/ingest.d/%i.conf']);
  t.deepEqual(ingest.get('StateDirectory'), ['blueox/ingest']);
  t.deepEqual(ingest.get('User'), ['_blueox']);
  t.deepEqual(ingest.get('SupplementaryGroups'), ['adm']);
  t.regex(ingest.get('ExecStart')![0], /--file \$\{TYPE\}:\$\{FILE\} .*--state-file \/var\/lib\/blueox\/ingest\/%i\.json/);
  const archive = parseUnit(unitText('oxstore-archive.service')).get('Service')!;
  t.deepEqual(archive.get('ExecStart')!.map((c) => c.split(' ').slice(0, 2).join(' ')), ['/usr/bin/oxstore zip', '/usr/bin/oxstore prune']);
  t.true(archive.get('ExecStart')!.every((c) => c.includes('--log-path /var/log/blueox')));
  // oxpoke serve: notify, reload by SIGHUP, oxd's user, enabled by the administrator.
  const poke = parseUnit(unitText('oxpoke.service'));
  const pokeService = poke.get('Service')!;
  t.deepEqual(pokeService.get('Type'), ['notify']);
  t.deepEqual(pokeService.get('ExecStart'), ['/usr/bin/oxpoke serve']);
  t.deepEqual(pokeService.get('ExecReload'), ['/bin/kill -HUP $MAINPID']);
  t.deepEqual(pokeService.get('User'), ['_blueox']);
  t.false(pokeService.has('MemoryDenyWriteExecute'), "Node's JIT needs writable, then executable memory");
  t.deepEqual(poke.get('Install')?.get('WantedBy'), ['multi-user.target']);
});

test('the shipped oxd.conf: every setting, commented at its default, except log_path, admin_socket, statsd and spool_path', async (t) => {
  const conf = fs.readFileSync(path.join(extractedRoot(), 'etc/blueox/oxd.conf'), 'utf8');
  const active = conf.split('\n').filter((l) => /^[a-z_]+ = /.test(l)).map((l) => l.split(' ')[0]);
  t.deepEqual(active, ['log_path', 'spool_path', 'admin_socket', 'statsd']);
  t.regex(conf, /^log_path = "\/var\/log\/blueox"$/m);
  t.regex(conf, /^admin_socket = "\/run\/blueox\/[^"]+"$/m);
  // The address oxd-statsd.socket listens on, for an oxd started without it.
  t.regex(conf, new RegExp(`^statsd = "127\\.0\\.0\\.1:${DEFAULT_STATSD_PORT}"$`, 'm'));
  // The unit's StateDirectory=, so that a forwarding oxd keeps what it has not forwarded across restarts.
  t.regex(conf, /^spool_path = "\/var\/lib\/blueox\/spool"$/m);
  for (const key of settingKeys()) t.regex(conf, new RegExp(`^#?${key} = `, 'm'), `${key} is in oxd.conf`);
  // Uncommenting every setting changes nothing but those that are set: the comments tell the defaults.
  const dir = tempDir('blueox-conf-');
  fs.writeFileSync(path.join(dir, 'all.conf'), conf.replace(/^#([a-z_]+ = )/gm, '$1'));
  const all = await runExtracted('usr/sbin/oxd', ['--check-config', '--config', path.join(dir, 'all.conf')]);
  const shipped = await runExtracted('usr/sbin/oxd', ['--check-config', '--config', path.join(extractedRoot(), 'etc/blueox/oxd.conf')]);
  const defaults = await runExtracted('usr/sbin/oxd', ['--check-config', '--config', '/dev/null']);
  t.is(all.code, 0, all.stderr);
  t.is(shipped.code, 0, shipped.stderr);
  const settings = (out: string) => out.split('\n').slice(1).join('\n');
  t.is(settings(all.stdout), settings(shipped.stdout));
  // (--check-config names the settings by their oxd.conf keys; older builds used the field names)
  t.regex(shipped.stdout, /^(log_path|logPath) = "\/var\/log\/blueox"$/m);
  t.regex(shipped.stdout, /^(admin_socket|adminSocket) = "\/run\/blueox\/oxd-admin\.sock"$/m);
  const differing = settings(shipped.stdout).split('\n').filter((l) => !settings(defaults.stdout).split('\n').includes(l));
  t.deepEqual(differing.map((l) => l.split(' ')[0].replace('logPath', 'log_path')), ['log_path', 'statsd', 'spool_path']);
});

test('the extracted /usr/sbin/oxd and tools run with only the packages\' files (no NODE_PATH, outside the repository)', async (t) => {
  const version = await runExtracted('usr/sbin/oxd', ['--version']);
  t.is(version.code, 0, version.stderr);
  t.is(version.stdout.trim(), VERSION);
  const check = await runExtracted('usr/sbin/oxd', ['--check-config', '--config', path.join(extractedRoot(), 'etc/blueox/oxd.conf')]);
  t.is(check.code, 0, check.stderr);
  t.regex(check.stdout, /^configuration ok/);
  for (const tool of TOOLS) {
    const r = await runExtracted(`usr/bin/${tool}`, ['--help']);
    t.is(r.code, 0, `${tool}: ${r.stderr}`);
    t.regex(r.stdout, new RegExp(`^Usage: ${tool} `));
    const v = await runExtracted(`usr/bin/${tool}`, ['--version']);
    t.is(v.stdout.trim(), VERSION);
  }
  // The native modules come from the package: nothing under the repository is opened.
  const trace = spawnSync('node', ['-e', `
    const Module = require('module'); const seen = [];
    const orig = Module._resolveFilename;
    Module._resolveFilename = function (...a) { const r = orig.apply(this, a); seen.push(r); return r; };
    process.on('exit', () => require('fs').writeSync(3, JSON.stringify(seen)));
    process.argv = [process.argv[0], process.argv[1], '--help'];
    require(process.argv[1] = ${JSON.stringify(path.join(extractedRoot(), 'usr/lib/blueox-tools/oxview.js'))});
    require(${JSON.stringify(path.join(extractedRoot(), 'usr/lib/blueox-oxd/node_modules/sd-notify'))});
    Module.createRequire(${JSON.stringify(path.join(extractedRoot(), 'usr/lib/blueox-oxd/oxd.js'))})('blueox-fdstore');
  `], { cwd: os.tmpdir(), env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const resolved: string[] = JSON.parse((trace.output[3] as string) || '[]');
  t.true(resolved.some((f) => f.endsWith('addon.node')), resolved.join('\n'));
  t.true(resolved.some((f) => f.endsWith('/blueox-fdstore/build/Release/fdstore.node')), resolved.join('\n'));
  for (const f of resolved.filter((x) => path.isAbsolute(x))) t.true(f.startsWith(extractedRoot()), `loaded from outside the package: ${f}`);
});

/** A stand-in for systemd's notification socket (test/helpers/notify_listener.py). */
test('packaged oxd under socket activation with the units\' socket names: READY through sd-notify, events in through oxingest, statsd lines in, out through oxctl and oxview', async (t) => {
  const root = extractedRoot();
  const dir = tempDir('blueox-pkg-run-');
  const notify = path.join(dir, 'notify');
  const got = await notifyListener(t, notify);
  const names = ['oxd-control.socket', 'oxd.socket', 'oxd-statsd.socket'].map((u) => parseUnit(unitText(u)).get('Socket')!.get('FileDescriptorName')![0]);
  const [controlPort, collectPort, statsdPort] = await freePorts(3);
  // Control first: oxd must tell its sockets apart by name, not by position. (systemd-socket-activate
  // passes stream sockets or datagram sockets, not both: here the statsd unit's stream socket.)
  const oxd = spawn(
    'systemd-socket-activate',
    ['-l', `127.0.0.1:${controlPort}`, '-l', `127.0.0.1:${collectPort}`, '-l', `127.0.0.1:${statsdPort}`, `--fdname=${names.join(':')}`,
      // systemd-socket-activate passes on only the variables it is told to
      '-E', `NOTIFY_SOCKET=${notify}`, '-E', 'WATCHDOG_USEC=1000000',
      path.join(root, 'usr/sbin/oxd'), '--config', path.join(root, 'etc/blueox/oxd.conf'),
      '--log-path', path.join(dir, 'log'), '--admin-socket', path.join(dir, 'admin.sock')],
    { cwd: os.tmpdir(), env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const stderr = new Output(oxd.stderr!, 'systemd-socket-activate and oxd');
  const closed = new Promise<number | null>((resolve) => oxd.once('close', (code) => resolve(code)));
  t.teardown(() => oxd.kill('SIGKILL'));
  await stderr.waitFor(/Listening on/);
  const sent = await runExtracted('usr/bin/oxingest', ['-H', `127.0.0.1:${collectPort}`, 'packaged'], { input: 'one\ntwo\nthree\n' });
  t.is(sent.code, 0, sent.stderr);
  await got.waitFor(/READY=1/);
  let status: any = null;
  const deadline = Date.now() + 20_000;
  // The three lines' events, by their type: the packaged oxd.conf's statsd source adds statsd.interval events of its own.
  while (status?.events?.packaged?.written !== 3 && Date.now() < deadline) {
    const r = await runExtracted('usr/bin/oxctl', ['-H', `127.0.0.1:${controlPort}`, '--raw']);
    t.is(r.code, 0, r.stderr);
    status = JSON.parse(r.stdout);
  }
  t.is(status.events.packaged.written, 3);
  // The packaged oxd.conf's statsd address gives way to the passed socket.
  await new Promise<void>((resolve, reject) => {
    const c = net.connect(statsdPort, '127.0.0.1', () => c.end('packaged.statsd:1|c\npackaged.statsd:2|c\n'));
    c.once('error', reject);
    c.once('close', () => resolve());
  });
  while (status?.statsd?.metrics_received !== 2 && Date.now() < deadline) {
    const r = await runExtracted('usr/bin/oxctl', ['-H', `127.0.0.1:${controlPort}`, '--raw']);
    t.is(r.code, 0, r.stderr);
    status = JSON.parse(r.stdout);
  }
  t.is(status.statsd?.metrics_received, 2);
  t.is(status.statsd?.endpoint, `127.0.0.1:${statsdPort}`);
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  const file = path.join(dir, 'log', day, `packaged-${day}.log`);
  const shown = await runExtracted('usr/bin/oxview', [file]);
  t.is(shown.code, 0, shown.stderr);
  t.deepEqual(shown.stdout.trim().split('\n').map((l) => JSON.parse(l).body.data), ['one', 'two', 'three']);
  await got.waitFor(/WATCHDOG=1/);
  await stderr.waitFor(new RegExp(`ready collect=127\\.0\\.0\\.1:${collectPort} control=127\\.0\\.0\\.1:${controlPort} .* statsd=127\\.0\\.0\\.1:${statsdPort} `));
  oxd.kill('SIGTERM');
  t.is(await closed, 0);
  await got.waitFor(/STOPPING=1/);
});

test('the packaged files are the repository\'s: units, oxd.conf, logrotate file, examples', (t) => {
  const root = extractedRoot();
  const same: Array<[string, string]> = [
    ...['oxd.service', 'oxd.socket', 'oxd-control.socket', 'oxd-statsd.socket', 'oxingest@.service', 'oxstore-archive.service', 'oxstore-archive.timer', 'oxpoke.service'].map(
      (u): [string, string] => [`systemd/${u}`, `lib/systemd/system/${u}`],
    ),
    ['etc/oxd.conf', 'etc/blueox/oxd.conf'],
    ['etc/logrotate/blueox-oxd', 'etc/logrotate.d/blueox-oxd'],
    ['etc/ingest.d/example.conf', 'usr/share/doc/blueox-tools/examples/ingest.d/example.conf'],
    ['examples/poke/example.toml', 'usr/share/doc/blueox-tools/examples/poke/example.toml'],
    ['etc/carbon/storage-schemas.conf', 'usr/share/doc/blueox-oxd/examples/carbon/storage-schemas.conf'],
    ['etc/carbon/storage-aggregation.conf', 'usr/share/doc/blueox-oxd/examples/carbon/storage-aggregation.conf'],
    ['debian/blueox-oxd.sysusers', 'usr/lib/sysusers.d/blueox-oxd.conf'],
    ['debian/blueox-tools.sysusers', 'usr/lib/sysusers.d/blueox-tools.conf'],
  ];
  for (const [repo, shipped] of same) t.is(fs.readFileSync(path.join(root, shipped), 'utf8'), fs.readFileSync(path.join(REPO, repo), 'utf8'), shipped);
  // The example is a working instance file: the variables oxingest@.service reads.
  const example = fs.readFileSync(path.join(REPO, 'etc/ingest.d/example.conf'), 'utf8');
  t.regex(example, /^FILE=\/\S+$/m);
  t.regex(example, /^TYPE=\S+$/m);
});

test('on Debian bookworm\'s nodejs 18: the packaged oxd starts, tells systemd READY (sd-notify for ABI 108), and the tools talk to it', async (t) => {
  const node18 = bookwormNode();
  const root = extractedRoot();
  const version = spawnSync(node18, ['--version'], { encoding: 'utf8' });
  t.regex(version.stdout, /^v18\./, version.stderr);
  const dir = tempDir('blueox-node18-');
  const notify = path.join(dir, 'notify');
  const got = await notifyListener(t, notify);
  // (every port on 0, the statsd one of the packaged oxd.conf too)
  const oxd = spawn(node18, [path.join(root, 'usr/sbin/oxd'), '--config', path.join(root, 'etc/blueox/oxd.conf'), '-c', '127.0.0.1:0', '-t', '127.0.0.1:0',
    '--statsd', '127.0.0.1:0', '--log-path', path.join(dir, 'log'), '--admin-socket', path.join(dir, 'admin.sock')],
  { cwd: os.tmpdir(), env: cleanEnv({ NOTIFY_SOCKET: notify }), stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = new Output(oxd.stderr!, 'oxd on Node 18');
  const closed = new Promise<number | null>((resolve) => oxd.once('close', (code) => resolve(code)));
  t.teardown(() => oxd.kill('SIGKILL'));
  await got.waitFor(/READY=1/);
  const control = await stderr.waitFor(/ready collect=(\S+) control=(\S+)/);
  // (said before the ready line, if at all)
  t.notRegex(stderr.text, /sd-notify addon did not load/);
  const run = (tool: string, args: string[], input = '') => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const c = spawn(node18, [path.join(root, 'usr/bin', tool), ...args], { cwd: os.tmpdir(), env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000, killSignal: 'SIGKILL' });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.stdin.end(input);
    c.once('close', (code) => resolve({ code, stdout: out, stderr: err }));
  });
  const sent = await run('oxingest', ['-H', control[1], 'node18'], 'a\nb\n');
  t.is(sent.code, 0, sent.stderr);
  let status: any = null;
  const deadline = Date.now() + 20_000;
  // By type: the packaged oxd.conf has statsd on, whose intervals are written beside these.
  while (status?.events?.node18?.written !== 2 && Date.now() < deadline) {
    const r = await run('oxctl', ['-H', control[2], '--raw']);
    t.is(r.code, 0, r.stderr);
    status = JSON.parse(r.stdout);
  }
  t.is(status.events.node18?.written, 2);
  oxd.kill('SIGTERM');
  t.is(await closed, 0);
});

test('the packaged oxpoke serve tells systemd READY, RELOADING and STOPPING on bookworm\'s nodejs 18 and on this Node (the tools\' sd-notify)', async (t) => {
  const root = extractedRoot();
  const dir = tempDir('blueox-poke-notify-');
  const notify = path.join(dir, 'notify');
  const got = await notifyListener(t, notify);
  fs.mkdirSync(path.join(dir, 'poke.d'));
  let round = 0;
  for (const node of [bookwormNode(), process.execPath]) {
    round++;
    const serve = spawn(node, [path.join(root, 'usr/bin/oxpoke'), 'serve', '--dir', path.join(dir, 'poke.d'), '--no-events', '--no-metrics'], {
      cwd: os.tmpdir(),
      env: cleanEnv({ NOTIFY_SOCKET: notify }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.teardown(() => serve.kill('SIGKILL'));
    const stderr = new Output(serve.stderr!, 'oxpoke serve');
    const closed = new Promise<number | null>((resolve) => serve.once('close', (code) => resolve(code)));
    await got.waitFor(/^READY=1$/m, 30_000, 2 * round - 1);
    serve.kill('SIGHUP');
    await got.waitFor(/^RELOADING=1$/m, 30_000, round);
    await got.waitFor(/^READY=1$/m, 30_000, 2 * round);
    serve.kill('SIGTERM');
    t.is(await closed, 0, stderr.text);
    await got.waitFor(/^STOPPING=1$/m, 30_000, round);
    t.notRegex(stderr.text, /sd-notify addon did not load/);
  }
});

test('the packaged blueox-fdstore, one N-API build, passes a memfd with FDSTORE=1 on bookworm\'s nodejs 18 and on this Node', async (t) => {
  const root = extractedRoot();
  // Resolved by name from the bundle's folder, as oxd.js requires it.
  const script = `
    const fs = require('fs');
    const { memfdCreate, notifyWithFds } = require('module').createRequire(process.argv[1])('blueox-fdstore');
    const fd = memfdCreate('blueox-state');
    fs.writeSync(fd, 'state of ' + process.version);
    process.stdout.write(String(notifyWithFds('FDSTORE=1\\nFDNAME=state\\n', [fd])));
  `;
  for (const node of [bookwormNode(), process.execPath]) {
    const got = await fdstoreReceiver(t);
    const r = spawnSync(node, ['-e', script, path.join(root, 'usr/lib/blueox-oxd/oxd.js')], {
      cwd: os.tmpdir(), env: cleanEnv({ NOTIFY_SOCKET: got.socket }), encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL',
    });
    t.is(r.status, 0, `${node}: ${r.stderr}`);
    t.is(r.stdout, 'true', node);
    const received = await got.received(1);
    t.is(received.text, 'FDSTORE=1\nFDNAME=state\n');
    t.is(received.fds.length, 1);
    t.like(received.fds[0], { kind: 'file', name: '/memfd:blueox-state (deleted)' });
    t.regex((received.fds[0] as { content: string }).content, node === process.execPath ? new RegExp(`^state of ${process.version}$`) : /^state of v18\./);
  }
});
