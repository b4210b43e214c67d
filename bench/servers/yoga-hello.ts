// Baseline: graphql-yoga's hello world, as its docs write it, on node:http; with WORKERS above 1, that many
// node:cluster workers on the one port, each accepting from the shared socket (SCHED_NONE, as ipfrs serve --workers
// does, so that the two differ in what they serve, not in how connections reach them). Usage: yoga-hello.ts PORT [WORKERS]
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';

const port = Number(process.argv[2]);
const workers = Number(process.argv[3] ?? 1);
if (!port || !(workers >= 1)) throw new Error('usage: yoga-hello.ts PORT [WORKERS]');

if (workers > 1 && cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { hello: String! }',
      resolvers: { Query: { hello: () => 'world' } },
    }),
  });
  createServer(yoga).listen(port, '127.0.0.1');
}
