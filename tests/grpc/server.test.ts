// The gRPC server beside the HTTP server (startServer with grpcPort): the same store, cache and admin token;
// grpc.health.v1.Health and server reflection (v1 and v1alpha) answer as the standard services do; /metrics
// counts calls by method and code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { credentials, loadPackageDefinition, Metadata, status, type Client, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { protoPath as HEALTH_PROTO } from 'grpc-health-check';
import { startServer, type RunningServer } from '../../src/server.ts';
import { bearer, call, collect, failure, grpcClients, type GrpcClients } from '../helpers/grpc.ts';
import { tempDir } from '../../src/devkit/paths.ts';

const require = createRequire(import.meta.url);
const REFLECTION_PROTO = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto', 'grpc', 'reflection');
// protobufjs's descriptor extension decodes the FileDescriptorProto bytes reflection sends.
const descriptor = require('protobufjs/ext/descriptor') as { FileDescriptorProto: { decode(bytes: Uint8Array): { name: string; package: string; service: Array<{ name: string; method: Array<{ name: string }> }> } } };

let dir: ReturnType<typeof tempDir>;
let server: RunningServer;
let clients: GrpcClients;
const quiet = { info() {}, warn() {}, error() {}, debug() {}, enabled: () => false };

beforeAll(test, async () => {
  dir = tempDir('ipfrs-grpc-server-');
  server = await startServer({ storeRoot: join(dir.path, 'store'), port: 0, grpcPort: 0, logger: quiet as never, graphiql: false });
  clients = grpcClients(server.grpc!.address);
});

test.after(async () => {
  clients.close();
  await server.close();
  dir.cleanup();
});

function client(proto: string, includeDirs: string[], path: string[]): Client {
  const root = loadPackageDefinition(loadSync(proto, { keepCase: true, longs: Number, enums: String, defaults: true, includeDirs })) as GrpcObject;
  const Ctor = path.reduce<unknown>((o, key) => (o as Record<string, unknown>)[key], root) as ServiceClientConstructor;
  return new Ctor(server.grpc!.address, credentials.createInsecure());
}

test('one store, one admin token: a file added over gRPC is in GraphQL; the store\'s admin token clears the cache', async () => {
  const bytes = randomBytes(256);
  const file = await new Promise<{ cid: string }>((resolve, reject) => {
    const stream = clients.tensors.AddFile(bearer(server.adminToken.token), (error, f) => (error ? reject(error) : resolve(f!)));
    stream.write({ metadata: { name: 'shared', dtype: 'U8', shape: [256] } });
    stream.write({ data: bytes });
    stream.end();
  });
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ tensor(cid: "${file.cid}") { name dtype shape } }` }),
  });
  assert.equal(((await response.json()) as { data: unknown }).data, { tensor: { name: 'shared', dtype: 'U8', shape: [256] } });
  // The download route and ReadRange read the same mapping (one entry in the shared cache).
  await collect(clients.tensors.ReadRange({ cid: file.cid }));
  assert.is(server.cache.stats().entries, 1);
  const cleared = await call(clients.cache.Clear.bind(clients.cache), {}, bearer(server.adminToken.token));
  assert.is(cleared.entries, 0);
  assert.is(server.cache.stats().entries, 0);
});

test('grpc.health.v1.Health: SERVING for the server and both services, NOT_FOUND for others', async () => {
  const health = client(HEALTH_PROTO, [], ['grpc', 'health', 'v1', 'Health']) as Client & { Check: (...args: unknown[]) => void };
  const check = (service: string) => call<{ service: string }, { status: string }>(health.Check.bind(health) as never, { service });
  assert.is((await check('')).status, 'SERVING');
  assert.is((await check('ipfrs.v1.TensorService')).status, 'SERVING');
  assert.is((await check('ipfrs.v1.CacheService')).status, 'SERVING');
  assert.is((await failure(check('nope.Service'))).code, status.NOT_FOUND);
  health.close();
});

for (const version of ['v1', 'v1alpha'] as const) {
  test(`server reflection ${version}: lists the services and describes them from their descriptors`, async () => {
    const reflection = client(join(REFLECTION_PROTO, version, 'reflection.proto'), [], ['grpc', 'reflection', version, 'ServerReflection']) as Client & {
      ServerReflectionInfo: () => NodeJS.ReadWriteStream & { write(m: object): boolean; end(): void; on(e: string, f: (m: never) => void): void };
    };
    const ask = (request: object) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const stream = reflection.ServerReflectionInfo();
        stream.on('data', (m) => resolve(m));
        stream.on('error', reject);
        stream.write(request);
        stream.end();
      });
    const listed = (await ask({ list_services: '*' })) as { list_services_response: { service: Array<{ name: string }> } };
    const names = listed.list_services_response.service.map((s) => s.name).sort();
    for (const name of ['grpc.health.v1.Health', 'ipfrs.v1.CacheService', 'ipfrs.v1.TensorService']) assert.ok(names.includes(name), `${name} in ${names}`);

    const found = (await ask({ file_containing_symbol: 'ipfrs.v1.TensorService' })) as { file_descriptor_response: { file_descriptor_proto: Buffer[] } };
    const files = found.file_descriptor_response.file_descriptor_proto.map((bytes) => descriptor.FileDescriptorProto.decode(bytes));
    const service = files.flatMap((f) => f.service.map((s) => ({ pkg: f.package, ...s }))).find((s) => s.name === 'TensorService')!;
    assert.is(service.pkg, 'ipfrs.v1');
    assert.equal(service.method.map((m) => m.name), ['ListFiles', 'GetFile', 'ListTensors', 'GetTensor', 'ReadSlice', 'ReadRange', 'AddFile', 'DeleteFile']);
    const message = (await ask({ file_containing_symbol: 'ipfrs.v1.SliceHeader' })) as { file_descriptor_response?: unknown };
    assert.ok(message.file_descriptor_response, 'messages are found too');
    reflection.close();
  });
}

test('/metrics counts gRPC calls by method and code', async () => {
  await failure(call(clients.tensors.GetFile.bind(clients.tensors), { cid: 'bad' }));
  await call(clients.cache.GetStats.bind(clients.cache), {});
  await call(clients.cache.GetStats.bind(clients.cache), {}, new Metadata());
  await failure(call(clients.cache.Clear.bind(clients.cache), {}));
  const text = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(text, /^# TYPE ipfrs_grpc_calls_total counter$/m);
  assert.match(text, /^ipfrs_grpc_calls_total\{method="\/ipfrs\.v1\.TensorService\/GetFile",code="INVALID_ARGUMENT"\} 1$/m);
  assert.match(text, /^ipfrs_grpc_calls_total\{method="\/ipfrs\.v1\.CacheService\/GetStats",code="OK"\} 2$/m);
  assert.match(text, /^ipfrs_grpc_calls_total\{method="\/ipfrs\.v1\.CacheService\/Clear",code="UNAUTHENTICATED"\} 1$/m);
  assert.match(text, /^ipfrs_grpc_calls_total\{method="\/ipfrs\.v1\.TensorService\/AddFile",code="OK"\} 1$/m);
});

test('grpcPort taken: the start fails, unless gRPC is optional (then the server runs without it)', async () => {
  const taken = server.grpc!.port;
  let error: unknown = null;
  try {
    await startServer({ storeRoot: join(dir.path, 'second'), port: 0, grpcPort: taken, logger: quiet as never });
  } catch (e) {
    error = e;
  }
  assert.ok(error, 'refused');
  const second = await startServer({ storeRoot: join(dir.path, 'second'), port: 0, grpcPort: taken, grpcOptional: true, logger: quiet as never });
  assert.is(second.grpc, null);
  assert.is((await fetch(`${second.url}/healthz`)).status, 200);
  await second.close();
});

test.run();
