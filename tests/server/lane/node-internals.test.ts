// The Node internals the lane and the server rely on (src/server/lane/node-internals.ts): each is checked to be
// there on this Node, and a missing one is said loudly (an error on the logger), never ignored.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer as createHttpServer, get } from 'node:http';
import { connect, createServer, Socket, type AddressInfo } from 'node:net';
import { busyWithResponse, checkSocketHandle, idleSocketFd, takeConnectionListener } from '../../../src/server/lane/node-internals.ts';
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

test.run();
