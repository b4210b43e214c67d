// The bytes of the store: objects/<cid> (read-only, replaced only by rename), meta/<cid>.json, tmp/ for ingest.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
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

  /** Removes what an interrupted ingest left: temp files, and meta files whose object never arrived. */
  cleanLeftovers(): { temp: number; meta: number } {
    let temp = 0;
    let meta = 0;
    for (const name of readdirSync(this.tmpDir)) {
      rmSync(join(this.tmpDir, name), { force: true, recursive: true });
      temp++;
    }
    for (const name of readdirSync(this.metaDir)) {
      const cid = name.endsWith('.json') ? normaliseCid(name.slice(0, -5)) : null;
      if (!cid || !existsSync(join(this.objectsDir, cid))) {
        rmSync(join(this.metaDir, name), { force: true });
        meta++;
      }
    }
    return { temp, meta };
  }

  /**
   * Streams `source` into a temp file inside the store, hashing as it goes, then fsyncs it.
   * Memory stays constant whatever the size. The temp file is removed on any failure.
   */
  async writeTemp(source: ByteSource, maxBytes = Number.MAX_SAFE_INTEGER): Promise<TempObject> {
    const path = join(this.tmpDir, `${randomBytes(12).toString('hex')}${TEMP_SUFFIX}`);
    const hasher = createCidHasher();
    let size = 0;
    const handle = await open(path, 'wx', 0o600);
    try {
      for await (const chunk of chunksOf(source)) {
        size += chunk.byteLength;
        if (size > maxBytes) throw new StoreError('TOO_LARGE', `file is larger than the limit of ${maxBytes} bytes`);
        hasher.update(chunk);
        let written = 0;
        while (written < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, written, chunk.byteLength - written);
          written += bytesWritten;
        }
      }
      await handle.sync();
    } catch (error) {
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

  readMeta(cid: string): ObjectMeta | null {
    try {
      return JSON.parse(readFileSync(join(this.metaDir, `${assertCid(cid)}.json`), 'utf8')) as ObjectMeta;
    } catch {
      return null;
    }
  }

  private writeMeta(cid: string, meta: ObjectMeta): void {
    const tmp = join(this.tmpDir, `${cid}.json${TEMP_SUFFIX}`);
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

  /** Unlinks the object and its meta. Mapped views of it stay valid: the kernel keeps the inode alive. */
  remove(cid: string): boolean {
    const target = this.objectPath(cid);
    if (!existsSync(target)) return false;
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
