// The embedded index of files and tensors (SQLite through better-sqlite3). It holds nothing the objects
// cannot rebuild: a lost or corrupt index is recreated from objects/ and meta/.
import Database from 'better-sqlite3';
import type { Database as DB, Statement } from 'better-sqlite3';
import { decodeCursor, encodeCursor, prefixUpperBound } from './cursor.ts';
import type { FileFormat, FileRecord, Page, TensorFilter, TensorRecord } from './types.ts';
import type { DType } from '../tensor/dtype.ts';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS files (
  cid TEXT PRIMARY KEY, size INTEGER NOT NULL, format TEXT NOT NULL, metadata TEXT,
  tensor_count INTEGER NOT NULL, added_at INTEGER NOT NULL, source_name TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tensors (
  name TEXT NOT NULL, cid TEXT NOT NULL REFERENCES files(cid) ON DELETE CASCADE,
  dtype TEXT NOT NULL, shape TEXT NOT NULL, strides TEXT NOT NULL, element_count INTEGER NOT NULL,
  byte_offset INTEGER NOT NULL, byte_length INTEGER NOT NULL, little_endian INTEGER NOT NULL, fortran_order INTEGER NOT NULL,
  PRIMARY KEY (name, cid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tensors_by_file ON tensors (cid, name);
CREATE INDEX IF NOT EXISTS tensors_by_dtype ON tensors (dtype, name, cid);
`;

// Lookups read through the result cache (see TensorIndex.rows).
const GET_FILE = 'SELECT * FROM files WHERE cid = ?';
const GET_TENSOR = 'SELECT * FROM tensors WHERE cid = ? AND name = ?';
const TENSORS_OF = 'SELECT * FROM tensors WHERE cid = ? ORDER BY byte_offset, name';

/** Bounds of the result cache: distinct queries, and rows over all of them (a row is well under 1 KiB). */
const MAX_CACHED_RESULTS = 512;
const MAX_CACHED_ROWS = 20_000;

/** Rows as SQLite returned them (shared by every hit: never handed out, only read), and their page's cursors. */
interface CachedResult {
  readonly rows: readonly unknown[];
  cursors?: string[];
}

interface FileRow { cid: string; size: number; format: string; metadata: string | null; tensor_count: number; added_at: number; source_name: string | null }
interface TensorRow {
  name: string; cid: string; dtype: string; shape: string; strides: string; element_count: number;
  byte_offset: number; byte_length: number; little_endian: number; fortran_order: number;
}

/** The index file fails SQLite's own check: rebuild it from the objects. */
export class IndexCorruptError extends Error {
  override name = 'IndexCorruptError';
  readonly code = 'SQLITE_CORRUPT';
}

/** SQLite's word for a damaged file (as opposed to a full disk, a lock or a permission: none of which a rebuild fixes). */
export function isIndexCorruption(error: unknown): boolean {
  const code = String((error as { code?: unknown })?.code ?? '');
  return error instanceof IndexCorruptError || code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
}

export class TensorIndex {
  private readonly db: DB;
  private readonly cache = new Map<string, Statement>();
  private readonly statements: {
    insertFile: Statement; insertTensor: Statement; deleteFile: Statement; allCids: Statement; fileCount: Statement;
    dataVersion: Statement; ping: Statement; pingTensors: Statement;
  };
  /**
   * Results of lookups and paging queries since the index last changed. A page of 10 tensors costs ~50 us in
   * SQLite (mostly building the row objects), a hit ~3 us (the data_version check). Our own writes clear it;
   * another connection's commits (e.g. `ipfrs add` while serving) change PRAGMA data_version, which clears it too.
   */
  private readonly results = new Map<string, CachedResult>();
  private cachedRows = 0;
  private seenDataVersion = -1;
  private changeCount = 0;

  constructor(path: string) {
    this.db = new Database(path);
    try {
      this.db.pragma('journal_mode = WAL');
      // NORMAL is crash-safe for the process under WAL; a power cut may lose the last commit, which rebuild restores.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.db.exec(SCHEMA);
      // Written only when it differs: an open that writes nothing also works on a full disk.
      if (this.db.pragma('user_version', { simple: true }) !== SCHEMA_VERSION) this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      this.statements = {
        insertFile: this.db.prepare('INSERT OR IGNORE INTO files VALUES (@cid, @size, @format, @metadata, @tensor_count, @added_at, @source_name)'),
        insertTensor: this.db.prepare(
          'INSERT INTO tensors VALUES (@name, @cid, @dtype, @shape, @strides, @element_count, @byte_offset, @byte_length, @little_endian, @fortran_order)',
        ),
        deleteFile: this.db.prepare('DELETE FROM files WHERE cid = ?'),
        allCids: this.db.prepare('SELECT cid FROM files').pluck(),
        fileCount: this.db.prepare('SELECT count(*) FROM files').pluck(),
        dataVersion: this.db.prepare('PRAGMA data_version').pluck(),
        ping: this.db.prepare('SELECT cid FROM files LIMIT 1').pluck(),
        pingTensors: this.db.prepare('SELECT name FROM tensors LIMIT 1').pluck(),
      };
    } catch (error) {
      // A half-opened database would keep its file open (and, on a full disk, its mount busy).
      this.db.close();
      throw error;
    }
  }


  /**
   * Reads the whole file once (PRAGMA quick_check: every page, b-tree and index entry, without the costlier
   * cross-checks of integrity_check) and runs a first query over each table, so that corruption behind a valid
   * header shows at open rather than at some later query. Throws IndexCorruptError with SQLite's findings.
   */
  check(): void {
    const findings = this.db.pragma('quick_check(8)', { simple: false }) as Array<{ quick_check: string }>;
    const problems = findings.map((row) => row.quick_check).filter((line) => line !== 'ok');
    if (problems.length) throw new IndexCorruptError(problems.join('; '));
    this.db.prepare('SELECT cid, size FROM files ORDER BY added_at, cid LIMIT 1').all();
    this.db.prepare('SELECT name, cid FROM tensors ORDER BY name, cid LIMIT 1').all();
  }

  /** A query over each table, past the result cache (for readiness checks); throws what SQLite throws. */
  ping(): void {
    this.statements.ping.get();
    this.statements.pingTensors.get();
  }

  /** Adds a file and all its tensors in one transaction: either all rows exist or none. */
  insert(file: FileRecord, tensors: readonly TensorRecord[]): boolean {
    this.forgetResults();
    return this.db.transaction(() => {
      const inserted = this.statements.insertFile.run(fileToRow(file)).changes === 1;
      if (inserted) for (const tensor of tensors) this.statements.insertTensor.run(tensorToRow(tensor));
      return inserted;
    })();
  }

  /** Bulk variant for rebuilds and benchmarks: one transaction over many files. */
  insertMany(entries: Iterable<{ file: FileRecord; tensors: readonly TensorRecord[] }>): number {
    this.forgetResults();
    return this.db.transaction(() => {
      let count = 0;
      for (const { file, tensors } of entries) if (this.insert(file, tensors)) count++;
      return count;
    })();
  }

  delete(cid: string): boolean {
    this.forgetResults();
    return this.statements.deleteFile.run(cid).changes === 1;
  }

  getFile(cid: string): FileRecord | null {
    const row = this.rows(GET_FILE, [cid]).rows[0] as FileRow | undefined;
    return row ? rowToFile(row) : null;
  }

  getTensor(cid: string, name: string): TensorRecord | null {
    const row = this.rows(GET_TENSOR, [cid, name]).rows[0] as TensorRow | undefined;
    return row ? rowToTensor(row) : null;
  }

  tensorsOf(cid: string): TensorRecord[] {
    return (this.rows(TENSORS_OF, [cid]).rows as readonly TensorRow[]).map(rowToTensor);
  }

  allCids(): string[] {
    return this.statements.allCids.all() as string[];
  }

  fileCount(): number {
    return this.statements.fileCount.get() as number;
  }

  listFiles(first: number, after?: string | null): Page<FileRecord> {
    const params: unknown[] = [];
    let where = '';
    if (after) {
      const [addedAt, cid] = decodeCursor(after, 2);
      where = 'WHERE (added_at, cid) > (?, ?)';
      params.push(addedAt, cid);
    }
    const page = this.rows(`SELECT * FROM files ${where} ORDER BY added_at, cid LIMIT ?`, [...params, first + 1]);
    const rows = page.rows as readonly FileRow[];
    const items = rows.slice(0, first).map(rowToFile);
    page.cursors ??= items.map((f) => encodeCursor([f.addedAt, f.cid]));
    return {
      items,
      cursors: page.cursors.slice(),
      hasNextPage: rows.length > first,
      hasPreviousPage: Boolean(after),
      totalCount: () => this.fileCount(),
    };
  }

  /** Keyset paging in (name, cid) order; every filter combination is served by an index. */
  listTensors(first: number, after?: string | null, filter: TensorFilter = {}): Page<TensorRecord> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (filter.cid) {
      conditions.push('cid = ?');
      params.push(filter.cid);
    }
    if (filter.dtype) {
      conditions.push('dtype = ?');
      params.push(filter.dtype);
    }
    if (filter.namePrefix) {
      conditions.push('name >= ?');
      params.push(filter.namePrefix);
      const upper = prefixUpperBound(filter.namePrefix);
      if (upper !== null) {
        conditions.push('name < ?');
        params.push(upper);
      }
    }
    const filterWhere = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const filterParams = [...params];
    if (after) {
      const [name, cid] = decodeCursor(after, 2);
      conditions.push('(name, cid) > (?, ?)');
      params.push(name, cid);
    }
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const page = this.rows(`SELECT * FROM tensors ${where} ORDER BY name, cid LIMIT ?`, [...params, first + 1]);
    const rows = page.rows as readonly TensorRow[];
    const items = rows.slice(0, first).map(rowToTensor);
    page.cursors ??= items.map((t) => encodeCursor([t.name, t.cid]));
    return {
      items,
      cursors: page.cursors.slice(),
      hasNextPage: rows.length > first,
      hasPreviousPage: Boolean(after),
      totalCount: () => (this.rows(`SELECT count(*) AS n FROM tensors ${filterWhere}`, filterParams).rows[0] as { n: number }).n,
    };
  }

  /** The rows of a read-only query, from the result cache when the index has not changed since. */
  private rows(sql: string, params: unknown[]): CachedResult {
    const version = this.statements.dataVersion.get() as number;
    if (version !== this.seenDataVersion) {
      this.forgetResults();
      this.seenDataVersion = version;
    }
    const key = `${sql}\0${JSON.stringify(params)}`;
    let result = this.results.get(key);
    if (!result) {
      result = { rows: this.prepared(sql).all(...params) };
      this.remember(key, result);
    }
    return result;
  }

  private remember(key: string, result: CachedResult): void {
    const size = result.rows.length + 1;
    if (size > MAX_CACHED_ROWS) return;
    // Oldest first (Map keeps insertion order) until the new entry fits.
    for (const [oldKey, old] of this.results) {
      if (this.results.size < MAX_CACHED_RESULTS && this.cachedRows + size <= MAX_CACHED_ROWS) break;
      this.results.delete(oldKey);
      this.cachedRows -= old.rows.length + 1;
    }
    this.results.set(key, result);
    this.cachedRows += size;
  }

  private forgetResults(): void {
    this.results.clear();
    this.cachedRows = 0;
    this.changeCount++;
  }

  /**
   * Goes up whenever the index may have changed: at each write of ours, and when a lookup finds another
   * connection's commits (PRAGMA data_version). Lets memos of index records above this one know when to go.
   */
  get changes(): number {
    return this.changeCount;
  }

  /** Paging builds a handful of distinct statements; preparing each once keeps a page well under a millisecond. */
  private prepared(sql: string): Statement {
    let statement = this.cache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.cache.set(sql, statement);
    }
    return statement;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function fileToRow(f: FileRecord): FileRow {
  return {
    cid: f.cid, size: f.size, format: f.format, metadata: f.metadata ? JSON.stringify(f.metadata) : null,
    tensor_count: f.tensorCount, added_at: f.addedAt, source_name: f.sourceName,
  };
}

function rowToFile(r: FileRow): FileRecord {
  return {
    cid: r.cid, size: r.size, format: r.format as FileFormat, metadata: r.metadata ? JSON.parse(r.metadata) : null,
    tensorCount: r.tensor_count, addedAt: r.added_at, sourceName: r.source_name,
  };
}

function tensorToRow(t: TensorRecord): TensorRow {
  return {
    name: t.name, cid: t.cid, dtype: t.dtype, shape: JSON.stringify(t.shape), strides: JSON.stringify(t.strides),
    element_count: t.elementCount, byte_offset: t.byteOffset, byte_length: t.byteLength,
    little_endian: t.littleEndian ? 1 : 0, fortran_order: t.fortranOrder ? 1 : 0,
  };
}

function rowToTensor(r: TensorRow): TensorRecord {
  return {
    name: r.name, cid: r.cid, dtype: r.dtype as DType, shape: JSON.parse(r.shape), strides: JSON.parse(r.strides),
    elementCount: r.element_count, byteOffset: r.byte_offset, byteLength: r.byte_length,
    littleEndian: r.little_endian === 1, fortranOrder: r.fortran_order === 1,
  };
}
