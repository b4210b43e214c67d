// useJit (src/graphql/plugins/use-jit.ts): a query compiled by graphql-jit answers exactly what yoga's executor
// answers (every query the typed client sends, GraphiQL's introspection, typed error unions, masked failures,
// variable errors); documents are compiled at their second execution, queries only, and not past the size bound.
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getIntrospectionQuery, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { createYoga, type GraphQLServer } from '../../../src/graphql/yoga.ts';
import type { JitOptions } from '../../../src/graphql/plugins/use-jit.ts';
import type { FileRecord } from '../../../src/store/types.ts';
import { ADMIN_TOKEN, bearer, fakeServices, post, seedModel, type Answer } from '../../helpers/graphql-services.ts';
import { beforeAll } from '../../helpers/hooks.ts';

const OPERATIONS = new URL('../../../schema/operations/', import.meta.url);
const fakes = fakeServices();
let compilations: Array<{ name: string | null; compiled: boolean }> = [];
const yogaWith = (jit: JitOptions) => createYoga(fakes.services, { jit: { ...jit, onCompile: (name, compiled) => compilations.push({ name, compiled }) } });
/** Compiles every query at its first execution. */
const compiled = yogaWith({ compileAfter: 0 });
/** Never compiles: yoga's executor. */
const executed = yogaWith({ compileAfter: Number.POSITIVE_INFINITY });
let model: FileRecord;

beforeAll(test, () => {
  model = seedModel(fakes.store);
});

/** Signed links and their expiry depend on the second they were made: the rest must be equal. */
const comparable = (answer: Answer) => ({
  status: answer.status,
  body: JSON.parse(JSON.stringify(answer.body).replace(/(exp|sig|expires|signature)=[^&"]*/gi, '$1=_').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '_')),
});

const compiledQueries = new Set<string>();

/** The answer of the executor and of graphql-jit (the query compiled at its first execution there) are equal. */
async function same(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Answer> {
  const before = compilations.length;
  const byExecutor = await post(executed, query, variables, headers);
  const byJit = await post(compiled, query, variables, headers);
  assert.equal(comparable(byJit), comparable(byExecutor), query.slice(0, 120));
  if (!compiledQueries.has(query)) assert.ok(compilations.slice(before).some((c) => c.compiled), `compiled: ${query.slice(0, 80)}`);
  compiledQueries.add(query);
  return byJit;
}

/** One named operation of a document of several, as an admin (the typed client's documents hold mutations too). */
async function postOperation(yoga: GraphQLServer, query: string, operationName: string, variables: Record<string, unknown>): Promise<Answer> {
  const response = await yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(ADMIN_TOKEN) },
    body: JSON.stringify({ query, variables, operationName }),
  });
  return { status: response.status, headers: response.headers, body: JSON.parse(await response.text()) };
}

test('every query the typed client sends answers the same compiled as executed', async () => {
  const variables = {
    cid: model.cid,
    name: 'weights',
    spec: '1:3, ::2',
    start: 0,
    end: 16,
    names: ['weights', 'ids'],
    expiresIn: 600,
    id: Buffer.from(`Tensor:${model.cid}/weights`).toString('base64'),
    first: 3,
  };
  let queries = 0;
  for (const file of readdirSync(OPERATIONS).filter((f) => f.endsWith('.graphql'))) {
    const text = readFileSync(new URL(file, OPERATIONS), 'utf8');
    for (const definition of parse(text).definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION || definition.operation !== 'query') continue;
      const operation = definition as OperationDefinitionNode;
      const wanted = Object.fromEntries((operation.variableDefinitions ?? []).map((v) => v.variable.name.value).filter((v) => v in variables).map((v) => [v, variables[v as keyof typeof variables]]));
      const byJit = await postOperation(compiled, text, operation.name!.value, wanted);
      const byExecutor = await postOperation(executed, text, operation.name!.value, wanted);
      assert.equal(comparable(byJit), comparable(byExecutor), operation.name!.value);
      assert.is(byJit.body.errors, undefined, `${operation.name!.value}: ${JSON.stringify(byJit.body.errors)}`);
      queries++;
    }
  }
  assert.ok(queries >= 15, `${queries} queries`);
  assert.ok(compilations.filter((c) => c.compiled).length >= queries);
});

test("GraphiQL's introspection query answers the same compiled", async () => {
  const answer = await same(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true }));
  assert.ok(answer.body.data!.__schema.types.length > 20);
});

test('typed error members and masked failures answer the same compiled', async () => {
  const slice = await same('query($cid: CID!) { tensor(cid: $cid, name: "weights") { slice(spec: "0:2, 0:2, 0") { __typename ... on Error { code message } } } }', { cid: model.cid });
  assert.is(slice.body.data!.tensor.slice.__typename, 'InvalidSliceError');
  const readRange = fakes.services.reader.readRange;
  fakes.services.reader.readRange = () => {
    throw new Error('EIO: input/output error, read /secret/path');
  };
  try {
    // Over several lines (\n and \r\n), through a fragment: the error's location is the executor's.
    const masked = await same('query($cid: CID!) {\n  tensorFile(cid: $cid) {\r\n    ...Range\n  }\n}\nfragment Range on TensorFile {\r\n  byteRange(start: 0, end: 4) { __typename }\n}', { cid: model.cid });
    assert.equal((masked.body.errors![0] as { locations?: unknown }).locations, [{ line: 7, column: 3 }]);
    assert.is(masked.body.errors![0]!.message, 'Unexpected error.');
    assert.not.match(JSON.stringify(masked.body), /secret|EIO/);
  } finally {
    fakes.services.reader.readRange = readRange;
  }
});

test('top-level errors of a resolver answer the same compiled', async () => {
  const answer = await same('{ tensors(first: 100000) { edges { node { name } } } }');
  assert.ok(answer.body.errors!.length > 0);
  assert.is(answer.body.data, null);
});

test('string arguments are data, never code, in the compiled query', async () => {
  // graphql-jit writes JavaScript from the document: quotes, backticks and template holes must stay in strings.
  for (const hostile of ['"); globalThis.jitInjected = 1; ("', '`${globalThis.jitInjected = 1}`', "'; globalThis.jitInjected = 1; //", '\\u0022 */ globalThis.jitInjected = 1 /*']) {
    await same(`{ tensors(first: 1, filter: { namePrefix: ${JSON.stringify(hostile)} }) { edges { node { name } } } }`);
    await same('query($p: String) { tensors(first: 1, filter: { namePrefix: $p }) { edges { node { name } } } }', { p: hostile });
  }
  assert.is((globalThis as { jitInjected?: number }).jitInjected, undefined);
});

test("variable errors of a compiled query are the executor's: the scalar's message, status 400", async () => {
  const query = 'query($cid: CID!) { tensorFile(cid: $cid) { cid } }';
  await same(query, { cid: model.cid });
  for (const cid of [42, 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG']) {
    const answer = await post(compiled, query, { cid });
    assert.is(answer.status, 400);
    assert.match(answer.body.errors![0]!.message, /not a CID of this store/);
  }
});

test('a query is compiled at its second execution; mutations and subscriptions never', async () => {
  const yoga = yogaWith({});
  compilations = [];
  const query = '{ tensors(first: 2) { edges { node { name } } } }';
  const first = await post(yoga, query);
  assert.is(compilations.length, 0);
  for (let i = 0; i < 3; i++) assert.equal((await post(yoga, query)).body, first.body);
  assert.equal(compilations, [{ name: null, compiled: true }]);
  for (let i = 0; i < 3; i++) assert.is((await post(yoga, 'mutation Clear { clearCache { __typename } }', {}, bearer(ADMIN_TOKEN))).status, 200);
  for (let i = 0; i < 3; i++) {
    const stream = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { cacheStats(intervalMs: 5) { entries } }' }),
    });
    assert.match(await stream.text(), /INVALID_ARGUMENT/);
  }
  assert.is(compilations.length, 1);
});

test('a document longer than maxSourceChars is never compiled, and still answers', async () => {
  const yoga = yogaWith({ compileAfter: 0, maxSourceChars: 40 });
  compilations = [];
  const long = await post(yoga, '{ tensors(first: 2) { edges { node { name dtype } } } }');
  assert.is(long.body.errors, undefined);
  await post(yoga, '{ tensors(first: 2) { edges { node { name dtype } } } }');
  assert.is(compilations.length, 0);
  await post(yoga, '{ cacheStats { entries } }');
  assert.equal(compilations, [{ name: null, compiled: true }]);
});

test.run();
