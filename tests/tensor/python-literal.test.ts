// The Python literal subset .npy headers are written in (src/tensor/python-literal.ts): tuples, lists, dicts,
// strings, ints, booleans, None; anything else refused with PyLiteralError.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePyLiteral, PyDict, PyLiteralError, PyTuple } from '../../src/tensor/python-literal.ts';

test('parsePyLiteral: the subset numpy headers use', () => {
  const ok: Array<[string, unknown]> = [
    ['()', new PyTuple([])],
    ['(1,)', new PyTuple([1])],
    ['(1)', 1],
    ['(1, 2, )', new PyTuple([1, 2])],
    ['[]', []],
    ["['a', \"b\"]", ['a', 'b']],
    ['True', true],
    ['None', null],
    ['-5', -5],
    ['+5', 5],
    ["'it\\'s'", "it's"],
    ["{'a': (1, [2])}", new PyDict([['a', new PyTuple([1, [2]])]])],
  ];
  for (const [text, want] of ok) assert.equal(parsePyLiteral(text), want, text);
  assert.is(parsePyLiteral('10L', { allowLongSuffix: true }), 10);
  for (const text of ['', '(', '(,)', '[1 2]', '{1}', '1.5', '1e3', '0x10', '007', 'Truex', 'true', "'a", "'\\q'", '10L', 'a', '{}}', "'a\nb'"]) {
    assert.throws(() => parsePyLiteral(text), (e: unknown) => e instanceof PyLiteralError, JSON.stringify(text));
  }
});

test.run();
