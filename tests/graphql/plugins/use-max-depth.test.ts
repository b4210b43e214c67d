// useMaxDepth (src/graphql/plugins/use-max-depth.ts) on a toy schema through yoga.fetch: depth counted through
// fragments where they are spread, refused at validation with QUERY_TOO_DEEP, before any resolver runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSchema, createYoga } from 'graphql-yoga';
import { DEFAULT_MAX_DEPTH, useMaxDepth } from '../../../src/graphql/plugins/use-max-depth.ts';

let resolved = 0;
const schema = createSchema({
  typeDefs: 'type Query { node: Node } type Node { id: ID, child: Node }',
  resolvers: { Query: { node: () => (resolved++, { id: '1' }) }, Node: { child: () => ({ id: '2' }) } },
});
const yoga = createYoga({ schema, plugins: [useMaxDepth({ maxDepth: 3 })], logging: false });

async function run(query: string): Promise<{ data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> }> {
  const res = await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return res.json();
}

/** `depth` nested selections: node { child { ... id } }. */
const nested = (depth: number) => `{ node ${'{ child '.repeat(depth - 2)}{ id }${' }'.repeat(depth - 2)} }`;

test('up to the limit runs; one level more is QUERY_TOO_DEEP and nothing resolves', async () => {
  for (const depth of [2, 3]) {
    const answer = await run(nested(depth));
    assert.is(answer.errors, undefined, `depth ${depth}`);
  }
  resolved = 0;
  const deep = await run(nested(4));
  assert.is(deep.errors?.[0]?.extensions?.code, 'QUERY_TOO_DEEP');
  assert.match(deep.errors![0]!.message, /nested more than 3 levels deep/);
  assert.is(resolved, 0, 'refused before any resolver');
});

test('fragments count where they are spread, inline fragments too', async () => {
  const viaFragment = await run('query { node { ...F } } fragment F on Node { child { child { id } } }');
  assert.is(viaFragment.errors?.[0]?.extensions?.code, 'QUERY_TOO_DEEP');
  const shallow = await run('query { node { ...F } } fragment F on Node { child { id } }');
  assert.is(shallow.errors, undefined);
  const inline = await run('{ node { ... on Node { child { child { id } } } } }');
  assert.is(inline.errors?.[0]?.extensions?.code, 'QUERY_TOO_DEEP');
});

test('a fragment cycle is graphql\'s own error, not a hang or a depth error', async () => {
  const answer = await run('query { node { ...A } } fragment A on Node { child { ...B } } fragment B on Node { child { ...A } }');
  assert.ok(answer.errors?.some((e) => /Cannot spread fragment/.test(e.message)), JSON.stringify(answer.errors));
});

test('the default limit leaves room for the introspection query GraphiQL sends (13 deep)', () => {
  assert.ok(DEFAULT_MAX_DEPTH >= 13);
});

test.run();
