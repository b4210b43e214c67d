// Files that exercise the formats other tools read (Arrow, safetensors, Zarr): every dtype, a 0-d and an empty
// tensor, a nested name, a multi-chunk tensor with an edge chunk, a column-major and a big-endian .npy. Written to
// disk (Python reads them as references) and added to a fresh store.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MmapCache } from '../../src/mmap/index.ts';
import { TensorReader } from '../../src/store/tensor-reader.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';
import type { FileRecord } from '../../src/store/types.ts';
import { DTYPES, dtypeSize } from '../../src/tensor/dtype.ts';
import { npyHeader } from '../../src/tensor/npy.ts';
import { encodeSafetensors, type TensorToEncode } from '../../src/tensor/safetensors-encode.ts';
import { once, patternBytes } from './download-server.ts';
import { tempDir } from '../../src/devkit/paths.ts';

export interface FormatFiles {
  dir: { path: string; cleanup(): void };
  store: TensorStore;
  cache: MmapCache;
  reader: TensorReader;
  /** all.safetensors: one [5, 3] tensor per dtype named after it, s (F32 []), e (F32 [0, 4]), big (F32 [700, 2048]), enc/k (U8 [3, 2]). */
  all: { path: string; record: FileRecord; tensors: TensorToEncode[]; metadata: Record<string, string> };
  /** fortran.npy: F32 [2048, 600] column-major, element (i, j) = i * 600 + j. */
  fortran: { path: string; record: FileRecord };
  /** bigendian.npy: >i4 [7, 9]. */
  bigEndian: { path: string; record: FileRecord };
  close(): void;
}

export async function makeFormatFiles(): Promise<FormatFiles> {
  const dir = tempDir('ipfrs-formats-');
  const store = TensorStore.open(join(dir.path, 'store'));
  const cache = new MmapCache({ maxEntries: 16 });
  const reader = new TensorReader(store, cache);

  const tensors: TensorToEncode[] = DTYPES.map((dtype, i) => {
    let data = patternBytes(15 * dtypeSize(dtype), i + 10);
    if (dtype === 'BOOL') data = data.map((b) => b & 1) as Buffer;
    // Float patterns hold NaNs too: every check compares bits.
    return { name: dtype, dtype, shape: [5, 3], data };
  });
  tensors.push({ name: 's', dtype: 'F32', shape: [], data: Buffer.from(new Float32Array([1.5]).buffer) });
  tensors.push({ name: 'e', dtype: 'F32', shape: [0, 4], data: new Uint8Array(0) });
  tensors.push({ name: 'big', dtype: 'F32', shape: [700, 2048], data: Buffer.from(Float32Array.from({ length: 700 * 2048 }, (_, i) => i).buffer) });
  tensors.push({ name: 'enc/k', dtype: 'U8', shape: [3, 2], data: Uint8Array.from([1, 2, 3, 4, 5, 6]) });
  const metadata = { format: 'pt', note: 'formats fixture' };
  const allPath = join(dir.path, 'all.safetensors');
  writeFileSync(allPath, encodeSafetensors(tensors, metadata));

  // Column-major: element (i, j) at offset (j * 2048 + i).
  const rows = 2048;
  const cols = 600;
  const fdata = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) fdata[j * rows + i] = i * cols + j;
  const fortranPath = join(dir.path, 'fortran.npy');
  writeFileSync(fortranPath, Buffer.concat([npyHeader('<f4', [rows, cols], true), Buffer.from(fdata.buffer)]));

  const be = Buffer.alloc(7 * 9 * 4);
  for (let i = 0; i < 63; i++) be.writeInt32BE(i * 1000 - 31000, i * 4);
  const bePath = join(dir.path, 'bigendian.npy');
  writeFileSync(bePath, Buffer.concat([npyHeader('>i4', [7, 9], false), be]));

  const add = async (path: string, name: string) => (await store.add(once(readFileSync(path)), { name })).file;
  return {
    dir,
    store,
    cache,
    reader,
    all: { path: allPath, record: await add(allPath, 'all.safetensors'), tensors, metadata },
    fortran: { path: fortranPath, record: await add(fortranPath, 'fortran.npy') },
    bigEndian: { path: bePath, record: await add(bePath, 'bigendian.npy') },
    close() {
      cache.clear();
      store.close();
      dir.cleanup();
    },
  };
}
