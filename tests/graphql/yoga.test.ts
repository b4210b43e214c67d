// Hostile and malformed requests: depth, aliases, tokens, complexity, page size, body and upload size, batching,
// CSRF. Each gets a clear 4xx (or a typed error) and the server keeps answering. No client input yields a 500.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import fc from 'fast-check';
import { getIntrospectionQuery } from 'graphql';
import { CSRF_HEADER } from '../../src/graphql/yoga.ts';
import type { FileRecord } from '../../src/store/types.ts';
import { ADMIN_TOKEN, bearer, fakeYoga, post, seedModel } from '../helpers/graphql-services.ts';

const MAX_UPLOAD = 64 * 1024;
const { yoga, store, logs } = fakeYoga({ maxUploadBytes: MAX_UPLOAD });
let model: FileRecord;

beforeAll(test, () => {
  model = seedModel(store);
});

async function stillAnswers() {
  const answer = await post(yoga, '{ cacheStats { entries } }');
  assert.is(answer.status, 200);
  assert.is(typeof answer.body.data!.cacheStats.entries, 'number');
}

function errorOf(answer: { status: number; body: { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } }) {
  assert.ok(answer.body.errors && answer.body.errors.length > 0, JSON.stringify(answer.body));
  return answer.body.errors[0]!;
}

test('a query 50 levels deep is refused before it runs', async () => {
  let selection = 'name';
  for (let i = 0; i < 12; i++) selection = `file { tensors(first: 1) { edges { node { ${selection} } } } }`;
  const query = `query($cid: CID!) { tensor(cid: $cid, name: "weights") { ${selection} } }`;
  const answer = await post(yoga, query, { cid: model.cid });
  assert.is(answer.status, 400);
  const error = errorOf(answer);
  assert.is(error.extensions!.code, 'QUERY_TOO_DEEP');
  assert.match(error.message, /nested more than 15 levels deep/);
  await stillAnswers();
});

test('deep introspection is refused too, while GraphiQL\'s introspection query passes', async () => {
  let selection = 'name';
  for (let i = 0; i < 25; i++) selection = `fields { type { ${selection} } }`;
  const deep = await post(yoga, `{ __schema { types { ${selection} } } }`);
  assert.is(deep.status, 400);
  assert.is(errorOf(deep).extensions!.code, 'QUERY_TOO_DEEP');
  const introspection = await post(yoga, getIntrospectionQuery({ descriptions: true, specifiedByUrl: true }));
  assert.is(introspection.status, 200);
  assert.ok(introspection.body.data!.__schema.types.length > 20);
});

test('a fragment cycle is a validation error, not a hang', async () => {
  const answer = await post(yoga, '{ tensors { ...A } } fragment A on TensorConnection { edges { node { file { tensors { ...A } } } } }');
  assert.is(answer.status, 400);
  assert.match(errorOf(answer).message, /Cannot spread fragment "A" within itself/);
});

test('10,000 aliases are refused at parse time; 31 at validation', async () => {
  const huge = `{ ${Array.from({ length: 10_000 }, (_, i) => `a${i}: cacheStats { hits }`).join(' ')} }`;
  const tooMany = await post(yoga, huge);
  assert.is(tooMany.status, 400);
  assert.match(errorOf(tooMany).message, /Document contains more tha[nt] 5000 tokens/);
  const some = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: cacheStats { hits }`).join(' ')} }`;
  const aliased = await post(yoga, some);
  assert.is(aliased.status, 400);
  assert.is(errorOf(aliased).extensions!.code, 'TOO_MANY_ALIASES');
  const fine = await post(yoga, `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: cacheStats { hits }`).join(' ')} }`);
  assert.is(fine.status, 200);
  await stillAnswers();
});

test('complexity: many inline slices in one request are refused; many plain rows are not', async () => {
  const costly = await post(yoga, '{ tensors(first: 1000) { edges { node { slice(spec: "") { __typename } } } } }');
  const error = errorOf(costly);
  assert.is(error.extensions!.code, 'QUERY_TOO_COMPLEX');
  assert.match(error.message, /above the limit of 50000/);
  assert.is(costly.body.data ?? null, null);
  const aliasedSlices = await post(
    yoga,
    `query($cid: CID!) { tensor(cid: $cid, name: "big") { ${Array.from({ length: 20 }, (_, i) => `s${i}: slice(spec: "", inlineLimit: 1048576) { __typename }`).join(' ')} } }`,
    { cid: model.cid },
  );
  assert.is(errorOf(aliasedSlices).extensions!.code, 'QUERY_TOO_COMPLEX');
  const rows = await post(yoga, '{ tensors(first: 1000) { totalCount edges { cursor node { id cid name dtype shape strides byteOffset byteLength } } } }');
  assert.is(rows.status, 200);
  assert.is(rows.body.errors, undefined);
  assert.is(rows.body.data!.tensors.totalCount, 5);
});

test('first: 1000000 is a clear error, as is a negative page size', async () => {
  for (const first of [1_000_000, 1001, -1]) {
    for (const query of ['query($n: Int) { tensors(first: $n) { edges { cursor } } }', 'query($n: Int) { tensorFiles(first: $n) { edges { cursor } } }']) {
      const answer = await post(yoga, query, { n: first });
      assert.is(answer.status, 200);
      const error = errorOf(answer);
      assert.is(error.extensions!.code, 'INVALID_ARGUMENT');
      assert.match(error.message, new RegExp(`first must be between 0 and 1000, not ${first}`));
    }
  }
});

test('an inline limit far too large is a typed TooLargeError', async () => {
  const answer = await post(yoga, 'query($cid: CID!) { tensor(cid: $cid, name: "big") { slice(spec: "", inlineLimit: 9007199254740991) { __typename ... on TooLargeError { limit message } } } }', { cid: model.cid });
  assert.is(answer.body.data!.tensor.slice.__typename, 'TooLargeError');
});

test('an upload declared at 1 GB is refused with 413 before its body is read', async () => {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      if (pulled > 4) controller.close();
      else controller.enqueue(new Uint8Array(1024));
    },
  });
  const response = await yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(1 << 30), [CSRF_HEADER]: '1', ...bearer(ADMIN_TOKEN) },
    body,
    duplex: 'half',
  } as RequestInit);
  assert.is(response.status, 413);
  assert.match(await response.text(), /the upload is larger than the limit of \d+ bytes/);
  await stillAnswers();
});

test('a streamed upload that runs past the limit is cut off with a typed TOO_LARGE (the file streams into the store, so the limit is met while it is written)', async () => {
  const boundary = 'xyzzy';
  let sent = 0;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"mutation($f: File!) { addTensorFile(file: $f) { __typename } }","variables":{"f":null}}\r\n--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.f"]}\r\n--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) controller.enqueue(new TextEncoder().encode(head));
      else if (sent > (MAX_UPLOAD + (1 << 20)) / (1 << 16) + 4) controller.close();
      else controller.enqueue(new Uint8Array(1 << 16));
      sent++;
    },
  });
  const response = await yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, [CSRF_HEADER]: '1', ...bearer(ADMIN_TOKEN) },
    body,
    duplex: 'half',
  } as RequestInit);
  assert.is(response.status, 200);
  assert.match(await response.text(), /"__typename":"TooLargeError"/);
  await stillAnswers();
});

test('a JSON body over 1 MiB is refused with 413', async () => {
  const response = await yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ cacheStats { entries } }', variables: { pad: 'x'.repeat(2 << 20) } }),
  });
  assert.is(response.status, 413);
  assert.match(await response.text(), /the request body is larger than the limit of 1048576 bytes/);
});

test('batched requests are refused', async () => {
  const response = await yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ query: '{ cacheStats { entries } }' }, { query: '{ cacheStats { hits } }' }]),
  });
  assert.is(response.status, 400);
  assert.match(await response.text(), /Batching is not supported/);
});

test('CSRF prevention: simple POSTs need the header; JSON POSTs and GETs (which run no mutation) pass', async () => {
  const query = encodeURIComponent('{ cacheStats { entries } }');
  const get = await yoga.fetch(`http://localhost/graphql?query=${query}`, { headers: { accept: 'application/json' } });
  assert.is(get.status, 200);
  const form = await yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `query=${query}`,
  });
  assert.is(form.status, 403);
  const text = await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: 'mutation { clearCache { __typename } }' }) });
  assert.is(text.status, 403);
  const multipart = new FormData();
  multipart.append('operations', JSON.stringify({ query: '{ cacheStats { entries } }' }));
  const upload = await yoga.fetch('http://localhost/graphql', { method: 'POST', body: multipart });
  assert.is(upload.status, 403);
  assert.match(await upload.text(), /x-graphql-yoga-csrf, graphql-preflight, apollo-require-preflight, x-apollo-operation-name/);
  const withHeader = await yoga.fetch(`http://localhost/graphql?query=${query}`, { headers: { accept: 'application/json', [CSRF_HEADER]: '1' } });
  assert.is(withHeader.status, 200);
  const mutationByGet = await yoga.fetch(`http://localhost/graphql?query=${encodeURIComponent('mutation { clearCache { __typename } }')}`, {
    headers: { accept: 'application/json', ...bearer(ADMIN_TOKEN) },
  });
  assert.is(mutationByGet.status, 405);
  for (const header of ['apollo-require-preflight', 'x-apollo-operation-name', 'graphql-preflight']) {
    const withApollos = await yoga.fetch('http://localhost/graphql', { method: 'POST', body: multipart, headers: { [header]: '1' } });
    assert.is.not(withApollos.status, 403, header);
  }
});

/** With this Accept, request errors come back as 4xx (with plain application/json yoga answers some with 200). */
const JSON_POST = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };

test('malformed HTTP requests get 4xx (yoga answers multipart mistakes with 200 and an error)', async () => {
  const cases: Array<[string, RequestInit]> = [
    ['bad JSON', { method: 'POST', headers: { ...JSON_POST }, body: '{"query": ' }],
    ['JSON without query', { method: 'POST', headers: { ...JSON_POST }, body: '{"variables": {}}' }],
    ['query of the wrong type', { method: 'POST', headers: { ...JSON_POST }, body: '{"query": 42}' }],
    ['variables of the wrong type', { method: 'POST', headers: { ...JSON_POST }, body: '{"query": "{ cacheStats { hits } }", "variables": [1]}' }],
    ['unknown operation name', { method: 'POST', headers: { ...JSON_POST }, body: '{"query": "query A { cacheStats { hits } }", "operationName": "B"}' }],
    ['syntax error', { method: 'POST', headers: { ...JSON_POST }, body: '{"query": "{ cacheStats { "}' }],
    ['an unknown field', { method: 'POST', headers: { ...JSON_POST }, body: '{"query": "{ nothing }"}' }],
    ['PUT', { method: 'PUT', headers: { ...JSON_POST }, body: '{"query": "{ cacheStats { hits } }"}' }],
    ['multipart without operations', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b', accept: JSON_POST.accept, [CSRF_HEADER]: '1' }, body: '--b--\r\n' }],
    ['multipart with a bad map', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b', accept: JSON_POST.accept, [CSRF_HEADER]: '1' }, body: '--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"{ cacheStats { hits } }"}\r\n--b\r\nContent-Disposition: form-data; name="map"\r\n\r\nnot json\r\n--b--\r\n' }],
    ['bad content length', { method: 'POST', headers: { ...JSON_POST, 'content-length': '1,1' }, body: '{}' }],
  ];
  for (const [what, init] of cases) {
    let status: number;
    let text: string;
    try {
      const response = await yoga.fetch('http://localhost/graphql', init);
      status = response.status;
      text = await response.text();
    } catch {
      // A Request the fetch API itself refuses to build never reaches the server.
      continue;
    }
    if (what.startsWith('multipart')) assert.ok(status < 500 && /errors/.test(text), `${what}: ${status} ${text}`);
    else assert.ok(status >= 400 && status < 500, `${what}: ${status}`);
  }
  await stillAnswers();
});

const OPERATIONS = [
  'query($cid: CID!, $name: String, $spec: String!, $format: SliceFormat, $limit: SafeInt) { tensor(cid: $cid, name: $name) { slice(spec: $spec, format: $format, inlineLimit: $limit) { __typename ... on Error { code } } } }',
  'query($cid: CID!, $start: SafeInt!, $end: SafeInt, $limit: SafeInt) { tensorFile(cid: $cid) { byteRange(start: $start, end: $end, inlineLimit: $limit) { __typename } } }',
  'query($first: Int, $after: String, $filter: TensorFilter) { tensors(first: $first, after: $after, filter: $filter) { edges { node { name } } } }',
  'query($id: ID!) { node(id: $id) { id } }',
  'query($cid: CID!, $e: Int) { tensorFile(cid: $cid) { downloadLink(expiresIn: $e) { __typename } } }',
  'mutation($cid: CID!, $access: CacheAccess, $populate: Boolean) { warmCache(cid: $cid, access: $access, populate: $populate) { __typename } }',
  'mutation($cid: CID!) { evictFromCache(cid: $cid) { __typename } deleteTensorFile(cid: $cid) { __typename } }',
  'subscription($ms: Int!) { cacheStats(intervalMs: $ms) { entries } }',
];

test('fuzz: random variables for every kind of argument never give a 500 or an unexpected error', async () => {
  const anything = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(model.cid, 'weights', 'big', '0:2, ::-1', ':, 5', '...', 'RAW', 'NPY', 'F32', 'SEQUENTIAL', 2 ** 53, -(2 ** 53), 1e300),
    fc.array(fc.integer(), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('namePrefix', 'dtype', 'cid', 'x'), fc.oneof(fc.string(), fc.integer(), fc.constant('F16'))),
  );
  const names = ['cid', 'name', 'spec', 'format', 'limit', 'start', 'end', 'first', 'after', 'filter', 'id', 'e', 'access', 'populate', 'ms'];
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...OPERATIONS), fc.dictionary(fc.constantFrom(...names), anything), fc.boolean(), async (query, variables, admin) => {
      const answer = await yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(admin ? bearer(ADMIN_TOKEN) : {}) },
        body: JSON.stringify({ query: query.startsWith('subscription') ? query.replace('subscription', 'query').replace(/cacheStats\(intervalMs: \$ms\)/, 'cacheStats') : query, variables }),
      });
      const text = await answer.text();
      assert.ok(answer.status < 500, `${answer.status} ${text}`);
      assert.not.match(text, /Unexpected error|INTERNAL_SERVER_ERROR/, text);
    }),
    { numRuns: 400 },
  );
});

test('fuzz: random documents never give a 500', async () => {
  const token = fc.constantFrom('{', '}', '(', ')', ':', '...', 'query', 'mutation', 'subscription', 'fragment', 'on', 'tensors', 'tensor', 'slice', 'edges', 'node', 'cacheStats', 'clearCache', '$x', '"s"', '1', 'first', 'spec', 'Tensor', '@include', '__typename', '__schema', 'a:', ',');
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), fc.array(token, { maxLength: 40 }).map((t) => t.join(' '))), async (query) => {
      const answer = await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      const text = await answer.text();
      assert.ok(answer.status < 500, `${answer.status} ${text}`);
      assert.not.match(text, /Unexpected error/, text);
    }),
    { numRuns: 300 },
  );
  await stillAnswers();
});

test('a failure inside the server is masked for the client and logged, with HTTP 200, not 500', async () => {
  const broken = fakeYoga();
  const file = seedModel(broken.store);
  broken.services.reader.readRange = () => {
    throw new Error('EIO: input/output error, read /secret/path/objects/x');
  };
  const answer = await post(broken.yoga, 'query($cid: CID!) { tensorFile(cid: $cid) { byteRange(start: 0, end: 4) { __typename } } }', { cid: file.cid });
  assert.is(answer.status, 200);
  const error = errorOf(answer);
  assert.is(error.message, 'Unexpected error.');
  assert.not.match(JSON.stringify(answer.body), /secret|EIO/);
  const logged = broken.logs.find((l) => l.level === 'error');
  assert.ok(logged, 'logged');
  assert.match(String((logged!.fields!.error as Error).message), /EIO/);
  assert.is(logs.filter((l) => l.level === 'error').length, 0, 'the main server logged no unexpected error');
});

test.run();
