// SliceFormat ARROW and SAFETENSORS (inline and linked), TensorFile.subsetLink and zarrUrl, over fake services.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tableFromIPC } from 'apache-arrow';
import { verifyRequest } from '../../../src/http/sign.ts';
import { parseSafetensors } from '../../../src/tensor/safetensors.ts';
import type { FileRecord } from '../../../src/store/types.ts';
import { f32, fakeYoga, post, seedModel } from '../../helpers/graphql-services.ts';

const { yoga, store, ring } = fakeYoga({ inlineLimit: 4096, maxInlineLimit: 1 << 20, publicUrl: 'https://tensors.example.com' });
let model: FileRecord;
let fortran: FileRecord;

test.before(() => {
  model = seedModel(store);
  fortran = store.putRaw(f32([0, 3, 1, 4, 2, 5]), 'F32', [2, 3], 'fortran', { fortranOrder: true });
});

const SLICE = `query($cid: CID!, $name: String, $spec: String!, $format: SliceFormat, $inlineLimit: SafeInt) {
  tensor(cid: $cid, name: $name) { slice(spec: $spec, format: $format, inlineLimit: $inlineLimit) {
    __typename
    ... on InlineSlice { shape format byteLength base64 values }
    ... on DownloadLink { url byteLength contentType }
    ... on Error { message code }
  } } }`;

async function slice(cid: string, name: string | null, spec: string, format: string, inlineLimit?: number) {
  const answer = await post(yoga, SLICE, { cid, name, spec, format, inlineLimit });
  assert.is(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
  return answer.body.data!.tensor.slice;
}

function checkLink(url: string): URL {
  const parsed = new URL(url);
  assert.is(parsed.origin, 'https://tensors.example.com');
  assert.ok(verifyRequest(parsed.pathname, parsed.searchParams, { ring }).ok, url);
  return parsed;
}

test('ARROW inline: the base64 is a stream tableFromIPC reads, C order, negative steps included', async () => {
  const answer = await slice(model.cid, 'weights', '::-2, 1:4', 'ARROW');
  assert.is(answer.__typename, 'InlineSlice');
  assert.is(answer.format, 'ARROW');
  const bytes = Buffer.from(answer.base64, 'base64');
  assert.is(answer.byteLength, bytes.byteLength);
  const table = tableFromIPC(bytes);
  assert.equal([...(table.getChild('data')!.toArray() as Float32Array)], [16, 17, 18, 6, 7, 8]);
  assert.equal(JSON.parse(table.schema.metadata.get('shape')!), [2, 3]);
  assert.equal(answer.values, [16, 17, 18, 6, 7, 8]);
  const mask = tableFromIPC(Buffer.from((await slice(model.cid, 'mask', '', 'ARROW')).base64, 'base64'));
  assert.equal([...mask.getChild('data')!.toArray()], [true, false, true]);
});

test('SAFETENSORS inline: a standalone file of the one tensor; a column-major tensor comes in C order', async () => {
  const answer = await slice(fortran.cid, null, '', 'SAFETENSORS');
  const bytes = Buffer.from(answer.base64, 'base64');
  const parsed = parseSafetensors(bytes, bytes.byteLength);
  assert.equal(parsed.tensors.map((t) => [t.name, t.dtype, t.shape]), [['fortran', 'F32', [2, 3]]]);
  const at = parsed.tensors[0]!.byteOffset;
  assert.equal([...new Float32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + 24))], [0, 1, 2, 3, 4, 5]);
});

test('above the inline limit: a link whose byteLength is the formatted answer\'s', async () => {
  const inline = await slice(model.cid, 'big', '0:2', 'ARROW');
  const linked = await slice(model.cid, 'big', '0:2', 'ARROW', 0);
  assert.is(linked.__typename, 'DownloadLink');
  assert.is(linked.byteLength, inline.byteLength);
  assert.is(linked.contentType, 'application/vnd.apache.arrow.stream');
  const url = checkLink(linked.url);
  assert.is(url.searchParams.get('format'), 'arrow');
  const safetensors = await slice(model.cid, 'big', '', 'SAFETENSORS');
  assert.is(safetensors.__typename, 'DownloadLink');
  assert.ok(safetensors.byteLength > 256 * 256 * 4);
  const download = await post(yoga, `query($cid: CID!) { tensor(cid: $cid, name: "big") { downloadLink(format: ARROW) { ... on DownloadLink { url byteLength } } } }`, { cid: model.cid });
  assert.is(download.body.data!.tensor.downloadLink.byteLength, (await slice(model.cid, 'big', '', 'ARROW', 0)).byteLength);
});

test('subsetLink: a signed /v1/file link naming the tensors; its byteLength is the subset\'s; bad names are errors', async () => {
  const query = `query($cid: CID!, $names: [String!]!) { tensorFile(cid: $cid) { subsetLink(names: $names, expiresIn: 60) { url byteLength contentType } } }`;
  const answer = await post(yoga, query, { cid: model.cid, names: ['half', 'ids'] });
  assert.is(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
  const link = answer.body.data!.tensorFile.subsetLink;
  const url = checkLink(link.url);
  assert.is(url.pathname, `/v1/file/${model.cid}`);
  assert.is(url.searchParams.get('tensors'), 'half,ids');
  // 8-byte length + padded JSON header + 8 + 24 bytes of data.
  assert.ok(link.byteLength > 32 && (link.byteLength - 32) % 8 === 0, String(link.byteLength));
  const missing = await post(yoga, query, { cid: model.cid, names: ['half', 'nope'] });
  assert.match(missing.body.errors![0]!.message, /no tensor named "nope"/);
  const empty = await post(yoga, query, { cid: model.cid, names: [] });
  assert.match(empty.body.errors![0]!.message, /names must list/);
});

test('zarrUrl: a prefix whose signature sits in the path and covers /zarr/<cid>/', async () => {
  const answer = await post(yoga, `query($cid: CID!) { tensorFile(cid: $cid) { zarrUrl(expiresIn: 120) } }`, { cid: model.cid });
  const url = new URL(answer.body.data!.tensorFile.zarrUrl);
  const [, , s, exp, kid, sig, cid, rest] = url.pathname.split('/');
  assert.is(s, 's');
  assert.is(cid, model.cid);
  assert.is(rest, '');
  assert.ok(verifyRequest(`/zarr/${cid}/`, new URLSearchParams({ exp: exp!, kid: kid!, sig: sig! }), { ring }).ok);
  const bad = await post(yoga, `query($cid: CID!) { tensorFile(cid: $cid) { zarrUrl(expiresIn: 0) } }`, { cid: model.cid });
  assert.match(bad.body.errors![0]!.message, /expiresIn/);
});

test.run();
