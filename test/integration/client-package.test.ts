/**
 * The npm package as an application gets it: the tarball from `make build`
 * installed into an empty project, used from CommonJS, ES modules and
 * TypeScript, sending to a real oxd.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCommand } from '../helpers/command';
import { REPO, startOxd, tempDir } from '../helpers/oxd-process';

const TARBALL = (() => {
  const dist = path.join(REPO, 'dist');
  const found = fs.readdirSync(dist).find((f) => /^blueox-.*\.tgz$/.test(f));
  if (!found) throw new Error('no dist/blueox-*.tgz: run make build');
  return path.join(dist, found);
})();

// Commands run asynchronously: npm and tsc take a minute on a busy machine, and the test
// with an oxd runs meanwhile.
async function installApp(): Promise<string> {
  const app = tempDir('blueox-app-');
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  const r = await runCommand('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', TARBALL], { cwd: app });
  if (r.code !== 0) throw new Error(`npm install failed (${r.code ?? r.signal}):\n${r.stdout}${r.stderr}`);
  return app;
}

async function run(app: string, file: string, source: string, args: string[] = []): Promise<{ status: number | null; out: string }> {
  fs.writeFileSync(path.join(app, file), source);
  const r = await runCommand(process.execPath, [file, ...args], { cwd: app, timeoutMs: 60_000 });
  return { status: r.code, out: `${r.stdout}${r.stderr}` };
}

test('the package installs offline with no dependencies and no native code', async (t) => {
  const app = await installApp();
  const pkg = JSON.parse(fs.readFileSync(path.join(app, 'node_modules/blueox/package.json'), 'utf8'));
  t.is(pkg.dependencies, undefined);
  t.true(Object.values(pkg.peerDependenciesMeta as Record<string, { optional: boolean }>).every((m) => m.optional));
  const files = (await runCommand('tar', ['tzf', TARBALL])).stdout.split('\n');
  t.false(files.some((f) => f.endsWith('.node')), 'no native addon');
  t.deepEqual(fs.readdirSync(path.join(app, 'node_modules')).sort(), ['.package-lock.json', 'blueox']);
});

test('require and import share one configuration; events reach oxd', async (t) => {
  const oxd = await startOxd();
  t.teardown(() => oxd.stop());
  const app = await installApp();
  const r = await run(
    app,
    'main.mjs',
    `
    import { createRequire } from 'node:module';
    import * as esm from 'blueox';
    import { wrapHttpHandler } from 'blueox/http';
    const cjs = createRequire(import.meta.url)('blueox');
    if (esm.configure !== cjs.configure) throw new Error('two copies of the module');
    if (typeof wrapHttpHandler !== 'function') throw new Error('no subpath export');
    cjs.configure({ host: process.argv[2] });
    await esm.context('request', async () => {
      esm.set('from', 'esm');
      cjs.context('.db', () => cjs.set('from', 'cjs'));
    });
    await esm.shutdown();
    console.log(JSON.stringify(esm.stats()));
    `,
    [oxd.collect],
  );
  t.is(r.status, 0, r.out);
  t.is(JSON.parse(r.out.trim()).sent, 2);
  const status = await oxd.waitForStatus((s) => s.totals.written === 2);
  t.deepEqual(Object.keys(status.events).sort(), ['request', 'request.db']);
  const c = await run(app, 'main.cjs', `const b = require('blueox'); const { blueoxExpress } = require('blueox/express'); console.log(typeof b.context, typeof blueoxExpress);`);
  t.is(c.status, 0, c.out);
  t.is(c.out.trim(), 'function function');
});

test('the types compile in a TypeScript application', async (t) => {
  const app = await installApp();
  fs.writeFileSync(
    path.join(app, 'main.ts'),
    `import * as blueox from 'blueox';
     blueox.configure({ host: '127.0.0.1', port: 3514, queueLimit: 10 });
     const n: number = blueox.context('request', (ctx) => { ctx.set('a', 1); return 1; }, { sample: ['.', 0.5] });
     const s: number = blueox.stats().dropped;
     // @ts-expect-error: the sample must be a [which, rate] pair
     blueox.context('x', () => 1, { sample: 'all' });
     void n; void s;`,
  );
  fs.writeFileSync(
    path.join(app, 'tsconfig.json'),
    // An application on Node has @types/node; the repository's stands in for it.
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'node16',
        moduleResolution: 'node16',
        noEmit: true,
        typeRoots: [path.join(REPO, 'node_modules', '@types')],
        types: ['node'],
        skipLibCheck: false,
      },
      files: ['main.ts'],
    }),
  );
  const tsc = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = await runCommand(process.execPath, [tsc, '-p', app]);
  t.is(r.code, 0, `${r.stdout}${r.stderr}`);
});
