// The cache port of one worker of `ipfrs serve --workers N`. Each worker maps files in its own MmapCache (the
// page cache underneath is shared by the kernel); a mutation is done here, then relayed through the primary to
// every other worker, and settles once they all answered, so clearCache's answer already covers every worker.
// Stats are every worker's snapshot as of the last round trip; cacheStats and the SSE stream refresh first.
// The same round trip collects the other workers' /metrics (op 'metrics'), which the asking worker sums.
import type { CacheAccess, CacheEntryRecord, CachePort, CacheStatsRecord, WorkerCacheRecord } from '../graphql/services/ports.ts';
import type { MetricsJson } from '../telemetry/metrics.ts';

/**
 * What the primary and the workers send each other (node:cluster IPC, 'advanced' serialization: a bound of +Inf
 * or a NaN in the metrics survive it).
 */
export type CacheOp = { op: 'stats' } | { op: 'clear' } | { op: 'evict'; cid: string } | { op: 'warm'; cid: string; access: CacheAccess; populate: boolean } | { op: 'metrics' };

export interface WorkerSnapshot {
  worker: number;
  pid: number;
  stats: CacheStatsRecord;
  files: CacheEntryRecord[];
  /** evict: whether this worker had the file mapped. */
  evicted?: boolean;
  /** metrics: this worker's own (Metrics.json()). */
  metrics?: MetricsJson;
}

export type ClusterMessage =
  /** worker -> primary: do `op` in every other worker, then answer with their snapshots. */
  | { ipfrs: 'cache-request'; id: number; op: CacheOp }
  /** primary -> worker: do `op` here and answer with this worker's snapshot. */
  | { ipfrs: 'cache-op'; id: number; op: CacheOp }
  | { ipfrs: 'cache-reply'; id: number; snapshot: WorkerSnapshot }
  /** primary -> the worker that asked. */
  | { ipfrs: 'cache-done'; id: number; snapshots: WorkerSnapshot[] }
  /** worker -> primary, just before it listens: relay cache operations to me too; primary -> worker: done. */
  | { ipfrs: 'serving' }
  | { ipfrs: 'serving-ack' }
  /** worker -> primary, once it listens, gRPC included (or could not start). */
  | { ipfrs: 'ready'; url: string; grpc: string | null }
  /** standby worker -> primary: built, waiting to listen; primary -> standby worker: listen now (one died). */
  | { ipfrs: 'standby' }
  | { ipfrs: 'activate' }
  | { ipfrs: 'failed'; message: string };

export function isClusterMessage(value: unknown): value is ClusterMessage {
  return typeof value === 'object' && value !== null && typeof (value as { ipfrs?: unknown }).ipfrs === 'string';
}

export interface WorkerChannel {
  worker: number;
  send(message: ClusterMessage): void;
  onMessage(listener: (message: ClusterMessage) => void): void;
  /** This worker's metrics, for another worker's /metrics. */
  metrics?: () => Promise<MetricsJson>;
}

export interface ClusterCachePort extends CachePort {
  /** The other listening workers' metrics (Metrics.json() of each). */
  othersMetrics(): Promise<MetricsJson[]>;
}

/** Counts add up; a bound that is unbounded (MAX_SAFE_INTEGER) in any worker stays unbounded, not 2^53 times N. */
export function sumStats(parts: CacheStatsRecord[]): CacheStatsRecord {
  const sum = (key: keyof Omit<CacheStatsRecord, 'workers'>) => Math.min(Number.MAX_SAFE_INTEGER, parts.reduce((n, p) => n + p[key], 0));
  return { entries: sum('entries'), maxEntries: sum('maxEntries'), mappedBytes: sum('mappedBytes'), maxBytes: sum('maxBytes'), hits: sum('hits'), misses: sum('misses'), evictions: sum('evictions') };
}

/** One entry per file: its hits summed over the workers that map it, its last access the latest; most recent first. */
export function mergeFiles(lists: CacheEntryRecord[][]): CacheEntryRecord[] {
  const byCid = new Map<string, CacheEntryRecord>();
  for (const entry of lists.flat()) {
    const seen = byCid.get(entry.cid);
    byCid.set(entry.cid, seen ? { ...seen, hits: seen.hits + entry.hits, lastAccess: Math.max(seen.lastAccess, entry.lastAccess) } : { ...entry });
  }
  return [...byCid.values()].sort((a, b) => b.lastAccess - a.lastAccess);
}

export function clusterCachePort(local: CachePort, channel: WorkerChannel, logger: { warn(msg: string, fields?: Record<string, unknown>): void }): ClusterCachePort {
  let others: WorkerSnapshot[] = [];
  let nextId = 1;
  const pending = new Map<number, (snapshots: WorkerSnapshot[]) => void>();

  const own = (): WorkerSnapshot => ({ worker: channel.worker, pid: process.pid, stats: local.stats(), files: local.files() });
  /** Done in every other worker; resolves with their snapshots (which replace what was known of them). */
  const relay = (op: CacheOp): Promise<WorkerSnapshot[]> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, (snapshots) => {
        others = snapshots.filter((s) => s.worker !== channel.worker);
        resolve(others);
      });
      channel.send({ ipfrs: 'cache-request', id, op });
    });

  channel.onMessage((message) => {
    if (message.ipfrs === 'cache-done') {
      pending.get(message.id)?.(message.snapshots);
      pending.delete(message.id);
    } else if (message.ipfrs === 'cache-op') {
      const op = message.op;
      const reply = op.op === 'metrics' ? metricsHere().then((metrics) => ({ ...own(), metrics })) : apply(op).then((evicted) => ({ ...own(), evicted }));
      void reply.then((snapshot) => channel.send({ ipfrs: 'cache-reply', id: message.id, snapshot }));
    }
  });

  async function metricsHere(): Promise<MetricsJson> {
    try {
      return (await channel.metrics?.()) ?? [];
    } catch (error) {
      logger.warn('metrics of this worker could not be read', { error: (error as Error).message });
      return [];
    }
  }

  /** Another worker's mutation, done here. A file this worker cannot warm is left out, not an error there. */
  async function apply(op: Exclude<CacheOp, { op: 'metrics' }>): Promise<boolean> {
    try {
      if (op.op === 'clear') await local.clear();
      else if (op.op === 'evict') return await local.evict(op.cid);
      else if (op.op === 'warm') await local.warm(op.cid, { access: op.access, populate: op.populate });
    } catch (error) {
      logger.warn('cache operation from another worker failed here', { op: op.op, error: (error as Error).message });
    }
    return false;
  }

  const workers = (): WorkerCacheRecord[] =>
    [own(), ...others].sort((a, b) => a.worker - b.worker).map((s) => ({ worker: s.worker, pid: s.pid, ...withoutWorkers(s.stats) }));

  return {
    stats() {
      const list = workers();
      return { ...sumStats(list), workers: list };
    },
    files: () => mergeFiles([local.files(), ...others.map((s) => s.files)]),
    async clear() {
      await local.clear();
      await relay({ op: 'clear' });
    },
    async evict(cid) {
      const here = await local.evict(cid);
      const there = await relay({ op: 'evict', cid });
      return here || there.some((s) => s.evicted === true);
    },
    async warm(cid, options) {
      const entry = await local.warm(cid, options);
      await relay({ op: 'warm', cid, ...options });
      return entry;
    },
    async refresh() {
      await relay({ op: 'stats' });
    },
    async othersMetrics() {
      return (await relay({ op: 'metrics' })).map((s) => s.metrics ?? []);
    },
  };
}

function withoutWorkers(stats: CacheStatsRecord): Omit<CacheStatsRecord, 'workers'> {
  const { workers: _workers, ...rest } = stats;
  return rest;
}
