// The mmap cache: its stats (query and subscription) and the admin mutations that clear, evict and warm it.
import { audit } from '../../auth/audit.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import type { CacheEntryRecord, WorkerCacheRecord } from '../services/ports.ts';
import { ForbiddenError, InvalidArgumentError, NotFoundError } from '../errors.ts';
import { cacheSnapshot, freshCacheSnapshot, statsStream, type CacheSnapshot } from '../services/stats-stream.ts';
import { guardAsync } from '../translate.ts';
import { TensorFileRef } from './refs.ts';

export const CacheAccessEnum = builder.enumType('CacheAccess', {
  description: 'How the file will be read, as advice to the kernel (madvise).',
  values: {
    DEFAULT: { value: 'default', description: 'No advice.' },
    SEQUENTIAL: { value: 'sequential', description: 'Read start to end (aggressive read-ahead).' },
    RANDOM: { value: 'random', description: 'Scattered reads (no read-ahead).' },
    HUGEPAGES: { value: 'hugepages', description: 'Back with huge pages where the kernel can.' },
  } as const,
});

const CacheEntry = builder.objectRef<CacheEntryRecord>('CacheEntry').implement({
  description: 'A file mapped in the cache.',
  fields: (t) => ({
    cid: t.expose('cid', { type: 'CID' }),
    path: t.exposeString('path', { nullable: true, description: 'The object\'s path on the server, when it shows it.' }),
    size: t.expose('size', { type: 'SafeInt', description: 'Mapped bytes.' }),
    hits: t.expose('hits', { type: 'SafeInt' }),
    lastAccess: t.field({ type: 'DateTime', resolve: (entry) => new Date(entry.lastAccess) }),
    file: t.field({
      type: TensorFileRef,
      nullable: true,
      description: 'The file, unless it was deleted since it was mapped.',
      resolve: (entry, _args, ctx) => ctx.store.getFile(entry.cid),
    }),
  }),
});

const WorkerCacheStats = builder.objectRef<WorkerCacheRecord>('WorkerCacheStats').implement({
  description: 'One server process\'s own cache (`ipfrs serve --workers N` runs N, each with its own mappings).',
  fields: (t) => ({
    worker: t.exposeInt('worker', { description: '0 for a single-process server, else the worker\'s id (1, 2, ...; a replaced worker gets a new one).' }),
    pid: t.exposeInt('pid'),
    entries: t.exposeInt('entries'),
    maxEntries: t.exposeInt('maxEntries'),
    mappedBytes: t.expose('mappedBytes', { type: 'SafeInt' }),
    maxBytes: t.expose('maxBytes', { type: 'SafeInt' }),
    hits: t.expose('hits', { type: 'SafeInt' }),
    misses: t.expose('misses', { type: 'SafeInt' }),
    evictions: t.expose('evictions', { type: 'SafeInt' }),
  }),
});

const CacheStats = builder.objectRef<CacheSnapshot>('CacheStats').implement({
  description: 'The memory-mapped file cache: an LRU bounded by entries and by mapped bytes.',
  fields: (t) => ({
    entries: t.exposeInt('entries'),
    maxEntries: t.exposeInt('maxEntries'),
    mappedBytes: t.expose('mappedBytes', { type: 'SafeInt' }),
    maxBytes: t.expose('maxBytes', { type: 'SafeInt' }),
    hits: t.expose('hits', { type: 'SafeInt' }),
    misses: t.expose('misses', { type: 'SafeInt' }),
    evictions: t.expose('evictions', { type: 'SafeInt' }),
    hitRatio: t.float({
      description: 'hits / (hits + misses); 0 before the first lookup.',
      resolve: (s) => (s.hits + s.misses === 0 ? 0 : s.hits / (s.hits + s.misses)),
    }),
    files: t.field({ type: [CacheEntry], description: 'Most recently used first (a file mapped by several workers once, its hits summed).', resolve: (s) => s.files }),
    workers: t.field({
      type: [WorkerCacheStats],
      description: 'Each server process\'s figures; the fields above sum them.',
      resolve: (s) => s.workers ?? [{ worker: 0, pid: process.pid, ...s }],
    }),
  }),
});

const EvictFromCachePayload = builder.objectRef<{ cid: string; evicted: boolean }>('EvictFromCachePayload').implement({
  fields: (t) => ({
    cid: t.expose('cid', { type: 'CID' }),
    evicted: t.exposeBoolean('evicted', { description: 'False when the file was not mapped.' }),
  }),
});

builder.queryField('cacheStats', (t) =>
  t.field({ type: CacheStats, resolve: (_root, _args, ctx) => freshCacheSnapshot(ctx.cache) }),
);

builder.subscriptionField('cacheStats', (t) =>
  t.field({
    type: CacheStats,
    description: 'The cache stats now, then again whenever they change: checked every intervalMs, and at once after a cache mutation.',
    args: { intervalMs: t.arg.int({ defaultValue: 1000, required: true }) },
    subscribe: (_root, { intervalMs }, ctx) => statsStream(ctx.cache, ctx.cacheEvents, checkInterval(intervalMs, ctx)),
    resolve: (snapshot) => snapshot,
  }),
);

function checkInterval(intervalMs: number, ctx: GraphQLContext): number {
  const { minStatsIntervalMs: min, maxStatsIntervalMs: max } = ctx.config;
  if (intervalMs < min || intervalMs > max) throw new InvalidArgumentError(`intervalMs must be between ${min} and ${max}, not ${intervalMs}`, 'intervalMs');
  return intervalMs;
}

builder.mutationFields((t) => ({
  clearCache: t.field({
    type: CacheStats,
    description: 'Unmaps every file (views in use stay valid until released). Returns the stats after. Needs the admin scope.',
    authScopes: { admin: true },
    errors: { types: [ForbiddenError], directResult: true },
    resolve: async (_root, _args, ctx) => {
      await ctx.cache.clear();
      audit(ctx.logger, ctx.auth, 'clearCache');
      ctx.cacheEvents.changed();
      return cacheSnapshot(ctx.cache);
    },
  }),
  evictFromCache: t.field({
    type: EvictFromCachePayload,
    description: 'Unmaps one file. Needs the admin scope.',
    authScopes: { admin: true },
    errors: { types: [ForbiddenError], directResult: true },
    args: { cid: t.arg({ type: 'CID', required: true }) },
    resolve: async (_root, { cid }, ctx) => {
      const evicted = await ctx.cache.evict(cid);
      audit(ctx.logger, ctx.auth, 'evictFromCache', { cid, evicted });
      if (evicted) ctx.cacheEvents.changed();
      return { cid, evicted };
    },
  }),
  warmCache: t.field({
    type: CacheEntry,
    description: 'Maps a file ahead of use, with access advice; populate pre-faults every page (off the main thread). Needs the admin scope.',
    authScopes: { admin: true },
    errors: { types: [ForbiddenError, NotFoundError], directResult: true },
    args: {
      cid: t.arg({ type: 'CID', required: true }),
      access: t.arg({ type: CacheAccessEnum, defaultValue: 'default', required: true }),
      populate: t.arg.boolean({ defaultValue: false, required: true }),
    },
    resolve: async (_root, { cid, access, populate }, ctx) => {
      if (!ctx.store.getFile(cid)) throw new NotFoundError(`no file with CID ${cid}`);
      const entry = await guardAsync(() => ctx.cache.warm(cid, { access, populate }));
      audit(ctx.logger, ctx.auth, 'warmCache', { cid, access, populate });
      ctx.cacheEvents.changed();
      return entry;
    },
  }),
}));
