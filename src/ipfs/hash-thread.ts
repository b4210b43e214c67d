// SHA-256 on a worker thread, of memory moved there and back (a transfer, not a copy). A peer fetch hashes every byte
// twice: each block against its CID (here) and the whole file for the store's CID (the ingest, on the main thread);
// on two threads the passes overlap. WebCrypto's digest, the other way off the main thread, first copies its input
// on the main thread (120 ms per 256 MiB here), which cost more than it saved; shared memory (SharedArrayBuffer)
// made every unaligned copy into it 4x slower, and the CAR reader makes one per leaf.
import { Worker } from 'node:worker_threads';

// CommonJS, evaluated: no file to find from src/ (tsx) or dist/, and no loader in the thread.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', (m) => {
  try {
    const digest = createHash('sha256').update(new Uint8Array(m.buffer, m.offset, m.length)).digest();
    parentPort.postMessage({ id: m.id, digest, buffer: m.buffer }, [m.buffer]);
  } catch (error) {
    parentPort.postMessage({ id: m.id, error: String((error && error.message) || error), buffer: m.buffer }, [m.buffer]);
  }
});
`;

export interface Hashed {
  digest: Uint8Array;
  /** The bytes hashed, back from the thread: the same memory, in a new ArrayBuffer object. */
  bytes: Uint8Array;
}

interface Waiter {
  resolve: (hashed: Hashed) => void;
  reject: (error: Error) => void;
  offset: number;
  length: number;
}

/** One worker, started at the first digest; it keeps the process alive only while a digest is pending. */
export class HashThread {
  #worker: Worker | null = null;
  #next = 0;
  readonly #pending = new Map<number, Waiter>();

  /**
   * The SHA-256 of `bytes`. Its whole ArrayBuffer moves to the thread (views of it here read as empty until it is
   * back), so it must be the caller's own: never a pooled Buffer's. When the thread dies first, the memory is lost
   * with it and this rejects.
   */
  sha256(bytes: Uint8Array): Promise<Hashed> {
    const buffer = bytes.buffer;
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength === 0) return Promise.reject(new TypeError('HashThread takes a view of an ArrayBuffer of its own'));
    const worker = this.#worker ?? this.#start();
    const id = this.#next++;
    return new Promise<Hashed>((resolve, reject) => {
      if (this.#pending.size === 0) worker.ref();
      this.#pending.set(id, { resolve, reject, offset: bytes.byteOffset, length: bytes.byteLength });
      worker.postMessage({ id, buffer, offset: bytes.byteOffset, length: bytes.byteLength }, [buffer]);
    });
  }

  /** Stops the worker; pending digests fail. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    this.#fail(new Error('the hash thread was closed'));
    await worker?.terminate();
  }

  #start(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], stdout: false, stderr: false });
    worker.unref();
    worker.on('message', (m: { id: number; digest?: Uint8Array; error?: string; buffer: ArrayBuffer }) => {
      const waiter = this.#pending.get(m.id);
      if (!waiter) return;
      this.#pending.delete(m.id);
      if (this.#pending.size === 0) worker.unref();
      if (m.digest) waiter.resolve({ digest: m.digest, bytes: new Uint8Array(m.buffer, waiter.offset, waiter.length) });
      else waiter.reject(new Error(`sha256 failed: ${m.error}`));
    });
    // A thread that dies (out of memory, terminated) fails what it held; the next digest starts another.
    const gone = (error: Error) => {
      if (this.#worker === worker) this.#worker = null;
      this.#fail(error);
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`the hash thread exited (code ${code})`)));
    this.#worker = worker;
    return worker;
  }

  #fail(error: Error): void {
    const waiters = [...this.#pending.values()];
    this.#pending.clear();
    for (const waiter of waiters) waiter.reject(error);
  }
}
