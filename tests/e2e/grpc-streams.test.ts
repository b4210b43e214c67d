// ReadSlice streams from a served 128 MiB tensor (`ipfrs serve --grpc-port`, a child process watched from
// outside): a reader that stops reading holds the server's anonymous memory flat (flow control: the server
// waits for drain), a cancelled stream and one past its deadline stop at once and release their views (after a
// Clear and a GC the mapping is gone from /proc/<pid>/maps), and /metrics counts them as CANCELLED and
// DEADLINE_EXCEEDED.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { status, type ClientReadableStream } from '@grpc/grpc-js';
import { closeSync, openSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../src/devkit/ports.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';
import type { ReadSliceResponse__Output } from '../../src/grpc/generated/ipfrs/v1/ReadSliceResponse.ts';
import { bearer, call, grpcClients, type GrpcClients } from '../helpers/grpc.ts';
import { tempDir } from '../../src/devkit/paths.ts';
import { spawnServer, type ServerChild } from '../../src/devkit/serve-child.ts';

const MiB = 1024 * 1024;
const SIZE = 128 * MiB;
let dir: ReturnType<typeof tempDir>;
let served: ServerChild;
let clients: GrpcClients;
let cid = '';
let objectPath = '';
let token = '';

beforeAll(test, async () => {
  dir = tempDir('ipfrs-grpc-streams-');
  const root = join(dir.path, 'store');
  // Mostly a hole (cheap to write), with a marker at each MiB so the bytes can be checked.
  const source = join(dir.path, 'big.bin');
  const fd = openSync(source, 'w');
  ftruncateSync(fd, SIZE);
  for (let at = 0; at < SIZE; at += MiB) writeSync(fd, Buffer.from(`MiB ${at / MiB}`), 0, undefined, at);
  closeSync(fd);
  const store = TensorStore.open(root);
  cid = (await store.add(source, { dtype: 'U8', shape: [SIZE], name: 'big' })).file.cid;
  objectPath = store.objectPath(cid);
  store.close();
  const port = await freePort();
  served = await spawnServer(root, ['--grpc-port', String(port)]);
  token = served.adminToken!;
  clients = grpcClients(`127.0.0.1:${port}`);
});

test.after(async () => {
  clients?.close();
  await served?.stop();
  dir.cleanup();
});

const readSlice = (options: object = {}) => clients.tensors.ReadSlice({ cid, name: 'big' }, options) as ClientReadableStream<ReadSliceResponse__Output>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Clear the cache (admin), collect garbage in the server: is the object still mapped? */
async function stillMapped(): Promise<boolean> {
  await call(clients.cache.Clear.bind(clients.cache), {}, bearer(token));
  for (let i = 0; i < 10; i++) {
    await served.gc();
    if (served.mappingsOf(objectPath).length === 0) return false;
    await sleep(100);
  }
  return true;
}

async function metric(method: string, code: string): Promise<number> {
  const text = await (await fetch(`${served.url}/metrics`)).text();
  const match = new RegExp(`^ipfrs_grpc_calls_total\\{method="/ipfrs\\.v1\\.TensorService/${method}",code="${code}"\\} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

test('a reader that stops: the server stops sending (memory flat); resumed, it gets every byte', async () => {
  // Warm-up: one whole read, so later growth is the stream's and not the first use of grpc-js.
  await new Promise((resolve, reject) => readSlice().on('data', () => {}).on('end', resolve).on('error', reject));
  await served.gc();
  const before = served.memory().anon;
  const stream = readSlice();
  let received = 0;
  let markers = 0;
  stream.on('data', (m: ReadSliceResponse__Output) => {
    if (m.part !== 'data') return;
    const data = m.data!;
    for (let at = (MiB - (received % MiB)) % MiB; at < data.byteLength; at += MiB) {
      if (data.subarray(at, at + 12).toString('latin1').startsWith(`MiB ${(received + at) / MiB}`)) markers++;
    }
    received += data.byteLength;
    if (received >= 4 * MiB && received < 5 * MiB) stream.pause();
  });
  const ended = new Promise((resolve, reject) => stream.on('end', resolve).on('error', reject));
  await sleep(1500);
  const paused = served.memory().anon;
  assert.ok(received < 48 * MiB, `the client holds ${received} bytes while paused`);
  assert.ok(paused - before < 64 * MiB, `server RssAnon grew ${((paused - before) / MiB).toFixed(1)} MiB while the reader was stopped`);
  stream.resume();
  await ended;
  assert.is(received, SIZE);
  assert.is(markers, SIZE / MiB, 'every MiB marker in its place');
  const after = served.memory().anon;
  assert.ok(after - before < 64 * MiB, `server RssAnon grew ${((after - before) / MiB).toFixed(1)} MiB over the stream`);
});

test('a cancelled stream stops at once and releases the mapping', async () => {
  const cancelled = await metric('ReadSlice', 'CANCELLED');
  const stream = readSlice();
  let messages = 0;
  await new Promise<void>((resolve) =>
    stream.on('data', () => {
      if (++messages === 3) {
        stream.pause();
        resolve();
      }
    }),
  );
  assert.ok(served.mappingsOf(objectPath).length > 0, 'mapped while streaming');
  const error = new Promise<{ code: number }>((resolve) => stream.on('error', resolve));
  stream.cancel();
  assert.is((await error).code, status.CANCELLED);
  assert.not.ok(await stillMapped(), 'the mapping is gone after Clear and GC');
  for (let i = 0; i < 20 && (await metric('ReadSlice', 'CANCELLED')) === cancelled; i++) await sleep(50);
  assert.is(await metric('ReadSlice', 'CANCELLED'), cancelled + 1);
  assert.ok(served.alive());
});

test('a deadline is honoured: DEADLINE_EXCEEDED for a reader too slow for it, and the views are released', async () => {
  const stream = readSlice({ deadline: Date.now() + 400 });
  stream.once('data', () => stream.pause());
  const error = await new Promise<{ code: number }>((resolve) => stream.on('error', resolve));
  assert.is(error.code, status.DEADLINE_EXCEEDED);
  for (let i = 0; i < 20 && (await metric('ReadSlice', 'DEADLINE_EXCEEDED')) === 0; i++) await sleep(50);
  assert.is(await metric('ReadSlice', 'DEADLINE_EXCEEDED'), 1);
  assert.not.ok(await stillMapped());
  assert.ok(served.alive());
});

test.run();
