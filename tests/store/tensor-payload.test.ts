// What bytes a tensor or slice download is (src/store/tensor-payload.ts): the whole-tensor rule, C-order link
// specs, the NumPy dtype refusal, planned lengths and headers, and download file names. Pure: no store, no reader.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { blobFilename, cOrderSpec, isWholeTensor, npyDescrOf, npyHeaderOf, planPayload, tensorFilename } from '../../src/store/tensor-payload.ts';
import { StoreError } from '../../src/store/errors.ts';
import type { TensorRecord } from '../../src/store/types.ts';
import type { DType } from '../../src/tensor/dtype.ts';
import { cStrides, fStrides } from '../../src/tensor/layout.ts';
import { parseNpy } from '../../src/tensor/npy.ts';

/** The tensor numpy.load would see in `header` followed by `dataLength` bytes. */
const read = (header: Buffer, dataLength: number) => {
  const file = Buffer.concat([header, Buffer.alloc(dataLength)]);
  return parseNpy(file, file.byteLength).tensors[0]!;
};

const CID = 'bafkreigks6arfsq3xxfpvqrrwonchxcnu6do76auprhhfomao6c273sixm';

function tensor(shape: number[], options: { dtype?: DType; fortranOrder?: boolean; littleEndian?: boolean; size?: number } = {}): TensorRecord {
  const elementCount = shape.reduce((a, b) => a * b, 1);
  const size = options.size ?? 4;
  return {
    cid: CID,
    name: 'w',
    dtype: options.dtype ?? 'F32',
    shape,
    strides: options.fortranOrder ? fStrides(shape) : cStrides(shape),
    elementCount,
    byteOffset: 128,
    byteLength: elementCount * size,
    littleEndian: options.littleEndian ?? true,
    fortranOrder: options.fortranOrder ?? false,
  };
}

test('isWholeTensor: no spec, `...` and `:` (spaces around them too) read the stored bytes; any other spec is planned', () => {
  const rows: Array<[string | null | undefined, boolean]> = [
    [undefined, true],
    [null, true],
    ['', true],
    ['  ', true],
    ['...', true],
    [' : ', true],
    [':, :', false],
    ['::', false],
    ['0', false],
    ['..., 0', false],
    ['::-1', false],
  ];
  for (const [spec, want] of rows) assert.is(isWholeTensor(spec), want, JSON.stringify(spec));
});

test('cOrderSpec: a whole-tensor spec of a column-major tensor of 2+ axes is spelt out axis by axis', () => {
  const c = tensor([2, 3]);
  const f = tensor([2, 3], { fortranOrder: true });
  const f1 = tensor([6], { fortranOrder: true });
  const rows: Array<[TensorRecord, string, string | null]> = [
    [c, '', null],
    [c, '  ', null],
    [c, '...', '...'],
    [c, '0:1', '0:1'],
    [f, '', ':, :'],
    [f, '...', ':, :'],
    [f, ':', ':, :'],
    [f, '0', '0'],
    [f1, '', null], // one axis: its stored bytes are in C order already
    [f1, ':', ':'],
    [tensor([2, 3, 4], { fortranOrder: true }), '', ':, :, :'],
  ];
  for (const [t, spec, want] of rows) assert.is(cOrderSpec(t, spec), want, `${t.fortranOrder ? 'F' : 'C'}${JSON.stringify(t.shape)} ${JSON.stringify(spec)}`);
});

test('npyDescrOf: byte order and dtype, or a StoreError INVALID_ARGUMENT for dtypes NumPy lacks', () => {
  assert.is(npyDescrOf(tensor([2])), '<f4');
  assert.is(npyDescrOf(tensor([2], { littleEndian: false })), '>f4');
  assert.is(npyDescrOf(tensor([2], { dtype: 'U8', size: 1 })), '|u1');
  for (const [dtype, size] of [['BF16', 2], ['F8_E4M3', 1], ['F8_E5M2', 1]] as const) {
    try {
      npyDescrOf(tensor([2], { dtype, size }));
      assert.unreachable(`${dtype} has a descr`);
    } catch (error) {
      assert.instance(error, StoreError);
      assert.is((error as StoreError).code, 'INVALID_ARGUMENT');
      assert.is((error as Error).message, `NumPy has no ${dtype} dtype: ask for format raw (${size} bytes per element)`);
    }
  }
});

test('planPayload: the whole tensor is its stored bytes (Fortran order kept in the header); a slice is planned in C order', () => {
  const f = tensor([2, 3], { fortranOrder: true });
  const whole = planPayload(f, { format: 'npy' });
  assert.is(whole.slice, null);
  assert.equal(whole.shape, [2, 3]);
  assert.is(whole.dataLength, 24);
  assert.is(whole.byteLength, whole.header!.byteLength + 24);
  assert.is(read(whole.header!, 24).fortranOrder, true);

  const sliced = planPayload(f, { slice: '0:1, ::2', format: 'npy' });
  assert.ok(sliced.slice);
  assert.equal(sliced.shape, [1, 2]);
  assert.is(sliced.dataLength, 8);
  assert.is(read(sliced.header!, 8).fortranOrder, false);

  const raw = planPayload(tensor([4, 4]), { slice: ' ... ' });
  assert.is(raw.format, 'raw');
  assert.is(raw.header, null);
  assert.is(raw.slice, null);
  assert.is(raw.byteLength, 64);
  assert.is(planPayload(tensor([4, 4]), { slice: '1' }).byteLength, 16);
});

test('planPayload: the dtype is refused before the spec is planned; the planner given is the one asked', () => {
  const bf = tensor([4], { dtype: 'BF16', size: 2 });
  assert.throws(() => planPayload(bf, { slice: 'not a spec', format: 'npy' }), (e: unknown) => e instanceof StoreError && e.code === 'INVALID_ARGUMENT');
  assert.is(planPayload(bf, { slice: '1:3' }).byteLength, 4);
  const asked: string[] = [];
  const t = tensor([8]);
  planPayload(t, { slice: ' 0:2 ' }, (_t, spec) => {
    asked.push(spec);
    return { shape: [2], elementCount: 2, byteLength: 8, ranges: [0, 8], rangeCount: 1 } as never;
  });
  planPayload(t, { slice: ':' }, () => assert.unreachable('a whole tensor is not planned') as never);
  assert.equal(asked, ['0:2']);
});

test('npyHeaderOf: a .npy header that numpy.load reads back as the shape asked for', () => {
  const header = npyHeaderOf(tensor([3, 5]), [5], false);
  assert.is(header.byteLength % 64, 0);
  const parsed = read(header, 20);
  assert.equal(parsed.shape, [5]);
  assert.is(parsed.dtype, 'F32');
});

test('file names: blobs by CID and format; tensors by name, slice tag and format', () => {
  assert.is(blobFilename(CID, 'safetensors'), `${CID}.safetensors`);
  assert.is(blobFilename(CID, 'npy'), `${CID}.npy`);
  assert.is(blobFilename(CID, 'raw'), `${CID}.bin`);
  assert.is(blobFilename(CID), `${CID}.bin`);
  const rows: Array<[string, string | null, 'raw' | 'npy', string]> = [
    ['w', null, 'raw', 'w.bin'],
    ['w', '', 'npy', 'w.npy'],
    ['enc/w', null, 'raw', 'enc_w.bin'],
    ['a\\b', null, 'raw', 'a_b.bin'],
    ['w', ':, :', 'raw', 'w.bin'],
    ['w', '::', 'raw', 'w.bin'],
    ['w', '0', 'npy', 'w_0.npy'],
    ['w', '2:10, ::-3', 'npy', 'w_2-10_---3.npy'],
    ['w', 'x"y', 'raw', 'w_x_y.bin'],
  ];
  for (const [name, slice, format, want] of rows) assert.is(tensorFilename(name, slice, format), want, `${name} ${slice}`);
  assert.match(tensorFilename('w', Array.from({ length: 20 }, (_, i) => `${i}:${i + 1}`).join(', '), 'raw'), /^w_[0-9a-f]{16}\.bin$/);
});

test.run();
