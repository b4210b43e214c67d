// The download route's refusals: an HTTP status, a stable code for clients and a message that says what to do; and
// the expected failures of the layers below (slice specs, the store, the mmap cache) as refusals. Pure.
import type { HeaderMap } from './headers.ts';
import { SliceSpecError } from '../tensor/errors.ts';
import { StoreError } from '../store/errors.ts';

/** A refusal with its HTTP status; `code` is a stable word for clients, `message` says what to do. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: HeaderMap = {},
    /** For 403: which check failed (sign.ts VerifyFailure), also in the body. */
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** The JSON body of a refusal, one line: what the route, the lane and the server answer alike. */
export function refusalBody(refusal: Refusal): string {
  return `${JSON.stringify({ error: refusal.code, status: refusal.status, ...(refusal.reason ? { reason: refusal.reason } : {}), message: refusal.message })}\n`;
}

/** The one 500: for a bug of ours, whichever path met it (the details go to the log, never to the client). */
export const INTERNAL_ERROR = new Refusal(500, 'INTERNAL', 'internal error (logged on the server)');
export const INTERNAL_ERROR_BODY = refusalBody(INTERNAL_ERROR);

/** Expected failures of the layers below, as HTTP refusals; null for anything else (a bug: 500). */
export function asRefusal(error: unknown): Refusal | null {
  if (error instanceof Refusal) return error;
  if (error instanceof SliceSpecError) return new Refusal(400, 'INVALID_SLICE', error.message);
  if (error instanceof StoreError) {
    switch (error.code) {
      case 'NOT_FOUND':
        return new Refusal(404, 'NOT_FOUND', error.message);
      case 'INVALID_ARGUMENT':
        return new Refusal(400, 'BAD_REQUEST', error.message);
      case 'TOO_LARGE':
        return new Refusal(413, 'TOO_LARGE', error.message);
      case 'INVALID_FORMAT':
      case 'IO':
      case 'NO_SPACE':
        // The store's bytes or disk, not the request: the server's fault, said plainly.
        return new Refusal(500, 'STORE_ERROR', error.message);
    }
  }
  const code = (error as { code?: unknown; name?: unknown })?.code;
  if ((error as Error)?.name === 'MmapError') {
    if (code === 'FILE_NOT_FOUND') return new Refusal(404, 'NOT_FOUND', 'the object is missing from the store');
    return new Refusal(503, 'UNAVAILABLE', `the object cannot be mapped right now (${String(code)})`, { 'Retry-After': '1' });
  }
  return null;
}
