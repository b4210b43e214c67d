// The UnixFS DAG of a stored file: CIDv1, dag-pb, balanced layout (174 links a node), 1 MiB raw leaves, i.e. what
// `ipfs add --cid-version=1 --raw-leaves --chunker=size-1048576` computes. Built by ipfs-unixfs-importer itself,
// fed the bytes as ingest streams them; only the internal dag-pb nodes are kept (leaves are ranges of the object).
// Imports nothing of the project: the store calls it from its ingest pass.
import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { importer, type ImporterOptions } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { CID } from 'multiformats/cid';
import { code as RAW_CODE } from 'multiformats/codecs/raw';

export const CHUNK_SIZE = 1 << 20;
export const MAX_CHILDREN = 174;

/** The importer's parameters for every DAG of the store (tests run the importer with the same ones). */
export function importerOptions(): ImporterOptions {
  return {
    cidVersion: 1,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: CHUNK_SIZE }),
    layout: balanced({ maxChildrenPerNode: MAX_CHILDREN }),
    // One leaf at a time: the importer's default (10) makes it take ten 1 MiB leaves before it hashes any, and holds
    // them all; our blockstore keeps no leaf and hashing is synchronous, so more buys nothing. With it, a 1 GiB
    // upload grew the server's RssAnon by 85 MiB; with 1, by 45 MiB and in half the time.
    blockWriteConcurrency: 1,
  };
}

/** An internal node, kept in the index. */
export interface DagNode {
  cid: string;
  bytes: Uint8Array;
}

/** A raw leaf: a range of the object file. */
export interface DagLeaf {
  cid: string;
  offset: number;
  length: number;
}

export interface UnixfsDag {
  root: string;
  nodes: DagNode[];
  /** In file order; a leaf repeated in the file (runs of zeros) appears once per place. */
  leaves: DagLeaf[];
}

/** Pending chunks the importer has not taken yet: a few MiB, so ingest never buffers a whole file. */
const MAX_QUEUED = 8;

/**
 * Feeds the importer while ingest streams the bytes. `write` copies the chunk (callers reuse their buffers) and waits
 * while the importer is behind; `end` returns the DAG; `abort` stops it (a failed ingest).
 */
export class DagBuilder {
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private failure: unknown = null;
  private wakeConsumer: (() => void) | null = null;
  private wakeProducer: (() => void) | null = null;
  private readonly nodes = new Map<string, Uint8Array>();
  private size = 0;
  private readonly result: Promise<string>;

  /** `copyChunks` false when every chunk written is a fresh buffer nobody else writes to (a file read stream). */
  constructor(private readonly copyChunks = true) {
    this.result = this.run();
    this.result.catch(() => {}); // reported by end()
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    if (chunk.byteLength === 0) return;
    this.size += chunk.byteLength;
    let owned = chunk;
    if (this.copyChunks) {
      owned = new Uint8Array(chunk.byteLength);
      owned.set(chunk);
    }
    this.queue.push(owned);
    this.wakeConsumer?.();
    while (this.queue.length >= MAX_QUEUED && !this.failure) {
      await new Promise<void>((resolve) => (this.wakeProducer = resolve));
    }
    if (this.failure) throw this.failure;
  }

  async end(): Promise<UnixfsDag> {
    this.ended = true;
    this.wakeConsumer?.();
    const root = await this.result;
    return { root, nodes: [...this.nodes].map(([cid, bytes]) => ({ cid, bytes })), leaves: leavesOf(root, this.nodes, this.size) };
  }

  abort(reason: unknown = new Error('aborted')): void {
    this.failure ??= reason;
    this.ended = true;
    this.wakeConsumer?.();
    this.wakeProducer?.();
  }

  private async *chunks(): AsyncIterable<Uint8Array> {
    for (;;) {
      if (this.failure) throw this.failure;
      const chunk = this.queue.shift();
      if (chunk) {
        this.wakeProducer?.();
        yield chunk;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
      this.wakeConsumer = null;
    }
  }

  private async run(): Promise<string> {
    const blockstore = {
      put: async (cid: CID, bytes: Uint8Array) => {
        if (cid.code === dagPb.code) this.nodes.set(cid.toString(), bytes);
        return cid;
      },
    };
    try {
      let root: CID | null = null;
      for await (const entry of importer([{ content: this.chunks() }], blockstore, importerOptions())) root = entry.cid;
      if (!root) throw new Error('the importer returned no root');
      return root.toString();
    } catch (error) {
      this.failure ??= error;
      this.wakeProducer?.();
      throw error;
    }
  }
}

/**
 * The DAG of a whole byte stream (backfill of stores made before DAGs, and tests). `freshChunks`: the source never
 * reuses a chunk's memory (fs.createReadStream does not), so none is copied.
 */
export async function dagOf(source: AsyncIterable<Uint8Array>, options: { freshChunks?: boolean } = {}): Promise<UnixfsDag> {
  const builder = new DagBuilder(!options.freshChunks);
  try {
    for await (const chunk of source) await builder.write(chunk);
  } catch (error) {
    builder.abort(error);
    throw error;
  }
  return builder.end();
}

/** A decoded internal node: its links, and the size of the file bytes under each. */
export interface NodeLinks {
  links: { cid: CID; size: number }[];
  fileSize: number;
}

export function decodeNode(bytes: Uint8Array): NodeLinks {
  const node = dagPb.decode(bytes);
  if (!node.Data) throw new Error('a dag-pb node without UnixFS data');
  const unixfs = UnixFS.unmarshal(node.Data);
  if (unixfs.type !== 'file' && unixfs.type !== 'raw') throw new Error(`a UnixFS ${unixfs.type} node, not a file`);
  if (unixfs.blockSizes.length !== node.Links.length) throw new Error('a UnixFS node whose block sizes do not match its links');
  return {
    links: node.Links.map((link, i) => ({ cid: link.Hash, size: Number(unixfs.blockSizes[i]) })),
    fileSize: Number(unixfs.fileSize()),
  };
}

/** The leaves in file order, with their offsets: a walk of the internal nodes from the root. */
export function leavesOf(root: string, nodes: ReadonlyMap<string, Uint8Array>, size: number): DagLeaf[] {
  const leaves: DagLeaf[] = [];
  const walk = (cid: CID, offset: number, length: number): void => {
    if (cid.code === RAW_CODE) {
      leaves.push({ cid: cid.toString(), offset, length });
      return;
    }
    const bytes = nodes.get(cid.toString());
    if (!bytes) throw new Error(`node ${cid} is missing from the DAG`);
    let at = offset;
    for (const link of decodeNode(bytes).links) {
      walk(link.cid, at, link.size);
      at += link.size;
    }
  };
  walk(CID.parse(root), 0, size);
  return leaves;
}
