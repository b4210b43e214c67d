// The objects the download route has mapped and checked in full (TensorReader.open: index lookup, size on disk
// against the index, the cache), kept for up to a second so that later requests only check that nothing happened
// to the file since.
//
// That check is an fstat of a descriptor held for the purpose, not a stat by path: in place the path walk made a
// stat cost ~20 us, the fstat ~1 us. Even so, under load an fstat costs ~8 us of CPU on these VMs, a third of what
// a 4 KiB range costs all told, so it runs at most once per statEveryMs (10 ms) per object: a request sees every
// change that completed more than 10 ms before it (requests a few at a time see all of them, since each finds the
// last fstat older than that). A change inside that window can still reach a socket write from the mapping, which
// then fails with EFAULT and cuts the connection: a short body, never a crash or a wrong byte past the new end.
// What the fstat sees:
// - the object truncated or grown in place (what would make a read past its new end fault): the size;
// - removed, or replaced by a rename over its path: the file loses its only link (nlink 0);
// - moved away by a rename, written, chmod'ed: its ctime changes (these leave the mapped bytes intact; with coarse
//   timestamps, a change in the same clock tick as the full check can go unseen until the next one, <= 1 s).
// An object with hard links (nlink != 1) can be replaced without its nlink reaching 0: it is checked by path (a stat:
// size, inode and ctime), as are objects past the descriptor budget. (An inotify watch cannot replace the check: its events are handled
// asynchronously, and epoll may hand over a keep-alive socket's next request before an inotify event that became
// ready earlier.) Descriptors idle past the recheck time are closed by a sweep, so a removed object's space is
// freed even if nobody asks for it again.
import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import type { MmapFile } from '../mmap/index.ts';

export const DEFAULT_STAT_EVERY_MS = 10;

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
  /** How long the fstat of an entry is trusted (default 10 ms; 0: one fstat per open). */
  statEveryMs?: number;
  /** The clock, in milliseconds, that never goes back (default performance.now): tests step it instead of sleeping. */
  now?: () => number;
  /** Runs `sweep` every `ms` until the returned stop function is called (default: an unref'd setInterval). */
  every?: (ms: number, sweep: () => void) => () => void;
}

const everyInterval = (ms: number, sweep: () => void): (() => void) => {
  const timer = setInterval(sweep, ms).unref();
  return () => clearInterval(timer);
};

interface Entry {
  file: MmapFile;
  checkedAt: number;
  /** When unchanged() last ran (options.now(), as checkedAt: a clock that never goes back). */
  statAt: number;
  /** A descriptor of the object's file with its size and ctime at the check; null: check by path. */
  fd: number | null;
  ctimeMs: number;
  /** The inode at the check (for an object checked by path: a rename over it changes it). */
  ino: number;
}

export class OpenedObjects {
  readonly #entries = new Map<string, Entry>();
  readonly #options: OpenedObjectsOptions;
  readonly #capacity: number;
  readonly #budget: number;
  readonly #recheckMs: number;
  readonly #statEveryMs: number;
  readonly #now: () => number;
  readonly #every: (ms: number, sweep: () => void) => () => void;
  #descriptors = 0;
  /** Stops the sweep; null while no descriptor is held. */
  #sweeper: (() => void) | null = null;

  constructor(options: OpenedObjectsOptions) {
    const positive = (name: string, value: number | undefined, min: number) => {
      if (value !== undefined && !(Number.isFinite(value) && value >= min)) throw new RangeError(`OpenedObjects: ${name} must be a number >= ${min}, not ${value}`);
    };
    positive('entries', options.entries, 1);
    positive('descriptors', options.descriptors, 0);
    positive('recheckMs', options.recheckMs, 1);
    positive('statEveryMs', options.statEveryMs, 0);
    this.#options = options;
    this.#capacity = options.entries ?? 4096;
    this.#budget = options.descriptors ?? 256;
    this.#recheckMs = options.recheckMs ?? 1000;
    this.#statEveryMs = options.statEveryMs ?? DEFAULT_STAT_EVERY_MS;
    this.#now = options.now ?? (() => performance.now());
    this.#every = options.every ?? everyInterval;
  }

  /** The mapped object: from an entry checked in full less than recheckMs ago and unchanged since, or opened anew. */
  open(cid: string): MmapFile {
    const at = this.#now();
    const entry = this.#entries.get(cid);
    if (entry !== undefined) {
      if (at - entry.checkedAt < this.#recheckMs && !entry.file.closed && this.#unchanged(entry, at) && this.#options.cached(entry.file)) return entry.file;
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
    this.#sweeper?.();
    this.#sweeper = null;
  }

  get descriptors(): number {
    return this.#descriptors;
  }

  #entryFor(file: MmapFile, at: number): Entry {
    const entry: Entry = { file, checkedAt: at, statAt: at, fd: null, ctimeMs: 0, ino: 0 };
    // Checked by path from here on, unless it gets a descriptor below: its inode and ctime, as they are now.
    const byPath = () => {
      const now = statSync(file.path, { throwIfNoEntry: false });
      entry.ino = now?.ino ?? -1;
      entry.ctimeMs = now?.ctimeMs ?? -1;
      return entry;
    };
    if (this.#descriptors >= this.#budget) return byPath();
    let fd: number;
    try {
      fd = openSync(file.path, 'r');
    } catch {
      return byPath(); // e.g. out of descriptors
    }
    const now = fstatSync(fd);
    // Replaced meanwhile (another size), or hard-linked: leave it to the check by path.
    if (now.nlink !== 1 || now.size !== file.size) {
      closeSync(fd);
      return byPath();
    }
    entry.fd = fd;
    entry.ctimeMs = now.ctimeMs;
    entry.ino = now.ino;
    this.#descriptors++;
    this.#sweeper ??= this.#every(5 * this.#recheckMs, () => this.#sweep());
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

  #unchanged(entry: Entry, at: number): boolean {
    if (at - entry.statAt < this.#statEveryMs) return true;
    entry.statAt = at;
    return unchanged(entry);
  }

  #sweep(): void {
    const stale = this.#now() - this.#recheckMs;
    for (const [cid, entry] of this.#entries) if (entry.checkedAt < stale) this.#forget(cid, entry);
    if (this.#descriptors === 0 && this.#sweeper) {
      this.#sweeper();
      this.#sweeper = null;
    }
  }
}

function unchanged(entry: Entry): boolean {
  if (entry.fd === null) {
    const now = statSync(entry.file.path, { throwIfNoEntry: false });
    return now !== undefined && now.size === entry.file.size && now.ino === entry.ino && now.ctimeMs === entry.ctimeMs;
  }
  const now = fstatSync(entry.fd);
  return now.size === entry.file.size && now.nlink === 1 && now.ctimeMs === entry.ctimeMs;
}
