// The access model on live servers (src/server.ts on a socket, the real store and token table): every scope
// against every operation, tokens created, revoked and expired by the CLI while the server runs, --private for
// GraphQL, downloads and the playground, rate limits, token brute force, connection caps, cut-off uploads, CORS,
// audit lines, and no secret anywhere it should not be.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { join } from 'node:path';
import { signPath, keyRingFromJSON } from '../../src/http/sign.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { loadOrCreateKeyRing } from '../../src/store/secrets.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { prng, safetensorsFile } from '../../src/devkit/stress/data.ts';
import { runCli } from '../helpers/cli.ts';
import { beforeAll } from '../helpers/hooks.ts';
import { tempDir } from '../../src/devkit/paths.ts';

const CSRF = { 'x-graphql-yoga-csrf': '1' };
const dir = tempDir();
const root = join(dir.path, 'store');
const logs: string[] = [];
const logger = createLogger({ level: 'info', write: (line) => void logs.push(line) });
let open: RunningServer;
let cid: string;
const rand = prng(15);
const secrets: string[] = [];

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

function model(name: string) {
  return safetensorsFile(name, [{ name: 'w', dtype: 'F32', shape: [16, 16] }], rand).bytes;
}

async function createToken(scope: string, extra: string[] = []): Promise<{ token: string; id: string; name: string }> {
  const result = await runCli(['token', 'create', '--store', root, '--scope', scope, '--json', ...extra]);
  assert.is(result.code, 0, result.stderr);
  const created = JSON.parse(result.stdout.toString()) as { token: string; id: string; name: string };
  secrets.push(created.token);
  return created;
}

async function gql(server: RunningServer, query: string, token?: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> } };
}

async function upload(server: RunningServer, bytes: Uint8Array, token?: string, name = 'up.safetensors') {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: 'mutation($f: File!) { addTensorFile(file: $f) { __typename ... on TensorFile { cid } ... on Error { code message } } }', variables: { f: null } }));
  form.append('map', JSON.stringify({ 0: ['variables.f'] }));
  form.append('0', new Blob([Buffer.from(bytes)]), name);
  const response = await fetch(`${server.url}/graphql`, { method: 'POST', body: form, headers: { ...CSRF, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  return { status: response.status, body: (await response.json()) as { data?: { addTensorFile: { __typename: string; cid?: string; code?: string } } } };
}

beforeAll(test, async () => {
  const store = TensorStore.open(root);
  cid = (await store.add(once(model('a.safetensors')), { name: 'a.safetensors' })).file.cid;
  store.close();
  open = await startServer({ storeRoot: root, port: 0, logger });
  secrets.push(open.adminToken.token);
});

test.after(async () => {
  await open?.close();
  dir.cleanup();
});

test('every scope against every operation: none and read write nothing, write adds, admin does everything', async () => {
  const read = await createToken('read');
  const write = await createToken('write');
  const admin = await createToken('admin');
  await new Promise((r) => setTimeout(r, 250));
  type Who = 'none' | 'read' | 'write' | 'admin';
  const tokenOf: Record<Who, string | undefined> = { none: undefined, read: read.token, write: write.token, admin: admin.token };
  const rank: Record<Who, number> = { none: 0, read: 1, write: 2, admin: 3 };
  const operations: Array<[string, 'read' | 'write' | 'admin', (token: string | undefined) => Promise<string>]> = [
    ['tensors', 'read', async (t) => ((await gql(open, '{ tensors(first: 1) { totalCount } }', t)).body.data?.tensors ? 'ok' : 'refused')],
    ['addTensorFile', 'write', async (t) => (await upload(open, model(`w${Math.random()}.safetensors`), t)).body.data!.addTensorFile.__typename],
    ['clearCache', 'admin', async (t) => (await gql(open, 'mutation { clearCache { __typename } }', t)).body.data!.clearCache.__typename],
    ['evictFromCache', 'admin', async (t) => (await gql(open, 'mutation($c: CID!) { evictFromCache(cid: $c) { __typename } }', t, { c: cid })).body.data!.evictFromCache.__typename],
    ['warmCache', 'admin', async (t) => (await gql(open, 'mutation($c: CID!) { warmCache(cid: $c) { __typename } }', t, { c: cid })).body.data!.warmCache.__typename],
    ['tokens', 'admin', async (t) => (await gql(open, '{ tokens { __typename } }', t)).body.data!.tokens.__typename],
    ['createToken', 'admin', async (t) => (await gql(open, 'mutation { createToken(scope: READ) { __typename ... on CreatedToken { secret } } }', t)).body.data!.createToken.__typename],
    // No peers here: a write token gets UnavailableError (allowed, nothing to fetch from), others ForbiddenError.
    ['addFromPeers', 'write', async (t) => (await gql(open, 'mutation { addFromPeers(cid: "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy") { __typename } }', t)).body.data!.addFromPeers.__typename],
    ['subsetLink', 'read', async (t) => ((await gql(open, 'query($c: CID!) { tensorFile(cid: $c) { subsetLink(names: ["w"]) { url } } }', t, { c: cid })).body.data?.tensorFile?.subsetLink ? 'ok' : 'refused')],
    ['zarrUrl', 'read', async (t) => ((await gql(open, 'query($c: CID!) { tensorFile(cid: $c) { zarrUrl } }', t, { c: cid })).body.data?.tensorFile?.zarrUrl ? 'ok' : 'refused')],
    ['deleteTensorFile', 'admin', async (t) => {
      const store = TensorStore.open(root);
      const victim = (await store.add(once(model(`d${Math.random()}.safetensors`)), {})).file.cid;
      store.close();
      return (await gql(open, 'mutation($c: CID!) { deleteTensorFile(cid: $c) { __typename } }', t, { c: victim })).body.data!.deleteTensorFile.__typename;
    }],
  ];
  const seen: string[] = [];
  for (const [name, needs, run] of operations) {
    for (const who of ['none', 'read', 'write', 'admin'] as Who[]) {
      const answer = await run(tokenOf[who]);
      const allowed = needs === 'read' ? true : rank[who] >= rank[needs];
      if (allowed) assert.not.ok(answer === 'ForbiddenError' || answer === 'refused', `${name} as ${who}: ${answer}`);
      else assert.is(answer, 'ForbiddenError', `${name} as ${who}`);
      seen.push(`${name}:${who}:${allowed ? 'ok' : 'refused'}`);
    }
  }
  const revokeAs = async (t: string | undefined) => (await gql(open, 'mutation($id: String!) { revokeToken(id: $id) { __typename ... on Error { code } } }', t, { id: read.id })).body.data!.revokeToken;
  assert.is((await revokeAs(undefined)).code, 'UNAUTHENTICATED');
  assert.is((await revokeAs(write.token)).code, 'FORBIDDEN');
  assert.is((await revokeAs(admin.token)).__typename, 'RevokeTokenPayload');
  assert.is(seen.length, 44);
});

test('a token created, revoked or expired by the CLI while the server runs is seen within 1 s', async () => {
  const probe = async (token: string) => (await gql(open, 'mutation { clearCache { __typename } }', token)).body.data!.clearCache.__typename as string;
  const within = async (what: string, ok: () => Promise<boolean>) => {
    const started = Date.now();
    while (!(await ok())) {
      if (Date.now() - started > 1000) assert.unreachable(`${what} not seen within 1 s`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return Date.now() - started;
  };
  const created = await createToken('admin', ['--name', 'live']);
  const seenCreated = await within('creation', async () => (await probe(created.token)) === 'CacheStats');
  const revoked = await runCli(['token', 'revoke', 'live', '--store', root]);
  assert.is(revoked.code, 0);
  const seenRevoked = await within('revocation', async () => (await probe(created.token)) === 'ForbiddenError');
  const short = await createToken('admin', ['--expires', '1s']);
  await within('creation', async () => (await probe(short.token)) === 'CacheStats');
  await new Promise((r) => setTimeout(r, 1000));
  const expired = await gql(open, 'mutation { clearCache { __typename ... on Error { message } } }', short.token);
  assert.match(expired.body.data!.clearCache.message, /expired/);
  console.log(`  seen by the running server: created after ${seenCreated} ms, revoked after ${seenRevoked} ms`);
});

test('the bootstrap admin-token keeps working', async () => {
  assert.is((await gql(open, 'mutation { clearCache { __typename } }', open.adminToken.token)).body.data!.clearCache.__typename, 'CacheStats');
});

test('audit lines: who (name and id), what, which CID, for writes and admin actions', async () => {
  const writer = await createToken('write', ['--name', 'auditor']);
  await new Promise((r) => setTimeout(r, 250));
  const added = await upload(open, model('audited.safetensors'), writer.token);
  const addedCid = added.body.data!.addTensorFile.cid!;
  const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'audit');
  const add = lines.find((l) => l.audit === 'addTensorFile' && l.cid === addedCid);
  assert.ok(add, 'an audit line for the add');
  assert.is(add!.token, 'auditor');
  assert.is(add!.tokenId, writer.id);
  for (const action of ['clearCache', 'evictFromCache', 'warmCache', 'deleteTensorFile', 'createToken', 'revokeToken']) {
    assert.ok(lines.some((l) => l.audit === action), action);
  }
});

test('no secret in the store\'s files (but the bootstrap admin-token\'s own), the logs, or token ls', async () => {
  assert.ok(secrets.length >= 7, String(secrets.length));
  const ls = await runCli(['token', 'ls', '--store', root]);
  const lsJson = await runCli(['token', 'ls', '--store', root, '--json']);
  const files: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name !== 'admin-token') files.push(p);
    }
  };
  walk(root);
  for (const secret of secrets) {
    const body = secret.slice('ipfrs_'.length);
    for (const file of files) assert.not.ok(readFileSync(file).includes(body), `${file} holds a secret`);
    assert.not.ok(logs.join('\n').includes(body), 'the logs hold a secret');
    assert.not.ok(ls.stdout.toString().includes(body) || lsJson.stdout.toString().includes(body), 'token ls shows a secret');
  }
  assert.match(ls.stdout.toString(), /auditor\s+write/);
});

test('--private: GraphQL reads, downloads and the playground\'s data need a read token; links still work; pages load', async () => {
  await open.close();
  const priv = await startServer({ storeRoot: root, port: 0, logger, privateMode: true });
  try {
    const read = await createToken('read');
    await new Promise((r) => setTimeout(r, 250));
    const anonymous = await gql(priv, '{ tensors(first: 1) { totalCount } }');
    assert.is(anonymous.status, 401);
    assert.is(anonymous.body.errors![0]!.extensions!.code, 'UNAUTHENTICATED');
    assert.match(anonymous.body.errors![0]!.message, /this server is private/);
    assert.is(anonymous.headers.get('www-authenticate'), 'Bearer realm="ipfrs"');
    assert.is((await gql(priv, '{ tensors(first: 1) { totalCount } }', 'ipfrs_nope')).status, 401);
    const withToken = await gql(priv, '{ tensors(first: 1) { totalCount } }', read.token);
    assert.is(withToken.status, 200);
    assert.ok(withToken.body.data!.tensors.totalCount >= 1);
    const get = await fetch(`${priv.url}/graphql?query=${encodeURIComponent('{ cacheStats { entries } }')}`, { headers: { accept: 'application/json' } });
    assert.is(get.status, 401, 'a GET query too');
    const sse = await fetch(`${priv.url}/graphql?query=${encodeURIComponent('subscription { cacheStats { entries } }')}`, { headers: { accept: 'text/event-stream' } });
    assert.is(sse.status, 401, 'a subscription too');
    await sse.body?.cancel();

    const blob = `/v1/blob/${cid}`;
    const unsigned = await fetch(`${priv.url}${blob}`);
    assert.is(unsigned.status, 403);
    await unsigned.arrayBuffer();
    const bearer = await fetch(`${priv.url}${blob}`, { headers: { authorization: `Bearer ${read.token}` } });
    assert.is(bearer.status, 200, 'a read token serves like a link');
    assert.is(bearer.headers.get('cache-control'), 'private, max-age=3600');
    assert.is((await bearer.arrayBuffer()).byteLength, TensorStore.open(root).getFile(cid)!.size);
    const badBearer = await fetch(`${priv.url}${blob}`, { headers: { authorization: 'Bearer ipfrs_wrong' } });
    assert.is(badBearer.status, 403);
    await badBearer.arrayBuffer();
    const ring = keyRingFromJSON(loadOrCreateKeyRing(root).ring);
    const signed = await fetch(`${priv.url}${signPath(blob, [], { ring }).url}`);
    assert.is(signed.status, 200, 'a signed link needs no token');
    await signed.arrayBuffer();

    for (const page of ['/', '/graphql']) {
      const response = await fetch(`${priv.url}${page}`, { headers: { accept: 'text/html' } });
      assert.is(response.status, 200, `${page} loads (it holds no data)`);
      await response.text();
    }
    const playgroundData = await gql(priv, '{ cacheStats { entries } }', undefined, { origin: priv.url });
    assert.is(playgroundData.status, 401, 'the playground\'s data needs the token');
  } finally {
    await priv.close();
  }
});

test('token brute force: 1,000 wrong tokens (many sharing long prefixes with a real one) all refused; the real one still works', async () => {
  const priv = await startServer({ storeRoot: root, port: 0, logger, privateMode: true });
  try {
    const real = await createToken('read');
    await new Promise((r) => setTimeout(r, 250));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const guesses: string[] = [];
    for (let i = 0; i < 1000; i++) {
      if (i % 2 === 0) {
        // The real token with one character changed, at positions from the end towards the prefix.
        const at = real.token.length - 1 - (i % real.token.length);
        const swapped = alphabet[(alphabet.indexOf(real.token[at]!) + 1 + (i % 7)) % alphabet.length]!;
        guesses.push(`${real.token.slice(0, at)}${swapped}${real.token.slice(at + 1)}`);
      } else if (i % 3 === 0) guesses.push(real.token.slice(0, real.token.length - 1 - (i % 40)));
      else guesses.push(`ipfrs_${Buffer.from(String(i)).toString('base64url').padEnd(43, 'A')}`);
    }
    assert.not.ok(guesses.includes(real.token));
    let refused = 0;
    for (let i = 0; i < guesses.length; i += 50) {
      const batch = await Promise.all(guesses.slice(i, i + 50).map((g) => gql(priv, '{ cacheStats { entries } }', g)));
      refused += batch.filter((b) => b.status === 401 && b.body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED').length;
    }
    assert.is(refused, 1000);
    assert.is((await gql(priv, '{ cacheStats { entries } }', real.token)).status, 200);
  } finally {
    await priv.close();
  }
});

test('--rate-limit 40: a burst of 300 from one client gets 429s with Retry-After; another token is not slowed; /metrics counts them', async () => {
  const limited = await startServer({ storeRoot: root, port: 0, logger, rateLimit: 40 });
  try {
    const one = await createToken('read');
    const other = await createToken('read');
    await new Promise((r) => setTimeout(r, 250));
    // 300 requests as fast as 30 connections carry them (300 connections would meet the per-client cap first).
    const burst: Awaited<ReturnType<typeof gql>>[] = [];
    for (let i = 0; i < 300; i += 30) burst.push(...(await Promise.all(Array.from({ length: 30 }, () => gql(limited, '{ cacheStats { entries } }', one.token)))));
    assert.equal(burst.filter((b) => b.status !== 200 && b.status !== 429).map((b) => b.status), []);
    const refused = burst.filter((b) => b.status === 429);
    // Some, not a fixed count: the bucket refills (40/s) for as long as the burst takes to arrive on this machine.
    assert.ok(refused.length > 0, `${refused.length} of 300 refused`);
    for (const r of refused) {
      assert.match(r.headers.get('retry-after') ?? '', /^\d+$/);
      assert.is(r.headers.get('ratelimit-policy'), '"default";q=80;w=2');
      assert.match(r.headers.get('ratelimit') ?? '', /^"default";r=0;t=\d+$/);
      assert.is(r.body.errors![0]!.extensions!.code, 'RATE_LIMITED');
    }
    const others = await Promise.all(Array.from({ length: 60 }, () => gql(limited, '{ cacheStats { entries } }', other.token)));
    assert.equal(others.filter((o) => o.status !== 200).length, 0, 'another token has its own bucket');
    const metrics = await (await fetch(`${limited.url}/metrics`)).text();
    const graphql = Number(/ipfrs_rate_limited_total\{interface="graphql"\} (\d+)/.exec(metrics)?.[1]);
    assert.is(graphql, refused.length);
    console.log(`  rate limit 40/s: ${refused.length} of a 300-request burst refused; another token 60/60 served`);
  } finally {
    await limited.close();
  }
});

test('downloads share the client\'s bucket: over it, 429 with Retry-After on the lane as on GraphQL', async () => {
  // 0.1 a second: a bucket of 1 that takes 10 s to refill, so the second request is over it however slow this machine.
  const slow = await startServer({ storeRoot: root, port: 0, logger, rateLimit: 0.1 });
  try {
    const token = await createToken('read');
    await new Promise((r) => setTimeout(r, 250));
    assert.is((await gql(slow, '{ cacheStats { entries } }', token.token)).status, 200);
    const download = await fetch(`${slow.url}/v1/blob/${cid}`, { headers: { authorization: `Bearer ${token.token}` } });
    assert.is(download.status, 429);
    assert.match(download.headers.get('retry-after') ?? '', /^(9|10)$/);
    assert.match(((await download.json()) as { error: string }).error, /RATE_LIMITED/);
    const anonymous = await fetch(`${slow.url}/v1/blob/${cid}`);
    assert.is(anonymous.status, 403, 'another client (the address, no token) has its own bucket: refused for the missing link, not the rate');
    await anonymous.arrayBuffer();
    assert.match(await (await fetch(`${slow.url}/metrics`)).text(), /ipfrs_rate_limited_total\{interface="download"\} 1/);
  } finally {
    await slow.close();
  }
});

test('connection caps: connections over the per-client cap get 503; slow heads are cut at the head timeout', async () => {
  const capped = await startServer({ storeRoot: root, port: 0, logger, maxConnections: { perClient: 20, total: 100 }, headersTimeoutMs: 1000 });
  const sockets: Socket[] = [];
  try {
    const answers: string[] = [];
    const closed: Promise<void>[] = [];
    for (let i = 0; i < 30; i++) {
      const socket = connect(capped.port, '127.0.0.1');
      sockets.push(socket);
      let text = '';
      socket.on('data', (d) => (text += d));
      socket.on('error', () => {});
      closed.push(new Promise((resolve) => socket.on('close', () => {
        answers.push(text);
        resolve();
      })));
      // Half a head, never finished, as the lane sees every connection start (it cuts slow heads itself; node:http,
      // which takes a connection at its first non-download request, checks its own only every 30 s).
      socket.write('GET /v1/blob/x HTTP/1.1\r\nHost: a\r\n');
      await new Promise((r) => setTimeout(r, 5));
    }
    const started = Date.now();
    await Promise.all(closed);
    const took = Date.now() - started;
    assert.is(answers.filter((a) => a.startsWith('HTTP/1.1 503')).length, 10, 'ten over the cap of 20');
    assert.ok(took < 4000, `the 20 slow heads were closed after ${took} ms (head timeout 1 s)`);
    const after = await fetch(`${capped.url}/healthz`);
    assert.is(after.status, 200);
    const metrics = await (await fetch(`${capped.url}/metrics`)).text();
    assert.match(metrics, /ipfrs_connections_refused_total 10/);
  } finally {
    for (const s of sockets) s.destroy();
    await capped.close();
  }
});

test('an upload cut off midway leaves nothing behind', async () => {
  const server = await startServer({ storeRoot: root, port: 0, logger });
  try {
    const before = TensorStore.open(root);
    const files = before.listFiles({ first: 1000 }).items.length;
    before.close();
    const boundary = 'cutoff';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"mutation($f: File!) { addTensorFile(file: $f) { __typename } }","variables":{"f":null}}\r\n--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.f"]}\r\n--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="big.bin"\r\n\r\n`;
    await new Promise<void>((resolve) => {
      const req = request(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, authorization: `Bearer ${server.adminToken.token}`, ...CSRF } });
      req.on('error', () => resolve());
      req.write(head);
      const chunk = Buffer.alloc(1 << 20, 3);
      let sent = 0;
      const pump = () => {
        while (sent < 16) {
          sent++;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        // Midway: the client goes away.
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 200);
      };
      pump();
    });
    const tmp = join(root, 'tmp');
    const started = Date.now();
    while (readdirSync(tmp).length > 0 && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 50));
    assert.equal(readdirSync(tmp), [], 'no temp file left');
    const after = TensorStore.open(root);
    assert.is(after.listFiles({ first: 1000 }).items.length, files, 'no file added');
    after.close();
    assert.is((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    await server.close();
  }
});

test('CORS: the own origin and --cors-origin read answers; another origin gets no CORS headers, never a reflected origin', async () => {
  const server = await startServer({ storeRoot: root, port: 0, logger, corsOrigins: ['http://allowed.example'] });
  try {
    const query = `${server.url}/graphql?query=${encodeURIComponent('{ cacheStats { entries } }')}`;
    const from = async (origin: string) => {
      const response = await fetch(query, { headers: { origin, accept: 'application/json' } });
      await response.text();
      return [response.headers.get('access-control-allow-origin'), response.headers.get('access-control-allow-credentials')];
    };
    assert.equal(await from('http://allowed.example'), ['http://allowed.example', 'true']);
    assert.equal(await from(server.url), [server.url, 'true']);
    assert.equal(await from('https://evil.example'), [null, null]);
    const preflight = await fetch(`${server.url}/graphql`, { method: 'OPTIONS', headers: { origin: 'http://allowed.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, apollo-require-preflight' } });
    assert.is(preflight.status, 204);
    assert.is(preflight.headers.get('access-control-allow-origin'), 'http://allowed.example');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /apollo-require-preflight/);
    const evil = await fetch(`${server.url}/graphql`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.is(evil.headers.get('access-control-allow-origin'), null);
  } finally {
    await server.close();
  }
});

test.run();
