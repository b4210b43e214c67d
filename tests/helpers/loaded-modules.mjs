// `node loaded-modules.mjs MODULE ARG...`: runs MODULE's main(ARG...) with the real stdout and stderr, then writes
// the URLs the ESM loader resolved for it as one JSON line to fd 3. Plain JavaScript: it runs without a loader.
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [target, ...args] = process.argv.slice(2);
const urls = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => urls.push(url));
port1.unref();
register('./record-resolve.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] });
const { main } = await import(pathToFileURL(target).href);
const code = await main(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
// The hook thread posts asynchronously: let its last messages arrive.
await new Promise((resolve) => setTimeout(resolve, 50));
writeSync(3, `${JSON.stringify({ code, urls })}\n`);
