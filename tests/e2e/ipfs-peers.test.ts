// Three ipfrs nodes on loopback fetching a file from each other through the trustless gateway protocol: B from A;
// C from A and B while A is killed midway (C completes from B); C killed mid-fetch leaves nothing partial; a peer
// that flips a byte is refused and nothing it sent is stored.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, connect, type Server as TcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { REPO, tempDir } from '../../src/devkit/paths.ts';
import { spawnServer, type ServerChild } from '../../src/devkit/serve-child.ts';

const MiB = 1 << 20;
const dir = tempDir();
const bytes = randomBytes(24 * MiB + 12_345);
let cid = '';
let root = '';
let a: ServerChild;
let b: ServerChild;
const closers: (() => Promise<unknown> | void)[] = [];

test.before(async () => {
  const source = join(dir.path, 'weights.bin');
  writeFileSync(source, bytes);
  const store = TensorStore.open(join(dir.path, 'a'));
  const { file } = await store.add(source, { dtype: 'U8', shape: [bytes.byteLength] });
  cid = file.cid;
  root = store.ipfsCidOf(cid)!;
  store.close();
  a = await spawnServer(join(dir.path, 'a'), ['--ipfs-gateway']);
  b = await spawnServer(join(dir.path, 'b'), ['--ipfs-gateway', '--peer', a.url]);
});

test.after(async () => {
  for (const close of closers.reverse()) await close();
  for (const node of [a, b]) if (node?.alive()) await node.stop();
  dir.cleanup();
});

/** `ipfrs add ipfs://<root> --from ...` as a child process. */
function addFrom(store: string, peers: string[]): { done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>; kill(signal: NodeJS.Signals): void } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli.ts'), 'add', `ipfs://${root}`, '--store', store, ...peers.flatMap((p) => ['--from', p])], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { done, kill: (signal) => child.kill(signal) };
}

/** A TCP proxy to `target` that forwards `limit` bytes of answers, then holds the rest (a peer stalling or about to die). */
async function stallingProxy(target: string, limit: number): Promise<{ url: string; reached: Promise<void>; cut(): void; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let sent = 0;
  let reach!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const server: TcpServer = createTcpServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      const room = limit - sent;
      if (room <= 0) return upstream.pause();
      const part = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
      sent += part.byteLength;
      client.write(part);
      if (sent >= limit) {
        upstream.pause();
        reach();
      }
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('close', end).on('error', end);
    client.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const cut = () => {
    for (const socket of sockets) socket.destroy();
  };
  return { url, reached, cut, close: () => new Promise<void>((resolve) => { cut(); server.close(() => resolve()); }) };
}

/** A gateway that answers A's CAR with one byte flipped in the middle (inside a leaf). */
async function lyingPeer(target: string): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server: Server = createServer(async (req, res) => {
    state.requests++;
    const upstream = await fetch(`${target}${req.url}`, { headers: { Accept: String(req.headers.accept ?? '') } });
    const body = Buffer.from(await upstream.arrayBuffer());
    if (body.byteLength > 4 * MiB) body[Math.floor(body.byteLength / 2)]! ^= 0x01;
    res.writeHead(upstream.status, { 'Content-Type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A step that must happen: a clear failure after `ms` rather than a test that hangs. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function stored(store: string): { objects: string[]; temp: string[] } {
  return { objects: readdirSync(join(store, 'objects')), temp: readdirSync(join(store, 'tmp')) };
}

test('B fetches the file from A: a gateway request for a CID B lacks fetches through, verified, and stores it', async () => {
  const res = await fetch(`${b.url}/ipfs/${root}`);
  assert.is(res.status, 200);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes));
  assert.equal(stored(join(dir.path, 'b')).objects, [cid]);
  const metrics = await (await fetch(`${b.url}/metrics`)).text();
  assert.match(metrics, /ipfrs_ipfs_fetches_total\{outcome="completed"\} 1/);
  assert.match(metrics, new RegExp(`ipfrs_ipfs_fetched_bytes_total ${bytes.byteLength}`));
  // Now B serves it itself: a CAR from B exports to the same root.
  const car = await fetch(`${b.url}/ipfs/${root}?format=car`);
  assert.is(car.status, 200);
});

test('C fetches from A and B; A is killed midway; C completes from B', async () => {
  const proxy = await stallingProxy(a.url, 8 * MiB);
  closers.push(() => proxy.close());
  const store = join(dir.path, 'c1');
  const run = addFrom(store, [proxy.url, b.url]);
  await within(proxy.reached, 120_000, 'C fetching 8 MiB from A');
  await a.stop('SIGKILL');
  proxy.cut();
  const result = await within(run.done, 180_000, 'C completing from B');
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`${cid}  ${root}`));
  assert.match(result.stderr, new RegExp(`from ${b.url.replace(/[.]/g, '\\.')}`));
  const check = TensorStore.open(store);
  try {
    assert.is(check.ipfsCidOf(cid), root);
  } finally {
    check.close();
  }
  assert.ok(readFileSync(join(store, 'objects', cid)).equals(bytes));
  a = await spawnServer(join(dir.path, 'a'), ['--ipfs-gateway']);
});

test('C killed mid-fetch (SIGKILL) and restarted: no partial object; the fetch then completes', async () => {
  const proxy = await stallingProxy(b.url, 6 * MiB);
  closers.push(() => proxy.close());
  const store = join(dir.path, 'c2');
  const run = addFrom(store, [proxy.url]);
  await within(proxy.reached, 120_000, 'C fetching 6 MiB from B');
  await new Promise((resolve) => setTimeout(resolve, 300));
  run.kill('SIGKILL');
  assert.is((await run.done).signal, 'SIGKILL');
  assert.equal(stored(store).objects, []);
  const c = await spawnServer(store, ['--peer', b.url]);
  try {
    assert.equal(stored(store), { objects: [], temp: [] });
  } finally {
    await c.stop();
  }
  const again = await addFrom(store, [b.url]).done;
  assert.is(again.code, 0, again.stderr);
  assert.ok(readFileSync(join(store, 'objects', cid)).equals(bytes));
});

test('a peer that flips a byte is refused: alone, UNAVAILABLE and nothing stored; before B, B completes the file', async () => {
  const liar = await lyingPeer(a.url);
  closers.push(() => liar.close());
  const store = join(dir.path, 'c3');
  const alone = await addFrom(store, [liar.url]).done;
  assert.is.not(alone.code, 0);
  assert.match(alone.stderr, /UNAVAILABLE|no peer gave/);
  assert.match(alone.stderr, /does not hash to its CID|stream broke|not a CAR|needs/);
  assert.equal(stored(store), { objects: [], temp: [] });
  const withB = await addFrom(store, [liar.url, b.url]).done;
  assert.is(withB.code, 0, withB.stderr);
  assert.ok(liar.requests >= 2);
  assert.ok(readFileSync(join(store, 'objects', cid)).equals(bytes));
});

test('GraphQL addFromPeers(cid): write scope; fetched and stored; UNAVAILABLE without peers', async () => {
  const store = join(dir.path, 'd');
  const d = await spawnServer(store, ['--peer', b.url]);
  const lonely = await spawnServer(join(dir.path, 'e'));
  try {
    const ask = (node: ServerChild, token: string | null) =>
      fetch(`${node.url}/graphql`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({
          query: 'mutation($cid: CID!) { addFromPeers(cid: $cid) { __typename ... on TensorFile { cid ipfsCid size } ... on Error { code message } } }',
          variables: { cid: root },
        }),
      }).then((r) => r.json() as Promise<{ data: { addFromPeers: Record<string, unknown> } }>);
    assert.is((await ask(d, null)).data.addFromPeers.__typename, 'ForbiddenError');
    assert.equal((await ask(d, d.adminToken)).data.addFromPeers, { __typename: 'TensorFile', cid, ipfsCid: root, size: bytes.byteLength });
    assert.ok(readFileSync(join(store, 'objects', cid)).equals(bytes));
    const none = (await ask(lonely, lonely.adminToken)).data.addFromPeers;
    assert.is(none.__typename, 'UnavailableError');
    assert.is(none.code, 'UNAVAILABLE');
  } finally {
    await d.stop();
    await lonely.stop();
  }
});

test.run();
