// The expected failures a client can cause, as classes. Pure: the GraphQL types for them live in schema/errors.ts.
//
// They extend GraphQLError so that where a field has no result union (connections, `tensor`, the subscription),
// a thrown one still reaches the client as itself, with `extensions.code`, instead of being masked as an
// unexpected error. Where a field returns a result union, the errors plugin turns them into typed members.
import { GraphQLError } from 'graphql';

export type ErrorCode =
  | 'NOT_FOUND'
  | 'INVALID_SLICE'
  | 'INVALID_RANGE'
  | 'TOO_LARGE'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'INVALID_FILE'
  | 'INVALID_ARGUMENT'
  | 'STORE_ERROR'
  | 'UNAVAILABLE'
  | 'RATE_LIMITED';

export abstract class ApiError extends GraphQLError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, { extensions: { code } });
    this.code = code;
    if (options?.cause !== undefined) Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
  }
}

export class NotFoundError extends ApiError {
  override name = 'NotFoundError';
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class InvalidSliceError extends ApiError {
  override name = 'InvalidSliceError';
  constructor(
    message: string,
    readonly spec: string,
  ) {
    super('INVALID_SLICE', message);
  }
}

export class InvalidRangeError extends ApiError {
  override name = 'InvalidRangeError';
  constructor(
    message: string,
    readonly size: number,
  ) {
    super('INVALID_RANGE', message);
  }
}

export class TooLargeError extends ApiError {
  override name = 'TooLargeError';
  constructor(
    message: string,
    /** What was asked for, in bytes (or the count the limit is about). */
    readonly requested: number,
    readonly limit: number,
  ) {
    super('TOO_LARGE', message);
  }
}

export class ForbiddenError extends ApiError {
  override name = 'ForbiddenError';
  constructor(
    message: string,
    /** The scope the field needs. */
    readonly requiredScope: string,
    /** UNAUTHENTICATED: no valid token was sent; FORBIDDEN: the token lacks the scope. */
    code: 'FORBIDDEN' | 'UNAUTHENTICATED' = 'FORBIDDEN',
  ) {
    super(code, message);
  }
}

export class InvalidFileError extends ApiError {
  override name = 'InvalidFileError';
  constructor(
    message: string,
    /** The parser's reason, e.g. INVALID_HEADER, SIZE_MISMATCH, UNKNOWN_FORMAT; null when not from the parser. */
    readonly reason: string | null,
    options?: { cause?: unknown },
  ) {
    super('INVALID_FILE', message, options);
  }
}

/**
 * Not the client's doing: the server's copy of an object changed on disk behind the store's back (truncated,
 * rewritten, unreadable), found on open or while it was being read. The same code as the download route's 500.
 * The message names the CID and `ipfrs verify`, never a server path.
 */
export class StoreUnavailableError extends ApiError {
  override name = 'StoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_ERROR', message, options);
  }
}

/** Content the store lacks that none of the server's IPFS peers gave (or the server has no peers). */
export class UnavailableError extends ApiError {
  override name = 'UnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, options);
  }
}

export class InvalidArgumentError extends ApiError {
  override name = 'InvalidArgumentError';
  constructor(
    message: string,
    /** The argument at fault. */
    readonly argument: string,
  ) {
    super('INVALID_ARGUMENT', message);
  }
}
