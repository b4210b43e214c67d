// Mutations through yoga.fetch against fakes: the cache mutations change cacheStats exactly as expected, uploads
// (multipart) add files, deletes remove them, and every one is refused without the scope it needs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../../helpers/hooks.ts';
import { encodeSafetensors } from '../../../src/tensor/safetensors-encode.ts';
import { CSRF_HEADER, type GraphQLServer } from '../../../src/graphql/yoga.ts';
import type { FileRecord } from '../../../src/store/types.ts';
import { ADMIN_TOKEN, READ_TOKEN, WRITE_TOKEN, bearer, f32, fakeYoga, post, range, seedModel } from '../../helpers/graphql-services.ts';

const MAX_UPLOAD = 4096;
const { yoga, store, cache } = fakeYoga({ maxUploadBytes: MAX_UPLOAD });
let model: FileRecord;
let small: FileRecord;

beforeAll(test, () => {
  model = seedModel(store);
  small = store.putRaw(f32(range(4)), 'F32', [4], 'small');
});

const STATS = '{ cacheStats { entries mappedBytes hits misses evictions files { cid hits } } }';
async function stats() {
  return (await post(yoga, STATS)).body.data!.cacheStats;
}

const CLEAR = 'mutation { clearCache { __typename ... on CacheStats { entries mappedBytes hits misses } ... on ForbiddenError { requiredScope } ... on Error { message code } } }';
const EVICT = 'mutation($cid: CID!) { evictFromCache(cid: $cid) { __typename ... on EvictFromCachePayload { cid evicted } ... on ForbiddenError { requiredScope } ... on Error { message code } } }';
const WARM = `mutation($cid: CID!, $access: CacheAccess, $populate: Boolean) { warmCache(cid: $cid, access: $access, populate: $populate) {
  __typename ... on CacheEntry { cid size hits lastAccess file { cid } } ... on ForbiddenError { requiredScope } ... on Error { message code } } }`;
const DELETE = 'mutation($cid: CID!) { deleteTensorFile(cid: $cid) { __typename ... on DeleteTensorFilePayload { cid deleted } ... on ForbiddenError { requiredScope } ... on Error { message code } } }';
const ADD = `mutation($file: File!, $dtype: DType, $shape: [SafeInt!], $name: String) { addTensorFile(file: $file, dtype: $dtype, shape: $shape, name: $name) {
  __typename ... on TensorFile { cid size format tensorCount sourceName tensors(first: 10) { edges { node { name dtype shape } } } }
  ... on ForbiddenError { requiredScope } ... on InvalidFileError { reason } ... on TooLargeError { requested limit } ... on InvalidArgumentError { argument }
  ... on Error { message code } } }`;

function reset() {
  cache.clear();
  cache.hits = 0;
  cache.misses = 0;
}

test('warmCache maps a file (a miss), again (a hit), passing access and populate to the cache', async () => {
  reset();
  const first = await post(yoga, WARM, { cid: model.cid, access: 'SEQUENTIAL', populate: true }, bearer(ADMIN_TOKEN));
  const entry = first.body.data!.warmCache;
  assert.equal({ ...entry, lastAccess: undefined }, { __typename: 'CacheEntry', cid: model.cid, size: model.size, hits: 0, lastAccess: undefined, file: { cid: model.cid } });
  assert.equal(cache.warmed.at(-1), { cid: model.cid, access: 'sequential', populate: true });
  const after = await stats();
  assert.equal([after.entries, after.mappedBytes, after.hits, after.misses], [1, model.size, 0, 1]);
  const second = await post(yoga, WARM, { cid: model.cid }, bearer(ADMIN_TOKEN));
  assert.is(second.body.data!.warmCache.hits, 1);
  assert.equal(cache.warmed.at(-1), { cid: model.cid, access: 'default', populate: false });
  const again = await stats();
  assert.equal([again.entries, again.hits, again.misses], [1, 1, 1]);
});

test('warmCache of an unknown file is a typed NotFoundError and changes nothing', async () => {
  reset();
  const gone = small.cid.replace(/.$/, (c) => (c === 'a' ? 'q' : 'a'));
  const answer = await post(yoga, WARM, { cid: gone }, bearer(ADMIN_TOKEN));
  assert.equal(answer.body.data!.warmCache, { __typename: 'NotFoundError', message: `no file with CID ${gone}`, code: 'NOT_FOUND' });
  assert.is((await stats()).entries, 0);
});

test('evictFromCache unmaps one file; evicting it again says false', async () => {
  reset();
  await post(yoga, WARM, { cid: model.cid }, bearer(ADMIN_TOKEN));
  await post(yoga, WARM, { cid: small.cid }, bearer(ADMIN_TOKEN));
  assert.is((await stats()).entries, 2);
  const evicted = await post(yoga, EVICT, { cid: model.cid }, bearer(ADMIN_TOKEN));
  assert.equal(evicted.body.data!.evictFromCache, { __typename: 'EvictFromCachePayload', cid: model.cid, evicted: true });
  const after = await stats();
  assert.equal([after.entries, after.mappedBytes, after.files.map((f: { cid: string }) => f.cid)], [1, small.size, [small.cid]]);
  const again = await post(yoga, EVICT, { cid: model.cid }, bearer(ADMIN_TOKEN));
  assert.is(again.body.data!.evictFromCache.evicted, false);
});

test('clearCache unmaps everything and returns the stats after, counters kept', async () => {
  reset();
  await post(yoga, WARM, { cid: model.cid }, bearer(ADMIN_TOKEN));
  await post(yoga, WARM, { cid: small.cid }, bearer(ADMIN_TOKEN));
  const answer = await post(yoga, CLEAR, {}, bearer(ADMIN_TOKEN));
  assert.equal(answer.body.data!.clearCache, { __typename: 'CacheStats', entries: 0, mappedBytes: 0, hits: 0, misses: 2 });
  const after = await stats();
  assert.equal([after.entries, after.files], [0, []]);
});

test('cache mutations and deletes are refused without a token, with a read-only or a write token', async () => {
  reset();
  await post(yoga, WARM, { cid: model.cid }, bearer(ADMIN_TOKEN));
  const before = await stats();
  const callers: Array<[Record<string, string>, string]> = [
    [{}, 'UNAUTHENTICATED'],
    [{ authorization: 'Basic dXNlcjpwYXNz' }, 'UNAUTHENTICATED'],
    [bearer('not-a-token-of-this-server'), 'UNAUTHENTICATED'],
    [bearer(READ_TOKEN), 'FORBIDDEN'],
    [bearer(WRITE_TOKEN), 'FORBIDDEN'],
  ];
  for (const [headers, code] of callers) {
    const operations: Array<[string, string, Record<string, unknown>]> = [
      ['clearCache', CLEAR, {}],
      ['evictFromCache', EVICT, { cid: model.cid }],
      ['warmCache', WARM, { cid: small.cid }],
      ['deleteTensorFile', DELETE, { cid: small.cid }],
    ];
    for (const [field, query, variables] of operations) {
      const answer = await post(yoga, query, variables, headers);
      assert.is(answer.status, 200);
      const result = answer.body.data![field];
      assert.is(result.__typename, 'ForbiddenError', `${field} ${JSON.stringify(headers)}`);
      assert.is(result.code, code, `${field} ${JSON.stringify(headers)}`);
      assert.is(result.requiredScope, 'admin');
      assert.match(result.message, new RegExp(`^${field} needs the admin scope`));
    }
  }
  assert.equal(await stats(), before);
  assert.ok(store.getFile(small.cid), 'nothing was deleted');
});

test('the bearer scheme is case-insensitive; admin implies write', async () => {
  const answer = await post(yoga, CLEAR, {}, { authorization: `bearer ${ADMIN_TOKEN}` });
  assert.is(answer.body.data!.clearCache.__typename, 'CacheStats');
  const added = await upload(yoga, Buffer.from([9, 9, 9, 9]), { dtype: 'U8', shape: [4], name: 'by-admin' }, bearer(ADMIN_TOKEN));
  assert.is(added.__typename, 'TensorFile');
});

async function upload(server: GraphQLServer, bytes: Uint8Array, variables: Record<string, unknown>, headers: Record<string, string>, filename = 'upload.bin') {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: ADD, variables: { ...variables, file: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([Buffer.from(bytes)]), filename);
  const response = await server.fetch('http://localhost/graphql', { method: 'POST', body: form, headers: { [CSRF_HEADER]: '1', ...headers } });
  assert.is(response.status, 200);
  const body = await response.json();
  assert.is(body.errors, undefined, JSON.stringify(body.errors));
  return body.data.addTensorFile;
}

test('addTensorFile adds raw bytes with a dtype and shape; the same bytes again return the same file', async () => {
  const bytes = f32([1.5, 2.5, 3.5, 4.5, 5.5, 6.5]);
  const added = await upload(yoga, bytes, { dtype: 'F32', shape: [2, 3], name: 'pairs' }, bearer(WRITE_TOKEN));
  assert.equal(
    { ...added, cid: undefined },
    { __typename: 'TensorFile', cid: undefined, size: 24, format: 'RAW', tensorCount: 1, sourceName: 'pairs', tensors: { edges: [{ node: { name: 'pairs', dtype: 'F32', shape: [2, 3] } }] } },
  );
  assert.ok(store.getFile(added.cid));
  const again = await upload(yoga, bytes, { dtype: 'F32', shape: [2, 3] }, bearer(WRITE_TOKEN));
  assert.is(again.cid, added.cid);
  const slice = await post(yoga, 'query($cid: CID!) { tensor(cid: $cid) { slice(spec: "1") { ... on InlineSlice { values } } } }', { cid: added.cid });
  assert.equal(slice.body.data!.tensor.slice.values, [4.5, 5.5, 6.5]);
});

test('addTensorFile adds a safetensors file, named after the upload when no name is given', async () => {
  const bytes = encodeSafetensors([
    { name: 'a', dtype: 'U8', shape: [2], data: new Uint8Array([1, 2]) },
    { name: 'b', dtype: 'I16', shape: [1], data: new Uint8Array([3, 0]) },
  ]);
  const added = await upload(yoga, bytes, {}, bearer(WRITE_TOKEN), 'tiny.safetensors');
  assert.is(added.format, 'SAFETENSORS');
  assert.is(added.sourceName, 'tiny.safetensors');
  assert.equal(added.tensors.edges.map((e: { node: { name: string } }) => e.node.name), ['a', 'b']);
});

test('addTensorFile typed errors: bad file, size mismatch, dtype without shape, too large, bad name', async () => {
  const garbage = await upload(yoga, Buffer.from('definitely not a tensor file'), {}, bearer(WRITE_TOKEN));
  assert.is(garbage.__typename, 'InvalidFileError');
  assert.is(garbage.code, 'INVALID_FILE');
  assert.match(garbage.message, /for raw bytes give a dtype and a shape/);
  const mismatch = await upload(yoga, Buffer.alloc(10), { dtype: 'F32', shape: [3] }, bearer(WRITE_TOKEN));
  assert.is(mismatch.__typename, 'InvalidFileError');
  const half = await upload(yoga, Buffer.alloc(8), { dtype: 'F32' }, bearer(WRITE_TOKEN));
  assert.is(half.__typename, 'InvalidArgumentError');
  assert.match(half.message, /both a dtype and a shape/);
  const negative = await upload(yoga, Buffer.alloc(8), { dtype: 'U8', shape: [-8] }, bearer(WRITE_TOKEN));
  assert.equal([negative.__typename, negative.argument], ['InvalidArgumentError', 'shape']);
  const big = await upload(yoga, Buffer.alloc(MAX_UPLOAD + 1), { dtype: 'U8', shape: [MAX_UPLOAD + 1] }, bearer(WRITE_TOKEN));
  assert.equal({ ...big, message: undefined }, { __typename: 'TooLargeError', requested: MAX_UPLOAD + 1, limit: MAX_UPLOAD, message: undefined, code: 'TOO_LARGE' });
  const named = await upload(yoga, Buffer.alloc(4), { dtype: 'U8', shape: [4], name: 'bad\nname' }, bearer(WRITE_TOKEN));
  assert.equal([named.__typename, named.argument], ['InvalidArgumentError', 'name']);
});

test('addTensorFile is refused without the write scope, and nothing is added', async () => {
  const count = store.files.size;
  const bytes = Buffer.from([7, 7, 7]);
  const anonymous = await upload(yoga, bytes, { dtype: 'U8', shape: [3] }, {});
  assert.equal([anonymous.__typename, anonymous.code, anonymous.requiredScope], ['ForbiddenError', 'UNAUTHENTICATED', 'write']);
  const reader = await upload(yoga, bytes, { dtype: 'U8', shape: [3] }, bearer(READ_TOKEN));
  assert.equal([reader.__typename, reader.code], ['ForbiddenError', 'FORBIDDEN']);
  assert.is(store.files.size, count);
});

test('a File variable sent as JSON (not a multipart part) is a validation error', async () => {
  const answer = await post(yoga, ADD, { file: 'AAAA', dtype: 'U8', shape: [3] }, bearer(WRITE_TOKEN));
  assert.ok(answer.status >= 400 && answer.status < 500, String(answer.status));
  assert.match(answer.body.errors![0]!.message, /expected a file part of a multipart request/);
});

test('deleteTensorFile removes the file, its tensors and its cache entry; again says false', async () => {
  reset();
  const file = store.putRaw(Buffer.from([1, 2, 3, 4, 5]), 'U8', [5], 'doomed');
  await post(yoga, WARM, { cid: file.cid }, bearer(ADMIN_TOKEN));
  assert.is((await stats()).entries, 1);
  const answer = await post(yoga, DELETE, { cid: file.cid }, bearer(ADMIN_TOKEN));
  assert.equal(answer.body.data!.deleteTensorFile, { __typename: 'DeleteTensorFilePayload', cid: file.cid, deleted: true });
  assert.is(store.getFile(file.cid), null);
  assert.is((await stats()).entries, 0);
  const gone = await post(yoga, 'query($cid: CID!) { tensorFile(cid: $cid) { cid } tensor(cid: $cid) { name } }', { cid: file.cid });
  assert.equal(gone.body.data, { tensorFile: null, tensor: null });
  const again = await post(yoga, DELETE, { cid: file.cid }, bearer(ADMIN_TOKEN));
  assert.is(again.body.data!.deleteTensorFile.deleted, false);
});

test.run();
