// findDuplicateKey (src/tensor/json-keys.ts): JSON.parse keeps the last of two equal keys; a header must not.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { findDuplicateKey } from '../../src/tensor/json-keys.ts';

test('finds the first key repeated within one object, after unescaping; none across objects or in arrays', () => {
  const rows: Array<[string, string | null]> = [
    ['{}', null],
    ['{"a":1,"b":2}', null],
    ['{"a":1,"a":2}', 'a'],
    ['{"a":1,"\\u0061":2}', 'a'],
    ['{"x":{"a":1},"y":{"a":2}}', null],
    ['{"x":{"a":1,"b":{"a":3}},"x":0}', 'x'],
    ['{"w":{"dtype":"F32","dtype":"F16"}}', 'dtype'],
    ['["a","a",{"a":1}]', null],
    ['{"a":["a","a"],"b":"a"}', null],
    ['{"a\\"b":1,"a\\"b":2}', 'a"b'],
    ['{"k":"v,\\"k\\":1"}', null],
    [' { "a" : 1 , "a" : 2 } ', 'a'],
  ];
  for (const [text, want] of rows) {
    JSON.parse(text); // valid JSON, as the function expects
    assert.is(findDuplicateKey(text), want, text);
  }
});

test.run();
