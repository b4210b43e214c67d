// `ipfrs serve --workers 2` as a user runs it (the built bin): one port, two worker processes, each with its own cache. Cache
// mutations reach both before they answer, cacheStats sums and lists them, a worker killed with SIGKILL is
// replaced within 3 s while the server keeps answering, the download and GraphQL contracts hold on either worker,
// and SIGTERM drains both.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'node:http';
import { join } from 'node:path';
import { patternBytes } from '../helpers/download-server.ts';
import { runCli } from '../helpers/cli.ts';
import { spawnServer, type ServerChild } from '../../src/devkit/serve-child.ts';
import { tempDir } from '../../src/devkit/paths.ts';
import { freePort } from '../../src/devkit/ports.ts';
import { bearer, call, grpcClients } from '../helpers/grpc.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { promtoolCheck, promtoolPath } from '../helpers/tools.ts';
import { auditServer } from 'graphql-http';
import { CSRF_HEADER } from '../../src/graphql/yoga.ts';

const dir = tempDir('ipfrs-cluster-');
const store = join(dir.path, 'store');
const SIZE = 1 << 20;
const bytes = patternBytes(SIZE, 7);
let server: ServerChild;
let cid: string;
let auth: Record<string, string>;
let grpcPort: number;

const STATS = '{ cacheStats { entries misses maxEntries maxBytes workers { worker pid entries misses maxEntries } files { cid hits } } }';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * One request on a connection of its own (no keep-alive agent): the kernel hands each new connection to whichever
 * worker accepts first, and after a worker is killed every new connection must still be answered. A request sent
 * on a kept-alive socket that the killed worker owned dies with it, which no server can save (a client retries it
 * on a new connection); these tests never send one, so they need no retries.
 */
function fresh(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${path} in 10 s`)));
    req.end(body);
  });
}

/** A GraphQL POST on a connection of its own (see fresh). */
async function gql(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const reply = await fresh('/graphql', { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers }, 'POST', JSON.stringify({ query, variables }));
  return { status: reply.status, body: JSON.parse(reply.body.toString()) as { data?: Record<string, any> | null; errors?: Array<{ message: string }> } };
}

async function stats() {
  const { body } = await gql(STATS);
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data!.cacheStats as {
    entries: number;
    misses: number;
    maxEntries: number;
    maxBytes: number;
    workers: Array<{ worker: number; pid: number; entries: number; misses: number; maxEntries: number }>;
    files: Array<{ cid: string; hits: number }>;
  };
}

/** Maps the blob in every worker (warmCache reaches them all), and reads it on a few connections. */
async function touchEveryWorker(): Promise<void> {
  const { body } = await gql('mutation($cid: CID!) { warmCache(cid: $cid) { __typename } }', { cid }, auth);
  assert.is(body.data?.warmCache.__typename, 'CacheEntry', JSON.stringify(body));
  for (let i = 0; i < 4; i++) assert.is((await fresh(`/v1/blob/${cid}`, { range: 'bytes=0-3' })).status, 206);
}

test.before(async () => {
  writeFileSync(join(dir.path, 'blob.bin'), bytes);
  const added = await runCli(['add', join(dir.path, 'blob.bin'), '--dtype', 'U8', '--shape', String(SIZE), '--store', store, '--json']);
  assert.is(added.code, 0, added.stderr);
  cid = /bafkrei[a-z2-7]+/.exec(added.stdout.toString())![0];
  grpcPort = await freePort();
  server = await spawnServer(store, ['--workers', '2', '--public', '--cache-entries', '8', '--grpc-port', String(grpcPort)], { timeoutMs: 120_000, built: true });
  auth = { authorization: `Bearer ${server.adminToken}` };
});

test.after(async () => {
  if (server?.alive()) await server.stop('SIGKILL');
  dir.cleanup();
});

test('cacheStats lists both workers and sums them', async () => {
  await touchEveryWorker();
  const s = await stats();
  assert.is(s.workers.length, 2);
  assert.is(new Set(s.workers.map((w) => w.pid)).size, 2);
  assert.not.ok(s.workers.some((w) => w.pid === server.pid), 'the primary serves nothing');
  for (const w of s.workers) assert.is(w.entries, 1, `worker ${w.worker} maps the blob`);
  assert.is(s.entries, 2);
  assert.ok(s.misses >= 2);
  assert.is(s.misses, s.workers.reduce((n, w) => n + w.misses, 0));
  assert.is(s.maxEntries, 16);
  assert.is(s.maxBytes, Number.MAX_SAFE_INTEGER, 'no byte bound in either worker stays "no bound", not twice 2^53');
  assert.equal(s.files.map((f) => f.cid), [cid], 'a file mapped by both workers is listed once');
});

test('clearCache reaches every worker before it answers', async () => {
  await touchEveryWorker();
  const { body } = await gql('mutation { clearCache { ... on CacheStats { entries workers { worker entries } } } }', {}, auth);
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  assert.is(body.data!.clearCache.entries, 0);
  assert.equal(body.data!.clearCache.workers.map((w: { entries: number }) => w.entries), [0, 0]);
  // Asked again (on whichever worker), no worker reports entries.
  for (let i = 0; i < 4; i++) assert.equal((await stats()).workers.map((w) => w.entries), [0, 0]);
});

test('warmCache maps the file in every worker, evictFromCache unmaps it in every worker', async () => {
  const warm = await gql('mutation($cid: CID!) { warmCache(cid: $cid) { __typename ... on CacheEntry { cid } } }', { cid }, auth);
  assert.is(warm.body.data!.warmCache.__typename, 'CacheEntry', JSON.stringify(warm.body));
  assert.equal((await stats()).workers.map((w) => w.entries), [1, 1]);
  const evict = await gql('mutation($cid: CID!) { evictFromCache(cid: $cid) { __typename ... on EvictFromCachePayload { evicted } } }', { cid }, auth);
  assert.is(evict.body.data!.evictFromCache.evicted, true);
  assert.equal((await stats()).workers.map((w) => w.entries), [0, 0]);
  const again = await gql('mutation($cid: CID!) { evictFromCache(cid: $cid) { ... on EvictFromCachePayload { evicted } } }', { cid }, auth);
  assert.is(again.body.data!.evictFromCache.evicted, false, 'mapped nowhere now');
});

test('the download contract holds on the cluster', async () => {
  for (let i = 0; i < 4; i++) {
    const whole = await fresh(`/v1/blob/${cid}`);
    assert.is(whole.status, 200);
    assert.ok(whole.body.equals(bytes));
    assert.is(whole.headers.etag, `"${cid}"`);
    const part = await fresh(`/v1/blob/${cid}`, { range: 'bytes=1000-4999' });
    assert.is(part.status, 206);
    assert.is(part.headers['content-range'], `bytes 1000-4999/${SIZE}`);
    assert.ok(part.body.equals(bytes.subarray(1000, 5000)));
    const suffix = await fresh(`/v1/blob/${cid}`, { range: 'bytes=-10' });
    assert.ok(suffix.body.equals(bytes.subarray(SIZE - 10)));
    const outside = await fresh(`/v1/blob/${cid}`, { range: `bytes=${SIZE}-` });
    assert.is(outside.status, 416);
    assert.is(outside.headers['content-range'], `bytes */${SIZE}`);
    assert.is((await fresh(`/v1/blob/${cid}`, { 'if-none-match': `"${cid}"` })).status, 304);
    const head = await fresh(`/v1/blob/${cid}`, {}, 'HEAD');
    assert.is(head.headers['content-length'], String(SIZE));
    assert.is(head.body.length, 0);
    assert.is((await fresh('/v1/blob/not-a-cid')).status, 400);
  }
});

test('the GraphQL contract holds on the cluster', async () => {
  for (let i = 0; i < 4; i++) {
    const { body } = await gql('{ tensors(first: 10) { edges { node { cid name dtype shape byteLength } } } tensorFile(cid: "bafkreiaaaa") { cid } }');
    assert.ok(body.errors?.length, 'a malformed CID is a GraphQL error');
    const ok = await gql('{ tensors(first: 10) { edges { node { cid dtype shape } } } }');
    assert.equal(ok.body.data!.tensors.edges, [{ node: { cid, dtype: 'U8', shape: [SIZE] } }]);
    const slice = await gql('{ tensors(first: 1) { edges { node { slice(spec: "2:6") { __typename ... on InlineSlice { values } } } } } }');
    assert.equal(slice.body.data!.tensors.edges[0].node.slice.values, [...bytes.subarray(2, 6)]);
    const bad = await gql('{ tensors(first: 1) { edges { node { slice(spec: "0:1, 2") { __typename ... on Error { code } } } } } }');
    assert.is(bad.body.data!.tensors.edges[0].node.slice.code, 'INVALID_SLICE');
    const forbidden = await gql('mutation { clearCache { __typename } }');
    assert.is(forbidden.body.data!.clearCache.__typename, 'ForbiddenError');
  }
});

test('graphql-http\'s GraphQL over HTTP audit passes on the cluster as on one process', async () => {
  // Its requests go over a kept-alive pool, spread by the kernel over both workers. A script sends the CSRF header.
  const fetchFn = (input: RequestInfo | URL, init: RequestInit = {}) =>
    fetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), [CSRF_HEADER]: '1' } });
  const results = await auditServer({ url: `${server.url}/graphql`, fetchFn });
  assert.is(results.length, 61);
  assert.equal(results.filter((r) => r.status !== 'ok').map((r) => `${r.name}: ${r.status}`), []);
});

test('gRPC is served by the workers too, on the one port: stats of both, Clear reaching both', async () => {
  assert.match(server.stdout(), new RegExp(`gRPC: 127\\.0\\.0\\.1:${grpcPort}`));
  await touchEveryWorker();
  // New channels, new connections: the kernel hands them to either worker; each answers for the whole server.
  for (let i = 0; i < 4; i++) {
    const clients = grpcClients(`127.0.0.1:${grpcPort}`);
    try {
      const stats = await call(clients.cache.GetStats.bind(clients.cache), {});
      assert.is(stats.max_entries, 16, 'both workers summed');
      const files = await call(clients.tensors.ListFiles.bind(clients.tensors), { page_size: 10 });
      assert.equal(files.files.map((f) => f.cid), [cid]);
    } finally {
      clients.close();
    }
  }
  const clients = grpcClients(`127.0.0.1:${grpcPort}`);
  try {
    const cleared = await call(clients.cache.Clear.bind(clients.cache), {}, bearer(server.adminToken!));
    assert.is(cleared.entries, 0);
  } finally {
    clients.close();
  }
  assert.equal((await stats()).workers.map((w) => w.entries), [0, 0], 'Clear answered once both workers had cleared');
});

test('/metrics is the whole server: every listening worker summed (prom-client aggregation), promtool-clean', async () => {
  const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"()/.]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  const ranges = 'ipfrs_http_responses_total{route="download",status="206"}';
  const before = (await fresh('/metrics')).body.toString();
  // Spread over both workers by the kernel (new connections); whichever worker answers /metrics counts them all.
  for (let i = 0; i < 12; i++) assert.is((await fresh(`/v1/blob/${cid}`, { range: 'bytes=0-3' })).status, 206);
  let after = '';
  for (let waited = 0; waited <= 2000; waited += 100) {
    after = (await fresh('/metrics')).body.toString();
    if (value(after, ranges) - value(before, ranges) === 12) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.is(value(after, ranges) - value(before, ranges), 12, after);
  assert.is(value(after, 'ipfrs_cache_max_entries'), 16, 'two workers of 8 entries');
  assert.match(after, /^ipfrs_cache_max_bytes \+Inf$/m);
  const pids = (await stats()).workers.map((w) => w.pid);
  const rss = pids.reduce((n, pid) => n + Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024, 0);
  const reported = value(after, 'process_resident_memory_bytes');
  assert.ok(reported > rss * 0.5 && reported < rss * 1.5, `resident memory of both workers summed: ${reported} against ${rss}`);
  assert.match(after, /^nodejs_version_info\{version="v\d+/m);
  const promtool = promtoolPath();
  if (promtool) assert.equal(promtoolCheck(promtool, after), { code: 0, output: '' });
});

test('a worker killed with SIGKILL is replaced within 3 s, and the server keeps answering', async () => {
  // Once the standby worker is built (the primary logs it), a replacement only has to start listening.
  for (let waited = 0; !server.stderr().includes('"msg":"standby worker built"'); waited += 100) {
    assert.ok(waited < 60_000, 'the standby worker was not built in 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const before = (await stats()).workers;
  const victim = before[0]!;
  process.kill(victim.pid, 'SIGKILL');
  const killedAt = Date.now();
  let replaced = false;
  while (Date.now() - killedAt < 3000) {
    // Every request meanwhile is answered (the surviving worker takes the connections).
    assert.is((await fresh(`/v1/blob/${cid}`, { range: 'bytes=0-3' })).status, 206);
    const now = (await stats()).workers;
    if (now.length === 2 && !now.some((w) => w.pid === victim.pid)) {
      replaced = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(replaced, `no replacement within 3 s:\n${server.stderr().slice(-2000)}`);
  assert.match(server.stderr(), new RegExp(`"msg":"worker exited: starting a replacement","worker":${victim.worker},"pid":${victim.pid},"code":null,"signal":"SIGKILL"`));
});

test('SIGTERM drains every worker, even one replacing a killed worker at that moment, then the primary exits 0', async () => {
  // Both listed at once: a worker joins the relays before it listens (it used to join at 'ready', after gRPC had
  // started, and a stats asked of the other worker in between listed one).
  const serving = (await stats()).workers;
  assert.is(serving.length, 2, server.stderr().slice(-3000));
  // Killed once more, and SIGTERM as soon as the primary has started replacing it: the standby that takes over may be
  // waiting, starting to listen or listening unannounced, and the next standby is just forked. Each must stop.
  const victim = serving[1]!;
  process.kill(victim.pid, 'SIGKILL');
  const replacing = `"msg":"worker exited: starting a replacement","worker":${victim.worker},`;
  for (let waited = 0; !server.stderr().includes(replacing); waited += 20) {
    assert.ok(waited < 10_000, 'the primary did not notice the kill in 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  const exit = await server.stop('SIGTERM');
  assert.equal(exit, { code: 0, signal: null });
  const log = server.stderr();
  const lines = log.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { msg: string; worker?: number; pid?: number; code?: number | null; signal?: string | null });
  const killed = new Set(lines.filter((l) => l.msg === 'worker exited: starting a replacement').map((l) => l.worker));
  const listened = new Set(lines.filter((l) => l.msg === 'listening' && !killed.has(l.worker)).map((l) => l.worker));
  const stopped = new Set(lines.filter((l) => l.msg === 'stopped' && l.worker !== undefined).map((l) => l.worker));
  assert.ok(listened.size >= 1, log.slice(-3000));
  assert.equal([...stopped].sort(), [...listened].sort(), `every worker that listened drained and said so:\n${log.slice(-3000)}`);
  const exits = lines.filter((l) => l.msg === 'worker stopped');
  for (const w of listened) assert.equal(exits.find((l) => l.worker === w)?.code, 0, `worker ${w} exited 0`);
  for (const l of exits) {
    assert.ok(l.code === 0 || l.signal === 'SIGTERM', `worker ${l.worker} ended by SIGTERM at most (before it ran any code): ${JSON.stringify(l)}`);
    let alive = true;
    try {
      process.kill(l.pid!, 0);
    } catch {
      alive = false;
    }
    assert.not.ok(alive, `worker ${l.pid} is gone`);
  }
  for (const w of serving) assert.ok(exits.some((l) => l.pid === w.pid) || w.pid === victim.pid, `worker ${w.pid} was accounted for`);
});

test.run();
