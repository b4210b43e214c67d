// The printed schema and the generated client are what the code makes (stale copies fail here), the operation
// documents validate, and printing the schema loads no native addon.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { buildSchema, parse, validate } from 'graphql';
import { generate } from '@graphql-codegen/cli';
import { schemaSDL } from '../../src/graphql/sdl.ts';
import config from '../../codegen.ts';
import { REPO } from '../../src/devkit/paths.ts';

const OPERATIONS = join(REPO, 'schema', 'operations');

test('schema/schema.graphql is up to date (run `npm run schema`)', () => {
  const committed = readFileSync(join(REPO, 'schema', 'schema.graphql'), 'utf8');
  assert.ok(committed === schemaSDL(), 'schema/schema.graphql differs from the schema the code builds: run `npm run schema`');
});

test('the printed schema is sorted and has the contract names', () => {
  const sdl = schemaSDL();
  const types = [...sdl.matchAll(/^(?:type|input|enum|union|interface|scalar) (\w+)/gm)].map((m) => m[1]!);
  assert.equal(types, [...types].sort(), 'types sorted (no type name has digits, so natural order is code-unit order)');
  const schema = buildSchema(sdl);
  const fields = (type: string) => Object.keys((schema.getType(type) as { getFields(): object }).getFields());
  for (const name of ['tensorFiles', 'tensorFile', 'tensors', 'tensor', 'node', 'cacheStats']) assert.ok(fields('Query').includes(name), name);
  for (const name of ['clearCache', 'evictFromCache', 'warmCache', 'addTensorFile', 'deleteTensorFile']) assert.ok(fields('Mutation').includes(name), name);
  assert.equal(fields('Subscription'), ['cacheStats']);
  for (const name of ['id', 'cid', 'name', 'dtype', 'shape', 'strides', 'elementCount', 'byteOffset', 'byteLength', 'file', 'slice']) assert.ok(fields('Tensor').includes(name), name);
  for (const name of ['id', 'cid', 'size', 'format', 'metadata', 'tensors', 'byteRange', 'downloadLink']) assert.ok(fields('TensorFile').includes(name), name);
  for (const name of ['entries', 'maxEntries', 'mappedBytes', 'maxBytes', 'hits', 'misses', 'evictions', 'hitRatio', 'files']) assert.ok(fields('CacheStats').includes(name), name);
  assert.match(sdl, /byteOffset: SafeInt!/);
  assert.match(sdl, /union SliceResult = DownloadLink \| InlineSlice/);
  assert.match(sdl, /union RangeResult = DownloadLink \| InlineBytes/);
});

test('every operation in schema/operations validates against the schema', () => {
  const schema = buildSchema(schemaSDL());
  const files = readdirSync(OPERATIONS).filter((f) => f.endsWith('.graphql'));
  assert.ok(files.length >= 4);
  const names = new Set<string>();
  for (const file of files) {
    const document = parse(readFileSync(join(OPERATIONS, file), 'utf8'));
    assert.equal(validate(schema, document).map((e) => e.message), [], file);
    for (const definition of document.definitions) {
      const name = (definition as { name?: { value: string } }).name?.value;
      if (!name) continue;
      assert.not.ok(names.has(name), `${name} is defined twice`);
      names.add(name);
    }
  }
  for (const operation of ['TensorFiles', 'TensorFile', 'Tensors', 'Tensor', 'TensorSlice', 'ByteRange', 'Node', 'CacheStats', 'CacheStatsUpdates', 'ClearCache', 'EvictFromCache', 'WarmCache', 'AddTensorFile', 'DeleteTensorFile']) {
    assert.ok(names.has(operation), operation);
  }
});

test('src/client is what codegen makes now (run `npm run codegen`)', async () => {
  const outputs: Array<{ filename: string; content: string }> = await generate({ ...config, cwd: REPO, silent: true, verbose: false }, false);
  const generated = new Map(outputs.map((o) => [o.filename.replace(/^.*src\/client\//, ''), o.content]));
  const present = readdirSync(join(REPO, 'src', 'client')).sort();
  assert.equal(present, [...generated.keys()].sort(), 'the files of src/client');
  for (const [name, content] of generated) {
    assert.ok(readFileSync(join(REPO, 'src', 'client', name), 'utf8') === content, `src/client/${name} is stale: run \`npm run codegen\``);
  }
});

test('building the schema and running codegen loads no native addon and nothing of src/mmap', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(REPO, 'tests', 'helpers', 'schema-loads.ts')], { encoding: 'utf8' });
  const { resolved, dlopened } = JSON.parse(out) as { resolved: string[]; dlopened: string[] };
  assert.ok(resolved.some((url) => url.includes('/src/graphql/schema/')), 'the hook saw the schema load');
  assert.equal(dlopened, [], 'no native addon opened');
  assert.equal(resolved.filter((url) => url.endsWith('.node') || url.includes('/src/mmap/') || url.includes('/native/')), []);
});

test.run();
