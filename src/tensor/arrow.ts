// A tensor as an Arrow IPC stream: one non-null column `data` of the tensor's elements in C order, and the shape
// and dtype in the schema's metadata (`shape`: a JSON array; `dtype`: the safetensors spelling, e.g. "F32").
// Pure: bytes in, the stream's parts out, built with apache-arrow's stream writer. The parts that carry the
// elements are the caller's views (no copy) whenever the writer can take them as they are:
// - a typed array needs its offset aligned to the element size, so a misaligned run is copied once;
// - BOOL is bit-packed in Arrow (one bit per element), so it is always packed anew (1/8 of the size);
// - the caller passes little-endian bytes (a big-endian .npy is byte-swapped before, byte-order.ts).
// Arrow has no bfloat16 or float8: BF16 travels as uint16 and F8 as uint8, their bits unchanged, and `dtype` in
// the metadata says what they are.
import {
  Bool, Field, Float16, Float32, Float64, Int16, Int32, Int64, Int8, RecordBatch, RecordBatchStreamWriter, Schema, Struct,
  Uint16, Uint32, Uint64, Uint8, makeData, type DataType,
} from 'apache-arrow';
import { dtypeSize, type DType } from './dtype.ts';

/** The column's name. */
export const ARROW_COLUMN = 'data';
/** A record batch holds at most this many bytes of elements: Buffers stop at 4 GiB, and readers like smaller. */
export const ARROW_BATCH_BYTES = 1 << 30;

type Typed = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
type TypedCtor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): Typed; new (length: number): Typed; BYTES_PER_ELEMENT: number };

const TYPES: Record<Exclude<DType, 'BOOL'>, { type: () => DataType; array: TypedCtor }> = {
  U8: { type: () => new Uint8(), array: Uint8Array },
  I8: { type: () => new Int8(), array: Int8Array },
  F8_E5M2: { type: () => new Uint8(), array: Uint8Array },
  F8_E4M3: { type: () => new Uint8(), array: Uint8Array },
  I16: { type: () => new Int16(), array: Int16Array },
  U16: { type: () => new Uint16(), array: Uint16Array },
  F16: { type: () => new Float16(), array: Uint16Array },
  BF16: { type: () => new Uint16(), array: Uint16Array },
  I32: { type: () => new Int32(), array: Int32Array },
  U32: { type: () => new Uint32(), array: Uint32Array },
  F32: { type: () => new Float32(), array: Float32Array },
  F64: { type: () => new Float64(), array: Float64Array },
  I64: { type: () => new Int64(), array: BigInt64Array },
  U64: { type: () => new Uint64(), array: BigUint64Array },
};

/** The Arrow type the column of this dtype has. */
export function arrowTypeOf(dtype: DType): DataType {
  return dtype === 'BOOL' ? new Bool() : TYPES[dtype].type();
}

/** The schema: one non-null column, the tensor's shape and dtype as metadata. */
export function arrowSchema(dtype: DType, shape: readonly number[]): Schema {
  const metadata = new Map([
    ['shape', JSON.stringify(shape)],
    ['dtype', dtype],
  ]);
  return new Schema([new Field(ARROW_COLUMN, arrowTypeOf(dtype), false)], metadata);
}

/** Collects what the stream writer writes, as it writes it: its small framing buffers and the body views. */
class PartsWriter extends RecordBatchStreamWriter {
  readonly parts: Uint8Array[] = [];
  protected override _write(chunk: ArrayBufferView): this {
    if (this._started && chunk.byteLength > 0) {
      this.parts.push(chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this._position += chunk.byteLength;
    }
    return this;
  }
}

/**
 * The IPC stream of a tensor: `data` is its elements, little-endian, in C order, in one or more runs (views of a
 * mapping, say) that together hold shape's element count. Record batches are the consecutive ARROW_BATCH_BYTES of
 * the data (the last one shorter), so every run but the last must be a multiple of ARROW_BATCH_BYTES long; a
 * batch never straddles two runs. Returns the parts to write in order (schema, batches, end-of-stream marker).
 */
export function arrowStream(dtype: DType, shape: readonly number[], data: readonly Uint8Array[]): Uint8Array[] {
  const size = dtypeSize(dtype);
  const count = shape.reduce((n, d) => n * d, 1);
  const total = data.reduce((n, d) => n + d.byteLength, 0);
  if (total !== count * size) throw new RangeError(`arrowStream: ${total} bytes of data for ${count} elements of ${dtype}`);
  const batches: Uint8Array[] = [];
  data.forEach((run, i) => {
    if (i < data.length - 1 && run.byteLength % ARROW_BATCH_BYTES !== 0) throw new RangeError('arrowStream: a run other than the last is not a whole number of batches');
    for (let at = 0; at < run.byteLength; at += ARROW_BATCH_BYTES) batches.push(run.subarray(at, Math.min(run.byteLength, at + ARROW_BATCH_BYTES)));
  });
  return writeStream(arrowSchema(dtype, shape), dtype, batches);
}

/**
 * The length of arrowStream's answer, without the data: what a server says in Content-Length before it reads a
 * byte. A record batch's metadata is a flatbuffer of fixed-size structs whose size does not depend on its
 * (nonzero) length, so it is measured once on a one-element batch; each body is its buffer padded to 8 bytes.
 */
export function arrowStreamLength(dtype: DType, shape: readonly number[]): number {
  const size = dtypeSize(dtype);
  const schema = arrowSchema(dtype, shape);
  const bare = lengthOf(writeStream(schema, dtype, []));
  const one = lengthOf(writeStream(schema, dtype, [new Uint8Array(size)]));
  const bodyOf = (elements: number) => pad8(dtype === 'BOOL' ? Math.ceil(elements / 8) : elements * size);
  const batchMeta = one - bare - bodyOf(1);
  const total = shape.reduce((n, d) => n * d, 1) * size;
  let length = bare;
  for (let at = 0; at < total; at += ARROW_BATCH_BYTES) length += batchMeta + bodyOf(Math.min(ARROW_BATCH_BYTES, total - at) / size);
  return length;
}

function writeStream(schema: Schema, dtype: DType, batches: readonly Uint8Array[]): Uint8Array[] {
  const writer = new PartsWriter();
  writer.reset(undefined, schema);
  for (const bytes of batches) writer.write(batchOf(schema, dtype, bytes));
  writer.finish();
  return writer.parts;
}

function lengthOf(parts: readonly Uint8Array[]): number {
  return parts.reduce((n, p) => n + p.byteLength, 0);
}

function pad8(n: number): number {
  return (n + 7) & ~7;
}

function batchOf(schema: Schema, dtype: DType, bytes: Uint8Array): RecordBatch {
  const field = schema.fields[0]!;
  const length = bytes.byteLength / dtypeSize(dtype);
  const column =
    dtype === 'BOOL'
      ? makeData({ type: new Bool(), length, nullCount: 0, data: packBits(bytes) })
      : makeData({ type: field.type, length, nullCount: 0, data: typedView(TYPES[dtype].array, bytes) } as never);
  const struct = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: [column] });
  return new RecordBatch(schema, struct);
}

/** A typed array over the same memory when aligned, else over a copy. */
function typedView(array: TypedCtor, bytes: Uint8Array): Typed {
  const n = bytes.byteLength / array.BYTES_PER_ELEMENT;
  if (bytes.byteOffset % array.BYTES_PER_ELEMENT === 0) return new array(bytes.buffer, bytes.byteOffset, n);
  const copy = new array(n);
  new Uint8Array(copy.buffer).set(bytes);
  return copy;
}

/** Arrow's validity-style bitmap: element i is bit i % 8 of byte i / 8 (least significant first); nonzero is true. */
export function packBits(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.byteLength / 8));
  for (let i = 0; i < bytes.byteLength; i++) if (bytes[i] !== 0) out[i >> 3]! |= 1 << (i & 7);
  return out;
}
