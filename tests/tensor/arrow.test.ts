// arrow.ts: every dtype through apache-arrow's own reader (tableFromIPC), 0-d and empty tensors, the length
// computed without the data, and the data parts being the caller's views.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tableFromIPC } from 'apache-arrow';
import { ARROW_COLUMN, arrowStream, arrowStreamLength, packBits } from '../../src/tensor/arrow.ts';
import { DTYPES, dtypeSize, type DType } from '../../src/tensor/dtype.ts';

function bytesOf(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function read(parts: Uint8Array[]) {
  const table = tableFromIPC(Buffer.concat(parts));
  const column = table.getChild(ARROW_COLUMN)!;
  return { table, column };
}

/** The column's element bytes as stored in its buffers (booleans unpacked to 0/1). */
function columnBytes(column: ReturnType<typeof read>['column'], dtype: DType): Uint8Array {
  if (dtype === 'BOOL') return Uint8Array.from(column.toArray() as Iterable<boolean>, (b) => (b ? 1 : 0));
  const chunks = column.data.map((d) => {
    const v = d.values as ArrayBufferView;
    return Buffer.from(v.buffer, v.byteOffset, d.length * dtypeSize(dtype));
  });
  return Buffer.concat(chunks);
}

for (const dtype of DTYPES) {
  test(`${dtype}: tableFromIPC reads the elements, shape and dtype back`, () => {
    const shape = [3, 4];
    let data = bytesOf(12 * dtypeSize(dtype), DTYPES.indexOf(dtype) + 1);
    if (dtype === 'BOOL') data = data.map((b) => b & 1);
    const parts = arrowStream(dtype, shape, [data]);
    assert.is(parts.reduce((n, p) => n + p.byteLength, 0), arrowStreamLength(dtype, shape));
    const { table, column } = read(parts);
    assert.is(table.numRows, 12);
    assert.is(table.schema.fields.length, 1);
    assert.is(table.schema.fields[0]!.nullable, false);
    assert.equal(JSON.parse(table.schema.metadata.get('shape')!), shape);
    assert.is(table.schema.metadata.get('dtype'), dtype);
    assert.is(column.nullCount, 0);
    assert.equal(Buffer.from(columnBytes(column, dtype)), Buffer.from(data));
  });
}

test('the Arrow types: F16 is float16, BF16 and F8 their bits as unsigned integers', () => {
  const typeOf = (dtype: DType) => read(arrowStream(dtype, [1], [new Uint8Array(dtypeSize(dtype))])).table.schema.fields[0]!.type.toString();
  assert.is(typeOf('F16'), 'Float16');
  assert.is(typeOf('F32'), 'Float32');
  assert.is(typeOf('BF16'), 'Uint16');
  assert.is(typeOf('F8_E4M3'), 'Uint8');
  assert.is(typeOf('F8_E5M2'), 'Uint8');
  assert.is(typeOf('I64'), 'Int64');
  assert.is(typeOf('BOOL'), 'Bool');
});

test('a 0-d tensor is one element with shape []', () => {
  const parts = arrowStream('F64', [], [new Uint8Array(new Float64Array([2.5]).buffer)]);
  const { table, column } = read(parts);
  assert.is(table.numRows, 1);
  assert.equal(JSON.parse(table.schema.metadata.get('shape')!), []);
  assert.equal([...(column.toArray() as Float64Array)], [2.5]);
  assert.is(parts.reduce((n, p) => n + p.byteLength, 0), arrowStreamLength('F64', []));
});

test('an empty tensor is a schema with no rows, its shape kept', () => {
  for (const shape of [[0], [0, 4], [3, 0, 2]]) {
    const parts = arrowStream('I32', shape, []);
    const { table } = read(parts);
    assert.is(table.numRows, 0);
    assert.equal(JSON.parse(table.schema.metadata.get('shape')!), shape);
    assert.is(parts.reduce((n, p) => n + p.byteLength, 0), arrowStreamLength('I32', shape));
  }
});

test('aligned data is written as the given memory (a view), misaligned data is copied and still right', () => {
  const backing = new Uint8Array(4 * 101);
  const aligned = backing.subarray(4, 4 + 400);
  new Float32Array(aligned.buffer, aligned.byteOffset, 100).set(Array.from({ length: 100 }, (_, i) => i));
  const parts = arrowStream('F32', [10, 10], [aligned]);
  assert.ok(parts.some((p) => p.buffer === backing.buffer && p.byteOffset === aligned.byteOffset && p.byteLength === 400), 'the data part is a view of the input');
  const misaligned = new Uint8Array(401).subarray(1);
  misaligned.set(aligned);
  const again = arrowStream('F32', [10, 10], [misaligned]);
  assert.not.ok(again.some((p) => p.buffer === misaligned.buffer));
  assert.equal([...(read(again).column.toArray() as Float32Array)], Array.from({ length: 100 }, (_, i) => i));
});

test('data in several runs: each run but the last must be whole batches', () => {
  assert.throws(() => arrowStream('U8', [4], [new Uint8Array(2), new Uint8Array(2)]), /whole number of batches/);
  assert.throws(() => arrowStream('U8', [4], [new Uint8Array(3)]), /3 bytes of data for 4 elements/);
});

test('packBits: least significant bit first, any nonzero byte is true', () => {
  assert.equal([...packBits(Uint8Array.from([1, 0, 2, 0, 0, 0, 0, 0, 255]))], [0b101, 1]);
  assert.equal([...packBits(new Uint8Array(0))], []);
});

test.run();
