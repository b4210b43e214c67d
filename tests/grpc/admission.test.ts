// gRPC through the one access model: the rate limit (RESOURCE_EXHAUSTED with retry-after), a private store's
// read token (UNAUTHENTICATED), health left open; and the pure parts (peer addresses, authorization metadata).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Metadata, status } from '@grpc/grpc-js';
import { join } from 'node:path';
import { beforeAll } from '../helpers/hooks.ts';
import { Access } from '../../src/auth/access.ts';
import { staticTokens } from '../../src/auth/tokens.ts';
import { authorizationOf, peerAddress } from '../../src/grpc/admission.ts';
import { bearer, call, failure, startGrpcFixture, type GrpcFixture } from '../helpers/grpc.ts';
import { tempDir } from '../../src/devkit/paths.ts';

const READ = 'ipfrs_test-read-token';
const OTHER = 'ipfrs_test-other-read-token';
const info = (id: string) => ({ id, name: id, scope: 'read' as const, created: 0, expires: null, lastUsed: null });
let now = 1000;
const access = new Access({ tokens: staticTokens([{ secret: READ, info: info('reader') }, { secret: OTHER, info: info('other') }]), private: true, rateLimit: 5, clock: () => now });

let dir: ReturnType<typeof tempDir>;
let fixture: GrpcFixture;
beforeAll(test, async () => {
  dir = tempDir('ipfrs-grpc-admission-');
  fixture = await startGrpcFixture(join(dir.path, 'store'), {}, { access });
});
test.after(async () => {
  await fixture?.close();
  dir.cleanup();
});

const listFiles = (metadata?: Metadata) => call(fixture.clients.tensors.ListFiles.bind(fixture.clients.tensors), { page_size: 1 }, metadata);

test('peerAddress drops the port of every form grpc-js gives', () => {
  assert.is(peerAddress('127.0.0.1:5678'), '127.0.0.1');
  assert.is(peerAddress('ipv4:10.0.0.2:80'), '10.0.0.2');
  assert.is(peerAddress('[::1]:5678'), '::1');
  assert.is(peerAddress('ipv6:[fe80::1]:5678'), 'fe80::1');
  assert.is(peerAddress('unix:/tmp/s'), 'unix:/tmp/s');
});

test('authorizationOf: none, one, several (malformed)', () => {
  const m = new Metadata();
  assert.is(authorizationOf(m), null);
  m.set('authorization', 'Bearer x');
  assert.is(authorizationOf(m), 'Bearer x');
  m.add('authorization', 'Bearer y');
  assert.is(authorizationOf(m), 'several');
});

test('a private store: a call without a read token is UNAUTHENTICATED; with one it is served', async () => {
  now += 10;
  const error = await failure(listFiles());
  assert.is(error.code, status.UNAUTHENTICATED);
  assert.match(error.details, /read scope/);
  const unknown = await failure(listFiles(bearer('ipfrs_not-a-token')));
  assert.is(unknown.code, status.UNAUTHENTICATED);
  const answer = (await listFiles(bearer(READ))) as { files?: unknown[] };
  assert.ok(Array.isArray(answer.files));
});

test('the rate limit: a burst past 2N gets RESOURCE_EXHAUSTED with retry-after; another token is not slowed', async () => {
  now += 10;
  const results = await Promise.allSettled(Array.from({ length: 30 }, () => listFiles(bearer(READ))));
  const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as { code: number; metadata: Metadata });
  assert.is(results.length - refused.length, 10, 'a burst of 2N = 10 is served');
  assert.ok(refused.every((e) => e.code === status.RESOURCE_EXHAUSTED));
  assert.ok(refused.every((e) => Number(e.metadata.get('retry-after')[0]) >= 1), 'each refusal says when to retry');
  await listFiles(bearer(OTHER));
  now += 1;
  await listFiles(bearer(READ));
});

test('health is not rate-limited or private (load balancers probe it without a token)', async () => {
  const { loadPackageDefinition, credentials } = await import('@grpc/grpc-js');
  const { loadSync } = await import('@grpc/proto-loader');
  const { protoPath } = await import('grpc-health-check');
  const pkg = loadPackageDefinition(loadSync(protoPath, { keepCase: true, enums: String })) as never as { grpc: { health: { v1: { Health: new (a: string, c: unknown) => { Check: Function; close(): void } } } } };
  const health = new pkg.grpc.health.v1.Health(fixture.grpc.address, credentials.createInsecure());
  for (let i = 0; i < 20; i++) {
    const answer = await new Promise<{ status: string }>((resolve, reject) => health.Check({ service: '' }, (e: Error | null, r: { status: string }) => (e ? reject(e) : resolve(r))));
    assert.is(answer.status, 'SERVING');
  }
  health.close();
});

test('refusals are counted in /metrics by code', async () => {
  const text = await fixture.metrics.render();
  assert.match(text, /RESOURCE_EXHAUSTED/);
  assert.match(text, /UNAUTHENTICATED/);
});

test('ipfrs serve --private wires gRPC to the same access model (and the store\'s tokens)', async () => {
  const { startServer } = await import('../../src/server.ts');
  const { grpcClients } = await import('../helpers/grpc.ts');
  const quiet = { info() {}, warn() {}, error() {}, debug() {}, enabled: () => false };
  const server = await startServer({ storeRoot: join(dir.path, 'private-store'), port: 0, grpcPort: 0, privateMode: true, logger: quiet as never, graphiql: false });
  const clients = grpcClients(server.grpc!.address);
  try {
    const list = (metadata?: Metadata) => call(clients.tensors.ListFiles.bind(clients.tensors), { page_size: 1 }, metadata);
    assert.is((await failure(list())).code, status.UNAUTHENTICATED);
    const { secret } = server.tokens.create({ scope: 'read', name: 'grpc-reader' });
    await list(bearer(secret));
  } finally {
    clients.close();
    await server.close();
  }
});

test.run();
