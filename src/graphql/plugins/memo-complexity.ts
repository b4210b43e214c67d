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
/**
 * Longest key remembered, in characters. Variables that would need more (long strings, big lists) or that hold
 * anything but JSON scalars, plain objects and arrays (an uploaded File, a Blob, a Buffer) are not remembered:
 * their cost is computed, which is cheap, and nothing of theirs is ever serialised (an upload's bytes would be).
 */
export const MAX_KEY_LENGTH = 1024;

const costs = new WeakMap<object, WeakMap<OperationDefinitionNode, Map<string, Cost>>>();

/** A bounded key for a set of variables, or undefined when they are not worth (or not safe) remembering. */
export function variablesKey(variables: unknown): string | undefined {
  const parts: string[] = [];
  let length = 0;
  const push = (text: string): boolean => {
    length += text.length;
    parts.push(text);
    return length <= MAX_KEY_LENGTH;
  };
  // Depth-first with an explicit budget: stops at the first value that is too long or not plain JSON.
  const walk = (value: unknown, depth: number): boolean => {
    if (value === null || typeof value === 'boolean' || typeof value === 'number') return push(String(value) + ',');
    if (typeof value === 'string') return value.length <= MAX_KEY_LENGTH && push(JSON.stringify(value) + ',');
    if (typeof value !== 'object' || depth > 8) return false;
    if (Array.isArray(value)) {
      if (!push('[')) return false;
      for (const item of value) if (!walk(item, depth + 1)) return false;
      return push(']');
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    if (!push('{')) return false;
    for (const name of Object.keys(value)) {
      if (!push(JSON.stringify(name) + ':') || !walk((value as Record<string, unknown>)[name], depth + 1)) return false;
    }
    return push('}');
  };
  return walk(variables ?? null, 0) ? parts.join('') : undefined;
}

function rememberedCost(compute: Compute, ctx: { config?: object }, info: GraphQLResolveInfo): Cost {
  const config = ctx.config;
  const key = variablesKey(info.variableValues);
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
