// ipfrs-interface/client with Apollo Client's InMemoryCache: results that hold error members of unions (typed
// failures: bad slice, bad range, bad argument) go into the cache and come back with every field. Without the
// exported possibleTypes, the cache cannot tell that InvalidSliceError is an Error and drops its code and message.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InMemoryCache } from '@apollo/client';
import { print, type DocumentNode } from 'graphql';
import { ByteRangeDocument, possibleTypes, scalars, TensorSliceDocument } from '../../src/client-api/index.ts';
import { fakeYoga, post, seedModel } from '../helpers/graphql-services.ts';

const { yoga, store } = fakeYoga();
const model = seedModel(store);
const MISSING = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';

/** The operation as the cache sees it (Apollo adds __typename), answered by the server, then read back. */
async function roundTrip(document: DocumentNode, variables: Record<string, unknown>, cache: InMemoryCache) {
  const query = cache.transformDocument(document);
  const answer = await post(yoga, print(query), variables);
  assert.is(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
  const data = answer.body.data!;
  cache.writeQuery({ query, variables, data });
  return { data, read: cache.readQuery({ query, variables }) };
}

const cases: Array<[string, DocumentNode, Record<string, unknown>, string]> = [
  ['a bad slice', TensorSliceDocument, { cid: model.cid, name: 'weights', spec: '0:2, 9' }, 'InvalidSliceError'],
  ['a bad range', ByteRangeDocument, { cid: model.cid, start: 10, end: 5 }, 'InvalidRangeError'],
  ['a bad argument', ByteRangeDocument, { cid: model.cid, start: 0, end: 4, inlineLimit: -1 }, 'InvalidArgumentError'],
  ['a missing tensor file', ByteRangeDocument, { cid: MISSING, start: 0, end: 4 }, ''],
];

for (const [what, document, variables, typename] of cases) {
  test(`with possibleTypes the cache keeps every field of ${what}`, async () => {
    const cache = new InMemoryCache({ possibleTypes });
    const { data, read } = await roundTrip(document, variables, cache);
    if (typename) assert.match(JSON.stringify(data), new RegExp(`"__typename":"${typename}","message":"[^"]+","code":"[A-Z_]+"`));
    assert.equal(read, data);
  });
}

test('without possibleTypes the same error members lose their code and message (what the export fixes)', async () => {
  const warn = console.warn;
  console.warn = () => {}; // Apollo warns about the fragments it cannot match
  try {
    const cache = new InMemoryCache();
    const { data, read } = await roundTrip(TensorSliceDocument, cases[0]![2], cache);
    assert.not.equal(read, data);
  } finally {
    console.warn = warn;
  }
});

test('possibleTypes lists every error type under Error and the unions, and the scalars map is the one codegen uses', () => {
  assert.ok(possibleTypes.Error!.includes('InvalidSliceError'));
  assert.ok(possibleTypes.SliceResult!.includes('InlineSlice'));
  assert.is(scalars.SafeInt, 'number');
  assert.is(scalars.CID, 'string');
  assert.is(scalars.DateTime, 'string');
});

test.run();
