// One response on a download-lane connection (download-lane.ts), as send.ts writes bodies: the BodySink a node:http
// ServerResponse also is. Its head goes out with the first bytes of the body; a whole answer in one write goes out in
// one system call when nothing else is queued on the socket (sendDirect); 'close' comes once it is written or the
// connection is gone.
import type { Socket } from 'node:net';
import type { BodySink } from '../../http/send.ts';
import { sendDirect } from './socket-write.ts';

export interface LaneObserver {
  /** A request was parsed and is being answered. */
  started(): void;
  /**
   * Its response was written to the end (aborted: false), or the connection closed before that (aborted: true).
   * startedAt: performance.now() when it started, if `timed` (reading the clock is a cost on the hot path).
   */
  finished(info: { method: string; url: string; status: number; aborted: boolean; startedAt: number }): void;
  readonly timed?: boolean;
}

/** The connection a response belongs to. */
export interface ResponseOwner {
  readonly socket: Socket;
  /** The response's last bytes are queued on the socket: the connection may go on with the next request. */
  responseEnded(response: LaneResponse): void;
}

type CloseListener = () => void;

/** One response on a lane connection, as send.ts writes bodies (the BodySink a ServerResponse also is). */
export class LaneResponse implements BodySink {
  private head: string | null;
  private ended = false;
  private finished = false;
  private closed = false;
  private listeners: CloseListener[] = [];
  private flushed: (() => void) | undefined;

  constructor(
    private readonly connection: ResponseOwner,
    head: string,
    private readonly method: string,
    private readonly url: string,
    private readonly status: number,
    private readonly startedAt: number,
    private readonly observer: LaneObserver | undefined,
  ) {
    this.head = head;
  }

  get destroyed(): boolean {
    return !this.finished && (this.closed || this.connection.socket.destroyed);
  }

  get writableFinished(): boolean {
    return this.finished;
  }

  /** Nothing of it was written yet (not even its head). */
  get unsent(): boolean {
    return this.head !== null;
  }

  write(chunk: Uint8Array, callback: (error?: Error | null) => void): boolean {
    return this.put(chunk, callback);
  }

  end(chunk?: Uint8Array | (() => void), callback?: () => void): this {
    if (this.ended) return this;
    this.ended = true;
    if (typeof chunk === 'function') {
      callback = chunk;
      chunk = undefined;
    }
    if (callback === undefined) {
      // Nobody waits for the bytes to reach the kernel (a small body, written whole): the response is done once
      // they are queued, in order, as node:http counts it.
      this.put(chunk ?? null, undefined);
      this.finished = true;
      this.close();
    } else {
      this.flushed = callback;
      // An unnamed closure made here, not an arrow field: a field would be made (and named, under tsx) for every
      // response, where only the larger bodies wait for this callback.
      this.put(chunk ?? null, (error) => this.onFlushed(error));
    }
    this.connection.responseEnded(this);
    return this;
  }

  destroy(): this {
    this.connection.socket.destroy();
    return this;
  }

  /** send.ts writes a small view (a CAR block's frame) corked with the next: one system call for both. */
  cork(): void {
    this.connection.socket.cork();
  }

  uncork(): void {
    this.connection.socket.uncork();
  }

  on(_event: 'close', listener: CloseListener): this {
    this.listeners.push(listener);
    return this;
  }

  off(_event: 'close', listener: CloseListener): this {
    this.listeners = this.listeners.filter((l) => l !== listener);
    return this;
  }

  /** The connection closed before the whole response was written. */
  aborted(): void {
    this.close();
  }

  private onFlushed(error?: Error | null): void {
    if (error) return; // the socket is gone: 'close' aborts the response
    this.finished = true;
    this.close();
    this.flushed?.();
  }

  private put(chunk: Uint8Array | null, callback: ((error?: Error | null) => void) | undefined): boolean {
    const socket = this.connection.socket;
    if (socket.destroyed) {
      if (callback) queueMicrotask(() => callback(new Error('the connection is closed')));
      return false;
    }
    let head = this.head;
    if (head === null) return socket.write(chunk ?? EMPTY, callback);
    this.head = null;
    if (callback === undefined) {
      // A whole answer in one write (the common small one): one system call, not Node's stream machinery.
      let sent: 'all' | 'none' | number;
      try {
        sent = sendDirect(socket, head, chunk);
      } catch (error) {
        socket.destroy(error as Error);
        return false;
      }
      if (sent === 'all') return true;
      // Part went: the rest through the socket below, which queues it until the kernel takes more.
      if (sent !== 'none' && sent < head.length) head = head.slice(sent);
      else if (sent !== 'none') return socket.write(chunk!.subarray(sent - head.length));
    }
    if (chunk === null || chunk.byteLength === 0) return socket.write(head, 'latin1', callback);
    // One writev for the head and the body's first chunk.
    socket.cork();
    socket.write(head, 'latin1');
    const more = socket.write(chunk, callback);
    socket.uncork();
    return more;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    // 499 (nginx's word for it): the connection closed before the status was sent.
    this.observer?.finished({ method: this.method, url: this.url, status: this.head === null ? this.status : 499, aborted: !this.finished, startedAt: this.startedAt });
    if (this.listeners.length === 0) return;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }
}

const EMPTY = new Uint8Array(0);
