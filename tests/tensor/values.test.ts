// Decoding element bytes to numbers: every dtype, both byte orders; the float formats exhaustively or by their
// defining bit patterns, checked against numpy where numpy has the type.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { DTYPES, numpyDescr, type DType } from '../../src/tensor/dtype.ts';
import { bf16, decodeValues, f16, f8e4m3fn, f8e5m2 } from '../../src/tensor/values.ts';
import { PYTHON } from '../helpers/python.ts';

function numpy<T>(script: string, input: unknown): T {
  // Casting NaN to an int type is what the test does on purpose: numpy's warning about it is noise.
  const quiet = `import warnings\nwarnings.simplefilter("ignore")\n${script}`;
  return JSON.parse(execFileSync(PYTHON, ['-c', quiet], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 }));
}

/** NaN and infinities as JSON carries them: null. */
const FINITE = 'lambda v: None if v != v or v in (float("inf"), float("-inf")) else v';

test('every dtype and byte order decodes what numpy stored, through the descr the store writes', () => {
  const values = [0, 1, -1, 2, 127, -128, 255, 3.5, -0.25, 1e10, 65504];
  const cases = DTYPES.flatMap((d) => [true, false].map((le) => [d, le, numpyDescr(d, le)] as const)).filter(([, , descr]) => descr !== null);
  const script = `
import json, sys, numpy as np
f = ${FINITE}
out = []
for descr, values in json.load(sys.stdin):
    with np.errstate(all="ignore"):
        a = np.array(values, dtype=np.float64).astype(descr)
    out.append([a.tobytes().hex(), [f(float(v)) for v in a.tolist()]])
print(json.dumps(out))`;
  const results = numpy<Array<[string, Array<number | null>]>>(script, cases.map(([, , descr]) => [descr, values]));
  cases.forEach(([dtype, le, descr], i) => {
    const [hex, want] = results[i]!;
    assert.equal(decodeValues(Buffer.from(hex, 'hex'), dtype, le), want, `${dtype} ${descr}`);
  });
});

test('F16: all 65536 bit patterns equal numpy float16, NaN and infinities null', () => {
  const bytes = Buffer.alloc(2 * 65536);
  for (let i = 0; i < 65536; i++) bytes.writeUInt16LE(i, 2 * i);
  const want = numpy<Array<number | null>>(`import json, numpy as np\nf = ${FINITE}\nprint(json.dumps([f(v) for v in np.arange(65536, dtype="<u2").view("<f2").astype(np.float64).tolist()]))`, null);
  assert.equal(decodeValues(bytes, 'F16', true), want);
  const big = Buffer.alloc(2 * 65536);
  for (let i = 0; i < 65536; i++) big.writeUInt16BE(i, 2 * i);
  assert.equal(decodeValues(big, 'F16', false), want, 'big-endian');
});

test('BF16: all 65536 bit patterns are the top halves of float32 (numpy view of u32 << 16)', () => {
  const bytes = Buffer.alloc(2 * 65536);
  for (let i = 0; i < 65536; i++) bytes.writeUInt16LE(i, 2 * i);
  const want = numpy<Array<number | null>>(`import json, numpy as np\nf = ${FINITE}\nprint(json.dumps([f(v) for v in (np.arange(65536, dtype="<u4") << 16).view("<f4").astype(np.float64).tolist()]))`, null);
  assert.equal(decodeValues(bytes, 'BF16', true), want);
});

test('F8_E5M2: each of 256 bytes is the top byte of a float16 (numpy float16 of b << 8)', () => {
  const want = numpy<Array<number | null>>(`import json, numpy as np\nf = ${FINITE}\nprint(json.dumps([f(v) for v in (np.arange(256, dtype="<u2") << 8).view("<f2").astype(np.float64).tolist()]))`, null);
  assert.equal(decodeValues(Buffer.from(Array.from({ length: 256 }, (_, i) => i)), 'F8_E5M2', true), want);
  const table: Array<[number, number]> = [[0x3c, 1], [0x40, 2], [0x7b, 57344], [0x01, 2 ** -16], [0x04, 2 ** -14], [0xbc, -1]];
  for (const [bits, value] of table) assert.is(f8e5m2(bits), value, bits.toString(16));
  assert.is(f8e5m2(0x7c), Infinity);
  assert.ok(Number.isNaN(f8e5m2(0x7f)));
});

test('F8_E4M3 (E4M3FN): no infinities, 0x7f and 0xff NaN, 448 the largest, subnormals, sign symmetry', () => {
  const table: Array<[number, number]> = [
    [0x00, 0], [0x38, 1], [0x40, 2], [0x30, 0.5], [0x3c, 1.5], [0x7e, 448], [0x78, 256], [0x77, 240],
    [0x08, 2 ** -6], [0x01, 2 ** -9], [0x07, 7 * 2 ** -9], [0xb8, -1], [0xfe, -448],
  ];
  for (const [bits, value] of table) assert.is(f8e4m3fn(bits), value, bits.toString(16));
  assert.ok(Object.is(f8e4m3fn(0x80), -0));
  assert.ok(Number.isNaN(f8e4m3fn(0x7f)) && Number.isNaN(f8e4m3fn(0xff)));
  // Every other code is finite, increasing with the code for positives, and mirrored for negatives.
  for (let b = 1; b < 0x7f; b++) {
    assert.ok(f8e4m3fn(b) > f8e4m3fn(b - 1), `monotone at ${b.toString(16)}`);
    assert.is(f8e4m3fn(b | 0x80), -f8e4m3fn(b));
  }
  const all = decodeValues(Buffer.from(Array.from({ length: 256 }, (_, i) => i)), 'F8_E4M3', true);
  assert.equal(all.map((v, i) => (v === null ? i : -1)).filter((i) => i >= 0), [0x7f, 0xff]);
});

test('scalar helpers: f16 and bf16 edge values', () => {
  const half: Array<[number, number]> = [[0x3c00, 1], [0x7bff, 65504], [0x0001, 2 ** -24], [0x0400, 2 ** -14], [0xc000, -2], [0x3555, 0.333251953125]];
  for (const [bits, value] of half) assert.is(f16(bits), value, bits.toString(16));
  assert.is(f16(0x7c00), Infinity);
  assert.is(f16(0xfc00), -Infinity);
  assert.ok(Object.is(f16(0x8000), -0));
  assert.is(bf16(0x3f80), 1);
  assert.is(bf16(0xc000), -2);
  assert.is(bf16(0x7f80), Infinity);
});

test('integers: BOOL as 0/1, 64-bit through BigInt, both byte orders', () => {
  assert.equal(decodeValues(Buffer.from([0, 1, 2, 255]), 'BOOL', true), [0, 1, 1, 1]);
  assert.equal(decodeValues(Buffer.from([0x80, 0x7f, 0xff]), 'I8', true), [-128, 127, -1]);
  const i64 = Buffer.alloc(32);
  i64.writeBigInt64LE(-1n, 0);
  i64.writeBigInt64LE(2n ** 40n, 8);
  i64.writeBigInt64LE(-(2n ** 63n), 16);
  i64.writeBigInt64LE(2n ** 53n + 1n, 24);
  assert.equal(decodeValues(i64, 'I64', true), [-1, 2 ** 40, -(2 ** 63), 2 ** 53]);
  const u64 = Buffer.alloc(16);
  u64.writeBigUInt64BE(2n ** 64n - 1n, 0);
  u64.writeBigUInt64BE(7n, 8);
  assert.equal(decodeValues(u64, 'U64', false), [2 ** 64, 7]);
  const u32 = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1]);
  assert.equal(decodeValues(u32, 'U32', true), [4294967295, 16777216]);
  assert.equal(decodeValues(u32, 'U32', false), [4294967295, 1]);
});

test('F32/F64 specials are null; a view into a larger buffer and a ragged tail are handled', () => {
  const f32 = Buffer.from(new Float32Array([1.5, NaN, Infinity, -Infinity, -0, 3.4028234663852886e38]).buffer);
  assert.equal(decodeValues(f32, 'F32', true), [1.5, null, null, null, -0, 3.4028234663852886e38]);
  const backing = Buffer.alloc(40);
  backing.writeDoubleBE(Math.PI, 3);
  backing.writeDoubleBE(-2.5, 11);
  assert.equal(decodeValues(backing.subarray(3, 19), 'F64', false), [Math.PI, -2.5], 'unaligned view');
  assert.equal(decodeValues(Buffer.from([1, 0, 2]), 'U16', true), [1], 'a ragged last byte is ignored');
  assert.equal(decodeValues(Buffer.alloc(0), 'F64', true), []);
});

test('every dtype decodes an empty buffer and one element without throwing', () => {
  for (const d of DTYPES as readonly DType[]) {
    assert.equal(decodeValues(Buffer.alloc(0), d, true), [], d);
    assert.is(decodeValues(Buffer.alloc(8), d, false)[0], 0, d);
  }
});

test.run();
