// CarStreamReader: the blocks @ipld/car's CarWriter wrote, whatever the chunking of the stream; a block over the limit
// and a cut stream refused; the allocator's memory holds each block.
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { CarStreamReader } from '../../src/ipfs/car-reader.ts';
import { carWriterBytes } from '../helpers/car.ts';

const MiB = 1 << 20;

async function carOf(payloads: Uint8Array[]): Promise<{ car: Uint8Array; blocks: { cid: CID; bytes: Uint8Array }[] }> {
  const blocks = await Promise.all(payloads.map(async (bytes) => ({ cid: CID.create(1, raw.code, await sha256.digest(bytes)), bytes })));
  return { car: await carWriterBytes(blocks[0]!.cid, blocks), blocks };
}

/** `car` cut into pieces of the given sizes, in turn. */
async function* chunked(car: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < car.byteLength; i++) {
    const size = sizes[i % sizes.length]!;
    yield car.slice(at, at + size);
    at += size;
  }
}

test('every block, in order, with its bytes, for chunks of 1 byte, odd sizes, 64 KiB and the whole CAR', async () => {
  const { car, blocks } = await carOf([randomBytes(MiB), randomBytes(1), randomBytes(300), randomBytes(MiB - 3), new Uint8Array(0), randomBytes(70_000)]);
  for (const sizes of [[1], [7, 1, 3000, 2], [65536], [car.byteLength]]) {
    const source = sizes[0] === 1 && sizes.length === 1 ? chunked(car.subarray(0, 2 * MiB + 500), [1]) : chunked(car, sizes);
    const reader = new CarStreamReader(source, 4 * MiB);
    const roots = await reader.header();
    assert.ok(roots[0]!.equals(blocks[0]!.cid));
    const got: { cid: CID; bytes: Uint8Array }[] = [];
    try {
      for (;;) {
        const block = await reader.next((_, length) => new Uint8Array(length));
        if (!block) break;
        got.push(block);
      }
    } catch (error) {
      // The 1-byte run reads a prefix only: it must end in the middle of a block, with the error for a cut stream.
      assert.equal(sizes, [1]);
      assert.match((error as Error).message, /Unexpected end of data/);
    }
    const expected = sizes[0] === 1 && sizes.length === 1 ? got.length : blocks.length;
    assert.ok(expected >= 1);
    for (let i = 0; i < expected; i++) {
      assert.ok(got[i]!.cid.equals(blocks[i]!.cid), `block ${i}`);
      assert.ok(Buffer.from(got[i]!.bytes).equals(Buffer.from(blocks[i]!.bytes)), `bytes of block ${i}`);
    }
  }
});

test('the bytes go into the memory the allocator gives, which may be reused once the block is consumed', async () => {
  const { car, blocks } = await carOf([randomBytes(5000), randomBytes(4000), randomBytes(5000)]);
  const reused = new ArrayBuffer(8192);
  const reader = new CarStreamReader(chunked(car, [1000]), MiB);
  await reader.header();
  for (const expected of blocks) {
    const block = await reader.next((_, length) => new Uint8Array(reused, 0, length));
    assert.is(block!.bytes.buffer, reused);
    assert.ok(Buffer.from(block!.bytes).equals(Buffer.from(expected.bytes)));
  }
  assert.is(await reader.next((_, length) => new Uint8Array(length)), null);
});

test('a block over the limit is refused before it is read; a stream that is not a CAR fails its header', async () => {
  const { car } = await carOf([randomBytes(2 * MiB)]);
  const reader = new CarStreamReader(chunked(car, [65536]), MiB);
  await reader.header();
  let allocated = false;
  try {
    await reader.next((_, length) => ((allocated = true), new Uint8Array(length)));
    assert.unreachable('took a 2 MiB block');
  } catch (error) {
    assert.match((error as Error).message, /2097152 bytes \(at most 1048576/);
  }
  assert.not.ok(allocated);
  const garbage = new CarStreamReader(chunked(new TextEncoder().encode('<html>not a car</html>'), [5]), MiB);
  try {
    await garbage.header();
    assert.unreachable('read a header from HTML');
  } catch (error) {
    assert.instance(error, Error);
  }
});

test.run();
