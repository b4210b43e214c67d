// Fetching a file the store lacks from peers that speak the trustless gateway protocol (another ipfrs, kubo,
// rainbow): a CARv1 stream of its UnixFS DAG, every block checked against its CID (SHA-256; leaves on the hash
// thread) and against the DAG (only a block a verified parent links to, in the order a depth-first walk needs it, is
// taken), the leaves streamed in file order into the store's atomic ingest. A peer that sends a wrong block, stalls
// or dies is dropped and the next one continues from the first byte still missing (entity-bytes=<offset>:*); when
// all fail, StoreError UNAVAILABLE and nothing is stored (the ingest's temp file goes with the failed stream).
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CID } from 'multiformats/cid';
import { code as RAW_CODE } from 'multiformats/codecs/raw';
import { canonicalIpfsCid } from '../store/cid.ts';
import { StoreError } from '../store/errors.ts';
import type { TensorStore } from '../store/tensor-store.ts';
import type { FileRecord } from '../store/types.ts';
import { CarStreamReader } from './car-reader.ts';
import { CONTENT_TYPE_BLOCK } from './gateway.ts';
import { getStreamed } from './http-body.ts';
import { readAhead } from './read-ahead.ts';
import { LeafPool, PeerFailure, verify, VerifyAhead } from './verified-blocks.ts';
import { decodeNode, type UnixfsDag } from './unixfs.ts';

export interface FetchProgress {
  cid: string;
  /** File bytes verified so far, and the file's size (known once the root arrived). */
  bytes: number;
  total: number | null;
  peer: string;
}

export interface PeerFetchOptions {
  onProgress?: (progress: FetchProgress) => void;
  /** Give up on a peer that sends nothing for this long (default 30 s). */
  idleTimeoutMs?: number;
  /** Raw options for the stored file (a raw file's dtype and shape are not in its bytes). */
  name?: string;
}

/** Counts for /metrics and logs. */
export interface FetchStats {
  started: number;
  completed: number;
  failed: number;
  bytes: number;
  peersDropped: number;
}

const DUP_CACHE_BYTES = 16 << 20;
/** Verified bytes kept ahead of the disk: the network and the writes overlap instead of taking turns. */
const READ_AHEAD_BYTES = 32 << 20;
const DEFAULT_IDLE_MS = 30_000;
/** The longest block taken: IPFS implementations refuse blocks over 2 MiB (bitswap's limit); this leaves room. */
const MAX_BLOCK_BYTES = 4 << 20;

/**
 * Fetches CIDs from a list of peers (base URLs of their gateways) into a store. Concurrent requests for one CID
 * share one fetch.
 */
export class PeerFetcher {
  readonly stats: FetchStats = { started: 0, completed: 0, failed: 0, bytes: 0, peersDropped: 0 };
  private readonly inFlight = new Map<string, Promise<FileRecord>>();

  constructor(
    private readonly store: TensorStore,
    readonly peers: readonly string[],
    private readonly log?: { info(msg: string, fields?: Record<string, unknown>): void; warn(msg: string, fields?: Record<string, unknown>): void },
  ) {}

  /** The stored file for `cid` (either CID): at once when the store has it, else fetched from the peers. */
  fetch(cidText: string, options: PeerFetchOptions & { peers?: readonly string[] } = {}): Promise<FileRecord> {
    const cid = canonicalIpfsCid(cidText);
    if (!cid) return Promise.reject(new StoreError('INVALID_ARGUMENT', `not a CID (raw or dag-pb, sha2-256): ${JSON.stringify(cidText.slice(0, 80))}`));
    const have = this.store.getFile(cid);
    if (have) return Promise.resolve(have);
    let pending = this.inFlight.get(cid);
    if (!pending) {
      const peers = options.peers ?? this.peers;
      pending = this.run(cid, peers, options).finally(() => this.inFlight.delete(cid));
      this.inFlight.set(cid, pending);
    }
    return pending;
  }

  private async run(cid: string, peers: readonly string[], options: PeerFetchOptions): Promise<FileRecord> {
    if (peers.length === 0) throw new StoreError('UNAVAILABLE', `this node does not have ${cid}, and it has no peers to ask (--peer URL)`);
    this.stats.started++;
    const started = performance.now();
    const transfer = new Transfer(cid, peers.map((p) => p.replace(/\/+$/, '')), options, this);
    try {
      // A fetched file that is neither safetensors nor .npy is kept as bytes (U8): a peer sends no dtype or shape.
      const { file } = await this.store.add(readAhead(transfer.bytes(), READ_AHEAD_BYTES, (chunk) => transfer.release(chunk)), { name: options.name ?? cid, dag: () => transfer.dag(), unknownAsBytes: true });
      if (this.store.ipfsCidOf(file.cid) !== cid && file.cid !== cid) {
        throw new StoreError('IO', `fetched ${cid} but stored a file whose root is ${this.store.ipfsCidOf(file.cid)}`);
      }
      this.stats.completed++;
      this.log?.info('ipfs: fetched from peers', { cid, file: file.cid, bytes: file.size, ms: Math.round(performance.now() - started), peers: transfer.used });
      return file;
    } catch (error) {
      this.stats.failed++;
      if (error instanceof StoreError && error.code === 'UNAVAILABLE') {
        this.log?.warn('ipfs: fetch failed', { cid, reason: error.message });
        throw error;
      }
      if (transfer.failures.length > 0 && !(error instanceof StoreError && error.code !== 'IO')) {
        throw new StoreError('UNAVAILABLE', `no peer gave ${cid}: ${transfer.failures.join('; ')}`, { cause: error });
      }
      throw error;
    }
  }

  /** @internal */
  dropped(peer: string, reason: string): void {
    this.stats.peersDropped++;
    this.log?.warn('ipfs: peer dropped', { peer, reason });
  }
}

/** One fetch: the walk's state survives a change of peer. */
class Transfer {
  /** Verified internal nodes. */
  private readonly nodes = new Map<string, Uint8Array>();
  /** What the depth-first walk needs next, last first: a block, with the file offset its bytes start at. */
  private readonly stack: { cid: CID; offset: number }[];
  private readonly root: CID;
  private readonly leaves: { cid: string; offset: number; length: number }[] = [];
  private readonly recent = new Map<string, Uint8Array>();
  /** How many links of the verified nodes name each leaf: only one named more than once is kept in `recent`. */
  private readonly leafLinks = new Map<string, number>();
  private readonly pool = new LeafPool();
  /** Leaves met before: a peer sends each block once (dups=n), so a repeat not in `recent` is asked for alone. */
  private readonly seenLeaves = new Set<string>();
  private recentBytes = 0;
  private offset = 0;
  private total: number | null = null;
  readonly failures: string[] = [];
  readonly used: string[] = [];

  constructor(
    private readonly cid: string,
    private readonly peers: string[],
    private readonly options: PeerFetchOptions,
    private readonly owner: PeerFetcher,
  ) {
    this.root = CID.parse(cid);
    this.stack = [{ cid: this.root, offset: 0 }];
  }

  /** The verified DAG, once every byte has gone through bytes(). */
  dag(): UnixfsDag {
    return { root: this.cid, nodes: [...this.nodes].map(([cid, bytes]) => ({ cid, bytes })), leaves: this.leaves };
  }

  /** A chunk bytes() gave is written: its buffer may take another leaf. */
  release(chunk: Uint8Array): void {
    this.pool.give(chunk);
  }

  /**
   * The file's bytes in order, each leaf verified. A chunk's memory is reused once it is handed to release(), which
   * its consumer calls when done with it. Throws StoreError UNAVAILABLE when every peer failed.
   */
  async *bytes(): AsyncGenerator<Uint8Array> {
    for (const peer of this.peers) {
      if (this.stack.length === 0) break;
      this.used.push(peer);
      try {
        yield* this.fromPeer(peer);
      } catch (error) {
        const reason = error instanceof PeerFailure ? error.message : `${(error as Error).message ?? error}`;
        this.failures.push(`${peer}: ${reason}`);
        this.owner.dropped(peer, reason);
      }
    }
    if (this.stack.length > 0) {
      throw new StoreError('UNAVAILABLE', `no peer gave all of ${this.cid} (${this.offset} bytes verified): ${this.failures.join('; ') || 'no peers'}`);
    }
  }

  private async *fromPeer(peer: string): AsyncGenerator<Uint8Array> {
    // Resume: only the blocks from the first missing byte (the nodes on the way are sent again and skipped).
    const query = this.offset > 0 ? `?format=car&dag-scope=entity&entity-bytes=${this.offset}:*` : '?format=car&dag-scope=all';
    const controller = new AbortController();
    const idleMs = this.options.idleTimeoutMs ?? DEFAULT_IDLE_MS;
    const timer = setTimeout(() => controller.abort(), idleMs);
    let res: { status: number; body: AsyncIterable<Uint8Array>; destroy(): void } | undefined;
    let ahead: VerifyAhead | undefined;
    const touch = () => void timer.refresh();
    try {
      try {
        res = await getCar(`${peer}/ipfs/${this.cid}${query}`, controller.signal);
      } catch (error) {
        const cause = (error as { cause?: { message?: string } }).cause?.message;
        throw new PeerFailure(`unreachable (${(error as Error).message}${cause ? `: ${cause}` : ''})`);
      }
      if (res.status !== 200) throw new PeerFailure(`answered ${res.status}`);
      const body = res.body;
      const counted = (async function* () {
        for await (const chunk of body) {
          touch();
          yield chunk;
        }
      })();
      const car = new CarStreamReader(counted, MAX_BLOCK_BYTES);
      try {
        await car.header();
      } catch (error) {
        throw new PeerFailure(`not a CAR (${(error as Error).message})`);
      }
      // A leaf's bytes go into a reused buffer (the pool), a node's into its own (the walk keeps it).
      const alloc = (cid: CID, length: number) => (cid.code === RAW_CODE ? this.pool.take(length) : new Uint8Array(length));
      ahead = new VerifyAhead(car, alloc, this.pool);
      while (this.stack.length > 0) {
        // Blocks the walk already has (seen before, or sent again on a resume) come from memory.
        const local = this.local();
        if (local) {
          if (local.length > 0) yield local;
          continue;
        }
        const wanted = this.stack[this.stack.length - 1]!;
        if (wanted.cid.code === RAW_CODE && this.seenLeaves.has(wanted.cid.toString())) {
          const bytes = await this.rawBlock(peer, wanted.cid, controller.signal);
          touch();
          this.stack.pop();
          yield this.leaf(wanted.cid, wanted.offset, bytes, peer);
          continue;
        }
        const next = await ahead.next();
        if (!next) throw new PeerFailure('the CAR ended before the DAG did');
        const block = next.block;
        if (!block.cid.equals(wanted.cid)) {
          ahead.discard(next);
          // A node sent again on a resume (dag-scope=entity sends the path to the range): skip it once verified.
          if (this.nodes.has(block.cid.toString())) continue;
          throw new PeerFailure(`sent ${block.cid} where the DAG needs ${wanted.cid}`);
        }
        const bytes = await next.verified;
        this.stack.pop();
        if (block.cid.code === RAW_CODE) {
          yield this.leaf(block.cid, wanted.offset, bytes, peer);
        } else {
          this.node(block.cid, wanted.offset, bytes);
        }
      }
    } finally {
      clearTimeout(timer);
      res?.destroy();
      // The stream is cut: the blocks read ahead and not taken go back to the pool once their hashing is done.
      await ahead?.close();
    }
  }

  /** One block by itself (`?format=raw`), verified. */
  private async rawBlock(peer: string, cid: CID, signal: AbortSignal): Promise<Uint8Array> {
    let bytes: Uint8Array;
    try {
      const res = await get(`${peer}/ipfs/${cid}?format=raw`, { Accept: CONTENT_TYPE_BLOCK }, signal);
      if (res.statusCode !== 200) {
        res.resume();
        throw new PeerFailure(`answered ${res.statusCode} for the block ${cid}`);
      }
      const parts: Buffer[] = [];
      for await (const part of res) parts.push(part as Buffer);
      bytes = Buffer.concat(parts);
    } catch (error) {
      if (error instanceof PeerFailure) throw error;
      throw new PeerFailure(`the block ${cid} did not arrive (${(error as Error).message})`);
    }
    verify({ cid, bytes });
    return bytes;
  }

  /** The top of the stack when it needs no peer: a node already verified, or a leaf seen recently. */
  private local(): Uint8Array | null {
    const wanted = this.stack[this.stack.length - 1]!;
    const key = wanted.cid.toString();
    const node = this.nodes.get(key);
    if (node) {
      this.stack.pop();
      this.node(wanted.cid, wanted.offset, node);
      return new Uint8Array(0);
    }
    const leaf = wanted.cid.code === RAW_CODE ? this.recent.get(key) : undefined;
    if (leaf) {
      this.stack.pop();
      return this.leaf(wanted.cid, wanted.offset, leaf, null);
    }
    return null;
  }

  private node(cid: CID, offset: number, bytes: Uint8Array): void {
    let links;
    try {
      links = decodeNode(bytes);
    } catch (error) {
      throw new PeerFailure(`${cid} is not a UnixFS file node (${(error as Error).message})`);
    }
    this.nodes.set(cid.toString(), bytes);
    if (cid.equals(this.root)) this.total = links.fileSize;
    // Children in reverse, so the first is on top of the stack.
    const children: { cid: CID; offset: number }[] = [];
    let at = offset;
    for (const link of links.links) {
      if (link.cid.code === RAW_CODE) {
        const key = link.cid.toString();
        this.leafLinks.set(key, (this.leafLinks.get(key) ?? 0) + 1);
      }
      children.push({ cid: link.cid, offset: at });
      at += link.size;
    }
    for (let i = children.length - 1; i >= 0; i--) this.stack.push(children[i]!);
  }

  private leaf(cid: CID, offset: number, bytes: Uint8Array, peer: string | null): Uint8Array {
    if (offset !== this.offset) throw new PeerFailure(`leaf ${cid} at ${offset}, expected ${this.offset}`);
    if (cid.equals(this.root)) this.total = bytes.byteLength;
    this.leaves.push({ cid: cid.toString(), offset, length: bytes.byteLength });
    this.seenLeaves.add(cid.toString());
    this.offset += bytes.byteLength;
    this.owner.stats.bytes += bytes.byteLength;
    const key = cid.toString();
    if (!this.recent.has(key) && bytes.byteLength <= DUP_CACHE_BYTES && (this.leafLinks.get(key) ?? 0) > 1) {
      // A copy: `bytes` may be a pooled buffer, which takes another leaf once written.
      this.recent.set(key, bytes.slice());
      this.recentBytes += bytes.byteLength;
      for (const [old, kept] of this.recent) {
        if (this.recentBytes <= DUP_CACHE_BYTES) break;
        this.recent.delete(old);
        this.recentBytes -= kept.byteLength;
      }
    }
    if (peer !== null) this.options.onProgress?.({ cid: this.cid, bytes: this.offset, total: this.total, peer });
    return bytes;
  }
}

const CAR_ACCEPT = 'application/vnd.ipld.car; version=1; order=dfs; dups=n';

/**
 * The CAR's GET, once its response head has arrived. Over http: through getStreamed (its body read into reused
 * buffers: node:http's fresh buffer per read cost ~20 full GCs a fetch); over https: node:https. Not fetch: its
 * web streams cost ~4x here.
 */
async function getCar(url: string, signal: AbortSignal): Promise<{ status: number; body: AsyncIterable<Uint8Array>; destroy(): void }> {
  if (url.startsWith('http:')) return getStreamed(new URL(url), { Accept: CAR_ACCEPT }, signal);
  const res = await get(url, { Accept: CAR_ACCEPT }, signal);
  return { status: res.statusCode ?? 0, body: res, destroy: () => void res.destroy() };
}

/** A GET whose response head has arrived; the body is the caller's to read. */
function get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    // One connection per request (agent: false): a pooled socket would outlive the transfer and its abort signal.
    const req = send(url, { headers, signal, agent: false }, (res) => {
      // Failures while the body is read reach its reader; one after (the abort that ends a transfer) is expected.
      res.on('error', () => {});
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
}

export { CONTENT_TYPE_BLOCK };
