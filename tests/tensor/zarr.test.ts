// zarr.ts: chunk geometry (every chunk one contiguous run, 2-4 MiB for large tensors), .zarray, chunk keys and
// their byte regions, checked against a brute-force walk of the elements.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CHUNK_MAX, chunkRegion, parseChunkKey, zarrArrayMeta, zarrDtype, zarrGeometry, type ZarrSource } from '../../src/tensor/zarr.ts';
import { DTYPES } from '../../src/tensor/dtype.ts';

const src = (shape: number[], dtype: ZarrSource['dtype'] = 'F32', fortranOrder = false, littleEndian = true): ZarrSource => ({ shape, dtype, fortranOrder, littleEndian });

test('zarrDtype: NumPy spelling, byte order kept; BF16 and F8 as unsigned integers', () => {
  const expected: Record<string, string> = {
    BOOL: '|b1', U8: '|u1', I8: '|i1', F8_E5M2: '|u1', F8_E4M3: '|u1', I16: '<i2', U16: '<u2', F16: '<f2', BF16: '<u2',
    I32: '<i4', U32: '<u4', F32: '<f4', F64: '<f8', I64: '<i8', U64: '<u8',
  };
  for (const dtype of DTYPES) assert.is(zarrDtype(dtype, true).dtype, expected[dtype], dtype);
  assert.equal(zarrDtype('F32', false), { dtype: '>f4', substitute: false });
  assert.equal(zarrDtype('BF16', true), { dtype: '<u2', substitute: true });
});

test('.zarray: uncompressed, order as stored, fill value; BF16 says what it is in .zattrs', () => {
  const meta = zarrArrayMeta(src([3, 5], 'BF16'));
  assert.equal(meta.zarray, { zarr_format: 2, shape: [3, 5], chunks: [3, 5], dtype: '<u2', compressor: null, fill_value: 0, order: 'C', filters: null, dimension_separator: '.' });
  assert.is(meta.zattrs.dtype, 'BF16');
  assert.is(meta.zattrs.stored_as, '<u2');
  assert.is(zarrArrayMeta(src([2, 2], 'F32', true)).zarray.order, 'F');
  assert.is(zarrArrayMeta(src([2], 'BOOL')).zarray.fill_value, false);
  assert.is(zarrArrayMeta(src([], 'F64')).zarray.fill_value, 0);
  assert.equal(zarrArrayMeta(src([], 'F64')).zarray.chunks, []);
  assert.equal(zarrArrayMeta(src([0, 4])).zarray.chunks, [1, 4], 'Zarr v2 refuses chunks of 0');
});

test('a small tensor is one chunk; a large one is chunked along its leading axes within CHUNK_MAX', () => {
  assert.equal(zarrGeometry(src([64, 64])).chunks, [64, 64]);
  // 256 MiB of F32 rows of 16 KiB: 256 rows a chunk (4 MiB).
  assert.equal(zarrGeometry(src([16384, 4096])).chunks, [256, 4096]);
  // Rows of 8 MiB: one step of axis 0, then half of axis 1.
  assert.equal(zarrGeometry(src([4, 2, 1 << 20])).chunks, [1, 1, 1 << 20]);
  assert.equal(zarrGeometry(src([3, 1 << 22])).chunks, [1, 1 << 20]);
  // Column-major: the mirror image.
  assert.equal(zarrGeometry(src([4096, 16384], 'F32', true)).chunks, [4096, 256]);
  for (const shape of [[16384, 4096], [1000, 3, 1 << 18], [7, 5, 3, 1 << 17], [1 << 23]]) {
    const g = zarrGeometry(src(shape));
    assert.ok(g.chunkBytes <= CHUNK_MAX && g.chunkBytes > CHUNK_MAX / 2, `${shape}: ${g.chunkBytes}`);
  }
});

/** Brute force: the stored byte offset of each element of chunk `indices`, in the chunk's own order. */
function chunkOffsets(source: ZarrSource, chunks: number[], indices: number[]): number[] {
  const { shape } = source;
  const order = source.fortranOrder && shape.length > 1 ? 'F' : 'C';
  const strides = new Array<number>(shape.length);
  let step = 4;
  const axes = shape.map((_, i) => i);
  if (order === 'C') axes.reverse();
  for (const i of axes) {
    strides[i] = step;
    step *= shape[i]!;
  }
  const out: number[] = [];
  const walk = (axisPos: number, at: number[]) => {
    if (axisPos === shape.length) {
      if (at.every((v, i) => v < shape[i]!)) out.push(at.reduce((n, v, i) => n + v * strides[i]!, 0));
      return;
    }
    const axis = order === 'C' ? axisPos : shape.length - 1 - axisPos;
    for (let k = 0; k < chunks[axis]!; k++) {
      const next = [...at];
      next[axis] = indices[axis]! * chunks[axis]! + k;
      walk(axisPos + 1, next);
    }
  };
  walk(0, new Array(shape.length).fill(0));
  // In F order the walk above goes slowest axis last; sort by offset gives the storage order of a contiguous run.
  return out.sort((a, b) => a - b);
}

test('every chunk key is one contiguous run of the stored bytes, edge chunks padded to full size', () => {
  const cases: Array<[ZarrSource, number]> = [
    [src([10, 3, 7]), 100],
    [src([10, 3, 7], 'F32', true), 100],
    [src([9, 11]), 40],
    [src([5, 4, 3, 2]), 16],
    [src([13]), 12],
  ];
  for (const [source, chunkMax] of cases) {
    const g = zarrGeometry(source, chunkMax);
    assert.ok(g.chunkBytes <= chunkMax, `${source.shape}`);
    const grid = g.shape.map((d, i) => Math.ceil(d / g.chunks[i]!));
    let covered = 0;
    const visit = (prefix: number[]) => {
      if (prefix.length === grid.length) {
        const key = prefix.join('.');
        assert.equal(parseChunkKey(key, g), prefix);
        const region = chunkRegion(g, prefix);
        const offsets = chunkOffsets(source, g.chunks, prefix);
        assert.is(region.length, offsets.length * 4, `${source.shape} ${key}`);
        assert.equal(offsets, offsets.map((_, i) => region.start + i * 4), `${source.shape} ${key} is contiguous from ${region.start}`);
        assert.is(region.length + region.padding, g.chunkBytes);
        covered += region.length;
        return;
      }
      for (let i = 0; i < grid[prefix.length]!; i++) visit([...prefix, i]);
    };
    visit([]);
    assert.is(covered, source.shape.reduce((n, d) => n * d, 4), `${source.shape}: the chunks cover the tensor once`);
  }
});

test('parseChunkKey: out of the grid, wrong rank or spelling is no key', () => {
  const g = zarrGeometry(src([10, 3, 7]), 100);
  assert.equal(g.chunks, [1, 3, 7]);
  assert.equal(parseChunkKey('9.0.0', g), [9, 0, 0]);
  for (const key of ['10.0.0', '0.1.0', '0.0', '0.0.0.0', '-1.0.0', '0.0.x', '', '0..0', '.zarray', '0/0/0']) assert.is(parseChunkKey(key, g), null, key);
  const scalar = zarrGeometry(src([]));
  assert.equal(parseChunkKey('0', scalar), []);
  assert.is(parseChunkKey('1', scalar), null);
  assert.equal(chunkRegion(scalar, []), { start: 0, length: 4, padding: 0 });
  const empty = zarrGeometry(src([0, 4]));
  assert.is(parseChunkKey('0.0', empty), null, 'an empty array has no chunks');
});

test.run();
