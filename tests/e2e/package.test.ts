// The package as a user gets it: `npm pack`, then `npm install <tarball>` in a scratch project (which builds the
// addon), then the README's library example, the root's exports in plain Node, the types under tsc, and the bin.
// The scratch project is seeded with copies of the repository's installed dependencies, so npm only adds the
// package itself (and better-sqlite3 is not compiled a second time); whatever is missing comes from the registry.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO, fixtureFiles, tempDir } from '../../src/devkit/paths.ts';

const scratch = tempDir('ipfrs-package-');
const app = join(scratch.path, 'app');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const EXPORTS = [
  'MmapCache', 'MmapConfig', 'MmapError', 'MmapFile', 'StoreError', 'TensorStore',
  'assertCid', 'cidOfBytes', 'createServer', 'mappingStats', 'normaliseCid',
];

function run(command: string, args: string[], options: SpawnSyncOptions = {}) {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // plain Node: nothing may reach tsx
  delete env.FORCE_COLOR; // the runner's colours would reach console.log in the example
  const result = spawnSync(command, args, { cwd: app, env, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 600_000, ...options });
  assert.is(result.status, 0, `${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout as string;
}

/** The installed non-dev dependency folders (top level), from npm's own view of the tree. */
function installedDependencies(): string[] {
  const paths = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: REPO, encoding: 'utf8' }).stdout.split('\n');
  const top = new Set<string>();
  for (const path of paths) {
    const rest = path.split(`${REPO}/node_modules/`)[1];
    if (!rest) continue;
    const parts = rest.split('/');
    top.add(parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
  }
  return [...top, 'typescript', '@types/node', 'undici-types'];
}

test.before(() => {
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  for (const name of installedDependencies()) {
    mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true });
    cpSync(join(REPO, 'node_modules', name), join(app, 'node_modules', name), { recursive: true });
  }
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, type: 'module', devDependencies: { typescript: pkg.devDependencies.typescript, '@types/node': pkg.devDependencies['@types/node'] } }),
  );
  // dist/ is what ships; tests/e2e/dist.test.ts checks it is fresh (and `npm test` builds it first).
  const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch.path], { cwd: REPO }));
  const tarball = join(scratch.path, packed[0].filename);
  run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund']);
});

test.after(() => scratch.cleanup());

test('the tarball ships what a user needs and nothing else', () => {
  const files: string[] = JSON.parse(run('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: REPO }))[0].files.map((f: { path: string }) => f.path);
  for (const needed of ['dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/cli.js', 'native/binding.gyp', 'native/src/addon.cc', 'playground/index.html', 'schema/operations/tensors.graphql']) {
    assert.ok(files.includes(needed), `${needed} is not in the tarball`);
  }
  for (const path of files) assert.not.match(path, /^(tests|bench|native\/build|src\/(?!client\/))\/?|\.tsbuildinfo$/, `${path} should not ship`);
});

test('the root gives the documented exports in plain Node', () => {
  const out = run('node', ['-e', "import('ipfrs-interface').then((m) => console.log(JSON.stringify(Object.keys(m).sort())))"]);
  assert.equal(JSON.parse(out), EXPORTS);
});

test('ipfrs-interface/client gives the typed documents, possibleTypes and the scalars map in plain Node', () => {
  const out = run('node', ['-e', "import('ipfrs-interface/client').then((m) => console.log(JSON.stringify({ keys: Object.keys(m), error: m.possibleTypes.Error, safeInt: m.scalars.SafeInt, kind: m.TensorsDocument.kind })))"]);
  const client = JSON.parse(out);
  for (const name of ['possibleTypes', 'scalars', 'TensorsDocument', 'TensorSliceDocument', 'CacheStatsDocument']) assert.ok(client.keys.includes(name), name);
  assert.ok(client.error.includes('InvalidSliceError'));
  assert.is(client.safeInt, 'number');
  assert.is(client.kind, 'Document');
});

test("the README's library example runs", () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const example = /<!-- library-example[^>]*-->\n```js\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(example, 'README has the library example');
  writeFileSync(join(app, 'example.mjs'), example);
  copyFileSync(fixtureFiles(['.safetensors'])[0]!, join(app, 'model.safetensors'));
  const out = run('node', ['example.mjs']);
  const lines = out.trim().split('\n');
  assert.match(lines[0]!, /^bafkrei\S+ safetensors \S+ [A-Z0-9_]+ \[[\d,]*\]$/, out);
  assert.match(lines[1]!, /^tensor bytes \d+ cache 1$/, out);
  const answer = JSON.parse(lines.at(-1)!);
  assert.ok(answer.data.tensors.edges.length >= 1, lines.at(-1));
});

test('TypeScript sees the types', () => {
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: ['node'] }, include: ['check.ts'] }),
  );
  writeFileSync(
    join(app, 'check.ts'),
    [
      "import { MmapCache, MmapError, TensorStore, createServer, type MmapCacheStats, type RunningServer, type TensorRecord } from 'ipfrs-interface';",
      'const cache = new MmapCache({ maxEntries: 4 });',
      'const stats: MmapCacheStats = cache.stats();',
      'const entries: number = stats.entries;',
      "const store: TensorStore = TensorStore.open('./tensors');",
      'const tensors: TensorRecord[] = store.listTensors({ first: 10 }).items;',
      "const started: Promise<RunningServer> = createServer({ storeRoot: './tensors', port: 0 });",
      "const code: string | undefined = new Error('x') instanceof MmapError ? 'INVALID_RANGE' : undefined;",
      "import { TensorsDocument, possibleTypes, type TensorsQuery } from 'ipfrs-interface/client';",
      "import type { TypedDocumentNode } from '@graphql-typed-document-node/core';",
      'const doc: TypedDocumentNode<TensorsQuery, any> = TensorsDocument;',
      'const members: string[] | undefined = possibleTypes.Error;',
      '// Real types, not any: each of these is an error tsc must report.',
      '// @ts-expect-error maxEntries is a number',
      "new MmapCache({ maxEntries: 'four' });",
      '// @ts-expect-error createServer needs a storeRoot',
      'createServer({ port: 0 });',
      'export { entries, tensors, started, code, doc, members };',
    ].join('\n'),
  );
  run(join(app, 'node_modules', '.bin', 'tsc'), ['-p', '.']);
});

test('npx ipfrs --help and --version work from the installed bin', () => {
  assert.match(run('npx', ['--no-install', 'ipfrs', '--help']), /usage: ipfrs <command>/);
  assert.is(run('npx', ['--no-install', 'ipfrs', '--version']), `${pkg.version}\n`);
});

test.run();
