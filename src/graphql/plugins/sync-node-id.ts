// A Pothos plugin that answers the `id` field of node types synchronously. The relay plugin's id resolver is an
// async function, so every node in a page became a Promise, and the executor completed each edge, and the page,
// through promises: for `tensors(first: 10)` that was a large part of the time spent executing. The id is the same
// string (base64 of `Type:localId`, what encodeGlobalID gives); an id resolver that returns a promise or anything
// but a string or number still goes through the relay plugin's own resolver.
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { GraphQLFieldResolver } from 'graphql';

type IdResolver = (parent: unknown, args: object, context: unknown, info: unknown) => unknown;

export class SyncNodeIdPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (fieldConfig.kind !== 'Object' || fieldConfig.name !== 'id' || fieldConfig.type.kind !== 'Scalar') return resolver;
    const typeConfig = this.buildCache.getTypeConfig(fieldConfig.parentType);
    const idResolve = (typeConfig.pothosOptions as { id?: { resolve?: IdResolver } }).id?.resolve;
    // Only node types carry an `id.resolve` option; and a custom encoding would have to be honoured here too.
    if (typeof idResolve !== 'function' || this.builder.options.relay?.encodeGlobalID) return resolver;
    const typename = typeConfig.name;
    return (parent, args, context, info) => {
      const id = idResolve(parent, args, context, info);
      if (typeof id === 'string' || typeof id === 'number' || typeof id === 'bigint') return encodeGlobalID(typename, String(id));
      return resolver(parent, args, context, info);
    };
  }
}

const pluginName = 'syncNodeId';
export default pluginName;

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      syncNodeId: SyncNodeIdPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin(pluginName, SyncNodeIdPlugin);
