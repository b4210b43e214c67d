// multipart/byteranges framing, byte for byte as nginx 1.22 frames it (ngx_http_range_multipart_header/_body), so
// a body comparison with nginx matches once the boundaries are swapped. Only the small framing strings are
// built here; the route writes each part's head, then `view.subarray(start, end)` of the mapped body, then the
// tail: the body is never copied.
//
//   CRLF "--" boundary CRLF
//   "Content-Type: " type CRLF            (left out when there is no type, as nginx does)
//   "Content-Range: bytes " start "-" end-1 "/" length CRLF
//   CRLF
//   <bytes>                               ...repeated for each range, in the order asked for...
//   CRLF "--" boundary "--" CRLF
//
// The body starts with CRLF (an empty preamble), as nginx's does. nginx's boundary is a counter printed as 20
// zero-padded digits; ours has the same form but is random, so a body cannot be crafted to contain it.
import { randomBytes } from 'node:crypto';
import { contentRange, type ByteRange } from './range.ts';

export interface MultipartPart {
  /** The framing before this part's bytes. */
  head: Buffer;
  start: number;
  /** Exclusive. */
  end: number;
}

export interface MultipartPlan {
  boundary: string;
  /** The response's Content-Type: `multipart/byteranges; boundary=<boundary>`. */
  contentType: string;
  parts: MultipartPart[];
  /** The closing delimiter, written after the last part's bytes. */
  tail: Buffer;
  /** Bytes of the whole body: heads + ranges + tail. */
  contentLength: number;
}

const BOUNDARY = /^[0-9A-Za-z'()+_,./:=?-]{1,70}$/;

/** 20 random decimal digits, the width and alphabet of nginx's boundaries. */
export function newBoundary(): string {
  const bytes = randomBytes(16);
  return (bytes.readBigUInt64BE(0) % 10n ** 10n).toString().padStart(10, '0') + (bytes.readBigUInt64BE(8) % 10n ** 10n).toString().padStart(10, '0');
}

/**
 * Frames `ranges` (exclusive ends, within [0, length]) of a representation of `length` bytes whose own type is
 * `partType` (null or '' for none). Throws RangeError for a range out of bounds and TypeError for a bad boundary
 * or a type with characters that cannot go in a header.
 */
export function planMultipart(
  ranges: readonly ByteRange[],
  length: number,
  partType: string | null,
  options: { boundary?: string } = {},
): MultipartPlan {
  const boundary = options.boundary ?? newBoundary();
  if (!BOUNDARY.test(boundary)) throw new TypeError(`not a valid multipart boundary: ${JSON.stringify(boundary)}`);
  if (partType && !/^[\x20-\x7e]+$/.test(partType)) throw new TypeError(`content type is not printable ASCII: ${JSON.stringify(partType)}`);
  const typeLine = partType ? `Content-Type: ${partType}\r\n` : '';
  let contentLength = 0;
  const parts = ranges.map(({ start, end }) => {
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= length)) {
      throw new RangeError(`range [${start}, ${end}) is not a non-empty range within ${length} bytes`);
    }
    const head = Buffer.from(`\r\n--${boundary}\r\n${typeLine}Content-Range: ${contentRange({ start, end }, length)}\r\n\r\n`, 'latin1');
    contentLength += head.length + (end - start);
    return { head, start, end };
  });
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  contentLength += tail.length;
  return { boundary, contentType: `multipart/byteranges; boundary=${boundary}`, parts, tail, contentLength };
}
