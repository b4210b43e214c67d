// Hostile input and credentials against a live `ipfrs serve` over a real socket (tests/graphql/yoga.test.ts
// proves the GraphQL limits through yoga.fetch; here they are shown to hold on the wire, with the server still
// answering after each). Then signed links (replay elsewhere, key rotation picked up by the running server, clock
// skew) and the logs of a whole session: the admin token and the signing keys never appear in them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { DEFAULT_CLOCK_SKEW, keyRingFromJSON, MAX_EXPIRES_IN, signPath, type KeyRing } from '../../src/http/sign.ts';
import { rotateKeyRing } from '../../src/store/secrets.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { prng, safetensorsFile } from '../../src/devkit/stress/data.ts';
import { tempDir } from '../../src/devkit/paths.ts';
import { gql, spawnServer, type ServerChild } from '../../src/devkit/serve-child.ts';

const CSRF = { 'x-graphql-yoga-csrf': '1' };
let dir: ReturnType<typeof tempDir>;
let root: string;
let server: ServerChild;
let cid: string;
let other: string;

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

beforeAll(test, async () => {
  dir = tempDir();
  root = join(dir.path, 'store');
  const store = TensorStore.open(root);
  const rand = prng(9);
  cid = (await store.add(once(safetensorsFile('a.safetensors', [{ name: 'w', dtype: 'F32', shape: [256, 256] }], rand).bytes), { name: 'a.safetensors' })).file.cid;
  other = (await store.add(once(safetensorsFile('b.safetensors', [{ name: 'w', dtype: 'F32', shape: [256, 256] }], rand).bytes), { name: 'b.safetensors' })).file.cid;
  store.close();
  server = await spawnServer(root, ['--max-upload', '256m']);
});

test.after(async () => {
  await server?.stop('SIGKILL');
  dir?.cleanup();
});

async function stillAnswers(what: string) {
  const answer = await gql(server.url, '{ tensorFiles(first: 5) { edges { node { cid } } } }');
  assert.is(answer.status, 200, `${what}: the follow-up query`);
  assert.is(answer.body.data!.tensorFiles.edges.length, 2, what);
  assert.ok(server.alive(), what);
}

// ---- hostile GraphQL ------------------------------------------------------------------------------------------

test('hostile GraphQL on the wire: 50 deep, 10,000 aliases, first: 1000000, a huge inline limit, batches', async () => {
  let selection = 'name';
  for (let i = 0; i < 13; i++) selection = `file { tensors(first: 1) { edges { node { ${selection} } } } }`; // 52 levels
  const deep = await gql(server.url, `query($c: CID!) { tensor(cid: $c, name: "w") { ${selection} } }`, { c: cid });
  assert.is(deep.status, 400);
  assert.is(deep.body.errors![0]!.extensions!.code, 'QUERY_TOO_DEEP');
  await stillAnswers('50 deep');

  const aliases = await gql(server.url, `{ ${Array.from({ length: 10_000 }, (_, i) => `a${i}: cacheStats { hits }`).join(' ')} }`);
  assert.is(aliases.status, 400);
  assert.match(aliases.body.errors![0]!.message, /Document contains more tha[nt] \d+ tokens/);
  await stillAnswers('10,000 aliases');

  const page = await gql(server.url, '{ tensors(first: 1000000) { edges { cursor } } }');
  assert.is(page.body.errors![0]!.extensions!.code, 'INVALID_ARGUMENT');
  assert.match(page.body.errors![0]!.message, /first must be between 0 and 1000, not 1000000/);
  await stillAnswers('first: 1000000');

  const inline = await gql(server.url, 'query($c: CID!) { tensor(cid: $c, name: "w") { slice(spec: "", inlineLimit: 9007199254740991) { __typename ... on TooLargeError { limit } } } }', { c: cid });
  assert.is(inline.body.data!.tensor.slice.__typename, 'TooLargeError');
  await stillAnswers('an inline limit of 2^53 - 1');

  const batch = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(Array.from({ length: 1000 }, () => ({ query: '{ cacheStats { hits } }' }))) });
  assert.is(batch.status, 400);
  assert.match(await batch.text(), /Batching is not supported/);
  await stillAnswers('a batch of 1000');
});

test('cross-site requests: simple POSTs without the CSRF header are refused and change nothing; a cross-site GET is answered without CORS headers (unreadable)', async () => {
  const admin = { authorization: `Bearer ${server.adminToken}` };
  await fetch(`${server.url}/v1/blob/${cid}?${signPath(`/v1/blob/${cid}`, [], { ring: ring() }).query}`).then((r) => r.arrayBuffer());
  const entries = async () => (await gql(server.url, '{ cacheStats { entries } }')).body.data!.cacheStats.entries as number;
  assert.ok((await entries()) > 0);
  const mutation = 'mutation { clearCache { __typename } }';
  const attempts: Array<[string, RequestInit, string]> = [
    ['form POST', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...admin }, body: `query=${encodeURIComponent(mutation)}` }, ''],
    ['text/plain POST', { method: 'POST', headers: { 'content-type': 'text/plain', ...admin }, body: JSON.stringify({ query: mutation }) }, ''],
    ['multipart POST', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b', ...admin }, body: `--b\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: mutation })}\r\n--b--\r\n` }, ''],
  ];
  for (const [what, init, query] of attempts) {
    const response = await fetch(`${server.url}/graphql${query}`, { ...init, headers: { ...(init.headers as Record<string, string>), origin: 'https://evil.example' } });
    assert.is(response.status, 403, what);
    assert.match(await response.text(), /Required CSRF header/, what);
  }
  assert.ok((await entries()) > 0, 'the cache was not cleared by any of them');
  const crossGet = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ cacheStats { entries } }')}`, { headers: { accept: 'application/json', origin: 'https://evil.example' } });
  assert.is(crossGet.status, 200);
  assert.is(crossGet.headers.get('access-control-allow-origin'), null, 'no CORS headers for another origin: its page cannot read this');
  assert.is(crossGet.headers.get('access-control-allow-credentials'), null);
  const allowed = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ cacheStats { entries } }')}`, { headers: { accept: 'application/json', ...CSRF } });
  assert.is(allowed.status, 200);
  await stillAnswers('CSRF');
});

/** Streams a multipart upload of up to 1 GiB; stops when the server answers. */
function hugeUpload(declared: boolean): Promise<{ status: number; body: string; sent: number }> {
  const boundary = 'xyzzy';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"mutation($f: File!) { addTensorFile(file: $f) { __typename } }","variables":{"f":null}}\r\n--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.f"]}\r\n--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const headers: Record<string, string> = { 'content-type': `multipart/form-data; boundary=${boundary}`, authorization: `Bearer ${server.adminToken}`, ...CSRF };
  if (declared) headers['content-length'] = String(1 << 30);
  return new Promise((resolve) => {
    const req = request(`${server.url}/graphql`, { method: 'POST', headers });
    let sent = 0;
    let answered = false;
    let body = '';
    let status = 0;
    const finish = () => {
      answered = true;
      req.destroy();
      resolve({ status, body, sent });
    };
    req.on('response', (res) => {
      status = res.statusCode!;
      res.on('data', (d) => (body += d));
      res.on('end', finish);
      res.on('error', finish);
    });
    req.on('error', () => !answered && finish());
    const chunk = Buffer.alloc(1 << 20, 7);
    const pump = () => {
      while (!answered && sent < 1 << 30) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
    };
    req.write(head);
    pump();
  });
}

test('a 1 GiB upload over the limit is refused while it streams, and never buffered whole', async () => {
  const limit = 256 << 20; // the default upload limit (config.maxUploadBytes); the body may add 1 MiB of parts
  const declared = await hugeUpload(true);
  assert.is(declared.status, 413);
  assert.match(declared.body, /the upload is larger than the limit of \d+ bytes/);
  assert.ok(declared.sent < 64 << 20, `a declared 1 GiB is refused before its body: ${declared.sent >> 20} MiB sent`);
  await stillAnswers('a declared 1 GiB upload');

  const peakBefore = server.memory().peak;
  const chunked = await hugeUpload(false);
  const grew = server.memory().peak - peakBefore;
  // The file part streams into the store's ingest as it arrives: the limit is met while it is written, and the
  // answer is the typed TooLargeError; the connection is then closed rather than the rest read.
  assert.is(chunked.status, 200);
  assert.match(chunked.body, /"__typename":"TooLargeError"/);
  assert.ok(chunked.sent < limit + (48 << 20), `cut off at the limit: ${chunked.sent >> 20} MiB sent of 1024`);
  assert.ok(grew < 128 << 20, `peak RSS grew by ${grew >> 20} MiB`);
  console.log(`  1 GiB chunked upload: refused after ${chunked.sent >> 20} MiB sent; server peak RSS +${grew >> 20} MiB`);
  await stillAnswers('a chunked 1 GiB upload');
});

// ---- links and keys -------------------------------------------------------------------------------------------

function ring(): KeyRing {
  return keyRingFromJSON(JSON.parse(readFileSync(join(root, 'signing-keys.json'), 'utf8')));
}

async function status(url: string): Promise<{ status: number; reason?: string }> {
  const response = await fetch(`${server.url}${url}`);
  const text = await response.text();
  return { status: response.status, ...(response.status === 403 ? { reason: JSON.parse(text).reason } : {}) };
}

test('a link replayed on another CID, another path or with other parameters is refused', async () => {
  const blob = signPath(`/v1/blob/${cid}`, [], { ring: ring() });
  const tensor = signPath(`/v1/tensor/${cid}/w`, [['slice', '0:2']], { ring: ring() });
  assert.is((await status(blob.url)).status, 200);
  assert.is((await status(tensor.url)).status, 200);
  const replays = [
    `/v1/blob/${other}?${blob.query}`, // another file
    `/v1/tensor/${cid}/w?${blob.query}`, // blob link on the tensor route
    `/v1/tensor/${other}/w?${tensor.query}`,
    tensor.url.replace('slice=0%3A2', 'slice=0%3A200'), // a bigger slice
    `${tensor.url}&format=npy`,
    tensor.url.replace(/exp=(\d+)/, (_m, e: string) => `exp=${Number(e) + 3600}`), // a longer life
  ];
  for (const url of replays) assert.equal(await status(url), { status: 403, reason: 'bad signature' }, url);
  // A tensor link's parameters on the blob route: refused before the signature is looked at (blobs take none).
  assert.is((await status(`/v1/blob/${cid}?${tensor.query}`)).status, 400);
});

test('key rotation: the running server signs with the new key, honours the old one while it is in the ring, then refuses it', async () => {
  const before = ring();
  const old = signPath(`/v1/blob/${cid}`, [], { ring: before });
  rotateKeyRing(root);
  const rotated = ring();
  assert.is.not(rotated.current, before.current);
  await new Promise((r) => setTimeout(r, 1200)); // the server re-reads the file at most once a second
  const link = (await gql(server.url, 'query($c: CID!) { tensorFile(cid: $c) { downloadLink { ... on DownloadLink { url } } } }', { c: cid })).body.data!.tensorFile.downloadLink.url as string;
  assert.is(new URL(link).searchParams.get('kid'), rotated.current, 'new links use the new key');
  assert.is((await status(new URL(link).pathname + new URL(link).search)).status, 200);
  assert.is((await status(old.url)).status, 200, 'the old kid is still in the ring');

  // An operator retires the old key (rewrites the file without it, atomically).
  const json = JSON.parse(readFileSync(join(root, 'signing-keys.json'), 'utf8'));
  delete json.keys[before.current];
  writeFileSync(join(root, 'signing-keys.json.new'), JSON.stringify(json), { mode: 0o600 });
  renameSync(join(root, 'signing-keys.json.new'), join(root, 'signing-keys.json'));
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(await status(old.url), { status: 403, reason: 'unknown key' });
  assert.is((await status(new URL(link).pathname + new URL(link).search)).status, 200);
});

test(`clock skew: a link is honoured up to ${DEFAULT_CLOCK_SKEW} s past its expiry, and not longer; at most 7 days ahead`, async () => {
  const now = Math.floor(Date.now() / 1000);
  const signedAt = (secondsAgo: number, expiresIn = 60) => signPath(`/v1/blob/${cid}`, [], { ring: ring(), now: now - secondsAgo, expiresIn }).url;
  assert.is((await status(signedAt(60 + 20))).status, 200, 'expired 20 s ago: within the tolerance');
  assert.equal(await status(signedAt(60 + DEFAULT_CLOCK_SKEW + 30)), { status: 403, reason: 'expired' });
  // A signer whose clock runs ahead: exp further than 7 days + skew from our clock is refused.
  assert.is((await status(signPath(`/v1/blob/${cid}`, [], { ring: ring(), now: now + 20, expiresIn: MAX_EXPIRES_IN }).url)).status, 200);
  assert.equal(await status(signPath(`/v1/blob/${cid}`, [], { ring: ring(), now: now + DEFAULT_CLOCK_SKEW + 30, expiresIn: MAX_EXPIRES_IN }).url), { status: 403, reason: 'malformed' });
});

// ---- secrets in logs ------------------------------------------------------------------------------------------

test('a whole session at debug level: the admin token is printed once at first start, and no secret is ever logged', async () => {
  const session = tempDir();
  const store = join(session.path, 'store');
  const rand = prng(10);
  const seeded = TensorStore.open(store);
  const file = (await seeded.add(once(safetensorsFile('s.safetensors', [{ name: 'w', dtype: 'F32', shape: [1024, 1024] }], rand).bytes), { name: 's.safetensors' })).file.cid;
  seeded.close();
  const first = await spawnServer(store, ['--log-level', 'debug']);
  let second: ServerChild | null = null;
  try {
    const token = readFileSync(join(store, 'admin-token'), 'utf8').trim();
    const keys = Object.values(JSON.parse(readFileSync(join(store, 'signing-keys.json'), 'utf8')).keys as Record<string, string>);
    assert.is(first.adminToken, token);
    assert.is(first.stdout().split(token).length - 1, 1, 'printed once on stdout');

    const links: string[] = [];
    const sigs: string[] = [];
    const keep = (url: string) => {
      links.push(url);
      sigs.push(new URL(url, first.url).searchParams.get('sig')!);
      return url;
    };
    const admin = { authorization: `Bearer ${token}` };
    // Mutations with the token, with wrong and malformed tokens, an error with the token in a variable.
    assert.ok((await gql(first.url, 'mutation { clearCache { __typename } }', {}, admin)).body.data);
    await gql(first.url, 'mutation { clearCache { __typename } }', {}, { authorization: `Bearer ${token}x` });
    await gql(first.url, 'mutation { clearCache { __typename } }', {}, { authorization: `Basic ${token}` });
    await gql(first.url, 'query($c: CID!) { tensorFile(cid: $c) { size } }', { c: `${token}` }, admin);
    await fetch(`${first.url}/metrics`, { headers: admin }).then((r) => r.text());
    // Links: issued by GraphQL, used, forged, cut off mid-download, and failing on the server's side.
    const link = keep((await gql(first.url, 'query($c: CID!) { tensorFile(cid: $c) { downloadLink { ... on DownloadLink { url } } } }', { c: file }, admin)).body.data!.tensorFile.downloadLink.url);
    assert.is((await fetch(link, { headers: admin }).then(async (r) => [r.status, await r.arrayBuffer()]))[0], 200);
    await fetch(link.replace(/sig=./, 'sig=A')).then((r) => r.text());
    const slow = request(keep(signPath(`/v1/blob/${file}`, [], { ring: keyRingFromJSON(JSON.parse(readFileSync(join(store, 'signing-keys.json'), 'utf8'))) }).url.replace(/^/, first.url)));
    await new Promise<void>((resolve) => {
      slow.on('response', (res) => res.once('data', () => (slow.destroy(), resolve())));
      slow.on('error', () => resolve());
      slow.end();
    });
    truncateSync(join(store, 'objects', file), 100);
    const failing = keep(signPath(`/v1/tensor/${file}/w`, [['slice', '::2']], { ring: keyRingFromJSON(JSON.parse(readFileSync(join(store, 'signing-keys.json'), 'utf8'))) }).url);
    assert.is((await fetch(`${first.url}${failing}`)).status, 500);
    assert.is((await first.stop('SIGTERM')).code, 0);

    second = await spawnServer(store, ['--log-level', 'debug']);
    assert.is(second.adminToken, null);
    assert.not.ok(second.stdout().includes(token), 'not printed on a second start');
    await gql(second.url, 'mutation { clearCache { __typename } }', {}, admin);
    assert.is((await second.stop('SIGTERM')).code, 0);

    const logs = [first.stderr(), second.stderr(), second.stdout()].join('\n');
    assert.ok(logs.split('\n').length > 10, 'the session was logged at debug level');
    assert.not.ok(logs.includes(token), 'the admin token is not in the logs');
    for (const key of keys) assert.not.ok(logs.toLowerCase().includes(key.toLowerCase()), 'no signing key in the logs');
    for (const sig of sigs) {
      const line = logs.split('\n').find((l) => l.includes(sig));
      assert.not.ok(line, `no link signature in the logs (a live link is a credential): ${line}`);
    }
  } finally {
    await first.stop('SIGKILL');
    await second?.stop('SIGKILL');
    session.cleanup();
  }
});

test.run();
