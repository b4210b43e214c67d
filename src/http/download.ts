// The download route: `GET|HEAD /v1/blob/<cid>`, `/v1/tensor/<cid>/<name>[?slice=..&format=raw|npy|arrow|safetensors]`,
// `/v1/file/<cid>[?tensors=a,b]` and the Zarr view `/zarr/<cid>/<key>` (zarr.ts).
// Every decision is made by the pure modules (paths, sign, conditional, range, multipart, headers, refusal); this
// file looks things up in the store and maps them (with representations.ts), making a DownloadReply (status,
// headers, views of mapped memory). Writing it is a transport's job: `handle` here for node:http, and src/server/lane/download-lane.ts, a
// leaner HTTP/1.1 path for the download requests that make up most of a server's traffic; both write the views
// to the socket with send.ts.
//
// The order of checks, and why:
//   method (405) -> path (400 traversal/bad CID, 404 not a route) -> query (400) -> signature (403, unless --public)
//   -> lookup (404) -> slice plan (400) -> If-Match (412) / If-None-Match (304) -> If-Range + Range (206/416/200).
// The signature comes before the lookup so that unsigned probing learns nothing about what the store holds.
// A tensor or slice is its own representation: its length, ETag and ranges count within its bytes (the .npy header
// included for format=npy), never within the file it lives in.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MmapFile } from '../mmap/index.ts';
import type { TensorReader } from '../store/tensor-reader.ts';
import type { FileRecord, TensorRecord } from '../store/types.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { evaluatePreconditions, type Precondition } from './conditional.ts';
import { corsHeaders, corsPreflightHeaders, headerList, varyingHeaderList, type CachePolicy, type HeaderList, type HeaderMap, type Representation } from './headers.ts';
import { planMultipart } from './multipart.ts';
import { asRefusal, INTERNAL_ERROR, Refusal, refusalBody } from './refusal.ts';
import { PUBLIC_CACHE, resolveBlob, resolveFile, resolveTensor, type Lookups, type Resolved } from './representations.ts';
import { isZarrPath, parseZarrPath, resolveZarr, type ZarrPath } from './zarr.ts';
import { parseDownloadPath, parseDownloadQuery, splitRequestTarget, type DownloadQuery, type DownloadTarget } from './paths.ts';
import { bodyViews, singleView } from './body.ts';
import { BoundedMap } from './memo.ts';
import { OpenedObjects } from './opened-objects.ts';
import { DEFAULT_MAX_RANGES, parseRange, type ByteRange } from './range.ts';
import { requestHeadersFromRaw, type DownloadRequest } from './request.ts';
import { DEFAULT_CHUNK_BYTES, sendViews, type BodySink, type SendOptions } from './send.ts';
import { DEFAULT_CLOCK_SKEW, verifyRequest, type KeyRing, type VerifyFailure } from './sign.ts';

/** What the route reads: the store's index (TensorStore fits). */
export interface DownloadStore {
  getFile(cid: string): FileRecord | null;
  getTensor(cid: string, name?: string | null): TensorRecord | null;
  /** The tensors of a file (the Zarr view lists them). */
  tensorsOf?(cid: string): TensorRecord[];
  /** Goes up when the index may have changed (TensorStore.indexChanges); absent: memos only expire with time. */
  readonly indexChanges?: number;
}

export interface DownloadOptions {
  store: DownloadStore;
  reader: TensorReader;
  /** The signing keys; a function so that a rotated ring is picked up at once. */
  ring: () => KeyRing;
  /** Serve reads without signatures, like a public gateway. */
  publicMode?: boolean;
  /**
   * The access model (src/auth), asked once per request: a refusal (rate limit), or whether the request carries a
   * read token, which serves like a signed link. Absent: signatures only.
   */
  admit?: (request: DownloadRequest) => DownloadAdmission;
  /** Seconds of tolerance past a link's `exp`, for nodes whose clocks differ (default sign.ts DEFAULT_CLOCK_SKEW). */
  clockSkew?: number;
  metrics?: Metrics;
  logger?: Logger;
  /** More ranges than this in one request: 200 with the whole body (nginx max_ranges). */
  maxRanges?: number;
  /** Write size and how many writes may be queued per response (send.ts; defaults 1 MiB x 4). */
  chunkBytes?: number;
  depth?: number;
  /** Unix seconds; tests move the clock. */
  now?: () => number;
  /** How long a check that an object is unchanged on disk is trusted (opened-objects.ts; default 10 ms). */
  statEveryMs?: number;
}

/**
 * An answer, made before anything is written: status, headers and body. Transports (node:http below, the download
 * lane in src/server/lane/download-lane.ts) add Date and the connection headers, write the head, then `send` the body.
 */
export type DownloadAdmission =
  | { ok: true; read: boolean; headers: Record<string, string> | null }
  | { ok: false; status: number; code: string; message: string; headers: Record<string, string> };

export interface DownloadReply {
  status: number;
  /**
   * Headers every 200 and 206 of one representation carries, made once per representation and then the same array:
   * a transport may keep their serialised form by identity. Null when the answer has none of them.
   */
  fixed: readonly string[] | null;
  /** The other headers, as a flat [name, value, ...] list; Content-Length whenever a body is (or would be) sent. */
  headers: HeaderList;
  /**
   * Null: no body (HEAD, 304, OPTIONS). One view, written at once; or views pulled as they are written (several
   * ranges, a body made of several pieces), which may throw while pulled: the transport then cuts the connection.
   */
  body: Uint8Array | Iterable<Uint8Array> | null;
}

export interface DownloadRoute {
  /** The answer to a request. Never throws: a failure is an answer too (4xx, or 500/503 for the server's own). */
  reply(request: DownloadRequest): DownloadReply;
  /**
   * Writes a reply's body to a sink whose head is written (or pending), then ends it: synchronously for a small
   * body, a promise while a larger one is sent. Failures on the way are logged and cut the connection. Bytes of
   * 2xx bodies count as served (metrics); error messages do not.
   */
  send(sink: BodySink, reply: DownloadReply, url: string): Promise<void> | void;
  /** The node:http transport: reply + writeHead + send. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void> | void;
  /** Closes the descriptors the route holds (opened-objects.ts). */
  close(): void;
}

const FORBIDDEN: Record<VerifyFailure, string> = {
  'missing signature': 'this server serves signed links only and the request has no signature: get a link from GraphQL (downloadLink, slice) or `ipfrs link`',
  'unknown key': 'the link is signed with a key this server does not hold (rotated out, or from another server)',
  'bad signature': 'the signature does not match this path and these parameters: the link was changed or cut short',
  expired: 'the link has expired: ask for a new one',
  malformed: 'exp, kid or sig is malformed or repeated, or exp is more than 7 days ahead',
};

/**
 * What a request target resolves to before any lookup: pure in the URL string, so it is memoised by it. A link is
 * fetched again and again (range requests, parallel clients, retries); parsing the path and query and checking
 * the HMAC cost tens of microseconds, a Map lookup well under one. A signature is trusted from the memo only while
 * the same key (the same Buffer: a rotation or reload makes new ones) is in the ring, and never past its expiry.
 */
interface ParsedTarget {
  pathname: string;
  target: DownloadTarget;
  /** For a key of the Zarr view (zarr.ts); target is then the file's blob. */
  zarr: ZarrPath | null;
  query: DownloadQuery;
  signed: { kid: string; key: Buffer; expiresAt: number } | null;
  /** Its resolution, once made by a request that got that far (see Resolved), and the memo generation it belongs to. */
  resolved: Resolved | null;
  generation: number;
}

const MEMO_ENTRIES = 4096;
const RECHECK_MS = 1000;

export function createDownloadRoute(options: DownloadOptions): DownloadRoute {
  const now = options.now ?? (() => Date.now() / 1000);
  const maxRanges = options.maxRanges ?? DEFAULT_MAX_RANGES;
  const skew = options.clockSkew ?? DEFAULT_CLOCK_SKEW;
  const targets = new BoundedMap<string, ParsedTarget>(MEMO_ENTRIES);
  // Index records are immutable for a CID (content addressing); whether the object still exists is checked by
  // reader.open (below).
  const records = new BoundedMap<string, FileRecord>(MEMO_ENTRIES);
  const tensors = new BoundedMap<string, TensorRecord>(MEMO_ENTRIES);
  const fileTensors = new BoundedMap<string, TensorRecord[]>(256);
  // ...as long as the CID stays in the store: an object removed and added again, say as raw bytes with another dtype,
  // has other records. So the record memos (and resolutions made from them) last while the index is unchanged
  // (store.indexChanges: our own writes at once, another process's once any lookup sees them) and at most
  // RECHECK_MS, after which they are made again from the index.
  let generation = 0;
  let seenChanges = -1;
  let seenEpoch = -1;
  const refreshMemos = (): void => {
    const changes = options.store.indexChanges ?? 0;
    const epoch = Math.floor(performance.now() / RECHECK_MS);
    if (changes === seenChanges && epoch === seenEpoch) return;
    seenChanges = changes;
    seenEpoch = epoch;
    generation++;
    records.clear();
    tensors.clear();
    fileTensors.clear();
  };
  // reader.open looks the object up in the index and stats it (with the CID checks, tens of microseconds on these
  // VMs: most of a small range request). The index part cannot change for a CID that stays in the store, so the
  // route keeps the mapped file it returned and, on later requests, only checks that nothing happened to it since
  // (opened-objects.ts): a removed, truncated, grown or replaced object then goes through reader.open at once (a
  // clear 404 or 500, and out of the cache). The full check still runs at least once a second per object.
  const opened = new OpenedObjects({
    entries: MEMO_ENTRIES,
    recheckMs: RECHECK_MS,
    open: (cid) => options.reader.open(cid),
    statEveryMs: options.statEveryMs,
    cached: (file) => options.reader.cache.getOrCreate(file.path) === file,
  });
  const lookups: Lookups = {
    open: (cid) => opened.open(cid),
    file(cid) {
      let record = records.get(cid);
      if (record === undefined) {
        record = options.store.getFile(cid) ?? undefined;
        if (record !== undefined) records.set(cid, record);
      }
      return record ?? null;
    },
    tensor(cid, name) {
      const key = `${cid}\u0000${name}`;
      let record = tensors.get(key);
      if (record === undefined) {
        record = options.store.getTensor(cid, name) ?? undefined;
        if (record !== undefined) tensors.set(key, record);
      }
      return record ?? null;
    },
  };
  const zarrLookups = {
    file: lookups.file,
    tensorsOf(cid: string): TensorRecord[] {
      let list = fileTensors.get(cid);
      if (list === undefined) {
        list = options.store.tensorsOf?.(cid) ?? [];
        fileTensors.set(cid, list);
      }
      return list;
    },
  };

  /**
   * The signature of a target that is not public: its key and expiry, or null for an unsigned request that a read
   * token serves as a link would; anything else is a 403 saying which check failed.
   */
  const signatureOf = (path: string, params: URLSearchParams, at: number, bearerRead: boolean): ParsedTarget['signed'] => {
    const ring = options.ring();
    const verdict = verifyRequest(path, params, { ring, now: at, clockSkewSeconds: skew });
    if (verdict.ok) return { kid: verdict.kid, key: ring.keys.get(verdict.kid)!, expiresAt: verdict.expiresAt };
    if (bearerRead && verdict.reason === 'missing signature') return null;
    throw new Refusal(403, 'FORBIDDEN', `${verdict.reason}: ${FORBIDDEN[verdict.reason]}`, {}, verdict.reason);
  };

  /** Path, query and signature of a request target: from the memo, or parsed and verified (then memoised). */
  const parse = (url: string, bearerRead: boolean): ParsedTarget => {
    const memo = targets.get(url);
    // An unsigned target is served with --public, or to a read token (admit checks the token on every request; the
    // path, its parse and its resolution do not depend on it, so they are memoised for the next token holder too).
    if (memo !== undefined && memo.signed === null && (options.publicMode || bearerRead)) return memo;
    const at = now();
    if (memo !== undefined && memo.signed !== null) {
      const signed = memo.signed;
      if (!options.publicMode && options.ring().keys.get(signed.kid) === signed.key && at <= signed.expiresAt + skew) return memo;
      targets.delete(url);
    }
    const split = splitRequestTarget(url);
    if (!split) throw new Refusal(400, 'BAD_REQUEST', 'the request target must be a path (origin form)');
    if (isZarrPath(split.pathname)) return parseZarr(url, split.pathname, split.query, at, bearerRead);
    const path = parseDownloadPath(split.pathname);
    if (!path.ok) throw new Refusal(path.status, path.status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', path.reason);
    const params = new URLSearchParams(split.query);
    const query = parseDownloadQuery(params, path.target);
    if (!query.ok) throw new Refusal(query.status, 'BAD_REQUEST', query.reason);
    const signed = options.publicMode ? null : signatureOf(split.pathname, params, at, bearerRead);
    const parsed: ParsedTarget = { pathname: split.pathname, target: path.target, query: query.query, zarr: null, signed, resolved: null, generation: -1 };
    targets.set(url, parsed);
    return parsed;
  };

  /** A key of the Zarr view: its signature, if any, is in the path and covers the prefix (zarr.ts). */
  const parseZarr = (url: string, pathname: string, query: string, at: number, bearerRead: boolean): ParsedTarget => {
    const zarr = parseZarrPath(pathname);
    if (query !== '') throw new Refusal(400, 'BAD_REQUEST', 'the Zarr view takes no query parameters (a signed prefix carries its signature in the path)');
    const params = new URLSearchParams(zarr.signature ? { exp: zarr.signature.exp, kid: zarr.signature.kid, sig: zarr.signature.sig } : {});
    const signed = options.publicMode ? null : signatureOf(zarr.prefix, params, at, bearerRead);
    const parsed: ParsedTarget = { pathname, target: { kind: 'blob', cid: zarr.cid }, query: { slice: null, format: 'raw' }, zarr, signed, resolved: null, generation: -1 };
    targets.set(url, parsed);
    return parsed;
  };

  const resolve = (parsed: ParsedTarget): { resolved: Resolved; file: MmapFile } => {
    if (parsed.zarr) {
      const resolved = resolveZarr(parsed.zarr, zarrLookups);
      return { resolved, file: lookups.open(resolved.cid) };
    }
    const target = parsed.target;
    if (target.kind === 'blob') return resolveBlob(target.cid, lookups);
    if (target.kind === 'file') return resolveFile(target, parsed.query, options.reader, lookups);
    return resolveTensor(target, parsed.query, options.reader, lookups);
  };

  const onBytes = (n: number): void => options.metrics?.addBytes(n);
  const sendOptions: SendOptions = { chunkBytes: options.chunkBytes, depth: options.depth, onBytes };
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const rangeOptions = { maxRanges };

  // The common request (a single range, or none, of a URL seen before) runs without a promise, generator or
  // closure: the path, signature, index records and the headers that do not depend on the range all come from the
  // memos, and the body is one view of the mapped object.
  const answer = (request: DownloadRequest): DownloadReply => {
    const method = request.method;
    if (method === 'OPTIONS') return { status: 204, fixed: null, headers: headerList({ ...corsPreflightHeaders(), 'Content-Length': '0' }), body: null };
    if (method !== 'GET' && method !== 'HEAD') {
      throw new Refusal(405, 'METHOD_NOT_ALLOWED', `${method} is not served here: use GET or HEAD`, { Allow: 'GET, HEAD, OPTIONS' });
    }
    const head = method === 'HEAD';
    let bearerRead = false;
    if (options.admit !== undefined) {
      const admission = options.admit(request);
      if (!admission.ok) throw new Refusal(admission.status, admission.code, admission.message, admission.headers);
      bearerRead = admission.read;
    }
    const parsed = parse(request.url, bearerRead);
    const cache: CachePolicy = parsed.signed ? { kind: 'signed', expiresAt: parsed.signed.expiresAt, now: now() } : options.publicMode ? PUBLIC_CACHE : PRIVATE_CACHE;
    refreshMemos();
    let resolved = parsed.generation === generation ? parsed.resolved : null;
    let file: MmapFile;
    if (resolved === null) {
      const fresh = resolve(parsed);
      resolved = fresh.resolved;
      file = fresh.file;
      parsed.resolved = resolved.reusable ? resolved : null;
      parsed.generation = generation;
    } else {
      file = lookups.open(resolved.cid);
    }
    const rep = cache === PUBLIC_CACHE ? resolved.rep : withCache(resolved.rep, cache);

    const headers = request.headers;
    const pre =
      headers.ifMatch === undefined && headers.ifNoneMatch === undefined && headers.ifRange === undefined
        ? NO_PRECONDITIONS
        : evaluatePreconditions(headers, rep.etag);
    if (pre.kind === 'precondition-failed') throw new Refusal(412, 'PRECONDITION_FAILED', `If-Match does not name ${rep.etag}`);
    if (pre.kind === 'not-modified') return { status: 304, fixed: null, headers: varyingHeaderList(rep, { status: 304 }), body: null };

    const rangeHeader = pre.honourRange ? headers.range : undefined;
    const ranges = parseRange(rangeHeader, rep.length, rangeOptions);
    if (ranges.kind === 'unsatisfiable') {
      const body = Buffer.from(`${JSON.stringify({ error: 'RANGE_NOT_SATISFIABLE', message: `no range of ${JSON.stringify(rangeHeader)} falls within the ${rep.length} bytes` })}\n`);
      const list = varyingHeaderList(rep, { status: 416 });
      list.push('Content-Type', 'application/json; charset=utf-8', 'Content-Length', String(body.length));
      return { status: 416, fixed: null, headers: list, body: head ? null : body };
    }

    if (ranges.kind === 'full' || ranges.ranges.length === 1) {
      const range = ranges.kind === 'full' ? { start: 0, end: rep.length } : ranges.ranges[0]!;
      const status = ranges.kind === 'full' ? 200 : 206;
      const list = varyingHeaderList(rep, status === 200 ? { status: 200 } : { status: 206, range });
      if (head) return { status, fixed: resolved.fixed, headers: list, body: null };
      const pieces = resolved.pieces();
      const view = singleView(options.reader, pieces, range.start, range.end, file);
      return { status, fixed: resolved.fixed, headers: list, body: view ?? bodyViews(options.reader, pieces, range.start, range.end, file) };
    }
    const plan = planMultipart(ranges.ranges, rep.length, rep.contentType);
    const list = varyingHeaderList(rep, { status: 206, multipart: { contentType: plan.contentType, contentLength: plan.contentLength } });
    if (head) return { status: 206, fixed: resolved.fixed, headers: list, body: null };
    const pieces = resolved.pieces();
    return { status: 206, fixed: resolved.fixed, headers: list, body: multipartViews(plan, (range) => bodyViews(options.reader, pieces, range.start, range.end, file)) };
  };

  const reply = (request: DownloadRequest): DownloadReply => {
    try {
      return answer(request);
    } catch (error) {
      const refusal = asRefusal(error);
      if (!refusal) {
        options.logger?.error('download: unexpected error', { error, url: loggable(request.url) });
        return errorReply(INTERNAL_ERROR, request.method);
      }
      if (refusal.status >= 500) options.logger?.error('download: server-side failure', { error, url: loggable(request.url) });
      return errorReply(refusal, request.method);
    }
  };

  const send = (sink: BodySink, reply: DownloadReply, url: string): Promise<void> | void => {
    const body = reply.body;
    if (body === null) return void sink.end();
    if (body instanceof Uint8Array && body.byteLength <= chunkBytes) {
      if (reply.status < 300) onBytes(body.byteLength);
      return void sink.end(body);
    }
    return sendViews(sink, body instanceof Uint8Array ? [body] : body, sendOptions).then(
      (whole) => {
        if (!whole) options.logger?.debug('download: client went away', { url: loggable(url) });
      },
      // Too late for a status: cut the connection so the client sees a short body, never a silently wrong one.
      (error: unknown) => {
        options.logger?.error('download: failed while sending', { error, url: loggable(url) });
        sink.destroy();
      },
    );
  };

  const handle = (req: IncomingMessage, res: ServerResponse): Promise<void> | void => {
    const url = req.url ?? '';
    const answer = reply({ method: req.method ?? 'GET', url, headers: requestHeadersFromRaw(req.rawHeaders), peer: req.socket.remoteAddress });
    res.writeHead(answer.status, answer.fixed === null ? answer.headers : answer.fixed.concat(answer.headers));
    return send(res, answer, url);
  };

  return { reply, send, handle, close: () => opened.close() };
}

/** A representation with another cache policy: spelt out, since spreading an object costs microseconds here. */
function withCache(rep: Representation, cache: CachePolicy): Representation {
  return { etag: rep.etag, length: rep.length, contentType: rep.contentType, cache, filename: rep.filename, dtype: rep.dtype, shape: rep.shape };
}
const PRIVATE_CACHE: CachePolicy = { kind: 'private' };
const NO_PRECONDITIONS: Precondition = { kind: 'proceed', honourRange: true };

/** Each part's framing, the part's bytes as views of the body, then the closing delimiter. */
function* multipartViews(plan: ReturnType<typeof planMultipart>, views: (range: ByteRange) => Iterable<Uint8Array>): Generator<Uint8Array> {
  for (const part of plan.parts) {
    yield part.head;
    yield* views(part);
  }
  yield plan.tail;
}

/** A refusal as an answer: its JSON body (none for HEAD), no-store, CORS; what the route and the IPFS gateway send alike. */
export function errorReply(refusal: Refusal, method: string): DownloadReply {
  const body = Buffer.from(refusalBody(refusal));
  const headers = headerList({
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...corsHeaders(),
    ...refusal.headers,
  });
  return { status: refusal.status, fixed: null, headers, body: method === 'HEAD' ? null : body };
}

/** The request target for logs, its signature redacted: a signed link is a credential until it expires. */
function loggable(url: string | undefined): string {
  return (url ?? '').replace(/([?&]sig=)[^&]*/g, '$1<redacted>');
}
