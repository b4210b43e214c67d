// Reads objects through the mmap cache: every answer is a zero-copy view, or one gather done in C++; or, for
// readers that touch the bytes in JS (GraphQL's inline answers), a copy of their own made under a SIGBUS guard.
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { MmapCache, MmapFile } from '../mmap/index.ts';
import { MmapError } from '../mmap/errors.ts';
import { planSlice } from '../tensor/slice.ts';
import type { SlicePlan } from '../tensor/slice.ts';
import { StoreError } from './errors.ts';
import type { TensorStore } from './tensor-store.ts';
import type { TensorRecord } from './types.ts';

export class TensorReader {
  constructor(
    readonly store: TensorStore,
    readonly cache: MmapCache,
  ) {}

  /**
   * The mapped object. The size is checked against the index on every open, so an object replaced or truncated
   * behind the store's back gives a clear error rather than wrong bytes (or SIGBUS past the new end).
   *
   * The file is re-stat'ed on every open, cache hits included (about 2 us): a cached mapping keeps the size it was
   * mapped with, so without this a file truncated in place under it (`truncate`, `cp` over it as root) would pass
   * the check and the next read past its new end (an inline base64, a strided gather) would kill the process with
   * SIGBUS. What is left is a truncation racing a read already under way: a download then sees its connection cut
   * (the kernel answers the socket write with EFAULT, no signal); gathers and copies (copyRange, sliceCopy) are
   * guarded in C++ and fail with StoreError IO; only JS reading a view's bytes itself can still fault, so code that
   * does (base64, decoding) reads copies. Same-size rewrites are not seen here; `ipfrs verify` re-hashes every object.
   */
  open(cid: string): MmapFile {
    const record = this.store.getFile(cid);
    if (!record) throw new StoreError('NOT_FOUND', `no file with CID ${cid}`);
    const path = this.store.objectPath(cid);
    let onDisk;
    try {
      onDisk = statSync(path, { throwIfNoEntry: false });
    } catch (error) {
      throw unreadable(cid, (error as NodeJS.ErrnoException).code ?? 'stat failed', error);
    }
    if (!onDisk) {
      this.cache.evict(path);
      throw new StoreError('NOT_FOUND', `the object of ${cid} is missing from the store; run ipfrs verify`);
    }
    if (onDisk.size !== record.size) {
      this.cache.evict(path);
      throw new StoreError('IO', `the object of ${cid} changed on disk (${onDisk.size} bytes, expected ${record.size}); run ipfrs verify`);
    }
    let file: MmapFile;
    try {
      file = this.cache.getOrCreate(path);
    } catch (error) {
      if ((error as { code?: string }).code === 'FILE_NOT_FOUND') throw new StoreError('NOT_FOUND', `the object of ${cid} is missing from the store; run ipfrs verify`);
      // Unreadable (permissions, not a file, mmap refused): the store's fault, one typed error for every interface.
      if (error instanceof MmapError) throw unreadable(cid, error.code, error);
      throw error;
    }
    if (file.size !== record.size) {
      this.cache.evict(path);
      throw new StoreError('IO', `the object of ${cid} changed on disk (${file.size} bytes, expected ${record.size}); run ipfrs verify`);
    }
    return file;
  }

  /** [start, end) of the object, zero-copy. */
  range(cid: string, start: number, end: number): Buffer {
    const file = this.open(cid);
    checkRange(file, start, end);
    return file.range(start, end);
  }

  /**
   * [start, end) of the object in a Buffer of its own, for code that reads the bytes in JS: a truncation racing
   * the copy is StoreError IO (and the file leaves the cache) instead of SIGBUS. Meant for small reads (inline
   * answers); big ones belong to views handed to sockets.
   */
  copyRange(cid: string, start: number, end: number): Buffer {
    const file = this.open(cid);
    checkRange(file, start, end);
    return this.#copying(cid, file, () => file.copy(start, end));
  }

  blob(cid: string): Buffer {
    return this.open(cid).bytes();
  }

  tensorBytes(tensor: TensorRecord): Buffer {
    return this.open(tensor.cid).range(tensor.byteOffset, tensor.byteOffset + tensor.byteLength);
  }

  plan(tensor: TensorRecord, spec: string): SlicePlan {
    return planSlice(tensor, spec);
  }

  /** The slice's bytes in C order: a view when contiguous, otherwise one gather into a fresh Buffer. */
  sliceBytes(tensor: TensorRecord, plan: SlicePlan): Buffer {
    if (plan.rangeCount === 0) return Buffer.alloc(0);
    const file = this.open(tensor.cid);
    if (plan.rangeCount === 1) {
      return file.range(tensor.byteOffset + plan.ranges[0]!, tensor.byteOffset + plan.ranges[1]!);
    }
    const absolute = new Float64Array(plan.ranges.length);
    for (let i = 0; i < plan.ranges.length; i++) absolute[i] = plan.ranges[i]! + tensor.byteOffset;
    return this.#copying(tensor.cid, file, () => file.gather(absolute));
  }

  /** sliceBytes, but always a Buffer of its own (a contiguous slice is copied rather than viewed); see copyRange. */
  sliceCopy(tensor: TensorRecord, plan: SlicePlan): Buffer {
    if (plan.rangeCount !== 1) return this.sliceBytes(tensor, plan);
    const file = this.open(tensor.cid);
    return this.#copying(tensor.cid, file, () => file.copy(tensor.byteOffset + plan.ranges[0]!, tensor.byteOffset + plan.ranges[1]!));
  }

  /** Runs a guarded copy out of `file`; its IO_ERROR (the object shrank under the mapping) becomes StoreError IO. */
  #copying(cid: string, file: MmapFile, copy: () => Buffer): Buffer {
    try {
      return copy();
    } catch (error) {
      if (!(error instanceof MmapError && error.code === 'IO_ERROR')) throw error;
      this.cache.evict(file.path);
      throw new StoreError('IO', `the object of ${cid} changed on disk while it was being read; run ipfrs verify`, { cause: error });
    }
  }

  /** The CID behind a cache entry's path. */
  static cidOfPath(path: string): string {
    return basename(path);
  }
}

function unreadable(cid: string, why: string, cause: unknown): StoreError {
  return new StoreError('IO', `the object of ${cid} cannot be read (${why}); run ipfrs verify`, { cause });
}

function checkRange(file: MmapFile, start: number, end: number): void {
  if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end <= file.size)) {
    throw new StoreError('INVALID_ARGUMENT', `range ${start}-${end} is outside the file (size ${file.size})`);
  }
}
