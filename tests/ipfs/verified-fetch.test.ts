// A real IPFS client, Helia's @helia/verified-fetch, pointed at an ipfrs node as its only trustless gateway, gets
// a file's exact bytes (it checks every block itself). On Node 20 it needs Promise.withResolvers (Node 22 has it)
// and undici 7 (package.json overrides).
//
// The Helia node is a light one with @helia/http's trustless-gateway block broker and one router naming the ipfrs
// node: createVerifiedFetch({ gateways }) adds gateways as *fallback* routers only, and Helia 7 never reaches the
// fallbacks when it has no other router (offline, no delegated routing), so it would wait forever.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { tempDir } from '../../src/devkit/paths.ts';

if (!(Promise as { withResolvers?: unknown }).withResolvers) {
  (Promise as unknown as { withResolvers: () => unknown }).withResolvers = function withResolvers<T>() {
    let resolve!: (value: T) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const dir = tempDir();
let server: RunningServer;

test.before(async () => {
  server = await startServer({ storeRoot: join(dir.path, 'store'), port: 0, seedDemo: false, logger: silentLogger, ipfsGateway: true });
});

test.after(async () => {
  await server.close();
  dir.cleanup();
});

test('verified-fetch with ipfrs as its trustless gateway: a 1000-byte file and a 3 MiB + 7 one, byte for byte', async () => {
  const { createVerifiedFetch } = await import('@helia/verified-fetch');
  const { createHeliaLight } = await import('helia');
  const { withHTTP } = await import('@helia/http');
  const { fallbackRouter } = await import('@helia/fallback-router');
  const light = withHTTP(createHeliaLight({}), { delegatedRouters: [], recursiveGateways: [], allowInsecure: true, allowLocal: true });
  const router = fallbackRouter({ gateways: [server.url], shuffle: false });
  router.capabilities = () => []; // a router of its own, not a fallback (see above)
  light.addRouter(router);
  const verifiedFetch = await createVerifiedFetch(await light.start());
  try {
    for (const size of [1000, 3 * (1 << 20) + 7]) {
      const bytes = randomBytes(size);
      const { file } = await server.store.add((async function* () { yield bytes; })(), { dtype: 'U8', shape: [size] });
      const root = server.store.ipfsCidOf(file.cid)!;
      const res = await verifiedFetch(`ipfs://${root}`, { signal: AbortSignal.timeout(60_000) });
      assert.is(res.status, 200, `size ${size}`);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes), `size ${size}`);
    }
  } finally {
    await verifiedFetch.stop();
  }
});

test.run();
