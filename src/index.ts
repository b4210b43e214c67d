// The package's main entry.
export { MmapFile, MmapCache, MmapConfig, MmapError } from './mmap/index.ts';
export type { MmapConfigInit } from './mmap/index.ts';
