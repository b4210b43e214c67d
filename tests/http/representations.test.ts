// What a download target is in the store (src/http/representations.ts), over a real store without a socket: the
// representation (ETag, length, type, file name, dtype and shape), and the pieces its body is made of.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { bodyViews } from '../../src/http/body.ts';
import { Refusal } from '../../src/http/refusal.ts';
import { resolveBlob, resolveTensor, type Lookups, type Resolved } from '../../src/http/representations.ts';
import { StoreError } from '../../src/store/errors.ts';
import { f32, makeFixture, type Fixture } from '../helpers/download-server.ts';

let fx: Fixture;
let lookups: Lookups;

beforeAll(test, async () => {
  fx = await makeFixture();
  lookups = {
    open: (cid) => fx.reader.open(cid),
    file: (cid) => fx.store.getFile(cid),
    tensor: (cid, name) => fx.store.getTensor(cid, name),
  };
});

test.after(() => fx?.close());

/** The body the pieces make, read as the route reads it. */
function body(resolved: Resolved): Buffer {
  return Buffer.concat([...bodyViews(fx.reader, resolved.pieces(), 0, resolved.rep.length)]);
}

const tensor = (name: string) => ({ kind: 'tensor' as const, cid: fx.model.record.cid, name });

test('a blob: the whole object, ETag its CID, named by CID and format', () => {
  const { resolved, file } = resolveBlob(fx.blob.record.cid, lookups);
  assert.is(resolved.rep.etag, `"${fx.blob.record.cid}"`);
  assert.is(resolved.rep.length, fx.blob.bytes.length);
  assert.is(resolved.rep.contentType, 'application/octet-stream');
  assert.is(resolved.rep.filename, `${fx.blob.record.cid}.bin`);
  assert.is(file.size, fx.blob.bytes.length);
  assert.ok(resolved.reusable);
  assert.ok(body(resolved).equals(fx.blob.bytes));
  const model = resolveBlob(fx.model.record.cid, lookups).resolved;
  assert.is(model.rep.filename, `${fx.model.record.cid}.safetensors`);
  assert.ok(resolved.fixed.includes('ETag'));
});

test('a whole tensor: its stored bytes, one region; dtype and shape in the representation', () => {
  const { resolved } = resolveTensor(tensor('w'), { slice: null, format: 'raw' }, fx.reader, lookups);
  assert.is(resolved.rep.length, 64 * 64 * 4);
  assert.is(resolved.rep.dtype, 'F32');
  assert.equal(resolved.rep.shape, [64, 64]);
  assert.is(resolved.rep.filename, 'w.bin');
  assert.is(resolved.pieces().length, 1);
  assert.ok(body(resolved).equals(Buffer.from(fx.model.w.buffer)));
  for (const whole of ['...', ' : ']) {
    assert.is(resolveTensor(tensor('w'), { slice: whole, format: 'raw' }, fx.reader, lookups).resolved.pieces().length, 1, whole);
  }
});

test('slices: a contiguous one is one region and reusable; a strided one is gathered and not kept', () => {
  const rows = resolveTensor(tensor('w'), { slice: '1:3', format: 'raw' }, fx.reader, lookups).resolved;
  assert.equal(rows.rep.shape, [2, 64]);
  assert.ok(rows.reusable);
  assert.ok(body(rows).equals(Buffer.from(fx.model.w.buffer, 64 * 4, 2 * 64 * 4)));
  assert.is(rows.rep.filename, 'w_1-3.bin');
  const column = resolveTensor(tensor('w'), { slice: ':, 5', format: 'raw' }, fx.reader, lookups).resolved;
  assert.equal(column.rep.shape, [64]);
  assert.not.ok(column.reusable);
  assert.ok(body(column).equals(f32(Array.from({ length: 64 }, (_, r) => r * 64 + 5))));
  const empty = resolveTensor(tensor('w'), { slice: '3:3', format: 'raw' }, fx.reader, lookups).resolved;
  assert.is(empty.rep.length, 0);
  assert.equal(empty.pieces(), []);
});

test('format npy: the header first, the length counts it; a dtype NumPy lacks is a StoreError INVALID_ARGUMENT', () => {
  const npy = resolveTensor(tensor('v'), { slice: '2:5', format: 'npy' }, fx.reader, lookups).resolved;
  const bytes = body(npy);
  assert.is(bytes.length, npy.rep.length);
  assert.ok(bytes.subarray(0, 6).equals(Buffer.from('\x93NUMPY', 'latin1')));
  assert.ok(bytes.subarray(bytes.length - 12).equals(f32([2, 3, 4])));
  assert.is(npy.rep.contentType, 'application/x-npy');
  assert.is(npy.rep.filename, 'v_2-5.npy');
  assert.throws(
    () => resolveTensor(tensor('b'), { slice: null, format: 'npy' }, fx.reader, lookups),
    (e: unknown) => e instanceof StoreError && e.code === 'INVALID_ARGUMENT' && /NumPy has no BF16 dtype/.test(e.message),
  );
});

test('not there: a 404 Refusal that says whether the file or the tensor is missing', () => {
  const missing = 'bafkreigks6arfsq3xxfpvqrrwonchxcnu6do76auprhhfomao6c273sixm';
  const cases: Array<[() => unknown, RegExp]> = [
    [() => resolveBlob(missing, lookups), /^no file with CID/],
    [() => resolveTensor({ kind: 'tensor', cid: missing, name: 'w' }, { slice: null, format: 'raw' }, fx.reader, lookups), /^no file with CID/],
    [() => resolveTensor(tensor('nope'), { slice: null, format: 'raw' }, fx.reader, lookups), /has no tensor named "nope"/],
  ];
  for (const [run, message] of cases) {
    try {
      run();
      assert.unreachable('resolved');
    } catch (error) {
      assert.instance(error, Refusal);
      assert.is((error as Refusal).status, 404);
      assert.match((error as Error).message, message);
    }
  }
});

test.run();
