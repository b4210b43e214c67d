// Caps on open connections, per client address and in total, in front of every connection listener of a server
// (node:http's and the download lane's). A connection over a cap gets a short 503 and is closed, before any byte of
// it is parsed, so a few hundred slowloris sockets from one address cannot take the sockets others need.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open connections from one address. */
  perClient: number;
  /** Open connections in all. */
  total: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { perClient: 256, total: 4096 };

export interface ConnectionGate {
  readonly open: number;
  /** Connections refused since start, for /metrics. */
  readonly refused: number;
}

const BODY = '{"error":"TOO_MANY_CONNECTIONS","status":503,"message":"too many open connections from this address (or in all): close some and retry"}\n';
const REFUSAL = `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n${BODY}`;

/**
 * `listeners`: every 'connection' listener the server had, taken off it (server/lane/node-internals.ts
 * takeConnectionListeners) once all are attached: they then run only for admitted connections.
 */
export function limitConnections(server: Server, limits: ConnectionLimits, listeners: ReadonlyArray<(socket: Socket) => void>): ConnectionGate {
  const byClient = new Map<string, number>();
  let open = 0;
  let refused = 0;
  server.on('connection', (socket: Socket) => {
    const client = socket.remoteAddress ?? 'unknown';
    const mine = byClient.get(client) ?? 0;
    if (open >= limits.total || mine >= limits.perClient) {
      refused++;
      socket.on('error', () => {});
      socket.end(REFUSAL);
      // A client that never reads must not keep even this socket (a ref'd timer: shutdown waits for it).
      const cut = setTimeout(() => socket.destroy(), 1000);
      socket.once('close', () => clearTimeout(cut));
      return;
    }
    open++;
    byClient.set(client, mine + 1);
    socket.once('close', () => {
      open--;
      const left = (byClient.get(client) ?? 1) - 1;
      if (left === 0) byClient.delete(client);
      else byClient.set(client, left);
    });
    for (const listener of listeners) listener.call(server, socket);
  });
  return {
    get open() {
      return open;
    },
    get refused() {
      return refused;
    },
  };
}
