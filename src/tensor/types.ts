// What the header parsers produce: plain data, shared by the store's records and the readers.
import type { DType } from './dtype.ts';

export type TensorFileFormat = 'safetensors' | 'npy' | 'raw';

export interface ParsedTensor {
  name: string;
  dtype: DType;
  shape: number[];
  /** In elements, not bytes: C order, or column-major when fortranOrder. */
  strides: number[];
  elementCount: number;
  /** Absolute offset of the tensor's first byte in the file. */
  byteOffset: number;
  byteLength: number;
  /** Byte order of multi-byte elements (safetensors and raw are always little-endian; .npy says). */
  littleEndian: boolean;
  /** Stored column-major (.npy fortran_order). */
  fortranOrder: boolean;
}

export interface ParsedFile {
  format: TensorFileFormat;
  /** safetensors `__metadata__`, else null. */
  metadata: Record<string, string> | null;
  /** safetensors: ordered by byte offset, then name. */
  tensors: ParsedTensor[];
}
