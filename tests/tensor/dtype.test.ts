// The dtype table: names, sizes and the NumPy descr mapping both ways, checked against numpy itself; and the
// shape/stride arithmetic every parser shares.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { DTYPES, dtypeSize, isDType, numpyDescr, parseNumpyDescr, type DType } from '../../src/tensor/dtype.ts';
import { cStrides, elementCountOf, fStrides, formatShape, isDim } from '../../src/tensor/layout.ts';
import { PYTHON } from '../helpers/python.ts';

test('DTYPES lists every safetensors dtype once, in the spec order', () => {
  assert.equal([...DTYPES], ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64']);
  assert.is(new Set(DTYPES).size, DTYPES.length);
});

test('isDType accepts exactly the spec names', () => {
  for (const d of DTYPES) assert.ok(isDType(d), d);
  for (const v of ['f32', 'F4', 'C64', 'F8_E8M0', 'BFLOAT16', '', ' F32', 'F32 ', 'toString', '__proto__', 32, null, undefined, {}, ['F32']]) {
    assert.not.ok(isDType(v), JSON.stringify(v));
  }
});

test('dtypeSize', () => {
  const table: Array<[DType, number]> = [
    ['BOOL', 1], ['U8', 1], ['I8', 1], ['F8_E5M2', 1], ['F8_E4M3', 1],
    ['I16', 2], ['U16', 2], ['F16', 2], ['BF16', 2],
    ['I32', 4], ['U32', 4], ['F32', 4],
    ['F64', 8], ['I64', 8], ['U64', 8],
  ];
  assert.is(table.length, DTYPES.length);
  for (const [d, size] of table) assert.is(dtypeSize(d), size, d);
});

test('numpyDescr: byte order for multi-byte types, | for single bytes, null where NumPy has no dtype', () => {
  const table: Array<[DType, boolean, string | null]> = [
    ['BOOL', true, '|b1'], ['BOOL', false, '|b1'], ['U8', true, '|u1'], ['I8', false, '|i1'],
    ['I16', true, '<i2'], ['I16', false, '>i2'], ['U16', true, '<u2'], ['F16', false, '>f2'],
    ['I32', true, '<i4'], ['U32', false, '>u4'], ['F32', true, '<f4'], ['F32', false, '>f4'],
    ['F64', true, '<f8'], ['I64', false, '>i8'], ['U64', true, '<u8'],
    ['BF16', true, null], ['F8_E5M2', true, null], ['F8_E4M3', false, null],
  ];
  for (const [d, le, want] of table) assert.is(numpyDescr(d, le), want, `${d} ${le}`);
});

test('parseNumpyDescr: the reverse, strict about byte order on multi-byte types', () => {
  const ok: Array<[string, DType, boolean]> = [
    ['|b1', 'BOOL', true], ['<b1', 'BOOL', true], ['|u1', 'U8', true], ['>u1', 'U8', true], ['=i1', 'I8', true],
    ['<i2', 'I16', true], ['>i2', 'I16', false], ['<f2', 'F16', true], ['>f8', 'F64', false], ['<u8', 'U64', true],
  ];
  for (const [descr, dtype, littleEndian] of ok) assert.equal(parseNumpyDescr(descr), { dtype, littleEndian }, descr);
  for (const descr of ['', 'f4', '<f', '=f4', '|f4', '<f16', '<c8', '>c16', '|O', '<U5', '|S3', '|V8', '<M8[ns]', '<f4 ', 'float32', '<b2', '?']) {
    assert.is(parseNumpyDescr(descr), null, descr);
  }
});

test('every descr we write is what numpy calls that dtype, and round-trips through parseNumpyDescr', () => {
  const rows: Array<[DType, boolean, string]> = [];
  for (const d of DTYPES) {
    for (const le of [true, false]) {
      const descr = numpyDescr(d, le);
      if (descr === null) continue;
      rows.push([d, le, descr]);
      const back = parseNumpyDescr(descr)!;
      assert.is(back.dtype, d, descr);
      if (dtypeSize(d) > 1) assert.is(back.littleEndian, le, descr);
    }
  }
  const script = 'import json,sys,numpy as np\nprint(json.dumps([[np.dtype(d).str, np.dtype(d).itemsize] for d in json.load(sys.stdin)]))';
  const numpy = JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(rows.map((r) => r[2])), encoding: 'utf8' })) as Array<[string, number]>;
  rows.forEach(([d, , descr], i) => {
    assert.is(numpy[i]![0], descr, `numpy spells ${descr} as ${numpy[i]![0]}`);
    assert.is(numpy[i]![1], dtypeSize(d), descr);
  });
});

test('strides in elements: C and Fortran order, 0-d and zero dims', () => {
  const table: Array<[number[], number[], number[]]> = [
    [[], [], []],
    [[5], [1], [1]],
    [[2, 3], [3, 1], [1, 2]],
    [[2, 3, 4], [12, 4, 1], [1, 2, 6]],
    [[2, 0, 3], [0, 3, 1], [1, 2, 0]],
  ];
  for (const [shape, c, f] of table) {
    assert.equal(cStrides(shape), c, `C ${formatShape(shape)}`);
    assert.equal(fStrides(shape), f, `F ${formatShape(shape)}`);
  }
});

test('elementCountOf: products, zero dims first, null past 2^53', () => {
  const table: Array<[number[], number | null]> = [
    [[], 1], [[0], 0], [[7], 7], [[2, 3, 4], 24], [[0, 2 ** 52, 2 ** 52], 0], [[2 ** 52, 2 ** 52, 0], 0],
    [[2 ** 26, 2 ** 26], 2 ** 52], [[2 ** 27, 2 ** 27], null], [[Number.MAX_SAFE_INTEGER, 1], Number.MAX_SAFE_INTEGER],
  ];
  for (const [shape, want] of table) assert.is(elementCountOf(shape), want, formatShape(shape));
});

test('isDim: non-negative safe integers only', () => {
  for (const v of [0, 1, 2 ** 53 - 1]) assert.ok(isDim(v), String(v));
  for (const v of [-1, 1.5, 2 ** 53, NaN, Infinity, '3', null, true, -0.5]) assert.not.ok(isDim(v), String(v));
});

test.run();
