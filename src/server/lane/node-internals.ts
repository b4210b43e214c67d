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
//   (src/server.ts; checked by the tests in tests/server/lane/node-internals.test.ts).
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
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
