// The blocks of a peer's CAR, verified ahead of the walk (src/ipfs/verified-blocks.ts): in order, each checked against
// its CID whether a pooled leaf (hashed on the hash thread) or a node; a wrong block refused where it is taken; a
// broken stream a PeerFailure after the blocks before it; and close() stops reading and gives the pool back its
// buffers.
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CID } from 'multiformats/cid';
import { code as RAW_CODE } from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { CarStreamReader } from '../../src/ipfs/car-reader.ts';
import { LeafPool, PeerFailure, VerifyAhead } from '../../src/ipfs/verified-blocks.ts';
import { carWriterBytes } from '../helpers/car.ts';

const MiB = 1 << 20;

async function rawBlock(bytes: Uint8Array): Promise<{ cid: CID; bytes: Uint8Array }> {
  return { cid: CID.createV1(RAW_CODE, await sha256.digest(bytes)), bytes };
}

/** A CAR of `blocks` as a stream of 64 KiB pieces, with an optional failure after `failAfter` bytes. */
async function carStream(blocks: { cid: CID; bytes: Uint8Array }[], failAfter = Infinity): Promise<CarStreamReader> {
  const car = await carWriterBytes(blocks[0]!.cid, blocks);
  async function* pieces() {
    for (let at = 0; at < car.byteLength; at += 64 << 10) {
      if (at >= failAfter) throw new Error('connection reset');
      yield car.subarray(at, at + (64 << 10));
    }
  }
  const reader = new CarStreamReader(pieces(), 4 * MiB);
  await reader.header();
  return reader;
}

function readerFor(pool: LeafPool) {
  return (car: CarStreamReader) => new VerifyAhead(car, (cid, length) => (cid.code === RAW_CODE ? pool.take(length) : new Uint8Array(length)), pool);
}

test('every block in order, verified: pooled leaves of 1 MiB and a short last one', async () => {
  const blocks = await Promise.all([randomBytes(MiB), randomBytes(MiB), randomBytes(MiB), randomBytes(12345)].map(rawBlock));
  const pool = new LeafPool();
  const ahead = readerFor(pool)(await carStream(blocks));
  for (const expected of blocks) {
    const next = await ahead.next();
    assert.ok(next, 'a block');
    assert.ok(next!.block.cid.equals(expected.cid));
    assert.ok(Buffer.from(await next!.verified).equals(expected.bytes));
  }
  assert.is(await ahead.next(), null, 'the end of the stream');
  await ahead.close();
});

test('a block whose bytes are not its CID is refused where it is taken, after the good ones before it', async () => {
  const blocks = await Promise.all([randomBytes(MiB), randomBytes(MiB), randomBytes(MiB)].map(rawBlock));
  const lying = [blocks[0]!, { cid: blocks[1]!.cid, bytes: blocks[2]!.bytes }, blocks[2]!];
  const ahead = readerFor(new LeafPool())(await carStream(lying));
  assert.ok(Buffer.from(await (await ahead.next())!.verified).equals(blocks[0]!.bytes));
  const wrong = (await ahead.next())!;
  const error = await wrong.verified.then(() => null, (e: Error) => e);
  assert.instance(error, PeerFailure);
  assert.match(error!.message, /does not hash to its CID/);
  await ahead.close();
});

test('a stream that breaks: the blocks before it, then a PeerFailure', async () => {
  const blocks = await Promise.all([randomBytes(MiB), randomBytes(MiB), randomBytes(MiB)].map(rawBlock));
  const ahead = readerFor(new LeafPool())(await carStream(blocks, 1.5 * MiB));
  assert.ok(Buffer.from(await (await ahead.next())!.verified).equals(blocks[0]!.bytes));
  const error = await ahead.next().then(() => null, (e: Error) => e);
  assert.instance(error, PeerFailure);
  assert.match(error!.message, /the stream broke \(connection reset\)/);
  await ahead.close();
});

test('close: reading stops, and the leaves read ahead and never taken go back to the pool', async () => {
  const blocks = await Promise.all(Array.from({ length: 12 }, () => rawBlock(randomBytes(MiB))));
  class CountingPool extends LeafPool {
    given = 0;
    override give(chunk: Uint8Array): void {
      this.given++;
      super.give(chunk);
    }
  }
  const pool = new CountingPool();
  let allocated = 0;
  const ahead = new VerifyAhead(await carStream(blocks), (_cid, length) => (allocated++, pool.take(length)), pool);
  const first = (await ahead.next())!;
  await first.verified;
  await new Promise((resolve) => setTimeout(resolve, 50)); // let it read ahead
  const readAhead = allocated - 1;
  assert.ok(readAhead >= 2 && readAhead <= 5, `${readAhead} blocks read ahead (at most 4 waiting, and one being read)`);
  await ahead.close();
  await new Promise((resolve) => setTimeout(resolve, 50)); // the discarded leaves' hashing ends
  assert.is(allocated - 1, readAhead, 'nothing read after close');
  assert.is(pool.given, readAhead, 'each leaf read ahead and not taken is given back');
});

test.run();
