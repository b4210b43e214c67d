// A tensor as a Zarr v2 array: its .zarray, and which stored bytes each chunk key is. Pure arithmetic.
// Chunks are chosen so that every chunk is one contiguous run of the stored bytes (a view, no copy): in C order
// a chunk takes whole trailing axes, `ck` steps of one axis k, and one step of each axis before it, so it is
// at most CHUNK_MAX bytes and, for a tensor larger than that, more than half of it. A column-major tensor
// (order F) is the mirror image: whole leading axes, ck steps of one axis, one step of the axes after it.
// Zarr v2 wants every chunk full size: an edge chunk is its run followed by zeros (the fill value) up to the
// chunk's size; the zeros are never read back as elements.
// Zarr v2 has no bfloat16 or float8: BF16 is exposed as uint16 and F8 as uint8 (the bits unchanged), and the
// array's .zattrs say so (`dtype`, `stored_as`).
import { dtypeSize, numpyDescr, type DType } from './dtype.ts';

/** Largest chunk, in bytes; chunks of a tensor above it are between CHUNK_MAX / 2 and CHUNK_MAX. */
export const CHUNK_MAX = 4 << 20;

export interface ZarrSource {
  dtype: DType;
  shape: readonly number[];
  littleEndian: boolean;
  fortranOrder: boolean;
}

export interface ZarrGeometry {
  shape: number[];
  /** Chunk shape; at least 1 on every axis (Zarr v2 refuses 0), [] for a 0-d array. */
  chunks: number[];
  itemSize: number;
  /** The axis a chunk takes ck steps of (-1: one chunk holds the whole array). */
  axis: number;
  /** Bytes of one step along `axis`: the product of the axes that vary faster, times the item size. */
  stepBytes: number;
  /** Bytes of a full chunk. */
  chunkBytes: number;
  order: 'C' | 'F';
}

/** .zarray and .zattrs of an array, as JSON-ready objects. */
export interface ZarrArrayMeta {
  zarray: Record<string, unknown>;
  zattrs: Record<string, unknown>;
}

/** The NumPy spelling Zarr v2 uses, and whether it stands in for a dtype it lacks. */
export function zarrDtype(dtype: DType, littleEndian: boolean): { dtype: string; substitute: boolean } {
  const descr = numpyDescr(dtype, littleEndian);
  if (descr !== null) return { dtype: descr, substitute: false };
  return { dtype: dtypeSize(dtype) === 1 ? '|u1' : littleEndian ? '<u2' : '>u2', substitute: true };
}

export function zarrGeometry(source: ZarrSource, chunkMax = CHUNK_MAX): ZarrGeometry {
  const shape = [...source.shape];
  const itemSize = dtypeSize(source.dtype);
  const order = source.fortranOrder && shape.length > 1 ? 'F' : 'C';
  // Axes from the slowest-varying to the fastest in storage.
  const axes = shape.map((_, i) => i);
  if (order === 'F') axes.reverse();
  const total = shape.reduce((n, d) => n * d, 1) * itemSize;
  if (total <= chunkMax || shape.length === 0) {
    const chunks = shape.map((d) => Math.max(1, d));
    return { shape, chunks, itemSize, axis: -1, stepBytes: total, chunkBytes: chunks.reduce((n, d) => n * d, 1) * itemSize, order };
  }
  // The first axis (slowest first) whose one step fits in a chunk; the axes after it are whole.
  let inner = total;
  let pos = 0;
  for (; pos < axes.length; pos++) {
    inner /= shape[axes[pos]!]!;
    if (inner <= chunkMax) break;
  }
  const axis = axes[pos]!;
  const ck = Math.max(1, Math.min(shape[axis]!, Math.floor(chunkMax / inner)));
  const chunks = shape.map((d, i) => {
    const p = axes.indexOf(i);
    return p < pos ? 1 : p === pos ? ck : Math.max(1, d);
  });
  return { shape, chunks, itemSize, axis, stepBytes: inner, chunkBytes: ck * inner, order };
}

export function zarrArrayMeta(source: ZarrSource, geometry = zarrGeometry(source), attrs: Record<string, unknown> = {}): ZarrArrayMeta {
  const { dtype, substitute } = zarrDtype(source.dtype, source.littleEndian);
  const fill = source.dtype === 'BOOL' ? false : source.dtype.startsWith('F') && !substitute ? 0.0 : 0;
  return {
    zarray: {
      zarr_format: 2,
      shape: geometry.shape,
      chunks: geometry.chunks,
      dtype,
      compressor: null,
      fill_value: fill,
      order: geometry.order,
      filters: null,
      dimension_separator: '.',
    },
    zattrs: { ...attrs, dtype: source.dtype, ...(substitute ? { stored_as: dtype, note: `Zarr v2 has no ${source.dtype}: the elements are its bits as unsigned integers` } : {}) },
  };
}

/** Chunk indices of a key such as `3.0.0` (`0` for a 0-d array), or null when it is no chunk of this array. */
export function parseChunkKey(key: string, geometry: ZarrGeometry): number[] | null {
  if (!/^\d{1,15}(\.\d{1,15})*$/.test(key)) return null;
  const indices = key.split('.').map(Number);
  const rank = geometry.shape.length;
  if (rank === 0) return indices.length === 1 && indices[0] === 0 ? [] : null;
  if (indices.length !== rank) return null;
  for (let i = 0; i < rank; i++) {
    if (indices[i]! * geometry.chunks[i]! >= geometry.shape[i]!) return null;
  }
  return indices;
}

/**
 * Where chunk `indices` is in the tensor's stored bytes: `start` (from the tensor's first byte) and `length`,
 * then `padding` zero bytes up to the chunk's size.
 */
export function chunkRegion(geometry: ZarrGeometry, indices: readonly number[]): { start: number; length: number; padding: number } {
  const { shape, chunks, itemSize, order } = geometry;
  if (geometry.axis < 0) return { start: 0, length: geometry.stepBytes, padding: geometry.chunkBytes - geometry.stepBytes };
  // Element strides of the stored layout.
  const strides = new Array<number>(shape.length);
  let step = 1;
  const axes = shape.map((_, i) => i);
  if (order === 'C') axes.reverse();
  for (const i of axes) {
    strides[i] = step;
    step *= shape[i]!;
  }
  let start = 0;
  for (let i = 0; i < shape.length; i++) start += indices[i]! * chunks[i]! * strides[i]!;
  const axis = geometry.axis;
  const steps = Math.min(chunks[axis]!, shape[axis]! - indices[axis]! * chunks[axis]!);
  const length = steps * geometry.stepBytes;
  return { start: start * itemSize, length, padding: geometry.chunkBytes - length };
}
