// `ipfrs serve`: the HTTP server (GraphQL, downloads, health, metrics, playground) and the gRPC server beside it,
// until SIGTERM or SIGINT.
import { UsageError, parseDuration, parseSize, resolveStoreRoot } from '../config.ts';
import { createLogger, type LogLevel } from '../telemetry/logger.ts';
import nodeCluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { ServerOptions } from '../server.ts';
import { parse, println, type CliIo, type Command } from './common.ts';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const DEFAULT_GRPC_PORT = 8081;

/** `--workers N|auto`: how many server processes; auto is one per core the process may use. */
export function parseWorkers(text: string | undefined): number {
  if (text === undefined) return 1;
  if (text === 'auto') return availableParallelism();
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new UsageError(`invalid --workers ${JSON.stringify(text)}: use a whole number from 1 to 1024, or auto`);
  return n;
}

function announce(io: CliIo, storeRoot: string, url: string, grpc: string | null, adminToken: { token: string; created: boolean }, workers: number): void {
  const lines = [`ipfrs serving ${storeRoot} on ${url}  (GraphQL: ${url}/graphql${grpc ? `, gRPC: ${grpc}` : ''})${workers > 1 ? `  with ${workers} workers` : ''}`];
  // Shown this once, on stdout only; it stays in <store>/admin-token (0600) for scripts and operators.
  if (adminToken.created) lines.push(`admin token (shown once, kept in ${storeRoot}/admin-token): ${adminToken.token}`);
  // One write: a reader that sees the URL line sees the token line with it (two writes to a pipe can arrive apart).
  println(io.stdout, lines.join('\n'));
}

export const serve: Command = {
  async run(args, io) {
    const { values } = parse(
      args,
      {
        store: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'grpc-port': { type: 'string' },
        public: { type: 'boolean' },
        'inline-limit': { type: 'string' },
        'public-url': { type: 'string' },
        'cache-entries': { type: 'string' },
        'cache-bytes': { type: 'string' },
        'no-demo': { type: 'boolean' },
        'log-level': { type: 'string' },
        'ipfs-gateway': { type: 'boolean' },
        peer: { type: 'string', multiple: true },
        workers: { type: 'string' },
        private: { type: 'boolean' },
        'rate-limit': { type: 'string' },
        'trust-proxy': { type: 'boolean' },
        'max-upload': { type: 'string' },
        'cors-origin': { type: 'string', multiple: true },
        'clock-skew': { type: 'string' },
        'max-connections': { type: 'string' },
        'max-connections-per-client': { type: 'string' },
      },
      false,
    );
    const port = values.port === undefined ? 8080 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid port ${JSON.stringify(values.port)}: use 0-65535`);
    const grpcPort = values['grpc-port'] === undefined ? DEFAULT_GRPC_PORT : Number(values['grpc-port']);
    if (!Number.isInteger(grpcPort) || grpcPort < 0 || grpcPort > 65535) throw new UsageError(`invalid gRPC port ${JSON.stringify(values['grpc-port'])}: use 1-65535, or 0 to turn gRPC off`);
    const level = (values['log-level'] ?? 'info') as LogLevel;
    if (!LEVELS.includes(level)) throw new UsageError(`invalid log level ${JSON.stringify(level)}: use ${LEVELS.join(', ')}`);
    const cacheEntries = values['cache-entries'] === undefined ? undefined : Number(values['cache-entries']);
    if (cacheEntries !== undefined && !(Number.isInteger(cacheEntries) && cacheEntries >= 1)) throw new UsageError('--cache-entries must be a whole number >= 1');
    const publicUrl = values['public-url'];
    if (publicUrl !== undefined && !/^https?:\/\/[^/?#]+\/?$/.test(publicUrl)) throw new UsageError(`--public-url must be an origin such as https://tensors.example.com, not ${JSON.stringify(publicUrl)}`);

    const peers = values.peer ?? [];
    for (const peer of peers) if (!/^https?:\/\/[^/?#\s]+\/?$/.test(peer)) throw new UsageError(`--peer must be a gateway origin such as http://10.0.0.2:8080, not ${JSON.stringify(peer)}`);
    const workers = parseWorkers(values.workers);
    if (values.public && values.private) throw new UsageError('--public and --private contradict each other: choose one');
    const rateLimit = values['rate-limit'] === undefined ? null : Number(values['rate-limit']);
    if (rateLimit !== null && !(Number.isFinite(rateLimit) && rateLimit > 0)) throw new UsageError(`--rate-limit must be a number of requests per second above 0, not ${JSON.stringify(values['rate-limit'])}`);
    const whole = (flag: 'max-connections' | 'max-connections-per-client'): number | undefined => {
      const text = values[flag];
      if (text === undefined) return undefined;
      const n = Number(text);
      if (!(Number.isInteger(n) && n >= 1)) throw new UsageError(`--${flag} must be a whole number >= 1, not ${JSON.stringify(text)}`);
      return n;
    };
    const maxUpload = values['max-upload'] === undefined ? undefined : parseSize(values['max-upload']);
    if (maxUpload === 0) throw new UsageError('--max-upload must be above 0');
    const corsOrigins = values['cors-origin'] ?? [];
    for (const origin of corsOrigins) {
      if (origin !== '*' && !/^https?:\/\/[^/?#\s]+\/?$/.test(origin)) throw new UsageError(`--cors-origin must be an origin such as https://app.example.com (no path) or *, not ${JSON.stringify(origin)}`);
    }
    const total = whole('max-connections');
    const perClient = whole('max-connections-per-client');

    const storeRoot = resolveStoreRoot(values.store, io.env, io.cwd);
    const logger = createLogger({ level, write: (line) => io.stderr.write(line) });
    const settings: ServerOptions = {
      storeRoot,
      host: values.host ?? '127.0.0.1',
      port,
      publicMode: values.public ?? false,
      inlineLimit: values['inline-limit'] === undefined ? undefined : parseSize(values['inline-limit']),
      publicUrl: publicUrl?.replace(/\/$/, '') ?? null,
      cacheEntries,
      cacheBytes: values['cache-bytes'] === undefined ? undefined : parseSize(values['cache-bytes']),
      seedDemo: !values['no-demo'],
      ipfsGateway: values['ipfs-gateway'] ?? false,
      peers,
      logger,
      grpcPort: grpcPort === 0 ? null : grpcPort,
      // The default port may be another server's: then this one serves without gRPC (and says so in the log).
      grpcOptional: values['grpc-port'] === undefined,
      privateMode: values.private ?? false,
      rateLimit,
      trustProxy: values['trust-proxy'] ?? false,
      maxUploadBytes: maxUpload,
      corsOrigins,
      clockSkew: values['clock-skew'] === undefined ? undefined : parseDuration(values['clock-skew']),
      maxConnections: { ...(total ? { total } : {}), ...(perClient ? { perClient } : {}) },
    };
    // Loaded here, not at the top: the other commands need neither GraphQL, the HTTP stack nor node:cluster.
    if (workers > 1 || nodeCluster.isWorker) {
      const cluster = await import('../server/cluster.ts');
      if (nodeCluster.isWorker) {
        await cluster.runWorker(settings, logger);
        return 0;
      }
      const primary = await cluster.startPrimary(settings, workers, logger);
      announce(io, storeRoot, primary.url, primary.grpc, primary.adminToken, workers);
      return await primary.done;
    }
    const { startServer } = await import('../server.ts');
    const server = await startServer(settings);
    announce(io, storeRoot, server.url, server.grpc?.address ?? null, server.adminToken, 1);

    await new Promise<void>((resolve) => {
      let signals = 0;
      const stop = (signal: NodeJS.Signals) => {
        signals++;
        if (signals === 1) {
          logger.info('signal received', { signal });
          server.close().then(resolve, resolve);
        } else {
          // A second signal: stop waiting for slow clients.
          logger.warn('second signal: closing open connections now', { signal });
          server.server.closeAllConnections();
        }
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
    return 0;
  },
};
