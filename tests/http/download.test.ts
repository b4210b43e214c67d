// The download route over a real store and the real mmap cache: what it serves, its headers, signed links,
// refusals, conditional requests, tensors and slices as resources of their own, and downloads that survive the
// cache being cleared and evicted under them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { downloadPath } from '../../src/http/paths.ts';
import { newKeyRing, rotateKeyRing, signPath, withoutKey, type KeyRing } from '../../src/http/sign.ts';
import { BLOB_SIZE, f32, makeFixture, once, parseMultipart, startRoute, type Fixture, type RouteServer } from '../helpers/download-server.ts';
import { rawGet } from '../helpers/raw-http.ts';

let fx: Fixture;
let route: RouteServer;
let open: RouteServer; // --public
let rotated: KeyRing;
let ring: KeyRing; // what the signed route holds now
let BLOB: string;
let MODEL: string;

beforeAll(test, async () => {
  fx = await makeFixture();
  // Two keys: links signed with the older one keep working after a rotation.
  rotated = rotateKeyRing(newKeyRing());
  ring = rotated;
  route = await startRoute(fx, { ring: () => ring });
  open = await startRoute(fx, { publicMode: true });
  BLOB = downloadPath({ kind: 'blob', cid: fx.blob.record.cid });
  MODEL = fx.model.record.cid;
});

test.after(async () => {
  await route.close();
  await open.close();
  fx.close();
});

const tensorPath = (name: string) => downloadPath({ kind: 'tensor', cid: MODEL, name });
const fetchAt = (server: RouteServer, pathAndQuery: string, init?: RequestInit) => fetch(`${server.url}${pathAndQuery}`, init);
const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());
const json = async (res: Response) => JSON.parse((await bytesOf(res)).toString()) as { error: string; reason?: string; message: string; status: number };

/** w[r][c] = r * 64 + c, as F32 bytes, for the rows and columns given. */
function wBytes(rows: number[], cols: number[]): Buffer {
  const values: number[] = [];
  for (const r of rows) for (const c of cols) values.push(r * 64 + c);
  return f32(values);
}
const steps = (from: number, to: number, step = 1) => {
  const out: number[] = [];
  for (let i = from; step > 0 ? i < to : i > to; i += step) out.push(i);
  return out;
};

test('a signed blob link: the bytes, zero-copy from the mapping, with the contract headers', async () => {
  const res = await fetchAt(route, route.sign(BLOB));
  assert.is(res.status, 200);
  assert.ok((await bytesOf(res)).equals(fx.blob.bytes));
  const h = res.headers;
  assert.is(h.get('content-length'), String(BLOB_SIZE));
  assert.is(h.get('content-type'), 'application/octet-stream');
  assert.is(h.get('etag'), `"${fx.blob.record.cid}"`);
  assert.is(h.get('accept-ranges'), 'bytes');
  const maxAge = Number(/^public, max-age=(\d+), immutable$/.exec(h.get('cache-control')!)?.[1]);
  assert.ok(maxAge > 850 && maxAge <= 900, `max-age ${maxAge}: the seconds left on the 15 minute link`);
  assert.is(h.get('access-control-allow-origin'), '*');
  assert.match(h.get('access-control-expose-headers')!, /X-Tensor-Shape/);
  assert.is(h.get('content-disposition'), `attachment; filename="${fx.blob.record.cid}.bin"`);
  assert.is(h.get('x-tensor-dtype'), null, 'a blob is bytes, not a tensor');
});

test('Cache-Control follows the life of the link; 416 and errors are not cached', async () => {
  const link = route.sign(BLOB, {}, 3600);
  route.clock.now = Date.now() / 1000 + 600;
  try {
    const maxAge = Number(/^public, max-age=(\d+), immutable$/.exec((await fetchAt(route, link)).headers.get('cache-control')!)?.[1]);
    assert.ok(maxAge > 2950 && maxAge <= 3000, `max-age ${maxAge}: an hour's link, 10 minutes later`);
    const res416 = await fetchAt(route, link, { headers: { Range: `bytes=${BLOB_SIZE}-` } });
    assert.is(res416.status, 416);
    assert.is(res416.headers.get('cache-control'), 'no-store');
    assert.is(res416.headers.get('content-range'), `bytes */${BLOB_SIZE}`);
  } finally {
    route.clock.now = null;
  }
  assert.is((await fetchAt(route, BLOB)).headers.get('cache-control'), 'no-store');
  assert.is((await fetchAt(open, BLOB)).headers.get('cache-control'), 'public, max-age=31536000, immutable');
});

test('HEAD: a GET link works for it, same headers, no body; with Range too', async () => {
  const link = route.sign(BLOB);
  const [get200, head200] = await Promise.all([fetchAt(route, link), fetchAt(route, link, { method: 'HEAD' })]);
  assert.is(head200.status, 200);
  for (const name of ['content-length', 'content-type', 'etag', 'accept-ranges', 'content-disposition']) {
    assert.is(head200.headers.get(name), get200.headers.get(name), name);
  }
  assert.is((await bytesOf(head200)).length, 0);
  const raw = await rawGet(route.port, link, ['Range: bytes=10-19'], 'HEAD');
  assert.is(raw.status, 206);
  assert.is(raw.headers['content-range'], `bytes 10-19/${BLOB_SIZE}`);
  assert.is(raw.headers['content-length'], '10');
  assert.is(raw.body.length, 0);
});

test('OPTIONS is a CORS preflight; other methods are 405', async () => {
  const pre = await fetchAt(route, BLOB, { method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' } });
  assert.is(pre.status, 204);
  assert.is(pre.headers.get('access-control-allow-origin'), '*');
  assert.match(pre.headers.get('access-control-allow-headers')!, /Range/);
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const res = await fetchAt(route, route.sign(BLOB), { method });
    assert.is(res.status, 405, method);
    assert.is(res.headers.get('allow'), 'GET, HEAD, OPTIONS');
    assert.is((await json(res)).error, 'METHOD_NOT_ALLOWED');
  }
});

test('tensors: the stored bytes with dtype and shape headers; names with slashes, spaces and accents', async () => {
  const cases: Array<[string, Buffer, string, string]> = [
    ['w', Buffer.from(fx.model.w.buffer), 'F32', '[64,64]'],
    ['v', f32([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 'F32', '[10]'],
    ['s', f32([1.5]), 'F32', '[]'],
    ['e', Buffer.alloc(0), 'F32', '[0,4]'],
    ['enc/layer 0/k.é', Buffer.from([7, 8, 9]), 'U8', '[3]'],
  ];
  for (const [name, bytes, dtype, shape] of cases) {
    const res = await fetchAt(route, route.sign(tensorPath(name)));
    assert.is(res.status, 200, name);
    assert.ok((await bytesOf(res)).equals(bytes), name);
    assert.is(res.headers.get('x-tensor-dtype'), dtype, name);
    assert.is(res.headers.get('x-tensor-shape'), shape, name);
    assert.is(res.headers.get('content-length'), String(bytes.length), name);
  }
  // A single-tensor file's tensor is named after the file.
  const single = await fetchAt(route, route.sign(downloadPath({ kind: 'tensor', cid: fx.blob.record.cid, name: 'pattern' })));
  assert.ok((await bytesOf(single)).equals(fx.blob.bytes));
});

test('slices: numpy basic indexing, contiguous ones as views, strided ones gathered', async () => {
  const cases: Array<[string, Buffer, string]> = [
    ['2:4', wBytes([2, 3], steps(0, 64)), '[2,64]'],
    ['5', wBytes([5], steps(0, 64)), '[64]'],
    ['::2, 1:5', wBytes(steps(0, 64, 2), steps(1, 5)), '[32,4]'],
    ['..., -1', wBytes(steps(0, 64), [63]), '[64]'],
    ['::-1, 0', wBytes(steps(63, -1, -1), [0]), '[64]'],
    ['3, 7', wBytes([3], [7]), '[]'],
    ['0:0', Buffer.alloc(0), '[0,64]'],
  ];
  for (const [spec, bytes, shape] of cases) {
    const res = await fetchAt(route, route.sign(tensorPath('w'), { slice: spec }));
    assert.is(res.status, 200, spec);
    assert.ok((await bytesOf(res)).equals(bytes), spec);
    assert.is(res.headers.get('x-tensor-shape'), shape, spec);
    assert.is(res.headers.get('content-length'), String(bytes.length), spec);
  }
});

test('format=npy: a .npy header before the data; HEAD of a strided slice does not gather it', async () => {
  const res = await fetchAt(route, route.sign(tensorPath('w'), { slice: '::2, 1:5', format: 'npy' }));
  const body = await bytesOf(res);
  assert.is(res.headers.get('content-type'), 'application/x-npy');
  assert.is(body.subarray(0, 6).toString('latin1'), '\x93NUMPY');
  const headerLength = 10 + body.readUInt16LE(8);
  assert.match(body.subarray(10, headerLength).toString('latin1'), /'descr': '<f4', 'fortran_order': False, 'shape': \(32, 4\)/);
  assert.ok(body.subarray(headerLength).equals(wBytes(steps(0, 64, 2), steps(1, 5))));
  const head = await fetchAt(route, route.sign(tensorPath('w'), { slice: '::2, 1:5', format: 'npy' }), { method: 'HEAD' });
  assert.is(head.headers.get('content-length'), String(body.length), 'HEAD knows the length from the plan');
});

test('a tensor or slice link is its own resource: Range, ETag and lengths count within it', async () => {
  const link = route.sign(tensorPath('w'), { slice: '::2, 1:5', format: 'npy' });
  const full = await bytesOf(await fetchAt(route, link));
  const L = full.length;
  const one = await fetchAt(route, link, { headers: { Range: 'bytes=120-139' } });
  assert.is(one.status, 206);
  assert.is(one.headers.get('content-range'), `bytes 120-139/${L}`, 'crosses from the npy header into the gathered data');
  assert.ok((await bytesOf(one)).equals(full.subarray(120, 140)));
  const suffix = await fetchAt(route, link, { headers: { Range: 'bytes=-5' } });
  assert.ok((await bytesOf(suffix)).equals(full.subarray(L - 5)));
  const multi = await fetchAt(route, link, { headers: { Range: 'bytes=0-9,-4' } });
  assert.is(multi.status, 206);
  const parts = parseMultipart(await bytesOf(multi), multi.headers.get('content-type')!);
  assert.equal(parts.map((p) => p.headers['content-range']), [`bytes 0-9/${L}`, `bytes ${L - 4}-${L - 1}/${L}`]);
  assert.ok(parts[0]!.body.equals(full.subarray(0, 10)) && parts[1]!.body.equals(full.subarray(L - 4)));
  assert.is(parts[0]!.headers['content-type'], 'application/x-npy');
  const past = await fetchAt(route, link, { headers: { Range: `bytes=${L}-` } });
  assert.is(past.status, 416, 'the file is larger, but the slice ends at its own length');
  assert.is(past.headers.get('content-range'), `bytes */${L}`);
  // The tensor's ETag names it, not the file; a blob's ETag does not validate a tensor range.
  const etag = one.headers.get('etag')!;
  assert.match(etag, new RegExp(`^"${MODEL}/w\\?slice=`));
  const blobTag = `"${MODEL}"`;
  const stale = await fetchAt(route, link, { headers: { Range: 'bytes=0-0', 'If-Range': blobTag } });
  assert.is(stale.status, 200);
  const fresh = await fetchAt(route, link, { headers: { Range: 'bytes=0-0', 'If-Range': etag } });
  assert.is(fresh.status, 206);
  // The whole tensor (no slice) is a resource too: its bytes start at its data, not at the file's header.
  const tensor = await fetchAt(route, route.sign(tensorPath('v')), { headers: { Range: 'bytes=4-7' } });
  assert.is(tensor.headers.get('content-range'), 'bytes 4-7/40');
  assert.ok((await bytesOf(tensor)).equals(f32([1])));
});

test('empty tensors and empty slices: ranges as nginx answers them on an empty file', async () => {
  for (const [path, params] of [[tensorPath('e'), {}], [tensorPath('w'), { slice: '0:0' }]] as const) {
    for (const [range, status] of [['bytes=0-0', 200], ['bytes=-1', 200], ['bytes=1-', 416]] as const) {
      const res = await fetchAt(route, route.sign(path, params), { headers: { Range: range } });
      assert.is(res.status, status, `${path} ${range}`);
      if (status === 416) assert.is(res.headers.get('content-range'), 'bytes */0');
      else assert.is(res.headers.get('content-length'), '0');
    }
  }
});

test('conditional requests: If-None-Match 304, If-Match 412, If-Range by ETag only', async () => {
  const link = route.sign(BLOB);
  const etag = `"${fx.blob.record.cid}"`;
  for (const value of [etag, `W/${etag}`, `"x", ${etag}`, '*']) {
    for (const method of ['GET', 'HEAD']) {
      const res = await rawGet(route.port, link, [`If-None-Match: ${value}`, 'Range: bytes=0-0'], method);
      assert.is(res.status, 304, `${method} ${value}`);
      assert.is(res.headers.etag, etag);
      assert.is(res.headers['content-length'], undefined);
      assert.is(res.body.length, 0);
    }
  }
  assert.is((await fetchAt(route, link, { headers: { 'If-None-Match': '"other"' } })).status, 200);
  assert.is((await fetchAt(route, link, { headers: { 'If-Match': '"other"' } })).status, 412);
  assert.is((await fetchAt(route, link, { headers: { 'If-Match': etag, Range: 'bytes=0-0' } })).status, 206);
  for (const [ifRange, status] of [[etag, 206], ['"stale"', 200], [`W/${etag}`, 200], ['Tue, 15 Nov 1994 08:12:31 GMT', 200]] as const) {
    const res = await fetchAt(route, link, { headers: { Range: 'bytes=0-9', 'If-Range': ifRange } });
    assert.is(res.status, status, ifRange);
    assert.is((await bytesOf(res)).length, status === 206 ? 10 : BLOB_SIZE);
  }
});

test('signed links: any change, an unknown kid, an expired link or another path is 403 with a reason', async () => {
  const path = tensorPath('w');
  const link = route.sign(path, { slice: '0:2', format: 'npy' });
  assert.is((await fetchAt(route, link)).status, 200);
  const [, query] = link.split('?') as [string, string];
  const params = new URLSearchParams(query);
  const altered = (change: (p: URLSearchParams) => void, to = path) => {
    const p = new URLSearchParams(params);
    change(p);
    return `${to}?${p}`;
  };
  const oldKid = [...rotated.keys.keys()].find((k) => k !== rotated.current)!;
  const unknownKid = 'nokey123';
  const otherCid = fx.blob.record.cid;
  const expiredLink = signPath(path, {}, { ring: rotated, expiresIn: 60, now: Math.floor(Date.now() / 1000) - 3600 }).url;
  const cases: Array<[string, string, string]> = [
    ['slice changed', altered((p) => p.set('slice', '0:3')), 'bad signature'],
    ['format changed', altered((p) => p.set('format', 'raw')), 'bad signature'],
    ['format dropped', altered((p) => p.delete('format')), 'bad signature'],
    ['slice dropped', altered((p) => p.delete('slice')), 'bad signature'],
    ['exp moved', altered((p) => p.set('exp', String(Number(p.get('exp')) + 1))), 'bad signature'],
    ['kid of another key of the ring', altered((p) => p.set('kid', oldKid)), 'bad signature'],
    ['sig altered', altered((p) => p.set('sig', `${p.get('sig')!.slice(0, -2)}AA`)), 'bad signature'],
    ['sig cut short', altered((p) => p.set('sig', p.get('sig')!.slice(0, 20))), 'bad signature'],
    ['another tensor', altered(() => {}, tensorPath('v')), 'bad signature'],
    ['another CID', altered(() => {}, downloadPath({ kind: 'tensor', cid: otherCid, name: 'w' })), 'bad signature'],
    ['the blob of the same CID', `${downloadPath({ kind: 'blob', cid: MODEL })}?${new URLSearchParams([...params].filter(([k]) => k !== 'slice' && k !== 'format'))}`, 'bad signature'],
    ['unknown kid', altered((p) => p.set('kid', unknownKid)), 'unknown key'],
    ['expired', expiredLink, 'expired'],
    ['no signature', `${path}?slice=0%3A2&format=npy`, 'missing signature'],
    ['no signature at all', path, 'missing signature'],
    ['exp not a number', altered((p) => p.set('exp', 'soon')), 'malformed'],
  ];
  for (const [what, url, reason] of cases) {
    const res = await fetchAt(route, url);
    assert.is(res.status, 403, what);
    const body = await json(res);
    assert.is(body.error, 'FORBIDDEN', what);
    assert.is(body.reason, reason, what);
    assert.ok(body.message.length > 20, what);
    assert.is(res.headers.get('access-control-allow-origin'), '*', 'a browser can read why');
  }
  // A link signed with the older key of the ring still works.
  const byOldKey = signPath(path, {}, { ring: { current: oldKid, keys: rotated.keys }, expiresIn: 60 }).url;
  assert.is((await fetchAt(route, byOldKey)).status, 200);
});

test('a link verified once is trusted again only while it is valid: expiry and key removal still apply', async () => {
  const oldKid = [...rotated.keys.keys()].find((k) => k !== rotated.current)!;
  const byOldKey = signPath(BLOB, {}, { ring: { current: oldKid, keys: rotated.keys }, expiresIn: 120 }).url;
  assert.is((await fetchAt(route, byOldKey)).status, 200);
  assert.is((await fetchAt(route, byOldKey)).status, 200, 'again, from the memo');
  route.clock.now = Date.now() / 1000 + 3600;
  try {
    assert.is((await json(await fetchAt(route, byOldKey))).reason, 'expired');
  } finally {
    route.clock.now = null;
  }
  assert.is((await fetchAt(route, byOldKey)).status, 200);
  ring = withoutKey(rotated, oldKid);
  try {
    assert.is((await json(await fetchAt(route, byOldKey))).reason, 'unknown key', 'a key removed from the ring stops its links at once');
  } finally {
    ring = rotated;
  }
  // A key replaced under the same kid (a reloaded ring) makes the memo check the signature again.
  const link = route.sign(BLOB);
  assert.is((await fetchAt(route, link)).status, 200);
  ring = { current: rotated.current, keys: new Map([...rotated.keys].map(([kid, key]) => [kid, Buffer.from(key).reverse()])) };
  try {
    assert.is((await json(await fetchAt(route, link))).reason, 'bad signature');
  } finally {
    ring = rotated;
  }
});

test('a signature computed independently with openssl is accepted', async () => {
  const kid = rotated.current;
  const hexKey = rotated.keys.get(kid)!.toString('hex');
  const exp = Math.floor(Date.now() / 1000) + 300;
  const opensslSig = (canonical: string) =>
    execFileSync('sh', ['-c', `openssl dgst -sha256 -mac HMAC -macopt hexkey:${hexKey} -binary | base64 | tr '+/' '-_' | tr -d '=\\n'`], { input: canonical }).toString();
  // By hand: "v1", the path, then the parameters other than sig, percent-encoded, sorted by name.
  const blobCanonical = `v1\n${BLOB}\nexp=${exp}&kid=${kid}`;
  const res = await fetchAt(route, `${BLOB}?exp=${exp}&kid=${kid}&sig=${opensslSig(blobCanonical)}`);
  assert.is(res.status, 200);
  assert.ok((await bytesOf(res)).equals(fx.blob.bytes));
  const sliceCanonical = `v1\n/v1/tensor/${MODEL}/w\nexp=${exp}&format=npy&kid=${kid}&slice=0%3A2%2C%20%3A`;
  const sliced = await fetchAt(route, `/v1/tensor/${MODEL}/w?slice=0:2,+:&format=npy&exp=${exp}&kid=${kid}&sig=${opensslSig(sliceCanonical)}`);
  assert.is(sliced.status, 200, 'the query may be spelt differently from the canonical form');
  assert.is(sliced.headers.get('x-tensor-shape'), '[2,64]');
  const wrongKey = execFileSync('sh', ['-c', `openssl dgst -sha256 -hmac ${hexKey} -binary | base64 | tr '+/' '-_' | tr -d '=\\n'`], { input: blobCanonical }).toString();
  assert.is((await fetchAt(route, `${BLOB}?exp=${exp}&kid=${kid}&sig=${wrongKey}`)).status, 403, 'the hex text is not the key: the bytes are');
});

test('--public serves unsigned reads; signature parameters are then not required', async () => {
  const res = await fetchAt(open, BLOB);
  assert.is(res.status, 200);
  assert.ok((await bytesOf(res)).equals(fx.blob.bytes));
  assert.is((await fetchAt(open, `${tensorPath('w')}?slice=1`)).status, 200);
});

test('a read token serves unsigned paths (blob, slice, Zarr keys): memoised for the next holder, never for a request without one', async () => {
  // The access model's answer, faked: "Bearer r" is a read token, anything else none (src/auth decides for real).
  const tokened = await startRoute(fx, { admit: (request) => ({ ok: true, read: request.headers.authorization === 'Bearer r', headers: null }) });
  const read = { headers: { authorization: 'Bearer r' } };
  try {
    for (const path of [BLOB, `${tensorPath('w')}?slice=1`, `/zarr/${MODEL}/w/0.0`, `/zarr/${MODEL}/w/.zarray`, `/zarr/${MODEL}/`]) {
      for (const round of ['first', 'from the memo']) {
        const served = await fetchAt(tokened, path, read);
        assert.is(served.status, 200, `${path} with a token (${round})`);
        assert.is(served.headers.get('cache-control'), 'private, max-age=3600', path);
        await bytesOf(served);
        const refused = await fetchAt(tokened, path, { headers: { authorization: 'Bearer nope' } });
        assert.is(refused.status, 403, `${path} without a read token (${round})`);
        assert.is((await json(refused)).reason, 'missing signature');
        assert.is((await fetchAt(tokened, path)).status, 403, `${path} with no Authorization (${round})`);
      }
    }
    // A token does not make a changed link good, before or after its path was served to the token.
    const link = tokened.sign(BLOB);
    const tampered = link.replace(/sig=[^&]+/, 'sig=' + 'A'.repeat(43));
    for (let i = 0; i < 2; i++) assert.is((await json(await fetchAt(tokened, tampered, read))).reason, 'bad signature');
    assert.is((await fetchAt(tokened, link)).status, 200, 'the link itself needs no token');
  } finally {
    await tokened.close();
  }
});

test('bad CIDs and traversal attempts are 400 and map nothing; unknown things are 404', async () => {
  const cid = fx.blob.record.cid;
  const missesBefore = fx.cache.stats().misses;
  const bad = [
    '/v1/blob/..',
    '/v1/blob/%2e%2e',
    '/v1/blob/%2E%2e/%2e%2e/etc/passwd',
    `/v1/blob/../${cid}`,
    `/v1/blob/${cid}/../../index.sqlite`,
    '/v1/blob//etc/passwd',
    '/v1/blob/%2Fetc%2Fpasswd',
    `/v1/tensor/${cid}/..`,
    `/v1/tensor/${cid}/%2e%2e/%2e%2e/admin-token`,
    `/v1/tensor/${cid}/%2Fetc%2Fpasswd`,
    `/v1/tensor/${cid}/a%00b`,
    '/v1/blob/not-a-cid',
    `/v1/blob/${cid.toUpperCase()}`,
    `/v1/blob/${cid.slice(0, -1)}`,
    '/v1/blob/QmbyV4BASLJCFiCfKz37eNwFX8y6hefQ7LGpzvEwJQzNft',
    `/v1/blob/${cid}?slice=1`,
    `/v1/blob/${cid}?formt=npy`,
    `/v1/tensor/${cid}/pattern?format=csv`,
    `/v1/tensor/${cid}/pattern?slice=1&slice=2`,
  ];
  for (const path of bad) {
    for (const server of [route, open]) {
      const res = await rawGet(server.port, path, []);
      assert.is(res.status, 400, `${path}: ${res.body}`);
      assert.is(JSON.parse(res.body.toString()).error, 'BAD_REQUEST', path);
    }
  }
  assert.is(fx.cache.stats().misses, missesBefore, 'no file was opened for a refused path');
  const unknownCid = 'bafkreigks6arfsq3xxfpvqrrwonchxcnu6do76auprhhfomao6c273sixm';
  const notFound: Array<[string, RouteServer]> = [
    [route.sign(`/v1/blob/${unknownCid}`), route],
    [`/v1/blob/${unknownCid}`, open],
    [`/v1/tensor/${unknownCid}/w`, open],
    [route.sign(tensorPath('nope')), route],
    ['/v2/blob/x', open],
  ];
  for (const [url, server] of notFound) {
    const res = await fetchAt(server, url);
    assert.is(res.status, 404, url);
    assert.is((await json(res)).error, 'NOT_FOUND', url);
  }
});

test('bad slices and impossible formats are 400 with a typed error, never 500', async () => {
  const cases: Array<[Record<string, string>, string, string]> = [
    [{ slice: '0:2, :, :' }, 'w', 'INVALID_SLICE'],
    [{ slice: '64' }, 'w', 'INVALID_SLICE'],
    [{ slice: '::0' }, 'w', 'INVALID_SLICE'],
    [{ slice: 'import os' }, 'w', 'INVALID_SLICE'],
    [{ slice: '1' }, 's', 'INVALID_SLICE'],
    [{ format: 'npy' }, 'b', 'BAD_REQUEST'], // BF16: NumPy has no such dtype
    [{ slice: '0:2', format: 'npy' }, 'b', 'BAD_REQUEST'],
    [{ slice: '::2', format: 'npy' }, 'b', 'BAD_REQUEST'],
  ];
  for (const [params, name, code] of cases) {
    for (const method of ['GET', 'HEAD'] as const) {
      const res = await fetchAt(route, route.sign(tensorPath(name), params), { method });
      assert.is(res.status, 400, `${method} ${name} ${JSON.stringify(params)}`);
      if (method === 'GET') assert.is((await json(res)).error, code, JSON.stringify(params));
    }
  }
  // The raw bytes of a BF16 tensor are fine.
  assert.is((await fetchAt(route, route.sign(tensorPath('b'), { slice: '::2' }))).status, 200);
});

test('an object removed and added again with other metadata: the route answers with the new records at once', async () => {
  const bytes = Buffer.from(Float32Array.from({ length: 24 }, (_, i) => i).buffer);
  const added = await fx.store.add(once(bytes), { dtype: 'F32', shape: [4, 6], name: 'again.bin' });
  const cid = added.file.cid;
  const path = downloadPath({ kind: 'tensor', cid, name: 'again' }); // a single tensor is named after its file
  const before = await fetchAt(open, path);
  assert.is(before.status, 200);
  assert.is(before.headers.get('x-tensor-dtype'), 'F32');
  assert.is(before.headers.get('x-tensor-shape'), '[4,6]');
  await before.arrayBuffer();
  assert.ok(fx.store.remove(cid));
  // The same bytes (so the same CID), now as 96 bytes of U8.
  await fx.store.add(once(bytes), { dtype: 'U8', shape: [96], name: 'again.bin' });
  const after = await fetchAt(open, path);
  assert.is(after.status, 200);
  assert.is(after.headers.get('x-tensor-dtype'), 'U8');
  assert.is(after.headers.get('x-tensor-shape'), '[96]');
  assert.ok(Buffer.from(await after.arrayBuffer()).equals(bytes));
  const sliced = await fetchAt(open, `${path}?slice=0:3`);
  assert.is(sliced.headers.get('x-tensor-shape'), '[3]');
  assert.equal([...new Uint8Array(await sliced.arrayBuffer())], [...bytes.subarray(0, 3)]);
});

test('bytes served are counted', async () => {
  const before = route.metrics.bytesServed;
  await bytesOf(await fetchAt(route, route.sign(BLOB)));
  await bytesOf(await fetchAt(route, route.sign(BLOB), { headers: { Range: 'bytes=0-99' } }));
  await bytesOf(await fetchAt(route, route.sign(BLOB), { method: 'HEAD' }));
  assert.is(route.metrics.bytesServed - before, BLOB_SIZE + 100);
});

/** Reads a URL with node:http, hashing as it goes; `slow` pauses now and then so the download spans evictions. */
function download(url: string, slow: boolean): Promise<{ status: number; length: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const hash = createHash('sha256');
      let length = 0;
      let chunks = 0;
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        length += chunk.length;
        if (slow && ++chunks % 64 === 0) {
          res.pause();
          setTimeout(() => res.resume(), 2);
        }
      });
      res.on('end', () => resolve({ status: res.statusCode!, length, sha256: hash.digest('hex') }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

test('20 concurrent downloads of a 64 MiB file while a loop clears and evicts the cache: every byte right', async () => {
  const size = 64 << 20;
  const words = new Uint32Array(size / 4);
  for (let i = 0; i < words.length; i++) words[i] = Math.imul(i, 2654435761) ^ (i >>> 7);
  const bytes = Buffer.from(words.buffer);
  const expected = createHash('sha256').update(bytes).digest('hex');
  const { file } = await fx.store.add(once(bytes), { dtype: 'U8', shape: [size], name: 'large.bin' });
  const objectPath = fx.store.objectPath(file.cid);
  const link = `${route.url}${route.sign(downloadPath({ kind: 'blob', cid: file.cid }))}`;
  const rangeLink = `${route.url}${route.sign(downloadPath({ kind: 'tensor', cid: file.cid, name: 'large' }), { slice: '1000:50000000' })}`;
  const evictionsBefore = fx.cache.stats().evictions;

  let running = true;
  let rounds = 0;
  const churn = (async () => {
    while (running) {
      if (rounds % 3 === 0) fx.cache.clear();
      else if (rounds % 3 === 1) fx.cache.evict(objectPath);
      else fx.cache.getOrCreate(objectPath); // remap, so clients mix old and new mappings
      rounds++;
      // Collect (npm test runs with --expose-gc), so anything no longer referenced is unmapped while bytes fly.
      if (rounds % 10 === 0) (globalThis as { gc?: () => void }).gc?.();
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  let results: Awaited<ReturnType<typeof download>>[];
  try {
    results = await Promise.all(Array.from({ length: 20 }, (_, i) => download(i % 5 === 4 ? rangeLink : link, i % 2 === 0)));
  } finally {
    running = false; // also when a download fails: the churn must not outlive the store
    await churn;
  }

  const sliceHash = createHash('sha256').update(bytes.subarray(1000, 50_000_000)).digest('hex');
  results.forEach((r, i) => {
    assert.is(r.status, 200, `client ${i}`);
    if (i % 5 === 4) assert.is(r.sha256, sliceHash, `client ${i} (slice)`);
    else {
      assert.is(r.length, size, `client ${i}`);
      assert.is(r.sha256, expected, `client ${i}`);
    }
  });
  assert.ok(rounds > 10, `the cache was cleared or evicted ${rounds} times during the downloads`);
  assert.ok(fx.cache.stats().evictions >= evictionsBefore, 'evictions are counted');
  fx.store.remove(file.cid);
});

test.run();
