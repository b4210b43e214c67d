// sendDirect: a head and a view of mapped memory sent on a socket in one system call, or handed back to Node's
// stream when that is not safe (something queued) or not possible (a full send buffer): every byte arrives once and
// in order, and a broken connection or a lost page is an error, never a crash.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../../helpers/hooks.ts';
import { ftruncateSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { MmapFile } from '../../../src/mmap/index.ts';
import { sendDirect } from '../../../src/server/lane/socket-write.ts';
import { native } from '../../../src/mmap/binding.ts';
import { tempDir } from '../../../src/devkit/paths.ts';

let dir: ReturnType<typeof tempDir>;

beforeAll(test, () => {
  dir = tempDir('ipfrs-socket-write-');
});
test.after(() => dir.cleanup());

/** A connected pair: `server` is the accepted side we write on, `client` collects what arrives. */
async function pair(): Promise<{ server: Socket; client: Socket; received: () => Buffer; ended: Promise<Buffer>; close(): void; listener: Server }> {
  // The written side never reads: so it also never reads a reset and destroys itself before sendDirect sees it.
  const listener = createServer({ pauseOnConnect: true });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => listener.once('connection', resolve));
  const client = connect((listener.address() as { port: number }).port, '127.0.0.1');
  const chunks: Buffer[] = [];
  client.on('data', (d: Buffer) => chunks.push(d));
  const ended = new Promise<Buffer>((resolve) => client.on('end', () => resolve(Buffer.concat(chunks))));
  const server = await accepted;
  // Resets are what some tests make: their errors are asserted on sendDirect, not on the streams.
  server.on('error', () => {});
  client.on('error', () => {});
  await new Promise<void>((resolve) => (client.readyState === 'open' ? resolve() : client.once('connect', () => resolve())));
  return {
    server,
    client,
    listener,
    received: () => Buffer.concat(chunks),
    ended,
    close() {
      server.destroy();
      client.destroy();
      listener.close();
    },
  };
}

function pattern(n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff));
}

test('head and a mapped view go out in one call, byte for byte', async () => {
  const path = join(dir.path, 'a.bin');
  const bytes = pattern(10_000);
  writeFileSync(path, bytes);
  const file = new MmapFile(path);
  const p = await pair();
  try {
    const head = 'HTTP/1.1 200 OK\r\nX-Latin1: caf\u00e9\r\n\r\n';
    assert.is(sendDirect(p.server, head, file.range(100, 4196)), 'all');
    assert.is(sendDirect(p.server, 'only a head', null), 'all');
    p.server.end();
    const got = await p.ended;
    assert.ok(got.equals(Buffer.concat([Buffer.from(head, 'latin1'), bytes.subarray(100, 4196), Buffer.from('only a head')])));
  } finally {
    p.close();
    file.close();
  }
});

test('with something queued on the socket it says none, so the order of bytes is kept', async () => {
  const p = await pair();
  try {
    p.server.cork();
    p.server.write('queued first');
    assert.is(sendDirect(p.server, 'then this', null), 'none');
    p.server.write('then this');
    p.server.uncork();
    p.server.end();
    assert.is((await p.ended).toString(), 'queued firstthen this');
  } finally {
    p.close();
  }
});

test('a full send buffer: part is sent (or none), the caller queues the rest, and all of it arrives in order', async () => {
  const p = await pair();
  p.client.pause(); // let the buffers fill
  try {
    const big = pattern(32 << 20);
    const head = 'HEAD\r\n';
    const sent = sendDirect(p.server, head, big);
    assert.ok(sent === 'none' || (typeof sent === 'number' && sent > 0 && sent < head.length + big.length), String(sent));
    // What the lane does with the rest.
    if (sent === 'none') {
      p.server.write(head, 'latin1');
      p.server.write(big);
    } else if (sent < head.length) {
      p.server.write(head.slice(sent), 'latin1');
      p.server.write(big);
    } else {
      p.server.write(big.subarray(sent - head.length));
    }
    // Nothing more may go direct while that is queued.
    assert.is(sendDirect(p.server, 'x', null), 'none');
    p.server.end();
    p.client.resume();
    const got = await p.ended;
    assert.is(got.length, head.length + big.length);
    assert.ok(got.equals(Buffer.concat([Buffer.from(head), big])));
  } finally {
    p.close();
  }
});

test('a connection reset by the peer is an error with a code, not a crash', async () => {
  const p = await pair();
  try {
    p.client.resetAndDestroy();
    await new Promise((r) => setTimeout(r, 50));
    let error: (Error & { code?: string }) | null = null;
    for (let i = 0; i < 3 && error === null; i++) {
      try {
        sendDirect(p.server, 'x'.repeat(1000), null);
      } catch (e) {
        error = e as Error & { code?: string };
      }
    }
    assert.ok(error, 'a write to a reset connection fails');
    assert.ok(['ECONNRESET', 'EPIPE'].includes(error!.code!), error!.code);
  } finally {
    p.close();
  }
});

test('a view of a file truncated under the mapping: EFAULT as an error, the process lives', async () => {
  const path = join(dir.path, 'shrinks.bin');
  writeFileSync(path, pattern(1 << 20));
  const file = new MmapFile(path);
  const view = file.range(512 << 10, 1 << 20);
  const fd = openSync(path, 'r+');
  ftruncateSync(fd, 4096);
  closeSync(fd);
  const p = await pair();
  try {
    let error: (Error & { code?: string }) | null = null;
    try {
      sendDirect(p.server, 'HTTP/1.1 200 OK\r\n\r\n', view);
    } catch (e) {
      error = e as Error & { code?: string };
    }
    // Linux sends what it could copy before the lost page (here: the head), or fails with EFAULT.
    assert.ok(error?.code === 'EFAULT' || error === null, String(error));
  } finally {
    p.close();
    file.close();
  }
});

test('bad arguments are TypeErrors and RangeErrors from the addon', () => {
  assert.throws(() => native.writeResponse(-1, 'x'), /invalid descriptor/);
  assert.throws(() => (native.writeResponse as (...a: unknown[]) => number)(1, 42), /expected \(fd, head\[, body\]\)/);
  assert.throws(() => (native.writeResponse as (...a: unknown[]) => number)(1, 'x', [1, 2]), /body must be a Uint8Array/);
  // Not a socket: ENOTSOCK, which sendDirect turns into 'none' (write it through Node).
  const fd = openSync(join(dir.path, 'plain'), 'w');
  try {
    assert.ok(native.writeResponse(fd, 'x') < 0);
  } finally {
    closeSync(fd);
  }
});

test.run();
