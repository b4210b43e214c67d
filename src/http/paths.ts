// Download paths and their query: `/v1/blob/<cid>`, `/v1/tensor/<cid>/<name>` with `slice` and `format`, and
// `/v1/file/<cid>` (the file; with `tensors=a,b`, a safetensors file of just those tensors).
// Pure. File paths are only ever built from a validated CID (by the store), never from a tensor name; the checks on
// names below are defence in depth, and make traversal attempts a clear 400 rather than a 404.
//
// Decisions:
// - The pathname is checked raw, as received (not through `new URL`, which would resolve `..` and `%2e%2e` and
//   hide the attempt). Refused with 400: characters outside printable ASCII (NUL, controls, spaces, raw UTF-8),
//   a backslash, `%00`, an empty segment (`//`, a trailing `/`), a `.` or `..` segment in any spelling (`%2e%2E`).
// - The CID must be written literally (no escapes) in a form the store mints, an object's CID or a UnixFS
//   root (src/store/cid.ts isStoreCid decides): CIDv0, other bases, codecs or hashes: 400.
// - The tensor name is the rest of the path, percent-decoded as a whole: `a/b` and `a%2Fb` both name "a/b", so names
//   with dots (`model.layers.0.weight`) and slashes (`encoder/layer_0/kernel`) work. A decoded name that is
//   empty, starts with '/', holds a control character or has a `.` or `..` segment is refused: no tensor with such
//   a name can be downloaded.
// - Query: `slice` (a numpy-style spec, at most MAX_SLICE_LENGTH characters; empty means the whole tensor) and
//   `format` = raw | npy | arrow | safetensors (default raw), both for tensors only; `tensors` (names joined by
//   commas, or a JSON array) for /v1/file only; plus the signature's `exp`, `kid`, `sig`.
//   An unknown or repeated parameter is a 400 rather than ignored: a typo such as `formt=npy` would otherwise
//   silently serve raw bytes, and a signed link's parameters are all signed anyway.

import { CID_KIND, isStoreCid } from '../store/cid.ts';

export type DownloadTarget = { kind: 'blob'; cid: string } | { kind: 'tensor'; cid: string; name: string } | { kind: 'file'; cid: string };
export type DownloadFormat = 'raw' | 'npy' | 'arrow' | 'safetensors';
export const DOWNLOAD_FORMATS: readonly DownloadFormat[] = ['raw', 'npy', 'arrow', 'safetensors'];

export interface DownloadQuery {
  /** null for the whole tensor. */
  slice: string | null;
  format: DownloadFormat;
  /** /v1/file/<cid>?tensors=..: the tensors of the subset, in order, without repeats; null or absent: the whole file. */
  tensors?: string[] | null;
}

/** 404 when the path is not a download route at all; 400 when it is one but malformed. */
export type PathAnswer = { ok: true; target: DownloadTarget } | { ok: false; status: 400 | 404; reason: string };
export type QueryAnswer = { ok: true; query: DownloadQuery } | { ok: false; status: 400; reason: string };

export const MAX_SLICE_LENGTH = 1024;
export const SIGNATURE_PARAMS: readonly string[] = ['exp', 'kid', 'sig'];
const QUERY_PARAMS = new Set(['slice', 'format', 'tensors', ...SIGNATURE_PARAMS]);
/** The most tensors one subset names. */
export const MAX_SUBSET_TENSORS = 10000;

/** Splits an origin-form request target (`req.url`) without normalising it; null for any other form. */
export function splitRequestTarget(url: string): { pathname: string; query: string } | null {
  if (!url.startsWith('/')) return null;
  const q = url.indexOf('?');
  return q < 0 ? { pathname: url, query: '' } : { pathname: url.slice(0, q), query: url.slice(q + 1) };
}

export function parseDownloadPath(pathname: string): PathAnswer {
  let kind: 'blob' | 'tensor' | 'file';
  let rest: string;
  if (pathname === '/v1/blob' || pathname.startsWith('/v1/blob/')) {
    kind = 'blob';
    rest = pathname.slice('/v1/blob/'.length);
  } else if (pathname === '/v1/file' || pathname.startsWith('/v1/file/')) {
    kind = 'file';
    rest = pathname.slice('/v1/file/'.length);
  } else if (pathname === '/v1/tensor' || pathname.startsWith('/v1/tensor/')) {
    kind = 'tensor';
    rest = pathname.slice('/v1/tensor/'.length);
  } else {
    return { ok: false, status: 404, reason: 'no such download route: expected /v1/blob/<cid>, /v1/file/<cid> or /v1/tensor/<cid>/<name>' };
  }

  if (rest === '') return bad(kind === 'tensor' ? 'missing CID: expected /v1/tensor/<cid>/<name>' : `missing CID: expected /v1/${kind}/<cid>`);
  if (!/^[\x21-\x7e]*$/.test(pathname)) return bad('the path holds a character outside printable ASCII (percent-encode it)');
  if (pathname.includes('\\')) return bad('the path holds a backslash');
  if (/%00/.test(pathname)) return bad('the path holds an encoded NUL');
  const segments = rest.split('/');
  if (segments.some((s) => s === '')) return bad('the path has an empty segment (// or a trailing /)');
  for (const segment of segments) {
    const decoded = safeDecode(segment);
    if (decoded === null) return bad('the path holds a malformed percent-escape');
    if (decoded === '.' || decoded === '..') return bad("the path has a '.' or '..' segment");
  }

  const [cidText, ...nameSegments] = segments as [string, ...string[]];
  if (!isStoreCid(cidText)) return bad(`not a CID of this store: ${CID_KIND}: ${JSON.stringify(cidText.slice(0, 80))}`);

  if (kind === 'blob' || kind === 'file') {
    if (nameSegments.length > 0) return bad(`a ${kind} path is /v1/${kind}/<cid>, with nothing after the CID`);
    return { ok: true, target: { kind, cid: cidText } };
  }
  if (nameSegments.length === 0) return bad('missing tensor name: expected /v1/tensor/<cid>/<name>');
  const name = safeDecode(nameSegments.join('/'))!;
  const problem = nameProblem(name);
  if (problem) return bad(problem);
  return { ok: true, target: { kind, cid: cidText, name } };
}

/**
 * The path of a target: each '/'-separated part of a tensor name percent-encoded, or the whole name with `%2F`
 * when it has an empty part. canonicalPath (sign.ts) leaves the result unchanged, so it is ready to sign.
 * Throws TypeError for a name parseDownloadPath would refuse.
 */
export function downloadPath(target: DownloadTarget): string {
  if (target.kind === 'blob' || target.kind === 'file') return `/v1/${target.kind}/${target.cid}`;
  const problem = nameProblem(target.name);
  if (problem) throw new TypeError(problem);
  const parts = target.name.split('/');
  const encoded = parts.includes('') ? encodeURIComponent(target.name) : parts.map(encodeURIComponent).join('/');
  return `/v1/tensor/${target.cid}/${encoded}`;
}

export function parseDownloadQuery(params: URLSearchParams, target: DownloadTarget): QueryAnswer {
  const seen = new Set<string>();
  for (const [name] of params) {
    if (!QUERY_PARAMS.has(name)) {
      return { ok: false, status: 400, reason: `unknown query parameter ${JSON.stringify(name.slice(0, 80))} (known: ${[...QUERY_PARAMS].join(', ')})` };
    }
    if (seen.has(name)) return { ok: false, status: 400, reason: `query parameter '${name}' is given more than once` };
    seen.add(name);
  }
  const format = (params.get('format') ?? 'raw') as DownloadFormat;
  if (!DOWNLOAD_FORMATS.includes(format)) {
    return { ok: false, status: 400, reason: `format must be raw, npy, arrow or safetensors, not ${JSON.stringify(format.slice(0, 80))}` };
  }
  const sliceText = params.get('slice');
  if (sliceText !== null && sliceText.length > MAX_SLICE_LENGTH) {
    return { ok: false, status: 400, reason: `slice is longer than ${MAX_SLICE_LENGTH} characters` };
  }
  const slice = sliceText === null || sliceText === '' ? null : sliceText;
  if (target.kind !== 'tensor' && (slice !== null || format !== 'raw')) {
    return { ok: false, status: 400, reason: `slice and format apply to /v1/tensor/<cid>/<name>, not to a ${target.kind}` };
  }
  const tensorsText = params.get('tensors');
  if (tensorsText !== null && target.kind !== 'file') {
    return { ok: false, status: 400, reason: 'tensors applies to /v1/file/<cid> (a subset of its tensors as safetensors)' };
  }
  let tensors: string[] | null = null;
  if (tensorsText !== null) {
    tensors = parseTensorList(tensorsText);
    if (tensors === null) return { ok: false, status: 400, reason: 'tensors must name at least one tensor: names joined by commas, or a JSON array of names' };
    if (tensors.length > MAX_SUBSET_TENSORS) return { ok: false, status: 400, reason: `tensors names more than ${MAX_SUBSET_TENSORS} tensors` };
  }
  return { ok: true, query: tensors ? { slice, format, tensors } : { slice, format } };
}

/** Splits a `tensors=` value: names joined by commas, or a JSON array of names (for names that hold commas). */
export function parseTensorList(text: string): string[] | null {
  let names: unknown;
  if (text.trimStart().startsWith('[')) {
    try {
      names = JSON.parse(text);
    } catch {
      return null;
    }
  } else {
    names = text.split(',');
  }
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string' && n !== '')) return null;
  return [...new Set(names as string[])];
}

function nameProblem(name: string): string | null {
  if (name === '') return 'the tensor name is empty';
  if (name.startsWith('/')) return 'the tensor name starts with / (an absolute path)';
  if (/[\x00-\x1f\x7f]/.test(name)) return 'the tensor name holds a control character';
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(name)) return 'the tensor name is not well-formed Unicode (a lone surrogate)';
  if (name.split(/[/\\]/).some((s) => s === '.' || s === '..')) return "the tensor name has a '.' or '..' part";
  return null;
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function bad(reason: string): PathAnswer {
  return { ok: false, status: 400, reason };
}
