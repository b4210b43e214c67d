// The /ipfs/<cid> gateway of a running server: CARs that @ipld/car reads and ipfs-unixfs-exporter turns back into
// the file, blocks that hash to their CIDs, entity-bytes, raw blocks, the file with Range, and the refusals.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CarReader } from '@ipld/car/reader';
import { exporter } from 'ipfs-unixfs-exporter';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { equals } from 'multiformats/bytes';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { tempDir } from '../../src/devkit/paths.ts';
import { rawRequest } from '../helpers/raw-http.ts';

const MiB = 1 << 20;
const dir = tempDir();
let server: RunningServer;
let closed: RunningServer;
const big = randomBytes(3 * MiB + 5);
const small = randomBytes(1000);
const zeros = Buffer.alloc(4 * MiB);
const roots: Record<'big' | 'small' | 'zeros', string> = { big: '', small: '', zeros: '' };
let bigCid = '';

test.before(async () => {
  server = await startServer({ storeRoot: join(dir.path, 'open'), port: 0, seedDemo: false, logger: silentLogger, ipfsGateway: true });
  for (const [name, bytes] of [['big', big], ['small', small], ['zeros', zeros]] as const) {
    const { file } = await server.store.add((async function* () { yield bytes; })(), { dtype: 'U8', shape: [bytes.byteLength], name });
    roots[name] = server.store.ipfsCidOf(file.cid)!;
    if (name === 'big') bigCid = file.cid;
  }
  closed = await startServer({ storeRoot: join(dir.path, 'closed'), port: 0, seedDemo: false, logger: silentLogger });
  await closed.store.add((async function* () { yield small; })(), { dtype: 'U8', shape: [small.byteLength] });
});

test.after(async () => {
  await server.close();
  await closed.close();
  dir.cleanup();
});

async function get(path: string, init: RequestInit = {}, on = server): Promise<{ res: Response; body: Buffer }> {
  const res = await fetch(`${on.url}${path}`, init);
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

async function carBlocks(body: Uint8Array): Promise<{ roots: string[]; blocks: { cid: CID; bytes: Uint8Array }[] }> {
  const reader = await CarReader.fromBytes(body);
  const blocks = [];
  for await (const block of reader.blocks()) blocks.push(block);
  return { roots: (await reader.getRoots()).map(String), blocks };
}

async function verifyAll(blocks: { cid: CID; bytes: Uint8Array }[]): Promise<void> {
  for (const block of blocks) {
    const digest = await sha256.digest(block.bytes);
    assert.ok(equals(digest.bytes, block.cid.multihash.bytes), `block ${block.cid} hashes to its CID`);
  }
}

async function exported(root: string, blocks: { cid: CID; bytes: Uint8Array }[]): Promise<Buffer> {
  const map = new Map(blocks.map((b) => [b.cid.toString(), b.bytes]));
  const blockstore = {
    get: async function* (cid: CID) {
      const bytes = map.get(cid.toString());
      if (!bytes) throw new Error(`missing block ${cid}`);
      yield bytes;
    },
  };
  const entry = await exporter(CID.parse(root), blockstore as never);
  if (entry.type !== 'file' && entry.type !== 'raw') throw new Error(`not a file: ${entry.type}`);
  const parts: Uint8Array[] = [];
  for await (const part of entry.content()) parts.push(part);
  return Buffer.concat(parts);
}

test('CAR (?format=car and Accept): roots, dfs order, every block verified, exported back into the file', async () => {
  for (const init of [{}, { headers: { Accept: 'application/vnd.ipld.car' } }] as const) {
    const path = 'headers' in init ? `/ipfs/${roots.big}` : `/ipfs/${roots.big}?format=car`;
    const { res, body } = await get(path, init);
    assert.is(res.status, 200);
    assert.is(res.headers.get('content-type'), 'application/vnd.ipld.car; version=1; order=dfs; dups=n');
    assert.is(res.headers.get('x-ipfs-roots'), roots.big);
    assert.match(res.headers.get('cache-control')!, /immutable/);
    assert.is(res.headers.get('content-length'), String(body.byteLength));
    const head = await fetch(`${server.url}${path}`, { ...init, method: 'HEAD' });
    assert.is(head.headers.get('content-length'), String(body.byteLength));
    const car = await carBlocks(body);
    assert.equal(car.roots, [roots.big]);
    assert.is(car.blocks.length, 5); // the root and 4 leaves
    assert.is(car.blocks[0]!.cid.toString(), roots.big);
    await verifyAll(car.blocks);
    assert.ok((await exported(roots.big, car.blocks)).equals(big));
  }
});

test('CAR: a file of one block; a file of equal leaves sends each block once', async () => {
  const one = await carBlocks((await get(`/ipfs/${roots.small}?format=car`)).body);
  assert.equal(one.blocks.map((b) => b.cid.toString()), [roots.small]);
  assert.ok((await exported(roots.small, one.blocks)).equals(small));
  const same = await carBlocks((await get(`/ipfs/${roots.zeros}?format=car`)).body);
  assert.is(same.blocks.length, 2);
  await verifyAll(same.blocks);
  assert.ok((await exported(roots.zeros, same.blocks)).equals(zeros));
});

test('CAR: entity-bytes sends only the blocks a range needs; dag-scope=block only the root', async () => {
  const leavesOf = async (query: string) => (await carBlocks((await get(`/ipfs/${roots.big}?format=car&${query}`)).body)).blocks;
  const second = await leavesOf(`dag-scope=entity&entity-bytes=${MiB}:${MiB + 4}`);
  assert.is(second.length, 2);
  assert.ok(Buffer.from(second[1]!.bytes).equals(big.subarray(MiB, 2 * MiB)));
  const across = await leavesOf(`dag-scope=entity&entity-bytes=${MiB - 1}:${MiB}`);
  assert.is(across.length, 3);
  const tail = await leavesOf('dag-scope=entity&entity-bytes=-5:*');
  assert.is(tail.length, 2);
  assert.ok(Buffer.from(tail[1]!.bytes).equals(big.subarray(3 * MiB)));
  const all = await leavesOf('dag-scope=entity&entity-bytes=0:*');
  assert.is(all.length, 5);
  const ranged = await get(`/ipfs/${roots.big}?format=car&dag-scope=entity&entity-bytes=${MiB - 1}:${MiB}`);
  assert.is(ranged.res.headers.get('content-length'), String(ranged.body.byteLength));
  const block = await leavesOf('dag-scope=block');
  assert.equal(block.map((b) => b.cid.toString()), [roots.big]);
  await verifyAll([...second, ...across, ...tail, ...block]);
  assert.is((await get(`/ipfs/${roots.big}?format=car&entity-bytes=9:3`)).res.status, 400);
  assert.is((await get(`/ipfs/${roots.big}?format=car&dag-scope=most`)).res.status, 400);
});

test('raw blocks: the root node, a leaf straight from the object, the object CID of a small file; HEAD', async () => {
  const root = await get(`/ipfs/${roots.big}`, { headers: { Accept: 'application/vnd.ipld.raw' } });
  assert.is(root.res.status, 200);
  assert.is(root.res.headers.get('content-type'), 'application/vnd.ipld.raw');
  await verifyAll([{ cid: CID.parse(roots.big), bytes: root.body }]);
  const car = await carBlocks((await get(`/ipfs/${roots.big}?format=car`)).body);
  const leaf = car.blocks[2]!.cid.toString();
  const raw = await get(`/ipfs/${leaf}?format=raw`);
  assert.ok(raw.body.equals(big.subarray(MiB, 2 * MiB)));
  assert.is(raw.res.headers.get('etag'), `"${leaf}.raw"`);
  const smallRaw = await get(`/ipfs/${roots.small}?format=raw`);
  assert.ok(smallRaw.body.equals(small));
  const head = await get(`/ipfs/${leaf}?format=raw`, { method: 'HEAD' });
  assert.is(head.res.status, 200);
  assert.is(head.res.headers.get('content-length'), String(MiB));
  assert.is(head.body.byteLength, 0);
  assert.is((await get(`/ipfs/${leaf}?format=raw`, { headers: { 'If-None-Match': `"${leaf}.raw"` } })).res.status, 304);
});

test('the file, as a path gateway answers it: bytes, Range, ETag, immutable, X-Ipfs-Path; either CID, CIDv0 too', async () => {
  const whole = await get(`/ipfs/${roots.big}`);
  assert.is(whole.res.status, 200);
  assert.ok(whole.body.equals(big));
  assert.is(whole.res.headers.get('etag'), `"${roots.big}"`);
  assert.match(whole.res.headers.get('cache-control')!, /public, max-age=\d+, immutable/);
  assert.is(whole.res.headers.get('x-ipfs-path'), `/ipfs/${roots.big}`);
  assert.is(whole.res.headers.get('x-ipfs-roots'), roots.big);
  const part = await get(`/ipfs/${roots.big}`, { headers: { Range: 'bytes=1048570-1048585' } });
  assert.is(part.res.status, 206);
  assert.ok(part.body.equals(big.subarray(1048570, 1048586)));
  assert.is((await get(`/ipfs/${roots.big}`, { headers: { Range: `bytes=${big.byteLength}-` } })).res.status, 416);
  assert.ok((await get(`/ipfs/${bigCid}`)).body.equals(big));
  const v0 = CID.parse(roots.big).toV0().toString();
  const byV0 = await get(`/ipfs/${v0}`);
  assert.ok(byV0.body.equals(big));
  assert.is(byV0.res.headers.get('x-ipfs-roots'), roots.big);
  const head = await get(`/ipfs/${roots.big}`, { method: 'HEAD' });
  assert.is(head.res.headers.get('content-length'), String(big.byteLength));
  assert.is(head.body.byteLength, 0);
  assert.is((await get(`/ipfs/${roots.big}`, { headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } })).body.byteLength, big.byteLength);
  // The download route takes the UnixFS root too.
  assert.ok((await get(`/v1/blob/${roots.big}`, {}, server)).res.status === 403); // signed links only, as ever
});

test('refusals: 400 bad CID or format, 404 missing or a path inside a file, 406 Accept, 405 method; HEAD too', async () => {
  const missing = CID.createV1(0x70, await sha256.digest(Buffer.from('nothing'))).toString();
  const cases: [string, RequestInit, number][] = [
    ['/ipfs/not-a-cid', {}, 400],
    ['/ipfs/', {}, 400],
    [`/ipfs/${roots.big}?format=json`, {}, 400],
    [`/ipfs/${missing}`, {}, 404],
    [`/ipfs/${missing}?format=car`, {}, 404],
    [`/ipfs/${missing}`, { method: 'HEAD' }, 404],
    [`/ipfs/${roots.big}/inside`, {}, 404],
    [`/ipfs/${roots.big}`, { headers: { Accept: 'application/vnd.ipld.dag-json' } }, 406],
    [`/ipfs/${roots.big}`, { headers: { Accept: 'application/vnd.ipld.car; version=2' } }, 406],
    [`/ipfs/${roots.big}`, { method: 'HEAD', headers: { Accept: 'application/vnd.ipld.dag-cbor' } }, 406],
    [`/ipfs/${roots.big}`, { method: 'DELETE' }, 405],
  ];
  for (const [path, init, status] of cases) {
    const { res, body } = await get(path, init);
    assert.is(res.status, status, `${init.method ?? 'GET'} ${path}`);
    if (init.method !== 'HEAD') assert.match(body.toString(), /"message"/);
  }
});

test('without --ipfs-gateway: a bearer token of the server is needed', async () => {
  const root = closed.store.ipfsCidOf(closed.store.listFiles({ first: 1 }).items[0]!.cid)!;
  assert.is((await get(`/ipfs/${root}`, {}, closed)).res.status, 401);
  assert.is((await get(`/ipfs/${root}`, { headers: { Authorization: 'Bearer wrong' } }, closed)).res.status, 401);
  const ok = await get(`/ipfs/${root}`, { headers: { Authorization: `Bearer ${closed.adminToken.token}` } }, closed);
  assert.is(ok.res.status, 200);
  assert.ok(ok.body.equals(small));
});

test('the access model: --rate-limit refuses a burst with 429 and Retry-After; --private needs a read token', async () => {
  const limited = await startServer({ storeRoot: join(dir.path, 'limited'), port: 0, seedDemo: false, logger: silentLogger, ipfsGateway: true, rateLimit: 2 });
  const priv = await startServer({ storeRoot: join(dir.path, 'private'), port: 0, seedDemo: false, logger: silentLogger, privateMode: true });
  try {
    const { file } = await limited.store.add((async function* () { yield small; })(), { dtype: 'U8', shape: [small.byteLength] });
    const answers = await Promise.all(Array.from({ length: 12 }, () => get(`/ipfs/${file.cid}?format=raw`, {}, limited)));
    const refused = answers.filter((a) => a.res.status === 429);
    assert.is(answers.length - refused.length, 4, 'a burst of 2N = 4 is served');
    for (const { res, body } of refused) {
      assert.ok(Number(res.headers.get('retry-after')) >= 1);
      assert.is(JSON.parse(body.toString()).error, 'RATE_LIMITED');
    }
    await priv.store.add((async function* () { yield small; })(), { dtype: 'U8', shape: [small.byteLength] });
    const cid = priv.store.ipfsCidOf(file.cid)!;
    const anonymous = await get(`/ipfs/${cid}?format=raw`, {}, priv);
    assert.is(anonymous.res.status, 401);
    const { secret } = priv.tokens.create({ scope: 'read', name: 'gateway-reader' });
    const ok = await get(`/ipfs/${cid}?format=raw`, { headers: { authorization: `Bearer ${secret}` } }, priv);
    assert.is(ok.res.status, 200);
    assert.ok(ok.body.equals(small));
  } finally {
    await limited.close();
    await priv.close();
  }
});

test('the download lane and node:http answer /ipfs alike: status, headers and bytes, refusals too', async () => {
  // The same store behind a server that leaves every request to node:http.
  const plain = await startServer({ storeRoot: join(dir.path, 'open'), port: 0, seedDemo: false, logger: silentLogger, ipfsGateway: true, downloadLane: false });
  try {
    const missing = CID.createV1(0x70, await sha256.digest(Buffer.from('nothing'))).toString();
    const requests: [string, string, string[]][] = [
      ['GET', `/ipfs/${roots.big}?format=car`, []],
      ['HEAD', `/ipfs/${roots.big}?format=car`, []],
      ['GET', `/ipfs/${roots.big}`, ['Accept: application/vnd.ipld.car']],
      ['GET', `/ipfs/${roots.big}?format=car&dag-scope=entity&entity-bytes=${MiB - 1}:${MiB}`, []],
      ['GET', `/ipfs/${roots.big}?format=car`, [`If-None-Match: "${roots.big}.car.dfs.n.all"`]],
      ['GET', `/ipfs/${roots.big}`, ['Accept: application/vnd.ipld.raw']],
      ['GET', `/ipfs/${bigCid}?format=raw`, []],
      ['GET', `/ipfs/${roots.big}`, []],
      ['GET', `/ipfs/${roots.big}`, ['Range: bytes=5-9,100-']],
      ['GET', `/ipfs/${roots.big}`, ['Range: bytes=99999999-']],
      ['HEAD', `/ipfs/${roots.zeros}`, []],
      ['OPTIONS', `/ipfs/${roots.big}`, []],
      ['GET', `/ipfs/${roots.big}`, ['Accept: application/vnd.ipld.dag-json']],
      ['GET', `/ipfs/${roots.big}`, ['Accept: application/vnd.ipld.dag-json', 'Accept: application/vnd.ipld.car;q=0.5']],
      ['GET', `/ipfs/${missing}`, []],
      ['GET', `/ipfs/${roots.big}/inside`, []],
      ['GET', '/ipfs/not-a-cid', []],
      ['GET', '/ipfs', []],
      ['GET', `/ipfs/${roots.big}?format=car&format=raw`, []],
    ];
    const port = (url: string) => Number(new URL(url).port);
    for (const [method, path, lines] of requests) {
      const text = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
      const [lane, node] = await Promise.all([rawRequest(port(server.url), text), rawRequest(port(plain.url), text)]);
      const what = `${method} ${path} ${lines.join('; ')}`;
      assert.is(lane.status, node.status, what);
      for (const answer of [lane, node]) {
        delete answer.headers.date;
        delete answer.headers['keep-alive'];
        // A multipart answer's boundary is random: the same text stands for it on both.
        const boundary = /boundary=(\w+)/.exec(answer.headers['content-type'] ?? '')?.[1];
        if (boundary) {
          answer.headers['content-type'] = answer.headers['content-type']!.replace(boundary, 'B');
          answer.body = Buffer.from(answer.body.toString('latin1').replaceAll(boundary, 'B'), 'latin1');
        }
      }
      assert.equal(lane.headers, node.headers, what);
      assert.ok(lane.body.equals(node.body), `${what}: the same bytes`);
    }
    // And the lane did answer them (its own request-duration series).
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const count = Number(/^ipfrs_request_duration_seconds_count\{interface="lane",route="ipfs"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
    assert.ok(count >= requests.length, `the lane answered ${count} /ipfs requests`);
  } finally {
    await plain.close();
  }
});

test.run();
