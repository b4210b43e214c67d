// The Zarr v2 view of a stored file: `/zarr/<cid>/` is a group, each tensor an array below it (a name with '/'
// nests groups, as Zarr paths do), each chunk key a view of the mapped object (src/tensor/zarr.ts says which
// bytes). Served by the download route (download.ts), so ETags, Range and HEAD work on every key as on any
// representation.
//
// Generic Zarr clients append keys to a base URL, so a signed link cannot carry its signature in the query: a
// signed prefix is `/zarr/s/<exp>/<kid>/<sig>/<cid>/`, signed like a link to the path `/zarr/<cid>/` with exp
// and kid (sign.ts), and it covers every key below it. With --public (or a read token) `/zarr/<cid>/` works too.
//
// Keys: `.zgroup`, `.zattrs` (the file's `__metadata__`), `.zmetadata` (all of it consolidated, so a client that
// opens with zarr.open_consolidated makes one request), `<name>/.zarray`, `<name>/.zattrs`, `<name>/<i.j.k>`.
// The bare prefix answers a JSON list of the arrays (for people with curl).
import { createHash } from 'node:crypto';
import { signPath, type KeyRing } from './sign.ts';
import { isStoreCid } from '../store/cid.ts';
import { chunkRegion, parseChunkKey, zarrArrayMeta, zarrGeometry, type ZarrGeometry } from '../tensor/zarr.ts';
import type { FileRecord, TensorRecord } from '../store/types.ts';
import { representationHeaders, type Representation } from './headers.ts';
import type { Piece } from './body.ts';
import { Refusal } from './refusal.ts';
import type { Resolved } from './representations.ts';

export const ZARR_PREFIX = '/zarr/';
const SIGNED = /^\/zarr\/s\/([0-9]{1,15})\/([A-Za-z0-9_-]{1,64})\/([A-Za-z0-9_-]{43})\/(.*)$/;

export interface ZarrPath {
  cid: string;
  /** The key below the prefix, its segments percent-decoded: '' for the prefix itself. */
  key: string;
  /** The prefix the signature covers (`/zarr/<cid>/`), and the signature's parts when the path carries one. */
  prefix: string;
  signature: { exp: string; kid: string; sig: string } | null;
}

export function isZarrPath(pathname: string): boolean {
  return pathname === '/zarr' || pathname.startsWith(ZARR_PREFIX);
}

/** Parses `/zarr/<cid>/<key>` or `/zarr/s/<exp>/<kid>/<sig>/<cid>/<key>`; a Refusal (400/404) for anything else. */
export function parseZarrPath(pathname: string): ZarrPath {
  if (!/^[\x21-\x7e]*$/.test(pathname) || pathname.includes('\\') || /%00/.test(pathname)) throw new Refusal(400, 'BAD_REQUEST', 'the path holds a character outside printable ASCII, a backslash or an encoded NUL');
  let rest: string;
  let signature: ZarrPath['signature'] = null;
  const signed = SIGNED.exec(pathname);
  if (signed) {
    signature = { exp: signed[1]!, kid: signed[2]!, sig: signed[3]! };
    rest = signed[4]!;
  } else {
    rest = pathname.slice(ZARR_PREFIX.length);
    if (rest.startsWith('s/')) throw new Refusal(403, 'FORBIDDEN', 'malformed: a signed Zarr prefix is /zarr/s/<exp>/<kid>/<sig>/<cid>/ (sig: 43 base64url characters)', {}, 'malformed');
  }
  const slash = rest.indexOf('/');
  const cid = slash < 0 ? rest : rest.slice(0, slash);
  if (!isStoreCid(cid)) throw new Refusal(cid === '' || cid === 's' ? 404 : 400, cid === '' || cid === 's' ? 'NOT_FOUND' : 'BAD_REQUEST', 'expected /zarr/<cid>/<key> (a CID of this store, bafkrei...) or a signed /zarr/s/<exp>/<kid>/<sig>/<cid>/ prefix');
  const segments = slash < 0 ? [] : rest.slice(slash + 1).split('/');
  if (segments.length > 0 && segments[segments.length - 1] === '') segments.pop();
  const decoded: string[] = [];
  for (const segment of segments) {
    let text: string;
    try {
      text = decodeURIComponent(segment);
    } catch {
      throw new Refusal(400, 'BAD_REQUEST', 'the path holds a malformed percent-escape');
    }
    if (segment === '' || text === '.' || text === '..' || /[\x00-\x1f\x7f]/.test(text)) throw new Refusal(400, 'BAD_REQUEST', "the path has an empty, '.' or '..' segment, or a control character");
    decoded.push(text);
  }
  return { cid, key: decoded.join('/'), prefix: `${ZARR_PREFIX}${cid}/`, signature };
}

/** A signed prefix for the Zarr view of `cid`: every key appended to it is covered by the one signature. */
export function signZarrPrefix(cid: string, options: { ring: KeyRing; expiresIn?: number; now?: number }): { url: string; expiresAt: number } {
  const link = signPath(`${ZARR_PREFIX}${cid}/`, [], options);
  const params = new URLSearchParams(link.query);
  return { url: `/zarr/s/${params.get('exp')}/${params.get('kid')}/${params.get('sig')}/${cid}/`, expiresAt: link.expiresAt };
}

/** What the Zarr view needs of the store. */
export interface ZarrLookups {
  file(cid: string): FileRecord | null;
  tensorsOf(cid: string): readonly TensorRecord[];
}

const JSON_TYPE = 'application/json';
const CHUNK_TYPE = 'application/octet-stream';
/** The zeros that pad edge chunks: shared, read-only by convention (views of it are only ever written out). */
let zeros: Buffer | null = null;

/** The representation of one key of the Zarr view; a Refusal 404 for a key that is none. */
export function resolveZarr(path: ZarrPath, lookups: ZarrLookups): Resolved {
  const file = lookups.file(path.cid);
  if (!file) throw new Refusal(404, 'NOT_FOUND', `no file with CID ${path.cid}`);
  const tensors = lookups.tensorsOf(path.cid);
  // Readable when short; a digest otherwise (a cut-off key could name two keys).
  const readable = encodeURIComponent(path.key);
  const etag = `"${path.cid}/zarr/${readable.length <= 160 ? readable : `~${createHash('sha256').update(path.key).digest('base64url')}`}"`;
  const json = (value: unknown): Resolved => {
    const body = Buffer.from(`${JSON.stringify(value)}\n`);
    return resolvedOf({ etag, length: body.byteLength, contentType: JSON_TYPE, cache: { kind: 'public' } }, path.cid, [body]);
  };
  const key = path.key;
  if (key === '') return json({ zarr_format: 2, arrays: tensors.map((t) => t.name) });
  const slash = key.lastIndexOf('/');
  const parent = slash < 0 ? '' : key.slice(0, slash);
  const leaf = slash < 0 ? key : key.slice(slash + 1);
  const tensor = parent === '' ? null : tensors.find((t) => t.name === parent) ?? null;
  if (tensor) {
    const geometry = zarrGeometry(tensor);
    if (leaf === '.zarray') return json(zarrArrayMeta(tensor, geometry).zarray);
    if (leaf === '.zattrs') return json(zarrArrayMeta(tensor, geometry, { name: tensor.name }).zattrs);
    const indices = parseChunkKey(leaf, geometry);
    if (indices === null) throw new Refusal(404, 'NOT_FOUND', `array ${JSON.stringify(tensor.name)} has no key ${JSON.stringify(leaf)} (chunks ${JSON.stringify(geometry.chunks)} of shape ${JSON.stringify(geometry.shape)})`);
    return chunkOf(tensor, geometry, indices, etag);
  }
  const isGroup = parent === '' || tensors.some((t) => t.name.startsWith(`${parent}/`));
  if (isGroup) {
    if (leaf === '.zgroup') return json({ zarr_format: 2 });
    if (leaf === '.zattrs') return json(parent === '' ? file.metadata ?? {} : {});
    if (leaf === '.zmetadata' && parent === '') return json(consolidated(file, tensors));
  }
  throw new Refusal(404, 'NOT_FOUND', `the Zarr view of ${path.cid} has no key ${JSON.stringify(key.slice(0, 200))}`);
}

function chunkOf(tensor: TensorRecord, geometry: ZarrGeometry, indices: number[], etag: string): Resolved {
  const region = chunkRegion(geometry, indices);
  const start = tensor.byteOffset + region.start;
  const pieces: Piece[] = [];
  if (region.length > 0) pieces.push({ cid: tensor.cid, start, end: start + region.length });
  if (region.padding > 0) {
    if (zeros === null || zeros.byteLength < region.padding) zeros = Buffer.alloc(Math.max(region.padding, 1 << 20));
    pieces.push(zeros.subarray(0, region.padding));
  }
  return resolvedOf({ etag, length: geometry.chunkBytes, contentType: CHUNK_TYPE, cache: { kind: 'public' } }, tensor.cid, pieces);
}

/** zarr.consolidate_metadata's `.zmetadata`: every group's and array's metadata under its key. */
function consolidated(file: FileRecord, tensors: readonly TensorRecord[]): Record<string, unknown> {
  const metadata: Record<string, unknown> = { '.zgroup': { zarr_format: 2 }, '.zattrs': file.metadata ?? {} };
  for (const tensor of tensors) {
    const parts = tensor.name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const group = parts.slice(0, i).join('/');
      metadata[`${group}/.zgroup`] ??= { zarr_format: 2 };
    }
    const meta = zarrArrayMeta(tensor, zarrGeometry(tensor), { name: tensor.name });
    metadata[`${tensor.name}/.zarray`] = meta.zarray;
    metadata[`${tensor.name}/.zattrs`] = meta.zattrs;
  }
  return { zarr_consolidated_format: 1, metadata };
}

function resolvedOf(rep: Representation, cid: string, pieces: Piece[]): Resolved {
  return { rep, fixed: representationHeaders(rep), cid, pieces: () => pieces, reusable: true };
}
