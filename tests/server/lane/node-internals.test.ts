// The Node internals the lane and the server rely on (src/server/lane/node-internals.ts): each is checked to be
// there on this Node, and a missing one is said loudly (an error on the logger), never ignored.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer as createHttpServer, get } from 'node:http';
import { connect, createServer, Socket, type AddressInfo } from 'node:net';
import { busyWithResponse, checkSocketHandle, idleSocketFd, readIntoBuffer, releaseReadBuffer, takeConnectionListener } from '../../../src/server/lane/node-internals.ts';
import { attachDownloadLane } from '../../../src/server/lane/download-lane.ts';
import type { DownloadRoute } from '../../../src/http/download.ts';
import type { Logger } from '../../../src/telemetry/logger.ts';

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, debug() {}, info() {}, warn() {}, error: (msg) => void errors.push(msg) };
}

test('takeConnectionListener: node:http\'s own listener, taken off the server', () => {
  const server = createHttpServer();
  const logger = recordingLogger();
  const listener = takeConnectionListener(server, logger);
  assert.type(listener, 'function');
  assert.is(server.listeners('connection').length, 0);
  assert.equal(logger.errors, []);
});

test('takeConnectionListener and attachDownloadLane: a server that is not as Node makes it is left alone, and said so', () => {
  const server = createHttpServer();
  const extra = () => {};
  server.on('connection', extra);
  const logger = recordingLogger();
  assert.is(takeConnectionListener(server, logger), null);
  assert.is(server.listeners('connection').length, 2);
  assert.is(logger.errors.length, 1);
  assert.match(logger.errors[0]!, /download lane NOT attached/);

  const lane = attachDownloadLane(server, { route: {} as DownloadRoute, keepAliveTimeoutMs: 5000, headersTimeoutMs: 5000, closing: () => false, logger });
  assert.is(lane, null);
  assert.is(server.listeners('connection').length, 2);
  assert.is(logger.errors.length, 2);
});

test('idleSocketFd: -1 for a socket without a descriptor, the descriptor of a connected one', async () => {
  assert.is(idleSocketFd(new Socket()), -1);
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', resolve));
  try {
    const fd = idleSocketFd(client);
    assert.ok(Number.isInteger(fd) && fd >= 0, `fd ${fd}`);
    const logger = recordingLogger();
    checkSocketHandle(client, logger);
    assert.equal(logger.errors, [], 'this Node has socket._handle.fd');
  } finally {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('busyWithResponse: true while node:http answers on the socket, false before and after', async () => {
  const seen: boolean[] = [];
  let socketOfRequest: Socket | null = null;
  let detached!: () => void;
  const afterResponse = new Promise<void>((resolve) => (detached = resolve));
  const server = createHttpServer((req, res) => {
    socketOfRequest = req.socket;
    seen.push(busyWithResponse(req.socket));
    res.end('ok', () =>
      setImmediate(() => {
        seen.push(busyWithResponse(req.socket));
        detached();
      }),
    );
  });
  server.on('connection', (socket: Socket) => seen.push(busyWithResponse(socket)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      get({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', agent: false }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
    await afterResponse;
    assert.ok(socketOfRequest);
    assert.equal(seen, [false, true, false]);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A net server whose first connection comes back as [the server's side, the client's side]. */
async function socketPair(): Promise<{ server: Socket; client: Socket; close(): Promise<void> }> {
  let accepted!: (socket: Socket) => void;
  const serverSide = new Promise<Socket>((resolve) => (accepted = resolve));
  const listener = createServer({ allowHalfOpen: true }, (socket) => accepted(socket));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const client = connect((listener.address() as AddressInfo).port, '127.0.0.1');
  const server = await serverSide;
  await new Promise<void>((resolve) => (client.connecting ? client.once('connect', resolve) : resolve()));
  return {
    server,
    client,
    close: async () => {
      client.destroy();
      server.destroy();
      await new Promise((resolve) => listener.close(resolve));
    },
  };
}

const until = async (condition: () => boolean, what: string) => {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 3000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

test('readIntoBuffer: a socket the server made reads into the given buffer, read by read; pause() stops reading; end still comes', async () => {
  const pair = await socketPair();
  try {
    const shared = Buffer.alloc(64 * 1024);
    const reads: string[] = [];
    const logger = recordingLogger();
    const installed = readIntoBuffer(pair.server, shared, (bytes, buffer) => {
      assert.ok(buffer === shared, 'the shared buffer');
      reads.push(buffer.toString('latin1', 0, bytes));
    }, logger);
    assert.ok(installed, 'this Node has the onread internals');
    assert.equal(logger.errors, []);
    let dataEvents = 0;
    pair.server.on('data', () => dataEvents++);
    pair.client.write('GET / HTTP/1.1\r\n');
    await until(() => reads.join('') === 'GET / HTTP/1.1\r\n', 'the first read');
    pair.client.write('Host: a\r\n\r\n');
    await until(() => reads.join('').endsWith('\r\n\r\n'), 'the second read');
    assert.is(reads.join(''), 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');

    // Paused, the socket reads nothing (the bytes stay in the kernel); resumed, they come.
    pair.server.pause();
    const before = reads.length;
    pair.client.write('more');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.is(reads.length, before, 'nothing read while paused');
    pair.server.resume();
    await until(() => reads.join('').endsWith('more'), 'the bytes sent while paused');

    const ended = new Promise<void>((resolve) => pair.server.once('end', resolve));
    pair.client.end();
    await ended;
    assert.is(dataEvents, 0, 'no \'data\' event: every read went to the callback');
    // A socket that already reads into a buffer is left as it is.
    assert.not.ok(readIntoBuffer(pair.server, Buffer.alloc(16), () => {}));
  } finally {
    await pair.close();
  }
});

test('releaseReadBuffer: later reads come as \'data\' events, each a copy of its own (the shared buffer may be reused at once)', async () => {
  const pair = await socketPair();
  try {
    const shared = Buffer.alloc(64 * 1024);
    const reads: string[] = [];
    assert.ok(readIntoBuffer(pair.server, shared, (bytes, buffer) => void reads.push(buffer.toString('latin1', 0, bytes))));
    pair.client.write('before');
    await until(() => reads.length === 1, 'the first read');
    releaseReadBuffer(pair.server);
    const chunks: Buffer[] = [];
    pair.server.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      shared.fill(0x21); // as the next read into it would
    });
    const big = Buffer.alloc(1024 * 1024, 'abcdefgh');
    pair.client.write(big);
    await until(() => chunks.reduce((n, c) => n + c.length, 0) === big.length, 'the 1 MiB after the release');
    assert.ok(Buffer.concat(chunks).equals(big), 'every byte, none overwritten');
    assert.equal(reads, ['before'], 'the callback sees nothing after the release');
  } finally {
    await pair.close();
  }
});

test.run();
