// The stress run's data set and the independent models it checks answers against: files written here (not by the
// project's encoders), numpy basic slicing of 1-D/2-D C-order arrays done element by element, .npy headers read
// with a regex, and CIDs made by multiformats from the SHA-256. Nothing here imports the code under test.
import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';

const RAW_CODEC = 0x55;
const SHA2_256 = 0x12;

export interface SourceTensor {
  name: string;
  /** The dtype as the server reports it (safetensors names). */
  dtype: string;
  shape: number[];
  itemsize: number;
  /** numpy's descr when the source is an .npy (its byte order is kept in .npy answers). */
  descr?: string;
  /** Element bytes in C order, as stored (a view of the file). */
  data: Buffer;
}

export interface SourceFile {
  fileName: string;
  bytes: Buffer;
  tensors: SourceTensor[];
  /** Filled in once added. */
  cid: string;
}

/** A small deterministic PRNG (mulberry32): runs are repeatable from their seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(n: number, rand: () => number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i + 4 <= n; i += 4) out.writeUInt32LE((rand() * 2 ** 32) >>> 0, i);
  for (let i = n - (n % 4); i < n; i++) out[i] = (rand() * 256) | 0;
  return out;
}

const ITEMSIZE: Record<string, number> = { U8: 1, I8: 1, F16: 2, BF16: 2, I16: 2, F32: 4, I32: 4, U32: 4, F64: 8, I64: 8 };

/** A safetensors file: u64 LE header length, JSON header padded with spaces to 8 bytes, then the data. */
export function safetensorsFile(fileName: string, specs: Array<{ name: string; dtype: string; shape: number[] }>, rand: () => number): SourceFile {
  const header: Record<string, unknown> = { __metadata__: { source: 'ipfrs stress' } };
  const datas: Buffer[] = [];
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1) * ITEMSIZE[spec.dtype]!;
    header[spec.name] = { dtype: spec.dtype, shape: spec.shape, data_offsets: [offset, offset + size] };
    datas.push(randomBytes(size, rand));
    offset += size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  const bytes = Buffer.concat([head, Buffer.from(json), ...datas]);
  const start = 8 + json.length;
  let at = start;
  const tensors = specs.map((spec, i) => {
    const data = bytes.subarray(at, at + datas[i]!.length);
    at += datas[i]!.length;
    return { name: spec.name, dtype: spec.dtype, shape: spec.shape, itemsize: ITEMSIZE[spec.dtype]!, data };
  });
  return { fileName, bytes, tensors, cid: '' };
}

/** A .npy v1.0 file, header padded so the data starts at a multiple of 64, as numpy writes it. */
export function npyFile(fileName: string, descr: string, dtype: string, shape: number[], rand: () => number): SourceFile {
  const itemsize = ITEMSIZE[dtype]!;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(pre);
  pre.writeUInt16LE(dict.length, 8);
  const data = randomBytes(shape.reduce((a, b) => a * b, 1) * itemsize, rand);
  const bytes = Buffer.concat([pre, Buffer.from(dict, 'latin1'), data]);
  const name = fileName.replace(/\.npy$/, '');
  return { fileName, bytes, tensors: [{ name, dtype, shape, itemsize, descr, data: bytes.subarray(bytes.length - data.length) }], cid: '' };
}

/** The stress data set: about 30 MiB over safetensors and .npy files, several dtypes, one big-endian array. */
export function dataSet(seed: number): SourceFile[] {
  const rand = prng(seed);
  return [
    safetensorsFile(
      'model-a.safetensors',
      [
        { name: 'layers.0.weight', dtype: 'F32', shape: [256, 1024] },
        { name: 'layers.0.bias', dtype: 'F32', shape: [1024] },
        { name: 'embed/tokens', dtype: 'F16', shape: [512, 512] },
        { name: 'counts', dtype: 'I32', shape: [4096] },
      ],
      rand,
    ),
    safetensorsFile('model-b.safetensors', [{ name: 'big', dtype: 'F32', shape: [2048, 2048] }], rand),
    safetensorsFile('bytes.safetensors', [{ name: 'raw', dtype: 'U8', shape: [6 << 20] }], rand),
    npyFile('grid.npy', '<f8', 'F64', [300, 200], rand),
    npyFile('be.npy', '>i4', 'I32', [1000, 64], rand),
    npyFile('vec.npy', '|u1', 'U8', [100_000], rand),
  ];
}

// ---- CIDs ------------------------------------------------------------------------------------------------------

/** CIDv1, raw codec, sha2-256, base32 lowercase: what the store names bytes (by multiformats, not the store's code). */
export function cidOf(bytes: Uint8Array): string {
  return CID.create(1, RAW_CODEC, Digest.create(SHA2_256, createHash('sha256').update(bytes).digest())).toString();
}

// ---- slices ----------------------------------------------------------------------------------------------------

/** One axis of a spec: a Python slice, or an integer index (drops the axis). */
export type AxisSpec = { index: number } | { start?: number; stop?: number; step?: number };

export function specText(axes: AxisSpec[]): string {
  return axes
    .map((a) => {
      if ('index' in a) return String(a.index);
      const step = a.step === undefined ? '' : `:${a.step}`;
      return `${a.start ?? ''}:${a.stop ?? ''}${step}`;
    })
    .join(', ');
}

/** Python's slice.indices: the positions an axis of length n yields, in order. */
export function axisPositions(axis: AxisSpec, n: number): number[] | null {
  if ('index' in axis) {
    const i = axis.index < 0 ? axis.index + n : axis.index;
    return i >= 0 && i < n ? [i] : null;
  }
  const step = axis.step ?? 1;
  if (step === 0) return null;
  const clamp = (v: number | undefined, dflt: number, lo: number, hi: number) => {
    if (v === undefined) return dflt;
    const x = v < 0 ? v + n : v;
    return Math.min(Math.max(x, lo), hi);
  };
  const out: number[] = [];
  if (step > 0) {
    const start = clamp(axis.start, 0, 0, n);
    const stop = clamp(axis.stop, n, 0, n);
    for (let i = start; i < stop; i += step) out.push(i);
  } else {
    const start = clamp(axis.start, n - 1, -1, n - 1);
    const stop = clamp(axis.stop, -1, -1, n - 1);
    for (let i = start; i > stop; i += step) out.push(i);
  }
  return out;
}

/** The slice's shape and C-order bytes, element by element; null when numpy would raise (index out of range). */
export function sliceModel(tensor: SourceTensor, axes: AxisSpec[]): { shape: number[]; bytes: Buffer } | null {
  const positions: number[][] = [];
  const shape: number[] = [];
  for (let d = 0; d < tensor.shape.length; d++) {
    const axis = axes[d] ?? {};
    const p = axisPositions(axis, tensor.shape[d]!);
    if (p === null) return null;
    positions.push(p);
    if (!('index' in axis)) shape.push(p.length);
  }
  const strides = tensor.shape.map((_, d) => tensor.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const count = positions.reduce((a, p) => a * p.length, 1);
  const out = Buffer.alloc(count * tensor.itemsize);
  let o = 0;
  const k = tensor.itemsize;
  const walk = (d: number, base: number) => {
    if (d === positions.length) {
      // A byte loop, not Buffer.copy: per element it is ~100x cheaper than a native call.
      const from = base * k;
      for (let j = 0; j < k; j++) out[o + j] = tensor.data[from + j]!;
      o += k;
      return;
    }
    const along = positions[d]!;
    // The last axis taken forwards with step 1 is one run of bytes: copy it at once (the result is the same).
    if (d === positions.length - 1 && along.length > 0 && along[along.length - 1]! - along[0]! === along.length - 1) {
      const from = (base + along[0]!) * k;
      tensor.data.copy(out, o, from, from + along.length * k);
      o += along.length * k;
      return;
    }
    for (const p of along) walk(d + 1, base + p * strides[d]!);
  };
  walk(0, 0);
  return { shape, bytes: out };
}

/** A random spec for a 1-D or 2-D tensor: plain, stepped, negative and reversed ranges, integer indices. */
export function randomSpec(shape: number[], rand: () => number): AxisSpec[] {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  return shape.map((n) => {
    const r = rand();
    const pos = () => Math.floor(rand() * n);
    if (r < 0.15) return { index: rand() < 0.5 ? pos() : pos() - n };
    if (r < 0.25) return {};
    const start = rand() < 0.2 ? undefined : rand() < 0.2 ? -1 - pos() : pos();
    const stop = rand() < 0.2 ? undefined : pos() + 1;
    const step = rand() < 0.4 ? undefined : pick([1, 2, 3, 7, -1, -2]);
    return { start, stop, step };
  });
}

// ---- .npy responses -------------------------------------------------------------------------------------------

/** The shape and data offset of an .npy body, read with a regex (not the project's parser). */
export function readNpy(body: Buffer): { shape: number[]; descr: string; dataOffset: number } | null {
  if (body.length < 10 || body.readUInt32BE(0) !== 0x934e554d) return null;
  const major = body[6]!;
  const headerStart = major === 1 ? 10 : 12;
  const length = major === 1 ? body.readUInt16LE(8) : body.readUInt32LE(8);
  const text = body.subarray(headerStart, headerStart + length).toString('latin1');
  const shape = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  const descr = /'descr':\s*'([^']+)'/.exec(text)?.[1];
  if (shape === undefined || descr === undefined) return null;
  return {
    shape: shape
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(Number),
    descr,
    dataOffset: headerStart + length,
  };
}
