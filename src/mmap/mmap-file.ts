// MmapFile: one memory-mapped file, read through zero-copy views.
//
// Views: creating an external Buffer costs 3-50 us, `subarray` 0.06 us. So the file makes one external Buffer over
// the whole mapping, on first use, and cuts every range from it. A file larger than the largest Buffer
// (buffer.constants.MAX_LENGTH, 4 GiB on Node 20) gets overlapping 2 GiB windows every 1 GiB instead, so any
// range up to 1 GiB lies inside one window; a longer range gets an external Buffer of its own.
//
// Lifetime: the mapping is reference-counted in C++. This object holds one reference, every external Buffer one,
// and views made by subarray keep their external Buffer alive. close() drops this object's reference only: views
// already handed out stay valid (and exact) until they are garbage-collected; munmap comes with the last of them.
import { constants as bufferConstants } from 'node:buffer';
import { native, type FileHandle } from './binding.ts';
import { adviceFlags, type MmapConfigLike } from './config.ts';
import { MmapError, closedError, invalidRange, withCallSite } from './errors.ts';

const MAX_VIEW = bufferConstants.MAX_LENGTH;
const WINDOW_STEP = 2 ** 30;
const WINDOW_LENGTH = 2 ** 31;

/** A [start, end) pair of byte offsets. */
export type ByteRange = readonly [start: number, end: number];
/** Ranges as pairs, or flat in a Float64Array (s0, e0, s1, e1, ...). */
export type ByteRanges = ReadonlyArray<ByteRange> | Float64Array;

// MmapFile.openAsync hands the handle it opened to the constructor through this.
let adopted: FileHandle | undefined;

function checkPath(path: unknown): asserts path is string {
  if (typeof path !== 'string') throw new TypeError('the path must be a string');
  if (path.includes('\0')) throw new TypeError('the path must not contain NUL bytes');
}

function isRange(start: unknown, end: unknown, size: number): boolean {
  return Number.isInteger(start) && Number.isInteger(end) && (start as number) >= 0 && (start as number) <= (end as number) && (end as number) <= size;
}

export class MmapFile {
  readonly path: string;
  /** Bytes, as mapped (fstat at open). */
  readonly size: number;
  #handle: FileHandle | null;
  /** The external Buffer over the whole mapping, once made (files up to MAX_VIEW bytes). */
  #whole: Buffer | undefined;
  /** Window index -> external Buffer, for files over MAX_VIEW bytes. */
  #windows: Map<number, Buffer> | undefined;

  /**
   * Opens and maps `path` now, on this thread (MmapError FILE_NOT_FOUND, NOT_A_FILE, PERMISSION_DENIED or
   * MMAP_FAILED). With `populate` this reads the whole file before returning: use MmapFile.openAsync for that.
   */
  constructor(path: string, config?: MmapConfigLike) {
    checkPath(path);
    if (adopted !== undefined) {
      this.#handle = adopted;
      adopted = undefined;
    } else {
      this.#handle = native.open(path, adviceFlags(config));
    }
    this.path = path;
    this.size = native.size(this.#handle);
  }

  /** The constructor's work (open, map, populate, advise) on a libuv worker. */
  static async openAsync(path: string, config?: MmapConfigLike): Promise<MmapFile> {
    checkPath(path);
    const flags = adviceFlags(config);
    const site = new Error();
    let handle: FileHandle;
    try {
      handle = await native.openAsync(path, flags);
    } catch (error) {
      throw withCallSite(error, site);
    }
    adopted = handle;
    return new MmapFile(path);
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  get closed(): boolean {
    return this.#handle === null;
  }

  /**
   * The whole file, zero-copy (the same Buffer every time). Read-only: writing into it kills the process (SIGSEGV).
   * INVALID_RANGE for a file larger than a Buffer can be: read those with range().
   */
  bytes(): Buffer {
    return this.#whole ?? this.#makeWhole();
  }

  /**
   * [start, end), zero-copy. INVALID_RANGE unless 0 <= start <= end <= size, all integers. An empty range [n, n)
   * with n <= size is valid and gives an empty Buffer.
   */
  range(start: number, end: number): Buffer {
    const whole = this.#whole;
    if (whole !== undefined && isRange(start, end, this.size)) return whole.subarray(start, end);
    return this.#rangeSlow(start, end);
  }

  /** Several ranges, each a zero-copy view. Every range is checked before any view is made. */
  multiRange(ranges: ByteRanges): Buffer[] {
    this.#open();
    const flat = this.#flatten(ranges);
    for (let i = 0; i < flat.length; i += 2) {
      if (!isRange(flat[i], flat[i + 1], this.size)) throw invalidRange(this.path, this.size, flat[i], flat[i + 1], `range ${i / 2}`);
    }
    const views: Buffer[] = [];
    for (let i = 0; i < flat.length; i += 2) views.push(this.range(flat[i]!, flat[i + 1]!));
    return views;
  }

  /**
   * One new Buffer holding the ranges one after another (a strided slice's bytes), copied in C++, which checks
   * every range (INVALID_RANGE). Pairs or a flat Float64Array of absolute offsets. Guarded like copy().
   */
  gather(ranges: ByteRanges): Buffer {
    const handle = this.#open();
    return native.gather(handle, ranges instanceof Float64Array ? ranges : this.#flatten(ranges));
  }

  /**
   * [start, end) copied into a new Buffer of its own (not a view), validated as range(). For readers that touch
   * the bytes in JS (base64, decoding): the copy is made in C++ under a SIGBUS guard, so a file truncated under
   * the mapping meanwhile gives MmapError IO_ERROR, where reading a view's lost pages kills the process.
   */
  copy(start: number, end: number): Buffer {
    const handle = this.#open();
    if (!isRange(start, end, this.size)) throw invalidRange(this.path, this.size, start, end);
    return native.copy(handle, start, end);
  }

  /**
   * madvise the whole mapping again: the access pattern (sequential, random, or normal when neither), hugepages,
   * willNeed, and populate (fault every page in). Blocks while it works: prefer adviseAsync for populate.
   */
  advise(config?: MmapConfigLike): void {
    native.advise(this.#open(), adviceFlags(config));
  }

  /** advise() on a libuv worker; the mapping stays alive while it runs, even if the file is closed meanwhile. */
  async adviseAsync(config?: MmapConfigLike): Promise<void> {
    const flags = adviceFlags(config);
    const handle = this.#open();
    const site = new Error();
    try {
      await native.adviseAsync(handle, flags);
    } catch (error) {
      throw withCallSite(error, site);
    }
  }

  /** Drops this file's reference to the mapping. Idempotent. Views already made stay valid until collected. */
  close(): void {
    const handle = this.#handle;
    if (handle === null) return;
    this.#handle = null;
    this.#whole = undefined;
    this.#windows = undefined;
    native.close(handle);
  }

  #open(): FileHandle {
    if (this.#handle === null) throw closedError(this.path);
    return this.#handle;
  }

  #makeWhole(): Buffer {
    const handle = this.#open();
    if (this.size > MAX_VIEW) {
      throw new MmapError('INVALID_RANGE', `'${this.path}' has ${this.size} bytes, more than one Buffer can hold (${MAX_VIEW}): read it by range()`, { path: this.path });
    }
    this.#whole = this.size === 0 ? Buffer.alloc(0) : native.view(handle, 0, this.size);
    return this.#whole;
  }

  #rangeSlow(start: number, end: number): Buffer {
    const handle = this.#open();
    if (!isRange(start, end, this.size)) throw invalidRange(this.path, this.size, start, end);
    if (this.size <= MAX_VIEW) return this.bytes().subarray(start, end);
    const length = end - start;
    if (length === 0) return Buffer.alloc(0);
    if (length > WINDOW_STEP) {
      if (length > MAX_VIEW) throw new MmapError('INVALID_RANGE', `range [${start}, ${end}) is longer than one Buffer can hold (${MAX_VIEW})`, { path: this.path });
      return native.view(handle, start, length);
    }
    const index = Math.floor(start / WINDOW_STEP);
    const offset = index * WINDOW_STEP;
    this.#windows ??= new Map();
    let window = this.#windows.get(index);
    if (window === undefined) {
      window = native.view(handle, offset, Math.min(WINDOW_LENGTH, this.size - offset));
      this.#windows.set(index, window);
    }
    return window.subarray(start - offset, end - offset);
  }

  /** Pairs -> flat numbers; INVALID_RANGE for anything that is not a pair of numbers. */
  #flatten(ranges: ByteRanges): Float64Array {
    if (ranges instanceof Float64Array) {
      if (ranges.length % 2 !== 0) throw new MmapError('INVALID_RANGE', `ranges must be [start, end) pairs: got ${ranges.length} numbers`, { path: this.path });
      return ranges;
    }
    if (!Array.isArray(ranges)) throw new TypeError('ranges must be an array of [start, end] pairs or a Float64Array');
    const flat = new Float64Array(ranges.length * 2);
    for (let i = 0; i < ranges.length; i++) {
      const pair: unknown = ranges[i];
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'number' || typeof pair[1] !== 'number') {
        throw new MmapError('INVALID_RANGE', `range ${i} is not a [start, end] pair of numbers`, { path: this.path });
      }
      flat[2 * i] = pair[0];
      flat[2 * i + 1] = pair[1];
    }
    return flat;
  }
}
