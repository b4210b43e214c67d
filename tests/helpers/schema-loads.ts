// Child process for graphql-schema.test.ts: builds the schema SDL and the codegen config, then prints every module
// the loader resolved and whether a native addon was opened (process.dlopen is how every .node file loads).
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const resolved: string[] = [];
port1.on('message', (url: string) => resolved.push(url));
register('./record-resolve.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });

const dlopened: string[] = [];
const dlopen = process.dlopen;
process.dlopen = (module: { exports: unknown }, filename: string, flags?: number) => {
  dlopened.push(filename);
  return dlopen(module, filename, flags);
};

const { schemaSDL } = await import('../../src/graphql/sdl.ts');
schemaSDL();
await import('../../codegen.ts');
// Messages from the hooks thread arrive asynchronously: let them drain.
await new Promise((resolve) => setTimeout(resolve, 100));
port1.close();
process.stdout.write(JSON.stringify({ resolved, dlopened }));
