// The gRPC server: TensorService and CacheService (over the store, cache, index and tokens the HTTP server
// uses), grpc.health.v1.Health, and server reflection v1 and v1alpha so grpcurl, grpcui, Postman and Evans find
// the services without the .proto. Every call is counted in /metrics by method and status code.
import {
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  status as Status,
  type ServerInterceptor,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { Access } from '../auth/access.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { admitCalls } from './admission.ts';
import { cacheService } from './cache-service.ts';
import { UndecodableRequest } from './handlers.ts';
import { loadDefinition, loadDefinitionWithHealth } from './proto.ts';
import { Encoded } from './streaming.ts';
import { tensorServiceHandlers, type TensorServiceDeps } from './tensor-service.ts';

export const TENSOR_SERVICE = 'ipfrs.v1.TensorService';
export const CACHE_SERVICE = 'ipfrs.v1.CacheService';

export interface GrpcServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  metrics?: Metrics;
  /** The access model (rate limit, private reads) every ipfrs.v1 call goes through, as HTTP requests do. */
  access?: Access;
  /** How long in-flight calls get on close() before they are cut. Default 30 s. */
  shutdownTimeoutMs?: number;
}

export interface RunningGrpcServer {
  server: Server;
  port: number;
  /** host:port, as grpcurl and clients take it. */
  address: string;
  /** Marks the services NOT_SERVING, ends WatchStats streams, lets other calls finish (up to the timeout). */
  close(): Promise<void>;
}

export async function startGrpcServer(deps: TensorServiceDeps, options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const definition = withEncodedMessages(loadDefinition());
  // Counting first, so that calls the admission refuses are counted too.
  const interceptors = [...(options.metrics ? [countCalls(options.metrics)] : []), ...(options.access ? [admitCalls(options.access)] : [])];
  const server = new Server({ interceptors });
  const cache = cacheService(deps);
  server.addService(definition[TENSOR_SERVICE] as ServiceDefinition, tensorServiceHandlers(deps));
  server.addService(definition[CACHE_SERVICE] as ServiceDefinition, cache.handlers);
  const health = new HealthImplementation({ '': 'SERVING', [TENSOR_SERVICE]: 'SERVING', [CACHE_SERVICE]: 'SERVING' });
  health.addToServer(server);
  new ReflectionService(loadDefinitionWithHealth()).addToServer(server);

  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port}`, ServerCredentials.createInsecure(), (error, bound) => {
      if (!error) return resolve(bound);
      server.forceShutdown();
      // grpc-js says "No address added out of total 1 resolved errors: [...]": say which port, in one line.
      const inUse = /EADDRINUSE/.test(error.message);
      reject(Object.assign(new Error(`cannot serve gRPC on ${host}:${options.port}: ${inUse ? 'the address is in use' : error.message} (--grpc-port)`), { code: inUse ? 'EADDRINUSE' : 'GRPC_LISTEN' }));
    });
  });

  let closed: Promise<void> | null = null;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      for (const service of ['', TENSOR_SERVICE, CACHE_SERVICE]) health.setStatus(service, 'NOT_SERVING');
      cache.endWatches();
      const force = setTimeout(() => server.forceShutdown(), options.shutdownTimeoutMs ?? 30_000);
      force.unref();
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
    return closed;
  };
  return { server, port, address: `${host}:${port}`, close };
}

/**
 * The package definition with serializers that encode an Encoded message (streaming.ts: a data chunk, still a view)
 * themselves, and give everything else to protobufjs; and deserializers that turn a request protobufjs cannot
 * decode into an UndecodableRequest (handlers.ts: INVALID_ARGUMENT) instead of grpc-js's INTERNAL.
 */
function withEncodedMessages(definition: PackageDefinition): PackageDefinition {
  for (const name of [TENSOR_SERVICE, CACHE_SERVICE]) {
    const service = definition[name] as ServiceDefinition;
    for (const method of Object.values(service)) {
      const serialize = method.responseSerialize;
      const deserialize = method.requestDeserialize;
      (method as { responseSerialize: (value: unknown) => Buffer }).responseSerialize = (value) => (value instanceof Encoded ? value.serialize() : serialize(value));
      (method as { requestDeserialize: (bytes: Buffer) => unknown }).requestDeserialize = (bytes) => {
        try {
          return deserialize(bytes);
        } catch (error) {
          return new UndecodableRequest((error as Error).message);
        }
      };
    }
  }
  return definition;
}

/**
 * Counts each call once, by its path and the status it ended with (CANCELLED / DEADLINE_EXCEEDED when cut), and
 * its duration from the interceptor's start to its status.
 */
function countCalls(metrics: Metrics): ServerInterceptor {
  return (method, call) => {
    const startedAt = performance.now();
    let counted = false;
    const count = (code: Status) => {
      if (counted) return;
      counted = true;
      metrics.countGrpcCall(method.path, Status[code] ?? String(code));
      metrics.observeDuration('grpc', method.path, (performance.now() - startedAt) / 1000);
    };
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onCancel: () => {
            const deadline = call.getDeadline();
            const passed = deadline instanceof Date ? deadline.getTime() <= Date.now() : Number.isFinite(deadline) && deadline <= Date.now();
            count(passed ? Status.DEADLINE_EXCEEDED : Status.CANCELLED);
          },
        }),
      sendStatus: (status, next) => {
        count(status.code);
        next(status);
      },
    });
  };
}
