// The ports: what the API needs of the services below it (store, cache, reader, link signer, tokens, logs),
// implemented over the real ones in src/server.ts (adapters.ts, links.ts, auth.ts) and by fakes in the tests. Types
// only, from store, tensor and auth: printing the schema or running codegen never loads the native addon.
import type { DownloadFormat } from '../../http/paths.ts';
import type { DType } from '../../tensor/dtype.ts';
import type { SlicePlan } from '../../tensor/slice.ts';
import type { FileRecord, Page, TensorFilter, TensorRecord } from '../../store/types.ts';
import type { Principal } from '../../auth/access.ts';
import type { TokenInfo } from '../../auth/tokens.ts';
import type { Scope } from '../../auth/scopes.ts';

export type { Scope };

/** The subset of TensorStore (src/store) the API uses. Throws StoreError for expected failures. */
export interface StorePort {
  /** Either CID: the object's or its UnixFS root. */
  getFile(cid: string): FileRecord | null;
  /** The object's UnixFS root; null while a store made before DAGs is being backfilled. */
  ipfsCidOf(cid: string): string | null;
  listFiles(options: { first: number; after?: string | null }): Page<FileRecord>;
  /** `name` may be left out for a single-tensor file; StoreError INVALID_ARGUMENT when the file holds several. */
  getTensor(cid: string, name?: string | null): TensorRecord | null;
  listTensors(options: { first: number; after?: string | null; filter?: TensorFilter }): Page<TensorRecord>;
  tensorsOf(cid: string): TensorRecord[];
  add(
    source: AsyncIterable<Uint8Array>,
    options: { dtype?: DType; shape?: number[]; name?: string; maxBytes?: number },
  ): Promise<{ file: FileRecord; created: boolean }>;
  remove(cid: string): boolean;
}

export interface CacheStatsRecord {
  entries: number;
  maxEntries: number;
  mappedBytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
  evictions: number;
  /** Each server process's own figures (one entry unless `ipfrs serve --workers N`); the fields above sum them. */
  workers?: WorkerCacheRecord[];
}

export interface WorkerCacheRecord extends Omit<CacheStatsRecord, 'workers'> {
  /** 0 for a single-process server, else the node:cluster worker id. */
  worker: number;
  pid: number;
}

export interface CacheEntryRecord {
  cid: string;
  /** The object's path on the server; null when the server keeps it private. */
  path: string | null;
  size: number;
  hits: number;
  /** Unix milliseconds. */
  lastAccess: number;
}

export type CacheAccess = 'default' | 'sequential' | 'random' | 'hugepages';

/**
 * The mmap cache, keyed by CID (the server maps CIDs to object paths). With several worker processes, the mutations
 * settle once every worker has done them, and stats() and files() cover every worker as of the last refresh().
 */
export interface CachePort {
  stats(): CacheStatsRecord;
  /** Most recently used first. */
  files(): CacheEntryRecord[];
  clear(): void | Promise<void>;
  /** False when the CID was not mapped (in any worker). */
  evict(cid: string): boolean | Promise<boolean>;
  /** Brings the other workers' figures up to date (absent for one process, whose figures are always current). */
  refresh?(): Promise<void>;
  /** Maps the object (off the main thread when populating) with the given advice; StoreError NOT_FOUND if absent. */
  warm(cid: string, options: { access: CacheAccess; populate: boolean }): Promise<CacheEntryRecord>;
}

/**
 * Reads through the cache. The Buffers are the resolver's own (copies, not views over the mapping): the bytes are
 * read in JS after the read returns, where a file truncated under a view would kill the process (SIGBUS).
 */
export interface ReaderPort {
  /** [start, end) of the object. */
  readRange(cid: string, start: number, end: number): Buffer;
  /** The slice's bytes in C order, `plan` from planSlice on this tensor. */
  readSlice(tensor: TensorRecord, plan: SlicePlan): Buffer;
}

export interface SignedPath {
  /** Path and query, e.g. `/v1/blob/<cid>?exp=...&kid=...&sig=...`; resolvers make it absolute. */
  url: string;
  /** Unix seconds. */
  expiresAt: number;
}

/** Signs download links for the route in src/http (see services/links.ts for the implementation over a key ring). */
export interface LinksPort {
  blob(cid: string, options: { expiresIn?: number }): SignedPath;
  tensor(cid: string, name: string, options: { slice?: string | null; format?: DownloadFormat; expiresIn?: number }): SignedPath;
  /** `/v1/file/<cid>?tensors=..`: a safetensors file of just these tensors. */
  subset(cid: string, names: readonly string[], options: { expiresIn?: number }): SignedPath;
  /** The Zarr view's prefix (`/zarr/..../<cid>/`), its signature in the path; the plain path when reads are public. */
  zarr(cid: string, options: { expiresIn?: number }): SignedPath;
}

/** Fetching from the server's IPFS peers (src/ipfs/peers.ts); StoreError UNAVAILABLE when none gives the CID. */
export interface PeersPort {
  fetch(cid: string): Promise<FileRecord>;
}

export interface AuthPort {
  /** Who sends this Authorization header (src/auth/access.ts: tokens are looked up by their digest). */
  authenticate(authorization: string | null): RequestAuth;
}

/** The token table, for the admin fields tokens, createToken and revokeToken (src/auth/tokens.ts TokenStore). */
export interface TokensPort {
  list(): TokenInfo[];
  create(options: { scope: Scope; name?: string | null; expiresIn?: number | null }): { secret: string; token: TokenInfo };
  revoke(idOrName: string): TokenInfo;
}

export interface LoggerPort {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Who is asking: the token's scopes, id and name, and what was wrong with the token if anything. */
export type RequestAuth = Principal;

/** Tells cacheStats subscribers that a mutation changed the cache, so they need not wait for their next tick. */
export interface CacheEvents {
  changed(): void;
  subscribe(listener: () => void): () => void;
}
