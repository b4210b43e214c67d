// readAhead: a stream pulled ahead of its consumer, bounded by bytes; chunks released once consumed or never
// yielded; a failure comes out after what came before; a consumer that stops early stops the producer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readAhead } from '../../src/ipfs/read-ahead.ts';

const chunk = (i: number, size = 10) => new Uint8Array(size).fill(i);

test('in order, never more than the limit ahead, each chunk released once after its turn', async () => {
  let produced = 0;
  let maxAhead = 0;
  let consumed = 0;
  const released: number[] = [];
  async function* source() {
    for (let i = 0; i < 50; i++) {
      produced++;
      maxAhead = Math.max(maxAhead, produced - consumed);
      yield chunk(i);
    }
  }
  const seen: number[] = [];
  for await (const c of readAhead(source(), 30, (c) => released.push(c[0]!))) {
    seen.push(c[0]!);
    assert.is(released.length, seen.length - 1, 'the previous chunk is released when the next is asked for');
    consumed++;
    await new Promise((resolve) => setImmediate(resolve)); // a slow consumer: the producer runs ahead
  }
  assert.equal(seen, [...Array(50).keys()]);
  assert.equal(released, [...Array(50).keys()]);
  // 30 bytes of 10-byte chunks queued, plus the one being handed over and the one the producer holds.
  assert.ok(maxAhead >= 3 && maxAhead <= 5, `ran ${maxAhead} chunks ahead`);
});

test('a failure of the source comes out after the chunks before it', async () => {
  async function* source() {
    yield chunk(1);
    yield chunk(2);
    throw new Error('the peer went away');
  }
  const seen: number[] = [];
  const error = await (async () => {
    for await (const c of readAhead(source(), 1000, () => {})) seen.push(c[0]!);
  })().then(() => null, (e: Error) => e);
  assert.equal(seen, [1, 2]);
  assert.is(error?.message, 'the peer went away');
});

test('a consumer that stops early: the producer stops, its generator is closed, every chunk is released', async () => {
  let closed = false;
  let produced = 0;
  async function* source() {
    try {
      for (let i = 0; i < 1000; i++) {
        produced++;
        yield chunk(i);
      }
    } finally {
      closed = true;
    }
  }
  const released = new Set<number>();
  for await (const c of readAhead(source(), 50, (c) => released.add(c[0]!))) {
    if (c[0] === 3) break;
  }
  assert.ok(closed, 'the source was closed');
  assert.ok(produced < 20, `produced ${produced} of 1000`);
  assert.is(released.size, produced, 'what was read ahead and never yielded is released too');
});

test.run();
