// TensorService through the generated TypeScript client, over a store of the shared fixtures: pages and lookups
// agree with the store; ReadSlice sends what the download route's rule says a slice is (tensorPayload, the CLI's
// reader, and numpy for the .npy answers), in chunks of at most 1 MiB, resumable at any offset; ReadRange the
// object's bytes; AddFile the same atomic ingest as `ipfrs add`; every expected failure has its status code and
// GraphQL's message.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { Metadata, status } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cidOfBytes } from '../../src/store/cid.ts';
import { tensorPayload } from '../../src/store/tensor-payload.ts';
import { formattedPayload, partBuffers } from '../../src/store/format-payload.ts';
import { tableFromIPC } from 'apache-arrow';
import { planSlice } from '../../src/tensor/slice.ts';
import type { AddFileRequest } from '../../src/grpc/generated/ipfrs/v1/AddFileRequest.ts';
import type { ReadSliceRequest } from '../../src/grpc/generated/ipfrs/v1/ReadSliceRequest.ts';
import type { ReadSliceResponse__Output } from '../../src/grpc/generated/ipfrs/v1/ReadSliceResponse.ts';
import type { TensorFile__Output } from '../../src/grpc/generated/ipfrs/v1/TensorFile.ts';
import { bearer, call, collect, failure, startGrpcFixture, TOKENS, type GrpcFixture } from '../helpers/grpc.ts';
import { fixtureFiles, tempDir } from '../../src/devkit/paths.ts';
import { checkWithNumpy, type NumpyCase } from '../helpers/python.ts';

const MiB = 1024 * 1024;
let dir: ReturnType<typeof tempDir>;
let fx: GrpcFixture;
const sources = new Map<string, string>();
let bigCid = '';

beforeAll(test, async () => {
  dir = tempDir('ipfrs-grpc-tensors-');
  fx = await startGrpcFixture(join(dir.path, 'store'), { maxUploadBytes: 4 * MiB });
  for (const path of fixtureFiles()) {
    const { file } = await fx.store.add(path);
    sources.set(file.cid, path);
  }
  // 3 MiB of F32 [768, 1024]: several default chunks.
  const big = join(dir.path, 'big.bin');
  writeFileSync(big, randomBytes(3 * MiB));
  bigCid = (await fx.store.add(big, { dtype: 'F32', shape: [768, 1024], name: 'big' })).file.cid;
});

test.after(async () => {
  await fx.close();
  dir.cleanup();
});

const t = () => fx.clients.tensors;
const readSlice = (request: ReadSliceRequest) => collect<ReadSliceResponse__Output>(t().ReadSlice(request));
/** The header, and the data messages joined. */
function joined(messages: ReadSliceResponse__Output[]) {
  assert.is(messages[0]?.part, 'header');
  for (const m of messages.slice(1)) assert.is(m.part, 'data');
  return { header: messages[0]!.header!, data: Buffer.concat(messages.slice(1).map((m) => m.data!)), chunks: messages.slice(1).map((m) => m.data!.byteLength) };
}

test('ListFiles pages through every file; GetFile answers each as the store has it', async () => {
  const seen: TensorFile__Output[] = [];
  let token = '';
  do {
    const page = await call(t().ListFiles.bind(t()), { page_size: 3, page_token: token });
    assert.ok(page.files.length <= 3);
    seen.push(...page.files);
    token = page.next_page_token;
  } while (token);
  assert.equal(seen.map((f) => f.cid).sort(), [...sources.keys(), bigCid].sort());
  for (const file of seen) {
    const record = fx.store.getFile(file.cid)!;
    const got = await call(t().GetFile.bind(t()), { cid: file.cid });
    assert.equal(got, file);
    assert.is(got.size, record.size);
    assert.is(got.tensor_count, record.tensorCount);
    assert.is(got.format, `FILE_FORMAT_${record.format.toUpperCase()}`);
    assert.equal(got.metadata, record.metadata ?? {});
    // The UnixFS root, as GraphQL's TensorFile.ipfsCid: the file's own CID up to 1 MiB, a dag-pb root above.
    assert.is(got.ipfs_cid, fx.store.ipfsCidOf(file.cid));
    if (record.size <= 1 << 20) assert.is(got.ipfs_cid, file.cid);
    else assert.match(got.ipfs_cid, /^bafybei[a-z2-7]{52}$/);
  }
  assert.ok(seen.some((f) => f.cid === bigCid && f.ipfs_cid !== bigCid), 'the 3 MiB file has a root of its own');
});

test('ListTensors filters by file, dtype and name prefix; GetTensor finds each, the name optional for one-tensor files', async () => {
  const [cid, path] = [...sources].find(([, p]) => p.endsWith('model.safetensors'))!;
  const all = await call(t().ListTensors.bind(t()), { cid, page_size: 1000 });
  assert.equal(all.tensors.map((x) => x.name), fx.store.tensorsOf(cid).map((x) => x.name), basename(path));
  const first = all.tensors[0]!;
  const byPrefix = await call(t().ListTensors.bind(t()), { name_prefix: first.name, dtype: first.dtype, page_size: 1000 });
  assert.ok(byPrefix.tensors.every((x) => x.name.startsWith(first.name) && x.dtype === first.dtype));
  assert.ok(byPrefix.tensors.some((x) => x.cid === cid && x.name === first.name));
  const got = await call(t().GetTensor.bind(t()), { cid, name: first.name });
  const record = fx.store.getTensor(cid, first.name)!;
  assert.equal([got.dtype, got.shape, got.strides, got.byte_offset, got.byte_length, got.element_count], [record.dtype, record.shape, record.strides, record.byteOffset, record.byteLength, record.elementCount]);
  const npy = [...sources].find(([, p]) => p.endsWith('.npy'))![0];
  assert.is((await call(t().GetTensor.bind(t()), { cid: npy })).cid, npy);
});

test('ReadSlice: the bytes of tensorPayload (the CLI and route rule), raw and npy, for a table of specs', async () => {
  const specs = ['', '0', '-1', '::2', '1:3', '::-1', '..., 0', '..., ::-2', '0:1, ...'];
  let compared = 0;
  for (const cid of sources.keys()) {
    for (const tensor of fx.store.tensorsOf(cid).slice(0, 6)) {
      for (const spec of specs) {
        for (const format of ['raw', 'npy'] as const) {
          let expected: Buffer;
          try {
            expected = Buffer.concat(tensorPayload(fx.reader, tensor, { slice: spec, format }).parts);
          } catch {
            continue; // a spec that does not fit this tensor: its error is tested below
          }
          const { header, data } = joined(await readSlice({ cid, name: tensor.name, spec, format: format === 'npy' ? 'SLICE_FORMAT_NPY' : 'SLICE_FORMAT_RAW' }));
          assert.ok(data.equals(expected), `${tensor.name}[${spec}] ${format}`);
          assert.is(header.byte_length, expected.byteLength);
          assert.is(header.dtype, tensor.dtype);
          compared++;
        }
      }
    }
  }
  assert.ok(compared > 100, `${compared} slices compared`);
});

test('ReadSlice .npy answers equal numpy\'s own indexing of the fixture files', async () => {
  const cases: NumpyCase[] = [];
  const out = join(dir.path, 'npy');
  mkdirSync(out, { recursive: true });
  for (const [cid, path] of sources) {
    for (const tensor of fx.store.tensorsOf(cid).slice(0, 3)) {
      for (const spec of ['', '::-1', '0', '..., ::2']) {
        if (!['F32', 'F64', 'F16', 'I32', 'I64', 'U8', 'I8', 'BOOL', 'U16', 'I16', 'U32', 'U64'].includes(tensor.dtype)) continue;
        try {
          planSlice(tensor, spec);
        } catch {
          continue;
        }
        const { data } = joined(await readSlice({ cid, name: tensor.name, spec, format: 'SLICE_FORMAT_NPY', chunk_size: 4096 }));
        const file = join(out, `${cases.length}.npy`);
        writeFileSync(file, data);
        cases.push({ source: path.endsWith('.npy') ? { path } : { path, name: tensor.name }, spec, npy: file });
      }
    }
  }
  assert.ok(cases.length > 20, `${cases.length} cases`);
  const verdicts = checkWithNumpy(cases);
  verdicts.forEach((v, i) => assert.ok(v.ok, `${cases[i]!.source.path} ${cases[i]!.source.name}[${cases[i]!.spec}]: ${v.detail}`));
});

test('ReadSlice chunks: at most 1 MiB by default, chunk_size when asked; a strided slice too', async () => {
  const whole = joined(await readSlice({ cid: bigCid, name: 'big' }));
  assert.equal(whole.chunks, [MiB, MiB, MiB]);
  assert.ok(whole.data.equals(fx.reader.tensorBytes(fx.store.getTensor(bigCid, 'big')!)));
  const small = joined(await readSlice({ cid: bigCid, name: 'big', spec: '0:2', chunk_size: 3000 }));
  assert.equal(small.chunks, [3000, 3000, 2192]);
  const strided = joined(await readSlice({ cid: bigCid, name: 'big', spec: '::-1, ::3' }));
  assert.ok(strided.chunks.every((n) => n <= MiB));
  assert.ok(strided.data.equals(Buffer.concat(tensorPayload(fx.reader, fx.store.getTensor(bigCid, 'big')!, { slice: '::-1, ::3' }).parts)));
  assert.equal(strided.header.shape, [768, 342]);
});

test('ReadSlice ARROW and SAFETENSORS: the bytes of the route\'s formatted answer (format-payload.ts), resumable', async () => {
  const tensor = fx.store.getTensor(bigCid, 'big')!;
  for (const [format, name] of [['SLICE_FORMAT_ARROW', 'arrow'], ['SLICE_FORMAT_SAFETENSORS', 'safetensors']] as const) {
    for (const spec of ['', '::-5, 3:9']) {
      const expected = Buffer.concat(partBuffers(fx.reader, bigCid, formattedPayload(fx.reader, tensor, { slice: spec, format: name }).parts()));
      const { header, data } = joined(await readSlice({ cid: bigCid, name: 'big', spec, format }));
      assert.ok(data.equals(expected), `${name} [${spec}]`);
      assert.is(Number(header.byte_length), expected.byteLength);
      assert.is(header.format, format);
      assert.is(header.little_endian, true);
      const rest = joined(await readSlice({ cid: bigCid, name: 'big', spec, format, offset: 1000 })).data;
      assert.ok(rest.equals(expected.subarray(1000)));
    }
  }
  const arrow = joined(await readSlice({ cid: bigCid, name: 'big', spec: '-1, ::-256', format: 'SLICE_FORMAT_ARROW' })).data;
  const values = [...(tableFromIPC(arrow).getChild('data')!.toArray() as Float32Array)];
  const row = new Float32Array(fx.reader.tensorBytes(tensor).buffer.slice(fx.reader.tensorBytes(tensor).byteOffset + 767 * 4096, fx.reader.tensorBytes(tensor).byteOffset + 768 * 4096));
  assert.equal(values, [1023, 767, 511, 255].map((j) => row[j]!));
});

test('ReadSlice offset resumes: the rest of the answer from any byte, header first with the same length', async () => {
  const full = joined(await readSlice({ cid: bigCid, name: 'big', spec: '::2', format: 'SLICE_FORMAT_NPY' })).data;
  for (const offset of [0, 1, 127, 128, MiB - 1, MiB + 5, full.byteLength - 1, full.byteLength]) {
    const { header, data } = joined(await readSlice({ cid: bigCid, name: 'big', spec: '::2', format: 'SLICE_FORMAT_NPY', offset }));
    assert.is(header.offset, offset);
    assert.is(header.byte_length, full.byteLength);
    assert.ok(data.equals(full.subarray(offset)), `offset ${offset}`);
  }
  const error = await failure(readSlice({ cid: bigCid, name: 'big', offset: 3 * MiB + 1 }));
  assert.is(error.code, status.OUT_OF_RANGE);
  assert.is(error.details, `offset ${3 * MiB + 1} is past the end of the answer (${3 * MiB} bytes)`);
});

test('ReadRange: the object\'s bytes with their offsets; end optional; outside the file is OUT_OF_RANGE', async () => {
  for (const [cid, path] of [...sources].slice(0, 4)) {
    const bytes = readFileSync(path);
    const messages = await collect(t().ReadRange({ cid, start: 3, chunk_size: 1000 }));
    assert.ok(Buffer.concat(messages.map((m) => m.data)).equals(bytes.subarray(3)), path);
    assert.equal(messages.map((m) => m.offset), messages.map((_, i) => 3 + i * 1000));
    const part = await collect(t().ReadRange({ cid, start: 1, end: 9 }));
    assert.ok(Buffer.concat(part.map((m) => m.data)).equals(bytes.subarray(1, 9)));
  }
  const size = fx.store.getFile(bigCid)!.size;
  const error = await failure(collect(t().ReadRange({ cid: bigCid, start: 10, end: size + 1 })));
  assert.is(error.code, status.OUT_OF_RANGE);
  assert.is(error.details, `the range 10-${size + 1} is not within the file: 0 <= start <= end <= ${size}`);
  assert.is((await failure(collect(t().ReadRange({ cid: bigCid, start: 10, end: 5 })))).code, status.OUT_OF_RANGE);
});

test('status codes with GraphQL\'s messages: bad CID, bad spec, unknown file and tensor, ambiguous name, npy of BF16, bad chunk and page sizes', async () => {
  const bad = await failure(call(t().GetFile.bind(t()), { cid: 'bafy-not-a-cid' }));
  assert.is(bad.code, status.INVALID_ARGUMENT);
  assert.is(bad.details, 'not a CID of this store (CIDv1, sha2-256, base32, raw "bafkrei..." or dag-pb "bafybei..."): "bafy-not-a-cid"');
  const absent = cidOfBytes(Buffer.from('not stored'));
  const missing = await failure(call(t().GetFile.bind(t()), { cid: absent }));
  assert.equal([missing.code, missing.details], [status.NOT_FOUND, `no file with CID ${absent}`]);
  assert.is((await failure(collect(t().ReadRange({ cid: absent })))).code, status.NOT_FOUND);
  const noTensor = await failure(readSlice({ cid: bigCid, name: 'nope' }));
  assert.equal([noTensor.code, noTensor.details], [status.NOT_FOUND, `file ${bigCid} has no tensor named "nope"`]);
  assert.is((await failure(call(t().GetTensor.bind(t()), { cid: bigCid, name: 'nope' }))).code, status.NOT_FOUND);

  let message = '';
  try {
    planSlice(fx.store.getTensor(bigCid, 'big')!, '0:2, 5000');
  } catch (error) {
    message = (error as Error).message;
  }
  const spec = await failure(readSlice({ cid: bigCid, name: 'big', spec: '0:2, 5000' }));
  assert.equal([spec.code, spec.details], [status.INVALID_ARGUMENT, message]);
  assert.is((await failure(readSlice({ cid: bigCid, name: 'big', spec: '0:2:0' }))).code, status.INVALID_ARGUMENT);
  assert.is((await failure(readSlice({ cid: bigCid, name: 'big', spec: 'x'.repeat(2000) }))).details, 'the slice spec is longer than 1024 characters');

  const multi = [...sources.keys()].find((cid) => fx.store.tensorsOf(cid).length > 1)!;
  const ambiguous = await failure(call(t().GetTensor.bind(t()), { cid: multi }));
  assert.is(ambiguous.code, status.INVALID_ARGUMENT);
  assert.match(ambiguous.details, /holds \d+ tensors: give a tensor name/);

  const bf16 = [...sources.keys()].flatMap((cid) => fx.store.tensorsOf(cid)).find((x) => x.dtype === 'BF16');
  if (bf16) {
    const npy = await failure(readSlice({ cid: bf16.cid, name: bf16.name, format: 'SLICE_FORMAT_NPY' }));
    assert.equal([npy.code, npy.details], [status.INVALID_ARGUMENT, 'NumPy has no BF16 dtype: ask for format raw (2 bytes per element)']);
  }
  assert.is((await failure(readSlice({ cid: bigCid, name: 'big', chunk_size: 8 * MiB }))).code, status.INVALID_ARGUMENT);
  assert.is((await failure(call(t().ListFiles.bind(t()), { page_size: 5000 }))).code, status.INVALID_ARGUMENT);
  assert.is((await failure(call(t().ListFiles.bind(t()), { page_token: 'garbage' }))).code, status.INVALID_ARGUMENT);
  assert.is((await failure(call(t().ListTensors.bind(t()), { dtype: 'F128' }))).code, status.INVALID_ARGUMENT);
  assert.equal(fx.errors, [], 'nothing unexpected was logged');
});

test('requests that are not valid protobuf, and numbers past 2^53, are INVALID_ARGUMENT or OUT_OF_RANGE, never INTERNAL', async () => {
  const raw = t();
  const garbage = Buffer.from([0xff, 0xff, 0xff, 0xff]);
  const unary = (path: string) =>
    new Promise<{ code: number; details: string }>((resolve) =>
      raw.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, garbage, (error) => resolve(error as unknown as { code: number; details: string })),
    );
  for (const method of ['GetFile', 'ListFiles', 'ListTensors', 'GetTensor', 'DeleteFile']) {
    const error = await unary(`/ipfrs.v1.TensorService/${method}`);
    assert.is(error.code, status.INVALID_ARGUMENT, method);
    assert.match(error.details, /^the request is not a valid protobuf message of its type/);
  }
  const streamed = await new Promise<{ code: number }>((resolve) => {
    const stream = raw.makeServerStreamRequest('/ipfrs.v1.TensorService/ReadSlice', (b: Buffer) => b, (b: Buffer) => b, garbage);
    stream.on('error', resolve);
    stream.on('data', () => {});
  });
  assert.is(streamed.code, status.INVALID_ARGUMENT);
  const upload = await new Promise<{ code: number }>((resolve) => {
    const stream = raw.makeClientStreamRequest('/ipfrs.v1.TensorService/AddFile', (b: Buffer) => b, (b: Buffer) => b, bearer(TOKENS.write), {}, (error) => resolve(error as unknown as { code: number }));
    stream.write(garbage);
    stream.end();
  });
  assert.is(upload.code, status.INVALID_ARGUMENT);
  const huge = 2 ** 64 - 1;
  assert.is((await failure(readSlice({ cid: bigCid, name: 'big', offset: huge }))).code, status.OUT_OF_RANGE);
  assert.is((await failure(collect(t().ReadRange({ cid: bigCid, start: huge })))).code, status.OUT_OF_RANGE);
  assert.is((await failure(readSlice({ cid: bigCid, name: 'big', chunk_size: 2 ** 32 - 1 }))).code, status.INVALID_ARGUMENT);
  assert.is((await failure(call(t().ListTensors.bind(t()), { page_size: 2 ** 32 - 1 }))).code, status.INVALID_ARGUMENT);
  assert.is((await failure(addFile({ dtype: 'U8', shape: [huge] }, Buffer.alloc(8), TOKENS.write))).code, status.INVALID_ARGUMENT);
  assert.equal(fx.errors, []);
});

/** An AddFile call: metadata, then the bytes in `chunk`-byte messages. */
function addFile(metadata: AddFileRequest['metadata'], bytes: Buffer, token: string | null, chunk = 64 * 1024): Promise<TensorFile__Output> {
  return new Promise((resolve, reject) => {
    const stream = t().AddFile(token ? bearer(token) : new Metadata(), (error, file) => (error ? reject(error) : resolve(file!)));
    stream.write({ metadata });
    for (let at = 0; at < bytes.byteLength; at += chunk) stream.write({ data: bytes.subarray(at, at + chunk) });
    stream.end();
  });
}

test('AddFile: a safetensors file and raw bytes, as `ipfrs add` stores them; again is idempotent', async () => {
  const path = [...sources.values()].find((p) => p.endsWith('model.safetensors'))!;
  const bytes = readFileSync(path);
  const again = await addFile({ name: 'model.safetensors' }, bytes, TOKENS.write, 1000);
  assert.is(again.cid, cidOfBytes(bytes));
  assert.is(again.format, 'FILE_FORMAT_SAFETENSORS');
  assert.is(again.ipfs_cid, again.cid, 'a file of at most 1 MiB is its own UnixFS root');
  const raw = randomBytes(4 * 6 * 8);
  const file = await addFile({ name: 'r', format: 'FILE_FORMAT_RAW', dtype: 'I64', shape: [4, 6] }, raw, TOKENS.admin);
  assert.equal([file.cid, file.format, file.size, file.source_name], [cidOfBytes(raw), 'FILE_FORMAT_RAW', raw.byteLength, 'r']);
  const tensor = await call(t().GetTensor.bind(t()), { cid: file.cid });
  assert.equal([tensor.name, tensor.dtype, tensor.shape], ['r', 'I64', [4, 6]]);
  assert.ok(joined(await readSlice({ cid: file.cid })).data.equals(raw));
});

test('AddFile refusals: tokens and scopes, metadata first, bad raw declarations, over the upload limit; nothing is left behind', async () => {
  const objects = () => readdirSync(join(dir.path, 'store', 'objects')).sort();
  const before = objects();
  const bytes = randomBytes(1000);
  const none = await failure(addFile({ name: 'a', dtype: 'U8', shape: [1000] }, bytes, null));
  assert.equal([none.code, none.details], [status.UNAUTHENTICATED, 'AddFile needs the write scope: send "Authorization: Bearer <token>" with a token that has the write scope']);
  assert.is((await failure(addFile({ dtype: 'U8', shape: [1000] }, bytes, 'ipfrs_unknown'))).code, status.UNAUTHENTICATED);
  const denied = await failure(addFile({ dtype: 'U8', shape: [1000] }, bytes, TOKENS.none));
  assert.equal([denied.code, denied.details], [status.PERMISSION_DENIED, 'AddFile needs the write scope, which this token does not have']);
  assert.is((await failure(addFile({ dtype: 'U8', shape: [999] }, bytes, TOKENS.write))).code, status.INVALID_ARGUMENT);
  assert.is((await failure(addFile({ dtype: 'Q8', shape: [1000] }, bytes, TOKENS.write))).code, status.INVALID_ARGUMENT);
  assert.is((await failure(addFile({ format: 'FILE_FORMAT_RAW' }, bytes, TOKENS.write))).details, 'raw bytes need both a dtype and a shape');
  assert.is((await failure(addFile({ format: 'FILE_FORMAT_NPY' }, bytes, TOKENS.write))).code, status.INVALID_ARGUMENT);
  assert.is((await failure(addFile({ name: 'a\nb', dtype: 'U8', shape: [1000] }, bytes, TOKENS.write))).code, status.INVALID_ARGUMENT);
  const huge = await failure(addFile({ dtype: 'U8', shape: [5 * MiB] }, Buffer.alloc(5 * MiB), TOKENS.write, MiB));
  assert.is(huge.code, status.RESOURCE_EXHAUSTED);
  const dataFirst = await failure(
    new Promise((resolve, reject) => {
      const stream = t().AddFile(bearer(TOKENS.write), (error, file) => (error ? reject(error) : resolve(file)));
      stream.write({ data: bytes });
      stream.end();
    }),
  );
  assert.is(dataFirst.code, status.INVALID_ARGUMENT);
  assert.equal(objects(), before, 'no object was added');
  assert.equal(readdirSync(join(dir.path, 'store', 'tmp')), []);
  assert.equal(fx.errors, []);
});

test('AddFile cancelled mid-upload: nothing is stored, no temp file is left, nothing unexpected is logged', async () => {
  const objects = () => readdirSync(join(dir.path, 'store', 'objects')).sort();
  const before = objects();
  const done = new Promise((resolve) => {
    const stream = t().AddFile(bearer(TOKENS.write), (error) => resolve(error));
    stream.write({ metadata: { name: 'cut', dtype: 'U8', shape: [MiB] } });
    stream.write({ data: Buffer.alloc(64 * 1024, 1) }, () => setTimeout(() => stream.cancel(), 50));
  });
  assert.is(((await done) as { code: number }).code, status.CANCELLED);
  for (let i = 0; i < 20 && readdirSync(join(dir.path, 'store', 'tmp')).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(objects(), before);
  assert.equal(readdirSync(join(dir.path, 'store', 'tmp')), []);
  assert.equal(fx.errors, []);
});

test('DeleteFile needs write; deletes the file and its cache entry; a second delete says false', async () => {
  const raw = randomBytes(64);
  const { cid } = await addFile({ name: 'gone', dtype: 'U8', shape: [64] }, raw, TOKENS.write);
  await readSlice({ cid });
  assert.is((await failure(call(t().DeleteFile.bind(t()), { cid }))).code, status.UNAUTHENTICATED);
  assert.is((await failure(call(t().DeleteFile.bind(t()), { cid }, bearer(TOKENS.none)))).code, status.PERMISSION_DENIED);
  assert.equal(await call(t().DeleteFile.bind(t()), { cid }, bearer(TOKENS.write)), { cid, deleted: true });
  assert.not.ok(fx.cache.has(fx.store.objectPath(cid)));
  assert.is((await failure(call(t().GetFile.bind(t()), { cid }))).code, status.NOT_FOUND);
  assert.equal(await call(t().DeleteFile.bind(t()), { cid }, bearer(TOKENS.write)), { cid, deleted: false });
});

test('an object changed on disk is UNAVAILABLE, with the message GraphQL gives (no server path)', async () => {
  const raw = randomBytes(4096);
  const { cid } = await addFile({ name: 'victim', dtype: 'U8', shape: [4096] }, raw, TOKENS.write);
  truncateSync(fx.store.objectPath(cid), 100);
  const error = await failure(readSlice({ cid }));
  assert.equal([error.code, error.details], [status.UNAVAILABLE, `the object of ${cid} changed on disk (100 bytes, expected 4096); run ipfrs verify`]);
  assert.is((await failure(collect(t().ReadRange({ cid })))).code, status.UNAVAILABLE);
  fx.errors.length = 0; // logged for the operator, as it should be
});

test.run();
