// What the download route reads of a request, whichever transport parsed it (node:http, or the download lane's own
// HTTP/1.1 parser in src/server/download-lane.ts). Pure.

/** The request headers the route reads. */
export interface RequestHeaders {
  ifMatch: string | undefined;
  ifNoneMatch: string | undefined;
  ifRange: string | undefined;
  range: string | undefined;
  /** For src/auth: a bearer token (a read token serves like a signed link) and, behind a trusted proxy, the client. */
  authorization?: string | undefined;
  forwardedFor?: string | undefined;
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

/**
 * Adds one header line to `found` when the route reads it; `name` in any case. If-Match, If-None-Match and If-Range:
 * repeats joined with ", " as Node joins them (for a list-valued header the same list; an If-Range never matches).
 * Range: the first one, as nginx reads repeated Range headers (Node would join them).
 */
export function addRequestHeader(found: RequestHeaders, name: string, value: string): void {
  switch (name.length) {
    case 5:
      if (found.range === undefined && name.toLowerCase() === 'range') found.range = value;
      break;
    case 8: {
      const lower = name.toLowerCase();
      if (lower === 'if-match') found.ifMatch = joined(found.ifMatch, value);
      else if (lower === 'if-range') found.ifRange = joined(found.ifRange, value);
      break;
    }
    case 13: {
      const lower = name.toLowerCase();
      if (lower === 'if-none-match') found.ifNoneMatch = joined(found.ifNoneMatch, value);
      else if (found.authorization === undefined && lower === 'authorization') found.authorization = value;
      break;
    }
    case 15:
      if (name.toLowerCase() === 'x-forwarded-for') found.forwardedFor = joined(found.forwardedFor, value);
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
