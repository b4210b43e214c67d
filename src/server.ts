// One node:http server: GraphQL (yoga) at /graphql, downloads at /v1/, /healthz (alive), /readyz (able to serve),
// /metrics, and the playground at /; beside it in the same process, when asked, the gRPC server (src/grpc) over the
// same store, cache and tokens.
// Builds the real services over one store folder: TensorStore, the mmap cache, the reader, the signing key ring and
// the admin token (both generated at first start, mode 0600). Secrets never reach the logs; neither do query
// strings (a signed link is a credential until it expires).
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Access, type AccessRequest, type Admission } from './auth/access.ts';
import { DEFAULT_CONNECTION_LIMITS, limitConnections, type ConnectionLimits } from './auth/connections.ts';
import { corsDecision, corsPolicy, type CorsDecision } from './auth/cors.ts';
import { registerAccessMetrics } from './auth/metrics.ts';
import { TokenStore } from './auth/token-store.ts';
import { mmapCachePort, tensorReaderPort } from './graphql/services/adapters.ts';
import { DEFAULT_CONFIG, type GraphQLConfig, type GraphQLServices } from './graphql/context.ts';
import { signedLinks } from './graphql/services/links.ts';
import { createCacheEvents } from './graphql/services/stats-stream.ts';
import type { CachePort } from './graphql/services/ports.ts';
import { createYoga, type GraphQLServer } from './graphql/yoga.ts';
import type { RunningGrpcServer } from './grpc/server.ts';
import { createDownloadRoute, type DownloadReply } from './http/download.ts';
import { INTERNAL_ERROR_BODY, Refusal, refusalBody } from './http/refusal.ts';
import { startDagBackfill } from './ipfs/backfill.ts';
import { createGateway, isGatewayUrl } from './ipfs/gateway.ts';
import { missingDownloadCid } from './ipfs/fetch-through.ts';
import { PeerFetcher } from './ipfs/peers.ts';
import { requestHeadersFromRaw, type DownloadRequest } from './http/request.ts';
import type { BodySink } from './http/send.ts';
import { MmapCache, MmapFile } from './mmap/index.ts';
import { attachDownloadLane, type LaneObserver } from './server/lane/download-lane.ts';
import { busyWithResponse, takeConnectionListeners } from './server/lane/node-internals.ts';
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
  /**
   * Wraps the cache as GraphQL and gRPC see it (a worker of `serve --workers` relays cache mutations to the others,
   * and answers their metrics requests with this server's `metrics`).
   */
  wrapCache?: (local: CachePort, metrics: Metrics) => CachePort;
  /** Awaited when everything is built, just before listening (a standby worker waits here until it is needed). */
  beforeListen?: () => Promise<void>;
  /** The text /metrics answers (a worker of `serve --workers` sums every worker's); default this process's own. */
  renderMetrics?: (own: Metrics) => Promise<string>;
  /** GraphQL reads and downloads need a read token (downloads also take a signed link). */
  privateMode?: boolean;
  /** Requests per second per client (burst twice that) on GraphQL and downloads; default none. */
  rateLimit?: number | null;
  /** Read the client's address from X-Forwarded-For (rate limits), behind a proxy that sets it. */
  trustProxy?: boolean;
  /** The largest GraphQL upload, bytes; default 64 GiB. */
  maxUploadBytes?: number;
  /** Origins besides the server's own whose pages may read /graphql (`*`: any, without credentials). */
  corsOrigins?: string[];
  /** Seconds of tolerance past a link's expiry, for nodes whose clocks differ; default 30. */
  clockSkew?: number;
  /** Open connections per client address and in total (DEFAULT_CONNECTION_LIMITS). */
  maxConnections?: Partial<ConnectionLimits>;
  /** Time for a request head to arrive, on both paths (node:http and the lane); default 10 s. */
  headersTimeoutMs?: number;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  /** The admin token, and whether this start created it (then, and only then, it should be shown once). */
  adminToken: { token: string; created: boolean };
  /** The token table (src/auth) and the access model every interface goes through. */
  tokens: TokenStore;
  access: Access;
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
const HEADERS_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_UPLOAD_BYTES = 64 * 1024 ** 3;
const NO_BEARER = { ok: true, read: false, headers: null } as const;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? createLogger();
  const host = options.host ?? '127.0.0.1';
  if (options.publicMode && options.privateMode) throw new RangeError('--public and --private contradict each other: choose one');
  const cors = corsPolicy(options.corsOrigins ?? []);
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
  const tokens = TokenStore.open(options.storeRoot, { bootstrap: adminToken.token });
  const access = new Access({ tokens, private: options.privateMode, rateLimit: options.rateLimit, trustProxy: options.trustProxy });
  const metrics = new Metrics();
  // This process's own cache: with --workers, /metrics sums the workers' (options.renderMetrics).
  metrics.cacheSource = () => cache.stats();
  const renderMetrics = options.renderMetrics ?? ((own: Metrics) => own.render({ runtime: true }));
  const peers = options.peers ?? [];
  const fetcher = new PeerFetcher(store, peers, logger);
  if (peers.length > 0) metrics.fetches = fetcher.stats;

  const config: Partial<GraphQLConfig> = { publicUrl: options.publicUrl ?? null, maxUploadBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES };
  if (options.inlineLimit !== undefined) {
    config.inlineLimit = options.inlineLimit;
    config.maxInlineLimit = Math.max(options.inlineLimit, 4 * 1024 * 1024);
  }
  // The one access model: GraphQL and gRPC authenticate through it (src/auth), downloads are admitted by it.
  const auth = { authenticate: (authorization: string | null) => access.authenticate(authorization) };
  // One stream of cache-change events for GraphQL subscribers and gRPC's WatchStats, whichever side changes it.
  const cacheEvents = createCacheEvents();
  const cachePort = mmapCachePort(cache, { objectPath: (cid) => store.objectPath(cid), cidOfPath: (path) => TensorReader.cidOfPath(path) });
  const services: GraphQLServices = {
    ...(peers.length > 0 ? { peers: { fetch: (cid: string) => fetcher.fetch(cid) } } : {}),
    store,
    cache: options.wrapCache ? options.wrapCache(cachePort, metrics) : cachePort,
    reader: tensorReaderPort(reader, logger),
    links: signedLinks(ring, { publicMode: options.publicMode }),
    auth,
    tokens,
    logger,
    config,
    cacheEvents,
  };
  const yoga: GraphQLServer = createYoga(services, { graphiql: options.graphiql, cors: { policy: cors, selfOrigins: options.publicUrl ? [options.publicUrl] : [] } });
  const download = createDownloadRoute({
    store,
    reader,
    ring,
    publicMode: options.publicMode,
    metrics,
    logger,
    clockSkew: options.clockSkew,
    admit: (request) => {
      // The common download (a signed link, no token, no rate limit) costs nothing here.
      if (access.limiter === null && request.headers.authorization === undefined) return NO_BEARER;
      const admission = access.admit({ authorization: request.headers.authorization, peer: request.peer, forwardedFor: request.headers.forwardedFor }, 'download');
      return admission.ok ? { ok: true, read: admission.principal.scopes.has('read'), headers: admission.headers } : admission;
    },
  });
  // The gateway answers a file's bytes with the download engine; content addressing needs no signature there (the
  // gateway itself is admitted by the access model, in handle below).
  const gatewayFiles = createDownloadRoute({ store, reader, ring, publicMode: true, metrics, logger });
  const fetchMissing = peers.length > 0 ? async (cid: string) => void (await fetcher.fetch(cid)) : undefined;
  const gateway = createGateway({
    store,
    reader,
    files: gatewayFiles,
    public: options.ipfsGateway ?? false,
    auth: services.auth,
    // Admitted like every interface: the rate limit always; on a private store a read token, unless --ipfs-gateway
    // opened the gateway to anyone (the gateway itself still asks non-public callers for a token).
    admit: (request) => access.admit({ authorization: request.headers.authorization, peer: request.peer, forwardedFor: request.headers.forwardedFor }, 'ipfs', { reads: !options.ipfsGateway }),
    fetchMissing,
    logger,
  });
  // The lane answers /v1, /zarr and /ipfs requests (request-head.ts): each by its own route.
  const laneRoute = {
    reply: (request: DownloadRequest) => (isGatewayUrl(request.url) ? gateway.reply(request) : download.reply(request)),
    send: (sink: BodySink, reply: DownloadReply, url: string) => (isGatewayUrl(url) ? gateway.send(sink, reply, url) : download.send(sink, reply, url)),
  };
  /** With peers, a download of a CID the store lacks fetches it first, once the route said 404 (after the signature check). */
  const downloadFetching = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '';
    const request = { method: req.method ?? 'GET', url, headers: requestHeadersFromRaw(req.rawHeaders), peer: req.socket.remoteAddress };
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
        case 'graphql': {
          // Rate limit and private reads first, before yoga reads a byte of the body (a refusal costs little).
          const admission = access.admit(accessRequestOf(req), 'graphql', { reads: req.method !== 'OPTIONS' && !isGraphiQLPage(req) });
          if (!admission.ok) {
            refuseGraphQL(res, admission, corsDecision(cors, req.headers.origin ?? null, selfOriginsOf(req, options.publicUrl)));
            break;
          }
          // requestListener writes the answer; handleNodeRequestAndResponse only returns a Response (never sent).
          done = yoga.requestListener(req, res);
          break;
        }
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

  // One head timeout for both paths (the lane takes server.headersTimeout): 10 s, not node's 60 s. Every connection
  // starts on the lane, which sweeps every second and hands a request over only once its head is whole, so every
  // first head is cut in 10 s; node:http checks later heads on connections it holds every 30 s
  // (connectionsCheckingInterval: at 1 s it reset healthy connections in tests/faults-live). No whole-request timeout:
  // an upload of many GiB takes as long as it takes (the connection caps bound how many can be open).
  const server = createServer(
    { keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, headersTimeout: options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, requestTimeout: 0 },
    handle,
  );
  // Download requests skip node:http (download-lane.ts); options.downloadLane false leaves every request to node:http.
  const laneObserver: LaneObserver = {
    timed: true,
    started: () => metrics.inFlight++,
    finished: ({ method, url, status, aborted, startedAt }) => requestDone(routeOf(url), method, url, status, startedAt, aborted, true),
  };
  const lane =
    options.downloadLane === false
      ? null
      : attachDownloadLane(server, {
          route: laneRoute,
          keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
          headersTimeoutMs: server.headersTimeout,
          closing: () => closing,
          observer: laneObserver,
          ...(fetchMissing ? { handOff: (url: string) => (isGatewayUrl(url) ? gateway.missing(url) : missingDownloadCid(url, store)) !== null } : {}),
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
  // Last, so that it runs before every listener above, for admitted connections only.
  const connections = limitConnections(server, { ...DEFAULT_CONNECTION_LIMITS, ...options.maxConnections }, takeConnectionListeners(server));
  registerAccessMetrics(metrics, access.limiter, connections);
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
    tokens.close();
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
        { host, port: options.grpcPort, metrics, access, shutdownTimeoutMs: options.shutdownTimeoutMs },
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
  logger.info('listening', { url, store: options.storeRoot, public: Boolean(options.publicMode), private: Boolean(options.privateMode), rateLimit: options.rateLimit ?? null });
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
        tokens.close();
        logger.info('stopped');
        resolve();
      });
      server.closeIdleConnections();
    });
    return closed;
  };

  return { url, host, port, adminToken, tokens, access, seeded, store, cache, metrics, server, grpc, fetcher, close };
}

function accessRequestOf(req: IncomingMessage): AccessRequest {
  const forwarded = req.headers['x-forwarded-for'];
  return { authorization: req.headers.authorization, peer: req.socket.remoteAddress, forwardedFor: Array.isArray(forwarded) ? forwarded.join(', ') : forwarded };
}

function selfOriginsOf(req: IncomingMessage, publicUrl: string | null | undefined): string[] {
  const self = req.headers.host ? [`http://${req.headers.host}`] : [];
  return publicUrl ? [...self, publicUrl] : self;
}

/** GraphiQL's page itself (a browser's GET of /graphql without a query): no data, so open on a private server. */
function isGraphiQLPage(req: IncomingMessage): boolean {
  return req.method === 'GET' && (req.headers.accept ?? '').includes('text/html') && !(req.url ?? '').includes('query=');
}

/** A refusal of the access model in GraphQL's form: `errors[0].extensions.code` RATE_LIMITED or UNAUTHENTICATED. */
function refuseGraphQL(res: ServerResponse, refusal: Extract<Admission, { ok: false }>, cors: CorsDecision): void {
  const body = `${JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code, http: { status: refusal.status } } }] })}\n`;
  // Yoga (which adds CORS headers) is not reached: an allowed origin's page must still be able to read why.
  const corsHeaders: Record<string, string> =
    cors.allowOrigin === null
      ? {}
      : { 'Access-Control-Allow-Origin': cors.allowOrigin, Vary: 'Origin', 'Access-Control-Expose-Headers': 'Retry-After, RateLimit, RateLimit-Policy', ...(cors.credentials ? { 'Access-Control-Allow-Credentials': 'true' } : {}) };
  res.writeHead(refusal.status, {
    ...refusal.headers,
    ...corsHeaders,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

function routeOf(url: string): Route {
  const path = pathOf(url);
  if (path === '/graphql' || path.startsWith('/graphql/')) return 'graphql';
  if (path === '/v1' || path.startsWith('/v1/') || path === '/zarr' || path.startsWith('/zarr/')) return 'download';
  if (isGatewayUrl(path)) return 'ipfs';
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
