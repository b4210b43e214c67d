// A keep-alive HTTP/1.1 client over a bare socket, for tests that control every byte: pipelining, heads split
// across writes, half-close, disconnects. Responses are read one after the other from the bytes received; every
// wait has a deadline, so a server that never answers fails the test instead of hanging it.
import { connect, type Socket } from 'node:net';

export interface ParsedResponse {
  statusLine: string;
  status: number;
  /** Lower-cased names; a repeated header keeps its last value. */
  headers: Record<string, string>;
  /** The head as received, status line to blank line. */
  head: string;
  body: Buffer;
}

const MAX_HEAD = 64 * 1024;

export class RawConnection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiters: Array<() => void> = [];
  /** The server sent FIN. */
  ended = false;
  closed = false;
  readonly whenClosed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('error', () => {}); // a reset: 'close' follows
    this.whenClosed = new Promise((resolve) =>
      socket.on('close', () => {
        this.closed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static open(port: number, timeoutMs = 2000): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RawConnection(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Bytes received and not read yet. */
  get pending(): number {
    return this.buffered;
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (typeof data === 'string') this.socket.write(data, 'latin1', done);
      else this.socket.write(data, done);
    });
  }

  /** Writes `data` in pieces of `size` bytes, `delayMs` apart (a head trickling in). */
  async trickle(data: string, size = 1, delayMs = 1): Promise<void> {
    for (let at = 0; at < data.length; at += size) {
      await this.write(data.slice(at, at + size));
      await sleep(delayMs);
    }
  }

  /** Reads the next response. `method` HEAD: no body; a body without length runs to the end of the connection. */
  async readResponse(options: { method?: string; timeoutMs?: number } = {}): Promise<ParsedResponse> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    let headEnd = -1;
    await this.until(() => (headEnd = this.indexOf('\r\n\r\n')) >= 0, deadline, 'a response head');
    const head = this.take(headEnd + 4).toString('latin1');
    const [statusLine, ...lines] = head.slice(0, -4).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1]);
    let body: Buffer;
    if (options.method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      body = Buffer.alloc(0);
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      await this.until(() => this.buffered >= length, deadline, `a body of ${length} bytes`);
      body = this.take(length);
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts: Buffer[] = [];
      for (;;) {
        let lineEnd = -1;
        await this.until(() => (lineEnd = this.indexOf('\r\n')) >= 0, deadline, 'a chunk size');
        const size = parseInt(this.take(lineEnd + 2).toString('latin1'), 16);
        if (size === 0) {
          await this.until(() => this.indexOf('\r\n') >= 0, deadline, 'the end of a chunked body');
          this.take(this.indexOf('\r\n') + 2);
          break;
        }
        await this.until(() => this.buffered >= size + 2, deadline, 'a chunk');
        parts.push(this.take(size + 2).subarray(0, size));
      }
      body = Buffer.concat(parts);
    } else {
      await this.until(() => this.closed, deadline, 'the end of a body delimited by the connection');
      body = this.take(this.buffered);
    }
    return { statusLine: statusLine!, status, headers, head, body };
  }

  /** Resolves once the connection is closed; throws past the deadline. */
  async waitClosed(timeoutMs = 2000): Promise<void> {
    await this.until(() => this.closed, Date.now() + timeoutMs, 'the connection to close');
  }

  /** Whether the connection is still open `ms` from now. */
  async staysOpen(ms: number): Promise<boolean> {
    await sleep(ms);
    return !this.closed;
  }

  /** Stops reading (the server then meets backpressure); resume() reads again. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  private async until(condition: () => boolean, deadline: number, what: string): Promise<void> {
    while (!condition()) {
      if (this.closed) throw new Error(`the connection closed while waiting for ${what} (${this.buffered} bytes unread)`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} (${this.buffered} bytes unread: ${JSON.stringify(this.peek(200))})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private peek(n: number): string {
    return Buffer.concat(this.chunks).subarray(0, n).toString('latin1');
  }

  /** The offset of `text` in the first MAX_HEAD bytes received, or -1. */
  private indexOf(text: string): number {
    if (this.chunks.length > 1) {
      // Join only the start: a large body may follow.
      let joined = 0;
      let count = 0;
      while (count < this.chunks.length && joined < MAX_HEAD) joined += this.chunks[count++]!.length;
      if (count > 1) this.chunks.splice(0, count, Buffer.concat(this.chunks.slice(0, count)));
    }
    const first = this.chunks[0];
    return first === undefined ? -1 : first.subarray(0, MAX_HEAD).indexOf(text, 0, 'latin1');
  }

  private take(n: number): Buffer {
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const chunk = this.chunks[0]!;
      if (chunk.length <= need) {
        parts.push(chunk);
        this.chunks.shift();
        need -= chunk.length;
      } else {
        parts.push(chunk.subarray(0, need));
        this.chunks[0] = chunk.subarray(need);
        need = 0;
      }
    }
    this.buffered -= n;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 10 ms until it holds; throws after `timeoutMs`. */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
