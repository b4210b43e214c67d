// The package's library API (`import { ... } from 'ipfrs-interface'`): the mmap file and cache, the store, and the
// whole server to embed in another Node program. Documented in the README ("Use it as a library").
export { MmapFile, MmapCache, MmapConfig, MmapError, mappingStats } from './mmap/index.ts';
export type { ByteRange, ByteRanges, MmapCacheOptions, MmapCacheStats, MmapCacheEntryInfo, MmapConfigInit, MmapConfigLike, MmapErrorCode } from './mmap/index.ts';
export { TensorStore, StoreError, normaliseCid, assertCid, cidOfBytes } from './store/index.ts';
export type { AddOptions, VerifyResult, OpenReport, StoreErrorCode, FileRecord, TensorRecord, Page, TensorFilter, FileFormat } from './store/index.ts';
export type { ServerOptions, RunningServer } from './server.ts';
export type { Logger, LogLevel } from './telemetry/logger.ts';
import type { RunningServer, ServerOptions } from './server.ts';

/**
 * Starts the whole server (GraphQL, downloads, /healthz, /metrics, the playground) on one node:http server and
 * resolves once it listens; `close()` on the result drains in-flight requests and releases the store. The server's
 * modules (GraphQL, yoga, the HTTP stack) load on the first call, not when the package is imported.
 */
export async function createServer(options: ServerOptions): Promise<RunningServer> {
  const { startServer } = await import('./server.ts');
  return startServer(options);
}
