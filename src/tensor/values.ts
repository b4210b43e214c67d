// Decodes element bytes to JavaScript numbers for JSON answers: every dtype, either byte order. NaN and the
// infinities become null (JSON has no spelling for them); 64-bit integers beyond 2^53 round to the nearest double.
import { dtypeSize, type DType } from './dtype.ts';

export function decodeValues(data: Uint8Array, dtype: DType, littleEndian: boolean): Array<number | null> {
  const size = dtypeSize(dtype);
  const count = Math.floor(data.byteLength / size);
  const view = new DataView(data.buffer, data.byteOffset, count * size);
  const le = littleEndian;
  const out = new Array<number | null>(count);
  const read = reader(dtype, view, le);
  for (let i = 0; i < count; i++) {
    const v = read(i * size);
    out[i] = Number.isFinite(v) ? v : null;
  }
  return out;
}

function reader(dtype: DType, view: DataView, le: boolean): (at: number) => number {
  switch (dtype) {
    case 'BOOL':
      return (at) => (view.getUint8(at) !== 0 ? 1 : 0);
    case 'U8':
      return (at) => view.getUint8(at);
    case 'I8':
      return (at) => view.getInt8(at);
    case 'F8_E5M2':
      return (at) => f8e5m2(view.getUint8(at));
    case 'F8_E4M3':
      return (at) => f8e4m3fn(view.getUint8(at));
    case 'I16':
      return (at) => view.getInt16(at, le);
    case 'U16':
      return (at) => view.getUint16(at, le);
    case 'F16':
      return (at) => f16(view.getUint16(at, le));
    case 'BF16':
      return (at) => bf16(view.getUint16(at, le));
    case 'I32':
      return (at) => view.getInt32(at, le);
    case 'U32':
      return (at) => view.getUint32(at, le);
    case 'F32':
      return (at) => view.getFloat32(at, le);
    case 'F64':
      return (at) => view.getFloat64(at, le);
    case 'I64':
      return (at) => Number(view.getBigInt64(at, le));
    case 'U64':
      return (at) => Number(view.getBigUint64(at, le));
  }
}

/** IEEE 754 binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits; exponent 31 is infinity or NaN. */
export function f16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** bfloat16: the top half of a binary32. */
const bfScratch = new DataView(new ArrayBuffer(4));
export function bf16(bits: number): number {
  bfScratch.setUint32(0, bits << 16);
  return bfScratch.getFloat32(0);
}

/** OCP FP8 E5M2: the top byte of a binary16 (bias 15, with infinities and NaN). */
export function f8e5m2(bits: number): number {
  return f16(bits << 8);
}

/**
 * OCP FP8 E4M3 as safetensors means it (E4M3FN, "finite"): 1 sign, 4 exponent (bias 7), 3 mantissa bits; no
 * infinities, only S.1111.111 is NaN, so the largest value is 1.75 x 2^8 = 448.
 */
export function f8e4m3fn(bits: number): number {
  const sign = bits & 0x80 ? -1 : 1;
  const exponent = (bits >> 3) & 0xf;
  const mantissa = bits & 0x7;
  if (exponent === 0xf && mantissa === 0x7) return NaN;
  if (exponent === 0) return sign * mantissa * 2 ** -9;
  return sign * (1 + mantissa / 8) * 2 ** (exponent - 7);
}
