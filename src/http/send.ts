// Writes a body made of views (mapped memory, framing strings) to a response, in chunks that honour backpressure.
// Each chunk is a `subarray` of a view (0.06 us, no copy, no new external Buffer); the socket writes it straight from
// the mapping. Stops as soon as the client goes away, and keeps no reference to any view once it returns, so the
// mappings can be unmapped when the GC collects them (even if the cache evicted them meanwhile).
//
// Backpressure by write callbacks rather than 'drain': at most `depth` chunks' bytes are queued on the socket at a time,
// and the next is written as soon as one of them reaches the kernel. Waiting for 'drain' (an empty queue) leaves
// the socket idle between refills; keeping a few chunks queued keeps it busy while bounding what is held.

/**
 * Where a body goes: a node:http ServerResponse, or a response of the download lane (src/server/lane/download-lane.ts).
 * `end` writes the last chunk and finishes the response; 'close' comes when it finished or the client went away.
 */
export interface BodySink {
  write(chunk: Uint8Array, callback: (error?: Error | null) => void): unknown;
  end(chunk?: Uint8Array | (() => void), callback?: () => void): unknown;
  destroy(): unknown;
  readonly destroyed: boolean;
  readonly writableFinished: boolean;
  on(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
  /** Where the sink has them (a ServerResponse): a small view is written corked with the next, in one system call. */
  cork?(): void;
  uncork?(): void;
}

/** 1 MiB: large enough that the per-write cost is nothing next to the copy into the socket, small enough to pace. */
export const DEFAULT_CHUNK_BYTES = 1 << 20;
/** Chunks' worth of bytes queued at once: at most about depth x chunk bytes wait in user space per response. */
export const DEFAULT_DEPTH = 4;
/**
 * A view shorter than this (a CAR block's frame, a multipart boundary) goes out corked with the next one: written
 * alone it is a system call and a packet of its own (the sockets are TCP_NODELAY). A 256 MiB CAR, a 40-byte frame
 * before each 1 MiB leaf, went out about 12% faster so.
 */
const COALESCE_BYTES = 4096;

export interface SendOptions {
  chunkBytes?: number;
  depth?: number;
  /** Bytes handed to the socket, as they go (for metrics). */
  onBytes?: (n: number) => void;
}

/**
 * Writes every view in order, then ends the response. Resolves true when the whole body went out, false when the
 * client closed the connection first (nothing more is written then).
 */
export function sendViews(res: BodySink, views: Iterable<Uint8Array>, options: SendOptions = {}): Promise<boolean> {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const depth = options.depth ?? DEFAULT_DEPTH;
  const iterator = views[Symbol.iterator]();
  // Backpressure counts bytes, not writes: a CAR's 40-byte frames would otherwise take half the queue's places, and
  // keep only half as many bytes on the way to the socket as /v1/blob's 1 MiB chunks (the socket then idled).
  const limit = depth * chunkBytes;
  let view: Uint8Array | null = null;
  let offset = 0;
  /** Bytes written whose write callback has not come yet, and each write's size, oldest first (callbacks come in order). */
  let queued = 0;
  const inFlight: number[] = [];
  let ended = false;
  // One view pulled ahead, so that the last chunk goes out with end(): one write instead of two for a small body.
  let ahead: IteratorResult<Uint8Array> | null = null;
  const pull = (): IteratorResult<Uint8Array> => {
    const next = ahead ?? iterator.next();
    ahead = null;
    return next;
  };

  // A body of one small view (the common range request): one end(), no listeners or closures.
  const first = iterator.next();
  if (first.done) {
    res.end();
    return Promise.resolve(!res.destroyed);
  }
  ahead = iterator.next();
  if (ahead.done && first.value.byteLength <= chunkBytes) {
    options.onBytes?.(first.value.byteLength);
    res.end(first.value);
    return Promise.resolve(!res.destroyed);
  }
  view = first.value;

  return new Promise<boolean>((resolve, reject) => {
    let settled = false;
    const settle = (value: boolean) => {
      if (settled) return;
      settled = true;
      res.off('close', onClose);
      view = null; // drop the last view: the mapping may go once the socket is done with it
      ahead = null;
      if (!value) {
        try {
          iterator.return?.(); // let the producer clean up (a generator's finally runs)
        } catch {
          // its cleanup failing changes nothing for a client already gone
        }
      }
      resolve(value);
    };
    const onClose = () => settle(res.writableFinished);
    const written = (error?: Error | null) => {
      queued -= inFlight.shift()!;
      if (error) return settle(false);
      pump();
    };
    const canCork = res.cork !== undefined && res.uncork !== undefined;
    let corked = false;
    const uncork = () => {
      if (!corked) return;
      corked = false;
      res.uncork!();
    };
    const pump = () => {
      try {
        while (!settled && !ended && queued < limit) {
          if (res.destroyed) return settle(false);
          if (view === null || offset >= view.byteLength) {
            const next = pull();
            if (next.done) {
              ended = true;
              view = null;
              uncork();
              res.end(() => settle(true));
              return;
            }
            view = next.value;
            offset = 0;
            continue;
          }
          const chunk = view.subarray(offset, Math.min(offset + chunkBytes, view.byteLength));
          offset += chunk.byteLength;
          options.onBytes?.(chunk.byteLength);
          if (offset >= view.byteLength) {
            ahead ??= iterator.next();
            if (ahead.done) {
              ended = true;
              view = null;
              uncork();
              res.end(chunk, () => settle(true));
              return;
            }
          }
          queued += chunk.byteLength;
          inFlight.push(chunk.byteLength);
          const small = canCork && chunk.byteLength < COALESCE_BYTES;
          if (small && !corked) {
            res.cork!();
            corked = true;
          }
          res.write(chunk, written);
          if (!small) uncork();
        }
        uncork(); // the queue is full or the response settled: what is corked goes now
      } catch (error) {
        uncork();
        // A view could not be made (e.g. the object vanished mid-download): the caller cuts the connection.
        settled = true;
        res.off('close', onClose);
        reject(error);
      }
    };
    res.on('close', onClose);
    pump();
  });
}
