// `ipfrs serve --workers N`: N server processes on one port (node:cluster), one store and index on disk, each
// worker with its own mmap cache over the page cache the kernel shares. The primary serves nothing: it readies the
// store once (recovery, demo files, secrets), starts the workers, relays cache operations between them
// (cluster-cache.ts), replaces a worker that dies, and on SIGTERM or SIGINT has every worker drain and exit.
// A worker takes seconds to build on a busy machine (schema, yoga, the store), so one more is kept built and
// waiting to listen (a standby): when a worker dies, the standby listens at once and a new standby is started.
import cluster, { type Worker } from 'node:cluster';
import type { ServerOptions, RunningServer } from '../server.ts';
import { clusterCachePort, isClusterMessage, type ClusterCachePort, type ClusterMessage, type WorkerSnapshot } from './cluster-cache.ts';
import { Metrics } from '../telemetry/metrics.ts';
import type { Logger } from '../telemetry/logger.ts';

/** How long the primary waits for the workers' answers to a cache operation before answering with those it has. */
const RELAY_TIMEOUT_MS = 5000;
/** A worker that fails to start this many times in a row stops the server (a bad port, a broken store...). */
const MAX_FAILED_STARTS = 3;
const STANDBY_ENV = 'IPFRS_CLUSTER_STANDBY';

export interface PrimaryStarted {
  url: string;
  /** The gRPC address every worker serves too (on the one port, like HTTP), or null without gRPC. */
  grpc: string | null;
  adminToken: { token: string; created: boolean };
  /** Settles when every worker has exited after a signal (0), or the workers could not start (1). */
  done: Promise<number>;
}

/** Readies the store, starts `count` workers, and resolves once all of them listen. */
export async function startPrimary(options: ServerOptions, count: number, logger: Logger): Promise<PrimaryStarted> {
  const { TensorStore } = await import('../store/tensor-store.ts');
  const { seedDemo } = await import('../store/demo.ts');
  const { loadOrCreateAdminToken, loadOrCreateKeyRing } = await import('../store/secrets.ts');
  // Recovery and first-start work, once, before any worker has the store open.
  const store = TensorStore.open(options.storeRoot);
  try {
    const report = store.openReport;
    if (report.rebuilt || report.tempFilesRemoved || report.droppedRows) logger.info('store opened', { root: options.storeRoot, ...report });
    const seeded = options.seedDemo ? await seedDemo(store) : 0;
    if (seeded) logger.info('store was empty: added the demo tensors', { files: seeded });
  } finally {
    store.close();
  }
  if (loadOrCreateKeyRing(options.storeRoot).created) logger.info('generated a link-signing key');
  const adminToken = loadOrCreateAdminToken(options.storeRoot);

  const ready = new Map<number, Worker>();
  /**
   * The workers that cache operations and metrics are relayed to: each joins just before it listens (a worker can
   * serve before its 'ready', which follows the gRPC start), so none serves a request while left out of a relay.
   */
  const serving = new Map<number, Worker>();
  /** The built worker waiting to listen, and whether a worker died while it was still building. */
  let standby: { worker: Worker; built: boolean } | null = null;
  let standbyOwed = 0;
  let shuttingDown = false;
  let failedStarts = 0;
  let exitCode = 0;
  let everyoneListening = false;
  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));
  let started!: (addresses: { url: string; grpc: string | null }) => void;
  let startFailed!: (error: Error) => void;
  const allListening = new Promise<{ url: string; grpc: string | null }>((resolve, reject) => ((started = resolve), (startFailed = reject)));

  // Cache operations in flight: which workers still owe an answer, and to whom the snapshots go.
  let nextRelay = 1;
  const relays = new Map<number, { origin: Worker; id: number; waiting: Set<number>; snapshots: WorkerSnapshot[]; timer: NodeJS.Timeout }>();
  const settle = (relayId: number) => {
    const relay = relays.get(relayId);
    if (!relay || relay.waiting.size > 0) return;
    relays.delete(relayId);
    clearTimeout(relay.timer);
    if (relay.origin.isConnected()) send(relay.origin, { ipfrs: 'cache-done', id: relay.id, snapshots: relay.snapshots });
  };

  const activate = () => {
    if (standby?.built && standbyOwed > 0) {
      standbyOwed--;
      send(standby.worker, { ipfrs: 'activate' });
      standby = null;
      if (!shuttingDown) fork(true);
    }
  };
  const fork = (asStandby = false) => {
    const worker = cluster.fork(asStandby ? { [STANDBY_ENV]: '1' } : {});
    if (asStandby) standby = { worker, built: false };
    worker.on('message', (message: unknown) => {
      if (!isClusterMessage(message)) return;
      if (message.ipfrs === 'standby') {
        failedStarts = 0;
        if (standby?.worker === worker) standby.built = true;
        logger.info('standby worker built', { worker: worker.id, pid: worker.process.pid });
        activate();
      } else if (message.ipfrs === 'serving') {
        serving.set(worker.id, worker);
        send(worker, { ipfrs: 'serving-ack' });
      } else if (message.ipfrs === 'ready') {
        ready.set(worker.id, worker);
        failedStarts = 0;
        if (!everyoneListening && ready.size === count) {
          everyoneListening = true;
          started({ url: message.url, grpc: message.grpc });
        } else if (everyoneListening) {
          logger.info('worker replaced', { worker: worker.id, pid: worker.process.pid });
        }
      } else if (message.ipfrs === 'failed') {
        logger.error('worker could not start', { worker: worker.id, error: message.message });
      } else if (message.ipfrs === 'cache-request') {
        const relayId = nextRelay++;
        const targets = [...serving.values()].filter((w) => w !== worker && w.isConnected());
        const timer = setTimeout(() => {
          const relay = relays.get(relayId);
          if (!relay) return;
          logger.warn('workers did not answer a cache operation in time', { op: message.op.op, workers: [...relay.waiting] });
          relay.waiting.clear();
          settle(relayId);
        }, RELAY_TIMEOUT_MS);
        timer.unref();
        relays.set(relayId, { origin: worker, id: message.id, waiting: new Set(targets.map((w) => w.id)), snapshots: [], timer });
        for (const target of targets) send(target, { ipfrs: 'cache-op', id: relayId, op: message.op });
        settle(relayId);
      } else if (message.ipfrs === 'cache-reply') {
        const relay = relays.get(message.id);
        if (relay?.waiting.delete(worker.id)) relay.snapshots.push(message.snapshot);
        settle(message.id);
      }
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    const wasReady = ready.delete(worker.id);
    serving.delete(worker.id);
    const wasStandby = standby?.worker === worker;
    if (wasStandby) standby = null;
    // Its answers to cache operations will not come.
    for (const [relayId, relay] of relays) if (relay.waiting.delete(worker.id)) settle(relayId);
    if (shuttingDown) {
      logger.info('worker stopped', { worker: worker.id, pid: worker.process.pid, code, signal });
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info('stopped');
        finish(exitCode);
      }
      return;
    }
    if (!wasReady && ++failedStarts >= MAX_FAILED_STARTS) {
      logger.error('workers keep failing to start: stopping', { attempts: failedStarts });
      exitCode = 1;
      shutdown();
      if (!everyoneListening) startFailed(new Error('the server workers could not start (see the log above)'));
      if (Object.keys(cluster.workers ?? {}).length === 0) finish(exitCode);
      return;
    }
    if (wasStandby) {
      logger.warn('standby worker exited: starting another', { worker: worker.id, pid: worker.process.pid, code, signal });
      fork(true);
      return;
    }
    logger.warn('worker exited: starting a replacement', { worker: worker.id, pid: worker.process.pid, code, signal });
    if (standby) {
      standbyOwed++;
      activate();
    } else {
      fork();
    }
  });

  // Every worker is stopped by SIGTERM, whatever it is doing (runWorker): a message could reach a worker still
  // loading its modules before it listens for messages, and be lost.
  const signalWorkers = () => {
    for (const worker of Object.values(cluster.workers ?? {})) if (worker && !worker.isDead()) worker.process.kill('SIGTERM');
  };
  const shutdown = () => {
    if (shuttingDown) return;
    shuttingDown = true;
    standbyOwed = 0;
    signalWorkers();
  };
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      logger.info('signal received: draining every worker', { signal, workers: ready.size });
      shutdown();
    } else {
      // A second signal: the workers stop waiting for slow clients.
      logger.warn('second signal: closing open connections now', { signal });
      signalWorkers();
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  // Each worker accepts from the shared socket itself (the kernel spreads the connections). Round-robin through the
  // primary (node's default) loses a connection handed to a worker that dies before taking it: it hangs forever.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  // Structured clone rather than JSON: the metrics carry +Inf (no byte bound) and NaN, which JSON turns into null.
  cluster.setupPrimary({ serialization: 'advanced' });
  for (let i = 0; i < count; i++) fork();
  const { url, grpc } = await allListening;
  fork(true);
  return { url, grpc, adminToken, done };
}

/**
 * One worker: the whole server over this worker's own cache, its cache port relaying mutations to the others.
 * Resolves when the worker has drained (after the primary's SIGTERM, or if the primary went away).
 */
export async function runWorker(options: ServerOptions, logger: Logger): Promise<void> {
  const worker = cluster.worker!;
  const log = withFields(logger, { worker: worker.id });
  // Listened for before anything else, so that a stop is never lost whatever this worker is doing (building,
  // waiting as a standby, listening before the primary heard of it, serving): the primary stops every worker by
  // SIGTERM, which, unlike a message, cannot arrive before its listener. A second one cuts slow clients off.
  let server: RunningServer | null = null;
  let stops = 0;
  let stopRequested!: (why: string) => void;
  const stopping = new Promise<string>((resolve) => (stopRequested = resolve));
  const stop = (why: string) => {
    if (++stops === 1) stopRequested(why);
    else server?.server.closeAllConnections();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  // The primary is gone (killed): nobody relays or replaces any more, so this worker stops too.
  process.on('disconnect', () => stop('primary gone'));
  // The terminal's Ctrl-C reaches every process of the group: the primary decides, and tells the workers.
  process.on('SIGINT', () => {});
  const standby = process.env[STANDBY_ENV] === '1';
  let port: ClusterCachePort | null = null;
  try {
    const { startServer } = await import('../server.ts');
    server = await startServer({
      ...options,
      logger: log,
      // The primary has recovered the store and added the demo files; other workers may be writing to it now.
      seedDemo: false,
      recoverStore: false,
      beforeListen: async () => {
        if (standby && stops === 0) await Promise.race([standbyUntilNeeded(worker), stopping]);
        if (stops === 0) await Promise.race([joinRelays(worker), stopping]);
        if (stops > 0) throw new StoppedBeforeListening();
      },
      wrapCache: (local, metrics) =>
        (port = clusterCachePort(
          local,
          {
            worker: worker.id,
            send: (m) => send(worker, m),
            onMessage: (listener) => process.on('message', (m) => isClusterMessage(m) && listener(m)),
            metrics: () => metrics.json(),
          },
          log,
        )),
      // /metrics is the whole server's: this worker's and every other listening worker's, summed by prom-client's
      // aggregators (a standby, not serving yet, is left out).
      renderMetrics: async (own) => Metrics.aggregate([await own.json(), ...(port ? await port.othersMetrics() : [])]),
    });
  } catch (error) {
    if (error instanceof StoppedBeforeListening) {
      log.info('stopped before listening');
      if (worker.isConnected()) worker.disconnect();
      return;
    }
    send(worker, { ipfrs: 'failed', message: (error as Error).message });
    worker.disconnect();
    throw error;
  }
  send(worker, { ipfrs: 'ready', url: server.url, grpc: server.grpc?.address ?? null });
  log.info('draining', { why: await stopping });
  await server.close().catch(() => {});
  if (worker.isConnected()) worker.disconnect();
}

class StoppedBeforeListening extends Error {}

/** Resolves once the primary relays cache operations and metrics requests to this worker too (it is about to listen). */
function joinRelays(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (isClusterMessage(message) && message.ipfrs === 'serving-ack') {
        process.off('message', onMessage);
        resolve();
      }
    };
    process.on('message', onMessage);
    send(worker, { ipfrs: 'serving' });
  });
}

/** A standby worker: built, it says so and resolves on the primary's activate. */
function standbyUntilNeeded(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (isClusterMessage(message) && message.ipfrs === 'activate') {
        process.off('message', onMessage);
        resolve();
      }
    };
    process.on('message', onMessage);
    send(worker, { ipfrs: 'standby' });
  });
}

function send(worker: Worker, message: ClusterMessage): void {
  try {
    worker.send(message);
  } catch {
    // The worker is exiting; the 'exit' handler accounts for it.
  }
}

function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    debug: (msg, more) => logger.debug(msg, { ...fields, ...more }),
    info: (msg, more) => logger.info(msg, { ...fields, ...more }),
    warn: (msg, more) => logger.warn(msg, { ...fields, ...more }),
    error: (msg, more) => logger.error(msg, { ...fields, ...more }),
    enabled: logger.enabled?.bind(logger),
  };
}
