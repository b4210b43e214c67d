// Every use of Node's internals in the project, in one file. None of them is public API, so a Node upgrade may
// take one away; each is checked where it is first used, and a missing one is logged loudly (as an error) rather
// than failing quietly:
// - the http.Server's own 'connection' listener, which the download lane takes and calls for each connection it
//   hands to node:http (checked when the lane attaches: without it the lane does not attach);
// - socket._handle (fd, writeQueueSize): sendDirect (socket-write.ts) writes straight to the descriptor when nothing
//   is queued (checked on the lane's first connection: without it every answer goes through socket.write);
// - every 'connection' listener of a server (node:http's own, or the lane's in its place), which the connection caps
//   of src/auth/connections.ts take and call for the connections they admit (src/server.ts);
// - socket._httpMessage: the node:http response a socket is busy with, so shutdown leaves such sockets alone
//   (src/server.ts; checked by the tests in tests/server/lane/node-internals.test.ts);
// - what net.Socket's `onread` option sets up (the socket's kBuffer and kBufferCb symbols, found on a probe socket
//   made with that option, and _handle.useUserBuffer), done on a socket node:http's server already made without it:
//   readIntoBuffer (checked on the lane's first connection: without it the lane reads through 'data' events).
import type { Server } from 'node:http';
import { Socket, type SocketConstructorOpts } from 'node:net';
import type { Logger } from '../../telemetry/logger.ts';

type ConnectionListener = (socket: Socket) => void;

/**
 * Removes the server's own connection listener and returns it, or null (leaving the server as it was) when it is
 * not the one listener Node installs, and says why on the logger.
 */
export function takeConnectionListener(server: Server, logger?: Logger): ConnectionListener | null {
  const listeners = server.listeners('connection');
  if (listeners.length !== 1) {
    logger?.error('download lane NOT attached: node:http\'s connection listener was not found (a Node version this lane does not know?); downloads go through node:http, slower', {
      connectionListeners: listeners.length,
      node: process.version,
    });
    return null;
  }
  const listener = listeners[0] as ConnectionListener;
  server.removeListener('connection', listener);
  return listener;
}

/** Removes every 'connection' listener of the server and returns them in order (src/auth/connections.ts calls them). */
export function takeConnectionListeners(server: Server): ConnectionListener[] {
  const listeners = server.listeners('connection') as ConnectionListener[];
  server.removeAllListeners('connection');
  return listeners;
}

interface StreamHandle {
  fd?: number;
  writeQueueSize?: number;
  useUserBuffer?: (buffer: Uint8Array) => void;
}

function handleOf(socket: Socket): StreamHandle | null | undefined {
  return (socket as unknown as { _handle?: StreamHandle | null })._handle;
}

/** The descriptor of a connected socket with nothing queued on it in libuv, else -1 (no allocation: hot path). */
export function idleSocketFd(socket: Socket): number {
  const handle = handleOf(socket);
  const fd = handle?.fd;
  return fd === undefined || fd < 0 || handle!.writeQueueSize !== 0 ? -1 : fd;
}

let handleChecked = false;

/** Once per process, on a connected socket: says loudly when sendDirect cannot see descriptors. */
export function checkSocketHandle(socket: Socket, logger?: Logger): void {
  if (handleChecked) return;
  handleChecked = true;
  if (typeof handleOf(socket)?.fd !== 'number' && !socket.destroyed) {
    logger?.error('download lane: socket._handle.fd is not there (a Node version this lane does not know?); answers go through socket.write, without the direct send', { node: process.version });
  }
}

/** Whether node:http has a response attached to the socket (it detaches it once the last byte reached the kernel). */
export function busyWithResponse(socket: Socket): boolean {
  return Boolean((socket as { _httpMessage?: unknown })._httpMessage);
}

/** Called with the bytes of one read, at the start of the buffer; false stops reading (as a full stream does). */
export type ReadCallback = (bytes: number, buffer: Buffer) => boolean | void;

interface ReadSymbols {
  buffer: symbol;
  callback: symbol;
}

/** The socket's own symbols for the `onread` option, found by identity on a socket made with it; null: not there. */
function findReadSymbols(): ReadSymbols | null {
  const buffer = Buffer.alloc(1);
  const callback = () => {};
  // (The cast: @types/node types `onread` for net.connect only, though the constructor takes it.)
  const probe = new Socket({ onread: { buffer, callback } } as SocketConstructorOpts);
  const own = probe as unknown as Record<symbol, unknown>;
  const symbols = Object.getOwnPropertySymbols(probe);
  const found = { buffer: symbols.find((s) => own[s] === buffer), callback: symbols.find((s) => own[s] === callback) };
  probe.destroy();
  return found.buffer && found.callback ? { buffer: found.buffer, callback: found.callback } : null;
}

let readSymbols: ReadSymbols | null | undefined;

/**
 * Makes a connected socket read into `buffer` (shared by any number of sockets: each read is handed to its
 * callback before the next one) and hand each read to `callback`, as the `onread` option of net.Socket does: no
 * Buffer made per read and no readable stream in between; pause() and resume() stop and restart reading, and the
 * end of input still comes as 'end'. False, leaving the socket as it was, when it cannot: this Node lacks the
 * internals (said once on the logger), or bytes already wait in the socket's stream.
 */
export function readIntoBuffer(socket: Socket, buffer: Buffer, callback: ReadCallback, logger?: Logger): boolean {
  if (readSymbols === undefined) {
    readSymbols = findReadSymbols();
    const handle = handleOf(socket);
    if (readSymbols === null || (handle && typeof handle.useUserBuffer !== 'function')) {
      readSymbols = null;
      logger?.error('download lane: net.Socket\'s onread internals are not there (a Node version this lane does not know?); the lane reads through \'data\' events, slower', { node: process.version });
    }
  }
  const handle = handleOf(socket);
  if (readSymbols === null || typeof handle?.useUserBuffer !== 'function' || socket.readableLength > 0) return false;
  const own = socket as unknown as Record<symbol, unknown>;
  if (own[readSymbols.buffer] !== null && own[readSymbols.buffer] !== undefined) return false; // already reads into one
  handle.useUserBuffer(buffer);
  own[readSymbols.buffer] = buffer;
  own[readSymbols.callback] = callback;
  return true;
}

/**
 * Ends readIntoBuffer's callbacks on a socket (its handle goes on reading into the shared buffer): each read is
 * then copied into a Buffer of its own and pushed into the socket's readable stream, as Node's own reads are, for
 * whoever takes the socket next (node:http). Pushing returns false when the stream is full, which stops reading.
 */
export function releaseReadBuffer(socket: Socket): void {
  if (!readSymbols) return;
  const callback: ReadCallback = (bytes, buffer) => socket.push(Buffer.from(buffer.subarray(0, bytes)));
  (socket as unknown as Record<symbol, unknown>)[readSymbols.callback] = callback;
}
