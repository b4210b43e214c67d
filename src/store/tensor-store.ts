// The content-addressed tensor store: objects on disk plus an index that can always be rebuilt from them.
import { createReadStream, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { assertCid, createCidHasher } from './cid.ts';
import { StoreError } from './errors.ts';
import { ObjectStore, translateIoError, type ByteSource, type ObjectMeta } from './object-store.ts';
import { readParsedFile, type RawDeclaration } from './read-header.ts';
import { recordsOf, singleTensorName } from './records.ts';
import { TensorIndex } from './tensor-index.ts';
import type { FileRecord, Page, TensorFilter, TensorRecord } from './types.ts';
import { TensorFormatError } from '../tensor/errors.ts';
import type { DType } from '../tensor/dtype.ts';

export interface AddOptions {
  /** Raw bytes need both; they are ignored for self-describing formats. */
  dtype?: DType;
  shape?: number[];
  /** The source file name; names the tensor of a single-tensor file. */
  name?: string;
  maxBytes?: number;
}

export interface VerifyResult {
  cid: string;
  ok: boolean;
  reason?: string;
}

export interface OpenReport {
  rebuilt: boolean;
  tempFilesRemoved: number;
  indexedFromObjects: number;
  droppedRows: number;
}

export class TensorStore {
  readonly objects: ObjectStore;
  private index: TensorIndex;
  readonly openReport: OpenReport;

  private constructor(readonly root: string) {
    this.objects = new ObjectStore(root);
    const { temp } = this.objects.cleanLeftovers();
    const indexPath = join(root, 'index.sqlite');
    const rebuilt = !existsSync(indexPath);
    this.index = openIndex(indexPath);
    const { added, dropped } = this.reconcile();
    this.openReport = { rebuilt, tempFilesRemoved: temp, indexedFromObjects: added, droppedRows: dropped };
  }

  static open(root: string): TensorStore {
    return new TensorStore(root);
  }

  objectPath(cid: string): string {
    return this.objects.objectPath(cid);
  }

  /**
   * Adds bytes atomically: temp file + hash, header validation, fsync, rename, folder fsync, then one index
   * transaction. Any failure leaves neither an object nor a row. Adding the same bytes again is a no-op.
   */
  async add(source: ByteSource, options: AddOptions = {}): Promise<{ file: FileRecord; created: boolean }> {
    const raw = rawDeclaration(options);
    const sourceName = options.name ?? (typeof source === 'string' ? source.split(/[\\/]/).pop()! : null);
    const temp = await this.objects.writeTemp(source, options.maxBytes);
    let parsed;
    try {
      parsed = readParsedFile(temp.path, temp.size, { raw, name: singleTensorName(sourceName) });
    } catch (error) {
      this.objects.discard(temp);
      throw asFormatError(error, sourceName);
    }
    const existing = this.index.getFile(temp.cid);
    if (existing && this.objects.has(temp.cid)) {
      this.objects.discard(temp);
      return { file: existing, created: false };
    }
    const meta: ObjectMeta = { sourceName, addedAt: Date.now(), ...(raw ? { raw: { ...raw, name: parsed.tensors[0]!.name } } : {}) };
    const created = this.objects.commit(temp, meta);
    const records = recordsOf(temp.cid, temp.size, parsed, this.objects.readMeta(temp.cid) ?? meta);
    try {
      this.index.insert(records.file, records.tensors);
    } catch (error) {
      // The index is on the same disk: when it is full the insert fails after the rename. Take back the object this
      // call committed, so a failed add leaves nothing behind and says why (SQLITE_FULL -> NO_SPACE).
      if (created) {
        try {
          this.objects.remove(temp.cid);
        } catch {
          // Left for the next open to index; the error below is still the one to report.
        }
      }
      throw translateIoError(error);
    }
    return { file: this.index.getFile(temp.cid) ?? records.file, created };
  }

  getFile(cid: string): FileRecord | null {
    return this.index.getFile(assertCid(cid));
  }

  /** TensorIndex.changes: goes up when the index may have changed (memos of records compare it). */
  get indexChanges(): number {
    return this.index.changes;
  }

  listFiles(options: { first: number; after?: string | null }): Page<FileRecord> {
    return this.index.listFiles(options.first, options.after);
  }

  /** `name` may be left out for a file holding exactly one tensor. */
  getTensor(cid: string, name?: string | null): TensorRecord | null {
    const key = assertCid(cid);
    if (name !== undefined && name !== null) return this.index.getTensor(key, name);
    const tensors = this.index.tensorsOf(key);
    if (tensors.length === 1) return tensors[0]!;
    if (tensors.length > 1) throw new StoreError('INVALID_ARGUMENT', `file ${key} holds ${tensors.length} tensors: give a tensor name`);
    return null;
  }

  listTensors(options: { first: number; after?: string | null; filter?: TensorFilter }): Page<TensorRecord> {
    return this.index.listTensors(options.first, options.after, options.filter);
  }

  tensorsOf(cid: string): TensorRecord[] {
    return this.index.tensorsOf(assertCid(cid));
  }

  /** Unlinks bytes first, then rows: a crash in between leaves rows the next open drops, never bytes without rows. */
  remove(cid: string): boolean {
    const key = assertCid(cid);
    const hadObject = this.objects.remove(key);
    const hadRow = this.index.delete(key);
    return hadObject || hadRow;
  }

  /** Re-hashes every object, and checks each against its index row. */
  async verify(): Promise<VerifyResult[]> {
    const results: VerifyResult[] = [];
    for (const cid of this.objects.listCids().sort()) {
      results.push(await this.verifyOne(cid));
    }
    for (const cid of this.index.allCids()) {
      if (!this.objects.has(cid)) results.push({ cid, ok: false, reason: 'indexed but its object is missing' });
    }
    return results;
  }

  private async verifyOne(cid: string): Promise<VerifyResult> {
    const path = this.objects.objectPath(cid);
    const hasher = createCidHasher();
    let size = 0;
    try {
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
        hasher.update(chunk as Buffer);
        size += (chunk as Buffer).byteLength;
      }
    } catch (error) {
      return { cid, ok: false, reason: `unreadable: ${(translateIoError(error) as Error).message}` };
    }
    const actual = hasher.digest();
    if (actual !== cid) return { cid, ok: false, reason: `content hash is ${actual}: the bytes changed` };
    const row = this.index.getFile(cid);
    if (!row) return { cid, ok: false, reason: 'not in the index' };
    if (row.size !== size) return { cid, ok: false, reason: `index says ${row.size} bytes, object has ${size}` };
    return { cid, ok: true };
  }

  /** Makes index and objects agree: rows without bytes go, objects without rows are indexed from their headers. */
  private reconcile(): { added: number; dropped: number } {
    const onDisk = new Set(this.objects.listCids());
    let dropped = 0;
    for (const cid of this.index.allCids()) {
      if (!onDisk.has(cid)) dropped += this.index.delete(cid) ? 1 : 0;
    }
    const missing = [...onDisk].filter((cid) => !this.index.getFile(cid));
    const entries = [];
    for (const cid of missing) {
      const entry = this.indexEntryFromObject(cid);
      if (entry) entries.push(entry);
    }
    const added = this.index.insertMany(entries);
    return { added, dropped };
  }

  private indexEntryFromObject(cid: string) {
    const size = this.objects.size(cid);
    if (size === null) return null;
    const meta = this.objects.readMeta(cid) ?? { sourceName: null, addedAt: Date.now() };
    try {
      const parsed = readParsedFile(this.objects.objectPath(cid), size, {
        raw: meta.raw ? { dtype: meta.raw.dtype, shape: meta.raw.shape } : undefined,
        name: meta.raw?.name ?? singleTensorName(meta.sourceName),
      });
      return recordsOf(cid, size, parsed, meta);
    } catch {
      // An object whose header no longer parses is left unindexed; `ipfrs verify` reports it.
      return null;
    }
  }

  close(): void {
    this.index.close();
  }
}

function openIndex(path: string): TensorIndex {
  try {
    return new TensorIndex(path);
  } catch {
    // A corrupt index is set aside (not deleted: an operator may want it) and rebuilt from the objects.
    renameSync(path, `${path}.corrupt-${Date.now()}`);
    return new TensorIndex(path);
  }
}

function rawDeclaration(options: AddOptions): RawDeclaration | undefined {
  if (options.dtype === undefined && options.shape === undefined) return undefined;
  if (options.dtype === undefined || options.shape === undefined) {
    throw new StoreError('INVALID_ARGUMENT', 'raw bytes need both a dtype and a shape');
  }
  return { dtype: options.dtype, shape: options.shape };
}

function asFormatError(error: unknown, sourceName: string | null): unknown {
  if (!(error instanceof TensorFormatError)) return translateIoError(error);
  const hint = error.code === 'UNKNOWN_FORMAT' ? ' (for raw bytes give a dtype and a shape)' : '';
  return new StoreError('INVALID_FORMAT', `${sourceName ?? 'upload'}: ${error.message}${hint}`, { cause: error });
}
