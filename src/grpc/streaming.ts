// Server streams of bytes: views of mapped memory cut into chunks, each sent as soon as the call can take it.
// - Flow control: call.write() returning false means grpc-js has queued enough (16 messages); we wait for 'drain'
//   before cutting the next chunk, so a slow reader holds the server's memory flat (the views are not copies).
// - Cancellation (the client went away, or its deadline passed: grpc-js cancels the call either way) stops the
//   loop at once and closes the view iterator, so nothing keeps the mapping alive beyond what is already queued.
// - Messages are encoded here, not by protobufjs: a data message is the field's tag, its length and the bytes,
//   copied once into the message's own Buffer (protobufjs would copy them twice, through fromObject and its writer).
import type { ServerWritableStream } from '@grpc/grpc-js';

export const DEFAULT_CHUNK_BYTES = 1024 * 1024;
/** A client's default receive limit is 4 MiB a message: leave room for the tags, lengths and offset. */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024 - 64;

/** Bytes as they go on the wire: serializers pass these through (server.ts), anything else goes to protobufjs. */
export class Encoded {
  constructor(readonly bytes: Buffer) {}
}

/** `bytes` field `field` holding `data`, then (if given) uint64 field `offsetField` holding `offset`. */
export function encodeBytesMessage(field: number, data: Uint8Array, offsetField?: number, offset?: number): Encoded {
  const head = 1 + varintLength(data.byteLength);
  const tail = offsetField !== undefined && offset ? 1 + varintLength(offset) : 0;
  const out = Buffer.allocUnsafe(head + data.byteLength + tail);
  out[0] = (field << 3) | 2;
  let at = writeVarint(out, 1, data.byteLength);
  out.set(data, at);
  at += data.byteLength;
  if (tail) {
    out[at] = offsetField! << 3;
    writeVarint(out, at + 1, offset!);
  }
  return new Encoded(out);
}

function varintLength(value: number): number {
  let n = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

/** Writes `value` (a safe integer >= 0) as a varint at `at`; returns the offset after it. */
function writeVarint(out: Buffer, at: number, value: number): number {
  while (value >= 128) {
    out[at++] = (value % 128) | 128;
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}

/** The chunk size a request asks for: 0 is the default; above the limit is the client's mistake. */
export function chunkSizeOf(asked: number): number | string {
  if (!asked) return DEFAULT_CHUNK_BYTES;
  if (!Number.isSafeInteger(asked) || asked < 0 || asked > MAX_CHUNK_BYTES) return `chunk_size must be between 1 and ${MAX_CHUNK_BYTES} (0: ${DEFAULT_CHUNK_BYTES}), not ${asked}`;
  return asked;
}

/**
 * Sends every view of `views` in chunks of at most `chunkSize` bytes, each made a message by `message` (given the
 * chunk and its offset in the stream). Resolves true when all were written, false when the call was cancelled.
 * Throws what pulling the views throws (the caller sends it as a status).
 */
export async function writeChunks(
  call: ServerWritableStream<unknown, unknown>,
  views: Iterator<Uint8Array>,
  chunkSize: number,
  message: (chunk: Uint8Array, offset: number) => unknown,
  startOffset = 0,
): Promise<boolean> {
  let offset = startOffset;
  try {
    for (let next = views.next(); !next.done; next = views.next()) {
      const view = next.value;
      for (let at = 0; at < view.byteLength; at += chunkSize) {
        if (call.cancelled) return false;
        const chunk = view.subarray(at, Math.min(at + chunkSize, view.byteLength));
        const more = call.write(message(chunk, offset));
        offset += chunk.byteLength;
        if (!more && !(await drained(call))) return false;
      }
    }
    return !call.cancelled;
  } finally {
    views.return?.();
  }
}

/** Waits for 'drain'; false if the call is cancelled first. */
function drained(call: ServerWritableStream<unknown, unknown>): Promise<boolean> {
  if (call.cancelled) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onDrain = () => done(true);
    const onCancel = () => done(false);
    const done = (ok: boolean) => {
      call.off('drain', onDrain);
      call.off('cancelled', onCancel);
      call.off('close', onCancel);
      resolve(ok && !call.cancelled);
    };
    call.once('drain', onDrain);
    call.once('cancelled', onCancel);
    // A stream destroyed under us (the session went away) emits close and never drains.
    call.once('close', onCancel);
  });
}
