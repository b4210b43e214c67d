// The mmap layer: memory-mapped files, their LRU cache, advice and errors. Importing this loads the native addon;
// import types only where the addon must not load (see src/graphql/services/adapters.ts).
export { MmapFile, type ByteRange, type ByteRanges } from './mmap-file.ts';
export { MmapCache, type MmapCacheOptions, type MmapCacheStats, type MmapCacheEntryInfo } from './mmap-cache.ts';
export { MmapConfig, type MmapConfigInit, type MmapConfigLike } from './config.ts';
export { MmapError, MMAP_ERROR_CODES, type MmapErrorCode, type MmapErrorDetails } from './errors.ts';
import { native } from './binding.ts';

/** Mappings of this process not yet unmapped (in caches, or kept alive by views after eviction), and their bytes. */
export function mappingStats(): { mappings: number; bytes: number } {
  return native.mappingStats();
}
