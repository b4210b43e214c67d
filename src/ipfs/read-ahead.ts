// Pulling a stream of chunks ahead of its consumer, up to a number of bytes: in a peer fetch, the verified leaves
// ahead of the ingest's writes, so the network and the disk overlap instead of taking turns.

/**
 * Pulls `source` ahead of its consumer, up to `limit` bytes; errors come out in order, after what came before. Each
 * chunk goes to `release` once the consumer asks for the next one (or stops), or, never yielded, when this ends.
 */
export async function* readAhead(source: AsyncGenerator<Uint8Array>, limit: number, release: (chunk: Uint8Array) => void): AsyncGenerator<Uint8Array> {
  const queue: Uint8Array[] = [];
  let queued = 0;
  let done = false;
  let failure: { error: unknown } | null = null;
  let wakeConsumer = null as (() => void) | null;
  let wakeProducer = null as (() => void) | null;
  let stopped = false;
  const producing = (async () => {
    try {
      for await (const chunk of source) {
        queue.push(chunk);
        queued += chunk.byteLength;
        wakeConsumer?.();
        while (queued >= limit && !stopped) await new Promise<void>((resolve) => (wakeProducer = resolve));
        if (stopped) break;
      }
    } catch (error) {
      failure = { error };
    } finally {
      done = true;
      wakeConsumer?.();
    }
  })();
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk) {
        queued -= chunk.byteLength;
        wakeProducer?.();
        try {
          yield chunk;
        } finally {
          release(chunk);
        }
        continue;
      }
      if (done) break;
      await new Promise<void>((resolve) => (wakeConsumer = resolve));
      wakeConsumer = null;
    }
    if (failure) throw (failure as { error: unknown }).error;
  } finally {
    // The consumer stopped early (a failed write): stop the producer, which ends the peer's stream.
    stopped = true;
    wakeProducer?.();
    await producing;
    await source.return(undefined);
    for (const chunk of queue.splice(0)) release(chunk);
  }
}
