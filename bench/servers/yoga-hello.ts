// Baseline: graphql-yoga's hello world, as its docs write it, on node:http. Usage: yoga-hello.ts PORT
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';

const port = Number(process.argv[2]);
if (!port) throw new Error('usage: yoga-hello.ts PORT');

const yoga = createYoga({
  schema: createSchema({
    typeDefs: 'type Query { hello: String! }',
    resolvers: { Query: { hello: () => 'world' } },
  }),
});

createServer(yoga).listen(port, '127.0.0.1');
