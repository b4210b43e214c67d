// src/ipfs/car.ts: the blocks of a DAG in DFS order without duplicates, and the CARv1 bytes as views, byte for byte
// what @ipld/car's own CarWriter writes for the same blocks, with carLength their exact length.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CarReader } from '@ipld/car/reader';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { carLength, carViews, dagBlocks, parseEntityBytes, type Block } from '../../src/ipfs/car.ts';
import { CHUNK_SIZE, dagOf } from '../../src/ipfs/unixfs.ts';
import { carWriterBytes } from '../helpers/car.ts';

async function rawBlock(bytes: Uint8Array): Promise<Block> {
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes };
}

test('carViews is what CarWriter writes, for small, empty and large blocks; carLength is its length', async () => {
  const blocks = [await rawBlock(new Uint8Array(0)), await rawBlock(new Uint8Array([1, 2, 3])), await rawBlock(new Uint8Array(200_000).fill(7))];
  const root = blocks[1]!.cid;
  const ours = Buffer.concat([...carViews(root, blocks)]);
  assert.ok(ours.equals(await carWriterBytes(root, blocks)));
  assert.is(carLength(root, blocks), ours.byteLength);
  const reader = await CarReader.fromBytes(ours);
  assert.equal((await reader.getRoots()).map(String), [root.toString()]);
  const read = [];
  for await (const block of reader.blocks()) read.push(block);
  assert.equal(read.map((b) => b.cid.toString()), blocks.map((b) => b.cid.toString()));
});

test('carViews keeps the blocks\' bytes as the same views (no copy of a leaf)', async () => {
  const leaf = await rawBlock(new Uint8Array(4096).fill(9));
  const views = [...carViews(leaf.cid, [leaf])];
  assert.ok(views.includes(leaf.bytes));
});

test('dagBlocks over a UnixFS DAG: DFS order, each block once, entity ranges, block scope', async () => {
  const size = 3 * CHUNK_SIZE + 10;
  const file = new Uint8Array(size);
  for (let i = 0; i < size; i += 1000) file[i] = (i / 1000) & 255;
  file.fill(0, 0, 2 * CHUNK_SIZE); // two equal leaves: the second is not sent again
  const dag = await dagOf((async function* () { yield file; })());
  const nodes = new Map(dag.nodes.map((n) => [n.cid, n.bytes]));
  const source = { node: (cid: string) => nodes.get(cid) ?? null, leaf: (offset: number, length: number) => file.subarray(offset, offset + length) };
  const root = CID.parse(dag.root);
  const all = [...dagBlocks(root, size, source, 'all', null)];
  assert.is(all[0]!.cid.toString(), dag.root);
  assert.is(all.length, 1 + 3); // the root, the zero leaf once, two more leaves
  assert.is(new Set(all.map((b) => b.cid.toString())).size, all.length);
  const tail = [...dagBlocks(root, size, source, 'entity', parseEntityBytes('-5:*', size))];
  assert.is(tail.length, 2);
  assert.ok(Buffer.from(tail[1]!.bytes).equals(file.subarray(3 * CHUNK_SIZE)));
  assert.equal([...dagBlocks(root, size, source, 'block', null)].map((b) => b.cid.toString()), [dag.root]);
  const missing = { ...source, node: () => null };
  assert.throws(() => [...dagBlocks(root, size, missing, 'all', null)], /lacks node/);
});

test('parseEntityBytes: from:to inclusive, * and negative offsets, refusals', () => {
  assert.equal(parseEntityBytes('0:9', 100), { from: 0, to: 9 });
  assert.equal(parseEntityBytes('90:*', 100), { from: 90, to: 99 });
  assert.equal(parseEntityBytes('-10:-1', 100), { from: 90, to: 99 });
  assert.equal(parseEntityBytes('5:500', 100), { from: 5, to: 99 });
  assert.is(parseEntityBytes('9:3', 100), null);
  assert.is(parseEntityBytes('a:b', 100), null);
  assert.is(parseEntityBytes('1e3:*', 100), null);
});

test.run();
