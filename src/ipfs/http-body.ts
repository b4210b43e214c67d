// A GET over plain HTTP/1.1 whose response body is read into three reused buffers (net.Socket's `onread`), for the
// CAR stream of a fetch from peers. node:http reads every 64 KiB into a fresh buffer: 256 MiB of them per 256 MiB
// fetched, which V8 counts against the old generation's limit, so a process with a small heap ran about 20 full
// garbage collections a fetch, and a third more CPU (measured: with the limit raised, 1 instead of ~20, and 0.8 s of
// CPU instead of 1.3). Only what a GET's response needs: the status line, headers, and a body framed by
// Content-Length, chunked transfer coding or the end of the connection. https peers keep node:https.
import { connect, type Socket } from 'node:net';

export interface StreamedResponse {
  status: number;
  /** Lower-case names; a repeated header's values joined with ', '. */
  headers: Map<string, string>;
  /** The body's bytes. A chunk is valid until the next is asked for: its memory is then read into again. */
  body: AsyncIterableIterator<Uint8Array>;
  /** Closes the connection (the body then ends with an error if it is still read). */
  destroy(): void;
}

const READ_BUFFER = 1 << 20;
/** A response head longer than this is refused (node:http's default limit is 16 KiB). */
const MAX_HEAD = 64 << 10;

/** Sends `GET url` (http: only) and resolves once the response head has arrived. */
export function getStreamed(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<StreamedResponse> {
  if (url.protocol !== 'http:') return Promise.reject(new Error(`getStreamed takes http: URLs, not ${url.protocol}`));
  return new BodyReader(url, headers, signal).head();
}

type Framing = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };

class BodyReader {
  private readonly socket: Socket;
  /**
   * Three: one the socket reads into next, and the parsed and queued ones. node asks for the next read's buffer
   * after each read, even one after which reading stops; so reading stops while one is still free, for that ask.
   */
  private readonly buffers = [0, 1, 2].map(() => Buffer.allocUnsafe(READ_BUFFER));
  private readonly free: Buffer[] = [...this.buffers];
  /** Filled by the socket, not parsed yet. */
  private readonly filled: Uint8Array[] = [];
  private paused = false;
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  /** The chunk being parsed, and where. */
  private current: Uint8Array | null = null;
  private at = 0;
  private framing: Framing = { kind: 'close' };
  /** Chunked coding: bytes left of the chunk being read; -1 between chunks. */
  private chunkLeft = -1;
  private done = false;

  constructor(url: URL, headers: Record<string, string>, signal: AbortSignal) {
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.socket = connect({
      host,
      port: Number(url.port || 80),
      onread: {
        buffer: () => this.free.pop()!,
        callback: (bytes: number, buffer: Uint8Array) => {
          this.filled.push(buffer.subarray(0, bytes));
          this.notify();
          // The last free buffer is the next read's: stop reading until the parser gives one back.
          if (this.free.length <= 1) this.paused = true;
          return !this.paused;
        },
      },
    });
    // Flowing, so that the end of the stream is emitted ('end'); the bytes themselves go to `onread` only.
    this.socket.resume();
    const abort = () => this.fail(Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }));
    if (signal.aborted) abort();
    signal.addEventListener('abort', abort, { once: true });
    this.socket.on('close', () => {
      signal.removeEventListener('abort', abort);
      this.ended = true;
      this.notify();
    });
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
    const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  }

  async head(): Promise<StreamedResponse> {
    const head: number[] = [];
    // Up to the blank line that ends the head; what follows in the same read is the body's start.
    for (;;) {
      const byte = await this.byte();
      if (byte === null) throw this.failure ?? new Error('the connection closed before a response');
      head.push(byte);
      const n = head.length;
      if (n >= 4 && head[n - 1] === 10 && head[n - 2] === 13 && head[n - 3] === 10 && head[n - 4] === 13) break;
      if (n > MAX_HEAD) throw this.fail(new Error('the response head is too long'));
    }
    const lines = Buffer.from(head).toString('latin1').split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]!);
    if (!status) throw this.fail(new Error(`not an HTTP/1.1 response: ${JSON.stringify(lines[0]!.slice(0, 40))}`));
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      if (!line) continue;
      const colon = line.indexOf(':');
      if (colon <= 0) throw this.fail(new Error('a malformed response header'));
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
    }
    const coding = headers.get('transfer-encoding')?.toLowerCase();
    const length = headers.get('content-length');
    if (coding) {
      if (coding.split(',').pop()!.trim() !== 'chunked') throw this.fail(new Error(`an unsupported transfer coding: ${coding}`));
      this.framing = { kind: 'chunked' };
    } else if (length !== undefined) {
      if (!/^\d{1,15}$/.test(length)) throw this.fail(new Error(`a bad Content-Length: ${JSON.stringify(length.slice(0, 20))}`));
      this.framing = { kind: 'length', left: Number(length) };
    }
    const reader = this;
    const body = (async function* () {
      for (;;) {
        const piece = await reader.piece();
        if (!piece) return;
        yield piece;
      }
    })();
    return { status: Number(status[1]), headers, body, destroy: () => void this.socket.destroy() };
  }

  /** The next piece of the body (a view of a read buffer), or null at its end. */
  private async piece(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.done) return null;
      if (this.framing.kind === 'chunked' && this.chunkLeft <= 0) {
        await this.chunkBoundary();
        continue;
      }
      if (!(await this.available())) {
        if (this.framing.kind === 'close' && this.ended && !this.failure) {
          this.done = true;
          return null;
        }
        throw this.failure ?? new Error('the connection closed in the middle of the body');
      }
      const chunk = this.current!;
      let take = chunk.byteLength - this.at;
      if (this.framing.kind === 'length') take = Math.min(take, this.framing.left);
      if (this.framing.kind === 'chunked') take = Math.min(take, this.chunkLeft);
      const out = chunk.subarray(this.at, this.at + take);
      this.at += take;
      if (this.framing.kind === 'length') {
        this.framing.left -= take;
        if (this.framing.left === 0) this.finish();
      }
      if (this.framing.kind === 'chunked') this.chunkLeft -= take;
      if (take > 0) return out;
    }
  }

  /** Chunked coding between chunks: the CRLF that ends a chunk's data, then the next size line (or the end). */
  private async chunkBoundary(): Promise<void> {
    if (this.chunkLeft === 0) {
      if ((await this.byte()) !== 13 || (await this.byte()) !== 10) throw this.fail(new Error('a chunk not followed by CRLF'));
    }
    const line = await this.line();
    const size = /^([0-9a-fA-F]{1,13})(?:[ \t]*;.*)?$/.exec(line);
    if (!size) throw this.fail(new Error(`a bad chunk size line: ${JSON.stringify(line.slice(0, 40))}`));
    this.chunkLeft = parseInt(size[1]!, 16);
    if (this.chunkLeft > 0) return;
    // The last chunk: trailer fields up to a blank line.
    while ((await this.line()) !== '');
    this.finish();
  }

  private finish(): void {
    this.done = true;
    this.socket.destroy();
  }

  /** A line ending in CRLF, without it (size lines and trailers: short). */
  private async line(): Promise<string> {
    let text = '';
    for (;;) {
      const byte = await this.byte();
      if (byte === null) throw this.failure ?? new Error('the connection closed in the middle of the body');
      if (byte === 13) {
        if ((await this.byte()) !== 10) throw this.fail(new Error('a bare CR in the chunked coding'));
        return text;
      }
      text += String.fromCharCode(byte);
      if (text.length > 4096) throw this.fail(new Error('a chunked coding line is too long'));
    }
  }

  private async byte(): Promise<number | null> {
    if (!(await this.available())) return null;
    return this.current![this.at++]!;
  }

  /** Whether unparsed bytes are at hand (waiting for the socket if needed); false at the end or on a failure. */
  private async available(): Promise<boolean> {
    for (;;) {
      // A failure (an abort, a reset) stops the body at once, with what is still queued.
      if (this.failure) return false;
      if (this.current && this.at < this.current.byteLength) return true;
      if (this.current) this.release(this.current);
      this.current = null;
      this.at = 0;
      const next = this.filled.shift();
      if (next) {
        this.current = next;
        continue;
      }
      if (this.ended) return false;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** A parsed read buffer goes back to the socket, which reads again if it had stopped for want of one. */
  private release(chunk: Uint8Array): void {
    const buffer = this.buffers.find((b) => b.buffer === chunk.buffer && b.byteOffset === chunk.byteOffset);
    if (buffer) this.free.push(buffer);
    if (this.paused && !this.socket.destroyed) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private fail(error: Error): Error {
    this.failure ??= error;
    this.socket.destroy();
    this.notify();
    return this.failure;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
