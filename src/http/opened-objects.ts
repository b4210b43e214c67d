// The objects the download route has mapped and checked in full (TensorReader.open: index lookup, size on disk
// against the index, the cache), kept for up to a second so that later requests only check that nothing happened
// to the file since.
//
// That check is an fstat of a descriptor held for the purpose, not a stat by path: in place (a 4 KiB range request
// costs ~60-75 us of CPU on these VMs) the path walk made a stat cost ~20 us, the fstat ~1 us. Being a system call
// made by the request itself, it sees every change that completed before the request, as the stat did:
// - the object truncated or grown in place (what would make a read past its new end fault): the size;
// - removed, or replaced by a rename over its path: the file loses its only link (nlink 0);
// - moved away by a rename, written, chmod'ed: its ctime changes (these leave the mapped bytes intact; with coarse
//   timestamps, a change in the same clock tick as the full check can go unseen until the next one, <= 1 s).
// An object with hard links (nlink != 1) can be replaced without its nlink reaching 0: it is checked by path, as
// are objects past the descriptor budget. (An inotify watch cannot replace the check: its events are handled
// asynchronously, and epoll may hand over a keep-alive socket's next request before an inotify event that became
// ready earlier.) Descriptors idle past the recheck time are closed by a sweep, so a removed object's space is
// freed even if nobody asks for it again.
import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import type { MmapFile } from '../mmap/index.ts';

export interface OpenedObjectsOptions {
  /** The full check, which maps the object (TensorReader.open). */
  open(cid: string): MmapFile;
  /** Whether the cache still holds this file (counted as a hit there, so it stays recent). */
  cached(file: MmapFile): boolean;
  /** Objects kept (default 4096, oldest out first) and, of those, how many hold a descriptor (default 256). */
  entries?: number;
  descriptors?: number;
  /** How long an entry is trusted before the full check runs again (default 1000 ms). */
  recheckMs?: number;
}

interface Entry {
  file: MmapFile;
  checkedAt: number;
  /** A descriptor of the object's file with its size and ctime at the check; null: check by path. */
  fd: number | null;
  ctimeMs: number;
}

export class OpenedObjects {
  readonly #entries = new Map<string, Entry>();
  readonly #options: OpenedObjectsOptions;
  readonly #capacity: number;
  readonly #budget: number;
  readonly #recheckMs: number;
  #descriptors = 0;
  #sweeper: NodeJS.Timeout | null = null;

  constructor(options: OpenedObjectsOptions) {
    this.#options = options;
    this.#capacity = options.entries ?? 4096;
    this.#budget = options.descriptors ?? 256;
    this.#recheckMs = options.recheckMs ?? 1000;
  }

  /** The mapped object: from an entry checked in full less than recheckMs ago and unchanged since, or opened anew. */
  open(cid: string): MmapFile {
    const at = Date.now();
    const entry = this.#entries.get(cid);
    if (entry !== undefined) {
      if (at - entry.checkedAt < this.#recheckMs && !entry.file.closed && unchanged(entry) && this.#options.cached(entry.file)) return entry.file;
      this.#forget(cid, entry);
    }
    const file = this.#options.open(cid);
    if (this.#entries.size >= this.#capacity) {
      const [oldest, old] = this.#entries.entries().next().value as [string, Entry];
      this.#forget(oldest, old);
    }
    this.#entries.set(cid, this.#entryFor(file, at));
    return file;
  }

  /** Closes every descriptor (on server shutdown). */
  close(): void {
    for (const [cid, entry] of this.#entries) this.#forget(cid, entry);
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = null;
  }

  get descriptors(): number {
    return this.#descriptors;
  }

  #entryFor(file: MmapFile, at: number): Entry {
    const entry: Entry = { file, checkedAt: at, fd: null, ctimeMs: 0 };
    if (this.#descriptors >= this.#budget) return entry;
    let fd: number;
    try {
      fd = openSync(file.path, 'r');
    } catch {
      return entry; // e.g. out of descriptors: checked by path
    }
    const now = fstatSync(fd);
    // Replaced meanwhile (another size), or hard-linked: leave it to the check by path.
    if (now.nlink !== 1 || now.size !== file.size) {
      closeSync(fd);
      return entry;
    }
    entry.fd = fd;
    entry.ctimeMs = now.ctimeMs;
    this.#descriptors++;
    this.#sweeper ??= setInterval(() => this.#sweep(), 5 * this.#recheckMs).unref();
    return entry;
  }

  #forget(cid: string, entry: Entry): void {
    this.#entries.delete(cid);
    if (entry.fd !== null) {
      closeSync(entry.fd);
      entry.fd = null;
      this.#descriptors--;
    }
  }

  #sweep(): void {
    const stale = Date.now() - this.#recheckMs;
    for (const [cid, entry] of this.#entries) if (entry.checkedAt < stale) this.#forget(cid, entry);
    if (this.#descriptors === 0 && this.#sweeper) {
      clearInterval(this.#sweeper);
      this.#sweeper = null;
    }
  }
}

function unchanged(entry: Entry): boolean {
  if (entry.fd === null) return statSync(entry.file.path, { throwIfNoEntry: false })?.size === entry.file.size;
  const now = fstatSync(entry.fd);
  return now.size === entry.file.size && now.nlink === 1 && now.ctimeMs === entry.ctimeMs;
}
