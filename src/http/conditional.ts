// Conditional requests (If-Match, If-None-Match, If-Range) against our ETags, decided as nginx 1.22 decides them
// (ngx_http_not_modified_filter_module.c, ngx_http_range_filter_module.c). Pure: no I/O.
//
// Our representations are immutable and content-addressed, so they carry a strong ETag and no Last-Modified:
// - If-Modified-Since and If-Unmodified-Since are ignored (there is no date to compare; the bytes never change).
//   nginx differs only for resources with a Last-Modified, which ours never have.
// - If-Range with a date never matches, so the Range header is ignored and the whole body is sent: a client
//   resuming by date gets a correct 200 instead of a 206 it cannot check.
//
// Header values are taken as the HTTP parser delivers them (leading and trailing spaces are dropped here, as nginx
// drops them). nginx answers 400 to a repeated If-Match, If-None-Match or If-Range; Node joins repeats with ", ",
// so the route should check `req.headersDistinct[...]` lengths if it wants the same.

export type Precondition =
  /** Go on: serve 200/206/416. `honourRange` is false when If-Range says the client's copy is stale. */
  | { kind: 'proceed'; honourRange: boolean }
  /** 304 Not Modified (GET and HEAD): If-None-Match matched. */
  | { kind: 'not-modified' }
  /** 412 Precondition Failed: If-Match did not match. */
  | { kind: 'precondition-failed' };

export interface ConditionalHeaders {
  ifMatch?: string | null;
  ifNoneMatch?: string | null;
  ifRange?: string | null;
}

/**
 * The order of RFC 9110 section 13.2.2 and of nginx: If-Match (412) before If-None-Match (304) before If-Range.
 * A 304 wins over any Range header, as in nginx. `etag` is the representation's own ETag, quotes included.
 */
export function evaluatePreconditions(headers: ConditionalHeaders, etag: string): Precondition {
  if (headers.ifMatch != null && !etagListMatches(headers.ifMatch, etag, false)) return { kind: 'precondition-failed' };
  if (headers.ifNoneMatch != null && etagListMatches(headers.ifNoneMatch, etag, true)) return { kind: 'not-modified' };
  return { kind: 'proceed', honourRange: ifRangeMatches(headers.ifRange, etag) };
}

/**
 * Does a list-valued If-Match / If-None-Match header name `etag`? A port of nginx's ngx_http_test_if_match:
 * - the whole value `*` matches anything (`*` inside a list does not);
 * - `weak` (If-None-Match): a `W/` prefix is ignored on both sides; otherwise (If-Match) `W/"x"` never equals `"x"`;
 * - members are separated by commas with optional spaces or tabs; a member matches only when it is exactly the
 *   ETag followed by optional spaces/tabs and a comma or the end (`"x"y` does not match `"x"`).
 */
export function etagListMatches(list: string, etag: string, weak: boolean): boolean {
  const value = trimSpaces(list);
  if (value === '*') return true;
  let tag = etag;
  if (weak && tag.length > 2 && tag.startsWith('W/')) tag = tag.slice(2);

  let i = 0;
  const end = value.length;
  while (i < end) {
    if (weak && end - i > 2 && value.startsWith('W/', i)) i += 2;
    if (tag.length > end - i) return false;
    if (value.startsWith(tag, i)) {
      i += tag.length;
      while (i < end && isSpaceOrTab(value.charCodeAt(i))) i++;
      if (i === end || value.charCodeAt(i) === COMMA) return true;
    }
    while (i < end && value.charCodeAt(i) !== COMMA) i++;
    while (i < end && (isSpaceOrTab(value.charCodeAt(i)) || value.charCodeAt(i) === COMMA)) i++;
  }
  return false;
}

/**
 * Should a Range header be honoured given If-Range? Absent: yes. An entity tag (a value of 2+ characters ending
 * in `"`): only when it is byte-for-byte our ETag, which is strong comparison since our ETags are strong, so
 * `W/"..."` never matches. Anything else is taken as a date, and we have no Last-Modified: no.
 */
export function ifRangeMatches(ifRange: string | null | undefined, etag: string): boolean {
  if (ifRange == null) return true;
  const value = trimSpaces(ifRange);
  if (value.length >= 2 && value.endsWith('"')) return value === etag;
  return false;
}

const COMMA = 0x2c;

function isSpaceOrTab(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function trimSpaces(s: string): string {
  let from = 0;
  let to = s.length;
  while (from < to && s.charCodeAt(from) === 0x20) from++;
  while (to > from && s.charCodeAt(to - 1) === 0x20) to--;
  return s.slice(from, to);
}
