// One node:http server: GraphQL (yoga) at /graphql, downloads at /v1/, /healthz (alive), /readyz (able to serve),
// /metrics, and the playground at /; beside it in the same process, when asked, the gRPC server (src/grpc) over the
// same store, cache and tokens.
// Builds the real services over one store folder: TensorStore, the mmap cache, the reader, the signing key ring and
// the admin token (both generated at first start, mode 0600). Secrets never reach the logs; neither do query
// strings (a signed link is a credential until it expires).
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mmapCachePort, tensorReaderPort } from './graphql/services/adapters.ts';
import { tokenVerifier } from './graphql/services/auth.ts';
import { DEFAULT_CONFIG, type GraphQLConfig, type GraphQLServices } from './graphql/context.ts';
import { signedLinks } from './graphql/services/links.ts';
import { createCacheEvents } from './graphql/services/stats-stream.ts';
import type { CachePort } from './graphql/services/ports.ts';
import { createYoga, type GraphQLServer } from './graphql/yoga.ts';
import type { RunningGrpcServer } from './grpc/server.ts';
import { createDownloadRoute } from './http/download.ts';
import { INTERNAL_ERROR_BODY } from './http/refusal.ts';
import { startDagBackfill } from './ipfs/backfill.ts';
import { createGateway, isGatewayPath } from './ipfs/gateway.ts';
import { missingDownloadCid } from './ipfs/fetch-through.ts';
import { PeerFetcher } from './ipfs/peers.ts';
import { requestHeadersFromRaw } from './http/request.ts';
import { MmapCache, MmapFile } from './mmap/index.ts';
import { attachDownloadLane, type LaneObserver } from './server/lane/download-lane.ts';
import { busyWithResponse } from './server/lane/node-internals.ts';
import { createLogger, type Logger } from './telemetry/logger.ts';
import { Metrics } from './telemetry/metrics.ts';
import { createPlaygroundHandler } from './server/playground.ts';
import { seedDemo } from './store/demo.ts';
import { loadOrCreateAdminToken } from './store/secrets.ts';
import { keyRingSource } from './server/key-ring.ts';
import { TensorReader } from './store/tensor-reader.ts';
import { openWarnings, TensorStore } from './store/tensor-store.ts';

export interface ServerOptions {
  /** The store folder (created if missing). */
  storeRoot: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Serve downloads without signatures, like a public gateway. */
  publicMode?: boolean;
  /** GraphQL answers up to this many bytes inline (default 64 KiB). */
  inlineLimit?: number;
  /** Base of link URLs (e.g. behind a proxy); default the origin each request came to. */
  publicUrl?: string | null;
  /** Bounds of the mmap cache. */
  cacheEntries?: number;
  cacheBytes?: number;
  /** Add the demo tensors when the store is empty (ipfrs serve does; tests usually not). */
  seedDemo?: boolean;
  /** How long in-flight requests get to finish on close() before their connections are cut. Default 30 s. */
  shutdownTimeoutMs?: number;
  graphiql?: boolean;
  logger?: Logger;
  /** Serve /ipfs/<cid> (the IPFS trustless gateway) to anyone; without it, to bearer tokens of this server only. */
  ipfsGateway?: boolean;
  /** Base URLs of IPFS trustless gateways (other ipfrs nodes, kubo, rainbow) to fetch missing CIDs from. */
  peers?: readonly string[];
  /** Answer download requests on the download lane rather than through node:http (default true). */
  downloadLane?: boolean;
  /** Serve gRPC on this port of `host` too (0 picks a free port); null or absent: no gRPC server. */
  grpcPort?: number | null;
  /**
   * When the gRPC port is taken: false (default) fails the start; true logs a warning and serves without gRPC
   * (`ipfrs serve` without --grpc-port, so that a second server on the machine still starts).
   */
  grpcOptional?: boolean;
  /** Clean leftovers and reconcile the index at open (default true; false in a worker of `serve --workers`). */
  recoverStore?: boolean;
  /** Wraps the cache as GraphQL sees it (a worker of `serve --workers` relays cache mutations to the others). */
  wrapCache?: (local: CachePort) => CachePort;
  /** Awaited when everything is built, just before listening (a standby worker waits here until it is needed). */
  beforeListen?: () => Promise<void>;
  /** The text /metrics answers (a worker of `serve --workers` sums every worker's); default this process's own. */
  renderMetrics?: (own: Metrics) => Promise<string>;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  /** The admin token, and whether this start created it (then, and only then, it should be shown once). */
  adminToken: { token: string; created: boolean };
  /** How many demo files were added at this start. */
  seeded: number;
  store: TensorStore;
  cache: MmapCache;
  metrics: Metrics;
  server: Server;
  /** The gRPC server, when one was asked for and could bind. */
  grpc: RunningGrpcServer | null;
  /** Fetches from the peers (--peer); with none, every fetch fails with UNAVAILABLE. */
  fetcher: PeerFetcher;
  /** Stops accepting, lets in-flight downloads finish, closes idle keep-alive sockets; then releases the store. */
  close(): Promise<void>;
}

type Route = 'graphql' | 'download' | 'ipfs' | 'healthz' | 'readyz' | 'metrics' | 'playground' | 'other';

const DEFAULT_CACHE_ENTRIES = 1024;
const KEEP_ALIVE_TIMEOUT_MS = 5000;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? createLogger();
  const host = options.host ?? '127.0.0.1';
  const store = TensorStore.open(options.storeRoot, { recover: options.recoverStore ?? true });
  const report = store.openReport;
  if (report.rebuilt || report.tempFilesRemoved || report.droppedRows) logger.info('store opened', { root: options.storeRoot, ...report });
  for (const warning of openWarnings(report)) logger.warn(`store: ${warning}`, { root: options.storeRoot });

  const seeded = options.seedDemo ? await seedDemo(store) : 0;
  if (seeded) logger.info('store was empty: added the demo tensors', { files: seeded });

  const cache = new MmapCache({ maxEntries: options.cacheEntries ?? DEFAULT_CACHE_ENTRIES, ...(options.cacheBytes ? { maxBytes: options.cacheBytes } : {}) });
  const reader = new TensorReader(store, cache);
  const ring = keyRingSource(options.storeRoot, logger);
  const adminToken = loadOrCreateAdminToken(options.storeRoot);
  const metrics = new Metrics();
  // This process's own cache: with --workers, /metrics sums the workers' (options.renderMetrics).
  metrics.cacheSource = () => cache.stats();
  const renderMetrics = options.renderMetrics ?? ((own: Metrics) => own.render({ runtime: true }));
  const peers = options.peers ?? [];
  const fetcher = new PeerFetcher(store, peers, logger);
  if (peers.length > 0) metrics.fetches = fetcher.stats;

  const config: Partial<GraphQLConfig> = { publicUrl: options.publicUrl ?? null };
  if (options.inlineLimit !== undefined) {
    config.inlineLimit = options.inlineLimit;
    config.maxInlineLimit = Math.max(options.inlineLimit, 4 * 1024 * 1024);
  }
  const auth = tokenVerifier([{ token: adminToken.token, scopes: ['admin'] }]);
  // One stream of cache-change events for GraphQL subscribers and gRPC's WatchStats, whichever side changes it.
  const cacheEvents = createCacheEvents();
  const cachePort = mmapCachePort(cache, { objectPath: (cid) => store.objectPath(cid), cidOfPath: (path) => TensorReader.cidOfPath(path) });
  const services: GraphQLServices = {
    ...(peers.length > 0 ? { peers: { fetch: (cid: string) => fetcher.fetch(cid) } } : {}),
    store,
    cache: options.wrapCache ? options.wrapCache(cachePort) : cachePort,
    reader: tensorReaderPort(reader, logger),
    links: signedLinks(ring, { publicMode: options.publicMode }),
    auth,
    logger,
    config,
    cacheEvents,
  };
  const yoga: GraphQLServer = createYoga(services, { graphiql: options.graphiql });
  const download = createDownloadRoute({ store, reader, ring, publicMode: options.publicMode, metrics, logger });
  // The gateway answers a file's bytes with the download engine; content addressing needs no signature there.
  const gatewayFiles = createDownloadRoute({ store, reader, ring, publicMode: true, metrics, logger });
  const fetchMissing = peers.length > 0 ? async (cid: string) => void (await fetcher.fetch(cid)) : undefined;
  const gateway = createGateway({ store, reader, files: gatewayFiles, public: options.ipfsGateway ?? false, auth: services.auth, fetchMissing, metrics, logger });
  /** With peers, a download of a CID the store lacks fetches it first, once the route said 404 (after the signature check). */
  const downloadFetching = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '';
    const request = { method: req.method ?? 'GET', url, headers: requestHeadersFromRaw(req.rawHeaders) };
    let answer = download.reply(request);
    const missing = answer.status === 404 ? missingDownloadCid(url, store) : null;
    if (missing) {
      try {
        await fetcher.fetch(missing);
        answer = download.reply(request);
      } catch (error) {
        logger.info('download: fetch from peers failed', { cid: missing, reason: (error as Error).message });
      }
    }
    res.writeHead(answer.status, answer.fixed === null ? answer.headers : answer.fixed.concat(answer.headers));
    await download.send(res, answer, url);
  };
  // Built in the background (esbuild, in memory); requests that come first wait for it.
  const playground = createPlaygroundHandler({ logger });

  let closing = false;
  /** What keeps the server from serving (empty when ready): the store and index, then the native addon. */
  const readiness = (): string[] => {
    const reasons: string[] = [];
    const problem = store.problem();
    if (problem) reasons.push(`store: ${problem}`);
    try {
      // A real map and unmap of a file of the store (never read through): the addon is loaded and mmap works.
      new MmapFile(join(options.storeRoot, 'index.sqlite')).close();
    } catch (error) {
      reasons.push(`mmap addon: ${(error as Error).message}`);
    }
    return reasons;
  };
  // Event streams in flight (shutdown ends them), and when each request started (its duration histogram, debug logs).
  const streams = new Set<ServerResponse>();
  const debug = logger.enabled?.('debug') ?? true;
  const started = new Map<ServerResponse, number>();
  const closeIdle = () => server.closeIdleConnections();

  // The per-request listeners are shared functions (`this` is the response), not closures made for every request,
  // and the route is worked out again rather than stored: a small range request costs only tens of microseconds.
  /** What every answered request leaves, whichever path answered it: its count by route and status, a debug line. */
  const requestDone = (route: Route, method: string | undefined, url: string, status: number, startedAt: number, aborted: boolean, lane: boolean): void => {
    const ms = performance.now() - startedAt;
    metrics.inFlight--;
    metrics.countResponse(route, status);
    metrics.observeDuration(lane ? 'lane' : 'http', route, ms / 1000);
    if (debug) logger.debug('request', { method, path: pathOf(url), status, ms: Math.round(ms), aborted, ...(lane ? { lane } : {}) });
  };
  function onClose(this: ServerResponse): void {
    streams.delete(this);
    const startedAt = started.get(this) ?? performance.now();
    started.delete(this);
    // 499 (nginx's word for it): the client went away before a status was sent.
    const url = this.req.url ?? '/';
    requestDone(routeOf(url), this.req.method, url, this.headersSent ? this.statusCode : 499, startedAt, !this.writableFinished, false);
    // A keep-alive socket that just went idle during shutdown is closed now, not at its idle timeout.
    if (closing) setImmediate(closeIdle);
  }
  function onError(this: ServerResponse, error: Error): void {
    logger.debug('response error', { error, path: pathOf(this.req.url ?? '/') });
  }
  const fail = (error: unknown, req: IncomingMessage, res: ServerResponse, route: Route) => {
    logger.error('unexpected error', { error, route, path: pathOf(req.url ?? '/') });
    if (!res.headersSent) {
      res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(INTERNAL_ERROR_BODY);
    } else {
      res.destroy();
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const route = routeOf(req.url ?? '/');
    const stream = route === 'graphql' && (req.headers.accept ?? '').includes('text/event-stream');
    metrics.inFlight++;
    if (stream) streams.add(res);
    started.set(res, performance.now());
    if (closing) res.shouldKeepAlive = false;
    // 'close' comes once per response: on() rather than once(), which wraps the listener for every request.
    res.on('close', onClose);
    res.on('error', onError);
    try {
      let done: unknown;
      switch (route) {
        case 'graphql':
          // requestListener writes the answer; handleNodeRequestAndResponse only returns a Response (never sent).
          done = yoga.requestListener(req, res);
          break;
        case 'download':
          done = fetchMissing ? downloadFetching(req, res) : download.handle(req, res);
          break;
        case 'ipfs':
          done = gateway.handle(req, res);
          break;
        case 'healthz':
          done = sendText(res, req, closing ? 503 : 200, 'application/json; charset=utf-8', `${JSON.stringify({ status: closing ? 'shutting down' : 'ok' })}\n`);
          break;
        case 'readyz': {
          // Liveness is /healthz; this says whether requests can be served: store, index and addon usable.
          const reasons = closing ? ['shutting down'] : readiness();
          const body = reasons.length ? { status: 'not ready', reasons } : { status: 'ready' };
          done = sendText(res, req, reasons.length ? 503 : 200, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
          break;
        }
        case 'metrics':
          done = renderMetrics(metrics).then((text) => sendText(res, req, 200, Metrics.contentType, text));
          break;
        default:
          if (!playground(req, res)) notFound(req, res);
      }
      if (done instanceof Promise) done.catch((error: unknown) => fail(error, req, res, route));
    } catch (error) {
      fail(error, req, res, route);
    }
  };

  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, handle);
  // Download requests skip node:http (download-lane.ts); options.downloadLane false leaves every request to node:http.
  const laneObserver: LaneObserver = {
    timed: true,
    started: () => metrics.inFlight++,
    finished: ({ method, url, status, aborted, startedAt }) => requestDone('download', method, url, status, startedAt, aborted, true),
  };
  const lane =
    options.downloadLane === false
      ? null
      : attachDownloadLane(server, {
          route: download,
          keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
          headersTimeoutMs: server.headersTimeout,
          closing: () => closing,
          observer: laneObserver,
          ...(fetchMissing ? { handOff: (url: string) => missingDownloadCid(url, store) !== null } : {}),
          logger,
        });
  // Node's closeIdleConnections (also run by server.close()) takes a response as done once end() is called, so it
  // destroys a socket whose last megabytes are still queued for a slow reader: SIGTERM cut such downloads short.
  // Here a socket is idle only when no response is attached to it (Node detaches one once its last byte has
  // reached the kernel).
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.closeIdleConnections = () => {
    lane?.closeIdle();
    for (const socket of sockets) if (!lane?.holds(socket) && !busyWithResponse(socket)) socket.destroy();
  };
  const closeAllConnections = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => {
    lane?.closeAll();
    closeAllConnections();
  };
  try {
    await options.beforeListen?.();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8080, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    store.close();
    throw error;
  }
  server.on('error', (error) => logger.error('server error', { error }));
  const { port } = server.address() as AddressInfo;
  let grpc: RunningGrpcServer | null = null;
  if (options.grpcPort !== undefined && options.grpcPort !== null) {
    try {
      // Loaded only when asked for: @grpc/grpc-js and the .proto files cost tens of milliseconds at start.
      const { startGrpcServer } = await import('./grpc/server.ts');
      const graphqlConfig = { ...DEFAULT_CONFIG, ...config };
      grpc = await startGrpcServer(
        { store, reader, cache: services.cache, cacheEvents, auth, logger, config: graphqlConfig },
        { host, port: options.grpcPort, metrics, shutdownTimeoutMs: options.shutdownTimeoutMs },
      );
      logger.info('grpc listening', { address: grpc.address });
    } catch (error) {
      if (!options.grpcOptional) {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        store.close();
        throw error;
      }
      logger.warn('grpc: could not listen; serving without gRPC', { port: options.grpcPort, error: (error as Error).message });
    }
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info('listening', { url, store: options.storeRoot, public: Boolean(options.publicMode) });
  const backfill = startDagBackfill(store, logger);

  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      closing = true;
      logger.info('shutting down: finishing in-flight requests', { inFlight: metrics.inFlight });
      // Event streams never end by themselves: end them now. Downloads and queries run to their end.
      for (const res of streams) res.destroy();
      const force = setTimeout(() => {
        logger.warn('shutdown timeout: closing the connections still open', { inFlight: metrics.inFlight });
        server.closeAllConnections();
      }, options.shutdownTimeoutMs ?? 30_000);
      force.unref();
      const grpcClosed = grpc?.close() ?? Promise.resolve();
      const stopped = backfill.stop();
      server.close(async () => {
        clearTimeout(force);
        await grpcClosed;
        download.close();
        gatewayFiles.close();
        cache.clear();
        await stopped;
        store.close();
        logger.info('stopped');
        resolve();
      });
      server.closeIdleConnections();
    });
    return closed;
  };

  return { url, host, port, adminToken, seeded, store, cache, metrics, server, grpc, fetcher, close };
}

function routeOf(url: string): Route {
  const path = pathOf(url);
  if (path === '/graphql' || path.startsWith('/graphql/')) return 'graphql';
  if (path === '/v1' || path.startsWith('/v1/') || path === '/zarr' || path.startsWith('/zarr/')) return 'download';
  if (isGatewayPath(path)) return 'ipfs';
  if (path === '/healthz') return 'healthz';
  if (path === '/readyz') return 'readyz';
  if (path === '/metrics') return 'metrics';
  return path === '/' || path === '/index.html' || path.startsWith('/playground/') ? 'playground' : 'other';
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function sendText(res: ServerResponse, req: IncomingMessage, status: number, type: string, text: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('use GET or HEAD\n');
    return;
  }
  const body = Buffer.from(text);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(body.length), 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function notFound(req: IncomingMessage, res: ServerResponse): void {
  const body = `${JSON.stringify({ error: 'NOT_FOUND', status: 404, message: `nothing at ${pathOf(req.url ?? '/').slice(0, 200)}: see / (playground), /graphql, /v1/blob/<cid>, /zarr/<cid>/, /healthz, /readyz, /metrics` })}
`;
  res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}
