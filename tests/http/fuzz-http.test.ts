// Fuzz of the download route's header parsers: Range (parseRange, and the views cut with rangeViews), If-Range and
// If-None-Match / If-Match. Every input is checked against an independent model written another way (regexes and
// BigInt arithmetic over comma-separated pieces, not a character walk), not just for "does not throw": any
// disagreement is a bug in one of the two, and the failing input is printed by fast-check.
//
// Inputs: grammar-aware arbitraries (units, spacing, leading zeros, numbers past 2^53 and 2^63, suffix, open and
// closed ranges, junk pieces, the odd tab or NUL) plus raw strings (UTF-16, binary, latin1 bytes as Node delivers
// header values). RUNS below adds up to >= 100,000; IPFRS_FUZZ_SCALE multiplies it (`npm run stress` uses 10).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { etagListMatches, evaluatePreconditions, ifRangeMatches } from '../../src/http/conditional.ts';
import { etagFor } from '../../src/http/headers.ts';
import { parseRange, rangeViews, type RangeAnswer } from '../../src/http/range.ts';

const SCALE = Math.max(1, Number(process.env.IPFRS_FUZZ_SCALE ?? 1) || 1);
const RUNS = {
  rangeGrammar: 40_000,
  rangeRaw: 30_000,
  rangeServe: 10_000,
  ifNoneMatch: 12_000,
  ifRange: 8_000,
  preconditions: 5_000,
};
const TOTAL = Object.values(RUNS).reduce((a, b) => a + b, 0);
const runs = (n: number) => ({ numRuns: n * SCALE });

// ---------------------------------------------------------------------------------------------------------------
// Range: the model

type Model =
  | { kind: 'full'; reason: string }
  | { kind: 'unsatisfiable' }
  | { kind: 'partial'; ranges: Array<[number, number]> }; // [start, end) as parseRange gives them

const MAX_OFF_T = 2n ** 63n - 1n;

/** nginx's rules (see src/http/range.ts), restated over the comma-separated pieces of the value. */
function modelRange(header: string | null | undefined, length: number, maxRanges: number): Model {
  if (header == null) return { kind: 'full', reason: 'no-range' };
  const value = header.replace(/^ +| +$/g, '');
  if (value === '') return { kind: 'full', reason: 'no-range' };
  if (maxRanges === 0) return { kind: 'full', reason: 'disabled' };
  if (value.length < 7 || value.slice(0, 6).toLowerCase() !== 'bytes=') return { kind: 'full', reason: 'not-bytes' };
  let rest = value.slice(6);
  // nginx reads a C string: a NUL ends it (the length and prefix checks above saw the whole value).
  if (rest.includes('\0')) rest = rest.slice(0, rest.indexOf('\0'));
  const L = BigInt(length);
  const ranges: Array<[number, number]> = [];
  let size = 0n;
  for (const piece of rest.split(',')) {
    let first: bigint;
    let endExclusive: bigint;
    const suffix = /^ *-([0-9]+) *$/.exec(piece);
    const closedOrOpen = /^ *([0-9]+) *- *([0-9]*) *$/.exec(piece);
    if (suffix) {
      const n = BigInt(suffix[1]!);
      if (n > MAX_OFF_T) return { kind: 'unsatisfiable' };
      first = n < L ? L - n : 0n;
      endExclusive = L;
    } else if (closedOrOpen) {
      first = BigInt(closedOrOpen[1]!);
      if (first > MAX_OFF_T) return { kind: 'unsatisfiable' };
      if (closedOrOpen[2] === '') endExclusive = L;
      else {
        const last = BigInt(closedOrOpen[2]!);
        if (last > MAX_OFF_T) return { kind: 'unsatisfiable' };
        endExclusive = last >= L ? L : last + 1n;
      }
    } else {
      return { kind: 'unsatisfiable' };
    }
    if (first < endExclusive) {
      ranges.push([Number(first), Number(endExclusive)]);
      size += endExclusive - first;
      if (size > MAX_OFF_T) return { kind: 'unsatisfiable' };
      if (ranges.length > maxRanges) return { kind: 'full', reason: 'too-many-ranges' };
    } else if (first === 0n) {
      return { kind: 'full', reason: 'empty-representation' };
    }
  }
  if (ranges.length === 0) return { kind: 'unsatisfiable' };
  if (size > L) return { kind: 'full', reason: 'exceeds-length' };
  return { kind: 'partial', ranges };
}

function asModel(answer: RangeAnswer): Model {
  if (answer.kind === 'partial') return { kind: 'partial', ranges: answer.ranges.map((r) => [r.start, r.end]) };
  return answer;
}

/** The answer is well formed and agrees with the model; partial ranges lie inside the representation. */
function checkRange(header: string | null | undefined, length: number, maxRanges: number): RangeAnswer {
  let answer: RangeAnswer;
  try {
    answer = parseRange(header, length, { maxRanges });
  } catch (error) {
    throw new Error(`parseRange threw on ${JSON.stringify(header)} (length ${length}): ${(error as Error).message}`);
  }
  assert.equal(asModel(answer), modelRange(header, length, maxRanges), `${JSON.stringify(header)} on ${length}, max ${maxRanges}`);
  if (answer.kind === 'partial') {
    assert.ok(answer.ranges.length >= 1 && answer.ranges.length <= maxRanges);
    let total = 0;
    for (const { start, end } of answer.ranges) {
      // Offsets are exact: lengths stop at 2^53, so start < 2^53 and end <= 2^53.
      assert.ok(Number.isSafeInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= length, `${start}-${end}`);
      total += end - start;
    }
    assert.ok(total <= length, 'never more bytes than the representation');
  }
  return answer;
}

// ---------------------------------------------------------------------------------------------------------------
// Range: the arbitraries

const lengthArb = fc.oneof(
  { weight: 6, arbitrary: fc.nat(300) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 31, 2 ** 32 + 7, 2 ** 53 - 1, 2 ** 53) },
);
const maxRangesArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 8 }) },
  { weight: 2, arbitrary: fc.constant(64) },
  { weight: 1, arbitrary: fc.constantFrom(0, Infinity) },
);
const spaces = fc.constantFrom('', '', '', ' ', '  ');
/** Numbers a client might send: near the length, zero-padded, past 2^53, at and past 2^63. */
const numberArb = fc.oneof(
  { weight: 8, arbitrary: fc.nat(320).map(String) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.nat(320)).map(([z, n]) => `${'0'.repeat(z)}${n}`) },
  { weight: 1, arbitrary: fc.bigInt({ min: 2n ** 53n - 2n, max: 2n ** 64n + 5n }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('9223372036854775807', '9223372036854775808', '09223372036854775807', '99999999999999999999999') },
);
const pieceArb = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(spaces, numberArb, spaces, spaces, numberArb, spaces).map(([a, s, b, c, e, d]) => `${a}${s}${b}-${c}${e}${d}`) },
  { weight: 2, arbitrary: fc.tuple(spaces, numberArb, spaces, spaces).map(([a, s, b, c]) => `${a}${s}${b}-${c}`) },
  { weight: 2, arbitrary: fc.tuple(spaces, numberArb, spaces).map(([a, n, b]) => `${a}-${n}${b}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '-', '- 5', '5', 'a-b', '1-2-3', '--1', '0x10-', '1e3-', '+1-2', '1;2', '*') },
);
const unitArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant('bytes=') },
  { weight: 2, arbitrary: fc.constantFrom('BYTES=', 'Bytes=', 'bYtEs=') },
  { weight: 1, arbitrary: fc.constantFrom('bytes =', 'byte=', 'items=', '', 'bytes', 'bytes:', 'octets=', 'bytes==') },
);
const oddChar = fc.constantFrom('\t', '\0', '\r', ';', '\u00e9', '\ud83d', '\uffff', '=');
/** A header built from the grammar, now and then with one odd character dropped in. */
const grammarHeader = fc
  .tuple(spaces, unitArb, fc.array(pieceArb, { minLength: 1, maxLength: 10 }), fc.constantFrom(',', ',', ', ', ' ,'), spaces, fc.option(fc.tuple(fc.nat(), oddChar), { freq: 6 }))
  .map(([lead, unit, pieces, sep, trail, odd]) => {
    const header = `${lead}${unit}${pieces.join(sep)}${trail}`;
    if (!odd) return header;
    const at = odd[0] % (header.length + 1);
    return header.slice(0, at) + odd[1] + header.slice(at);
  });

/** Strings no grammar would write: UTF-16 code units, binary, latin1 bytes (as Node hands header values over). */
const rawHeader = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.string({ unit: fc.constantFrom(...'bytes=BYTES0123456789-, \t;*'), maxLength: 40 }),
  fc.string({ maxLength: 40 }).map((s) => `bytes=${s}`),
  fc.string({ unit: fc.constantFrom(...'0123456789-, '), maxLength: 40 }).map((s) => `bytes=${s}`),
  fc.constantFrom(null, undefined, '', ' ', 'bytes=', 'bytes= ', ' bytes=0-0 '),
);

test(`Range: ${RUNS.rangeGrammar * SCALE} grammar-aware headers agree with the model`, () => {
  fc.assert(fc.property(grammarHeader, lengthArb, maxRangesArb, (h, length, max) => void checkRange(h, length, max)), runs(RUNS.rangeGrammar));
});

test(`Range: ${RUNS.rangeRaw * SCALE} raw strings never throw and agree with the model`, () => {
  fc.assert(fc.property(rawHeader, lengthArb, maxRangesArb, (h, length, max) => void checkRange(h, length, max)), runs(RUNS.rangeRaw));
});

test(`Range: ${RUNS.rangeServe * SCALE} answers cut exactly the asked bytes from a header + data body, never past its end`, () => {
  // The route serves a body made of parts (an .npy header, then the mapped data) with rangeViews.
  const source = Buffer.from(Array.from({ length: 400 }, (_, i) => (i * 131 + 7) & 0xff));
  fc.assert(
    fc.property(fc.oneof(grammarHeader, rawHeader), fc.nat(128), fc.nat(256), maxRangesArb, (h, headLength, dataLength, max) => {
      const parts = [source.subarray(0, headLength), source.subarray(headLength, headLength + dataLength)];
      const length = headLength + dataLength;
      const answer = checkRange(h, length, max);
      if (answer.kind !== 'partial') return;
      for (const range of answer.ranges) {
        const views = rangeViews(parts, range);
        const got = Buffer.concat(views);
        assert.is(got.length, range.end - range.start);
        assert.ok(got.equals(source.subarray(range.start, range.end)), `bytes of ${range.start}-${range.end}`);
        for (const view of views) assert.is(view.buffer, source.buffer, 'a view, not a copy');
      }
    }),
    runs(RUNS.rangeServe),
  );
});

test('Range: the model and the port agree on the edges no generator hits often', () => {
  const cases: Array<[string, number, number]> = [
    ['bytes=0-0,'.repeat(1) + '0-0', 1, 2],
    [`bytes=${Array.from({ length: 65 }, () => '0-0').join(',')}`, 100, 64],
    [`bytes=${Array.from({ length: 65 }, () => '0-0').join(',')},junk`, 100, 64], // too many wins over later junk
    [`bytes=${Array.from({ length: 1025 }, () => '0-').join(',')}`, 2 ** 53, Infinity], // the sum passes 2^63
    ['bytes=0-1\0,junk', 10, 8],
    ['bytes=\0', 10, 8],
    ['\0bytes=0-1', 10, 8],
    ['bytes=-9223372036854775807', 10, 8],
    ['bytes=-9223372036854775808', 10, 8],
    ['bytes=9007199254740993-', 2 ** 53, 8],
    ['bytes=9007199254740991-9007199254740993', 2 ** 53, 8],
  ];
  for (const [h, length, max] of cases) checkRange(h, length, max);
});

// ---------------------------------------------------------------------------------------------------------------
// If-None-Match / If-Match / If-Range: the models

/** ngx_http_test_if_match restated: split on commas; later members lose leading blanks; `W/` ignored when weak. */
function modelListMatches(list: string, etag: string, weak: boolean): boolean {
  const value = list.replace(/^ +| +$/g, '');
  if (value === '*') return true;
  const tag = weak && etag.length > 2 && etag.startsWith('W/') ? etag.slice(2) : etag;
  return value.split(',').some((raw, i) => {
    let member = i === 0 ? raw : raw.replace(/^[ \t]+/, '');
    if (weak && member.startsWith('W/')) member = member.slice(2);
    return member.startsWith(tag) && /^[ \t]*$/.test(member.slice(tag.length));
  });
}

function modelIfRange(value: string | null | undefined, etag: string): boolean {
  if (value == null) return true;
  const v = value.replace(/^ +| +$/g, '');
  return v.length >= 2 && v.endsWith('"') && v === etag;
}

// Real ETags of the route: blobs, tensors, slices, npy, long names hashed. None holds a comma (they are encoded).
const CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';
const etagArb = fc.oneof(
  fc.constant(etagFor({ kind: 'blob', cid: CID })),
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 30 }), fc.option(fc.string({ maxLength: 20 })), fc.constantFrom('raw' as const, 'npy' as const))
    .map(([name, slice, format]) => etagFor({ kind: 'tensor', cid: CID, name }, { slice, format })),
  fc.string({ minLength: 1, maxLength: 250 }).map((name) => etagFor({ kind: 'tensor', cid: CID, name })),
  fc.constantFrom('"x"', 'W/"x"', '"a b"', '""'),
);

/** A header value built from members near the ETag: itself, weak, mangled, `*`, separators and blanks. */
function memberListArb(etag: string) {
  const near = fc.oneof(
    fc.constant(etag),
    fc.constant(`W/${etag}`),
    fc.constant(etag.slice(0, -1)),
    fc.constant(etag.slice(1)),
    fc.constant(`${etag}x`),
    fc.constant(etag.toUpperCase()),
    fc.nat(etag.length - 1).map((i) => etag.slice(0, i) + (etag[i] === 'a' ? 'b' : 'a') + etag.slice(i + 1)),
    fc.constantFrom('*', '"other"', 'W/', 'W/"', '"', 'w/' + etag),
  );
  const sep = fc.constantFrom(',', ', ', ' ,', ',,', '\t,', ', \t', ' ', '');
  return fc
    .tuple(fc.constantFrom('', ' ', '\t', '  '), fc.array(fc.tuple(near, sep), { minLength: 1, maxLength: 5 }), fc.constantFrom('', ' ', '\t', ','))
    .map(([lead, members, trail]) => lead + members.map(([m, s]) => m + s).join('') + trail);
}

const headerFor = (etag: string) =>
  fc.oneof(
    { weight: 4, arbitrary: memberListArb(etag) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('latin1')) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '*', ' * ', '\t*', '*,*', 'Tue, 24 Nov 2026 02:45:53 GMT') },
  );

const withHeader = etagArb.chain((etag) => fc.tuple(fc.constant(etag), headerFor(etag)));

test(`If-None-Match / If-Match: ${RUNS.ifNoneMatch * SCALE} values agree with the model, weak and strong`, () => {
  fc.assert(
    fc.property(withHeader, ([etag, value]) => {
      for (const weak of [true, false]) {
        assert.is(etagListMatches(value, etag, weak), modelListMatches(value, etag, weak), `${JSON.stringify(value)} vs ${etag} weak=${weak}`);
      }
    }),
    runs(RUNS.ifNoneMatch),
  );
});

test(`If-Range: ${RUNS.ifRange * SCALE} values honour a Range only for exactly our ETag`, () => {
  fc.assert(
    fc.property(withHeader, fc.boolean(), ([etag, value], absent) => {
      const v = absent ? undefined : value;
      assert.is(ifRangeMatches(v, etag), modelIfRange(v, etag), `${JSON.stringify(v)} vs ${etag}`);
    }),
    runs(RUNS.ifRange),
  );
});

test(`preconditions: ${RUNS.preconditions * SCALE} combinations decide 412, then 304, then If-Range`, () => {
  const maybe = (arb: fc.Arbitrary<string>) => fc.option(arb, { nil: undefined, freq: 2 });
  fc.assert(
    fc.property(
      etagArb.chain((etag) => fc.tuple(fc.constant(etag), maybe(headerFor(etag)), maybe(headerFor(etag)), maybe(headerFor(etag)))),
      ([etag, ifMatch, ifNoneMatch, ifRange]) => {
        const got = evaluatePreconditions({ ifMatch, ifNoneMatch, ifRange }, etag);
        const expected =
          ifMatch !== undefined && !modelListMatches(ifMatch, etag, false)
            ? { kind: 'precondition-failed' }
            : ifNoneMatch !== undefined && modelListMatches(ifNoneMatch, etag, true)
              ? { kind: 'not-modified' }
              : { kind: 'proceed', honourRange: modelIfRange(ifRange, etag) };
        assert.equal(got, expected);
      },
    ),
    runs(RUNS.preconditions),
  );
});

test(`the total is at least 100,000 inputs (${TOTAL * SCALE})`, () => {
  assert.ok(TOTAL >= 100_000);
});

test.run();
