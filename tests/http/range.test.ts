import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contentRange, DEFAULT_MAX_RANGES, parseRange, rangeViews, unsatisfiedRange, type RangeAnswer } from '../../src/http/range.ts';
import { NGINX_INSTALL, nginxBinary, startNginx, type RunningNginx } from '../helpers/nginx.ts';
import { requireTool } from '../helpers/tools.ts';
import { tempDir } from '../../src/devkit/paths.ts';
import { rawGet } from '../helpers/raw-http.ts';

const FULL = 'full';
const NO = 'unsatisfiable';
type Expect = typeof FULL | typeof NO | Array<[number, number]>; // ranges with INCLUSIVE ends, as Content-Range shows

/** Short form of an answer, for tables: 'full', 'unsatisfiable' or [[first, last], ...]. */
function short(answer: RangeAnswer): Expect {
  if (answer.kind === 'full') return FULL;
  if (answer.kind === 'unsatisfiable') return NO;
  return answer.ranges.map((r) => [r.start, r.end - 1]);
}

// Every row was checked against a live nginx 1.22.1 serving a 100-byte file (and a 0-byte one below).
const LENGTH_100: Array<[string | undefined, Expect]> = [
  [undefined, FULL],
  ['', FULL],
  ['bytes=0-0', [[0, 0]]],
  ['bytes=0-', [[0, 99]]],
  ['bytes=-1', [[99, 99]]],
  ['bytes=-0', NO],
  ['bytes=-100', [[0, 99]]],
  ['bytes=-200', [[0, 99]]], // a suffix longer than the body is the whole body, as a 206
  ['bytes=90-200', [[90, 99]]], // end past EOF: clamped
  ['bytes=0-9223372036854775807', [[0, 99]]], // the largest off_t clamps too...
  ['bytes=0-9223372036854775808', NO], // ...one more overflows: 416, not 200
  ['bytes=0-99999999999999999999', NO],
  ['bytes=99-99', [[99, 99]]],
  ['bytes=100-', NO], // start at EOF
  ['bytes=100-200', NO], // start past EOF
  ['bytes=5-2', NO], // start after end: dropped, and nothing is left
  ['bytes=5-2,0-1', [[0, 1]]], // ...but other ranges still count
  ['bytes=100-200,0-1', [[0, 1]]],
  ['bytes=0-1,3-4', [[0, 1], [3, 4]]], // several ranges: multipart, in the order asked
  ['bytes=-1,0-0', [[99, 99], [0, 0]]], // not sorted
  ['bytes=0-10,5-15', [[0, 10], [5, 15]]], // overlapping: not merged
  ['bytes=0-49,50-99', [[0, 49], [50, 99]]], // exactly the length: still multipart
  ['bytes=0-49,50-99,0-0', FULL], // more bytes than the body: 200
  ['bytes=0-,0-', FULL],
  ['bytes=0-0,-1', [[0, 0], [99, 99]]],
  ['items=0-1', FULL], // another unit
  ['garbage', FULL],
  ['bytes', FULL],
  ['bytes=', FULL], // shorter than 7 characters
  ['bytes =0-1', FULL],
  ['Bytes=0-1', [[0, 1]]], // the unit is case-insensitive
  ['BYTES=0-1', [[0, 1]]],
  ['bytes=abc', NO], // after `bytes=` bad syntax is 416, not 200
  ['bytes=0', NO],
  ['bytes=-', NO],
  ['bytes=--1', NO],
  ['bytes=1-2-3', NO],
  ['bytes=,0-1', NO],
  ['bytes=0-1,', NO], // a trailing comma
  ['bytes=0-1,,2-3', NO],
  ['bytes=0-1;x', NO],
  ['bytes= 0 - 1 ', [[0, 1]]], // spaces around numbers and commas are fine
  ['bytes=0-1, 3-4', [[0, 1], [3, 4]]],
  ['bytes=0-1 ,3-4', [[0, 1], [3, 4]]],
  ['   bytes=0-1   ', [[0, 1]]], // as nginx trims the field value
  ['bytes=\t0-1', NO], // tabs are not skipped
  ['bytes=1-\t', NO],
  ['bytes=0-1 \t', NO],
  ['\tbytes=0-1', FULL],
  ['bytes=   ', FULL], // trimmed to `bytes=`
  ['bytes=00-01', [[0, 1]]],
  ['bytes=0-1\u0000garbage', [[0, 1]]], // nginx's C string ends at NUL
  ['bytes=0-1, bytes=2-3', NO], // what Node makes of two Range headers: take headersDistinct.range[0]
];

const LENGTH_0: Array<[string, Expect]> = [
  ['bytes=0-0', FULL],
  ['bytes=0-', FULL],
  ['bytes=-1', FULL],
  ['bytes=-0', FULL],
  ['bytes=1-', NO],
  ['bytes=1-2', NO],
  ['bytes=x', NO],
  ['bytes=1-2,0-0', FULL],
  ['bytes=0-0,1-2', FULL],
];

test('nginx answers on a 100-byte body', () => {
  for (const [header, want] of LENGTH_100) assert.equal(short(parseRange(header, 100)), want, JSON.stringify(header));
});

test('nginx answers on an empty body', () => {
  for (const [header, want] of LENGTH_0) assert.equal(short(parseRange(header, 0)), want, header);
});

test('end is exclusive in the result; Content-Range shows it inclusive', () => {
  const answer = parseRange('bytes=10-19', 100);
  assert.equal(answer, { kind: 'partial', ranges: [{ start: 10, end: 20 }] });
  assert.is(contentRange({ start: 10, end: 20 }, 100), 'bytes 10-19/100');
  assert.is(unsatisfiedRange(100), 'bytes */100');
});

test('full answers say which rule decided', () => {
  const reason = (h: string | undefined, len = 100, maxRanges?: number) => {
    const a = parseRange(h, len, { maxRanges });
    return a.kind === 'full' ? a.reason : a.kind;
  };
  assert.is(reason(undefined), 'no-range');
  assert.is(reason('items=0-1'), 'not-bytes');
  assert.is(reason('bytes=0-0', 0), 'empty-representation');
  assert.is(reason('bytes=0-99,0-0'), 'exceeds-length');
  assert.is(reason('bytes=0-0,1-1,2-2', 100, 2), 'too-many-ranges');
  assert.is(reason('bytes=0-0', 100, 0), 'disabled');
});

test('the cap on ranges works like nginx max_ranges (confirmed with max_ranges 2)', () => {
  assert.equal(short(parseRange('bytes=0-0,1-1', 100, { maxRanges: 2 })), [[0, 0], [1, 1]]);
  assert.is(short(parseRange('bytes=0-0,1-1,2-2', 100, { maxRanges: 2 })), FULL);
  // dropped ranges do not count
  assert.equal(short(parseRange('bytes=0-0,5-2,1-1', 100, { maxRanges: 2 })), [[0, 0], [1, 1]]);
  // the one too many decides before the garbage after it is read...
  assert.is(short(parseRange('bytes=0-0,1-1,2-2,garbage', 100, { maxRanges: 2 })), FULL);
  // ...while garbage before it is 416
  assert.is(short(parseRange('bytes=0-0,1-1,garbage', 100, { maxRanges: 2 })), NO);
  const many = (n: number) => `bytes=${Array.from({ length: n }, (_, i) => `${i}-${i}`).join(',')}`;
  assert.is(short(parseRange(many(DEFAULT_MAX_RANGES), 1000)).length, DEFAULT_MAX_RANGES);
  assert.is(short(parseRange(many(DEFAULT_MAX_RANGES + 1), 1000)), FULL);
  assert.is(short(parseRange(many(500), 1000, { maxRanges: Infinity })).length, 500);
});

test('lengths up to 2^53 are exact', () => {
  const L = 2 ** 53;
  assert.equal(short(parseRange('bytes=9007199254740990-', L)), [[9007199254740990, L - 1]]);
  assert.equal(short(parseRange('bytes=-2', L)), [[L - 2, L - 1]]);
  assert.equal(short(parseRange('bytes=0-9007199254740993', L)), [[0, L - 1]]);
  assert.is(short(parseRange('bytes=9007199254740992-', L)), NO); // start == length
  assert.is(short(parseRange('bytes=9007199254740993-', L)), NO); // rounds to 2^53 as a double: still past the end
  assert.equal(short(parseRange('bytes=-9007199254740993', L)), [[0, L - 1]]);
  const big = 4e15;
  assert.equal(short(parseRange('bytes=3999999999999999-', big)), [[3999999999999999, big - 1]]);
});

test('ranges adding past 2^63 are 416, as nginx checks off_t overflow before the length', () => {
  const header = `bytes=${Array(1025).fill('0-').join(',')}`; // 1025 x 2^53 bytes > 2^63 - 1
  assert.is(short(parseRange(header, 2 ** 53, { maxRanges: Infinity })), NO);
  assert.is(short(parseRange(`bytes=${Array(1023).fill('0-').join(',')}`, 2 ** 53, { maxRanges: Infinity })), FULL);
});

test('a bad length or cap is a caller bug', () => {
  for (const length of [-1, 0.5, NaN, Infinity, 2 ** 53 + 2]) assert.throws(() => parseRange('bytes=0-0', length), /length/);
  for (const maxRanges of [-1, 1.5, NaN]) assert.throws(() => parseRange('bytes=0-0', 10, { maxRanges }), /maxRanges/);
});

test('rangeViews cuts a range out of several parts without copying', () => {
  const head = Buffer.from('HEAD');
  const data = Buffer.from('0123456789');
  const text = (views: Uint8Array[]) => Buffer.concat(views).toString();
  assert.is(text(rangeViews([head, data], { start: 2, end: 7 })), 'AD012');
  assert.is(text(rangeViews([head, data], { start: 4, end: 14 })), '0123456789');
  assert.is(text(rangeViews([head, Buffer.alloc(0), data], { start: 0, end: 1 })), 'H');
  const [view] = rangeViews([head, data], { start: 5, end: 6 });
  assert.is(view!.buffer, data.buffer, 'a view over the same memory');
  assert.equal(rangeViews([head, data], { start: 3, end: 3 }), []);
  assert.throws(() => rangeViews([head, data], { start: 10, end: 15 }), RangeError);
});

// A model of nginx's rules written differently (regex and arithmetic, no character walk), for headers without
// spaces: the property below checks the port against it on random well-formed headers.
function model(header: string, length: number, maxRanges: number): Expect {
  const m = /^bytes=(.*)$/i.exec(header);
  if (!m) return FULL;
  const specs = m[1]!.split(',');
  const out: Array<[number, number]> = [];
  let size = 0;
  for (const spec of specs) {
    const r = /^(\d+)-(\d*)$|^-(\d+)$/.exec(spec);
    if (!r) return NO;
    let first: number;
    let last: number;
    if (r[3] !== undefined) {
      const n = Number(r[3]);
      if (n === 0 || length === 0) {
        if (length === 0) return FULL;
        continue;
      }
      first = Math.max(0, length - n);
      last = length - 1;
    } else {
      first = Number(r[1]);
      last = r[2] === '' ? length - 1 : Math.min(Number(r[2]), length - 1);
      if (first > last) {
        if (first === 0) return FULL; // only when length is 0
        continue;
      }
    }
    out.push([first, last]);
    size += last - first + 1;
    if (out.length > maxRanges) return FULL;
  }
  if (out.length === 0) return NO;
  return size > length ? FULL : out;
}

const rangeSpec = fc.oneof(
  fc.tuple(fc.nat(120), fc.option(fc.nat(130), { nil: undefined })).map(([a, b]) => `${a}-${b ?? ''}`),
  fc.nat(130).map((n) => `-${n}`),
);
const wellFormed = fc.array(rangeSpec, { minLength: 1, maxLength: 6 }).map((specs) => `bytes=${specs.join(',')}`);

test('property: the port agrees with an independent model on well-formed headers', () => {
  fc.assert(
    fc.property(wellFormed, fc.nat(110), fc.integer({ min: 1, max: 5 }), (header, length, maxRanges) => {
      assert.equal(short(parseRange(header, length, { maxRanges })), model(header, length, maxRanges), `${header} on ${length}`);
    }),
    { numRuns: 5000 },
  );
});

const nastyChars = fc.constantFrom(...'bytes=BYTES0123456789-,, \t-x;*/'.split(''), '\u0000', '\u00e9', '\ud83d');
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.array(nastyChars, { maxLength: 40 }).map((cs) => cs.join('')),
  fc.array(nastyChars, { maxLength: 30 }).map((cs) => `bytes=${cs.join('')}`),
  wellFormed,
);

test('property: no input throws; results are always within bounds', () => {
  fc.assert(
    fc.property(nasty, fc.oneof(fc.nat(200), fc.constant(0), fc.constant(2 ** 53)), fc.integer({ min: 0, max: 70 }), (header, length, maxRanges) => {
      const answer = parseRange(header, length, { maxRanges });
      if (answer.kind !== 'partial') return;
      assert.ok(answer.ranges.length >= 1 && answer.ranges.length <= maxRanges);
      let total = 0;
      for (const { start, end } of answer.ranges) {
        assert.ok(Number.isSafeInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= length, JSON.stringify(answer));
        total += end - start;
      }
      assert.ok(total <= length);
    }),
    { numRuns: 100_000 },
  );
});

// The live check: the same headers, sent byte for byte to nginx over files of 0, 1 and 100 bytes.
let nginx: RunningNginx | null = null;
let dir: ReturnType<typeof tempDir> | null = null;
const SIZES = [0, 1, 100];

beforeAll(test, async () => {
  if (!nginxBinary()) return; // the live test says so
  dir = tempDir('ipfrs-range-');
  for (const size of SIZES) writeFileSync(join(dir.path, `f${size}`), Buffer.alloc(size, 0x61));
  nginx = await startNginx({ root: dir.path });
});

test.after(async () => {
  await nginx?.stop();
  dir?.cleanup();
});

test('live: parseRange answers as nginx 1.22 does, on the table and on random headers', async () => {
  if (!nginx) {
    requireTool('nginx', null, NGINX_INSTALL); // throws, unless IPFRS_SKIP_E2E=1
    return;
  }
  // Values nginx accepts as a header at all: printable ASCII and tabs.
  const printable = fc.constantFrom(...'bytes=BYTES0123456789-,,,  \tx;'.split(''));
  const random = fc.sample(
    fc.oneof(wellFormed, fc.array(printable, { minLength: 1, maxLength: 24 }).map((cs) => `bytes=${cs.join('')}`), fc.array(printable, { maxLength: 12 }).map((cs) => cs.join(''))),
    { numRuns: 150, seed: 20240601 },
  );
  const headers = [...LENGTH_100.map(([h]) => h).filter((h): h is string => h !== undefined && !h.includes('\u0000')), ...LENGTH_0.map(([h]) => h), ...random];
  let compared = 0;
  for (const size of SIZES) {
    for (const header of headers) {
      const res = await rawGet(nginx.port, `/f${size}`, [`Range: ${header}`]);
      const ours = parseRange(header, size, { maxRanges: Infinity });
      const where = `${JSON.stringify(header)} on ${size} bytes`;
      if (ours.kind === 'full') {
        assert.is(res.status, 200, where);
      } else if (ours.kind === 'unsatisfiable') {
        assert.is(res.status, 416, where);
        assert.is(res.headers['content-range'], unsatisfiedRange(size), where);
      } else if (ours.ranges.length === 1) {
        assert.is(res.status, 206, where);
        assert.is(res.headers['content-range'], contentRange(ours.ranges[0]!, size), where);
        assert.is(Number(res.headers['content-length']), ours.ranges[0]!.end - ours.ranges[0]!.start, where);
      } else {
        assert.is(res.status, 206, where);
        const parts = [...res.body.toString('latin1').matchAll(/Content-Range: (bytes \S+)/g)].map((m) => m[1]);
        assert.equal(parts, ours.ranges.map((r) => contentRange(r, size)), where);
      }
      compared++;
    }
  }
  assert.ok(compared > 500, `compared ${compared}`);
});

test.run();
