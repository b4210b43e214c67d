// Maps the expected failures of the layers below (store, tensor parsers, slice planner) onto the API's typed
// errors. Anything else is returned unchanged: an unexpected error, which yoga masks and the server logs.
import { GraphQLError } from 'graphql';
import { StoreError } from '../store/errors.ts';
import { SliceSpecError, TensorFormatError } from '../tensor/errors.ts';
import { ApiError, InvalidArgumentError, InvalidFileError, InvalidSliceError, NotFoundError, TooLargeError } from './errors.ts';

export interface TranslateHints {
  /** The argument a StoreError INVALID_ARGUMENT is about (`cid`, `after`, `name`...). */
  argument?: string;
  /** The slice spec being planned, for InvalidSliceError. */
  spec?: string;
  /** The limit behind a StoreError TOO_LARGE, in bytes. */
  limit?: number;
}

export function translate(error: unknown, hints: TranslateHints = {}): unknown {
  if (error instanceof ApiError) return error;
  if (error instanceof StoreError) {
    switch (error.code) {
      case 'NOT_FOUND':
        return new NotFoundError(error.message);
      case 'INVALID_ARGUMENT':
        return new InvalidArgumentError(error.message, hints.argument ?? 'input');
      case 'TOO_LARGE':
        return new TooLargeError(error.message, hints.limit !== undefined ? hints.limit + 1 : 0, hints.limit ?? 0);
      case 'INVALID_FORMAT': {
        const cause = (error as { cause?: unknown }).cause;
        return new InvalidFileError(error.message, cause instanceof TensorFormatError ? cause.code : null, { cause });
      }
      case 'NO_SPACE':
        // The server's disk, not the request: still say so plainly (the message names no path), as a top-level
        // error with its own code rather than a masked "Unexpected error".
        return new GraphQLError(error.message, { extensions: { code: 'NO_SPACE' } });
      default:
        return error;
    }
  }
  if (error instanceof SliceSpecError) {
    const code = (error as { code: string }).code;
    if (code === 'TOO_LARGE') return new TooLargeError(error.message, 0, 0);
    return new InvalidSliceError(error.message, hints.spec ?? '');
  }
  if (error instanceof TensorFormatError) return new InvalidFileError(error.message, error.code, { cause: error });
  return error;
}

/** Runs `fn`, rethrowing what it throws translated. */
export function guard<T>(fn: () => T, hints?: TranslateHints): T {
  try {
    return fn();
  } catch (error) {
    throw translate(error, hints);
  }
}

export async function guardAsync<T>(fn: () => Promise<T>, hints?: TranslateHints): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw translate(error, hints);
  }
}
