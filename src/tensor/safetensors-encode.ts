// Writes a safetensors file: 8-byte little-endian header length, JSON header padded to 8 bytes, then data.
import type { DType } from './dtype.ts';

export interface TensorToEncode {
  name: string;
  dtype: DType;
  shape: number[];
  /** Little-endian element bytes, exactly shape x dtype size long. */
  data: Uint8Array;
}

export function encodeSafetensors(tensors: readonly TensorToEncode[], metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Padding with spaces keeps the data 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([head, Buffer.from(json), ...tensors.map((t) => t.data)]);
}
