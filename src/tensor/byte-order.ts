// Byte order: formats that are little-endian only (safetensors, Arrow as written here) get a big-endian .npy
// tensor's elements swapped, in a copy. Pure.

/** A little-endian copy of big-endian elements of `itemSize` bytes (1-byte elements are returned as they are). */
export function toLittleEndian(bytes: Uint8Array, itemSize: number): Uint8Array {
  if (itemSize === 1) return bytes;
  const out = Buffer.allocUnsafe(bytes.byteLength);
  for (let i = 0; i < bytes.byteLength; i += itemSize) {
    for (let j = 0; j < itemSize; j++) out[i + j] = bytes[i + itemSize - 1 - j]!;
  }
  return out;
}
