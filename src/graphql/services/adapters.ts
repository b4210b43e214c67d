// Ports over the real services, for src/server.ts: the mmap cache keyed by CID, and the store's reader. Types only
// are imported from src/mmap and src/store, so this file loads no native addon either.
import type { MmapCache, MmapConfigInit } from '../../mmap/index.ts';
import type { TensorRecord } from '../../store/types.ts';
import type { SlicePlan } from '../../tensor/slice.ts';
import type { CacheAccess, CacheEntryRecord, CachePort, LoggerPort, ReaderPort } from './ports.ts';

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

/**
 * The store's TensorReader (src/store/tensor-reader.ts) as the ReaderPort. Copies, not views: the inline answers
 * (at most the inline limit, 64 KiB by default) are base64-encoded and decoded in JS after the resolver returns,
 * and JS touching a view's pages of a file truncated meanwhile dies of SIGBUS; a copy is made under a guard in C++
 * and fails with StoreError IO instead. The download route keeps its zero-copy views (sockets get EFAULT, no signal).
 * Such a failure reaches the client as a typed StoreUnavailableError; `logger` gets it whole, for the operator.
 */
export function tensorReaderPort(
  reader: {
    copyRange(cid: string, start: number, end: number): Buffer;
    sliceCopy(tensor: TensorRecord, plan: SlicePlan): Buffer;
  },
  logger?: Pick<LoggerPort, 'error'>,
): ReaderPort {
  const logged = <T>(read: () => T): T => {
    try {
      return read();
    } catch (error) {
      if ((error as { code?: string }).code === 'IO' || (error as { code?: string }).code === 'IO_ERROR') {
        logger?.error('graphql: store fault (run ipfrs verify)', { error });
      }
      throw error;
    }
  };
  return {
    readRange: (cid, start, end) => logged(() => reader.copyRange(cid, start, end)),
    readSlice: (tensor, plan) => logged(() => reader.sliceCopy(tensor, plan)),
  };
}
