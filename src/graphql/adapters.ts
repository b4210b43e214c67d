// Ports over the real services, for src/server.ts: the mmap cache keyed by CID, and the store's reader. Types only
// are imported from src/mmap and src/store, so this file loads no native addon either.
import type { MmapCache, MmapConfigInit } from '../mmap/index.ts';
import type { TensorRecord } from '../store/types.ts';
import type { SlicePlan } from '../tensor/slice.ts';
import type { CacheAccess, CacheEntryRecord, CachePort, ReaderPort } from './context.ts';

/** Where objects live: TensorStore.objectPath and its inverse (the file name of an object is its CID). */
export interface ObjectPaths {
  objectPath(cid: string): string;
  cidOfPath(path: string): string;
}

/** madvise presets, as MmapConfig.sequential() / random() / hugepages() make them. */
function adviceFor(access: CacheAccess, populate: boolean): MmapConfigInit {
  const advice: MmapConfigInit = { populate, willNeed: populate };
  if (access === 'sequential') advice.sequential = true;
  if (access === 'random') advice.random = true;
  if (access === 'hugepages') advice.hugepages = true;
  return advice;
}

/** The cache as the API sees it. `showPaths: false` keeps the server's folder layout out of answers. */
export function mmapCachePort(cache: MmapCache, paths: ObjectPaths, options: { showPaths?: boolean } = {}): CachePort {
  const entry = (e: { path: string; size: number; hits: number; lastAccessMs: number }): CacheEntryRecord => ({
    cid: paths.cidOfPath(e.path),
    path: options.showPaths ? e.path : null,
    size: e.size,
    hits: e.hits,
    lastAccess: e.lastAccessMs,
  });
  return {
    stats: () => cache.stats(),
    files: () => cache.files().map(entry),
    clear: () => cache.clear(),
    evict: (cid) => cache.evict(paths.objectPath(cid)),
    async warm(cid, { access, populate }) {
      const path = paths.objectPath(cid);
      const advice = adviceFor(access, populate);
      const file = await cache.getOrCreateAsync(path, advice);
      // A file mapped before keeps its first advice: give it this one (off the main thread, as populate may fault
      // in every page).
      await file.adviseAsync(advice);
      const found = cache.files().find((e) => e.path === path);
      return found ? entry(found) : { cid, path: options.showPaths ? path : null, size: file.size, hits: 0, lastAccess: Date.now() };
    },
  };
}

/** The store's TensorReader (src/store/tensor-reader.ts) as the ReaderPort. */
export function tensorReaderPort(reader: {
  range(cid: string, start: number, end: number): Buffer;
  sliceBytes(tensor: TensorRecord, plan: SlicePlan): Buffer;
}): ReaderPort {
  return {
    readRange: (cid, start, end) => reader.range(cid, start, end),
    readSlice: (tensor, plan) => reader.sliceBytes(tensor, plan),
  };
}
