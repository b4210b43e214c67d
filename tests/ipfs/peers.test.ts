// PeerFetcher in one process against a gateway: files whose leaves all differ and files of one repeated leaf (the
// leaves go through reused buffers, and a repeated one is kept as a copy) come out byte for byte under both CIDs.
// The multi-node cases (a peer killed, SIGKILL, a lying peer) are in tests/e2e/ipfs-peers.test.ts.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { tempDir } from '../../src/devkit/paths.ts';
import { PeerFetcher } from '../../src/ipfs/peers.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';

const MiB = 1 << 20;
const dir = tempDir();
let server: RunningServer;
const files = {
  random: randomBytes(40 * MiB + 12345),
  zeros: Buffer.alloc(9 * MiB + 7),
  mixed: Buffer.concat([randomBytes(MiB), Buffer.alloc(3 * MiB), randomBytes(MiB), Buffer.alloc(2 * MiB)]),
};
const roots: Record<string, { root: string; cid: string }> = {};

test.before(async () => {
  server = await startServer({ storeRoot: join(dir.path, 'peer'), port: 0, seedDemo: false, logger: silentLogger, ipfsGateway: true });
  for (const [name, bytes] of Object.entries(files)) {
    const { file } = await server.store.add((async function* () { yield bytes; })(), { dtype: 'U8', shape: [bytes.byteLength], name });
    roots[name] = { root: server.store.ipfsCidOf(file.cid)!, cid: file.cid };
  }
});

test.after(async () => {
  await server.close();
  dir.cleanup();
});

for (const name of Object.keys(files) as (keyof typeof files)[]) {
  test(`${name}: fetched, verified and stored with the same bytes and both CIDs`, async () => {
    const store = TensorStore.open(join(dir.path, `fetch-${name}`));
    try {
      const file = await new PeerFetcher(store, [server.url]).fetch(roots[name]!.root);
      assert.is(file.cid, roots[name]!.cid);
      assert.is(store.ipfsCidOf(file.cid), roots[name]!.root);
      assert.ok(readFileSync(store.objectPath(file.cid)).equals(files[name]));
    } finally {
      store.close();
    }
  });
}

test.run();
