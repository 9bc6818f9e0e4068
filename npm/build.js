#!/usr/bin/env node
/*
 * Assembles the npm package `blueox` in dist/npm from the client library
 * compiled by `tsc -p tsconfig.npm.json` (CommonJS + .d.ts in dist/npm/lib):
 * adds an ES module entry point per public module that re-exports the
 * CommonJS one (so `import` and `require` share one configuration, and no
 * module exists twice), the package.json with its exports map, the README
 * and the licence. The result has no dependencies and no native code.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'dist', 'npm');
const lib = path.join(out, 'lib', 'client');
const project = require(path.join(root, 'package.json'));

/** Public entry points: subpath -> module under lib/client. */
const ENTRIES = {
  '.': 'index',
  './express': 'integrations/express',
  './fastify': 'integrations/fastify',
  './koa': 'integrations/koa',
  './http': 'integrations/http',
  './pino': 'log/pino',
  './winston': 'log/winston',
  './console': 'log/console',
};

const exportsMap = {};
for (const [subpath, mod] of Object.entries(ENTRIES)) {
  const cjs = path.join(lib, `${mod}.js`);
  if (!fs.existsSync(cjs)) throw new Error(`missing ${cjs}: build the client first`);
  const names = Object.keys(require(cjs)).filter((n) => n !== 'default' && n !== '__esModule');
  const esm = path.join(out, 'esm', `${mod}.mjs`);
  fs.mkdirSync(path.dirname(esm), { recursive: true });
  const rel = path.relative(path.dirname(esm), cjs).split(path.sep).join('/');
  fs.writeFileSync(
    esm,
    `// ES module entry point: re-exports the CommonJS module, so both share one state.\n` +
      `import cjs from '${rel.startsWith('.') ? rel : `./${rel}`}';\n` +
      (names.length ? `export const { ${names.join(', ')} } = cjs;\n` : '') +
      `export default cjs;\n`,
  );
  const types = `./lib/client/${mod}.d.ts`;
  exportsMap[subpath] = { types, import: `./esm/${mod}.mjs`, require: `./lib/client/${mod}.js` };
}
exportsMap['./package.json'] = './package.json';

const peers = { express: '>=4', fastify: '>=4', koa: '>=2', pino: '>=8', winston: '>=3' };
const pkg = {
  name: 'blueox',
  version: project.version,
  description:
    'Structured application events (requests, timers, counters, errors, log records) for BlueOx collectors, wire-compatible with the original Python BlueOx',
  keywords: ['logging', 'events', 'metrics', 'zeromq', 'msgpack', 'blueox', 'express', 'fastify', 'koa', 'pino', 'winston'],
  license: project.license,
  engines: { node: '>=18' },
  main: './lib/client/index.js',
  types: './lib/client/index.d.ts',
  exports: exportsMap,
  files: ['lib', 'esm', 'README.md', 'LICENSE'],
  sideEffects: false,
  peerDependencies: peers,
  peerDependenciesMeta: Object.fromEntries(Object.keys(peers).map((p) => [p, { optional: true }])),
};
fs.writeFileSync(path.join(out, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
fs.copyFileSync(path.join(__dirname, 'README.md'), path.join(out, 'README.md'));
fs.copyFileSync(path.join(root, 'LICENSE'), path.join(out, 'LICENSE'));
process.stdout.write(`dist/npm: ${Object.keys(ENTRIES).length} entry points, no dependencies\n`);
