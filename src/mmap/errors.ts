// MmapError: the one error class of the mmap layer. Defined here and registered with the addon (binding.ts), so
// errors raised in C++ are instances of it, with a code and a JS stack.

// IO_ERROR: a copy out of the mapping (gather, copy) faulted because the file shrank under it since it was mapped.
export const MMAP_ERROR_CODES = ['FILE_NOT_FOUND', 'NOT_A_FILE', 'PERMISSION_DENIED', 'INVALID_RANGE', 'MMAP_FAILED', 'CLOSED', 'IO_ERROR'] as const;
export type MmapErrorCode = (typeof MMAP_ERROR_CODES)[number];

export interface MmapErrorDetails {
  /** The file's path. */
  path?: string;
  /** The OS errno (positive, as in C: 2 for ENOENT) when a system call failed. */
  errno?: number;
  /** The system call that failed: open, fstat, mmap or madvise. */
  syscall?: string;
}

export class MmapError extends Error {
  readonly code: MmapErrorCode;
  // `declare`: absent details stay absent rather than becoming own properties set to undefined.
  declare readonly path?: string;
  declare readonly errno?: number;
  declare readonly syscall?: string;

  constructor(code: MmapErrorCode, message: string, details: MmapErrorDetails = {}) {
    super(message);
    this.code = code;
    if (details.path !== undefined) (this as { path?: string }).path = details.path;
    if (details.errno !== undefined) (this as { errno?: number }).errno = details.errno;
    if (details.syscall !== undefined) (this as { syscall?: string }).syscall = details.syscall;
  }
}
Object.defineProperty(MmapError.prototype, 'name', { value: 'MmapError', enumerable: false, writable: true, configurable: true });

/** The INVALID_RANGE error for [start, end) of a file of `size` bytes. */
export function invalidRange(path: string, size: number, start: unknown, end: unknown, label = 'range'): MmapError {
  const error = new MmapError('INVALID_RANGE', `${label} [${String(start)}, ${String(end)}) is outside '${path}' (${size} bytes)`, { path });
  Error.captureStackTrace(error, invalidRange);
  return error;
}

export function closedError(path: string): MmapError {
  const error = new MmapError('CLOSED', `the file is closed: '${path}'`, { path });
  Error.captureStackTrace(error, closedError);
  return error;
}

/**
 * An async failure comes back from a libuv worker with no JS frames on its stack: give it the stack of the call
 * that started the work (`site`, an Error made at that call).
 */
export function withCallSite(error: unknown, site: Error): unknown {
  if (error instanceof Error && site.stack) {
    const frames = site.stack.slice(site.stack.indexOf('\n'));
    error.stack = `${error.name}: ${error.message}${frames}`;
  }
  return error;
}
