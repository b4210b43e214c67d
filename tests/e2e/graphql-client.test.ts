// Real clients against a live server on 127.0.0.1: graphql-request with the generated TypedDocumentNode documents,
// graphql-sse for the subscription, and graphql-http's audit of GraphQL over HTTP conformance.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { print } from 'graphql';
import { GraphQLClient } from 'graphql-request';
import { createClient } from 'graphql-sse';
import { auditServer } from 'graphql-http';
import {
  AddTensorFileDocument,
  ByteRangeDocument,
  CacheStatsDocument,
  CacheStatsUpdatesDocument,
  ClearCacheDocument,
  DeleteTensorFileDocument,
  EvictFromCacheDocument,
  FileDownloadLinkDocument,
  NodeDocument,
  TensorDocument,
  TensorDownloadLinkDocument,
  TensorFileDocument,
  TensorFilesDocument,
  TensorSliceDocument,
  TensorsDocument,
  WarmCacheDocument,
  type CacheStatsUpdatesSubscription,
} from '../../src/client/graphql.ts';
import { CSRF_HEADER } from '../../src/graphql/yoga.ts';
import type { FileRecord } from '../../src/store/types.ts';
import { ADMIN_TOKEN, bearer, f32, fakeYoga, range, seedModel, WRITE_TOKEN } from '../helpers/graphql-services.ts';

const { yoga, store } = fakeYoga();
let server: Server;
let url: string;
let model: FileRecord;
let client: GraphQLClient;
let admin: GraphQLClient;

beforeAll(test, async () => {
  model = seedModel(store);
  store.putRaw(f32(range(6)), 'F32', [6], 'six');
  server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  client = new GraphQLClient(url);
  admin = new GraphQLClient(url, { headers: bearer(ADMIN_TOKEN) });
});

test.after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test('typed queries: files, tensors, a tensor, node', async () => {
  const files = await client.request(TensorFilesDocument, { first: 10 });
  assert.is(files.tensorFiles.totalCount, 2);
  assert.is(files.tensorFiles.edges[0]!.node.cid, model.cid);
  assert.is(files.tensorFiles.edges[0]!.node.format, 'SAFETENSORS');

  const file = await client.request(TensorFileDocument, { cid: model.cid });
  assert.equal(file.tensorFile?.tensors.edges.map((e) => e.node.name), ['big', 'half', 'ids', 'mask', 'weights']);

  const tensors = await client.request(TensorsDocument, { filter: { dtype: 'F32' } });
  assert.equal(tensors.tensors.edges.map((e) => e.node.name), ['big', 'six', 'weights']);

  const tensor = await client.request(TensorDocument, { cid: model.cid, name: 'weights' });
  assert.equal(tensor.tensor?.shape, [4, 5]);
  assert.is(tensor.tensor?.file.format, 'SAFETENSORS');

  const node = await client.request(NodeDocument, { id: tensor.tensor!.id });
  assert.is(node.node?.__typename, 'Tensor');
  if (node.node?.__typename === 'Tensor') assert.is(node.node.name, 'weights');
});

test('typed slices and byte ranges: inline members, links and typed errors', async () => {
  const inline = await client.request(TensorSliceDocument, { cid: model.cid, name: 'weights', spec: '1:3, 0' });
  const slice = inline.tensor?.slice;
  assert.is(slice?.__typename, 'InlineSlice');
  if (slice?.__typename === 'InlineSlice') assert.equal(slice.values, [5, 10]);

  const link = await client.request(TensorSliceDocument, { cid: model.cid, name: 'big', spec: '', format: 'NPY' });
  assert.is(link.tensor?.slice.__typename, 'DownloadLink');
  if (link.tensor?.slice.__typename === 'DownloadLink') assert.match(link.tensor.slice.url, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/v1/tensor/${model.cid}/big\\?`));

  const bad = await client.request(TensorSliceDocument, { cid: model.cid, name: 'weights', spec: '7' });
  const error = bad.tensor?.slice;
  assert.is(error?.__typename, 'InvalidSliceError');
  if (error?.__typename === 'InvalidSliceError') assert.is(error.code, 'INVALID_SLICE');

  const bytes = await client.request(ByteRangeDocument, { cid: model.cid, start: 0, end: 8 });
  const range8 = bytes.tensorFile?.byteRange;
  if (range8?.__typename !== 'InlineBytes') throw new Error(`expected InlineBytes, got ${range8?.__typename}`);
  assert.equal(Buffer.from(range8.base64, 'base64'), store.bytesOf(model.cid).subarray(0, 8));

  const fileLink = await client.request(FileDownloadLinkDocument, { cid: model.cid, expiresIn: 120 });
  const fileAnswer = fileLink.tensorFile?.downloadLink;
  assert.is(fileAnswer?.__typename === 'DownloadLink' && fileAnswer.byteLength, model.size);
  const tensorLink = await client.request(TensorDownloadLinkDocument, { cid: model.cid, name: 'weights' });
  const tensorAnswer = tensorLink.tensor?.downloadLink;
  assert.is(tensorAnswer?.__typename === 'DownloadLink' && tensorAnswer.byteLength, 80);
  const refused = await client.request(FileDownloadLinkDocument, { cid: model.cid, expiresIn: 0 });
  assert.is(refused.tensorFile?.downloadLink.__typename, 'InvalidArgumentError', 'a bad expiry is a typed error; the file still answers');
});

test('typed mutations: warm, evict, clear and the stats they leave; refusal without a token', async () => {
  const refused = await client.request(ClearCacheDocument);
  assert.is(refused.clearCache.__typename, 'ForbiddenError');

  await admin.request(ClearCacheDocument);
  const warmed = await admin.request(WarmCacheDocument, { cid: model.cid, access: 'RANDOM', populate: true });
  if (warmed.warmCache.__typename !== 'CacheEntry') throw new Error(warmed.warmCache.__typename);
  assert.is(warmed.warmCache.size, model.size);
  assert.is((await client.request(CacheStatsDocument)).cacheStats.entries, 1);

  const evicted = await admin.request(EvictFromCacheDocument, { cid: model.cid });
  assert.ok(evicted.evictFromCache.__typename === 'EvictFromCachePayload' && evicted.evictFromCache.evicted);
  assert.is((await client.request(CacheStatsDocument)).cacheStats.entries, 0);
});

test('upload with the generated AddTensorFile document (multipart), then delete it', async () => {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: print(AddTensorFileDocument), variables: { file: null, dtype: 'U8', shape: [3], name: 'three' } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([new Uint8Array([1, 2, 3])]), 'three.bin');
  const response = await fetch(url, { method: 'POST', body: form, headers: { [CSRF_HEADER]: '1', ...bearer(WRITE_TOKEN) } });
  const body = await response.json();
  assert.is(body.data.addTensorFile.__typename, 'TensorFile');
  const cid = body.data.addTensorFile.cid as string;
  const deleted = await admin.request(DeleteTensorFileDocument, { cid });
  assert.ok(deleted.deleteTensorFile.__typename === 'DeleteTensorFilePayload' && deleted.deleteTensorFile.deleted);
});

test('graphql-sse: the cacheStats subscription sees the change after clearCache', async () => {
  await admin.request(WarmCacheDocument, { cid: model.cid });
  const sse = createClient({ url });
  const events = sse.iterate<CacheStatsUpdatesSubscription>({ query: print(CacheStatsUpdatesDocument), variables: { intervalMs: 3_600_000 } });
  try {
    const first = await events.next();
    assert.is(first.value?.data?.cacheStats.entries, 1);
    await admin.request(ClearCacheDocument);
    const next = await events.next();
    assert.is(next.value?.data?.cacheStats.entries, 0);
  } finally {
    await events.return?.();
    sse.dispose();
  }
});

/** One raw HTTP request: `send` writes the body (or part of it) and may leave it unfinished. */
function raw(headers: Record<string, string | number>, send: (req: ReturnType<typeof httpRequest>) => void): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    send(req);
  });
}

test('over a socket: a body declared at 2 GiB gets 413 at once; a chunked body over 1 MiB is cut off with 413', async () => {
  const declared = await raw({ 'content-type': 'application/json', 'content-length': 2 ** 31 }, (req) => req.write('{"query":'));
  assert.is(declared.status, 413);
  assert.match(declared.body, /the request body is larger than the limit/);
  const chunked = await raw({ 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, (req) => {
    req.write('{"query":"{ cacheStats { hits } }","variables":{"pad":"');
    for (let i = 0; i < 24; i++) req.write('x'.repeat(64 * 1024));
    req.end('"}}');
  });
  assert.is(chunked.status, 413);
  const fine = await client.request(CacheStatsDocument);
  assert.is(typeof fine.cacheStats.hits, 'number');
});

test('graphql-http audit: all 61 GraphQL over HTTP audits ok', async () => {
  // A script, unlike a browser page, sends the CSRF header on every request, GETs included.
  const fetchFn = (input: RequestInfo | URL, init: RequestInit = {}) =>
    fetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), [CSRF_HEADER]: '1' } });
  const results = await auditServer({ url, fetchFn });
  assert.is(results.length, 61);
  assert.equal(results.filter((r) => r.status !== 'ok').map((r) => `${r.name}: ${r.status}`), []);
});

test.run();
