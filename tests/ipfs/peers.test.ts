// PeerFetcher in one process against a gateway: files whose leaves all differ and files of one repeated leaf (the
// leaves go through reused buffers, and a repeated one is kept as a copy) come out byte for byte under both CIDs.
// The multi-node cases (a peer killed, SIGKILL, a lying peer) are in tests/e2e/ipfs-peers.test.ts.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { tempDir } from '../../src/devkit/paths.ts';
import { PeerFetcher } from '../../src/ipfs/peers.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { createServer, type Server } from 'node:http';
import { CarReader } from '@ipld/car/reader';
import { CID } from 'multiformats/cid';
import { carWriterBytes } from '../helpers/car.ts';

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

/** A peer that answers every CAR request with `car`, whatever the query (a resume gets the same bytes). */
async function fakePeer(car: Uint8Array): Promise<{ url: string; close(): Promise<void> }> {
  const peer: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.ipld.car; version=1', 'content-length': String(car.byteLength) });
    res.end(car);
  });
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
  const { port } = peer.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => peer.close(() => resolve())) };
}

async function blocksOf(root: string): Promise<{ cid: CID; bytes: Uint8Array }[]> {
  const reader = await CarReader.fromBytes(new Uint8Array(await (await fetch(`${server.url}/ipfs/${root}?format=car`)).arrayBuffer()));
  const blocks = [];
  for await (const block of reader.blocks()) blocks.push(block);
  return blocks;
}

test('blocks read ahead of the walk: extra blocks after the DAG are left unread; a wrong block after good ones is refused, nothing stored', async () => {
  const { root, cid } = roots.random!;
  const blocks = await blocksOf(root);
  const extra = (await blocksOf(roots.mixed!.root)).concat(await blocksOf(roots.zeros!.root));
  // The whole DAG, then blocks of other files: the fetch ends at the DAG's last leaf.
  const trailing = await fakePeer(await carWriterBytes(CID.parse(root), [...blocks, ...extra]));
  // The 30th block's bytes replaced by another block's: refused although the blocks after it were already read.
  const swapped = blocks.map((b, i) => (i === 30 ? { cid: b.cid, bytes: blocks[31]!.bytes } : b));
  const lying = await fakePeer(await carWriterBytes(CID.parse(root), swapped));
  try {
    const store = TensorStore.open(join(dir.path, 'fetch-trailing'));
    try {
      const file = await new PeerFetcher(store, [trailing.url]).fetch(root);
      assert.is(file.cid, cid);
      assert.ok(readFileSync(store.objectPath(cid)).equals(files.random));
    } finally {
      store.close();
    }
    const refused = TensorStore.open(join(dir.path, 'fetch-lying'));
    try {
      const error = await new PeerFetcher(refused, [lying.url]).fetch(root).then(() => null, (e: Error & { code?: string }) => e);
      assert.ok(error, 'the fetch failed');
      assert.is(error!.code, 'UNAVAILABLE');
      assert.match(error!.message, /does not hash to its CID/);
      assert.is(refused.getFile(cid), null);
      assert.equal(refused.listFiles({ first: 10 }).items, []);
      assert.equal(readdirSync(join(dir.path, 'fetch-lying', 'tmp')), [], 'no temp file left');
    } finally {
      refused.close();
    }
  } finally {
    await trailing.close();
    await lying.close();
  }
});

test.run();
