// Writes safetensors: 8-byte little-endian header length, JSON header padded to 8 bytes, then data. The header is
// made apart from the data so that a server can send the data as views of a mapping (subsets, slices).
import type { DType } from './dtype.ts';

export interface TensorToEncode {
  name: string;
  dtype: DType;
  shape: number[];
  /** Little-endian element bytes, exactly shape x dtype size long. */
  data: Uint8Array;
}

/** What the header says of one tensor: its data follows the previous tensor's, in the order given. */
export interface TensorEntry {
  name: string;
  dtype: DType;
  shape: readonly number[];
  byteLength: number;
}

/**
 * The 8-byte length and the JSON header of a file holding `entries` in this order (names unique, none
 * `__metadata__`), `__metadata__` first when given. Throws TypeError for a repeated or reserved name.
 */
export function safetensorsHeader(entries: readonly TensorEntry[], metadata?: Record<string, string> | null): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of entries) {
    if (t.name === '__metadata__' || Object.hasOwn(header, t.name)) throw new TypeError(`safetensors: tensor name ${JSON.stringify(t.name)} is reserved or repeated`);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.byteLength] };
    offset += t.byteLength;
  }
  let json = JSON.stringify(header);
  // Padding with spaces keeps the data 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const out = Buffer.allocUnsafe(8 + Buffer.byteLength(json));
  out.writeBigUInt64LE(BigInt(out.byteLength - 8));
  out.write(json, 8, 'utf8');
  return out;
}

export function encodeSafetensors(tensors: readonly TensorToEncode[], metadata?: Record<string, string>): Buffer {
  const head = safetensorsHeader(tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, byteLength: t.data.byteLength })), metadata);
  return Buffer.concat([head, ...tensors.map((t) => t.data)]);
}
