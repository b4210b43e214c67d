// What a hostile client and a careless operator did to a live `ipfrs serve` (a child process), after issue 13:
// - no client input answers 500: 10,000 nested selections (the parser's stack), broken bodies and multipart
//   parts, odd methods and headers; the server is alive and ready afterwards;
// - a GraphQL upload in flight survives `ipfrs ls` and `ipfrs verify` opening the same store (the open used to
//   delete the upload's temp file: NOT_FOUND, logged nowhere).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { request } from 'node:http';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../../src/devkit/paths.ts';
import { spawnServer, type ServerChild } from '../../src/devkit/serve-child.ts';

const dir = tempDir();
const root = join(dir.path, 'store');
let server: ServerChild;

beforeAll(test, async () => {
  server = await spawnServer(root);
});

test.after(async () => {
  await server.stop();
  dir.cleanup();
});

const CSRF = { 'x-graphql-yoga-csrf': '1' };

test('no hostile GraphQL request gives a 500 (10,000 nested selections included)', async () => {
  const nested = (n: number) => '{ ' + 'tensors { '.repeat(n) + '}'.repeat(n + 1);
  const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const form = (parts: Record<string, string | Blob>) => {
    const f = new FormData();
    for (const [k, v] of Object.entries(parts)) f.append(k, v);
    return { method: 'POST', headers: { ...CSRF, authorization: `Bearer ${server.adminToken}` }, body: f };
  };
  const cases: Array<[string, string, RequestInit]> = [
    ['10,000 nested', '/graphql', json({ query: nested(10_000) })],
    ['8,000 nested', '/graphql', json({ query: nested(8_000) })],
    ['20,000 nested', '/graphql', json({ query: nested(20_000) })],
    ['10,000 nested unclosed', '/graphql', json({ query: '{ ' + 'tensors { '.repeat(10_000) })],
    ['nested lists in arguments', '/graphql', json({ query: `{ tensors(first: ${'['.repeat(10_000)}) { totalCount } }` })],
    ['nested variables', '/graphql', json({ query: 'query($f: TensorFilter) { tensors(filter: $f) { totalCount } }', variables: { f: JSON.parse('{"namePrefix":'.repeat(1) + '"x"}') } })],
    ['deep JSON variables', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"query":"{ cacheStats { hits } }","variables":{"a":${'['.repeat(5000)}${']'.repeat(5000)}}}` }],
    ['broken JSON', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{' }],
    ['not an object', '/graphql', json([1, 2, 3])],
    ['query not a string', '/graphql', json({ query: { a: 1 } })],
    ['GET nested', `/graphql?query=${encodeURIComponent(nested(10_000))}`, { headers: { accept: 'application/json' } }],
    ['unknown content type', '/graphql', { method: 'POST', headers: { 'content-type': 'application/x-nonsense' }, body: 'x' }],
    ['multipart without map', '/graphql', form({ operations: JSON.stringify({ query: 'mutation($f: File!) { addTensorFile(file: $f) { __typename } }', variables: { f: null } }) })],
    ['multipart map to nowhere', '/graphql', form({ operations: '{"query":"{ cacheStats { hits } }"}', map: '{"0":["variables.nothing.deeper"]}', 0: new Blob(['x']) })],
    ['multipart garbage operations', '/graphql', form({ operations: 'not json', map: '{}' })],
    ['fragment cycle', '/graphql', json({ query: 'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }' })],
    ['PUT', '/graphql', { method: 'PUT', body: 'x' }],
  ];
  for (const [name, path, init] of cases) {
    const response = await fetch(`${server.url}${path}`, init);
    const text = await response.text();
    assert.ok(response.status < 500, `${name}: ${response.status} ${text.slice(0, 200)}`);
  }
  assert.ok(server.alive());
  assert.is((await fetch(`${server.url}/healthz`)).status, 200);
  assert.is((await fetch(`${server.url}/readyz`)).status, 200);
});

test('an upload in flight survives ipfrs ls and ipfrs verify opening the store again and again', async () => {
  // The store is opened from the first byte sent until the answer: during the body and during the ingest.
  const size = 64 << 20;
  const boundary = 'ipfrs-hostile-boundary';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n` +
      JSON.stringify({ query: 'mutation($file: File!) { addTensorFile(file: $file, dtype: U8, shape: [' + size + ']) { ... on TensorFile { cid size } ... on Error { message } } }', variables: { file: null } }) +
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="slow.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  let answered = false;
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${server.url}/graphql`, {
      method: 'POST',
      headers: { ...CSRF, authorization: `Bearer ${server.adminToken}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + size + tail.length) },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', (error) => reject(new Error(`${error.message}; server alive: ${server.alive()}; its stderr: ${server.stderr().slice(-2000)}`)));
    req.write(head);
    const chunk = Buffer.alloc(1 << 20, 0x42);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end(tail);
    };
    pump();
  }).finally(() => (answered = true));
  let opens = 0;
  const deadline = Date.now() + 120_000;
  while ((!answered || opens < 10) && Date.now() < deadline) {
    const command = opens % 2 ? 'verify' : 'ls';
    const cli = await runCli([command, '--store', root]);
    assert.is(cli.code, 0, `${command}: ${cli.stdout} ${cli.stderr}`);
    opens++;
    // The CLI runs in this process, mostly synchronously: let the upload's socket move between opens.
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(answered, `no answer to the upload in 120 s (${opens} store opens)`);
  const { status, body } = await answer;
  assert.is(status, 200, body);
  assert.is(JSON.parse(body).data.addTensorFile.size, size, body);
  console.log(`  ${opens} store opens during the upload`);
});

test.run();
