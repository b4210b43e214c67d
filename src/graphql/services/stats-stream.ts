// The cacheStats subscription's source: a snapshot now, then one whenever it changes, checked every interval and
// at once when a mutation says the cache changed. Pull-based: nothing is queued for a slow client, it gets the
// latest snapshot when it asks for the next one. Timers and listeners go as soon as the client leaves.
import type { CacheEntryRecord, CacheEvents, CachePort, CacheStatsRecord } from './ports.ts';

export interface CacheSnapshot extends CacheStatsRecord {
  files: CacheEntryRecord[];
}

export function cacheSnapshot(cache: CachePort): CacheSnapshot {
  return { ...cache.stats(), files: cache.files() };
}

/** The snapshot after the other workers (if any) have reported their current figures. */
export async function freshCacheSnapshot(cache: CachePort): Promise<CacheSnapshot> {
  await cache.refresh?.();
  return cacheSnapshot(cache);
}

export function createCacheEvents(): CacheEvents {
  const listeners = new Set<() => void>();
  return {
    changed() {
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function statsStream(cache: CachePort, events: CacheEvents, intervalMs: number): AsyncIterableIterator<CacheSnapshot> {
  let lastKey: string | null = null;
  let waiting: ((result: IteratorResult<CacheSnapshot>) => void) | null = null;
  let closed = false;

  /** The snapshot if it differs from the last one sent, else null. */
  const changedSnapshot = (): CacheSnapshot | null => {
    const snapshot = cacheSnapshot(cache);
    const key = JSON.stringify(snapshot);
    if (key === lastKey) return null;
    lastKey = key;
    return snapshot;
  };
  const emit = () => {
    if (!waiting) return;
    const snapshot = changedSnapshot();
    if (!snapshot) return;
    const resolve = waiting;
    waiting = null;
    resolve({ value: snapshot, done: false });
  };
  // With several workers, their figures are fetched first (refresh never rejects); one process checks at once.
  const check = () => {
    if (!waiting) return;
    if (cache.refresh) void cache.refresh().then(emit);
    else emit();
  };
  const timer = setInterval(check, intervalMs);
  timer.unref();
  const unsubscribe = events.subscribe(check);
  const close = () => {
    closed = true;
    clearInterval(timer);
    unsubscribe();
    const resolve = waiting;
    waiting = null;
    resolve?.({ value: undefined, done: true });
  };

  return {
    next() {
      if (closed) return Promise.resolve({ value: undefined, done: true });
      const now = (): Promise<IteratorResult<CacheSnapshot>> => {
        if (closed) return Promise.resolve({ value: undefined, done: true });
        const snapshot = changedSnapshot();
        if (snapshot) return Promise.resolve({ value: snapshot, done: false });
        return new Promise((resolve) => {
          waiting = resolve;
        });
      };
      return cache.refresh ? cache.refresh().then(now) : now();
    },
    return() {
      close();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error) {
      close();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
