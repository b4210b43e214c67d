// dist/ (what main, exports and the bin point at) is built from the current sources, and the built CLI runs in
// plain Node: no TypeScript loader, and `--version` / `--help` load neither the store, the addon, GraphQL nor the server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO } from '../../src/devkit/paths.ts';

const DIST = join(REPO, 'dist');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

function files(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(suffix))
    .map((name) => join(dir, name));
}

/** A clean environment: no NODE_OPTIONS (which could smuggle tsx in) and no loader flags. */
function plainNode(args: string[], extra: { stdio?: Array<'pipe' | 'ignore'> } = {}) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return spawnSync(process.execPath, args, { env, encoding: 'utf8', stdio: extra.stdio ?? ['ignore', 'pipe', 'pipe', 'pipe'] });
}

test('package.json points main, types, exports and the bin at dist/', () => {
  assert.is(pkg.main, './dist/index.js');
  assert.is(pkg.types, './dist/index.d.ts');
  assert.equal(pkg.exports['.'], { types: './dist/index.d.ts', default: './dist/index.js' });
  assert.is(pkg.bin.ipfrs, './dist/cli.js');
  assert.not.ok(JSON.stringify(pkg.scripts).includes('--nodedir'), 'node-gyp takes nodedir from the npm config, not from package.json');
});

test('every source has a fresh .js, .d.ts and source map in dist/, and dist/ has nothing without a source', () => {
  const sources = files(join(REPO, 'src'), '.ts').filter((f) => !f.endsWith('.d.ts'));
  assert.ok(sources.length > 50);
  for (const source of sources) {
    const base = join(DIST, relative(join(REPO, 'src'), source)).replace(/\.ts$/, '');
    for (const out of [`${base}.js`, `${base}.d.ts`, `${base}.js.map`]) {
      let mtime = 0;
      try {
        mtime = statSync(out).mtimeMs;
      } catch {
        assert.unreachable(`${relative(REPO, out)} is missing: run \`npm run build\``);
      }
      assert.ok(mtime >= statSync(source).mtimeMs, `${relative(REPO, out)} is older than ${relative(REPO, source)}: run \`npm run build\``);
    }
  }
  const expected = new Set(sources.map((s) => relative(join(REPO, 'src'), s).replace(/\.ts$/, '.js')));
  for (const built of files(DIST, '.js')) assert.ok(expected.has(relative(DIST, built)), `${relative(REPO, built)} has no source (left over): rebuild dist/ from clean (npm run prepare)`);
  // Imports are rewritten to .js: plain Node cannot load a .ts specifier.
  assert.not.match(readFileSync(join(DIST, 'index.js'), 'utf8'), /from '\.[^']*\.ts'/);
});

test('the built bin prints the version and help in plain Node', () => {
  const version = plainNode([join(DIST, 'cli.js'), '--version']);
  assert.is(version.status, 0, version.stderr);
  assert.is(version.stdout, `${pkg.version}\n`);
  const help = plainNode([join(DIST, 'cli.js'), '--help']);
  assert.is(help.status, 0, help.stderr);
  assert.match(help.stdout, /usage: ipfrs <command>/);
  for (const name of ['serve', 'add', 'ls', 'info', 'cat', 'link', 'rm', 'verify']) assert.match(help.stdout, new RegExp(`\\n  ${name} +\\S`));
  const serveHelp = plainNode([join(DIST, 'cli.js'), 'serve', '--help']);
  assert.match(serveHelp.stdout, /--workers N\|auto/);
});

test('--version and --help load only the CLI, its help table and config.ts (pure)', () => {
  const loaded = (args: string[]): string[] => {
    const run = plainNode([join(REPO, 'tests/helpers/loaded-modules.mjs'), join(DIST, 'cli.js'), ...args]);
    assert.is(run.status, 0, run.stderr);
    const report = JSON.parse(run.output[3] as unknown as string);
    return (report.urls as string[]).filter((url) => url.startsWith('file:')).map((url) => relative(REPO, new URL(url).pathname));
  };
  for (const args of [['--version'], ['--help'], ['serve', '--help']]) {
    const urls = loaded(args);
    assert.equal(urls.filter((u) => u.startsWith('dist/')).sort(), ['dist/cli.js', 'dist/cli/help.js', 'dist/config.js'], `${args.join(' ')}: ${urls.join(', ')}`);
    assert.not.ok(urls.some((u) => u.includes('node_modules/')), `${args.join(' ')} loaded ${urls.filter((u) => u.includes('node_modules/')).join(', ')}`);
  }
});

test.run();
