// The arguments of every connection field: forward paging only (the store's keyset cursors go one way).
import type { ArgBuilder } from '@pothos/core';
import type { SchemaTypes } from '../builder.ts';

type Types = PothosSchemaTypes.ExtendDefaultTypes<SchemaTypes>;

export function pageArgs(t: { arg: ArgBuilder<Types> }) {
  return {
    first: t.arg.int({ description: 'Items per page: 20 unless the server is configured otherwise; more than the server maximum (1000 by default) is an error.' }),
    after: t.arg.string({ description: 'The endCursor of the previous page.' }),
  };
}
