// The blocks of a stored UnixFS DAG in depth-first order without duplicates, and their CARv1 stream (@ipld/car's
// CarWriter) written to a socket with backpressure. Leaves are views of the object's mapping, never copies.
import type { Writable } from 'node:stream';
import { CarWriter } from '@ipld/car/writer';
import { CID } from 'multiformats/cid';
import { code as RAW_CODE } from 'multiformats/codecs/raw';
import { decodeNode } from './unixfs.ts';

export type DagScope = 'all' | 'entity' | 'block';

/** Inclusive byte offsets of the file (entity-bytes, resolved against its size). */
export interface EntityRange {
  from: number;
  to: number;
}

export interface DagSource {
  /** An internal node's bytes; null when the index lacks it. */
  node(cid: string): Uint8Array | null;
  /** The bytes of [offset, offset + length) of the root's object: a raw leaf. */
  leaf(offset: number, length: number): Uint8Array;
}

export interface Block {
  cid: CID;
  bytes: Uint8Array;
}

/**
 * The blocks under `root` in DFS order, each once. `block` scope: the root only; `entity` and `all` (the same for a
 * file): every block, or with `range` only those its bytes need (the nodes on the way, the leaves that overlap).
 */
export function* dagBlocks(root: CID, size: number, source: DagSource, scope: DagScope, range: EntityRange | null): Generator<Block> {
  const seen = new Set<string>();
  const from = range?.from ?? 0;
  const to = range?.to ?? size - 1;
  function* walk(cid: CID, offset: number, length: number): Generator<Block> {
    const key = cid.toString();
    if (cid.code === RAW_CODE) {
      if (!seen.has(key)) {
        seen.add(key);
        yield { cid, bytes: source.leaf(offset, length) };
      }
      return;
    }
    const bytes = source.node(key);
    if (!bytes) throw new Error(`the index lacks node ${key}`);
    if (!seen.has(key)) {
      seen.add(key);
      yield { cid, bytes };
    }
    if (scope === 'block') return;
    let at = offset;
    for (const link of decodeNode(bytes).links) {
      // A link is needed when its bytes overlap [from, to]; an empty file's only leaf is always needed.
      if (at <= to && at + link.size - 1 >= from) yield* walk(link.cid, at, link.size);
      at += link.size;
    }
  }
  yield* walk(root, 0, size);
}

/** Parses `entity-bytes=from:to` (to inclusive or `*`, negative counts from the end) against the file's size. */
export function parseEntityBytes(text: string, size: number): EntityRange | null {
  const match = /^(-?\d{1,16}):(-?\d{1,16}|\*)$/.exec(text);
  if (!match) return null;
  let from = Number(match[1]);
  let to = match[2] === '*' ? size - 1 : Number(match[2]);
  if (from < 0) from = Math.max(0, size + from);
  if (to < 0) to = size + to;
  if (to < from && !(match[2] === '*' && size === 0)) return null;
  return { from, to: Math.min(to, size - 1) };
}

/** Small pieces (a block's varint and CID) are joined with the next large one into a single write. */
const SMALL = 4096;

/**
 * Writes the CARv1 of `blocks` (roots: [root]) to `out`, waiting for 'drain' whenever the socket's buffer is full.
 * Returns false when the peer went away first (the walk then stops).
 */
export async function writeCar(out: Writable, root: CID, blocks: Iterable<Block>): Promise<boolean> {
  const { writer, out: bytes } = CarWriter.create([root]);
  let stopped = false;
  let failure: unknown = null;
  // The producer always closes the writer, so the loop below always ends: at the last block, at a failure (the
  // connection is then cut by the caller), or soon after the peer left (`stopped`).
  void (async () => {
    try {
      for (const block of blocks) {
        if (stopped) break;
        await writer.put(block);
      }
    } catch (error) {
      failure = error;
    } finally {
      await writer.close().catch(() => {});
    }
  })();
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  for await (const chunk of bytes) {
    if (stopped || out.destroyed) {
      stopped = true;
      continue; // drained, not written, so that the producer sees `stopped` and closes
    }
    if (chunk.byteLength < SMALL) {
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      if (pendingBytes < SMALL) continue;
    }
    let ok = true;
    out.cork();
    if (pending.length) {
      ok = out.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes));
      pending.length = 0;
      pendingBytes = 0;
    }
    if (chunk.byteLength >= SMALL) ok = out.write(chunk) && ok;
    out.uncork();
    if (!ok && !out.destroyed) await drainedOrClosed(out);
  }
  if (failure) throw failure;
  if (pending.length && !out.destroyed) out.write(Buffer.concat(pending, pendingBytes));
  return !out.destroyed;
}

/**
 * The socket's buffer emptied, or it closed. Both listeners go when either fires: `Promise.race` of two `once` left
 * the 'close' (and its 'error') listener of every wait on the response, thousands per 256 MiB.
 */
function drainedOrClosed(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

export { CID };
