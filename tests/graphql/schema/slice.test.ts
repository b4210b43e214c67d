// Tensor.slice, TensorFile.byteRange and the download links: inline up to the limit, signed links above it, and
// every typed error they can answer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../../helpers/hooks.ts';
import { verifyRequest } from '../../../src/http/sign.ts';
import type { FileRecord } from '../../../src/store/types.ts';
import { f32, fakeYoga, post, range, seedModel } from '../../helpers/graphql-services.ts';

const { yoga, store, ring } = fakeYoga({ inlineLimit: 1024, maxInlineLimit: 1 << 20, publicUrl: 'https://tensors.example.com' });
let model: FileRecord;
let fortran: FileRecord;
let bf16: FileRecord;

beforeAll(test, () => {
  model = seedModel(store);
  // A 2x3 column-major array: stored 0 3 1 4 2 5 is the logical [[0,1,2],[3,4,5]].
  fortran = store.putRaw(f32([0, 3, 1, 4, 2, 5]), 'F32', [2, 3], 'fortran', { fortranOrder: true });
  bf16 = store.putRaw(Buffer.from([0x80, 0x3f, 0x00, 0xc0]), 'BF16', [2], 'bf');
});

const SLICE = `query($cid: CID!, $name: String, $spec: String!, $format: SliceFormat, $inlineLimit: SafeInt) {
  tensor(cid: $cid, name: $name) { slice(spec: $spec, format: $format, inlineLimit: $inlineLimit) {
    __typename
    ... on InlineSlice { dtype shape elementCount format byteLength base64 values }
    ... on DownloadLink { url expiresAt byteLength contentType rangeHeader }
    ... on Error { message code }
    ... on InvalidSliceError { spec }
    ... on TooLargeError { requested limit }
    ... on InvalidArgumentError { argument }
  } } }`;

async function slice(name: string, spec: string, extra: Record<string, unknown> = {}, cid = model.cid) {
  const answer = await post(yoga, SLICE, { cid, name, spec, ...extra });
  assert.is(answer.status, 200);
  assert.is(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
  return answer.body.data!.tensor.slice;
}

function checkLink(url: string) {
  const parsed = new URL(url);
  assert.is(parsed.origin, 'https://tensors.example.com');
  const verdict = verifyRequest(parsed.pathname, parsed.searchParams, { ring });
  assert.ok(verdict.ok, JSON.stringify(verdict));
  return parsed;
}

test('inline slices: numpy basic indexing, values in C order, base64 of the bytes', async () => {
  const cases: Array<[string, number[], number[]]> = [
    ['', [4, 5], range(20)],
    ['...', [4, 5], range(20)],
    ['1', [5], [5, 6, 7, 8, 9]],
    ['1:3, ::2', [2, 3], [5, 7, 9, 10, 12, 14]],
    [':, -1', [4], [4, 9, 14, 19]],
    ['::-1, 0', [4], [15, 10, 5, 0]],
    ['..., 2', [4], [2, 7, 12, 17]],
    ['2:2', [0, 5], []],
    ['3, 4', [], [19]],
  ];
  for (const [spec, shape, values] of cases) {
    const answer = await slice('weights', spec);
    assert.is(answer.__typename, 'InlineSlice', spec);
    assert.equal(answer.shape, shape, spec);
    assert.equal(answer.values, values, spec);
    assert.is(answer.elementCount, values.length, spec);
    assert.is(answer.byteLength, values.length * 4, spec);
    assert.is(answer.dtype, 'F32');
    assert.is(answer.format, 'RAW');
    assert.equal(Buffer.from(answer.base64, 'base64'), f32(values), spec);
  }
});

test('values: NaN and infinities are null, F16 decoded, I64 as numbers, BOOL as 0/1', async () => {
  assert.equal((await slice('half', '')).values, [1, 2, null, null]);
  assert.equal((await slice('ids', '')).values, [-1, 2 ** 40, 7]);
  assert.equal((await slice('mask', '')).values, [1, 0, 1]);
  assert.equal((await slice('bf', '', {}, bf16.cid)).values, [1, -2]);
});

test('a Fortran-order tensor slices by its logical layout', async () => {
  const whole = await slice('fortran', '', {}, fortran.cid);
  assert.equal(whole.values, [0, 1, 2, 3, 4, 5]);
  assert.equal((await slice('fortran', ':, 1', {}, fortran.cid)).values, [1, 4]);
});

test('a link to a whole column-major tensor asks for its axes, so its bytes come in C order like inline ones', async () => {
  const answer = await slice('fortran', '', { inlineLimit: 0 }, fortran.cid);
  assert.is(answer.__typename, 'DownloadLink');
  assert.is(checkLink(answer.url).searchParams.get('slice'), ':, :');
  const part = await slice('fortran', '1', { inlineLimit: 0 }, fortran.cid);
  assert.is(checkLink(part.url).searchParams.get('slice'), '1');
});

test('format NPY inline: a .npy file (header + data) with the slice shape', async () => {
  const answer = await slice('weights', '1:3, ::2', { format: 'NPY' });
  assert.is(answer.__typename, 'InlineSlice');
  const bytes = Buffer.from(answer.base64, 'base64');
  assert.is(answer.byteLength, bytes.byteLength);
  assert.equal([...bytes.subarray(0, 6)], [0x93, ...Buffer.from('NUMPY')]);
  const headerLength = 10 + bytes.readUInt16LE(8);
  assert.is(headerLength % 64, 0);
  const header = bytes.subarray(10, headerLength).toString('latin1');
  assert.match(header, /'descr': '<f4'/);
  assert.match(header, /'shape': \(2, 3\)/);
  assert.equal(bytes.subarray(headerLength), f32([5, 7, 9, 10, 12, 14]));
  assert.equal(answer.values, [5, 7, 9, 10, 12, 14]);
});

test('format NPY for a dtype NumPy lacks is a typed InvalidArgumentError', async () => {
  const answer = await slice('bf', '', { format: 'NPY' }, bf16.cid);
  assert.is(answer.__typename, 'InvalidArgumentError');
  assert.is(answer.code, 'INVALID_ARGUMENT');
  assert.is(answer.argument, 'format');
  assert.match(answer.message, /NumPy has no BF16 dtype/);
});

test('above the inline limit: a signed link to the tensor route with slice and format', async () => {
  const answer = await slice('big', '0:2', {});
  assert.is(answer.__typename, 'DownloadLink');
  assert.is(answer.byteLength, 2 * 256 * 4);
  assert.is(answer.contentType, 'application/octet-stream');
  assert.is(answer.rangeHeader, null);
  const url = checkLink(answer.url);
  assert.is(url.pathname, `/v1/tensor/${model.cid}/big`);
  assert.is(url.searchParams.get('slice'), '0:2');
  assert.is(url.searchParams.get('format'), 'raw');
  const expires = Date.parse(answer.expiresAt);
  assert.ok(Math.abs(expires - (Date.now() + 900_000)) < 5_000, answer.expiresAt);

  const npy = await slice('big', '0:2', { format: 'NPY' });
  assert.is(npy.__typename, 'DownloadLink');
  assert.is(npy.contentType, 'application/x-npy');
  assert.ok(npy.byteLength > 2 * 256 * 4 && (npy.byteLength - 2048) % 64 === 0, String(npy.byteLength));
  assert.is(checkLink(npy.url).searchParams.get('format'), 'npy');

  const whole = await slice('big', '');
  assert.is(checkLink(whole.url).searchParams.get('slice'), null);
});

test('the inline limit is per request: 0 always links, more inlines more, above the maximum is TooLargeError', async () => {
  assert.is((await slice('weights', '0', { inlineLimit: 0 })).__typename, 'DownloadLink');
  assert.is((await slice('weights', '2:2', { inlineLimit: 0 })).__typename, 'InlineSlice');
  assert.is((await slice('big', '0:2', { inlineLimit: 4096 })).__typename, 'InlineSlice');
  assert.is((await slice('big', '0:4', { inlineLimit: 4096 })).__typename, 'InlineSlice');
  assert.is((await slice('big', '0:5', { inlineLimit: 4096 })).__typename, 'DownloadLink');
  const tooLarge = await slice('big', '', { inlineLimit: 2 ** 40 });
  assert.is(tooLarge.__typename, 'TooLargeError');
  assert.is(tooLarge.code, 'TOO_LARGE');
  assert.is(tooLarge.requested, 2 ** 40);
  assert.is(tooLarge.limit, 1 << 20);
  const negative = await slice('big', '', { inlineLimit: -1 });
  assert.is(negative.__typename, 'InvalidArgumentError');
  assert.is(negative.argument, 'inlineLimit');
});

test('bad specs are typed InvalidSliceErrors that say what and where', async () => {
  const cases: Array<[string, RegExp]> = [
    ['9', /out of bounds/],
    [':, :, :', /too many indices/],
    ['a:b', /./],
    ['1:2:0', /./],
    ['x'.repeat(2000), /longer than 1024 characters/],
  ];
  for (const [spec, message] of cases) {
    const answer = await slice('weights', spec);
    assert.is(answer.__typename, 'InvalidSliceError', spec);
    assert.is(answer.code, 'INVALID_SLICE');
    assert.match(answer.message, message, spec);
    assert.ok(answer.spec.length <= 1024);
  }
});

test('a slice spec argument of the wrong type is a validation error, not a 500', async () => {
  const answer = await post(yoga, SLICE, { cid: model.cid, name: 'weights', spec: 12 });
  assert.ok(answer.status >= 400 && answer.status < 500, String(answer.status));
});

const RANGE = `query($cid: CID!, $start: SafeInt!, $end: SafeInt, $inlineLimit: SafeInt) {
  tensorFile(cid: $cid) { size byteRange(start: $start, end: $end, inlineLimit: $inlineLimit) {
    __typename
    ... on InlineBytes { start end byteLength base64 }
    ... on DownloadLink { url byteLength contentType rangeHeader }
    ... on InvalidRangeError { size }
    ... on Error { message code }
  } } }`;

async function byteRange(vars: Record<string, unknown>) {
  const answer = await post(yoga, RANGE, { cid: model.cid, ...vars });
  assert.is(answer.status, 200);
  assert.is(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
  return answer.body.data!.tensorFile.byteRange;
}

test('byteRange inline: [start, end) of the file; end defaults to the size', async () => {
  const bytes = store.bytesOf(model.cid);
  const head = await byteRange({ start: 0, end: 8 });
  assert.equal({ ...head, base64: undefined }, { __typename: 'InlineBytes', start: 0, end: 8, byteLength: 8, base64: undefined });
  assert.equal(Buffer.from(head.base64, 'base64'), bytes.subarray(0, 8));
  const tail = await byteRange({ start: model.size - 10 });
  assert.is(tail.end, model.size);
  assert.equal(Buffer.from(tail.base64, 'base64'), bytes.subarray(model.size - 10));
  const empty = await byteRange({ start: 5, end: 5 });
  assert.equal([empty.byteLength, empty.base64], [0, '']);
});

test('byteRange above the limit: a link to the blob plus the Range header to send', async () => {
  const answer = await byteRange({ start: 100, end: 5000 });
  assert.is(answer.__typename, 'DownloadLink');
  assert.is(answer.byteLength, 4900);
  assert.is(answer.rangeHeader, 'bytes=100-4999');
  assert.is(checkLink(answer.url).pathname, `/v1/blob/${model.cid}`);
  const whole = await byteRange({ start: 0 });
  assert.is(whole.rangeHeader, null);
  assert.is(whole.byteLength, model.size);
});

test('byteRange outside the file is a typed InvalidRangeError with the size', async () => {
  for (const vars of [{ start: -1, end: 2 }, { start: 10, end: 5 }, { start: 0, end: model.size + 1 }, { start: model.size + 1 }]) {
    const answer = await byteRange(vars);
    assert.is(answer.__typename, 'InvalidRangeError', JSON.stringify(vars));
    assert.is(answer.code, 'INVALID_RANGE');
    assert.is(answer.size, model.size);
  }
  assert.is((await byteRange({ start: 0, inlineLimit: 2 ** 50 })).__typename, 'TooLargeError');
});

test('a byte offset beyond 2^53 is refused by the SafeInt scalar, not a 500', async () => {
  const answer = await post(yoga, RANGE, { cid: model.cid, start: 2 ** 60 });
  assert.ok(answer.status >= 400 && answer.status < 500, String(answer.status));
  assert.match(answer.body.errors![0]!.message, /SafeInt/);
});

test('downloadLink of a file and of a tensor: signed, sized, expiring as asked', async () => {
  const query = `query($cid: CID!, $expiresIn: Int) {
    tensorFile(cid: $cid) { downloadLink(expiresIn: $expiresIn) { ... on DownloadLink { url expiresAt byteLength contentType rangeHeader } } }
    tensor(cid: $cid, name: "weights") { raw: downloadLink { ... on DownloadLink { url byteLength contentType } } npy: downloadLink(format: NPY, expiresIn: $expiresIn) { ... on DownloadLink { url byteLength contentType } } }
  }`;
  const answer = await post(yoga, query, { cid: model.cid, expiresIn: 60 });
  const { tensorFile, tensor } = answer.body.data!;
  assert.is(checkLink(tensorFile.downloadLink.url).pathname, `/v1/blob/${model.cid}`);
  assert.is(tensorFile.downloadLink.byteLength, model.size);
  assert.ok(Math.abs(Date.parse(tensorFile.downloadLink.expiresAt) - (Date.now() + 60_000)) < 5_000);
  assert.is(checkLink(tensor.raw.url).pathname, `/v1/tensor/${model.cid}/weights`);
  assert.equal([tensor.raw.byteLength, tensor.raw.contentType], [80, 'application/octet-stream']);
  assert.is(checkLink(tensor.npy.url).searchParams.get('format'), 'npy');
  assert.equal([tensor.npy.byteLength, tensor.npy.contentType], [128 + 80, 'application/x-npy']);
});

test('downloadLink with an expiry out of range is a typed error in its union (the file and tensor still answer)', async () => {
  for (const expiresIn of [0, -5, 8 * 24 * 3600]) {
    const answer = await post(
      yoga,
      'query($cid: CID!, $e: Int) { tensorFile(cid: $cid) { cid downloadLink(expiresIn: $e) { __typename ... on InvalidArgumentError { code message argument } } } tensor(cid: $cid, name: "weights") { name downloadLink(expiresIn: $e) { __typename ... on Error { code } } } }',
      { cid: model.cid, e: expiresIn },
    );
    assert.is(answer.status, 200);
    assert.is(answer.body.errors, undefined, String(expiresIn));
    const { tensorFile, tensor } = answer.body.data!;
    assert.is(tensorFile.cid, model.cid);
    assert.equal([tensorFile.downloadLink.__typename, tensorFile.downloadLink.code, tensorFile.downloadLink.argument], ['InvalidArgumentError', 'INVALID_ARGUMENT', 'expiresIn']);
    assert.match(tensorFile.downloadLink.message, /expiresIn must be between 1 and 604800 seconds/);
    assert.equal([tensor.name, tensor.downloadLink.code], ['weights', 'INVALID_ARGUMENT']);
  }
});

test('a tensor whose name the download route refuses still slices inline; its link answer is a typed error', async () => {
  const odd = store.putSafetensors([{ name: '../escape', dtype: 'F32', shape: [300], data: f32(range(300)) }], undefined, 'odd.safetensors');
  const inline = await slice('../escape', '0:3', {}, odd.cid);
  assert.equal(inline.values, [0, 1, 2]);
  const linked = await slice('../escape', '', {}, odd.cid);
  assert.is(linked.__typename, 'InvalidArgumentError');
  assert.is(linked.argument, 'name');
  assert.match(linked.message, /cannot be served by the download route/);
});

test('links are made absolute against the request origin when no public URL is configured', async () => {
  const local = fakeYoga();
  const file = local.store.putRaw(f32(range(4)), 'F32', [4], 'v');
  const response = await local.yoga.fetch('http://127.0.0.1:8123/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'query($cid: CID!) { tensorFile(cid: $cid) { downloadLink { ... on DownloadLink { url } } } }', variables: { cid: file.cid } }),
  });
  const body = await response.json();
  assert.ok(body.data.tensorFile.downloadLink.url.startsWith(`http://127.0.0.1:8123/v1/blob/${file.cid}?`), body.data.tensorFile.downloadLink.url);
});

test.run();
