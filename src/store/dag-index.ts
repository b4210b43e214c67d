// The UnixFS DAGs of the store's objects (section 12): each object's root, its internal dag-pb nodes, and where its
// raw leaves lie in the object file. Kept in its own SQLite file beside the tensor index: everything in it is
// recomputed from the objects (a lost ipfs.sqlite only costs a backfill), and the tensor index stays untouched.
import Database from 'better-sqlite3';
import type { Database as DB, Statement } from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS roots (cid TEXT PRIMARY KEY, ipfs_cid TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS roots_by_ipfs_cid ON roots (ipfs_cid);
CREATE TABLE IF NOT EXISTS nodes (block_cid TEXT NOT NULL, cid TEXT NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (block_cid, cid)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nodes_by_file ON nodes (cid);
CREATE TABLE IF NOT EXISTS leaves (block_cid TEXT NOT NULL, cid TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL, PRIMARY KEY (block_cid, cid)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS leaves_by_file ON leaves (cid);
`;

export interface DagRecord {
  /** The object's CID (raw). */
  cid: string;
  /** Its UnixFS root: dag-pb, or the object's CID for a file of one leaf. */
  ipfsCid: string;
  nodes: readonly { cid: string; bytes: Uint8Array }[];
  leaves: readonly { cid: string; offset: number; length: number }[];
}

/** Where a block's bytes are: an internal node's own bytes, or a range of an object. */
export type BlockLocation = { kind: 'node'; bytes: Buffer; file: string } | { kind: 'leaf'; file: string; offset: number; length: number };

export class DagIndex {
  private readonly db: DB;
  private readonly s: Record<'insertRoot' | 'insertNode' | 'insertLeaf' | 'rootOf' | 'fileOf' | 'node' | 'leaf' | 'files'
    | 'deleteRoot' | 'deleteNodes' | 'deleteLeaves', Statement>;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.s = {
      insertRoot: this.db.prepare('INSERT OR REPLACE INTO roots VALUES (?, ?)'),
      insertNode: this.db.prepare('INSERT OR IGNORE INTO nodes VALUES (?, ?, ?)'),
      insertLeaf: this.db.prepare('INSERT OR IGNORE INTO leaves VALUES (?, ?, ?, ?)'),
      rootOf: this.db.prepare('SELECT ipfs_cid FROM roots WHERE cid = ?').pluck(),
      fileOf: this.db.prepare('SELECT cid FROM roots WHERE ipfs_cid = ? LIMIT 1').pluck(),
      node: this.db.prepare('SELECT bytes, cid FROM nodes WHERE block_cid = ? LIMIT 1'),
      leaf: this.db.prepare('SELECT cid, offset, length FROM leaves WHERE block_cid = ? LIMIT 1'),
      files: this.db.prepare('SELECT cid FROM roots').pluck(),
      deleteRoot: this.db.prepare('DELETE FROM roots WHERE cid = ?'),
      deleteNodes: this.db.prepare('DELETE FROM nodes WHERE cid = ?'),
      deleteLeaves: this.db.prepare('DELETE FROM leaves WHERE cid = ?'),
    };
  }

  /** One transaction: a root is only ever recorded with all its nodes and leaves. */
  insert(record: DagRecord): void {
    this.db.transaction(() => {
      for (const node of record.nodes) this.s.insertNode.run(node.cid, record.cid, node.bytes);
      for (const leaf of record.leaves) this.s.insertLeaf.run(leaf.cid, record.cid, leaf.offset, leaf.length);
      this.s.insertRoot.run(record.cid, record.ipfsCid);
    })();
  }

  /** The UnixFS root of an object, or null before its DAG is computed. */
  rootOf(cid: string): string | null {
    return (this.s.rootOf.get(cid) as string | undefined) ?? null;
  }

  /** The object whose root this is (dag-pb roots only; a raw CID names its object itself). */
  fileOf(ipfsCid: string): string | null {
    return (this.s.fileOf.get(ipfsCid) as string | undefined) ?? null;
  }

  block(blockCid: string): BlockLocation | null {
    const node = this.s.node.get(blockCid) as { bytes: Buffer; cid: string } | undefined;
    if (node) return { kind: 'node', bytes: node.bytes, file: node.cid };
    const leaf = this.s.leaf.get(blockCid) as { cid: string; offset: number; length: number } | undefined;
    return leaf ? { kind: 'leaf', file: leaf.cid, offset: leaf.offset, length: leaf.length } : null;
  }

  /** An internal node's bytes (any object's copy: identical subtrees are shared by CID). */
  nodeBytes(blockCid: string): Buffer | null {
    return (this.s.node.get(blockCid) as { bytes: Buffer } | undefined)?.bytes ?? null;
  }

  files(): string[] {
    return this.s.files.all() as string[];
  }

  delete(cid: string): void {
    this.db.transaction(() => {
      this.s.deleteRoot.run(cid);
      this.s.deleteNodes.run(cid);
      this.s.deleteLeaves.run(cid);
    })();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
