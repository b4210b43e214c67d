// Inline answers are built on the event loop; the complexity budget let one anonymous request inline about 12 MiB
// of `values` (three aliases of a 4 MiB U8 slice), and 24 such requests froze the server for a minute. Every
// inline answer is now charged before it is read (src/graphql/inline-budget.ts), per request and per client in
// flight; past either the answer is a typed TooLargeError that says to ask for a link.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createInlineBudgets, DEFAULT_INLINE_BUDGET, inlineWork } from '../../src/graphql/inline-budget.ts';
import { fakeYoga, post } from '../helpers/graphql-services.ts';

const MiB = 1 << 20;
const { yoga, store } = fakeYoga();
const file = store.putSafetensors(
  [
    { name: 'u8', dtype: 'U8', shape: [4 * MiB], data: Buffer.alloc(4 * MiB, 7) },
    { name: 'f32', dtype: 'F32', shape: [MiB], data: Buffer.alloc(4 * MiB, 0) },
  ],
  {},
);

const slice = (alias: string, name: string, spec: string, fields: string) =>
  `${alias}: tensor(cid: "${file.cid}", name: "${name}") { slice(spec: "${spec}", inlineLimit: ${4 * MiB}) { __typename ... on InlineSlice { ${fields} } ... on TooLargeError { message requested limit } } }`;

test('three aliases of a 4 MiB U8 slice with values: refused, typed, pointing at links', async () => {
  const answer = await post(yoga, `{ ${['a', 'b', 'c'].map((a) => slice(a, 'u8', ':', 'values')).join(' ')} }`);
  assert.is(answer.status, 200);
  assert.is(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
  for (const alias of ['a', 'b', 'c']) {
    const result = answer.body.data![alias].slice;
    assert.is(result.__typename, 'TooLargeError');
    assert.match(result.message, /ask for a download link \(inlineLimit: 0\)/);
    assert.is(result.limit, DEFAULT_INLINE_BUDGET.perRequest);
  }
});

test('the request budget is shared by its answers: base64 of 2 MiB fits once, not twice', async () => {
  const answer = await post(yoga, `{ ${slice('a', 'u8', `0:${2 * MiB}`, 'byteLength base64')} ${slice('b', 'u8', `0:${2 * MiB}`, 'base64')} }`);
  assert.is(answer.body.data!.a.slice.__typename, 'InlineSlice');
  assert.is(answer.body.data!.a.slice.byteLength, 2 * MiB);
  assert.is(answer.body.data!.b.slice.__typename, 'TooLargeError');
  assert.match(answer.body.data!.b.slice.message, /the request has \d+ left of its budget of 4194304/);
  // Values of floats cost more than of integers; metadata alone costs nothing.
  const values = await post(yoga, `{ ${slice('a', 'f32', '0:32768', 'values')} ${slice('b', 'u8', '0:65536', 'values')} ${slice('c', 'u8', ':', 'shape byteLength')} }`);
  assert.is(values.body.data!.a.slice.__typename, 'InlineSlice');
  assert.is(values.body.data!.a.slice.values.length, 32768);
  assert.is(values.body.data!.b.slice.__typename, 'TooLargeError', 'the F32 values used the whole budget');
  assert.equal(values.body.data!.c.slice, { __typename: 'InlineSlice', shape: [4 * MiB], byteLength: 4 * MiB });
  // The default inline limit (64 KiB) stays well inside: 16 aliases of 64 KiB base64.
  const many = await post(yoga, `{ ${Array.from({ length: 16 }, (_, i) => `t${i}: tensor(cid: "${file.cid}", name: "u8") { slice(spec: "0:65536") { __typename } }`).join(' ')} }`);
  for (let i = 0; i < 16; i++) assert.is(many.body.data![`t${i}`].slice.__typename, 'InlineSlice');
});

test('byteRange is charged the same way', async () => {
  const range = (alias: string) => `${alias}: tensorFile(cid: "${file.cid}") { byteRange(start: 0, end: ${2 * MiB}, inlineLimit: ${4 * MiB}) { __typename ... on InlineBytes { base64 } } }`;
  const answer = await post(yoga, `{ ${range('a')} ${range('b')} }`);
  assert.is(answer.body.data!.a.byteRange.__typename, 'InlineBytes');
  assert.is(answer.body.data!.b.byteRange.__typename, 'TooLargeError');
});

test('per client: work in flight is shared by concurrent requests, and released when each is answered', () => {
  const budgets = createInlineBudgets({ perRequest: 10 * MiB, perClient: 16 * MiB });
  const first = budgets.forRequest('addr:1');
  const second = budgets.forRequest('addr:1');
  const other = budgets.forRequest('addr:2');
  assert.is(first.charge(10 * MiB), null);
  const refused = second.charge(10 * MiB);
  assert.ok(refused);
  assert.match(refused!.message, /this client already has 10485760 bytes of inline work in flight/);
  assert.is(other.charge(10 * MiB), null, 'another client has its own tally');
  first.release();
  first.release();
  assert.is(budgets.inFlight('addr:1'), 0);
  assert.is(second.charge(10 * MiB), null);
  second.release();
  other.release();
  assert.is(budgets.inFlight('addr:1') + budgets.inFlight('addr:2'), 0);
});

test('inlineWork: base64 bytes, 32 per integer value, 128 per float value', () => {
  assert.is(inlineWork({ byteLength: 3 }, { base64: true, values: false }), 4);
  assert.is(inlineWork({ byteLength: 8, elementCount: 2, dtype: 'F32' }, { base64: false, values: true }), 256);
  assert.is(inlineWork({ byteLength: 8, elementCount: 8, dtype: 'U8' }, { base64: true, values: true }), 12 + 256);
  assert.is(inlineWork({ byteLength: 8, elementCount: 8, dtype: 'U8' }, { base64: false, values: false }), 0);
});

test.run();
