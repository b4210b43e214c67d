// Stores made before UnixFS DAGs get their roots at start-up, in the background, with progress in the log.
import type { Logger } from '../telemetry/logger.ts';
import type { TensorStore } from '../store/tensor-store.ts';

const PROGRESS_EVERY_MS = 2000;

/** Starts the backfill; the returned stop() aborts it (the object being read is left for the next start). */
export function startDagBackfill(store: TensorStore, logger: Logger): { done: Promise<number>; stop(): Promise<void> } {
  const controller = new AbortController();
  const total = store.objectsWithoutDag().length;
  if (total === 0) return { done: Promise.resolve(0), stop: async () => {} };
  logger.info('ipfs: computing the UnixFS roots of objects added before them', { objects: total });
  const startedAt = performance.now();
  let lastLog = startedAt;
  let bytes = 0;
  const done = store
    .backfillDags({
      signal: controller.signal,
      onProgress: (p) => {
        bytes += p.bytes;
        const now = performance.now();
        if (now - lastLog < PROGRESS_EVERY_MS && p.done < p.total) return;
        lastLog = now;
        logger.info('ipfs: backfill progress', { done: p.done, total: p.total, bytes, mbPerSecond: Math.round(bytes / 1e3 / Math.max(1, now - startedAt)) });
      },
    })
    .then((count) => {
      if (count === total) logger.info('ipfs: UnixFS roots computed', { objects: count, ms: Math.round(performance.now() - startedAt) });
      else logger.info('ipfs: backfill stopped; the rest is computed at the next start', { done: count, total });
      return count;
    })
    .catch((error: unknown) => {
      logger.error('ipfs: backfill failed', { error });
      return 0;
    });
  return {
    done,
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}
