// ipfrs.v1.CacheService over the mmap cache (the same CachePort and change events as GraphQL, so a Clear here
// wakes GraphQL's cacheStats subscribers and a GraphQL clearCache wakes WatchStats).
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { CacheAccess as PortAccess } from '../graphql/services/ports.ts';
import { cacheSnapshot, freshCacheSnapshot, statsStream, type CacheSnapshot } from '../graphql/services/stats-stream.ts';
import type { CacheAccess } from './generated/ipfrs/v1/CacheAccess.ts';
import type { CacheEntry } from './generated/ipfrs/v1/CacheEntry.ts';
import type { CacheServiceHandlers } from './generated/ipfrs/v1/CacheService.ts';
import type { CacheStats } from './generated/ipfrs/v1/CacheStats.ts';
import type { WatchStatsRequest__Output } from './generated/ipfrs/v1/WatchStatsRequest.ts';
import { requireScope } from './auth.ts';
import { serverStreaming, unary } from './handlers.ts';
import { drained } from './streaming.ts';
import { invalidArgument, notFound } from './status.ts';
import { checkCid, type TensorServiceDeps } from './tensor-service.ts';

const ACCESS: Partial<Record<CacheAccess, PortAccess>> = {
  CACHE_ACCESS_DEFAULT: 'default',
  CACHE_ACCESS_SEQUENTIAL: 'sequential',
  CACHE_ACCESS_RANDOM: 'random',
  CACHE_ACCESS_HUGEPAGES: 'hugepages',
};

export interface CacheServiceControl {
  handlers: CacheServiceHandlers;
  /** Ends every WatchStats stream (they never end by themselves): for shutdown. */
  endWatches(): void;
}

export function cacheService(deps: Pick<TensorServiceDeps, 'store' | 'cache' | 'cacheEvents' | 'auth' | 'logger' | 'config'>): CacheServiceControl {
  const { cache, cacheEvents, auth, logger, config } = deps;
  const watches = new Set<() => void>();

  const handlers: CacheServiceHandlers = {
    GetStats: unary('GetStats', logger, async () => statsMessage(await freshCacheSnapshot(cache))),

    // The cache port's mutations may settle later (a cluster's workers): awaited, so the answer covers them.
    Clear: unary('Clear', logger, async ({ metadata }) => {
      requireScope(metadata, auth, 'admin', 'Clear');
      await cache.clear();
      cacheEvents.changed();
      return statsMessage(cacheSnapshot(cache));
    }),

    Evict: unary('Evict', logger, async ({ request, metadata }) => {
      requireScope(metadata, auth, 'admin', 'Evict');
      const cid = checkCid(request.cid);
      const evicted = await cache.evict(cid);
      if (evicted) cacheEvents.changed();
      return { cid, evicted };
    }),

    Warm: unary('Warm', logger, async ({ request, metadata }) => {
      requireScope(metadata, auth, 'admin', 'Warm');
      const cid = checkCid(request.cid);
      if (!deps.store.getFile(cid)) throw notFound(`no file with CID ${cid}`);
      const access = ACCESS[request.access as CacheAccess] ?? 'default';
      const entry = await cache.warm(cid, { access, populate: request.populate });
      cacheEvents.changed();
      return entryMessage(entry);
    }),

    WatchStats: serverStreaming('WatchStats', logger, async (call: ServerWritableStream<WatchStatsRequest__Output, unknown>) => {
      const intervalMs = call.request.interval_ms || 1000;
      const { minStatsIntervalMs: min, maxStatsIntervalMs: max } = config;
      if (intervalMs < min || intervalMs > max) throw invalidArgument(`interval_ms must be between ${min} and ${max}, not ${intervalMs}`);
      const stream = statsStream(cache, cacheEvents, intervalMs);
      const stop = () => void stream.return?.();
      watches.add(stop);
      call.once('cancelled', stop);
      try {
        for (let next = await stream.next(); !next.done && !call.cancelled; next = await stream.next()) {
          // Pull-based like the GraphQL subscription: a slow client gets the latest snapshot when it drains.
          if (!call.write(statsMessage(next.value))) await drained(call);
        }
        // Ended by shutdown: an OK end; by the client: nothing more to send.
        return !call.cancelled;
      } finally {
        watches.delete(stop);
        call.off('cancelled', stop);
        stop();
      }
    }),
  };
  return {
    handlers,
    endWatches: () => {
      for (const stop of [...watches]) stop();
    },
  };
}

function entryMessage(entry: { cid: string; size: number; hits: number; lastAccess: number }): CacheEntry {
  return { cid: entry.cid, size: entry.size, hits: entry.hits, last_access_ms: entry.lastAccess };
}

function statsMessage(s: CacheSnapshot): CacheStats {
  return {
    entries: s.entries,
    max_entries: s.maxEntries,
    mapped_bytes: s.mappedBytes,
    max_bytes: s.maxBytes,
    hits: s.hits,
    misses: s.misses,
    evictions: s.evictions,
    hit_ratio: s.hits + s.misses === 0 ? 0 : s.hits / (s.hits + s.misses),
    files: s.files.map(entryMessage),
  };
}
