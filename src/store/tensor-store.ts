// The content-addressed tensor store: objects on disk plus an index that can always be rebuilt from them.
import { accessSync, constants, createReadStream, existsSync, readFileSync, renameSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { assertCid, cidKind, createCidHasher } from './cid.ts';
import { DagIndex, type BlockLocation, type DagRecord } from './dag-index.ts';
import { StoreError } from './errors.ts';
import { ObjectStore, translateIoError, type ByteSource, type ObjectMeta } from './object-store.ts';
import { readParsedFile, type RawDeclaration } from './read-header.ts';
import { recordsOf, singleTensorName } from './records.ts';
import { isIndexCorruption, TensorIndex } from './tensor-index.ts';
import type { FileRecord, Page, TensorFilter, TensorRecord } from './types.ts';
import { TensorFormatError } from '../tensor/errors.ts';
import type { DType } from '../tensor/dtype.ts';
import { DagBuilder, dagOf, type UnixfsDag } from '../ipfs/unixfs.ts';

export interface AddOptions {
  /** Raw bytes need both; they are ignored for self-describing formats. */
  dtype?: DType;
  shape?: number[];
  /** The source file name; names the tensor of a single-tensor file. */
  name?: string;
  maxBytes?: number;
  /**
   * The file's UnixFS DAG when the caller has it already, complete once the source is consumed (a fetch from peers
   * verified every block of it): the ingest then does not build it again.
   */
  dag?: () => UnixfsDag;
  /** Keep bytes that are neither safetensors nor .npy as raw U8 rather than refuse them (fetched files). */
  unknownAsBytes?: boolean;
}

export interface VerifyResult {
  cid: string;
  ok: boolean;
  reason?: string;
  /** The index has the file; objects/ does not. */
  missing?: boolean;
}

export interface OpenReport {
  /** The index was made afresh: there was none, or it failed its check (then corruptIndex says why). */
  rebuilt: boolean;
  /** The index failed its check at open: SQLite's finding, and where the bad file was set aside. */
  corruptIndex: { reason: string; setAsideAs: string } | null;
  tempFilesRemoved: number;
  indexedFromObjects: number;
  /** Rows dropped to finish removals a crash interrupted (their tombstones said so). */
  droppedRows: number;
  /** Indexed files whose object is gone, not by `remove`: kept in the index, reported by verify until removed. */
  missingObjects: string[];
}

/** What an open did that an operator must hear of (the server logs it as warnings, the CLI prints it on stderr). */
export function openWarnings(report: OpenReport): string[] {
  const out: string[] = [];
  if (report.corruptIndex) {
    out.push(
      `the index was corrupt (${report.corruptIndex.reason}): set aside as ${report.corruptIndex.setAsideAs} and rebuilt from objects/ ` +
        `(${report.indexedFromObjects} file${report.indexedFromObjects === 1 ? '' : 's'} indexed)`,
    );
  }
  const missing = report.missingObjects;
  if (missing.length) {
    out.push(
      `${missing.length} indexed file${missing.length === 1 ? ' has' : 's have'} no object in objects/ (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}): ` +
        'restore them, or drop them with `ipfrs rm <cid>`; `ipfrs verify` lists them',
    );
  }
  return out;
}

export class TensorStore {
  readonly objects: ObjectStore;
  private index: TensorIndex;
  /** The UnixFS DAG of each object (section 12). */
  private readonly dags: DagIndex;
  readonly openReport: OpenReport;

  private constructor(readonly root: string, recover: boolean) {
    this.objects = new ObjectStore(root);
    const { temp } = recover ? this.objects.cleanLeftovers() : { temp: 0 };
    const indexPath = join(root, 'index.sqlite');
    const absent = !existsSync(indexPath);
    const { index, corrupt } = openIndex(indexPath);
    this.index = index;
    this.dags = openDagIndex(join(root, 'ipfs.sqlite'));
    try {
      const { added, dropped, missing } = recover ? this.reconcile() : { added: 0, dropped: 0, missing: [] as string[] };
      this.openReport = { rebuilt: absent || corrupt !== null, corruptIndex: corrupt, tempFilesRemoved: temp, indexedFromObjects: added, droppedRows: dropped, missingObjects: missing };
    } catch (error) {
      index.close();
      this.dags.close();
      throw translateIoError(error);
    }
  }

  /**
   * `recover: false` skips cleaning leftovers and reconciling the index with the objects: for a process that opens
   * a store other live processes write to (a server worker), where another's temp file or fresh object is not a
   * leftover. The process that opened the store first has done both.
   */
  static open(root: string, options: { recover?: boolean } = {}): TensorStore {
    return new TensorStore(root, options.recover ?? true);
  }

  objectPath(cid: string): string {
    return this.objects.objectPath(cid);
  }

  /**
   * Adds bytes atomically: temp file + hash, header validation, fsync, rename, folder fsync, then one index
   * transaction. Any failure leaves neither an object nor a row. Adding the same bytes again is a no-op.
   */
  async add(source: ByteSource, options: AddOptions = {}): Promise<{ file: FileRecord; created: boolean }> {
    let raw = rawDeclaration(options);
    const sourceName = options.name ?? (typeof source === 'string' ? source.split(/[\\/]/).pop()! : null);
    // The UnixFS DAG is built from the same chunks as the bytes are written and hashed: one pass over the input.
    const builder = options.dag ? null : new DagBuilder();
    let temp;
    let dag: UnixfsDag;
    try {
      temp = await this.objects.writeTemp(source, options.maxBytes, builder ? (chunk) => builder.write(chunk) : undefined);
    } catch (error) {
      builder?.abort(error);
      throw error;
    }
    try {
      dag = builder ? await builder.end() : options.dag!();
    } catch (error) {
      this.objects.discard(temp);
      throw new StoreError('IO', `could not build the UnixFS DAG: ${(error as Error).message}`, { cause: error });
    }
    let parsed;
    try {
      parsed = readParsedFile(temp.path, temp.size, { raw, name: singleTensorName(sourceName) });
    } catch (error) {
      const unknown = error instanceof TensorFormatError && error.code === 'UNKNOWN_FORMAT';
      if (!(options.unknownAsBytes && unknown && !raw)) {
        this.objects.discard(temp);
        throw asFormatError(error, sourceName);
      }
      raw = { dtype: 'U8', shape: [temp.size] };
      try {
        parsed = readParsedFile(temp.path, temp.size, { raw, name: singleTensorName(sourceName) });
      } catch (again) {
        this.objects.discard(temp);
        throw asFormatError(again, sourceName);
      }
    }
    const existing = this.index.getFile(temp.cid);
    if (existing && this.objects.has(temp.cid)) {
      this.objects.discard(temp);
      if (!this.dags.rootOf(temp.cid)) this.dags.insert(dagRecord(temp.cid, dag));
      return { file: existing, created: false };
    }
    const meta: ObjectMeta = { sourceName, addedAt: Date.now(), ...(raw ? { raw: { ...raw, name: parsed.tensors[0]!.name } } : {}) };
    const created = this.objects.commit(temp, meta);
    const records = recordsOf(temp.cid, temp.size, parsed, this.objects.readMeta(temp.cid) ?? meta);
    try {
      // DAG rows before the file's rows: an indexed file then always has its root (a crash in between leaves DAG
      // rows of an unindexed object, which the next open indexes from its header).
      this.dags.insert(dagRecord(temp.cid, dag));
      this.index.insert(records.file, records.tensors);
    } catch (error) {
      // The index is on the same disk: when it is full the insert fails after the rename. Take back the object this
      // call committed, so a failed add leaves nothing behind and says why (SQLITE_FULL -> NO_SPACE).
      if (created) {
        try {
          this.objects.remove(temp.cid);
          this.objects.forgetRemoval(temp.cid);
          this.dags.delete(temp.cid);
        } catch {
          // Left for the next open to index; the error below is still the one to report.
        }
      }
      throw translateIoError(error);
    }
    return { file: this.index.getFile(temp.cid) ?? records.file, created };
  }

  /** Either CID: the object's, or its UnixFS root. */
  getFile(cid: string): FileRecord | null {
    const key = this.resolveCid(cid);
    return key ? this.index.getFile(key) : null;
  }

  /**
   * The object a CID names: itself for a raw CID, the object whose UnixFS root it is for a dag-pb one (null when
   * none is). StoreError INVALID_ARGUMENT for a string that is neither.
   */
  resolveCid(cid: string): string | null {
    const kind = cidKind(cid);
    if (kind === 'raw') return cid;
    if (kind === 'dag-pb') return this.dags.fileOf(cid);
    assertCid(cid);
    return null;
  }

  /** The object's UnixFS root (null until a store made before DAGs has been backfilled: see backfillDags). */
  ipfsCidOf(cid: string): string | null {
    return this.dags.rootOf(assertCid(cid));
  }

  /** Where a block of some stored DAG is: an internal node's bytes, or a range of an object; null if none has it. */
  dagBlock(blockCid: string): BlockLocation | null {
    return this.dags.block(blockCid);
  }

  /** The bytes of an internal dag-pb node of some stored DAG. */
  dagNode(blockCid: string): Buffer | null {
    return this.dags.nodeBytes(blockCid);
  }

  /** Objects without a UnixFS root yet (a store made before DAGs, or a crash between rename and index). */
  objectsWithoutDag(): string[] {
    const have = new Set(this.dags.files());
    return this.index.allCids().filter((cid) => !have.has(cid)).sort();
  }

  /**
   * Computes the missing roots by reading each object once; `onProgress` after each. Safe while serving: each root is
   * recorded in one transaction, and the others work meanwhile. Returns how many were computed.
   */
  async backfillDags(options: {
    onProgress?: (progress: { done: number; total: number; cid: string; bytes: number }) => void;
    signal?: AbortSignal;
  } = {}): Promise<number> {
    const { onProgress, signal } = options;
    const missing = this.objectsWithoutDag();
    let done = 0;
    for (const cid of missing) {
      if (signal?.aborted) break;
      const path = this.objects.objectPath(cid);
      let dag: UnixfsDag;
      try {
        dag = await dagOf(createReadStream(path, { highWaterMark: 1 << 20, signal }), { freshChunks: true });
      } catch {
        continue; // removed meanwhile, stopped, or unreadable (`ipfrs verify` reports the latter)
      }
      if (signal?.aborted) break;
      if (this.index.getFile(cid)) this.dags.insert(dagRecord(cid, dag));
      done++;
      onProgress?.({ done, total: missing.length, cid, bytes: this.objects.size(cid) ?? 0 });
    }
    return done;
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
    const key = this.resolveCid(cid);
    if (!key) return null;
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
    const key = this.resolveCid(cid);
    return key ? this.index.tensorsOf(key) : [];
  }

  /** Unlinks bytes first, then rows: a crash in between leaves rows the next open drops, never bytes without rows. */
  remove(cid: string): boolean {
    const key = this.resolveCid(cid);
    if (!key) return false;
    // The tombstone tells the next open that a missing object was removed on purpose (finish it), not lost.
    const hadObject = this.objects.remove(key);
    const hadRow = this.index.delete(key);
    this.dags.delete(key);
    this.objects.forgetRemoval(key);
    return hadObject || hadRow;
  }

  /** Re-hashes every object, and checks each against its index row. */
  async verify(): Promise<VerifyResult[]> {
    const results: VerifyResult[] = [];
    for (const cid of this.objects.listCids().sort()) {
      results.push(await this.verifyOne(cid));
    }
    for (const cid of this.index.allCids()) {
      if (!this.objects.has(cid)) {
        results.push({ cid, ok: false, missing: true, reason: `indexed but its object is missing: restore objects/${cid}, or drop it from the index with \`ipfrs rm ${cid}\`` });
      }
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

  /** Makes index and objects agree: interrupted removals finish, objects without rows are indexed from their headers. */
  private reconcile(): { added: number; dropped: number; missing: string[] } {
    let dropped = 0;
    // Removals a crash interrupted: finish them (the object may still be there, or its row).
    for (const cid of this.objects.pendingRemovals()) {
      this.objects.remove(cid);
      dropped += this.index.delete(cid) ? 1 : 0;
      this.dags.delete(cid);
      this.objects.forgetRemoval(cid);
    }
    const onDisk = new Set(this.objects.listCids());
    // A row whose object vanished otherwise is kept: the loss is reported (verify, the open's warnings) until an
    // operator restores the object or removes the row, rather than forgotten at the first open.
    const missing = this.index.allCids().filter((cid) => !onDisk.has(cid));
    // DAG rows of an object that is neither on disk nor indexed (removed) go; a missing object's stay with its row.
    const indexed = new Set(this.index.allCids());
    for (const cid of this.dags.files()) if (!onDisk.has(cid) && !indexed.has(cid)) this.dags.delete(cid);
    const unindexed = [...onDisk].filter((cid) => !this.index.getFile(cid));
    const entries = [];
    for (const cid of unindexed) {
      const entry = this.indexEntryFromObject(cid);
      if (entry) entries.push(entry);
    }
    const added = this.index.insertMany(entries);
    return { added, dropped, missing };
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

  /** Why the store cannot serve right now (objects/ unreadable, the index not answering), or null (for /readyz). */
  problem(): string | null {
    try {
      accessSync(this.objects.objectsDir, constants.R_OK | constants.X_OK);
    } catch (error) {
      return `objects/ cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    }
    try {
      this.index.ping();
    } catch (error) {
      return `the index does not answer (${(error as Error).message})`;
    }
    return null;
  }

  close(): void {
    this.index.close();
    this.dags.close();
  }
}

function dagRecord(cid: string, dag: UnixfsDag): DagRecord {
  return { cid, ipfsCid: dag.root, nodes: dag.nodes, leaves: dag.leaves };
}

function openDagIndex(path: string): DagIndex {
  try {
    return new DagIndex(path);
  } catch {
    // Everything in it is recomputed from the objects (backfillDags).
    renameSync(path, `${path}.corrupt-${Date.now()}`);
    return new DagIndex(path);
  }
}

/**
 * Opens and checks the index. Only corruption (SQLite's CORRUPT or NOTADB, or a failed quick_check) sets the file
 * aside (not deleted: an operator may want it) for a rebuild from the objects; anything else (a full disk, a
 * lock, a permission) is thrown as a StoreError, the index left where it is.
 */
function openIndex(path: string): { index: TensorIndex; corrupt: OpenReport['corruptIndex'] } {
  let index: TensorIndex | undefined;
  try {
    index = new TensorIndex(path);
    // The full check reads every page (about 1-3 s for a million tensors): done when the file changed since the
    // last check that passed, else only the first queries. Overwritten bytes change the file's mtime.
    const stamp = fileStamp(path);
    if (stamp === null || readStamp(path) !== stamp) {
      index.check();
      writeStamp(path, stamp);
    } else {
      index.ping();
    }
    return { index, corrupt: null };
  } catch (error) {
    index?.close();
    if (!isIndexCorruption(error)) throw indexOpenError(error, path);
    const setAsideAs = `${path}.corrupt-${Date.now()}`;
    renameSync(path, setAsideAs);
    // Its journal belongs to it: a new file must not replay the old one's WAL frames.
    if (existsSync(`${path}-wal`)) renameSync(`${path}-wal`, `${setAsideAs}-wal`);
    rmSync(`${path}-shm`, { force: true });
    return { index: new TensorIndex(path), corrupt: { reason: (error as Error).message, setAsideAs } };
  }
}

/** Size and mtime of the index file, as last checked (`index.sqlite.checked`). */
function fileStamp(path: string): string | null {
  try {
    const info = statSync(path);
    return `${info.size}:${info.mtimeMs}`;
  } catch {
    return null;
  }
}

function readStamp(path: string): string | null {
  try {
    return readFileSync(`${path}.checked`, 'utf8');
  } catch {
    return null;
  }
}

function writeStamp(path: string, stamp: string | null): void {
  if (stamp === null) return;
  try {
    writeFileSync(`${path}.checked`, stamp, { mode: 0o600 });
  } catch {
    // A full disk or a read-only store: the next open checks again.
  }
}

/** Why the index would not open, said as a StoreError; a disk with no space left says so (SQLite calls it I/O). */
function indexOpenError(error: unknown, path: string): unknown {
  const code = String((error as { code?: unknown })?.code ?? '');
  let full = code === 'SQLITE_FULL';
  if (!full && code.startsWith('SQLITE_IOERR')) {
    try {
      full = statfsSync(dirname(path)).bavail === 0;
    } catch {
      // Unknown: say what SQLite said.
    }
  }
  if (full) return new StoreError('NO_SPACE', `${path}: no space left on the store's disk to open the index; free some space`, { cause: error });
  return translateIoError(error, path);
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
