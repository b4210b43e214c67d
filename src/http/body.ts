// A download body as pieces written one after another: small buffers (an .npy header, a gathered strided slice) and
// regions of a mapped object. Views of any [start, end) of it are made on demand, without copying, at any size: a
// Buffer holds at most 4 GiB (and MmapFile.bytes() refuses larger files), so a region is cut into segments of at
// most 1 GiB, which MmapFile.range() serves from its cached windows by subarray.
//
// The object is looked up again (a cache hit, well under a microsecond) whenever the file handle in hand was closed
// by an eviction or a clear: a view already made stays valid on its own, and a new one maps the object again.
import type { MmapFile } from '../mmap/index.ts';

/** Any range up to 1 GiB lies inside one of MmapFile's windows, so each segment is a cheap subarray. */
export const SEGMENT_BYTES = 2 ** 30;

/** [start, end) of the object `cid`, absolute offsets. */
export interface MappedRegion {
  cid: string;
  start: number;
  end: number;
}

export type Piece = Uint8Array | MappedRegion;

/** Maps an object through the cache (TensorReader.open: checks the size against the index). */
export interface ObjectOpener {
  open(cid: string): MmapFile;
}

export function pieceLength(piece: Piece): number {
  return piece instanceof Uint8Array ? piece.byteLength : piece.end - piece.start;
}

export function bodyLength(pieces: readonly Piece[]): number {
  let length = 0;
  for (const piece of pieces) length += pieceLength(piece);
  return length;
}

/**
 * Zero-copy views covering [start, end) of the body, in order, made lazily as the consumer pulls them (so a long
 * download pins at most the segment it is writing). Throws RangeError if the range is not within the body.
 */
export function* bodyViews(opener: ObjectOpener, pieces: readonly Piece[], start: number, end: number, file: MmapFile | null = null): Generator<Uint8Array> {
  if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start <= end && end <= bodyLength(pieces))) {
    throw new RangeError(`range [${start}, ${end}) is not within a body of ${bodyLength(pieces)} bytes`);
  }
  let offset = 0;
  for (const piece of pieces) {
    if (offset >= end) return;
    const length = pieceLength(piece);
    const from = Math.max(start, offset);
    const to = Math.min(end, offset + length);
    if (from < to) {
      if (piece instanceof Uint8Array) {
        yield piece.subarray(from - offset, to - offset);
      } else {
        for (let at = from; at < to; at += SEGMENT_BYTES) {
          if (!usable(file, piece.cid)) file = opener.open(piece.cid);
          yield file.range(piece.start + (at - offset), piece.start + (Math.min(at + SEGMENT_BYTES, to) - offset));
        }
      }
    }
    offset += length;
  }
}

/**
 * The one view bodyViews would yield for [start, end) when that lies within a single piece and segment (a single
 * range, the common request), made without a generator; null otherwise (also for an empty or invalid range:
 * bodyViews says what is wrong with it).
 */
export function singleView(opener: ObjectOpener, pieces: readonly Piece[], start: number, end: number, file: MmapFile | null = null): Uint8Array | null {
  if (!(start < end && end - start <= SEGMENT_BYTES && start >= 0)) return null;
  let offset = 0;
  for (const piece of pieces) {
    const length = pieceLength(piece);
    if (start < offset + length) {
      if (end > offset + length) return null;
      if (piece instanceof Uint8Array) return piece.subarray(start - offset, end - offset);
      if (!usable(file, piece.cid)) file = opener.open(piece.cid);
      return file.range(piece.start + (start - offset), piece.start + (end - offset));
    }
    offset += length;
  }
  return null;
}

/** Is `file` an open mapping of the object `cid` (its path ends in `/<cid>`)? Made no string: it runs per request. */
function usable(file: MmapFile | null, cid: string): file is MmapFile {
  if (file === null || file.closed) return false;
  const path = file.path;
  const at = path.length - cid.length;
  return at > 0 && path.charCodeAt(at - 1) === 0x2f && path.endsWith(cid);
}
