// The cost memo of src/graphql/memo-complexity.ts keys operations by their variables. An upload's File is a
// variable: keying by JSON.stringify(variables) turned every uploaded byte into text on the event loop (a 200 MiB
// upload froze the server for 14 s). The key must be bounded and never touch a File, Blob or large value.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_KEY_LENGTH, variablesKey } from '../../../src/graphql/plugins/memo-complexity.ts';
import { CSRF_HEADER } from '../../../src/graphql/yoga.ts';
import { bearer, fakeYoga, WRITE_TOKEN } from '../../helpers/graphql-services.ts';

const ADD = 'mutation($file: File!, $dtype: DType, $shape: [SafeInt!], $name: String) { addTensorFile(file: $file, dtype: $dtype, shape: $shape, name: $name) { ... on TensorFile { cid size } } }';

test('an upload is never serialised by the cost memo (no string near its size is built while it is added)', async () => {
  const { yoga } = fakeYoga();
  const bytes = Buffer.alloc(2 << 20, 7);
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: ADD, variables: { file: null, dtype: 'U8', shape: [bytes.length] } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', new Blob([bytes]), 'big.bin');
  const original = JSON.stringify;
  let longest = 0;
  JSON.stringify = function (this: unknown, ...args: Parameters<typeof JSON.stringify>) {
    const out = original.apply(this, args);
    if (typeof out === 'string') longest = Math.max(longest, out.length);
    return out;
  } as typeof JSON.stringify;
  let body;
  try {
    const response = await yoga.fetch('http://localhost/graphql', { method: 'POST', body: form, headers: { [CSRF_HEADER]: '1', ...bearer(WRITE_TOKEN) } });
    body = await response.json();
  } finally {
    JSON.stringify = original;
  }
  assert.is(body.errors, undefined, JSON.stringify(body.errors));
  assert.is(body.data.addTensorFile.size, bytes.length);
  assert.ok(longest < 64 * 1024, `a string of ${longest} characters was built during a ${bytes.length}-byte upload`);
});

test('variablesKey: bounded, and undefined for anything that is not small plain JSON', () => {
  const key = variablesKey({ first: 10, after: 'abc', filter: { dtype: 'F32' }, list: [1, null, true] });
  assert.type(key, 'string');
  assert.is(variablesKey({ list: [1, null, true], filter: { dtype: 'F32' }, after: 'abc', first: 10 }) === key, false, 'order is part of the key (cheap, and only costs a miss)');
  assert.is(variablesKey({}), '{}');
  assert.is(variablesKey(undefined), 'null,');
  assert.is(variablesKey({ file: new Blob([Buffer.alloc(10)]) }), undefined);
  assert.is(variablesKey({ file: Buffer.alloc(10) }), undefined);
  assert.is(variablesKey({ big: 'x'.repeat(MAX_KEY_LENGTH + 1) }), undefined);
  assert.is(variablesKey({ many: Array.from({ length: 10_000 }, (_, i) => i) }), undefined);
  // Distinct variables give distinct keys (a string cannot pass for a number or a nested object).
  assert.is.not(variablesKey({ a: '1' }), variablesKey({ a: 1 }));
  assert.is.not(variablesKey({ a: { b: 1 } }), variablesKey({ a: '{"b":1}' }));
});

test.run();
