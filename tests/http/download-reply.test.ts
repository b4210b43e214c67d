// The download contract through route.reply(), without a socket: status, headers and body for each kind of request
// (blobs, tensors, slices, npy, ranges, conditionals, HEAD, OPTIONS, refusals); then the same table over both
// transports, the download lane and node:http alone (route.handle), which must put exactly what reply() planned on
// the wire, adding only Date and the connection headers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { createDownloadRoute, type DownloadReply, type DownloadRoute } from '../../src/http/download.ts';
import { downloadPath } from '../../src/http/paths.ts';
import { noRequestHeaders, type RequestHeaders } from '../../src/http/request.ts';
import { newKeyRing, signPath, type KeyRing } from '../../src/http/sign.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { f32, makeFixture, startRoute, TRANSPORTS, type Fixture, type RouteServer } from '../helpers/download-server.ts';
import { rawGet } from '../helpers/raw-http.ts';

const NOW = 1_800_000_000;
let fx: Fixture;
let ring: KeyRing;
let route: DownloadRoute;

beforeAll(test, async () => {
  fx = await makeFixture();
  ring = newKeyRing();
  route = createDownloadRoute({ store: fx.store, reader: fx.reader, ring: () => ring, logger: silentLogger, now: () => NOW });
});

test.after(() => {
  route?.close();
  fx?.close();
});

interface Case {
  name: string;
  method?: string;
  /** Path and query, signed unless `unsigned`. */
  path: () => string;
  params?: Record<string, string>;
  unsigned?: boolean;
  headers?: Partial<RequestHeaders>;
  status: number;
  /** Headers the reply must carry (names as the route writes them). */
  has?: Record<string, string | RegExp>;
  /** The body, or a check of it; HEAD, 204 and 304 have none. */
  body?: Buffer | ((body: Buffer) => void);
}

const blob = () => downloadPath({ kind: 'blob', cid: fx.blob.record.cid });
const tensor = (name: string) => () => downloadPath({ kind: 'tensor', cid: fx.model.record.cid, name });
const wRow = (r: number) => Buffer.from(fx.model.w.buffer, r * 64 * 4, 64 * 4);
const refusal = (code: string) => (body: Buffer) => assert.is(JSON.parse(body.toString()).error, code);

const CASES: Case[] = [
  { name: 'blob', path: blob, status: 200, has: { 'Content-Length': '10000', ETag: /^"bafkrei/, 'Accept-Ranges': 'bytes' } },
  { name: 'blob, one range', path: blob, headers: { range: 'bytes=10-19' }, status: 206, has: { 'Content-Range': 'bytes 10-19/10000', 'Content-Length': '10' } },
  { name: 'blob, suffix range', path: blob, headers: { range: 'bytes=-5' }, status: 206, has: { 'Content-Range': 'bytes 9995-9999/10000' } },
  { name: 'blob, two ranges', path: blob, headers: { range: 'bytes=0-1,5-6' }, status: 206, has: { 'Content-Type': /^multipart\/byteranges; boundary=/ } },
  { name: 'blob, range past the end', path: blob, headers: { range: 'bytes=20000-' }, status: 416, has: { 'Content-Range': 'bytes */10000' } },
  { name: 'blob, another unit: the whole body', path: blob, headers: { range: 'items=0-1' }, status: 200 },
  { name: 'blob, If-None-Match its ETag', path: blob, headers: { ifNoneMatch: '*' }, status: 304 },
  { name: 'blob, If-Match another ETag', path: blob, headers: { ifMatch: '"other"' }, status: 412, body: refusal('PRECONDITION_FAILED') },
  { name: 'blob, HEAD', method: 'HEAD', path: blob, status: 200, has: { 'Content-Length': '10000' } },
  { name: 'OPTIONS', method: 'OPTIONS', path: blob, status: 204, has: { 'Access-Control-Allow-Methods': /GET/ } },
  { name: 'POST', method: 'POST', path: blob, status: 405, has: { Allow: 'GET, HEAD, OPTIONS' }, body: refusal('METHOD_NOT_ALLOWED') },
  { name: 'a whole tensor', path: tensor('w'), status: 200, has: { 'X-Tensor-Dtype': 'F32', 'X-Tensor-Shape': '[64,64]', 'Content-Length': String(64 * 64 * 4) } },
  { name: 'a row slice', path: tensor('w'), params: { slice: '3' }, status: 200, has: { 'X-Tensor-Shape': '[64]' } },
  { name: 'a column slice, npy', path: tensor('w'), params: { slice: ':, 1', format: 'npy' }, status: 200, has: { 'Content-Type': 'application/x-npy' } },
  { name: 'a slice, ranged within it', path: tensor('w'), params: { slice: '2' }, headers: { range: 'bytes=4-7' }, status: 206, has: { 'Content-Range': 'bytes 4-7/256' } },
  { name: 'npy of BF16', path: tensor('b'), params: { format: 'npy' }, status: 400, body: refusal('BAD_REQUEST') },
  { name: 'a bad slice', path: tensor('w'), params: { slice: '0:2:0' }, status: 400, body: refusal('INVALID_SLICE') },
  { name: 'an unknown tensor', path: tensor('nope'), status: 404, body: refusal('NOT_FOUND') },
  { name: 'unsigned', path: blob, unsigned: true, status: 403, has: { 'Cache-Control': 'no-store' }, body: refusal('FORBIDDEN') },
  { name: 'not a CID', path: () => '/v1/blob/bafyXYZ', unsigned: true, status: 400, body: refusal('BAD_REQUEST') },
];

const urlOf = (c: Case) => (c.unsigned ? c.path() : signPath(c.path(), c.params ?? {}, { ring, expiresIn: 600, now: NOW }).url);

/** The body a reply sends, as one Buffer; null when it sends none. */
function bodyOf(reply: DownloadReply): Buffer | null {
  if (reply.body === null) return null;
  if (reply.body instanceof Uint8Array) return Buffer.from(reply.body);
  return Buffer.concat([...reply.body].map((v) => Buffer.from(v)));
}

/** The reply's headers as the transport writes them: the fixed ones, then the others. */
function headersOf(reply: DownloadReply): Array<[string, string]> {
  const list = (reply.fixed ?? []).concat(reply.headers);
  const out: Array<[string, string]> = [];
  for (let i = 0; i < list.length; i += 2) out.push([list[i]!, list[i + 1]!]);
  return out;
}

const replyTo = (c: Case) => route.reply({ method: c.method ?? 'GET', url: urlOf(c), headers: { ...noRequestHeaders(), ...c.headers } });

test('reply(): status, headers and body for each kind of request, with no socket', () => {
  for (const c of CASES) {
    const reply = replyTo(c);
    assert.is(reply.status, c.status, c.name);
    const headers = new Map(headersOf(reply).map(([k, v]) => [k.toLowerCase(), v]));
    for (const [name, want] of Object.entries(c.has ?? {})) {
      const got = headers.get(name.toLowerCase());
      if (typeof want === 'string') assert.is(got, want, `${c.name}: ${name}`);
      else assert.match(got ?? '', want, `${c.name}: ${name}`);
    }
    const body = bodyOf(reply);
    if (c.method === 'HEAD' || c.status === 204 || c.status === 304) assert.is(body, null, `${c.name}: no body`);
    else {
      assert.ok(body, `${c.name}: a body`);
      assert.is(String(body.length), headers.get('content-length') ?? String(body.length), `${c.name}: Content-Length is the body's`);
      if (typeof c.body === 'function') c.body(body);
    }
  }
  // The bodies that are the stored bytes, spelt out.
  const bytes = (c: Partial<Case> & Pick<Case, 'path'>) => bodyOf(replyTo({ name: '', status: 0, ...c }))!;
  assert.ok(bytes({ path: blob }).equals(fx.blob.bytes));
  assert.ok(bytes({ path: blob, headers: { range: 'bytes=10-19' } }).equals(fx.blob.bytes.subarray(10, 20)));
  assert.ok(bytes({ path: tensor('w') }).equals(Buffer.from(fx.model.w.buffer)));
  assert.ok(bytes({ path: tensor('w'), params: { slice: '3' } }).equals(wRow(3)));
  assert.ok(bytes({ path: tensor('w'), params: { slice: '2' }, headers: { range: 'bytes=4-7' } }).equals(wRow(2).subarray(4, 8)));
  const column = bytes({ path: tensor('w'), params: { slice: ':, 1', format: 'npy' } });
  assert.ok(column.subarray(column.length - 64 * 4).equals(f32(Array.from({ length: 64 }, (_, r) => r * 64 + 1))));
});

/** What a transport may add to a reply's headers. */
const TRANSPORT_HEADERS = new Set(['date', 'connection', 'keep-alive']);

for (const transport of TRANSPORTS) {
  test(`${transport}: on the wire exactly what reply() planned, for every case`, async () => {
    let server: RouteServer | null = null;
    try {
      server = await startRoute(fx, { ring: () => ring, now: () => NOW, transport });
      for (const c of CASES) {
        const planned = replyTo(c);
        const lines: string[] = [];
        if (c.headers?.range) lines.push(`Range: ${c.headers.range}`);
        if (c.headers?.ifMatch) lines.push(`If-Match: ${c.headers.ifMatch}`);
        if (c.headers?.ifNoneMatch) lines.push(`If-None-Match: ${c.headers.ifNoneMatch}`);
        const res = await rawGet(server.port, urlOf(c), lines, c.method ?? 'GET');
        assert.is(res.status, planned.status, `${transport} ${c.name}`);
        const sent = Object.entries(res.headers).filter(([name]) => !TRANSPORT_HEADERS.has(name));
        const want = headersOf(planned).map(([k, v]) => [k.toLowerCase(), v]);
        // A multipart boundary is made per reply: compare its shape, not its value.
        const norm = (pairs: Array<[string, string]> | string[][]) =>
          pairs.map(([k, v]) => [k, k === 'content-type' ? v!.replace(/boundary=\S+/, 'boundary=*') : v]).sort((a, b) => a[0]!.localeCompare(b[0]!));
        assert.equal(norm(sent), norm(want), `${transport} ${c.name}: headers`);
        const body = bodyOf(planned);
        if (body === null) assert.is(res.body.length, 0, `${transport} ${c.name}: no body`);
        else if (/multipart/.test(res.headers['content-type'] ?? '')) assert.is(res.body.length, body.length, `${transport} ${c.name}: body length`);
        else assert.ok(res.body.equals(body), `${transport} ${c.name}: body`);
      }
    } finally {
      await server?.close();
    }
  });
}

test.run();
