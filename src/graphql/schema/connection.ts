// Fields every connection has beyond Relay's edges and pageInfo.
import { builder } from '../builder.ts';

builder.globalConnectionField('totalCount', (t) =>
  t.field({
    type: 'SafeInt',
    description: 'Items across all pages (with the same filter). Counted only when asked for: it costs more than a page.',
    complexity: 10,
    resolve: (connection) => connection.totalCount(),
  }),
);
