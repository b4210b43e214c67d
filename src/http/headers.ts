// Response headers of the download route, built from plain data. Pure: the route only adds Date and writes them.
//
// Decisions:
// - ETag: strong (the bytes are a pure function of the CID and the request). A blob's is `"<cid>"`. A tensor's
//   names what was asked for: `"<cid>/<name>"`, plus `?slice=<spec>` and `&format=npy`, each part
//   percent-encoded so the tag only holds characters an entity tag allows. Over MAX_READABLE_ETAG characters the
//   part after the CID becomes `~` + a SHA-256 digest, to keep headers short for proxies. The same slice spelt two
//   ways (`0:10` and `:10`) gets two tags: a lost cache hit, never a wrong one.
// - Content-Type: application/octet-stream for raw bytes (blobs, tensors, slices); application/x-npy for
//   format=npy (not registered, but the name numpy-speaking tools and services use).
// - X-Tensor-Dtype: the safetensors dtype name (F32, BF16, ...). X-Tensor-Shape: JSON without spaces, `[2,3]`,
//   `[]` for a 0-d tensor (so it is never an empty header), `[0,4]` for an empty one.
// - Cache-Control: a signed link `public, max-age=<seconds left on the link>, immutable` (a cache can keep it as
//   long as the URL works); --public mode `public, max-age=31536000, immutable` (content-addressed bytes never
//   change). 416 and errors: no-store.
// - CORS: any origin may read, and the headers a client needs are exposed. Preflights (browsers send one for
//   If-None-Match, If-Range or a multi-range Range) get corsPreflightHeaders().
// - A 304 carries only ETag, Cache-Control and CORS (nginx also drops Content-Type, Content-Length and
//   Accept-Ranges from its 304s). A 416 carries Content-Range `bytes */<length>` and no ETag, like nginx's.
import { createHash } from 'node:crypto';
import { blobFilename, tensorFilename } from '../store/tensor-payload.ts';
import type { FileFormat } from '../store/types.ts';
import type { DownloadFormat, DownloadQuery, DownloadTarget } from './paths.ts';
import { contentRange, unsatisfiedRange, type ByteRange } from './range.ts';

export type HeaderMap = Record<string, string>;

export type CachePolicy =
  /** A signed link: cacheable until it expires. Unix seconds. */
  | { kind: 'signed'; expiresAt: number; now: number }
  /** --public mode. */
  | { kind: 'public' }
  /** Read with a bearer token (no link): only the client's own cache may keep it. */
  | { kind: 'private' };

export interface Representation {
  etag: string;
  /** Bytes of the whole representation (ranges count within it). */
  length: number;
  contentType: string;
  cache: CachePolicy;
  /** For Content-Disposition; none when null or absent. */
  filename?: string | null;
  /** For tensors and slices. */
  dtype?: string | null;
  shape?: readonly number[] | null;
}

export type Answer =
  | { status: 200 }
  | { status: 206; range: ByteRange }
  /** Several ranges: the type and length of the framed body (see multipart.ts). */
  | { status: 206; multipart: { contentType: string; contentLength: number } }
  | { status: 304 }
  | { status: 416 };

export const CONTENT_TYPE_RAW = 'application/octet-stream';
export const CONTENT_TYPE_NPY = 'application/x-npy';
/** One year, the usual "forever" of max-age. */
export const PUBLIC_MAX_AGE = 31536000;
export const MAX_READABLE_ETAG = 200;
const PUBLIC_CACHE_CONTROL = `public, max-age=${PUBLIC_MAX_AGE}, immutable`;
export const EXPOSED_HEADERS = ['Content-Range', 'Content-Length', 'ETag', 'Accept-Ranges', 'X-Tensor-Dtype', 'X-Tensor-Shape', 'Content-Disposition'];
const EXPOSED_HEADERS_VALUE = EXPOSED_HEADERS.join(', ');

/** The IANA media type of the Arrow IPC stream format. */
export const CONTENT_TYPE_ARROW = 'application/vnd.apache.arrow.stream';

export function contentTypeFor(format: DownloadFormat): string {
  return format === 'npy' ? CONTENT_TYPE_NPY : format === 'arrow' ? CONTENT_TYPE_ARROW : CONTENT_TYPE_RAW;
}


export function etagFor(target: DownloadTarget, query: DownloadQuery = { slice: null, format: 'raw' }): string {
  if (target.kind === 'blob') {
    if (query.slice !== null || query.format !== 'raw') throw new TypeError('a blob has no slice or npy form');
    return `"${target.cid}"`;
  }
  if (target.kind === 'file') {
    if (!query.tensors) return `"${target.cid}"`;
    const readable = `${target.cid}/file?tensors=${encodeURIComponent(JSON.stringify(query.tensors))}`;
    if (readable.length <= MAX_READABLE_ETAG && query.tensors.every(wellFormed)) return `"${readable}"`;
    return `"${target.cid}/~${createHash('sha256').update(JSON.stringify(query.tensors)).digest('base64url')}"`;
  }
  // Names come from file headers and may hold lone surrogates, which encodeURIComponent refuses: those are hashed.
  if (wellFormed(target.name) && (query.slice === null || wellFormed(query.slice))) {
    let readable = `${target.cid}/${encodeURIComponent(target.name)}`;
    if (query.slice !== null) readable += `?slice=${encodeURIComponent(query.slice)}`;
    if (query.format !== 'raw') readable += `${query.slice !== null ? '&' : '?'}format=${query.format}`;
    if (readable.length <= MAX_READABLE_ETAG) return `"${readable}"`;
  }
  // JSON.stringify writes a lone surrogate as an escape, so distinct inputs keep distinct digests.
  const digest = createHash('sha256').update(JSON.stringify([target.name, query.slice, query.format])).digest('base64url');
  return `"${target.cid}/~${digest}"`;
}

/** A download name (src/store/tensor-payload.ts decides): `<cid>.<ext>` for a blob, else the tensor's (and slice's). */
export function defaultFilename(target: DownloadTarget, query: DownloadQuery, fileFormat?: FileFormat): string {
  if (target.kind === 'file' && query.tensors) return `${target.cid}-subset.safetensors`;
  return target.kind !== 'tensor' ? blobFilename(target.cid, fileFormat) : tensorFilename(target.name, query.slice, query.format);
}

/**
 * `attachment; filename="<ASCII fallback>"` plus `filename*=UTF-8''<percent-encoded>` (RFC 6266, RFC 8187) when
 * the name is not plain ASCII. Path separators and control characters become `_`.
 */
export function contentDisposition(filename: string): string {
  const safe = filename.replace(/[\x00-\x1f\x7f/\\]/g, '_');
  const fallback = safe.replace(/[^\x20-\x7e]|["%]/g, '_');
  const head = `attachment; filename="${fallback}"`;
  if (fallback === safe) return head;
  const encoded = encodeURIComponent(toWellFormed(safe)).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${head}; filename*=UTF-8''${encoded}`;
}

export function cacheControl(policy: CachePolicy): string {
  if (policy.kind === 'public') return PUBLIC_CACHE_CONTROL;
  if (policy.kind === 'private') return 'private, max-age=3600';
  const left = Math.max(0, Math.floor(policy.expiresAt - policy.now));
  return `public, max-age=${left}, immutable`;
}

export function corsHeaders(): HeaderMap {
  return { 'Access-Control-Allow-Origin': '*', 'Access-Control-Expose-Headers': EXPOSED_HEADERS_VALUE };
}

/** A header map as the flat [name, value, ...] list replies carry. */
export function headerList(map: HeaderMap): HeaderList {
  const list: HeaderList = [];
  for (const name in map) list.push(name, map[name]!);
  return list;
}

/** For OPTIONS on a download path (answer 204). */
export function corsPreflightHeaders(): HeaderMap {
  return {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    'Access-Control-Allow-Headers': 'Range, If-Range, If-None-Match, If-Match',
    'Access-Control-Max-Age': '86400',
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function wellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

function toWellFormed(s: string): string {
  return s.replace(new RegExp(LONE_SURROGATE.source, 'g'), '\uFFFD');
}

/** Headers as a flat [name, value, name, value, ...] list, as res.writeHead takes them. */
export type HeaderList = string[];

/**
 * The headers every 200 and 206 of a representation carries, whatever the range and the clock (so not
 * Content-Type, Content-Length, Content-Range or Cache-Control), as a flat list: the route computes them once per
 * representation.
 */
export function representationHeaders(rep: Omit<Representation, 'cache' | 'length' | 'contentType'>): readonly string[] {
  // Content-Disposition comes before the Content-Length the answer adds: past a Content-Length, Node re-encodes a
  // Content-Disposition value through a latin1 Buffer (about 3 us a response). Ours is always plain ASCII
  // (contentDisposition), so the bytes on the wire are the same either way.
  const list = ['Accept-Ranges', 'bytes', 'ETag', rep.etag, 'X-Content-Type-Options', 'nosniff'];
  if (rep.filename) list.push('Content-Disposition', contentDisposition(rep.filename));
  if (rep.dtype) list.push('X-Tensor-Dtype', rep.dtype);
  if (rep.shape) list.push('X-Tensor-Shape', `[${rep.shape.join(',')}]`);
  list.push('Access-Control-Allow-Origin', '*', 'Access-Control-Expose-Headers', EXPOSED_HEADERS_VALUE);
  return list;
}

/**
 * The headers of an answer as a flat list (for res.writeHead: building it costs a tenth of a microsecond, where
 * copying a header object and adding fields to it costs microseconds). The route adds only Date (Node does) and,
 * for 416, its message body's type and length. `fixed` is representationHeaders(rep), when the caller has it.
 */
export function responseHeaderList(rep: Representation, answer: Answer, fixed?: readonly string[]): HeaderList {
  if (answer.status === 304 || answer.status === 416) return varyingHeaderList(rep, answer);
  return (fixed ?? representationHeaders(rep)).concat(varyingHeaderList(rep, answer));
}

/**
 * What responseHeaderList adds to representationHeaders(rep) for a 200 or 206 (the headers that depend on the range
 * and the clock); the whole list for a 304 or 416, which carry none of the representation's fixed headers.
 */
export function varyingHeaderList(rep: Representation, answer: Answer): HeaderList {
  if (answer.status === 304) return ['ETag', rep.etag, 'Cache-Control', cacheControl(rep.cache), 'Access-Control-Allow-Origin', '*', 'Access-Control-Expose-Headers', EXPOSED_HEADERS_VALUE];
  if (answer.status === 416) {
    return ['Content-Range', unsatisfiedRange(rep.length), 'Accept-Ranges', 'bytes', 'Cache-Control', 'no-store', 'Access-Control-Allow-Origin', '*', 'Access-Control-Expose-Headers', EXPOSED_HEADERS_VALUE];
  }
  const cache = cacheControl(rep.cache);
  if (answer.status === 200) return ['Content-Type', rep.contentType, 'Content-Length', String(rep.length), 'Cache-Control', cache];
  if ('range' in answer) {
    return ['Content-Type', rep.contentType, 'Content-Length', String(answer.range.end - answer.range.start), 'Content-Range', contentRange(answer.range, rep.length), 'Cache-Control', cache];
  }
  return ['Content-Type', answer.multipart.contentType, 'Content-Length', String(answer.multipart.contentLength), 'Cache-Control', cache];
}

/** responseHeaderList as an object. */
export function responseHeaders(rep: Representation, answer: Answer, fixed?: readonly string[]): HeaderMap {
  const list = responseHeaderList(rep, answer, fixed);
  const headers: HeaderMap = {};
  for (let i = 0; i < list.length; i += 2) headers[list[i]!] = list[i + 1]!;
  return headers;
}
