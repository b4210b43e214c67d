// `/ipfs/<cid>`: the IPFS Trustless Gateway (raw blocks, CARv1 streams) and the path gateway's answer for a file,
// over the store's UnixFS DAGs (section 12). Either CID of a file is taken, in any spelling IPFS tools write
// (CIDv0, CIDv1 base32); answers name the canonical CIDv1.
//
// Decisions:
// - Response type: `?format=raw|car` first, else the Accept header; raw and car only as asked for, the file for
//   anything else a browser or curl sends. 406 when every type the client accepts is an IPLD/IPFS one we do not
//   make (dag-json, dag-cbor, CAR v2, IPNS records...).
// - The file's bytes go through the download route itself (a public instance of it): Range, If-None-Match, HEAD
//   and zero-copy sending are the /v1/blob engine's; this adds the X-Ipfs-* headers.
// - CAR: roots [cid], order dfs, no duplicates (a run of equal leaves is sent once), dag-scope block|entity|all
//   (entity and all are the same for a file), entity-bytes=from:to for only the blocks a range needs. Streamed
//   with backpressure; a failure after the head cuts the connection (a CAR that stops short fails verification).
// - Access: public with --ipfs-gateway (every answer is verifiable against the CID asked for), otherwise a
//   bearer token this server knows; the access model (rate limit, private store) first, as for every interface.
// - Transports: an answer is made whole before a byte is written (`reply`: status, headers, views), so the download
//   lane serves /ipfs as it serves /v1/blob, and node:http the same bytes (`handle`). Only node:http waits: with
//   peers, a request for a CID the store lacks is handed to it (`missing`), which fetches the CID and then answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CID } from 'multiformats/cid';
import { authenticate } from '../graphql/services/auth.ts';
import type { AuthPort } from '../graphql/services/ports.ts';
import { errorReply, type DownloadAdmission, type DownloadReply, type DownloadRoute } from '../http/download.ts';
import { corsHeaders, corsPreflightHeaders, headerList, type HeaderMap } from '../http/headers.ts';
import { asRefusal, INTERNAL_ERROR, Refusal } from '../http/refusal.ts';
import { requestHeadersFromRaw, type DownloadRequest } from '../http/request.ts';
import type { BodySink } from '../http/send.ts';
import type { Logger } from '../telemetry/logger.ts';
import { canonicalIpfsCid, cidKind } from '../store/cid.ts';
import type { TensorReader } from '../store/tensor-reader.ts';
import type { TensorStore } from '../store/tensor-store.ts';
import { carLength, carViews, dagBlocks, parseEntityBytes, type DagScope, type EntityRange } from './car.ts';

export const CONTENT_TYPE_BLOCK = 'application/vnd.ipld.raw';
export const CONTENT_TYPE_CAR = 'application/vnd.ipld.car';
const CAR_TYPE_SENT = `${CONTENT_TYPE_CAR}; version=1; order=dfs; dups=n`;
/** kubo's: a year, immutable (the bytes of a CID never change). */
const IMMUTABLE = 'public, max-age=29030400, immutable';
/** A whole object as one raw block (its own CID asked for with format=raw or car) is sent up to this size. */
const MAX_WHOLE_OBJECT_BLOCK = 1 << 30;
const KNOWN_QUERY = new Set(['format', 'dag-scope', 'entity-bytes', 'car-version', 'car-order', 'car-dups', 'filename', 'download']);
const EXPOSED = 'Content-Range, Content-Length, ETag, Accept-Ranges, X-Ipfs-Path, X-Ipfs-Roots, Content-Disposition';

export interface GatewayOptions {
  store: TensorStore;
  reader: TensorReader;
  /**
   * A download route in public mode: the file's bytes are its /v1/blob answer, and every body goes out with its
   * `send` (pacing, the served-bytes metric, a cut connection on a failure).
   */
  files: DownloadRoute;
  /** --ipfs-gateway: no token needed. */
  public: boolean;
  auth: AuthPort;
  /** The access model, asked once per request before anything else (rate limit, a private store's read token). */
  admit?: (request: DownloadRequest) => { ok: true } | Extract<DownloadAdmission, { ok: false }>;
  /**
   * With peers (--peer): fetches a CID the store lacks and resolves once it is stored (rejects when no peer has
   * it). Absent: a missing CID is a 404.
   */
  fetchMissing?: (cid: string) => Promise<void>;
  logger?: Logger;
}

/**
 * The gateway as the transports use it, as they use the download route: `reply` and `send` on the download lane,
 * `handle` on node:http, which also fetches a CID the store lacks from the peers first.
 */
export interface Gateway {
  /** The answer to a request of /ipfs. Never throws; a CID the store lacks is a 404 here. */
  reply(request: DownloadRequest): DownloadReply;
  /** Writes a reply's body, then ends the sink (the download route's send). */
  send(sink: BodySink, reply: DownloadReply, url: string): Promise<void> | void;
  /** With peers: the CID a well-formed request names that the store lacks (`handle` fetches it first); else null. */
  missing(url: string): string | null;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void> | void;
}

type Kind = 'raw' | 'car' | 'file';

/** A CID to fetch from the peers before the request can be answered. */
interface Missing {
  missing: string;
}

/** Whether a request target (a path, with or without its query) is the gateway's: /ipfs or below it. */
export function isGatewayUrl(url: string): boolean {
  if (!url.startsWith('/ipfs')) return false;
  const next = url.charCodeAt(5);
  return Number.isNaN(next) || next === 0x2f /* / */ || next === 0x3f /* ? */;
}

/** The path's segments after /ipfs, and the query, of an /ipfs request target. */
function splitTarget(url: string): { params: URLSearchParams; segments: string[] } {
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  return { params: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)), segments: pathname.split('/').slice(2) };
}

export function createGateway(options: GatewayOptions): Gateway {
  const { store, reader } = options;

  /** The bytes of one block, or null when no stored DAG has it. */
  const blockBytes = (cid: string): Uint8Array | null => {
    const where = store.dagBlock(cid);
    if (where?.kind === 'node') return where.bytes;
    if (where?.kind === 'leaf') return reader.open(where.file).range(where.offset, where.offset + where.length);
    // A raw CID that is no leaf: an object of more than 1 MiB, as one block of its whole bytes.
    const record = cidKind(cid) === 'raw' ? store.getFile(cid) : null;
    if (!record) return null;
    if (record.size > MAX_WHOLE_OBJECT_BLOCK) {
      throw new Refusal(400, 'BLOCK_TOO_LARGE', `${cid} is a ${record.size}-byte object: as one block it is too large to send; ask for its UnixFS root ${store.ipfsCidOf(cid) ?? ''} or the file's bytes`);
    }
    return reader.open(cid).bytes();
  };

  /** A file's object for a root (dag-pb root or an object's own CID); null when the store has neither. */
  const fileOfRoot = (cid: string): string | null => {
    const file = store.resolveCid(cid);
    return file && store.getFile(file) ? file : null;
  };

  const present = (cid: string): boolean => (cidKind(cid) === 'raw' ? store.getFile(cid) !== null || store.dagBlock(cid) !== null : store.dagBlock(cid) !== null);

  /**
   * The answer, or (`fetch`: with peers, before the fetch) the CID to fetch first. Throws a Refusal for what the
   * client asked wrongly. `admit`: false once the access model admitted the request (the answer after a fetch).
   */
  const answer = (request: DownloadRequest, admit: boolean, fetch: boolean): DownloadReply | Missing => {
    const method = request.method;
    if (method === 'OPTIONS') return { status: 204, fixed: null, headers: headerList({ ...corsPreflightHeaders(), 'Content-Length': '0' }), body: null };
    if (method !== 'GET' && method !== 'HEAD') throw new Refusal(405, 'METHOD_NOT_ALLOWED', `${method} is not served here: use GET or HEAD`, { Allow: 'GET, HEAD, OPTIONS' });
    if (admit && options.admit) {
      const admission = options.admit(request);
      if (!admission.ok) throw new Refusal(admission.status, admission.code, admission.message, admission.headers);
    }
    const headersIn = request.headers;
    if (!options.public) {
      const auth = authenticate(headersIn.authorization ?? null, options.auth);
      if (auth.token !== 'valid') {
        throw new Refusal(401, 'UNAUTHENTICATED', 'this gateway needs "Authorization: Bearer <token>" with a token of this server (or start it with --ipfs-gateway)', { 'WWW-Authenticate': 'Bearer' });
      }
    }
    const { params, segments } = splitTarget(request.url);
    const given = segments[0] ?? '';
    if (given === '') throw new Refusal(400, 'BAD_REQUEST', 'missing CID: expected /ipfs/<cid>');
    const cid = canonicalIpfsCid(given);
    if (!cid) throw new Refusal(400, 'BAD_REQUEST', `not a CID this gateway serves (raw or dag-pb, sha2-256): ${JSON.stringify(given.slice(0, 80))}`);
    const rest = segments.slice(1).filter((s) => s !== '');
    for (const name of params.keys()) {
      if (!KNOWN_QUERY.has(name)) continue;
      if (params.getAll(name).length > 1) throw new Refusal(400, 'BAD_REQUEST', `query parameter '${name}' is given more than once`);
    }
    const kind = responseKind(params.get('format'), headersIn.accept);
    const scope = dagScope(params.get('dag-scope'));
    const ipfsPath = `/ipfs/${given}${rest.length ? `/${rest.join('/')}` : ''}`;
    const common: HeaderMap = { 'X-Ipfs-Path': ipfsPath, 'X-Ipfs-Roots': cid, ...corsHeaders(), 'Access-Control-Expose-Headers': EXPOSED };

    if (!present(cid)) {
      if (fetch) return { missing: cid };
      throw new Refusal(404, 'NOT_FOUND', `this node does not have ${cid}`);
    }
    if (rest.length > 0) throw new Refusal(404, 'NOT_FOUND', `${cid} is a file: there is no path ${JSON.stringify(rest.join('/').slice(0, 80))} inside it`);
    const head = method === 'HEAD';

    if (kind === 'raw') {
      const bytes = blockBytes(cid);
      if (!bytes) throw new Refusal(404, 'NOT_FOUND', `this node does not have the block ${cid}`);
      const etag = `"${cid}.raw"`;
      const headers: HeaderMap = {
        ...common,
        'Content-Type': CONTENT_TYPE_BLOCK,
        'Content-Length': String(bytes.byteLength),
        'Cache-Control': IMMUTABLE,
        ETag: etag,
        'Content-Disposition': `attachment; filename="${cid}.bin"`,
        'X-Content-Type-Options': 'nosniff',
        Vary: 'Accept',
      };
      if (matchesEtag(headersIn.ifNoneMatch, etag)) return { status: 304, fixed: null, headers: headerList(headers), body: null };
      return { status: 200, fixed: null, headers: headerList(headers), body: head ? null : bytes };
    }

    if (kind === 'car') {
      const file = fileOfRoot(cid);
      const where = file ? null : store.dagBlock(cid);
      // The root of a stored file, or (block scope, or a leaf) one block of one.
      if (!file && !(where && (scope === 'block' || where.kind === 'leaf'))) {
        throw new Refusal(404, 'NOT_FOUND', `${cid} is a block inside a file here, not a file's root: ask for it with dag-scope=block or format=raw`);
      }
      const entityText = params.get('entity-bytes');
      const size = file ? store.getFile(file)!.size : 0;
      let range: EntityRange | null = null;
      if (entityText !== null) {
        range = parseEntityBytes(entityText, size);
        if (!range) throw new Refusal(400, 'BAD_REQUEST', `entity-bytes must be from:to (integers, to inclusive or *, negative from the end): ${JSON.stringify(entityText.slice(0, 80))}`);
      }
      const etag = `"${cid}.car.dfs.n.${scope}${entityText ? `.${entityText}` : ''}"`;
      const headers: HeaderMap = {
        ...common,
        'Content-Type': CAR_TYPE_SENT,
        'Cache-Control': IMMUTABLE,
        ETag: etag,
        'Content-Disposition': `attachment; filename="${cid}.car"`,
        'X-Content-Type-Options': 'nosniff',
        'Accept-Ranges': 'none',
        Vary: 'Accept',
      };
      if (matchesEtag(headersIn.ifNoneMatch, etag)) return { status: 304, fixed: null, headers: headerList(headers), body: null };
      const root = CID.parse(cid);
      // The walk once, for the length and the body: it reads the index's nodes and makes views of the mapping; a
      // 5 GiB file's list is about 5000 entries.
      let blocks: { cid: CID; bytes: Uint8Array }[];
      if (file) {
        const mapped = reader.open(file);
        const source = { node: (c: string) => store.dagNode(c), leaf: (offset: number, length: number) => mapped.range(offset, offset + length) };
        blocks = [...dagBlocks(root, size, source, scope, range)];
      } else {
        blocks = [{ cid: root, bytes: blockBytes(cid)! }];
      }
      headers['Content-Length'] = String(carLength(root, blocks));
      return { status: 200, fixed: null, headers: headerList(headers), body: head ? null : carViews(root, blocks) };
    }

    // The file, as a path gateway answers it: the download route's /v1/blob answer plus the IPFS headers.
    const file = fileOfRoot(cid);
    if (!file) throw new Refusal(404, 'NOT_FOUND', `${cid} is a block inside a file here, not a file: ask for it with format=raw`);
    const reply = options.files.reply({ method, url: `/v1/blob/${cid}`, headers: headersIn });
    const list = (reply.fixed === null ? reply.headers : reply.fixed.concat(reply.headers)).filter((_, i, all) => {
      const name = (i % 2 === 0 ? all[i] : all[i - 1])!.toLowerCase();
      return name !== 'access-control-expose-headers';
    });
    list.push('X-Ipfs-Path', ipfsPath, 'X-Ipfs-Roots', cid, 'Access-Control-Expose-Headers', EXPOSED);
    return { status: reply.status, fixed: null, headers: list, body: reply.body };
  };

  /** answer, with a refusal (or a bug of ours: 500, logged) as the answer. */
  const decide = (request: DownloadRequest, admit: boolean, fetch: boolean): DownloadReply | Missing => {
    try {
      return answer(request, admit, fetch);
    } catch (error) {
      const refusal = asRefusal(error);
      if (!refusal) options.logger?.error('ipfs gateway: unexpected error', { error, url: request.url });
      return errorReply(refusal ?? INTERNAL_ERROR, request.method);
    }
  };

  const reply = (request: DownloadRequest): DownloadReply => decide(request, true, false) as DownloadReply;
  const send = (sink: BodySink, reply: DownloadReply, url: string) => options.files.send(sink, reply, url);

  const missing = (url: string): string | null => {
    if (!options.fetchMissing) return null;
    const given = splitTarget(url).segments[0] ?? '';
    const cid = given === '' ? null : canonicalIpfsCid(given);
    return cid !== null && !present(cid) ? cid : null;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    const request: DownloadRequest = { method: req.method ?? 'GET', url, headers: requestHeadersFromRaw(req.rawHeaders), peer: req.socket.remoteAddress };
    let answered = decide(request, true, options.fetchMissing !== undefined);
    if ('missing' in answered) {
      const cid = answered.missing;
      try {
        await options.fetchMissing!(cid);
        answered = decide(request, false, false);
      } catch (error) {
        const message = (error as Error).message;
        answered = errorReply(new Refusal(502, 'UNAVAILABLE', `this node does not have ${cid}, and no peer gave it: ${message}`), request.method);
      }
    }
    const done = answered as DownloadReply;
    res.writeHead(done.status, done.headers);
    await send(res, done, url);
  };

  return { reply, send, missing, handle };
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

function dagScope(text: string | null): DagScope {
  if (text === null || text === 'all') return 'all';
  if (text === 'entity' || text === 'block') return text;
  throw new Refusal(400, 'BAD_REQUEST', `dag-scope must be all, entity or block, not ${JSON.stringify(text.slice(0, 40))}`);
}

/** What to answer with, from ?format= or the Accept header (see the decisions above). */
export function responseKind(format: string | null, accept: string | undefined): Kind {
  if (format !== null && format !== '') {
    if (format === 'raw' || format === 'car') return format;
    throw new Refusal(400, 'BAD_REQUEST', `format must be raw or car, not ${JSON.stringify(format.slice(0, 40))}`);
  }
  if (!accept || accept.trim() === '') return 'file';
  const offers = accept
    .split(',')
    .map((part, index) => {
      const [type, ...params] = part.split(';').map((s) => s.trim());
      const map = new Map(params.map((p) => p.split('=').map((s) => s.trim().toLowerCase()) as [string, string]));
      const q = map.has('q') ? Number(map.get('q')) : 1;
      return { type: (type ?? '').toLowerCase(), params: map, q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((o) => o.type !== '' && o.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const offer of offers) {
    if (offer.type === CONTENT_TYPE_BLOCK) return 'raw';
    if (offer.type === CONTENT_TYPE_CAR) {
      // We write CARv1 in dfs order without duplicates: a client that allows that gets it.
      const version = offer.params.get('version');
      const order = offer.params.get('order');
      if ((version === undefined || version === '1') && (order === undefined || order === 'dfs' || order === 'unk')) return 'car';
      continue;
    }
    if (offer.type.startsWith('application/vnd.ipld.') || offer.type.startsWith('application/vnd.ipfs.')) continue;
    return 'file';
  }
  if (offers.length === 0) return 'file';
  throw new Refusal(406, 'NOT_ACCEPTABLE', `this gateway answers ${CONTENT_TYPE_BLOCK}, ${CAR_TYPE_SENT} or the file's bytes; the Accept header allows none of them`);
}
