// graphql-js parses recursively: 10,000 nested `tensors {` overflowed its stack and answered 500 (8,000 and
// 20,000 happened to hit the token limit first on the server's stack). src/graphql/plugins/use-max-tokens.ts bounds the
// nesting in one pass over the text before parsing: a syntax error, 400, for every depth.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertNesting, DEFAULT_MAX_NESTING } from '../../../src/graphql/plugins/use-max-tokens.ts';
import { fakeYoga, post } from '../../helpers/graphql-services.ts';

const { yoga } = fakeYoga();

test('deeply nested selections, lists and arguments are a 400 syntax error at any depth', async () => {
  for (const n of [200, 2_000, 8_000, 10_000, 20_000]) {
    for (const query of ['{ ' + 'tensors { '.repeat(n) + '}'.repeat(n + 1), '{ ' + 'tensors { '.repeat(n), `{ tensors(filter: ${'['.repeat(n)}) { totalCount } }`, `query(${'('.repeat(n)}) { cacheStats { hits } }`]) {
      const answer = await post(yoga, query);
      assert.is(answer.status, 400, `${n}: ${query.slice(0, 30)}`);
      assert.match(answer.body.errors![0]!.message, /^Syntax Error: /);
    }
  }
});

test('the nesting pass skips strings, block strings and comments, and lets ordinary documents through', async () => {
  const deepInString = '{'.repeat(1000);
  assert.not.throws(() => assertNesting(`{ tensor(cid: "${deepInString}\\"${deepInString}", name: """${deepInString}\\""" ${deepInString}""") { name } } # ${deepInString}`, DEFAULT_MAX_NESTING));
  assert.throws(() => assertNesting('{'.repeat(DEFAULT_MAX_NESTING + 1), DEFAULT_MAX_NESTING), /nests more than 128 levels/);
  assert.not.throws(() => assertNesting('{'.repeat(DEFAULT_MAX_NESTING), DEFAULT_MAX_NESTING));
  const fine = await post(yoga, '{ cacheStats { hits } }');
  assert.is(fine.status, 200);
  const deep = await post(yoga, '{ ' + 'tensors { edges { node { '.repeat(5) + 'name' + ' } } }'.repeat(5) + ' }');
  assert.is(deep.status, 400, 'the depth rule still answers past 15 levels');
  assert.match(deep.body.errors![0]!.message, /nested more than 15 levels deep/);
});

test.run();
