// The bytes of the store: objects/<cid> (read-only, replaced only by rename), meta/<cid>.json, tmp/ for ingest.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { assertCid, createCidHasher, normaliseCid } from './cid.ts';
import { StoreError } from './errors.ts';
import { fsyncDir } from './fs-durable.ts';
import type { DType } from '../tensor/dtype.ts';

/** What the bytes alone cannot tell: kept beside each object so a lost index can be rebuilt exactly. */
export interface ObjectMeta {
  sourceName: string | null;
  addedAt: number;
  raw?: { dtype: DType; shape: number[]; name: string };
}

export interface TempObject {
  path: string;
  cid: string;
  size: number;
}

export type ByteSource = string | AsyncIterable<Uint8Array>;

const TEMP_SUFFIX = '.part';
/**
 * Write-behind: after this many bytes, an fdatasync of what is written so far starts in the background while later
 * bytes still arrive, so the disk flushes during the transfer and the fsync before the rename finds little left.
 * 2 MiB: three alternations of 4 peer fetches of 256 MiB each took 0.60-0.68 s (medians) with it, 0.63-0.71 s with
 * 4 MiB and 0.65-0.73 s with 8 MiB (one flush at a time, so a smaller one keeps the disk busy sooner; a larger one
 * leaves it idle longer; 16 MiB was slower still).
 */
const FLUSH_BEHIND_BYTES = 2 << 20;
const TOMBSTONE_SUFFIX = '.removed';
/** A temp file whose owner is alive is left alone unless nothing wrote it for this long (its pid was reused). */
const OWNED_TEMP_AGE_MS = 24 * 3600_000;
/** Leftovers that name no owner (written by older versions, orphan meta files) go once this old. */
const UNOWNED_TEMP_AGE_MS = 10 * 60_000;

/** `<pid>.<name>.part`: the ingest that writes a temp file is named in it, so an open elsewhere can tell it is live. */
function ownedTempName(name: string): string {
  return `${process.pid}.${name}${TEMP_SUFFIX}`;
}

/** Whether a temp file, by its name and age, belongs to no live ingest. */
export function tempIsAbandoned(name: string, ageMs: number): boolean {
  const owner = /^(\d+)\./.exec(name);
  if (!owner) return ageMs >= UNOWNED_TEMP_AGE_MS;
  return !processIsAlive(Number(owner[1])) || ageMs >= OWNED_TEMP_AGE_MS;
}

function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Milliseconds since the file was last written; Infinity when it is already gone. */
function ageOf(path: string, now: number): number {
  try {
    return now - statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
}

export class ObjectStore {
  readonly objectsDir: string;
  readonly metaDir: string;
  readonly tmpDir: string;

  constructor(readonly root: string) {
    this.objectsDir = join(root, 'objects');
    this.metaDir = join(root, 'meta');
    this.tmpDir = join(root, 'tmp');
    for (const dir of [root, this.objectsDir, this.metaDir, this.tmpDir]) mkdirSync(dir, { recursive: true });
  }

  objectPath(cid: string): string {
    return join(this.objectsDir, assertCid(cid));
  }

  has(cid: string): boolean {
    return existsSync(this.objectPath(cid));
  }

  size(cid: string): number | null {
    try {
      return statSync(this.objectPath(cid)).size;
    } catch {
      return null;
    }
  }

  /** Every stored CID; stray names (not CIDs) are ignored, never served. */
  listCids(): string[] {
    return readdirSync(this.objectsDir).filter((name) => normaliseCid(name) === name);
  }

  /**
   * Removes what an interrupted ingest left: temp files, and meta files whose object never arrived. Another
   * process (or another store in this one) may be ingesting into the same store right now, so a temp file goes
   * only when it is provably abandoned: its owner process (named in the file) is gone, or nothing has written it
   * for a day (a reused pid). Names without an owner (older versions) and orphan meta files go after ten
   * minutes untouched: a live ingest writes its temp file continuously and its meta file a moment before the rename.
   */
  cleanLeftovers(now = Date.now()): { temp: number; meta: number } {
    let temp = 0;
    let meta = 0;
    for (const name of readdirSync(this.tmpDir)) {
      const path = join(this.tmpDir, name);
      if (!tempIsAbandoned(name, ageOf(path, now))) continue;
      rmSync(path, { force: true, recursive: true });
      temp++;
    }
    for (const name of readdirSync(this.metaDir)) {
      if (name.endsWith(TOMBSTONE_SUFFIX)) continue;
      const cid = name.endsWith('.json') ? normaliseCid(name.slice(0, -5)) : null;
      if (cid && existsSync(join(this.objectsDir, cid))) continue;
      if (ageOf(join(this.metaDir, name), now) < UNOWNED_TEMP_AGE_MS) continue;
      rmSync(join(this.metaDir, name), { force: true });
      meta++;
    }
    return { temp, meta };
  }

  /**
   * Streams `source` into a temp file inside the store, hashing as it goes, then fsyncs it.
   * Memory stays constant whatever the size. The temp file is removed on any failure. `onChunk` sees every chunk in
   * the same pass (the UnixFS DAG is built from it); it must copy what it keeps, as the chunk's buffer is reused.
   */
  async writeTemp(source: ByteSource, maxBytes = Number.MAX_SAFE_INTEGER, onChunk?: (chunk: Uint8Array) => Promise<void>): Promise<TempObject> {
    const path = join(this.tmpDir, ownedTempName(randomBytes(12).toString('hex')));
    const hasher = createCidHasher();
    let size = 0;
    const handle = await open(path, 'wx', 0o600);
    // One background flush at a time; its failure fails the ingest (at the next chunk or at the end).
    const flush: { running: Promise<void> | null; failure: { error: unknown } | null } = { running: null, failure: null };
    let unflushed = 0;
    try {
      for await (const chunk of chunksOf(source)) {
        if (flush.failure) throw flush.failure.error;
        size += chunk.byteLength;
        if (size > maxBytes) throw new StoreError('TOO_LARGE', `file is larger than the limit of ${maxBytes} bytes`);
        // The write (on libuv's pool) and the hash (here) both only read the chunk, so they run at the same time:
        // per chunk the slower of the two, not their sum.
        const writing = writeFully(handle, chunk);
        try {
          hasher.update(chunk);
          if (onChunk) await onChunk(chunk);
        } finally {
          await writing.catch(() => {}); // the chunk stays ours until its write is done, even when we fail
        }
        await writing;
        unflushed += chunk.byteLength;
        if (unflushed >= FLUSH_BEHIND_BYTES && !flush.running) {
          unflushed = 0;
          flush.running = handle.datasync().then(
            () => void (flush.running = null),
            (error: unknown) => void ((flush.failure ??= { error }), (flush.running = null)),
          );
        }
      }
      await flush.running;
      if (flush.failure) throw flush.failure.error;
      // Still the fsync of the whole file before the rename: the flushes above only make it shorter.
      await handle.sync();
    } catch (error) {
      await flush.running;
      await handle.close().catch(() => {});
      rmSync(path, { force: true });
      throw translateIoError(error);
    }
    await handle.close();
    return { path, cid: hasher.digest(), size };
  }

  /**
   * Moves a verified temp file to objects/<cid>: read-only, renamed, folder fsynced.
   * Returns false when the object was already there (same bytes, by construction of the CID).
   */
  commit(temp: TempObject, meta: ObjectMeta): boolean {
    const target = join(this.objectsDir, temp.cid);
    try {
      if (existsSync(target)) {
        rmSync(temp.path, { force: true });
        return false;
      }
      // Meta first: an object without meta could not be re-indexed if it is raw; meta without object is cleaned.
      this.writeMeta(temp.cid, meta);
      chmodSync(temp.path, 0o444);
      renameSync(temp.path, target);
      fsyncDir(this.objectsDir);
      return true;
    } catch (error) {
      rmSync(temp.path, { force: true });
      throw translateIoError(error);
    }
  }

  discard(temp: TempObject): void {
    rmSync(temp.path, { force: true });
  }

  forgetRemoval(cid: string): void {
    rmSync(this.tombstonePath(cid), { force: true });
  }

  /** CIDs whose removal started and may not have finished (a crash between the object and the index row). */
  pendingRemovals(): string[] {
    return readdirSync(this.metaDir)
      .filter((name) => name.endsWith(TOMBSTONE_SUFFIX))
      .map((name) => normaliseCid(name.slice(0, -TOMBSTONE_SUFFIX.length)))
      .filter((cid): cid is string => cid !== null);
  }

  private tombstonePath(cid: string): string {
    return join(this.metaDir, `${assertCid(cid)}${TOMBSTONE_SUFFIX}`);
  }

  readMeta(cid: string): ObjectMeta | null {
    try {
      return JSON.parse(readFileSync(join(this.metaDir, `${assertCid(cid)}.json`), 'utf8')) as ObjectMeta;
    } catch {
      return null;
    }
  }

  private writeMeta(cid: string, meta: ObjectMeta): void {
    const tmp = join(this.tmpDir, ownedTempName(`${cid}.json`));
    try {
      writeFileSync(tmp, JSON.stringify(meta), { mode: 0o600, flush: true });
      renameSync(tmp, join(this.metaDir, `${cid}.json`));
    } catch (error) {
      // A full disk fails the write half-way: leave no temp file behind (not only at the next start).
      rmSync(tmp, { force: true });
      throw error;
    }
    fsyncDir(this.metaDir);
  }

  /**
   * Unlinks the object and its meta. Mapped views of it stay valid: the kernel keeps the inode alive. A tombstone
   * (meta/<cid>.removed) is left first, for the caller to forget once the index row is gone too: an object found
   * missing at the next open was removed on purpose only if its tombstone is there.
   */
  remove(cid: string): boolean {
    const target = this.objectPath(cid);
    if (!existsSync(target)) return false;
    try {
      writeFileSync(this.tombstonePath(cid), '', { mode: 0o600 });
      fsyncDir(this.metaDir);
    } catch {
      // A full disk must not stop a removal (it is how space is made): without the tombstone, a crash before the
      // row goes leaves a row the next open reports as missing, which `ipfrs rm` clears.
    }
    unlinkSync(target);
    rmSync(join(this.metaDir, `${cid}.json`), { force: true });
    fsyncDir(this.objectsDir);
    return true;
  }
}

async function* chunksOf(source: ByteSource): AsyncIterable<Uint8Array> {
  if (typeof source !== 'string') {
    yield* source;
    return;
  }
  const handle = await open(source, 'r').catch((error) => {
    throw translateIoError(error, source);
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new StoreError('INVALID_ARGUMENT', `${source}: not a regular file`);
    // One reused 1 MiB buffer: constant memory for any file size. Each chunk is consumed before the next read.
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

export function translateIoError(error: unknown, path?: string): unknown {
  if (error instanceof StoreError) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  const where = path ? `${path}: ` : '';
  if (code === 'ENOENT') return new StoreError('NOT_FOUND', `${where}no such file`, { cause: error });
  if (code === 'EISDIR') return new StoreError('INVALID_ARGUMENT', `${where}is a directory`, { cause: error });
  if (code === 'EACCES' || code === 'EPERM') return new StoreError('IO', `${where}permission denied`, { cause: error });
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return new StoreError('NO_SPACE', `${where}no space left on the store's disk; nothing was added`, { cause: error });
  if (code) return new StoreError('IO', `${where}${(error as Error).message}`, { cause: error });
  return error;
}

async function writeFully(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let written = 0;
  while (written < chunk.byteLength) {
    const { bytesWritten } = await handle.write(chunk, written, chunk.byteLength - written);
    written += bytesWritten;
  }
}
