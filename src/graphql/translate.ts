// Maps the expected failures of the layers below (store, tensor parsers, slice planner) onto the API's typed
// errors. Anything else is returned unchanged: an unexpected error, which yoga masks and the server logs.
import { GraphQLError } from 'graphql';
import { basename } from 'node:path';
import { StoreError } from '../store/errors.ts';
import { SliceSpecError, TensorFormatError } from '../tensor/errors.ts';
import { ApiError, InvalidArgumentError, InvalidFileError, InvalidSliceError, NotFoundError, StoreUnavailableError, TooLargeError, UnavailableError } from './errors.ts';

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
      case 'IO':
        // The object changed on disk (or cannot be read): the server's fault, said plainly, without its paths.
        return new StoreUnavailableError(withoutPaths(error.message), { cause: error });
      case 'UNAVAILABLE':
        return new UnavailableError(error.message, { cause: error });
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
  if (isMmapIoError(error)) {
    // A guarded copy out of a mapping whose file shrank under it (the store's reader says so as StoreError IO;
    // this is for one that reaches here unwrapped). An object's file name is its CID.
    const object = typeof error.path === 'string' ? ` ${basename(error.path)}` : '';
    return new StoreUnavailableError(`the object${object} changed on disk while it was being read; run ipfrs verify`, { cause: error });
  }
  return error;
}

/** MmapError IO_ERROR, by its name: the schema's code loads nothing of src/mmap (tests/graphql/sdl.test.ts). */
function isMmapIoError(error: unknown): error is Error & { path?: unknown } {
  return error instanceof Error && error.name === 'MmapError' && (error as { code?: unknown }).code === 'IO_ERROR';
}

/** Absolute paths in a message cut to their last component (for an object, its CID): no folder layout leaks. */
function withoutPaths(message: string): string {
  return message.replace(/(?<=^|[\s'"(])\/(?:[^\s'"/)]+\/)*([^\s'"/)]*)/g, '$1');
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
