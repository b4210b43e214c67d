// The download lane: HTTP/1.1 download requests answered straight from the socket, without node:http's per-request
// machinery (IncomingMessage and ServerResponse streams, header objects, validation of headers made once per
// representation). A random 4 KiB range costs about half the CPU it costs through node:http, which is where the
// gap to nginx was (bench/http.bench.ts).
//
// Every connection starts here. While its requests are plain GET, HEAD or OPTIONS of /v1, /zarr or /ipfs (request-head.ts
// decides, strictly), the lane parses them, asks the route for a DownloadReply and writes it: the head, then the
// body views with send.ts, as node:http would. At the first request that is anything else, the connection is handed to
// node:http with the bytes not yet answered, and stays there: node:http then answers exactly as it would have
// without the lane (GraphQL, the playground, a 400 for a malformed request...).
//
// Requests are answered one at a time, in order (pipelined ones wait, with the socket paused, while a large body is
// written). An idle connection closes after keepAliveTimeoutMs; a head that takes longer than headersTimeoutMs to
// arrive gets 408. Shutdown: closeIdle() closes connections between requests; a response in flight finishes and
// closes its connection (Connection: close).
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { DownloadRoute } from '../../http/download.ts';
import { INTERNAL_ERROR_BODY } from '../../http/refusal.ts';
import type { DownloadRequest } from '../../http/request.ts';
import { parseRequestHead } from './request-head.ts';
import { headerLines, responseHead } from './response-head.ts';
import { LaneResponse, type LaneObserver } from './lane-response.ts';
import { checkSocketHandle, readIntoBuffer, releaseReadBuffer, takeConnectionListener } from './node-internals.ts';
import type { Logger } from '../../telemetry/logger.ts';

export type { LaneObserver } from './lane-response.ts';

export interface DownloadLaneOptions {
  /** What answers the lane's requests: the download route, or one that also sends /ipfs to the gateway. */
  route: Pick<DownloadRoute, 'reply' | 'send'>;
  /** Idle time between requests before the connection is closed (node:http's keepAliveTimeout). */
  keepAliveTimeoutMs: number;
  /** Time for a whole request head to arrive (node:http's headersTimeout). */
  headersTimeoutMs: number;
  /** True once the server is shutting down: responses then close their connections. */
  closing: () => boolean;
  observer?: LaneObserver;
  /** Requests to leave to node:http all the same (a download of a CID this node first fetches from its peers). */
  handOff?: (url: string) => boolean;
  /** For a failure of the lane itself (a bug): the request gets a 500 or its connection is cut. */
  logger?: Logger;
}

export interface DownloadLane {
  /** Connections the lane holds (not the ones handed to node:http). */
  readonly connections: number;
  /** Whether the lane holds this socket (node:http does not see it yet). */
  holds(socket: Socket): boolean;
  /** Closes the lane's connections that are between requests; the others close after their response. */
  closeIdle(): void;
  /** Cuts every lane connection. */
  closeAll(): void;
}

/**
 * Puts the lane in front of a node:http server: connections reach node:http only when the lane hands them over.
 * Returns null, leaving the server as it was and saying so on the logger, when the server's own connection listener
 * cannot be found (node-internals.ts).
 */
export function attachDownloadLane(server: Server, options: DownloadLaneOptions): DownloadLane | null {
  const nodeListener = takeConnectionListener(server, options.logger);
  if (nodeListener === null) return null;
  const open = new Map<Socket, LaneConnection>();
  // Timeouts are kept by one sweep over the connections rather than a timer per socket: a socket timer is
  // re-armed by every read and write, a cost on each request. So they are coarse (within a sweep period).
  let sweeper: NodeJS.Timeout | null = null;
  const sweepMs = Math.max(50, Math.min(1000, options.keepAliveTimeoutMs / 4));
  const lane: LaneContext = {
    open,
    options,
    clock: Date.now(),
    sweepMs,
    handOff(socket: Socket) {
      open.delete(socket);
      nodeListener.call(server, socket);
    },
  };
  const sweep = () => {
    lane.clock = Date.now();
    for (const connection of open.values()) connection.checkTimeouts(lane.clock);
    if (open.size === 0 && sweeper !== null) {
      clearInterval(sweeper);
      sweeper = null;
    }
  };
  server.prependListener('connection', (socket: Socket) => {
    // The clock first: it is not kept while no connection is open, and a new connection notes its start with it.
    if (sweeper === null) {
      lane.clock = Date.now();
      sweeper = setInterval(sweep, sweepMs).unref();
    }
    checkSocketHandle(socket, options.logger);
    const connection = new LaneConnection(lane, socket);
    open.set(socket, connection);
    connection.start();
  });
  return {
    get connections() {
      return open.size;
    },
    holds: (socket) => open.has(socket),
    closeIdle() {
      for (const connection of open.values()) connection.closeIfIdle();
    },
    closeAll() {
      for (const socket of open.keys()) socket.destroy();
    },
  };
}

interface LaneContext {
  open: Map<Socket, LaneConnection>;
  options: DownloadLaneOptions;
  /** Date.now() at the last sweep: the time connections note their activity with (so up to sweepMs early). */
  clock: number;
  sweepMs: number;
  handOff(socket: Socket): void;
}

/** The serialised fixed headers of each representation, by the identity of the route's array (made once per representation). */
const fixedLinesCache = new WeakMap<readonly string[], string>();

function fixedLinesOf(fixed: readonly string[] | null): string {
  if (fixed === null) return '';
  let lines = fixedLinesCache.get(fixed);
  if (lines === undefined) {
    lines = headerLines(fixed);
    fixedLinesCache.set(fixed, lines);
  }
  return lines;
}

/**
 * What every lane connection of the process reads into (net's `onread`, node-internals.ts readIntoBuffer): each
 * read is copied out into the connection's `pending` at once, so one buffer serves them all, and no Buffer is made
 * per read. 64 KiB, libuv's usual read size.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

const INTERNAL_ERROR_RESPONSE = `HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(INTERNAL_ERROR_BODY)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${INTERNAL_ERROR_BODY}`;
const REQUEST_TIMEOUT_HEAD = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

class LaneConnection {
  /** Bytes received and not answered yet, as latin1 (one character per byte, so they can be given back exactly). */
  private pending = '';
  /** lane.clock when bytes last came, or a response ended; when the head in `pending` began to arrive (0: none). */
  private activeAt: number;
  private headStartedAt = 0;
  /** The response being written, while its body goes out asynchronously. */
  private current: LaneResponse | null = null;
  /** No more requests are answered on this connection: it closes once the current response is written. */
  private last = false;
  /** The client sent FIN: the requests already received are answered, then the connection closes. */
  private clientEnded = false;
  /** Answers queued in memory past the socket's high-water mark: the next requests wait for 'drain'. */
  private draining = false;
  /** Reads come to onRead from READ_BUFFER (false: as 'data' events, where this Node cannot do that). */
  private buffered = false;
  private readonly keepAliveSeconds: number;

  constructor(
    private readonly lane: LaneContext,
    readonly socket: Socket,
  ) {
    this.keepAliveSeconds = Math.max(1, Math.floor(lane.options.keepAliveTimeoutMs / 1000));
    this.activeAt = lane.clock;
  }

  start(): void {
    const socket = this.socket;
    this.buffered = readIntoBuffer(socket, READ_BUFFER, this.onRead, this.lane.options.logger);
    if (!this.buffered) socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  /**
   * Idle between requests past keepAliveTimeoutMs, or a head that stopped arriving: closed. A head that keeps
   * arriving too slowly (past headersTimeoutMs): 408. A response being written, or whose bytes still wait in the
   * socket's buffer, is left alone (a slow reader; node:http has no timeout on it either).
   */
  checkTimeouts(now: number): void {
    if (this.current !== null || this.socket.destroyed) return;
    if (this.socket.writableLength > 0) {
      // The last response's tail still waits for a slow reader: not idle yet (node:http starts its keep-alive
      // timer at 'finish', once the bytes are out; destroying now would cut the tail).
      this.activeAt = now;
      return;
    }
    const options = this.lane.options;
    if (this.headStartedAt !== 0 && now - this.headStartedAt > options.headersTimeoutMs) {
      this.last = true;
      this.socket.write(REQUEST_TIMEOUT_HEAD, 'latin1');
      this.socket.destroySoon();
    } else if (now - this.activeAt > options.keepAliveTimeoutMs + this.lane.sweepMs) {
      // (activeAt may be up to a sweep early: an idle connection is never closed before the Keep-Alive it was told.)
      this.socket.destroy();
    }
  }

  closeIfIdle(): void {
    if (this.current === null && this.socket.writableLength > 0) this.socket.end(); // flush the tail, then FIN
    else if (this.current === null) this.socket.destroy();
    else this.last = true;
  }

  private readonly onData = (chunk: Buffer): void => this.received(chunk.toString('latin1'));

  private readonly onRead = (bytes: number, buffer: Buffer): void => {
    const text = buffer.toString('latin1', 0, bytes);
    // The shared buffer keeps no client's bytes once they are copied out.
    buffer.fill(0, 0, bytes);
    this.received(text);
  };

  /** Bytes from the client, by either read path. */
  private received(text: string): void {
    this.activeAt = this.lane.clock;
    this.pending += text;
    if (this.current === null) this.serve();
  }

  /** The client will send nothing more (it may still read): answer what it asked, then close. */
  private readonly onEnd = (): void => {
    this.clientEnded = true;
    if (this.current === null) this.serve();
  };

  private readonly onError = (): void => {
    // A reset or a write to a closed socket: 'close' follows and does the accounting.
  };

  private readonly onClose = (): void => {
    this.lane.open.delete(this.socket);
    const current = this.current;
    this.current = null;
    current?.aborted();
  };

  /** Answers the complete requests in `pending`, in order, until one needs time (a large body) or is not ours. */
  private serve(): void {
    while (this.current === null && !this.last && !this.draining && !this.socket.destroyed) {
      const parsed = parseRequestHead(this.pending);
      if (parsed.kind === 'incomplete') {
        if (this.clientEnded) {
          // Nothing more will come: a partial head stays unanswered, as node:http leaves it.
          this.socket.destroySoon();
          return;
        }
        if (this.pending.length > 0 && this.headStartedAt === 0) this.headStartedAt = this.lane.clock;
        return;
      }
      if (parsed.kind === 'handoff') return this.handOff();
      if (this.lane.options.handOff?.(parsed.request.url)) return this.handOff();
      this.pending = this.pending.length === parsed.length ? '' : this.pending.slice(parsed.length);
      this.headStartedAt = 0;
      this.answer(parsed.request, parsed.close);
      if (this.current === null && this.socket.writableNeedDrain) {
        // A client sending requests faster than it reads the answers: stop reading until the socket drains, as
        // node:http does, so the answers waiting in memory stay bounded.
        this.draining = true;
        this.socket.pause();
        this.socket.once('drain', this.onDrain);
      }
    }
  }

  private readonly onDrain = (): void => {
    this.draining = false;
    this.socket.resume();
    this.serve();
  };

  private answer(request: DownloadRequest, close: boolean): void {
    const options = this.lane.options;
    const startedAt = options.observer?.timed ? performance.now() : 0;
    options.observer?.started();
    const keepAlive = !close && !this.last && !options.closing();
    if (!keepAlive) this.last = true;
    let response: LaneResponse | null = null;
    try {
      request.peer = this.socket.remoteAddress;
      const reply = options.route.reply(request);
      const head = responseHead(reply.status, fixedLinesOf(reply.fixed), reply.headers, { keepAlive, keepAliveSeconds: this.keepAliveSeconds });
      response = new LaneResponse(this, head, request.method, request.url, reply.status, startedAt, options.observer);
      this.current = response;
      const sending = options.route.send(response, reply, request.url);
      if (sending !== undefined && this.current === response) {
        // A large body: later requests wait, unread, until it is written.
        this.socket.pause();
      }
    } catch (error) {
      // A bug of ours (route.reply itself never throws): said plainly if nothing was sent yet, else a cut connection.
      options.logger?.error('download lane: unexpected error', { error, method: request.method, path: request.url.split('?')[0] });
      this.last = true;
      if (response === null || response.unsent) {
        options.observer?.finished({ method: request.method, url: request.url, status: 500, aborted: false, startedAt });
        this.current = null;
        this.socket.write(INTERNAL_ERROR_RESPONSE, 'latin1');
        this.socket.destroySoon();
      } else {
        this.socket.destroy();
      }
    }
  }

  /** The response's last bytes are queued on the socket (in order, before anything the next one writes). */
  responseEnded(response: LaneResponse): void {
    if (this.current !== response) return;
    this.current = null;
    this.activeAt = this.lane.clock;
    if (this.last) {
      // Once the response is out: as node:http does, not waiting for the client to close its side.
      this.socket.destroySoon();
      return;
    }
    if (this.socket.isPaused()) {
      // The body went out asynchronously: take the requests that waited.
      this.socket.resume();
      this.serve();
    }
  }

  /** Gives the connection, and the bytes not answered yet, to node:http. */
  private handOff(): void {
    const socket = this.socket;
    if (this.buffered) releaseReadBuffer(socket);
    else socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('error', this.onError);
    socket.off('close', this.onClose);
    if (this.pending.length > 0) socket.unshift(Buffer.from(this.pending, 'latin1'));
    this.pending = '';
    this.lane.handOff(socket);
  }
}
