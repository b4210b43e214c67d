// UnixFS roots: what the store computes in its ingest pass equals what ipfs-unixfs-importer computes on its own
// with `--cid-version=1 --raw-leaves --chunker=size-1048576` (balanced, 174 links a node).
import { createReadStream, openSync, closeSync, ftruncateSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { importer } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { CID } from 'multiformats/cid';
import { dagOf, decodeNode } from '../../src/ipfs/unixfs.ts';
import { cidOfBytes } from '../../src/store/cid.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { fixtureFiles, tempDir } from '../../src/devkit/paths.ts';

const MiB = 1 << 20;

/** The importer run apart from the store, with the parameters written out here. */
async function importerRoot(content: AsyncIterable<Uint8Array> | Uint8Array): Promise<string> {
  let root: CID | undefined;
  const options = { cidVersion: 1 as const, rawLeaves: true, chunker: fixedSize({ chunkSize: MiB }), layout: balanced({ maxChildrenPerNode: 174 }) };
  for await (const entry of importer([{ content }], { put: async (cid: CID) => cid }, options)) root = entry.cid;
  return root!.toString();
}

/** Bytes whose value depends on their position only (period 251), cut in chunks of `step`. */
async function* pattern(size: number, step: number): AsyncIterable<Uint8Array> {
  const PERIOD = 251;
  const base = Buffer.alloc(step + PERIOD);
  for (let i = 0; i < base.length; i++) base[i] = (i % PERIOD) * 7;
  for (let at = 0; at < size; at += step) yield base.subarray(at % PERIOD, at % PERIOD + Math.min(step, size - at));
}

test('every fixture: the root is the importer\'s, and the file\'s own CID (all are at most 1 MiB)', async () => {
  const files = fixtureFiles(['']);
  assert.ok(files.length >= 10, `fixtures found: ${files.length}`);
  for (const path of files) {
    const bytes = readFileSync(path);
    const dag = await dagOf(createReadStream(path, { highWaterMark: 65_536 }));
    assert.is(dag.root, await importerRoot(bytes), path);
    if (bytes.byteLength <= MiB) assert.is(dag.root, cidOfBytes(bytes), path);
  }
});

test('ingest: 0 bytes, 1 MiB, 1 MiB + 1, 3 MiB + 5: ipfsCid is the importer\'s; a file of at most 1 MiB has ipfsCid == cid', async () => {
  const dir = tempDir();
  const store = TensorStore.open(dir.path);
  try {
    for (const size of [0, 1, MiB - 1, MiB, MiB + 1, 3 * MiB + 5]) {
      const bytes = randomBytes(size);
      const path = join(dir.path, `in-${size}`);
      writeFileSync(path, bytes);
      const { file } = await store.add(path, { dtype: 'U8', shape: [size] });
      const ipfsCid = store.ipfsCidOf(file.cid);
      assert.is(ipfsCid, await importerRoot(bytes), `size ${size}`);
      if (size <= MiB) assert.is(ipfsCid, file.cid, `size ${size}`);
      else assert.ok(ipfsCid!.startsWith('bafybei'), ipfsCid!);
      // Either CID names the file.
      assert.is(store.getFile(ipfsCid!)?.cid, file.cid);
      assert.is(store.tensorsOf(ipfsCid!).length, 1);
      // Leaves are ranges of the object whose bytes hash to their CID; internal nodes are kept.
      if (size > MiB) {
        const root = decodeNode(store.dagNode(ipfsCid!)!);
        assert.is(root.fileSize, size);
        let offset = 0;
        for (const link of root.links) {
          const where = store.dagBlock(link.cid.toString());
          assert.ok(where && where.kind === 'leaf');
          if (where.kind !== 'leaf') continue;
          assert.is(where.offset, offset);
          assert.is(where.length, link.size);
          assert.is(cidOfBytes(bytes.subarray(where.offset, where.offset + where.length)), link.cid.toString());
          offset += link.size;
        }
        assert.is(offset, size);
      }
    }
  } finally {
    store.close();
    dir.cleanup();
  }
});

test('two levels (175 MiB + 3 bytes, 176 leaves): root, node count and leaf offsets', async () => {
  const size = 175 * MiB + 3;
  const dag = await dagOf(pattern(size, 3 * 65_536 + 7));
  assert.is(dag.root, await importerRoot(pattern(size, MiB)));
  assert.is(dag.nodes.length, 3); // root + a full node of 174 + a node of 2
  assert.is(dag.leaves.length, 176);
  assert.is(dag.leaves.at(-1)!.offset + dag.leaves.at(-1)!.length, size);
  dag.leaves.forEach((leaf, i) => assert.is(leaf.offset, i * MiB));
});

test('a sparse 5 GiB file: the root is the importer\'s', async () => {
  const dir = tempDir();
  const path = join(dir.path, 'sparse');
  const fd = openSync(path, 'w');
  ftruncateSync(fd, 5 * 1024 * MiB);
  closeSync(fd);
  try {
    const started = performance.now();
    const dag = await dagOf(createReadStream(path, { highWaterMark: MiB }), { freshChunks: true });
    const ours = performance.now() - started;
    const theirs = await importerRoot(createReadStream(path, { highWaterMark: MiB }));
    assert.is(dag.root, theirs);
    assert.is(dag.leaves.length, 5120);
    console.log(`    sparse 5 GiB: DagBuilder ${Math.round(ours)} ms, importer alone ${Math.round(performance.now() - started - ours)} ms`);
  } finally {
    rmSync(path, { force: true });
    dir.cleanup();
  }
});

test('a store made before DAGs: backfillDags computes the same roots; removal forgets them', async () => {
  const dir = tempDir();
  let store = TensorStore.open(dir.path);
  const bytes = randomBytes(2 * MiB + 17);
  const path = join(dir.path, 'in');
  writeFileSync(path, bytes);
  const { file } = await store.add(path, { dtype: 'U8', shape: [bytes.byteLength] });
  const expected = store.ipfsCidOf(file.cid);
  store.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir.path, `ipfs.sqlite${suffix}`), { force: true });
  store = TensorStore.open(dir.path);
  try {
    assert.is(store.ipfsCidOf(file.cid), null);
    assert.equal(store.objectsWithoutDag(), [file.cid]);
    const seen: number[] = [];
    assert.is(await store.backfillDags({ onProgress: (p) => seen.push(p.done) }), 1);
    assert.equal(seen, [1]);
    assert.is(store.ipfsCidOf(file.cid), expected);
    assert.is(store.getFile(expected!)?.cid, file.cid);
    assert.ok(store.remove(expected!));
    assert.is(store.getFile(expected!), null);
    assert.is(store.dagBlock(expected!), null);
  } finally {
    store.close();
    dir.cleanup();
  }
});

test('a dag-pb CID the store lacks names nothing; a malformed one is refused', () => {
  const dir = tempDir();
  const store = TensorStore.open(dir.path);
  try {
    const digest = createHash('sha256').update('x').digest();
    const unknown = CID.createV1(0x70, { code: 0x12, size: 32, digest, bytes: Uint8Array.from([0x12, 0x20, ...digest]) } as never).toString();
    assert.is(store.getFile(unknown), null);
    assert.throws(() => store.getFile('bafybeinot-a-cid'), /not a CID/);
  } finally {
    store.close();
    dir.cleanup();
  }
});

test.run();
