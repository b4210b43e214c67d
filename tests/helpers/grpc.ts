// Clients for the gRPC server, typed by the generated code (src/grpc/generated), and promise helpers for calls.
import { credentials, loadPackageDefinition, Metadata, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { ProtoGrpcType as CacheProto } from '../../src/grpc/generated/cache_service.ts';
import type { ProtoGrpcType as TensorProto } from '../../src/grpc/generated/tensor_service.ts';
import type { CacheServiceClient } from '../../src/grpc/generated/ipfrs/v1/CacheService.ts';
import type { TensorServiceClient } from '../../src/grpc/generated/ipfrs/v1/TensorService.ts';
import { loadDefinition } from '../../src/grpc/proto.ts';

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

type UnaryMethod<Req, Res> = (request: Req, metadata: Metadata, options: object, callback: (error: ServiceError | null, response?: Res) => void) => unknown;

/** A unary call as a promise; `method` is bound by the caller, e.g. `clients.tensors.GetFile.bind(clients.tensors)`. */
export function call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, metadata = new Metadata(), options: object = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, metadata, options, (error, response) => (error ? reject(error) : resolve(response as Res)));
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
