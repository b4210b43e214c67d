// MmapCache: an LRU of mapped files, bounded by entry count and by mapped bytes.
//
// The LRU lives in JS: a hit is one Map lookup plus relinking a doubly linked recency list (~0.1 us), where a
// native call per hit would cost more than that for the call and the path's conversion alone. (Reordering the Map
// itself, delete + set, measured 0.25 us a hit when hits alternate between files.)
//
// Counting (exact, pinned by tests/mmap/mmap-cache.test.ts):
// - every getOrCreate / getOrCreateAsync counts once: a hit when a mapped file answers it, else a miss, which opens
//   the file (a failed open is still a miss); an async call that joins an open already in flight for its path
//   counts when that open settles, as a hit if it succeeded and a miss if it failed;
// - get() counts a hit when it finds the file and nothing when it does not (it maps nothing); has() counts nothing
//   and leaves the recency order alone;
// - `evictions` counts files dropped to respect maxEntries / maxBytes only. evict() and clear() are not counted (as
//   Guava's evictionCount leaves out explicit invalidation): the figure measures pressure on the cache.
// A file larger than maxBytes is mapped and returned but not kept (like lru-cache's oversized entries): each call
// for it is a miss, and its mapping goes when the caller's file and views are collected.
//
// Files leaving the cache (eviction, evict(), clear()) are closed: views already handed out stay valid, but the
// MmapFile itself throws CLOSED afterwards, so hold views, not files, across awaits. Do not close a file the cache
// gave you: evict it. A hit ignores `config`: a file keeps the advice it was mapped with (advise() changes it).
import type { MmapConfigLike } from './config.ts';
import { MmapFile } from './mmap-file.ts';

export interface MmapCacheOptions {
  /** At most this many files mapped (an integer >= 1). */
  maxEntries: number;
  /** At most this many bytes mapped; unbounded (Number.MAX_SAFE_INTEGER) when left out or Infinity. */
  maxBytes?: number;
}

export interface MmapCacheStats {
  entries: number;
  mappedBytes: number;
  hits: number;
  misses: number;
  evictions: number;
  maxEntries: number;
  /** Number.MAX_SAFE_INTEGER when unbounded: always a safe integer. */
  maxBytes: number;
}

export interface MmapCacheEntryInfo {
  path: string;
  size: number;
  /** Hits since the file was mapped. */
  hits: number;
  /** Unix milliseconds of the last hit or of the mapping. */
  lastAccessMs: number;
}

interface Entry {
  readonly path: string;
  readonly file: MmapFile;
  hits: number;
  lastAccessMs: number;
  /** The recency list: toward the most recently used (null at the head) and the least (null at the tail). */
  newer: Entry | null;
  older: Entry | null;
}

interface Pending {
  readonly promise: Promise<MmapFile>;
  /** Calls that joined this open: counted when it settles, as hits (and the entry's) or, if it failed, misses. */
  joiners: number;
}

export class MmapCache {
  readonly maxEntries: number;
  readonly maxBytes: number;
  readonly #entries = new Map<string, Entry>();
  /** Most and least recently used. */
  #newest: Entry | null = null;
  #oldest: Entry | null = null;
  readonly #pending = new Map<string, Pending>();
  #mappedBytes = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;

  constructor(options: MmapCacheOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('MmapCache needs { maxEntries, maxBytes? }');
    const { maxEntries, maxBytes } = options;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be an integer >= 1, not ${String(maxEntries)}`);
    if (maxBytes !== undefined && maxBytes !== Infinity && !(Number.isSafeInteger(maxBytes) && maxBytes >= 1)) {
      throw new RangeError(`maxBytes must be an integer >= 1 (or Infinity), not ${String(maxBytes)}`);
    }
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes === undefined || maxBytes === Infinity ? Number.MAX_SAFE_INTEGER : maxBytes;
  }

  /** The mapped file, mapping it (on this thread) on a miss. Throws the open's MmapError. */
  getOrCreate(path: string, config?: MmapConfigLike): MmapFile {
    const entry = this.#entries.get(path);
    if (entry !== undefined && !entry.file.closed) return this.#hit(entry);
    if (typeof path !== 'string') throw new TypeError('the path must be a string');
    this.#forgetClosed(path);
    this.#misses++;
    return this.#admit(new MmapFile(path, config), 0);
  }

  /** getOrCreate with the open, map, populate and advice on a libuv worker. Concurrent calls share one open. */
  getOrCreateAsync(path: string, config?: MmapConfigLike): Promise<MmapFile> {
    const entry = this.#entries.get(path);
    if (entry !== undefined && !entry.file.closed) return Promise.resolve(this.#hit(entry));
    const pending = this.#pending.get(path);
    if (pending !== undefined) {
      pending.joiners++;
      return pending.promise;
    }
    if (typeof path !== 'string') return Promise.reject(new TypeError('the path must be a string'));
    this.#forgetClosed(path);
    this.#misses++;
    const started: Pending = { promise: this.#openAsync(path, config), joiners: 0 };
    this.#pending.set(path, started);
    return started.promise;
  }

  /** The file if it is mapped (a hit, made most recent); undefined otherwise, counting nothing. */
  get(path: string): MmapFile | undefined {
    const entry = this.#entries.get(path);
    if (entry === undefined || entry.file.closed) return undefined;
    return this.#hit(entry);
  }

  /** Whether the file is mapped. Counts nothing and keeps the recency order. */
  has(path: string): boolean {
    const entry = this.#entries.get(path);
    return entry !== undefined && !entry.file.closed;
  }

  /** Unmaps one file (views already made stay valid). False if it was not mapped. Not counted in evictions. */
  evict(path: string): boolean {
    const entry = this.#entries.get(path);
    if (entry === undefined) return false;
    const wasOpen = !entry.file.closed;
    this.#remove(entry);
    return wasOpen;
  }

  /** Unmaps every file (views already made stay valid). Counters are kept; not counted in evictions. */
  clear(): void {
    for (const entry of [...this.#entries.values()]) this.#remove(entry);
  }

  get len(): number {
    return this.#entries.size;
  }

  get isEmpty(): boolean {
    return this.#entries.size === 0;
  }

  stats(): MmapCacheStats {
    return {
      entries: this.#entries.size,
      mappedBytes: this.#mappedBytes,
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
      maxEntries: this.maxEntries,
      maxBytes: this.maxBytes,
    };
  }

  /** The mapped files, most recently used first. */
  files(): MmapCacheEntryInfo[] {
    const out: MmapCacheEntryInfo[] = [];
    for (let entry = this.#newest; entry !== null; entry = entry.older) {
      out.push({ path: entry.path, size: entry.file.size, hits: entry.hits, lastAccessMs: entry.lastAccessMs });
    }
    return out;
  }

  #hit(entry: Entry): MmapFile {
    this.#hits++;
    entry.hits++;
    entry.lastAccessMs = Date.now();
    if (entry !== this.#newest) {
      this.#unlink(entry);
      this.#linkNewest(entry);
    }
    return entry.file;
  }

  async #openAsync(path: string, config: MmapConfigLike | undefined): Promise<MmapFile> {
    let file: MmapFile;
    try {
      file = await MmapFile.openAsync(path, config);
    } catch (error) {
      this.#misses += this.#settle(path); // the joiners found nothing either
      throw error;
    }
    const joiners = this.#settle(path);
    this.#hits += joiners;
    // A synchronous getOrCreate may have mapped the path meanwhile: keep that one, drop this.
    const present = this.#entries.get(path);
    if (present !== undefined && !present.file.closed) {
      file.close();
      present.hits += joiners;
      return present.file;
    }
    this.#forgetClosed(path);
    return this.#admit(file, joiners);
  }

  /** Ends an open in flight; its joiners' count. */
  #settle(path: string): number {
    const joiners = this.#pending.get(path)?.joiners ?? 0;
    this.#pending.delete(path);
    return joiners;
  }

  /** Makes the file the newest entry, then evicts the least recently used until both bounds hold. */
  #admit(file: MmapFile, hits: number): MmapFile {
    if (file.size > this.maxBytes) return file; // too big to keep; see the header
    const entry: Entry = { path: file.path, file, hits, lastAccessMs: Date.now(), newer: null, older: null };
    this.#entries.set(entry.path, entry);
    this.#linkNewest(entry);
    this.#mappedBytes += file.size;
    // The new entry fits both bounds on its own, so the loop stops before reaching it.
    while (this.#entries.size > this.maxEntries || this.#mappedBytes > this.maxBytes) {
      this.#remove(this.#oldest!);
      this.#evictions++;
    }
    return file;
  }

  #remove(entry: Entry): void {
    this.#entries.delete(entry.path);
    this.#unlink(entry);
    this.#mappedBytes -= entry.file.size;
    entry.file.close();
  }

  #linkNewest(entry: Entry): void {
    entry.newer = null;
    entry.older = this.#newest;
    if (this.#newest !== null) this.#newest.newer = entry;
    this.#newest = entry;
    if (this.#oldest === null) this.#oldest = entry;
  }

  #unlink(entry: Entry): void {
    if (entry.newer !== null) entry.newer.older = entry.older;
    else this.#newest = entry.older;
    if (entry.older !== null) entry.older.newer = entry.newer;
    else this.#oldest = entry.newer;
    entry.newer = null;
    entry.older = null;
  }

  /** Drops an entry whose file its holder closed (against the advice above), so the path can be mapped again. */
  #forgetClosed(path: string): void {
    const entry = this.#entries.get(path);
    if (entry !== undefined) this.#remove(entry);
  }
}
