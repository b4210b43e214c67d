// Baseline for uploads: graphql-yoga on node:http with its own multipart parser (request.formData(), which holds
// each file whole in memory) and no body limit, a mutation that takes the File. Usage: yoga-upload.ts PORT
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';

const port = Number(process.argv[2]);
if (!port) throw new Error('usage: yoga-upload.ts PORT');

const yoga = createYoga({
  schema: createSchema({
    typeDefs: 'scalar File\ntype Query { hello: String! }\ntype Mutation { upload(file: File!): Float! }',
    resolvers: { Query: { hello: () => 'world' }, Mutation: { upload: (_: unknown, { file }: { file: File }) => file.size } },
  }),
  maxRequestBodySize: false,
});

createServer(yoga).listen(port, '127.0.0.1');
