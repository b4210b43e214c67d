// The files the HTTP, GraphQL and ingest benchmarks share: random bytes (nothing compresses or dedups them) and
// a store holding them, made through the store's own API.
import { randomFillSync } from 'node:crypto';
import { mkdirSync, openSync, closeSync, statSync, writeSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { BenchContext } from './context.ts';
import { MiB } from './stats.ts';

/** Writes `size` random bytes to `path`, unless a file of that size is already there (reruns reuse it). */
export function randomFile(path: string, size: number): string {
  try {
    if (statSync(path).size === size) return path;
  } catch {
    // absent: write it
  }
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    const chunk = Buffer.allocUnsafe(4 * MiB);
    for (let written = 0; written < size; ) {
      const n = Math.min(chunk.length, size - written);
      randomFillSync(chunk, 0, n);
      written += writeSync(fd, chunk, 0, n);
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

export interface HttpFixture {
  /** The folder nginx and the Node baseline serve, and the file's name in it: the store's own object. */
  root: string;
  fileName: string;
  size: number;
  /** The ipfrs store holding the same bytes, or why there is none (the ipfrs rows then say so). */
  store: { dir: string; cid: string; small: { cid: string; tensor: string } } | { error: string };
}

export const BIG_FILE = 256 * MiB;
export const SMALL_TENSORS = 64;

/**
 * A store with the 256 MiB file (raw U8) and a small safetensors file of 64 F32 [64, 64] tensors for the GraphQL
 * rows. Baselines serve the store's object file itself, so every server reads the same page-cached bytes.
 */
export async function prepareStore(ctx: BenchContext): Promise<HttpFixture> {
  const source = randomFile(join(ctx.tmpDir, 'data', 'big.bin'), BIG_FILE);
  const dir = join(ctx.tmpDir, 'store');
  try {
    const { TensorStore } = await import('../../src/store/tensor-store.ts');
    const { encodeSafetensors } = await import('../../src/tensor/safetensors-encode.ts');
    const store = TensorStore.open(dir);
    try {
      const big = await store.add(source, { dtype: 'U8', shape: [BIG_FILE], name: 'big.bin' });
      const tensors = Array.from({ length: SMALL_TENSORS }, (_, i) => ({
        name: `layers.${String(i).padStart(2, '0')}.weight`,
        dtype: 'F32' as const,
        shape: [64, 64],
        data: new Uint8Array(Float32Array.from({ length: 64 * 64 }, (_, j) => Math.sin(i * 4096 + j)).buffer),
      }));
      const smallPath = join(ctx.tmpDir, 'data', 'small.safetensors');
      writeFileSync(smallPath, encodeSafetensors(tensors, { purpose: 'ipfrs bench' }));
      const small = await store.add(smallPath, {});
      const objectPath = store.objectPath(big.file.cid);
      return {
        root: dirname(objectPath),
        fileName: basename(objectPath),
        size: BIG_FILE,
        store: { dir, cid: big.file.cid, small: { cid: small.file.cid, tensor: tensors[0]!.name } },
      };
    } finally {
      store.close();
    }
  } catch (error) {
    const reason = `the store is not usable yet (${(error as Error).message.split('\n')[0]})`;
    ctx.log(`  ${reason}: baselines serve the plain file`);
    return { root: dirname(source), fileName: basename(source), size: BIG_FILE, store: { error: reason } };
  }
}
