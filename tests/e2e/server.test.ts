// The composed server: GraphQL and downloads on one port, /healthz, /metrics, the playground, secrets made at first
// start, graceful shutdown (in-process and as `ipfrs serve` under SIGTERM), and anonymous memory while serving 4 GiB.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { cidFromSha256 } from '../../src/store/cid.ts';
import { REPO, tempDir } from '../../src/devkit/paths.ts';

let dir: ReturnType<typeof tempDir>;
let server: RunningServer;

beforeAll(test, async () => {
  dir = tempDir('ipfrs-server-');
  server = await startServer({ storeRoot: join(dir.path, 'store'), port: 0, seedDemo: true, logger: silentLogger, inlineLimit: 1024 });
});

test.after(async () => {
  await server.close();
  dir.cleanup();
});

const CSRF = { 'x-graphql-yoga-csrf': '1' };

async function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...CSRF }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data: T; errors?: unknown[] };
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(name));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

test('first start: demo tensors, a link-signing key and an admin token, both 0600', async () => {
  assert.is(server.seeded, 2);
  assert.ok(server.adminToken.created);
  assert.match(server.adminToken.token, /^ipfrs_[A-Za-z0-9_-]{32}$/);
  const root = join(dir.path, 'store');
  for (const file of ['admin-token', 'signing-keys.json']) assert.is(statSync(join(root, file)).mode & 0o777, 0o600, file);
  assert.is(readFileSync(join(root, 'admin-token'), 'utf8').trim(), server.adminToken.token);
});

test('/healthz, the playground at /, and 404 elsewhere', async () => {
  const health = await fetch(`${server.url}/healthz`);
  assert.is(health.status, 200);
  assert.equal(await health.json(), { status: 'ok' });
  assert.is((await fetch(`${server.url}/healthz`, { method: 'POST' })).status, 405);
  const page = await fetch(`${server.url}/`);
  assert.is(page.status, 200);
  assert.match(page.headers.get('content-type')!, /text\/html/);
  assert.match(await page.text(), /<html/i);
  const missing = await fetch(`${server.url}/nothing-here`);
  assert.is(missing.status, 404);
  assert.is(((await missing.json()) as { error: string }).error, 'NOT_FOUND');
});

test('GraphQL on the same port: a slice above the inline limit is a link this server serves', async () => {
  const { tensors } = await graphql<{ tensors: { edges: Array<{ node: { cid: string; name: string } }> } }>(
    '{ tensors(first: 10, filter: { namePrefix: "embed" }) { edges { node { cid name } } } }',
  );
  const { cid, name } = tensors.edges[0]!.node;
  const slice = `query($cid: CID!, $name: String!, $limit: SafeInt) { tensor(cid: $cid, name: $name) { slice(spec: "::2, 1:9", inlineLimit: $limit) {
    __typename ... on InlineSlice { base64 } ... on DownloadLink { url byteLength contentType } } } }`;
  type Slice = { tensor: { slice: { __typename: string; base64?: string; url?: string; byteLength?: number } } };
  const inline = (await graphql<Slice>(slice, { cid, name, limit: 1 << 20 })).tensor.slice;
  const linked = (await graphql<Slice>(slice, { cid, name, limit: 0 })).tensor.slice;
  assert.is(inline.__typename, 'InlineSlice');
  assert.is(linked.__typename, 'DownloadLink');
  assert.ok(linked.url!.startsWith(`${server.url}/v1/tensor/${cid}/`), linked.url);
  const res = await fetch(linked.url!);
  assert.is(res.status, 200);
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.is(bytes.length, linked.byteLength);
  assert.ok(bytes.equals(Buffer.from(inline.base64!, 'base64')), 'the link serves what GraphQL inlines');
});

test('/metrics: Prometheus text with cache counters, bytes served and responses by status', async () => {
  const { tensorFiles } = await graphql<{ tensorFiles: { edges: Array<{ node: { cid: string; size: number; downloadLink: { url: string } } }> } }>(
    '{ tensorFiles(first: 5) { edges { node { cid size downloadLink { ... on DownloadLink { url } } } } } }',
  );
  const before = await (await fetch(`${server.url}/metrics`)).text();
  let sent = 0;
  for (const { node } of tensorFiles.edges) {
    const res = await fetch(node.downloadLink.url);
    sent += (await res.arrayBuffer()).byteLength;
    assert.is(sent > 0 && res.status, 200);
  }
  await (await fetch(`${server.url}/v1/blob/${tensorFiles.edges[0]!.node.cid}`)).arrayBuffer(); // unsigned: 403
  const res = await fetch(`${server.url}/metrics`);
  assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  const after = await res.text();
  for (const name of ['ipfrs_cache_hits_total', 'ipfrs_cache_misses_total', 'ipfrs_cache_evictions_total', 'ipfrs_cache_mapped_bytes', 'ipfrs_bytes_served_total']) {
    assert.match(after, new RegExp(`^# TYPE ${name} (counter|gauge)$`, 'm'), name);
  }
  assert.is(metric(after, 'ipfrs_bytes_served_total') - metric(before, 'ipfrs_bytes_served_total'), sent);
  const downloads200 = (text: string) => metric(text, 'ipfrs_http_responses_total{route="download",status="200"}');
  const downloads403 = (text: string) => metric(text, 'ipfrs_http_responses_total{route="download",status="403"}');
  assert.is(downloads200(after) - downloads200(before), tensorFiles.edges.length);
  assert.is(downloads403(after) - downloads403(before), 1);
  assert.ok(metric(after, 'ipfrs_http_responses_total{route="graphql",status="200"}') >= 2);
  assert.ok(metric(after, 'ipfrs_cache_hits_total') + metric(after, 'ipfrs_cache_misses_total') >= tensorFiles.edges.length);
  assert.ok(metric(after, 'ipfrs_cache_entries') >= 1);
});

/** Starts a GET and reads it slowly: returns the response as soon as headers arrive, and a promise of the body. */
function slowGet(url: string): Promise<{ res: IncomingMessage; body: Promise<Buffer> }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const chunks: Buffer[] = [];
      const body = new Promise<Buffer>((done, fail) => {
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          res.pause();
          setTimeout(() => res.resume(), 1);
        });
        res.on('end', () => done(Buffer.concat(chunks)));
        res.on('error', fail);
      });
      resolve({ res, body });
    }).on('error', reject);
  });
}

async function addLarge(root: string, size: number): Promise<{ path: string; bytes: Buffer }> {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) bytes.writeUInt32LE(i, i);
  const path = join(root, 'large.bin');
  mkdirSync(root, { recursive: true });
  const fd = openSync(path, 'w');
  writeSync(fd, bytes);
  closeSync(fd);
  return { path, bytes };
}

test('close(): refuses new connections, finishes the download in flight, then resolves', async () => {
  const root = join(dir.path, 'close-store');
  const other = await startServer({ storeRoot: root, port: 0, publicMode: true, logger: silentLogger });
  const { path, bytes } = await addLarge(join(dir.path, 'src'), 24 << 20);
  const { file } = await other.store.add(path, { dtype: 'U8', shape: [bytes.length] });
  const { res, body } = await slowGet(`${other.url}/v1/blob/${file.cid}`);
  assert.is(res.statusCode, 200);
  // An event stream (a cacheStats subscription) never ends by itself: close() must end it rather than wait.
  const events = await fetch(`${other.url}/graphql?query=${encodeURIComponent('subscription { cacheStats(intervalMs: 1000) { hits } }')}`, {
    headers: { accept: 'text/event-stream', ...CSRF },
  });
  assert.is(events.status, 200);
  const reader = events.body!.getReader();
  await reader.read();
  let closed = false;
  const closing = other.close().then(() => (closed = true));
  await new Promise((r) => setTimeout(r, 50));
  let refused = false;
  try {
    await fetch(`${other.url}/healthz`);
  } catch {
    refused = true;
  }
  assert.ok(refused, 'a new connection is refused during shutdown');
  assert.not.ok(closed, 'close() waits for the download');
  assert.ok((await body).equals(bytes), 'the download in flight finished intact');
  await closing;
  assert.ok(closed);
  let ended = false;
  try {
    for (;;) if ((await reader.read()).done) break;
    ended = true;
  } catch {
    ended = true; // cut: what a client of a stopped server sees
  }
  assert.ok(ended, 'the event stream was ended');
});

// ---- as a child process: `ipfrs serve` -------------------------------------------------------------------------

interface Child {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

async function serveChild(args: string[]): Promise<Child> {
  const child = spawn(process.execPath, [join(REPO, 'dist', 'cli.js'), 'serve', '--port', '0', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (let i = 0; i < 600; i++) {
    const match = / on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
    if (match) return { child, url: match[1]!, stdout: () => stdout, stderr: () => stderr, exit };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`ipfrs serve did not start: ${stderr}`);
}

test('ipfrs serve: the admin token is printed once, never logged; SIGTERM lets a download finish, exit 0', async () => {
  const root = join(dir.path, 'child-store');
  const { path, bytes } = await addLarge(join(dir.path, 'src2'), 32 << 20);
  const first = await serveChild(['--store', root, '--public']);
  const token = readFileSync(join(root, 'admin-token'), 'utf8').trim();
  assert.ok(first.stdout().includes(`admin token (shown once, kept in ${root}/admin-token): ${token}`));
  assert.not.ok(first.stderr().includes(token), 'the token is not in the logs');
  // A large file, added by `ipfrs add` while the server runs.
  const added = await new Promise<string>((resolve, reject) => {
    const add = spawn(process.execPath, [join(REPO, 'dist', 'cli.js'), 'add', path, '--dtype', 'U8', '--shape', String(bytes.length), '--store', root, '--json'], { cwd: REPO });
    let out = '';
    add.stdout.on('data', (d) => (out += d));
    add.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out).cid) : reject(new Error(`ipfrs add: ${code}`))));
  });
  const { res, body } = await slowGet(`${first.url}/v1/blob/${added}`);
  assert.is(res.statusCode, 200);
  first.child.kill('SIGTERM');
  assert.ok((await body).equals(bytes), 'the download finished intact after SIGTERM');
  assert.is(await first.exit, 0);
  assert.match(first.stderr(), /"msg":"shutting down: finishing in-flight requests"/);
  assert.not.ok(first.stderr().includes(token));

  // A second start on the same store keeps its secrets and prints no token.
  const second = await serveChild(['--store', root, '--no-demo']);
  assert.not.ok(second.stdout().includes('admin token'));
  assert.is(readFileSync(join(root, 'admin-token'), 'utf8').trim(), token);
  second.child.kill('SIGINT');
  assert.is(await second.exit, 0);
});

test('ipfrs serve: usage mistakes exit 2 with one line', async () => {
  const cases = [['--port', 'x'], ['--port', '70000'], ['--log-level', 'loud'], ['--public-url', 'ftp://x'], ['--bogus']];
  await Promise.all(
    cases.map(async (args) => {
      const child = spawn(process.execPath, [join(REPO, 'dist', 'cli.js'), 'serve', ...args, '--store', join(dir.path, 'usage')], { cwd: REPO });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise((resolve) => child.on('exit', resolve));
      assert.is(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, /^ipfrs: .+\n$/);
    }),
  );
});

/** RssAnon of a process, in bytes. */
function rssAnon(pid: number): number {
  const match = /^RssAnon:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) * 1024;
}

test('serving 4 GiB (a sparse file) grows RssAnon by less than 64 MiB', async () => {
  // A safetensors file holding one U8 tensor of 4 GiB, sparse on disk, put in objects/ under its real CID: the
  // server indexes it from its header at start (as after a lost index), so nothing copies 4 GiB to disk.
  const root = join(dir.path, 'sparse-store');
  const size = 4 * 1024 ** 3;
  const header = Buffer.from(JSON.stringify({ zeros: { dtype: 'U8', shape: [size], data_offsets: [0, size] } }).padEnd(96, ' '));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(header.length));
  const total = 8 + header.length + size;
  const hash = createHash('sha256').update(prefix).update(header);
  const zeros = Buffer.alloc(1 << 22);
  for (let left = size; left > 0; left -= zeros.length) hash.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
  const cid = cidFromSha256(hash.digest());
  mkdirSync(join(root, 'objects'), { recursive: true });
  const object = join(root, 'objects', cid);
  const fd = openSync(object, 'w');
  writeSync(fd, prefix);
  writeSync(fd, header);
  ftruncateSync(fd, total);
  closeSync(fd);
  chmodSync(object, 0o444);

  const served = await serveChild(['--store', root, '--public', '--no-demo']);
  try {
    const pid = served.child.pid!;
    // Warm up: one request of each kind, so lazily loaded code and buffers are in the baseline.
    await (await fetch(`${served.url}/v1/blob/${cid}`, { headers: { Range: 'bytes=0-1048575' } })).arrayBuffer();
    await (await fetch(`${served.url}/healthz`)).text();
    const baseline = rssAnon(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssAnon(pid))), 20);
    // curl as the client (this process would be the bottleneck), reading the whole 4 GiB.
    const { stdout } = await promisify(execFile)('curl', ['-sS', '--fail', '-o', '/dev/null', '-w', '%{size_download}', `${served.url}/v1/blob/${cid}`]);
    const received = Number(stdout);
    clearInterval(sampler);
    peak = Math.max(peak, rssAnon(pid));
    assert.is(received, total);
    const grown = peak - baseline;
    assert.ok(grown < 64 * 1024 * 1024, `RssAnon grew by ${(grown / 1048576).toFixed(1)} MiB`);
  } finally {
    served.child.kill('SIGTERM');
    await served.exit;
  }
});

test.run();
