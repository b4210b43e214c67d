// Pothos' complexity plugin, remembering each operation's cost. The plugin walks the whole operation on every
// request (once per request context) before the first root field resolves; yoga hands the same document objects
// to every request with the same query text (its parser cache), so the cost of an operation is remembered per
// (config, operation node, variables). Sound because every field's complexity here is a function of its arguments
// and ctx.config only (pages.ts pageMultiplier, delivery.ts inlineCost): keep it so. Limits and errors are the
// plugin's own, unchanged: only the arithmetic is skipped.
import SchemaBuilder, { createContextCache, type SchemaTypes } from '@pothos/core';
import { PothosComplexityPlugin } from '@pothos/plugin-complexity';
import type { GraphQLResolveInfo, OperationDefinitionNode } from 'graphql';

type Cost = ReturnType<PothosComplexityPlugin<SchemaTypes>['complexityCache']>;
type Compute = (ctx: object, info: GraphQLResolveInfo) => Cost;

/** Variable sets remembered per operation; past this the operation's entries start over (bounded memory). */
const MAX_VARIABLE_SETS = 64;

const costs = new WeakMap<object, WeakMap<OperationDefinitionNode, Map<string, Cost>>>();

function rememberedCost(compute: Compute, ctx: { config?: object }, info: GraphQLResolveInfo): Cost {
  const config = ctx.config;
  let key: string | undefined;
  try {
    key = JSON.stringify(info.variableValues);
  } catch {
    // Not representable (cannot come from a JSON request): computed every time.
  }
  if (!config || key === undefined) return compute(ctx, info);
  let byOperation = costs.get(config);
  if (!byOperation) costs.set(config, (byOperation = new WeakMap()));
  let byVariables = byOperation.get(info.operation);
  if (!byVariables) byOperation.set(info.operation, (byVariables = new Map()));
  let cost = byVariables.get(key);
  if (!cost) {
    cost = compute(ctx, info);
    if (byVariables.size >= MAX_VARIABLE_SETS) byVariables.clear();
    byVariables.set(key, cost);
  }
  return cost;
}

export class MemoComplexityPlugin<Types extends SchemaTypes> extends PothosComplexityPlugin<Types> {
  constructor(...args: ConstructorParameters<typeof PothosComplexityPlugin<Types>>) {
    super(...args);
    // The plugin's own per-request computation, behind the memo.
    const compute = this.complexityCache as unknown as Compute;
    this.complexityCache = createContextCache((ctx: Types['Context'], info: GraphQLResolveInfo) =>
      rememberedCost(compute, ctx as { config?: object }, info),
    );
  }
}

const pluginName = 'memoComplexity';
export default pluginName;

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      memoComplexity: MemoComplexityPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin(pluginName, MemoComplexityPlugin);
