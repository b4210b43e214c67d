// Clients for the gRPC server, typed by the generated code (src/grpc/generated), and promise helpers for calls.
import { credentials, loadPackageDefinition, Metadata, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { ProtoGrpcType as CacheProto } from '../../src/grpc/generated/cache_service.ts';
import type { ProtoGrpcType as TensorProto } from '../../src/grpc/generated/tensor_service.ts';
import type { CacheServiceClient } from '../../src/grpc/generated/ipfrs/v1/CacheService.ts';
import type { TensorServiceClient } from '../../src/grpc/generated/ipfrs/v1/TensorService.ts';
import { loadDefinition } from '../../src/grpc/proto.ts';
import { startGrpcServer, type GrpcServerOptions, type RunningGrpcServer } from '../../src/grpc/server.ts';
import type { GrpcConfig } from '../../src/grpc/tensor-service.ts';
import { mmapCachePort } from '../../src/graphql/services/adapters.ts';
import { tokenVerifier } from '../../src/graphql/services/auth.ts';
import { DEFAULT_CONFIG } from '../../src/graphql/context.ts';
import { createCacheEvents } from '../../src/graphql/services/stats-stream.ts';
import { MmapCache } from '../../src/mmap/index.ts';
import { Metrics } from '../../src/telemetry/metrics.ts';
import { TensorReader } from '../../src/store/tensor-reader.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';

export interface GrpcClients {
  tensors: TensorServiceClient;
  cache: CacheServiceClient;
  close(): void;
}

export function grpcClients(address: string, options: Record<string, unknown> = {}): GrpcClients {
  const pkg = loadPackageDefinition(loadDefinition()) as unknown as TensorProto & CacheProto;
  const tensors = new pkg.ipfrs.v1.TensorService(address, credentials.createInsecure(), options);
  const cache = new pkg.ipfrs.v1.CacheService(address, credentials.createInsecure(), options);
  return {
    tensors,
    cache,
    close: () => {
      tensors.close();
      cache.close();
    },
  };
}

export function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** The shape TypeScript infers from a generated method's last overload (argument, callback); called with all four. */
type UnaryMethod<Req, Res> = (request: Req, callback: (error: ServiceError | null, response?: Res) => void) => unknown;

/** A unary call as a promise; `method` is bound by the caller, e.g. `clients.tensors.GetFile.bind(clients.tensors)`. */
export function call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, metadata = new Metadata(), options: object = {}): Promise<Res> {
  const full = method as unknown as (request: Req, metadata: Metadata, options: object, callback: (error: ServiceError | null, response?: Res) => void) => unknown;
  return new Promise((resolve, reject) => {
    full(request, metadata, options, (error, response) => (error ? reject(error) : resolve(response as Res)));
  });
}

/** The status error a call ends with (fails the test if it succeeds). */
export async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('the call succeeded; expected an error status');
}

/** Every message of a server stream, or its error. */
export function collect<T>(stream: ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const messages: T[] = [];
    stream.on('data', (m: T) => messages.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(messages));
  });
}

/** Tokens of the test servers: one per scope, and one that grants nothing. */
export const TOKENS = { admin: 'ipfrs_test-admin-token', write: 'ipfrs_test-write-token', none: 'ipfrs_test-no-scope-token' };

export interface GrpcFixture {
  store: TensorStore;
  reader: TensorReader;
  cache: MmapCache;
  grpc: RunningGrpcServer;
  clients: GrpcClients;
  metrics: Metrics;
  errors: unknown[];
  close(): Promise<void>;
}

/** The gRPC server alone, in this process, over a fresh store; `config` overrides GraphQL's defaults. */
export async function startGrpcFixture(root: string, config: Partial<GrpcConfig> = {}, options: Pick<GrpcServerOptions, 'access'> = {}): Promise<GrpcFixture> {
  const store = TensorStore.open(root);
  const cache = new MmapCache({ maxEntries: 16 });
  const reader = new TensorReader(store, cache);
  const metrics = new Metrics();
  const errors: unknown[] = [];
  const grpc = await startGrpcServer(
    {
      store,
      reader,
      cache: mmapCachePort(cache, { objectPath: (cid) => store.objectPath(cid), cidOfPath: (path) => TensorReader.cidOfPath(path) }),
      cacheEvents: createCacheEvents(),
      auth: tokenVerifier([
        { token: TOKENS.admin, scopes: ['admin'] },
        { token: TOKENS.write, scopes: ['write'] },
        { token: TOKENS.none, scopes: [] },
      ]),
      logger: { error: (_msg, fields) => errors.push(fields?.error) },
      config: { ...DEFAULT_CONFIG, ...config },
    },
    { host: '127.0.0.1', port: 0, metrics, shutdownTimeoutMs: 2000, ...options },
  );
  const clients = grpcClients(grpc.address);
  return {
    store,
    reader,
    cache,
    grpc,
    clients,
    metrics,
    errors,
    async close() {
      clients.close();
      await grpc.close();
      cache.clear();
      store.close();
    },
  };
}
