// The slice planner: the spec grammar, numpy's semantics (checked against numpy itself and against a naive
// element-by-element reference on random shapes and specs, C and Fortran order), coalescing, and its limits.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { thrown } from '../helpers/assert.ts';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { SliceSpecError } from '../../src/tensor/errors.ts';
import { MAX_SLICE_RANGES, parseSliceSpec, planSlice, type SlicePlan, type SliceSource } from '../../src/tensor/slice.ts';
import type { DType } from '../../src/tensor/dtype.ts';
import { PYTHON } from '../helpers/python.ts';

const F32_4x5: SliceSource = { shape: [4, 5], dtype: 'F32' };

/** Flat element offsets (in elements) a plan reads, in order. */
function elements(plan: SlicePlan, itemSize: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < plan.ranges.length; i += 2) {
    for (let b = plan.ranges[i]!; b < plan.ranges[i + 1]!; b += itemSize) out.push(b / itemSize);
  }
  return out;
}

const sliceError = (fn: () => unknown): SliceSpecError => thrown(fn, SliceSpecError, 'no SliceSpecError');

test('planSlice on a 4x5 float32: shapes, dropped axes and coalesced byte ranges', () => {
  const table: Array<[string, number[], number[]]> = [
    ['', [4, 5], [0, 80]],
    ['...', [4, 5], [0, 80]],
    [':, :', [4, 5], [0, 80]],
    ['1', [5], [20, 40]],
    ['1:3', [2, 5], [20, 60]],
    ['1:3, ::2', [2, 3], [20, 24, 28, 32, 36, 44, 48, 52, 56, 60]],
    [':, -1', [4], [16, 20, 36, 40, 56, 60, 76, 80]],
    ['::-1, 0', [4], [60, 64, 40, 44, 20, 24, 0, 4]],
    ['::-1', [4, 5], [60, 80, 40, 60, 20, 40, 0, 20]],
    ['..., 2', [4], [8, 12, 28, 32, 48, 52, 68, 72]],
    ['2:2', [0, 5], []],
    ['3, 4', [], [76, 80]],
    ['-1, 1:3', [2], [64, 72]],
    ['1:3, 1:4', [2, 3], [24, 36, 44, 56]],
    ['0:1, ...', [1, 5], [0, 20]],
    ['-100:100, 1:2', [4, 1], [4, 8, 24, 28, 44, 48, 64, 68]],
    ['::3, ::-2', [2, 3], [16, 20, 8, 12, 0, 4, 76, 80, 68, 72, 60, 64]],
    ['1:2, 4:0:-1', [1, 4], [36, 40, 32, 36, 28, 32, 24, 28]],
    ['5:', [0, 5], []],
    ['::100', [1, 5], [0, 20]],
  ];
  for (const [spec, shape, ranges] of table) {
    const plan = planSlice(F32_4x5, spec);
    const count = shape.reduce((a, b) => a * b, 1);
    assert.equal(
      { shape: plan.shape, elementCount: plan.elementCount, byteLength: plan.byteLength, rangeCount: plan.rangeCount, ranges: plan.ranges },
      { shape, elementCount: count, byteLength: count * 4, rangeCount: ranges.length / 2, ranges },
      spec,
    );
  }
});

test('specs that do not fit the tensor: typed errors numpy would raise too', () => {
  const table: Array<[SliceSource, string, RegExp]> = [
    [F32_4x5, '9', /index 9 is out of bounds for axis 0 with size 4/],
    [F32_4x5, '-5', /index -5 is out of bounds for axis 0 with size 4/],
    [F32_4x5, ':, 5', /index 5 is out of bounds for axis 1 with size 5/],
    [F32_4x5, '..., -6', /index -6 is out of bounds for axis 1/],
    [F32_4x5, '99999999999999999999999', /index 99999999999999999999999 is out of bounds/],
    [F32_4x5, ':, :, :', /too many indices for a 2-dimensional tensor: 3 were given/],
    [F32_4x5, '0, 0, 0', /too many indices/],
    [F32_4x5, '..., :, ...', /an index can only have a single ellipsis \('\.\.\.'\): another at character 9/],
    [{ shape: [], dtype: 'F64' }, '0', /too many indices for a 0-dimensional tensor: 1 were given/],
    [{ shape: [0], dtype: 'U8' }, '0', /index 0 is out of bounds for axis 0 with size 0/],
  ];
  for (const [tensor, spec, message] of table) {
    const error = sliceError(() => planSlice(tensor, spec));
    assert.is(error.code, 'INVALID_SLICE', spec);
    assert.match(error.message, message, `${spec}: ${error.message}`);
  }
  assert.equal(planSlice(F32_4x5, '0, 0, ...').shape, [], 'an ellipsis may stand for no axis');
});

test('0-d and empty tensors', () => {
  const scalar: SliceSource = { shape: [], dtype: 'F64' };
  for (const spec of ['', '...', ' ']) assert.equal({ ...planSlice(scalar, spec) }, { shape: [], elementCount: 1, byteLength: 8, rangeCount: 1, ranges: [0, 8] }, spec);
  const empty: SliceSource = { shape: [3, 0, 2], dtype: 'I16' };
  assert.equal({ ...planSlice(empty, '') }, { shape: [3, 0, 2], elementCount: 0, byteLength: 0, rangeCount: 0, ranges: [] });
  assert.equal(planSlice(empty, '1').shape, [0, 2]);
  assert.equal(planSlice(empty, '::-1, :, 1').shape, [3, 0]);
});

test('Fortran order: the result is still in C order, each element read from its column-major place', () => {
  // Stored 0 3 1 4 2 5 is the logical [[0, 1, 2], [3, 4, 5]].
  const tensor: SliceSource = { shape: [2, 3], dtype: 'U8', fortranOrder: true };
  const read = (spec: string) => elements(planSlice(tensor, spec), 1).map((o) => [0, 3, 1, 4, 2, 5][o]);
  assert.equal(read(''), [0, 1, 2, 3, 4, 5]);
  assert.equal(read(':, 1'), [1, 4]);
  assert.equal(read('1'), [3, 4, 5]);
  assert.equal(read('::-1, ::2'), [3, 5, 0, 2]);
  assert.equal(planSlice(tensor, ':, 1').ranges, [2, 4], 'a column of a column-major array is one run');
  assert.equal(planSlice({ ...tensor, shape: [2, 2] }, '::-1, ::-1').ranges, [3, 4, 1, 3, 0, 1], 'adjacent runs merge across an outer step');
  assert.equal(planSlice({ shape: [2, 3], dtype: 'U8', strides: [1, 2] }, '').ranges, planSlice(tensor, '').ranges, 'explicit strides');
});

test('TOO_LARGE when a plan would need more ranges than allowed; only sizes are computed until ranges are read', () => {
  const big: SliceSource = { shape: [2 ** 25], dtype: 'U8' };
  const error = sliceError(() => planSlice(big, '::-1'));
  assert.is(error.code, 'TOO_LARGE');
  assert.match(error.message, /33554432 separate ranges \(at most 16777216\)/);
  assert.is(planSlice(big, '').rangeCount, 1, 'contiguous: one range however big');
  assert.is(sliceError(() => planSlice(F32_4x5, '::-1, 0', { maxRanges: 3 })).code, 'TOO_LARGE');
  assert.is(planSlice(F32_4x5, '::-1, 0', { maxRanges: 4 }).rangeCount, 4);
  const many = planSlice({ shape: [MAX_SLICE_RANGES], dtype: 'F32' }, '::-1');
  assert.equal([many.elementCount, many.byteLength], [MAX_SLICE_RANGES, MAX_SLICE_RANGES * 4]);
  assert.is(typeof Object.getOwnPropertyDescriptor(many, 'ranges')!.get, 'function', 'ranges are built on demand');
});

// ---- random shapes and specs ----

type Item = { kind: 'index'; i: number } | { kind: 'slice'; start: number | null; stop: number | null; step: number | null } | { kind: 'ellipsis' };

interface Case {
  shape: number[];
  fortran: boolean;
  items: Item[];
  spec: string;
}

const itemArb: fc.Arbitrary<Item> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -7, max: 7 }).map((i) => ({ kind: 'index' as const, i })) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('slice' as const),
      start: fc.option(fc.integer({ min: -8, max: 8 })),
      stop: fc.option(fc.integer({ min: -8, max: 8 })),
      step: fc.option(fc.constantFrom(1, 2, 3, -1, -2, -3, 7, -100)),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'ellipsis' as const }) },
);

function render(item: Item, style: number): string {
  if (item.kind === 'ellipsis') return '...';
  if (item.kind === 'index') return String(item.i);
  const part = (v: number | null) => (v === null ? (style % 3 === 0 ? 'None' : '') : String(v));
  const head = `${part(item.start)}${style % 2 ? ' : ' : ':'}${part(item.stop)}`;
  return item.step === null ? (style % 5 === 0 ? `${head}:` : head) : `${head}:${item.step}`;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    shape: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }),
    fortran: fc.boolean(),
    items: fc.array(itemArb, { maxLength: 5 }),
    style: fc.nat({ max: 29 }),
    trailingComma: fc.boolean(),
  })
  .map(({ shape, fortran, items, style, trailingComma }) => {
    let spec = items.map((item) => render(item, style)).join(style % 4 ? ', ' : ',');
    if (trailingComma && items.length > 0) spec += ',';
    return { shape, fortran, items, spec };
  });

/** Python's slice semantics, transcribed from CPython's PySlice_AdjustIndices. */
function pyIndices(start: number | null, stop: number | null, step: number | null, n: number): number[] {
  const s = step ?? 1;
  let a: number;
  let b: number;
  if (start === null) a = s < 0 ? n - 1 : 0;
  else if (start < 0) a = Math.max(start + n, s < 0 ? -1 : 0);
  else a = Math.min(start, s < 0 ? n - 1 : n);
  if (stop === null) b = s < 0 ? -1 : n;
  else if (stop < 0) b = Math.max(stop + n, s < 0 ? -1 : 0);
  else b = Math.min(stop, s < 0 ? n - 1 : n);
  const out: number[] = [];
  if (s > 0) for (let i = a; i < b; i += s) out.push(i);
  else for (let i = a; i > b; i += s) out.push(i);
  return out;
}

/** Element by element: the output shape and each output element's storage offset in C order, or an error. */
function reference(c: Case): { shape: number[]; offsets: number[] } | 'error' {
  const { shape, items } = c;
  if (items.filter((i) => i.kind === 'ellipsis').length > 1) return 'error';
  const explicit = items.filter((i) => i.kind !== 'ellipsis');
  if (explicit.length > shape.length) return 'error';
  const expanded: Item[] = [];
  for (const item of items) {
    if (item.kind === 'ellipsis') for (let k = 0; k < shape.length - explicit.length; k++) expanded.push({ kind: 'slice', start: null, stop: null, step: null });
    else expanded.push(item);
  }
  while (expanded.length < shape.length) expanded.push({ kind: 'slice', start: null, stop: null, step: null });
  const strides = shape.map((_, axis) => {
    let s = 1;
    if (c.fortran) for (let k = 0; k < axis; k++) s *= shape[k]!;
    else for (let k = axis + 1; k < shape.length; k++) s *= shape[k]!;
    return s;
  });
  const perAxis: number[][] = [];
  const outShape: number[] = [];
  for (let axis = 0; axis < shape.length; axis++) {
    const item = expanded[axis]!;
    const n = shape[axis]!;
    if (item.kind === 'index') {
      if (item.i < -n || item.i >= n) return 'error';
      perAxis.push([item.i < 0 ? item.i + n : item.i]);
    } else if (item.kind === 'slice') {
      const picked = pyIndices(item.start, item.stop, item.step, n);
      perAxis.push(picked);
      outShape.push(picked.length);
    }
  }
  let offsets = [0];
  perAxis.forEach((picked, axis) => {
    offsets = offsets.flatMap((o) => picked.map((i) => o + i * strides[axis]!));
  });
  return { shape: outShape, offsets };
}

/** Byte ranges of single elements, merged when one starts where the previous ended. */
function mergedRanges(offsets: number[], itemSize: number): number[] {
  const out: number[] = [];
  for (const o of offsets) {
    const start = o * itemSize;
    if (out.length > 0 && out[out.length - 1] === start) out[out.length - 1] = start + itemSize;
    else out.push(start, start + itemSize);
  }
  return out;
}

test('property: planSlice equals the naive element-by-element reference (random shapes, specs, C and F order)', () => {
  let planned = 0;
  fc.assert(
    fc.property(caseArb, fc.constantFrom<DType>('U8', 'I16', 'F32', 'F64'), (c, dtype) => {
      const itemSize = { U8: 1, I16: 2, F32: 4, F64: 8 }[dtype as 'U8']!;
      const want = reference(c);
      const tensor: SliceSource = { shape: c.shape, dtype, fortranOrder: c.fortran };
      if (want === 'error') {
        const error = sliceError(() => planSlice(tensor, c.spec));
        assert.is(error.code, 'INVALID_SLICE');
        return;
      }
      planned++;
      const plan = planSlice(tensor, c.spec);
      assert.equal(plan.shape, want.shape, c.spec);
      assert.is(plan.elementCount, want.offsets.length);
      assert.is(plan.byteLength, want.offsets.length * itemSize);
      assert.equal(plan.ranges, mergedRanges(want.offsets, itemSize), `${JSON.stringify(c.shape)} ${c.fortran ? 'F' : 'C'} [${c.spec}]`);
      assert.is(plan.rangeCount, plan.ranges.length / 2);
    }),
    { numRuns: 4000, seed: 7 },
  );
  assert.ok(planned > 1000, `only ${planned} specs fit their shape`);
});

test('property: reversed and stepped axes, where runs meet across an outer axis and must merge', () => {
  const reversedArb: fc.Arbitrary<Case> = fc
    .record({
      shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
      fortran: fc.boolean(),
      steps: fc.array(fc.constantFrom(-1, -1, 1, -2, 2, null), { minLength: 1, maxLength: 3 }),
    })
    .map(({ shape, fortran, steps }) => {
      const items: Item[] = steps.slice(0, shape.length).map((step) => ({ kind: 'slice', start: null, stop: null, step }));
      return { shape, fortran, items, spec: items.map((item) => render(item, 1)).join(', ') };
    });
  let coalesced = 0;
  fc.assert(
    fc.property(reversedArb, (c) => {
      const want = reference(c);
      if (want === 'error') throw new Error('every generated spec fits');
      const plan = planSlice({ shape: c.shape, dtype: 'I16', fortranOrder: c.fortran }, c.spec);
      const ranges = mergedRanges(want.offsets, 2);
      assert.equal(plan.ranges, ranges, `${JSON.stringify(c.shape)} ${c.fortran ? 'F' : 'C'} [${c.spec}]`);
      if (ranges.length / 2 < want.offsets.length && c.items.some((i) => i.kind === 'slice' && (i.step ?? 1) < 0)) coalesced++;
    }),
    { numRuns: 2000, seed: 3 },
  );
  assert.ok(coalesced > 50, `${coalesced} reversed cases coalesced some elements`);
});

test('numpy agrees: 600 random cases sliced by numpy itself, C and Fortran order, errors included', () => {
  const cases = fc.sample(caseArb, { numRuns: 600, seed: 11 });
  const script = `
import json, sys, numpy as np
out = []
for c in json.load(sys.stdin):
    n = int(np.prod(c["shape"])) if c["shape"] else 1
    a = np.arange(n).reshape(c["shape"], order="F" if c["fortran"] else "C")
    try:
        r = eval("a[" + (c["spec"] if c["spec"].strip() else "...") + "]", {"a": a})
        r = np.asarray(r)
        out.append({"shape": list(r.shape), "values": np.ascontiguousarray(r).ravel().tolist()})
    except IndexError as e:
        out.append({"error": str(e)})
print(json.dumps(out))`;
  const numpy = JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' })) as Array<{ shape?: number[]; values?: number[]; error?: string }>;
  let errors = 0;
  cases.forEach((c, i) => {
    const label = `${JSON.stringify(c.shape)} ${c.fortran ? 'F' : 'C'} [${c.spec}]`;
    const want = numpy[i]!;
    if (want.error !== undefined) {
      errors++;
      assert.is(sliceError(() => planSlice({ shape: c.shape, dtype: 'U8', fortranOrder: c.fortran }, c.spec)).code, 'INVALID_SLICE', `${label}: numpy says ${want.error}`);
      return;
    }
    // a's values are the storage offsets in either order, so numpy's slice values are the offsets to read.
    const plan = planSlice({ shape: c.shape, dtype: 'U8', fortranOrder: c.fortran }, c.spec);
    assert.equal(plan.shape, want.shape, label);
    assert.equal(elements(plan, 1), want.values, label);
  });
  assert.ok(errors > 20 && errors < 500, `${errors} errors`);
});

test('fuzz: parseSliceSpec and planSlice let only SliceSpecError escape, whatever the string', () => {
  const alphabet = fc.constantFrom(...'0123456789:,.-+ \t\n()[]Noneaxisp_ejx\u00e9\u0000'.split(''), '...', 'None', '::', '-1', '99999999999999999999');
  const specArb = fc.oneof(
    fc.array(alphabet, { maxLength: 24 }).map((parts) => parts.join('')),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    caseArb.map((c) => c.spec),
  );
  const tensors: SliceSource[] = [{ shape: [3, 4, 5], dtype: 'F32' }, { shape: [], dtype: 'U8' }, { shape: [0, 2], dtype: 'I64', fortranOrder: true }];
  fc.assert(
    fc.property(specArb, fc.constantFrom(...tensors), (spec, tensor) => {
      for (const run of [() => parseSliceSpec(spec), () => planSlice(tensor, spec)]) {
        try {
          run();
        } catch (error) {
          if (!(error instanceof SliceSpecError)) throw error;
          assert.not.match(error.message, /\n/);
        }
      }
    }),
    { numRuns: 10_000, seed: 99 },
  );
});

test.run();
