// The root types; their fields are defined beside the types they return.
import { builder } from '../builder.ts';

builder.queryType({ description: 'Reads are open to everyone.' });
builder.mutationType({
  description: 'State changes need a bearer token (`Authorization: Bearer <token>`): write to add, admin for the rest.',
});
builder.subscriptionType({ description: 'Live values over server-sent events.' });
