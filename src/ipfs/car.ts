// The blocks of a stored UnixFS DAG in depth-first order without duplicates, and their CARv1 bytes as views to send
// (the framing's lengths from @ipld/car). Leaves are views of the object's mapping, never copies.
import { blockLength, close as closeCar, createWriter as createCarWriter, headerLength } from '@ipld/car/buffer-writer';
import { varint } from 'multiformats';
import { CID } from 'multiformats/cid';
import { code as RAW_CODE } from 'multiformats/codecs/raw';
import { BoundedMap } from '../http/memo.ts';
import { decodeNode, type NodeLinks } from './unixfs.ts';

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
 * Decoded internal nodes by their CID's bytes: decoding one of 174 links (dag-pb, then UnixFS with its block sizes as
 * BigInts) took 2-5 ms, most of a 256 MiB CAR's walk. Content addressing makes a memo exact: a CID's node never
 * changes. About 50 KB an entry at most; enough for the nodes of a file of tens of GiB.
 */
const decodedNodes = new BoundedMap<string, NodeLinks['links']>(128);

function linksOf(key: string, bytes: Uint8Array): NodeLinks['links'] {
  let links = decodedNodes.get(key);
  if (links === undefined) {
    links = decodeNode(bytes).links;
    decodedNodes.set(key, links);
  }
  return links;
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
    // The CID's bytes as the key: its base32 text (cached by multiformats in a WeakMap) cost more than the rest of
    // the walk.
    const key = Buffer.from(cid.bytes.buffer, cid.bytes.byteOffset, cid.bytes.byteLength).toString('latin1');
    if (cid.code === RAW_CODE) {
      if (!seen.has(key)) {
        seen.add(key);
        yield { cid, bytes: source.leaf(offset, length) };
      }
      return;
    }
    const bytes = source.node(cid.toString());
    if (!bytes) throw new Error(`the index lacks node ${cid}`);
    if (!seen.has(key)) {
      seen.add(key);
      yield { cid, bytes };
    }
    if (scope === 'block') return;
    let at = offset;
    for (const link of linksOf(key, bytes)) {
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

/**
 * The CARv1 of `blocks` (roots: [root]) as views to send: the header, then per block its frame (the varint of the
 * CID's and the bytes' length, and the CID) and its bytes, which stay views of the mapping. @ipld/car's
 * buffer-writer gives the lengths (carLength); its streaming CarWriter handed each piece through a promise and an
 * async queue, and its pacing by 'drain' left the socket idle between refills: send.ts's pacing serves a CAR as
 * fast as /v1/blob.
 */
export function* carViews(root: CID, blocks: Iterable<Block>): Generator<Uint8Array> {
  const roots = [root];
  yield closeCar(createCarWriter(new ArrayBuffer(headerLength({ roots })), { roots }));
  for (const block of blocks) {
    const size = block.cid.bytes.byteLength + block.bytes.byteLength;
    const frame = new Uint8Array(blockLength(block) - block.bytes.byteLength);
    varint.encodeTo(size, frame, 0);
    frame.set(block.cid.bytes, frame.byteLength - block.cid.bytes.byteLength);
    yield frame;
    if (block.bytes.byteLength > 0) yield block.bytes;
  }
}

/** The byte length of carViews(root, blocks): a CAR answer carries a Content-Length, so a cut one is seen as cut. */
export function carLength(root: CID, blocks: Iterable<Block>): number {
  let length = headerLength({ roots: [root] });
  for (const block of blocks) length += blockLength(block);
  return length;
}

export { CID };
