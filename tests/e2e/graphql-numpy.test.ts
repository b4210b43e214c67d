// The API over the real store, mmap cache and reader, checked against numpy: every fixture tensor, sliced by a set
// of specs, answers inline values equal to numpy's slice (F16 included); over the inline limit the link's
// parameters, served as the route serves them (tensorPayload), give the bytes and the .npy numpy expects.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MmapCache } from '../../src/mmap/index.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { TensorReader } from '../../src/store/tensor-reader.ts';
import { tensorPayload } from '../../src/store/tensor-payload.ts';
import { newKeyRing } from '../../src/http/sign.ts';
import { mmapCachePort, tensorReaderPort } from '../../src/graphql/services/adapters.ts';
import { tokenVerifier } from '../../src/graphql/services/auth.ts';
import { signedLinks } from '../../src/graphql/services/links.ts';
import { createYoga, type GraphQLServer } from '../../src/graphql/yoga.ts';
import { fixtureFiles, tempDir } from '../../src/devkit/paths.ts';
import { checkWithNumpy, type NumpyCase } from '../helpers/python.ts';
import { ADMIN_TOKEN, bearer, post } from '../helpers/graphql-services.ts';

let dir: ReturnType<typeof tempDir>;
let store: TensorStore;
let reader: TensorReader;
let yoga: GraphQLServer;
const sources = new Map<string, string>();

beforeAll(test, async () => {
  dir = tempDir('ipfrs-graphql-');
  store = TensorStore.open(join(dir.path, 'store'));
  const cache = new MmapCache({ maxEntries: 8 });
  reader = new TensorReader(store, cache);
  yoga = createYoga(
    {
      store,
      cache: mmapCachePort(cache, { objectPath: (cid) => store.objectPath(cid), cidOfPath: (path) => TensorReader.cidOfPath(path) }),
      reader: tensorReaderPort(reader),
      links: signedLinks(newKeyRing()),
      auth: tokenVerifier([{ token: ADMIN_TOKEN, scopes: ['admin'] }]),
      logger: { info() {}, warn() {}, error() {} },
      config: { inlineLimit: 1 << 20, maxInlineLimit: 1 << 20 },
    },
    { graphiql: false },
  );
  for (const path of fixtureFiles()) {
    const { file } = await store.add(path);
    sources.set(file.cid, path);
  }
});

test.after(() => {
  store.close();
  dir.cleanup();
});

const SPECS = ['', '0', '-1', '::2', '1:3', '::-1', '..., 0', '..., ::-2', '0:1, ...'];

const SLICE = `query($cid: CID!, $name: String!, $spec: String!, $format: SliceFormat, $limit: SafeInt) {
  tensor(cid: $cid, name: $name) { slice(spec: $spec, format: $format, inlineLimit: $limit) {
    __typename ... on InlineSlice { shape values base64 } ... on DownloadLink { url byteLength } ... on Error { message code } } } }`;

async function allTensors() {
  const answer = await post(yoga, '{ tensors(first: 1000) { edges { node { cid name dtype shape } } } }');
  return answer.body.data!.tensors.edges.map((e: { node: { cid: string; name: string; dtype: string; shape: number[] } }) => e.node);
}

test('inline values of every fixture tensor equal numpy, for every spec that fits the tensor', async () => {
  const cases: NumpyCase[] = [];
  const labels: string[] = [];
  let typedErrors = 0;
  for (const tensor of await allTensors()) {
    if (['F8_E5M2', 'F8_E4M3', 'BF16'].includes(tensor.dtype)) continue; // numpy has no such dtype to compare with
    for (const spec of SPECS) {
      const answer = await post(yoga, SLICE, { cid: tensor.cid, name: tensor.name, spec });
      assert.is(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
      const slice = answer.body.data!.tensor.slice;
      if (slice.__typename === 'InvalidSliceError') {
        typedErrors++; // e.g. an index into a 0-d tensor, or an axis past the last
        continue;
      }
      assert.is(slice.__typename, 'InlineSlice', `${tensor.name} [${spec}]: ${JSON.stringify(slice)}`);
      const path = sources.get(tensor.cid)!;
      cases.push({ source: path.endsWith('.npy') ? { path } : { path, name: tensor.name }, spec, values: slice.values, shape: slice.shape });
      labels.push(`${path.split('/').slice(-2).join('/')} ${tensor.name} [${spec}]`);
    }
  }
  assert.ok(cases.length > 100, `${cases.length} cases`);
  assert.ok(cases.some((c, i) => labels[i]!.includes('f.safetensors')), 'an F16 tensor is among them');
  const verdicts = checkWithNumpy(cases);
  const failed = verdicts.map((v, i) => (v.ok ? null : `${labels[i]}: ${v.detail}`)).filter(Boolean);
  assert.equal(failed, [], `${failed.length} of ${cases.length} differ from numpy (${typedErrors} specs did not fit)`);
});

test('over the limit: the link names the slice and format whose bytes (and .npy) numpy agrees with', async () => {
  const cases: NumpyCase[] = [];
  const labels: string[] = [];
  const tensors = (await allTensors()).filter((t: { dtype: string; shape: number[] }) => !['F8_E5M2', 'F8_E4M3', 'BF16'].includes(t.dtype) && t.shape.length > 0);
  let n = 0;
  for (const tensor of tensors) {
    for (const spec of ['', '::-1', '0:2']) {
      const answer = await post(yoga, SLICE, { cid: tensor.cid, name: tensor.name, spec, format: 'NPY', limit: 0 });
      const link = answer.body.data!.tensor.slice;
      assert.is(link.__typename, 'DownloadLink', JSON.stringify(link));
      const url = new URL(link.url);
      const record = store.getTensor(tensor.cid, decodeURIComponent(url.pathname.split('/').slice(4).join('/')))!;
      const payload = tensorPayload(reader, record, { slice: url.searchParams.get('slice'), format: url.searchParams.get('format') as 'npy' });
      const bytes = Buffer.concat(payload.parts);
      assert.is(bytes.byteLength, link.byteLength, `${tensor.name} [${spec}] byteLength`);
      const npy = join(dir.path, `link-${n++}.npy`);
      writeFileSync(npy, bytes);
      const path = sources.get(tensor.cid)!;
      cases.push({ source: path.endsWith('.npy') ? { path } : { path, name: tensor.name }, spec, npy });
      labels.push(`${tensor.name} [${spec}]`);
    }
  }
  const verdicts = checkWithNumpy(cases);
  assert.equal(verdicts.map((v, i) => (v.ok ? null : `${labels[i]}: ${v.detail}`)).filter(Boolean), []);
});

test('the cache mutations move the real cache as cacheStats says', async () => {
  const cid = [...sources.keys()][0]!;
  await post(yoga, 'mutation { clearCache { __typename } }', {}, bearer(ADMIN_TOKEN));
  const stats = async () => (await post(yoga, '{ cacheStats { entries files { cid } } }')).body.data!.cacheStats;
  assert.is((await stats()).entries, 0);
  const warmed = await post(yoga, 'mutation($cid: CID!) { warmCache(cid: $cid, access: SEQUENTIAL, populate: true) { __typename ... on CacheEntry { cid size } } }', { cid }, bearer(ADMIN_TOKEN));
  assert.equal(warmed.body.data!.warmCache, { __typename: 'CacheEntry', cid, size: store.getFile(cid)!.size });
  assert.equal((await stats()).files, [{ cid }]);
  await post(yoga, 'mutation($cid: CID!) { evictFromCache(cid: $cid) { __typename } }', { cid }, bearer(ADMIN_TOKEN));
  assert.is((await stats()).entries, 0);
});

test.run();
