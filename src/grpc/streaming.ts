// Server streams of bytes: views of mapped memory cut into chunks, each sent as soon as the call can take it.
// - Flow control: call.write() returning false means grpc-js has queued enough (16 messages); we wait for 'drain'
//   before cutting the next chunk, so a slow reader holds the server's memory flat (the views are not copies).
// - Cancellation (the client went away, or its deadline passed: grpc-js cancels the call either way) stops the
//   loop at once and closes the view iterator, so nothing keeps the mapping alive beyond what is already queued.
// - Messages are encoded here, not by protobufjs (Encoded below): one copy of each chunk on its way to the socket.
import type { ServerWritableStream } from '@grpc/grpc-js';

export const DEFAULT_CHUNK_BYTES = 1024 * 1024;
/** A client's default receive limit is 4 MiB a message: leave room for the tags, lengths and offset. */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024 - 64;

/**
 * A data message, kept as the view until grpc-js serializes it (server.ts hands serialize() to it): messages
 * queued for a slow reader stay views of the mapping, not copies. serialize() writes the tag, the length and the
 * bytes into one reused scratch Buffer; grpc-js copies that into its frame at once (serializeMessage), so the
 * scratch is free again before the next message: one copy per chunk, into memory already faulted in, rather than
 * a fresh Buffer per chunk (and protobufjs would copy twice, through fromObject and its writer).
 */
export class Encoded {
  constructor(
    readonly field: number,
    readonly data: Uint8Array,
    readonly offsetField?: number,
    readonly offset?: number,
  ) {}

  /** The message's bytes, valid until the next serialize() of any Encoded. */
  serialize(): Buffer {
    const { data, offsetField, offset } = this;
    const head = 1 + varintLength(data.byteLength);
    const tail = offsetField !== undefined && offset ? 1 + varintLength(offset) : 0;
    const length = head + data.byteLength + tail;
    if (scratch.byteLength < length) scratch = Buffer.allocUnsafeSlow(Math.max(length, scratch.byteLength * 2));
    scratch[0] = (this.field << 3) | 2;
    let at = writeVarint(scratch, 1, data.byteLength);
    scratch.set(data, at);
    at += data.byteLength;
    if (tail) {
      scratch[at] = offsetField! << 3;
      writeVarint(scratch, at + 1, offset!);
    }
    return scratch.subarray(0, length);
  }
}

let scratch = Buffer.allocUnsafeSlow(DEFAULT_CHUNK_BYTES + 64);

/** `bytes` field `field` holding `data`, then (if given) uint64 field `offsetField` holding `offset`. */
export function encodeBytesMessage(field: number, data: Uint8Array, offsetField?: number, offset?: number): Encoded {
  return new Encoded(field, data, offsetField, offset);
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
export function drained(call: ServerWritableStream<unknown, unknown>): Promise<boolean> {
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
