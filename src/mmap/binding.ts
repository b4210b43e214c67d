// The only import of the native addon (native/build/Release/ipfrs_mmap.node). Loading it registers MmapError as
// the class C++ throws, and checks the advice bits agree with config.ts.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ADVICE_FLAGS } from './config.ts';
import { MmapError, type MmapErrorCode } from './errors.ts';

/** An open mapping's handle: a type-tagged External the addon checks before use. Opaque to JS. */
export interface FileHandle {
  readonly __mmapFileHandle: unique symbol;
}

export interface NativeMmap {
  /** open + fstat + mmap(PROT_READ, MAP_SHARED) + madvise; the fd is closed before it returns. */
  open(path: string, flags: number): FileHandle;
  /** The same on a libuv worker. */
  openAsync(path: string, flags: number): Promise<FileHandle>;
  size(handle: FileHandle): number;
  /** One external Buffer over [offset, offset + length): expensive, holds a reference to the mapping until GC. */
  view(handle: FileHandle, offset: number, length: number): Buffer;
  /** One new Buffer holding the [start, end) pairs of `ranges` one after another; every range checked. */
  gather(handle: FileHandle, ranges: Float64Array): Buffer;
  /** A new (not external) Buffer holding a copy of [start, end); IO_ERROR if the file shrank under the mapping. */
  copy(handle: FileHandle, start: number, end: number): Buffer;
  advise(handle: FileHandle, flags: number): void;
  adviseAsync(handle: FileHandle, flags: number): Promise<void>;
  /** Drops the handle's reference (views keep theirs); false if it was closed already. */
  close(handle: FileHandle): boolean;
  /** Mappings of this process not yet unmapped (cached or kept alive by views), and their bytes. */
  mappingStats(): { mappings: number; bytes: number };
  /** One non-blocking send of head (latin1) + body to a socket descriptor: bytes sent, or -errno. */
  writeResponse(fd: number, head: string, body?: Uint8Array): number;
  readonly flags: Readonly<Record<keyof typeof ADVICE_FLAGS, number>>;
  setErrorFactory(factory: (code: MmapErrorCode, message: string, path?: string, errno?: number, syscall?: string) => Error): void;
}

const ADDON = fileURLToPath(new URL('../../native/build/Release/ipfrs_mmap.node', import.meta.url));

function load(): NativeMmap {
  let addon: NativeMmap;
  try {
    addon = createRequire(import.meta.url)(ADDON) as NativeMmap;
  } catch (error) {
    throw new Error(`cannot load the native mmap addon ${ADDON}: build it with \`npm run build:native\``, { cause: error });
  }
  for (const [key, bit] of Object.entries(ADVICE_FLAGS)) {
    if (addon.flags[key as keyof typeof ADVICE_FLAGS] !== bit) throw new Error(`the mmap addon is out of date (advice flag ${key}): rebuild it with \`npm run build:native\``);
  }
  addon.setErrorFactory(function mmapError(code, message, path, errno, syscall) {
    const error = new MmapError(code, message, { path, errno, syscall });
    Error.captureStackTrace(error, mmapError); // the stack starts at the JS call into the addon
    return error;
  });
  return addon;
}

export const native: NativeMmap = load();
