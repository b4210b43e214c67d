// gRPC status codes for the expected failures of the layers below: the store, the tensor parsers and slice
// planner, the mmap cache and the download representations. Each goes through GraphQL's translate() first, so a
// gRPC client reads the very message a GraphQL client gets in its typed error; only the code differs.
// Anything else is a bug: INTERNAL with a fixed message, the error itself to the log.
import { status, type ServiceError } from '@grpc/grpc-js';
import { ApiError, type ErrorCode } from '../graphql/errors.ts';
import { translate, type TranslateHints } from '../graphql/translate.ts';
import { INTERNAL_ERROR, Refusal } from '../http/refusal.ts';

/** An error with the status it is sent with (grpc-js reads `code` and `details`). */
export class GrpcError extends Error implements Partial<ServiceError> {
  constructor(
    readonly code: status,
    readonly details: string,
  ) {
    super(details);
    this.name = 'GrpcError';
  }
}

export const invalidArgument = (message: string) => new GrpcError(status.INVALID_ARGUMENT, message);
export const outOfRange = (message: string) => new GrpcError(status.OUT_OF_RANGE, message);
export const notFound = (message: string) => new GrpcError(status.NOT_FOUND, message);

const BY_API_CODE: Record<ErrorCode, status> = {
  NOT_FOUND: status.NOT_FOUND,
  INVALID_SLICE: status.INVALID_ARGUMENT,
  INVALID_RANGE: status.OUT_OF_RANGE,
  TOO_LARGE: status.RESOURCE_EXHAUSTED,
  FORBIDDEN: status.PERMISSION_DENIED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  INVALID_FILE: status.INVALID_ARGUMENT,
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  // The object changed on disk: retrying (after `ipfrs verify`) may succeed; the request was fine.
  STORE_ERROR: status.UNAVAILABLE,
  // No IPFS peer gave the content: it may come back with a peer.
  UNAVAILABLE: status.UNAVAILABLE,
  RATE_LIMITED: status.RESOURCE_EXHAUSTED,
};

const BY_HTTP_STATUS: Record<number, status> = {
  400: status.INVALID_ARGUMENT,
  404: status.NOT_FOUND,
  413: status.RESOURCE_EXHAUSTED,
  416: status.OUT_OF_RANGE,
  500: status.UNAVAILABLE,
  503: status.UNAVAILABLE,
};

/** The words of the one 500 (src/http/refusal.ts), for gRPC's INTERNAL. */
export const INTERNAL_MESSAGE = INTERNAL_ERROR.message;

/** The status an error is sent with; `unexpected` true when it is a bug (INTERNAL) and should be logged whole. */
export function toStatus(error: unknown, hints?: TranslateHints): { code: status; details: string; unexpected: boolean } {
  if (error instanceof GrpcError) return { code: error.code, details: error.details, unexpected: false };
  if (error instanceof Refusal) {
    const code = BY_HTTP_STATUS[error.status];
    if (code !== undefined) return { code, details: error.message, unexpected: false };
  }
  if ((error as Error)?.name === 'MmapError') {
    // As the download route answers them (refusal.ts): a vanished object is NOT_FOUND, the rest a passing fault.
    const mmapCode = (error as { code?: unknown }).code;
    if (mmapCode === 'FILE_NOT_FOUND') return { code: status.NOT_FOUND, details: 'the object is missing from the store', unexpected: false };
    if (mmapCode !== 'IO_ERROR') return { code: status.UNAVAILABLE, details: `the object cannot be mapped right now (${String(mmapCode)})`, unexpected: false };
  }
  const translated = translate(error, hints);
  if (translated instanceof ApiError) return { code: BY_API_CODE[translated.code], details: translated.message, unexpected: false };
  // The server's disk is full (translate keeps it a plain GraphQLError with its own code).
  if ((translated as { extensions?: { code?: unknown } })?.extensions?.code === 'NO_SPACE') {
    return { code: status.RESOURCE_EXHAUSTED, details: (translated as Error).message, unexpected: false };
  }
  return { code: status.INTERNAL, details: INTERNAL_MESSAGE, unexpected: true };
}
