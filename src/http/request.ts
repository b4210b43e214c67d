// What the download route reads of a request, whichever transport parsed it (node:http, or the download lane's own
// HTTP/1.1 parser in src/server/lane/download-lane.ts). Pure.

/** The request headers the route reads. */
export interface RequestHeaders {
  ifMatch: string | undefined;
  ifNoneMatch: string | undefined;
  ifRange: string | undefined;
  range: string | undefined;
  /** For src/auth: a bearer token (a read token serves like a signed link) and, behind a trusted proxy, the client. */
  authorization?: string | undefined;
  forwardedFor?: string | undefined;
  /** For the IPFS gateway (src/ipfs/gateway.ts): the answer's type (raw block, CAR or the file). */
  accept?: string | undefined;
}

export interface DownloadRequest {
  /** As sent: GET, HEAD, OPTIONS... */
  method: string;
  /** The request target as sent (origin form: path and query). */
  url: string;
  headers: RequestHeaders;
  /** The peer's address, for per-client rate limits (src/auth). */
  peer?: string;
}

export function noRequestHeaders(): RequestHeaders {
  return { ifMatch: undefined, ifNoneMatch: undefined, ifRange: undefined, range: undefined };
}

/** The request headers the route reads (lower case): whichever transport parsed the request, only these. */
export const ROUTE_HEADERS: readonly string[] = ['range', 'if-match', 'if-range', 'if-none-match', 'authorization', 'x-forwarded-for', 'accept'];

/**
 * A table by name length, 1 where some name of `names` has that length: a header line is lower-cased and compared
 * only when its name could be one of them (most lines of a request are not).
 */
export function nameLengthTable(names: readonly string[]): Uint8Array {
  const table = new Uint8Array(Math.max(0, ...names.map((n) => n.length)) + 1);
  for (const name of names) table[name.length] = 1;
  return table;
}

const ROUTE_NAME_LENGTHS = nameLengthTable(ROUTE_HEADERS);

/**
 * Adds one header line to `found` when the route reads it; `name` in any case. If-Match, If-None-Match and If-Range:
 * repeats joined with ", " as Node joins them (for a list-valued header the same list; an If-Range never matches).
 * Range: the first one, as nginx reads repeated Range headers (Node would join them).
 */
export function addRequestHeader(found: RequestHeaders, name: string, value: string): void {
  if (ROUTE_NAME_LENGTHS[name.length] !== 1) return;
  switch (name.toLowerCase()) {
    case 'range':
      if (found.range === undefined) found.range = value;
      break;
    case 'if-match':
      found.ifMatch = joined(found.ifMatch, value);
      break;
    case 'if-range':
      found.ifRange = joined(found.ifRange, value);
      break;
    case 'if-none-match':
      found.ifNoneMatch = joined(found.ifNoneMatch, value);
      break;
    case 'authorization':
      if (found.authorization === undefined) found.authorization = value;
      break;
    case 'x-forwarded-for':
      found.forwardedFor = joined(found.forwardedFor, value);
      break;
    case 'accept':
      found.accept = joined(found.accept, value);
      break;
  }
}

/** One pass over node:http's rawHeaders (req.headers would build an object of every header first, 1-2 us). */
export function requestHeadersFromRaw(raw: readonly string[]): RequestHeaders {
  const found = noRequestHeaders();
  for (let i = 0; i < raw.length; i += 2) addRequestHeader(found, raw[i]!, raw[i + 1]!);
  return found;
}

function joined(before: string | undefined, value: string): string {
  return before === undefined ? value : `${before}, ${value}`;
}
