// The slice spec grammar (src/tensor/slice-spec.ts): numpy basic indexing written as between brackets, parsed to
// items; garbage refused with INVALID_SLICE saying what and where.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { thrown } from '../helpers/assert.ts';
import { SliceSpecError } from '../../src/tensor/errors.ts';
import { parseSliceSpec } from '../../src/tensor/slice-spec.ts';

const sliceError = (fn: () => unknown): SliceSpecError => thrown(fn, SliceSpecError, 'no SliceSpecError');

test('parseSliceSpec: items, with numpy spellings', () => {
  const table: Array<[string, unknown[]]> = [
    ['', []],
    ['   ', []],
    ['5', [{ kind: 'index', index: 5 }]],
    ['-1', [{ kind: 'index', index: -1 }]],
    ['+2', [{ kind: 'index', index: 2 }]],
    ['5,', [{ kind: 'index', index: 5 }]],
    [':', [{ kind: 'slice', start: null, stop: null, step: null }]],
    ['::', [{ kind: 'slice', start: null, stop: null, step: null }]],
    ['::-1', [{ kind: 'slice', start: null, stop: null, step: -1 }]],
    ['1:', [{ kind: 'slice', start: 1, stop: null, step: null }]],
    [' 0 : 10 : 2 ', [{ kind: 'slice', start: 0, stop: 10, step: 2 }]],
    ['None:3:None', [{ kind: 'slice', start: null, stop: 3, step: null }]],
    ['-0', [{ kind: 'index', index: 0 }]],
    ['0:10, :, 5', [{ kind: 'slice', start: 0, stop: 10, step: null }, { kind: 'slice', start: null, stop: null, step: null }, { kind: 'index', index: 5 }]],
    ['..., 0', [{ kind: 'ellipsis' }, { kind: 'index', index: 0 }]],
    ['...,...', [{ kind: 'ellipsis' }, { kind: 'ellipsis' }]],
    ['\t1\n,\n2', [{ kind: 'index', index: 1 }, { kind: 'index', index: 2 }]],
    ['99999999999999999999999:', [{ kind: 'slice', start: 2 ** 53, stop: null, step: null }]],
    ['::-99999999999999999999999', [{ kind: 'slice', start: null, stop: null, step: -(2 ** 53) }]],
  ];
  for (const [spec, want] of table) {
    const got = parseSliceSpec(spec).map((item) => {
      const { position: _p, text: _t, ...rest } = item as Record<string, unknown>;
      return rest;
    });
    assert.equal(got, want, JSON.stringify(spec));
  }
});

test('parseSliceSpec: garbage is INVALID_SLICE saying what is wrong and where', () => {
  const table: Array<[string, RegExp, number]> = [
    ['a', /at character 1: expected an integer, found "a"/, 0],
    ['1:b', /at character 3: expected an integer, found "b"/, 2],
    ['1 2', /at character 3: expected ',' between indices, found "2"/, 2],
    [',', /at character 1: expected an integer, ':' or '\.\.\.', found ","/, 0],
    ['1,,2', /at character 3: expected an integer/, 2],
    ['1, ,', /at character 4/, 3],
    ['1::0', /at character 4: slice step cannot be zero/, 3],
    [':::', /at character 3: expected ','/, 2],
    ['1.5', /indices must be plain decimal integers/, 1],
    ['1e3', /plain decimal/, 1],
    ['0x10', /plain decimal/, 1],
    ['1_000', /plain decimal/, 1],
    ['-', /expected digits after '-'/, 0],
    ['None', /None \(numpy.newaxis\) is not supported/, 0],
    ['np.newaxis', /numpy.newaxis is not supported/, 0],
    ['[0]', /found "\[0\]"/, 0],
    ['0:2)', /found "\)"/, 3],
    ['..', /found "\.\."/, 0],
    ['....', /expected ','/, 3],
    ['1:2:3:4', /expected ','/, 5],
    ['\u00e9', /found "\u00e9"/, 0],
    ['1\n2', /found "2"/, 2],
  ];
  for (const [spec, message, position] of table) {
    const error = sliceError(() => parseSliceSpec(spec));
    assert.is(error.code, 'INVALID_SLICE', spec);
    assert.match(error.message, message, spec);
    assert.is(error.position, position, `${JSON.stringify(spec)}: ${error.message}`);
    assert.not.match(error.message, /\n/, 'one line');
  }
});

test.run();
