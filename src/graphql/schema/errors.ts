// The typed errors of result unions, all implementing the `Error` interface (`... on Error { message code }`).
import { builder } from '../builder.ts';
import {
  ApiError,
  ForbiddenError,
  InvalidArgumentError,
  InvalidFileError,
  InvalidRangeError,
  InvalidSliceError,
  NotFoundError,
  StoreUnavailableError,
  TooLargeError,
  UnavailableError,
  type ErrorCode,
} from '../errors.ts';

export const ErrorCodeEnum = builder.enumType('ErrorCode', {
  description: 'Stable, machine-readable reason of an expected failure.',
  values: {
    NOT_FOUND: { description: 'No file or tensor with that CID or name.' },
    INVALID_SLICE: { description: 'The slice spec does not parse or does not fit the tensor.' },
    INVALID_RANGE: { description: 'The byte range is outside the file or reversed.' },
    TOO_LARGE: { description: 'The request asks for more than a server limit allows.' },
    FORBIDDEN: { description: 'The bearer token lacks the scope the field needs.' },
    UNAUTHENTICATED: { description: 'The field needs a scope and no valid bearer token was sent.' },
    INVALID_FILE: { description: 'The uploaded file is not a valid safetensors, .npy or declared raw file.' },
    INVALID_ARGUMENT: { description: 'An argument is malformed or out of range.' },
    UNAVAILABLE: { description: 'The store lacks the content and none of the server\'s IPFS peers gave it (or it has none).' },
    STORE_ERROR: { description: 'The server\'s copy of the object changed on disk or cannot be read: not the request\'s fault; retrying will not help until an operator runs `ipfrs verify`.' },
    RATE_LIMITED: { description: 'Over the server\'s request rate for this client (--rate-limit): sent as a top-level error with HTTP 429 and Retry-After.' },
  } satisfies Record<ErrorCode, unknown>,
});

export const ErrorInterface = builder.interfaceRef<ApiError>('Error').implement({
  description: 'An expected failure, returned as a member of a result union.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, in words a person can act on.' }),
    code: t.field({ type: ErrorCodeEnum, resolve: (error) => error.code }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  description: 'The file or tensor does not exist (or no longer does).',
});

builder.objectType(InvalidSliceError, {
  name: 'InvalidSliceError',
  interfaces: [ErrorInterface],
  description: 'The slice spec is not numpy basic indexing, or does not fit the tensor (an index out of bounds).',
  fields: (t) => ({ spec: t.exposeString('spec', { description: 'The spec as given.' }) }),
});

builder.objectType(InvalidRangeError, {
  name: 'InvalidRangeError',
  interfaces: [ErrorInterface],
  description: 'The byte range is reversed or runs past the end of the file.',
  fields: (t) => ({ size: t.expose('size', { type: 'SafeInt', description: 'The size of the file in bytes.' }) }),
});

builder.objectType(TooLargeError, {
  name: 'TooLargeError',
  interfaces: [ErrorInterface],
  description: 'More than a server limit allows: an inline limit above the maximum, an upload over the size limit.',
  fields: (t) => ({
    requested: t.expose('requested', { type: 'SafeInt' }),
    limit: t.expose('limit', { type: 'SafeInt' }),
  }),
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  interfaces: [ErrorInterface],
  description: 'The mutation needs a bearer token with a scope (write, or admin which implies write).',
  fields: (t) => ({ requiredScope: t.exposeString('requiredScope') }),
});

builder.objectType(InvalidFileError, {
  name: 'InvalidFileError',
  interfaces: [ErrorInterface],
  description: 'The uploaded bytes are not a valid safetensors or .npy file, or raw bytes disagree with their dtype and shape.',
  fields: (t) => ({
    reason: t.exposeString('reason', { nullable: true, description: 'The parser\'s reason, e.g. INVALID_HEADER or SIZE_MISMATCH.' }),
  }),
});

builder.objectType(InvalidArgumentError, {
  name: 'InvalidArgumentError',
  interfaces: [ErrorInterface],
  description: 'An argument is malformed or out of range (a cursor, an expiry, a dtype without a shape).',
  fields: (t) => ({ argument: t.exposeString('argument') }),
});

builder.objectType(StoreUnavailableError, {
  name: 'StoreUnavailableError',
  interfaces: [ErrorInterface],
  description:
    'The server cannot read the object: its file changed on disk behind the store\'s back (truncated, rewritten) ' +
    'or is unreadable. A server-side fault (the download route answers 500 STORE_ERROR for the same object).',
});

builder.objectType(UnavailableError, {
  name: 'UnavailableError',
  interfaces: [ErrorInterface],
  description: 'The content is not in the store and no IPFS peer of the server (`ipfrs serve --peer URL`) gave it whole and verified.',
});
