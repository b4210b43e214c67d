import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { downloadPath, MAX_SLICE_LENGTH, parseDownloadPath, parseDownloadQuery, splitRequestTarget, type DownloadTarget } from '../../src/http/paths.ts';
import { canonicalPath } from '../../src/http/sign.ts';
import { BASE58, BLAKE3, CID, DAG_PB, UPPER, V0 } from '../helpers/cids.ts';


const plain = (x: unknown) => JSON.parse(JSON.stringify(x));

const GOOD: Array<[string, DownloadTarget]> = [
  [`/v1/blob/${CID}`, { kind: 'blob', cid: CID }],
  [`/v1/tensor/${CID}/weight`, { kind: 'tensor', cid: CID, name: 'weight' }],
  [`/v1/tensor/${CID}/model.layers.0.weight`, { kind: 'tensor', cid: CID, name: 'model.layers.0.weight' }],
  [`/v1/tensor/${CID}/encoder/layer_0/kernel`, { kind: 'tensor', cid: CID, name: 'encoder/layer_0/kernel' }],
  [`/v1/tensor/${CID}/encoder%2Flayer_0%2Fkernel`, { kind: 'tensor', cid: CID, name: 'encoder/layer_0/kernel' }],
  [`/v1/tensor/${CID}/a%20b%C3%A9`, { kind: 'tensor', cid: CID, name: 'a bé' }],
  [`/v1/tensor/${CID}/a+b`, { kind: 'tensor', cid: CID, name: 'a+b' }], // '+' is not a space in a path
  [`/v1/tensor/${CID}/..hidden`, { kind: 'tensor', cid: CID, name: '..hidden' }],
  [`/v1/tensor/${CID}/a..b`, { kind: 'tensor', cid: CID, name: 'a..b' }],
  [`/v1/tensor/${CID}/a%2F%2Fb`, { kind: 'tensor', cid: CID, name: 'a//b' }],
];

// [path, status]: every one of these is refused.
const BAD: Array<[string, 400 | 404]> = [
  ['/', 404],
  ['/v1', 404],
  ['/v1/blobs/x', 404],
  ['/v2/blob/' + CID, 404],
  [`/v1/%62lob/${CID}`, 404],
  ['/v1/blob', 400],
  ['/v1/blob/', 400],
  ['/v1/tensor', 400],
  [`/v1/tensor/${CID}`, 400], // no name
  [`/v1/tensor/${CID}/`, 400],
  [`/v1/blob/${CID}/`, 400], // trailing slash
  [`/v1/blob/${CID}/extra`, 400],
  [`/v1/blob//${CID}`, 400], // double slash
  [`/v1/tensor/${CID}//w`, 400],
  [`/v1/tensor/${CID}/a//b`, 400],
  [`/v1/blob/${V0}`, 400],
  [`/v1/blob/${UPPER}`, 400],
  [`/v1/blob/${BASE58}`, 400],
  [`/v1/blob/${V0}`, 400],
  [`/v1/blob/${BLAKE3}`, 400],
  [`/v1/blob/${CID.slice(0, -1)}`, 400], // truncated
  [`/v1/blob/${CID.slice(0, -1)}n`, 400], // the last character's spare bits set
  [`/v1/blob/${CID}a`, 400],
  [`/v1/blob/%62${CID.slice(1)}`, 400], // an escaped CID
  ['/v1/blob/..', 400],
  ['/v1/blob/.', 400],
  ['/v1/blob/%2e%2e', 400],
  ['/v1/blob/%2E%2e', 400],
  [`/v1/blob/../blob/${CID}`, 400],
  [`/v1/blob/${CID}/..`, 400],
  [`/v1/tensor/${CID}/../../etc/passwd`, 400],
  [`/v1/tensor/${CID}/%2e%2e/%2e%2e/etc/passwd`, 400],
  [`/v1/tensor/${CID}/a%2F..%2Fb`, 400], // decoded, the name has a '..' part
  [`/v1/tensor/${CID}/a%5C..%5Cb`, 400], // ...also with backslashes
  [`/v1/tensor/${CID}/%2Fetc%2Fpasswd`, 400], // absolute
  [`/v1/tensor/${CID}/a\\..\\b`, 400],
  ['/v1/blob//etc/passwd', 400],
  ['/v1/blob/%2Fetc%2Fpasswd', 400],
  [`/v1/blob/${CID}%00`, 400],
  [`/v1/tensor/${CID}/w%00`, 400],
  [`/v1/tensor/${CID}/w\u0000`, 400],
  [`/v1/tensor/${CID}/w%0a`, 400], // control character in the name
  [`/v1/tensor/${CID}/w x`, 400], // raw space
  [`/v1/tensor/${CID}/wé`, 400], // raw non-ASCII
  [`/v1/tensor/${CID}/%zz`, 400],
  [`/v1/tensor/${CID}/%E2%82`, 400], // invalid UTF-8
];

test('good paths', () => {
  for (const [path, target] of GOOD) assert.equal(plain(parseDownloadPath(path)), { ok: true, target }, path);
});

test('bad paths: 400 for a download path that is malformed, 404 for another route', () => {
  for (const [path, status] of BAD) {
    const answer = parseDownloadPath(path);
    assert.is(answer.ok, false, path);
    if (!answer.ok) {
      assert.is(answer.status, status, path);
      assert.ok(answer.reason.length > 10, path);
    }
  }
});

test('reasons say what is wrong', () => {
  const reason = (p: string) => {
    const a = parseDownloadPath(p);
    return a.ok ? '' : a.reason;
  };
  assert.match(reason(`/v1/blob/${V0}`), /CIDv1, sha2-256, base32 lowercase, raw codec \(bafkrei...\) or dag-pb/);
  assert.match(reason('/v1/blob/%2e%2e'), /'\.' or '\.\.'/);
  assert.match(reason(`/v1/tensor/${CID}`), /missing tensor name/);
});

test('downloadPath builds paths that parse back, and are already canonical for signing', () => {
  const names = ['w', 'model.layers.0.weight', 'encoder/layer_0/kernel', 'a b/c?d#e%f', 'a//b', 'ünï/cødé', "it's (1)*"];
  for (const name of names) {
    const path = downloadPath({ kind: 'tensor', cid: CID, name });
    assert.equal(plain(parseDownloadPath(path)), { ok: true, target: { kind: 'tensor', cid: CID, name } }, name);
    assert.is(canonicalPath(path), path, name);
  }
  assert.is(downloadPath({ kind: 'tensor', cid: CID, name: 'encoder/layer_0' }), `/v1/tensor/${CID}/encoder/layer_0`);
  assert.is(downloadPath({ kind: 'blob', cid: CID }), `/v1/blob/${CID}`);
  for (const name of ['', '/abs', 'a/../b', '..', 'a\u0000', 'a\ud800']) assert.throws(() => downloadPath({ kind: 'tensor', cid: CID, name }), TypeError, JSON.stringify(name));
});

test('splitRequestTarget keeps the raw path (no dot-segment resolution)', () => {
  assert.equal(splitRequestTarget('/v1/blob/../x?a=1&b=2?c'), { pathname: '/v1/blob/../x', query: 'a=1&b=2?c' });
  assert.equal(splitRequestTarget('/v1/blob/x'), { pathname: '/v1/blob/x', query: '' });
  assert.is(splitRequestTarget('http://host/v1/blob/x'), null);
  assert.is(splitRequestTarget('*'), null);
});

test('query: slice and format for tensors; signature parameters allowed; the rest refused', () => {
  const tensor: DownloadTarget = { kind: 'tensor', cid: CID, name: 'w' };
  const blob: DownloadTarget = { kind: 'blob', cid: CID };
  const q = (s: string, t: DownloadTarget = tensor) => plain(parseDownloadQuery(new URLSearchParams(s), t));
  assert.equal(q(''), { ok: true, query: { slice: null, format: 'raw' } });
  assert.equal(q('slice=0:2,+:&format=npy'), { ok: true, query: { slice: '0:2, :', format: 'npy' } });
  assert.equal(q('slice='), { ok: true, query: { slice: null, format: 'raw' } });
  assert.equal(q('format=raw&exp=1&kid=k&sig=s'), { ok: true, query: { slice: null, format: 'raw' } });
  assert.equal(q('', blob), { ok: true, query: { slice: null, format: 'raw' } });
  assert.equal(q('format=raw', blob), { ok: true, query: { slice: null, format: 'raw' } });
  const refused = (s: string, t: DownloadTarget = tensor) => {
    const a = parseDownloadQuery(new URLSearchParams(s), t);
    assert.is(a.ok, false, s);
    return a.ok ? '' : a.reason;
  };
  assert.match(refused('format=NPY'), /raw, npy, arrow or safetensors/);
  assert.match(refused('format='), /raw, npy, arrow or safetensors/);
  assert.match(refused('formt=npy'), /unknown query parameter "formt"/);
  assert.match(refused('slice=1&slice=2'), /more than once/);
  assert.match(refused(`slice=${'1'.repeat(MAX_SLICE_LENGTH + 1)}`), /longer than/);
  assert.match(refused('slice=0:1', blob), /not to a blob/);
  assert.match(refused('format=npy', blob), /not to a blob/);
  assert.equal(q(`slice=${'1'.repeat(MAX_SLICE_LENGTH)}`).ok, true);
});

test('property: no path throws, and accepted paths hold a store CID and a clean name', () => {
  const pieces = fc.constantFrom('/v1/blob/', '/v1/tensor/', CID, '/', '.', '..', '%2e', '%2E', '%2F', '%00', '%', 'w', '\\', '%5C', '\u0000', 'é', '%C3%A9');
  const path = fc.oneof(fc.string(), fc.array(pieces, { maxLength: 8 }).map((p) => p.join('')));
  fc.assert(
    fc.property(path, (p) => {
      const answer = parseDownloadPath(p);
      if (!answer.ok) return;
      assert.is(answer.target.cid, CID);
      if (answer.target.kind === 'tensor') {
        const parts = answer.target.name.split(/[/\\]/);
        assert.not.ok(parts.includes('..') || parts.includes('.') || answer.target.name.startsWith('/') || /[\x00-\x1f]/.test(answer.target.name), p);
      }
    }),
    { numRuns: 20_000 },
  );
});

test.run();
