import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import {
  cacheControl,
  CONTENT_TYPE_NPY,
  CONTENT_TYPE_RAW,
  contentDisposition,
  contentTypeFor,
  corsHeaders,
  corsPreflightHeaders,
  defaultFilename,
  etagFor,
  MAX_READABLE_ETAG,
  responseHeaders,
  type Representation,
} from '../../src/http/headers.ts';
import { etagListMatches, ifRangeMatches } from '../../src/http/conditional.ts';
import type { DownloadTarget } from '../../src/http/paths.ts';

const CID = 'bafkreigks6arfsq3xxfpvqrrwonchxcnu6do76auprhhfomao6c273sixm';
const tensor = (name: string): DownloadTarget => ({ kind: 'tensor', cid: CID, name });
const ETAGC = /^"[\x21\x23-\x7e]*"$/; // RFC 9110 entity-tag, strong

test('ETags: a blob is its CID; a tensor names what was asked for', () => {
  assert.is(etagFor({ kind: 'blob', cid: CID }), `"${CID}"`);
  assert.is(etagFor(tensor('model.layers.0.weight')), `"${CID}/model.layers.0.weight"`);
  assert.is(etagFor(tensor('w'), { slice: '0:2, :', format: 'raw' }), `"${CID}/w?slice=0%3A2%2C%20%3A"`);
  assert.is(etagFor(tensor('w'), { slice: null, format: 'npy' }), `"${CID}/w?format=npy"`);
  assert.is(etagFor(tensor('w'), { slice: '1', format: 'npy' }), `"${CID}/w?slice=1&format=npy"`);
  assert.is(etagFor(tensor('enc/"q"')), `"${CID}/enc%2F%22q%22"`);
  assert.throws(() => etagFor({ kind: 'blob', cid: CID }, { slice: '1', format: 'raw' }), TypeError);
});

test('ETags and file names survive names with lone surrogates (JSON headers allow them)', () => {
  const a = etagFor(tensor('w\ud800'));
  const b = etagFor(tensor('w\ufffd'));
  assert.match(a, ETAGC);
  assert.is.not(a, b);
  assert.match(a, /\/~/);
  assert.is(contentDisposition('w\ud800.bin'), `attachment; filename="w_.bin"; filename*=UTF-8''w%EF%BF%BD.bin`);
});

test('ETags: different requests never share a tag; long ones are hashed', () => {
  const tags = new Set([
    etagFor({ kind: 'blob', cid: CID }),
    etagFor(tensor('w')),
    etagFor(tensor('w'), { slice: null, format: 'npy' }),
    etagFor(tensor('w'), { slice: '1', format: 'raw' }),
    etagFor(tensor('w'), { slice: '1', format: 'npy' }),
    etagFor(tensor('w?slice=1')),
    etagFor(tensor('x'.repeat(300))),
    etagFor(tensor('x'.repeat(301))),
    etagFor(tensor('x'.repeat(300)), { slice: '1', format: 'raw' }),
  ]);
  assert.is(tags.size, 9);
  const long = etagFor(tensor('x'.repeat(300)));
  assert.match(long, new RegExp(`^"${CID}/~[A-Za-z0-9_-]{43}"$`));
  assert.is(etagFor(tensor('x'.repeat(300))), long, 'deterministic');
  assert.ok(long.length < MAX_READABLE_ETAG);
});

test('ETags work with the conditional checks', () => {
  const etag = etagFor(tensor('w'), { slice: '0:2', format: 'npy' });
  assert.ok(etagListMatches(`"other", ${etag}`, etag, true));
  assert.ok(ifRangeMatches(etag, etag));
  assert.not.ok(ifRangeMatches(`W/${etag}`, etag));
});

test('content types and file names', () => {
  assert.is(contentTypeFor('raw'), CONTENT_TYPE_RAW);
  assert.is(contentTypeFor('npy'), 'application/x-npy');
  assert.is(CONTENT_TYPE_NPY, 'application/x-npy');
  const raw = { slice: null, format: 'raw' } as const;
  assert.is(defaultFilename({ kind: 'blob', cid: CID }, raw, 'safetensors'), `${CID}.safetensors`);
  assert.is(defaultFilename({ kind: 'blob', cid: CID }, raw, 'npy'), `${CID}.npy`);
  assert.is(defaultFilename({ kind: 'blob', cid: CID }, raw), `${CID}.bin`);
  assert.is(defaultFilename(tensor('encoder/layer_0/kernel'), raw), 'encoder_layer_0_kernel.bin');
  assert.is(defaultFilename(tensor('w'), { slice: '0', format: 'npy' }), 'w_0.npy');
  // Every slice of a tensor its own name; the whole tensor keeps the plain one.
  assert.is(defaultFilename(tensor('w'), { slice: '2:10, ::-3', format: 'npy' }), 'w_2-10_---3.npy');
  assert.is(defaultFilename(tensor('enc/w'), { slice: '..., 0', format: 'raw' }), 'enc_w_..._0.bin');
  for (const whole of [':', '...', ' ', ':, :', '..., :', '::']) assert.is(defaultFilename(tensor('w'), { slice: whole, format: 'raw' }), 'w.bin');
  const long = defaultFilename(tensor('w'), { slice: Array.from({ length: 20 }, (_, i) => `${i}:${i + 1}`).join(', '), format: 'raw' });
  assert.match(long, /^w_[0-9a-f]{16}\.bin$/);
});

test('Content-Disposition: plain ASCII, or an ASCII fallback plus filename*', () => {
  assert.is(contentDisposition('w.npy'), 'attachment; filename="w.npy"');
  assert.is(contentDisposition('poids-é.npy'), `attachment; filename="poids-_.npy"; filename*=UTF-8''poids-%C3%A9.npy`);
  assert.is(contentDisposition('a"b%c.bin'), `attachment; filename="a_b_c.bin"; filename*=UTF-8''a%22b%25c.bin`);
  assert.is(contentDisposition("it's (1)*.bin"), `attachment; filename="it's (1)*.bin"`);
  assert.is(contentDisposition('ü (1).bin'), `attachment; filename="_ (1).bin"; filename*=UTF-8''%C3%BC%20%281%29.bin`);
  assert.is(contentDisposition('../x\r\n.bin'), 'attachment; filename=".._x__.bin"');
});

test('Cache-Control: the life left on a signed link, a year in public mode', () => {
  assert.is(cacheControl({ kind: 'signed', expiresAt: 1900, now: 1000 }), 'public, max-age=900, immutable');
  assert.is(cacheControl({ kind: 'signed', expiresAt: 1000.9, now: 1000 }), 'public, max-age=0, immutable');
  assert.is(cacheControl({ kind: 'signed', expiresAt: 900, now: 1000 }), 'public, max-age=0, immutable');
  assert.is(cacheControl({ kind: 'public' }), 'public, max-age=31536000, immutable');
});

const REP: Representation = {
  etag: `"${CID}/w"`,
  length: 1000,
  contentType: CONTENT_TYPE_RAW,
  cache: { kind: 'signed', expiresAt: 1900, now: 1000 },
  filename: 'w.bin',
  dtype: 'F32',
  shape: [10, 25],
};

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Range, Content-Length, ETag, Accept-Ranges, X-Tensor-Dtype, X-Tensor-Shape, Content-Disposition',
};
const COMMON = {
  'Accept-Ranges': 'bytes',
  ETag: REP.etag,
  'Cache-Control': 'public, max-age=900, immutable',
  'X-Content-Type-Options': 'nosniff',
  'Content-Disposition': 'attachment; filename="w.bin"',
  'X-Tensor-Dtype': 'F32',
  'X-Tensor-Shape': '[10,25]',
  ...CORS,
};

test('200, 206 and multipart 206 headers', () => {
  assert.equal(responseHeaders(REP, { status: 200 }), { 'Content-Type': CONTENT_TYPE_RAW, 'Content-Length': '1000', ...COMMON });
  assert.equal(responseHeaders(REP, { status: 206, range: { start: 10, end: 20 } }), {
    'Content-Type': CONTENT_TYPE_RAW,
    'Content-Length': '10',
    'Content-Range': 'bytes 10-19/1000',
    ...COMMON,
  });
  assert.equal(responseHeaders(REP, { status: 206, multipart: { contentType: 'multipart/byteranges; boundary=1', contentLength: 321 } }), {
    'Content-Type': 'multipart/byteranges; boundary=1',
    'Content-Length': '321',
    ...COMMON,
  });
});

test('304 and 416 carry what nginx\'s do', () => {
  assert.equal(responseHeaders(REP, { status: 304 }), { ETag: REP.etag, 'Cache-Control': 'public, max-age=900, immutable', ...CORS });
  assert.equal(responseHeaders(REP, { status: 416 }), { 'Content-Range': 'bytes */1000', 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-store', ...CORS });
});

test('blobs carry no tensor headers; shapes print as JSON', () => {
  const blob: Representation = { etag: `"${CID}"`, length: 5, contentType: CONTENT_TYPE_RAW, cache: { kind: 'public' } };
  const h = responseHeaders(blob, { status: 200 });
  assert.not.ok('X-Tensor-Dtype' in h || 'X-Tensor-Shape' in h || 'Content-Disposition' in h);
  assert.is(h['Cache-Control'], 'public, max-age=31536000, immutable');
  assert.is(responseHeaders({ ...REP, shape: [] }, { status: 200 })['X-Tensor-Shape'], '[]');
  assert.is(responseHeaders({ ...REP, shape: [0, 4] }, { status: 200 })['X-Tensor-Shape'], '[0,4]');
});

test('CORS exposes what clients read; preflights allow the conditional headers', () => {
  const exposed = corsHeaders()['Access-Control-Expose-Headers']!.split(', ');
  for (const h of ['Content-Range', 'Content-Length', 'ETag', 'Accept-Ranges', 'X-Tensor-Dtype', 'X-Tensor-Shape', 'Content-Disposition']) assert.ok(exposed.includes(h), h);
  const pre = corsPreflightHeaders();
  assert.is(pre['Access-Control-Allow-Methods'], 'GET, HEAD, OPTIONS');
  assert.is(pre['Access-Control-Allow-Headers'], 'Range, If-Range, If-None-Match, If-Match');
});

test('property: any name or slice gives headers Node accepts and a valid entity tag', () => {
  const text = fc.oneof(fc.string({ minLength: 1 }), fc.string({ unit: 'binary', minLength: 1 }), fc.constantFrom('a\r\nX-Evil: 1', '"', '\\', 'é/ü', 'x\udc00y'));
  fc.assert(
    fc.property(text, fc.option(text, { nil: null }), fc.constantFrom('raw' as const, 'npy' as const), (name, slice, format) => {
      const query = { slice, format };
      const etag = etagFor(tensor(name), query);
      assert.match(etag, ETAGC);
      const headers = responseHeaders(
        { etag, length: 10, contentType: contentTypeFor(format), cache: { kind: 'public' }, filename: defaultFilename(tensor(name), query), dtype: 'F32', shape: [10] },
        { status: 200 },
      );
      for (const [k, v] of Object.entries(headers)) {
        validateHeaderName(k);
        validateHeaderValue(k, v);
        assert.match(v, /^[\x20-\x7e]*$/, `${k}: ${v}`);
      }
    }),
    { numRuns: 3000 },
  );
});

test.run();
