#!/usr/bin/env node
/*
 * Lays out what the two binary packages run, under DESTDIR (debian/tmp):
 *
 *   usr/lib/blueox-oxd/oxd.js                 the esbuild bundle (make bundles)
 *   usr/lib/blueox-oxd/node_modules/          the native modules it loads (the
 *                                             bundle marks them external): zeromq,
 *                                             its loader cmake-ts, sd-notify and
 *                                             its loader bindings (+ file-uri-to-path),
 *                                             and the project's blueox-fdstore
 *   usr/sbin/oxd                              launcher
 *   usr/lib/blueox-tools/<tool>.js            the tools' bundles
 *   usr/lib/blueox-tools/node_modules/        zeromq and cmake-ts, and sd-notify with its
 *                                             loader (oxpoke serve is a Type=notify service)
 *   usr/bin/<tool>                            launchers
 *
 * Each package has its own copy of the modules, so either installs alone and
 * both together without sharing a file. Only what runs is copied: no tests,
 * sources, type declarations, source maps or READMEs (the licences are in
 * debian/copyright), and of zeromq's prebuilt addons only the one this
 * machine's Node loads (its architecture and C library), with a manifest
 * naming only that one. sd-notify's addons come from debian/build-addons.sh,
 * one per supported Node ABI, where `bindings` looks for them; so does
 * blueox-fdstore's one (N-API) addon, put where its index.js loads it.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const destdir = path.resolve(process.argv[2] || path.join(root, 'debian', 'tmp'));
const modules = path.join(root, 'node_modules');
const TOOLS = ['oxview', 'oxctl', 'oxingest', 'oxstash', 'oxstore', 'oxpoke'];

function fail(message) {
  process.stderr.write(`stage-runtime: ${message}\n`);
  process.exit(1);
}

function copy(from, to, mode = 0o644) {
  if (!fs.existsSync(from)) fail(`missing ${path.relative(root, from)}`);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
  fs.chmodSync(to, mode);
}

function write(to, text, mode = 0o644) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.writeFileSync(to, text);
  fs.chmodSync(to, mode);
}

/** A bundle without its source-map comment: the maps are not shipped. */
function copyBundle(name, to) {
  const from = path.join(root, 'dist', `${name}.js`);
  if (!fs.existsSync(from)) fail(`missing dist/${name}.js: run make bundles`);
  write(to, fs.readFileSync(from, 'utf8').replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'));
}

/** Copies files of node_modules/<name> (paths relative to the module) into <lib>/node_modules/<name>. */
function copyModule(lib, name, files) {
  for (const f of files) copy(path.join(modules, name, f), path.join(lib, 'node_modules', name, f));
}

/**
 * zeromq's prebuilt addon for this machine: the manifest's entries for this
 * OS, architecture and C library, tried in the order zeromq's loader tries
 * them (highest ABI first); the first that loads here is the one it would use.
 */
function zeromqAddon() {
  const build = path.join(modules, 'zeromq', 'build');
  const manifest = JSON.parse(fs.readFileSync(path.join(build, 'manifest.json'), 'utf8'));
  const candidates = Object.entries(manifest)
    .map(([key, file]) => ({ key, file: file.replace(/\\/g, '/'), config: JSON.parse(key) }))
    .filter((c) => c.config.os === 'linux' && c.config.arch === process.arch && c.config.libc === 'glibc')
    .sort((a, b) => (b.config.abi ?? 0) - (a.config.abi ?? 0));
  for (const c of candidates) {
    const r = spawnSync(process.execPath, ['-e', 'require(process.argv[1])', path.join(build, c.file)], { stdio: 'ignore' });
    if (r.status === 0) return c;
  }
  fail(`no prebuilt zeromq addon for linux ${process.arch} glibc loads here (candidates: ${candidates.map((c) => c.file).join(', ') || 'none'})`);
}

function stageZeromq(lib, addon) {
  const pkg = JSON.parse(fs.readFileSync(path.join(modules, 'zeromq', 'package.json'), 'utf8'));
  // lib/index.js and what it loads (lib/compat.js is the zeromq 5 API, not used).
  copyModule(lib, 'zeromq', ['package.json', ...['index', 'native', 'load-addon', 'util', 'draft'].map((f) => `lib/${f}.js`)]);
  copy(path.join(modules, 'zeromq', 'build', addon.file), path.join(lib, 'node_modules', 'zeromq', 'build', addon.file));
  write(path.join(lib, 'node_modules', 'zeromq', 'build', 'manifest.json'), `${JSON.stringify({ [addon.key]: addon.file })}\n`);
  const loaderVersion = pkg.dependencies['cmake-ts'];
  const cmakeTs = JSON.parse(fs.readFileSync(path.join(modules, 'cmake-ts', 'package.json'), 'utf8'));
  if (cmakeTs.version !== loaderVersion) fail(`zeromq wants cmake-ts ${loaderVersion}, node_modules has ${cmakeTs.version}`);
  copyModule(lib, 'cmake-ts', ['package.json', 'build/loader.js']);
}

function stageSdNotify(lib) {
  const addons = path.join(root, 'build', 'deb', 'addons', 'sd-notify');
  const abis = fs.existsSync(addons) ? fs.readdirSync(addons) : [];
  if (abis.length === 0) fail('no sd-notify addons in build/deb/addons: run debian/build-addons.sh (make deb-addons)');
  copyModule(lib, 'sd-notify', ['package.json', 'index.js']);
  for (const abi of abis) copy(path.join(addons, abi, 'notify.node'), path.join(lib, 'node_modules', 'sd-notify', 'lib', 'binding', abi, 'notify.node'));
  copyModule(lib, 'bindings', ['package.json', 'bindings.js']);
  copyModule(lib, 'file-uri-to-path', ['package.json', 'index.js']);
}

/** The project's addon (native/fdstore): its package.json and index.js, and the addon debian/build-addons.sh built. */
function stageFdstore(lib) {
  const addon = path.join(root, 'build', 'deb', 'addons', 'blueox-fdstore', 'fdstore.node');
  if (!fs.existsSync(addon)) fail('no blueox-fdstore addon in build/deb/addons: run debian/build-addons.sh (make deb-addons)');
  const to = path.join(lib, 'node_modules', 'blueox-fdstore');
  for (const f of ['package.json', 'index.js']) copy(path.join(root, 'native', 'fdstore', f), path.join(to, f));
  copy(addon, path.join(to, 'build', 'Release', 'fdstore.node'));
}

function launcher(to, name, pkg, manual) {
  write(
    to,
    `#!/usr/bin/node
// ${name} (Debian package ${pkg}); see ${manual}. The program is the bundle
// ../lib/${pkg}/${name}.js, with the native modules it loads beside it.
'use strict';
require(require('path').join(__dirname, '..', 'lib', '${pkg}', '${name}.js'));
`,
    0o755,
  );
}

const addon = zeromqAddon();
fs.rmSync(path.join(destdir, 'usr', 'lib', 'blueox-oxd'), { recursive: true, force: true });
fs.rmSync(path.join(destdir, 'usr', 'lib', 'blueox-tools'), { recursive: true, force: true });

const oxdLib = path.join(destdir, 'usr', 'lib', 'blueox-oxd');
copyBundle('oxd', path.join(oxdLib, 'oxd.js'));
stageZeromq(oxdLib, addon);
stageSdNotify(oxdLib);
stageFdstore(oxdLib);
launcher(path.join(destdir, 'usr', 'sbin', 'oxd'), 'oxd', 'blueox-oxd', 'oxd(8)');

const toolsLib = path.join(destdir, 'usr', 'lib', 'blueox-tools');
for (const tool of TOOLS) {
  copyBundle(tool, path.join(toolsLib, `${tool}.js`));
  launcher(path.join(destdir, 'usr', 'bin', tool), tool, 'blueox-tools', `${tool}(1)`);
}
stageZeromq(toolsLib, addon);
stageSdNotify(toolsLib);
process.stdout.write(`stage-runtime: staged in ${path.relative(root, destdir) || destdir} (zeromq addon ${addon.file})\n`);
