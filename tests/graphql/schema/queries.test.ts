// Read queries through yoga.fetch against fakes: files, tensors, paging, filters, node, cacheStats.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../../helpers/hooks.ts';
import { decodeGlobalID } from '@pothos/plugin-relay';
import type { FileRecord } from '../../../src/store/types.ts';
import { f32, fakeYoga, post, range, seedModel } from '../../helpers/graphql-services.ts';

const { yoga, store, cache } = fakeYoga({ defaultPageSize: 2 });
let model: FileRecord;
let raw: FileRecord;

beforeAll(test, () => {
  model = seedModel(store);
  raw = store.putRaw(f32(range(6)), 'F32', [2, 3], 'grid');
});

const json = (value: unknown) => JSON.parse(JSON.stringify(value));

test('tensorFiles pages with cursors, pageInfo and totalCount', async () => {
  const query = `query($first: Int, $after: String) { tensorFiles(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { cid size format tensorCount sourceName metadata addedAt } } } }`;
  const first = await post(yoga, query, { first: 1 });
  assert.is(first.status, 200);
  const page1 = first.body.data!.tensorFiles;
  assert.is(page1.totalCount, 2);
  assert.is(page1.edges.length, 1);
  assert.equal(json(page1.edges[0].node), {
    cid: model.cid,
    size: model.size,
    format: 'SAFETENSORS',
    tensorCount: 5,
    sourceName: 'model.safetensors',
    metadata: { framework: 'test' },
    addedAt: new Date(model.addedAt).toISOString(),
  });
  assert.is(page1.pageInfo.hasNextPage, true);
  assert.is(page1.pageInfo.startCursor, page1.edges[0].cursor);
  assert.is(page1.pageInfo.endCursor, page1.edges[0].cursor);
  const page2 = (await post(yoga, query, { first: 1, after: page1.pageInfo.endCursor })).body.data!.tensorFiles;
  assert.equal(page2.edges.map((e: { node: { cid: string } }) => e.node.cid), [raw.cid]);
  assert.is(page2.pageInfo.hasNextPage, false);
  assert.is(page2.pageInfo.hasPreviousPage, true);
});

test('the default page size comes from the config', async () => {
  const answer = await post(yoga, '{ tensors { edges { node { name } } pageInfo { hasNextPage } } }');
  assert.is(answer.body.data!.tensors.edges.length, 2);
  assert.is(answer.body.data!.tensors.pageInfo.hasNextPage, true);
});

test('an empty page: first 0 and an empty store answer edges []', async () => {
  const answer = await post(yoga, '{ tensorFiles(first: 0) { edges { cursor } pageInfo { startCursor endCursor hasNextPage } } }');
  assert.equal(json(answer.body.data!.tensorFiles), { edges: [], pageInfo: { startCursor: null, endCursor: null, hasNextPage: true } });
});

test('reads are open: no token, an unknown token or a malformed header all read the same', async () => {
  const query = '{ tensorFiles(first: 5) { totalCount } }';
  const callers: Array<Record<string, string>> = [{}, { authorization: 'Bearer nobody-knows-this' }, { authorization: 'Basic Zm9vOmJhcg==' }];
  for (const headers of callers) {
    const answer = await post(yoga, query, {}, headers);
    assert.is(answer.status, 200);
    assert.is(answer.body.data!.tensorFiles.totalCount, 2);
  }
});

test('tensorFile by CID, with its tensors; null for an unknown CID', async () => {
  const query = `query($cid: CID!) { tensorFile(cid: $cid) { cid tensors(first: 10) { totalCount edges { node { name dtype shape strides elementCount byteOffset byteLength littleEndian fortranOrder } } } } }`;
  const answer = await post(yoga, query, { cid: model.cid });
  const tensors = answer.body.data!.tensorFile.tensors;
  assert.is(tensors.totalCount, 5);
  assert.equal(tensors.edges.map((e: { node: { name: string } }) => e.node.name), ['big', 'half', 'ids', 'mask', 'weights']);
  const weights = store.getTensor(model.cid, 'weights')!;
  assert.equal(json(tensors.edges[4].node), {
    name: 'weights',
    dtype: 'F32',
    shape: [4, 5],
    strides: [5, 1],
    elementCount: 20,
    byteOffset: weights.byteOffset,
    byteLength: 80,
    littleEndian: true,
    fortranOrder: false,
  });
  const missing = await post(yoga, query, { cid: raw.cid.replace(/.$/, (c) => (c === 'a' ? 'q' : 'a')) });
  assert.is(missing.status, 200);
  assert.is(missing.body.data!.tensorFile, null);
});

test('a malformed CID, as a literal or a variable, is a clear validation error', async () => {
  for (const answer of [
    await post(yoga, '{ tensorFile(cid: "bafy-not-a-cid") { cid } }'),
    await post(yoga, 'query($cid: CID!) { tensorFile(cid: $cid) { cid } }', { cid: 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG' }),
    await post(yoga, 'query($cid: CID!) { tensorFile(cid: $cid) { cid } }', { cid: 42 }),
  ]) {
    assert.ok(answer.status >= 400 && answer.status < 500, String(answer.status));
    assert.match(answer.body.errors![0]!.message, /not a CID of this store/);
  }
});

test('tensors filters by name prefix, dtype and file', async () => {
  const query = `query($filter: TensorFilter) { tensors(first: 100, filter: $filter) { totalCount edges { node { name cid dtype } } } }`;
  const names = async (filter: object) => {
    const data = (await post(yoga, query, { filter })).body.data!.tensors;
    return { total: data.totalCount, names: data.edges.map((e: { node: { name: string } }) => e.node.name) };
  };
  assert.equal(await names({}), { total: 6, names: ['big', 'grid', 'half', 'ids', 'mask', 'weights'] });
  assert.equal(await names({ namePrefix: 'w' }), { total: 1, names: ['weights'] });
  assert.equal(await names({ dtype: 'F32' }), { total: 3, names: ['big', 'grid', 'weights'] });
  assert.equal(await names({ cid: raw.cid }), { total: 1, names: ['grid'] });
  assert.equal(await names({ dtype: 'F32', namePrefix: 'g', cid: model.cid }), { total: 0, names: [] });
});

test('tensor by name; a single-tensor file needs no name; a multi-tensor file does', async () => {
  const query = 'query($cid: CID!, $name: String) { tensor(cid: $cid, name: $name) { name cid file { cid format } } }';
  const named = await post(yoga, query, { cid: model.cid, name: 'ids' });
  assert.equal(json(named.body.data!.tensor), { name: 'ids', cid: model.cid, file: { cid: model.cid, format: 'SAFETENSORS' } });
  const single = await post(yoga, query, { cid: raw.cid });
  assert.is(single.body.data!.tensor.name, 'grid');
  const unknown = await post(yoga, query, { cid: model.cid, name: 'nope' });
  assert.is(unknown.body.data!.tensor, null);
  const ambiguous = await post(yoga, query, { cid: model.cid });
  assert.is(ambiguous.status, 200);
  assert.is(ambiguous.body.data!.tensor, null);
  assert.is(ambiguous.body.errors![0]!.extensions!.code, 'INVALID_ARGUMENT');
  assert.match(ambiguous.body.errors![0]!.message, /holds 5 tensors: give a tensor name/);
});

test('node refetches Tensor and TensorFile by global id', async () => {
  const ids = await post(yoga, 'query($cid: CID!) { tensorFile(cid: $cid) { id } tensor(cid: $cid, name: "weights") { id } }', { cid: model.cid });
  const { tensorFile, tensor } = ids.body.data!;
  assert.equal(decodeGlobalID(tensorFile.id), { typename: 'TensorFile', id: model.cid });
  assert.equal(decodeGlobalID(tensor.id), { typename: 'Tensor', id: `${model.cid}/weights` });
  const query = 'query($id: ID!) { node(id: $id) { __typename id ... on Tensor { name } ... on TensorFile { cid } } }';
  assert.equal(json((await post(yoga, query, { id: tensor.id })).body.data!.node), { __typename: 'Tensor', id: tensor.id, name: 'weights' });
  assert.equal(json((await post(yoga, query, { id: tensorFile.id })).body.data!.node), { __typename: 'TensorFile', id: tensorFile.id, cid: model.cid });
});

test('node answers null for ids of nothing, and a typed error for ids that are not ids', async () => {
  const query = 'query($id: ID!) { node(id: $id) { id } }';
  const encode = (text: string) => Buffer.from(text).toString('base64');
  for (const id of [encode('TensorFile:bafkreinotacid'), encode(`Tensor:${model.cid}/nope`), encode('Tensor:nocid'), encode(`Tensor:${model.cid}`)]) {
    const answer = await post(yoga, query, { id });
    assert.is(answer.status, 200, id);
    assert.is(answer.body.data!.node, null, id);
    assert.is(answer.body.errors, undefined, id);
  }
  for (const id of ['garbage', '', encode('no colon'), encode('Other:1')]) {
    const answer = await post(yoga, query, { id });
    assert.is(answer.status, 200, id);
    assert.is(answer.body.data!.node, null);
    assert.is(answer.body.errors![0]!.extensions!.code, 'INVALID_ARGUMENT', id);
    assert.match(answer.body.errors![0]!.message, /not a global id of this API/);
  }
});

test('cacheStats reports the cache: counters, hit ratio and files, most recent first', async () => {
  cache.clear();
  cache.hits = 0;
  cache.misses = 0;
  cache.touch(raw.cid);
  cache.touch(model.cid);
  cache.touch(model.cid);
  cache.touch(model.cid);
  const answer = await post(yoga, '{ cacheStats { entries maxEntries mappedBytes maxBytes hits misses evictions hitRatio files { cid path size hits lastAccess file { cid } } } }');
  const stats = answer.body.data!.cacheStats;
  assert.equal(
    { ...json(stats), files: undefined },
    { entries: 2, maxEntries: 64, mappedBytes: model.size + raw.size, maxBytes: 1 << 30, hits: 2, misses: 2, evictions: 0, hitRatio: 0.5, files: undefined },
  );
  assert.equal(
    stats.files.map((f: { cid: string; size: number; hits: number; path: null; file: { cid: string } }) => [f.cid, f.size, f.hits, f.path, f.file.cid]),
    [
      [model.cid, model.size, 2, null, model.cid],
      [raw.cid, raw.size, 0, null, raw.cid],
    ],
  );
  assert.ok(!Number.isNaN(Date.parse(stats.files[0].lastAccess)));
});

test('hitRatio is 0 before any lookup', async () => {
  cache.clear();
  cache.hits = 0;
  cache.misses = 0;
  const answer = await post(yoga, '{ cacheStats { hitRatio entries files { cid } } }');
  assert.equal(json(answer.body.data!.cacheStats), { hitRatio: 0, entries: 0, files: [] });
});

test.run();
