// The download route's Arrow, safetensors, subset and Zarr representations: what they hold (Arrow through
// apache-arrow, against the raw download of the same C-order slice), Range/HEAD/ETag on each, signatures
// (query links for files, path prefixes for Zarr) and the refusals.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tableFromIPC } from 'apache-arrow';
import { signedLinks } from '../../src/graphql/services/links.ts';
import { downloadPath } from '../../src/http/paths.ts';
import { parseZarrPath, signZarrPrefix } from '../../src/http/zarr.ts';
import type { Refusal } from '../../src/http/refusal.ts';
import { dtypeSize } from '../../src/tensor/dtype.ts';
import { toLittleEndian } from '../../src/tensor/byte-order.ts';
import { parseSafetensors } from '../../src/tensor/safetensors.ts';
import type { TensorRecord } from '../../src/store/types.ts';
import { parseMultipart, startRoute, type RouteServer } from '../helpers/download-server.ts';
import { makeFormatFiles, type FormatFiles } from '../helpers/format-files.ts';

let files: FormatFiles;
let server: RouteServer;
let open: RouteServer;

test.before(async () => {
  files = await makeFormatFiles();
  server = await startRoute(files as never);
  open = await startRoute(files as never, { publicMode: true });
});

test.after(async () => {
  await server.close();
  await open.close();
  files.close();
});

async function get(path: string, params: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${server.sign(path, params)}`, { headers });
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

function allTensors(): TensorRecord[] {
  return [files.all.record, files.fortran.record, files.bigEndian.record].flatMap((f) => files.store.tensorsOf(f.cid));
}

/** The raw download of the same elements in C order, little-endian: what the Arrow column must hold. */
async function cOrderRaw(tensor: TensorRecord, spec: string): Promise<Buffer> {
  const whole = spec === '' && tensor.fortranOrder && tensor.shape.length > 1 ? tensor.shape.map(() => ':').join(',') : spec;
  const { body } = await get(downloadPath({ kind: 'tensor', cid: tensor.cid, name: tensor.name }), whole === '' ? {} : { slice: whole });
  return Buffer.from(tensor.littleEndian ? body : toLittleEndian(body, dtypeSize(tensor.dtype)));
}

test('format=arrow: every tensor, whole and sliced (negative steps too), reads back through tableFromIPC', async () => {
  let checked = 0;
  for (const tensor of allTensors()) {
    const specs = [''];
    if (tensor.shape.length >= 1) specs.push('::-2');
    if (tensor.shape.length >= 2) specs.push('1:4, ::-3');
    for (const spec of specs) {
      const { response, body } = await get(downloadPath({ kind: 'tensor', cid: tensor.cid, name: tensor.name }), spec === '' ? { format: 'arrow' } : { format: 'arrow', slice: spec });
      assert.is(response.status, 200, `${tensor.name}[${spec}]: ${body.toString().slice(0, 200)}`);
      assert.is(response.headers.get('content-type'), 'application/vnd.apache.arrow.stream');
      assert.is(Number(response.headers.get('content-length')), body.byteLength);
      const table = tableFromIPC(body);
      const column = table.getChild('data')!;
      const expected = await cOrderRaw(tensor, spec);
      const got =
        tensor.dtype === 'BOOL'
          ? Buffer.from(Uint8Array.from(column.toArray() as Iterable<boolean>, (b) => (b ? 1 : 0)))
          : Buffer.concat(column.data.map((d) => Buffer.from((d.values as Uint8Array).buffer, (d.values as Uint8Array).byteOffset, d.length * dtypeSize(tensor.dtype))));
      assert.equal(got, expected, `${tensor.name}[${spec}]`);
      assert.is(JSON.stringify(JSON.parse(table.schema.metadata.get('shape')!)), response.headers.get('x-tensor-shape'));
      assert.is(table.schema.metadata.get('dtype'), tensor.dtype);
      checked++;
    }
  }
  assert.ok(checked > 40, `${checked}`);
});

test('format=safetensors: one tensor, C order, little-endian, readable by the project\'s own parser', async () => {
  const tensor = files.store.getTensor(files.fortran.record.cid)!;
  const { response, body } = await get(downloadPath({ kind: 'tensor', cid: tensor.cid, name: tensor.name }), { format: 'safetensors', slice: '::-512, 3:5' });
  assert.is(response.status, 200);
  assert.match(response.headers.get('content-disposition')!, /\.safetensors"/);
  const parsed = parseSafetensors(body, body.byteLength);
  assert.is(parsed.tensors.length, 1);
  assert.equal(parsed.tensors[0]!.shape, [4, 2]);
  const data = new Float32Array(body.buffer.slice(body.byteOffset + parsed.tensors[0]!.byteOffset, body.byteOffset + body.byteLength));
  // Element (i, j) of the fixture is i * 600 + j; rows 2047, 1535, 1023, 511.
  assert.equal([...data], [2047, 1535, 1023, 511].flatMap((i) => [i * 600 + 3, i * 600 + 4]));
});

test('Range, HEAD and ETag work on every new representation', async () => {
  const cid = files.all.record.cid;
  const prefix = signZarrPrefix(cid, { ring: server.ring, expiresIn: 600 }).url;
  const targets: Array<{ url: string }> = [
    { url: server.sign(downloadPath({ kind: 'tensor', cid, name: 'big' }), { format: 'arrow' }) },
    { url: server.sign(downloadPath({ kind: 'tensor', cid, name: 'F32' }), { format: 'safetensors', slice: '::-1' }) },
    { url: server.sign(`/v1/file/${cid}`, { tensors: 'big,F16' }) },
    { url: `${prefix}big/1.0` },
    { url: `${prefix}.zmetadata` },
  ];
  const etags = new Set<string>();
  for (const { url } of targets) {
    const whole = await fetch(`${server.url}${url}`);
    const body = Buffer.from(await whole.arrayBuffer());
    assert.is(whole.status, 200, url);
    assert.is(whole.headers.get('accept-ranges'), 'bytes');
    const etag = whole.headers.get('etag')!;
    etags.add(etag);
    const head = await fetch(`${server.url}${url}`, { method: 'HEAD' });
    assert.is(head.headers.get('content-length'), String(body.byteLength));
    const part = await fetch(`${server.url}${url}`, { headers: { Range: 'bytes=5-99' } });
    assert.is(part.status, 206);
    assert.is(part.headers.get('content-range'), `bytes 5-99/${body.byteLength}`);
    assert.equal(Buffer.from(await part.arrayBuffer()), body.subarray(5, 100));
    const suffix = await fetch(`${server.url}${url}`, { headers: { Range: 'bytes=-7' } });
    assert.equal(Buffer.from(await suffix.arrayBuffer()), body.subarray(body.byteLength - 7));
    const multi = await fetch(`${server.url}${url}`, { headers: { Range: 'bytes=0-3,20-29' } });
    const parts = parseMultipart(Buffer.from(await multi.arrayBuffer()), multi.headers.get('content-type')!);
    assert.equal(parts.map((p) => p.body), [body.subarray(0, 4), body.subarray(20, 30)]);
    assert.is((await fetch(`${server.url}${url}`, { headers: { 'If-None-Match': etag } })).status, 304);
    assert.is((await fetch(`${server.url}${url}`, { headers: { Range: `bytes=${body.byteLength}-` } })).status, 416);
  }
  assert.is(etags.size, targets.length, 'each representation has its own ETag');
});

test('Zarr chunks: a full chunk is the stored rows, an edge chunk is padded with zeros to full size', async () => {
  const prefix = signZarrPrefix(files.all.record.cid, { ring: server.ring, expiresIn: 600 }).url;
  const zarray = await (await fetch(`${server.url}${prefix}big/.zarray`)).json();
  assert.equal(zarray.chunks, [512, 2048]);
  const edge = Buffer.from(await (await fetch(`${server.url}${prefix}big/1.0`)).arrayBuffer());
  assert.is(edge.byteLength, 512 * 2048 * 4);
  const values = new Float32Array(edge.buffer, edge.byteOffset, 512 * 2048);
  assert.is(values[0], 512 * 2048);
  assert.is(values[188 * 2048 - 1], 700 * 2048 - 1);
  assert.ok(values.subarray(188 * 2048).every((v) => v === 0));
  const bf16 = await (await fetch(`${server.url}${prefix}BF16/.zattrs`)).json();
  assert.is(bf16.dtype, 'BF16');
  assert.is(bf16.stored_as, '<u2');
  const group = await (await fetch(`${server.url}${prefix}enc/.zgroup`)).json();
  assert.equal(group, { zarr_format: 2 });
});

test('signatures: a subset link is signed like any link; a Zarr prefix covers its keys and nothing else', async () => {
  const cid = files.all.record.cid;
  const links = signedLinks(server.ring);
  const subset = await fetch(`${server.url}${links.subset(cid, ['s', 'e'], { expiresIn: 60 }).url}`);
  assert.is(subset.status, 200);
  assert.is(subset.headers.get('content-disposition'), `attachment; filename="${cid}-subset.safetensors"`);
  assert.is((await fetch(`${server.url}/v1/file/${cid}?tensors=s`)).status, 403);
  const tampered = links.subset(cid, ['s'], { expiresIn: 60 }).url.replace('tensors=s', 'tensors=big');
  assert.is((await fetch(`${server.url}${tampered}`)).status, 403);
  const zarr = links.zarr(cid, { expiresIn: 60 }).url;
  assert.match(zarr, /^\/zarr\/s\/\d+\/[\w-]+\/[\w-]{43}\/bafkrei[a-z2-7]+\/$/);
  assert.is((await fetch(`${server.url}${zarr}s/0`)).status, 200);
  assert.is((await fetch(`${server.url}/zarr/${cid}/s/0`)).status, 403);
  const expired = signZarrPrefix(cid, { ring: server.ring, expiresIn: 1, now: Date.now() / 1000 - 3600 }).url;
  const answer = await fetch(`${server.url}${expired}.zgroup`);
  assert.is(answer.status, 403);
  assert.match(await answer.text(), /expired/);
  // --public: the plain path, and signedLinks hands it out.
  assert.is((await fetch(`${open.url}/zarr/${cid}/s/0`)).status, 200);
  assert.is(signedLinks(open.ring, { publicMode: true }).zarr(cid, {}).url, `/zarr/${cid}/`);
});

test('refusals: unknown format, misplaced or empty tensors, missing tensors and keys, traversal', async () => {
  const cid = files.all.record.cid;
  const prefix = signZarrPrefix(cid, { ring: server.ring, expiresIn: 600 }).url;
  const cases: Array<[string, number, RegExp]> = [
    [server.sign(downloadPath({ kind: 'tensor', cid, name: 'F32' }), { format: 'parquet' }), 400, /format must be raw, npy, arrow or safetensors/],
    [server.sign(downloadPath({ kind: 'tensor', cid, name: 'F32' }), { tensors: 'a' }), 400, /tensors applies to \/v1\/file/],
    [server.sign(`/v1/file/${cid}`, { tensors: ',' }), 400, /at least one tensor/],
    [server.sign(`/v1/file/${cid}`, { tensors: '["s",' }), 400, /at least one tensor/],
    [server.sign(`/v1/file/${cid}`, { tensors: 's,nope' }), 404, /no tensor named.*nope/],
    [server.sign(`/v1/file/${cid}`, { format: 'arrow' }), 400, /not to a file/],
    [server.sign(downloadPath({ kind: 'tensor', cid, name: 'BF16' }), { format: 'arrow', slice: '9' }), 400, /out of bounds/],
    [`${prefix}big/9.0`, 404, /no key.*9\.0/],
    [`${prefix}nope/.zarray`, 404, /no key/],
    [`${prefix}big/.zarray?x=1`, 400, /no query parameters/],
    [`/zarr/not-a-cid/.zgroup`, 400, /CID of this store/],
    [`/zarr/s/123/kid/short/${cid}/.zgroup`, 403, /malformed/],
  ];
  for (const [url, status, message] of cases) {
    const response = await fetch(`${server.url}${url}`);
    const text = await response.text();
    assert.is(response.status, status, `${url}: ${text}`);
    assert.match(text, message, url);
  }
});

test('parseZarrPath: traversal, control characters and malformed escapes are 400 (fetch would normalise them away)', () => {
  const cid = files.all.record.cid;
  for (const path of [`/zarr/${cid}/%2e%2e/.zgroup`, `/zarr/${cid}/a/../.zgroup`, `/zarr/${cid}/a%00/.zarray`, `/zarr/${cid}/%zz`, `/zarr/${cid}//.zgroup`, `/zarr/${cid}/a\\b`]) {
    assert.throws(() => parseZarrPath(path), (error: Refusal) => error.status === 400, path);
  }
  assert.equal(parseZarrPath(`/zarr/${cid}/enc%2Fk/0.0`).key, 'enc/k/0.0');
  assert.equal(parseZarrPath(`/zarr/${cid}/`).key, '');
  assert.throws(() => parseZarrPath('/zarr/'), (error: Refusal) => error.status === 404);
});

test.run();
