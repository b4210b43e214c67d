// Which format a file is, how much of it its header needs, and one entry point for parsing: the store reads the
// first bytes, asks headerBytesNeeded, reads that much and calls parseTensorFile. Raw bytes are declared, not
// detected (parseRaw).
import { dtypeSize, isDType, type DType } from './dtype.ts';
import { TensorFormatError } from './errors.ts';
import { cStrides, elementCountOf, formatShape, isDim } from './layout.ts';
import { isNpy, npyHeaderBytesNeeded, parseNpy } from './npy.ts';
import { parseSafetensors, safetensorsHeaderBytesNeeded } from './safetensors.ts';
import type { ParsedFile } from './types.ts';

export type DetectedFormat = 'safetensors' | 'npy';

/**
 * The format by content, from the first bytes (up to 16) of a file of `size` bytes; null when neither.
 * safetensors has no magic: it is recognised by a header length below 2^48 followed by a JSON object opening at
 * byte 8 (`{`, optional whitespace, then `"` or `}`), which random bytes match about once in billions. The length
 * is not checked against the file here, so a truncated or hostile file is still recognised, then refused with its
 * reason by the parser.
 */
export function detectFormat(head: Uint8Array, size: number): DetectedFormat | null {
  if (isNpy(head)) return 'npy';
  if (size < 10 || head.length < 10 || head[6] !== 0 || head[7] !== 0 || head[8] !== 0x7b) return null;
  for (let i = 9; i < head.length; i++) {
    const c = head[i]!;
    if (c === 0x22 || c === 0x7d) return 'safetensors';
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return null;
  }
  return 'safetensors';
}

/**
 * How many bytes from the start of the file parseTensorFile needs. When the length field is already invalid (over
 * the limit, past the end of the file) it answers what it was given, so that nobody reads a bogus length's worth:
 * parsing those bytes then throws the precise error.
 */
export function headerBytesNeeded(head: Uint8Array, size: number): number {
  const format = detectFormat(head, size);
  const needed = format === 'safetensors' ? safetensorsHeaderBytesNeeded(head, size) : format === 'npy' ? npyHeaderBytesNeeded(head, size) : null;
  return needed ?? head.length;
}

/** Parses a safetensors or .npy header; `bytes` is the start of the file (headerBytesNeeded of it). */
export function parseTensorFile(bytes: Uint8Array, size: number, options: { name?: string } = {}): ParsedFile {
  const format = detectFormat(bytes.subarray(0, 16), size);
  if (format === 'safetensors') return parseSafetensors(bytes, size);
  if (format === 'npy') return parseNpy(bytes, size, options.name ?? 'array');
  throw new TensorFormatError('UNKNOWN_FORMAT', `not a safetensors or .npy file (${size} bytes, no header recognised)`);
}

/** Raw little-endian bytes declared to hold one C-order tensor: the size must be exactly shape x dtype. */
export function parseRaw(size: number, dtype: DType, shape: readonly number[], name = 'array'): ParsedFile {
  if (!isDType(dtype)) throw new TensorFormatError('UNSUPPORTED_DTYPE', `unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every(isDim)) {
    throw new TensorFormatError('INVALID_SHAPE', `invalid shape ${JSON.stringify(shape)}: dims must be non-negative integers`);
  }
  const dims = [...shape];
  const elementCount = elementCountOf(dims);
  const needed = elementCount === null ? null : elementCount * dtypeSize(dtype);
  if (needed !== size) {
    const want = needed === null || !Number.isSafeInteger(needed) ? 'more than 2^53 bytes' : `${needed} bytes (${elementCount} elements x ${dtypeSize(dtype)} bytes)`;
    throw new TensorFormatError(
      'SIZE_MISMATCH',
      `the file is ${size} bytes but ${dtype} ${formatShape(dims)} needs ${want}: check the declared shape and dtype${hint(size, dtype)}`,
    );
  }
  return {
    format: 'raw',
    metadata: null,
    tensors: [
      { name, dtype, shape: dims, strides: cStrides(dims), elementCount: elementCount!, byteOffset: 0, byteLength: size, littleEndian: true, fortranOrder: false },
    ],
  };
}

/** What the size allows, to help fix a wrong declaration. */
function hint(size: number, dtype: DType): string {
  const itemSize = dtypeSize(dtype);
  if (size % itemSize !== 0) return ` (${size} is not a multiple of the ${itemSize}-byte ${dtype} element size)`;
  return ` (${size} bytes hold ${size / itemSize} ${dtype} elements)`;
}
