// The Range header, answered exactly as nginx 1.22 answers it (ngx_http_range_filter_module.c, ngx_http_range_parse),
// so a client sees the same status and bytes from us as from nginx over the same file. Pure: no I/O.
//
// What nginx does, and so what this does (each point confirmed against a live nginx 1.22.1):
// - The value must be at least 7 characters and start with `bytes=` (any case); otherwise the header is ignored: 200.
//   So `items=0-1`, `bytes =0-1`, `garbage` and a bare `bytes=` all give the whole body.
// - After `bytes=` the grammar is strict; anything it does not expect makes the whole header 416 (not 200):
//   `bytes=abc`, `bytes=5`, `bytes=-`, `bytes=1-2-3`, `bytes=,0-1`, `bytes=0-1,` (trailing comma), `bytes=0-1,,2-3`,
//   a tab anywhere (only spaces are skipped, around numbers and commas), a number above 2^63-1.
// - `a-b`: end clamped to length-1. `a-`: to the end. `-n`: the last n bytes, the whole body when n >= length.
// - A range whose start is at or past its (clamped) end is dropped silently: `bytes=5-2,0-1` is 0-1, `bytes=100-` on
//   100 bytes is dropped. If every range is dropped: 416 `bytes */len`. So `5-2`, `-0`, and a start past EOF are 416.
// - Ranges keep their order and are neither sorted nor merged; overlapping ranges stay as they are...
// - ...but when the ranges add up to more bytes than the representation, the header is ignored: 200 (the defence
//   against overlapping-range amplification). `bytes=0-49,50-99,0-0` on 100 bytes is 200.
// - More than max_ranges satisfiable ranges: 200 as soon as the one too many is read, even if garbage follows.
// - An empty representation: any range starting at 0 (`0-0`, `0-`, `-1`, `-0`) is 200; `1-` is 416 `bytes */0`.
//
// Our cap is DEFAULT_MAX_RANGES (nginx's max_ranges is unlimited by default): past it the answer is 200 with the
// whole body, as nginx answers past its max_ranges; 416 would be wrong since the ranges may well be satisfiable.
// A differential test sending more ranges than the cap should set `max_ranges 64;` in nginx.
//
// The header value: pass it as the HTTP parser delivers it. For a repeated Range header nginx uses the first one
// (Node joins repeats with ", ", so the route should take `req.headersDistinct.range?.[0]`). Leading and trailing
// spaces are dropped here as nginx drops them. One difference stays outside our reach: Node also strips a leading or
// trailing TAB, which nginx keeps (a leading tab makes nginx answer 200, a trailing one 416).

/** A byte range of the representation, `end` EXCLUSIVE (so `view.subarray(start, end)`); Content-Range shows end-1. */
export interface ByteRange {
  start: number;
  end: number;
}

export type RangeAnswer =
  /** Serve the whole representation with 200. `reason` says which rule decided it (for logs and tests). */
  | { kind: 'full'; reason: FullReason }
  /** 206: one range (single part) or several (multipart/byteranges), in the order the client asked for them. */
  | { kind: 'partial'; ranges: ByteRange[] }
  /** 416 with `Content-Range: bytes *\/<length>`. */
  | { kind: 'unsatisfiable' };

export type FullReason =
  | 'no-range' // header absent or empty
  | 'not-bytes' // another unit, or not of the form `bytes=...`
  | 'disabled' // maxRanges is 0 (nginx `max_ranges 0`)
  | 'empty-representation' // a range starting at 0 of a 0-byte body
  | 'too-many-ranges' // more satisfiable ranges than maxRanges
  | 'exceeds-length'; // the ranges add up to more bytes than the representation

export const DEFAULT_MAX_RANGES = 64;

/** Largest representation length accepted (2^53: every offset below it is an exact double). */
export const MAX_LENGTH = 2 ** 53;

// nginx parses into a 64-bit off_t and answers 416 on overflow: numbers above this are 416, not clamped.
const MAX_OFF_T_DIGITS = '9223372036854775807';
const MAX_OFF_T = 9223372036854775807n;

const SPACE = 0x20;
const COMMA = 0x2c;
const DASH = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * Answers a Range header value against a representation of `length` bytes.
 * Never throws for any header value; throws a RangeError only for a bad `length` or `maxRanges` (caller bugs).
 */
export function parseRange(header: string | null | undefined, length: number, options: { maxRanges?: number } = {}): RangeAnswer {
  if (!Number.isInteger(length) || length < 0 || length > MAX_LENGTH) {
    throw new RangeError(`representation length must be an integer in [0, 2^53], got ${length}`);
  }
  const maxRanges = options.maxRanges ?? DEFAULT_MAX_RANGES;
  if (!(maxRanges === Infinity || (Number.isInteger(maxRanges) && maxRanges >= 0))) {
    throw new RangeError(`maxRanges must be a non-negative integer or Infinity, got ${maxRanges}`);
  }
  if (header == null) return { kind: 'full', reason: 'no-range' };
  const value = trimSpaces(header);
  if (value.length === 0) return { kind: 'full', reason: 'no-range' };
  if (maxRanges === 0) return { kind: 'full', reason: 'disabled' };
  if (value.length < 7 || value.slice(0, 6).toLowerCase() !== 'bytes=') return { kind: 'full', reason: 'not-bytes' };
  const single = singleRange(value, length);
  if (single !== undefined) return single;

  // A character-by-character port of ngx_http_range_parse: past the end reads as NUL, as nginx's C string does.
  const at = (i: number): number => (i < value.length ? value.charCodeAt(i) : 0);
  const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;
  const ranges: ByteRange[] = [];
  let size = 0n;
  let left = maxRanges;
  let p = 6;

  // Reads digits from p; null when the number overflows off_t (nginx: 416).
  const readNumber = (): number | null => {
    const from = p;
    while (isDigit(at(p))) p++;
    let digits = value.slice(from, p).replace(/^0+/, '');
    if (digits.length > MAX_OFF_T_DIGITS.length || (digits.length === MAX_OFF_T_DIGITS.length && digits > MAX_OFF_T_DIGITS)) return null;
    if (digits === '') digits = '0';
    // Above 2^53 the double is rounded, but only ever compared with length <= 2^53, and rounding keeps it >= 2^53.
    return Number(digits);
  };

  for (;;) {
    let start = 0;
    let end = 0;
    let suffix = false;
    let openEnded = false;

    while (at(p) === SPACE) p++;
    if (at(p) !== DASH) {
      if (!isDigit(at(p))) return { kind: 'unsatisfiable' };
      const n = readNumber();
      if (n === null) return { kind: 'unsatisfiable' };
      start = n;
      while (at(p) === SPACE) p++;
      if (at(p++) !== DASH) return { kind: 'unsatisfiable' };
      while (at(p) === SPACE) p++;
      if (at(p) === COMMA || at(p) === 0) {
        end = length;
        openEnded = true;
      }
    } else {
      suffix = true;
      p++;
    }

    if (!openEnded) {
      if (!isDigit(at(p))) return { kind: 'unsatisfiable' };
      const n = readNumber();
      if (n === null) return { kind: 'unsatisfiable' };
      end = n;
      while (at(p) === SPACE) p++;
      if (at(p) !== COMMA && at(p) !== 0) return { kind: 'unsatisfiable' };
      if (suffix) {
        start = end < length ? length - end : 0;
        end = length - 1;
      }
      end = end >= length ? length : end + 1; // inclusive -> exclusive, clamped
    }

    if (start < end) {
      ranges.push({ start, end });
      const bytes = BigInt(end - start);
      if (size > MAX_OFF_T - bytes) return { kind: 'unsatisfiable' };
      size += bytes;
      if (left-- === 0) return { kind: 'full', reason: 'too-many-ranges' };
    } else if (start === 0) {
      return { kind: 'full', reason: 'empty-representation' };
    }

    if (at(p++) !== COMMA) break;
  }

  if (ranges.length === 0) return { kind: 'unsatisfiable' };
  if (size > BigInt(length)) return { kind: 'full', reason: 'exceeds-length' };
  return { kind: 'partial', ranges };
}

/** The `Content-Range` value of one part of a 206: `bytes 0-99/1000` (end shown inclusive). */
export function contentRange(range: ByteRange, length: number): string {
  return `bytes ${range.start}-${range.end - 1}/${length}`;
}

/** The `Content-Range` value of a 416: `bytes *\/1000`. */
export function unsatisfiedRange(length: number): string {
  return `bytes */${length}`;
}

/**
 * The bytes of `range` within a body made of `parts` written one after another (e.g. an .npy header then the mapped
 * data), as zero-copy subarrays; empty parts are skipped. Throws RangeError if the range runs past the parts.
 */
export function rangeViews<T extends Uint8Array>(parts: readonly T[], range: ByteRange): T[] {
  const views: T[] = [];
  let offset = 0;
  for (const part of parts) {
    const from = Math.max(range.start, offset);
    const to = Math.min(range.end, offset + part.byteLength);
    if (from < to) views.push(part.subarray(from - offset, to - offset) as T);
    offset += part.byteLength;
    if (offset >= range.end) break;
  }
  if (offset < range.end || range.start > range.end || range.start < 0) {
    throw new RangeError(`range [${range.start}, ${range.end}) is not within a body of ${offset} bytes`);
  }
  return views;
}

/**
 * The common request, one `a-b` or `a-` in plain digits (at most 15, so exact doubles), answered without the
 * general parser's closures and BigInt sums: the same answer parseRange's loop gives for it (maxRanges >= 1 here).
 * undefined for anything else. `value` starts with `bytes=` and has no leading or trailing space.
 */
function singleRange(value: string, length: number): RangeAnswer | undefined {
  const n = value.length;
  let p = 6;
  let start = 0;
  while (p < n) {
    const c = value.charCodeAt(p);
    if (c < ZERO || c > NINE) break;
    start = start * 10 + (c - ZERO);
    p++;
  }
  if (p === 6 || p - 6 > 15 || p === n || value.charCodeAt(p) !== DASH) return undefined;
  const endFrom = ++p;
  let last = 0;
  while (p < n) {
    const c = value.charCodeAt(p);
    if (c < ZERO || c > NINE) return undefined;
    last = last * 10 + (c - ZERO);
    p++;
  }
  if (p - endFrom > 15) return undefined;
  const end = p === endFrom || last >= length ? length : last + 1; // `a-`: to the end; else inclusive -> exclusive, clamped
  if (start < end) return { kind: 'partial', ranges: [{ start, end }] };
  return start === 0 ? { kind: 'full', reason: 'empty-representation' } : { kind: 'unsatisfiable' };
}

function trimSpaces(s: string): string {
  let from = 0;
  let to = s.length;
  while (from < to && s.charCodeAt(from) === SPACE) from++;
  while (to > from && s.charCodeAt(to - 1) === SPACE) to--;
  return from === 0 && to === s.length ? s : s.slice(from, to);
}
