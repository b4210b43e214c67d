// What a download target is in the store: its representation (ETag, length, type, file name, dtype and shape),
// the headers that never change for it, and the pieces its body is made of (an .npy header, regions of a mapped
// object, a gathered strided slice). The route memoises these (download.ts); this file looks things up through it.
import { constants as bufferConstants } from 'node:buffer';
import type { MmapFile } from '../mmap/index.ts';
import { planPayload } from '../store/tensor-payload.ts';
import type { TensorReader } from '../store/tensor-reader.ts';
import { formattedPayload, subsetPayload, type FormattedPayload, type PayloadPart } from '../store/format-payload.ts';
import type { FileRecord, TensorRecord } from '../store/types.ts';
import { contentTypeFor, defaultFilename, etagFor, representationHeaders, type CachePolicy, type Representation } from './headers.ts';
import type { DownloadQuery, DownloadTarget } from './paths.ts';
import { bodyLength, type Piece } from './body.ts';
import { Refusal } from './refusal.ts';

export const PUBLIC_CACHE: CachePolicy = { kind: 'public' };

/**
 * What a parsed target resolves to in the store. Index records are immutable for a CID, so this is kept with the
 * parsed target and reused by later requests for the same URL (reusable), except for a strided slice, whose plan
 * can be large; the object itself is opened (and so checked on disk) by every request.
 */
export interface Resolved {
  /** The representation, with the public Cache-Control policy (a signed link's depends on the link and the clock). */
  rep: Representation;
  /** representationHeaders(rep), made once. */
  fixed: readonly string[];
  /** The object the body is read from. */
  cid: string;
  /** The body's pieces. May do work (a strided slice's gather), so it runs only when bytes are sent. */
  pieces(): Piece[];
  reusable: boolean;
}

/** Index lookups, memoised (see createDownloadRoute). */
export interface Lookups {
  /** The mapped object: TensorReader.open, or its earlier answer while the object on disk keeps its size. */
  open(cid: string): MmapFile;
  file(cid: string): FileRecord | null;
  tensor(cid: string, name: string): TensorRecord | null;
}

export function resolveBlob(cid: string, lookups: Lookups): { resolved: Resolved; file: MmapFile } {
  const record = lookups.file(cid);
  if (!record) throw new Refusal(404, 'NOT_FOUND', `no file with CID ${cid}`);
  // `cid` may be the file's UnixFS root: the bytes are its object's.
  const file = lookups.open(record.cid);
  const target: DownloadTarget = { kind: 'blob', cid };
  const query: DownloadQuery = { slice: null, format: 'raw' };
  const rep: Representation = {
    etag: etagFor(target),
    length: file.size,
    contentType: contentTypeFor('raw'),
    cache: PUBLIC_CACHE,
    filename: defaultFilename(target, query, record.format),
  };
  const pieces: Piece[] = [{ cid: record.cid, start: 0, end: file.size }];
  return { resolved: { rep, fixed: representationHeaders(rep), cid: record.cid, pieces: () => pieces, reusable: true }, file };
}

/**
 * A tensor, whole or sliced, raw or .npy, as planPayload (src/store/tensor-payload.ts) decides, composed
 * here as pieces so that a tensor over 4 GiB (more than one Buffer) is served too, and a strided slice is gathered
 * only when its bytes are sent (not for HEAD, 304 or 416).
 */
export function resolveTensor(
  target: Extract<DownloadTarget, { kind: 'tensor' }>,
  query: DownloadQuery,
  reader: Pick<TensorReader, 'plan' | 'sliceBytes' | 'range'>,
  lookups: Lookups,
): { resolved: Resolved; file: MmapFile } {
  const tensor = lookups.tensor(target.cid, target.name);
  if (!tensor) {
    const file = lookups.file(target.cid);
    throw new Refusal(404, 'NOT_FOUND', file ? `file ${target.cid} has no tensor named ${JSON.stringify(target.name)}` : `no file with CID ${target.cid}`);
  }
  const file = lookups.open(tensor.cid);
  if (query.format === 'arrow' || query.format === 'safetensors') {
    const payload = formattedPayload(reader, tensor, { slice: query.slice, format: query.format });
    return { resolved: formattedResolved(target, query, tensor.cid, payload, { dtype: tensor.dtype, shape: payload.shape }), file };
  }
  const planned = planPayload(tensor, { slice: query.slice, format: query.format }, (t, spec) => reader.plan(t, spec));
  const header = planned.header;
  const plan = planned.slice;
  let data: () => Piece[];
  let strided = false;
  if (plan === null) {
    // The stored bytes as they are (column-major kept, and said so in the .npy header).
    const region: Piece[] = [{ cid: tensor.cid, start: tensor.byteOffset, end: tensor.byteOffset + tensor.byteLength }];
    data = () => region;
  } else if (plan.rangeCount <= 1) {
    const region: Piece[] = plan.rangeCount === 0 ? [] : [{ cid: tensor.cid, start: tensor.byteOffset + plan.ranges[0]!, end: tensor.byteOffset + plan.ranges[1]! }];
    data = () => region;
  } else {
    if (plan.byteLength > bufferConstants.MAX_LENGTH) {
      throw new Refusal(413, 'TOO_LARGE', `this strided slice is ${plan.byteLength} bytes, more than one gather can hold (${bufferConstants.MAX_LENGTH}): ask for it in parts (e.g. by rows)`);
    }
    strided = true;
    data = () => [reader.sliceBytes(tensor, plan)];
  }
  const rep: Representation = {
    etag: etagFor(target, query),
    length: planned.byteLength,
    contentType: contentTypeFor(query.format),
    cache: PUBLIC_CACHE,
    filename: defaultFilename(target, query),
    dtype: tensor.dtype,
    shape: planned.shape,
  };
  const pieces = (): Piece[] => {
    const pieces = header ? [header, ...data()] : data();
    if (bodyLength(pieces) !== rep.length) throw new Error(`tensor body is ${bodyLength(pieces)} bytes, planned ${rep.length}`);
    return pieces;
  };
  return { resolved: { rep, fixed: representationHeaders(rep), cid: tensor.cid, pieces, reusable: !strided }, file };
}

/** `/v1/file/<cid>`: the blob, or with `tensors=` a safetensors file of just those tensors (format-payload.ts). */
export function resolveFile(
  target: Extract<DownloadTarget, { kind: 'file' }>,
  query: DownloadQuery,
  reader: Pick<TensorReader, 'plan' | 'sliceBytes' | 'range'>,
  lookups: Lookups,
): { resolved: Resolved; file: MmapFile } {
  if (!query.tensors) return resolveBlob(target.cid, lookups);
  const record = lookups.file(target.cid);
  if (!record) throw new Refusal(404, 'NOT_FOUND', `no file with CID ${target.cid}`);
  const file = lookups.open(target.cid);
  const payload = subsetPayload(reader, record, (name) => lookups.tensor(target.cid, name), query.tensors);
  return { resolved: formattedResolved(target, query, target.cid, payload, {}), file };
}

function formattedResolved(target: DownloadTarget, query: DownloadQuery, cid: string, payload: FormattedPayload, tensor: Pick<Representation, 'dtype' | 'shape'>): Resolved {
  const rep: Representation = {
    etag: etagFor(target, query),
    length: payload.byteLength,
    contentType: contentTypeFor(query.format),
    cache: PUBLIC_CACHE,
    filename: defaultFilename(target, query),
    ...tensor,
  };
  const toPiece = (part: PayloadPart): Piece => (part instanceof Uint8Array ? part : { cid, start: part.start, end: part.end });
  const pieces = (): Piece[] => {
    const pieces = payload.parts().map(toPiece);
    if (bodyLength(pieces) !== rep.length) throw new Error(`${query.format} body is ${bodyLength(pieces)} bytes, planned ${rep.length}`);
    return pieces;
  };
  return { rep, fixed: representationHeaders(rep), cid, pieces, reusable: payload.reusable };
}

