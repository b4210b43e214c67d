// Shape and stride arithmetic (src/tensor/layout.ts), by table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cStrides, elementCountOf, fStrides, formatShape, isDim } from '../../src/tensor/layout.ts';

test('cStrides and fStrides: elements per step along each axis', () => {
  const rows: Array<[number[], number[], number[]]> = [
    [[], [], []],
    [[5], [1], [1]],
    [[2, 3], [3, 1], [1, 2]],
    [[2, 3, 4], [12, 4, 1], [1, 2, 6]],
    [[4, 0, 3], [0, 3, 1], [1, 4, 0]],
    [[1, 1, 7], [7, 7, 1], [1, 1, 1]],
  ];
  for (const [shape, c, f] of rows) {
    assert.equal(cStrides(shape), c, `C ${formatShape(shape)}`);
    assert.equal(fStrides(shape), f, `F ${formatShape(shape)}`);
  }
});

test('elementCountOf: the product, 0 with any zero dim first, null past 2^53', () => {
  const rows: Array<[number[], number | null]> = [
    [[], 1],
    [[7], 7],
    [[2, 3, 4], 24],
    [[0, 2 ** 60], 0],
    [[2 ** 60, 0], 0],
    [[2 ** 30, 2 ** 22], 2 ** 52],
    [[2 ** 30, 2 ** 23], null], // 2^53 is past the last safe integer
    [[2 ** 52, 3], null],
  ];
  for (const [shape, want] of rows) assert.is(elementCountOf(shape), want, formatShape(shape));
});

test('formatShape and isDim', () => {
  assert.is(formatShape([]), '[]');
  assert.is(formatShape([2, 3]), '[2, 3]');
  for (const ok of [0, 1, 2 ** 53 - 1]) assert.ok(isDim(ok), String(ok));
  for (const bad of [-1, 1.5, 2 ** 53, NaN, Infinity, '3', null, undefined, 3n]) assert.not.ok(isDim(bad), String(bad));
});

test.run();
