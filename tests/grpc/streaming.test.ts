// streaming.ts: data messages encoded by hand decode as protobufjs decodes them; writeChunks cuts views into
// chunks, waits for drain when write() says so, stops at a cancellation and closes its view iterator.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventEmitter } from 'node:events';
import type { ServerWritableStream } from '@grpc/grpc-js';
import { loadDefinition } from '../../src/grpc/proto.ts';
import { chunkSizeOf, DEFAULT_CHUNK_BYTES, encodeBytesMessage, MAX_CHUNK_BYTES, writeChunks, type Encoded } from '../../src/grpc/streaming.ts';

const methods = loadDefinition()['ipfrs.v1.TensorService'] as Record<string, { responseDeserialize(bytes: Buffer): Record<string, unknown> }>;
/** What a client decodes from a response of `method`, with the loader options clients use. */
const decode = (method: string, bytes: Buffer) => methods[method]!.responseDeserialize(bytes);

test('encodeBytesMessage: ReadSlice data and ReadRange data + offset, at lengths and offsets around varint edges', () => {
  for (const length of [0, 1, 127, 128, 16383, 16384, 2 ** 21 + 3]) {
    const data = Buffer.alloc(length, 7);
    const slice = decode('ReadSlice', encodeBytesMessage(2, data).serialize());
    assert.is(slice.part, 'data');
    assert.ok((slice.data as Buffer).equals(data), `length ${length}`);
    for (const offset of [0, 1, 300, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
      const range = decode('ReadRange', encodeBytesMessage(1, data, 2, offset).serialize());
      assert.ok((range.data as Buffer).equals(data));
      assert.is(range.offset, offset);
    }
  }
});

test('chunkSizeOf: 0 is 1 MiB; 1..MAX as asked; above MAX a message', () => {
  assert.is(chunkSizeOf(0), DEFAULT_CHUNK_BYTES);
  assert.is(chunkSizeOf(1), 1);
  assert.is(chunkSizeOf(MAX_CHUNK_BYTES), MAX_CHUNK_BYTES);
  assert.type(chunkSizeOf(MAX_CHUNK_BYTES + 1), 'string');
});

/** A call that accepts `room` writes before it asks for a drain, and records what it got. */
class FakeCall extends EventEmitter {
  cancelled = false;
  written: number[] = [];
  room: number;
  constructor(room: number) {
    super();
    this.room = room;
  }
  write(message: Encoded): boolean {
    this.written.push(message.data.byteLength);
    return --this.room > 0;
  }
}

function views(sizes: number[]): Iterator<Uint8Array> & { closed: boolean } {
  const list = sizes.map((n) => new Uint8Array(n));
  let i = 0;
  const it = {
    closed: false,
    next: () => (i < list.length ? { done: false as const, value: list[i++]! } : { done: true as const, value: undefined }),
    return: () => {
      it.closed = true;
      return { done: true as const, value: undefined };
    },
  };
  return it;
}

const asCall = (c: FakeCall) => c as unknown as ServerWritableStream<unknown, unknown>;

test('writeChunks: chunks of at most chunkSize, across views; waits for drain', async () => {
  const call = new FakeCall(2);
  const source = views([250, 100]);
  let finished = false;
  const done = writeChunks(asCall(call), source, 100, (chunk) => encodeBytesMessage(2, chunk)).then((ok) => {
    finished = ok;
    return ok;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.is(call.written.length, 2, 'stopped at the second write (no room)');
  assert.not.ok(finished);
  call.room = 100;
  call.emit('drain');
  assert.ok(await done);
  assert.equal(call.written, [100, 100, 50, 100]);
  assert.ok(source.closed);
});

test('writeChunks: a cancellation while waiting for drain stops it, and the views are closed', async () => {
  const call = new FakeCall(1);
  const source = views([1000]);
  const done = writeChunks(asCall(call), source, 10, (chunk) => encodeBytesMessage(2, chunk));
  await new Promise((resolve) => setImmediate(resolve));
  call.cancelled = true;
  call.emit('cancelled');
  assert.is(await done, false);
  assert.is(call.written.length, 1);
  assert.ok(source.closed);
});

test('writeChunks: cancelled before it starts sends nothing', async () => {
  const call = new FakeCall(10);
  call.cancelled = true;
  assert.is(await writeChunks(asCall(call), views([10]), 4, (chunk) => encodeBytesMessage(2, chunk)), false);
  assert.equal(call.written, []);
});

test.run();
